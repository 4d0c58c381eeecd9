//! A small OpenID Connect provider for local runs and tests. Never deployed.
//!
//! It speaks the authorization code flow with PKCE (S256 only) and issues RS256 ID tokens, strictly
//! enough that a relying party's OIDC client can be tested end to end against it: discovery, JWKS
//! (with key rotation), an HTML sign-in page, single-use short-lived codes, client authentication
//! by `client_secret_post` or `client_secret_basic`, and RFC 6749 error responses.
//!
//! There are no passwords: anyone may sign in as any allowed email address. That is the point of a
//! development provider, and the reason it must never be exposed beyond loopback.

mod authorize;
mod html;
mod token;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::rand_core::OsRng;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

/// A registered relying party.
#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub secret: String,
    /// Redirect URIs, compared exactly (no prefix or wildcard matching, as real providers do).
    pub redirect_uris: Vec<String>,
}

/// What the provider knows about: its clients and who may sign in.
#[derive(Debug, Clone, Default)]
pub struct ProviderConfig {
    pub clients: Vec<Client>,
    /// users who can sign in: (email, display name). Empty = anyone with a syntactically valid email.
    pub users: Vec<(String, String)>,
}

/// A provider serving on a loopback listener.
///
/// Dropping the handle leaves the server running until its tokio runtime shuts down (the end of a
/// `#[tokio::test]`); call [`RunningProvider::stop`] to stop it earlier.
pub struct RunningProvider {
    /// e.g. `http://127.0.0.1:PORT`, no trailing slash.
    pub issuer: String,
    shared: Arc<Shared>,
    shutdown: oneshot::Sender<()>,
}

impl RunningProvider {
    /// Starts the provider on the given listener (bind 127.0.0.1:0 for tests) in a tokio task.
    ///
    /// # Panics
    /// If the listener has no local address, or the RSA key cannot be generated.
    pub async fn start(
        listener: tokio::net::TcpListener,
        config: ProviderConfig,
    ) -> RunningProvider {
        let addr: SocketAddr = listener.local_addr().expect("listener has a local address");
        let issuer = format!("http://{addr}");
        // RSA key generation is CPU-bound for a noticeable time: keep it off the async workers.
        let key = tokio::task::spawn_blocking(SigningKey::generate)
            .await
            .expect("RSA key generation");
        let shared = Arc::new(Shared {
            issuer: issuer.clone(),
            config,
            key: RwLock::new(Arc::new(key)),
            codes: Mutex::new(HashMap::new()),
            jwks_fetches: AtomicUsize::new(0),
        });
        let (shutdown, shutdown_rx) = oneshot::channel::<()>();
        let app = router(shared.clone());
        tokio::spawn(async move {
            let stopped = async move {
                // A dropped handle (Err) is not a request to stop: see the type's docs.
                if shutdown_rx.await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::error!(%error, "dev OIDC provider stopped");
            }
        });
        tracing::info!(%issuer, "dev OIDC provider started");
        RunningProvider {
            issuer,
            shared,
            shutdown,
        }
    }

    /// Replaces the signing key with a new one under a new `kid`; the JWKS then lists only the new key
    /// (so a client caching the old JWKS meets an unknown kid and must refetch).
    ///
    /// Blocks while the new RSA key is generated.
    pub fn rotate_key(&self) {
        let key = Arc::new(SigningKey::generate());
        tracing::info!(kid = %key.kid, "signing key rotated");
        *self.shared.key.write().expect("key lock") = key;
    }

    /// The current kid.
    pub fn current_kid(&self) -> String {
        self.shared.current_key().kid.clone()
    }

    /// Signs arbitrary claims with the current key (RS256, current kid) — for tests that need a token
    /// with chosen iss/aud/exp/nonce, e.g. expired or wrong-audience tokens.
    pub fn sign(&self, claims: &Value) -> String {
        self.shared.current_key().sign(claims)
    }

    /// The public key of the current signing key as PEM (SPKI, `-----BEGIN PUBLIC KEY-----`).
    pub fn public_key_pem(&self) -> String {
        self.shared.current_key().public_pem.clone()
    }

