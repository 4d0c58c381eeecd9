//! Sessions: short-lived JWTs signed with HS256, carried in an `HttpOnly; Secure; SameSite`
//! cookie by the web layer.
//!
//! * Keys come from configuration (see [`SessionKeys::from_config`]), never from the repository.
//!   Every token names its key in the `kid` header; the current key signs, previous keys still
//!   verify, so a key can be rotated without signing everybody out.
//! * Verification accepts exactly one algorithm, HS256, decided here and never by the token:
//!   `alg: none`, RS256/ES256 and HS/RS confusion are refused before any key is used.
//! * A valid signature is not enough: [`check_live`] reads the person and refuses the session when
//!   they were deactivated (their `session_epoch` moved on), so revocation is server-side.
//!   Authorise with the roles of the person it returns (fresh), not those copied into the token.
//! * Expiry is checked against the `now` passed in (not the system clock), so it is testable and
//!   the same on every instance.

use super::people::{self, PeopleError, Person};
use crate::crypto::Secret;
use crate::org::OrgId;
use crate::roles::Role;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "online-safety-platform";
pub const AUDIENCE: &str = "session";
/// How long a session lasts without activity; renewed when more than half has passed.
pub const DEFAULT_TTL: Duration = Duration::hours(1);
/// No token is accepted that was issued for longer than this, whatever it says.
pub const MAX_TTL: Duration = Duration::hours(12);
/// Tolerated clock difference between instances for `iat`.
const CLOCK_SKEW_SECS: i64 = 60;
/// Tokens longer than this are not even parsed.
const MAX_TOKEN_BYTES: usize = 4096;

/// One signing key: an id (the `kid` header) and an HMAC secret of at least 32 bytes.
pub struct Key {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the secret
        write!(f, "Key {{ kid: {:?}, .. }}", self.kid)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyConfigError {
    #[error("no session key is configured")]
    Empty,
    #[error("session key {position}: expected `kid:secret`")]
    NotKidAndSecret { position: usize },
    #[error("session key {position}: the kid must be 1-64 letters, digits, `.`, `_` or `-`")]
    BadKid { position: usize },
    #[error("session key `{kid}`: the secret must be at least {min} bytes (it is {len})")]
    SecretTooShort { kid: String, len: usize, min: usize },
    #[error("session key `{0}` is configured twice")]
    DuplicateKid(String),
}

impl Key {
    pub fn new(kid: &str, secret: &str) -> Result<Key, KeyConfigError> {
        Self::at(1, kid, secret)
    }

