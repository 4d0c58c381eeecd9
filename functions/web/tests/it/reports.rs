//! The safeguarding reports over HTTP: the real `web` binary with its own embedded store, the
//! demo people, a governor (and a governor of another organisation), and worries in each of
//! the four queues stored before the server starts. Each reader's numbers count only the
//! worries routed to them (the head never counts the head's queue; a governor counts the team
//! and staff queues only); the CSV has the page's numbers; neither has a name or a worry's
//! words; a period that cannot be read comes back with the error and what was typed; everyone
//! else is refused (signed out, a learner, staff, a parent, the admin, a governor from the
//! monthly report, the worries and the people pages). The numbers themselves (medians,
//! percentiles, referrals) are checked in the core's tests.

use crate::organisations::{ORG_B_HOST, create_org_b, get_at, sign_in_at};
use crate::support;

use chrono::Utc;
use safety_core::export::csv::{BOM, parse};
use safety_core::identity::{NewPerson, people};
use safety_core::org::OrgId;
use safety_core::reports::{Period, ReportKind};
use safety_core::roles::Role;
use safety_core::store::embedded::EmbeddedStore;
use support::{Response, Web, get_as};

const LEARNER: &str = "learner@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";
const PARENT: &str = "parent@wexmoorvale.example.org";
const DSL: &str = "safeguarding@wexmoorvale.example.org";
const HEAD: &str = "principal@wexmoorvale.example.org";
const CHAIR: &str = "chair@wexmoorvale.example.org";
const ADMIN: &str = "admin@wexmoorvale.example.org";
const GOVERNOR: &str = "governor@wexmoorvale.example.org";
const GOVERNOR_NAME: &str = "Gwen Governorsdottir";
const ORG_B_GOVERNOR: &str = "governor@orgb.example.org";

/// The people whose names must never be in a report (the demo people and the governors).
const NAMES: [&str; 10] = [
    "Alex Rivers",
    "Sam Carter",
    "Jo Rivers",
    "Priya Marsh",
    "Daniel Okafor",
    "Dr Martin Ellery",
    "Chris Admin",
    "Ruth Adeyemi",
    GOVERNOR_NAME,
    "Otto Orgbgovernor",
];

/// (words, involves): three in the team's queue, one each in the staff, DSL and head queues.
const WORRIES: [(&str, &str); 6] = [
    ("Zebra report test worry one", "nobody"),
    ("Zebra report test worry two", "nobody"),
    ("Zebra report test worry three", "nobody"),
    ("Zebra report test worry about a teacher", "staff"),
    ("Zebra report test worry about the DSL", "dsl"),
    ("Zebra report test worry about the head", "head"),
];

struct Site {
    web: Web,
    data: tempfile::TempDir,
}

fn prepare(data: &std::path::Path) {
    create_org_b(data);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = EmbeddedStore::open(&data.join("platform.redb")).unwrap();
        let now = Utc::now();
        let invite = |org: &'static str, email: &'static str, name: &'static str| {
            let store = &store;
            async move {
                people::invite(
                    store,
                    &OrgId::parse(org).unwrap(),
                    &NewPerson {
                        email: email.into(),
                        name: name.into(),
                        roles: vec![Role::Governor],
                        groups: vec![],
                    },
                    now,
                )
                .await
                .unwrap()
            }
        };
        invite("demo", GOVERNOR, GOVERNOR_NAME).await;
        invite("org-b", ORG_B_GOVERNOR, "Otto Orgbgovernor").await;
    });
}

fn start() -> Site {
    let data = tempfile::tempdir().expect("temp dir");
    prepare(data.path());
    let web = Web::serve_embedded(data.path(), &[("APP_DEMO_PEOPLE", "true".into())]);
    // The worries, sent through the form once the demo people (who they are routed to) exist.
    for (i, (text, involves)) in WORRIES.iter().enumerate() {
        let page = web.get("/tell");
        assert_eq!(page.status, 200, "GET /tell\n{}", page.describe());
        let token = support::form_token(&page.text());
        let urgency = if i == 0 { "urgent" } else { "soon" };
        let r = web.post_form(
            "/tell",
            &[
                ("token", &token),
                ("text", text),
                ("urgency", urgency),
                ("about", "a_friend"),
                ("involves", involves),
                ("kind", "bullying"),
                ("wants_contact", "no"),
            ],
        );
        assert_eq!(r.status, 200, "POST /tell\n{}", r.describe());
    }
    Site { web, data }
}

/// Text without tags or comments (the renderer's markers), trimmed.
fn strip(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    support::decode_entities(out.trim())
}

