//! The HTTP surface: pages (rendered by the Leptos app), the two plain-HTML form posts, server
//! functions, and the browser bundle. Handlers only translate HTTP; the rules are in the core.

use crate::assets::{AssetFiles, PREFIX};
use app::server::SiteState;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use leptos::prelude::provide_context;
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tracing::Instrument;

#[derive(Clone)]
pub struct AppState {
    /// The organisations served, each found by the request's host name (`resolve_site`).
    pub sites: app::server::Sites,
    pub assets: Arc<AssetFiles>,
    pub hsts: bool,
    /// `scheme://host[:port]` of `APP_BASE_URL`, when configured.
    pub public_origin: Option<String>,
    /// Where links in emails point: `APP_BASE_URL`, else the address this server listens on
    /// (`APP_BIND`). Never the request's Host header.
    pub link_base: String,
    pub session_keys: Arc<safety_core::identity::SessionKeys>,
    /// Sends the sign-in emails asked for here, in a task of their own after the answer: a
    /// local run. `None` under Lambda (the `notify` function sends them from the table's
    /// stream), or when no mail is configured (the requests wait in the table).
    pub local_mailer: Option<Arc<safety_core::mail::AnyMailer>>,
    /// The tasks those emails run in, so that stopping the server waits for them.
    pub after_answer: crate::after_answer::AfterAnswer,
    pub secure_cookies: bool,
    /// What is cached about the single sign-on providers (each organisation's own, with their
    /// client secrets, are in its site: `SiteState::sso`).
    pub sso_cache: Arc<safety_core::identity::sso::ProviderCache>,
    /// Behind CloudFront (`APP_ORIGIN_VERIFY`, and `APP_ORIGIN_VERIFY_PREVIOUS` during a
    /// rotation): the values CloudFront may add to every request as `x-origin-verify`. A request
    /// without one did not come through CloudFront and is refused; with one, the viewer's
    /// address is CloudFront's `cloudfront-viewer-address`.
    pub origin_verify: Option<OriginVerify>,
    /// Names this server in its request spans (`server`): set by tests that run several
    /// servers in one process and read each one's log; `None` otherwise.
    pub log_tag: Option<Arc<str>>,
}

/// The secret values of CloudFront's `x-origin-verify` header this function accepts: the
/// current one and, while it is being rotated, the previous one (infra/README.md, Rotating the
/// origin secret). Compared in constant time, each of them every time.
#[derive(Clone, Debug)]
pub struct OriginVerify {
    values: Arc<[Box<str>]>,
}

impl OriginVerify {
    /// `None` when there is no value: not behind CloudFront.
    pub fn new(values: &[String]) -> Option<OriginVerify> {
        if values.is_empty() {
            return None;
        }
        Some(OriginVerify {
            values: values.iter().map(|v| Box::from(v.as_str())).collect(),
        })
    }

    /// Whether `header` is one of the values. Every value is compared (no early return), each in
    /// constant time, so the time taken says nothing about which one is close.
    pub fn accepts(&self, header: &[u8]) -> bool {
        self.values.iter().fold(false, |ok, value| {
            ok | safety_core::crypto::constant_time_eq(header, value.as_bytes())
        })
    }
}

pub fn router(state: AppState) -> Router {
    // The layers wrap whole routers, once, rather than going through `Router::layer`, which
    // wraps each of the ~80 routes separately (a copy of the state in each): that was 6% of a
    // cold start's CPU (issue 23, perf). None of them needs to know which route matched, so
    // running them before the routing changes nothing they see.
    //
    // The pages: each area's routes and the fallback, under the layer that renders the `Page`
    // a handler answers with. The assets, the server functions and the health check never
    // answer with one, so they do not pay for it.
    let pages = Router::new()
        .merge(crate::worries::router())
        .merge(crate::admin::router())
        .merge(crate::learning::router())
        .merge(crate::compliance::router())
        .merge(crate::exports::router())
        .merge(crate::auth::router())
        .merge(crate::sso::router())
        .merge(crate::family::router())
        .merge(crate::organisation::router())
        .merge(crate::policies::router())
        .merge(crate::reports::router())
        .merge(crate::records::router())
        .merge(crate::concerns::router())
        .merge(crate::transfer::router())
        .merge(crate::retention::router())
        .fallback(get(page))
        .with_state(state.clone());
    let pages = ServiceBuilder::new()
        // Around the render: a public page, for someone signed out, from memory.
        .layer(middleware::from_fn(crate::edge::public::serve))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::edge::render_pages,
        ))
        .service(pages);
    let routed = Router::new()
        .route("/api/{*fn_name}", post(server_fn))
        .route(&format!("{PREFIX}{{file}}"), get(asset))
        .route("/healthz", get(|| async { "ok" }))
        .fallback_service(pages)
        .with_state(state.clone());
    // Every request, outermost first.
    let every_request = ServiceBuilder::new()
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(state.clone(), protect))
        .layer(middleware::from_fn_with_state(state.clone(), resolve_site))
        .layer(middleware::from_fn_with_state(
            state,
            crate::auth::session_layer,
        ))
        .service(routed);
    Router::new().fallback_service(every_request)
}

