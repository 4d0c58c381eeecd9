//! The one shape of a request at the HTTP edge.
//!
//! A handler states what it needs as extractors and returns `Result<Page, AppError>`:
//!
//! * [`SignedIn`]: someone is signed in (otherwise: sent to sign in);
//! * [`Allowed<P>`]: signed in and allowed to do `P` ([`permission`], from the core's one
//!   permission table; otherwise: refused and logged);
//! * [`CsrfForm<T>`]: a form posted by the signed-in person with this session's token,
//!   deserialised into `T` (otherwise: refused as a stale form, nothing done);
//! * [`Client`]: the client's address, for rate limits.
//!
//! Status codes, the `no-store` rule and rendering belong here and nowhere else: the use cases
//! (`app::server`) answer with an [`Outcome`], and [`status_of`] is the only place it becomes a
//! status. A [`Page`] is rendered by the [`render_pages`] layer, at the request's own address
//! or, for a form posted elsewhere, at [`Page::at`].

pub mod public;

use crate::routes::{AppState, render};
use app::server::{Outcome, Viewer};
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::provide_context;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::sync::Arc;

/// What a refused stale or forged form is told.
pub const STALE_FORM: &str =
    "This form has expired. Please go back, reload the page and try again.";
/// What someone without the right to a page is told.
pub const NO_ACCESS: &str = "You do not have access to this page.";

/// The one mapping from how a use case ended to an HTTP status.
pub fn status_of(outcome: Outcome) -> StatusCode {
    match outcome {
        Outcome::Ok => StatusCode::OK,
        Outcome::Unreadable => StatusCode::BAD_REQUEST,
        Outcome::NotFound => StatusCode::NOT_FOUND,
        Outcome::Forbidden => StatusCode::FORBIDDEN,
        Outcome::Conflict => StatusCode::CONFLICT,
        Outcome::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Outcome::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Outcome::TooMany => StatusCode::TOO_MANY_REQUESTS,
        Outcome::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Outcome::Upstream => StatusCode::BAD_GATEWAY,
        Outcome::Misconfigured => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Sets `no-store`: the response carries a form token, a person's own page or a worry, and must
/// never be kept by a browser or a proxy.
pub fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A page of the Leptos app to answer with, and what it shows (given to it as context).
#[derive(Clone)]
pub struct Page {
    provide: Arc<dyn Fn() + Send + Sync>,
    outcome: Outcome,
    at: Option<String>,
    public: bool,
}

impl Page {
    /// The page at the request's address, showing `value`.
    pub fn of<T: Clone + Send + Sync + 'static>(value: T) -> Page {
        Page::plain().and(value)
    }

    /// The page at the request's address showing what a use case answered, with the status of
    /// how it ended.
    pub fn shown<T: app::server::Ended + Clone + Send + Sync + 'static>(value: T) -> Page {
        let outcome = value.outcome();
        Page::of(value).outcome(outcome)
    }

    /// The page at the request's address with nothing more than the app finds itself.
    pub fn plain() -> Page {
        Page {
            provide: Arc::new(|| {}),
            outcome: Outcome::Ok,
            at: None,
            public: false,
        }
    }

    /// Also shows `value` (another piece of context).
    pub fn and<T: Clone + Send + Sync + 'static>(self, value: T) -> Page {
        let before = self.provide;
        Page {
            provide: Arc::new(move || {
                before();
                provide_context(value.clone());
            }),
            ..self
        }
    }

    /// Also shows `value` when there is one.
    pub fn and_maybe<T: Clone + Send + Sync + 'static>(self, value: Option<T>) -> Page {
        match value {
            Some(v) => self.and(v),
            None => self,
        }
    }

    /// How the use case ended (the status).
    pub fn outcome(self, outcome: Outcome) -> Page {
        Page { outcome, ..self }
    }

    /// Rendered as the page at `path`: a form posted to its own address answers with the page
    /// it came from.
    pub fn at(self, path: impl Into<String>) -> Page {
        Page {
            at: Some(path.into()),
            ..self
        }
    }

    /// The same for everyone who is signed out: a browser may keep it (no `no-store`).
    pub fn public(self) -> Page {
        Page {
            public: true,
            ..self
        }
    }
}