/// The text of the element with this `data-testid` (up to its first closing tag), stripped.
fn testid(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!(r#"data-testid="{id}""#))?;
    let open = at + html[at..].find('>')? + 1;
    let close = open + html[open..].find("</")?;
    Some(strip(&html[open..close]))
}

/// The rows of the table with this `data-testid`: (label, number).
fn table(html: &str, id: &str) -> Vec<(String, u64)> {
    let at = html
        .find(&format!(r#"data-testid="table-{id}""#))
        .unwrap_or_else(|| panic!("no table {id}"));
    let body = &html[at..];
    let body = &body[..body.find("</table>").unwrap()];
    let body = &body[body.find("<tbody").unwrap()..];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let th = &row[row.find("<th").unwrap()..];
            let th = &th[th.find('>').unwrap() + 1..th.find("</th>").unwrap()];
            let td = &row[row.find("<td").unwrap()..];
            let td = &td[td.find('>').unwrap() + 1..td.find("</td>").unwrap()];
            (strip(th), strip(td).parse().unwrap())
        })
        .collect()
}

fn main_of(html: &str) -> &str {
    let start = html.find("<main").expect("a main element");
    let end = html.find("</main>").expect("the main element ends");
    &html[start..end]
}

/// The report is shown, with no name of anyone and no worry's words in it.
#[track_caller]
fn assert_report(who: &str, r: &Response) -> String {
    assert_eq!(r.status, 200, "{who}\n{}", r.describe());
    assert_eq!(r.header("cache-control"), Some("no-store"), "{who}");
    let html = r.text();
    for name in NAMES {
        assert!(
            !main_of(&html).contains(name),
            "{who}: {name} in the report"
        );
    }
    for (text, _) in WORRIES {
        assert!(!html.contains(text), "{who}: a worry's words in the report");
    }
    assert!(
        !html.contains("href=\"/worries/"),
        "{who}: a link to a worry"
    );
    assert!(
        html.contains("<svg") && html.contains("chart-bar"),
        "{who}: charts"
    );
    html
}

#[track_caller]
fn assert_refused(who: &str, r: &Response) {
    assert!(
        r.status == 403 || r.status == 303,
        "{who}: {}\n{}",
        r.status,
        r.describe()
    );
    assert_ne!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    for (text, _) in WORRIES {
        assert!(!r.text().contains(text), "{who}");
    }
    assert!(!r.text().contains("Worries sent"), "{who}: no numbers");
}

#[test]
fn each_reader_counts_only_what_is_routed_to_them_and_nobody_else_reads_a_report() {
    let site = start();
    let month = Period::containing(ReportKind::Monthly, Utc::now()).as_param();
    let term = Period::containing(ReportKind::Termly, Utc::now()).as_param();
    let monthly = format!("/reports/monthly?period={month}");
    let termly = format!("/reports/termly?period={term}");
    let sign_in = |email| support::sign_in(&site.web, site.data.path(), email);

    // The DSL: the team, staff and head queues; not the DSL's own.
    let dsl = sign_in(DSL);
    let html = assert_report("DSL", &get_as(&site.web, &monthly, &dsl));
    assert_eq!(testid(&html, "total").as_deref(), Some("5"));
    assert_eq!(
        table(&html, "queue"),
        [
            ("Safeguarding team".to_string(), 3),
            ("About a member of staff".to_string(), 1),
            ("About the head or managing director".to_string(), 1)
        ]
    );
    assert!(
        testid(&html, "left-out").unwrap().contains("About the DSL"),
        "the page says which queues are not counted"
    );
    // One urgent, four soon, none that can wait (in the order of the form's choices).
    let mut urgency: Vec<u64> = table(&html, "urgency").iter().map(|(_, n)| *n).collect();
    urgency.sort_unstable();
    assert_eq!(urgency, [0, 1, 4]);
    // The trend's last month is this one.
    let trend = table(&html, "trend");
    assert_eq!(trend.len(), 12);
    assert_eq!(trend[11].1, 5);

    // The CSV: the page's numbers, as a download, no names, no words.
    let csv = get_as(
        &site.web,
        &format!("/reports/monthly.csv?period={month}"),
        &dsl,
    );
    assert_eq!(csv.status, 200, "{}", csv.describe());
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(csv.header("cache-control"), Some("no-store"));
    assert_eq!(
        csv.header("content-disposition"),
        Some(format!("attachment; filename=\"safeguarding-report-{month}.csv\"").as_str())
    );
    let text = String::from_utf8(csv.body.clone()).unwrap();
    assert!(text.starts_with(BOM));
    let rows = parse(&text);
    let value = |section: &str, item: &str| -> String {
        rows.iter()
            .find(|r| r[0] == section && r[1] == item)
            .unwrap_or_else(|| panic!("no {section} / {item} in the CSV"))[2]
            .clone()
    };
    assert_eq!(value("worries", "Worries sent"), "5");
    for (label, n) in table(&html, "queue") {
        assert_eq!(value("queue", &label), n.to_string(), "{label}");
    }
    for (label, n) in table(&html, "urgency") {
        assert_eq!(value("urgency", &label), n.to_string(), "{label}");
    }
    assert_eq!(value("trend worries", &month), "5");
    for name in NAMES {
        assert!(!text.contains(name), "{name} in the CSV");
    }
    for (words, _) in WORRIES {
        assert!(!text.contains(words));
    }

    // The head (allegations lead) never counts the head's queue: the staff and DSL queues.
    let head = sign_in(HEAD);
    let html = assert_report("head", &get_as(&site.web, &monthly, &head));
    assert_eq!(testid(&html, "total").as_deref(), Some("2"));
    assert_eq!(
        table(&html, "queue"),
        [
            ("About a member of staff".to_string(), 1),
            ("About the DSL".to_string(), 1)
        ]
    );
    let csv = String::from_utf8(
        get_as(
            &site.web,
            &format!("/reports/monthly.csv?period={month}"),
            &head,
        )
        .body,
    )
    .unwrap();
    assert!(!csv.contains("queue,About the head or managing director,"));
    assert!(csv.contains("queue not counted,About the head or managing director,"));

    // A governor: the termly report, the team and staff queues only.
    let governor = sign_in(GOVERNOR);
    let html = assert_report("governor", &get_as(&site.web, &termly, &governor));
    assert_eq!(testid(&html, "total").as_deref(), Some("4"));
    assert_eq!(
        table(&html, "queue"),
        [
            ("Safeguarding team".to_string(), 3),
            ("About a member of staff".to_string(), 1)
        ]
    );
    assert!(testid(&html, "governor-note").is_some());
    assert!(html.contains(r#"href="/reports/termly""#), "the nav's link");
    // ...and nothing else of theirs: not the monthly report, no worry, no list of people.
    for path in [
        monthly.as_str(),
        "/reports/monthly.csv",
        "/worries",
        "/admin/people",
        "/compliance",
        "/compliance/export/completion.csv",
        "/safeguarding-roles",
    ] {
        assert_refused(
            &format!("governor at {path}"),
            &get_as(&site.web, path, &governor),
        );
    }
    // The chair (of governors) reads the head's queue only: it is routed to them.
    let chair = sign_in(CHAIR);
    let html = assert_report("chair", &get_as(&site.web, &termly, &chair));
    assert_eq!(testid(&html, "total").as_deref(), Some("1"));
    assert_eq!(
        table(&html, "queue"),
        [("About the head or managing director".to_string(), 1)]
    );

    // A period that cannot be read: the error, and what was typed kept.
    let r = get_as(&site.web, "/reports/monthly?period=2026-13", &dsl);
    assert_eq!(r.status, 422, "{}", r.describe());
    let html = r.text();
    assert!(html.contains("There is a problem"));
    assert!(
        html.contains(r#"value="2026-13""#),
        "what was typed is kept"
    );
    assert!(!html.contains("Worries sent"));

    // Everyone else: refused.
    for (who, email) in [
        ("learner", LEARNER),
        ("staff", STAFF),
        ("parent", PARENT),
        ("admin", ADMIN),
    ] {
        let cookie = sign_in(email);
        for path in [
            monthly.as_str(),
            termly.as_str(),
            "/reports/monthly.csv",
            "/reports/termly.csv",
        ] {
            assert_refused(
                &format!("{who} at {path}"),
                &get_as(&site.web, path, &cookie),
            );
        }
    }
    for path in [monthly.as_str(), termly.as_str(), "/reports/termly.csv"] {
        let r = site.web.get(path);
        assert_eq!(r.status, 303, "signed out at {path}");
        assert_eq!(r.header("location"), Some("/sign-in"));
    }

    // Another organisation's governor: nobody here, and none of these worries there.
    let (other, _) = sign_in_at(&site.web, site.data.path(), ORG_B_HOST, ORG_B_GOVERNOR);
    assert_refused("org B's governor here", &get_as(&site.web, &termly, &other));
    let there = get_at(&site.web, ORG_B_HOST, &termly, Some(&other));
    let html = assert_report("org B's governor at home", &there);
    assert_eq!(testid(&html, "total").as_deref(), Some("0"));
}
