//! The inbox counters (`worry::counts`) against a recount of the worries (`inbox::recount`),
//! and the index of safeguarding roles (`identity::safeguarders`) against the people, after a
//! random sequence of changes (submissions, acknowledging, status changes, assigning, moving,
//! closing, reopening, role changes, deactivating), on both backends.

use crate::support;

use chrono::{DateTime, Duration, Utc};
use safety_core::crypto::Secret;
use safety_core::identity::{NewPerson, Person, people, safeguarders};
use safety_core::keys;
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::routing::{Involves, Queue};
use safety_core::store::Store;
use safety_core::store::embedded::EmbeddedStore;
use safety_core::worry::case::{self, CaseAction, Outcome};
use safety_core::worry::code::FormToken;
use safety_core::worry::{self, FORM_PURPOSE, Sender, Status, Worry, WorryInput, counts, inbox};
use support::dynamodb_local::DynamoDbLocal;
use support::{kinds, t0};

/// A small deterministic generator (xorshift64), so a failure names a sequence that repeats.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

async fn invite<S: Store>(store: &S, org: &OrgId, n: &str, roles: &[Role]) -> Person {
    people::invite(
        store,
        org,
        &NewPerson {
            email: format!("{n}@counts.example.org"),
            name: n.replace('-', " "),
            roles: roles.to_vec(),
            groups: vec![],
        },
        t0(),
    )
    .await
    .unwrap()
}

/// Every handler's counts from the counters equal a recount of the worries, at `now` and later.
async fn assert_counts_match<S: Store>(
    store: &S,
    org: &OrgId,
    handlers: &[String],
    now: DateTime<Utc>,
    when: &str,
) {
    for id in handlers {
        let p = people::get(store, org, id).await.unwrap();
        for at in [now, now + Duration::minutes(45)] {
            let counted = counts::counts(store, org, &p, at, 30).await.unwrap();
            let recounted = inbox::recount(store, org, &p, at, 30).await.unwrap();
            assert_eq!(counted, recounted, "{} at {at}, {when}", p.name);
        }
    }
}

async fn assert_index_matches<S: Store>(store: &S, org: &OrgId, when: &str) {
    let mut expected: Vec<(String, Vec<Role>, String)> = people::list_all(store, org)
        .await
        .unwrap()
        .into_iter()
        .filter(safeguarders::belongs)
        .map(|p| (p.id, p.roles, p.name))
        .collect();
    expected.sort();
    let mut indexed: Vec<(String, Vec<Role>, String)> = safeguarders::list(store, org)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.roles, p.name))
        .collect();
    indexed.sort();
    assert_eq!(indexed, expected, "{when}");
}

