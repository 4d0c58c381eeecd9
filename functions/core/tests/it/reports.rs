//! The safeguarding reports (`reports`) against a seeded set of worries, on both backends:
//! every count, the median and the 90th percentile of the time to acknowledge, referrals by
//! agency, the trend; each reader counting only the worries routed to them (the head never
//! counts the head's queue, a governor never the DSL's or the head's); and the monthly report
//! over 10,000 worries, with its round trips and time printed (`--nocapture`).

use crate::support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use safety_core::crypto::Secret;
use safety_core::identity::{NewPerson, Person, people};
use safety_core::org::OrgId;
use safety_core::reports::{self, Period, ReportKind};
use safety_core::roles::Role;
use safety_core::routing::{Queue, Route, StoredRoute};
use safety_core::store::counting::CountingStore;
use safety_core::store::embedded::EmbeddedStore;
use safety_core::store::record::to_item;
use safety_core::store::{Condition, Store, TxOp};
use safety_core::worry::case::{self, CaseAction, Outcome, ReferralTo};
use safety_core::worry::code::FormToken;
use safety_core::worry::report_entry::{ReportEntryRecord, ReportedState, month_of};
use safety_core::worry::{self, FORM_PURPOSE, Sender, Status, Urgency, WorryInput};
use support::dynamodb_local::DynamoDbLocal;
use support::kinds;

async fn invite<S: Store>(store: &S, org: &OrgId, n: &str, roles: &[Role]) -> Person {
    people::invite(
        store,
        org,
        &NewPerson {
            email: format!("{}@reports.example.org", n.to_lowercase()),
            name: n.replace('-', " "),
            roles: roles.to_vec(),
            groups: vec![],
        },
        support::t0(),
    )
    .await
    .unwrap()
}

fn at(month: u32, day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, h, m, 0).unwrap()
}

struct Seeded {
    org: OrgId,
    dsl: Person,
    deputy: Person,
    head: Person,
    chair_governor: Person,
    governor: Person,
    names: Vec<String>,
    texts: Vec<String>,
}

/// Sends a worry: the words, its kind (index into the library's kinds), urgency and who is
/// involved (which queue).
#[allow(clippy::too_many_arguments)]
async fn send<S: Store>(
    store: &S,
    org: &OrgId,
    secret: &Secret,
    text: &str,
    kind: usize,
    urgency: &str,
    involves: &str,
    now: DateTime<Utc>,
) -> String {
    let input = WorryInput {
        text: text.into(),
        urgency: Some(urgency.into()),
        about: Some("someone_else".into()),
        involves: Some(involves.into()),
        email_replies: None,
        kind: Some(kinds()[kind].id.clone()),
        wants_contact: Some("no".into()),
        contact_how: String::new(),
    };
    let token = FormToken::issue(secret, FORM_PURPOSE, now.timestamp());
    worry::submit(
        store,
        org,
        secret,
        &token,
        &input,
        kinds(),
        &Sender::Anonymous,
        now,
    )
    .await
    .unwrap()
    .worry_id
}

async fn act<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    worry_id: &str,
    action: CaseAction,
    now: DateTime<Utc>,
) {
    let w = worry::case::open(store, org, by, worry_id, now)
        .await
        .unwrap()
        .worry;
    let form_id = uuid::Uuid::new_v4().to_string();
    case::act(store, org, by, worry_id, &form_id, w.version, action, now)
        .await
        .unwrap();
}

fn refer(to: ReferralTo) -> CaseAction {
    CaseAction::Referral {
        to,
        reference: String::new(),
        detail: "Referred".into(),
    }
}

