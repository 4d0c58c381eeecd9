//! What we learn from a provider over the network, cached: its discovery document (endpoints)
//! and its signing keys (JWKS). Keys are refetched when a token names a key we do not hold
//! (providers rotate keys) and at most once a second, so a burst of bad tokens cannot turn
//! into a burst of calls to the provider.

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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub authorization: String,
    pub token: String,
    pub jwks: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("the provider's discovery document is not usable: {0}")]
    BadDiscovery(String),
    #[error("the provider's key set is not usable: {0}")]
    BadKeys(String),
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

    /// The provider's endpoints, from `<issuer>/.well-known/openid-configuration`, whose
    /// `issuer` must be exactly the one configured (OpenID Discovery 4.3).
    pub async fn endpoints(&self, issuer: &str) -> Result<Endpoints, ProviderError> {
        if let Some((e, at)) = self.endpoints.lock().expect("cache lock").get(issuer)
            && at.elapsed() < MAX_AGE
        {
            return Ok(e.clone());
        }
        let url = format!("{issuer}/.well-known/openid-configuration");
        let doc = self.http.get_json(&url).await?;
        if doc.status != 200 {
            return Err(ProviderError::BadDiscovery(format!(
                "status {}",
                doc.status
            )));
        }
        let field = |name: &str| -> Result<String, ProviderError> {
            doc.body
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| ProviderError::BadDiscovery(format!("no `{name}`")))
        };
        if field("issuer")? != issuer {
            return Err(ProviderError::BadDiscovery(
                "its issuer is not the configured one".into(),
            ));
        }
        let endpoints = Endpoints {
            authorization: field("authorization_endpoint")?,
            token: field("token_endpoint")?,
            jwks: field("jwks_uri")?,
        };
        for url in [&endpoints.authorization, &endpoints.token, &endpoints.jwks] {
            if !allowed_url(url) {
                return Err(ProviderError::BadDiscovery(format!("{url} is not https")));
            }
        }
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
            return Err(ProviderError::BadKeys(format!(
                "status {}",
                response.status
            )));
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
