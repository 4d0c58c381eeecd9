//! The authorization endpoint: validates the request, shows the sign-in page, issues codes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::token::Grant;
use crate::{Shared, html, now_secs, parse_form, random_token, single};

/// How long an authorization code may be redeemed for.
const CODE_LIFETIME: Duration = Duration::from_secs(60);

/// A validated authorization request: what the sign-in form carries along in hidden fields.
pub(crate) struct AuthRequest {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scope: String,
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub(crate) code_challenge: String,
}

impl AuthRequest {
    /// The request parameters as the form re-posts them.
    pub(crate) fn hidden_fields(&self) -> [(&'static str, &str); 8] {
        [
            ("response_type", "code"),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", "S256"),
        ]
    }
}

/// Why an authorization request was refused.
pub(crate) enum Rejection {
    /// The client or redirect URI cannot be trusted, so there is nowhere safe to send the user
    /// back to: show an error page instead (RFC 6749 section 4.1.2.1).
    Page(String),
    /// Send the user back to the (registered) redirect URI with an OAuth error.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

impl Rejection {
    fn into_response(self, redirect_status: StatusCode) -> Response {
        match self {
            Rejection::Page(message) => {
                html_response(StatusCode::BAD_REQUEST, html::error_page(&message))
            }
            Rejection::Redirect {
                redirect_uri,
                error,
                description,
                state,
            } => {
                let mut params = vec![
                    ("error", error),
                    ("error_description", description.as_str()),
                ];
                if let Some(state) = &state {
                    params.push(("state", state));
                }
                redirect(redirect_status, &redirect_url(&redirect_uri, &params))
            }
        }
    }
}

/// Validates an authorization request (from the query string or the re-posted form).
pub(crate) fn validate(
    params: &[(String, String)],
    shared: &Shared,
) -> Result<AuthRequest, Rejection> {
    let page = |message: &str| Rejection::Page(message.to_owned());
    let client_id = single(params, "client_id")
        .map_err(|()| page("The client_id parameter appears more than once."))?
        .ok_or_else(|| page("The request has no client_id."))?;
    let client = shared
        .client(client_id)
        .ok_or_else(|| page("The client_id is not a registered application."))?;
    let redirect_uri = single(params, "redirect_uri")
        .map_err(|()| page("The redirect_uri parameter appears more than once."))?
        .ok_or_else(|| page("The request has no redirect_uri."))?;
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return Err(page(
            "The redirect_uri is not registered for this application.",
        ));
    }

    // From here on errors go back to the client. Echo state when it can be told apart.
    let state = single(params, "state").ok().flatten();
    let refuse = |error: &'static str, description: &str| Rejection::Redirect {
        redirect_uri: redirect_uri.to_owned(),
        error,
        description: description.to_owned(),
        state: state.map(str::to_owned),
    };
    let invalid = |description: &str| refuse("invalid_request", description);
    let one = |name: &str| {
        single(params, name)
            .map_err(|()| invalid(&format!("parameter {name} appears more than once")))
    };

    match one("response_type")? {
        None => return Err(invalid("response_type is required")),
        Some("code") => {}
        Some(_) => {
            return Err(refuse(
                "unsupported_response_type",
                "only response_type=code is supported",
            ));
        }
    }
    if one("response_mode")?.is_some_and(|mode| mode != "query") {
        return Err(invalid("only response_mode=query is supported"));
    }
    // RFC 6749 section 3.3: a missing scope may be refused as invalid_scope. Without openid this
    // would not be an OpenID Connect request at all.
    let scope = one("scope")?.unwrap_or_default();
    if !scope.split(' ').any(|s| s == "openid") {
        return Err(refuse("invalid_scope", "scope must include openid"));
    }
    let state = one("state")?.ok_or_else(|| invalid("state is required"))?;
    let nonce = one("nonce")?.ok_or_else(|| invalid("nonce is required"))?;
    let code_challenge = one("code_challenge")?
        .ok_or_else(|| invalid("code_challenge is required (PKCE with S256)"))?;
    if !is_pkce_value(code_challenge) {
        return Err(invalid(
            "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
        ));
    }
    // RFC 7636 section 4.3: an absent method means "plain", which is not supported.
    if one("code_challenge_method")? != Some("S256") {
        return Err(invalid("code_challenge_method must be S256"));
    }
    // There is no session to reuse: every sign-in needs the user.
    if one("prompt")?.is_some_and(|p| p.split(' ').any(|v| v == "none")) {
        return Err(refuse("login_required", "the user must sign in"));
    }
    Ok(AuthRequest {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scope: scope.to_owned(),
        state: state.to_owned(),
        nonce: nonce.to_owned(),
        code_challenge: code_challenge.to_owned(),
    })
}

