//! Single sign-on: the button on the sign-in page posts here, we send the browser to the
//! provider, and the provider sends it back to the callback. The protocol checks are in
//! `safety_core::identity::sso`; this file reads and writes cookies and picks the page.

use crate::auth::{base_url, client_address, cookie_value, sign_in_page, signed_in};
use crate::routes::AppState;
use app::server::Outcome;
use app::server::SignInView;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use safety_core::identity::sso::{self, Callback, Fault, SsoError};
use safety_core::rate_limit;

/// Ties a callback to the browser that started the sign-in.
const STATE_COOKIE: &str = "sso_state";
/// Sign-in starts per client address per window (each writes a short-lived item). A school is
/// often one address: a year group of 200 pressing the button at the start of a lesson, some
/// twice, must all get through; this only stops one address filling the table.
pub const STARTS_PER_ADDRESS: u32 = 600;
const STARTS_WINDOW_SECS: u64 = 15 * 60;

fn state_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    // SameSite=Lax: the provider's redirect back is a top-level GET, which Lax lets through.
    HeaderValue::from_str(&format!(
        "{STATE_COOKIE}={value}; Path=/sign-in/sso; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("a base64url state is a valid header value")
}

/// The sign-in page saying why single sign-on failed (whichever address answered), with the
/// state cookie cleared.
fn failed(state: &AppState, message: String, outcome: Outcome) -> Response {
    let page = sign_in_page((SignInView::SsoFailed { message }, outcome)).at("/sign-in");
    let clear = (header::SET_COOKIE, state_cookie(state, "", 0));
    if outcome == Outcome::Unavailable {
        // Transient: the message says to try again in a minute.
        let retry = (header::RETRY_AFTER, HeaderValue::from_static("60"));
        ([clear, retry], page).into_response()
    } else {
        ([clear], page).into_response()
    }
}

/// The provider `id` if this deployment offers it.
fn configured<'a>(state: &'a AppState, id: &str) -> Option<&'a crate::config::SsoConfigured> {
    state.sso.iter().find(|s| s.provider.id == id)
}

fn outcome_of(e: &SsoError) -> Outcome {
    match e.fault() {
        Fault::Attempt | Fault::Cancelled => Outcome::Unreadable,
        Fault::Transient => Outcome::Unavailable,
        Fault::ProviderSetup => Outcome::Upstream,
        Fault::Account | Fault::NoAccount => Outcome::Forbidden,
        Fault::Config => Outcome::Misconfigured,
    }
}

/// `POST /sign-in/sso/<id>`: off to the provider.
pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Some(configured) = configured(&state, &id) else {
        return (StatusCode::NOT_FOUND, "No such sign-in provider.").into_response();
    };
    let label = configured.provider.label.clone();
    let now = Utc::now();
    let bucket = rate_limit::bucket(&state.site.secret, "sso-ip", &client_address(&req));
    match rate_limit::check(
        &state.site.store,
        &state.site.org_id,
        &bucket,
        STARTS_PER_ADDRESS,
        STARTS_WINDOW_SECS,
        now,
    )
    .await
    {
        Ok(d) if d.allowed => {}
        Ok(d) => {
            tracing::warn!(
                limit = STARTS_PER_ADDRESS,
                "single sign-on refused: too many starts from one address"
            );
            let message = format!(
                "There have been a great many sign-in attempts from your network. Please try again in {} minutes. If this keeps happening, tell your school's or college's IT team.",
                d.retry_after_secs.div_ceil(60)
            );
            let mut response = failed(&state, message, Outcome::TooMany);
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(d.retry_after_secs.max(1)),
            );
            return response;
        }
        Err(e) => {
            let e = SsoError::Store(e);
            return failed(&state, e.user_message(&label), outcome_of(&e));
        }
    }
    let redirect_uri = format!("{}/sign-in/sso/{id}/callback", base_url(&state));
    match sso::start(
        &state.site.store,
        &state.site.org_id,
        &configured.provider,
        &state.sso_cache,
        &redirect_uri,
        now,
    )
    .await
    {
        Ok(started) => {
            let mut response = Redirect::to(&started.authorize_url).into_response();
            *response.status_mut() = StatusCode::SEE_OTHER;
            let max_age = sso::STATE_LIFETIME_MINUTES * 60;
            response.headers_mut().append(
                header::SET_COOKIE,
                state_cookie(&state, &started.state, max_age),
            );
            response
        }
        Err(e) => {
            tracing::warn!(provider = id, error = %e, "single sign-on could not start");
            failed(&state, e.user_message(&label), outcome_of(&e))
        }
    }
}

/// `GET /sign-in/sso/<id>/callback?code=..&state=..` (or `?error=..`): back from the provider.
pub async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Some(configured) = configured(&state, &id) else {
        return (StatusCode::NOT_FOUND, "No such sign-in provider.").into_response();
    };
    let pairs: Vec<(String, String)> = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.chars().take(2048).collect::<String>())
    };
    let received = Callback {
        code: param("code"),
        state: param("state"),
        error: param("error"),
        iss: param("iss"),
    };
    let cookie = cookie_value(req.headers(), STATE_COOKIE).map(str::to_string);
    let result = sso::finish(
        &state.site.store,
        &state.site.org_id,
        &configured.provider,
        &configured.client_secret,
        &state.sso_cache,
        &received,
        cookie.as_deref(),
        Utc::now(),
    )
    .await;
    match result {
        Ok(person) => match signed_in(&state, &person) {
            Ok(mut response) => {
                response
                    .headers_mut()
                    .append(header::SET_COOKIE, state_cookie(&state, "", 0));
                response
            }
            Err(message) => failed(&state, message, Outcome::Unavailable),
        },
        Err(e) => {
            match e.fault() {
                Fault::Transient | Fault::ProviderSetup | Fault::Config => {
                    tracing::warn!(provider = id, reason = %e, fault = ?e.fault(), "single sign-on failed")
                }
                _ => {
                    tracing::info!(provider = id, reason = %e, fault = ?e.fault(), "single sign-on refused")
                }
            }
            let message = e.user_message(&configured.provider.label);
            failed(&state, message, outcome_of(&e))
        }
    }
}
