//! The `reminders` function: an EventBridge schedule invokes it (daily is enough: every stage is
//! reminded once, and the weekly summary once per ISO week), and each invocation runs
//! [`safety_core::reminders::run`] once for the deployment's organisation. The handler answers
//! with the run's report as JSON and logs it; it never logs an email address or any content.
//!
//! An invocation that cannot read the list of people fails (Lambda's retry and the error alarm
//! see it); a person whose email fails is counted in `failures` and tried again next time.

use chrono::{DateTime, Utc};
use safety_core::content::Library;
use safety_core::learning::Setting;
use safety_core::mail::Links;
use safety_core::mail::Mailer;
use safety_core::org::OrgProfile;
use safety_core::reminders::{self, Report};
use safety_core::store::Store;
use serde_json::Value;

pub use safety_core::function_main::ScheduledEvent;

/// Everything a run needs, built once per cold start.
pub struct Reminders<S, M> {
    pub store: S,
    pub mailer: M,
    pub library: Library,
    pub org: OrgProfile,
    pub links: Links,
}

impl<S: Store, M: Mailer> Reminders<S, M> {
    /// One run for the organisation.
    pub async fn run(&self, now: DateTime<Utc>) -> Result<Report, String> {
        let setting = Setting {
            library: &self.library,
            profile: &self.org,
        };
        reminders::run(&self.store, &self.mailer, setting, &self.links, now)
            .await
            .map_err(|e| {
                tracing::error!(org = %self.org.id, error = %e, "reminders run failed");
                format!("reminders run failed: {e}")
            })
    }

    /// Handles one invocation: a scheduled event runs the reminders once and answers with the
    /// report; anything else is refused.
    pub async fn handle(&self, event: Value, now: DateTime<Utc>) -> Result<Value, String> {
        let event = ScheduledEvent::parse(event)?;
        tracing::info!(
            org = %self.org.id,
            source = %event.source,
            scheduled_for = event.time.as_deref().unwrap_or(""),
            schedule_id = event.id.as_deref().unwrap_or(""),
            "reminders run starting"
        );
        let report = self.run(now).await?;
        Ok(serde_json::to_value(&report).expect("a report is JSON"))
    }
}

#[cfg(test)]
mod tests;
