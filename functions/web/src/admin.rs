//! An admin's people pages over HTTP. Every handler asks for the [`ManagePeople`] permission
//! (checked on the server, every request) and every form for the admin's CSRF token; the use
//! cases are in `app::server::admin`. Form posts answer with the page they came from.

use crate::edge::Here;
use crate::edge::permission::ManagePeople;
use crate::edge::{Allowed, Answer, AppError, CsrfForm, Form, Page, QueryOrDefault};
use app::server::Outcome;
use app::server::admin::{self as uc, ImportView, InviteForm, PeopleQuery, PeopleView, RolesForm};
use axum::extract::{Multipart, Path};
use safety_core::crypto::constant_time_eq;
use safety_core::identity::import;

/// A CSV upload, form-encoded when confirmed (percent-encoding can triple it), with room to spare.
pub const MAX_UPLOAD_BYTES: usize = 3 * import::MAX_FILE_BYTES + 64 * 1024;

const PEOPLE_PATH: &str = "/admin/people";
const IMPORT_PATH: &str = "/admin/people/import";

/// The people page showing `view`, with the list as `query` asks (a page, an order).
async fn people_page(state: &Here, view: PeopleView, query: &PeopleQuery) -> Page {
    Page::of(uc::people_page(&state.site, view, query).await).at(PEOPLE_PATH)
}

pub async fn people_get(
    state: Here,
    _: Allowed<ManagePeople>,
    QueryOrDefault(query): QueryOrDefault<PeopleQuery>,
) -> Page {
    people_page(&state, PeopleView::default(), &query).await
}

pub async fn invite_post(
    state: Here,
    _: Allowed<ManagePeople>,
    CsrfForm(who, form): CsrfForm<Form>,
) -> Page {
    let typed = InviteForm {
        email: form.get("email").unwrap_or_default().to_string(),
        name: form.get("name").unwrap_or_default().to_string(),
        roles: form.all("roles").into_iter().map(str::to_string).collect(),
        groups: form.get("groups").unwrap_or_default().to_string(),
    };
    let (view, outcome) = uc::invite(&state.site, &who, typed).await;
    people_page(&state, view, &PeopleQuery::default())
        .await
        .outcome(outcome)
}

pub async fn deactivate_post(
    state: Here,
    _: Allowed<ManagePeople>,
    Path(id): Path<String>,
    CsrfForm(who, _): CsrfForm<Form>,
) -> Page {
    let (view, outcome) = uc::deactivate(&state.site, &who, &id).await;
    people_page(&state, view, &PeopleQuery::default())
        .await
        .outcome(outcome)
}

pub async fn reactivate_post(
    state: Here,
    _: Allowed<ManagePeople>,
    Path(id): Path<String>,
    CsrfForm(who, _): CsrfForm<Form>,
) -> Page {
    let (view, outcome) = uc::reactivate(&state.site, &who, &id).await;
    people_page(&state, view, &PeopleQuery::default())
        .await
        .outcome(outcome)
}

pub async fn roles_post(
    state: Here,
    _: Allowed<ManagePeople>,
    Path(id): Path<String>,
    CsrfForm(who, form): CsrfForm<Form>,
) -> Page {
    let typed = RolesForm {
        roles: form.all("roles").into_iter().map(str::to_string).collect(),
        groups: form.get("groups").map(str::to_string),
        version: form
            .get("version")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or_default(),
    };
    let (view, outcome) = uc::change_roles(&state.site, &who, &id, typed).await;
    people_page(&state, view, &PeopleQuery::default())
        .await
        .outcome(outcome)
}

/// The safeguarding roles record: for the DSL, the allegations lead and the chair only (the
/// people told of every change), whoever else asks, admins included.
pub async fn safeguarding_roles_get(
    state: Here,
    crate::edge::SignedIn(who): crate::edge::SignedIn,
) -> Answer {
    let Some(view) = app::server::roles::record(&state.site, &who).await else {
        tracing::warn!(
            person_id = who.person.id,
            "refused: the safeguarding roles record is for the DSL, the allegations lead and the chair"
        );
        return Err(AppError::NotAllowed(crate::edge::NO_ACCESS));
    };
    let outcome = if view.error.is_some() {
        Outcome::Unavailable
    } else {
        Outcome::Ok
    };
    Ok(Page::of(view).outcome(outcome))
}

/// An import page, shown at `path` whatever address the form posted to.
fn import_page((view, outcome): (ImportView, Outcome), path: &str) -> Page {
    Page::of(view).outcome(outcome).at(path)
}

