//! The stored layout of the typed records, pinned: each record is written as exactly the item the
//! code wrote before records existed (the same attribute names, types and absent attributes), so
//! existing data, the DynamoDB indexes, the TTL and the stream filters keep working.

use crate::counters::{AggregateRecord, Cohort};
use crate::identity::import_job::{ImportJobRecord, JobStatus};
use crate::identity::people::{PersonDetailsRecord, PersonRecord};
use crate::identity::sign_in_mail::SignInRequestRecord;
use crate::notify::{NotificationRecord, Reason};
use crate::rate_limit::RateWindowRecord;
use crate::roles::Role;
use crate::routing::{Queue, StoredRoute};
use crate::store::record::{from_item, to_item};
use crate::store::{Key, Update};
use crate::worry::records::{GroupLatest, WorryEventRecord, WorryGroupRecord, WorryRecord};
use crate::worry::{Status, Urgency};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T09:30:00.123Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn key() -> Key {
    Key::new("P", "S")
}

/// The item as a JSON value, with its key.
fn stored(fields: Value) -> Value {
    Value::Object(key().item(fields))
}

#[test]
fn a_named_worry_is_the_item_it_always_was() {
    let record = WorryRecord {
        org: "demo".into(),
        worry_id: "w".into(),
        text: "t".into(),
        urgency: Urgency::Soon,
        about: "me".into(),
        involves: Some(crate::routing::Involves::Staff),
        route: StoredRoute {
            queue: Queue::Staff,
            concerned: Some(vec![Role::Dsl]),
            excluded: vec!["x".into()],
        },
        kind: "online".into(),
        wants_contact: true,
        contact_how: "after school".into(),
        email_replies: true,
        status: Status::New,
        anonymous: false,
        created_at: at(),
        updated_at: at(),
        version: 1,
        gsi1pk: "ORG#demo#WORRIES#staff#OPEN".into(),
        gsi1sk: "2026-12-01T09:30:00.123Z#w".into(),
        group_id: Some("g".into()),
        sender_id: Some("p".into()),
        sender_name: Some("Pat".into()),
        assigned_id: None,
        assigned_name: None,
        review_due: None,
        review_what: None,
        staff_report: None,
    };
    let item = to_item(&key(), &record);
    assert_eq!(
        Value::Object(item.clone()),
        stored(json!({
            "type": "worry", "org": "demo", "worry_id": "w", "text": "t", "urgency": "soon",
            "about": "me", "involves": "staff", "queue": "staff", "concerned": ["dsl"],
            "excluded": ["x"], "kind": "online", "wants_contact": true,
            "contact_how": "after school", "email_replies": true, "status": "new",
            "anonymous": false, "created_at": "2026-12-01T09:30:00.123Z",
            "updated_at": "2026-12-01T09:30:00.123Z", "version": 1,
            "gsi1pk": "ORG#demo#WORRIES#staff#OPEN", "gsi1sk": "2026-12-01T09:30:00.123Z#w",
            "group_id": "g", "sender_id": "p", "sender_name": "Pat",
        }))
    );
    assert_eq!(from_item::<WorryRecord>(&item).unwrap(), record);
}

#[test]
fn a_worry_stored_before_routing_recorded_exclusions_still_reads() {
    let old = key().item(json!({
        "type": "worry", "org": "demo", "worry_id": "w", "text": "t", "urgency": "urgent",
        "about": "a_member_of_staff", "queue": "staff", "kind": "online", "status": "closed",
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "version": 4,
    }));
    let worry = crate::worry::Worry::from_item(&old).unwrap();
    assert_eq!(worry.involves, crate::routing::Involves::Staff);
    assert_eq!(worry.route, crate::routing::Route::plain(Queue::Staff));
    assert!(!worry.wants_contact && worry.contact_how.is_empty());
    assert_eq!(worry.sender, crate::worry::Sender::Anonymous);
}

#[test]
fn a_chronology_entry_has_only_the_attributes_of_its_kind() {
    let record = WorryEventRecord {
        kind: "status".into(),
        at: at(),
        by_name: "Dee".into(),
        text: "t".into(),
        by_id: None,
        referral_to: None,
        reference: None,
        from: Some("new".into()),
        to: Some("in_progress".into()),
        to_name: None,
        outcome: None,
        decision: None,
        due: None,
    };
    assert_eq!(
        Value::Object(to_item(&key(), &record)),
        stored(json!({
            "type": "worry_event", "kind": "status", "at": "2026-12-01T09:30:00.123Z",
            "by_name": "Dee", "text": "t", "from": "new", "to": "in_progress",
        }))
    );
}

