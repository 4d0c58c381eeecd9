//! The pure rules: stages and cycles, and what the emails say (and never say).

use super::*;
use crate::learning::NextStep;

fn at(s: &str) -> DateTime<Utc> {
    dates::parse(s).unwrap()
}

fn item(kind: ItemKind, status: Status, due: Option<&str>) -> TrainingItem {
    TrainingItem {
        kind,
        id: "staff-aup".into(),
        title: "Staff acceptable use policy".into(),
        url: "/aup/staff-aup".into(),
        version: "2.0.0".into(),
        status,
        due: due.map(at),
        due_shown: None,
        done_version: None,
        older_version: false,
        done_at: None,
        best_score: Some(97),
        last_score: Some(42),
        attempts: 3,
        next: NextStep::Nothing,
        next_text: String::new(),
        completion: None,
        signature: None,
        read_again: Vec::new(),
    }
}

fn profile() -> OrgProfile {
    crate::content::load_embedded()
        .unwrap()
        .org("demo")
        .unwrap()
        .clone()
}

#[test]
fn each_status_has_its_stage_and_cycle() {
    let until = "2027-11-23T10:00:00.000Z";
    let s = |status, due| stage_of(&item(ItemKind::Aup, status, due));
    assert_eq!(s(Status::Passed, Some(until)), None);
    assert_eq!(
        s(Status::NotStarted, None),
        Some((Stage::Due, "assigned".into()))
    );
    assert_eq!(
        s(Status::InProgress, None),
        Some((Stage::Due, "assigned".into()))
    );
    assert_eq!(
        s(Status::ExpiringSoon, Some(until)),
        Some((Stage::Expiring, until.into()))
    );
    assert_eq!(
        s(Status::Expired, Some(until)),
        Some((Stage::Expired, until.into()))
    );
    assert_eq!(
        s(Status::DueAgain, None),
        Some((Stage::NewVersion, "2.0.0".into()))
    );
}

#[test]
fn iso_weeks_are_counted_in_uk_time() {
    assert_eq!(iso_week(at("2026-11-23T10:00:00Z")), "2026-W48");
    assert_eq!(iso_week(at("2026-11-29T23:59:00Z")), "2026-W48");
    assert_eq!(iso_week(at("2026-11-30T00:00:00Z")), "2026-W49");
    // Sunday 23:30 UTC in summer is already Monday in London
    assert_eq!(iso_week(at("2026-07-05T23:30:00Z")), "2026-W28");
    assert_eq!(iso_week(at("2027-01-01T12:00:00Z")), "2026-W53");
}

#[test]
fn the_reminder_lists_titles_and_the_link_and_nothing_else() {
    let links = Links {
        base_url: "https://safety.example.org/".into(),
    };
    let expiring = item(
        ItemKind::Aup,
        Status::ExpiringSoon,
        Some("2027-11-23T10:00:00Z"),
    );
    let d = Due {
        item: &expiring,
        stage: Stage::Expiring,
        cycle: "x".into(),
    };
    let c = reminder_message(&profile(), &links, &[&d]);
    assert!(
        c.text
            .contains("- Staff acceptable use policy: expires on 23 November 2027")
    );
    assert!(
        c.text
            .contains("\nhttps://safety.example.org/me/training\n")
    );
    assert!(
        !c.text.contains("97") && !c.text.contains("42"),
        "no scores"
    );
    assert!(!c.subject.contains('\n'));
}

#[test]
fn the_summary_has_numbers_and_links_only() {
    let links = Links {
        base_url: "https://safety.example.org".into(),
    };
    let counts = ItemCounts {
        kind: "module",
        id: "m".into(),
        title: "Filtering and monitoring".into(),
        assigned: 9,
        not_started: 2,
        in_progress: 1,
        expiring: 3,
        expired: 1,
        ..ItemCounts::default()
    };
    let c = summary_message(&profile(), &links, &[counts], 4, at("2026-11-25T10:00:00Z"));
    assert!(
        c.text.contains("week beginning 23 November 2026"),
        "{}",
        c.text
    );
    assert!(c.text.contains(
        "- Filtering and monitoring (9 people): 2 not started, 1 in progress, 3 expiring within 30 days, 1 expired, 0 with a new version to do"
    ));
    assert!(c.text.contains("Open concerns routed to you: 4"));
    assert!(c.text.contains("https://safety.example.org/compliance"));
}
