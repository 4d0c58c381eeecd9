//! The token endpoint: authenticates the client, redeems a code, issues the ID token.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::authorize::is_pkce_value;
use crate::{Client, Shared, hex, json_response, now_secs, parse_form, random_token, single};

/// Lifetime of ID and access tokens, in seconds.
const TOKEN_LIFETIME: u64 = 300;

/// What an authorization code was issued for.
pub(crate) struct Grant {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) nonce: String,
    pub(crate) code_challenge: String,
    pub(crate) scope: String,
    pub(crate) email: String,
    pub(crate) name: String,
    /// When the user signed in, in seconds since the epoch.
    pub(crate) auth_time: u64,
    pub(crate) expires: Instant,
    /// Kept (rather than removing the code) so that a replay gets a precise error.
    pub(crate) used: bool,
}

/// An RFC 6749 section 5.2 error response.
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: &'static str,
    /// Set when the client tried HTTP Basic authentication and failed (RFC 6749 section 5.2).
    basic_challenge: bool,
}

impl OAuthError {
    fn new(error: &'static str, description: &'static str) -> OAuthError {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error,
            description,
            basic_challenge: false,
        }
    }

    fn invalid_client(description: &'static str, basic_challenge: bool) -> OAuthError {
        OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description,
            basic_challenge,
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        tracing::info!(
            error = self.error,
            description = self.description,
            "token request refused"
        );
        let mut response = (
            self.status,
            no_store(),
            json_response(&json!({ "error": self.error, "error_description": self.description })),
        )
            .into_response();
        if self.basic_challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"dev-oidc-provider\""),
            );
        }
        response
    }
}

