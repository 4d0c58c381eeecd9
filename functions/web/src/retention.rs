//! Retention's HTTP handlers: the review page, placing and lifting a legal hold, recording the
//! date someone a low-level concern is about left, and confirming a deletion. Only HTTP here: what is due, who may see it (routing) and the hold checked in the
//! deleting transaction are in the core, called through `app::server::retention`. Every
//! response is `no-store` (the edge's [`Page`] rule).

use crate::edge::permission::ReviewRetention;
use crate::edge::{Allowed, CsrfForm, Here, Page, QueryOrDefault};
use app::server::retention::{
    self as uc, DeleteForm, HoldForm, LeftForm, LiftForm, RetentionQuery,
};

pub async fn page_get(
    state: Here,
    Allowed(who, ..): Allowed<ReviewRetention>,
    QueryOrDefault(query): QueryOrDefault<RetentionQuery>,
) -> Page {
    let (view, ending) = uc::page(&state.site, &who, &query).await;
    Page::of(view).outcome(ending)
}

pub async fn hold_post(
    state: Here,
    Allowed(..): Allowed<ReviewRetention>,
    CsrfForm(who, form): CsrfForm<HoldForm>,
) -> Page {
    let (view, ending) = uc::hold(&state.site, &who, form).await;
    Page::of(view).outcome(ending).at("/retention")
}

pub async fn lift_post(
    state: Here,
    Allowed(..): Allowed<ReviewRetention>,
    CsrfForm(who, form): CsrfForm<LiftForm>,
) -> Page {
    let (view, ending) = uc::lift(&state.site, &who, form).await;
    Page::of(view).outcome(ending).at("/retention")
}

pub async fn delete_post(
    state: Here,
    Allowed(..): Allowed<ReviewRetention>,
    CsrfForm(who, form): CsrfForm<DeleteForm>,
) -> Page {
    let (view, ending) = uc::delete(&state.site, &who, form).await;
    Page::of(view).outcome(ending).at("/retention")
}

pub async fn left_post(
    state: Here,
    Allowed(..): Allowed<ReviewRetention>,
    CsrfForm(who, form): CsrfForm<LeftForm>,
) -> Page {
    let (view, ending) = uc::left(&state.site, &who, form).await;
    Page::of(view).outcome(ending).at("/retention")
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::{get, post};
    axum::Router::new()
        .route(&page(paths::RETENTION), get(page_get))
        .route("/retention/hold", post(hold_post))
        .route("/retention/lift", post(lift_post))
        .route("/retention/delete", post(delete_post))
        .route("/retention/left", post(left_post))
}
