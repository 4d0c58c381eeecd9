//! The learning journey's HTTP handlers: my training, a module section by section, its quiz,
//! AUP sign-off and the signed text, certificates, and the public certificate check. Only HTTP
//! here: the rules are in `safety_core::learning`, called through `app::server::learning`.
//! Forms are answered at the page's own address. Every signed-in response is `no-store`.

use crate::auth::{csrf_ok, forbidden, viewer};
use crate::routes::{AppState, no_store, read_form, render, sign_in_first};
use app::server::Viewer;
use app::server::learning::{self as uc, Outcome, VerifyScreen};
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use leptos::prelude::provide_context;
use safety_core::identity::rate_limit;
use safety_core::learning::SignAup;

pub(crate) const STALE_FORM: &str =
    "This form has expired. Please go back, reload the page and try again.";

/// Certificate checks one address may make per window (the codes are 80 random bits; this
/// keeps the page from being used to hammer the store).
const VERIFY_LIMIT: u32 = 30;
const VERIFY_WINDOW_SECS: u64 = 15 * 60;

pub(crate) fn status_of(outcome: Outcome) -> StatusCode {
    match outcome {
        Outcome::Ok => StatusCode::OK,
        Outcome::NotFound => StatusCode::NOT_FOUND,
        Outcome::Forbidden => StatusCode::FORBIDDEN,
        Outcome::Conflict => StatusCode::CONFLICT,
        Outcome::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Outcome::TooMany => StatusCode::TOO_MANY_REQUESTS,
        Outcome::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

pub(crate) async fn show<T: Clone + Send + Sync + 'static>(
    state: &AppState,
    req: Request,
    value: T,
    status: StatusCode,
) -> Response {
    let response = render(state, req, move || provide_context(value.clone())).await;
    no_store(response, status)
}

/// A page with the easy-read switch beside what it shows.
async fn show_with_switch<T: Clone + Send + Sync + 'static>(
    state: &AppState,
    req: Request,
    who: &Viewer,
    value: T,
    return_to: &str,
    status: StatusCode,
) -> Response {
    let level = app::server::easy_read::reading_level(&state.site, who).await;
    let switch = app::server::easy_read::switch_of(&level, return_to);
    let response = render(state, req, move || {
        provide_context(value.clone());
        provide_context(switch.clone());
    })
    .await;
    no_store(response, status)
}

/// The signed-in person switches between easy read and the standard version of their
/// learning pages, then goes back to the page they switched on.
pub async fn reading_level_post(State(state): State<AppState>, req: Request) -> Response {
    let Some(who) = viewer(&req) else {
        return sign_in_first();
    };
    let (_req, fields) = read_form(req).await;
    let Some(f) = fields.filter(|f| csrf_ok(&who, f)) else {
        return no_store(forbidden(STALE_FORM), StatusCode::FORBIDDEN);
    };
    let Some(easy_read) = app::server::easy_read::parse_level(f.get("level")) else {
        return plain_refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose easy read or the standard version.".into(),
        );
    };
    let back = app::server::easy_read::safe_return(f.get("return_to").unwrap_or_default());
    match app::server::easy_read::choose(&state.site, &who, easy_read, Utc::now()).await {
        Ok(()) => no_store(
            axum::response::Redirect::to(&back).into_response(),
            StatusCode::SEE_OTHER,
        ),
        Err(e) => {
            tracing::warn!(error = %e, "reading level not saved");
            plain_refusal(StatusCode::SERVICE_UNAVAILABLE, e.user_message())
        }
    }
}