    /// Number of times /jwks was fetched.
    pub fn jwks_fetches(&self) -> usize {
        self.shared.jwks_fetches.load(Ordering::SeqCst)
    }

    /// Stops the server: no new connections are accepted, in-flight requests finish.
    pub fn stop(self) {
        // The server task may already have ended; nothing to do then.
        let _ = self.shutdown.send(());
    }
}

/// State shared by the handlers and the handle.
pub(crate) struct Shared {
    pub(crate) issuer: String,
    pub(crate) config: ProviderConfig,
    key: RwLock<Arc<SigningKey>>,
    /// Authorization codes by code value.
    pub(crate) codes: Mutex<HashMap<String, token::Grant>>,
    jwks_fetches: AtomicUsize,
}

impl Shared {
    pub(crate) fn current_key(&self) -> Arc<SigningKey> {
        self.key.read().expect("key lock").clone()
    }

    pub(crate) fn client(&self, id: &str) -> Option<&Client> {
        self.config.clients.iter().find(|c| c.id == id)
    }
}

/// An RSA signing key with everything derived from it that the endpoints need.
pub(crate) struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    /// Base64url (no padding) big-endian modulus and exponent, as a JWK wants them.
    n: String,
    e: String,
    public_pem: String,
}

impl SigningKey {
    fn generate() -> SigningKey {
        let private = RsaPrivateKey::new(&mut OsRng, 2048).expect("RSA 2048 key generation");
        // jsonwebtoken's rust_crypto backend reads RSA private keys as PKCS#1 DER.
        let pkcs1 = private.to_pkcs1_der().expect("PKCS#1 encoding");
        let public = private.to_public_key();
        let spki = public.to_public_key_der().expect("SPKI encoding");
        // Stable per key, different across keys.
        let kid = hex(&Sha256::digest(spki.as_bytes()))[..16].to_owned();
        SigningKey {
            kid,
            encoding: EncodingKey::from_rsa_der(pkcs1.as_bytes()),
            n: URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            e: URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
            public_pem: public
                .to_public_key_pem(LineEnding::LF)
                .expect("SPKI PEM encoding"),
        }
    }

    pub(crate) fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("RS256 signing")
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route(
            "/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route("/token", axum::routing::post(token::token))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .layer(middleware::from_fn(log_request))
        .with_state(shared)
}

/// Logs method, path and status. The query string is left out: it carries codes and state.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::info!(%method, %path, status = response.status().as_u16(), "request");
    response
}

async fn discovery(State(shared): State<Arc<Shared>>) -> Response {
    let issuer = &shared.issuer;
    json_response(&json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "email", "email_verified", "name"
        ],
    }))
}

async fn jwks(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    shared.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let key = shared.current_key();
    (
        [(header::CACHE_CONTROL, "max-age=300")],
        json_response(&json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": key.kid,
                "n": key.n,
                "e": key.e,
            }]
        })),
    )
}

/// A JSON body with its content type (axum's `json` feature is not enabled in this workspace).
pub(crate) fn json_response(value: &Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `len` random bytes from the OS, base64url without padding.
pub(crate) fn random_token(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("OS randomness");
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// Parses `application/x-www-form-urlencoded` text (a query string or a form body) into pairs,
/// keeping repeats so that callers can refuse repeated parameters (RFC 6749 section 3.1).
pub(crate) fn parse_form(text: &[u8]) -> Option<Vec<(String, String)>> {
    serde_urlencoded::from_bytes(text).ok()
}

/// The single value of parameter `name`: `Ok(None)` when absent or empty (RFC 6749 section 3.1
/// treats an empty parameter as omitted), `Err(())` when it is repeated.
pub(crate) fn single<'a>(
    params: &'a [(String, String)],
    name: &str,
) -> Result<Option<&'a str>, ()> {
    let mut values = params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str());
    match (values.next(), values.next()) {
        (Some(_), Some(_)) => Err(()),
        (Some(v), None) if !v.is_empty() => Ok(Some(v)),
        _ => Ok(None),
    }
}
