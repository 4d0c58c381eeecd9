//! The organisation's profile over HTTP (`/admin/organisation`, `/admin/organisation/history`),
//! on the real server with its own embedded store and the demo people. An admin's invalid edit
//! is refused (422, nothing saved, what was typed kept); a valid one shows on `/tell` at once
//! and in the history with the admin's name; a form from an older version gets the conflict
//! message; the DSL edits the contacts but cannot change the name; staff and learners are
//! refused, signed-out people sent to sign in, and a form without this session's token refused.
//! The core's tests (functions/core/tests/it/tenancy.rs) cover the rules themselves.

use crate::support;

use support::{Response, Web, csrf_in, decode_entities, get_as, post_as};

const ADMIN: &str = "admin@wexmoorvale.example.org";
const DSL: &str = "safeguarding@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";
const LEARNER: &str = "learner@wexmoorvale.example.org";
const PAGE: &str = "/admin/organisation";
const HISTORY: &str = "/admin/organisation/history";
const ORG_NAME: &str = "Wexmoor Vale College (demo)";
const SESSION_KEYS: &str = "k1:organisation-test-session-secret-0123456";

fn serve(data: &std::path::Path) -> Web {
    Web::serve_embedded(
        data,
        &[
            ("APP_SESSION_KEYS", SESSION_KEYS.into()),
            ("APP_DEMO_PEOPLE", "true".into()),
        ],
    )
}

/// The value of `name="…"`-style attribute `attr` in one tag.
fn attr(tag: &str, attr: &str) -> Option<String> {
    let marker = format!(" {attr}=\"");
    let start = tag.find(&marker)? + marker.len();
    let len = tag[start..].find('"')?;
    Some(decode_entities(&tag[start..start + len]))
}

/// Every field of the profile form as the page fills it in (inputs, the textarea, the chosen
/// kind), in order: what a browser would send unchanged.
#[track_caller]
fn form_fields(html: &str) -> Vec<(String, String)> {
    let start = html
        .find("class=\"profile-form\"")
        .unwrap_or_else(|| panic!("no profile form in\n{}", support::cut(html)));
    let end = start + html[start..].find("</form>").expect("the form ends");
    let form = &html[start..end];
    let mut fields = Vec::new();
    for (at, _) in form.match_indices("<input") {
        let tag = &form[at..at + form[at..].find('>').expect("the tag ends")];
        if let Some(name) = attr(tag, "name") {
            fields.push((name, attr(tag, "value").unwrap_or_default()));
        }
    }
    for (at, _) in form.match_indices("<textarea") {
        let open_end = at + form[at..].find('>').expect("the tag ends");
        let name = attr(&form[at..open_end], "name").expect("a named textarea");
        let close = open_end + form[open_end..].find("</textarea>").expect("it ends");
        fields.push((name, decode_entities(&form[open_end + 1..close])));
    }
    if let Some(at) = form.find("<select") {
        let close = at + form[at..].find("</select>").expect("it ends");
        let chosen = form[at..close]
            .match_indices("<option")
            .map(|(o, _)| &form[at + o..at + o + form[at + o..].find('>').unwrap()])
            .find(|tag| tag.contains(" selected"))
            .and_then(|tag| attr(tag, "value"))
            .expect("a kind is chosen");
        fields.push(("kind".into(), chosen));
    }
    fields
}

fn value_of<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no field {name}"))
}

fn with(fields: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out = fields.to_vec();
    for (name, value) in changes {
        match out.iter_mut().find(|(n, _)| n == name) {
            Some(f) => f.1 = value.to_string(),
            None => out.push((name.to_string(), value.to_string())),
        }
    }
    out
}

fn post_fields(web: &Web, cookie: &str, fields: &[(String, String)]) -> Response {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    post_as(web, PAGE, cookie, &borrowed)
}

/// How many versions the history page lists.
fn versions(web: &Web, cookie: &str) -> usize {
    let r = get_as(web, HISTORY, cookie);
    assert_eq!(r.status, 200, "{}", r.describe());
    r.text().matches("data-testid=\"version\"").count()
}

