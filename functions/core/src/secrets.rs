//! Secrets kept in AWS Systems Manager Parameter Store (SecureString parameters), read once at
//! cold start through the AWS Parameters and Secrets Lambda Extension: a layer that runs a small
//! HTTP server beside the function on `localhost:2773`, so no AWS SDK is needed for it.
//!
//! `APP_SECRET_PARAMETERS` says which variables come from Parameter Store: `VARIABLE=/name`
//! pairs separated by commas, e.g.
//! `APP_SECRET=/safety-prod/app-secret,APP_SESSION_KEYS=/safety-prod/session-keys`. Each such
//! variable's value is then the parameter's (decrypted) value instead of the environment
//! variable's. Without it (a local run) every secret is its environment variable, as before.
//! If a named parameter cannot be read, loading fails with the reason and the function does not
//! start (the Lambda init fails and is retried by Lambda on the next request).

use crate::env::var;
use crate::http_client::{FetchError, HttpClient};
use bytes::Bytes;
use http_body_util::Full;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The variable naming the parameters.
pub const PARAMETERS_VAR: &str = "APP_SECRET_PARAMETERS";
/// The extension's default port (`PARAMETERS_SECRETS_EXTENSION_HTTP_PORT` moves it).
pub const DEFAULT_PORT: u16 = 2773;
/// How long to keep asking while the extension is not ready yet: Lambda starts the function's
/// init as soon as the extension has registered, which can be before its server answers. Well
/// inside Lambda's 10 s init limit.
pub const READY_WAIT: Duration = Duration::from_secs(4);

/// The configuration's secrets: those read from Parameter Store, and otherwise the environment.
#[derive(Debug, Default)]
pub struct Secrets {
    fetched: BTreeMap<String, String>,
}

impl Secrets {
    /// No Parameter Store: every secret is its environment variable.
    pub fn env_only() -> Secrets {
        Secrets::default()
    }

    /// Reads the parameters `APP_SECRET_PARAMETERS` names through the extension (under Lambda),
    /// or nothing when it is not set.
    pub async fn load() -> Result<Secrets, String> {
        let Some(spec) = var(PARAMETERS_VAR) else {
            return Ok(Secrets::env_only());
        };
        let extension = ParameterExtension::from_env(HttpClient::new())?;
        Secrets::load_from(&extension, &spec).await
    }

    /// Reads the parameters `spec` names (`VARIABLE=/name,...`) through this extension.
    pub async fn load_from(extension: &ParameterExtension, spec: &str) -> Result<Secrets, String> {
        let mut fetched = BTreeMap::new();
        for (variable, name) in parse_spec(spec)? {
            let value = extension
                .get(&name)
                .await
                .map_err(|e| format!("{variable} (from {PARAMETERS_VAR}): {e}"))?;
            tracing::info!(
                variable,
                parameter = name,
                "secret read from Parameter Store"
            );
            fetched.insert(variable, value);
        }
        Ok(Secrets { fetched })
    }

    /// The secret's value: from Parameter Store when it was named there, else the environment
    /// variable (trimmed; unset and empty are the same).
    pub fn var(&self, variable: &str) -> Option<String> {
        match self.fetched.get(variable) {
            Some(v) => Some(v.clone()),
            None => var(variable),
        }
    }

    /// Every secret whose variable starts with `prefix`: the environment's, and those read
    /// from Parameter Store in their place. Read when the configuration is read, so what was
    /// set then is what is used (e.g. every `APP_SSO_` variable, for organisations whose
    /// providers are added later in the app).
    pub fn with_prefix(&self, prefix: &str) -> BTreeMap<String, String> {
        let mut all: BTreeMap<String, String> =
            crate::env::vars_with_prefix(prefix).into_iter().collect();
        for (name, value) in &self.fetched {
            if name.starts_with(prefix) {
                all.insert(name.clone(), value.clone());
            }
        }
        all
    }

    /// Whether this variable was read from Parameter Store.
    pub fn from_parameter_store(&self, variable: &str) -> bool {
        self.fetched.contains_key(variable)
    }
}

/// `VARIABLE=/name,VARIABLE=/name` -> pairs. Variables are upper-case environment variable
/// names, each at most once; parameter names are what Parameter Store accepts.
pub fn parse_spec(spec: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((variable, name)) = pair.split_once('=') else {
            return Err(format!(
                "{PARAMETERS_VAR}: `{pair}` is not VARIABLE=/parameter/name"
            ));
        };
        let (variable, name) = (variable.trim(), name.trim());
        let good_variable = !variable.is_empty()
            && variable
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if !good_variable {
            return Err(format!(
                "{PARAMETERS_VAR}: `{variable}` is not an environment variable name (A-Z, 0-9, _)"
            ));
        }
        let good_name = !name.is_empty()
            && name.len() <= 2048
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_.-".contains(&b));
        if !good_name {
            return Err(format!(
                "{PARAMETERS_VAR}: `{name}` is not a Parameter Store name (a-z, A-Z, 0-9, / _ . -)"
            ));
        }
        if out.iter().any(|(v, _)| v == variable) {
            return Err(format!("{PARAMETERS_VAR}: {variable} is named twice"));
        }
        out.push((variable.to_string(), name.to_string()));
    }
    Ok(out)
}

/// The AWS Parameters and Secrets Lambda Extension's local endpoint.
pub struct ParameterExtension {
    http: HttpClient,
    base_url: String,
    token: String,
    wait: Duration,
}

