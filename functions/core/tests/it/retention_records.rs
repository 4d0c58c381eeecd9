//! Retention of person records, through the core's public interface, on both backends. A
//! record is a child protection record: due on the child's 25th birthday, and only once no
//! concern is linked to it (kept while one is; counted, not listed). Without a date of birth it
//! is never due (counted). A legal hold stops deletion and a forged deletion changes nothing;
//! once a deletion has started no concern can be linked to it. Deleting removes everything it
//! held, including the records merged into it and the concerns it received by transfer (every
//! item the scenario wrote is read back: the transferred text and the names are nowhere), and
//! the mark of the imported file (importing it again makes a new record). Reviewed by the DSL
//! only: the deputy, the allegations lead, the chair, the admin and another organisation's DSL
//! are refused or shown none.

use crate::retention::{Recording, add, link_new, submit};
use crate::support;

use chrono::{DateTime, Duration, Utc};
use safety_core::crypto::Secret;
use safety_core::org::{OrgId, Retention};
use safety_core::records::transfer::{self, ExportFormat};
use safety_core::records::{self, DetailsInput, LinkTo};
use safety_core::retention::records::{self as file_retention, RECORD};
use safety_core::retention::{self, RetentionError, stored::DeletingRecord};
use safety_core::roles::Role;
use safety_core::routing::Involves;
use safety_core::store::embedded::EmbeddedStore;
use safety_core::store::record::to_item;
use safety_core::store::{Condition, Query, Store};
use safety_core::worry::Sender;
use support::dynamodb_local::DynamoDbLocal;
use support::t0;

fn secret() -> Secret {
    Secret::new("retention-records-test-secret-0123456789").unwrap()
}

fn today() -> chrono::NaiveDate {
    t0().date_naive()
}

fn later() -> DateTime<Utc> {
    t0() + Duration::hours(2)
}

async fn record_exists<S: Store>(store: &S, org: &OrgId, id: &str) -> bool {
    store
        .get(&safety_core::keys::person_file(org, id))
        .await
        .unwrap()
        .is_some()
}

