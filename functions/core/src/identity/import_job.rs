//! Importing a checked file as a resumable job, so that no request has to write a whole file
//! (API Gateway gives a request 29 s, the function 10 s; on DynamoDB Local 2,000 new people take
//! about 40 s with their "not started" entries in the dashboard's lists, 5 s without)
//! and the admin sees progress:
//!
//! 1. [`start`] stores the plan of a preview: the job item (who, when, counts, status, version)
//!    and the rows in chunks of at most [`CHUNK_ROWS`] rows, each item far under 400 KB.
//! 2. [`advance`] applies chunks in order for a bounded slice of time. A chunk is first claimed
//!    by a conditional update of the job's version (a lease), so two tabs or a retried request
//!    never apply one chunk at the same time; its counts are then recorded with a second
//!    conditional update, in one transaction with a create-once result item, so a chunk is
//!    counted once.
//! 3. When an attempt dies (store failure, timeout), the job stays resumable: a failure releases
//!    the claim and marks the job stalled; a claim that was never released lapses after
//!    [`LEASE_SECS`]. Applying a chunk again is safe: new people get the ids planned by
//!    [`start`], updates the versions read by the preview, so rows already written are
//!    recognised and counted, not written twice.

use super::import::{
    ImportError, ImportPreview, ImportResult, RowFailure, RowPlan, plan_unit, write_units,
};
use crate::crypto::{self, Secret};
use crate::keys;
use crate::org::OrgId;
use crate::store::record::{self, Record, to_item};
use crate::store::{Condition, Item, Query, Store, StoreError, TxOp, Update, layout};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Rows per chunk: 200 typical rows are about 40 KB.
pub const CHUNK_ROWS: usize = 200;
/// A chunk also ends before its rows reach this size (a row can hold 50 long groups).
const MAX_CHUNK_BYTES: usize = 256 * 1024;
/// How long a claim on a chunk holds: well over the function's 10 s timeout, so only an
/// attempt that died loses its claim.
pub const LEASE_SECS: i64 = 30;
/// How long a job and its rows are kept (the table's TTL deletes them).
pub const KEEP_DAYS: i64 = 30;
/// What one transaction of [`start`] may carry (DynamoDB allows 4 MB).
const START_TX_BYTES: usize = 3 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Running,
    Finished,
}

/// A chunk someone is applying, until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub chunk: usize,
    pub until: DateTime<Utc>,
}

/// An import job: its progress and counts so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportJob {
    pub org: OrgId,
    pub id: String,
    /// Person id of the admin who confirmed it.
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Rows in the file (with errors, unchanged ones too).
    pub total: usize,
    /// Rows handled so far.
    pub done: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub chunks: usize,
    /// The next chunk to apply (0-based); `chunks` once finished.
    pub next_chunk: usize,
    pub status: JobStatus,
    /// The last attempt stopped on a store failure (cleared when a chunk is claimed again).
    pub stalled: bool,
    pub claim: Option<Claim>,
    /// Optimistic-locking version: every change of the job is conditional on it.
    pub version: u64,
}

/// How much one call of [`advance`] may do.
#[derive(Clone, Copy, Debug)]
pub struct Slice {
    pub max_chunks: usize,
    /// After the first chunk, another starts only if, as slow as the slowest so far, it would
    /// end within this.
    pub max_time: Duration,
}

/// What [`advance`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advanced {
    pub job: ImportJob,
    /// Chunks applied by this call.
    pub applied: usize,
    /// It stopped because someone else holds the claim on the next chunk.
    pub busy: bool,
}

/// A row as stored in a chunk: its plan, and for a new person the id planned for them.
#[derive(Serialize, Deserialize)]
struct PlannedRow {
    plan: RowPlan,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// The row's family links and date of birth, made once its person is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    family: Option<super::import::FamilyPlan>,
}

/// What applying one chunk did, stored once beside it.
#[derive(Serialize, Deserialize)]
struct ChunkResult {
    rows: usize,
    created: usize,
    updated: usize,
    unchanged: usize,
    failures: Vec<RowFailure>,
    /// Rows written whose family link could not be made (listed, not counted as failed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    family_failures: Vec<RowFailure>,
}