/// A page waiting in a response's extensions for [`render_pages`] (rendering is async, and
/// `IntoResponse` is not).
#[derive(Clone)]
struct Pending(Page);

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = status_of(self.outcome).into_response();
        response.extensions_mut().insert(Pending(self));
        response
    }
}

/// The layer that renders a handler's [`Page`], with the request's address (or the page's own),
/// its headers and the signed-in person. Everything else passes through untouched.
pub async fn render_pages(req: Request, next: Next) -> Response {
    let uri = req.uri().clone();
    let headers = req.headers().clone();
    let extensions = req.extensions().clone();
    let mut response = next.run(req).await;
    let Some(Pending(page)) = response.extensions_mut().remove::<Pending>() else {
        return response;
    };
    let mut get = Request::new(Body::empty());
    *get.method_mut() = Method::GET;
    *get.uri_mut() = match page.at.as_deref().map(Uri::try_from) {
        Some(Ok(path)) => path,
        _ => uri,
    };
    *get.headers_mut() = headers;
    *get.extensions_mut() = extensions;
    let signed_in = get.extensions().get::<Viewer>().is_some();
    let provide = page.provide.clone();
    let mut rendered = render(get, move || provide()).await;
    // The app answers 404 for an address it does not know; otherwise the use case's status.
    if rendered.status() == StatusCode::OK {
        *rendered.status_mut() = response.status();
    }
    // Headers the handler set (cookies, Retry-After) replace the rendered page's own; not its
    // body's length (axum gives the handler's empty body `content-length: 0`), which is the page's.
    response.headers_mut().remove(header::CONTENT_LENGTH);
    for name in response.headers().keys() {
        rendered.headers_mut().remove(name);
    }
    for (name, value) in response.headers() {
        rendered.headers_mut().append(name, value.clone());
    }
    if page.public && !signed_in {
        rendered
    } else {
        no_store(rendered)
    }
}

/// What a handler answers with: a page, or why not.
pub type Answer = Result<Page, AppError>;

/// Why a request is refused before (or instead of) a page.
#[derive(Debug)]
pub enum AppError {
    /// Nobody is signed in: to the sign-in page (a form post becomes a GET).
    SignIn,
    /// Signed in without the right to this (already logged by [`Allowed`]), with what to say.
    NotAllowed(&'static str),
    /// A signed-in form without this session's token, or not a form at all.
    StaleForm,
    /// Refused with a message and nothing else to show, as plain text.
    Refused(Outcome, String),
    /// To another page (see other).
    Redirect(String),
}

impl AppError {
    /// The core's refusal, with its own words for people.
    pub fn refused(outcome: Outcome, message: impl Into<String>) -> AppError {
        AppError::Refused(outcome, message.into())
    }
}

fn plain(status: StatusCode, message: String) -> Response {
    no_store(
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            message,
        )
            .into_response(),
    )
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::SignIn => see_other("/sign-in"),
            AppError::NotAllowed(message) => plain(StatusCode::FORBIDDEN, message.into()),
            AppError::StaleForm => plain(StatusCode::FORBIDDEN, STALE_FORM.into()),
            AppError::Refused(outcome, message) => plain(status_of(outcome), message),
            AppError::Redirect(to) => see_other(&to),
        }
    }
}

/// A redirect that a browser follows with a GET, never kept.
pub fn see_other(to: &str) -> Response {
    no_store(Redirect::to(to).into_response())
}

/// The organisation this request is for (found from its host name by `routes::resolve_site`),
/// with the deployment's state: `state.site` is the organisation's, the rest (`state.sites`,
/// `state.session_keys`...) the deployment's.
#[derive(Clone)]
pub struct Here {
    pub site: app::server::SiteState,
    app: AppState,
}

