//! Rate limits as fixed-window counters in the store, so a limit holds across every Lambda
//! instance (an in-memory counter would reset with each cold start and be split between
//! instances).
//!
//! One atomic `add` per check: the counter item of the current window is created on first use
//! and removed by the table's TTL an hour after the window ends.
//!
//! Buckets name who is limited, e.g. `signin-email:<mac>`, `signin-ip:<mac>`, `worry-ip:<mac>`.
//! The subject (an address, an IP) is always keyed with the server secret by [`bucket`], and
//! [`check`] refuses any other shape: no raw IP address or email is ever stored, and a hash of
//! one cannot be reversed by trying every IPv4 address without the secret.

use crate::crypto::{self, Secret};
use crate::keys;
use crate::org::OrgId;
use crate::store::record::{self, Record};
use crate::store::{Condition, Store, StoreError, Update, layout};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long a window's counter is kept after the window ends.
const KEEP_AFTER_SECS: u64 = 3600;

/// One fixed window of a bucket (`keys::rate_limit`): made and counted by an update (so it has no
/// `type` attribute), `count` added to and the TTL set on every check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateWindowRecord {
    pub count: u64,
    pub expires_at: u64,
}

impl Record for RateWindowRecord {
    const TYPE: &'static str = "rate_limit";
}

impl RateWindowRecord {
    /// The attribute of [`RateWindowRecord::count`]: a counter, added to atomically.
    pub const COUNT: &'static str = "count";
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateDecision {
    pub allowed: bool,
    /// When refused, seconds until the next window starts (at least 1); 0 when allowed.
    pub retry_after_secs: u64,
}

/// The bucket for `kind` (e.g. `signin-ip`) and a subject: `<kind>:<hex HMAC of the subject>`.
pub fn bucket(secret: &Secret, kind: &str, subject: &str) -> String {
    let mac = secret.mac("rate-limit", &[kind.as_bytes(), subject.as_bytes()]);
    format!("{kind}:{}", crypto::hex(&mac))
}

/// A bucket as [`bucket`] makes it: a kind of 1-40 of `a-z 0-9 -` starting with a letter, `:`,
/// then 64 hex digits.
fn well_formed(bucket: &str) -> bool {
    let Some((kind, mac)) = bucket.split_once(':') else {
        return false;
    };
    (1..=40).contains(&kind.len())
        && kind.starts_with(|c: char| c.is_ascii_lowercase())
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && mac.len() == 64
        && mac.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Counts one attempt in the bucket's current window and says whether it is within `limit`.
/// Refused attempts count too, so hammering does not open the window early.
pub async fn check<S: Store>(
    store: &S,
    org: &OrgId,
    bucket: &str,
    limit: u32,
    window_secs: u64,
    now: DateTime<Utc>,
) -> Result<RateDecision, StoreError> {
    if !well_formed(bucket) {
        return Err(StoreError::InvalidItem(
            "a rate-limit bucket must be made by rate_limit::bucket".into(),
        ));
    }
    if window_secs == 0 {
        return Err(StoreError::InvalidItem(
            "a rate-limit window must be at least 1 second".into(),
        ));
    }
    let now = u64::try_from(now.timestamp()).unwrap_or(0);
    let start = now - now % window_secs;
    let end = start + window_secs;
    let item = store
        .update(
            &keys::rate_limit(org, bucket, start),
            Update::default()
                .add(RateWindowRecord::COUNT, 1)
                .set(layout::TTL, end + KEEP_AFTER_SECS),
            Condition::Always,
        )
        .await?;
    // Unreadable counts as over the limit.
    let count = record::from_item::<RateWindowRecord>(&item)
        .map(|r| r.count)
        .unwrap_or(u64::MAX);
    if count <= u64::from(limit) {
        Ok(RateDecision {
            allowed: true,
            retry_after_secs: 0,
        })
    } else {
        Ok(RateDecision {
            allowed: false,
            retry_after_secs: (end - now).max(1),
        })
    }
}
