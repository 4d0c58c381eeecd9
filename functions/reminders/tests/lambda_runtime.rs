//! The `reminders` binary as Lambda runs it: started with `AWS_LAMBDA_RUNTIME_API` pointing at a
//! fake Lambda Runtime API, against a real DynamoDB Local holding one learner whose training is
//! due. The event is the exact `Input` the template gives EventBridge Scheduler: the learner is
//! emailed once (to the outbox), a second run sends nothing, and what Scheduler would send
//! without that Input is refused as an invocation error while the function keeps polling.
//! `REMINDERS_TEST_BINARY` runs the aarch64 Lambda build instead (scripts/check-lambda-build.sh).

use chrono::Utc;
use safety_core::identity::{NewPerson, people};
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::store::dynamo::{DynamoConfig, DynamoStore};
use serde_json::{Value, json};
use test_support::dynamodb_local::DynamoDbLocal;
use test_support::function::{Function, Watched};
use test_support::lambda_runtime::{Answer, FakeRuntimeApi};

const TABLE: &str = "online-safety-reminders-test";

/// What Scheduler sends: the template's Input, with its placeholders filled in.
fn scheduled() -> Value {
    json!({
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "time": "2026-11-23T07:30:00Z",
        "id": "d32c5kddcf5bb8c3"
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reminders_binary_runs_the_scheduled_reminders_through_the_lambda_runtime_api() {
    let ddb = DynamoDbLocal::start();
    let store = DynamoStore::from_env_config(DynamoConfig::local(&ddb.endpoint, TABLE)).unwrap();
    store.create_table().await.unwrap();
    let org = OrgId::parse("demo").unwrap();
    let learner = people::invite(
        &store,
        &org,
        &NewPerson {
            email: "lee@example.org".into(),
            name: "Lee Learner".into(),
            roles: vec![Role::Learner],
            groups: vec![],
        },
        Utc::now(),
    )
    .await
    .unwrap();

    let mut runtime = FakeRuntimeApi::start(
        "arn:aws:lambda:eu-west-2:123456789012:function:online-safety-reminders",
    );
    let outbox = tempfile::tempdir().unwrap();
    let mut envs = runtime.lambda_env("online-safety-reminders");
    envs.extend(test_support::delivery_env(
        TABLE,
        &ddb.endpoint,
        outbox.path(),
    ));
    let mut function = Function::spawn("reminders", env!("CARGO_BIN_EXE_reminders"), &[], &envs);

    let answer = runtime.invoke(&mut function, scheduled()).json(&function);
    // One organisation on this deployment: the default one, its file imported on this first run.
    assert_eq!(
        answer["organisations"].as_array().unwrap().len(),
        1,
        "{answer}"
    );
    let first = &answer["organisations"][0];
    assert_eq!(first["org"], "demo", "{first}");
    assert_eq!(first["people_checked"], 1, "{first}");
    assert_eq!(first["emails_sent"], 1, "{first}");
    assert_eq!(first["failures"], 0, "{first}");
    assert!(first["reminded"]["due"].as_u64().unwrap() > 0, "{first}");
    let emails = test_support::outbox_emails(outbox.path());
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(
        emails[0].starts_with(&format!("To: {}\n", learner.email)),
        "{}",
        emails[0]
    );
    assert!(
        emails[0].contains("https://safety.example.org/me/training"),
        "{}",
        emails[0]
    );

    // A retry, or the schedule firing twice: recorded reminders are not sent again.
    let again = runtime.invoke(&mut function, scheduled()).json(&function);
    assert_eq!(again["organisations"][0]["emails_sent"], 0, "{again}");

    // Scheduler's own payload when a schedule has no Input: refused, and it goes on polling.
    match runtime.invoke(&mut function, json!({})) {
        Answer::Error { error_type, body } => {
            // The runtime's header says `unhandled`; the body carries the function's own type.
            assert!(!error_type.is_empty(), "{body}");
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body["errorType"], "RemindersError", "{body}");
            let message = body["errorMessage"].as_str().unwrap_or_default();
            assert!(
                message.contains("not an EventBridge scheduled event"),
                "{body}"
            );
        }
        Answer::Response(bytes) => panic!(
            "an empty event was answered: {}",
            String::from_utf8_lossy(&bytes)
        ),
    }
    assert!(function.exited().is_none(), "{}", function.output());
    assert_eq!(runtime.handed_out().len(), 3);
    let logs = function.stdout();
    assert!(logs.contains("reminders function ready"), "{logs}");
    assert!(logs.contains("reminders run starting"), "{logs}");
    assert!(logs.contains("d32c5kddcf5bb8c3"), "{logs}");
    // Only the local outbox names the recipient (so a developer can find the file); the
    // function's own lines never do.
    for line in logs
        .lines()
        .filter(|l| !l.contains("email written to the outbox"))
    {
        assert!(
            !line.contains(&learner.email),
            "an address in the logs: {line}"
        );
    }
}
