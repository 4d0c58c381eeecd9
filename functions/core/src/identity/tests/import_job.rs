//! Import jobs on the embedded store. Failures and races are made by a thin wrapper around the
//! real store that can fail or pause a chosen write.

use super::*;
use crate::identity::import::{ImportError, RowFailure, preview};
use crate::identity::import_job::{self, JobStatus, Slice};
use crate::identity::people::{self, set_roles};
use crate::keys;
use crate::store::{Condition, Item, Key, Page, Query, Store, StoreError, TxOp, Update};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// The embedded store, counting transactions that write people, and able to fail such
/// transactions from the `fail_from`-th on (taking the whole store `down` when `outage` is set),
/// or to pause at the `pause_at`-th until `resume` is notified.
struct Harness {
    inner: EmbeddedStore,
    people_writes: AtomicUsize,
    fail_from: AtomicUsize,
    outage: AtomicBool,
    down: AtomicBool,
    pause_at: AtomicUsize,
    paused: Notify,
    resume: Notify,
}

const NEVER: usize = usize::MAX;

impl Harness {
    fn new() -> (tempfile::TempDir, Harness) {
        let (d, inner) = store();
        (
            d,
            Harness {
                inner,
                people_writes: AtomicUsize::new(0),
                fail_from: AtomicUsize::new(NEVER),
                outage: AtomicBool::new(true),
                down: AtomicBool::new(false),
                pause_at: AtomicUsize::new(NEVER),
                paused: Notify::new(),
                resume: Notify::new(),
            },
        )
    }

    fn check_up(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::Unavailable("simulated outage".into()))
        } else {
            Ok(())
        }
    }
}

fn writes_a_person(ops: &[TxOp]) -> bool {
    ops.iter().any(|op| match op {
        TxOp::Put { item, .. } => item.get("type").and_then(|t| t.as_str()) == Some("person"),
        TxOp::Update { key, .. } => key.sk == "PERSON",
        _ => false,
    })
}

impl Store for Harness {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.check_up()?;
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.check_up()?;
        self.inner.put(item, condition).await
    }
    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Condition,
    ) -> Result<Item, StoreError> {
        self.check_up()?;
        self.inner.update(key, update, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.check_up()?;
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.check_up()?;
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        self.check_up()?;
        if writes_a_person(&ops) {
            let n = self.people_writes.fetch_add(1, Ordering::SeqCst);
            if n >= self.fail_from.load(Ordering::SeqCst) {
                if self.outage.load(Ordering::SeqCst) {
                    self.down.store(true, Ordering::SeqCst);
                }
                return Err(StoreError::Unavailable("simulated outage".into()));
            }
            if n == self.pause_at.load(Ordering::SeqCst) {
                self.paused.notify_one();
                self.resume.notified().await;
            }
        }
        self.inner.transact(ops).await
    }
}

/// `rows` new people, `p0@example.org` on.
fn file(rows: usize) -> String {
    let mut text = String::from("email,name,roles,groups\n");
    for i in 0..rows {
        text.push_str(&format!(
            "p{i}@example.org,Person {i},learner,Group {}\n",
            i % 7
        ));
    }
    text
}

const ALL: Slice = Slice {
    max_chunks: usize::MAX,
    max_time: Duration::from_secs(60),
};

const ONE: Slice = Slice {
    max_chunks: 1,
    max_time: Duration::from_secs(60),
};

async fn people_count<S: Store>(store: &S) -> usize {
    people::list_all(store, &org_a()).await.unwrap().len()
}

