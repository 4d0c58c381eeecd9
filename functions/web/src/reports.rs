//! The safeguarding reports' HTTP handlers: the two report pages and their CSV downloads
//! (`/reports/monthly.csv`, `/reports/termly.csv`). Only HTTP here: who may read which report
//! is checked on every request (the `ViewReports` permission here, the report's own rule in
//! the use case), the numbers are made by `safety_core::reports`. The downloads are GETs
//! (nothing is written, no CSRF token needed) of a few kilobytes.

use crate::edge::permission::ViewReports;
use crate::edge::{Allowed, AppError, Here, Page, QueryOrDefault, no_store};
use app::server::reports::{self as uc, ReportQuery};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use safety_core::reports::ReportKind;

async fn show(state: Here, who: app::server::Viewer, kind: ReportKind, query: ReportQuery) -> Page {
    Page::shown(uc::report_page(&state.site, &who, kind, &query, Utc::now()).await)
}

/// `/reports/monthly`.
pub async fn monthly_get(
    state: Here,
    Allowed(who, _): Allowed<ViewReports>,
    QueryOrDefault(query): QueryOrDefault<ReportQuery>,
) -> Page {
    show(state, who, ReportKind::Monthly, query).await
}

/// `/reports/termly`.
pub async fn termly_get(
    state: Here,
    Allowed(who, _): Allowed<ViewReports>,
    QueryOrDefault(query): QueryOrDefault<ReportQuery>,
) -> Page {
    show(state, who, ReportKind::Termly, query).await
}

async fn csv(
    state: Here,
    who: app::server::Viewer,
    kind: ReportKind,
    query: ReportQuery,
) -> Result<Response, AppError> {
    let (file, text) = uc::report_csv(&state.site, &who, kind, &query, Utc::now())
        .await
        .map_err(|(outcome, message)| AppError::refused(outcome, message))?;
    tracing::info!(
        person_id = who.person.id,
        export = "safeguarding report",
        file,
        bytes = text.len(),
        "export: report CSV downloaded"
    );
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    // The file name is made of the period's letters, digits and hyphens only.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(no_store(response))
}

pub async fn monthly_csv_get(
    state: Here,
    Allowed(who, _): Allowed<ViewReports>,
    QueryOrDefault(query): QueryOrDefault<ReportQuery>,
) -> Result<Response, AppError> {
    csv(state, who, ReportKind::Monthly, query).await
}

pub async fn termly_csv_get(
    state: Here,
    Allowed(who, _): Allowed<ViewReports>,
    QueryOrDefault(query): QueryOrDefault<ReportQuery>,
) -> Result<Response, AppError> {
    csv(state, who, ReportKind::Termly, query).await
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::get;
    axum::Router::new()
        .route(&page(paths::REPORT_MONTHLY), get(monthly_get))
        .route(&page(paths::REPORT_TERMLY), get(termly_get))
        .route(uc::csv_path(ReportKind::Monthly), get(monthly_csv_get))
        .route(uc::csv_path(ReportKind::Termly), get(termly_csv_get))
}