/// Every request: a request id in its log lines and response, refused cross-site writes
/// (CSRF), and the security headers.
async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Under Lambda the invocation's own request id, so our lines match Lambda's; locally a
    // well-formed incoming x-request-id, or a new one.
    let request_id = {
        use lambda_http::RequestExt;
        req.lambda_context_ref().map(|c| c.request_id.clone())
    }
    .or_else(|| {
        req.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .map(str::to_string)
    })
    .filter(|id| HeaderValue::from_str(id).is_ok())
    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!("request", request_id = %request_id, method = %req.method(), path = %req.uri().path(), server = tracing::field::Empty);
    if let Some(tag) = &state.log_tag {
        span.record("server", tag.as_ref());
    }
    let mut req = req;
    let through_cdn = match &state.origin_verify {
        None => true,
        Some(expected) => {
            let ok = req
                .headers()
                .get("x-origin-verify")
                .is_some_and(|v| expected.accepts(v.as_bytes()));
            if ok
                && let Some(address) = req
                    .headers()
                    .get("cloudfront-viewer-address")
                    .and_then(|v| v.to_str().ok())
                    .and_then(crate::auth::viewer_ip)
            {
                req.extensions_mut()
                    .insert(crate::auth::ViewerAddress(address));
            }
            ok
        }
    };
    async move {
        let started = std::time::Instant::now();
        let mut response = if !through_cdn {
            tracing::warn!("refused a request that did not come through CloudFront");
            refused("Please use the site's own address.")
        } else if is_cross_site_write(req.method(), req.headers(), state.public_origin.as_deref(), through_cdn && state.origin_verify.is_some()) {
            tracing::warn!("refused a cross-site write");
            refused("This form was sent from another website, so it was refused. Please use the form on this site.")
        } else {
            next.run(req).await
        };
        let headers = response.headers_mut();
        headers.insert("x-request-id", HeaderValue::from_str(&request_id).expect("checked above"));
        set_security_headers(headers, state.hsts);
        let micros = started.elapsed().as_micros() as u64;
        match response.extensions().get::<crate::edge::public::Served>() {
            // A public page: served from memory, or rendered and kept.
            Some(served) => tracing::info!(status = response.status().as_u16(), micros, page = served.0, "handled"),
            None => tracing::info!(status = response.status().as_u16(), micros, "handled"),
        }
        response
    }
    .instrument(span)
    .await
}

/// The organisation a request is for, from its host name (a domain per organisation, mapped in
/// the store; any other host: the deployment's default, `APP_ORG`), put in the request for the
/// layers and handlers after this one. Behind CloudFront the viewer's host arrives as
/// `x-forwarded-host` (trusted only with a valid `x-origin-verify`, checked before this).
async fn resolve_site(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get("x-forwarded-host")
        .filter(|_| state.origin_verify.is_some())
        .or_else(|| req.headers().get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().host().map(str::to_string));
    match site_for(&state.sites, host.as_deref()).await {
        Ok(Some(site)) => {
            req.extensions_mut().insert(site);
            next.run(req).await
        }
        Ok(None) => {
            tracing::info!(
                host = host.as_deref().unwrap_or(""),
                "no organisation at this host"
            );
            crate::edge::AppError::refused(
                app::server::Outcome::NotFound,
                "There is no organisation at this address. Check the address you were given.",
            )
            .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "the organisation could not be read");
            crate::edge::AppError::refused(
                app::server::Outcome::Unavailable,
                "The site cannot be reached just now. Please try again in a minute. If someone is in danger, call 999.",
            )
            .into_response()
        }
    }
}

