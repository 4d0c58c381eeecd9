//! The `reminders` function: an EventBridge schedule invokes it (daily is enough: every stage is
//! reminded once, and the weekly summary once per ISO week), and each invocation runs
//! [`safety_core::reminders::run`] once for every organisation of the deployment, each with its
//! own stored profile, its own policies and its own address ([`Deployment`]). The handler
//! answers with the runs' reports as JSON and logs them; it never logs an email address or any
//! content.
//!
//! An organisation whose run fails (its people cannot be read) is logged and the others still
//! run; the invocation then fails (Lambda's retry and the error alarm see it). A person whose
//! email fails is counted in `failures` and tried again next time.

use chrono::{DateTime, Utc};
use safety_core::learning::Setting;
use safety_core::mail::Mailer;
use safety_core::reminders::{self, Report};
use safety_core::store::Store;
use safety_core::tenancy::{Deployment, DeploymentConfig};
use serde_json::{Value, json};

pub use safety_core::function_main::ScheduledEvent;

/// Everything a run needs, built once per cold start.
pub struct Reminders<S, M> {
    pub deployment: Deployment<S>,
    pub mailer: M,
}

impl<S: Store, M: Mailer> Reminders<S, M> {
    pub fn new(store: S, mailer: M, config: DeploymentConfig) -> Self {
        Reminders {
            deployment: Deployment::new(store, config),
            mailer,
        }
    }

    /// One run for every organisation: the reports of those that ran, or an error naming the
    /// ones that could not (after the others ran).
    pub async fn run(&self, now: DateTime<Utc>) -> Result<Vec<Report>, String> {
        let orgs = self.deployment.organisations().await.map_err(|e| {
            tracing::error!(error = %e, "reminders run failed: the organisations could not be listed");
            format!("reminders run failed: the organisations could not be listed: {e}")
        })?;
        let mut reports = Vec::new();
        let mut failed = Vec::new();
        let mut contents = Vec::new();
        for org in &orgs {
            let content = match self.deployment.content(org, now).await {
                Ok(Some(content)) => content,
                Ok(None) => {
                    tracing::error!(org = %org, "reminders run failed: no stored profile");
                    failed.push(format!("{org}: it has no stored profile"));
                    continue;
                }
                Err(e) => {
                    tracing::error!(org = %org, error = %e, "reminders run failed");
                    failed.push(format!("{org}: {e}"));
                    continue;
                }
            };
            contents.push((org, content.clone()));
            let setting = Setting {
                library: &content.library,
                profile: &content.profile,
            };
            let links = self.deployment.links_of(&content);
            // Worries stored before the safeguarding reports' entries existed get theirs (once:
            // one read afterwards). A failure is logged; the reminders still run.
            if let Err(e) =
                safety_core::worry::report_entry::ensure_built(self.deployment.store(), org, now)
                    .await
            {
                tracing::error!(org = %org, error = %e, "the report entries could not be made");
            }
            match reminders::run(self.deployment.store(), &self.mailer, setting, &links, now).await
            {
                Ok(report) => reports.push(report),
                Err(e) => {
                    tracing::error!(org = %org, error = %e, "reminders run failed");
                    failed.push(format!("{org}: {e}"));
                }
            }
        }
        // Then, once every organisation's reminders have gone (so a long build delays none of
        // them), modules and AUPs added to the content since an organisation's lists index was
        // built get their "not started" entries: one read when there are none; a build cut
        // short is taken up by the next run. A failure is logged: those lists are read from
        // everyone meanwhile.
        for (org, content) in &contents {
            match safety_core::compliance::index_new_items(
                self.deployment.store(),
                &content.library,
                org,
                now,
            )
            .await
            {
                Ok(0) => {}
                Ok(entries) => tracing::info!(org = %org, entries, "lists index: new items built"),
                Err(e) => {
                    tracing::error!(org = %org, error = %e, "the lists index's new items could not be built")
                }
            }
        }
        if failed.is_empty() {
            Ok(reports)
        } else {
            Err(format!(
                "reminders run failed for {} of {} organisations: {}",
                failed.len(),
                orgs.len(),
                failed.join("; ")
            ))
        }
    }

    /// Handles one invocation: a scheduled event runs the reminders once and answers with the
    /// reports (`{"organisations": [...]}`); anything else is refused.
    pub async fn handle(&self, event: Value, now: DateTime<Utc>) -> Result<Value, String> {
        let event = ScheduledEvent::parse(event)?;
        tracing::info!(
            source = %event.source,
            scheduled_for = event.time.as_deref().unwrap_or(""),
            schedule_id = event.id.as_deref().unwrap_or(""),
            "reminders run starting"
        );
        let reports = self.run(now).await?;
        Ok(json!({ "organisations": reports }))
    }
}

#[cfg(test)]
mod tests;
