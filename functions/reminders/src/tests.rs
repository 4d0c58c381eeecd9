use super::*;
use safety_core::identity::{NewPerson, Person, people};
use safety_core::mail::Links;
use safety_core::mail::OutboxMailer;
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::store::embedded::EmbeddedStore;
use safety_core::tenancy::{BaseContent, hosts};
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

fn config(library: &safety_core::content::Library) -> DeploymentConfig {
    DeploymentConfig {
        base: std::sync::Arc::new(BaseContent {
            files: safety_core::content::embedded_files(),
            library: std::sync::Arc::new(library.clone()),
        }),
        default_org: OrgId::parse("demo").unwrap(),
        refresh: std::time::Duration::ZERO,
        links: Links {
            base_url: "https://safety.example.org".into(),
        },
    }
}

async fn learner(store: &EmbeddedStore, org: &OrgId, email: &str) -> Person {
    people::invite(
        store,
        org,
        &NewPerson {
            email: email.into(),
            name: "Lee Learner".into(),
            roles: vec![Role::Learner],
            groups: vec![],
        },
        now(),
    )
    .await
    .unwrap()
}

/// Two organisations on one deployment: the default one (its file imported into the store on
/// the first run) and one created with its own host. One run reminds each one's people, with
/// links to each one's own address; the schedule firing twice sends nothing more.
#[tokio::test]
async fn a_scheduled_event_runs_once_for_every_organisation_and_answers_with_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let library = safety_core::content::load_embedded().unwrap();
    let a = library.org("demo").unwrap().clone();
    let mut b = a.clone();
    b.id = OrgId::parse("org-b").unwrap();
    b.name = "Org B College".into();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    hosts::create(
        &store,
        &library.pages,
        &hosts::NewOrganisation {
            profile: b.clone(),
            hosts: vec!["org-b.localhost".into()],
            admin_email: "admin@org-b.example".into(),
            admin_name: "Bea Admin".into(),
        },
        now(),
    )
    .await
    .unwrap();
    let lee = learner(&store, &a.id, "lee@example.org").await;
    let bo = learner(&store, &b.id, "bo@example.org").await;
    // org-b's lists index as a release before one module existed left it: the run builds the
    // module's "not started" entries (Bo's and the admin's).
    const NEW_MODULE: &str = "MODULE#four-cs-of-online-risk";
    let mut built = safety_core::counters::standings_built(&store, &b.id)
        .await
        .unwrap()
        .unwrap();
    built.not_started.retain(|i| i != NEW_MODULE);
    let marker =
        safety_core::store::record::to_item(&safety_core::keys::standings_built(&b.id), &built);
    store
        .put(marker, safety_core::store::Condition::Always)
        .await
        .unwrap();
    for p in people::list_all(&store, &b.id).await.unwrap() {
        let key = safety_core::keys::standing(&b.id, NEW_MODULE, "none", &p.id);
        store
            .delete(&key, safety_core::store::Condition::Always)
            .await
            .unwrap();
    }
    let entries_of_new_module = async |store: &EmbeddedStore| {
        store
            .query(&safety_core::store::Query::partition(
                safety_core::keys::standings(&b.id, NEW_MODULE),
            ))
            .await
            .unwrap()
            .items
            .len()
    };
    assert_eq!(entries_of_new_module(&store).await, 0);
    let outbox = dir.path().join("outbox");
    let r = Reminders::new(store, OutboxMailer::new(&outbox), config(&library));
    let answer = r.handle(scheduled(), now()).await.unwrap();
    let reports = answer["organisations"].as_array().unwrap();
    let by_org = |id: &str| {
        reports
            .iter()
            .find(|r| r["org"] == id)
            .unwrap_or_else(|| panic!("no report for {id}: {answer}"))
    };
    assert_eq!(reports.len(), 2, "{answer}");
    // demo: Lee; org-b: Bo and its first admin.
    assert_eq!(by_org("demo")["people_checked"], 1);
    assert_eq!(by_org("org-b")["people_checked"], 2);
    for id in ["demo", "org-b"] {
        assert_eq!(by_org(id)["failures"], 0);
        assert!(by_org(id)["reminded"]["due"].as_u64().unwrap() > 0);
    }
    let emails = test_support::outbox_emails(&outbox);
    let to = |email: &str| {
        emails
            .iter()
            .find(|e| e.starts_with(&format!("To: {email}\n")))
            .unwrap_or_else(|| panic!("no email to {email}"))
    };
    assert!(to(&lee.email).contains("https://safety.example.org/"));
    assert!(to(&bo.email).contains("https://org-b.localhost/"));
    assert!(!to(&bo.email).contains("safety.example.org"));
    let sent = emails.len();
    // the schedule firing twice sends nothing more
    let again = r.handle(scheduled(), now()).await.unwrap();
    for report in again["organisations"].as_array().unwrap() {
        assert_eq!(report["emails_sent"], 0, "{again}");
    }
    assert_eq!(test_support::outbox_emails(&outbox).len(), sent);
    let store = r.deployment.store();
    assert_eq!(entries_of_new_module(store).await, 2, "Bo's and Bea's");
    assert!(
        safety_core::counters::standings_built(store, &b.id)
            .await
            .unwrap()
            .unwrap()
            .not_started
            .iter()
            .any(|i| i == NEW_MODULE)
    );
    assert!(r.handle(json!({}), now()).await.is_err());
}
