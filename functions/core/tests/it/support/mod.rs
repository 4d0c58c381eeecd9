//! Test support shared by the core library's integration tests: DynamoDB Local, the embedded
//! content, the demo organisation under another id, and a fresh DynamoDB table.
#![allow(dead_code)] // each test file uses a different part

pub use test_support::dynamodb_local;

use chrono::{DateTime, Utc};
use safety_core::content::Library;
use safety_core::content::WorryKind;
use safety_core::org::{OrgId, OrgProfile};
use safety_core::store::dynamo::{DynamoConfig, DynamoStore};

/// A learner induction module and a staff training module of the demo content.
pub const LEARNER_MODULE: &str = "four-cs-of-online-risk";
pub const STAFF_MODULE: &str = "staff-filtering-and-monitoring";

/// The tests' "now": Monday 23 November 2026, 10:00 UTC.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// The content compiled into the library, loaded once per test binary.
pub fn library() -> &'static Library {
    static LIB: std::sync::OnceLock<Library> = std::sync::OnceLock::new();
    LIB.get_or_init(|| safety_core::content::load_embedded().unwrap())
}

pub fn kinds() -> &'static [WorryKind] {
    &library().worry_kinds
}

/// The demo organisation's profile under another id, so each scenario has its own tenant.
pub fn profile_of(org: &str) -> OrgProfile {
    let mut p = library().org("demo").unwrap().clone();
    p.id = OrgId::parse(org).unwrap();
    p
}

/// The answers that pass `module`'s quiz in the embedded content.
pub fn right_answers(module: &str) -> safety_core::learning::Answers {
    let quiz = library().quiz_of(module).unwrap().quiz.as_ref().unwrap();
    safety_core::learning::right_answers(quiz)
}

/// A new, empty table `<prefix>-<uuid>` on `local`.
pub async fn dynamo_table(local: &dynamodb_local::DynamoDbLocal, prefix: &str) -> DynamoStore {
    let store = DynamoStore::from_env_config(DynamoConfig::local(
        &local.endpoint,
        format!("{prefix}-{}", uuid::Uuid::new_v4()),
    ))
    .expect("a DynamoDB client");
    store.create_table().await.expect("create the table");
    store
}
