//! The `notify` binary as Lambda runs it: started with `AWS_LAMBDA_RUNTIME_API` pointing at a
//! fake Lambda Runtime API, against a real DynamoDB Local holding a pending worry notification.
//! A scheduled event sweeps it (one email, to the outbox, without the worry); an event of
//! another shape is reported as an invocation error, and the function keeps polling.
//! `NOTIFY_TEST_BINARY` runs the aarch64 Lambda build instead (scripts/check-lambda-build.sh).

use chrono::Utc;
use safety_core::crypto::Secret;
use safety_core::identity::{NewPerson, people};
use safety_core::notify;
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::routing::About;
use safety_core::store::dynamo::{DynamoConfig, DynamoStore};
use safety_core::worry::code::FormToken;
use safety_core::worry::{self, FORM_PURPOSE, WorryInput};
use serde_json::{Value, json};
use test_support::dynamodb_local::DynamoDbLocal;
use test_support::function::{Function, Watched};
use test_support::lambda_runtime::{Answer, FakeRuntimeApi, scheduled_event};

const TABLE: &str = "online-safety-notify-test";
const WORRY_TEXT: &str = "Someone keeps sending me messages after school and I feel scared";

fn scheduled() -> Value {
    scheduled_event(
        "safety-dev-NotifyFunctionSweep-1ABC",
        "2026-11-23T10:05:00Z",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_notify_binary_sweeps_a_pending_notification_through_the_lambda_runtime_api() {
    let ddb = DynamoDbLocal::start();
    let store = DynamoStore::from_env_config(DynamoConfig::local(&ddb.endpoint, TABLE)).unwrap();
    store.create_table().await.unwrap();
    let library = safety_core::content::load_embedded().unwrap();
    let org = OrgId::parse("demo").unwrap();
    let now = Utc::now();
    let dsl = people::invite(
        &store,
        &org,
        &NewPerson {
            email: "dsl@example.org".into(),
            name: "Dana DSL".into(),
            roles: vec![Role::Dsl],
            groups: vec![],
        },
        now,
    )
    .await
    .unwrap();
    let secret = Secret::new("notify-test-secret-notify-test-secret").unwrap();
    let token = FormToken::issue(&secret, FORM_PURPOSE, now.timestamp());
    worry::submit_anonymous(
        &store,
        &org,
        &secret,
        &token,
        &WorryInput {
            text: WORRY_TEXT.into(),
            urgency: Some("urgent".into()),
            about: Some(About::Me.as_str().into()),
            involves: Some("nobody".into()),
            email_replies: None,
            kind: Some("bullying".into()),
            wants_contact: Some("no".into()),
            contact_how: String::new(),
        },
        &library.worry_kinds,
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        notify::undelivered(&store, &org, &reader(&[Role::Dsl]), 50, Utc::now())
            .await
            .unwrap()
            .len(),
        1
    );

    let mut runtime = FakeRuntimeApi::start(
        "arn:aws:lambda:eu-west-2:123456789012:function:online-safety-notify",
    );
    let outbox = tempfile::tempdir().unwrap();
    let mut envs = runtime.lambda_env("online-safety-notify");
    envs.extend(test_support::delivery_env(
        TABLE,
        &ddb.endpoint,
        outbox.path(),
    ));
    let mut function = Function::spawn("notify", env!("CARGO_BIN_EXE_notify"), &[], &envs);

    let swept = runtime.invoke(&mut function, scheduled()).json(&function);
    assert_eq!(
        swept,
        json!({ "notifications": 1, "delivered": 1, "emails": 1, "failed": 0 }),
        "{}",
        function.output()
    );
    let emails = test_support::outbox_emails(outbox.path());
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(
        emails[0].starts_with(&format!("To: {}\n", dsl.email)),
        "{}",
        emails[0]
    );
    assert!(
        emails[0].contains("https://safety.example.org/worries/"),
        "{}",
        emails[0]
    );
    assert!(
        !emails[0].contains("messages after school"),
        "{}",
        emails[0]
    );
    assert!(
        notify::undelivered(&store, &org, &reader(&[Role::Dsl]), 50, Utc::now())
            .await
            .unwrap()
            .is_empty()
    );

    // Nothing left: the next sweep sends nothing.
    let again = runtime.invoke(&mut function, scheduled()).json(&function);
    assert_eq!(again["delivered"], 0, "{again}");

    // Not an event it handles: an invocation error, and it goes on polling.
    match runtime.invoke(&mut function, json!({ "hello": "world" })) {
        Answer::Error { error_type, body } => {
            assert!(!error_type.is_empty(), "{body}");
            assert!(body.contains("errorMessage"), "{body}");
        }
        Answer::Response(bytes) => panic!(
            "an unknown event was answered: {}",
            String::from_utf8_lossy(&bytes)
        ),
    }
    assert!(function.exited().is_none(), "{}", function.output());
    assert_eq!(runtime.handed_out().len(), 3);
    assert!(
        function.stdout().contains("notify function ready"),
        "{}",
        function.output()
    );
}

/// Someone holding `roles`, to ask what they may see (not stored).
fn reader(roles: &[Role]) -> safety_core::identity::Person {
    safety_core::identity::Person {
        org: safety_core::org::OrgId::parse("demo").unwrap(),
        id: "reader".into(),
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
