//! The worry pages' HTTP handlers: sending one, its sender following it up, and its handlers'
//! inbox and case page. Only HTTP here: every rule (routing, who may see what, audit) is in the
//! core, called through `app::server::worries`. Every response is `no-store`: these pages carry
//! a child's words or a form token, and must never be kept by a browser or a proxy.

use crate::auth::{csrf_ok, forbidden, viewer};
use crate::routes::{AppState, Form, no_store, read_form, render};
use app::model::{FollowUpOutcome, FollowUpResult, TellOutcome};
use app::server::Viewer;
use app::server::worries::{self as uc, ActForm, InboxQuery, PageProblem, TellForm, TellStatus};
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::provide_context;
use safety_core::worry::case::CaseError;
use safety_core::worry::sender::SenderProof;

const STALE_FORM: &str = "This form has expired. Please go back, reload the page and try again.";

/// The worry form with JavaScript off.
pub async fn tell_post(State(state): State<AppState>, req: Request) -> Response {
    let address = crate::auth::client_address(&req);
    let who = viewer(&req);
    let (req, fields) = read_form(req).await;
    let (outcome, status) = match fields {
        Some(f) => {
            let text = |name: &str| f.get(name).unwrap_or_default().to_string();
            let choice = |name: &str| f.get(name).map(str::to_string);
            let form = TellForm {
                token: text("token"),
                text: text("text"),
                urgency: choice("urgency"),
                about: choice("about"),
                involves: choice("involves"),
                email_replies: choice("email_replies"),
                kind: choice("kind"),
                wants_contact: choice("wants_contact"),
                contact_how: text("contact_how"),
                identity: choice("identity"),
                csrf: choice("csrf"),
            };
            let (outcome, status) = uc::tell(&state.site, form, &address, who.as_ref()).await;
            let status = match status {
                TellStatus::Sent => StatusCode::OK,
                TellStatus::Refused => StatusCode::UNPROCESSABLE_ENTITY,
                TellStatus::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            };
            (outcome, status)
        }
        None => {
            tracing::warn!("the worry form post could not be read");
            let mut form = state.site.new_worry_form();
            form.error = Some(
                "We could not read what was sent, so nothing was stored. Please write your message in the box and press Send."
                    .into(),
            );
            (TellOutcome::NotSent(form), StatusCode::BAD_REQUEST)
        }
    };
    let response = render(&state, req, move || provide_context(outcome.clone())).await;
    no_store(response, status)
}

fn follow_up_status(outcome: &FollowUpOutcome) -> StatusCode {
    match outcome {
        FollowUpOutcome::Found(f) if f.add_error.is_some() => StatusCode::UNPROCESSABLE_ENTITY,
        FollowUpOutcome::Found(_) => StatusCode::OK,
        FollowUpOutcome::NotFound => StatusCode::NOT_FOUND,
        FollowUpOutcome::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        FollowUpOutcome::Paused(_) => StatusCode::TOO_MANY_REQUESTS,
        FollowUpOutcome::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

fn unreadable() -> FollowUpResult {
    FollowUpResult {
        typed: String::new(),
        outcome: FollowUpOutcome::Invalid(
            "We could not read what was sent. Please type your code and try again.".into(),
        ),
    }
}

/// The follow-up look-up (a plain form: the code is never put in an address).
pub async fn follow_up_post(State(state): State<AppState>, req: Request) -> Response {
    let address = crate::auth::client_address(&req);
    let (req, fields) = read_form(req).await;
    let result = match fields.and_then(|f| f.get("code").map(str::to_string)) {
        Some(typed) => {
            let typed: String = typed.chars().take(100).collect();
            let outcome = uc::follow_up(&state.site, &typed, &address).await;
            FollowUpResult { typed, outcome }
        }
        None => unreadable(),
    };
    let status = match &result.outcome {
        FollowUpOutcome::Invalid(_) if result.typed.is_empty() => StatusCode::BAD_REQUEST,
        other => follow_up_status(other),
    };
    let response = render(&state, req, move || provide_context(result.clone())).await;
    no_store(response, status)
}

/// Information added by an anonymous sender (proved by the follow-up code in the form).
pub async fn follow_up_add_post(State(state): State<AppState>, req: Request) -> Response {
    let address = crate::auth::client_address(&req);
    let (req, fields) = read_form(req).await;
    let result = match fields {
        Some(f) => {
            let typed: String = f
                .get("code")
                .unwrap_or_default()
                .chars()
                .take(100)
                .collect();
            let outcome = uc::add_information(
                &state.site,
                SenderProof::Code(&typed),
                f.get("form_id").unwrap_or_default(),
                f.get("text").unwrap_or_default(),
                &address,
            )
            .await;
            FollowUpResult { typed, outcome }
        }
        None => unreadable(),
    };
    let status = follow_up_status(&result.outcome);
    let response = render(&state, req, move || provide_context(result.clone())).await;
    no_store(response, status)
}

/// Why a worry page is refused.
enum Refusal {
    SignIn,
    NotAllowed,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::SignIn => Redirect::to("/sign-in").into_response(),
            Refusal::NotAllowed => forbidden("You do not have access to this page."),
        }
    }
}

/// The signed-in person, or a redirect to sign in.
fn signed_in(req: &Request) -> Result<Viewer, Refusal> {
    viewer(req).ok_or(Refusal::SignIn)
}

