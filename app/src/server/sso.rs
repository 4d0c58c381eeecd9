//! Single sign-on: starting at a provider and coming back from it. The protocol (state, nonce,
//! PKCE, the ID token's checks, matching an account) is in `safety_core::identity::sso`; this
//! adds the per-address limit on starts and says how each failure ends and what people are
//! told. The cookies that tie a callback to its browser are the web edge's.

use super::{Outcome, SiteState};
use chrono::{DateTime, Utc};
use safety_core::identity::Person;
use safety_core::identity::sso::{self, Callback, Fault, ProviderCache, SsoError, Started};
use safety_core::org::SsoProvider;
use safety_core::rate_limit;

/// Sign-in starts per client address per window (each writes a short-lived item). A school is
/// often one address: a year group of 200 pressing the button at the start of a lesson, some
/// twice, must all get through; this only stops one address filling the table.
pub const STARTS_PER_ADDRESS: u32 = 600;
const STARTS_WINDOW_SECS: u64 = 15 * 60;

/// Why single sign-on did not go on: what to show, how it ended, and (for volume) when to try
/// again.
#[derive(Debug)]
pub struct Failed {
    pub message: String,
    pub outcome: Outcome,
    pub retry_after: Option<u64>,
}

/// How a failure of the protocol ends.
pub fn outcome_of(e: &SsoError) -> Outcome {
    match e.fault() {
        Fault::Attempt | Fault::Cancelled => Outcome::Unreadable,
        Fault::Transient => Outcome::Unavailable,
        Fault::ProviderSetup => Outcome::Upstream,
        Fault::Account | Fault::NoAccount => Outcome::Forbidden,
        Fault::Config => Outcome::Misconfigured,
    }
}

fn failed(e: &SsoError, label: &str) -> Failed {
    Failed {
        message: e.user_message(label),
        outcome: outcome_of(e),
        retry_after: None,
    }
}

/// Starts signing in at `provider` from `address`: where to send the browser, and the state
/// its callback must bring back.
pub async fn start(
    site: &SiteState,
    provider: &SsoProvider,
    cache: &ProviderCache,
    address: &str,
    redirect_uri: &str,
    now: DateTime<Utc>,
) -> Result<Started, Failed> {
    let bucket = rate_limit::bucket(&site.secret, "sso-ip", address);
    let counted = rate_limit::check(
        &site.store,
        &site.org_id,
        &bucket,
        STARTS_PER_ADDRESS,
        STARTS_WINDOW_SECS,
        now,
    )
    .await;
    match counted {
        Ok(d) if d.allowed => {}
        Ok(d) => {
            tracing::warn!(
                limit = STARTS_PER_ADDRESS,
                "single sign-on refused: too many starts from one address"
            );
            return Err(Failed {
                message: format!(
                    "There have been a great many sign-in attempts from your network. Please try again in {} minutes. If this keeps happening, tell your school's or college's IT team.",
                    d.retry_after_secs.div_ceil(60)
                ),
                outcome: Outcome::TooMany,
                retry_after: Some(d.retry_after_secs.max(1)),
            });
        }
        Err(e) => return Err(failed(&SsoError::Store(e), &provider.label)),
    }
    sso::start(
        &site.store,
        &site.org_id,
        provider,
        cache,
        redirect_uri,
        now,
    )
    .await
    .map_err(|e| {
        tracing::warn!(provider = provider.id, error = %e, "single sign-on could not start");
        failed(&e, &provider.label)
    })
}

/// Back from the provider: the person it signs in, or why not (logged: a fault of the set-up
/// or the provider as a warning, a refused person as information).
#[allow(clippy::too_many_arguments)]
pub async fn finish(
    site: &SiteState,
    provider: &SsoProvider,
    client_secret: &str,
    cache: &ProviderCache,
    received: &Callback,
    state_cookie: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Person, Failed> {
    sso::finish(
        &site.store,
        &site.org_id,
        provider,
        client_secret,
        cache,
        received,
        state_cookie,
        now,
    )
    .await
    .map_err(|e| {
        match e.fault() {
            Fault::Transient | Fault::ProviderSetup | Fault::Config => {
                tracing::warn!(provider = provider.id, reason = %e, fault = ?e.fault(), "single sign-on failed")
            }
            _ => {
                tracing::info!(provider = provider.id, reason = %e, fault = ?e.fault(), "single sign-on refused")
            }
        }
        failed(&e, &provider.label)
    })
}