/// A DSL, a deputy or an admin sets a person's version (easy read or standard), from the
/// person's record. Anyone else is refused (403) and nothing is written.
pub async fn assign_reading_level_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    use safety_core::learning::easy_read::EasyReadError;
    let Some(who) = viewer(&req) else {
        return sign_in_first();
    };
    let (_req, fields) = read_form(req).await;
    let Some(f) = fields.filter(|f| csrf_ok(&who, f)) else {
        return no_store(forbidden(STALE_FORM), StatusCode::FORBIDDEN);
    };
    let Some(easy_read) = app::server::easy_read::parse_level(f.get("level")) else {
        return plain_refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose easy read or the standard version.".into(),
        );
    };
    match app::server::easy_read::assign(&state.site, &who, &id, easy_read, Utc::now()).await {
        Ok(()) => no_store(
            axum::response::Redirect::to(&format!("/compliance/people/{id}")).into_response(),
            StatusCode::SEE_OTHER,
        ),
        Err(e @ EasyReadError::NotAllowed) => {
            tracing::warn!(
                person_id = who.person.id,
                target = id,
                "refused: may not assign easy read"
            );
            plain_refusal(StatusCode::FORBIDDEN, e.user_message())
        }
        Err(e @ EasyReadError::NotFound) => plain_refusal(StatusCode::NOT_FOUND, e.user_message()),
        Err(e) => {
            tracing::warn!(error = %e, "reading level not assigned");
            plain_refusal(StatusCode::SERVICE_UNAVAILABLE, e.user_message())
        }
    }
}

/// A DSL, a deputy or an admin sets a group to easy read (or takes it off), from a person's
/// record; back to that record. Anyone else is refused (403) and nothing is written.
pub async fn assign_group_reading_level_post(
    State(state): State<AppState>,
    req: Request,
) -> Response {
    use safety_core::learning::easy_read::EasyReadError;
    let Some(who) = viewer(&req) else {
        return sign_in_first();
    };
    let (_req, fields) = read_form(req).await;
    let Some(f) = fields.filter(|f| csrf_ok(&who, f)) else {
        return no_store(forbidden(STALE_FORM), StatusCode::FORBIDDEN);
    };
    let Some(easy_read) = app::server::easy_read::parse_level(f.get("level")) else {
        return plain_refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose easy read or the standard version.".into(),
        );
    };
    let group = f.get("group").unwrap_or_default().to_string();
    let person: String = f
        .get("person")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_hexdigit() || *c == '-')
        .take(40)
        .collect();
    match app::server::easy_read::assign_group(&state.site, &who, &group, easy_read).await {
        Ok(_) => {
            let back = if person.is_empty() {
                "/compliance".to_string()
            } else {
                format!("/compliance/people/{person}")
            };
            no_store(
                axum::response::Redirect::to(&back).into_response(),
                StatusCode::SEE_OTHER,
            )
        }
        Err(e @ EasyReadError::NotAllowed) => {
            tracing::warn!(
                person_id = who.person.id,
                "refused: may not set easy read for a group"
            );
            plain_refusal(StatusCode::FORBIDDEN, e.user_message())
        }
        Err(e @ EasyReadError::InvalidGroup(_)) => {
            plain_refusal(StatusCode::UNPROCESSABLE_ENTITY, e.user_message())
        }
        Err(e) => {
            tracing::warn!(error = %e, "group reading level not set");
            plain_refusal(StatusCode::SERVICE_UNAVAILABLE, e.user_message())
        }
    }
}

/// A refusal with nothing else to show, as plain text.
fn plain_refusal(status: StatusCode, message: String) -> Response {
    let response = (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response();
    no_store(response, status)
}

/// `/me/training`.
pub async fn training_get(State(state): State<AppState>, req: Request) -> Response {
    let Some(who) = viewer(&req) else {
        return sign_in_first();
    };
    let training = uc::my_training(&state.site, &who, Utc::now()).await;
    let status = match &training.0 {
        Ok(_) => StatusCode::OK,
        Err(r) => status_of(r.outcome),
    };
    show_with_switch(&state, req, &who, training, "/me/training", status).await
}

fn query_field(req: &Request, name: &str) -> Option<String> {
    req.uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|fields| fields.into_iter().find(|(k, _)| k == name).map(|(_, v)| v))
}

