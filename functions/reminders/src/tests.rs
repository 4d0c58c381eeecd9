use super::*;
use safety_core::identity::{NewPerson, people};
use safety_core::mail::OutboxMailer;
use safety_core::roles::Role;
use safety_core::store::embedded::EmbeddedStore;
use serde_json::json;

fn scheduled() -> Value {
    test_support::lambda_runtime::scheduled_event("reminders", "2026-11-23T07:00:00Z")
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T07:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn only_scheduled_events_are_accepted() {
    assert!(ScheduledEvent::parse(scheduled()).is_ok());
    let mut other = scheduled();
    other["detail-type"] = json!("Object Created");
    assert!(
        ScheduledEvent::parse(other)
            .unwrap_err()
            .contains("only scheduled events")
    );
    assert!(ScheduledEvent::parse(json!({"Records": []})).is_err());
}

/// The event EventBridge Scheduler sends is exactly the `Input` the template gives it (no
/// envelope): it must be one the function accepts, or the reminders would never run.
#[test]
fn the_templates_schedule_input_is_accepted() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/template.yaml");
    let template = std::fs::read_to_string(path).unwrap();
    let schedule = template
        .split("Type: ScheduleV2")
        .nth(1)
        .expect("the reminders schedule (ScheduleV2) in the template");
    let line = schedule
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("RetryPolicy:"))
        .find_map(|l| l.strip_prefix("Input: "))
        .expect("the schedule's Input");
    // A YAML single-quoted scalar: '' is a quote.
    let input = line
        .strip_prefix('\'')
        .and_then(|l| l.strip_suffix('\''))
        .expect("Input in single quotes")
        .replace("''", "'");
    let event =
        ScheduledEvent::parse(serde_json::from_str(&input).expect("Input is JSON")).unwrap();
    assert_eq!(event.source, "aws.scheduler");
    assert_eq!(
        event.time.as_deref(),
        Some("<aws.scheduler.scheduled-time>")
    );
    // What Scheduler sends without an Input is not a scheduled event: the Input is needed.
    assert!(ScheduledEvent::parse(json!({})).is_err());
}

#[tokio::test]
async fn a_scheduled_event_runs_once_and_answers_with_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let library = safety_core::content::load_embedded().unwrap();
    let org = library.org("demo").unwrap().clone();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let lee = people::invite(
        &store,
        &org.id,
        &NewPerson {
            email: "lee@example.org".into(),
            name: "Lee Learner".into(),
            roles: vec![Role::Learner],
            groups: vec![],
        },
        now(),
    )
    .await
    .unwrap();
    let outbox = dir.path().join("outbox");
    let r = Reminders {
        store,
        mailer: OutboxMailer::new(&outbox),
        library,
        org,
        links: Links {
            base_url: "https://safety.example.org".into(),
        },
    };
    let report = r.handle(scheduled(), now()).await.unwrap();
    assert_eq!(report["org"], "demo");
    assert_eq!(report["people_checked"], 1);
    assert_eq!(report["emails_sent"], 1);
    assert_eq!(report["failures"], 0);
    assert!(report["reminded"]["due"].as_u64().unwrap() > 0);
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
    assert!(text.starts_with(&format!("To: {}\n", lee.email)));
    // the schedule firing twice sends nothing more
    let again = r.handle(scheduled(), now()).await.unwrap();
    assert_eq!(again["emails_sent"], 0);
    assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 1);
    assert!(r.handle(json!({}), now()).await.is_err());
}
