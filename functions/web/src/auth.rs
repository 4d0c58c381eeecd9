//! Sessions and signing in. A session is a short-lived signed JWT in an HttpOnly cookie; every
//! request re-checks the person is still active (so deactivating someone ends their sessions),
//! renews the cookie when half its life has passed, and hands the person to the pages.

use crate::routes::{AppState, Form, read_form, render};
use app::server::{SignInView, Viewer};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use leptos::prelude::provide_context;
use safety_core::crypto;
use safety_core::identity::{MagicLinkError, csrf, magic_link, session, session::SessionError, sign_in_mail};
use safety_core::rate_limit;
use safety_core::mail::Links;

pub const COOKIE: &str = "session";
/// Sign-in requests per client address per window, on top of the per-email limit in the core
/// (5 per address in 15 minutes). A school or college is often one address: a class of 30, a
/// year group of 200 signing in at the start of a lesson must all get their links, so this only
/// stops one address flooding the platform (and the mail service).
const PER_ADDRESS_LIMIT: u32 = 300;
const PER_ADDRESS_WINDOW_SECS: u64 = 15 * 60;

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn set_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    // `Secure` everywhere but plain-http local runs (a browser would drop it there).
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("a JWT is a valid header value")
}

/// Reads the session of every request.
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let now = Utc::now();
    let mut new_cookie = None;
    let mut clear = false;
    if let Some(token) = cookie_value(req.headers(), COOKIE).map(str::to_string) {
        match session::verify(&state.session_keys, &token, now) {
            Ok(claims) if claims.org == state.site.org_id.as_str() => {
                match session::check_live(&state.site.store, &claims).await {
                    Ok(person) => {
                        // Sliding renewal: the new token's id is what the page's forms carry.
                        let mut jti = claims.jti.clone();
                        if session::needs_renewal(&claims, now)
                            && let Ok(fresh) = session::issue(
                                &state.session_keys,
                                &person,
                                now,
                                session::DEFAULT_TTL,
                            )
                            && let Ok(fresh_claims) =
                                session::verify(&state.session_keys, &fresh, now)
                        {
                            jti = fresh_claims.jti;
                            new_cookie = Some(fresh);
                        }
                        let csrf = csrf::token(&state.site.secret, &jti);
                        req.extensions_mut().insert(Viewer { person, csrf });
                    }
                    // The store is down: carry on signed out for this request, keep the cookie.
                    Err(SessionError::Store(e)) => {
                        tracing::warn!(error = %e, "could not check a session")
                    }
                    Err(e) => {
                        tracing::info!(reason = %e, "session refused");
                        clear = true;
                    }
                }
            }
            Ok(_) => clear = true,
            Err(e) => {
                tracing::info!(reason = %e, "session token refused");
                clear = true;
            }
        }
    }
    let mut response = next.run(req).await;
    if response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    if let Some(token) = new_cookie {
        let value = set_cookie(&state, &token, session::DEFAULT_TTL.num_seconds());
        response.headers_mut().insert(header::SET_COOKIE, value);
    } else if clear {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, set_cookie(&state, "", 0));
    }
    response
}

pub fn viewer(req: &Request) -> Option<Viewer> {
    req.extensions().get::<Viewer>().cloned()
}

/// Whether a signed-in form carries this session's CSRF token.
pub fn csrf_ok(viewer: &Viewer, form: &Form) -> bool {
    form.get("csrf")
        .is_some_and(|t| crypto::constant_time_eq(t.as_bytes(), viewer.csrf.as_bytes()))
}

/// The viewer's address as CloudFront saw it, set by the request middleware only for a request
/// that proved it came through CloudFront (`APP_ORIGIN_VERIFY`).
#[derive(Clone, Debug)]
pub struct ViewerAddress(pub String);

/// `198.51.100.10:46532` or `2001:db8::1:46532` (CloudFront-Viewer-Address: the address, a
/// colon, the port) -> the address.
pub fn viewer_ip(value: &str) -> Option<String> {
    let (ip, port) = value.trim().rsplit_once(':')?;
    (port.bytes().all(|b| b.is_ascii_digit()) && ip.parse::<std::net::IpAddr>().is_ok())
        .then(|| ip.to_string())
}