/// The seeded set (times in GMT, November 2026 unless said):
///
/// | worry | queue | kind | urgency | what happened |
/// |---|---|---|---|---|
/// | w1 | team | 0 | urgent | acknowledged after 10 min; referred to police and children's social care |
/// | w2 | team | 0 | soon | acknowledged after 30 min; closed (resolved) after 2 days |
/// | w3 | team | 1 | can wait | acknowledged after 2 h |
/// | w4 | team | 1 | urgent | set in progress after 5 min |
/// | w5 | team, then staff | 2 | soon | moved to the staff queue; never acknowledged |
/// | w6 | staff | 0 | urgent | acknowledged after 1 h; LADO; closed (referred on) after 10 days |
/// | w7 | staff | 1 | soon | nothing |
/// | w8 | dsl | 2 | urgent | acknowledged after 20 min by the head; police |
/// | w9 | head | 0 | soon | acknowledged after 45 min by the chair; LADO |
/// | w10 | team | 0 | soon | sent in October |
/// | w11 | team | 1 | can wait | sent in December |
async fn seed<S: Store>(store: &S, org_name: &str) -> Seeded {
    let org = OrgId::parse(org_name).unwrap();
    let secret = Secret::new("reports-secret-reports-secret-reports").unwrap();
    let dsl = invite(store, &org, "Dee-Dsl", &[Role::Dsl, Role::Staff]).await;
    let deputy = invite(store, &org, "Dan-Deputy", &[Role::DeputyDsl, Role::Staff]).await;
    let head = invite(
        store,
        &org,
        "Hal-Head",
        &[Role::AllegationsLead, Role::Staff],
    )
    .await;
    let chair_governor = invite(store, &org, "Cass-Chair", &[Role::Chair, Role::Governor]).await;
    let governor = invite(store, &org, "Gwen-Governor", &[Role::Governor]).await;
    let names: Vec<String> = [&dsl, &deputy, &head, &chair_governor, &governor]
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let texts: Vec<String> = (1..=11)
        .map(|n| format!("Seeded worry number {n} words"))
        .collect();
    let t = |n: usize| texts[n - 1].as_str();
    let s = |text, kind, urgency, involves, now| {
        send(store, &org, &secret, text, kind, urgency, involves, now)
    };
    let w1t = at(11, 2, 9, 0);
    let w1 = s(t(1), 0, "urgent", "nobody", w1t).await;
    let w2 = s(t(2), 0, "soon", "nobody", at(11, 3, 9, 0)).await;
    let w3 = s(t(3), 1, "can_wait", "nobody", at(11, 4, 9, 0)).await;
    let w4 = s(t(4), 1, "urgent", "nobody", at(11, 5, 9, 0)).await;
    let w5 = s(t(5), 2, "soon", "nobody", at(11, 6, 9, 0)).await;
    let w6 = s(t(6), 0, "urgent", "staff", at(11, 7, 9, 0)).await;
    let _w7 = s(t(7), 1, "soon", "staff", at(11, 8, 9, 0)).await;
    let w8 = s(t(8), 2, "urgent", "dsl", at(11, 9, 9, 0)).await;
    let w9 = s(t(9), 0, "soon", "head", at(11, 10, 9, 0)).await;
    let _w10 = s(t(10), 0, "soon", "nobody", at(10, 15, 9, 0)).await;
    let _w11 = s(t(11), 1, "can_wait", "nobody", at(12, 1, 9, 0)).await;

    let min = Duration::minutes;
    act(
        store,
        &org,
        &dsl,
        &w1,
        CaseAction::Acknowledge,
        w1t + min(10),
    )
    .await;
    act(
        store,
        &org,
        &dsl,
        &w1,
        refer(ReferralTo::Police),
        w1t + min(20),
    )
    .await;
    act(
        store,
        &org,
        &deputy,
        &w1,
        refer(ReferralTo::ChildrensSocialCare),
        w1t + min(30),
    )
    .await;
    let w2t = at(11, 3, 9, 0);
    act(
        store,
        &org,
        &deputy,
        &w2,
        CaseAction::Acknowledge,
        w2t + min(30),
    )
    .await;
    act(
        store,
        &org,
        &dsl,
        &w2,
        CaseAction::Close {
            outcome: Outcome::ResolvedInternally,
            detail: "Done".into(),
        },
        w2t + Duration::days(2),
    )
    .await;
    act(
        store,
        &org,
        &dsl,
        &w3,
        CaseAction::Acknowledge,
        at(11, 4, 11, 0),
    )
    .await;
    act(
        store,
        &org,
        &dsl,
        &w4,
        CaseAction::SetStatus(Status::InProgress),
        at(11, 5, 9, 5),
    )
    .await;
    act(
        store,
        &org,
        &dsl,
        &w5,
        CaseAction::Move {
            to: Queue::Staff,
            reason: "It is about a teacher".into(),
        },
        at(11, 6, 10, 0),
    )
    .await;
    let w6t = at(11, 7, 9, 0);
    act(
        store,
        &org,
        &head,
        &w6,
        CaseAction::Acknowledge,
        w6t + min(60),
    )
    .await;
    act(
        store,
        &org,
        &head,
        &w6,
        refer(ReferralTo::Lado),
        w6t + min(90),
    )
    .await;
    act(
        store,
        &org,
        &head,
        &w6,
        CaseAction::Close {
            outcome: Outcome::ReferredOn,
            detail: "With the LADO".into(),
        },
        w6t + Duration::days(10),
    )
    .await;
    let w8t = at(11, 9, 9, 0);
    act(
        store,
        &org,
        &head,
        &w8,
        CaseAction::Acknowledge,
        w8t + min(20),
    )
    .await;
    act(
        store,
        &org,
        &head,
        &w8,
        refer(ReferralTo::Police),
        w8t + min(25),
    )
    .await;
    let w9t = at(11, 10, 9, 0);
    act(
        store,
        &org,
        &chair_governor,
        &w9,
        CaseAction::Acknowledge,
        w9t + min(45),
    )
    .await;
    act(
        store,
        &org,
        &chair_governor,
        &w9,
        refer(ReferralTo::Lado),
        w9t + min(50),
    )
    .await;
    Seeded {
        org,
        dsl,
        deputy,
        head,
        chair_governor,
        governor,
        names,
        texts,
    }
}