async fn scenario<S: Store>(store: Recording<S>, org: &OrgId, other: &OrgId) {
    let store = &store;
    let dsl = add(
        store,
        org,
        "d@example.org",
        "Dana DSL",
        vec![Role::Dsl, Role::Staff],
    )
    .await;
    let deputy = add(
        store,
        org,
        "dd@example.org",
        "Dev Deputy",
        vec![Role::DeputyDsl],
    )
    .await;
    let lead = add(
        store,
        org,
        "h@example.org",
        "Lou Lead",
        vec![Role::AllegationsLead],
    )
    .await;
    let chair = add(store, org, "c@example.org", "Cam Chair", vec![Role::Chair]).await;
    let admin = add(store, org, "a@example.org", "Ada Admin", vec![Role::Admin]).await;
    let p = Retention::default();

    // A file sent by another organisation's DSL about a child born in 1995 (due in 2020).
    let olga = add(store, other, "o@example.org", "Olga Other", vec![Role::Dsl]).await;
    let there = submit(
        store,
        other,
        Involves::Nobody,
        "Zorblax-T: he was followed home",
        &Sender::Anonymous,
        t0(),
    )
    .await;
    let sent = link_new(store, other, &olga, &there, "Mo Moved", "1995-03-01").await;
    let file = transfer::export(
        store,
        other,
        "Oak School",
        &secret(),
        &olga,
        &sent,
        ExportFormat::Json,
        &|k: &str| k.to_string(),
        t0(),
    )
    .await
    .unwrap();
    let checked = transfer::check(file.to_json().as_bytes(), &secret(), t0()).unwrap();
    let imported = transfer::import(store, org, &dsl, &checked, t0())
        .await
        .unwrap();

    // Here: Ruby (born 1999, due 2024) with a concern linked; Sid (born 2015, not due); a
    // record with no date of birth; Rae (born 1998) and her duplicate, merged.
    let w1 = submit(
        store,
        org,
        Involves::Nobody,
        "Ruby-words",
        &Sender::Anonymous,
        t0(),
    )
    .await;
    let ruby = link_new(store, org, &dsl, &w1, "Ruby Old", "1999-01-01").await;
    let w2 = submit(
        store,
        org,
        Involves::Nobody,
        "Sid-words",
        &Sender::Anonymous,
        t0(),
    )
    .await;
    let sid = link_new(store, org, &dsl, &w2, "Sid Young", "2015-05-05").await;
    let w3 = submit(
        store,
        org,
        Involves::Nobody,
        "Nodob-words",
        &Sender::Anonymous,
        t0(),
    )
    .await;
    let details = DetailsInput {
        name: "Nat Nodob".into(),
        ..DetailsInput::default()
    }
    .validate(today())
    .unwrap();
    records::link(store, org, &dsl, &w3, LinkTo::New(details), t0())
        .await
        .unwrap();
    let w4 = submit(
        store,
        org,
        Involves::Nobody,
        "Rae-words",
        &Sender::Anonymous,
        t0(),
    )
    .await;
    let rae = link_new(store, org, &dsl, &w4, "Rae Merged", "1998-02-02").await;
    let w5 = submit(
        store,
        org,
        Involves::Nobody,
        "Rae-dup-words",
        &Sender::Anonymous,
        t0(),
    )
    .await;
    let rae_dup = link_new(store, org, &dsl, &w5, "Rae Dup", "1998-02-02").await;
    records::merge(store, org, &dsl, &rae, &rae_dup, t0())
        .await
        .unwrap();
    for w in [&w4, &w5] {
        records::unlink(store, org, &dsl, w, &rae, t0())
            .await
            .unwrap();
    }

    // The DSL's review: the imported file and the merged Rae due, oldest first; Ruby kept
    // while linked; Sid not listed; the record without a date of birth counted.
    let r = retention::review(store, org, &dsl, &p, today())
        .await
        .unwrap();
    let due: Vec<&str> = r.records.due.iter().map(|c| c.record_id.as_str()).collect();
    assert_eq!(due, [imported.record_id.as_str(), rae.as_str()]);
    assert_eq!(
        r.records.due[0].due_on,
        Some(chrono::NaiveDate::from_ymd_opt(2020, 3, 1).unwrap())
    );
    assert_eq!(r.records.kept_while_linked, 1, "Ruby");
    assert_eq!(r.records.without_date_of_birth, 1);
    assert!(r.records.held.is_empty());

    // Ruby: refused while a concern is linked; due once it is unlinked.
    assert!(matches!(
        file_retention::delete_record(store, org, &dsl, &ruby, &p, later()).await,
        Err(RetentionError::Refused(m)) if m.contains("still linked")
    ));
    assert!(record_exists(store, org, &ruby).await);
    records::unlink(store, org, &dsl, &w1, &ruby, t0())
        .await
        .unwrap();
    let r = retention::review(store, org, &dsl, &p, today())
        .await
        .unwrap();
    assert!(r.records.due.iter().any(|c| c.record_id == ruby));
    // Sid: not due.
    assert!(matches!(
        file_retention::delete_record(store, org, &dsl, &sid, &p, later()).await,
        Err(RetentionError::Refused(m)) if m.contains("5 May 2040")
    ));

    // A hold on Ruby: listed as held; a deletion refused, changing nothing; lifted.
    assert!(matches!(
        file_retention::place_hold(store, org, &dsl, &ruby, "", later()).await,
        Err(RetentionError::Invalid(_))
    ));
    file_retention::place_hold(store, org, &dsl, &ruby, "Family court proceedings", later())
        .await
        .unwrap();
    let r = retention::review(store, org, &dsl, &p, today())
        .await
        .unwrap();
    assert_eq!(r.records.held.len(), 1);
    assert!(!r.records.due.iter().any(|c| c.record_id == ruby));
    assert!(matches!(
        file_retention::delete_record(store, org, &dsl, &ruby, &p, later()).await,
        Err(RetentionError::Refused(m)) if m.contains("legal hold")
    ));
    assert!(record_exists(store, org, &ruby).await);
    file_retention::lift_hold(store, org, &dsl, &ruby, later())
        .await
        .unwrap();

    // Refused for everyone but the DSL here (as if there were no such record).
    for who in [&deputy, &lead, &chair, &admin, &olga] {
        let at = if who.id == olga.id { other } else { org };
        assert_eq!(
            file_retention::delete_record(store, at, who, &ruby, &p, later())
                .await
                .map(|_| ()),
            Err(RetentionError::NotFound),
            "{}",
            who.name
        );
        assert_eq!(
            file_retention::place_hold(store, at, who, &ruby, "x", later()).await,
            Err(RetentionError::NotFound)
        );
        if let Ok(r) = retention::review(store, at, who, &p, today()).await {
            assert!(r.records.due.is_empty(), "{}", who.name);
        }
    }
    assert!(record_exists(store, org, &ruby).await);

    // Once a deletion has started, no concern can be linked to the record.
    let marker = safety_core::keys::retention_deleting(org, RECORD, &ruby);
    store
        .put(
            to_item(
                &marker,
                &DeletingRecord {
                    id: ruby.clone(),
                    at: later(),
                    by_id: dsl.id.clone(),
                },
            ),
            Condition::Always,
        )
        .await
        .unwrap();
    assert!(
        records::link(store, org, &dsl, &w1, LinkTo::File(ruby.clone()), later())
            .await
            .is_err()
    );
    store.delete(&marker, Condition::Always).await.unwrap();

    // Deleted: the imported file with its transferred concern, Rae with her merged duplicate,
    // and Ruby. Nothing of them is left but tombstones.
    for id in [&imported.record_id, &rae, &ruby] {
        let t = file_retention::delete_record(store, org, &dsl, id, &p, later())
            .await
            .unwrap();
        assert_eq!(&t.reference, id);
        assert!(!record_exists(store, org, id).await);
        let left = store
            .query(&Query::partition(safety_core::keys::person_file_partition(
                org, id,
            )))
            .await
            .unwrap();
        assert!(left.items.is_empty(), "{} items left", left.items.len());
    }
    assert!(
        !record_exists(store, org, &rae_dup).await,
        "the merged duplicate too"
    );
    let everything = store.scan().await;
    let here: Vec<_> = everything
        .iter()
        .filter(|i| {
            i.get("pk")
                .and_then(|v| v.as_str())
                // The worries stay with their own period: their audit trails say which
                // record they were linked to, as they did.
                .is_some_and(|pk| pk.starts_with(&format!("ORG#{org}#")) && !pk.contains("#WORRY#"))
        })
        .collect();
    let here = serde_json::to_string(&here).unwrap();
    for gone in ["Zorblax-T", "Mo Moved", "Rae Merged", "Rae Dup", "Ruby Old"] {
        let where_: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(&here)
            .unwrap()
            .iter()
            .filter(|i| i.to_string().contains(gone))
            .map(|i| format!("{} {} {}", i["pk"], i["sk"], i["type"]))
            .collect();
        assert!(
            where_.is_empty(),
            "{gone} is still stored in {org}: {where_:?}"
        );
    }
    assert!(
        serde_json::to_string(&everything)
            .unwrap()
            .contains("Zorblax-T"),
        "the sending organisation's own copy stays"
    );
    // The worries stay (they have their own period), no longer naming the records.
    assert!(
        store
            .get(&safety_core::keys::worry(org, &w1))
            .await
            .unwrap()
            .is_some()
    );
    // The tombstones, to the DSL, with no name.
    let r = retention::review(store, org, &dsl, &p, today())
        .await
        .unwrap();
    let kinds: Vec<&str> = r
        .tombstones
        .iter()
        .filter(|t| t.kind == "person_record")
        .map(|t| t.reference.as_str())
        .collect();
    assert_eq!(kinds.len(), 3);
    // The imported file's mark is gone: importing it again makes a new record.
    let again = transfer::import(store, org, &dsl, &checked, later())
        .await
        .unwrap();
    assert!(!again.duplicate);
    assert_ne!(again.record_id, imported.record_id);
}

#[tokio::test]
async fn record_retention_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    scenario(
        Recording::new(store),
        &OrgId::parse("demo").unwrap(),
        &OrgId::parse("other").unwrap(),
    )
    .await;
}

#[tokio::test]
async fn record_retention_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = support::dynamo_table(&local, "retention-records").await;
    scenario(
        Recording::new(store),
        &OrgId::parse("demo").unwrap(),
        &OrgId::parse("other").unwrap(),
    )
    .await;
}