#[test]
fn an_admin_edit_is_checked_saved_shown_at_once_and_kept_in_the_history() {
    let data = tempfile::tempdir().unwrap();
    let web = serve(data.path());
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let page = get_as(&web, PAGE, &admin);
    assert_eq!(page.status, 200, "{}", page.describe());
    let html = page.text();
    let fields = form_fields(&html);
    assert_eq!(value_of(&fields, "name"), ORG_NAME);
    assert_eq!(value_of(&fields, "version"), "1");
    assert_eq!(value_of(&fields, "on_duty.0.name"), "Daniel Okafor");
    // The existing rows and two empty ones to add to each list.
    assert_eq!(value_of(&fields, "deputies.1.name"), "Hannah Cole");
    assert_eq!(value_of(&fields, "deputies.3.name"), "");
    assert!(!fields.iter().any(|(n, _)| n == "deputies.4.name"));
    assert!(
        html.contains("data-testid=\"not-editable\""),
        "requirements and single sign-on shown"
    );
    assert_eq!(versions(&web, &admin), 1);

    // Invalid: nothing saved, the form comes back with what was typed and why.
    let bad = with(
        &fields,
        &[
            ("dsl.phone", ""),
            ("local.partnership_site", "http://not-secure.example.org"),
            ("renewal_months", "twelve"),
        ],
    );
    let r = post_fields(&web, &admin, &bad);
    assert_eq!(r.status, 422, "{}", r.describe());
    let text = r.text();
    assert!(
        text.contains("There is a problem"),
        "{}",
        support::cut(&text)
    );
    assert!(text.contains("Enter the DSL's phone number."), "{text}");
    assert!(
        text.contains("href=\"#dsl-phone\""),
        "the reason links to its field"
    );
    assert!(text.contains("must be an https:// address"), "{text}");
    assert!(
        text.contains("href=\"#renewal-months\""),
        "the reason links to its field"
    );
    let again = form_fields(&text);
    assert_eq!(
        value_of(&again, "local.partnership_site"),
        "http://not-secure.example.org"
    );
    assert_eq!(value_of(&again, "renewal_months"), "twelve");
    assert_eq!(value_of(&again, "dsl.phone"), "");
    assert_eq!(value_of(&again, "version"), "1");
    assert_eq!(versions(&web, &admin), 1, "nothing saved");
    let still = form_fields(&get_as(&web, PAGE, &admin).text());
    assert_eq!(value_of(&still, "dsl.phone"), "01632 960101");
    assert_eq!(value_of(&still, "renewal_months"), "12");

    // Nothing changed: nothing saved, and it says so.
    let r = post_fields(&web, &admin, &fields);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.text().contains("data-testid=\"no-change\""));
    assert_eq!(versions(&web, &admin), 1);

    // A valid edit: saved, the page confirms it, and /tell shows the new name at once.
    let good = with(&fields, &[("on_duty.0.name", "Samira Lee")]);
    let r = post_fields(&web, &admin, &good);
    assert_eq!(r.status, 303, "{}", r.describe());
    assert_eq!(r.header("location"), Some("/admin/organisation?saved=2"));
    let saved = get_as(&web, "/admin/organisation?saved=2", &admin);
    assert_eq!(saved.status, 200);
    assert!(
        saved.text().contains("Saved. Version 2."),
        "{}",
        support::cut(&saved.text())
    );
    assert_eq!(value_of(&form_fields(&saved.text()), "version"), "2");
    let tell = web.get("/tell");
    assert_eq!(tell.status, 200);
    assert!(
        tell.text().contains("Samira Lee"),
        "the tell page shows the new on-duty name"
    );
    let history = get_as(&web, HISTORY, &admin).text();
    assert_eq!(history.matches("data-testid=\"version\"").count(), 2);
    let newest = &history[history.find("data-testid=\"version\"").unwrap()..];
    assert!(newest.contains("Version 2"), "{newest}");
    assert!(newest.contains("Chris Admin"), "{newest}");
    assert!(newest.contains("Daniel Okafor → Samira Lee"), "{newest}");

    // A form made from version 1 (someone else saved since): not saved, theirs shown.
    let stale = with(&fields, &[("on_duty.0.name", "Someone Older")]);
    let r = post_fields(&web, &admin, &stale);
    assert_eq!(r.status, 409, "{}", r.describe());
    let text = r.text();
    assert!(
        text.contains("data-testid=\"conflict\""),
        "{}",
        support::cut(&text)
    );
    assert!(text.contains("Someone else saved a change"));
    let theirs = form_fields(&text);
    assert_eq!(value_of(&theirs, "on_duty.0.name"), "Samira Lee");
    assert_eq!(value_of(&theirs, "version"), "2");
    assert_eq!(versions(&web, &admin), 2);

    // A row is removed by emptying it; an empty row filled in adds one.
    let current = form_fields(&get_as(&web, PAGE, &admin).text());
    let r = post_fields(
        &web,
        &admin,
        &with(
            &current,
            &[
                ("deputies.1.name", ""),
                ("deputies.1.title", ""),
                ("deputies.1.phone", ""),
                ("deputies.1.email", ""),
                ("out_of_hours_contacts.1.name", "Police (non-emergency)"),
                (
                    "out_of_hours_contacts.1.description",
                    "When it is not an emergency",
                ),
                ("out_of_hours_contacts.1.phone", "101"),
            ],
        ),
    );
    assert_eq!(r.status, 303, "{}", r.describe());
    let now = form_fields(&get_as(&web, PAGE, &admin).text());
    assert_eq!(value_of(&now, "deputies.0.name"), "Daniel Okafor");
    assert_eq!(
        value_of(&now, "deputies.1.name"),
        "",
        "Hannah Cole's row is gone"
    );
    assert_eq!(
        value_of(&now, "out_of_hours_contacts.1.name"),
        "Police (non-emergency)"
    );
    assert!(web.get("/tell").text().contains("Police (non-emergency)"));
}