/// The site of the organisation a host name is for (`None`: no such organisation).
pub async fn site_for(
    sites: &app::server::Sites,
    host: Option<&str>,
) -> Result<Option<SiteState>, safety_core::tenancy::TenancyError> {
    let Some(org) = sites.org_for_host(host).await? else {
        return Ok(None);
    };
    Ok(sites.get(&org).await?.map(SiteState::from_arc))
}

/// A state-changing request must come from our own pages. Browsers say where a request comes
/// from (`Sec-Fetch-Site`, `Origin`); a write from another site is refused. Requests without
/// these headers (old browsers, tools) still meet the signed form token. Behind a CDN the
/// `Host` is the origin server's, so the configured public address is compared when there is one.
///
/// With several organisations behind one CloudFront distribution, each is at its own domain:
/// CloudFront (verified by `x-origin-verify`: `verified`) names the viewer's host in
/// `x-forwarded-host`, and a form posted from that host's own pages is same-site.
fn is_cross_site_write(
    method: &Method,
    headers: &HeaderMap,
    public_origin: Option<&str>,
    verified: bool,
) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return true;
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match (origin, public_origin) {
        (Some("null"), _) => true,
        (Some(origin), Some(public)) => {
            let viewer_host = headers
                .get("x-forwarded-host")
                .filter(|_| verified)
                .and_then(|v| v.to_str().ok());
            origin != public && viewer_host.is_none_or(|h| origin != format!("https://{h}"))
        }
        (Some(origin), None) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            host.is_none() || origin.split("://").nth(1) != host
        }
        (None, _) => false,
    }
}

fn set_security_headers(h: &mut HeaderMap, hsts: bool) {
    // Pages set their own policy, with the nonce of their inline scripts.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = app::server::content_security_policy(None, &[]);
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).expect("ASCII"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
}

fn refused(message: &'static str) -> Response {
    crate::edge::AppError::refused(app::server::Outcome::Forbidden, message).into_response()
}

/// Renders the app for this request, with extra context (a form's outcome) when there is one,
/// and the signed-in person when there is one.
pub async fn render(req: Request, extra: impl Fn() + Clone + Send + Sync + 'static) -> Response {
    let Some(site) = req.extensions().get::<SiteState>().cloned() else {
        return crate::edge::AppError::refused(
            app::server::Outcome::NotFound,
            "There is no organisation at this address.",
        )
        .into_response();
    };
    let for_context = site.clone();
    let viewer = req.extensions().get::<app::server::Viewer>().cloned();
    let handler = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(for_context.clone());
            if let Some(v) = &viewer {
                provide_context(v.clone());
            }
            extra();
        },
        move || app::shell::shell(site.clone()),
    );
    scripts_inside_body(handler(req).await).await
}

/// Leptos writes its resource scripts (`__RESOLVED_RESOURCES`...) after `</html>`, where no
/// markup belongs: they are moved to the end of the body, where they still run before the
/// islands' module script.
async fn scripts_inside_body(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return crate::edge::AppError::refused(
            app::server::Outcome::Unavailable,
            "The page could not be rendered. Try again.",
        )
        .into_response();
    };
    let Some((page, after)) = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|html| html.rsplit_once("</html>"))
        .filter(|(_, after)| !after.trim().is_empty())
    else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    let html = match page.rsplit_once("</body>") {
        Some((body, rest)) => format!("{body}{after}</body>{rest}</html>"),
        None => format!("{page}{after}</html>"),
    };
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(html))
}

/// A page of the app with no data of its own (the router's fallback, and the GET side of a
/// plain form).
pub async fn page(req: Request) -> Response {
    // A signed-in person's page is theirs: never kept, by a browser or CloudFront (whose key
    // has the session cookie: infra/template.yaml PagesCachePolicy).
    let no_store =
        req.uri().path() == "/tell" || req.extensions().get::<app::server::Viewer>().is_some();
    let mut response = render(req, || {}).await;
    if no_store {
        // The form carries a fresh token: never serve one person's form to another.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn server_fn(req: Request) -> Response {
    let Some(site) = req.extensions().get::<SiteState>().cloned() else {
        return refused("There is no organisation at this address.");
    };
    let address = app::server::ClientAddress(crate::auth::client_address(&req));
    let viewer = crate::auth::viewer(&req);
    let mut response = leptos_axum::handle_server_fns_with_context(
        move || {
            provide_context(site.clone());
            provide_context(address.clone());
            if let Some(v) = &viewer {
                provide_context(v.clone());
            }
        },
        req,
    )
    .await
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn asset(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    state.assets.response(&file, &headers)
}
