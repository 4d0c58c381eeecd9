//! Sign-in by emailed link: a single-use token that expires after [`LIFETIME_MINUTES`].
//!
//! * Only the SHA-256 of the token is stored (with a TTL), so a copy of the table cannot sign
//!   anybody in.
//! * [`request`] answers `Ok(None)` for an unknown or deactivated email and `Ok(Some)` otherwise;
//!   the caller must show the same page either way, so nobody learns who is registered. The
//!   per-email rate limit applies to every address alike, for the same reason.
//! * [`consume`] deletes the token with a condition that it still exists, so of two uses (or two
//!   concurrent clicks) exactly one signs in.
//! * Expiry is checked on read: DynamoDB's TTL deletion can lag by hours.

use super::people::{self, PeopleError, Person};
use crate::crypto::{self, Secret};
use crate::keys;
use crate::org::OrgId;
use crate::rate_limit;
use crate::store::record::{self, Record, to_item};
use crate::store::{Condition, Store, StoreError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub const LIFETIME_MINUTES: i64 = 15;
/// Links one email address may ask for per window (stops flooding someone's inbox).
pub const PER_EMAIL_LIMIT: u32 = 5;
pub const PER_EMAIL_WINDOW_SECS: u64 = 15 * 60;

/// A new sign-in link's token, to put in the emailed URL. Shown once, never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct MagicLink {
    /// 32 random bytes, base64url without padding (43 characters).
    pub token: String,
    pub person_id: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for MagicLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the token (it signs someone in)
        f.debug_struct("MagicLink")
            .field("person_id", &self.person_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MagicLinkError {
    #[error("the email address is not valid: {0}")]
    InvalidEmail(&'static str),
    #[error("too many sign-in links asked for; retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// Too many requests from one network address (a whole school is often one address, so
    /// the limit is high and the message says so).
    #[error("too many sign-in links asked for from one network; retry after {retry_after_secs} s")]
    NetworkBusy { retry_after_secs: u64 },
    /// Unknown, malformed, another organisation's, or already used (and deleted).
    #[error("the sign-in link is not valid")]
    Invalid,
    /// Used at the same moment by another request.
    #[error("the sign-in link was already used")]
    Used,
    #[error("the sign-in link has expired")]
    Expired,
    #[error("the person was deactivated")]
    Inactive,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored sign-in link is malformed: {0}")]
    Corrupt(String),
}

impl MagicLinkError {
    /// A plain message for the person, saying what to do.
    pub fn user_message(&self) -> String {
        match self {
            MagicLinkError::InvalidEmail(why) => {
                format!("That email address does not look right ({why}). Please check it.")
            }
            MagicLinkError::RateLimited { retry_after_secs } => format!(
                "You have asked for several sign-in links in a short time. Please use the newest email we sent, or try again in {} minutes.",
                retry_after_secs.div_ceil(60)
            ),
            MagicLinkError::NetworkBusy { retry_after_secs } => format!(
                "A great many sign-in links have been asked for from your network in the last few minutes. Please try again in {} minutes. If this keeps happening, tell your school's or college's IT team.",
                retry_after_secs.div_ceil(60)
            ),
            MagicLinkError::Invalid | MagicLinkError::Used => {
                "This sign-in link has already been used or is not complete. Each link works once: please ask for a new one.".into()
            }
            MagicLinkError::Expired => format!(
                "This sign-in link has expired (links work for {LIFETIME_MINUTES} minutes). Please ask for a new one."
            ),
            MagicLinkError::Inactive => {
                "You cannot sign in to this organisation any more. If you think this is a mistake, please speak to its administrator.".into()
            }
            MagicLinkError::Store(_) | MagicLinkError::Corrupt(_) => {
                "Sorry, we could not sign you in just now. Please try again in a minute.".into()
            }
        }
    }
}

fn from_people(e: PeopleError) -> MagicLinkError {
    match e {
        PeopleError::InvalidEmail(why) => MagicLinkError::InvalidEmail(why),
        PeopleError::Store(e) => MagicLinkError::Store(e),
        e => MagicLinkError::Corrupt(e.to_string()),
    }
}

/// Creates a sign-in link when the email belongs to an active person of the organisation.
///
/// `secret` keys the rate-limit bucket of the email (so the table holds no usable email hash).
pub async fn request<S: Store>(
    store: &S,
    org: &OrgId,
    email: &str,
    secret: &Secret,
    now: DateTime<Utc>,
) -> Result<Option<MagicLink>, MagicLinkError> {
    let email = check_limit(store, org, email, secret, now).await?;
    match find_active(store, org, &email).await? {
        Some(person) => create(store, org, &person, now).await.map(Some),
        None => Ok(None),
    }
}

/// Checks the email is well formed and still within [`PER_EMAIL_LIMIT`] (counting this request);
/// returns it normalised. The same work for a known and an unknown address.
pub async fn check_limit<S: Store>(
    store: &S,
    org: &OrgId,
    email: &str,
    secret: &Secret,
    now: DateTime<Utc>,
) -> Result<String, MagicLinkError> {
    let email = people::normalise_email(email).map_err(from_people)?;
    let bucket = rate_limit::bucket(secret, "signin-email", &email);
    let decision = rate_limit::check(
        store,
        org,
        &bucket,
        PER_EMAIL_LIMIT,
        PER_EMAIL_WINDOW_SECS,
        now,
    )
    .await?;
    if !decision.allowed {
        return Err(MagicLinkError::RateLimited {
            retry_after_secs: decision.retry_after_secs,
        });
    }
    Ok(email)
}

/// The active person with this (normalised) email, if any.
pub async fn find_active<S: Store>(
    store: &S,
    org: &OrgId,
    email: &str,
) -> Result<Option<Person>, MagicLinkError> {
    Ok(people::find_by_email(store, org, email)
        .await
        .map_err(from_people)?
        .filter(|p| p.active))
}

/// A sign-in link, by the hash of its token (`keys::magic_link`); the TTL is its expiry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MagicLinkRecord {
    pub person_id: String,
    #[serde(with = "record::time")]
    pub created_at: DateTime<Utc>,
    pub expires_at: i64,
}

impl Record for MagicLinkRecord {
    const TYPE: &'static str = "magic_link";
}

/// Stores a new link for `person` (its hash only) and returns the token to email.
pub async fn create<S: Store>(
    store: &S,
    org: &OrgId,
    person: &Person,
    now: DateTime<Utc>,
) -> Result<MagicLink, MagicLinkError> {
    let token = B64.encode(crypto::random_bytes::<32>());
    let expires_at = now + Duration::minutes(LIFETIME_MINUTES);
    let key = keys::magic_link(org, &crypto::sha256_hex(token.as_bytes()));
    let record = MagicLinkRecord {
        person_id: person.id.clone(),
        created_at: now,
        expires_at: expires_at.timestamp(),
    };
    store
        .put(to_item(&key, &record), Condition::NotExists)
        .await?;
    tracing::info!(%org, person_id = person.id, "sign-in link created");
    Ok(MagicLink {
        token,
        person_id: person.id.clone(),
        expires_at,
    })
}

/// Uses a sign-in link: returns the person to start a session for. Works once.
pub async fn consume<S: Store>(
    store: &S,
    org: &OrgId,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Person, MagicLinkError> {
    let token = token.trim();
    // Anything that is not 32 bytes of base64url was never issued: no store round trip.
    if token.len() != 43 || B64.decode(token).map(|b| b.len()) != Ok(32) {
        return Err(MagicLinkError::Invalid);
    }
    let key = keys::magic_link(org, &crypto::sha256_hex(token.as_bytes()));
    let Some(item) = store.get(&key).await? else {
        return Err(MagicLinkError::Invalid);
    };
    // The delete is the single-use gate: of two concurrent uses, one finds it gone.
    match store.delete(&key, Condition::Exists).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed) => return Err(MagicLinkError::Used),
        Err(e) => return Err(e.into()),
    }
    let link: MagicLinkRecord =
        record::from_item(&item).map_err(|e| MagicLinkError::Corrupt(e.to_string()))?;
    if now.timestamp() >= link.expires_at {
        return Err(MagicLinkError::Expired);
    }
    let person_id = link.person_id.as_str();
    let person = match people::get(store, org, person_id).await {
        Ok(p) => p,
        Err(PeopleError::NotFound) => return Err(MagicLinkError::Inactive),
        Err(e) => return Err(from_people(e)),
    };
    if !person.active {
        return Err(MagicLinkError::Inactive);
    }
    tracing::info!(%org, person_id, "signed in by link");
    Ok(person)
}
