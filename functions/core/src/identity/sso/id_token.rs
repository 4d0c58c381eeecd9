//! Checking an ID token: RS256 only, signed by a key of the provider's JWKS, for the issuer
//! exactly as the provider publishes it, this client, not expired, carrying the nonce of this
//! sign-in, and (per provider kind) from the organisation's tenant or domain. Everything else is
//! refused before any claim is used.
//!
//! Then who signed in: the email claims come from the ID token or, when it carries none (OpenID
//! Connect Core 5.4 allows claims only at the UserInfo endpoint), from UserInfo, whose `sub`
//! must be the token's (Core 5.3.2); [`identity`] applies the email rules.

use super::provider::TENANT_PLACEHOLDER;
use crate::crypto;
use crate::org::SsoKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

/// Clock difference tolerated between us and the provider.
pub const LEEWAY_SECS: u64 = 60;

/// Google's ID tokens may carry its issuer without the scheme (Google's OpenID Connect
/// documentation says `iss` is `https://accounts.google.com` or `accounts.google.com`).
const GOOGLE_ISSUER: &str = "https://accounts.google.com";
const GOOGLE_ISSUER_BARE: &str = "accounts.google.com";

/// What this sign-in expects of the token.
#[derive(Clone, Debug)]
pub struct Expected<'a> {
    pub kind: SsoKind,
    /// The issuer as the provider's discovery document publishes it.
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// The organisation's Entra tenant id.
    pub tenant: Option<&'a str>,
    /// The organisation's email domain (Google Workspace's `hd`).
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

/// The claims of a checked ID token that say who it is, before the email rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenClaims {
    pub subject: String,
    pub email: Option<String>,
    /// `None` when the provider does not say (Entra never does).
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    /// Entra's sign-in name, the last resort for its address.
    pub preferred_username: Option<String>,
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
    #[error("the token's issuer is {found}, not {expected} (the provider's published issuer)")]
    IssuerMismatch { expected: String, found: String },
    #[error("the token is for tenant {found:?}, not the configured {expected:?}")]
    WrongTenant {
        expected: Option<String>,
        found: Option<String>,
    },
    #[error("the token's hosted domain (hd) is {found:?}, not {expected}")]
    WrongHostedDomain {
        expected: String,
        found: Option<String>,
    },
    #[error("the address {email} is not at {domain}")]
    EmailOutsideDomain { email: String, domain: String },
    #[error("neither the token nor UserInfo carries an email address")]
    NoEmail,
    #[error("the provider says the address {email} is not verified (email_verified false)")]
    EmailUnverified { email: String },
    #[error("UserInfo answered for subject {found:?}, not the token's")]
    SubjectMismatch { found: Option<String> },
}

/// The key id the token asks for, once its header is acceptable (RS256, a kid).
pub fn key_id(token: &str) -> Result<String, TokenError> {
    // Read the algorithm ourselves first, so `none`, HS* (key confusion) and anything else
    // are refused whatever jsonwebtoken would make of them.
    let header_b64 = token.split('.').next().ok_or(TokenError::Malformed)?;
    let header: Value = base64::Engine::decode(
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
    iss: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    aud: Audience,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<Value>,
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

/// `email_verified` as providers send it: a boolean, or (some) the string "true" / "false".
/// Anything else counts as not verified.
fn verified_flag(value: Option<&Value>) -> Option<bool> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) => Some(s == "true"),
        Some(_) => Some(false),
    }
}

/// The issuer a token must carry: the published one, with a Microsoft multi-tenant
/// document's placeholder replaced by the token's tenant, which must then be the one
/// configured.
fn issuer_for(expected: &Expected, tid: Option<&str>) -> Result<String, TokenError> {
    if !expected.issuer.contains(TENANT_PLACEHOLDER) {
        return Ok(expected.issuer.to_string());
    }
    match (tid, expected.tenant) {
        (Some(tid), Some(tenant)) if tid == tenant => {
            Ok(expected.issuer.replace(TENANT_PLACEHOLDER, tid))
        }
        _ => Err(TokenError::WrongTenant {
            expected: expected.tenant.map(str::to_string),
            found: tid.map(str::to_string),
        }),
    }
}