#[test]
fn a_decision_keeps_its_fields_in_one_map_and_a_review_its_date() {
    use crate::worry::decision::{Decision, ParentsInformed};
    let record = WorryEventRecord {
        kind: "decision".into(),
        at: at(),
        by_name: "Dee".into(),
        text: "why".into(),
        by_id: None,
        referral_to: None,
        reference: None,
        from: None,
        to: None,
        to_name: None,
        outcome: None,
        decision: Some(Decision::Parents {
            informed: ParentsInformed::NotYet,
        }),
        due: Some(chrono::NaiveDate::from_ymd_opt(2027, 3, 12).unwrap()),
    };
    assert_eq!(
        Value::Object(to_item(&key(), &record)),
        stored(json!({
            "type": "worry_event", "kind": "decision", "at": "2026-12-01T09:30:00.123Z",
            "by_name": "Dee", "text": "why",
            "decision": { "decision": "parents", "informed": "not_yet" },
            "due": "2027-03-12",
        }))
    );
}

#[test]
fn a_notification_is_the_item_the_stream_filter_expects() {
    let record = NotificationRecord {
        org: "demo".into(),
        notification_id: "n".into(),
        worry_id: "w".into(),
        route: StoredRoute {
            queue: Queue::Team,
            concerned: Some(vec![]),
            excluded: vec![],
        },
        reason: Reason::NewWorry,
        urgent: false,
        created_at: at(),
        next_attempt_at: at(),
        sent_to: vec![],
        attempts: 0,
        version: 1,
        gsi1pk: Some("ORG#demo#NOTIFY#PENDING".into()),
        gsi1sk: Some("2026-12-01T09:30:00.123Z#n".into()),
        to_person: None,
        summary: None,
        readers: None,
        last_error: None,
        delivered_at: None,
        expires_at: None,
    };
    // A low-level concern's notification carries the concern's readers, as the concern does.
    let concern = NotificationRecord {
        reason: Reason::LowLevelConcern,
        readers: Some(crate::routing::Readers {
            roles: vec![crate::roles::Role::Chair],
            concerned: vec![crate::roles::Role::AllegationsLead],
            excluded: vec!["p1".into()],
        }),
        ..record.clone()
    };
    let item = to_item(&key(), &concern);
    assert_eq!(item["reason"], json!("low_level_concern"));
    assert_eq!(
        item["readers"],
        json!({ "roles": ["chair"], "concerned": ["allegations_lead"], "excluded": ["p1"] })
    );
    assert_eq!(
        Value::Object(to_item(&key(), &record)),
        stored(json!({
            "type": "notification", "org": "demo", "notification_id": "n", "worry_id": "w",
            "queue": "team", "concerned": [], "excluded": [], "reason": "new_worry",
            "urgent": false, "created_at": "2026-12-01T09:30:00.123Z",
            "next_attempt_at": "2026-12-01T09:30:00.123Z", "sent_to": [], "attempts": 0,
            "version": 1, "gsi1pk": "ORG#demo#NOTIFY#PENDING",
            "gsi1sk": "2026-12-01T09:30:00.123Z#n",
        }))
    );
}

#[test]
fn a_sign_in_request_starts_at_version_0_with_its_ttl() {
    let record = SignInRequestRecord {
        org: "demo".into(),
        request_id: "r".into(),
        email: "a@b.c".into(),
        created_at: at(),
        next_attempt_at: at(),
        attempts: 0,
        version: 0,
        last_error: None,
        expires_at: 1_800_000_000,
        gsi1pk: "ORG#demo#SIGNIN#PENDING".into(),
        gsi1sk: "2026-12-01T09:30:00.123Z#r".into(),
    };
    assert_eq!(
        Value::Object(to_item(&key(), &record)),
        stored(json!({
            "type": "sign_in_request", "org": "demo", "request_id": "r", "email": "a@b.c",
            "created_at": "2026-12-01T09:30:00.123Z",
            "next_attempt_at": "2026-12-01T09:30:00.123Z", "attempts": 0, "version": 0,
            "expires_at": 1_800_000_000, "gsi1pk": "ORG#demo#SIGNIN#PENDING",
            "gsi1sk": "2026-12-01T09:30:00.123Z#r",
        }))
    );
}

#[test]
fn a_person_is_the_item_it_always_was() {
    let record = PersonRecord {
        org: "demo".into(),
        person_id: "p".into(),
        email: "a@b.c".into(),
        details: PersonDetailsRecord {
            name: "Pat".into(),
            roles: vec![Role::Staff, Role::DeputyDsl],
            groups: vec!["Year 7".into()],
            updated_at: None,
            gsi1sk: "pat#p".into(),
        },
        active: true,
        deactivated_at: None,
        session_epoch: 2,
        created_at: at(),
        version: 3,
        gsi1pk: "ORG#demo#PEOPLE".into(),
    };
    let item = to_item(&key(), &record);
    assert_eq!(
        Value::Object(item.clone()),
        stored(json!({
            "type": "person", "org": "demo", "person_id": "p", "email": "a@b.c", "name": "Pat",
            "roles": ["staff", "deputy_dsl"], "groups": ["Year 7"], "active": true,
            "session_epoch": 2, "created_at": "2026-12-01T09:30:00.123Z", "version": 3,
            "gsi1pk": "ORG#demo#PEOPLE", "gsi1sk": "pat#p",
        }))
    );
    assert_eq!(from_item::<PersonRecord>(&item).unwrap(), record);
    assert_eq!(item[PersonRecord::SESSION_EPOCH], json!(2));
}