pub async fn import_get(_: Allowed<ManagePeople>) -> Page {
    import_page((ImportView::Form { error: None }, Outcome::Ok), IMPORT_PATH)
}

/// Checks an uploaded file and shows what importing it would do. Writes nothing.
pub async fn import_post(
    state: Here,
    Allowed(who, _): Allowed<ManagePeople>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Answer {
    let form = |error: String, outcome| {
        import_page(
            (ImportView::Form { error: Some(error) }, outcome),
            IMPORT_PATH,
        )
    };
    let Ok(mut multipart) = multipart else {
        return Ok(form(
            "Please choose a CSV file and press Check the file.".into(),
            Outcome::Unreadable,
        ));
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
                return Ok(form(
                    format!(
                        "The file could not be read. It must be under {} MB.",
                        import::MAX_FILE_BYTES / (1024 * 1024)
                    ),
                    Outcome::TooLarge,
                ));
            }
        }
    }
    if !csrf.is_some_and(|t| constant_time_eq(t.as_bytes(), who.csrf.as_bytes())) {
        return Err(AppError::StaleForm);
    }
    let shown = uc::preview(&state.site, &who, &file.unwrap_or_default()).await;
    Ok(import_page(shown, IMPORT_PATH))
}

/// Imports a checked file as a job, and sends the admin to the job's page.
pub async fn import_apply_post(
    state: Here,
    _: Allowed<ManagePeople>,
    CsrfForm(who, form): CsrfForm<Form, MAX_UPLOAD_BYTES>,
) -> Answer {
    match uc::apply(&state.site, &who, form.get("csv").unwrap_or_default()).await {
        Ok(job_page) => Err(AppError::Redirect(job_page)),
        Err(refused) => Ok(import_page(refused, IMPORT_PATH)),
    }
}

/// `?step=` (a refresh that continues the job).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct StepQuery {
    step: Option<String>,
}

/// An import job's page. Advancing it on a GET is deliberate: a meta refresh, the only way to
/// continue without JavaScript, can only GET. It is safe: only a GET carrying the job's
/// continue token (bound to this session's CSRF token and the job) advances, so another site
/// cannot trigger it and the plain address only shows; the job itself was confirmed by a
/// CSRF-checked POST; and each chunk is claimed once and idempotent.
pub async fn import_job_get(
    state: Here,
    Allowed(who, _): Allowed<ManagePeople>,
    Path(id): Path<String>,
    QueryOrDefault(query): QueryOrDefault<StepQuery>,
) -> Page {
    let failed = uc::step(&state.site, &who, &id, query.step.as_deref()).await;
    job_page(&state, &who, &id, failed).await
}

/// The Continue button (with JavaScript off, when the page does not refresh, or after a
/// failure): a slice of work, then back to the job's page.
pub async fn import_job_continue_post(
    state: Here,
    _: Allowed<ManagePeople>,
    Path(id): Path<String>,
    CsrfForm(who, _): CsrfForm<Form>,
) -> Answer {
    match uc::advance(&state.site, &id).await {
        uc::Advanced::Moved => Err(AppError::Redirect(uc::job_path(&id))),
        uc::Advanced::NotFound => Ok(job_page(&state, &who, &id, false).await),
        uc::Advanced::Failed => Ok(job_page(&state, &who, &id, true).await),
    }
}

/// A job's page, at its own address when it exists.
async fn job_page(state: &Here, who: &app::server::Viewer, id: &str, failed: bool) -> Page {
    let (view, outcome) = uc::job(&state.site, who, id, failed).await;
    let path = match &view {
        ImportView::Job(v) => uc::job_path(&v.job.id),
        _ => IMPORT_PATH.to_string(),
    };
    import_page((view, outcome), &path)
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            &page(paths::SAFEGUARDING_ROLES),
            get(safeguarding_roles_get),
        )
        .route(&page(paths::PEOPLE), get(people_get))
        .route("/admin/people/invite", post(invite_post))
        .route(
            &page(paths::IMPORT),
            get(import_get)
                .post(import_post)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/admin/people/import/apply",
            post(import_apply_post).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(&page(paths::IMPORT_JOB), get(import_job_get))
        .route(
            "/admin/people/import/jobs/{id}/continue",
            post(import_job_continue_post),
        )
        .route("/admin/people/{id}/deactivate", post(deactivate_post))
        .route("/admin/people/{id}/reactivate", post(reactivate_post))
        .route("/admin/people/{id}/roles", post(roles_post))
}