    fn at(position: usize, kid: &str, secret: &str) -> Result<Key, KeyConfigError> {
        let kid = kid.trim();
        let secret = secret.trim();
        let kid_ok = (1..=64).contains(&kid.len())
            && kid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !kid_ok {
            return Err(KeyConfigError::BadKid { position });
        }
        if secret.len() < Secret::MIN_LEN {
            return Err(KeyConfigError::SecretTooShort {
                kid: kid.to_string(),
                len: secret.len(),
                min: Secret::MIN_LEN,
            });
        }
        Ok(Key {
            kid: kid.to_string(),
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }
}

/// The keys sessions are signed and verified with.
#[derive(Debug)]
pub struct SessionKeys {
    /// Signs new tokens (and verifies).
    pub current: Key,
    /// Only verify: tokens signed before the last rotation, until they expire.
    pub previous: Vec<Key>,
}

impl SessionKeys {
    /// Reads keys from configuration (e.g. the `SESSION_KEYS` environment variable):
    /// comma-separated `kid:secret` pairs, the **first is current**, the rest previous.
    ///
    /// `2026-11:<secret>,2026-05:<older secret>`
    ///
    /// A kid is 1-64 of `A-Z a-z 0-9 . _ -`; a secret is at least 32 bytes, may contain `:` but
    /// not `,`; surrounding spaces are ignored. To rotate: put a new pair first, keep the old one
    /// second for at least the session lifetime, then remove it.
    pub fn from_config(config: &str) -> Result<SessionKeys, KeyConfigError> {
        let mut keys = Vec::new();
        for (i, entry) in config
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .enumerate()
        {
            let position = i + 1;
            let (kid, secret) = entry
                .split_once(':')
                .ok_or(KeyConfigError::NotKidAndSecret { position })?;
            let key = Key::at(position, kid, secret)?;
            if keys.iter().any(|k: &Key| k.kid == key.kid) {
                return Err(KeyConfigError::DuplicateKid(key.kid));
            }
            keys.push(key);
        }
        if keys.is_empty() {
            return Err(KeyConfigError::Empty);
        }
        let current = keys.remove(0);
        Ok(SessionKeys {
            current,
            previous: keys,
        })
    }

    fn find(&self, kid: &str) -> Option<&Key> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.kid == kid)
    }
}

/// What a session token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The person's id.
    pub sub: String,
    pub org: String,
    /// The roles when issued: for display only; authorise with [`check_live`]'s person.
    pub roles: Vec<Role>,
    /// The person's `session_epoch` when issued.
    pub epoch: u32,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// The token's own id: CSRF tokens are bound to it.
    pub jti: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SessionError {
    #[error("the token is not a well-formed session token")]
    Malformed,
    #[error("the token is not signed with HS256")]
    WrongAlgorithm,
    #[error("the token names no key, or a key that is not configured")]
    UnknownKey,
    #[error("the token's signature does not match")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token was issued by someone else")]
    WrongIssuer,
    #[error("the token is not meant for sessions")]
    WrongAudience,
    #[error("the person was deactivated or their sessions were ended")]
    Revoked,
    #[error("the lifetime asked for is not between 1 second and {0} hours")]
    BadLifetime(i64),
    #[error("signing failed: {0}")]
    Signing(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored person is malformed: {0}")]
    Corrupt(String),
}

impl SessionError {
    /// A plain message for the person. Which check failed stays in the log.
    pub fn user_message(&self) -> String {
        match self {
            SessionError::Expired => {
                "You were signed out because you had not used the platform for a while. Please sign in again.".into()
            }
            SessionError::Revoked => {
                "You have been signed out. If you think this is a mistake, please speak to your organisation's administrator.".into()
            }
            SessionError::Store(_) | SessionError::Corrupt(_) | SessionError::Signing(_) => {
                "Sorry, we could not check your sign-in just now. Please try again in a minute.".into()
            }
            _ => "Please sign in again.".into(),
        }
    }
}

/// Signs a session for an active person, valid for `ttl` from `now`, with the current key.
pub fn issue(
    keys: &SessionKeys,
    person: &Person,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<String, SessionError> {
    if ttl <= Duration::zero() || ttl > MAX_TTL {
        return Err(SessionError::BadLifetime(MAX_TTL.num_hours()));
    }
    if !person.active {
        return Err(SessionError::Revoked);
    }
    let iat = now.timestamp();
    let claims = SessionClaims {
        sub: person.id.clone(),
        org: person.org.as_str().to_string(),
        roles: person.roles.clone(),
        epoch: person.session_epoch,
        iat,
        exp: iat + ttl.num_seconds(),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        jti: uuid::Uuid::new_v4().simple().to_string(),
    };
    super::jwt_crypto::install();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(keys.current.kid.clone());
    jsonwebtoken::encode(&header, &claims, &keys.current.encoding)
        .map_err(|e| SessionError::Signing(e.to_string()))
}

/// Checks a session token's form, key, algorithm, signature, issuer, audience and expiry.
/// Does not read the store: follow with [`check_live`].
pub fn verify(
    keys: &SessionKeys,
    token: &str,
    now: DateTime<Utc>,
) -> Result<SessionClaims, SessionError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(SessionError::Malformed);
    }
    // The header is read unverified only to choose the key; the algorithm is fixed here. A header
    // with `alg: none` (or any name outside the library's list) does not even parse.
    let header = jsonwebtoken::decode_header(token).map_err(|_| SessionError::Malformed)?;
    if header.alg != Algorithm::HS256 {
        return Err(SessionError::WrongAlgorithm);
    }
    let key = header
        .kid
        .as_deref()
        .and_then(|kid| keys.find(kid))
        .ok_or(SessionError::UnknownKey)?;

    super::jwt_crypto::install();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    // Expiry is checked below against `now`, the library would use the system clock.
    validation.validate_exp = false;
    validation.leeway = 0;
    let data =
        jsonwebtoken::decode::<SessionClaims>(token, &key.decoding, &validation).map_err(|e| {
            match e.kind() {
                ErrorKind::InvalidSignature => SessionError::BadSignature,
                ErrorKind::InvalidAlgorithm => SessionError::WrongAlgorithm,
                ErrorKind::InvalidIssuer => SessionError::WrongIssuer,
                ErrorKind::InvalidAudience => SessionError::WrongAudience,
                _ => SessionError::Malformed,
            }
        })?;
    let claims = data.claims;
    let now = now.timestamp();
    if claims.exp <= now {
        return Err(SessionError::Expired);
    }
    if claims.iat > now + CLOCK_SKEW_SECS
        || claims.exp <= claims.iat
        || claims.exp - claims.iat > MAX_TTL.num_seconds()
        || OrgId::parse(&claims.org).is_none()
        || claims.jti.is_empty()
    {
        return Err(SessionError::Malformed);
    }
    Ok(claims)
}

/// Whether to issue a fresh token: more than half the session's lifetime has passed (sliding
/// renewal, so an active person stays signed in and an idle one is signed out).
pub fn needs_renewal(claims: &SessionClaims, now: DateTime<Utc>) -> bool {
    let lifetime = claims.exp - claims.iat;
    now.timestamp() - claims.iat > lifetime / 2
}

/// Reads the person a verified session names and checks they may still be signed in: they exist
/// in the token's organisation, are active, and their sessions were not ended since it was issued.
pub async fn check_live<S: Store>(
    store: &S,
    claims: &SessionClaims,
) -> Result<Person, SessionError> {
    let org = OrgId::parse(&claims.org).ok_or(SessionError::Malformed)?;
    let person = match people::get(store, &org, &claims.sub).await {
        Ok(p) => p,
        Err(PeopleError::NotFound) => return Err(SessionError::Revoked),
        Err(PeopleError::Store(e)) => return Err(SessionError::Store(e)),
        Err(e) => return Err(SessionError::Corrupt(e.to_string())),
    };
    if !person.active || person.session_epoch != claims.epoch {
        return Err(SessionError::Revoked);
    }
    Ok(person)
}
