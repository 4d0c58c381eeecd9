//! The exports' HTTP handlers: the export page, the evidence summary and the two CSV downloads
//! (`/compliance/export/completion.csv`, `/compliance/export/aup-signatures.csv`). Only HTTP
//! here: who may export is checked on every request by the `ExportCompletion` permission, the
//! files are written by `safety_core::export`. Every export is logged (who, what, rows, bytes,
//! milliseconds): it is personal data leaving the platform.
//!
//! **Why a streamed body, not a job.** The CSV is written one page of people (500) at a time
//! after one pass per module or AUP over its state lists (a query per 1 MB, no scan), and sent
//! as it is written (`Transfer-Encoding: chunked` locally): memory stays bounded, the first
//! bytes leave at once and the browser's download bar shows the file arriving. The downloads
//! are GETs (reads: no CSRF token needed, nothing is written), so they can be re-run at will
//! and need no job item, lease or clean-up. On AWS Lambda the buffered integration collects
//! the body before answering: 5,300 people × 17 items is about 3–4 MB of CSV (an item a person
//! does not have to do is one short cell, not five), under the 6 MB response limit, and a
//! browser asks for gzip, which makes it about a tenth of that; reading ~90,000 state items is
//! ~60 queries of 1 MB, a few seconds inside the 10 s timeout. Should an organisation outgrow
//! that, the same page-by-page writer can feed the resumable job pattern of
//! `identity::import_job` (chunks in the table, a meta-refresh progress page) or Lambda
//! response streaming, without changing the core.

use crate::edge::Here;
use crate::edge::permission::ExportCompletion;
use crate::edge::{Allowed, AppError, Page, QueryOrDefault, no_store};
use app::server::Outcome;
use app::server::exports::{self as uc, CsvExport, CsvKind, EvidenceQuery, ExportQuery};
use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use safety_core::export::{self as core, csv::CsvWriter};
use tracing::Instrument;

/// Chunks written ahead of the network (each one page of people).
const CHUNKS_AHEAD: usize = 2;

/// `/compliance/export`.
pub async fn export_get(
    state: Here,
    _: Allowed<ExportCompletion>,
    QueryOrDefault(query): QueryOrDefault<ExportQuery>,
) -> Page {
    Page::of(uc::export_screen(&state.site, query, Utc::now()).await)
}

/// `/compliance/evidence`: the printable summary.
pub async fn evidence_get(
    state: Here,
    Allowed(who, _): Allowed<ExportCompletion>,
    QueryOrDefault(query): QueryOrDefault<EvidenceQuery>,
) -> Page {
    let started = std::time::Instant::now();
    let screen = uc::evidence(&state.site, &who, &query, Utc::now()).await;
    let outcome = match &screen.0 {
        Ok(e) => {
            tracing::info!(
                person_id = who.person.id,
                export = "evidence",
                people = e.people,
                items = e.items.len(),
                ms = started.elapsed().as_millis() as u64,
                "export: evidence summary made"
            );
            Outcome::Ok
        }
        Err(_) => Outcome::Unavailable,
    };
    Page::of(screen).outcome(outcome)
}

pub async fn completion_csv_get(
    state: Here,
    Allowed(who, _): Allowed<ExportCompletion>,
    QueryOrDefault(query): QueryOrDefault<ExportQuery>,
) -> Result<Response, AppError> {
    csv(state, who, CsvKind::Completion, query).await
}

pub async fn signatures_csv_get(
    state: Here,
    Allowed(who, _): Allowed<ExportCompletion>,
    QueryOrDefault(query): QueryOrDefault<ExportQuery>,
) -> Result<Response, AppError> {
    csv(state, who, CsvKind::Signatures, query).await
}

/// Streams a CSV: reads the standings, answers with the headers once they are read (a failure
/// before that is a plain 503), then one chunk per page of people. A failure half-way ends the
/// body with an error, so the download fails visibly instead of looking complete.
async fn csv(
    state: Here,
    who: app::server::Viewer,
    kind: CsvKind,
    query: ExportQuery,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let site = state.site.clone();
    let file = core::file_name(kind.as_str(), &site.org_id, now);
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Result<(), String>>();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(CHUNKS_AHEAD);
    let person_id = who.person.id.clone();
    let task = async move {
        let started = std::time::Instant::now();
        let export = match CsvExport::open(&site, kind, query, now).await {
            Ok(e) => {
                let _ = ready_tx.send(Ok(()));
                e
            }
            Err(e) => {
                tracing::error!(error = %e, export = kind.as_str(), "export: could not read the standings");
                let _ = ready_tx.send(Err(e.user_message()));
                return;
            }
        };
        let mut w = CsvWriter::with_bom();
        export.write_header(&mut w);
        let (mut rows, mut bytes) = (0usize, 0usize);
        let mut cursor = None;
        loop {
            match core::people_page(&site.store, &site.org_id, cursor).await {
                Ok((people, next)) => {
                    rows += export.write_rows(&people, &mut w);
                    let chunk = w.take();
                    bytes += chunk.len();
                    if tx.send(Ok(chunk)).await.is_err() {
                        tracing::warn!(
                            person_id,
                            export = kind.as_str(),
                            rows,
                            "export: the download was abandoned"
                        );
                        return;
                    }
                    match next {
                        Some(n) => cursor = Some(n),
                        None => break,
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, export = kind.as_str(), rows, "export: stopped half-way");
                    let _ = tx
                        .send(Err(std::io::Error::other("the export stopped half-way")))
                        .await;
                    return;
                }
            }
        }
        tracing::info!(
            person_id,
            export = kind.as_str(),
            rows,
            bytes,
            ms = started.elapsed().as_millis() as u64,
            "export: CSV downloaded"
        );
    };
    tokio::spawn(task.instrument(tracing::Span::current()));
    match ready_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(message)) => return Err(AppError::refused(Outcome::Unavailable, message)),
        Err(_) => {
            return Err(AppError::refused(
                Outcome::Unavailable,
                "The export stopped.",
            ));
        }
    }
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(no_store(response))
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::get;
    axum::Router::new()
        .route(&page(paths::EXPORT), get(export_get))
        .route("/compliance/export/completion.csv", get(completion_csv_get))
        .route(
            "/compliance/export/aup-signatures.csv",
            get(signatures_csv_get),
        )
        .route(&page(paths::EVIDENCE), get(evidence_get))
}
