//! Retention over HTTP: the real `web` binary with its own embedded store and the demo people.
//! Concerns are linked to person records with a date of birth long past (so they are due now)
//! and closed; the DSL's retention page lists them, a hold keeps one off the list and a forged
//! deletion of it is refused and changes nothing; the box must be ticked; the deletion leaves a
//! tombstone without the concern's words and the concern is gone; an open concern and the
//! concern about the DSL are never listed to the DSL (the allegations lead sees the latter);
//! every refusal: signed out, learner, staff, parent, admin, governor, deputy, a stale form,
//! org A's session at org B; org B's DSL (also its head and admin) sees none of org A's.

use crate::organisations::{ORG_B_HOST, create_org_b, get_at, sign_in_at};
use crate::support;

use chrono::Utc;
use safety_core::identity::{NewPerson, people};
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::store::embedded::EmbeddedStore;
use support::{Response, Web, csrf_in, form_token, get_as, post_as};

const DSL: &str = "safeguarding@wexmoorvale.example.org";
const DEPUTY: &str = "d.okafor@wexmoorvale.example.org";
const LEAD: &str = "principal@wexmoorvale.example.org";
const LEARNER: &str = "learner@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";
const PARENT: &str = "parent@wexmoorvale.example.org";
const ADMIN: &str = "admin@wexmoorvale.example.org";
const GOVERNOR: &str = "governor@wexmoorvale.example.org";
const ORG_B_ALL: &str = "all.roles@orgb.example.org";
const LEAVER: &str = "tom.leaver@wexmoorvale.example.org";

fn prepare(data: &std::path::Path) {
    create_org_b(data);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = EmbeddedStore::open(&data.join("platform.redb")).unwrap();
        let invite = |org: &'static str, email: &'static str, name: &'static str, roles| {
            let store = &store;
            async move {
                people::invite(
                    store,
                    &OrgId::parse(org).unwrap(),
                    &NewPerson {
                        email: email.into(),
                        name: name.into(),
                        roles,
                        groups: vec![],
                    },
                    Utc::now(),
                )
                .await
                .unwrap()
            }
        };
        invite("demo", GOVERNOR, "Gwen Governor", vec![Role::Governor]).await;
        invite("demo", LEAVER, "Tom Leaver", vec![Role::Staff]).await;
        invite(
            "org-b",
            ORG_B_ALL,
            "Orla Allroles",
            vec![Role::Dsl, Role::AllegationsLead, Role::Admin, Role::Staff],
        )
        .await;
    });
}

fn tell(web: &Web, text: &str, involves: &str) {
    let token = form_token(&web.get("/tell").text());
    let r = web.post_form(
        "/tell",
        &[
            ("token", &token),
            ("text", text),
            ("urgency", "soon"),
            ("about", "a_friend"),
            ("involves", involves),
            ("kind", "bullying"),
            ("wants_contact", "no"),
        ],
    );
    assert_eq!(r.status, 200, "POST /tell\n{}", r.describe());
}

