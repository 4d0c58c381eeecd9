//! The staff concern form and the low-level concerns log over HTTP: the real `web` binary with
//! its own embedded store and the demo people (Priya the DSL, Martin the head and allegations
//! lead, Ruth the chair, Sam on the staff, Alex a learner, Jo a parent; the demo profile shares
//! low-level concerns with the head). A staff report is a worry signed by the member of staff,
//! routed like the learner's, its child's words shown to its readers exactly; a low-level
//! concern never reaches the colleague it is about; every page refuses who it is not for.

use crate::support::{self, Response, Web, csrf_in, decode_entities, get_as, post_as};

const DSL: &str = "safeguarding@wexmoorvale.example.org";
const HEAD: &str = "principal@wexmoorvale.example.org";
const CHAIR: &str = "chair@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";
const LEARNER: &str = "learner@wexmoorvale.example.org";
const PARENT: &str = "parent@wexmoorvale.example.org";

/// The child's words as typed: spaces inside and around, blank lines, markup and quotes.
const WORDS: &str =
    "  he said  \"don't tell mum\"\r\n\r\n   <b>I hate</b> going home & that's it  ";

struct Site {
    web: Web,
    data: tempfile::TempDir,
}

impl Site {
    fn start() -> Site {
        let data = tempfile::tempdir().expect("temp dir");
        let web = Web::serve_embedded(
            data.path(),
            &[
                ("APP_DEMO_PEOPLE", "true".to_string()),
                ("APP_NOTIFY_INTERVAL_SECS", "1".to_string()),
            ],
        );
        Site { web, data }
    }

    fn sign_in(&self, email: &str) -> String {
        support::sign_in(&self.web, self.data.path(), email)
    }
}

/// A filled-in staff report (token and csrf from the form page).
fn report(page: &str, csrf: &str, danger: &str) -> Vec<(&'static str, String)> {
    vec![
        ("token", support::form_token(page)),
        ("csrf", csrf.to_string()),
        ("child_name", "Jamie Doe".into()),
        ("child_group", "9B".into()),
        ("date", "2026-11-30".into()),
        ("time", "14:30".into()),
        ("place", "The IT suite".into()),
        ("child_words", WORDS.into()),
        ("noticed", "Jamie was crying at the back.".into()),
        (
            "did",
            "Listened, did not promise secrecy, came here.".into(),
        ),
        ("present", "Nobody".into()),
        ("danger", danger.into()),
        ("involves", "nobody".into()),
    ]
}

