//! Importing a 2,000-row file of people, through the public interface, on both backends: the
//! embedded store and a real DynamoDB Local, in one go and as a job in slices the way the admin
//! pages run it. Prints the figures (time, store writes); asserts the counts, that a re-import
//! changes nothing, and that progress was reported as it went.

use crate::support;

use safety_core::identity::import::{self, PreviewCounts};
use safety_core::identity::import_job::{self, JobStatus, Slice};
use safety_core::identity::people;
use safety_core::org::OrgId;
use safety_core::store::Store;
use safety_core::store::counting::CountingStore;
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
    // (no safeguarding roles: an admin's import may not give them, see import::preview)
    let roles = [
        "learner",
        "staff",
        "parent",
        "staff;admin",
        "Parent; Staff",
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
    // A person and an email item each, and per transaction one counter update per cohort of
    // the rows it holds (the file has 6 roles x 3 intakes x 2 sites: at most 36 cohorts).
    let counter_updates = result.items_written - 2 * ROWS;
    assert!(
        counter_updates >= result.store_writes && counter_updates <= 36 * result.store_writes,
        "{} items written in {} transactions",
        result.items_written,
        result.store_writes
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

/// What the web layer does per request (`functions/web/src/admin.rs`).
const FIRST_SLICE: Slice = Slice {
    max_chunks: 1,
    max_time: std::time::Duration::from_secs(2),
};
const SLICE: Slice = Slice {
    max_chunks: usize::MAX,
    max_time: std::time::Duration::from_secs(2),
};

/// Confirms a previewed file as a job and advances it request by request until it finishes.
/// Returns the job, the requests it took and their longest time.
async fn run_job<S: Store>(
    store: &S,
    org: &OrgId,
    text: &str,
) -> (import_job::ImportJob, usize, std::time::Duration) {
    let started = Instant::now();
    let preview = import::preview(store, org, text).await.unwrap();
    let job = import_job::start(store, org, &preview, "admin", now())
        .await
        .unwrap();
    let mut advanced = import_job::advance(store, org, &job.id, FIRST_SLICE, now())
        .await
        .unwrap();
    let mut longest = started.elapsed();
    let mut requests = 1;
    let mut last = advanced.job.done;
    while advanced.job.status == JobStatus::Running {
        let one = Instant::now();
        advanced = import_job::advance(store, org, &job.id, SLICE, now())
            .await
            .unwrap();
        longest = longest.max(one.elapsed());
        requests += 1;
        assert!(advanced.job.done > last, "every request makes progress");
        last = advanced.job.done;
    }
    (advanced.job, requests, longest)
}

async fn import_twice_as_a_job<S: Store>(inner: S, backend: &str) {
    let store = CountingStore::new(inner);
    let org = OrgId::parse("import-job-test").unwrap();
    let text = generated_file();

    let started = Instant::now();
    let (job, requests, longest) = run_job(&store, &org, &text).await;
    let took = started.elapsed();
    let writes = store.take_writes();
    assert_eq!(
        (
            job.total,
            job.done,
            job.created,
            job.updated,
            job.unchanged,
            job.failed
        ),
        (ROWS, ROWS, ROWS, 0, 0, 0)
    );
    assert_eq!(job.chunks, ROWS / import_job::CHUNK_ROWS);
    assert!(
        import_job::failures(&store, &org, &job.id)
            .await
            .unwrap()
            .is_empty()
    );
    let mut listed = 0;
    let mut cursor = None;
    loop {
        let (page, next) = people::list(&store, &org, cursor, 1000).await.unwrap();
        listed += page.len();
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(listed, ROWS, "everyone once");

    // The same file again, as a job: all unchanged, no person written.
    let again_started = Instant::now();
    let (again, again_requests, _) = run_job(&store, &org, &text).await;
    let again_took = again_started.elapsed();
    let again_writes = store.take_writes();
    assert_eq!(
        (again.created, again.updated, again.unchanged, again.failed),
        (0, 0, ROWS, 0)
    );
    // Storing the plan (1 transaction) and claiming and recording each of the 10 chunks.
    assert_eq!(again_writes, 1 + 2 * job.chunks, "only the job's own items");

    eprintln!(
        "FIGURE import job of {ROWS} rows on {backend}: {took:?} from preview to finished over \
         {requests} requests (longest {longest:?}), {writes} store write requests ({} chunks of \
         {} rows: 1 to store the plan, per chunk 1 claim + {} person transactions + 1 record); \
         re-import as a job (all unchanged) {again_took:?} over {again_requests} requests, \
         {again_writes} write requests",
        job.chunks,
        import_job::CHUNK_ROWS,
        (writes - 1 - 2 * job.chunks) / job.chunks,
    );
}

#[tokio::test]
async fn a_2000_row_import_job_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("import.redb")).unwrap();
    import_twice_as_a_job(store, "the embedded store").await;
}

#[tokio::test]
async fn a_2000_row_import_job_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = DynamoStore::from_env_config(DynamoConfig::local(
        &local.endpoint,
        format!("identity-import-job-{}", std::process::id()),
    ))
    .expect("client");
    store.create_table().await.expect("create table");
    import_twice_as_a_job(store, "DynamoDB Local").await;
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
    let store = DynamoStore::from_env_config(DynamoConfig::local(
        &local.endpoint,
        format!("identity-import-{}", std::process::id()),
    ))
    .expect("client");
    store.create_table().await.expect("create table");
    import_twice(&store, "DynamoDB Local").await;
}
