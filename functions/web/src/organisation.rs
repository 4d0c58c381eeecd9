//! The organisation's profile over HTTP: the form (`/admin/organisation`: an admin edits all of
//! it, the DSL the safeguarding contacts) and its history (`/admin/organisation/history`). Only
//! HTTP here: the use cases (`app::server::organisation`) decide who may change what, the core
//! what a valid profile is.

use crate::edge::permission::EditContacts;
use crate::edge::{Allowed, Answer, AppError, CsrfForm, Here, Page, QueryOrDefault};
use app::server::organisation::{self as uc, OrganisationForm, SaveAnswer};
use chrono::Utc;

/// `?saved=N`: the page after a save, confirming version N.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Saved {
    saved: Option<u64>,
}

/// Whether the organisation is the deployment's default one (its client secrets' variables are
/// named without its id).
fn place(state: &Here) -> uc::Place {
    uc::Place {
        is_default_org: state.sites.default_org() == Some(&state.site.org_id),
    }
}

/// `GET /admin/organisation`.
pub async fn organisation_get(
    state: Here,
    Allowed(who, _): Allowed<EditContacts>,
    QueryOrDefault(q): QueryOrDefault<Saved>,
) -> Page {
    Page::shown(uc::page(&state.site, place(&state), &who, q.saved))
}

/// `POST /admin/organisation`: saved, it answers with the page as a new request (see other), so
/// the page and every next one show the new profile; not saved, the form again.
pub async fn organisation_post(
    state: Here,
    _: Allowed<EditContacts>,
    CsrfForm(who, form): CsrfForm<OrganisationForm>,
) -> Answer {
    match uc::save(&state.site, place(&state), &who, form, Utc::now()).await {
        SaveAnswer::Saved(version) => {
            // This organisation's cached site is forgotten: the next request reads the new one.
            state.refreshed().await;
            Err(AppError::Redirect(format!(
                "{}?saved={version}",
                app::routes::paths::ORGANISATION
            )))
        }
        SaveAnswer::Shown(outcome, page) => Ok(Page::of(*page).outcome(outcome)),
    }
}

/// `GET /admin/organisation/history`.
pub async fn history_get(state: Here, Allowed(who, _): Allowed<EditContacts>) -> Page {
    Page::shown(uc::history(&state.site, &who).await)
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::get;
    axum::Router::new()
        .route(
            &page(paths::ORGANISATION),
            get(organisation_get).post(organisation_post),
        )
        .route(&page(paths::ORGANISATION_HISTORY), get(history_get))
}
