//! Checking an ID token: RS256 only, signed by a key of the provider's JWKS, for this issuer,
//! this client, not expired, carrying the nonce of this sign-in, and (per provider kind) from
//! the organisation's tenant or domain. Everything else is refused before any claim is used.

use crate::crypto;
use crate::org::SsoKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// Clock difference tolerated between us and the provider.
pub const LEEWAY_SECS: u64 = 60;

/// What this sign-in expects of the token.
#[derive(Clone, Debug)]
pub struct Expected<'a> {
    pub kind: SsoKind,
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub tenant: Option<&'a str>,
    pub domain: Option<&'a str>,
}

/// Who the provider says signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    /// Lowercased.
    pub email: String,
    pub name: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TokenError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's algorithm {0} is not RS256")]
    Algorithm(String),
    #[error("the token names no key (kid)")]
    NoKeyId,
    #[error("the token's key {0} is not in the provider's key set")]
    UnknownKey(String),
    #[error("the token was refused: {0}")]
    Invalid(String),
    #[error("the token's nonce is not this sign-in's")]
    Nonce,
    #[error("the token is for another tenant or domain: {0}")]
    WrongOrganisation(String),
    #[error("the token carries no verified email address")]
    NoEmail,
}

/// The key id the token asks for, once its header is acceptable (RS256, a kid).
pub fn key_id(token: &str) -> Result<String, TokenError> {
    // Read the algorithm ourselves first, so `none`, HS* (key confusion) and anything else
    // are refused whatever jsonwebtoken would make of them.
    let header_b64 = token.split('.').next().ok_or(TokenError::Malformed)?;
    let header: serde_json::Value = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        header_b64,
    )
    .ok()
    .and_then(|b| serde_json::from_slice(&b).ok())
    .ok_or(TokenError::Malformed)?;
    match header.get("alg").and_then(|a| a.as_str()) {
        Some("RS256") => {}
        Some(other) => return Err(TokenError::Algorithm(other.to_string())),
        None => return Err(TokenError::Malformed),
    }
    if token.split('.').count() != 3 {
        return Err(TokenError::Malformed);
    }
    header
        .get("kid")
        .and_then(|k| k.as_str())
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .ok_or(TokenError::NoKeyId)
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    aud: Audience,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    name: Option<String>,
    /// Entra: the tenant.
    #[serde(default)]
    tid: Option<String>,
    /// Google: the Workspace domain.
    #[serde(default)]
    hd: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Audience {
    // Tried in this order: a list first (IgnoredAny would take a list too).
    Many(Vec<String>),
    One(serde::de::IgnoredAny),
    #[default]
    None,
}

/// Verifies the token with `key` (the JWKS key named by [`key_id`]) and returns who signed in.
pub fn verify(token: &str, key: &DecodingKey, expected: &Expected) -> Result<Identity, TokenError> {
    key_id(token)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[expected.issuer]);
    validation.set_audience(&[expected.client_id]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    validation.leeway = LEEWAY_SECS;
    validation.validate_nbf = true;
    let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
        .map_err(|e| TokenError::Invalid(e.to_string()))?
        .claims;

    // With several audiences, the party it was issued to must be us (OIDC Core 3.1.3.7).
    if let Audience::Many(list) = &claims.aud
        && list.len() > 1
        && claims.azp.as_deref() != Some(expected.client_id)
    {
        return Err(TokenError::Invalid("azp is not this client".into()));
    }
    let nonce_ok = claims
        .nonce
        .as_deref()
        .is_some_and(|n| crypto::constant_time_eq(n.as_bytes(), expected.nonce.as_bytes()));
    if !nonce_ok {
        return Err(TokenError::Nonce);
    }
    match expected.kind {
        SsoKind::Entra => {
            if claims.tid.as_deref() != expected.tenant {
                return Err(TokenError::WrongOrganisation("tid".into()));
            }
        }
        SsoKind::Google => {
            if claims.hd.as_deref().map(str::to_ascii_lowercase)
                != expected.domain.map(str::to_ascii_lowercase)
            {
                return Err(TokenError::WrongOrganisation("hd".into()));
            }
        }
        SsoKind::Oidc => {}
    }
    // `email_verified: false` (or "false") is refused; providers that do not send it (Entra)
    // vouch for their tenant's addresses.
    let verified = match &claims.email_verified {
        None => true,
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s == "true",
        Some(_) => false,
    };
    // Entra sends `email` only when configured; its sign-in name is the tenant's address.
    let email = match (claims.email, expected.kind) {
        (Some(e), _) => e,
        (None, SsoKind::Entra) => claims.preferred_username.ok_or(TokenError::NoEmail)?,
        (None, _) => return Err(TokenError::NoEmail),
    };
    let email = email.trim().to_lowercase();
    if !verified || !email.contains('@') {
        return Err(TokenError::NoEmail);
    }
    if let Some(domain) = expected.domain {
        let at_domain = email
            .rsplit_once('@')
            .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain));
        if !at_domain {
            return Err(TokenError::WrongOrganisation("email domain".into()));
        }
    }
    Ok(Identity {
        subject: claims.sub,
        email,
        name: claims.name,
    })
}
