//! The `notify` function's binary: configuration from the environment, then the Lambda runtime
//! loop around [`notify::Notifier::handle`]. It runs only under AWS Lambda; locally the web
//! server delivers notifications itself (its local notifier).
//!
//! Every organisation of the deployment is served: each item is delivered with its own
//! organisation's profile as stored (edited in the app) and its own policies, read through a
//! directory built once per cold start and refreshed when the organisation's stamp moves.
//!
//! Configuration (the same variables, read the same way, as the web function):
//! * `APP_ORG` (default `demo`): the default organisation, always swept (with every one the deployment lists).
//!   If it has no stored profile yet but has a file in the content compiled in
//!   (`content/organisations/<APP_ORG>.toml`), that file is imported into the store once, the
//!   first time the organisation is needed (as the web function does at its start); after that
//!   the stored profile is the one used, and the file is never read again;
//! * `APP_CONTENT_REFRESH_SECS` (default 10): how soon a profile or policy edited in the app is
//!   used here (one read of the organisation's stamp per interval at most);
//! * `APP_TABLE_NAME`, `AWS_REGION`, `APP_DYNAMODB_ENDPOINT`: the DynamoDB table;
//! * `APP_MAIL_FROM` (SES, with `APP_SES_REGION`, `APP_SES_ENDPOINT` and the function's
//!   credentials), or `APP_OUTBOX_DIR` (files, for trying it out): required;
//! * `APP_BASE_URL`: the site's public address, for the links in the emails of an organisation
//!   without an address of its own: required;
//! * `APP_LOG` (`json` by default, `pretty`) and `RUST_LOG` (default `info`).

use notify::Notifier;
use safety_core::function_main::EventFunction;
use safety_core::mail::AnyMailer;
use safety_core::store::dynamo::{DynamoConfig, DynamoStore};
use safety_core::tenancy::DeploymentConfig;

type Live = Notifier<DynamoStore, AnyMailer>;

fn main() -> std::process::ExitCode {
    EventFunction {
        name: "notify",
        run_locally: "locally the web server delivers notifications itself",
        error_type: "NotifyError",
    }
    .run(
        from_env,
        async |notifier: &Live| {
            notifier
                .deployment
                .warm(chrono::Utc::now())
                .await
                .map_err(|e| e.to_string())
        },
        |notifier: &Live| notifier.default_org().to_string(),
        |notifier, event| async move { notifier.handle(event, chrono::Utc::now()).await },
    )
}

fn from_env() -> Result<Live, String> {
    let config = DeploymentConfig::from_env()?;
    let mailer = safety_core::mail::from_env("notifications")?;
    let store =
        DynamoStore::from_env_config(DynamoConfig::from_env()).map_err(|e| e.to_string())?;
    Ok(Notifier::new(store, mailer, config))
}