fn no_store() -> [(header::HeaderName, &'static str); 2] {
    [
        (header::CACHE_CONTROL, "no-store"),
        (header::PRAGMA, "no-cache"),
    ]
}

/// `POST /token`.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match redeem(&shared, &headers, &body) {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

fn redeem(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthError> {
    let invalid_request = |description| OAuthError::new("invalid_request", description);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if !content_type.is_some_and(|v| v.eq_ignore_ascii_case("application/x-www-form-urlencoded")) {
        return Err(invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let params = parse_form(body).ok_or_else(|| invalid_request("the body could not be parsed"))?;
    let param = |name| {
        single(&params, name).map_err(|()| invalid_request("a parameter appears more than once"))
    };

    let client = authenticate(
        shared,
        headers,
        param("client_id")?,
        param("client_secret")?,
    )?;

    match param("grant_type")? {
        None => return Err(invalid_request("grant_type is required")),
        Some("authorization_code") => {}
        Some(_) => {
            return Err(OAuthError::new(
                "unsupported_grant_type",
                "only authorization_code is supported",
            ));
        }
    }
    let code = param("code")?.ok_or_else(|| invalid_request("code is required"))?;
    let redirect_uri =
        param("redirect_uri")?.ok_or_else(|| invalid_request("redirect_uri is required"))?;
    let code_verifier = param("code_verifier")?;

    let invalid_grant = |description| OAuthError::new("invalid_grant", description);
    let mut codes = shared.codes.lock().expect("codes lock");
    let grant = codes
        .get_mut(code)
        .ok_or_else(|| invalid_grant("unknown or expired authorization code"))?;
    if grant.client_id != client.id {
        return Err(invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if grant.used {
        return Err(invalid_grant(
            "the authorization code has already been used",
        ));
    }
    // Any redemption attempt by its client spends the code, so a wrong code_verifier cannot be
    // retried (no guessing PKCE verifiers against a stolen code).
    grant.used = true;
    if grant.expires <= Instant::now() {
        return Err(invalid_grant("the authorization code has expired"));
    }
    if grant.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    // RFC 7636 section 4.6: BASE64URL(SHA256(verifier)) must equal the challenge.
    let verifier_matches = code_verifier.is_some_and(|verifier| {
        is_pkce_value(verifier)
            && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == grant.code_challenge
    });
    if !verifier_matches {
        return Err(invalid_grant(
            "code_verifier is missing or does not match the code_challenge",
        ));
    }

    let now = now_secs();
    let id_token = shared.current_key().sign(&json!({
        "iss": shared.issuer,
        "sub": subject(&grant.email),
        "aud": client.id,
        "exp": now + TOKEN_LIFETIME,
        "iat": now,
        "auth_time": grant.auth_time,
        "nonce": grant.nonce,
        "email": grant.email,
        "email_verified": true,
        "name": grant.name,
    }));
    let scope = grant.scope.clone();
    drop(codes);
    tracing::info!(client_id = %client.id, "tokens issued");
    Ok((
        no_store(),
        json_response(&json!({
            "access_token": random_token(32),
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "id_token": id_token,
            "scope": scope,
        })),
    )
        .into_response())
}

/// Authenticates the client by `client_secret_basic` or `client_secret_post` (exactly one).
fn authenticate<'a>(
    shared: &'a Shared,
    headers: &HeaderMap,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<&'a Client, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    let (id, secret, basic_used) = match (basic, form_secret) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::new(
                "invalid_request",
                "use one client authentication method, not two",
            ));
        }
        (Some(credentials), None) => {
            let (id, secret) = parse_basic(credentials)
                .ok_or_else(|| OAuthError::invalid_client("malformed Basic credentials", true))?;
            // client_id may also be sent in the body, but then it must name the same client.
            if form_id.is_some_and(|form_id| form_id != id) {
                return Err(OAuthError::invalid_client(
                    "client_id does not match the credentials",
                    true,
                ));
            }
            (id, secret, true)
        }
        (None, Some(secret)) => {
            let id = form_id
                .ok_or_else(|| OAuthError::invalid_client("client_id is required", false))?;
            (id.to_owned(), secret.to_owned(), false)
        }
        (None, None) => {
            return Err(OAuthError::invalid_client(
                "client authentication is required",
                false,
            ));
        }
    };
    shared
        .client(&id)
        .filter(|client| secrets_equal(&client.secret, &secret))
        .ok_or_else(|| OAuthError::invalid_client("client authentication failed", basic_used))
}

/// `base64(urlencode(id) ":" urlencode(secret))`, RFC 6749 section 2.3.1.
fn parse_basic(credentials: &str) -> Option<(String, String)> {
    let decoded = STANDARD.decode(credentials.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space).
fn form_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(b) = input.next() {
        bytes.push(match b {
            b'+' => b' ',
            b'%' => {
                let hi = char::from(input.next()?).to_digit(16)?;
                let lo = char::from(input.next()?).to_digit(16)?;
                u8::try_from(hi * 16 + lo).ok()?
            }
            other => other,
        });
    }
    String::from_utf8(bytes).ok()
}

/// Compares secrets in constant time: both are hashed first so neither the content nor the
/// length of the expected secret leaks through timing.
fn secrets_equal(expected: &str, given: &str) -> bool {
    let a = Sha256::digest(expected.as_bytes());
    let b = Sha256::digest(given.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// A stable, public subject identifier: the first 32 hex digits of SHA-256 of the lower-cased email.
fn subject(email: &str) -> String {
    hex(&Sha256::digest(email.to_ascii_lowercase().as_bytes()))[..32].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let encoded = STANDARD.encode("my%20client:s%3Acret+x");
        assert_eq!(
            parse_basic(&encoded),
            Some(("my client".to_owned(), "s:cret x".to_owned()))
        );
        assert_eq!(parse_basic("not base64!"), None);
        assert_eq!(parse_basic(&STANDARD.encode("no-colon")), None);
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%4"), None);
    }

    #[test]
    fn secret_comparison() {
        assert!(secrets_equal("secret", "secret"));
        assert!(!secrets_equal("secret", "secreT"));
        assert!(!secrets_equal("secret", "secret "));
        assert!(!secrets_equal("secret", ""));
    }

    #[test]
    fn subject_ignores_email_case() {
        assert_eq!(subject("A@Example.org"), subject("a@example.org"));
        assert_eq!(subject("a@example.org").len(), 32);
    }
}