fn count<T: PartialEq + std::fmt::Debug>(rows: &[(T, u64)], which: T) -> u64 {
    rows.iter()
        .find(|(t, _)| *t == which)
        .map(|(_, n)| *n)
        .unwrap_or_else(|| panic!("{which:?} is not in {rows:?}"))
}

async fn scenario<S: Store>(store: &S, org_name: &str) {
    let s = seed(store, org_name).await;
    let now = at(12, 3, 12, 0);
    let november = Period::parse(ReportKind::Monthly, "2026-11").unwrap();
    macro_rules! report {
        ($p:expr, $period:expr) => {
            reports::report(store, &s.org, $p, $period, now)
                .await
                .unwrap()
        };
    }

    // The DSL: the team, staff and head queues (never the DSL's own).
    let r = report!(&s.dsl, november);
    assert_eq!(r.worries, 8);
    assert_eq!(r.counted_queues, [Queue::Team, Queue::Staff, Queue::Head]);
    assert_eq!(r.left_out_queues, [Queue::Dsl]);
    assert_eq!(
        r.by_queue,
        [(Queue::Team, 4), (Queue::Staff, 3), (Queue::Head, 1)]
    );
    assert_eq!(
        r.by_urgency,
        [
            (Urgency::CanWait, 1),
            (Urgency::Soon, 4),
            (Urgency::Urgent, 3)
        ]
    );
    assert_eq!(
        r.by_kind,
        [
            (kinds()[0].id.clone(), 4),
            (kinds()[1].id.clone(), 3),
            (kinds()[2].id.clone(), 1)
        ]
    );
    assert_eq!(
        r.by_status,
        [
            (Status::New, 2),
            (Status::Acknowledged, 3),
            (Status::InProgress, 1),
            (Status::Closed, 2)
        ]
    );
    assert_eq!(count(&r.by_outcome, Outcome::ResolvedInternally), 1);
    assert_eq!(count(&r.by_outcome, Outcome::ReferredOn), 1);
    assert_eq!(count(&r.by_outcome, Outcome::NoFurtherAction), 0);
    // Acknowledged after 5, 10, 30, 45, 60 and 120 minutes: the median (3rd of 6) is 30
    // minutes, the 90th percentile (6th of 6) 2 hours.
    assert_eq!(r.acknowledged, 6);
    assert_eq!(r.ack_median_secs, Some(30 * 60));
    assert_eq!(r.ack_p90_secs, Some(120 * 60));
    assert_eq!(count(&r.referrals, ReferralTo::Police), 1);
    assert_eq!(count(&r.referrals, ReferralTo::ChildrensSocialCare), 1);
    assert_eq!(count(&r.referrals, ReferralTo::Lado), 2);
    assert_eq!(r.referrals_total(), 4);
    // Open until now (3 December, noon): w1 (31 days), w3 (29) and w4 (28 days and 3 hours)
    // more than 4 weeks; w5 (27), w7 (25) and w9 (23) 1 to 4 weeks, with w6 (closed after 10
    // days); w2 closed after 2 days.
    assert_eq!(
        r.by_age.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        [0, 1, 4, 3]
    );
    // The trend: October's one, November's eight, twelve months ending in November.
    assert_eq!(r.trend.len(), 12);
    let last = r.trend.last().unwrap();
    assert_eq!((last.year, last.month, last.worries), (2026, 11, 8));
    assert_eq!((last.urgent, last.referrals, last.acknowledged), (3, 4, 6));
    assert_eq!(last.ack_median_secs, Some(30 * 60));
    assert_eq!(r.trend[10].worries, 1);
    assert_eq!(r.trend[..10].iter().map(|m| m.worries).sum::<u64>(), 0);
    // Twelve month partitions, one query each.
    assert_eq!(r.reads, 12);

    // The head (allegations lead) never counts the head's queue: not w9, nor its referral.
    let r = report!(&s.head, november);
    assert_eq!(r.worries, 4);
    assert_eq!(r.by_queue, [(Queue::Staff, 3), (Queue::Dsl, 1)]);
    assert_eq!(r.left_out_queues, [Queue::Team, Queue::Head]);
    assert_eq!(count(&r.referrals, ReferralTo::Lado), 1);
    assert_eq!(count(&r.referrals, ReferralTo::Police), 1);
    // w6 after 60 minutes, w8 after 20.
    assert_eq!(r.ack_median_secs, Some(20 * 60));
    assert_eq!(r.ack_p90_secs, Some(60 * 60));

    // The deputy: the team's queue only (w5 moved away from it).
    let r = report!(&s.deputy, november);
    assert_eq!(r.worries, 4);
    assert_eq!(r.by_queue, [(Queue::Team, 4)]);

    // A governor: the team and staff queues, never the DSL's or the head's.
    let r = report!(&s.governor, november);
    assert_eq!(r.worries, 7);
    assert_eq!(r.by_queue, [(Queue::Team, 4), (Queue::Staff, 3)]);
    assert_eq!(r.left_out_queues, [Queue::Dsl, Queue::Head]);
    assert_eq!(count(&r.referrals, ReferralTo::Police), 1);
    assert_eq!(count(&r.referrals, ReferralTo::Lado), 1);

    // Governor and chair: what the chair reads too (the head's queue), still not the DSL's.
    let r = report!(&s.chair_governor, november);
    assert_eq!(r.worries, 8);
    assert_eq!(
        r.by_queue,
        [(Queue::Team, 4), (Queue::Staff, 3), (Queue::Head, 1)]
    );

    // The termly report: autumn is September to December.
    let autumn = Period::parse(ReportKind::Termly, "autumn-2026").unwrap();
    let r = report!(&s.dsl, autumn);
    assert_eq!(r.worries, 10);
    assert_eq!(r.trend.last().unwrap().worries, 1);
    let r = report!(&s.governor, autumn);
    assert_eq!(r.worries, 9);

    // The CSV has the page's numbers and no name or words of a worry.
    let r = report!(&s.dsl, november);
    let csv = reports::csv(&r, |k| format!("kind {k}"));
    assert!(csv.lines().any(|l| l == "worries,Worries sent,8"), "{csv}");
    assert!(
        csv.lines()
            .any(|l| l == "time to acknowledge,Median (seconds),1800")
    );
    assert!(
        csv.lines()
            .any(|l| l == "time to acknowledge,90th percentile (seconds),7200")
    );
    assert!(csv.lines().any(|l| l == "trend worries,2026-11,8"));
    for needle in s.names.iter().chain(s.texts.iter()) {
        assert!(!csv.contains(needle.as_str()), "{needle} in the CSV");
    }

    // Another organisation's report counts none of these.
    let other = OrgId::parse(&format!("{org_name}-b")).unwrap();
    let r = reports::report(store, &other, &s.dsl, november, now)
        .await
        .unwrap();
    assert_eq!(r.worries, 0);
}

