//! An organisation's own policies and pages over HTTP: the list (`/admin/policies`), the editor
//! (`/admin/policies/edit`: preview and publish), the versions (`/admin/policies/versions`,
//! `/admin/policies/version`), and the comparison of an AUP with the version the person signed
//! (`/aup/{id}/compare`). Only HTTP here: what may be published is decided in `safety_core`
//! (and who may publish is checked here first by the extractors: the right, the CSRF token).

use crate::edge::permission::PublishPolicies;
use crate::edge::{Allowed, Answer, AppError, CsrfForm, Here, Page, QueryOrDefault, SignedIn};
use app::server::policies::{self as uc, EditorForm};
use axum::extract::Path;
use chrono::Utc;

/// A posted editor: a 100,000-character text, percent-encoded (up to 9 bytes per character of
/// 3 bytes), with a summary and room to spare.
const MAX_EDITOR_BYTES: usize = 400 * 1024;

/// `GET /admin/policies`.
pub async fn list_get(state: Here, _: Allowed<PublishPolicies>) -> Page {
    Page::of(uc::list(&state.site))
}

/// Which page to edit: `path` (a content file), or `new` for a new page.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct EditQuery {
    path: String,
    new: String,
}

/// `GET /admin/policies/edit?path=aups/staff-aup.md` (or `?new=1`).
pub async fn edit_get(
    state: Here,
    _: Allowed<PublishPolicies>,
    QueryOrDefault(q): QueryOrDefault<EditQuery>,
) -> Page {
    Page::shown(uc::editor(
        &state.site,
        Some(q.path.as_str()),
        !q.new.is_empty(),
        Utc::now(),
    ))
}

/// The editor's form; `action` is the button pressed: `preview` or `publish`.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct EditForm {
    action: String,
    path: String,
    name: String,
    text: String,
    change: String,
    summary: String,
}

/// `POST /admin/policies/edit`: a preview (writes nothing) or a publication. A refusal shows the
/// editor again with what was typed; a publication goes on to the page's versions.
pub async fn edit_post(
    state: Here,
    _: Allowed<PublishPolicies>,
    CsrfForm(who, form): CsrfForm<EditForm, MAX_EDITOR_BYTES>,
) -> Answer {
    let action = form.action.clone();
    let typed = EditorForm {
        path: form.path,
        name: form.name,
        text: form.text,
        change: form.change,
        summary: form.summary,
    };
    match action.as_str() {
        "publish" => match uc::publish(&state.site, &who, typed, Utc::now()).await {
            Ok(record) => {
                state.refreshed().await;
                Err(AppError::Redirect(format!(
                    "/admin/policies/versions?path={}&published={}",
                    record.path.replace('/', "%2F"),
                    record.number
                )))
            }
            Err(screen) => Ok(Page::shown(screen)),
        },
        // Pressing Enter in the name field sends the first button's value: a preview.
        _ => Ok(Page::shown(uc::preview(&state.site, typed))),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct VersionsQuery {
    path: String,
    published: Option<u64>,
    number: Option<u64>,
}

/// `GET /admin/policies/versions?path=...` (`&published=N` after publishing).
pub async fn versions_get(
    state: Here,
    _: Allowed<PublishPolicies>,
    QueryOrDefault(q): QueryOrDefault<VersionsQuery>,
) -> Page {
    Page::shown(uc::versions(&state.site, &q.path, q.published).await)
}

/// `GET /admin/policies/version?path=...&number=N`.
pub async fn version_get(
    state: Here,
    _: Allowed<PublishPolicies>,
    QueryOrDefault(q): QueryOrDefault<VersionsQuery>,
) -> Page {
    Page::shown(uc::version(&state.site, &q.path, q.number.unwrap_or(0)).await)
}

/// `GET /aup/{id}/compare`: the person's signed text beside the current one.
pub async fn compare_get(state: Here, SignedIn(who): SignedIn, Path(id): Path<String>) -> Page {
    Page::shown(uc::compare_aup(&state.site, &who, &id, Utc::now()).await)
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::get;
    axum::Router::new()
        .route(&page(paths::POLICIES), get(list_get))
        .route(&page(paths::POLICY_EDIT), get(edit_get).post(edit_post))
        .route(&page(paths::POLICY_VERSIONS), get(versions_get))
        .route(&page(paths::POLICY_VERSION), get(version_get))
        .route(&page(paths::AUP_COMPARE), get(compare_get))
}
