//! The exports over HTTP: the real `web` binary with its own embedded store and the demo people,
//! plus a person whose name would run as a spreadsheet formula and another organisation's
//! people in the same table. Who may export (DSL, deputy, admin; not a learner, a member of
//! staff or anyone signed out; not a DSL of another organisation), the CSV's headers and
//! columns, the formula made inert, nothing of the other organisation, and the log line of each
//! export. The core's own tests cover the rows themselves.

use crate::support;

use safety_core::export::csv::{BOM, parse};
use safety_core::identity::{NewPerson, people, session};
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::store::embedded::EmbeddedStore;
use support::{Response, Web, get_as};

const LEARNER: &str = "learner@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";
const DSL: &str = "safeguarding@wexmoorvale.example.org";
const DEPUTY: &str = "d.okafor@wexmoorvale.example.org";
const ADMIN: &str = "admin@wexmoorvale.example.org";
const SESSION_KEYS: &str = "k1:export-test-session-secret-0123456789";
const FORMULA_NAME: &str = "=HYPERLINK(\"http://evil.example\",\"Nat\")";
const MODULE: &str = "four-cs-of-online-risk";

const PATHS: [&str; 4] = [
    "/compliance/export",
    "/compliance/export/completion.csv",
    "/compliance/export/aup-signatures.csv",
    "/compliance/evidence",
];

struct Site {
    web: Web,
    data: tempfile::TempDir,
}

/// The store as the server will find it: a demo person with a formula for a name, and another
/// organisation with a learner and a DSL (returned, to forge their session).
fn prepare(data: &std::path::Path) -> people::Person {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = EmbeddedStore::open(&data.join("platform.redb")).unwrap();
        let now = chrono::Utc::now();
        let add = |org: &'static str, email: &'static str, name: &'static str, role: Role| {
            let store = &store;
            async move {
                people::invite(
                    store,
                    &OrgId::parse(org).unwrap(),
                    &NewPerson {
                        email: email.into(),
                        name: name.into(),
                        roles: vec![role],
                        groups: vec![],
                    },
                    now,
                )
                .await
                .unwrap()
            }
        };
        add(
            "demo",
            "nat@wexmoorvale.example.org",
            FORMULA_NAME,
            Role::Learner,
        )
        .await;
        add(
            "other-college",
            "oli@other.example.org",
            "Oli Other",
            Role::Learner,
        )
        .await;
        add(
            "other-college",
            "bea@other.example.org",
            "Bea Otherdsl",
            Role::Dsl,
        )
        .await
    })
}

fn start() -> (Site, people::Person) {
    let data = tempfile::tempdir().expect("temp dir");
    let other_dsl = prepare(data.path());
    let web = Web::serve_embedded(
        data.path(),
        &[
            ("APP_SESSION_KEYS", SESSION_KEYS.into()),
            ("APP_DEMO_PEOPLE", "true".into()),
        ],
    );
    (Site { web, data }, other_dsl)
}

#[track_caller]
fn sign_in(site: &Site, email: &str) -> String {
    support::sign_in(&site.web, site.data.path(), email)
}

#[track_caller]
fn assert_refused(who: &str, r: &Response) {
    assert_eq!(r.status, 403, "{who}\n{}", r.describe());
    assert_eq!(r.header("cache-control"), Some("no-store"), "{who}");
    assert_ne!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(!r.text().contains("Alex Rivers"), "{who}: no personal data");
}

#[track_caller]
fn assert_csv(what: &str, r: &Response, file_prefix: &str) -> Vec<Vec<String>> {
    assert_eq!(r.status, 200, "{what}\n{}", r.describe());
    assert_eq!(
        r.header("content-type"),
        Some("text/csv; charset=utf-8"),
        "{what}"
    );
    assert_eq!(r.header("cache-control"), Some("no-store"), "{what}");
    let disposition = r.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"{file_prefix}-demo-"))
            && disposition.ends_with(".csv\""),
        "{what}: {disposition}"
    );
    let text = String::from_utf8(r.body.clone()).expect("UTF-8");
    assert!(text.starts_with(BOM), "{what}: starts with the BOM");
    let records = parse(&text);
    let width = records[0].len();
    assert!(
        records.iter().all(|r| r.len() == width),
        "{what}: complete rows"
    );
    records
}

