use super::*;
use crate::routing::StoredRoute;
use crate::worry::report_entry::{ReportEntryRecord, ReportedState};
use chrono::{Duration, TimeZone};
use std::collections::BTreeMap;

fn person(id: &str, roles: &[Role]) -> Person {
    Person {
        org: OrgId::parse("rep").unwrap(),
        id: id.into(),
        email: format!("{id}@example.org"),
        name: id.into(),
        roles: roles.to_vec(),
        groups: vec![],
        active: true,
        session_epoch: 0,
        created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        version: 1,
    }
}

#[test]
fn nearest_rank_percentiles() {
    assert_eq!(nearest_rank(&[], 50), None);
    assert_eq!(nearest_rank(&[7], 50), Some(7));
    assert_eq!(nearest_rank(&[7], 90), Some(7));
    // The median of four is the 2nd; the 90th percentile of ten is the 9th.
    assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
    let ten: Vec<i64> = (1..=10).collect();
    assert_eq!(nearest_rank(&ten, 90), Some(9));
    assert_eq!(nearest_rank(&ten, 50), Some(5));
    let eleven: Vec<i64> = (1..=11).collect();
    assert_eq!(nearest_rank(&eleven, 90), Some(10));
    assert_eq!(nearest_rank(&eleven, 50), Some(6));
}

#[test]
fn periods_read_write_and_step() {
    let m = Period::parse(ReportKind::Monthly, "2026-11").unwrap();
    assert_eq!(
        m,
        Period::Month {
            year: 2026,
            month: 11
        }
    );
    assert_eq!(m.as_param(), "2026-11");
    assert_eq!(m.label(), "November 2026");
    assert_eq!(m.next().as_param(), "2026-12");
    assert_eq!(m.next().next().as_param(), "2027-01");
    assert_eq!(
        Period::parse(ReportKind::Monthly, "2027-01")
            .unwrap()
            .previous(),
        Period::Month {
            year: 2026,
            month: 12
        }
    );
    for bad in [
        "2026-13",
        "2026-00",
        "26-11",
        "2026-1",
        "november",
        "",
        "1999-01",
        "2026-11-01",
    ] {
        assert_eq!(Period::parse(ReportKind::Monthly, bad), None, "{bad}");
    }
    let t = Period::parse(ReportKind::Termly, "autumn-2026").unwrap();
    assert_eq!(t.months(), (9..=12).map(|m| (2026, m)).collect::<Vec<_>>());
    assert_eq!(t.label(), "Autumn term 2026 (September to December)");
    assert_eq!(t.next().as_param(), "spring-2027");
    assert_eq!(t.next().previous(), t);
    assert_eq!(t.previous().as_param(), "summer-2026");
    assert_eq!(
        Period::parse(ReportKind::Termly, "summer-2026")
            .unwrap()
            .months()
            .len(),
        5
    );
    for bad in ["winter-2026", "autumn", "2026-11", "autumn-26"] {
        assert_eq!(Period::parse(ReportKind::Termly, bad), None, "{bad}");
    }
    // Every month is in exactly one term.
    for month in 1..=12 {
        assert_eq!(
            Term::ALL
                .iter()
                .filter(|t| t.months().contains(&month))
                .count(),
            1
        );
    }
    assert_eq!(t.file_name(), "safeguarding-report-autumn-2026.csv");
    // UK time: 23:30 UTC on 31 August in BST is already September.
    let late = Utc.with_ymd_and_hms(2026, 8, 31, 23, 30, 0).unwrap();
    assert_eq!(
        Period::containing(ReportKind::Termly, late).as_param(),
        "autumn-2026"
    );
    assert_eq!(
        Period::containing(ReportKind::Monthly, late).as_param(),
        "2026-09"
    );
}

