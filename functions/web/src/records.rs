//! Person records' HTTP handlers: the search, a record's page, merging a duplicate, and linking
//! a concern to a person. Only HTTP here: who may see what (routing inside a record) and the
//! audit are in the core, called through `app::server::records`. Every response is `no-store`
//! (the edge's [`Page`] rule).

use crate::edge::permission::ViewPersonRecords;
use crate::edge::{Allowed, Answer, AppError, CsrfForm, Here, Page, QueryOrDefault};
use app::server::Outcome;
use app::server::records::{
    self as uc, LinkForm, MergeForm, RecordProblem, RecordQuery, SearchQuery, UnlinkForm,
    outcome_of,
};
use axum::extract::Path;
use safety_core::records::FileError;

/// A page with only a problem to show (a record merged away goes to the one it went into).
fn problem(e: FileError) -> Answer {
    if let FileError::MergedInto(into) = &e {
        return Err(AppError::Redirect(format!("/records/{into}")));
    }
    let ending = outcome_of(&e);
    Ok(Page::of(RecordProblem(e.user_message())).outcome(ending))
}

pub async fn search_get(
    state: Here,
    Allowed(who, ..): Allowed<ViewPersonRecords>,
    QueryOrDefault(query): QueryOrDefault<SearchQuery>,
) -> Page {
    let (view, ending) = uc::search(&state.site, &who, &query.q).await;
    Page::of(view).outcome(ending)
}

pub async fn record_get(
    state: Here,
    Allowed(who, ..): Allowed<ViewPersonRecords>,
    Path(id): Path<String>,
    QueryOrDefault(query): QueryOrDefault<RecordQuery>,
) -> Answer {
    match uc::open(&state.site, &who, &id, &query.merge_q).await {
        Ok(view) => Ok(Page::of(view)),
        Err(e) => problem(e),
    }
}

pub async fn merge_post(
    state: Here,
    Allowed(..): Allowed<ViewPersonRecords>,
    Path(id): Path<String>,
    CsrfForm(who, form): CsrfForm<MergeForm>,
) -> Answer {
    match uc::merge(&state.site, &who, &id, form).await {
        Ok((view, ending)) => Ok(Page::of(view).outcome(ending).at(format!("/records/{id}"))),
        Err(e) => problem(e).map(|p| p.at(format!("/records/{id}"))),
    }
}

pub async fn link_get(
    state: Here,
    Allowed(who, ..): Allowed<ViewPersonRecords>,
    Path(id): Path<String>,
    QueryOrDefault(query): QueryOrDefault<SearchQuery>,
) -> Answer {
    match uc::link_page(&state.site, &who, &id, &query.q).await {
        Ok(view) => {
            let ending = if view.errors.is_empty() {
                Outcome::Ok
            } else {
                Outcome::Invalid
            };
            Ok(Page::of(view).outcome(ending))
        }
        Err(e) => problem(e),
    }
}

pub async fn link_post(
    state: Here,
    Allowed(..): Allowed<ViewPersonRecords>,
    Path(id): Path<String>,
    CsrfForm(who, form): CsrfForm<LinkForm>,
) -> Answer {
    let at = format!("/worries/{id}/people");
    match uc::link(&state.site, &who, &id, form).await {
        Ok((view, ending)) => Ok(Page::of(view).outcome(ending).at(at)),
        Err(e) => problem(e).map(|p| p.at(at)),
    }
}

pub async fn unlink_post(
    state: Here,
    Allowed(..): Allowed<ViewPersonRecords>,
    Path(id): Path<String>,
    CsrfForm(who, form): CsrfForm<UnlinkForm>,
) -> Answer {
    let at = format!("/worries/{id}/people");
    match uc::unlink(&state.site, &who, &id, form).await {
        Ok((view, ending)) => Ok(Page::of(view).outcome(ending).at(at)),
        Err(e) => problem(e).map(|p| p.at(at)),
    }
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::{get, post};
    axum::Router::new()
        .route(&page(paths::RECORDS), get(search_get))
        .route(&page(paths::RECORD), get(record_get))
        .route("/records/{id}/merge", post(merge_post))
        .route(&page(paths::WORRY_PEOPLE), get(link_get).post(link_post))
        .route("/worries/{id}/people/unlink", post(unlink_post))
}
