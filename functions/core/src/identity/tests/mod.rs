//! Tests of the identity core against the embedded store in a temporary folder.

mod import;
mod import_job;
mod magic_link;
mod people;
mod rate_limit;
mod session;

use super::people::{NewPerson, Person, invite};
use crate::org::OrgId;
use crate::roles::Role;
use crate::store::embedded::EmbeddedStore;
use chrono::{DateTime, Utc};

fn store() -> (tempfile::TempDir, EmbeddedStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("test.redb")).unwrap();
    (dir, store)
}

fn org_a() -> OrgId {
    OrgId::parse("college-a").unwrap()
}

fn org_b() -> OrgId {
    OrgId::parse("college-b").unwrap()
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn person_input(email: &str, name: &str, roles: &[Role]) -> NewPerson {
    NewPerson {
        email: email.into(),
        name: name.into(),
        roles: roles.to_vec(),
        groups: vec![],
    }
}

async fn ada(store: &EmbeddedStore, org: &OrgId) -> Person {
    invite(
        store,
        org,
        &person_input("Ada@Example.org", "Ada Lovelace", &[Role::Learner]),
        now(),
    )
    .await
    .unwrap()
}