async fn scenario<S: Store>(store: &S, seed: u64) {
    let org = OrgId::parse("counts").unwrap();
    let secret = Secret::new("inbox-counts-secret-inbox-counts-secret").unwrap();
    // Built on an empty organisation: from here on every write keeps them.
    counts::ensure_counters(store, &org, t0()).await.unwrap();
    assert!(
        store
            .get(&keys::safeguarders_built(&org))
            .await
            .unwrap()
            .is_some()
    );
    let dsl = invite(store, &org, "Dee-Dsl", &[Role::Dsl, Role::Staff]).await;
    let deputy = invite(store, &org, "Dan-Deputy", &[Role::DeputyDsl, Role::Staff]).await;
    let deputy2 = invite(store, &org, "Dora-Deputy", &[Role::DeputyDsl, Role::Staff]).await;
    let lead = invite(
        store,
        &org,
        "Hal-Head",
        &[Role::AllegationsLead, Role::Staff],
    )
    .await;
    let chair = invite(store, &org, "Cass-Chair", &[Role::Chair]).await;
    let _learner = invite(store, &org, "Lee-Learner", &[Role::Learner]).await;
    let handlers: Vec<String> = [&dsl, &deputy, &deputy2, &lead, &chair]
        .iter()
        .map(|p| p.id.clone())
        .collect();
    assert_index_matches(store, &org, "after the invitations").await;

    let mut rng = Rng(seed);
    let mut worries: Vec<String> = Vec::new();
    let mut now = t0();
    for step in 0..70 {
        now += Duration::minutes(1 + rng.below(9) as i64);
        let roll = rng.below(20);
        if worries.is_empty() || roll < 6 {
            let involves = [
                Involves::Nobody,
                Involves::Nobody,
                Involves::Staff,
                Involves::Dsl,
                Involves::Head,
                Involves::Unsure,
            ][rng.below(6)];
            let input = WorryInput {
                text: format!("Counted worry {step}"),
                urgency: Some(["urgent", "soon", "can_wait"][rng.below(3)].into()),
                about: Some("someone_else".into()),
                involves: Some(involves.as_str().into()),
                email_replies: None,
                kind: Some(kinds()[rng.below(kinds().len())].id.clone()),
                wants_contact: Some("no".into()),
                contact_how: String::new(),
            };
            let token = FormToken::issue(&secret, FORM_PURPOSE, now.timestamp());
            let sent = worry::submit(
                store,
                &org,
                &secret,
                &token,
                &input,
                kinds(),
                &Sender::Anonymous,
                now,
            )
            .await
            .unwrap();
            worries.push(sent.worry_id);
        } else if roll == 19 {
            // A change of roles or of who is active: the index follows, routing reads it.
            let p = people::get(store, &org, &deputy2.id).await.unwrap();
            match rng.below(3) {
                0 if p.active => {
                    people::deactivate(store, &org, &p.id).await.unwrap();
                }
                0 => {
                    people::reactivate(store, &org, &p.id).await.unwrap();
                }
                1 if p.roles.contains(&Role::DeputyDsl) => {
                    people::set_roles(store, &org, &p.id, &[Role::Staff], p.version)
                        .await
                        .unwrap();
                }
                _ => {
                    people::set_roles(
                        store,
                        &org,
                        &p.id,
                        &[Role::DeputyDsl, Role::Staff],
                        p.version,
                    )
                    .await
                    .unwrap();
                }
            }
            assert_index_matches(store, &org, &format!("step {step}")).await;
        } else {
            let worry_id = worries[rng.below(worries.len())].clone();
            let w = Worry::from_item(
                &store
                    .get(&keys::worry(&org, &worry_id))
                    .await
                    .unwrap()
                    .unwrap(),
            )
            .unwrap();
            let mut readers = Vec::new();
            for id in &handlers {
                let p = people::get(store, &org, id).await.unwrap();
                if w.visible_to(&p) {
                    readers.push(p);
                }
            }
            if readers.is_empty() {
                continue;
            }
            let handler = readers[rng.below(readers.len())].clone();
            let action = match rng.below(8) {
                0 => CaseAction::Acknowledge,
                1 => CaseAction::SetStatus(Status::InProgress),
                2 => CaseAction::SetStatus(Status::Acknowledged),
                3 | 4 => CaseAction::Reassign(readers[rng.below(readers.len())].clone()),
                5 => CaseAction::Move {
                    to: Queue::ALL[rng.below(Queue::ALL.len())],
                    reason: "Counted move".into(),
                },
                6 => CaseAction::Close {
                    outcome: Outcome::ResolvedInternally,
                    detail: "Counted close".into(),
                },
                _ => CaseAction::Note("A note changes no count".into()),
            };
            let form_id = uuid::Uuid::new_v4().to_string();
            match case::act(
                store, &org, &handler, &worry_id, &form_id, w.version, action, now,
            )
            .await
            {
                Ok(_) | Err(case::CaseError::Refused(_)) | Err(case::CaseError::Stale) => {}
                Err(e) => panic!("step {step}: {e}"),
            }
        }
        if step % 7 == 6 {
            assert_counts_match(store, &org, &handlers, now, &format!("step {step}")).await;
        }
    }
    assert_counts_match(store, &org, &handlers, now, "at the end").await;

    // A rebuild from the worries gives the same counts (what the start-up does for worries
    // stored before the counters existed), and so does a rebuilt index.
    let rebuilt = counts::rebuild(store, &org, now).await.unwrap();
    assert!(rebuilt.routes > 0, "{rebuilt:?}");
    assert_counts_match(store, &org, &handlers, now, "after a rebuild").await;
    safeguarders::rebuild(store, &org, now).await.unwrap();
    assert_index_matches(store, &org, "after a rebuild").await;

    // The reassign list: the worry's readers among the safeguarding roles, never its subject.
    let route = safety_core::routing::Route::plain(Queue::Dsl);
    let people_now = people::list_all(store, &org).await.unwrap();
    let mut expected: Vec<String> = route
        .readers(&people_now)
        .into_iter()
        .map(|p| p.id.clone())
        .collect();
    expected.sort();
    let mut listed: Vec<String> = case::assignable_people(store, &org, &route)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    listed.sort();
    assert_eq!(listed, expected);
    assert!(
        !listed.contains(&dsl.id),
        "the DSL never reads a worry about the DSL"
    );
}