#[test]
fn the_trend_is_the_twelve_months_up_to_the_period_end() {
    let t = Period::parse(ReportKind::Termly, "spring-2027").unwrap();
    let months = t.trend_months();
    assert_eq!(months.len(), 12);
    assert_eq!(months[0], (2026, 4));
    assert_eq!(months[11], (2027, 3));
    let m = Period::parse(ReportKind::Monthly, "2026-12").unwrap();
    assert_eq!(m.trend_months()[0], (2026, 1));
}

#[test]
fn who_may_read_which_report() {
    use ReportKind::*;
    assert!(may_view(&[Role::Dsl], Monthly));
    assert!(may_view(&[Role::DeputyDsl], Monthly));
    assert!(may_view(&[Role::AllegationsLead], Monthly));
    assert!(may_view(&[Role::Chair], Monthly));
    assert!(may_view(&[Role::Chair], Termly));
    assert!(may_view(&[Role::Governor], Termly));
    assert!(!may_view(&[Role::Governor], Monthly));
    assert!(may_view(&[Role::Governor, Role::Chair], Monthly));
    for r in [Role::Learner, Role::Staff, Role::Parent, Role::Admin] {
        assert!(!may_view(&[r], Monthly), "{r}");
        assert!(!may_view(&[r], Termly), "{r}");
    }
    assert!(!may_view(&[], Termly));
}

#[test]
fn a_count_never_reaches_the_person_a_worry_is_about() {
    let head = person("head", &[Role::AllegationsLead, Role::Staff]);
    let dsl = person("dsl", &[Role::Dsl, Role::Staff]);
    let governor = person("gov", &[Role::Governor]);
    let chair_governor = person("chairgov", &[Role::Governor, Role::Chair]);
    let plain = Route::plain;
    // The head (allegations lead) never counts the head queue; the DSL never counts the DSL's.
    assert!(!counts_for(&head, &plain(Queue::Head)));
    assert!(counts_for(&head, &plain(Queue::Dsl)));
    assert!(!counts_for(&dsl, &plain(Queue::Dsl)));
    assert!(counts_for(&dsl, &plain(Queue::Head)));
    // A governor counts the team and staff queues only.
    assert!(counts_for(&governor, &plain(Queue::Team)));
    assert!(counts_for(&governor, &plain(Queue::Staff)));
    assert!(!counts_for(&governor, &plain(Queue::Dsl)));
    assert!(!counts_for(&governor, &plain(Queue::Head)));
    // Governor and chair: what the chair may read as well.
    assert!(counts_for(&chair_governor, &plain(Queue::Head)));
    assert!(!counts_for(&chair_governor, &plain(Queue::Dsl)));
    // A worry that names the governor (excluded by id) is not counted for them.
    let about_gov = Route {
        queue: Queue::Staff,
        concerned: vec![],
        excluded: vec!["gov".into()],
    };
    assert!(!counts_for(&governor, &about_gov));
    // A deactivated governor counts nothing.
    let gone = Person {
        active: false,
        ..governor.clone()
    };
    assert!(!counts_for(&gone, &plain(Queue::Team)));
    assert_eq!(queues_counted(&governor.roles), [Queue::Team, Queue::Staff]);
    assert_eq!(queues_counted(&head.roles), [Queue::Staff, Queue::Dsl]);
    assert_eq!(
        queues_counted(&chair_governor.roles),
        [Queue::Team, Queue::Staff, Queue::Head]
    );
}

fn entry(
    queue: Queue,
    kind: &str,
    urgency: Urgency,
    status: Status,
    created_at: DateTime<Utc>,
    ack_after: Option<i64>,
) -> ReportEntryRecord {
    ReportEntryRecord {
        state: ReportedState {
            route: StoredRoute::from(&Route::plain(queue)),
            kind: kind.into(),
            urgency,
            status,
            created_at,
        },
        acknowledged_at: ack_after.map(|s| created_at + Duration::seconds(s)),
        closed_at: None,
        outcome: None,
        other: BTreeMap::new(),
    }
}