#[test]
fn a_change_of_details_writes_the_details_as_the_person_holds_them() {
    let details = PersonDetailsRecord {
        name: "Pat".into(),
        roles: vec![Role::Staff],
        groups: vec![],
        updated_at: Some(at()),
        gsi1sk: "pat#p".into(),
    };
    assert_eq!(
        Value::Object(Update::default().set_fields(&details).set),
        json!({
            "name": "Pat", "roles": ["staff"], "groups": [],
            "updated_at": "2026-12-01T09:30:00.123Z", "gsi1sk": "pat#p",
        })
    );
}

#[test]
fn an_import_job_holds_its_claim_only_while_claimed() {
    let record = ImportJobRecord {
        org: "demo".into(),
        job_id: "j".into(),
        started_by: "p".into(),
        started_at: at(),
        updated_at: at(),
        total: 3,
        done: 1,
        created: 1,
        updated: 0,
        unchanged: 0,
        failed: 0,
        chunks: 2,
        next_chunk: 1,
        status: JobStatus::Running,
        stalled: false,
        version: 2,
        expires_at: 1_800_000_000,
        claim_chunk: None,
        claim_until: None,
    };
    let item = to_item(&key(), &record);
    assert_eq!(
        Value::Object(item.clone()),
        stored(json!({
            "type": "import_job", "org": "demo", "job_id": "j", "started_by": "p",
            "started_at": "2026-12-01T09:30:00.123Z", "updated_at": "2026-12-01T09:30:00.123Z",
            "total": 3, "done": 1, "created": 1, "updated": 0, "unchanged": 0, "failed": 0,
            "chunks": 2, "next_chunk": 1, "status": "running", "stalled": false, "version": 2,
            "expires_at": 1_800_000_000,
        }))
    );
    let mut claimed = item;
    claimed.insert("claim_chunk".into(), json!(1));
    claimed.insert("claim_until".into(), json!("2026-12-01T09:31:00.123Z"));
    let read = from_item::<ImportJobRecord>(&claimed).unwrap();
    assert_eq!(read.claim_chunk, Some(1));
    assert!(read.claim_until.is_some());
}

#[test]
fn a_worry_group_counts_its_members_and_the_latest_one() {
    let record = WorryGroupRecord {
        group_id: "g".into(),
        queue: Queue::Dsl,
        first_at: at(),
        first_worry_id: "w".into(),
        count: 1,
        latest: GroupLatest::default(),
    };
    let item = to_item(&key(), &record);
    assert_eq!(
        Value::Object(item.clone()),
        stored(json!({
            "type": "worry_group", "group_id": "g", "queue": "dsl",
            "first_at": "2026-12-01T09:30:00.123Z", "first_worry_id": "w", "count": 1,
        }))
    );
    assert_eq!(from_item::<WorryGroupRecord>(&item).unwrap(), record);
    assert_eq!(item[WorryGroupRecord::COUNT], json!(1));
    // A later member: one more, and when it came.
    let latest = GroupLatest {
        last_at: Some(at()),
    };
    assert_eq!(
        Value::Object(Update::default().set_fields(&latest).set),
        json!({ "last_at": "2026-12-01T09:30:00.123Z" })
    );
    let mut later = item;
    later.insert("count".into(), json!(2));
    later.insert("last_at".into(), json!("2026-12-01T09:30:00.123Z"));
    let read = from_item::<WorryGroupRecord>(&later).unwrap();
    assert_eq!((read.count, read.latest), (2, latest));
}

#[test]
fn a_rate_window_is_a_count_and_a_ttl() {
    let record = RateWindowRecord {
        count: 3,
        expires_at: 1_800_000_000,
    };
    let item = to_item(&key(), &record);
    assert_eq!(
        Value::Object(item.clone()),
        stored(json!({ "type": "rate_limit", "count": 3, "expires_at": 1_800_000_000 }))
    );
    assert_eq!(item[RateWindowRecord::COUNT], json!(3));
    assert_eq!(item[crate::store::layout::TTL], json!(1_800_000_000));
}

#[test]
fn an_aggregate_update_writes_its_type_cohort_and_item_then_counts() {
    let cohort = Cohort {
        roles: vec![Role::Staff],
        groups: vec!["Year 7".into()],
    };
    let update = Update::default().set_record(&AggregateRecord::of(
        cohort.clone(),
        Some("MODULE#m".into()),
    ));
    assert_eq!(
        Value::Object(update.set),
        json!({
            "type": "aggregate", "roles": ["staff"], "groups": ["Year 7"], "item": "MODULE#m",
        })
    );
    let people = Update::default().set_record(&AggregateRecord::of(cohort, None));
    assert_eq!(
        Value::Object(people.set),
        json!({ "type": "aggregate", "roles": ["staff"], "groups": ["Year 7"] })
    );
    let counted = AggregateRecord {
        people: Some(4),
        ..AggregateRecord::of(
            Cohort {
                roles: vec![],
                groups: vec![],
            },
            None,
        )
    };
    assert_eq!(to_item(&key(), &counted)[AggregateRecord::PEOPLE], json!(4));
}