/// A signed-in person's own named worries.
pub async fn own_list(State(state): State<AppState>, req: Request) -> Response {
    let who = match signed_in(&req) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let list = uc::OwnWorries(uc::own_worries(&state.site, &who).await);
    let status = if list.0.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let response = render(&state, req, move || provide_context(list.clone())).await;
    no_store(response, status)
}

/// One of the signed-in person's own worries (not found unless it is theirs).
pub async fn own_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let who = match signed_in(&req) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let outcome = uc::own_worry(&state.site, &who, &id).await;
    let status = follow_up_status(&outcome);
    let response = render(&state, req, move || provide_context(outcome.clone())).await;
    no_store(response, status)
}

/// Information added by a named sender, signed in.
pub async fn own_add_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let who = match signed_in(&req) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let address = crate::auth::client_address(&req);
    let (req, fields) = read_form(req).await;
    let Some(f) = fields.filter(|f| csrf_ok(&who, f)) else {
        return forbidden(STALE_FORM);
    };
    let outcome = uc::add_information(
        &state.site,
        SenderProof::Person {
            person_id: &who.person.id,
            worry_id: &id,
        },
        f.get("form_id").unwrap_or_default(),
        f.get("text").unwrap_or_default(),
        &address,
    )
    .await;
    let status = follow_up_status(&outcome);
    let response = render(&state, req, move || provide_context(outcome.clone())).await;
    no_store(response, status)
}

/// The signed-in person, if worries are routed to them; otherwise why not.
fn handler(req: &Request) -> Result<Viewer, Refusal> {
    let who = signed_in(req)?;
    if uc::handles_worries(&who.person) {
        Ok(who)
    } else {
        tracing::warn!(
            person_id = who.person.id,
            "refused: the worry pages are for the people worries are routed to"
        );
        Err(Refusal::NotAllowed)
    }
}

pub async fn inbox_get(State(state): State<AppState>, req: Request) -> Response {
    let who = match handler(&req) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    // A query that cannot be read shows the unfiltered first page.
    let query: InboxQuery = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    let view = uc::inbox(&state.site, &who, query).await;
    let status = if view.error.is_some() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let response = render(&state, req, move || provide_context(view.clone())).await;
    no_store(response, status)
}

/// Renders the case page with only a problem to show.
async fn case_problem(state: &AppState, req: Request, e: CaseError) -> Response {
    let status = match e {
        CaseError::NotFound => StatusCode::NOT_FOUND,
        _ => {
            tracing::warn!(error = %e, "a worry could not be opened");
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    let problem = PageProblem(e.user_message());
    let response = render(state, req, move || provide_context(problem.clone())).await;
    no_store(response, status)
}

pub async fn case_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let who = match handler(&req) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    match uc::open_case(&state.site, &who, &id).await {
        Ok(view) => {
            let response = render(&state, req, move || provide_context(view.clone())).await;
            no_store(response, StatusCode::OK)
        }
        Err(e) => case_problem(&state, req, e).await,
    }
}

fn act_form(f: &Form) -> ActForm {
    let text = |name: &str| f.get(name).unwrap_or_default().to_string();
    ActForm {
        action: text("action"),
        text: text("text"),
        to: text("to"),
        reference: text("reference"),
        status: text("status"),
        person: text("person"),
        outcome: text("outcome"),
        form_id: text("form_id"),
        version: text("version"),
    }
}

pub async fn case_act_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let who = match handler(&req) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let (req, fields) = read_form(req).await;
    let Some(f) = fields.filter(|f| csrf_ok(&who, f)) else {
        return forbidden(STALE_FORM);
    };
    match uc::act(&state.site, &who, &id, act_form(&f)).await {
        Ok(uc::ActOutcome::Shown(view, refused)) => {
            let status = if refused {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let response = render(&state, req, move || provide_context((*view).clone())).await;
            no_store(response, status)
        }
        Ok(uc::ActOutcome::Left(to)) => Redirect::to(&to).into_response(),
        Err(e) => case_problem(&state, req, e).await,
    }
}

/// Closes the open worries of a flood group that the handler may read, with a reason.
pub async fn group_dismiss_post(
    State(state): State<AppState>,
    Path(group_id): Path<String>,
    req: Request,
) -> Response {
    let who = match handler(&req) {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    let (mut req, fields) = read_form(req).await;
    let Some(f) = fields.filter(|f| csrf_ok(&who, f)) else {
        return forbidden(STALE_FORM);
    };
    let reason = f.get("text").unwrap_or_default().to_string();
    let (status, problem) = match uc::dismiss_group(&state.site, &who, &group_id, &reason).await {
        Ok(closed) => return Redirect::to(&format!("/worries?dismissed={closed}")).into_response(),
        Err(CaseError::NotFound) => {
            tracing::warn!(
                person_id = who.person.id,
                "refused: closing a group with nothing this person may read"
            );
            (StatusCode::NOT_FOUND, CaseError::NotFound.user_message())
        }
        Err(e @ (CaseError::Store(_) | CaseError::Corrupt(_))) => {
            tracing::warn!(error = %e, "a group could not be closed");
            (StatusCode::SERVICE_UNAVAILABLE, e.user_message())
        }
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.user_message()),
    };
    // The inbox again, saying why (the form posted elsewhere).
    *req.uri_mut() = axum::http::Uri::from_static("/worries");
    let mut view = uc::inbox(&state.site, &who, InboxQuery::default()).await;
    view.error = Some(problem);
    let response = render(&state, req, move || provide_context(view.clone())).await;
    no_store(response, status)
}
