//! An admin's people pages. Every handler checks, on the server, that the signed-in person may
//! manage people in this organisation and that the form carries their CSRF token.

use crate::auth::{csrf_ok, forbidden, viewer};
use crate::routes::{AppState, Form, read_form, read_form_up_to, render};
use app::server::{ImportView, InviteForm, PeopleView, Viewer};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use leptos::prelude::provide_context;
use safety_core::identity::{Action, NewPerson, PeopleError, Role, allows, import, people};
use safety_core::store::Cursor;

const PAGE_SIZE: usize = 50;

/// Why a request to an admin page is refused.
enum Refusal {
    SignIn,
    NotAllowed,
    StaleForm,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::SignIn => Redirect::to("/sign-in").into_response(),
            Refusal::NotAllowed => forbidden("You do not have access to this page."),
            Refusal::StaleForm => {
                forbidden("This form has expired. Please go back, reload the page and try again.")
            }
        }
    }
}

/// The signed-in admin, or why the request is refused.
fn admin(req: &Request) -> Result<Viewer, Refusal> {
    match viewer(req) {
        None => Err(Refusal::SignIn),
        Some(v) if allows(&v.person.roles, Action::ManagePeople) => Ok(v),
        Some(v) => {
            tracing::warn!(
                person_id = v.person.id,
                "refused: not allowed to manage people"
            );
            Err(Refusal::NotAllowed)
        }
    }
}