#[tokio::test]
async fn inbox_counters_equal_a_recount_on_the_embedded_store() {
    for seed in [0x9E37_79B9_7F4A_7C15, 42, 7_777_777] {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
        scenario(&store, seed).await;
    }
}

#[tokio::test]
async fn inbox_counters_equal_a_recount_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = support::dynamo_table(&local, "inbox-counts").await;
    scenario(&store, 0x2545_F491_4F6C_DD1D).await;
}

/// Worries stored before the counters existed: counted by reading them until the counters are
/// built, then from the counters, with the same numbers.
#[tokio::test]
async fn counts_before_the_counters_are_built_read_the_worries() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let org = OrgId::parse("legacy").unwrap();
    let secret = Secret::new("inbox-counts-secret-inbox-counts-secret").unwrap();
    let dsl = invite(&store, &org, "Dee-Dsl", &[Role::Dsl, Role::Staff]).await;
    invite(
        &store,
        &org,
        "Hal-Head",
        &[Role::AllegationsLead, Role::Staff],
    )
    .await;
    invite(&store, &org, "Cass-Chair", &[Role::Chair]).await;
    for n in 0..5 {
        let token = FormToken::issue(&secret, FORM_PURPOSE, t0().timestamp());
        let input = WorryInput {
            text: format!("Old worry {n}"),
            urgency: Some("urgent".into()),
            about: Some("me".into()),
            involves: Some("nobody".into()),
            email_replies: None,
            kind: Some(kinds()[0].id.clone()),
            wants_contact: Some("no".into()),
            contact_how: String::new(),
        };
        worry::submit(
            &store,
            &org,
            &secret,
            &token,
            &input,
            kinds(),
            &Sender::Anonymous,
            t0(),
        )
        .await
        .unwrap();
    }
    // As if the counters were lost (or never written): nothing in their partition.
    let mut cursor = None;
    loop {
        let page = store
            .query(&safety_core::store::Query::partition(keys::worry_counts(&org)).after(cursor))
            .await
            .unwrap();
        for item in &page.items {
            let key = safety_core::store::Key::of(item).unwrap();
            store
                .delete(&key, safety_core::store::Condition::Always)
                .await
                .unwrap();
        }
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let later = t0() + Duration::hours(1);
    let expected = inbox::recount(&store, &org, &dsl, later, 30).await.unwrap();
    assert_eq!(expected.open, 5);
    assert_eq!(expected.overdue, 5);
    assert_eq!(
        counts::counts(&store, &org, &dsl, later, 30).await.unwrap(),
        expected
    );
    let built = counts::ensure_counters(&store, &org, later).await.unwrap();
    assert_eq!(built.map(|b| b.open), Some(5));
    assert_eq!(
        counts::counts(&store, &org, &dsl, later, 30).await.unwrap(),
        expected
    );
    assert!(
        counts::ensure_counters(&store, &org, later)
            .await
            .unwrap()
            .is_none()
    );
}
