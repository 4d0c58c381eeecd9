//! Sessions and signing in. A session is a short-lived signed JWT in an HttpOnly cookie; every
//! request re-checks the person is still active (so deactivating someone ends their sessions),
//! renews the cookie when half its life has passed, and hands the person to the pages.

use crate::edge::Here;
use crate::edge::{
    AnyForm, AppError, Client, CsrfForm, Form, MaybeSignedIn, Page, QueryOrDefault, SignedIn,
};
use crate::routes::AppState;
use app::server::Outcome;
use app::server::sign_in;
use app::server::{SignInView, Viewer};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use safety_core::identity::{csrf, session, session::SessionError, sign_in_mail};
use safety_core::mail::Links;

pub const COOKIE: &str = "session";

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
    let Some(site) = req.extensions().get::<app::server::SiteState>().cloned() else {
        return next.run(req).await;
    };
    if let Some(token) = cookie_value(req.headers(), COOKIE).map(str::to_string) {
        match session::verify(&state.session_keys, &token, now) {
            // A session of another organisation (another host's cookie) is not this one's.
            Ok(claims) if claims.org == site.org_id.as_str() => {
                match session::check_live(&site.store, &claims).await {
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
                        let csrf = csrf::token(&site.secret, &jti);
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
    client_address_in(req.extensions())
}

/// [`client_address`] from a request's parts (for an extractor).
pub fn client_address_of(parts: &axum::http::request::Parts) -> String {
    client_address_in(&parts.extensions)
}

fn client_address_in(extensions: &axum::http::Extensions) -> String {
    use lambda_http::request::RequestContext;
    if let Some(ViewerAddress(ip)) = extensions.get::<ViewerAddress>() {
        return ip.clone();
    }
    match extensions.get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(c)) => c.http.source_ip.clone().unwrap_or_default(),
        _ => extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default(),
    }
}

/// The organisation's own address for links in emails and printed certificates: its host when
/// it has one, else the deployment's configured address ([`AppState::link_base`]); never the
/// request's Host header.
pub fn base_url(state: &crate::edge::Here) -> String {
    state.links().base_url.trim_end_matches('/').to_string()
}

/// The sign-in page showing `view`.
pub fn sign_in_page((view, outcome): (SignInView, Outcome)) -> Page {
    Page::of(view).outcome(outcome)
}

/// The sign-in form's one field.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

/// Asks for a sign-in link. The answer is the same whether or not the email is known.
pub async fn sign_in_post(
    state: Here,
    Client(address): Client,
    AnyForm(form): AnyForm<EmailForm>,
) -> Response {
    let email = form.map(|f| f.email).unwrap_or_default();
    let asked = sign_in::ask(&state.site, &email, &address, Utc::now()).await;
    if let Some(request_id) = asked.queued {
        deliver_here(&state, request_id);
    }
    let page = sign_in_page((asked.view, asked.outcome));
    match asked.retry_after {
        Some(secs) => (
            [(header::RETRY_AFTER, HeaderValue::from(secs.max(1)))],
            page,
        )
            .into_response(),
        None => page.into_response(),
    }
}

/// A local run sends the email itself, after answering: the answer never waits for the person
/// lookup or the mail, so it takes the same time for every address. (Under Lambda the `notify`
/// function does it from the table's stream; a refused email is retried by either's sweep.)
fn deliver_here(state: &Here, request_id: String) {
    let Some(mailer) = state.local_mailer.clone() else {
        return;
    };
    let site = state.site.clone();
    let links = Links {
        base_url: base_url(state),
    };
    state.after_answer.spawn(async move {
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

/// `?token=` of an emailed link (or the token posted by its page's button).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    token: Option<String>,
}

/// Opening the emailed link shows one button; pressing it (a POST) signs in. Mail scanners that
/// open links therefore do not use them up.
pub async fn sign_in_link_get(QueryOrDefault(query): QueryOrDefault<TokenForm>) -> Page {
    sign_in_page(sign_in::confirm(query.token.as_deref()))
}

pub async fn sign_in_link_post(state: Here, AnyForm(form): AnyForm<TokenForm>) -> Response {
    let token = form.and_then(|f| f.token).unwrap_or_default();
    match sign_in::use_link(&state.site, &token, Utc::now()).await {
        Ok(person) => match start_session(&state, &person) {
            Ok(response) => response,
            Err(message) => {
                sign_in_page((SignInView::LinkFailed { message }, Outcome::Unavailable))
                    .into_response()
            }
        },
        Err(failed) => sign_in_page(failed).into_response(),
    }
}

/// Starts a session for someone who has just proved who they are (by link or single sign-on):
/// the session cookie and a redirect to their page. `Err` is the message to show.
pub fn start_session(
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
            let mut response = crate::edge::see_other("/me");
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
pub async fn me(_: SignedIn) -> Page {
    Page::plain()
}

/// Signs out: the person's sessions end on the server too (on every device), so a copied
/// cookie stops working.
pub async fn sign_out(
    state: Here,
    MaybeSignedIn(who): MaybeSignedIn,
    form: Result<CsrfForm<Form>, AppError>,
) -> Response {
    let Some(who) = who else {
        return Redirect::to("/").into_response();
    };
    if form.is_err() {
        return AppError::StaleForm.into_response();
    }
    let org = &state.site.org_id;
    if let Err(e) =
        safety_core::identity::people::end_sessions(&state.site.store, org, &who.person.id).await
    {
        tracing::warn!(error = %e, "sessions could not be ended on the server; the cookie is cleared");
    }
    tracing::info!(person_id = who.person.id, "signed out");
    let mut response = crate::edge::see_other("/");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, set_cookie(&state, "", 0));
    response
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            &page(paths::SIGN_IN),
            get(crate::routes::page).post(sign_in_post),
        )
        .route(
            &page(paths::SIGN_IN_LINK),
            get(sign_in_link_get).post(sign_in_link_post),
        )
        .route("/sign-out", post(sign_out))
        .route(&page(paths::ME), get(me))
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
