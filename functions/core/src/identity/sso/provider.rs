//! What we learn from a provider over the network, cached: its discovery document (endpoints,
//! the issuer as published, how the client authenticates at the token endpoint) and its
//! signing keys (JWKS). Keys are refetched when a token names a key we do not hold (providers
//! rotate keys) and at most once a second, so a burst of bad tokens cannot turn into a burst
//! of calls to the provider.

use crate::http_client::{FetchError, HttpClient, allowed_url};
use jsonwebtoken::DecodingKey;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a discovery document or key set is trusted before it is fetched again.
const MAX_AGE: Duration = Duration::from_secs(3600);
/// The shortest time between two key set fetches for one provider.
const MIN_REFETCH: Duration = Duration::from_secs(1);

/// The placeholder Microsoft's multi-tenant discovery documents put in the issuer
/// (`https://login.microsoftonline.com/{tenantid}/v2.0`): each token's `tid` goes there.
pub const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// How the client proves itself at the token endpoint (OAuth 2.0, RFC 6749 2.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_secret_basic`: HTTP Basic with the form-encoded id and secret.
    Basic,
    /// `client_secret_post`: the id and secret in the form.
    Post,
}

/// What the provider's discovery document tells us.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// The issuer exactly as the provider publishes it: ID tokens' `iss` must be this (with
    /// [`TENANT_PLACEHOLDER`] replaced by the token's tenant, for Microsoft's multi-tenant
    /// documents).
    pub issuer: String,
    pub authorization: String,
    pub token: String,
    pub jwks: String,
    /// Where claims the ID token leaves out can be read (OpenID Connect Core 5.3).
    pub userinfo: Option<String>,
    pub client_auth: ClientAuth,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("the provider's {what} answered with status {status}")]
    Status { what: &'static str, status: u16 },
    #[error("the provider's discovery document is not usable: {0}")]
    BadDiscovery(String),
    #[error("the provider publishes the issuer {published}, not the configured {configured}")]
    IssuerMismatch {
        configured: String,
        published: String,
    },
    #[error(
        "the provider offers none of the token endpoint auth methods we use (client_secret_basic, client_secret_post): {0}"
    )]
    NoClientAuth(String),
    #[error("the provider's key set is not usable: {0}")]
    BadKeys(String),
}

impl ProviderError {
    /// Whether waiting may help (the provider unreachable, slow or failing for a while), as
    /// opposed to a fault that stays until someone changes a configuration.
    pub fn is_transient(&self) -> bool {
        match self {
            ProviderError::Fetch(e) => fetch_is_transient(e),
            ProviderError::Status { status, .. } => status_is_transient(*status),
            _ => false,
        }
    }
}

/// Timeouts, unreachable servers and 5xx / 429 answers may pass; anything else will not.
pub fn fetch_is_transient(e: &FetchError) -> bool {
    match e {
        FetchError::Timeout { .. } | FetchError::Unreachable { .. } => true,
        FetchError::NotJson { status, .. } => status_is_transient(*status),
        FetchError::NotAllowed(_) => false,
    }
}

pub fn status_is_transient(status: u16) -> bool {
    status >= 500 || status == 429 || status == 408
}

/// Whether the issuer configured for a provider is the one its discovery document publishes:
/// the same string, give or take a terminating `/` (a profile may be written either way; what
/// tokens must carry is then the published one, exactly). A Microsoft multi-tenant document
/// (`.../{tenantid}/v2.0`) matches the address it was fetched from with any one path segment
/// in place of the placeholder (`organizations`, `common`, a tenant id).
pub fn issuer_matches(configured: &str, published: &str) -> bool {
    let configured = configured.strip_suffix('/').unwrap_or(configured);
    let published = published.strip_suffix('/').unwrap_or(published);
    if configured == published {
        return true;
    }
    match published.split_once(TENANT_PLACEHOLDER) {
        Some((before, after)) => configured
            .strip_prefix(before)
            .and_then(|rest| rest.strip_suffix(after))
            .is_some_and(|segment| {
                !segment.is_empty() && !segment.contains(['/', '?', '#']) && !after.is_empty()
            }),
        None => false,
    }
}

/// The well-known address of an issuer's discovery document (OpenID Connect Discovery 4.1:
/// a terminating `/` is removed before the path is appended).
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.strip_suffix('/').unwrap_or(issuer)
    )
}

/// The token endpoint auth method, from discovery's `token_endpoint_auth_methods_supported`:
/// `client_secret_basic` when offered (and when the field is absent: the spec's default),
/// else `client_secret_post`.
pub fn choose_client_auth(supported: Option<&Value>) -> Result<ClientAuth, ProviderError> {
    let Some(supported) = supported else {
        return Ok(ClientAuth::Basic);
    };
    let list: Vec<&str> = supported
        .as_array()
        .ok_or_else(|| {
            ProviderError::BadDiscovery(
                "`token_endpoint_auth_methods_supported` is not a list".into(),
            )
        })?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    if list.contains(&"client_secret_basic") {
        Ok(ClientAuth::Basic)
    } else if list.contains(&"client_secret_post") {
        Ok(ClientAuth::Post)
    } else {
        Err(ProviderError::NoClientAuth(list.join(", ")))
    }
}