fn post(site: &Site, path: &str, cookie: &str, fields: &[(&'static str, String)]) -> Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_as(&site.web, path, cookie, &fields)
}

/// The worry ids linked from an inbox page.
fn worry_links(html: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for part in html.split(r#"href="/worries/"#).skip(1) {
        let id: String = part.chars().take_while(|c| *c != '"').collect();
        if id.len() == 36 && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The raw text of the element with this `data-testid` (up to its first `<`).
fn testid_raw(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!(r#"data-testid="{id}""#))?;
    let open = at + html[at..].find('>')? + 1;
    let close = open + html[open..].find('<')?;
    Some(html[open..close].to_string())
}

#[test]
fn a_staff_report_is_a_signed_worry_routed_like_any_other_with_the_childs_words_exactly() {
    let site = Site::start();
    let staff = site.sign_in(STAFF);
    let page = get_as(&site.web, "/staff-concern", &staff);
    assert_eq!(page.status, 200, "{}", page.describe());
    let html = page.text();
    let csrf = csrf_in(&html);

    // Refused answers: every problem named, everything typed kept, nothing stored.
    let mut missing = report(&html, &csrf, "no");
    missing.retain(|(k, _)| !["child_name", "did", "danger"].contains(k));
    let r = post(&site, "/staff-concern", &staff, &missing);
    assert_eq!(r.status, 422, "{}", r.describe());
    let back = r.text();
    for anchor in ["#child_name", "#did", "#danger"] {
        assert!(
            back.contains(&format!("href=\"{anchor}\"")),
            "{anchor} missing"
        );
    }
    assert!(back.contains("The IT suite"));
    // The first textarea is the child's words.
    let typed_words = support::textarea_value(&back);
    assert_eq!(
        typed_words, WORDS,
        "the refused form keeps the words exactly as typed"
    );

    // Sent: a named worry, shown back, the child's words exactly.
    let r = post(&site, "/staff-concern", &staff, &report(&html, &csrf, "no"));
    assert_eq!(r.status, 200, "{}", r.describe());
    let sent = r.text();
    assert!(
        sent.contains("data-testid=\"own-worry-link\""),
        "named: its page is linked"
    );
    let shown = testid_raw(&sent, "child-words").expect("the words are shown back");
    assert_eq!(decode_entities(&shown), WORDS.replace("\r\n", "\n"));
    assert!(!sent.contains("<b>I hate</b>"), "markup is escaped");

    // The DSL reads it as a staff report, field by field, the words exactly.
    let dsl = site.sign_in(DSL);
    let inbox = get_as(&site.web, "/worries", &dsl).text();
    let ids = worry_links(&inbox);
    assert_eq!(ids.len(), 1, "one worry in the team queue");
    let case = get_as(&site.web, &format!("/worries/{}", ids[0]), &dsl).text();
    assert!(
        case.contains("The staff member&#x27;s report")
            || case.contains("The staff member's report")
    );
    assert!(case.contains("Sam Carter"), "signed by the staff account");
    let shown = testid_raw(&case, "child-words").expect("the words on the case page");
    assert_eq!(decode_entities(&shown), WORDS.replace("\r\n", "\n"));
    assert!(case.contains("30 November 2026 at 14:30"));

    // An urgent one about a member of staff: the page says call 999 and whom to tell now; it
    // goes to the staff queue.
    let html = get_as(&site.web, "/staff-concern", &staff).text();
    let mut urgent = report(&html, &csrf, "yes");
    for (k, v) in urgent.iter_mut() {
        if *k == "involves" {
            *v = "staff".into();
        }
    }
    let r = post(&site, "/staff-concern", &staff, &urgent);
    assert_eq!(r.status, 200, "{}", r.describe());
    let sent = r.text();
    assert!(sent.contains("data-testid=\"danger-now\""));
    assert!(sent.contains("tel:999"));
}

#[test]
fn the_staff_form_refuses_learners_parents_and_the_signed_out_and_keeps_what_was_typed() {
    let site = Site::start();
    let r = site.web.get("/staff-concern");
    assert_eq!(
        r.status,
        303,
        "signed out goes to sign in\n{}",
        r.describe()
    );
    for who in [LEARNER, PARENT] {
        let cookie = site.sign_in(who);
        let r = get_as(&site.web, "/staff-concern", &cookie);
        assert_eq!(r.status, 403, "{who}\n{}", r.describe());
        let r = post_as(
            &site.web,
            "/staff-concern",
            &cookie,
            &[
                ("child_name", "X"),
                ("csrf", &csrf_in(&get_as(&site.web, "/me", &cookie).text())),
            ],
        );
        assert_eq!(r.status, 403, "{who} posting\n{}", r.describe());
        let r = get_as(&site.web, "/staff-concern/low-level", &cookie);
        assert_eq!(r.status, 403, "{who} low-level\n{}", r.describe());
        let r = get_as(&site.web, "/low-level-concerns", &cookie);
        assert_eq!(r.status, 403, "{who} log\n{}", r.describe());
    }
    // Signed out while typing: nothing stored, everything typed comes back.
    let staff = site.sign_in(STAFF);
    let html = get_as(&site.web, "/staff-concern", &staff).text();
    let csrf = csrf_in(&html);
    let fields = report(&html, &csrf, "no");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = site.web.post_form("/staff-concern", &fields);
    assert_eq!(r.status, 422, "{}", r.describe());
    let back = r.text();
    assert!(back.contains("no longer signed in"));
    assert!(back.contains("Jamie Doe") && back.contains("The IT suite"));
    // A stale form (another session's token): refused, kept, nothing stored.
    let stale = report(&html, "not-the-token", "no");
    let r = post(&site, "/staff-concern", &staff, &stale);
    assert_eq!(r.status, 422, "{}", r.describe());
    let dsl = site.sign_in(DSL);
    assert!(
        worry_links(&get_as(&site.web, "/worries", &dsl).text()).is_empty(),
        "nothing stored"
    );
}

/// The id of a colleague in the low-level form's list.
fn option_id(html: &str, name: &str) -> String {
    let at = html
        .find(&format!(">{name}</option>"))
        .unwrap_or_else(|| panic!("{name} not offered"));
    let start = html[..at].rfind("value=\"").unwrap() + "value=\"".len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_string()
}

/// The part of the log page that lists concerns (from the table to the audit list).
fn concerns_listed(html: &str) -> String {
    let start = html
        .find("data-testid=\"patterns\"")
        .or_else(|| html.find("data-testid=\"no-concerns\""))
        .expect("the log lists concerns");
    let end = html
        .find("data-testid=\"log-audit\"")
        .expect("the audit list");
    html[start..end].to_string()
}

fn form_id(html: &str) -> String {
    let marker = r#"name="form_id" value=""#;
    let start = html.find(marker).expect("a form id") + marker.len();
    html[start..start + 36].to_string()
}

#[test]
fn a_low_level_concern_never_reaches_the_colleague_it_is_about_even_the_head() {
    let site = Site::start();
    let staff = site.sign_in(STAFF);
    let page = get_as(&site.web, "/staff-concern/low-level", &staff);
    assert_eq!(page.status, 200, "{}", page.describe());
    let html = page.text();
    let csrf = csrf_in(&html);
    let head_id = option_id(&html, "Dr Martin Ellery");
    let dsl_id = option_id(&html, "Priya Marsh");
    let record = |about: &str, html: &str| {
        post_as(
            &site.web,
            "/staff-concern/low-level",
            &staff,
            &[
                ("csrf", &csrf),
                ("form_id", &form_id(html)),
                ("about", about),
                ("what", "Kept a pupil behind alone with the door shut."),
                ("date", "2026-11-28"),
                ("threshold", "no"),
            ],
        )
    };
    // About the head (who reads low-level concerns here), about the DSL, and a self-report.
    let r = record(&head_id, &html);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.text().contains("data-testid=\"recorded\""));
    let r = record(&dsl_id, &r.text());
    assert_eq!(r.status, 200, "{}", r.describe());
    let r = record("self", &r.text());
    assert_eq!(r.status, 200, "{}", r.describe());
    let own = r.text();
    assert!(own.contains("data-testid=\"own-concerns\""));
    assert!(own.contains("(self-report)"));

    // Above the threshold: nothing recorded, sent to the allegations route.
    let r = post_as(
        &site.web,
        "/staff-concern/low-level",
        &staff,
        &[
            ("csrf", &csrf),
            ("form_id", &form_id(&own)),
            ("about", &head_id),
            ("what", "Hit a pupil."),
            ("date", "2026-11-28"),
            ("threshold", "yes"),
        ],
    );
    assert!(r.text().contains("data-testid=\"above-threshold\""));

    // Each recorded concern emails its readers, never the person it is about: the one about
    // the head goes to the chair, the others to the head; nothing to the DSL (one is about
    // them) or to Sam. A link to the log only: no name, nothing of what happened.
    let deadline = std::time::Instant::now() + support::WAIT;
    let emails = loop {
        let found: Vec<String> = support::outbox(site.data.path())
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter(|t| t.contains("A low-level concern was recorded"))
            .collect();
        if found.len() >= 3 || std::time::Instant::now() > deadline {
            break found;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut to: Vec<&str> = emails.iter().filter_map(|t| t.lines().next()).collect();
    to.sort();
    let (to_chair, to_head) = (format!("To: {CHAIR}"), format!("To: {HEAD}"));
    assert_eq!(to, [to_chair.as_str(), &to_head, &to_head], "{emails:?}");
    for email in &emails {
        assert!(email.contains("/low-level-concerns"), "{email}");
        for secret in [
            "pupil behind",
            "Martin",
            "Priya",
            "Sam Carter",
            "Hit a pupil",
        ] {
            assert!(!email.contains(secret), "{secret} in {email}");
        }
    }

    // The head opens the log: the DSL's and Sam's, never the one about the head.
    let head = site.sign_in(HEAD);
    let log = get_as(&site.web, "/low-level-concerns", &head);
    assert_eq!(log.status, 200, "{}", log.describe());
    let log = log.text();
    let listed = concerns_listed(&log);
    assert!(listed.contains("Priya Marsh") && listed.contains("Sam Carter"));
    assert!(
        !listed.contains("Martin Ellery"),
        "the head never sees the concern about them"
    );
    assert!(log.contains("data-testid=\"log-audit\""));
    assert!(
        log.contains("2 concerns about 2 people"),
        "the read is audited"
    );
    // Nor in their account's concerns, nor the worry inbox.
    assert!(
        !get_as(&site.web, "/worries", &head)
            .text()
            .contains("pupil behind")
    );

    // The chair reads the one about the head, and only that one.
    let chair = site.sign_in(CHAIR);
    let log = get_as(&site.web, "/low-level-concerns", &chair).text();
    let listed = concerns_listed(&log);
    assert!(listed.contains("Dr Martin Ellery"));
    // Only the concern about the head (Sam recorded it: their name is shown as the recorder).
    assert!(
        !listed.contains(">Priya Marsh</a>") && !listed.contains(">Sam Carter</a>"),
        "{listed}"
    );
    assert!(
        listed.contains("recorded 7 December 2026 by Sam Carter")
            || listed.contains("by Sam Carter")
    );

    // The DSL (the profile shares them with the head) and staff are refused the log; Sam
    // sees their own concerns only.
    let dsl = site.sign_in(DSL);
    assert_eq!(get_as(&site.web, "/low-level-concerns", &dsl).status, 403);
    assert_eq!(get_as(&site.web, "/low-level-concerns", &staff).status, 403);
    let dsl_form = get_as(&site.web, "/staff-concern/low-level", &dsl).text();
    assert!(!dsl_form.contains("own-concerns"), "the DSL recorded none");
}

#[test]
fn another_organisation_sees_nothing_of_these_concerns() {
    let data = tempfile::tempdir().expect("temp dir");
    crate::organisations::create_org_b(data.path());
    let web = Web::serve_embedded(data.path(), &[("APP_DEMO_PEOPLE", "true".to_string())]);
    let staff = support::sign_in(&web, data.path(), STAFF);
    let html = get_as(&web, "/staff-concern/low-level", &staff).text();
    let csrf = csrf_in(&html);
    let r = post_as(
        &web,
        "/staff-concern/low-level",
        &staff,
        &[
            ("csrf", &csrf),
            ("form_id", &form_id(&html)),
            ("about", "self"),
            ("what", "Messaged a pupil on my own phone."),
            ("date", "2026-11-28"),
            ("threshold", "no"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    // Org B's admin (staff there) signs in at org B: no such concern, and the session of org A
    // is not accepted there.
    let (b_admin, _) = crate::organisations::sign_in_at(
        &web,
        data.path(),
        crate::organisations::ORG_B_HOST,
        crate::organisations::ORG_B_ADMIN,
    );
    let at_b = crate::organisations::get_at(
        &web,
        crate::organisations::ORG_B_HOST,
        "/staff-concern/low-level",
        Some(&b_admin),
    );
    assert_eq!(at_b.status, 200, "{}", at_b.describe());
    assert!(!at_b.text().contains("Messaged a pupil"));
    assert!(
        !at_b.text().contains("Sam Carter"),
        "org A's staff are not offered at org B"
    );
    let log_b = crate::organisations::get_at(
        &web,
        crate::organisations::ORG_B_HOST,
        "/low-level-concerns",
        Some(&staff),
    );
    assert_ne!(
        log_b.status,
        200,
        "org A's session at org B\n{}",
        log_b.describe()
    );
}
