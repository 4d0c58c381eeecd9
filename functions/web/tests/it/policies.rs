//! An organisation's own policies over HTTP: the admin previews (nothing saved), is refused a
//! broken text with its line shown (nothing saved, the text kept) and a major version without
//! "what changed", publishes a minor version (signatures stand) and a major one (the staff
//! member who signed must sign again and sees what changed and the comparison; one who never
//! signed still has it "Not started"; the old signed text stays readable), and adds a page of
//! its own for parents and learners. Refused: signed out, staff and learners, without the CSRF
//! token, and another organisation. The core's tests (functions/core/tests/it/tenancy.rs) cover
//! the rules themselves.

use crate::support;

use std::path::Path;
use support::{
    Response, Web, csrf_in, decode_entities, form, get_as, outbox, post_as, textarea_value,
};

const ADMIN: &str = "admin@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";
const STAFF_NAME: &str = "Sam Carter";
/// A member of staff (and deputy DSL) who never signs the staff AUP here.
const OTHER_STAFF: &str = "d.okafor@wexmoorvale.example.org";
const LEARNER: &str = "learner@wexmoorvale.example.org";
const SESSION_KEYS: &str = "k1:policies-test-session-secret-0123456789";
const STAFF_AUP: &str = "aups/staff-aup.md";
const EDIT: &str = "/admin/policies/edit";
const NEW_RULE: &str = "Our own rule: personal phones stay in the staff room during sessions.";
const WHAT_CHANGED: &str = "We added a rule about personal phones in sessions.";

fn html(r: &Response) -> String {
    r.text()
}

#[track_caller]
fn assert_status(what: &str, r: &Response, status: u16) {
    assert_eq!(r.status, status, "{what}\n{}", r.describe());
}

/// The value of the hidden input `name` in a page.
#[track_caller]
fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no `{name}` field in the page:\n{html}"))
        + marker.len();
    let len = html[start..].find('"').expect("the value ends");
    decode_entities(&html[start..start + len])
}

/// The staff AUP's file as provided.
fn staff_aup_text() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/aups/staff-aup.md"),
    )
    .unwrap()
}