/// The ids after `prefix` in the page's links, in order, once each.
fn ids_after(html: &str, prefix: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for part in html.split(&format!("href=\"{prefix}")).skip(1) {
        let id: String = part.chars().take_while(|c| *c != '"').collect();
        if id.len() == 36 && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The id of the concern `cookie` can read whose page has `words`.
fn id_of(web: &Web, cookie: &str, words: &str) -> String {
    for id in ids_after(&get_as(web, "/worries", cookie).text(), "/worries/") {
        if get_as(web, &format!("/worries/{id}"), cookie)
            .text()
            .contains(words)
        {
            return id;
        }
    }
    panic!("no concern with {words}");
}

fn link(web: &Web, cookie: &str, id: &str, name: &str, dob: &str) {
    let path = format!("/worries/{id}/people");
    let csrf = csrf_in(&get_as(web, &path, cookie).text());
    let r = post_as(
        web,
        &path,
        cookie,
        &[("csrf", &csrf), ("name", name), ("date_of_birth", dob)],
    );
    assert_eq!(r.status, 200, "link {id}\n{}", r.describe());
}

fn version_in(html: &str) -> String {
    let marker = r#"name="version" value=""#;
    let start = html.find(marker).expect("a version field") + marker.len();
    let len = html[start..].find('"').expect("the value ends");
    html[start..start + len].to_string()
}

fn close(web: &Web, cookie: &str, id: &str) {
    let page = get_as(web, &format!("/worries/{id}"), cookie).text();
    let r = post_as(
        web,
        &format!("/worries/{id}/act"),
        cookie,
        &[
            ("csrf", &csrf_in(&page)),
            ("form_id", &uuid::Uuid::new_v4().to_string()),
            ("version", &version_in(&page)),
            ("action", "close"),
            ("outcome", "resolved_internally"),
            ("text", "Resolved"),
        ],
    );
    assert!(
        r.status == 200 || r.status == 303,
        "close {id}\n{}",
        r.describe()
    );
}

/// The part of the page inside the element with this test id (to its closing tag).
fn section(html: &str, testid: &str) -> String {
    let Some(at) = html.find(&format!("data-testid=\"{testid}\"")) else {
        return String::new();
    };
    let end = html[at..].find("</table>").map_or(html.len(), |e| at + e);
    html[at..end].to_string()
}

#[track_caller]
fn refused(what: &str, r: &Response, ids: &[&str]) {
    assert!(
        r.status != 200 && r.status != 201,
        "{what} must be refused\n{}",
        r.describe()
    );
    let body = r.text();
    for id in ids {
        assert!(!body.contains(id), "{what} shows {id}");
    }
}

#[test]
fn retention_review_hold_delete_and_refusals() {
    let data = tempfile::tempdir().unwrap();
    prepare(data.path());
    let web = Web::serve_embedded(data.path(), &[("APP_DEMO_PEOPLE", "true".to_string())]);
    tell(&web, "Quokka-due: a stranger messaged Mo", "nobody");
    tell(&web, "Quokka-held: the police are involved", "nobody");
    tell(&web, "Quokka-open: still being looked at", "nobody");
    tell(&web, "Quokka-dsl: the DSL shouted at Mo", "dsl");
    let dsl = support::sign_in(&web, data.path(), DSL);
    let lead = support::sign_in(&web, data.path(), LEAD);
    let due = id_of(&web, &dsl, "Quokka-due");
    let held = id_of(&web, &dsl, "Quokka-held");
    let open = id_of(&web, &dsl, "Quokka-open");
    let about_dsl = id_of(&web, &lead, "Quokka-dsl");
    // Born 1990: 25 in 2015, so both are long due once closed.
    link(&web, &dsl, &due, "Mo Quokka", "1990-01-01");
    link(&web, &dsl, &held, "Jo Quokka", "1991-06-01");
    link(&web, &dsl, &open, "Mo Quokka Two", "1990-01-01");
    link(&web, &lead, &about_dsl, "Dana Adult", "1960-01-01");
    close(&web, &dsl, &due);
    close(&web, &dsl, &held);
    close(&web, &lead, &about_dsl);

    // The DSL's page: the two closed ones due, oldest due first; not the open one, never the
    // one about the DSL; the rules and their source.
    let r = get_as(&web, "/retention", &dsl);
    assert_eq!(r.status, 200, "{}", r.describe());
    let page = r.text();
    let due_rows = ids_after(&section(&page, "due"), "/worries/");
    assert_eq!(due_rows, [due.clone(), held.clone()]);
    assert!(!page.contains(&open), "an open concern is never listed");
    assert!(
        !page.contains(&about_dsl),
        "the DSL never sees the one about them"
    );
    assert!(!page.contains("Quokka-"), "no content on the page");
    assert!(page.contains("25th birthday"));
    assert!(page.contains("IRMS Information Management Toolkit for Schools"));
    assert!(page.contains("Keeping Children Safe in Education 2025"));
    assert!(page.contains("href=\"/retention\""), "the nav links to it");
    // The allegations lead: the one about the DSL, not yet due (10 years from now).
    let lead_page = get_as(&web, "/retention", &lead).text();
    assert!(ids_after(&section(&lead_page, "not-yet"), "/worries/").contains(&about_dsl));
    assert!(!lead_page.contains(&due) && !lead_page.contains(&held));

    // A hold without a reason: the error summary, the hold not placed.
    let csrf = csrf_in(&page);
    let r = post_as(
        &web,
        "/retention/hold",
        &dsl,
        &[("csrf", &csrf), ("worry_id", &held), ("reason", "   ")],
    );
    assert_eq!(r.status, 422, "{}", r.describe());
    let text = r.text();
    assert!(text.contains("There is a problem") && text.contains(&format!("#reason-{held}")));
    assert!(ids_after(&section(&text, "due"), "/worries/").contains(&held));
    // With a reason: held, off the due list.
    let r = post_as(
        &web,
        "/retention/hold",
        &dsl,
        &[
            ("csrf", &csrf),
            ("worry_id", &held),
            ("reason", "Police investigation, crime ref 42/2026"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let text = r.text();
    assert_eq!(
        ids_after(&section(&text, "due"), "/worries/"),
        [due.as_str()]
    );
    assert!(section(&text, "held").contains("Police investigation, crime ref 42/2026"));
    // A forged (or stale) deletion of the held one: refused, and it is still there.
    let r = post_as(
        &web,
        "/retention/delete",
        &dsl,
        &[("csrf", &csrf), ("worry_id", &held), ("confirm", "yes")],
    );
    assert_eq!(r.status, 409, "{}", r.describe());
    assert!(r.text().contains("legal hold"));
    let still = get_as(&web, &format!("/worries/{held}"), &dsl);
    assert_eq!(still.status, 200);
    assert!(still.text().contains("Quokka-held"));
    // Nor an open one.
    let r = post_as(
        &web,
        "/retention/delete",
        &dsl,
        &[("csrf", &csrf), ("worry_id", &open), ("confirm", "yes")],
    );
    assert_eq!(r.status, 409, "{}", r.describe());
    // Nor the one about the DSL, by the DSL.
    let r = post_as(
        &web,
        "/retention/delete",
        &dsl,
        &[
            ("csrf", &csrf),
            ("worry_id", &about_dsl),
            ("confirm", "yes"),
        ],
    );
    assert_eq!(r.status, 404, "{}", r.describe());
    assert!(!r.text().contains("Quokka-"));

    // Refusals, each changing nothing.
    let signed_out = web.get("/retention");
    refused("signed out", &signed_out, &[&due]);
    for (who, email) in [
        ("learner", LEARNER),
        ("staff", STAFF),
        ("parent", PARENT),
        ("admin", ADMIN),
        ("governor", GOVERNOR),
        ("deputy", DEPUTY),
    ] {
        let cookie = support::sign_in(&web, data.path(), email);
        refused(who, &get_as(&web, "/retention", &cookie), &[&due]);
        let their_csrf = csrf_in(&get_as(&web, "/me", &cookie).text());
        let r = post_as(
            &web,
            "/retention/delete",
            &cookie,
            &[
                ("csrf", &their_csrf),
                ("worry_id", &due),
                ("confirm", "yes"),
            ],
        );
        refused(&format!("{who} deleting"), &r, &[&due]);
        let r = post_as(
            &web,
            "/retention/hold",
            &cookie,
            &[("csrf", &their_csrf), ("worry_id", &due), ("reason", "x")],
        );
        refused(&format!("{who} holding"), &r, &[&due]);
    }
    // A stale CSRF token.
    let r = post_as(
        &web,
        "/retention/delete",
        &dsl,
        &[
            ("csrf", "stale-token"),
            ("worry_id", &due),
            ("confirm", "yes"),
        ],
    );
    refused("a stale form", &r, &[]);
    // Org B's DSL (also its head and admin) sees none of org A's; org A's DSL is nobody there.
    let (b_all, _) = sign_in_at(&web, data.path(), ORG_B_HOST, ORG_B_ALL);
    let at_b = get_at(&web, ORG_B_HOST, "/retention", Some(&b_all));
    assert_eq!(at_b.status, 200, "{}", at_b.describe());
    for id in [&due, &held, &open, &about_dsl] {
        assert!(!at_b.text().contains(id.as_str()));
    }
    refused(
        "org A's DSL at org B",
        &get_at(&web, ORG_B_HOST, "/retention", Some(&dsl)),
        &[&due],
    );
    assert_eq!(get_as(&web, &format!("/worries/{due}"), &dsl).status, 200);

    // The confirmation names it; without the box ticked nothing is deleted.
    let confirm = get_as(&web, &format!("/retention?confirm={due}"), &dsl).text();
    let panel = confirm
        .split("data-testid=\"confirm\"")
        .nth(1)
        .expect("the confirmation");
    assert!(panel.contains(&due) && panel.contains("25th birthday"));
    let r = post_as(
        &web,
        "/retention/delete",
        &dsl,
        &[("csrf", &csrf), ("worry_id", &due)],
    );
    assert_eq!(r.status, 422, "{}", r.describe());
    assert!(r.text().contains("Tick the box"));
    assert_eq!(get_as(&web, &format!("/worries/{due}"), &dsl).status, 200);
    // Confirmed: gone, with its tombstone (no words of it).
    let r = post_as(
        &web,
        "/retention/delete",
        &dsl,
        &[("csrf", &csrf), ("worry_id", &due), ("confirm", "yes")],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let text = r.text();
    let tomb = section(&text, "tombstones");
    assert!(tomb.contains(&due), "{tomb}");
    assert!(tomb.contains("Priya Marsh"), "who confirmed: {tomb}");
    assert!(tomb.contains("25th birthday"));
    assert!(!text.contains("Quokka-"));
    assert_eq!(get_as(&web, &format!("/worries/{due}"), &dsl).status, 404);
    assert!(!get_as(&web, "/worries", &dsl).text().contains(&due));
    // The record of the child stays (an open concern is linked to another record), and the
    // record this one was linked to no longer lists it.
    let records = get_as(&web, "/records?q=quokka", &dsl).text();
    for rid in ids_after(&records, "/records/") {
        let rec = get_as(&web, &format!("/records/{rid}"), &dsl).text();
        assert!(
            !rec.contains(&due),
            "record {rid} still names the deleted concern"
        );
    }
    // The lead sees no tombstone of a record they could not read.
    assert!(!get_as(&web, "/retention", &lead).text().contains(&due));

    // Lifting the hold: due again.
    let r = post_as(
        &web,
        "/retention/lift",
        &dsl,
        &[("csrf", &csrf), ("worry_id", &held)],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let text = r.text();
    assert_eq!(ids_after(&section(&text, "due"), "/worries/"), [held]);

    // Person records: Mo's record lost its only concern, and Mo is past 25: due. Jo's, the
    // second Mo's and the adult's (linked to the concern about the DSL) are past their period
    // but kept while concerns are linked: counted, not listed.
    let records_due = ids_after(&section(&text, "records-due"), "/records/");
    assert_eq!(records_due.len(), 1, "{}", section(&text, "records-due"));
    let mo = records_due[0].clone();
    assert!(section(&text, "records-due").contains("Mo Quokka"));
    let counts = text
        .split("data-testid=\"records-counts\"")
        .nth(1)
        .and_then(|t| t.split("</ul>").next())
        .unwrap_or_default();
    assert!(
        counts.contains("3 records past their period are kept because concerns are still linked"),
        "{counts}"
    );
    // Not for the allegations lead (it is the team's record), nor the deputy, nor org B.
    let lead_page = get_as(&web, "/retention", &lead).text();
    assert!(!lead_page.contains("records-heading") && !lead_page.contains(&mo));
    let lead_csrf = csrf_in(&lead_page);
    let r = post_as(
        &web,
        "/retention/delete",
        &lead,
        &[("csrf", &lead_csrf), ("record_id", &mo), ("confirm", "yes")],
    );
    assert_eq!(r.status, 404, "{}", r.describe());
    let deputy = support::sign_in(&web, data.path(), DEPUTY);
    let deputy_csrf = csrf_in(&get_as(&web, "/me", &deputy).text());
    let r = post_as(
        &web,
        "/retention/delete",
        &deputy,
        &[
            ("csrf", &deputy_csrf),
            ("record_id", &mo),
            ("confirm", "yes"),
        ],
    );
    refused("the deputy deleting a record", &r, &[]);
    let (b_all, _) = sign_in_at(&web, data.path(), ORG_B_HOST, ORG_B_ALL);
    assert!(
        !get_at(&web, ORG_B_HOST, "/retention", Some(&b_all))
            .text()
            .contains(&mo)
    );
    assert_eq!(get_as(&web, &format!("/records/{mo}"), &dsl).status, 200);
    // The confirmation, unticked refused; ticked: the record is gone, with its tombstone.
    let confirm = get_as(&web, &format!("/retention?confirm_record={mo}"), &dsl).text();
    assert!(confirm.contains("Delete this person record") && confirm.contains("Mo Quokka"));
    let r = post_as(
        &web,
        "/retention/delete",
        &dsl,
        &[("csrf", &csrf), ("record_id", &mo)],
    );
    assert_eq!(r.status, 422, "{}", r.describe());
    let r = post_as(
        &web,
        "/retention/delete",
        &dsl,
        &[("csrf", &csrf), ("record_id", &mo), ("confirm", "yes")],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let text = r.text();
    let tomb = section(&text, "tombstones");
    assert!(
        tomb.contains(&mo) && tomb.contains("Person record"),
        "{tomb}"
    );
    assert!(!section(&text, "records-due").contains(&mo));
    assert_eq!(get_as(&web, &format!("/records/{mo}"), &dsl).status, 404);
    assert!(!get_as(&web, "/records?q=quokka", &dsl).text().contains(&mo));
}

/// The id of the low-level concern row on the retention page that names `name`.
fn concern_row(html: &str, name: &str) -> String {
    html.split("<tr data-concern=\"")
        .skip(1)
        .find(|row| row[..row.find("</tr>").unwrap_or(row.len())].contains(name))
        .map(|row| row[..36].to_string())
        .unwrap_or_else(|| panic!("no low-level concern row about {name}"))
}

fn has_concern_row(html: &str, name: &str) -> bool {
    html.split("<tr data-concern=\"")
        .skip(1)
        .any(|row| row[..row.find("</tr>").unwrap_or(row.len())].contains(name))
}

/// Low-level concerns over HTTP (the demo profile sends them to the head, the allegations
/// lead): kept while the person works here; the one about a colleague whose account the admin
/// deactivates falls due; someone not on the platform needs the date they left (a bad date is
/// a 422 with the summary and what was typed kept); a hold keeps it and a forged deletion is
/// refused; the box must be ticked; the deletion leaves a tombstone and the concern leaves the
/// log. The DSL (who does not read them here), staff, admin, governor and org B are refused.
#[test]
fn low_level_concerns_fall_due_when_the_person_leaves() {
    let data = tempfile::tempdir().unwrap();
    prepare(data.path());
    let web = Web::serve_embedded(data.path(), &[("APP_DEMO_PEOPLE", "true".to_string())]);
    let staff = support::sign_in(&web, data.path(), STAFF);
    let lead = support::sign_in(&web, data.path(), LEAD);
    let dsl = support::sign_in(&web, data.path(), DSL);
    let admin = support::sign_in(&web, data.path(), ADMIN);
    // Staff record three: about Tom, about someone not on the platform, about the DSL.
    let mut form = get_as(&web, "/staff-concern/low-level", &staff).text();
    let option_id = |html: &str, name: &str| -> String {
        let at = html.find(&format!(">{name}</option>")).unwrap();
        let start = html[..at].rfind("value=\"").unwrap() + "value=\"".len();
        html[start..start + 36].to_string()
    };
    let tom = option_id(&form, "Tom Leaver");
    let priya = option_id(&form, "Priya Marsh");
    for (about, other) in [
        (tom.as_str(), ""),
        ("other", "Vic Volunteer"),
        (priya.as_str(), ""),
    ] {
        let marker = r#"name="form_id" value=""#;
        let at = form.find(marker).unwrap() + marker.len();
        let form_id = form[at..at + 36].to_string();
        let r = post_as(
            &web,
            "/staff-concern/low-level",
            &staff,
            &[
                ("csrf", &csrf_in(&form)),
                ("form_id", &form_id),
                ("about", about),
                ("about_other", other),
                ("what", "Zebra-words: kept a pupil behind alone."),
                ("date", "2026-11-02"),
                ("threshold", "no"),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.describe());
        form = r.text();
    }

    // The head's page: all three, none due yet; the words of none.
    let page = get_as(&web, "/retention", &lead).text();
    let about_tom = concern_row(&page, "Tom Leaver");
    let about_vic = concern_row(&page, "Vic Volunteer");
    let about_priya = concern_row(&page, "Priya Marsh");
    assert!(!page.contains("Zebra"), "no content on the page");
    assert!(!page.contains("confirm_concern="), "nothing due yet");
    assert!(page.contains("Still works here") && page.contains("Not known"));
    assert!(page.contains("Low-level concern: kept until the person leaves"));
    // The DSL reads none of them here (the profile sends them to the head).
    let dsl_page = get_as(&web, "/retention", &dsl).text();
    for id in [&about_tom, &about_vic, &about_priya] {
        assert!(!dsl_page.contains(id.as_str()));
    }

    // Tom leaves: the admin deactivates his account; his concern is due today.
    let admin_csrf = csrf_in(&get_as(&web, "/admin/people", &admin).text());
    let r = post_as(
        &web,
        &format!("/admin/people/{tom}/deactivate"),
        &admin,
        &[("csrf", &admin_csrf)],
    );
    assert!(r.status == 200 || r.status == 303, "{}", r.describe());
    let page = get_as(&web, "/retention", &lead).text();
    assert!(page.contains(&format!("/retention?confirm_concern={about_tom}")));
    assert!(page.contains("(account deactivated)"));

    // Vic's leaving date: refused when in the future (summary, typed date kept), then saved.
    let csrf = csrf_in(&page);
    let r = post_as(
        &web,
        "/retention/left",
        &lead,
        &[
            ("csrf", &csrf),
            ("concern_id", &about_vic),
            ("left_on", "2099-01-01"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.describe());
    let text = r.text();
    assert!(text.contains("There is a problem") && text.contains(&format!("#left-{about_vic}")));
    assert!(
        text.contains("value=\"2099-01-01\""),
        "what was typed is kept"
    );
    assert!(!text.contains(&format!("confirm_concern={about_vic}")));
    let r = post_as(
        &web,
        "/retention/left",
        &lead,
        &[
            ("csrf", &csrf),
            ("concern_id", &about_vic),
            ("left_on", "2023-07-21"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.text().contains(&format!("confirm_concern={about_vic}")));
    // Not for someone whose account is active.
    let r = post_as(
        &web,
        "/retention/left",
        &lead,
        &[
            ("csrf", &csrf),
            ("concern_id", &about_priya),
            ("left_on", "2023-07-21"),
        ],
    );
    assert_eq!(r.status, 409, "{}", r.describe());

    // A hold: off the due list; a forged deletion refused; lifted: due again.
    let r = post_as(
        &web,
        "/retention/hold",
        &lead,
        &[("csrf", &csrf), ("concern_id", &about_tom), ("reason", " ")],
    );
    assert_eq!(r.status, 422, "{}", r.describe());
    assert!(r.text().contains(&format!("#reason-{about_tom}")));
    let r = post_as(
        &web,
        "/retention/hold",
        &lead,
        &[
            ("csrf", &csrf),
            ("concern_id", &about_tom),
            ("reason", "Tribunal claim 17/2026"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let text = r.text();
    assert!(text.contains("Tribunal claim 17/2026"));
    assert!(!text.contains(&format!("confirm_concern={about_tom}")));
    let r = post_as(
        &web,
        "/retention/delete",
        &lead,
        &[
            ("csrf", &csrf),
            ("concern_id", &about_tom),
            ("confirm", "yes"),
        ],
    );
    assert_eq!(r.status, 409, "{}", r.describe());
    assert!(r.text().contains("legal hold"));
    let r = post_as(
        &web,
        "/retention/lift",
        &lead,
        &[("csrf", &csrf), ("concern_id", &about_tom)],
    );
    assert_eq!(r.status, 200, "{}", r.describe());

    // Refusals, each changing nothing: the DSL (who does not read them) is answered as if
    // there were none; those who do not review retention are refused at the door.
    for (path, fields) in [
        (
            "/retention/delete",
            vec![("concern_id", about_tom.as_str()), ("confirm", "yes")],
        ),
        (
            "/retention/hold",
            vec![("concern_id", about_tom.as_str()), ("reason", "x")],
        ),
        (
            "/retention/left",
            vec![
                ("concern_id", about_priya.as_str()),
                ("left_on", "2020-01-01"),
            ],
        ),
    ] {
        let dsl_csrf = csrf_in(&get_as(&web, "/me", &dsl).text());
        let mut with_csrf = vec![("csrf", dsl_csrf.as_str())];
        with_csrf.extend(fields.iter().copied());
        let r = post_as(&web, path, &dsl, &with_csrf);
        assert_eq!(r.status, 404, "the DSL at {path}\n{}", r.describe());
        for (who, email) in [("staff", STAFF), ("admin", ADMIN), ("governor", GOVERNOR)] {
            let cookie = support::sign_in(&web, data.path(), email);
            let their_csrf = csrf_in(&get_as(&web, "/me", &cookie).text());
            let mut with_csrf = vec![("csrf", their_csrf.as_str())];
            with_csrf.extend(fields.iter().copied());
            refused(
                &format!("{who} at {path}"),
                &post_as(&web, path, &cookie, &with_csrf),
                &[],
            );
        }
    }
    let (b_all, _) = sign_in_at(&web, data.path(), ORG_B_HOST, ORG_B_ALL);
    let at_b = get_at(&web, ORG_B_HOST, "/retention", Some(&b_all)).text();
    assert!(!at_b.contains(&about_tom) && !has_concern_row(&at_b, "Tom Leaver"));
    let r = post_as(
        &web,
        "/retention/left",
        &lead,
        &[
            ("csrf", "stale-token"),
            ("concern_id", &about_priya),
            ("left_on", "2020-01-01"),
        ],
    );
    refused("a stale form", &r, &[]);

    // The confirmation names it; unticked nothing is deleted; ticked it is, with a tombstone.
    let confirm = get_as(
        &web,
        &format!("/retention?confirm_concern={about_tom}"),
        &lead,
    )
    .text();
    let panel = confirm
        .split("data-testid=\"confirm\"")
        .nth(1)
        .expect("the confirmation");
    assert!(panel.contains(&about_tom) && panel.contains("Tom Leaver"));
    let r = post_as(
        &web,
        "/retention/delete",
        &lead,
        &[("csrf", &csrf), ("concern_id", &about_tom)],
    );
    assert_eq!(r.status, 422, "{}", r.describe());
    assert!(has_concern_row(&r.text(), "Tom Leaver"));
    let r = post_as(
        &web,
        "/retention/delete",
        &lead,
        &[
            ("csrf", &csrf),
            ("concern_id", &about_tom),
            ("confirm", "yes"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let text = r.text();
    assert!(!has_concern_row(&text, "Tom Leaver"));
    let tomb = section(&text, "tombstones");
    assert!(
        tomb.contains(&about_tom) && tomb.contains("Low-level concerns log"),
        "{tomb}"
    );
    assert!(tomb.contains("Dr Martin Ellery"), "who confirmed: {tomb}");
    assert!(!tomb.contains("Tom Leaver") && !text.contains("Zebra"));
    let log = get_as(&web, "/low-level-concerns", &lead).text();
    let (listed, audit) = log
        .split_once("data-testid=\"log-audit\"")
        .expect("the log's audit");
    assert!(!listed.contains("Tom Leaver"), "gone from the log");
    assert!(
        audit.contains("Deleted a low-level concern"),
        "the log's audit says so"
    );
    // Its tombstone is not listed to the DSL (who could not read it).
    assert!(!get_as(&web, "/retention", &dsl).text().contains(&about_tom));
}

/// The periods on the organisation's profile: shown with the guidance's defaults and source;
/// a period shorter than the guidance, or not a whole number, is refused with the error
/// summary, what was typed kept and nothing saved; a valid one is saved and used by the
/// retention page's rules.
#[test]
fn the_profile_states_the_retention_periods() {
    use crate::organisation::{form_fields, post_fields, value_of, versions, with};
    let data = tempfile::tempdir().unwrap();
    let web = Web::serve_embedded(data.path(), &[("APP_DEMO_PEOPLE", "true".to_string())]);
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let html = get_as(&web, "/admin/organisation", &admin).text();
    assert!(html.contains("data-testid=\"retention-periods\""));
    assert!(html.contains("IRMS Information Management Toolkit for Schools"));
    let fields = form_fields(&html);
    assert_eq!(value_of(&fields, "retention_child_age"), "25");
    assert_eq!(value_of(&fields, "retention_allegation_years"), "10");
    assert_eq!(value_of(&fields, "retention_retirement_age"), "67");
    assert_eq!(value_of(&fields, "retention_low_level_years"), "0");
    let before = versions(&web, &admin);
    let bad = with(
        &fields,
        &[
            ("retention_child_age", "18"),
            ("retention_allegation_years", "ten"),
            ("retention_retirement_age", "67.5"),
        ],
    );
    let r = post_fields(&web, &admin, &bad);
    assert_eq!(r.status, 422, "{}", r.describe());
    let text = r.text();
    assert!(text.contains("There is a problem"));
    assert!(
        text.contains("href=\"#retention-child-age\""),
        "{}",
        support::cut(&text)
    );
    assert!(text.contains("href=\"#retention-allegation-years\""));
    assert!(text.contains("href=\"#retention-retirement-age\""));
    assert!(text.contains("from 25 to 100"));
    let again = form_fields(&text);
    assert_eq!(value_of(&again, "retention_child_age"), "18");
    assert_eq!(value_of(&again, "retention_allegation_years"), "ten");
    assert_eq!(versions(&web, &admin), before, "nothing saved");
    // A longer period than the guidance's: saved and used.
    let good = with(&fields, &[("retention_child_age", "30")]);
    let r = post_fields(&web, &admin, &good);
    assert_eq!(r.status, 303, "saved, then shown again\n{}", r.describe());
    assert_eq!(versions(&web, &admin), before + 1);
    let saved = form_fields(&get_as(&web, "/admin/organisation", &admin).text());
    assert_eq!(value_of(&saved, "retention_child_age"), "30");
    let dsl = support::sign_in(&web, data.path(), DSL);
    let page = get_as(&web, "/retention", &dsl).text();
    assert!(page.contains("30th birthday"), "{}", support::cut(&page));
}