/// Checks the token with `key` (the JWKS key named by [`key_id`]) and returns its claims about
/// who signed in; the email rules are [`identity`]'s.
pub fn check(
    token: &str,
    key: &DecodingKey,
    expected: &Expected,
) -> Result<TokenClaims, TokenError> {
    key_id(token)?;
    crate::identity::jwt_crypto::install();
    let mut validation = Validation::new(Algorithm::RS256);
    // The issuer is compared below, exactly, once a tenant placeholder is filled in.
    validation.iss = None;
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
    let issuer = issuer_for(expected, claims.tid.as_deref())?;
    let issuer_ok = claims.iss == issuer
        || (expected.kind == SsoKind::Google
            && issuer == GOOGLE_ISSUER
            && claims.iss == GOOGLE_ISSUER_BARE);
    if !issuer_ok {
        return Err(TokenError::IssuerMismatch {
            expected: issuer,
            found: claims.iss.chars().take(200).collect(),
        });
    }
    match expected.kind {
        SsoKind::Entra => {
            if claims.tid.is_none() || claims.tid.as_deref() != expected.tenant {
                return Err(TokenError::WrongTenant {
                    expected: expected.tenant.map(str::to_string),
                    found: claims.tid,
                });
            }
        }
        SsoKind::Google => {
            let domain = expected.domain.unwrap_or_default();
            let same = claims
                .hd
                .as_deref()
                .is_some_and(|hd| !domain.is_empty() && hd.eq_ignore_ascii_case(domain));
            if !same {
                return Err(TokenError::WrongHostedDomain {
                    expected: domain.to_string(),
                    found: claims.hd,
                });
            }
        }
        SsoKind::Oidc => {}
    }
    Ok(TokenClaims {
        subject: claims.sub,
        email: claims.email,
        email_verified: verified_flag(claims.email_verified.as_ref()),
        name: claims.name,
        preferred_username: claims.preferred_username,
    })
}

/// Whether the token leaves the email to the UserInfo endpoint.
pub fn needs_userinfo(claims: &TokenClaims) -> bool {
    claims.email.is_none()
}

/// Takes the email claims (and the name, if the token had none) from a UserInfo answer, which
/// must be about the token's subject (OpenID Connect Core 5.3.2: otherwise it must not be used).
pub fn merge_userinfo(
    mut claims: TokenClaims,
    userinfo: &Value,
) -> Result<TokenClaims, TokenError> {
    let sub = userinfo.get("sub").and_then(Value::as_str);
    let same =
        sub.is_some_and(|s| crypto::constant_time_eq(s.as_bytes(), claims.subject.as_bytes()));
    if !same {
        return Err(TokenError::SubjectMismatch {
            found: sub.map(|s| s.chars().take(200).collect()),
        });
    }
    if let Some(email) = userinfo.get("email").and_then(Value::as_str) {
        claims.email = Some(email.to_string());
        claims.email_verified = verified_flag(userinfo.get("email_verified"));
    }
    if claims.name.is_none() {
        claims.name = userinfo
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    Ok(claims)
}

/// Who signed in, by the email rules: an address (Entra's sign-in name when it sends no
/// `email`), lowercased, not marked unverified (`email_verified: false`; providers that do not
/// send it, like Entra, vouch for their tenant's addresses), at the organisation's domain when
/// it has one.
pub fn identity(claims: TokenClaims, expected: &Expected) -> Result<Identity, TokenError> {
    let (email, verified) = match (claims.email, expected.kind) {
        (Some(e), _) => (e, claims.email_verified),
        (None, SsoKind::Entra) => (
            claims
                .preferred_username
                .filter(|u| u.contains('@'))
                .ok_or(TokenError::NoEmail)?,
            None,
        ),
        (None, _) => return Err(TokenError::NoEmail),
    };
    let email = email.trim().to_lowercase();
    if !email.contains('@') {
        return Err(TokenError::NoEmail);
    }
    if verified == Some(false) {
        return Err(TokenError::EmailUnverified { email });
    }
    if let Some(domain) = expected.domain {
        let at_domain = email
            .rsplit_once('@')
            .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain));
        if !at_domain {
            return Err(TokenError::EmailOutsideDomain {
                email,
                domain: domain.to_string(),
            });
        }
    }
    Ok(Identity {
        subject: claims.subject,
        email,
        name: claims.name,
    })
}

/// [`check`] then [`identity`], for a token that carries its email claims.
pub fn verify(token: &str, key: &DecodingKey, expected: &Expected) -> Result<Identity, TokenError> {
    identity(check(token, key, expected)?, expected)
}