async fn started<S: Store>(store: &S, text: &str) -> import_job::ImportJob {
    let p = preview(store, &org_a(), text).await.unwrap();
    import_job::start(store, &org_a(), &p, "admin-id", now())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_job_keeps_its_plan_in_chunks_and_imports_nobody_until_advanced() {
    let (_d, store) = store();
    let job = started(&store, &file(450)).await;
    assert_eq!(
        (job.total, job.chunks, job.done, job.status, job.version),
        (450, 3, 0, JobStatus::Running, 1)
    );
    assert_eq!(job.started_by, "admin-id");
    for n in 0..3 {
        let chunk = store
            .get(&keys::import_job_chunk(&org_a(), &job.id, n))
            .await
            .unwrap()
            .expect("chunk stored");
        assert_eq!(chunk["count"], [200, 200, 50][n]);
        assert!(
            crate::store::item_size(&chunk) < 100 * 1024,
            "far under 400 KB"
        );
        assert!(chunk[crate::store::layout::TTL].is_u64(), "expires");
    }
    assert_eq!(people_count(&store).await, 0, "nothing imported yet");
    assert_eq!(
        import_job::get(&store, &org_a(), &job.id).await.unwrap(),
        job
    );
}

#[tokio::test]
async fn chunks_of_long_rows_stay_small() {
    let (_d, store) = store();
    // 50 groups of 60 four-byte characters: about 12 KB a row.
    let groups: Vec<String> = (0..50)
        .map(|g| format!("{g:02}{}", "😀".repeat(58)))
        .collect();
    let mut text = String::from("email,name,roles,groups\n");
    for i in 0..100 {
        text.push_str(&format!(
            "q{i}@example.org,Q {i},staff,{}\n",
            groups.join(";")
        ));
    }
    let job = started(&store, &text).await;
    assert!(job.chunks > 1, "split by size: {} chunks", job.chunks);
    for n in 0..job.chunks {
        let chunk = store
            .get(&keys::import_job_chunk(&org_a(), &job.id, n))
            .await
            .unwrap()
            .unwrap();
        assert!(crate::store::item_size(&chunk) < 300 * 1024);
    }
    let done = import_job::advance(&store, &org_a(), &job.id, ALL, now())
        .await
        .unwrap();
    assert_eq!(
        (done.job.created, done.job.status),
        (100, JobStatus::Finished)
    );
}

#[tokio::test]
async fn advancing_applies_chunks_in_order_and_keeps_per_row_failures() {
    let (_d, store) = store();
    let ada = ada(&store, &org_a()).await;
    let mut text = file(300);
    text.push_str("ada@example.org,Ada King,learner,\nnot-an-email,X,learner,\n");
    let job = started(&store, &text).await;
    assert_eq!((job.total, job.chunks), (302, 2));

    let first = import_job::advance(&store, &org_a(), &job.id, ONE, now())
        .await
        .unwrap();
    assert_eq!(first.applied, 1);
    assert_eq!(
        (first.job.done, first.job.created, first.job.next_chunk),
        (200, 200, 1)
    );
    assert_eq!(first.job.status, JobStatus::Running);
    assert_eq!(first.job.claim, None);
    assert_eq!(people_count(&store).await, 201);

    // Someone changes Ada before her chunk is applied: her row is refused, not overwritten.
    set_roles(&store, &org_a(), &ada.id, &[Role::Staff], ada.version)
        .await
        .unwrap();
    let last = import_job::advance(&store, &org_a(), &job.id, ALL, now())
        .await
        .unwrap();
    let j = &last.job;
    assert_eq!(j.status, JobStatus::Finished);
    assert_eq!(
        (j.done, j.created, j.updated, j.unchanged, j.failed),
        (302, 300, 0, 0, 2)
    );
    assert_eq!(
        import_job::failures(&store, &org_a(), &job.id)
            .await
            .unwrap(),
        vec![
            RowFailure {
                line: 302,
                reason: "this person was changed since the preview: preview the file again".into()
            },
            RowFailure {
                line: 303,
                reason: "bad email (it needs exactly one @)".into()
            },
        ]
    );
    // A finished job does nothing more.
    let again = import_job::advance(&store, &org_a(), &job.id, ALL, now())
        .await
        .unwrap();
    assert_eq!((again.applied, again.job.version), (0, j.version));
}

#[tokio::test]
async fn a_store_failure_mid_chunk_leaves_a_resumable_job_and_loses_nothing() {
    let (_d, store) = Harness::new();
    let job = started(&store, &file(500)).await;
    // Chunk 1 (rows 201-400, 5 transactions of up to 41 rows: 82 person and email writes and
    // the counters of the 7 groups) fails after 3 transactions.
    let first = import_job::advance(&store, &org_a(), &job.id, ONE, now())
        .await
        .unwrap();
    let before = store.people_writes.load(Ordering::SeqCst);
    store.fail_from.store(before + 3, Ordering::SeqCst);
    let err = import_job::advance(&store, &org_a(), &job.id, ALL, now())
        .await
        .unwrap_err();
    assert!(matches!(err, ImportError::Store(_)), "{err:?}");

    // The outage ends. The claim could not be released, so the job waits for it to lapse.
    store.down.store(false, Ordering::SeqCst);
    store.fail_from.store(NEVER, Ordering::SeqCst);
    assert_eq!(
        people_count(&store).await,
        200 + 3 * 41,
        "what was written stays"
    );
    let held = import_job::get(&store, &org_a(), &job.id).await.unwrap();
    assert_eq!(held.claim.as_ref().map(|c| c.chunk), Some(1));
    assert_eq!(
        (held.done, held.version),
        (first.job.done, first.job.version + 1)
    );
    let soon = now() + chrono::Duration::seconds(5);
    let busy = import_job::advance(&store, &org_a(), &job.id, ALL, soon)
        .await
        .unwrap();
    assert!(busy.busy && busy.applied == 0, "{busy:?}");

    let later = now() + chrono::Duration::seconds(import_job::LEASE_SECS + 1);
    let done = import_job::advance(&store, &org_a(), &job.id, ALL, later)
        .await
        .unwrap();
    let j = &done.job;
    assert_eq!(j.status, JobStatus::Finished);
    assert_eq!(
        (j.done, j.created, j.failed),
        (500, 500, 0),
        "rows written before the failure count once"
    );
    assert_eq!(people_count(&store).await, 500, "nobody twice");
}

#[tokio::test]
async fn after_a_failure_the_store_heard_about_the_job_is_stalled_and_continuing_finishes_it() {
    let (_d, store) = Harness::new();
    store.outage.store(false, Ordering::SeqCst);
    let job = started(&store, &file(300)).await;
    store.fail_from.store(3, Ordering::SeqCst);
    let err = import_job::advance(&store, &org_a(), &job.id, ALL, now()).await;
    assert!(matches!(err, Err(ImportError::Store(_))), "{err:?}");
    let stalled = import_job::get(&store, &org_a(), &job.id).await.unwrap();
    assert!(stalled.stalled && stalled.claim.is_none(), "{stalled:?}");
    assert_eq!((stalled.done, stalled.status), (0, JobStatus::Running));
    assert_eq!(people_count(&store).await, 3 * 41, "what was written stays");

    // Continuing does not wait for any lease.
    store.fail_from.store(NEVER, Ordering::SeqCst);
    let done = import_job::advance(&store, &org_a(), &job.id, ALL, now())
        .await
        .unwrap();
    assert_eq!(
        (
            done.job.created,
            done.job.done,
            done.job.status,
            done.job.stalled
        ),
        (300, 300, JobStatus::Finished, false)
    );
    assert_eq!(people_count(&store).await, 300);
}

#[tokio::test]
async fn a_second_advancer_waits_while_a_chunk_is_claimed_and_each_chunk_is_applied_once() {
    let (_d, store) = Harness::new();
    let job = started(&store, &file(400)).await;
    // Two chunks of 200 new people, each 5 transactions of up to 41 people (82 operations, and
    // one counter update per group).
    store.pause_at.store(2, Ordering::SeqCst);
    let org = org_a();
    let a = import_job::advance(&store, &org, &job.id, ALL, now());
    let b = async {
        store.paused.notified().await;
        // A is inside chunk 0: B must not touch it.
        let b = import_job::advance(&store, &org_a(), &job.id, ALL, now())
            .await
            .unwrap();
        store.resume.notify_one();
        b
    };
    let (a, b) = tokio::join!(a, b);
    let a = a.unwrap();
    assert!(b.busy && b.applied == 0, "{b:?}");
    assert_eq!(a.applied, 2);
    assert_eq!((a.job.created, a.job.done), (400, 400));
    assert_eq!(
        store.people_writes.load(Ordering::SeqCst),
        10,
        "each chunk written once"
    );
    assert_eq!(people_count(&store).await, 400);
}

#[tokio::test]
async fn a_chunk_taken_over_after_its_claim_lapsed_is_counted_once() {
    let (_d, store) = Harness::new();
    let job = started(&store, &file(200)).await;
    store.pause_at.store(3, Ordering::SeqCst);
    let org = org_a();
    let a = import_job::advance(&store, &org, &job.id, ALL, now());
    let b = async {
        store.paused.notified().await;
        // A seems dead: B takes chunk 0 over after the lease and applies it again.
        let later = now() + chrono::Duration::seconds(import_job::LEASE_SECS + 1);
        let b = import_job::advance(&store, &org_a(), &job.id, ALL, later)
            .await
            .unwrap();
        store.resume.notify_one();
        b
    };
    let (a, b) = tokio::join!(a, b);
    assert_eq!(b.applied, 1);
    assert_eq!((b.job.created, b.job.done), (200, 200));
    // A wakes up, finishes its writes and finds its claim gone: it counts nothing.
    let a = a.unwrap();
    assert_eq!(a.applied, 0);
    let j = import_job::get(&store, &org_a(), &job.id).await.unwrap();
    assert_eq!(
        (j.created, j.updated, j.failed, j.done, j.status),
        (200, 0, 0, 200, JobStatus::Finished)
    );
    assert_eq!(people_count(&store).await, 200, "nobody twice");
    assert!(
        import_job::failures(&store, &org_a(), &job.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_job_is_only_found_in_its_own_organisation() {
    let (_d, store) = store();
    let job = started(&store, &file(3)).await;
    for id in [job.id.as_str(), "not-a-uuid", &job.id.to_uppercase()] {
        let other = if id == job.id { org_b() } else { org_a() };
        assert_eq!(
            import_job::get(&store, &other, id).await,
            Err(ImportError::JobNotFound),
            "{id}"
        );
        assert_eq!(
            import_job::advance(&store, &other, id, ALL, now()).await,
            Err(ImportError::JobNotFound)
        );
    }
    assert_eq!(people_count(&store).await, 0);
    let p = preview(&store, &org_a(), &file(1)).await.unwrap();
    assert_eq!(
        import_job::start(&store, &org_b(), &p, "x", now()).await,
        Err(ImportError::WrongOrganisation)
    );
}

#[test]
fn the_continue_token_belongs_to_one_session_and_one_job() {
    let secret = crate::crypto::Secret::new("import-job-tests-secret-0123456789").unwrap();
    let t = import_job::continue_token(&secret, "csrf-a", "job-1");
    assert!(import_job::continue_token_ok(
        &secret, "csrf-a", "job-1", &t
    ));
    assert!(!import_job::continue_token_ok(
        &secret, "csrf-b", "job-1", &t
    ));
    assert!(!import_job::continue_token_ok(
        &secret, "csrf-a", "job-2", &t
    ));
    assert!(!import_job::continue_token_ok(&secret, "", "job-1", &t));
    assert!(!import_job::continue_token_ok(
        &secret, "csrf-a", "job-1", ""
    ));
}
