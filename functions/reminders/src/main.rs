//! The `reminders` function's binary: configuration from the environment, then the Lambda
//! runtime loop around [`reminders::Reminders::handle`]. It runs only under AWS Lambda; locally
//! the web server runs reminders on an interval (`APP_REMINDERS_INTERVAL_SECS`) or once with
//! `web reminders`.
//!
//! Configuration (the same variables, read the same way, as the web and notify functions):
//! * `APP_ORG` (default `demo`): the default organisation, always run with every one the
//!   deployment lists; its file in the content compiled in is imported into the store the
//!   first time it is needed without a stored profile;
//! * `APP_CONTENT_REFRESH_SECS` (default 10): how soon a profile edited in the app is used;
//! * `APP_TABLE_NAME`, `AWS_REGION`, `APP_DYNAMODB_ENDPOINT`: the DynamoDB table;
//! * `APP_MAIL_FROM` (SES, with `APP_SES_REGION`, `APP_SES_ENDPOINT` and the function's
//!   credentials), or `APP_OUTBOX_DIR` (files, for trying it out): required;
//! * `APP_BASE_URL`: the site's public address, for the links in the emails of an organisation
//!   without an address of its own: required;
//! * `APP_LOG` (`json` by default, `pretty`) and `RUST_LOG` (default `info`).

use reminders::Reminders;
use safety_core::function_main::EventFunction;
use safety_core::mail::AnyMailer;
use safety_core::store::dynamo::{DynamoConfig, DynamoStore};
use safety_core::tenancy::DeploymentConfig;

type Live = Reminders<DynamoStore, AnyMailer>;

fn main() -> std::process::ExitCode {
    EventFunction {
        name: "reminders",
        run_locally: "locally run `cargo run -p web -- reminders`, or set \
                      APP_REMINDERS_INTERVAL_SECS for the web server",
        error_type: "RemindersError",
    }
    .run(
        from_env,
        async |reminders: &Live| {
            reminders
                .deployment
                .warm(chrono::Utc::now())
                .await
                .map_err(|e| e.to_string())
        },
        |reminders: &Live| reminders.deployment.default_org().to_string(),
        |reminders, event| async move { reminders.handle(event, chrono::Utc::now()).await },
    )
}

fn from_env() -> Result<Live, String> {
    let config = DeploymentConfig::from_env()?;
    let mailer = safety_core::mail::from_env("reminders")?;
    let store =
        DynamoStore::from_env_config(DynamoConfig::from_env()).map_err(|e| e.to_string())?;
    Ok(Reminders::new(store, mailer, config))
}
