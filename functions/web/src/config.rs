//! Configuration from the environment (twelve-factor). Every variable is listed in README.md.

use safety_core::content::Library;
use safety_core::crypto::Secret;
use safety_core::env::var;
use safety_core::identity::SessionKeys;
use safety_core::mail::Links;
use safety_core::mail::ses::SesMailer;
use safety_core::mail::{AnyMailer, OutboxMailer};
use safety_core::org::{OrgId, OrgProfile};
use safety_core::secrets::Secrets;
use safety_core::store::dynamo::DynamoConfig;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug)]
pub enum StoreConfig {
    /// A file on disk: the default for a local run.
    Embedded {
        path: PathBuf,
    },
    DynamoDb(DynamoConfig),
}

#[derive(Debug)]
pub struct Config {
    pub in_lambda: bool,
    pub bind: SocketAddr,
    pub store: StoreConfig,
    pub org: OrgId,
    pub secret: Secret,
    pub site_dir: PathBuf,
    /// Content read from this folder instead of the content built into the binary.
    pub content_dir: Option<PathBuf>,
    pub log_json: bool,
    /// The public address (links in emails; an https address turns on HSTS and Secure cookies).
    pub base_url: Option<String>,
    pub session_keys: SessionKeys,
    /// Where emails go: an outbox folder locally, SES on AWS (`None`: not configured).
    pub mail: Option<MailConfig>,
    /// Seed the demo organisation's people (one of each role) at start-up.
    pub seed_demo_people: bool,
    /// Worries one client address may send per 10 minutes.
    pub worry_limit: u32,
    /// How often the local notifier looks for due notifications besides being woken when a
    /// worry is stored (`None`: no local notifier; on AWS the `notify` function delivers).
    pub notify_every: Option<std::time::Duration>,
    /// How often the web process runs the training reminders (`None`: never; the default, so the
    /// local outbox holds only what people asked for; on AWS the `reminders` function does it).
    pub reminders_every: Option<std::time::Duration>,
    /// Behind CloudFront: the secret values its `x-origin-verify` header may carry
    /// (`APP_ORIGIN_VERIFY`, and during a rotation `APP_ORIGIN_VERIFY_PREVIOUS`); empty when not
    /// behind CloudFront. See [`origin_verify_values`].
    pub origin_verify: Vec<String>,
    /// How stale another instance's change of an organisation's profile or policies may be seen
    /// (`APP_CONTENT_REFRESH_SECS`, default 10): one read of its stamp per interval at most.
    pub content_refresh: std::time::Duration,
}

impl Config {
    /// The content files (built in, or the organisation's own edited copy in `APP_CONTENT_DIR`)
    /// and the library they make, if it passes the check.
    pub fn content(&self) -> Result<(Vec<safety_core::content::SourceFile>, Library), String> {
        use safety_core::content;
        let files = match &self.content_dir {
            Some(dir) => {
                tracing::info!(dir = %dir.display(), "content read from a folder (APP_CONTENT_DIR)");
                content::read_dir_files(dir).map_err(|p| format!("{}", p[0]))?
            }
            None => content::embedded_files(),
        };
        let library = content::load(files.clone()).map_err(|problems| {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            format!("the content does not pass the check:\n{}", list.join("\n"))
        })?;
        Ok((files, library))
    }

    /// The content and the default organisation's seed profile (its file), as the `reminders`
    /// command starts with.
    #[cfg_attr(not(feature = "local"), allow(dead_code))] // the `reminders` command is local
    pub fn library_and_org(&self) -> Result<(Library, OrgProfile), String> {
        safety_core::content::load_library_and_org(self.content_dir.as_deref(), self.org.as_str())
    }

    /// Where the links in emails point: `APP_BASE_URL`, else this server's own address.
    pub fn links(&self) -> Links {
        Links {
            base_url: self
                .base_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", self.bind)),
        }
    }

