//! Sign-in emails, sent off the request path.
//!
//! Asking for a link ([`queue`]) checks the limits and stores the request: the same work, and so
//! the same answer and the same time, whether or not the address belongs to anybody. Whether it
//! does is found out later, by [`deliver`]: for an active person it makes the link and emails it;
//! for anyone else it sends nothing. On AWS the table's stream hands each new request to the
//! `notify` function at once, and its 5-minute sweep ([`deliver_pending`]) retries what failed;
//! locally the web process delivers it in a task of its own and its notifier retries.
//!
//! * A request holds the address typed, so it lives no longer than a link would
//!   ([`magic_link::LIFETIME_MINUTES`], also its TTL) and is deleted once handled.
//! * Delivery claims a request for [`CLAIM_SECS`] (a conditional write on its version) before
//!   sending, so the stream and a sweep racing each other send one email, not two.
//! * A refused email keeps the request with the reason and a back-off (the mailer writes the
//!   `email send failed` line the alarm counts); a request older than a link's lifetime is
//!   dropped, logged: the person will have asked again.

use super::magic_link::{self, MagicLinkError};
use crate::crypto::Secret;
use crate::keys;
use crate::mail::{Links, retry_delay};
use crate::mail::{Mailer, sign_in_message};
use crate::org::{OrgId, OrgProfile};
use crate::store::record::{self, Record, to_item};
use crate::store::{Condition, Index, Item, Query, Store, StoreError, Update};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The `type` of a stored sign-in request (the `notify` stream filter names it).
pub const ITEM_TYPE: &str = "sign_in_request";
/// How long a delivery holds a request before another may try it.
pub const CLAIM_SECS: i64 = 60;

/// Checks the limits and stores the request; the caller answers the same page whatever the
/// address. Returns the request's id (to deliver it at once where that is possible).
pub async fn queue<S: Store>(
    store: &S,
    org: &OrgId,
    email: &str,
    secret: &Secret,
    now: DateTime<Utc>,
) -> Result<String, MagicLinkError> {
    let email = magic_link::check_limit(store, org, email, secret, now).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let created = crate::store::timestamp(now);
    let expires = now + Duration::minutes(magic_link::LIFETIME_MINUTES);
    let record = SignInRequestRecord {
        org: org.as_str().to_string(),
        request_id: id.clone(),
        email,
        created_at: now,
        next_attempt_at: now,
        attempts: 0,
        version: 0,
        last_error: None,
        expires_at: expires.timestamp(),
        gsi1pk: keys::sign_in_requests_pending(org),
        gsi1sk: format!("{created}#{id}"),
    };
    store
        .put(
            to_item(&keys::sign_in_request(org, &id), &record),
            Condition::NotExists,
        )
        .await?;
    Ok(id)
}

/// What delivering one request did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The link was emailed; the request is deleted.
    Sent,
    /// Nobody active has the address: nothing sent; the request is deleted.
    NoAccount,
    /// The email was refused: kept with the reason, retried after a back-off.
    Failed,
    /// Older than a link's lifetime: dropped unsent.
    TooOld,
    /// Already handled (or never stored).
    Gone,
    /// Waiting for its retry time, or being delivered by another run.
    NotDue,
}

/// Counts of a [`deliver_pending`] run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub requests: usize,
    pub sent: usize,
    pub no_account: usize,
    pub failed: usize,
    pub too_old: usize,
}

/// A sign-in email asked for and not yet sent (`keys::sign_in_request`, TTL), listed on gsi1
/// while pending.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignInRequestRecord {
    pub org: String,
    pub request_id: String,
    /// The address as typed (normalised).
    pub email: String,
    #[serde(with = "record::time")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "record::time")]
    pub next_attempt_at: DateTime<Utc>,
    #[serde(default)]
    pub attempts: u32,
    pub version: u64,
    /// Why the last email was refused (set by an update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    pub expires_at: i64,
    pub gsi1pk: String,
    pub gsi1sk: String,
}

impl Record for SignInRequestRecord {
    const TYPE: &'static str = ITEM_TYPE;
}

fn parse(item: &Item) -> Result<SignInRequestRecord, StoreError> {
    Ok(record::from_item(item)?)
}

fn store_error(e: MagicLinkError) -> StoreError {
    match e {
        MagicLinkError::Store(e) => e,
        e => StoreError::Unavailable(e.to_string()),
    }
}

