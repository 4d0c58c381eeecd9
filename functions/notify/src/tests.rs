//! The events as Lambda hands them over, and the handler over the embedded store.

use super::*;
use safety_core::content::Library;
use safety_core::crypto::Secret;
use safety_core::identity::{NewPerson, Person, people};
use safety_core::keys;
use safety_core::mail::OutboxMailer;
use safety_core::mail::{MailError, Message};
use safety_core::org::{OrgId, OrgProfile};
use safety_core::roles::Role;
use safety_core::routing::About;
use safety_core::store::embedded::EmbeddedStore;
use safety_core::tenancy::{BaseContent, DeploymentConfig, hosts};
use safety_core::worry::code::FormToken;
use safety_core::worry::{self, FORM_PURPOSE, WorryInput};
use std::sync::Arc;
use std::time::Duration;

const WORRY_TEXT: &str = "Someone keeps sending me messages after school and I feel scared";

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn library() -> &'static Library {
    static LIB: std::sync::OnceLock<Library> = std::sync::OnceLock::new();
    LIB.get_or_init(|| safety_core::content::load_embedded().unwrap())
}

fn base() -> Arc<BaseContent> {
    static BASE: std::sync::OnceLock<Arc<BaseContent>> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        Arc::new(BaseContent {
            files: safety_core::content::embedded_files(),
            library: Arc::new(library().clone()),
        })
    })
    .clone()
}

fn profile() -> OrgProfile {
    library().org("demo").unwrap().clone()
}

/// The notifier as the function builds it, over `store`: the default organisation `demo`
/// (seeded from its file when first needed), refreshed at every delivery.
fn notifier<M: Mailer>(store: EmbeddedStore, mailer: M) -> Notifier<EmbeddedStore, M> {
    Notifier::new(
        store,
        mailer,
        DeploymentConfig {
            base: base(),
            default_org: OrgId::parse("demo").unwrap(),
            refresh: Duration::ZERO,
            links: links(),
        },
    )
}

fn links() -> Links {
    Links {
        base_url: "https://safety.example.org".into(),
    }
}

/// A plain item as the stream shows it, in DynamoDB JSON.
fn ddb(value: &Value) -> Value {
    match value {
        Value::String(s) => json!({ "S": s }),
        Value::Number(n) => json!({ "N": n.to_string() }),
        Value::Bool(b) => json!({ "BOOL": b }),
        Value::Null => json!({ "NULL": true }),
        Value::Array(a) => json!({ "L": a.iter().map(ddb).collect::<Vec<_>>() }),
        Value::Object(m) => json!({ "M": image(m) }),
    }
}

fn image(item: &Map<String, Value>) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), ddb(v))).collect())
}

/// One stream record as Lambda delivers it (the fields of a real record, NEW_IMAGE view).
fn record(event_name: &str, sequence_number: &str, item: &Map<String, Value>) -> Value {
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": 1795428000,
        "Keys": { "pk": ddb(&item["pk"]), "sk": ddb(&item["sk"]) },
        "SequenceNumber": sequence_number,
        "SizeBytes": 412,
        "StreamViewType": "NEW_IMAGE",
    });
    if event_name != "REMOVE" {
        dynamodb["NewImage"] = image(item);
    }
    json!({
        "eventID": format!("c4ca4238a0b923820dcc509a6f75849{sequence_number}"),
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-2",
        "dynamodb": dynamodb,
        "eventSourceARN": "arn:aws:dynamodb:eu-west-2:123456789012:table/safety-dev-Table-1ABCDEF/stream/2026-11-01T09:00:00.000",
    })
}

fn batch(records: Vec<Value>) -> Value {
    json!({ "Records": records })
}

fn scheduled() -> Value {
    test_support::lambda_runtime::scheduled_event(
        "safety-dev-NotifyFunctionSweep-1ABC",
        "2026-11-23T10:05:00Z",
    )
}

/// A notification item as `safety_core::notify::new_notification` writes it.
fn notification_item(id: &str) -> Map<String, Value> {
    let org = OrgId::parse("demo").unwrap();
    keys::notification(&org, id).item(json!({
        "type": "notification",
        "org": "demo",
        "notification_id": id,
        "worry_id": "0193a0b0-0000-7000-8000-000000000001",
        "queue": "team",
        "reason": "new_worry",
        "urgent": false,
        "created_at": "2026-11-23T10:00:00.000Z",
        "next_attempt_at": "2026-11-23T10:00:00.000Z",
        "sent_to": [],
        "attempts": 0,
        "version": 1,
        "gsi1pk": keys::notifications_pending(&org),
        "gsi1sk": format!("2026-11-23T10:00:00.000Z#{id}"),
    }))
}

