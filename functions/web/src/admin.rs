//! An admin's people pages. Every handler checks, on the server, that the signed-in person may
//! manage people in this organisation and that the form carries their CSRF token.

use crate::auth::{csrf_ok, forbidden, viewer};
use crate::routes::{AppState, Form, read_form, read_form_up_to, render};
use app::server::{ImportJobView, ImportView, InviteForm, PeopleView, Viewer};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use leptos::prelude::provide_context;
use safety_core::identity::import::ImportError;
use safety_core::identity::import_job::{self, JobStatus, Slice};
use safety_core::identity::{
    Action, NewPerson, PeopleError, Role, allows, governance, import, people,
};
use safety_core::store::Cursor;
use std::time::Duration;

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
    match governance::invite(
        &state.site.store,
        &state.site.org_id,
        &who.person,
        &new,
        Utc::now(),
    )
    .await
    {
        Ok(person) => {
            tracing::info!(
                admin = who.person.id,
                person_id = person.id,
                "person invited"
            );
            // A safeguarding role given is announced to the DSL, allegations lead and chair.
            (state.site.on_worry_stored)();
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
    let (view, status) = match governance::deactivate(
        &state.site.store,
        &state.site.org_id,
        &who.person,
        &id,
        Utc::now(),
    )
    .await
    {
        Ok(person) => {
            tracing::info!(
                admin = who.person.id,
                person_id = person.id,
                "person deactivated"
            );
            (state.site.on_worry_stored)();
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
    let (view, status) = match governance::change_roles(
        &state.site.store,
        &state.site.org_id,
        &who.person,
        &id,
        &roles_of(&form),
        groups.as_deref(),
        version,
        Utc::now(),
    )
    .await
    {
        Ok(person) => {
            tracing::info!(
                admin = who.person.id,
                person_id = person.id,
                "roles changed"
            );
            (state.site.on_worry_stored)();
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

/// The safeguarding roles record: for the DSL, the allegations lead and the chair only (the
/// people told of every change), whoever else asks, admins included.
pub async fn safeguarding_roles_get(State(state): State<AppState>, req: Request) -> Response {
    let Some(who) = viewer(&req) else {
        return Refusal::SignIn.into_response();
    };
    let Some(view) = app::server::roles::record(&state.site, &who).await else {
        tracing::warn!(
            person_id = who.person.id,
            "refused: the safeguarding roles record is for the DSL, the allegations lead and the chair"
        );
        return Refusal::NotAllowed.into_response();
    };
    let status = if view.error.is_some() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let response = render(&state, req, move || provide_context(view.clone())).await;
    crate::routes::no_store(response, status)
}

/// A CSV upload, form-encoded when confirmed (percent-encoding can triple it), with room to spare.
pub const MAX_UPLOAD_BYTES: usize = 3 * import::MAX_FILE_BYTES + 64 * 1024;

const IMPORT_PATH: &str = "/admin/people/import";

async fn import_page(
    state: &AppState,
    who: Viewer,
    view: ImportView,
    status: StatusCode,
) -> Response {
    import_page_at(state, who, view, status, IMPORT_PATH).await
}

/// Renders an import page as the page at `path`, whatever address the form posted to.
async fn import_page_at(
    state: &AppState,
    who: Viewer,
    view: ImportView,
    status: StatusCode,
    path: &str,
) -> Response {
    let mut req = Request::new(axum::body::Body::empty());
    *req.uri_mut() = path
        .parse()
        .unwrap_or_else(|_| axum::http::Uri::from_static(IMPORT_PATH));
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

/// How much one request does of an import job. The confirming request does one chunk, so the
/// admin sees the progress page soon; each refresh or Continue then works for about 2 s, far
/// inside the function's 10 s and API Gateway's 29 s.
const FIRST_SLICE: Slice = Slice {
    max_chunks: 1,
    max_time: Duration::from_secs(2),
};
const SLICE: Slice = Slice {
    max_chunks: usize::MAX,
    max_time: Duration::from_secs(2),
};

fn job_path(id: &str) -> String {
    format!("/admin/people/import/jobs/{id}")
}

/// Imports a checked file: plans it again against the people as they are now (the file comes
/// back from the browser, so it is checked again in full), stores the plan as a job, does the
/// first slice of it and sends the admin to the job's page.
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
    let (store, org) = (&state.site.store, &state.site.org_id);
    let job = match import::preview(store, org, csv).await {
        Ok(preview) => import_job::start(store, org, &preview, &who.person.id, Utc::now()).await,
        Err(e) => Err(e),
    };
    let job = match job {
        Ok(job) => job,
        Err(e) => return import_refused(&state, who, e).await,
    };
    tracing::info!(
        admin = who.person.id,
        job_id = job.id,
        rows = job.total,
        "import confirmed"
    );
    // A failure here leaves the job stalled or claimed: its page says so and offers Continue.
    let _ = import_job::advance(store, org, &job.id, FIRST_SLICE, Utc::now()).await;
    Redirect::to(&job_path(&job.id)).into_response()
}

/// An import job's page. Advancing it on a GET is deliberate: a meta refresh, the only way to
/// continue without JavaScript, can only GET. It is safe: only a GET carrying
/// [`import_job::continue_token`] (bound to this session's CSRF token and the job) advances,
/// so another site cannot trigger it and the plain address only shows; the job itself was
/// confirmed by a CSRF-checked POST; and each chunk is claimed once and idempotent.
pub async fn import_job_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let who = match admin(&req) {
        Ok(v) => v,
        Err(refused) => return refused.into_response(),
    };
    let step = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|p| p.into_iter().find(|(k, _)| k == "step").map(|(_, v)| v));
    let mut failed = false;
    if let Some(token) = step {
        if import_job::continue_token_ok(&state.site.secret, &who.csrf, &id, &token) {
            let advanced = import_job::advance(
                &state.site.store,
                &state.site.org_id,
                &id,
                SLICE,
                Utc::now(),
            )
            .await;
            failed = matches!(advanced, Err(ref e) if *e != ImportError::JobNotFound);
        } else {
            // E.g. the session was renewed since the page was rendered: show, the next refresh
            // carries a fresh token.
            tracing::info!(job_id = id, "import step token not accepted; showing only");
        }
    }
    job_page(&state, who, &id, failed).await
}

/// The Continue button (with JavaScript off, when the page does not refresh, or after a
/// failure): a slice of work, then back to the job's page.
pub async fn import_job_continue_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let (_, who, _) = match admin_form(req).await {
        Ok(x) => x,
        Err(refused) => return refused.into_response(),
    };
    match import_job::advance(
        &state.site.store,
        &state.site.org_id,
        &id,
        SLICE,
        Utc::now(),
    )
    .await
    {
        Ok(_) => Redirect::to(&job_path(&id)).into_response(),
        Err(e) => job_page(&state, who, &id, e != ImportError::JobNotFound).await,
    }
}

/// Shows a job of this organisation (404 for any other id). `failed`: this request's attempt
/// to continue it stopped on an error (503).
async fn job_page(state: &AppState, who: Viewer, id: &str, failed: bool) -> Response {
    let (store, org) = (&state.site.store, &state.site.org_id);
    let unavailable = |e: ImportError| {
        tracing::warn!(job_id = id, error = %e, "an import job could not be read");
        ImportView::Form {
            error: Some(
                "We could not load this import just now. Everyone imported so far is kept. Please reload this page in a minute."
                    .into(),
            ),
        }
    };
    let job = match import_job::get(store, org, id).await {
        Ok(job) => job,
        Err(e @ ImportError::JobNotFound) => {
            let view = ImportView::Form {
                error: Some(e.user_message()),
            };
            return import_page(state, who, view, StatusCode::NOT_FOUND).await;
        }
        Err(e) => {
            let view = unavailable(e);
            return import_page(state, who, view, StatusCode::SERVICE_UNAVAILABLE).await;
        }
    };
    let failures = if job.status == JobStatus::Finished {
        match import_job::failures(store, org, id).await {
            Ok(f) => f,
            Err(e) => {
                let view = unavailable(e);
                return import_page(state, who, view, StatusCode::SERVICE_UNAVAILABLE).await;
            }
        }
    } else {
        Vec::new()
    };
    let stopped = failed || job.stalled;
    let refresh = (job.status == JobStatus::Running && !stopped).then(|| {
        let token = import_job::continue_token(&state.site.secret, &who.csrf, &job.id);
        format!("{}?step={token}", job_path(&job.id))
    });
    let path = job_path(&job.id);
    let status = if failed {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let view = ImportView::Job(ImportJobView {
        job,
        failures,
        refresh,
        stopped,
    });
    import_page_at(state, who, view, status, &path).await
}
