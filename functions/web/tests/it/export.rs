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

// ---------------------------------------------------------------------------------------------
// Sorting the compliance tables and filtering the exports

/// The names of a compliance list, in the order shown.
fn listed_names(html: &str) -> Vec<String> {
    html.split(r#"<a href="/compliance/people/"#)
        .skip(1)
        .map(|rest| {
            let from = rest.find('>').expect("the link's tag ends") + 1;
            let to = rest.find("</a>").expect("the link ends");
            support::decode_entities(&rest[from..to])
        })
        .collect()
}

/// The `<th>` tags of a page with an `aria-sort`, as `(column link's text, aria-sort)`.
fn sorted_headers(html: &str) -> Vec<(String, String)> {
    html.split("<th ")
        .skip(1)
        .filter_map(|th| {
            let tag = &th[..th.find('>')?];
            let at = tag.find(r#"aria-sort=""#)? + r#"aria-sort=""#.len();
            let aria = tag[at..at + tag[at..].find('"')?].to_string();
            let text = th[th.find(r#"class="sort""#)?..].split_once('>')?.1;
            Some((text[..text.find("</a>")?].to_string(), aria))
        })
        .collect()
}

/// The hrefs of a page's sortable headers.
fn sort_links(html: &str) -> Vec<String> {
    html.split(r#"<a href=""#)
        .skip(1)
        .filter(|rest| rest[..rest.find('>').unwrap()].contains(r#"class="sort""#))
        .map(|rest| support::decode_entities(&rest[..rest.find('"').unwrap()]))
        .collect()
}

#[test]
fn compliance_tables_sort_by_a_column_on_the_server_keeping_the_filter() {
    let (site, _) = start();
    let web = &site.web;
    let dsl = sign_in(&site, DSL);
    let list = "/compliance/list?item=MODULE%23staff-roles-and-responsibilities";

    // By name, the default: aria-sort on Name only.
    let r = get_as(web, list, &dsl);
    assert_eq!(r.status, 200, "{}", r.describe());
    let by_name = listed_names(&r.text());
    assert!(by_name.len() >= 4, "{by_name:?}");
    let mut sorted = by_name.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(by_name, sorted);
    assert_eq!(
        sorted_headers(&r.text()),
        [("Name".to_string(), "ascending".to_string())]
    );
    // The Name header asks for the other way; the others ascending; every link keeps the item.
    let links = sort_links(&r.text());
    assert!(
        links.iter().any(|l| l.contains("sort=name&dir=desc")),
        "{links:?}"
    );
    assert!(
        links.iter().any(|l| l.contains("sort=status&dir=asc")),
        "{links:?}"
    );
    assert!(
        links
            .iter()
            .all(|l| l
                .starts_with("/compliance/list?item=MODULE%23staff-roles-and-responsibilities&")),
        "{links:?}"
    );

    // Descending: the other way round, marked so.
    let r = get_as(web, &format!("{list}&sort=name&dir=desc"), &dsl);
    let mut reversed = by_name.clone();
    reversed.reverse();
    assert_eq!(listed_names(&r.text()), reversed);
    assert_eq!(
        sorted_headers(&r.text()),
        [("Name".to_string(), "descending".to_string())]
    );
    // By email-less columns too (roles), with the standing filter kept in the links.
    let r = get_as(
        web,
        &format!("{list}&standing=not-started&sort=roles&dir=asc"),
        &dsl,
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(
        sorted_headers(&r.text()),
        [("Roles".to_string(), "ascending".to_string())]
    );
    assert!(
        sort_links(&r.text())
            .iter()
            .all(|l| l.contains("standing=not-started")),
        "{:?}",
        sort_links(&r.text())
    );

    // Anything unreadable is the default order, silently.
    for junk in [
        "&sort=bogus&dir=desc",
        "&sort=&dir=",
        "&sort=name%3Bdrop&dir=desc",
        "&dir=sideways",
    ] {
        let r = get_as(web, &format!("{list}{junk}"), &dsl);
        assert_eq!(r.status, 200, "{junk}\n{}", r.describe());
        assert_eq!(listed_names(&r.text()), by_name, "{junk}");
    }
    let r = get_as(web, &format!("{list}&sort=name&dir=sideways"), &dsl);
    assert_eq!(
        listed_names(&r.text()),
        by_name,
        "an unreadable direction is ascending"
    );

    // The dashboard: the content's order until a column is asked for, the filter kept.
    let r = get_as(web, "/compliance?role=staff", &dsl);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(sorted_headers(&r.text()).is_empty(), "no column sorted yet");
    let links = sort_links(&r.text());
    assert!(
        !links.is_empty()
            && links
                .iter()
                .all(|l| l.starts_with("/compliance?role=staff&sort=")),
        "{links:?}"
    );
    // (the modules' table: each table is sorted on its own)
    let titles = |html: &str| -> Vec<String> {
        let table = html.split(r#"data-testid="modules-table""#).nth(1).unwrap();
        let table = &table[..table.find("</table>").unwrap()];
        table
            .split(r#"<th scope="row"><a href="/compliance/list?"#)
            .skip(1)
            .map(|rest| {
                let rest = &rest[rest.find('>').unwrap() + 1..];
                support::decode_entities(&rest[..rest.find("</a>").unwrap()])
            })
            .collect()
    };
    let up = get_as(web, "/compliance?role=staff&sort=title&dir=asc", &dsl).text();
    let down = get_as(web, "/compliance?role=staff&sort=title&dir=desc", &dsl).text();
    let (up_titles, mut down_titles) = (titles(&up), titles(&down));
    assert!(up_titles.len() >= 2, "{up_titles:?}");
    down_titles.reverse();
    assert_eq!(up_titles, down_titles, "one way, then the other");
    assert!(
        sorted_headers(&down)
            .iter()
            .all(|(_, aria)| aria == "descending")
            && !sorted_headers(&down).is_empty()
    );
    // The filter form keeps the order.
    assert!(down.contains(r#"<input type="hidden" name="sort" value="title""#));

    // The evidence summary's totals too (the content's order until asked).
    let totals = |html: &str| -> Vec<String> {
        let table = html
            .split(r#"data-testid="evidence-totals""#)
            .nth(1)
            .unwrap();
        let table = &table[table.find("<tbody>").unwrap()..table.find("</tbody>").unwrap()];
        table
            .split(r#"<th scope="row">"#)
            .skip(1)
            .map(|rest| support::decode_entities(rest[..rest.find("<span").expect(rest)].trim()))
            .collect()
    };
    let plain = get_as(web, "/compliance/evidence", &dsl).text();
    assert!(sorted_headers(&plain).is_empty());
    let by_title = get_as(web, "/compliance/evidence?sort=title&dir=asc", &dsl).text();
    let mut want = totals(&plain);
    want.sort_by_key(|t| t.to_lowercase());
    assert_eq!(totals(&by_title), want);
    assert_eq!(
        sorted_headers(&by_title),
        [("Module or policy".to_string(), "ascending".to_string())]
    );
    let junk = get_as(web, "/compliance/evidence?sort=evil&dir=desc", &dsl).text();
    assert_eq!(totals(&junk), totals(&plain), "junk is the content's order");
}

#[test]
fn the_exports_are_filtered_like_the_dashboard_and_say_what_they_hold() {
    let (site, _) = start();
    let web = &site.web;
    let dsl = sign_in(&site, DSL);

    let page = get_as(web, "/compliance/export", &dsl);
    assert_eq!(page.status, 200, "{}", page.describe());
    let html = page.text();
    assert!(html.contains(r#"data-testid="export-filter""#));
    assert!(html.contains(r#"data-testid="completion-contents""#));
    assert!(html.contains(r#"href="/compliance/export/completion.csv""#));

    let page = get_as(web, "/compliance/export?role=learner", &dsl);
    assert_eq!(page.status, 200, "{}", page.describe());
    let html = page.text();
    assert!(
        html.contains(r#"href="/compliance/export/completion.csv?role=learner""#)
            && html.contains(r#"href="/compliance/export/aup-signatures.csv?role=learner""#),
        "the downloads keep the selection"
    );
    assert!(
        html.contains(r#"<option value="learner" selected"#),
        "{html}"
    );
    let selection = support::decode_entities(
        html.split(r#"data-testid="export-selection""#)
            .nth(1)
            .unwrap(),
    );
    assert!(
        selection.contains("Learner only: 2 active people"),
        "{selection}"
    );

    // Only learners in the file; everyone without a filter; junk is everyone.
    let r = get_as(web, "/compliance/export/completion.csv?role=learner", &dsl);
    let records = assert_csv("learners", &r, "completion");
    let names: Vec<&str> = records[1..].iter().map(|r| r[0].as_str()).collect();
    assert!(names.contains(&"Alex Rivers"), "{names:?}");
    assert!(
        !names.contains(&"Sam Carter") && !names.contains(&"Priya Marsh"),
        "{names:?}"
    );
    assert!(
        records[1..].iter().all(|r| r[2] == "learner"),
        "{records:?}"
    );
    let r = get_as(
        web,
        "/compliance/export/completion.csv?group=Site%20A%20staff",
        &dsl,
    );
    let records = assert_csv("a group", &r, "completion");
    assert!(
        records[1..].iter().all(|r| r[3] == "Site A staff") && records.len() > 1,
        "{records:?}"
    );
    for junk in ["?role=wizard", "?group=", "?role=&group=%20"] {
        let r = get_as(
            web,
            &format!("/compliance/export/completion.csv{junk}"),
            &dsl,
        );
        let records = assert_csv(junk, &r, "completion");
        assert_eq!(records.len(), 1 + 9, "{junk}: everyone");
    }
}