#[test]
fn the_dsl_edits_the_contacts_but_not_the_organisation() {
    let data = tempfile::tempdir().unwrap();
    let web = serve(data.path());
    let dsl = support::sign_in(&web, data.path(), DSL);
    let page = get_as(&web, PAGE, &dsl);
    assert_eq!(page.status, 200, "{}", page.describe());
    let html = page.text();
    assert!(html.contains("data-testid=\"contacts-only\""));
    let fields = form_fields(&html);
    assert!(
        !fields.iter().any(|(n, _)| n == "name"),
        "no name field for the DSL"
    );
    assert!(!html.contains("data-testid=\"not-editable\""));

    // The name sent anyway: refused, not saved (and not a 200 pretending it was).
    let r = post_fields(
        &web,
        &dsl,
        &with(
            &fields,
            &[
                ("name", "Renamed by the DSL"),
                ("on_duty.0.name", "Samira Lee"),
            ],
        ),
    );
    assert_eq!(r.status, 403, "{}", r.describe());
    assert!(r.text().contains("Only an administrator can change"));
    assert_eq!(versions(&web, &dsl), 1, "nothing saved");
    let home = web.get("/").text();
    assert!(home.contains(ORG_NAME) && !home.contains("Renamed by the DSL"));

    // The contacts alone: saved, by the DSL's name.
    let r = post_fields(
        &web,
        &dsl,
        &with(&fields, &[("on_duty.0.name", "Samira Lee")]),
    );
    assert_eq!(r.status, 303, "{}", r.describe());
    assert!(web.get("/tell").text().contains("Samira Lee"));
    let history = get_as(&web, HISTORY, &dsl).text();
    assert_eq!(history.matches("data-testid=\"version\"").count(), 2);
    assert!(
        history.contains("Priya Marsh"),
        "{}",
        support::cut(&history)
    );
    assert!(
        web.get("/").text().contains(ORG_NAME),
        "the name is as it was"
    );
}

#[test]
fn others_are_refused() {
    let data = tempfile::tempdir().unwrap();
    let web = serve(data.path());

    // Signed out: to sign in, for the page, the history and a post.
    for r in [
        web.get(PAGE),
        web.get(HISTORY),
        web.post_form(PAGE, &[("name", "X")]),
    ] {
        assert_eq!(r.status, 303, "{}", r.describe());
        assert_eq!(r.header("location"), Some("/sign-in"));
    }

    // Staff and learners: refused, even with their own valid token.
    for who in [STAFF, LEARNER] {
        let cookie = support::sign_in(&web, data.path(), who);
        assert_eq!(get_as(&web, PAGE, &cookie).status, 403, "{who}");
        assert_eq!(get_as(&web, HISTORY, &cookie).status, 403, "{who}");
        let csrf = csrf_in(&get_as(&web, "/me", &cookie).text());
        let r = post_as(
            &web,
            PAGE,
            &cookie,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("on_duty.0.name", "Nobody"),
            ],
        );
        assert_eq!(r.status, 403, "{who}: {}", r.describe());
    }

    // The admin without this session's token: refused, nothing saved.
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let fields = form_fields(&get_as(&web, PAGE, &admin).text());
    let changed = with(&fields, &[("on_duty.0.name", "Forged Name")]);
    let without: Vec<(String, String)> = changed
        .iter()
        .filter(|(n, _)| n != "csrf")
        .cloned()
        .collect();
    assert_eq!(post_fields(&web, &admin, &without).status, 403);
    let wrong = with(&changed, &[("csrf", "not-the-token")]);
    assert_eq!(post_fields(&web, &admin, &wrong).status, 403);
    assert_eq!(versions(&web, &admin), 1, "nothing saved");
    assert!(!web.get("/tell").text().contains("Forged Name"));
}