#[tokio::test]
async fn reports_count_the_seeded_worries_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    scenario(&store, "reports").await;
}

#[tokio::test]
async fn reports_count_the_seeded_worries_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = support::dynamo_table(&local, "reports").await;
    scenario(&store, "reports").await;
}

/// Every report entry of the seeded months, by key.
async fn entries<S: Store>(
    store: &S,
    org: &OrgId,
) -> std::collections::BTreeMap<(String, String), safety_core::store::Item> {
    let mut out = std::collections::BTreeMap::new();
    for month in ["2026-10", "2026-11", "2026-12"] {
        let page = store
            .query(&safety_core::store::Query::partition(
                safety_core::keys::report_month(org, month),
            ))
            .await
            .unwrap();
        assert!(page.next.is_none());
        for item in page.items {
            let key = safety_core::store::Key::of(&item).unwrap();
            out.insert((key.pk, key.sk), item);
        }
    }
    out
}

/// Worries stored before the report entries existed: their entries are made from their records
/// and chronologies, once, equal to what the writes themselves keep; one written since by a
/// change (without what happened before it) is made whole.
async fn backfill<S: Store>(store: &S, org_name: &str) {
    use safety_core::worry::report_entry;
    let s = seed(store, org_name).await;
    let november = || Period::parse(ReportKind::Monthly, "2026-11").unwrap();
    let kept = entries(store, &s.org).await;
    assert_eq!(kept.len(), 11);
    // As before the entries existed: none.
    for (pk, sk) in kept.keys() {
        store
            .delete(&safety_core::store::Key::new(pk, sk), Condition::Always)
            .await
            .unwrap();
    }
    let before = reports::report(store, &s.org, &s.dsl, november(), at(12, 2, 9, 0))
        .await
        .unwrap();
    assert_eq!(before.worries, 0, "nothing counted without entries");
    // One worry changed since: its entry has the change only (no acknowledgement, no referrals).
    let w1 = kept
        .iter()
        .find(|(_, item)| item.get("ref#police").is_some())
        .map(|((_, sk), _)| sk.trim_start_matches("WORRY#").to_string())
        .unwrap();
    act(
        store,
        &s.org,
        &s.dsl,
        &w1,
        CaseAction::SetStatus(Status::InProgress),
        at(12, 2, 9, 0),
    )
    .await;
    let partial = entries(store, &s.org).await;
    assert_eq!(partial.len(), 1);
    assert!(partial.values().all(|e| e.get("acknowledged_at").is_none()));

    let made = report_entry::ensure_built(store, &s.org, at(12, 2, 10, 0))
        .await
        .unwrap();
    assert_eq!(made, Some(11));
    let rebuilt = entries(store, &s.org).await;
    let mut expected = kept.clone();
    for ((_, sk), item) in expected.iter_mut() {
        if sk.ends_with(&w1) {
            item.insert("status".into(), serde_json::json!("in_progress"));
        }
    }
    assert_eq!(
        rebuilt, expected,
        "made from the records = kept by the writes"
    );
    // Done once: a second call reads one item and writes nothing.
    assert_eq!(
        report_entry::ensure_built(store, &s.org, at(12, 3, 10, 0))
            .await
            .unwrap(),
        None
    );
    let r = reports::report(store, &s.org, &s.dsl, november(), at(12, 2, 11, 0))
        .await
        .unwrap();
    assert_eq!(
        r.worries, 8,
        "the DSL's November count as in the seeded scenario"
    );
}

