//! The compliance pages' HTTP handlers: `/compliance` (the numbers), `/compliance/list` (the
//! people behind a number), `/compliance/people/{id}` (a person's record) and
//! `/compliance/people/{id}/signed/{sha}` (the exact text they signed). Only HTTP here: who may
//! see them is decided by `app::server::compliance::may_view` on every request, the figures by
//! `safety_core::compliance`. All GETs (nothing is written), all `no-store` (personal data).

use crate::auth::{forbidden, viewer};
use crate::routes::{AppState, no_store, render, sign_in_first};
use app::server::Viewer;
use app::server::compliance::{self as uc, ComplianceQuery};
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use leptos::prelude::provide_context;

/// The viewer, when they may see the compliance pages; otherwise the response refusing them.
fn checker(state: &AppState, req: &Request, what: &str) -> Result<Viewer, Box<Response>> {
    let Some(who) = viewer(req) else {
        return Err(Box::new(sign_in_first()));
    };
    if !uc::may_view(&state.site, &who) {
        tracing::warn!(
            person_id = who.person.id,
            what,
            "refused: not allowed to view compliance"
        );
        return Err(Box::new(no_store(
            forbidden("You do not have access to this page."),
            StatusCode::FORBIDDEN,
        )));
    }
    Ok(who)
}

/// The query string; one that cannot be read is the unfiltered view.
fn query_of(req: &Request) -> ComplianceQuery {
    req.uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

async fn show<T: Clone + Send + Sync + 'static>(
    state: &AppState,
    req: Request,
    screen: T,
    status: StatusCode,
) -> Response {
    let response = render(state, req, move || provide_context(screen.clone())).await;
    no_store(response, status)
}

pub async fn dashboard_get(State(state): State<AppState>, req: Request) -> Response {
    let who = match checker(&state, &req, "dashboard") {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let started = std::time::Instant::now();
    let screen = uc::dashboard(&state.site, &query_of(&req), Utc::now()).await;
    let status = match &screen.result {
        Ok(d) => {
            tracing::info!(
                person_id = who.person.id,
                people = d.people,
                counters_read = d.items_read,
                ms = started.elapsed().as_millis() as u64,
                "compliance dashboard shown"
            );
            StatusCode::OK
        }
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    show(&state, req, screen, status).await
}

pub async fn list_get(State(state): State<AppState>, req: Request) -> Response {
    if let Err(r) = checker(&state, &req, "list") {
        return *r;
    }
    let screen = uc::list(&state.site, &query_of(&req), Utc::now()).await;
    let status = match &screen.result {
        Ok(_) => StatusCode::OK,
        Err(_) if screen.item.is_none() || screen.title.is_empty() => StatusCode::NOT_FOUND,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    show(&state, req, screen, status).await
}

fn status_of(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

pub async fn person_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let who = match checker(&state, &req, "person") {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let screen = uc::person(&state.site, &id, Utc::now()).await;
    let reading = match &screen.0 {
        Ok(record) => {
            app::server::easy_read::person_reading(&state.site, &who, &record.person).await
        }
        Err(_) => None,
    };
    let status = match &screen.0 {
        Ok(_) => {
            // Reading someone's record is personal data: say who looked.
            tracing::info!(
                person_id = who.person.id,
                viewed = id,
                "training record viewed"
            );
            StatusCode::OK
        }
        Err((code, _)) => status_of(*code),
    };
    let response = render(&state, req, move || {
        provide_context(screen.clone());
        if let Some(r) = &reading {
            provide_context(r.clone());
        }
    })
    .await;
    no_store(response, status)
}

pub async fn signed_get(
    State(state): State<AppState>,
    Path((id, sha)): Path<(String, String)>,
    req: Request,
) -> Response {
    if let Err(r) = checker(&state, &req, "signed text") {
        return *r;
    }
    let screen = uc::signed_by(&state.site, &id, &sha).await;
    let status = match &screen.0 {
        Ok(_) => StatusCode::OK,
        Err((code, _)) => status_of(*code),
    };
    show(&state, req, screen, status).await
}