/// RFC 7636 section 4.1: 43 to 128 unreserved characters (for both verifier and challenge).
pub(crate) fn is_pkce_value(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `GET /authorize`: validate, then show the sign-in page.
pub(crate) async fn authorize_get(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(params) = parse_form(query.unwrap_or_default().as_bytes()) else {
        return Rejection::Page("The request could not be read.".into())
            .into_response(StatusCode::FOUND);
    };
    match validate(&params, &shared) {
        Ok(request) => html_response(
            StatusCode::OK,
            html::sign_in_page(&request, &shared.config.users, "", None),
        ),
        Err(rejection) => rejection.into_response(StatusCode::FOUND),
    }
}

/// `POST /authorize`: the sign-in form. Re-validates the whole request, since the hidden fields
/// come back from the browser and could have been altered.
pub(crate) async fn authorize_post(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // 303 so that the browser follows the redirect with GET.
    let see_other = StatusCode::SEE_OTHER;
    let params = is_form(&headers).then(|| parse_form(&body)).flatten();
    let Some(params) = params else {
        return Rejection::Page("The sign-in form could not be read.".into())
            .into_response(see_other);
    };
    let request = match validate(&params, &shared) {
        Ok(request) => request,
        Err(rejection) => return rejection.into_response(see_other),
    };
    if params.iter().any(|(k, _)| k == "deny") {
        let location = redirect_url(
            &request.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "the user declined to sign in"),
                ("state", &request.state),
            ],
        );
        return redirect(see_other, &location);
    }
    let entered = single(&params, "email").ok().flatten().unwrap_or_default();
    let (email, name) = match resolve_user(entered, &shared.config.users) {
        Ok(user) => user,
        Err(message) => {
            return html_response(
                StatusCode::BAD_REQUEST,
                html::sign_in_page(&request, &shared.config.users, entered, Some(message)),
            );
        }
    };

    let code = random_token(32);
    let now = Instant::now();
    {
        let mut codes = shared.codes.lock().expect("codes lock");
        // Expired codes can no longer be redeemed; forget them so the map does not grow.
        codes.retain(|_, grant| grant.expires > now);
        codes.insert(
            code.clone(),
            Grant {
                client_id: request.client_id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                nonce: request.nonce.clone(),
                code_challenge: request.code_challenge.clone(),
                scope: request.scope.clone(),
                email,
                name,
                auth_time: now_secs(),
                expires: now + CODE_LIFETIME,
                used: false,
            },
        );
    }
    let location = redirect_url(
        &request.redirect_uri,
        &[("code", &code), ("state", &request.state)],
    );
    redirect(see_other, &location)
}

/// Checks an entered email against the allowed users; returns the (email, name) to put in the
/// ID token, or a message for the form.
fn resolve_user(
    entered: &str,
    users: &[(String, String)],
) -> Result<(String, String), &'static str> {
    let entered = entered.trim();
    if !is_valid_email(entered) {
        return Err("Enter an email address in the format name@example.org.");
    }
    if users.is_empty() {
        let name = entered.split('@').next().unwrap_or_default().to_owned();
        return Ok((entered.to_ascii_lowercase(), name));
    }
    users
        .iter()
        .find(|(email, _)| email.eq_ignore_ascii_case(entered))
        .map(|(email, name)| (email.clone(), name.clone()))
        .ok_or("That email address cannot sign in here. Use one of the demo accounts listed below.")
}

/// A deliberately plain syntax check: one `@`, a local part, a dotted domain, no spaces or
/// characters that need quoting.
fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let plain = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"(),:;<>@[\\]".contains(&b))
    };
    email.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && plain(local)
        && plain(domain)
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Appends form-encoded parameters to a redirect URI, keeping any query it already has.
pub(crate) fn redirect_url(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(params).expect("string pairs always encode");
    let separator = match redirect_uri.find('?') {
        None => "?",
        Some(_) if redirect_uri.ends_with(['?', '&']) => "",
        Some(_) => "&",
    };
    format!("{redirect_uri}{separator}{query}")
}

fn redirect(status: StatusCode, location: &str) -> Response {
    match HeaderValue::try_from(location) {
        Ok(location) => (status, [(header::LOCATION, location)]).into_response(),
        // Only possible if a registered redirect URI is not a valid header value.
        Err(_) => html_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            html::error_page("The registered redirect_uri cannot be used in a redirect."),
        ),
    }
}

fn html_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            // No scripts, no framing (clickjacking). form-action is deliberately not restricted:
            // browsers apply it to the redirect back to the application after the form post.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_url_appends_to_existing_query() {
        assert_eq!(
            redirect_url("https://a/cb", &[("code", "x y")]),
            "https://a/cb?code=x+y"
        );
        assert_eq!(
            redirect_url("https://a/cb?t=1", &[("code", "&")]),
            "https://a/cb?t=1&code=%26"
        );
        assert_eq!(
            redirect_url("https://a/cb?", &[("code", "c")]),
            "https://a/cb?code=c"
        );
    }

    #[test]
    fn email_syntax() {
        assert!(is_valid_email("staff@wexmoorvale.example.org"));
        assert!(is_valid_email("first.last+tag@example.org"));
        for bad in [
            "",
            "a",
            "@example.org",
            "a@b",
            "a@b.",
            "a@.b",
            "a b@c.d",
            "a@b@c.d",
            "<a>@c.d",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn users_are_matched_without_regard_to_case() {
        let users = vec![("Staff@Example.org".to_owned(), "Sam".to_owned())];
        assert_eq!(
            resolve_user(" staff@example.ORG ", &users),
            Ok(("Staff@Example.org".to_owned(), "Sam".to_owned()))
        );
        assert!(resolve_user("other@example.org", &users).is_err());
        assert_eq!(
            resolve_user("Jo@Example.org", &[]),
            Ok(("jo@example.org".to_owned(), "Jo".to_owned()))
        );
    }

    #[test]
    fn pkce_value_syntax() {
        assert!(is_pkce_value(&"a".repeat(43)));
        assert!(!is_pkce_value(&"a".repeat(42)));
        assert!(!is_pkce_value(&"a".repeat(129)));
        assert!(!is_pkce_value(&format!("{}+", "a".repeat(43))));
    }
}