fn corrupt(what: impl Into<String>) -> ImportError {
    ImportError::Corrupt(what.into())
}

fn expires_at(now: DateTime<Utc>) -> u64 {
    (now + chrono::Duration::days(KEEP_DAYS)).timestamp().max(0) as u64
}

/// An import job: who, when, progress, counts (`keys::import_job`, TTL). A claim on the next
/// chunk (`claim_chunk`, `claim_until`) is set and removed by updates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportJobRecord {
    pub org: String,
    pub job_id: String,
    pub started_by: String,
    #[serde(with = "record::time")]
    pub started_at: DateTime<Utc>,
    #[serde(with = "record::time")]
    pub updated_at: DateTime<Utc>,
    pub total: usize,
    pub done: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub chunks: usize,
    pub next_chunk: usize,
    pub status: JobStatus,
    #[serde(default)]
    pub stalled: bool,
    pub version: u64,
    pub expires_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_chunk: Option<usize>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "record::time_opt"
    )]
    pub claim_until: Option<DateTime<Utc>>,
}

impl Record for ImportJobRecord {
    const TYPE: &'static str = "import_job";
}

/// A chunk of a job's planned rows (`keys::import_job_chunk`, TTL): `rows` is the JSON text of
/// a list of planned rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportChunkRecord {
    pub rows: String,
    pub count: usize,
    pub expires_at: u64,
}

impl Record for ImportChunkRecord {
    const TYPE: &'static str = "import_chunk";
}

/// What applying a chunk did (`keys::import_job_done`, TTL): `result` is the JSON text of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportChunkDoneRecord {
    pub result: String,
    pub expires_at: u64,
}

impl Record for ImportChunkDoneRecord {
    const TYPE: &'static str = "import_chunk_done";
}

fn job_item(job: &ImportJob, expires: u64) -> Item {
    let record = ImportJobRecord {
        org: job.org.as_str().to_string(),
        job_id: job.id.clone(),
        started_by: job.started_by.clone(),
        started_at: job.started_at,
        updated_at: job.updated_at,
        total: job.total,
        done: job.done,
        created: job.created,
        updated: job.updated,
        unchanged: job.unchanged,
        failed: job.failed,
        chunks: job.chunks,
        next_chunk: job.next_chunk,
        status: job.status,
        stalled: job.stalled,
        version: job.version,
        expires_at: expires,
        claim_chunk: job.claim.as_ref().map(|c| c.chunk),
        claim_until: job.claim.as_ref().map(|c| c.until),
    };
    to_item(&keys::import_job(&job.org, &job.id), &record)
}

fn read<R: Record>(item: &Item) -> Result<R, ImportError> {
    record::from_item(item).map_err(|e| corrupt(e.to_string()))
}

fn job_from_item(org: &OrgId, item: &Item) -> Result<ImportJob, ImportError> {
    let r: ImportJobRecord = read(item)?;
    if r.org != org.as_str() {
        // Cannot happen through the keys; refuse rather than show another tenant's job.
        return Err(ImportError::JobNotFound);
    }
    Ok(ImportJob {
        org: org.clone(),
        id: r.job_id,
        started_by: r.started_by,
        started_at: r.started_at,
        updated_at: r.updated_at,
        total: r.total,
        done: r.done,
        created: r.created,
        updated: r.updated,
        unchanged: r.unchanged,
        failed: r.failed,
        chunks: r.chunks,
        next_chunk: r.next_chunk,
        status: r.status,
        stalled: r.stalled,
        claim: r
            .claim_chunk
            .zip(r.claim_until)
            .map(|(chunk, until)| Claim { chunk, until }),
        version: r.version,
    })
}

/// Job ids are UUIDs in their canonical form; anything else names no job.
fn check_id(id: &str) -> Result<(), ImportError> {
    match uuid::Uuid::parse_str(id) {
        Ok(u) if u.hyphenated().to_string() == id => Ok(()),
        _ => Err(ImportError::JobNotFound),
    }
}