fn stream(value: Value) -> StreamBatch {
    match Event::parse(value).unwrap() {
        Event::Stream(b) => b,
        other => panic!("not a stream batch: {other:?}"),
    }
}

#[test]
fn a_stream_batch_delivers_inserted_notifications_only() {
    let org = profile();
    let worry = keys::notification(&org.id, "w").item(json!({
        "type": "worry", "worry_id": "w", "text": WORRY_TEXT
    }));
    let mut delivered = notification_item("n-delivered");
    delivered.insert("delivered_at".into(), json!("2026-11-23T10:00:01.000Z"));
    let mut backing_off = notification_item("n-backing-off");
    backing_off.insert("attempts".into(), json!(1));
    backing_off.insert("next_attempt_at".into(), json!("2026-11-23T10:00:31.000Z"));
    let mut no_id = notification_item("n-no-id");
    no_id.remove("notification_id");
    let b = stream(batch(vec![
        record("INSERT", "100", &notification_item("n-new")),
        record("INSERT", "101", &worry),
        record("REMOVE", "102", &notification_item("n-gone")),
        record("MODIFY", "103", &delivered),
        record("MODIFY", "104", &backing_off),
        record("INSERT", "105", &no_id),
        record("MODIFY", "106", &notification_item("n-modified-due")),
    ]));
    let now = t0() + chrono::Duration::seconds(1);
    let actions: Vec<Action> = b.records.iter().map(|r| r.action(now)).collect();
    let deliver = |org: &OrgId, id: &str| Action::Deliver {
        org: org.clone(),
        id: id.into(),
    };
    assert_eq!(
        actions,
        [
            deliver(&org.id, "n-new"),
            Action::Ignore("not a notification"),
            Action::Ignore("not an insert or a modification"),
            Action::Ignore("already delivered"),
            Action::Ignore("waiting for its retry time"),
            Action::Malformed("a notification without a `notification_id`"),
            deliver(&org.id, "n-modified-due"),
        ]
    );
    assert_eq!(b.records[0].dynamodb.sequence_number, "100");
    // Its retry time come, a backing-off notification is delivered again.
    assert_eq!(
        b.records[4].action(t0() + chrono::Duration::seconds(31)),
        deliver(&org.id, "n-backing-off")
    );
    // Another organisation's notification is delivered for that organisation.
    let mut other = notification_item("n-other");
    other.insert("org".into(), json!("another-college"));
    // Without its `org` attribute, the organisation its key starts with.
    let mut keyed = notification_item("n-keyed");
    keyed.remove("org");
    let mut nowhere = notification_item("n-nowhere");
    nowhere.remove("org");
    nowhere.insert("pk".into(), json!("NOTIFY#n-nowhere"));
    let b = stream(batch(vec![
        record("INSERT", "107", &other),
        record("INSERT", "108", &keyed),
        record("INSERT", "109", &nowhere),
    ]));
    let actions: Vec<Action> = b.records.iter().map(|r| r.action(now)).collect();
    assert_eq!(
        actions,
        [
            deliver(&OrgId::parse("another-college").unwrap(), "n-other"),
            deliver(&org.id, "n-keyed"),
            Action::Malformed("a notification without an organisation"),
        ]
    );
}

#[test]
fn a_scheduled_event_is_a_sweep_and_anything_else_is_refused() {
    assert!(matches!(
        Event::parse(scheduled()).unwrap(),
        Event::Scheduled(ScheduledEvent { ref source, .. }) if source == "aws.events"
    ));
    let mut other = scheduled();
    other["detail-type"] = json!("Object Created");
    assert!(Event::parse(other).unwrap_err().contains("only scheduled"));
    assert!(Event::parse(json!({"hello": "world"})).is_err());
    assert!(Event::parse(json!({"Records": "not a list"})).is_err());
}

async fn dsl(store: &EmbeddedStore, org: &OrgId) -> Person {
    people::invite(
        store,
        org,
        &NewPerson {
            email: "dsl@example.org".into(),
            name: "Dana DSL".into(),
            roles: vec![Role::Dsl],
            groups: vec![],
        },
        t0(),
    )
    .await
    .unwrap()
}