#[test]
fn only_dsls_deputies_and_admins_of_this_organisation_export() {
    let (site, other_dsl) = start();
    let web = &site.web;

    // signed out: sign in first
    for path in PATHS {
        let r = web.get(path);
        assert!(
            matches!(r.status, 302 | 303 | 307),
            "{path}: {}",
            r.describe()
        );
        assert_eq!(r.header("location"), Some("/sign-in"), "{path}");
    }

    // a learner and a member of staff are refused
    for email in [LEARNER, STAFF] {
        let cookie = sign_in(&site, email);
        for path in PATHS {
            assert_refused(&format!("{email} {path}"), &get_as(web, path, &cookie));
        }
    }

    // a DSL of another organisation: a session signed with this deployment's own keys, for a
    // person of `other-college`, is not a session here
    let keys = session::SessionKeys::from_config(SESSION_KEYS).unwrap();
    let token =
        session::issue(&keys, &other_dsl, chrono::Utc::now(), session::DEFAULT_TTL).unwrap();
    let forged = format!("session={token}");
    for path in PATHS {
        let r = get_as(web, path, &forged);
        assert!(
            matches!(r.status, 302 | 303 | 307),
            "other org's DSL {path}: {}",
            r.describe()
        );
        assert!(!r.text().contains("Alex Rivers"));
    }

    // the DSL
    let dsl = sign_in(&site, DSL);
    let page = get_as(web, "/compliance/export", &dsl);
    assert_eq!(page.status, 200, "{}", page.describe());
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let html = page.text();
    assert!(
        html.contains(r#"href="/compliance/export/completion.csv""#),
        "{html}"
    );
    assert!(html.contains(r#"href="/compliance/export/aup-signatures.csv""#));

    let r = get_as(web, "/compliance/export/completion.csv", &dsl);
    let records = assert_csv("completion", &r, "completion");
    assert_eq!(&records[0][..4], &["name", "email", "roles", "groups"]);
    let status = records[0]
        .iter()
        .position(|h| *h == format!("{MODULE} status"))
        .expect("the module's status column");
    let alex = records
        .iter()
        .find(|r| r[0] == "Alex Rivers")
        .expect("the learner's row");
    assert_eq!(alex[1], LEARNER);
    assert_eq!(alex[status], "not started");
    let sam = records.iter().find(|r| r[0] == "Sam Carter").unwrap();
    assert_eq!(sam[status], "not required");
    // the last column says who reads easy read (nobody has chosen it here)
    assert_eq!(
        records[0].last().map(|h| h.as_str()),
        Some("easy read"),
        "{:?}",
        records[0]
    );
    assert_eq!(alex.last().map(|c| c.as_str()), Some("no"), "{alex:?}");
    // the formula is written with an apostrophe, raw and parsed
    let text = r.text();
    assert!(text.contains("\"'=HYPERLINK("), "{text}");
    assert!(records.iter().any(|r| r[0] == format!("'{FORMULA_NAME}")));
    assert!(!records.iter().any(|r| r[0].starts_with('=')));
    // nothing of the other organisation
    assert!(!text.contains("Oli Other") && !text.contains("other.example.org"));
    assert_eq!(
        records.len(),
        1 + 9,
        "the 8 demo people (with the chair), Nat, and the header"
    );

    let r = get_as(web, "/compliance/export/aup-signatures.csv", &dsl);
    let records = assert_csv("signatures", &r, "aup-signatures");
    assert_eq!(
        records[0],
        [
            "name",
            "email",
            "aup",
            "version signed",
            "current version",
            "signed at",
            "valid until",
            "sha256",
            "typed name",
            "co-signed by (parent or carer)",
            "co-signed at"
        ]
    );

    let r = get_as(web, "/compliance/evidence", &dsl);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let html = r.text();
    assert!(html.contains("Priya Marsh"), "generated by the DSL");
    assert!(html.contains("data-testid=\"evidence-totals\""));
    assert!(html.contains("Alex Rivers"), "outstanding");
    assert!(!html.contains("Oli Other"));

    // the deputy and the admin may too
    for email in [DEPUTY, ADMIN] {
        let cookie = sign_in(&site, email);
        let r = get_as(web, "/compliance/export/completion.csv", &cookie);
        let records = assert_csv(email, &r, "completion");
        assert!(records.iter().any(|r| r[0] == "Alex Rivers"));
    }

    // every export is in the log: who, what, how many rows
    let log = web.stdout();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("export: CSV downloaded"))
        .collect();
    assert_eq!(lines.len(), 4, "{log}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("\"rows\":") && l.contains("\"person_id\":"))
    );
    assert!(log.contains("export: evidence summary made"));
    assert!(log.contains("refused: not allowed to export completion"));
}