/// Stores the plan of a preview as a new job (nothing is imported yet). The file must have
/// been checked just now: the rows are applied as planned, with conflicts refused per row.
pub async fn start<S: Store>(
    store: &S,
    org: &OrgId,
    preview: &ImportPreview,
    started_by: &str,
    now: DateTime<Utc>,
) -> Result<ImportJob, ImportError> {
    if preview.org != *org {
        return Err(ImportError::WrongOrganisation);
    }
    let id = uuid::Uuid::new_v4().to_string();
    // As stored (milliseconds), so the job returned is the job read back.
    let now = DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
    let expires = expires_at(now);

    let mut chunks: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut bytes = 0;
    for row in &preview.rows {
        let planned = PlannedRow {
            plan: row.clone(),
            id: matches!(row, RowPlan::New { .. }).then(|| uuid::Uuid::now_v7().to_string()),
            family: preview
                .family
                .iter()
                .find(|f| f.line == row.line())
                .cloned(),
        };
        let json = serde_json::to_string(&planned).map_err(|e| corrupt(e.to_string()))?;
        if current.len() == CHUNK_ROWS
            || (!current.is_empty() && bytes + json.len() > MAX_CHUNK_BYTES)
        {
            chunks.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += json.len() + 1;
        current.push(json);
    }
    if !current.is_empty() {
        chunks.push(current);
    }

    let job = ImportJob {
        org: org.clone(),
        id: id.clone(),
        started_by: started_by.to_string(),
        started_at: now,
        updated_at: now,
        total: preview.rows.len(),
        done: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        failed: 0,
        chunks: chunks.len(),
        next_chunk: 0,
        status: if chunks.is_empty() {
            JobStatus::Finished
        } else {
            JobStatus::Running
        },
        stalled: false,
        claim: None,
        version: 1,
    };
    let mut items: Vec<Item> = chunks
        .iter()
        .enumerate()
        .map(|(n, rows)| {
            to_item(
                &keys::import_job_chunk(org, &id, n),
                &ImportChunkRecord {
                    rows: format!("[{}]", rows.join(",")),
                    count: rows.len(),
                    expires_at: expires,
                },
            )
        })
        .collect();
    // The job last: it only exists once all its chunks do (leftovers of a failed start expire).
    items.push(job_item(&job, expires));

    let mut store_writes = 0;
    let mut batch: Vec<TxOp> = Vec::new();
    let mut batch_bytes = 0;
    for item in items {
        let size = crate::store::item_size(&item);
        if !batch.is_empty()
            && (batch.len() == layout::MAX_TRANSACTION_OPS || batch_bytes + size > START_TX_BYTES)
        {
            store.transact(std::mem::take(&mut batch)).await?;
            store_writes += 1;
            batch_bytes = 0;
        }
        batch_bytes += size;
        batch.push(TxOp::Put {
            item,
            condition: Condition::NotExists,
        });
    }
    store.transact(batch).await?;
    store_writes += 1;
    tracing::info!(
        %org,
        job_id = %id,
        started_by,
        rows = job.total,
        chunks = job.chunks,
        store_writes,
        "import job started"
    );
    Ok(job)
}

/// The job with this id in this organisation.
pub async fn get<S: Store>(store: &S, org: &OrgId, id: &str) -> Result<ImportJob, ImportError> {
    Ok(get_record(store, org, id).await?.1)
}

/// The job as stored, and as read.
async fn get_record<S: Store>(
    store: &S,
    org: &OrgId,
    id: &str,
) -> Result<(ImportJobRecord, ImportJob), ImportError> {
    check_id(id)?;
    match store.get(&keys::import_job(org, id)).await? {
        Some(item) => Ok((read(&item)?, job_from_item(org, &item)?)),
        None => Err(ImportError::JobNotFound),
    }
}

/// Applies the job's next chunks, one at a time, until it is finished or the slice is used up
/// (it always tries one chunk, and starts another only if it should end in time). Stops without
/// error when someone else holds the claim on the next chunk. A store failure stops it with the
/// error; the job stays resumable.
pub async fn advance<S: Store>(
    store: &S,
    org: &OrgId,
    id: &str,
    slice: Slice,
    now: DateTime<Utc>,
) -> Result<Advanced, ImportError> {
    let started = Instant::now();
    let mut applied = 0;
    let mut slowest = Duration::ZERO;
    // Every lost race means someone else moved the job on; a bound keeps a bug from spinning.
    for _ in 0..slice
        .max_chunks
        .saturating_mul(2)
        .saturating_add(8)
        .min(10_000)
    {
        let (stored, job) = get_record(store, org, id).await?;
        let at = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        if job.status == JobStatus::Finished
            || applied >= slice.max_chunks
            || (applied > 0 && started.elapsed() + slowest > slice.max_time)
        {
            return Ok(Advanced {
                job,
                applied,
                busy: false,
            });
        }
        if job.claim.as_ref().is_some_and(|c| c.until > at) {
            return Ok(Advanced {
                job,
                applied,
                busy: true,
            });
        }
        let key = keys::import_job(org, id);
        let n = job.next_chunk;
        let mut claimed_job = stored.clone();
        claimed_job.claim_chunk = Some(n);
        claimed_job.claim_until = Some(at + chrono::Duration::seconds(LEASE_SECS));
        claimed_job.stalled = false;
        claimed_job.updated_at = at;
        let claim = Update::changes(&stored, &claimed_job).bump_version();
        match store
            .update(&key, claim, Condition::version(job.version))
            .await
        {
            Ok(_) => {}
            Err(StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
        // As stored now (each record mirrors the item; an update adds to the version itself).
        claimed_job.version += 1;
        let claimed = claimed_job.version;
        if job.claim.is_some() {
            tracing::warn!(job_id = %id, chunk = n, "import chunk taken over after its claim lapsed");
        }
        let chunk_started = Instant::now();
        let result = match apply_chunk(store, org, id, n, at).await {
            Ok(r) => r,
            Err(e) => {
                stall(store, org, id, n, &claimed_job, at, &e).await;
                return Err(e);
            }
        };
        let finished = n + 1 >= job.chunks;
        let done = job.done + result.rows;
        let (created, updated) = (job.created + result.created, job.updated + result.updated);
        let unchanged = job.unchanged + result.unchanged;
        let failed = job.failed + result.failures.len();
        let status = if finished {
            JobStatus::Finished
        } else {
            JobStatus::Running
        };
        let mut progressed = claimed_job.clone();
        progressed.next_chunk = n + 1;
        progressed.done = done;
        progressed.created = created;
        progressed.updated = updated;
        progressed.unchanged = unchanged;
        progressed.failed = failed;
        progressed.status = status;
        progressed.updated_at = at;
        progressed.claim_chunk = None;
        progressed.claim_until = None;
        let progress = Update::changes(&claimed_job, &progressed).bump_version();
        let chunk_failed = result.failures.len();
        let record = to_item(
            &keys::import_job_done(org, id, n),
            &ImportChunkDoneRecord {
                result: serde_json::to_string(&result).map_err(|e| corrupt(e.to_string()))?,
                expires_at: expires_at(at),
            },
        );
        match store
            .transact(vec![
                TxOp::Update {
                    key,
                    update: progress,
                    condition: Condition::version(claimed),
                },
                TxOp::Put {
                    item: record,
                    condition: Condition::NotExists,
                },
            ])
            .await
        {
            Ok(()) => {
                applied += 1;
                slowest = slowest.max(chunk_started.elapsed());
                tracing::info!(
                    job_id = %id,
                    chunk = n,
                    created = result.created,
                    updated = result.updated,
                    unchanged = result.unchanged,
                    failed = chunk_failed,
                    done,
                    total = job.total,
                    millis = chunk_started.elapsed().as_millis() as u64,
                    "import chunk applied"
                );
                if finished {
                    tracing::info!(
                        %org,
                        job_id = %id,
                        created,
                        updated,
                        unchanged,
                        failed,
                        seconds = (at - job.started_at).num_milliseconds() as f64 / 1000.0,
                        "import job finished"
                    );
                }
            }
            // Our claim lapsed and someone else took the chunk over (and counts it).
            Err(StoreError::TransactionConditionFailed { .. }) => {
                tracing::warn!(job_id = %id, chunk = n, "import chunk finished by another attempt");
            }
            Err(e) => {
                let e = ImportError::from(e);
                stall(store, org, id, n, &claimed_job, at, &e).await;
                return Err(e);
            }
        }
    }
    Ok(Advanced {
        job: get(store, org, id).await?,
        applied,
        busy: false,
    })
}

/// After a failure: releases the claim and marks the job stalled, so the page offers to
/// continue at once. If the store cannot take even that, the claim lapses by itself.
async fn stall<S: Store>(
    store: &S,
    org: &OrgId,
    id: &str,
    chunk: usize,
    claimed: &ImportJobRecord,
    at: DateTime<Utc>,
    error: &ImportError,
) {
    tracing::warn!(job_id = %id, chunk, %error, "import job stopped; it can be continued");
    let mut released = claimed.clone();
    released.stalled = true;
    released.updated_at = at;
    released.claim_chunk = None;
    released.claim_until = None;
    let release = Update::changes(claimed, &released).bump_version();
    if let Err(e) = store
        .update(
            &keys::import_job(org, id),
            release,
            Condition::version(claimed.version),
        )
        .await
    {
        tracing::warn!(job_id = %id, error = %e, "the claim could not be released; it lapses by itself");
    }
}

/// Applies one chunk's rows.
async fn apply_chunk<S: Store>(
    store: &S,
    org: &OrgId,
    id: &str,
    n: usize,
    now: DateTime<Utc>,
) -> Result<ChunkResult, ImportError> {
    let item = store
        .get(&keys::import_job_chunk(org, id, n))
        .await?
        .ok_or_else(|| corrupt(format!("import job: chunk {n} is missing")))?;
    let rows: Vec<PlannedRow> = read::<ImportChunkRecord>(&item)
        .ok()
        .and_then(|chunk| serde_json::from_str(&chunk.rows).ok())
        .ok_or_else(|| corrupt(format!("import job: chunk {n} is unreadable")))?;
    let mut result = ImportResult::default();
    let units: Vec<_> = rows
        .iter()
        .filter_map(|r| plan_unit(org, &r.plan, r.id.as_deref(), now, &mut result))
        .collect();
    write_units(store, org, &units, &mut result, |_, _| {}).await?;
    let mut family_failures = Vec::new();
    for plan in rows.iter().filter_map(|r| r.family.as_ref()) {
        if result.failures.iter().any(|f| f.line == plan.line) {
            continue;
        }
        if let Some(f) = super::import::apply_family(store, org, plan, "import", now).await? {
            family_failures.push(f);
        }
    }
    result.finish();
    Ok(ChunkResult {
        rows: rows.len(),
        created: result.created,
        updated: result.updated,
        unchanged: result.unchanged,
        failures: result.failures,
        family_failures,
    })
}

/// The rows of the job that were not imported, by line (read from the chunks' results).
pub async fn failures<S: Store>(
    store: &S,
    org: &OrgId,
    id: &str,
) -> Result<Vec<RowFailure>, ImportError> {
    check_id(id)?;
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::import_job_partition(org, id))
                    .prefix(keys::IMPORT_DONE_PREFIX)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let result: ChunkResult = read::<ImportChunkDoneRecord>(item)
                .ok()
                .and_then(|done| serde_json::from_str(&done.result).ok())
                .ok_or_else(|| corrupt("import job: unreadable chunk result"))?;
            out.extend(result.failures);
            out.extend(result.family_failures);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    out.sort_by_key(|f| f.line);
    Ok(out)
}

const CONTINUE_PURPOSE: &str = "import-continue";

/// The token in the address the job page refreshes to, which lets that GET continue the job:
/// a MAC of the viewer's CSRF token and the job id, so another site cannot make an admin's
/// browser continue a job, and the plain address of the page only shows it.
pub fn continue_token(secret: &Secret, csrf: &str, job_id: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(secret.mac(CONTINUE_PURPOSE, &[csrf.as_bytes(), job_id.as_bytes()]))
}

/// Whether `submitted` is [`continue_token`] for this viewer and job. Constant time.
pub fn continue_token_ok(secret: &Secret, csrf: &str, job_id: &str, submitted: &str) -> bool {
    !csrf.is_empty()
        && crypto::constant_time_eq(
            submitted.as_bytes(),
            continue_token(secret, csrf, job_id).as_bytes(),
        )
}
