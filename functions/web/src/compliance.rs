//! The compliance pages' HTTP handlers: `/compliance` (the numbers), `/compliance/list` (the
//! people behind a number), `/compliance/people/{id}` (a person's record) and
//! `/compliance/people/{id}/signed/{sha}` (the exact text they signed). Only HTTP here: who may
//! see them is checked on every request by the [`ViewCompletion`] permission, the figures come
//! from `safety_core::compliance`. All GETs (nothing is written), all `no-store` (personal data).

use crate::edge::Here;
use crate::edge::permission::ViewCompletion;
use crate::edge::{Allowed, Page, QueryOrDefault};
use app::server::Outcome;
use app::server::compliance::{self as uc, ComplianceQuery};
use axum::extract::Path;
use chrono::Utc;

pub async fn dashboard_get(
    state: Here,
    Allowed(who, _): Allowed<ViewCompletion>,
    QueryOrDefault(query): QueryOrDefault<ComplianceQuery>,
) -> Page {
    let started = std::time::Instant::now();
    let screen = uc::dashboard(&state.site, &query, Utc::now()).await;
    let outcome = match &screen.result {
        Ok(d) => {
            tracing::info!(
                person_id = who.person.id,
                people = d.people,
                counters_read = d.items_read,
                ms = started.elapsed().as_millis() as u64,
                "compliance dashboard shown"
            );
            Outcome::Ok
        }
        Err(_) => Outcome::Unavailable,
    };
    Page::of(screen).outcome(outcome)
}

pub async fn list_get(
    state: Here,
    _: Allowed<ViewCompletion>,
    QueryOrDefault(query): QueryOrDefault<ComplianceQuery>,
) -> Page {
    let screen = uc::list(&state.site, &query, Utc::now()).await;
    let outcome = match &screen.result {
        Ok(_) => Outcome::Ok,
        Err(_) if screen.item.is_none() || screen.title.is_empty() => Outcome::NotFound,
        Err(_) => Outcome::Unavailable,
    };
    Page::of(screen).outcome(outcome)
}

pub async fn person_get(
    state: Here,
    Allowed(who, _): Allowed<ViewCompletion>,
    Path(id): Path<String>,
) -> Page {
    let screen = uc::person(&state.site, &id, Utc::now()).await;
    let reading = match &screen.0 {
        Ok(record) => {
            // Reading someone's record is personal data: say who looked.
            tracing::info!(
                person_id = who.person.id,
                viewed = id,
                "training record viewed"
            );
            app::server::easy_read::person_reading(&state.site, &who, &record.person).await
        }
        Err(_) => None,
    };
    Page::shown(screen).and_maybe(reading)
}

pub async fn signed_get(
    state: Here,
    _: Allowed<ViewCompletion>,
    Path((id, sha)): Path<(String, String)>,
) -> Page {
    Page::shown(uc::signed_by(&state.site, &id, &sha).await)
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::get;
    axum::Router::new()
        .route(&page(paths::COMPLIANCE), get(dashboard_get))
        .route(&page(paths::COMPLIANCE_LIST), get(list_get))
        .route(&page(paths::PERSON_RECORD), get(person_get))
        .route(&page(paths::PERSON_SIGNED), get(signed_get))
}
