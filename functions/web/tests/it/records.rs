//! Person records over HTTP: the real `web` binary with its own embedded store and the demo
//! people. A concern is linked from its page to a new record for the friend it names; a
//! concern about the DSL linked to the same record by the allegations lead stays invisible to
//! the DSL inside the record, in the search's counts and on the link pages; unlinking and
//! merging; a record merged away sends to the one it went into; and every refusal: signed out,
//! learner, staff, parent, admin, a concern not routed to the person, a stale form.

use crate::support;

use support::{Web, csrf_in, form_token, get_as, post_as};

const DSL: &str = "safeguarding@wexmoorvale.example.org";
const DEPUTY: &str = "d.okafor@wexmoorvale.example.org";
const LEAD: &str = "principal@wexmoorvale.example.org";
const CHAIR: &str = "chair@wexmoorvale.example.org";
const LEARNER: &str = "learner@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";
const PARENT: &str = "parent@wexmoorvale.example.org";
const ADMIN: &str = "admin@wexmoorvale.example.org";

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

#[test]
fn person_records_link_merge_and_keep_routing() {
    let data = tempfile::tempdir().unwrap();
    let web = Web::serve_embedded(data.path(), &[("APP_DEMO_PEOPLE", "true".to_string())]);
    tell(
        &web,
        "Amira in Year 8 is being sent messages by an older boy",
        "nobody",
    );
    tell(
        &web,
        "The DSL has been messaging Amira privately on Snapchat",
        "dsl",
    );
    let dsl = support::sign_in(&web, data.path(), DSL);
    let lead = support::sign_in(&web, data.path(), LEAD);
    let deputy = support::sign_in(&web, data.path(), DEPUTY);
    let chair = support::sign_in(&web, data.path(), CHAIR);
    let team = ids_after(&get_as(&web, "/worries", &dsl).text(), "/worries/");
    let team_worry = team.first().expect("the team's concern").clone();
    let about_dsl: Vec<String> = ids_after(&get_as(&web, "/worries", &lead).text(), "/worries/")
        .into_iter()
        .filter(|id| !team.contains(id))
        .collect();
    let about_dsl = about_dsl
        .first()
        .expect("the concern about the DSL")
        .clone();

    // The case page shows the section and where to link.
    let case = get_as(&web, &format!("/worries/{team_worry}"), &dsl).text();
    assert!(
        case.contains("People this concern is about"),
        "{}",
        support::cut(&case)
    );
    assert!(case.contains(&format!("/worries/{team_worry}/people")));
    let link_path = format!("/worries/{team_worry}/people");
    let page = get_as(&web, &link_path, &dsl);
    assert_eq!(page.status, 200, "{}", page.describe());
    let csrf = csrf_in(&page.text());

    // A new record: a missing name and a future date are refused, what was typed is kept.
    let r = post_as(
        &web,
        &link_path,
        &dsl,
        &[
            ("csrf", &csrf),
            ("name", " "),
            ("date_of_birth", "2099-01-01"),
            ("group", "Year 8"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.describe());
    let html = r.text();
    assert!(
        html.contains("There is a problem") && html.contains("Enter the person"),
        "{}",
        support::cut(&html)
    );
    assert!(html.contains("The date of birth must be in the past"));
    assert!(
        html.contains(r#"value="Year 8""#),
        "the group typed is kept"
    );
    assert!(ids_after(&html, "/records/").is_empty(), "nothing was made");
    let r = post_as(
        &web,
        &link_path,
        &dsl,
        &[
            ("csrf", &csrf),
            ("name", "Amira Khan"),
            ("date_of_birth", "2013-04-02"),
            ("group", "Year 8"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.text().contains("A record was made for Amira Khan"));
    let record = ids_after(&r.text(), "/records/")[0].clone();

    // The lead links the concern about the DSL to the same record (found by search).
    let lead_link = format!("/worries/{about_dsl}/people");
    let found = get_as(&web, &format!("{lead_link}?q=khan"), &lead).text();
    assert!(found.contains("Amira Khan"), "{}", support::cut(&found));
    assert!(
        found.contains("0 concerns"),
        "the lead may not read the team's concern: {}",
        support::cut(&found)
    );
    let lead_csrf = csrf_in(&found);
    let r = post_as(
        &web,
        &lead_link,
        &lead,
        &[("csrf", &lead_csrf), ("record_id", &record)],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.text().contains("Linked to the record of Amira Khan"));

    // The DSL's view of the record: their concern, nothing of the one about them.
    let view = get_as(&web, &format!("/records/{record}"), &dsl);
    assert_eq!(view.status, 200, "{}", view.describe());
    let html = view.text();
    assert!(html.contains("being sent messages by an older boy"));
    assert!(
        !html.contains("Snapchat") && !html.contains(&about_dsl),
        "{}",
        support::cut(&html)
    );
    // One "linked" entry: the DSL's own (making the record from their concern links it); the
    // lead's link of the concern about the DSL leaves no second one.
    assert_eq!(
        html.matches("Linked a concern").count(),
        1,
        "the lead's link leaves no trace: {}",
        support::cut(&html)
    );
    assert!(
        html.contains("Who has opened this record"),
        "the DSL reads the record's audit"
    );
    assert!(html.contains("2 April 2013"));
    // The lead's view: theirs only, and no audit.
    let html = get_as(&web, &format!("/records/{record}"), &lead).text();
    assert!(html.contains("Snapchat") && !html.contains("older boy"));
    assert!(!html.contains("Who has opened this record"));
    // The search's counts: what each may read.
    for (who, count) in [
        (&dsl, "1 concern"),
        (&deputy, "1 concern"),
        (&lead, "1 concern"),
        (&chair, "0 concerns"),
    ] {
        let html = get_as(&web, "/records?q=AMI", who).text();
        assert!(
            html.contains(&format!(r#"data-testid="concern-count">{count}<"#)),
            "{count}: {}",
            support::cut(&html)
        );
    }
    // The team concern's link page lists the record; the DSL's case page names it too.
    assert!(
        get_as(&web, &format!("/worries/{team_worry}"), &dsl)
            .text()
            .contains(&format!("/records/{record}"))
    );
    // The concern's audit trail has the link and the view through the record.
    let case = get_as(&web, &format!("/worries/{team_worry}"), &dsl).text();
    assert!(case.contains("Linked to the person record of Amira Khan"));
    assert!(case.contains("Viewed in the person record of Amira Khan"));

    // Refusals.
    let r = web.get(&format!("/records/{record}"));
    assert_eq!(r.status, 303, "signed out: to sign in");
    for email in [LEARNER, STAFF, PARENT, ADMIN] {
        let who = support::sign_in(&web, data.path(), email);
        for path in [
            "/records".to_string(),
            format!("/records/{record}"),
            link_path.clone(),
        ] {
            let r = get_as(&web, &path, &who);
            assert_eq!(r.status, 403, "{email} {path}");
        }
        let their_csrf = csrf_in(&get_as(&web, "/me", &who).text());
        let r = post_as(
            &web,
            &link_path,
            &who,
            &[("csrf", &their_csrf), ("name", "Someone")],
        );
        assert_eq!(r.status, 403, "{email} linking");
        let r = post_as(
            &web,
            &format!("/records/{record}/merge"),
            &who,
            &[("csrf", &their_csrf), ("absorbed_id", &record)],
        );
        assert_eq!(r.status, 403, "{email} merging");
    }
    // The DSL cannot open the link page of the concern about them, nor link it.
    let r = get_as(&web, &lead_link, &dsl);
    assert_eq!(r.status, 404, "{}", r.describe());
    let r = post_as(
        &web,
        &lead_link,
        &dsl,
        &[("csrf", &csrf), ("record_id", &record)],
    );
    assert_eq!(r.status, 404, "{}", r.describe());
    assert!(!r.text().contains("Snapchat"));
    // A stale form (no token, or another session's) changes nothing.
    let r = post_as(&web, &link_path, &dsl, &[("name", "No Token")]);
    assert_eq!(r.status, 403);
    let r = post_as(
        &web,
        &link_path,
        &dsl,
        &[("csrf", &lead_csrf), ("name", "Wrong Token")],
    );
    assert_eq!(r.status, 403);
    assert!(
        get_as(&web, "/records?q=token", &dsl)
            .text()
            .contains("No record has a name like that")
    );
    // A record id that does not exist, or is not one.
    assert_eq!(
        get_as(&web, "/records/00000000-0000-4000-8000-000000000000", &dsl).status,
        404
    );
    assert_eq!(get_as(&web, "/records/not-an-id", &dsl).status, 404);

    // A duplicate, merged into the first: its concern moves, it then sends to the kept one.
    let r = post_as(
        &web,
        &link_path,
        &dsl,
        &[("csrf", &csrf), ("record_id", &record)],
    );
    assert_eq!(r.status, 422, "already linked");
    let r = post_as(
        &web,
        &format!("{link_path}/unlink"),
        &dsl,
        &[("csrf", &csrf), ("record_id", &record)],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.text().contains("Unlinked from the record of Amira Khan"));
    let r = post_as(
        &web,
        &link_path,
        &dsl,
        &[("csrf", &csrf), ("name", "Amira K.")],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let dup: String = ids_after(&r.text(), "/records/")
        .into_iter()
        .find(|id| *id != record)
        .expect("the duplicate");
    let page = get_as(&web, &format!("/records/{record}?merge_q=amira"), &dsl).text();
    assert!(page.contains(r#"data-testid="merge-candidates""#) && page.contains(&dup));
    let r = post_as(
        &web,
        &format!("/records/{record}/merge"),
        &dsl,
        &[("csrf", &csrf), ("absorbed_id", &dup)],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let html = r.text();
    assert!(html.contains("Merged: its concerns are now linked to this record."));
    assert!(html.contains("Merged the record of Amira K. into this one"));
    assert!(
        html.contains("older boy"),
        "the moved concern is in the kept record"
    );
    let r = get_as(&web, &format!("/records/{dup}"), &dsl);
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some(format!("/records/{record}").as_str())
    );
    // The lead still sees only theirs.
    let html = get_as(&web, &format!("/records/{record}"), &lead).text();
    assert!(html.contains("Snapchat") && !html.contains("older boy"));
}