    /// `secrets`: the secret variables (`APP_SECRET`, `APP_SESSION_KEYS`), from Parameter Store
    /// on AWS when `APP_SECRET_PARAMETERS` names them, else from the environment.
    pub fn from_env(secrets: &Secrets) -> Result<Config, String> {
        let in_lambda = var("AWS_LAMBDA_RUNTIME_API").is_some();
        let bind = var("APP_BIND")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| format!("APP_BIND must be an address like 127.0.0.1:3000: {e}"))?;
        let data_dir = PathBuf::from(var("APP_DATA_DIR").unwrap_or_else(|| "data".into()));
        let store = match var("APP_STORE").as_deref().unwrap_or(if in_lambda {
            "dynamodb"
        } else {
            "embedded"
        }) {
            "embedded" => StoreConfig::Embedded {
                path: data_dir.join("platform.redb"),
            },
            "dynamodb" => StoreConfig::DynamoDb(DynamoConfig::from_env()),
            other => {
                return Err(format!(
                    "APP_STORE must be `embedded` or `dynamodb`, not `{other}`"
                ));
            }
        };
        let org_name = var("APP_ORG").unwrap_or_else(|| "demo".into());
        let org = OrgId::parse(&org_name)
            .ok_or_else(|| format!("APP_ORG `{org_name}` is not a valid organisation id"))?;
        let secret = match secrets.var("APP_SECRET") {
            Some(s) => Secret::new(&s).map_err(|e| format!("APP_SECRET: {e}"))?,
            None if in_lambda => {
                return Err(
                    "APP_SECRET must be set on AWS (or read from Parameter Store: APP_SECRET_PARAMETERS)"
                        .into(),
                );
            }
            None => local_secret(&data_dir)?,
        };
        // Links in emails come only from configuration, never from a request's Host header (a
        // forged Host would otherwise send people's sign-in links to another site).
        let base_url = var("APP_BASE_URL");
        if in_lambda && base_url.is_none() {
            return Err(
                "APP_BASE_URL must be set on AWS: the links in emails are built from it".into(),
            );
        }
        let site_dir = var("APP_SITE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(default_site_dir);
        let log_json = match var("APP_LOG").as_deref() {
            Some("json") => true,
            Some("pretty") => false,
            Some(other) => {
                return Err(format!("APP_LOG must be `json` or `pretty`, not `{other}`"));
            }
            None => in_lambda,
        };
        let session_keys = match secrets.var("APP_SESSION_KEYS") {
            Some(s) => {
                SessionKeys::from_config(&s).map_err(|e| format!("APP_SESSION_KEYS: {e}"))?
            }
            None if in_lambda => {
                return Err(
                    "APP_SESSION_KEYS must be set on AWS (or read from Parameter Store: APP_SECRET_PARAMETERS)"
                        .into(),
                );
            }
            None => {
                let key = local_file_secret(&data_dir, "dev-session-key")?;
                SessionKeys::from_config(&format!("local:{key}")).map_err(|e| e.to_string())?
            }
        };
        let mail = match (var("APP_OUTBOX_DIR"), var("APP_MAIL_FROM")) {
            (Some(dir), _) => Some(MailConfig::Outbox(PathBuf::from(dir))),
            (None, Some(from)) => Some(MailConfig::Ses(
                safety_core::mail::ses::SesConfig::from_env(from)?,
            )),
            (None, None) if in_lambda => None,
            (None, None) => Some(MailConfig::Outbox(data_dir.join("outbox"))),
        };
        let seed_demo_people = match var("APP_DEMO_PEOPLE").as_deref() {
            Some("1" | "true" | "yes") => true,
            Some("0" | "false" | "no") => false,
            Some(other) => {
                return Err(format!(
                    "APP_DEMO_PEOPLE must be true or false, not `{other}`"
                ));
            }
            None => !in_lambda && matches!(store, StoreConfig::Embedded { .. }),
        };
        let worry_limit =
            match var("APP_WORRY_LIMIT") {
                None => safety_core::worry::Limited::Submissions.policy().0,
                Some(v) => v.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!("APP_WORRY_LIMIT must be a positive number, not `{v}`")
                })?,
            };
        let content_refresh = match var("APP_CONTENT_REFRESH_SECS") {
            None => std::time::Duration::from_secs(10),
            Some(v) => std::time::Duration::from_secs(v.parse().map_err(|_| {
                format!("APP_CONTENT_REFRESH_SECS must be a number of seconds, not `{v}`")
            })?),
        };
        let notify_every = match var("APP_NOTIFY_INTERVAL_SECS") {
            None if in_lambda => None,
            None => Some(5),
            Some(v) => Some(v.parse::<u64>().map_err(|_| {
                format!("APP_NOTIFY_INTERVAL_SECS must be a number of seconds (0: off), not `{v}`")
            })?),
        }
        .filter(|secs| *secs > 0)
        .map(std::time::Duration::from_secs);
        let reminders_every = match var("APP_REMINDERS_INTERVAL_SECS") {
            None => None,
            Some(_) if in_lambda => None,
            Some(v) => Some(v.parse::<u64>().map_err(|_| {
                format!(
                    "APP_REMINDERS_INTERVAL_SECS must be a number of seconds (0: off), not `{v}`"
                )
            })?),
        }
        .filter(|secs| *secs > 0)
        .map(std::time::Duration::from_secs);
        Ok(Config {
            in_lambda,
            notify_every,
            reminders_every,
            content_refresh,
            bind,
            store,
            org,
            secret,
            site_dir,
            content_dir: var("APP_CONTENT_DIR").map(PathBuf::from),
            log_json,
            base_url,
            session_keys,
            mail,
            seed_demo_people,
            worry_limit,
            origin_verify: origin_verify_values(secrets)?,
        })
    }
}

