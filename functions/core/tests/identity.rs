//! Importing a 2,000-row file of people, through the public interface, on both backends: the
//! embedded store and a real DynamoDB Local. Prints the figures (time, store writes); asserts
//! the counts, that a re-import changes nothing, and that progress was reported as it went.

mod support;

use safety_core::identity::import::{self, PreviewCounts};
use safety_core::identity::people;
use safety_core::org::OrgId;
use safety_core::store::Store;
use safety_core::store::dynamo::{DynamoConfig, DynamoStore};
use safety_core::store::embedded::EmbeddedStore;
use std::time::Instant;
use support::dynamodb_local::DynamoDbLocal;

const ROWS: usize = 2000;

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// A realistic file: a BOM, CRLF line ends, quoted names with commas, several roles and groups.
fn generated_file() -> String {
    let roles = [
        "learner",
        "staff",
        "parent",
        "staff;dsl",
        "Deputy DSL;staff",
        "admin",
    ];
    let mut text = String::from("\u{feff}email,name,roles,groups\r\n");
    for i in 0..ROWS {
        text.push_str(&format!(
            "Person{i:04}@Example.org,\"Surname{i:04}, Given\",{},\"Intake {};Site {}\"\r\n",
            roles[i % roles.len()],
            2026 + i % 3,
            ["A", "B"][i % 2]
        ));
    }
    text
}

async fn import_twice<S: Store>(store: &S, backend: &str) {
    let org = OrgId::parse("import-test").unwrap();
    let text = generated_file();

    let started = Instant::now();
    let preview = import::preview(store, &org, &text).await.unwrap();
    let preview_time = started.elapsed();
    assert_eq!(
        preview.counts(),
        PreviewCounts {
            new: ROWS,
            update: 0,
            unchanged: 0,
            errors: 0
        }
    );

    let mut reports = Vec::new();
    let started = Instant::now();
    let result = import::apply(store, &org, &preview, now(), |done, total| {
        reports.push((done, total))
    })
    .await
    .unwrap();
    let apply_time = started.elapsed();
    assert_eq!(
        (
            result.created,
            result.updated,
            result.unchanged,
            result.failed
        ),
        (ROWS, 0, 0, 0)
    );
    assert_eq!(
        result.items_written,
        2 * ROWS,
        "a person and an email item each"
    );
    assert!(reports.len() > 2, "progress was reported as it went");
    assert_eq!(reports.first(), Some(&(0, ROWS)));
    assert_eq!(reports.last(), Some(&(ROWS, ROWS)));
    assert!(reports.windows(2).all(|w| w[0].0 < w[1].0));

    // Everybody is there, once, findable by email.
    let mut listed = 0;
    let mut cursor = None;
    loop {
        let (page, next) = people::list(store, &org, cursor, 1000).await.unwrap();
        listed += page.len();
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(listed, ROWS);
    let p = people::find_by_email(store, &org, "person1234@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.name, "Surname1234, Given");

    // The same file again: all unchanged, nothing written.
    let started = Instant::now();
    let again = import::preview(store, &org, &text).await.unwrap();
    assert_eq!(again.counts().unchanged, ROWS);
    let second = import::apply(store, &org, &again, now(), |_, _| {})
        .await
        .unwrap();
    let reimport_time = started.elapsed();
    assert_eq!((second.created, second.unchanged), (0, ROWS));
    assert_eq!(second.store_writes, 0);

    eprintln!(
        "FIGURE import of {ROWS} rows on {backend}: preview {preview_time:?}, apply {apply_time:?} \
         ({} store write requests = transactions of up to {} operations, {} items written, \
         {} progress reports); re-import (preview + apply, all unchanged) {reimport_time:?}, \
         {} writes",
        result.store_writes,
        import::BATCH_OPS,
        result.items_written,
        reports.len(),
        second.store_writes
    );
}

#[tokio::test]
async fn a_2000_row_import_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("import.redb")).unwrap();
    import_twice(&store, "the embedded store").await;
}

#[tokio::test]
async fn a_2000_row_import_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = DynamoStore::from_env_config(DynamoConfig {
        table: format!("identity-import-{}", std::process::id()),
        region: "eu-west-2".into(),
        endpoint: Some(local.endpoint.clone()),
    })
    .expect("client");
    store.create_table().await.expect("create table");
    import_twice(&store, "DynamoDB Local").await;
}