/// An anonymous worry about the sender themself, routed to the DSL; returns its notification
/// item as stored.
async fn submit_worry(store: &EmbeddedStore, org: &OrgId) -> Map<String, Value> {
    let secret = Secret::new("notify-test-secret-notify-test-secret").unwrap();
    let token = FormToken::issue(&secret, FORM_PURPOSE, t0().timestamp());
    worry::submit_anonymous(
        store,
        org,
        &secret,
        &token,
        &WorryInput {
            text: WORRY_TEXT.into(),
            urgency: Some("urgent".into()),
            about: Some(About::Me.as_str().into()),
            involves: Some("nobody".into()),
            email_replies: None,
            kind: Some("bullying".into()),
            wants_contact: Some("yes".into()),
            contact_how: "At break time, by the library".into(),
        },
        &library().worry_kinds,
        t0(),
    )
    .await
    .unwrap();
    let pending = notify::undelivered(store, org, &reader(&[Role::Dsl]), 50, t0())
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    store
        .get(&keys::notification(org, &pending[0].id))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn the_stream_delivers_a_new_worry_s_notification_without_the_worry() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let org = profile();
    let person = dsl(&store, &org.id).await;
    let item = submit_worry(&store, &org.id).await;
    let outbox = dir.path().join("outbox");
    let notifier = notifier(store, OutboxMailer::new(&outbox));
    let now = t0() + chrono::Duration::seconds(1);
    let event = batch(vec![
        record("INSERT", "4200000000000000000001", &item),
        // the worry itself is in the same transaction; it is not the function's business
        record(
            "INSERT",
            "4200000000000000000002",
            &keys::notification(&org.id, "x").item(json!({ "type": "worry", "text": WORRY_TEXT })),
        ),
    ]);
    let response = notifier.handle(event.clone(), now).await.unwrap();
    assert_eq!(response, json!({ "batchItemFailures": [] }));

    let emails = test_support::outbox_emails(&outbox);
    assert_eq!(emails.len(), 1, "{emails:?}");
    let email = &emails[0];
    assert!(
        email.starts_with(&format!("To: {}\n", person.email)),
        "{email}"
    );
    assert!(
        email.contains("https://safety.example.org/worries/"),
        "{email}"
    );
    for words in [WORRY_TEXT, "messages after school", "by the library"] {
        assert!(
            !email.contains(words),
            "the email carries the worry: {email}"
        );
    }
    assert!(
        notify::undelivered(notifier.store(), &org.id, &reader(&[Role::Dsl]), 50, t0())
            .await
            .unwrap()
            .is_empty()
    );

    // The same batch again (Lambda retries at least once): nothing more is sent.
    let response = notifier.handle(event, now).await.unwrap();
    assert_eq!(response, json!({ "batchItemFailures": [] }));
    assert_eq!(test_support::outbox_emails(&outbox).len(), 1);
}

struct DownMailer;

impl Mailer for DownMailer {
    async fn send(&self, _: &Message) -> Result<(), MailError> {
        Err(MailError::Rejected("the mail service is down".into()))
    }
}

#[tokio::test]
async fn a_failed_delivery_is_a_batch_item_failure_and_the_sweep_retries_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let org = profile();
    dsl(&store, &org.id).await;
    let item = submit_worry(&store, &org.id).await;
    let down = notifier(store.clone(), DownMailer);
    let now = t0() + chrono::Duration::seconds(1);
    let other = notification_item("n-already-gone");
    let event = batch(vec![
        record("INSERT", "300", &other),
        record("INSERT", "301", &item),
        // the same notification twice in one batch: tried once, both records reported
        record("MODIFY", "302", &item),
    ]);
    let response = down.handle(event, now).await.unwrap();
    assert_eq!(
        response,
        json!({ "batchItemFailures": [{ "itemIdentifier": "301" }, { "itemIdentifier": "302" }] })
    );
    let pending = notify::undelivered(&store, &org.id, &reader(&[Role::Dsl]), 50, t0())
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempts, 1);

    // The write of that failure comes back on the stream with its back-off: not retried at once.
    let failed = store
        .get(&keys::notification(&org.id, &pending[0].id))
        .await
        .unwrap()
        .unwrap();
    let response = down
        .handle(batch(vec![record("MODIFY", "303", &failed)]), now)
        .await
        .unwrap();
    assert_eq!(response, json!({ "batchItemFailures": [] }));
    assert_eq!(
        notify::undelivered(&store, &org.id, &reader(&[Role::Dsl]), 50, t0())
            .await
            .unwrap()[0]
            .attempts,
        1
    );

    // The mail service is back: the sweep after the back-off delivers it.
    let outbox = dir.path().join("outbox");
    let up = notifier(store, OutboxMailer::new(&outbox));
    let too_early = up.handle(scheduled(), now).await.unwrap();
    assert_eq!(too_early["notifications"], 0);
    let later = now + safety_core::mail::retry_delay(1);
    let swept = up.handle(scheduled(), later).await.unwrap();
    assert_eq!(
        swept,
        json!({ "notifications": 1, "delivered": 1, "emails": 1, "failed": 0 })
    );
    let emails = test_support::outbox_emails(&outbox);
    assert_eq!(emails.len(), 1);
    assert!(!emails[0].contains(WORRY_TEXT));
}