/// The signed-in person, when the module is part of their training (everyone else gets the
/// public module page).
fn learner_of(state: &AppState, req: &Request, module_id: &str) -> Option<Viewer> {
    viewer(req).filter(|v| uc::is_required_module(&state.site, v, module_id))
}

async fn reading(
    state: &AppState,
    req: Request,
    who: &Viewer,
    id: &str,
    section: Option<&str>,
) -> Response {
    let reading = match uc::section_index(section) {
        Ok(go_to) => uc::read(&state.site, who, id, go_to).await,
        Err(r) => uc::Reading(Err(r)),
    };
    let status = match &reading.0 {
        Ok(_) => StatusCode::OK,
        Err(r) => status_of(r.outcome),
    };
    let back = format!("/learn/{id}");
    show_with_switch(state, req, who, reading, &back, status).await
}

/// `/learn/{id}`: the public page, or for a person who must do it, the section where they
/// stopped (or `?section=N`).
pub async fn module_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Some(who) = learner_of(&state, &req, &id) else {
        let signed_in = viewer(&req).is_some();
        let response = render(&state, req, || {}).await;
        return if signed_in {
            let status = response.status();
            no_store(response, status)
        } else {
            response
        };
    };
    let section = query_field(&req, "section");
    reading(&state, req, &who, &id, section.as_deref()).await
}

/// Previous / next: saves the position and shows that section.
pub async fn module_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Some(who) = viewer(&req) else {
        return sign_in_first();
    };
    let (req, fields) = read_form(req).await;
    let Some(f) = fields.filter(|f| csrf_ok(&who, f)) else {
        return no_store(forbidden(STALE_FORM), StatusCode::FORBIDDEN);
    };
    let section = f.get("section").map(str::to_string);
    reading(&state, req, &who, &id, section.as_deref()).await
}

/// Starts (or resumes) a quiz attempt.
pub async fn quiz_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Some(who) = viewer(&req) else {
        return sign_in_first();
    };
    let screen = uc::start_quiz(&state.site, &who, &id, Utc::now()).await;
    let status = status_of(screen.outcome());
    show(&state, req, screen, status).await
}

/// Sends the answers: the result, or the questions again with what was ticked.
pub async fn quiz_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Some(who) = viewer(&req) else {
        return sign_in_first();
    };
    let (req, fields) = read_form(req).await;
    let Some(f) = fields.filter(|f| csrf_ok(&who, f)) else {
        return no_store(forbidden(STALE_FORM), StatusCode::FORBIDDEN);
    };
    let answers = uc::answers_from_fields(f.pairs());
    let attempt = f.get("attempt").unwrap_or_default().to_string();
    let screen = uc::submit_quiz(&state.site, &who, &id, &attempt, answers, Utc::now()).await;
    let status = status_of(screen.outcome());
    show(&state, req, screen, status).await
}

/// `/aup/{id}`: the public page, or for a person who must sign it, the text and the form.
pub async fn aup_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Some(who) = viewer(&req).filter(|v| uc::is_required_aup(&state.site, v, &id)) else {
        let signed_in = viewer(&req).is_some();
        let response = render(&state, req, || {}).await;
        return if signed_in {
            let status = response.status();
            no_store(response, status)
        } else {
            response
        };
    };
    match uc::aup(&state.site, &who, &id, Utc::now()).await {
        Ok(screen) => show(&state, req, screen, StatusCode::OK).await,
        Err(r) => plain_refusal(status_of(r.outcome), r.message),
    }
}

