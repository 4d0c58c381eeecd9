//! The `notify` function's binary: configuration from the environment, then the Lambda runtime
//! loop around [`notify::Notifier::handle`]. It runs only under AWS Lambda; locally the web
//! server delivers notifications itself (its local notifier).
//!
//! Configuration (the same variables, read the same way, as the web function):
//! * `APP_ORG` (default `demo`): the organisation, whose profile is in the content compiled in;
//! * `APP_TABLE_NAME`, `AWS_REGION`, `APP_DYNAMODB_ENDPOINT`: the DynamoDB table;
//! * `APP_MAIL_FROM` (SES, with `APP_SES_REGION`, `APP_SES_ENDPOINT` and the function's
//!   credentials), or `APP_OUTBOX_DIR` (files, for trying it out): required;
//! * `APP_BASE_URL`: the site's public address, for the links in the emails: required;
//! * `APP_LOG` (`json` by default, `pretty`) and `RUST_LOG` (default `info`).

use notify::Notifier;
use safety_core::env::var;
use safety_core::function_main::EventFunction;
use safety_core::mail::AnyMailer;
use safety_core::mail::Links;
use safety_core::store::dynamo::{DynamoConfig, DynamoStore};

type Live = Notifier<DynamoStore, AnyMailer>;

fn main() -> std::process::ExitCode {
    EventFunction {
        name: "notify",
        run_locally: "locally the web server delivers notifications itself",
        error_type: "NotifyError",
    }
    .run(
        from_env,
        |notifier: &Live| notifier.org.id.to_string(),
        |notifier, event| async move { notifier.handle(event, chrono::Utc::now()).await },
    )
}

fn from_env() -> Result<Live, String> {
    let (_, org) = safety_core::content::library_and_org()?;
    let base_url =
        var("APP_BASE_URL").ok_or("APP_BASE_URL must be set: the emails link to the site")?;
    let mailer = safety_core::mail::from_env("notifications")?;
    let store =
        DynamoStore::from_env_config(DynamoConfig::from_env()).map_err(|e| e.to_string())?;
    Ok(Notifier {
        store,
        mailer,
        org,
        links: Links { base_url },
    })
}