impl std::ops::Deref for Here {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

impl Here {
    /// Where this organisation's emails and printed addresses point: its own host when it has
    /// one, else the deployment's configured address.
    pub fn links(&self) -> safety_core::mail::Links {
        self.site.links(self.app.link_base.trim_end_matches('/'))
    }

    /// Forgets the organisation's cached site after a change made here, so the next request
    /// (this one's answer included) sees it.
    pub async fn refreshed(&self) -> app::server::SiteState {
        self.app.sites.forget(&self.site.org_id);
        match self.app.sites.get(&self.site.org_id).await {
            Ok(Some(site)) => app::server::SiteState::from_arc(site),
            _ => self.site.clone(),
        }
    }
}

impl FromRequestParts<AppState> for Here {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let site = parts
            .extensions
            .get::<app::server::SiteState>()
            .cloned()
            .ok_or_else(|| {
                AppError::refused(
                    Outcome::NotFound,
                    "There is no organisation at this address.",
                )
            })?;
        Ok(Here {
            site,
            app: state.clone(),
        })
    }
}

/// A signed-in person (set by the session layer from their cookie).
pub struct SignedIn(pub Viewer);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .map(SignedIn)
            .ok_or(AppError::SignIn)
    }
}

/// The signed-in person, if any.
pub struct MaybeSignedIn(pub Option<Viewer>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeSignedIn {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(MaybeSignedIn(parts.extensions.get::<Viewer>().cloned()))
    }
}

/// The permissions a page can ask for: each is one question to the use-case layer's
/// [`app::server::may`] (the core's permission table), and a name for the log line when refused.
pub mod permission {
    use app::server::{SiteState, Viewer};
    use safety_core::roles::Action;

    pub trait Permission {
        /// What was refused, for the log line "refused: not allowed to …".
        const WHAT: &'static str;
        /// What the person is told.
        const REFUSAL: &'static str = super::NO_ACCESS;
        fn allows(site: &SiteState, viewer: &Viewer) -> bool;
    }

    macro_rules! by_action {
        ($name:ident, $action:ident, $what:literal) => {
            pub struct $name;
            impl Permission for $name {
                const WHAT: &'static str = $what;
                fn allows(site: &SiteState, viewer: &Viewer) -> bool {
                    app::server::may(site, viewer, Action::$action)
                }
            }
        };
    }

    by_action!(ManagePeople, ManagePeople, "manage people");
    by_action!(ViewCompletion, ViewCompletion, "view completion");
    by_action!(ExportCompletion, ExportCompletion, "export completion");
    by_action!(EditContacts, EditContacts, "edit the safeguarding contacts");
    by_action!(PublishPolicies, PublishPolicies, "publish policies");
    by_action!(ViewReports, ViewReports, "view the safeguarding reports");
    by_action!(ViewPersonRecords, ViewPersonRecords, "view person records");
    by_action!(
        TransferPersonFiles,
        TransferPersonFiles,
        "export a person record for transfer"
    );
    by_action!(
        ImportPersonFiles,
        ImportPersonFiles,
        "import a transferred person record"
    );
    by_action!(ReviewRetention, ReviewRetention, "review retention");

    /// Worries are routed to them (the inbox and case pages).
    pub struct HandleWorries;
    impl Permission for HandleWorries {
        const WHAT: &'static str = "read worries (none are routed to them)";
        fn allows(site: &SiteState, viewer: &Viewer) -> bool {
            viewer.person.org == site.org_id
                && app::server::worries::handles_worries(&viewer.person)
        }
    }