/// Delivers one request by id: finds the person, makes their link and emails it.
pub async fn deliver<S: Store, M: Mailer>(
    store: &S,
    mailer: &M,
    org: &OrgProfile,
    links: &Links,
    request_id: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let key = keys::sign_in_request(&org.id, request_id);
    let Some(item) = store.get(&key).await? else {
        return Ok(Outcome::Gone);
    };
    let r = parse(&item)?;
    if now >= r.created_at + Duration::minutes(magic_link::LIFETIME_MINUTES) {
        tracing::error!(org = %org.id, request_id, attempts = r.attempts,
            "a sign-in email was not sent in time: dropped");
        return delete(store, &key, r.version, Outcome::TooOld).await;
    }
    if r.next_attempt_at > now {
        return Ok(Outcome::NotDue);
    }
    // The claim: of two runs holding the same version, one goes on.
    let mut claimed = r.clone();
    claimed.next_attempt_at = now + Duration::seconds(CLAIM_SECS);
    let claim = store
        .update(
            &key,
            Update::changes(&r, &claimed).bump_version(),
            Condition::version(r.version),
        )
        .await;
    match claim {
        Ok(_) => {}
        Err(StoreError::ConditionFailed) => return Ok(Outcome::NotDue),
        Err(e) => return Err(e),
    }
    let version = r.version + 1;
    let Some(person) = magic_link::find_active(store, &org.id, &r.email)
        .await
        .map_err(store_error)?
    else {
        tracing::info!(org = %org.id, request_id, "sign-in asked for an address with no active account: nothing sent");
        return delete(store, &key, version, Outcome::NoAccount).await;
    };
    let link = magic_link::create(store, &org.id, &person, now)
        .await
        .map_err(store_error)?;
    let message = sign_in_message(
        &org.name,
        &links.sign_in(&link.token),
        magic_link::LIFETIME_MINUTES,
    )
    .to(person.email.clone());
    match mailer.send(&message).await {
        Ok(()) => {
            tracing::info!(org = %org.id, request_id, person_id = person.id,
                latency_ms = (now - r.created_at).num_milliseconds(), "sign-in email sent");
            delete(store, &key, version, Outcome::Sent).await
        }
        Err(e) => {
            let attempts = r.attempts + 1;
            tracing::warn!(org = %org.id, request_id, person_id = person.id, attempts, error = %e,
                "a sign-in email failed: kept, to retry");
            let mut failed = claimed.clone();
            failed.attempts = attempts;
            failed.last_error = Some(e.to_string().chars().take(300).collect());
            failed.next_attempt_at = now + retry_delay(attempts);
            store
                .update(
                    &key,
                    Update::changes(&claimed, &failed).bump_version(),
                    Condition::version(version),
                )
                .await?;
            Ok(Outcome::Failed)
        }
    }
}

async fn delete<S: Store>(
    store: &S,
    key: &crate::store::Key,
    version: u64,
    outcome: Outcome,
) -> Result<Outcome, StoreError> {
    match store.delete(key, Condition::version(version)).await {
        Ok(()) | Err(StoreError::ConditionFailed) => Ok(outcome),
        Err(e) => Err(e),
    }
}

/// Delivers the organisation's pending sign-in requests that are due, oldest first, at most
/// `max` (the sweep; also what retries a refused email).
pub async fn deliver_pending<S: Store, M: Mailer>(
    store: &S,
    mailer: &M,
    org: &OrgProfile,
    links: &Links,
    now: DateTime<Utc>,
    max: usize,
) -> Result<Counts, StoreError> {
    let page = store
        .query(
            &Query::partition(keys::sign_in_requests_pending(&org.id))
                .on_index(Index::Gsi1)
                .limit(max.max(1)),
        )
        .await?;
    let mut counts = Counts::default();
    for item in &page.items {
        let request = match parse(item) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(org = %org.id, error = %e, "a malformed sign-in request was skipped");
                continue;
            }
        };
        match deliver(store, mailer, org, links, &request.request_id, now).await? {
            Outcome::Sent => counts.sent += 1,
            Outcome::NoAccount => counts.no_account += 1,
            Outcome::Failed => counts.failed += 1,
            Outcome::TooOld => counts.too_old += 1,
            Outcome::Gone | Outcome::NotDue => continue,
        }
        counts.requests += 1;
    }
    Ok(counts)
}
