//! Single sign-on over HTTP: the button on the sign-in page posts here, we send the browser to
//! the provider, and the provider sends it back to the callback. The use cases are in
//! `app::server::sso` (the protocol in `safety_core::identity::sso`); this file reads and
//! writes the cookies and picks the answer.

use crate::auth::{base_url, cookie_value, sign_in_page, start_session};
use crate::edge::Here;
use crate::edge::{AppError, Client, QueryOrDefault};
use crate::routes::AppState;
use app::server::sso::{self as uc, Failed};
use app::server::{Outcome, SignInView};
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use safety_core::identity::sso::{self, Callback};

/// Ties a callback to the browser that started the sign-in.
const STATE_COOKIE: &str = "sso_state";

fn state_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    // SameSite=Lax: the provider's redirect back is a top-level GET, which Lax lets through.
    HeaderValue::from_str(&format!(
        "{STATE_COOKIE}={value}; Path=/sign-in/sso; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("a base64url state is a valid header value")
}

/// The sign-in page saying why single sign-on failed (whichever address answered), with the
/// state cookie cleared; Retry-After when it is worth trying again.
fn failed(state: &AppState, failed: Failed) -> Response {
    let page = sign_in_page((
        SignInView::SsoFailed {
            message: failed.message,
        },
        failed.outcome,
    ))
    .at("/sign-in");
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, state_cookie(state, "", 0));
    let retry_after = match failed.outcome {
        // Transient: the message says to try again in a minute.
        Outcome::Unavailable => Some(60),
        _ => failed.retry_after,
    };
    if let Some(secs) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    (headers, page).into_response()
}

/// The provider `id` if the request's organisation offers it (its stored profile names it and
/// its client secret is configured): another organisation's provider is not found here.
fn configured<'a>(state: &'a Here, id: &str) -> Result<&'a sso::Configured, AppError> {
    state
        .site
        .sso
        .iter()
        .find(|s| s.provider.id == id)
        .ok_or_else(|| AppError::refused(Outcome::NotFound, "No such sign-in provider."))
}

/// `POST /sign-in/sso/<id>`: off to the provider.
pub async fn start(
    state: Here,
    Path(id): Path<String>,
    Client(address): Client,
) -> Result<Response, AppError> {
    let configured = configured(&state, &id)?;
    let redirect_uri = format!("{}/sign-in/sso/{id}/callback", base_url(&state));
    let started = uc::start(
        &state.site,
        &configured.provider,
        &state.sso_cache,
        &address,
        &redirect_uri,
        Utc::now(),
    )
    .await;
    Ok(match started {
        Ok(started) => {
            let max_age = sso::STATE_LIFETIME_MINUTES * 60;
            let cookie = state_cookie(&state, &started.state, max_age);
            let mut response = crate::edge::see_other(&started.authorize_url);
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(why) => failed(&state, why),
    })
}

/// What the provider sends back: `?code=..&state=..` (or `?error=..`), and the issuer.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

/// At most this much of each parameter is looked at.
fn bounded(value: Option<String>) -> Option<String> {
    value.map(|v| v.chars().take(2048).collect())
}

/// `GET /sign-in/sso/<id>/callback`: back from the provider.
pub async fn callback(
    state: Here,
    Path(id): Path<String>,
    QueryOrDefault(query): QueryOrDefault<CallbackQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let configured = configured(&state, &id)?;
    let received = Callback {
        code: bounded(query.code),
        state: bounded(query.state),
        error: bounded(query.error),
        iss: bounded(query.iss),
    };
    let cookie = cookie_value(&headers, STATE_COOKIE);
    let result = uc::finish(
        &state.site,
        &configured.provider,
        configured.client_secret(),
        &state.sso_cache,
        &received,
        cookie,
        Utc::now(),
    )
    .await;
    Ok(match result {
        Ok(person) => match start_session(&state, &person) {
            Ok(mut response) => {
                response
                    .headers_mut()
                    .append(header::SET_COOKIE, state_cookie(&state, "", 0));
                response
            }
            Err(message) => failed(
                &state,
                Failed {
                    message,
                    outcome: Outcome::Unavailable,
                    retry_after: None,
                },
            ),
        },
        Err(why) => failed(&state, why),
    })
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/sign-in/sso/{id}", post(start))
        .route("/sign-in/sso/{id}/callback", get(callback))
}