/// Reads a discovery document fetched for `configured` (the issuer in the profile).
pub fn parse_discovery(configured: &str, doc: &Value) -> Result<Endpoints, ProviderError> {
    let field = |name: &str| -> Result<String, ProviderError> {
        doc.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| ProviderError::BadDiscovery(format!("no `{name}`")))
    };
    let published = field("issuer")?;
    if !issuer_matches(configured, &published) {
        return Err(ProviderError::IssuerMismatch {
            configured: configured.to_string(),
            published,
        });
    }
    let userinfo = match doc.get("userinfo_endpoint") {
        None | Some(Value::Null) => None,
        Some(_) => Some(field("userinfo_endpoint")?),
    };
    let endpoints = Endpoints {
        issuer: published,
        authorization: field("authorization_endpoint")?,
        token: field("token_endpoint")?,
        jwks: field("jwks_uri")?,
        userinfo,
        client_auth: choose_client_auth(doc.get("token_endpoint_auth_methods_supported"))?,
    };
    let urls = [&endpoints.authorization, &endpoints.token, &endpoints.jwks];
    for url in urls.into_iter().chain(endpoints.userinfo.as_ref()) {
        if !allowed_url(url) {
            return Err(ProviderError::BadDiscovery(format!("{url} is not https")));
        }
    }
    Ok(endpoints)
}

struct KeySet {
    keys: HashMap<String, Arc<DecodingKey>>,
    fetched: Instant,
}

/// Discovery documents and key sets of every provider this process has used.
#[derive(Default)]
pub struct ProviderCache {
    http: HttpClient,
    endpoints: Mutex<HashMap<String, (Endpoints, Instant)>>,
    keys: Mutex<HashMap<String, KeySet>>,
}

impl ProviderCache {
    pub fn new(http: HttpClient) -> ProviderCache {
        ProviderCache {
            http,
            endpoints: Mutex::default(),
            keys: Mutex::default(),
        }
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The provider's endpoints, from its discovery document, whose `issuer` must be the one
    /// configured (OpenID Connect Discovery 4.3; see [`issuer_matches`]).
    pub async fn endpoints(&self, issuer: &str) -> Result<Endpoints, ProviderError> {
        if let Some((e, at)) = self.endpoints.lock().expect("cache lock").get(issuer)
            && at.elapsed() < MAX_AGE
        {
            return Ok(e.clone());
        }
        let doc = self.http.get_json(&discovery_url(issuer)).await?;
        if doc.status != 200 {
            return Err(ProviderError::Status {
                what: "discovery document",
                status: doc.status,
            });
        }
        let endpoints = parse_discovery(issuer, &doc.body)?;
        self.endpoints
            .lock()
            .expect("cache lock")
            .insert(issuer.to_string(), (endpoints.clone(), Instant::now()));
        Ok(endpoints)
    }

    /// The key `kid` of the key set at `jwks_uri`: from the cache, else fetched again.
    /// `Ok(None)` when the provider does not have it either.
    pub async fn key(
        &self,
        jwks_uri: &str,
        kid: &str,
    ) -> Result<Option<Arc<DecodingKey>>, ProviderError> {
        let may_fetch = {
            let cache = self.keys.lock().expect("cache lock");
            match cache.get(jwks_uri) {
                Some(set) if set.fetched.elapsed() < MAX_AGE => {
                    if let Some(key) = set.keys.get(kid) {
                        return Ok(Some(key.clone()));
                    }
                    set.fetched.elapsed() >= MIN_REFETCH
                }
                _ => true,
            }
        };
        if !may_fetch {
            return Ok(None);
        }
        let keys = self.fetch_keys(jwks_uri).await?;
        tracing::info!(
            jwks_uri,
            keys = keys.len(),
            "fetched a single sign-on key set"
        );
        let found = keys.get(kid).cloned();
        self.keys.lock().expect("cache lock").insert(
            jwks_uri.to_string(),
            KeySet {
                keys,
                fetched: Instant::now(),
            },
        );
        Ok(found)
    }

    async fn fetch_keys(
        &self,
        jwks_uri: &str,
    ) -> Result<HashMap<String, Arc<DecodingKey>>, ProviderError> {
        let response = self.http.get_json(jwks_uri).await?;
        if response.status != 200 {
            return Err(ProviderError::Status {
                what: "key set (JWKS)",
                status: response.status,
            });
        }
        let list = response
            .body
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| ProviderError::BadKeys("no `keys` list".into()))?;
        Ok(rsa_signing_keys(list))
    }
}

/// The RSA signing keys of a JWKS `keys` list, by kid; other keys (encryption, EC) are skipped.
pub fn rsa_signing_keys(list: &[Value]) -> HashMap<String, Arc<DecodingKey>> {
    let text = |k: &Value, name: &str| k.get(name).and_then(Value::as_str).map(str::to_string);
    list.iter()
        .filter(|k| text(k, "kty").as_deref() == Some("RSA"))
        .filter(|k| matches!(text(k, "use").as_deref(), None | Some("sig")))
        .filter(|k| matches!(text(k, "alg").as_deref(), None | Some("RS256")))
        .filter_map(|k| {
            let kid = text(k, "kid")?;
            let key = DecodingKey::from_rsa_components(&text(k, "n")?, &text(k, "e")?).ok()?;
            Some((kid, Arc::new(key)))
        })
        .collect()
}