/// Renders the people page: the list (from `after`), with a notice, an error and the invite form.
async fn people_page(
    state: &AppState,
    mut req: Request,
    mut view: PeopleView,
    after: Option<String>,
    status: StatusCode,
) -> Response {
    // Form posts to /admin/people/... are answered with the people page itself.
    *req.uri_mut() = axum::http::Uri::from_static("/admin/people");
    match people::list(
        &state.site.store,
        &state.site.org_id,
        after.map(Cursor),
        PAGE_SIZE,
    )
    .await
    {
        Ok((list, next)) => {
            view.people = list;
            view.next = next.map(|c| c.0);
        }
        Err(e) => {
            tracing::warn!(error = %e, "the people list could not be read");
            view.error.get_or_insert(e.user_message());
        }
    }
    let mut response = render(state, req, move || provide_context(view.clone())).await;
    if status != StatusCode::OK {
        *response.status_mut() = status;
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub async fn people_get(State(state): State<AppState>, req: Request) -> Response {
    if let Err(refused) = admin(&req) {
        return refused.into_response();
    }
    let after = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|p| p.into_iter().find(|(k, _)| k == "after").map(|(_, v)| v));
    people_page(&state, req, PeopleView::default(), after, StatusCode::OK).await
}

/// Reads and checks an admin's form: signed in, allowed, CSRF token right.
async fn admin_form(req: Request) -> Result<(Request, Viewer, Form), Refusal> {
    let who = admin(&req)?;
    let (req, form) = read_form(req).await;
    match form {
        Some(f) if csrf_ok(&who, &f) => Ok((req, who, f)),
        _ => Err(Refusal::StaleForm),
    }
}

fn roles_of(form: &Form) -> Vec<Role> {
    form.all("roles")
        .into_iter()
        .filter_map(Role::parse)
        .collect()
}

pub async fn invite_post(State(state): State<AppState>, req: Request) -> Response {
    let (req, who, form) = match admin_form(req).await {
        Ok(x) => x,
        Err(refused) => return refused.into_response(),
    };
    let typed = InviteForm {
        email: form.get("email").unwrap_or_default().to_string(),
        name: form.get("name").unwrap_or_default().to_string(),
        roles: form.all("roles").into_iter().map(str::to_string).collect(),
        groups: form.get("groups").unwrap_or_default().to_string(),
    };
    let new = NewPerson {
        email: typed.email.clone(),
        name: typed.name.clone(),
        roles: roles_of(&form),
        groups: split_groups(&typed.groups),
    };
    match people::invite(&state.site.store, &state.site.org_id, &new, Utc::now()).await {
        Ok(person) => {
            tracing::info!(
                admin = who.person.id,
                person_id = person.id,
                "person invited"
            );
            let view = PeopleView {
                notice: Some(format!(
                    "{} was added. They can sign in with {} on the sign-in page.",
                    person.name, person.email
                )),
                ..PeopleView::default()
            };
            people_page(&state, req, view, None, StatusCode::OK).await
        }
        Err(e) => {
            let status = if matches!(e, PeopleError::Store(_)) {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let view = PeopleView {
                error: Some(e.user_message()),
                invite: typed,
                ..PeopleView::default()
            };
            people_page(&state, req, view, None, status).await
        }
    }
}

pub async fn deactivate_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (req, who, _) = match admin_form(req).await {
        Ok(x) => x,
        Err(refused) => return refused.into_response(),
    };
    if id == who.person.id {
        let error = Some("You cannot deactivate yourself. Ask another admin to do it.".to_string());
        let view = PeopleView {
            error,
            ..PeopleView::default()
        };
        return people_page(&state, req, view, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (view, status) = match people::deactivate(&state.site.store, &state.site.org_id, &id).await
    {
        Ok(person) => {
            tracing::info!(
                admin = who.person.id,
                person_id = person.id,
                "person deactivated"
            );
            notice(format!(
                "{} was deactivated and signed out everywhere. Their records are kept.",
                person.name
            ))
        }
        Err(e) => refused(&e),
    };
    people_page(&state, req, view, None, status).await
}

pub async fn roles_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (req, who, form) = match admin_form(req).await {
        Ok(x) => x,
        Err(refused) => return refused.into_response(),
    };
    let version = form
        .get("version")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or_default();
    // An admin cannot take away their own admin role, so an organisation always keeps one.
    if id == who.person.id && !roles_of(&form).contains(&Role::Admin) {
        let error =
            Some("You cannot remove your own admin role. Ask another admin to do it.".to_string());
        let view = PeopleView {
            error,
            ..PeopleView::default()
        };
        return people_page(&state, req, view, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let groups = form.get("groups").map(split_groups);
    let (view, status) = match people::set_roles_and_groups(
        &state.site.store,
        &state.site.org_id,
        &id,
        &roles_of(&form),
        groups.as_deref(),
        version,
    )
    .await
    {
        Ok(person) => {
            tracing::info!(
                admin = who.person.id,
                person_id = person.id,
                "roles changed"
            );
            let roles = person
                .roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join(", ");
            let groups = if person.groups.is_empty() {
                "no groups".to_string()
            } else {
                person.groups.join(", ")
            };
            notice(format!(
                "{} now has these roles: {roles}; and {groups}.",
                person.name
            ))
        }
        Err(e) => refused(&e),
    };
    people_page(&state, req, view, None, status).await
}

/// Groups as typed in a form: separated by commas.
fn split_groups(typed: &str) -> Vec<String> {
    typed
        .split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect()
}

/// The people page with a confirmation.
fn notice(text: String) -> (PeopleView, StatusCode) {
    (
        PeopleView {
            notice: Some(text),
            ..PeopleView::default()
        },
        StatusCode::OK,
    )
}

/// The people page saying why a change was refused.
fn refused(e: &PeopleError) -> (PeopleView, StatusCode) {
    (
        PeopleView {
            error: Some(e.user_message()),
            ..PeopleView::default()
        },
        status_of(e),
    )
}

fn status_of(e: &PeopleError) -> StatusCode {
    match e {
        PeopleError::NotFound => StatusCode::NOT_FOUND,
        PeopleError::VersionConflict => StatusCode::CONFLICT,
        PeopleError::Store(_) | PeopleError::Corrupt(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// A CSV upload, form-encoded when confirmed (percent-encoding can triple it), with room to spare.
pub const MAX_UPLOAD_BYTES: usize = 3 * import::MAX_FILE_BYTES + 64 * 1024;

async fn import_page(
    state: &AppState,
    who: Viewer,
    view: ImportView,
    status: StatusCode,
) -> Response {
    // Answers are rendered as the import page, whatever address the form posted to.
    let mut req = Request::new(axum::body::Body::empty());
    *req.uri_mut() = axum::http::Uri::from_static("/admin/people/import");
    req.extensions_mut().insert(who);
    let mut response = render(state, req, move || provide_context(view.clone())).await;
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The import form again, saying why the file was refused (503 when the store failed).
async fn import_refused(state: &AppState, who: Viewer, e: import::ImportError) -> Response {
    let status = match e {
        import::ImportError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    import_page(
        state,
        who,
        ImportView::Form {
            error: Some(e.user_message()),
        },
        status,
    )
    .await
}

pub async fn import_get(State(state): State<AppState>, req: Request) -> Response {
    match admin(&req) {
        Ok(who) => {
            import_page(
                &state,
                who,
                ImportView::Form { error: None },
                StatusCode::OK,
            )
            .await
        }
        Err(refused) => refused.into_response(),
    }
}

/// Checks an uploaded file and shows what importing it would do. Writes nothing.
pub async fn import_post(State(state): State<AppState>, req: Request) -> Response {
    use axum::extract::FromRequest;
    let who = match admin(&req) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let mut multipart = match axum::extract::Multipart::from_request(req, &()).await {
        Ok(m) => m,
        Err(_) => {
            let error = Some("Please choose a CSV file and press Check the file.".to_string());
            return import_page(
                &state,
                who,
                ImportView::Form { error },
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let (mut csrf, mut file) = (None, None);
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => csrf = field.text().await.ok(),
                Some("file") => file = field.bytes().await.ok(),
                _ => {}
            },
            Ok(None) => break,
            Err(e) => {
                tracing::info!(error = %e, "an upload could not be read");
                let error = Some(format!(
                    "The file could not be read. It must be under {} MB.",
                    import::MAX_FILE_BYTES / (1024 * 1024)
                ));
                return import_page(
                    &state,
                    who,
                    ImportView::Form { error },
                    StatusCode::PAYLOAD_TOO_LARGE,
                )
                .await;
            }
        }
    }
    if !csrf
        .is_some_and(|t| safety_core::crypto::constant_time_eq(t.as_bytes(), who.csrf.as_bytes()))
    {
        return Refusal::StaleForm.into_response();
    }
    let bytes = file.unwrap_or_default();
    let outcome = match import::decode_upload(&bytes) {
        Ok(text) => import::preview(&state.site.store, &state.site.org_id, text)
            .await
            .map(|p| (text.to_string(), p)),
        Err(e) => Err(e),
    };
    match outcome {
        Ok((csv, preview)) => {
            tracing::info!(
                admin = who.person.id,
                rows = preview.rows.len(),
                "import previewed"
            );
            import_page(
                &state,
                who,
                ImportView::Preview { csv, preview },
                StatusCode::OK,
            )
            .await
        }
        Err(e) => import_refused(&state, who, e).await,
    }
}

/// Imports a checked file: plans it again against the people as they are now (the file comes
/// back from the browser, so it is checked again in full), then writes the rows without errors.
pub async fn import_apply_post(State(state): State<AppState>, req: Request) -> Response {
    let who = match admin(&req) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let (_, form) = read_form_up_to(req, MAX_UPLOAD_BYTES).await;
    let Some(form) = form.filter(|f| csrf_ok(&who, f)) else {
        return Refusal::StaleForm.into_response();
    };
    let csv = form.get("csv").unwrap_or_default().trim_start_matches('\n');
    let started = std::time::Instant::now();
    let result = match import::preview(&state.site.store, &state.site.org_id, csv).await {
        Ok(preview) => {
            let total = preview.rows.len();
            import::apply(
                &state.site.store,
                &state.site.org_id,
                &preview,
                Utc::now(),
                |done, of| {
                    tracing::debug!(done, of, total, "importing people");
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(result) => {
            tracing::info!(
                admin = who.person.id,
                created = result.created,
                updated = result.updated,
                unchanged = result.unchanged,
                failed = result.failed,
                store_writes = result.store_writes,
                millis = started.elapsed().as_millis() as u64,
                "people imported"
            );
            import_page(&state, who, ImportView::Done(result), StatusCode::OK).await
        }
        Err(e) => import_refused(&state, who, e).await,
    }
}