/// The shortest origin secret accepted: `openssl rand -hex 32` gives 64 characters.
pub const ORIGIN_VERIFY_MIN_CHARS: usize = 32;

/// The values of CloudFront's `x-origin-verify` header this function accepts: `APP_ORIGIN_VERIFY`
/// (what CloudFront sends) and `APP_ORIGIN_VERIFY_PREVIOUS` (what it sent before a rotation, so
/// no request is refused while CloudFront's edges change over; the same value outside a
/// rotation). On AWS both are String parameters read through `APP_SECRET_PARAMETERS`.
pub fn origin_verify_values(secrets: &Secrets) -> Result<Vec<String>, String> {
    let current = secrets.var("APP_ORIGIN_VERIFY");
    let previous = secrets.var("APP_ORIGIN_VERIFY_PREVIOUS");
    let mut values = Vec::new();
    match (current, previous) {
        (None, None) => {}
        (None, Some(_)) => {
            return Err("APP_ORIGIN_VERIFY_PREVIOUS is set but APP_ORIGIN_VERIFY is not".into());
        }
        (Some(current), previous) => {
            let previous = previous.filter(|p| *p != current);
            values.push(current);
            values.extend(previous);
        }
    }
    for (name, value) in ["APP_ORIGIN_VERIFY", "APP_ORIGIN_VERIFY_PREVIOUS"]
        .iter()
        .zip(&values)
    {
        if value.chars().count() < ORIGIN_VERIFY_MIN_CHARS
            || !value.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(format!(
                "{name} must be at least {ORIGIN_VERIFY_MIN_CHARS} printable characters without spaces (e.g. `openssl rand -hex 32`)"
            ));
        }
    }
    Ok(values)
}

/// The single sign-on variables (`APP_SSO_*`: each organisation's providers' client secrets and
/// issuer moves), read once here, from the environment or Parameter Store
/// (`APP_SECRET_PARAMETERS`) alike. Each organisation's site is offered the providers of its
/// own stored profile whose secret is among them
/// (`safety_core::identity::sso::configured`); `seed`, the default organisation's profile file,
/// is checked now so a wrong issuer variable stops the start.
pub fn sso_settings(
    secrets: &Secrets,
    org: &OrgId,
    seed: Option<&OrgProfile>,
) -> Result<safety_core::identity::sso::SsoSettings, String> {
    let settings = safety_core::identity::sso::SsoSettings::new(secrets.with_prefix("APP_SSO_"));
    if let Some(seed) = seed {
        let problems = settings.offered(org, true, &seed.sso).problems;
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
    }
    Ok(settings)
}

#[derive(Debug)]
pub enum MailConfig {
    Outbox(PathBuf),
    Ses(safety_core::mail::ses::SesConfig),
}

impl MailConfig {
    /// The mailer it configures; SES calls go through `http` (the process's one client).
    pub fn mailer(&self, http: safety_core::http_client::HttpClient) -> AnyMailer {
        match self {
            MailConfig::Outbox(dir) => AnyMailer::Outbox(OutboxMailer::new(dir)),
            MailConfig::Ses(ses) => AnyMailer::Ses(Box::new(SesMailer::new(ses.clone(), http))),
        }
    }
}

/// A local run keeps its own random secret in the data folder, made on first start, so no
/// secret is ever in the repository and sessions survive a restart.
fn local_secret(data_dir: &std::path::Path) -> Result<Secret, String> {
    let value = local_file_secret(data_dir, "dev-secret")?;
    Secret::new(&value).map_err(|e| format!("{}: {e}", data_dir.join("dev-secret").display()))
}

/// A random secret kept in a file of the data folder, made on first use.
fn local_file_secret(data_dir: &std::path::Path, name: &str) -> Result<String, String> {
    let path = data_dir.join(name);
    let value = match std::fs::read_to_string(&path) {
        Ok(v) => v,
        Err(_) => {
            std::fs::create_dir_all(data_dir)
                .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
            let v = Secret::generate_hex();
            write_private(&path, &v)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            v
        }
    };
    Ok(value.trim().to_string())
}

fn write_private(path: &std::path::Path, value: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(value.as_bytes())
}

/// `target/site` when run from the workspace, or `site/` beside the binary.
fn default_site_dir() -> PathBuf {
    let workspace = PathBuf::from("target/site");
    if workspace.join("manifest.json").exists() {
        return workspace;
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("site")))
        .filter(|d| d.join("manifest.json").exists())
        .unwrap_or(workspace)
}