impl ParameterExtension {
    /// The extension as Lambda runs it: `http://localhost:<port>` (`PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`,
    /// default 2773), authenticated with the function's `AWS_SESSION_TOKEN`.
    pub fn from_env(http: HttpClient) -> Result<ParameterExtension, String> {
        let port = match var("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT") {
            None => DEFAULT_PORT,
            Some(p) => p.parse().map_err(|_| {
                format!("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT must be a port number, not `{p}`")
            })?,
        };
        let token = var("AWS_SESSION_TOKEN").ok_or_else(|| {
            format!(
                "{PARAMETERS_VAR} is set but AWS_SESSION_TOKEN is not: Parameter Store is read \
                 through the Lambda extension, which only runs on AWS Lambda (locally, set the \
                 variables themselves)"
            )
        })?;
        Ok(ParameterExtension::new(
            http,
            &format!("http://localhost:{port}"),
            &token,
        ))
    }

    pub fn new(http: HttpClient, base_url: &str, token: &str) -> ParameterExtension {
        ParameterExtension {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            wait: READY_WAIT,
        }
    }

    /// How long to keep trying (tests shorten it).
    pub fn with_wait(mut self, wait: Duration) -> ParameterExtension {
        self.wait = wait;
        self
    }

    /// The decrypted value of the parameter `name`. Asks again every 100 ms while the
    /// extension does not answer with it, for at most the wait; then the last reason.
    pub async fn get(&self, name: &str) -> Result<String, String> {
        let url = format!(
            "{}/systemsmanager/parameters/get?{}",
            self.base_url,
            serde_urlencoded::to_string([("name", name), ("withDecryption", "true")])
                .expect("string pairs always encode")
        );
        let deadline = Instant::now() + self.wait;
        loop {
            let request = http::Request::get(&url)
                .header("X-Aws-Parameters-Secrets-Token", &self.token)
                .header(http::header::ACCEPT, "application/json")
                .body(Full::new(Bytes::new()));
            let remaining = deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(200));
            let why = match tokio::time::timeout(remaining, self.http.send_raw(&url, request)).await
            {
                Ok(Ok((200, body))) => return value_of(&body),
                Ok(Ok((status, body))) => {
                    let text = String::from_utf8_lossy(&body);
                    let text: String = text.trim().chars().take(300).collect();
                    format!("the extension answered {status}: {text}")
                }
                Ok(Err(FetchError::Unreachable { reason, .. })) => {
                    format!(
                        "the extension at {} could not be reached: {reason}",
                        self.base_url
                    )
                }
                Ok(Err(e)) => e.to_string(),
                Err(_) => format!("the extension at {} did not answer in time", self.base_url),
            };
            if Instant::now() >= deadline {
                return Err(format!(
                    "cannot read the SSM parameter `{name}` ({why}); check that it exists in this \
                     region as a SecureString, that the function's role may ssm:GetParameter it, \
                     and that the Parameters and Secrets extension layer is attached"
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// `{"Parameter": {"Value": "..."}}` (the answer of SSM's GetParameter) -> the value.
fn value_of(body: &[u8]) -> Result<String, String> {
    let json: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| "the extension answered 200 with something that is not JSON".to_string())?;
    json["Parameter"]["Value"]
        .as_str()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| "the extension's answer has no Parameter.Value (or it is empty)".to_string())
}

#[cfg(test)]
mod tests {
    use super::{Secrets, parse_spec};

    #[test]
    fn secrets_by_prefix_are_the_environment_with_parameter_store_in_place() {
        let secrets = Secrets {
            fetched: [
                (
                    "APP_SSO_A_CLIENT_SECRET".to_string(),
                    "from-ssm".to_string(),
                ),
                ("APP_SECRET".to_string(), "not-sso".to_string()),
            ]
            .into(),
        };
        let vars = [
            ("APP_SSO_A_CLIENT_SECRET", "from-env".to_string()),
            ("APP_SSO_B__C_ISSUER", "https://id.example".to_string()),
            ("APP_SESSION_KEYS", "k:v".to_string()),
        ];
        let found = crate::env::with_vars(&vars, || secrets.with_prefix("APP_SSO_"));
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            [
                (
                    "APP_SSO_A_CLIENT_SECRET".to_string(),
                    "from-ssm".to_string()
                ),
                (
                    "APP_SSO_B__C_ISSUER".to_string(),
                    "https://id.example".to_string()
                )
            ]
        );
    }

    #[test]
    fn the_spec_names_variables_and_parameters() {
        assert_eq!(
            parse_spec(" APP_SECRET=/safety-prod/app-secret , APP_SSO_ENTRA_CLIENT_SECRET=/s/sso,")
                .unwrap(),
            vec![
                ("APP_SECRET".into(), "/safety-prod/app-secret".into()),
                ("APP_SSO_ENTRA_CLIENT_SECRET".into(), "/s/sso".into())
            ]
        );
        assert_eq!(parse_spec("").unwrap(), vec![]);
        for bad in [
            "APP_SECRET",
            "app_secret=/x",
            "APP_SECRET=",
            "APP_SECRET=/x y",
            "APP_SECRET=/x,APP_SECRET=/y",
        ] {
            assert!(parse_spec(bad).is_err(), "{bad}");
        }
    }
}