/// The address of the client, for rate limits: the viewer's address CloudFront reports behind
/// CloudFront, API Gateway's source IP under Lambda, the peer address locally. Never stored as
/// such (rate-limit buckets are keyed MACs).
pub fn client_address(req: &Request) -> String {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    if let Some(ViewerAddress(ip)) = req.extensions().get::<ViewerAddress>() {
        return ip.clone();
    }
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(c)) => c.http.source_ip.clone().unwrap_or_default(),
        Some(RequestContext::ApiGatewayV1(c)) => c.identity.source_ip.clone().unwrap_or_default(),
        _ => req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default(),
    }
}

/// The site's own address for links in emails: from configuration only (see
/// [`AppState::link_base`]).
pub fn base_url(state: &AppState) -> String {
    state.link_base.trim_end_matches('/').to_string()
}

pub async fn render_sign_in(
    state: &AppState,
    req: Request,
    view: SignInView,
    status: StatusCode,
) -> Response {
    let mut response = render(state, req, move || provide_context(view.clone())).await;
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Asks for a sign-in link. The answer is the same whether or not the email is known.
pub async fn sign_in_post(State(state): State<AppState>, req: Request) -> Response {
    let address = client_address(&req);
    let (req, form) = read_form(req).await;
    let email: String = form
        .as_ref()
        .and_then(|f| f.get("email"))
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    let now = Utc::now();
    let refuse = |message: String, status| {
        (
            SignInView::Form {
                email: email.clone(),
                error: Some(message),
            },
            status,
        )
    };

    let mut retry_after = None;
    let bucket = rate_limit::bucket(&state.site.secret, "signin-ip", &address);
    let (view, status) = match rate_limit::check(
        &state.site.store,
        &state.site.org_id,
        &bucket,
        PER_ADDRESS_LIMIT,
        PER_ADDRESS_WINDOW_SECS,
        now,
    )
    .await
    {
        Ok(d) if !d.allowed => {
            tracing::warn!(
                limit = PER_ADDRESS_LIMIT,
                "sign-in refused: too many requests from one address"
            );
            retry_after = Some(d.retry_after_secs);
            refuse(
                MagicLinkError::NetworkBusy {
                    retry_after_secs: d.retry_after_secs,
                }
                .user_message(),
                StatusCode::TOO_MANY_REQUESTS,
            )
        }
        Err(e) => refuse(
            MagicLinkError::Store(e).user_message(),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        Ok(_) => match sign_in_mail::queue(
            &state.site.store,
            &state.site.org_id,
            &email,
            &state.site.secret,
            now,
        )
        .await
        {
            Ok(request_id) => {
                deliver_here(&state, request_id);
                (
                    SignInView::Sent {
                        email: email.clone(),
                    },
                    StatusCode::OK,
                )
            }
            Err(e @ MagicLinkError::RateLimited { retry_after_secs }) => {
                retry_after = Some(retry_after_secs);
                refuse(e.user_message(), StatusCode::TOO_MANY_REQUESTS)
            }
            Err(e @ MagicLinkError::InvalidEmail(_)) => {
                refuse(e.user_message(), StatusCode::UNPROCESSABLE_ENTITY)
            }
            Err(e) => {
                tracing::warn!(error = %e, "a sign-in request could not be stored");
                refuse(e.user_message(), StatusCode::SERVICE_UNAVAILABLE)
            }
        },
    };
    let mut response = render_sign_in(&state, req, view, status).await;
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    }
    response
}

/// A local run sends the email itself, after answering: the answer never waits for the person
/// lookup or the mail, so it takes the same time for every address. (Under Lambda the `notify`
/// function does it from the table's stream; a refused email is retried by either's sweep.)
fn deliver_here(state: &AppState, request_id: String) {
    let Some(mailer) = state.local_mailer.clone() else {
        return;
    };
    let site = state.site.clone();
    let links = Links {
        base_url: base_url(state),
    };
    tokio::spawn(async move {
        if let Err(e) = sign_in_mail::deliver(
            &site.store,
            mailer.as_ref(),
            &site.org,
            &links,
            &request_id,
            Utc::now(),
        )
        .await
        {
            tracing::error!(request_id, error = %e, "a sign-in request could not be handled; the notifier retries it");
        }
    });
}

/// Opening the emailed link shows one button; pressing it (a POST) signs in. Mail scanners that
/// open links therefore do not use them up.
pub async fn sign_in_link_get(State(state): State<AppState>, req: Request) -> Response {
    let token = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == "token")
                .map(|(_, v)| v)
        })
        // The shape of a link's token (32 bytes, base64url): anything else fails at once.
        .filter(|t| {
            t.len() == 43
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    let (view, status) = match token {
        Some(token) => (SignInView::Confirm { token }, StatusCode::OK),
        None => (
            SignInView::LinkFailed {
                message: MagicLinkError::Invalid.user_message(),
            },
            StatusCode::BAD_REQUEST,
        ),
    };
    render_sign_in(&state, req, view, status).await
}

pub async fn sign_in_link_post(State(state): State<AppState>, req: Request) -> Response {
    let (req, form) = read_form(req).await;
    let token = form
        .as_ref()
        .and_then(|f| f.get("token"))
        .unwrap_or_default()
        .to_string();
    let now = Utc::now();
    match magic_link::consume(&state.site.store, &state.site.org_id, &token, now).await {
        Ok(person) => match signed_in(&state, &person) {
            Ok(response) => response,
            Err(message) => {
                render_sign_in(
                    &state,
                    req,
                    SignInView::LinkFailed { message },
                    StatusCode::SERVICE_UNAVAILABLE,
                )
                .await
            }
        },
        Err(e) => {
            let status = match e {
                MagicLinkError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::BAD_REQUEST,
            };
            render_sign_in(
                &state,
                req,
                SignInView::LinkFailed {
                    message: e.user_message(),
                },
                status,
            )
            .await
        }
    }
}

/// Starts a session for someone who has just proved who they are (by link or single sign-on):
/// the session cookie and a redirect to their page. `Err` is the message to show.
pub fn signed_in(
    state: &AppState,
    person: &safety_core::identity::Person,
) -> Result<Response, String> {
    match session::issue(
        &state.session_keys,
        person,
        Utc::now(),
        session::DEFAULT_TTL,
    ) {
        Ok(jwt) => {
            tracing::info!(person_id = person.id, "signed in");
            let mut response = Redirect::to("/me").into_response();
            *response.status_mut() = StatusCode::SEE_OTHER;
            let value = set_cookie(state, &jwt, session::DEFAULT_TTL.num_seconds());
            response.headers_mut().append(header::SET_COOKIE, value);
            Ok(response)
        }
        Err(e) => {
            tracing::error!(error = %e, "a session could not be issued");
            Err(e.user_message())
        }
    }
}

/// The person's own page; signed-out people are sent to sign in.
pub async fn me(State(state): State<AppState>, req: Request) -> Response {
    if viewer(&req).is_none() {
        return Redirect::to("/sign-in").into_response();
    }
    let mut response = render(&state, req, || {}).await;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub async fn sign_out(State(state): State<AppState>, req: Request) -> Response {
    let who = viewer(&req);
    let (_, form) = read_form(req).await;
    let Some(who) = who else {
        return Redirect::to("/").into_response();
    };
    if !form.as_ref().is_some_and(|f| csrf_ok(&who, f)) {
        return forbidden("This form has expired. Please go back, reload the page and try again.");
    }
    // Signing out ends the person's sessions on the server too (on every device), so a copied
    // cookie stops working.
    let org = &state.site.org_id;
    if let Err(e) =
        safety_core::identity::people::end_sessions(&state.site.store, org, &who.person.id).await
    {
        tracing::warn!(error = %e, "sessions could not be ended on the server; the cookie is cleared");
    }
    tracing::info!(person_id = who.person.id, "signed out");
    let mut response = Redirect::to("/").into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response
        .headers_mut()
        .insert(header::SET_COOKIE, set_cookie(&state, "", 0));
    response
}

pub fn forbidden(message: &'static str) -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::viewer_ip;

    #[test]
    fn the_viewer_address_is_cloudfronts_header_without_the_port() {
        assert_eq!(
            viewer_ip("198.51.100.10:46532").as_deref(),
            Some("198.51.100.10")
        );
        assert_eq!(
            viewer_ip("2001:db8:85a3::8a2e:370:7334:46532").as_deref(),
            Some("2001:db8:85a3::8a2e:370:7334")
        );
        for bad in ["", "198.51.100.10", "not-an-ip:80", "1.2.3.4:x", ":80"] {
            assert_eq!(viewer_ip(bad), None, "{bad}");
        }
    }
}