/// The training row of an item on /me/training.
#[track_caller]
fn training_row(web: &Web, cookie: &str, id: &str) -> String {
    let page = html(&get_as(web, "/me/training", cookie));
    let marker = format!(r#"data-testid="training-{id}""#);
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no row for {id}:\n{}", support::cut(&page)));
    let end = at + page[at..].find("</tr>").unwrap();
    page[at..end].to_string()
}

/// Signs the staff AUP as it is now; returns the hash signed.
#[track_caller]
fn sign_staff_aup(web: &Web, cookie: &str) -> String {
    let page = html(&get_as(web, "/aup/staff-aup", cookie));
    let sha = hidden(&page, "sha256");
    let r = post_as(
        web,
        "/aup/staff-aup",
        cookie,
        &[
            ("csrf", &csrf_in(&page)),
            ("version", &hidden(&page, "version")),
            ("sha256", &sha),
            ("typed_name", STAFF_NAME),
            ("declaration", "yes"),
        ],
    );
    assert_status("signing the staff AUP", &r, 200);
    assert!(html(&r).contains("data-testid=\"aup-signed\""));
    sha
}

/// Posts the editor.
fn post_editor(
    web: &Web,
    cookie: &str,
    csrf: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Response {
    let mut all = vec![("csrf", csrf), ("action", action)];
    all.extend_from_slice(fields);
    post_as(web, EDIT, cookie, &all)
}

/// The published versions page of a file.
fn versions_page(web: &Web, cookie: &str, path: &str) -> String {
    let r = get_as(
        web,
        &format!("/admin/policies/versions?path={}", path.replace('/', "%2F")),
        cookie,
    );
    assert_status("the versions page", &r, 200);
    html(&r)
}

fn start(data: &Path) -> Web {
    Web::serve_embedded(
        data,
        &[
            ("APP_SESSION_KEYS", SESSION_KEYS.into()),
            ("APP_DEMO_PEOPLE", "true".into()),
        ],
    )
}

#[test]
fn preview_saves_nothing_a_minor_version_keeps_signatures_a_major_one_asks_again() {
    let data = tempfile::tempdir().unwrap();
    let web = start(data.path());
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let staff = support::sign_in(&web, data.path(), STAFF);
    let other = support::sign_in(&web, data.path(), OTHER_STAFF);
    let learner = support::sign_in(&web, data.path(), LEARNER);
    let first_sha = sign_staff_aup(&web, &staff);
    assert!(training_row(&web, &staff, "staff-aup").contains("Done"));
    let edit_path = format!("{EDIT}?path=aups%2Fstaff-aup.md");

    // Refused: signed out (to sign in), staff and learners (403), without the token.
    for path in [
        "/admin/policies",
        &edit_path,
        "/admin/policies/versions?path=aups%2Fstaff-aup.md",
    ] {
        let r = web.get(path);
        assert!(
            matches!(r.status, 303 | 302),
            "{path} signed out\n{}",
            r.describe()
        );
        assert_eq!(r.header("location"), Some("/sign-in"));
        for (who, cookie) in [("staff", &staff), ("a learner", &learner)] {
            assert_status(
                &format!("{path} as {who}"),
                &get_as(&web, path, cookie),
                403,
            );
        }
    }
    let text = staff_aup_text().replace(
        "## Systems and devices\n",
        &format!("## Systems and devices\n\n{NEW_RULE}\n"),
    );
    let major = [
        ("path", STAFF_AUP),
        ("text", text.as_str()),
        ("change", "major"),
        ("summary", WHAT_CHANGED),
    ];
    let staff_csrf = csrf_in(&html(&get_as(&web, "/me", &staff)));
    let r = post_editor(&web, &staff, &staff_csrf, "publish", &major);
    assert_status("staff publishing with their own token", &r, 403);
    let r = web.post_form(EDIT, &major);
    assert!(
        matches!(r.status, 303 | 302),
        "signed out\n{}",
        r.describe()
    );
    let r = post_as(
        &web,
        EDIT,
        &admin,
        &[
            ("action", "publish"),
            major[0],
            major[1],
            major[2],
            major[3],
        ],
    );
    assert_status("without the CSRF token", &r, 403);
    let r = post_editor(&web, &admin, "not-the-token", "publish", &major);
    assert_status("with another token", &r, 403);

    // The list: the staff AUP in the provided wording, with an Edit link.
    let list = get_as(&web, "/admin/policies", &admin);
    assert_status("the list", &list, 200);
    let list = html(&list);
    assert!(
        list.contains("data-testid=\"policy-aups/staff-aup.md\""),
        "{}",
        support::cut(&list)
    );
    assert!(list.contains("The provided wording, version 1.0.0"));
    assert!(list.contains("href=\"/admin/policies/edit?path=aups%2Fstaff-aup.md\""));
    assert!(
        list.find("policy-aups/").unwrap() < list.find("policy-guidance/").unwrap(),
        "AUPs first"
    );

    // The editor holds the current text.
    let editor = get_as(&web, &edit_path, &admin);
    assert_status("the editor", &editor, 200);
    let editor = html(&editor);
    assert_eq!(textarea_value(&editor), staff_aup_text());
    let csrf = csrf_in(&editor);

    // A preview: the page as it would be, the text kept, nothing saved.
    let r = post_editor(&web, &admin, &csrf, "preview", &major);
    assert_status("a preview", &r, 200);
    let page = html(&r);
    assert!(
        page.contains("data-testid=\"preview\""),
        "{}",
        support::cut(&page)
    );
    assert!(page.contains("published as version 2.0.0"));
    assert!(page.contains(NEW_RULE));
    assert_eq!(textarea_value(&page), text, "the text as typed");
    assert!(page.contains(WHAT_CHANGED), "the summary as typed");
    assert!(versions_page(&web, &admin, STAFF_AUP).contains("You have not published"));
    assert!(
        training_row(&web, &staff, "staff-aup").contains("Done"),
        "nothing changed"
    );

    // A broken front matter: refused with its line, the text kept, nothing saved.
    let broken = text.replace("minutes = 8", "minutes = \"eight\"");
    let line = broken
        .lines()
        .position(|l| l.starts_with("minutes"))
        .unwrap()
        + 1;
    for action in ["preview", "publish"] {
        let r = post_editor(
            &web,
            &admin,
            &csrf,
            action,
            &[
                ("path", STAFF_AUP),
                ("text", &broken),
                ("change", "minor"),
                ("summary", ""),
            ],
        );
        assert_status(&format!("a broken front matter ({action})"), &r, 422);
        let page = html(&r);
        assert!(
            page.contains("data-testid=\"problems\""),
            "{}",
            support::cut(&page)
        );
        assert!(
            page.contains(&format!("aups/staff-aup.md, line {line}")),
            "line {line}: {}",
            support::cut(&page)
        );
        assert_eq!(
            textarea_value(&page),
            broken,
            "the text as typed ({action})"
        );
        assert!(!page.contains("data-testid=\"preview\""));
    }
    // A major version without "what changed": refused, nothing saved.
    let r = post_editor(
        &web,
        &admin,
        &csrf,
        "publish",
        &[
            ("path", STAFF_AUP),
            ("text", &text),
            ("change", "major"),
            ("summary", "  "),
        ],
    );
    assert_status("a major version without what changed", &r, 422);
    assert!(html(&r).contains("Say what changed"));
    assert_eq!(textarea_value(&html(&r)), text);
    assert!(versions_page(&web, &admin, STAFF_AUP).contains("You have not published"));
    assert!(training_row(&web, &staff, "staff-aup").contains("Done"));

    // A minor version: published as 1.1.0; the signature stands.
    let minor_text = staff_aup_text().replace(
        "responsibly, mainly for my work",
        "responsibly and mainly for my work",
    );
    let r = post_editor(
        &web,
        &admin,
        &csrf,
        "publish",
        &[
            ("path", STAFF_AUP),
            ("text", &minor_text),
            ("change", "minor"),
            ("summary", "Wording."),
        ],
    );
    assert_status("publishing a minor version", &r, 303);
    assert_eq!(
        r.header("location"),
        Some("/admin/policies/versions?path=aups%2Fstaff-aup.md&published=1")
    );
    let versions = versions_page(&web, &admin, "aups/staff-aup.md&published=1");
    assert!(versions.contains("data-testid=\"published\"") && versions.contains("1.1.0"));
    assert!(
        training_row(&web, &staff, "staff-aup").contains("Done"),
        "a minor version keeps the signature"
    );
    assert!(html(&get_as(&web, "/aup/staff-aup", &staff)).contains("responsibly and mainly"));

    // A major version: 2.0.0; the staff member who signed must sign again, and sees why.
    let r = post_editor(&web, &admin, &csrf, "publish", &major);
    assert_status("publishing a major version", &r, 303);
    let versions = versions_page(&web, &admin, STAFF_AUP);
    assert!(versions.contains("data-testid=\"version-2\"") && versions.contains("2.0.0"));
    assert!(versions.contains(WHAT_CHANGED) && versions.contains("Chris Admin"));
    assert!(
        versions.find("version-2").unwrap() < versions.find("version-1").unwrap(),
        "newest first"
    );
    let one = get_as(
        &web,
        "/admin/policies/version?path=aups%2Fstaff-aup.md&number=2",
        &admin,
    );
    assert_status("one version", &one, 200);
    assert!(html(&one).contains(NEW_RULE));
    let list = html(&get_as(&web, "/admin/policies", &admin));
    assert!(
        list.contains("Your version 2 (2.0.0), published by Chris Admin"),
        "{}",
        support::cut(&list)
    );

    let row = training_row(&web, &staff, "staff-aup");
    assert!(row.contains("New version to do"), "{row}");
    let row = training_row(&web, &other, "staff-aup");
    assert!(
        row.contains("Not started") && !row.contains("New version"),
        "{row}"
    );

    let aup = html(&get_as(&web, "/aup/staff-aup", &staff));
    assert!(
        aup.contains("data-testid=\"what-changed\""),
        "{}",
        support::cut(&aup)
    );
    assert!(aup.contains(WHAT_CHANGED) && aup.contains(NEW_RULE));
    assert!(aup.contains("href=\"/aup/staff-aup/compare\""));
    let never = html(&get_as(&web, "/aup/staff-aup", &other));
    assert!(
        !never.contains("data-testid=\"what-changed\""),
        "nothing to compare for someone who never signed"
    );

    // The comparison: the new paragraph added, beside the text signed.
    let compare = get_as(&web, "/aup/staff-aup/compare", &staff);
    assert_status("the comparison", &compare, 200);
    let compare = html(&compare);
    let added = compare
        .find("data-testid=\"added\"")
        .expect("an added paragraph");
    assert!(compare[added..].contains(NEW_RULE));
    assert!(compare.contains(">Added<") && compare.contains("version you signed (1.0.0)"));
    // The unchanged stretches are folded away, the change is not.
    assert!(
        compare.contains("data-testid=\"compare-fold\"")
            && compare.contains("paragraphs that are the same in both versions</summary>"),
        "the unchanged paragraphs folded"
    );
    let before = &compare[..added];
    assert_eq!(
        before.matches("<details").count(),
        before.matches("</details>").count(),
        "the added paragraph is not inside a fold"
    );
    assert_status(
        "no comparison without a signature",
        &get_as(&web, "/aup/staff-aup/compare", &other),
        404,
    );
    assert!(matches!(
        web.get("/aup/staff-aup/compare").status,
        302 | 303
    ));

    // What the staff member signed stays readable at its address.
    let signed = get_as(&web, &format!("/aup/staff-aup/signed/{first_sha}"), &staff);
    assert_status("the old signed text", &signed, 200);
    let signed = html(&signed);
    assert!(signed.contains("data-testid=\"signed-text\""));
    assert!(!signed.contains(NEW_RULE) && signed.contains("responsibly, mainly for my work"));

    // Signing the new version: done, and "what changed" is gone.
    sign_staff_aup(&web, &staff);
    assert!(training_row(&web, &staff, "staff-aup").contains("Done"));
    assert!(
        !html(&get_as(&web, "/aup/staff-aup", &staff)).contains("data-testid=\"what-changed\"")
    );
}

#[test]
fn an_own_page_for_parents_and_learners_is_listed_where_they_look() {
    let data = tempfile::tempdir().unwrap();
    let web = start(data.path());
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let editor = get_as(&web, &format!("{EDIT}?new=1"), &admin);
    assert_status("a new page's editor", &editor, 200);
    let editor = html(&editor);
    let template = textarea_value(&editor);
    assert!(template.contains("id = \"our-rules-for-phones\""));
    let csrf = csrf_in(&editor);

    // A name that is not one: refused, the text kept.
    let r = post_editor(
        &web,
        &admin,
        &csrf,
        "publish",
        &[
            ("path", ""),
            ("name", "Our Rules!"),
            ("text", &template),
            ("change", "new"),
            ("summary", ""),
        ],
    );
    assert_status("a bad name", &r, 422);
    assert_eq!(textarea_value(&html(&r)), template);

    // The template as it is previews and publishes.
    let fields = [
        ("path", ""),
        ("name", "our-rules-for-phones"),
        ("text", template.as_str()),
        ("change", "new"),
        ("summary", ""),
    ];
    let r = post_editor(&web, &admin, &csrf, "preview", &fields);
    assert_status("previewing the template", &r, 200);
    assert!(html(&r).contains("data-testid=\"preview\""));
    assert_eq!(
        web.get("/parents/our-rules-for-phones").status,
        404,
        "not published by a preview"
    );
    let r = post_editor(&web, &admin, &csrf, "publish", &fields);
    assert_status("publishing the template", &r, 303);
    assert_eq!(
        r.header("location"),
        Some("/admin/policies/versions?path=guidance%2Four-rules-for-phones.md&published=1")
    );

    assert_status("the page", &web.get("/parents/our-rules-for-phones"), 200);
    assert!(html(&web.get("/parents")).contains("href=\"/parents/our-rules-for-phones\""));
    let learn = html(&web.get("/learn"));
    let own = learn
        .find("data-testid=\"own-pages\"")
        .expect("an own pages section");
    assert!(learn[own..].contains("href=\"/parents/our-rules-for-phones\""));
    let list = html(&get_as(&web, "/admin/policies", &admin));
    assert!(list.contains("data-testid=\"policy-guidance/our-rules-for-phones.md\""));
    // The same page again is refused: it exists.
    let r = post_editor(&web, &admin, &csrf, "publish", &fields);
    assert_status("the same new page again", &r, 422);
}

// ---------------------------------------------------------------------------------------------
// Another organisation

use crate::organisations::{ORG_B_ADMIN, ORG_B_HOST};

fn request_at(
    web: &Web,
    host: &str,
    method: &str,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> Response {
    let body = form(fields);
    web.request(
        method,
        path,
        &[
            ("Host", host),
            ("Cookie", cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        body.as_bytes(),
    )
}

#[track_caller]
fn sign_in_at(web: &Web, data: &Path, host: &str, email: &str) -> String {
    let before = outbox(data);
    let r = request_at(web, host, "POST", "/sign-in", "", &[("email", email)]);
    assert_status("asking for a link", &r, 200);
    let mails = support::wait_for_new_mail(data, &before, 1);
    let text = mails
        .iter()
        .map(|m| std::fs::read_to_string(m).unwrap())
        .find(|t| t.contains("/sign-in/link?token="))
        .expect("a sign-in email");
    let token = text
        .split_whitespace()
        .find_map(|w| {
            w.split_once("/sign-in/link?token=")
                .map(|(_, t)| t.to_string())
        })
        .unwrap();
    let r = request_at(web, host, "POST", "/sign-in/link", "", &[("token", &token)]);
    assert_status("signing in", &r, 303);
    r.headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next())
        .find(|c| c.starts_with("session=") && c.len() > "session=".len())
        .expect("a session cookie")
        .to_string()
}

#[test]
fn another_organisation_neither_sees_nor_publishes_ours() {
    let data = tempfile::tempdir().unwrap();
    crate::organisations::create_org_b(data.path());
    let web = start(data.path());
    let host_a = format!("127.0.0.1:{}", web.addr().port());
    let admin_a = sign_in_at(&web, data.path(), &host_a, ADMIN);
    let admin_b = sign_in_at(&web, data.path(), ORG_B_HOST, ORG_B_ADMIN);

    // Org A publishes a major staff AUP version.
    let csrf_a = csrf_in(&html(&request_at(
        &web,
        &host_a,
        "GET",
        "/admin/policies/edit?path=aups%2Fstaff-aup.md",
        &admin_a,
        &[],
    )));
    let text = staff_aup_text().replace(
        "## Systems and devices\n",
        &format!("## Systems and devices\n\n{NEW_RULE}\n"),
    );
    let r = request_at(
        &web,
        &host_a,
        "POST",
        EDIT,
        &admin_a,
        &[
            ("csrf", &csrf_a),
            ("action", "publish"),
            ("path", STAFF_AUP),
            ("text", &text),
            ("change", "major"),
            ("summary", WHAT_CHANGED),
        ],
    );
    assert_status("org A publishing", &r, 303);

    // Org B sees the provided wording, none of org A's versions, and the provided text.
    let list_b = request_at(&web, ORG_B_HOST, "GET", "/admin/policies", &admin_b, &[]);
    assert_status("org B's list", &list_b, 200);
    let list_b = html(&list_b);
    assert!(
        list_b.contains("The provided wording, version 1.0.0") && !list_b.contains("Your version")
    );
    let versions_b = html(&request_at(
        &web,
        ORG_B_HOST,
        "GET",
        "/admin/policies/versions?path=aups%2Fstaff-aup.md",
        &admin_b,
        &[],
    ));
    assert!(versions_b.contains("You have not published") && !versions_b.contains(WHAT_CHANGED));
    let aup_b = html(&request_at(
        &web,
        ORG_B_HOST,
        "GET",
        "/aup/staff-aup",
        "",
        &[],
    ));
    assert!(
        !aup_b.contains(NEW_RULE),
        "org B's staff AUP is the provided one"
    );
    let number = request_at(
        &web,
        ORG_B_HOST,
        "GET",
        "/admin/policies/version?path=aups%2Fstaff-aup.md&number=1",
        &admin_b,
        &[],
    );
    assert_status("org A's version at org B", &number, 404);

    // Org A's session is nobody at org B's address: it can neither see nor publish there.
    let r = request_at(&web, ORG_B_HOST, "GET", "/admin/policies", &admin_a, &[]);
    assert_ne!(r.status, 200, "{}", r.describe());
    let r = request_at(
        &web,
        ORG_B_HOST,
        "POST",
        EDIT,
        &admin_a,
        &[
            ("csrf", &csrf_a),
            ("action", "publish"),
            ("path", STAFF_AUP),
            ("text", &text),
            ("change", "major"),
            ("summary", WHAT_CHANGED),
        ],
    );
    assert!(
        r.status == 403 || r.header("location") == Some("/sign-in"),
        "refused or sent to sign in at org B\n{}",
        r.describe()
    );
    let versions_b = html(&request_at(
        &web,
        ORG_B_HOST,
        "GET",
        "/admin/policies/versions?path=aups%2Fstaff-aup.md",
        &admin_b,
        &[],
    ));
    assert!(
        versions_b.contains("You have not published"),
        "nothing published at org B"
    );
}