#[test]
fn summarise_counts_every_dimension() {
    let t = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    let now = t + Duration::days(10);
    let mut closed = entry(
        Queue::Team,
        "bullying",
        Urgency::Soon,
        Status::Closed,
        t,
        Some(600),
    );
    closed.closed_at = Some(t + Duration::hours(30));
    closed.outcome = Some("referred_on".into());
    closed
        .other
        .insert("ref#police".into(), serde_json::json!(2));
    closed
        .other
        .insert("pk".into(), serde_json::json!("not a counter"));
    let entries = vec![
        closed,
        entry(
            Queue::Team,
            "bullying",
            Urgency::Urgent,
            Status::New,
            t,
            None,
        ),
        entry(
            Queue::Staff,
            "grooming",
            Urgency::Urgent,
            Status::InProgress,
            t,
            Some(60),
        ),
    ];
    let r = summarise(
        Period::parse(ReportKind::Monthly, "2026-11").unwrap(),
        &[Role::Dsl],
        &entries,
        vec![],
        0,
        now,
    );
    assert_eq!(r.worries, 3);
    assert_eq!(
        r.by_kind,
        [("bullying".to_string(), 2), ("grooming".to_string(), 1)]
    );
    assert_eq!(
        r.by_urgency,
        [
            (Urgency::CanWait, 0),
            (Urgency::Soon, 1),
            (Urgency::Urgent, 2)
        ]
    );
    // The DSL reads the team, staff and head queues; the DSL's own is left out.
    assert_eq!(
        r.by_queue,
        [(Queue::Team, 2), (Queue::Staff, 1), (Queue::Head, 0)]
    );
    assert_eq!(r.left_out_queues, [Queue::Dsl]);
    assert_eq!(
        r.by_status,
        [
            (Status::New, 1),
            (Status::Acknowledged, 0),
            (Status::InProgress, 1),
            (Status::Closed, 1)
        ]
    );
    assert_eq!(r.by_outcome[1], (Outcome::ReferredOn, 1));
    assert_eq!(r.by_outcome.iter().map(|(_, n)| n).sum::<u64>(), 1);
    // Closed after 30 hours; the two open ones are 10 days old now.
    assert_eq!(
        r.by_age,
        [
            (AgeBand::UnderADay, 0),
            (AgeBand::UpToAWeek, 1),
            (AgeBand::UpToFourWeeks, 2),
            (AgeBand::Longer, 0)
        ]
    );
    assert_eq!(r.acknowledged, 2);
    assert_eq!(r.ack_median_secs, Some(60));
    assert_eq!(r.ack_p90_secs, Some(600));
    assert_eq!(r.referrals[0], (ReferralTo::Police, 2));
    assert_eq!(r.referrals_total(), 2);
    let csv = csv(&r, |k| format!("Kind {k}"));
    assert!(csv.lines().any(|l| l == "worries,Worries sent,3"), "{csv}");
    assert!(csv.lines().any(|l| l == "kind,Kind bullying,2"));
    assert!(
        csv.lines()
            .any(|l| l == "time to acknowledge,Median (seconds),60")
    );
    assert!(
        csv.lines()
            .any(|l| l == "time to acknowledge,90th percentile (seconds),600")
    );
    assert!(csv.lines().any(|l| l == "queue not counted,About the DSL,"));
}

#[test]
fn durations_read_well() {
    assert_eq!(show_duration(59), "59 seconds");
    assert_eq!(show_duration(60), "1 minute");
    assert_eq!(show_duration(45 * 60), "45 minutes");
    assert_eq!(show_duration(3 * 3600 + 5 * 60), "3 hours 5 minutes");
    assert_eq!(show_duration(3600), "1 hour");
    assert_eq!(show_duration(2 * 86400 + 4 * 3600), "2 days 4 hours");
    assert_eq!(show_duration(86400), "1 day");
}
