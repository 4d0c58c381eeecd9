//! Public pages at static-file speed. A GET of a page that is the same for everyone signed out
//! (the allow-list `app::routes::SAME_FOR_EVERYONE_SIGNED_OUT`), from someone signed out, is
//! rendered once per version of the organisation's site, kept in the site
//! (`app::server::public_pages`) and served again from memory, with:
//!
//! * its own CSP, the inline scripts by hash (a nonce would have to change on every response);
//! * a strong ETag, and 304 for a matching `If-None-Match`;
//! * `Cache-Control: public, max-age=0, s-maxage=60`: CloudFront (whose cache key has the
//!   viewer's host and the session cookie: infra/template.yaml `PagesCachePolicy`) may keep it
//!   a minute; a browser asks again each time (a 304 while nothing changed), because the header
//!   shows who is signed in: a page kept by the browser would still say "Sign in" after signing
//!   in.
//!
//! Everything else goes to the ordinary render unchanged: any other page or method, a query
//! string, a signed-in person, and any request carrying a session cookie at all (one that was
//! refused is cleared in the answer, which must not be shared). A render is kept only when it
//! is a 200 HTML page that set no `Cache-Control` (a handler's `no-store`) and no cookie. The
//! security headers are set after this layer, as on every response (`routes::protect`).

use app::server::public_pages::RenderedPage;
use app::server::{SiteState, Viewer};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// What browsers and shared caches are told about a page served from memory.
pub const CACHE_CONTROL: &str = "public, max-age=0, s-maxage=60";

/// Where a public page's answer came from, for the request's log line (`page`).
#[derive(Clone, Copy, Debug)]
pub struct Served(pub &'static str);

/// The layer (around the pages' router, inside the session layer).
pub async fn serve(req: Request, next: Next) -> Response {
    let Some(site) = shared(&req) else {
        return next.run(req).await;
    };
    let path = req.uri().path().to_string();
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let head = req.method() == Method::HEAD;
    let (page, served) = match site.public_pages.get(&path) {
        Some(page) => (page, "memory"),
        // HEAD renders no body to keep: only a GET fills the cache.
        None if head => return next.run(req).await,
        None => match kept(&site, next.run(req).await).await {
            Ok(page) => (site.public_pages.keep(&path, page), "rendered"),
            Err(response) => return response,
        },
    };
    let mut response = answer(&page, if_none_match.as_ref(), head);
    response.extensions_mut().insert(Served(served));
    response
}

/// The site, when this request may be answered with the page kept for everyone signed out.
fn shared(req: &Request) -> Option<SiteState> {
    let anyone = matches!(*req.method(), Method::GET | Method::HEAD)
        && req.uri().query().is_none()
        && req.extensions().get::<Viewer>().is_none()
        && crate::auth::cookie_value(req.headers(), crate::auth::COOKIE).is_none()
        && app::routes::same_for_everyone_signed_out(req.uri().path());
    anyone
        .then(|| req.extensions().get::<SiteState>().cloned())
        .flatten()
}

/// The page to keep from an ordinary render, or the render itself when it is not one to keep.
async fn kept(site: &SiteState, response: Response) -> Result<RenderedPage, Response> {
    let headers = response.headers();
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if response.status() != StatusCode::OK
        || !html
        || headers.contains_key(header::CACHE_CONTROL)
        || headers.contains_key(header::SET_COOKIE)
    {
        return Err(response);
    }
    let Some(nonce) = nonce_of(headers) else {
        return Err(response);
    };
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Err(super::AppError::refused(
            app::server::Outcome::Unavailable,
            "The page could not be rendered. Try again.",
        )
        .into_response());
    };
    let page = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|html| RenderedPage::of_render(html, &nonce, &site.form_origins()));
    match page {
        Some(page) => Ok(page),
        None => {
            tracing::warn!("a public page could not be kept (its nonce is in the page)");
            Err(Response::from_parts(parts, Body::from(bytes)))
        }
    }
}

/// The nonce of a rendered page's CSP (`'nonce-…'`).
fn nonce_of(headers: &HeaderMap) -> Option<String> {
    let csp = headers
        .get(header::CONTENT_SECURITY_POLICY)?
        .to_str()
        .ok()?;
    let rest = csp.split("'nonce-").nth(1)?;
    Some(rest.split('\'').next()?.to_string())
}

/// Whether `If-None-Match` names `etag` (or is `*`); weak comparison, as RFC 9110 asks.
fn matches(if_none_match: &HeaderValue, etag: &str) -> bool {
    let Ok(list) = if_none_match.to_str() else {
        return false;
    };
    list.split(',')
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

/// The kept page (or 304 Not Modified) with its headers.
fn answer(page: &Arc<RenderedPage>, if_none_match: Option<&HeaderValue>, head: bool) -> Response {
    let not_modified = if_none_match.is_some_and(|v| matches(v, &page.etag));
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else if head {
        let mut r = Response::new(Body::empty());
        r.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(page.html.len()));
        r
    } else {
        Response::new(Body::from(page.html.clone()))
    };
    let headers = response.headers_mut();
    if !not_modified {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
    }
    if let Ok(csp) = HeaderValue::from_str(&page.csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    if let Ok(etag) = HeaderValue::from_str(&page.etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    response
}
