//! Families over HTTP: the real `web` binary with its own embedded store and the demo people.
//! An admin links the demo parent to the demo learner on the learner's family page and records
//! a date of birth; refused: signed out, without the CSRF token, a learner linking themselves,
//! a parent using the admin page. The parent then sees their child at /me/children; co-signing
//! without the token, or before the child has signed, is refused. The core's tests
//! (functions/core/tests/it/family.rs) cover the rules themselves.

use crate::support;

use support::{Web, csrf_in, get_as, post_as};

const ADMIN: &str = "admin@wexmoorvale.example.org";
const LEARNER: &str = "learner@wexmoorvale.example.org";
const PARENT: &str = "parent@wexmoorvale.example.org";
const SESSION_KEYS: &str = "k1:family-test-session-secret-0123456789abc";

/// The id in the first `/admin/people/{id}/family` link after `name` on the people page.
fn family_path(html: &str, name: &str) -> String {
    let at = html
        .find(name)
        .unwrap_or_else(|| panic!("{name} not listed"));
    let end = at + html[at..].find("/family\"").expect("a family link") + "/family".len();
    let start = html[..end].rfind("/admin/people/").unwrap();
    html[start..end].to_string()
}

#[test]
fn an_admin_links_a_parent_and_only_the_linked_parent_sees_and_cosigns() {
    let data = tempfile::tempdir().unwrap();
    let web = Web::serve_embedded(
        data.path(),
        &[
            ("APP_SESSION_KEYS", SESSION_KEYS.into()),
            ("APP_DEMO_PEOPLE", "true".into()),
        ],
    );
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let people = get_as(&web, "/admin/people", &admin).text();
    let learner_family = family_path(&people, "Alex Rivers");
    let page = get_as(&web, &learner_family, &admin);
    assert_eq!(page.status, 200, "{}", page.describe());
    let admin_csrf = csrf_in(&page.text());

    // Signed out: to sign in. No token: refused, nothing linked.
    let r = web.post_form(
        &learner_family,
        &[("action", "link-parent"), ("email", PARENT)],
    );
    assert!(r.status == 303 || r.status == 403, "{}", r.describe());
    let r = post_as(
        &web,
        &learner_family,
        &admin,
        &[("action", "link-parent"), ("email", PARENT)],
    );
    assert_eq!(r.status, 403, "{}", r.describe());
    let r = post_as(
        &web,
        &learner_family,
        &admin,
        &[
            ("csrf", "wrong"),
            ("action", "link-parent"),
            ("email", PARENT),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.describe());

    // A learner linking themselves, with their own valid token: refused.
    let learner = support::sign_in(&web, data.path(), LEARNER);
    let learner_csrf = csrf_in(&get_as(&web, "/me/training", &learner).text());
    let r = post_as(
        &web,
        &learner_family,
        &learner,
        &[
            ("csrf", &learner_csrf),
            ("action", "link-parent"),
            ("email", PARENT),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.describe());
    assert_eq!(get_as(&web, &learner_family, &learner).status, 403);

    // The parent, not yet linked, sees no child; the parent cannot use the admin page.
    let parent = support::sign_in(&web, data.path(), PARENT);
    let mine = get_as(&web, "/me/children", &parent);
    assert_eq!(mine.status, 200, "{}", mine.describe());
    assert!(mine.text().contains("data-testid=\"no-children\""));
    let parent_csrf = csrf_in(&get_as(&web, "/me", &parent).text());
    let r = post_as(
        &web,
        &learner_family,
        &parent,
        &[
            ("csrf", &parent_csrf),
            ("action", "link-parent"),
            ("email", PARENT),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.describe());
    assert_eq!(
        get_as(&web, "/me/children", &learner).status,
        403,
        "a learner has no children page"
    );

    // The admin links them (an unknown email is refused to correct) and records a birth date.
    let r = post_as(
        &web,
        &learner_family,
        &admin,
        &[
            ("csrf", &admin_csrf),
            ("action", "link-parent"),
            ("email", "nobody@wexmoorvale.example.org"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.describe());
    let r = post_as(
        &web,
        &learner_family,
        &admin,
        &[
            ("csrf", &admin_csrf),
            ("action", "link-parent"),
            ("email", PARENT),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.text().contains("Linked Jo Rivers."), "{}", r.describe());
    assert!(r.text().contains("data-testid=\"parents\""));
    let r = post_as(
        &web,
        &learner_family,
        &admin,
        &[
            ("csrf", &admin_csrf),
            ("action", "birth"),
            ("date_of_birth", "2013-09-01"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.text().contains("2013-09-01"));

    // The parent now sees Alex; the learner AUP is not signed yet, so there is nothing to
    // co-sign, and a forged co-signature is refused (without the token: 403; with it: 409).
    let mine = get_as(&web, "/me/children", &parent).text();
    assert!(
        mine.contains("Alex Rivers") && mine.contains("Under 16"),
        "{mine}"
    );
    assert!(!mine.contains("data-testid=\"cosign-form\""));
    let learner_id = learner_family
        .trim_start_matches("/admin/people/")
        .trim_end_matches("/family");
    let forged = [
        ("child", learner_id),
        ("aup", "learner-aup"),
        ("signature", "00000000-0000-4000-8000-000000000000"),
        ("typed_name", "Jo Rivers"),
        ("declaration", "yes"),
    ];
    let r = post_as(&web, "/me/children", &parent, &forged);
    assert_eq!(r.status, 403, "{}", r.describe());
    let mut with_token = vec![("csrf", parent_csrf.as_str())];
    with_token.extend(forged);
    let r = post_as(&web, "/me/children", &parent, &with_token);
    assert_eq!(r.status, 409, "{}", r.describe());

    // Unlinked: the parent no longer sees the child.
    let parent_family = family_path(&people, "Jo Rivers");
    let parent_id = parent_family
        .trim_start_matches("/admin/people/")
        .trim_end_matches("/family");
    let r = post_as(
        &web,
        &learner_family,
        &admin,
        &[
            ("csrf", &admin_csrf),
            ("action", "unlink"),
            ("other", parent_id),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(
        get_as(&web, "/me/children", &parent)
            .text()
            .contains("data-testid=\"no-children\"")
    );
}

/// The value of the first hidden input `name` in a page.
#[track_caller]
fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no `{name}` field in the page:\n{html}"))
        + marker.len();
    let len = html[start..].find('"').expect("the value ends");
    support::decode_entities(&html[start..start + len])
}

fn text_of(r: &support::Response) -> String {
    support::decode_entities(&r.text())
}

const DSL: &str = "safeguarding@wexmoorvale.example.org";
const OTHER_PARENT: &str = "pat.other@wexmoorvale.example.org";

/// What shows that nothing was co-signed: the parent's page offers no co-signature, the child's
/// compliance record has none, and the signatures export has no co-signer for the child.
#[track_caller]
fn nothing_cosigned(web: &Web, parent: &str, dsl: &str, learner_id: &str, when: &str) {
    let mine = text_of(&get_as(web, "/me/children", parent));
    assert!(!mine.contains("data-testid=\"cosigned\""), "{when}: {mine}");
    let record = text_of(&get_as(
        web,
        &format!("/compliance/people/{learner_id}"),
        dsl,
    ));
    assert!(
        !record.contains("data-testid=\"cosignature\""),
        "{when}: {record}"
    );
    let csv = get_as(web, "/compliance/export/aup-signatures.csv", dsl).text();
    assert!(!csv.contains("Jo Rivers"), "{when}: {csv}");
    assert!(!csv.contains("Pat Other"), "{when}: {csv}");
}

#[test]
fn a_linked_parent_cosigns_their_childs_learner_aup_and_every_refusal_writes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let web = Web::serve_embedded(
        data.path(),
        &[
            ("APP_SESSION_KEYS", SESSION_KEYS.into()),
            ("APP_DEMO_PEOPLE", "true".into()),
        ],
    );
    let web = &web;
    let admin = support::sign_in(web, data.path(), ADMIN);
    let dsl = support::sign_in(web, data.path(), DSL);
    let people = get_as(web, "/admin/people", &admin).text();
    let learner_family = family_path(&people, "Alex Rivers");
    let learner_id = learner_family
        .trim_start_matches("/admin/people/")
        .trim_end_matches("/family")
        .to_string();
    let admin_csrf = csrf_in(&get_as(web, &learner_family, &admin).text());
    let admin_post = |fields: &[(&str, &str)]| {
        let mut all = vec![("csrf", admin_csrf.as_str())];
        all.extend_from_slice(fields);
        let r = post_as(web, &learner_family, &admin, &all);
        assert_eq!(r.status, 200, "{fields:?}\n{}", r.describe());
    };

    // A second parent, of another family, invited by the admin.
    let r = post_as(
        web,
        "/admin/people/invite",
        &admin,
        &[
            ("csrf", &admin_csrf),
            ("email", OTHER_PARENT),
            ("name", "Pat Other"),
            ("roles", "parent"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.describe());

    // Jo is linked to Alex, who is 13; Alex has not signed yet: no form, and a co-signature
    // posted anyway is refused (409) and writes nothing.
    admin_post(&[("action", "link-parent"), ("email", PARENT)]);
    admin_post(&[("action", "birth"), ("date_of_birth", "2013-09-01")]);
    let parent = support::sign_in(web, data.path(), PARENT);
    let mine = text_of(&get_as(web, "/me/children", &parent));
    assert!(
        mine.contains("Alex Rivers has not signed the current version yet."),
        "{mine}"
    );
    assert!(
        mine.contains("Status: Not started."),
        "the AUP's status is shown: {mine}"
    );
    assert!(!mine.contains("data-testid=\"cosign-form\""), "{mine}");
    let parent_csrf = csrf_in(&text_of(&get_as(web, "/me", &parent)));
    let r = post_as(
        web,
        "/me/children",
        &parent,
        &[
            ("csrf", &parent_csrf),
            ("child", &learner_id),
            ("aup", "learner-aup"),
            ("signature", ""),
            ("typed_name", "Jo Rivers"),
            ("declaration", "yes"),
        ],
    );
    assert_eq!(r.status, 409, "the child not yet signed\n{}", r.describe());
    assert!(text_of(&r).contains("has not signed the current version"));
    nothing_cosigned(web, &parent, &dsl, &learner_id, "before the child signs");

    // Alex signs the learner AUP.
    let learner = support::sign_in(web, data.path(), LEARNER);
    let aup = text_of(&get_as(web, "/aup/learner-aup", &learner));
    let r = post_as(
        web,
        "/aup/learner-aup",
        &learner,
        &[
            ("csrf", &csrf_in(&aup)),
            ("version", &hidden(&aup, "version")),
            ("sha256", &hidden(&aup, "sha256")),
            ("typed_name", "Alex Rivers"),
            ("declaration", "yes"),
        ],
    );
    assert_eq!(r.status, 200, "the child signing\n{}", r.describe());

    // Jo now sees the signature and the form to co-sign, with the child's signature id.
    let mine = text_of(&get_as(web, "/me/children", &parent));
    assert!(
        mine.contains("Status: Done. Alex Rivers signed it on"),
        "{mine}"
    );
    assert!(mine.contains("data-testid=\"cosign-form\""), "{mine}");
    let signature = hidden(&mine, "signature");
    assert!(!signature.is_empty());
    let cosign = |csrf: &str, name: &str| {
        vec![
            ("csrf".to_string(), csrf.to_string()),
            ("child".to_string(), learner_id.clone()),
            ("aup".to_string(), "learner-aup".to_string()),
            ("signature".to_string(), signature.clone()),
            ("typed_name".to_string(), name.to_string()),
            ("declaration".to_string(), "yes".to_string()),
        ]
    };
    let post_fields = |cookie: &str, fields: &[(String, String)]| {
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        post_as(web, "/me/children", cookie, &borrowed)
    };

    // A parent not linked to Alex, with their own valid token and Alex's signature id: refused.
    let other = support::sign_in(web, data.path(), OTHER_PARENT);
    let other_page = text_of(&get_as(web, "/me/children", &other));
    assert!(other_page.contains("data-testid=\"no-children\""));
    let other_csrf = csrf_in(&text_of(&get_as(web, "/me", &other)));
    let r = post_fields(&other, &cosign(&other_csrf, "Pat Other"));
    assert_eq!(r.status, 403, "a parent not linked\n{}", r.describe());
    nothing_cosigned(web, &parent, &dsl, &learner_id, "a parent not linked");

    // Not a parent: the learner themselves and a member of staff, each with a valid token.
    let learner_csrf = csrf_in(&text_of(&get_as(web, "/me/training", &learner)));
    let r = post_fields(&learner, &cosign(&learner_csrf, "Alex Rivers"));
    assert_eq!(r.status, 403, "the learner co-signing\n{}", r.describe());
    let staff = support::sign_in(web, data.path(), "staff@wexmoorvale.example.org");
    let staff_csrf = csrf_in(&text_of(&get_as(web, "/me/training", &staff)));
    let r = post_fields(&staff, &cosign(&staff_csrf, "Sam Carter"));
    assert_eq!(r.status, 403, "a member of staff\n{}", r.describe());
    nothing_cosigned(web, &parent, &dsl, &learner_id, "not a parent");

    // A stale token: the one of Jo's earlier session, sent from a new session.
    let parent_again = support::sign_in(web, data.path(), PARENT);
    let r = post_fields(&parent_again, &cosign(&parent_csrf, "Jo Rivers"));
    assert_eq!(r.status, 403, "a stale CSRF token\n{}", r.describe());
    let r = post_fields(&parent, &cosign("", "Jo Rivers"));
    assert_eq!(r.status, 403, "no CSRF token\n{}", r.describe());
    nothing_cosigned(web, &parent, &dsl, &learner_id, "a stale token");

    // Alex is 16 or over: the page says they sign on their own, co-signing is refused.
    admin_post(&[("action", "birth"), ("date_of_birth", "2005-01-01")]);
    let mine = text_of(&get_as(web, "/me/children", &parent));
    assert!(mine.contains("16 or over"), "{mine}");
    assert!(!mine.contains("data-testid=\"cosign-form\""), "{mine}");
    let r = post_fields(&parent, &cosign(&parent_csrf, "Jo Rivers"));
    assert_eq!(r.status, 403, "a child of 16 or over\n{}", r.describe());
    assert!(text_of(&r).contains("Your child is 16 or over"));
    nothing_cosigned(web, &parent, &dsl, &learner_id, "a child of 16 or over");

    // Under 16 again: Jo co-signs with the typed name and the declaration.
    admin_post(&[("action", "birth"), ("date_of_birth", "2013-09-01")]);
    let mine = text_of(&get_as(web, "/me/children", &parent));
    assert!(mine.contains("Under 16"), "{mine}");
    assert!(
        mine.contains("I have read this policy (version"),
        "the declaration is on the form: {mine}"
    );
    let mut unticked = cosign(&parent_csrf, "Jo Rivers");
    unticked.pop();
    let r = post_fields(&parent, &unticked);
    assert_eq!(
        r.status,
        422,
        "the declaration not ticked\n{}",
        r.describe()
    );
    let r = post_fields(&parent, &cosign(&parent_csrf, "Someone Else"));
    assert_eq!(r.status, 422, "another name\n{}", r.describe());
    nothing_cosigned(web, &parent, &dsl, &learner_id, "a bad form");

    let r = post_fields(&parent, &cosign(&parent_csrf, "jo  rivers"));
    assert_eq!(r.status, 200, "co-signing\n{}", r.describe());
    let done = text_of(&r);
    assert!(
        done.contains("you have co-signed your child's agreement"),
        "{done}"
    );
    assert!(done.contains("data-testid=\"cosigned\""), "{done}");
    assert!(done.contains("<strong>jo rivers</strong>"), "{done}");
    assert!(!done.contains("data-testid=\"cosign-form\""));

    // The record shows both: Alex's signature and Jo's co-signature, on the compliance record
    // and in the signatures export.
    let record = text_of(&get_as(
        web,
        &format!("/compliance/people/{learner_id}"),
        &dsl,
    ));
    assert!(record.contains("Signed as “Alex Rivers”"), "{record}");
    assert!(
        record.contains("Co-signed by their parent or carer as “jo rivers”"),
        "{record}"
    );
    let csv = get_as(web, "/compliance/export/aup-signatures.csv", &dsl).text();
    let alex = csv
        .lines()
        .find(|l| l.contains("Alex Rivers") && l.contains("learner-aup"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(alex.contains("jo rivers"), "{alex}");

    // Again: the same co-signature, nothing more written.
    let r = post_fields(&parent, &cosign(&parent_csrf, "Jo Rivers"));
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(text_of(&r).contains("You had already co-signed this."));
    let record = text_of(&get_as(
        web,
        &format!("/compliance/people/{learner_id}"),
        &dsl,
    ));
    assert_eq!(record.matches("data-testid=\"cosignature\"").count(), 1);
}