    /// A parent or carer (their children's pages).
    pub struct Parent;
    impl Permission for Parent {
        const WHAT: &'static str = "see a parent's pages (not a parent)";
        const REFUSAL: &'static str = "This page is for parents and carers.";
        fn allows(site: &SiteState, viewer: &Viewer) -> bool {
            viewer.person.active
                && viewer.person.org == site.org_id
                && viewer
                    .person
                    .roles
                    .contains(&safety_core::roles::Role::Parent)
        }
    }
}

/// A signed-in person allowed to do `P`.
pub struct Allowed<P>(pub Viewer, pub PhantomData<P>);

impl<P: permission::Permission> FromRequestParts<AppState> for Allowed<P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let SignedIn(who) = SignedIn::from_request_parts(parts, state).await?;
        let Here { site, .. } = Here::from_request_parts(parts, state).await?;
        if P::allows(&site, &who) {
            Ok(Allowed(who, PhantomData))
        } else {
            tracing::warn!(person_id = who.person.id, path = %parts.uri.path(), "refused: not allowed to {}", P::WHAT);
            Err(AppError::NotAllowed(P::REFUSAL))
        }
    }
}

/// The query string read as `T`; one that cannot be read is `T::default()` (the unfiltered
/// view), never an error.
pub struct QueryOrDefault<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequestParts<S> for QueryOrDefault<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(QueryOrDefault(
            parts
                .uri
                .query()
                .and_then(|q| serde_urlencoded::from_str(q).ok())
                .unwrap_or_default(),
        ))
    }
}

/// The client's address, for rate limits (see [`crate::auth::client_address`]).
pub struct Client(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(Client(crate::auth::client_address_of(parts)))
    }
}

/// The largest form read: a 10,000-character worry in 4-byte characters, percent-encoded, with
/// room to spare. Anything larger is refused before it is read.
pub const MAX_FORM_BYTES: usize = 160 * 1024;

/// Reads a URL-encoded form body: `None` when it is not a form, or larger than `max_bytes`.
async fn form_bytes(req: Request, max_bytes: usize) -> Option<axum::body::Bytes> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    axum::body::to_bytes(req.into_body(), max_bytes).await.ok()
}

/// A form that anyone may post (signed in or not) read as `T`: `None` when it cannot be read.
pub struct AnyForm<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AnyForm<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, _: &S) -> Result<Self, std::convert::Infallible> {
        let bytes = form_bytes(req, MAX_FORM_BYTES).await;
        Ok(AnyForm(
            bytes.and_then(|b| serde_urlencoded::from_bytes(&b).ok()),
        ))
    }
}

/// A form posted by the signed-in person, with this session's CSRF token, read as `T` (of at
/// most `MAX` bytes). Refused as a stale form (403, nothing done) without the token or when it
/// cannot be read; sent to sign in when signed out.
pub struct CsrfForm<T, const MAX: usize = MAX_FORM_BYTES>(pub Viewer, pub T);

impl<S: Send + Sync, T: DeserializeOwned, const MAX: usize> FromRequest<S> for CsrfForm<T, MAX> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let (mut parts, body) = req.into_parts();
        let SignedIn(who) = SignedIn::from_request_parts(&mut parts, state).await?;
        let bytes = form_bytes(Request::from_parts(parts, body), MAX)
            .await
            .ok_or(AppError::StaleForm)?;
        let fields: Form = serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::StaleForm)?;
        let token = fields.get("csrf").unwrap_or_default();
        if !safety_core::crypto::constant_time_eq(token.as_bytes(), who.csrf.as_bytes()) {
            tracing::warn!(
                person_id = who.person.id,
                "refused: a form without this session's token"
            );
            return Err(AppError::StaleForm);
        }
        let value = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            tracing::warn!(error = %e, "refused: a form that is not the expected shape");
            AppError::StaleForm
        })?;
        Ok(CsrfForm(who, value))
    }
}

/// A posted form's fields in order (a field can repeat, e.g. checkboxes), for forms whose
/// fields are not known in advance (a quiz's answers).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Form(Vec<(String, String)>);

impl Form {
    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// Every field, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    /// Every value of a field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}