/// Someone holding `roles`, to ask what they may see (not stored).
fn reader(roles: &[Role]) -> safety_core::identity::Person {
    safety_core::identity::Person {
        org: safety_core::org::OrgId::parse("demo").unwrap(),
        id: format!("reader-{roles:?}"),
        email: "reader@example.org".into(),
        name: "Reader".into(),
        roles: roles.to_vec(),
        groups: vec![],
        active: true,
        session_epoch: 0,
        created_at: chrono::DateTime::UNIX_EPOCH,
        version: 1,
    }
}

/// Asks for a sign-in link for `email` as the site does; returns the request item as stored.
async fn ask_for_link(store: &EmbeddedStore, org: &OrgId, email: &str) -> Map<String, Value> {
    let secret = Secret::new("notify-test-secret-notify-test-secret").unwrap();
    let id = sign_in_mail::queue(store, org, email, &secret, t0())
        .await
        .unwrap();
    store
        .get(&keys::sign_in_request(org, &id))
        .await
        .unwrap()
        .expect("the request is stored")
}

#[tokio::test]
async fn the_stream_sends_a_sign_in_link_to_a_known_address_only_and_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let org = profile();
    let person = dsl(&store, &org.id).await;
    let known = ask_for_link(&store, &org.id, "DSL@example.org").await;
    let unknown = ask_for_link(&store, &org.id, "nobody@example.org").await;
    let outbox = dir.path().join("outbox");
    let notifier = notifier(store, OutboxMailer::new(&outbox));
    let b = stream(batch(vec![
        record("INSERT", "500", &known),
        record("INSERT", "501", &unknown),
    ]));
    assert!(matches!(
        b.records[0].action(t0()),
        Action::SignIn { ref org, .. } if org.as_str() == "demo"
    ));
    let event = batch(vec![
        record("INSERT", "500", &known),
        record("INSERT", "501", &unknown),
    ]);
    let now = t0() + chrono::Duration::seconds(1);
    let response = notifier.handle(event.clone(), now).await.unwrap();
    assert_eq!(response, json!({ "batchItemFailures": [] }));
    let emails = test_support::outbox_emails(&outbox);
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(
        emails[0].starts_with(&format!("To: {}\n", person.email)),
        "{}",
        emails[0]
    );
    assert!(
        emails[0].contains("https://safety.example.org/sign-in/link?token="),
        "{}",
        emails[0]
    );
    // Both requests are gone (the address typed is not kept).
    for item in [&known, &unknown] {
        let key = safety_core::store::Key::of(item).unwrap();
        assert!(notifier.store().get(&key).await.unwrap().is_none());
    }
    // Lambda hands the batch over again: nothing more is sent.
    notifier.handle(event, now).await.unwrap();
    assert_eq!(test_support::outbox_emails(&outbox).len(), 1);
    // Another organisation's request is sent for that organisation.
    let mut other = known.clone();
    other.insert("org".into(), json!("another-college"));
    let b = stream(batch(vec![record("INSERT", "502", &other)]));
    assert!(matches!(
        b.records[0].action(now),
        Action::SignIn { ref org, .. } if org.as_str() == "another-college"
    ));
}

#[tokio::test]
async fn a_refused_sign_in_email_is_kept_and_the_sweep_sends_it_after_its_back_off() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let org = profile();
    dsl(&store, &org.id).await;
    let known = ask_for_link(&store, &org.id, "dsl@example.org").await;
    let down = notifier(store.clone(), DownMailer);
    let now = t0() + chrono::Duration::seconds(1);
    let response = down
        .handle(batch(vec![record("INSERT", "600", &known)]), now)
        .await
        .unwrap();
    // Not a batch failure: the request carries its own back-off, for the sweep.
    assert_eq!(response, json!({ "batchItemFailures": [] }));
    let key = safety_core::store::Key::of(&known).unwrap();
    let kept = store.get(&key).await.unwrap().expect("kept");
    assert_eq!(kept["attempts"], 1);
    assert!(
        kept["last_error"]
            .as_str()
            .unwrap()
            .contains("the mail service is down")
    );

    let outbox = dir.path().join("outbox");
    let up = notifier(store, OutboxMailer::new(&outbox));
    up.handle(scheduled(), now).await.unwrap();
    assert!(test_support::outbox_emails(&outbox).is_empty(), "too early");
    up.handle(scheduled(), now + safety_core::mail::retry_delay(1))
        .await
        .unwrap();
    let emails = test_support::outbox_emails(&outbox);
    assert_eq!(emails.len(), 1);
    assert!(emails[0].contains("/sign-in/link?token="));
    assert!(up.store().get(&key).await.unwrap().is_none());
}

