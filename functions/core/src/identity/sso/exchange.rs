//! The two calls to the provider's back channel: redeeming the code at the token endpoint
//! (the client authenticated as discovery says: `client_secret_basic` or
//! `client_secret_post`) and reading the UserInfo endpoint with the access token.

use super::SsoError;
use super::provider::{ClientAuth, Endpoints, fetch_is_transient, status_is_transient};
use crate::http_client::HttpClient;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::Full;
use serde_json::Value;

/// What the token endpoint gave.
pub struct Tokens {
    pub id_token: String,
    pub access_token: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").finish_non_exhaustive()
    }
}

/// `application/x-www-form-urlencoded` of one value (RFC 6749 2.3.1 encodes the client id
/// and secret so before they go into HTTP Basic).
fn form_encode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)]).expect("a string always encodes")[1..].to_string()
}

/// The `Authorization` header of `client_secret_basic`.
pub fn basic_authorization(client_id: &str, secret: &str) -> String {
    let pair = format!("{}:{}", form_encode(client_id), form_encode(secret));
    format!("Basic {}", STANDARD.encode(pair))
}

/// The form and the extra header of a code redemption, per the client auth method.
pub fn token_request(
    auth: ClientAuth,
    client_id: &str,
    secret: &str,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> (String, Option<String>) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ];
    let header = match auth {
        ClientAuth::Basic => Some(basic_authorization(client_id, secret)),
        ClientAuth::Post => {
            form.push(("client_id", client_id));
            form.push(("client_secret", secret));
            None
        }
    };
    let body = serde_urlencoded::to_string(&form).expect("string pairs always encode");
    (body, header)
}

/// Redeems the authorization code for the ID token (and the access token, for UserInfo).
pub async fn redeem_code(
    http: &HttpClient,
    endpoints: &Endpoints,
    client_id: &str,
    secret: &str,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<Tokens, SsoError> {
    let (body, authorization) = token_request(
        endpoints.client_auth,
        client_id,
        secret,
        code,
        redirect_uri,
        verifier,
    );
    let mut request = http::Request::post(&endpoints.token)
        .header(http::header::ACCEPT, "application/json")
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        );
    if let Some(value) = authorization {
        request = request.header(http::header::AUTHORIZATION, value);
    }
    let response = http
        .send(&endpoints.token, request.body(Full::new(Bytes::from(body))))
        .await
        .map_err(|e| SsoError::Exchange {
            transient: fetch_is_transient(&e),
            reason: e.to_string(),
        })?;
    let field = |name: &str| {
        response
            .body
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if response.status != 200 {
        let error = field("error").unwrap_or_else(|| "no error code".into());
        let reason = format!("status {}: {error}", response.status);
        return Err(match error.as_str() {
            "invalid_client" | "unauthorized_client" => SsoError::ClientRejected(reason),
            // The code was already used or has expired: this attempt is spent.
            "invalid_grant" => SsoError::StateUnknown,
            _ => SsoError::Exchange {
                transient: status_is_transient(response.status),
                reason,
            },
        });
    }
    let id_token = field("id_token").ok_or_else(|| SsoError::Exchange {
        reason: "no id_token in the answer".into(),
        transient: false,
    })?;
    Ok(Tokens {
        id_token,
        access_token: field("access_token"),
    })
}

/// The UserInfo answer (a JSON object; signed or encrypted answers are not asked for).
pub async fn userinfo(http: &HttpClient, url: &str, access_token: &str) -> Result<Value, SsoError> {
    let request = http::Request::get(url)
        .header(http::header::ACCEPT, "application/json")
        .header(
            http::header::AUTHORIZATION,
            format!("Bearer {access_token}"),
        )
        .body(Full::new(Bytes::new()));
    let response = http
        .send(url, request)
        .await
        .map_err(|e| SsoError::UserInfo {
            transient: fetch_is_transient(&e),
            reason: e.to_string(),
        })?;
    if response.status != 200 || !response.body.is_object() {
        return Err(SsoError::UserInfo {
            reason: format!("status {}", response.status),
            transient: status_is_transient(response.status),
        });
    }
    Ok(response.body)
}
