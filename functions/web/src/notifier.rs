//! The local notifier: delivers the worry notifications (emails to the people a worry is routed
//! to) from inside the web process, woken as soon as a worry or a reply is stored and every few
//! seconds besides, for retries; it also retries the sign-in emails that were refused. On AWS
//! the table's stream drives the `notify` function instead,
//! with the same core code. The embedded store cannot be opened by two processes, which is why
//! this runs here rather than as a separate command.

use app::server::{SiteState, Sites};
use safety_core::identity::sign_in_mail;
use safety_core::mail::AnyMailer;
use safety_core::mail::Links;
use safety_core::notify::deliver_pending;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Notifications delivered per pass at most; another pass follows at once while there are more.
const BATCH: usize = 50;

/// The sites of every organisation of the deployment (each pass works on each).
pub(crate) async fn every_site(sites: &Sites) -> Vec<SiteState> {
    let orgs = match safety_core::tenancy::hosts::list(sites.store()).await {
        Ok(orgs) => orgs,
        Err(e) => {
            tracing::error!(error = %e, "the organisations could not be listed");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for o in orgs {
        match sites.get(&o.org).await {
            Ok(Some(site)) => out.push(SiteState::from_arc(site)),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(org = %o.org, error = %e, "an organisation could not be read")
            }
        }
    }
    out
}

/// Starts the notifier; `wake` wakes it.
pub fn spawn(
    sites: Sites,
    mailer: Arc<AnyMailer>,
    links: Links,
    every: Duration,
    wake: Arc<Notify>,
) -> tokio::task::JoinHandle<()> {
    let woken = wake;
    tokio::spawn(async move {
        tracing::info!(every_secs = every.as_secs(), "local notifier started");
        loop {
            tokio::select! {
                _ = woken.notified() => {}
                _ = tokio::time::sleep(every) => {}
            }
            for site in every_site(&sites).await {
                deliver(&site, mailer.as_ref(), &site.links(&links.base_url)).await;
            }
        }
    })
}

/// One organisation's pending notifications and refused sign-in emails.
async fn deliver(site: &SiteState, mailer: &AnyMailer, links: &Links) {
    {
        {
            // Review dates that came: their reminders are written first, then delivered below.
            let now = chrono::Utc::now();
            let today = safety_core::dates::to_london(now).date_naive();
            match safety_core::worry::review::remind_due(&site.store, &site.org.id, today, now)
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminders = n, "review reminders written"),
                Err(e) => {
                    tracing::error!(error = %e, "review reminders could not be written; retrying soon")
                }
            }
            loop {
                let now = chrono::Utc::now();
                match deliver_pending(&site.store, mailer, &site.org, links, now, BATCH).await {
                    Ok(d) if d.notifications > 0 => {
                        tracing::info!(
                            notifications = d.notifications,
                            delivered = d.delivered,
                            emails = d.emails,
                            failed = d.failed,
                            "worry notifications delivered"
                        );
                        if d.notifications < BATCH || d.delivered == 0 {
                            break;
                        }
                    }
                    Ok(_) => break,
                    Err(e) => {
                        tracing::error!(error = %e, "worry notifications could not be delivered; retrying soon");
                        break;
                    }
                }
            }
            // Sign-in emails are sent as they are asked for; this retries those refused.
            match sign_in_mail::deliver_pending(
                &site.store,
                mailer,
                &site.org,
                links,
                chrono::Utc::now(),
                BATCH,
            )
            .await
            {
                Ok(c) if c.requests > 0 => tracing::info!(
                    requests = c.requests,
                    sent = c.sent,
                    failed = c.failed,
                    "sign-in emails retried"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "sign-in emails could not be retried"),
            }
        }
    }
}