#[tokio::test]
async fn a_sign_in_request_older_than_a_link_s_life_is_dropped_unsent() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let org = profile();
    dsl(&store, &org.id).await;
    let known = ask_for_link(&store, &org.id, "dsl@example.org").await;
    let outbox = dir.path().join("outbox");
    let notifier = notifier(store, OutboxMailer::new(&outbox));
    let late =
        t0() + chrono::Duration::minutes(safety_core::identity::magic_link::LIFETIME_MINUTES);
    notifier
        .handle(batch(vec![record("INSERT", "700", &known)]), late)
        .await
        .unwrap();
    assert!(test_support::outbox_emails(&outbox).is_empty());
    let key = safety_core::store::Key::of(&known).unwrap();
    assert!(notifier.store().get(&key).await.unwrap().is_none());
}

/// Two organisations on one deployment: the default one (`demo`, seeded from its file when first
/// needed) and `org-b`, created with its own host. The stream delivers org B's worry to org B's
/// DSL with links to org B's address; the sweep covers both organisations, each with its own
/// profile and address; org A's DSL never gets org B's email.
#[tokio::test]
async fn each_organisation_s_notifications_go_to_its_own_people_with_its_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("db")).unwrap();
    let mut b_profile = profile();
    b_profile.id = OrgId::parse("org-b").unwrap();
    b_profile.name = "Org B College".into();
    hosts::create(
        &store,
        &library().pages,
        &hosts::NewOrganisation {
            profile: b_profile.clone(),
            hosts: vec!["org-b.localhost".into()],
            admin_email: "admin@org-b.example".into(),
            admin_name: "Bea Admin".into(),
        },
        t0(),
    )
    .await
    .unwrap();
    let a = profile().id;
    let b = b_profile.id.clone();
    dsl(&store, &a).await;
    people::invite(
        &store,
        &b,
        &NewPerson {
            email: "dsl-b@example.org".into(),
            name: "Bo DSL".into(),
            roles: vec![Role::Dsl],
            groups: vec![],
        },
        t0(),
    )
    .await
    .unwrap();
    let b_item = submit_worry(&store, &b).await;
    let outbox = dir.path().join("outbox");
    let notifier = notifier(store.clone(), OutboxMailer::new(&outbox));
    let now = t0() + chrono::Duration::seconds(1);

    let response = notifier
        .handle(batch(vec![record("INSERT", "700", &b_item)]), now)
        .await
        .unwrap();
    assert_eq!(response, json!({ "batchItemFailures": [] }));
    let emails = test_support::outbox_emails(&outbox);
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(emails[0].contains("dsl-b@example.org"), "{}", emails[0]);
    assert!(
        emails[0].contains("https://org-b.localhost/"),
        "{}",
        emails[0]
    );
    assert!(!emails[0].contains("safety.example.org"), "{}", emails[0]);
    assert!(
        !emails[0].contains(WORRY_TEXT),
        "the worry stays in the app"
    );

    // A worry in each organisation left to the sweep: both are delivered, each to its own DSL.
    submit_worry(&store, &a).await;
    submit_worry(&store, &b).await;
    let swept = notifier.handle(scheduled(), now).await.unwrap();
    assert_eq!(swept["notifications"], 2, "{swept}");
    let emails = test_support::outbox_emails(&outbox);
    assert_eq!(emails.len(), 3, "{emails:?}");
    let to_a: Vec<&String> = emails
        .iter()
        .filter(|e| e.contains("To: dsl@example.org"))
        .collect();
    let to_b: Vec<&String> = emails
        .iter()
        .filter(|e| e.contains("To: dsl-b@example.org"))
        .collect();
    assert_eq!((to_a.len(), to_b.len()), (1, 2), "{emails:?}");
    assert!(
        to_a[0].contains("https://safety.example.org/"),
        "{}",
        to_a[0]
    );
    assert!(to_b.iter().all(|e| e.contains("https://org-b.localhost/")));
    // The default organisation was listed in the deployment when its file was imported.
    let listed: Vec<String> = hosts::list(&store)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.org.to_string())
        .collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
}