/// Signs the AUP.
pub async fn aup_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Some(who) = viewer(&req) else {
        return sign_in_first();
    };
    let (req, fields) = read_form(req).await;
    let Some(f) = fields.filter(|f| csrf_ok(&who, f)) else {
        return no_store(forbidden(STALE_FORM), StatusCode::FORBIDDEN);
    };
    let form = SignAup {
        aup_id: id.clone(),
        version: f.get("version").unwrap_or_default().to_string(),
        sha256: f.get("sha256").unwrap_or_default().to_string(),
        typed_name: f.get("typed_name").unwrap_or_default().to_string(),
        declaration: f.get("declaration").is_some_and(|v| !v.is_empty()),
    };
    match uc::sign_aup(&state.site, &who, form, Utc::now()).await {
        Ok(screen) => {
            let status = status_of(screen.outcome);
            show(&state, req, screen, status).await
        }
        Err(r) => plain_refusal(status_of(r.outcome), r.message),
    }
}

/// The exact text the person signed.
pub async fn signed_text_get(
    State(state): State<AppState>,
    Path((id, sha)): Path<(String, String)>,
    req: Request,
) -> Response {
    let Some(who) = viewer(&req) else {
        return sign_in_first();
    };
    let screen = uc::signed_text(&state.site, &who, &id, &sha, Utc::now()).await;
    let status = match &screen {
        Ok(_) => StatusCode::OK,
        Err(r) => status_of(r.outcome),
    };
    show(&state, req, screen, status).await
}

/// A certificate, for its owner to print.
pub async fn certificate_get(
    State(state): State<AppState>,
    Path(code): Path<String>,
    req: Request,
) -> Response {
    let Some(who) = viewer(&req) else {
        return sign_in_first();
    };
    let screen = uc::own_certificate(&state.site, &who, &code, Utc::now()).await;
    let status = match &screen {
        Ok(_) => StatusCode::OK,
        Err(r) => status_of(r.outcome),
    };
    show(&state, req, screen, status).await
}

/// The public check: `?code=` (the GET form) or a posted `code`.
async fn verify(state: &AppState, req: Request, code: Option<String>) -> Response {
    let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
        return show(state, req, VerifyScreen::Form, StatusCode::OK).await;
    };
    let address = crate::auth::client_address(&req);
    let bucket = rate_limit::bucket(&state.site.secret, "verify-ip", &address);
    let screen = match rate_limit::check(
        &state.site.store,
        &state.site.org_id,
        &bucket,
        VERIFY_LIMIT,
        VERIFY_WINDOW_SECS,
        Utc::now(),
    )
    .await
    {
        Ok(d) if !d.allowed => VerifyScreen::Refused {
            typed: code.chars().take(60).collect(),
            message: "Too many certificates were checked from here just now. Please wait a few minutes and try again.".into(),
            outcome: Outcome::TooMany,
        },
        Err(e) => {
            tracing::error!(error = %e, "the certificate check could not count this request");
            VerifyScreen::Refused {
                typed: code.chars().take(60).collect(),
                message: "Sorry, we could not check certificates just now. Please try again in a minute.".into(),
                outcome: Outcome::Unavailable,
            }
        }
        Ok(_) => uc::verify(&state.site, &code).await,
    };
    let status = status_of(screen.outcome());
    show(state, req, screen, status).await
}

pub async fn verify_get(State(state): State<AppState>, req: Request) -> Response {
    let code = query_field(&req, "code");
    verify(&state, req, code).await
}

pub async fn verify_post(State(state): State<AppState>, req: Request) -> Response {
    let (req, fields) = read_form(req).await;
    let code = fields.and_then(|f| f.get("code").map(str::to_string));
    verify(&state, req, code).await
}

/// `/completions/{module}`: who has completed a module, and which version (DSL, deputies, admins).
pub async fn roster_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Some(who) = viewer(&req) else {
        return sign_in_first();
    };
    if !uc::may_view_completion(&who) {
        tracing::warn!(
            person_id = who.person.id,
            "refused: not allowed to view completion"
        );
        return no_store(
            forbidden("You do not have access to this page."),
            StatusCode::FORBIDDEN,
        );
    }
    let screen = uc::roster(&state.site, &id).await;
    let status = match &screen.0 {
        Ok(_) => StatusCode::OK,
        Err(r) => status_of(r.outcome),
    };
    show(&state, req, screen, status).await
}
