//! Signing in by emailed link: asking for a link and using one. The rules (limits per email,
//! links' lifetime and single use, the same work for a known and an unknown address) are in
//! `safety_core::identity`; this adds the per-address limit and turns the answers into what the
//! sign-in page shows. The session cookie itself is the web edge's.

use super::{Outcome, SignInView, SiteState};
use chrono::{DateTime, Utc};
use safety_core::identity::{MagicLinkError, Person, magic_link, sign_in_mail};
use safety_core::rate_limit;

/// Sign-in requests per client address per window, on top of the per-email limit in the core
/// (5 per address in 15 minutes). A school or college is often one address: a class of 30, a
/// year group of 200 signing in at the start of a lesson must all get their links, so this only
/// stops one address flooding the platform (and the mail service).
pub const PER_ADDRESS_LIMIT: u32 = 300;
const PER_ADDRESS_WINDOW_SECS: u64 = 15 * 60;

/// What asking for a link came to.
pub struct Asked {
    pub view: SignInView,
    pub outcome: Outcome,
    /// When refused for volume: seconds to wait.
    pub retry_after: Option<u64>,
    /// The stored request, for a local run to deliver after answering.
    pub queued: Option<String>,
}

/// Asks for a sign-in link for `email` from `address`. The answer is the same whether or not
/// the email is known.
pub async fn ask(site: &SiteState, email: &str, address: &str, now: DateTime<Utc>) -> Asked {
    let email: String = email.chars().take(300).collect();
    let refuse = |message: String, outcome, retry_after| Asked {
        view: SignInView::Form {
            email: email.clone(),
            error: Some(message),
        },
        outcome,
        retry_after,
        queued: None,
    };
    let bucket = rate_limit::bucket(&site.secret, "signin-ip", address);
    let counted = rate_limit::check(
        &site.store,
        &site.org_id,
        &bucket,
        PER_ADDRESS_LIMIT,
        PER_ADDRESS_WINDOW_SECS,
        now,
    )
    .await;
    match counted {
        Ok(d) if !d.allowed => {
            tracing::warn!(
                limit = PER_ADDRESS_LIMIT,
                "sign-in refused: too many requests from one address"
            );
            let e = MagicLinkError::NetworkBusy {
                retry_after_secs: d.retry_after_secs,
            };
            return refuse(e.user_message(), Outcome::TooMany, Some(d.retry_after_secs));
        }
        Err(e) => {
            let message = MagicLinkError::Store(e).user_message();
            return refuse(message, Outcome::Unavailable, None);
        }
        Ok(_) => {}
    }
    match sign_in_mail::queue(&site.store, &site.org_id, &email, &site.secret, now).await {
        Ok(request_id) => Asked {
            view: SignInView::Sent {
                email: email.clone(),
            },
            outcome: Outcome::Ok,
            retry_after: None,
            queued: Some(request_id),
        },
        Err(e @ MagicLinkError::RateLimited { retry_after_secs }) => {
            refuse(e.user_message(), Outcome::TooMany, Some(retry_after_secs))
        }
        Err(e @ MagicLinkError::InvalidEmail(_)) => {
            refuse(e.user_message(), Outcome::Invalid, None)
        }
        Err(e) => {
            tracing::warn!(error = %e, "a sign-in request could not be stored");
            refuse(e.user_message(), Outcome::Unavailable, None)
        }
    }
}

/// The page an emailed link opens: one button to press (a POST), so mail scanners that open
/// links do not use them up. A token not of a link's shape fails at once.
pub fn confirm(token: Option<&str>) -> (SignInView, Outcome) {
    // The shape of a link's token: 32 bytes, base64url.
    let token = token.filter(|t| {
        t.len() == 43
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    match token {
        Some(token) => (
            SignInView::Confirm {
                token: token.to_string(),
            },
            Outcome::Ok,
        ),
        None => (
            SignInView::LinkFailed {
                message: MagicLinkError::Invalid.user_message(),
            },
            Outcome::Unreadable,
        ),
    }
}

/// Uses a link: the person it signs in, or the page saying why not.
pub async fn use_link(
    site: &SiteState,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Person, (SignInView, Outcome)> {
    magic_link::consume(&site.store, &site.org_id, token, now)
        .await
        .map_err(|e| {
            let outcome = match e {
                MagicLinkError::Store(_) => Outcome::Unavailable,
                _ => Outcome::Unreadable,
            };
            let view = SignInView::LinkFailed {
                message: e.user_message(),
            };
            (view, outcome)
        })
}