#[tokio::test]
async fn report_entries_are_made_for_worries_stored_before_them_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    backfill(&store, "backfill").await;
}

#[tokio::test]
async fn report_entries_are_made_for_worries_stored_before_them_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = support::dynamo_table(&local, "backfill").await;
    backfill(&store, "backfill").await;
}

/// Report entries for `n` worries over the 12 months to November 2026, written 25 to a
/// transaction (the report reads entries, never worries).
async fn bulk_entries<S: Store>(store: &S, org: &OrgId, n: usize) {
    let mut ops = Vec::new();
    for i in 0..n {
        let created = at(11, 30, 12, 0) - Duration::minutes((i as i64 * 52) % (334 * 24 * 60));
        let queue = Queue::ALL[i % 4];
        let entry = ReportEntryRecord {
            state: ReportedState {
                route: StoredRoute::from(&Route::plain(queue)),
                kind: kinds()[i % kinds().len()].id.clone(),
                urgency: Urgency::ALL[i % 3],
                status: Status::ALL[i % 4],
                created_at: created,
            },
            acknowledged_at: (i % 5 != 0)
                .then(|| created + Duration::seconds(60 + i as i64 % 7200)),
            closed_at: None,
            outcome: None,
            other: [(
                format!("ref#{}", ReferralTo::ALL[i % 7].as_str()),
                serde_json::json!(1),
            )]
            .into_iter()
            .collect(),
        };
        let key = safety_core::keys::worry_report_entry(
            org,
            &month_of(created),
            &format!("{i:08}-0000-7000-8000-000000000000"),
        );
        ops.push(TxOp::Put {
            item: to_item(&key, &entry),
            condition: Condition::Always,
        });
        if ops.len() == 25 {
            store.transact(std::mem::take(&mut ops)).await.unwrap();
        }
    }
    if !ops.is_empty() {
        store.transact(ops).await.unwrap();
    }
}

