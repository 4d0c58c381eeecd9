//! The `reminders` function's binary: configuration from the environment, then the Lambda
//! runtime loop around [`reminders::Reminders::handle`]. It runs only under AWS Lambda; locally
//! the web server runs reminders on an interval (`APP_REMINDERS_INTERVAL_SECS`) or once with
//! `web reminders`.
//!
//! Configuration (the same variables, read the same way, as the web and notify functions):
//! * `APP_ORG` (default `demo`): the organisation, whose profile is in the content compiled in;
//! * `APP_TABLE_NAME`, `AWS_REGION`, `APP_DYNAMODB_ENDPOINT`: the DynamoDB table;
//! * `APP_MAIL_FROM` (SES, with `APP_SES_REGION`, `APP_SES_ENDPOINT` and the function's
//!   credentials), or `APP_OUTBOX_DIR` (files, for trying it out): required;
//! * `APP_BASE_URL`: the site's public address, for the links in the emails: required;
//! * `APP_LOG` (`json` by default, `pretty`) and `RUST_LOG` (default `info`).

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use reminders::Reminders;
use safety_core::env::var;
use safety_core::identity::AnyMailer;
use safety_core::notify::Links;
use safety_core::store::dynamo::{DynamoConfig, DynamoStore};
use serde_json::Value;
use std::sync::Arc;

type Live = Reminders<DynamoStore, AnyMailer>;

fn main() -> std::process::ExitCode {
    let started = std::time::Instant::now();
    init_tracing(var("APP_LOG").as_deref() != Some("pretty"));
    if var("AWS_LAMBDA_RUNTIME_API").is_none() {
        eprintln!(
            "the reminders function runs under AWS Lambda only (AWS_LAMBDA_RUNTIME_API is not set); \
             locally run `cargo run -p web -- reminders`, or set APP_REMINDERS_INTERVAL_SECS for the web server"
        );
        return std::process::ExitCode::from(2);
    }
    // One invocation at a time per instance: a single thread is enough, and starts faster.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async {
        let reminders = Arc::new(from_env()?);
        tracing::info!(
            org = %reminders.org.id,
            startup_ms = started.elapsed().as_millis() as u64,
            "reminders function ready"
        );
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
            let reminders = reminders.clone();
            async move {
                reminders
                    .handle(event.payload, chrono::Utc::now())
                    .await
                    .map_err(|message| Diagnostic {
                        error_type: "RemindersError".into(),
                        error_message: message,
                    })
            }
        }))
        .await
        .map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "stopped");
            std::process::ExitCode::FAILURE
        }
    }
}

fn from_env() -> Result<Live, String> {
    let (library, org) = safety_core::env::library_and_org()?;
    let base_url =
        var("APP_BASE_URL").ok_or("APP_BASE_URL must be set: the emails link to the site")?;
    let mailer = safety_core::env::mailer("reminders")?;
    let store =
        DynamoStore::from_env_config(DynamoConfig::from_env()).map_err(|e| e.to_string())?;
    Ok(Reminders {
        store,
        mailer,
        library,
        org,
        links: Links { base_url },
    })
}

fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    if json {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_current_span(true)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false)
            .compact()
            .init();
    }
}
