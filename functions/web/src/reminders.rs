//! Training reminders, locally: on an interval inside the web process
//! (`APP_REMINDERS_INTERVAL_SECS`, off unless set; never under Lambda, where the scheduled
//! `reminders` function runs them), or once with `web reminders`. The embedded store is one
//! process's file, so the command cannot run while the server has it open: it says so.
//! Each stage is reminded once per cycle (recorded in the store), so running often is harmless.

use crate::config::Config;
use app::server::Sites;
use safety_core::learning::Setting;
use safety_core::mail::AnyMailer;
use safety_core::mail::Links;
use std::sync::Arc;
use std::time::Duration;

/// Runs the reminders now, then every `every`.
pub fn spawn(
    sites: Sites,
    mailer: Arc<AnyMailer>,
    links: Links,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tracing::info!(every_secs = every.as_secs(), "local reminders started");
        loop {
            for site in crate::notifier::every_site(&sites).await {
                let setting = Setting {
                    library: &site.library,
                    profile: &site.org,
                };
                match safety_core::reminders::run(
                    &site.store,
                    mailer.as_ref(),
                    setting,
                    &site.links(&links.base_url),
                    chrono::Utc::now(),
                )
                .await
                {
                    // the run logs its own counts
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!(org = %site.org_id, error = %e, "reminders could not run; trying again later")
                    }
                }
            }
            tokio::time::sleep(every).await;
        }
    })
}

/// `web reminders`: one run against the configured store, the report printed as JSON.
pub async fn once(config: Config) -> Result<(), String> {
    let (library, org) = config.library_and_org()?;
    let mailer = config
        .mail
        .as_ref()
        .ok_or("no mail is configured (APP_OUTBOX_DIR or APP_MAIL_FROM)")?
        .mailer(safety_core::http_client::HttpClient::new());
    let store = crate::open_store(&config.store).await?;
    let links = config.links();
    let setting = Setting {
        library: &library,
        profile: &org,
    };
    let report = safety_core::reminders::run(&store, &mailer, setting, &links, chrono::Utc::now())
        .await
        .map_err(|e| format!("reminders run failed: {e}"))?;
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}