async fn bench<S: Store>(store: S, backend: &str) {
    let org = OrgId::parse("bench").unwrap();
    bulk_entries(&store, &org, 10_000).await;
    let dsl = invite(&store, &org, "Dee-Dsl", &[Role::Dsl, Role::Staff]).await;
    let store = CountingStore::new(store);
    let november = Period::parse(ReportKind::Monthly, "2026-11").unwrap();
    let started = std::time::Instant::now();
    let r = reports::report(&store, &org, &dsl, november, at(12, 1, 9, 0))
        .await
        .unwrap();
    let ms = started.elapsed().as_millis();
    let total: u64 = r.trend.iter().map(|m| m.worries).sum();
    println!(
        "monthly report over 10,000 worries ({backend}): {} round trips (reads {}, writes {}), {ms} ms; the DSL counts {total} of them over 12 months, {} in November",
        r.reads,
        store.reads(),
        store.writes(),
        r.worries
    );
    // The DSL reads three of the four queues.
    assert_eq!(total, 7_500);
    assert_eq!(store.writes(), 0);
    assert_eq!(store.reads(), r.reads);
    assert!(r.reads <= 24, "{} round trips", r.reads);
}

#[tokio::test]
async fn the_monthly_report_over_ten_thousand_worries_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    bench(store, "redb").await;
}

#[tokio::test]
async fn the_monthly_report_over_ten_thousand_worries_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = support::dynamo_table(&local, "reports-bench").await;
    bench(store, "DynamoDB Local").await;
}
