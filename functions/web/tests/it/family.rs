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
