//! The platform's few outgoing HTTPS calls (single sign-on's discovery, JWKS and token
//! exchange; sending email through SES), on the hyper + rustls stack the DynamoDB client
//! already brings. Bounded in time and size: a slow or hostile server cannot hold a Lambda for
//! long or fill its memory.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_BODY_BYTES: usize = 512 * 1024;

/// Whether single sign-on may call this address: https anywhere, plain http only on this
/// machine (the local demo provider).
pub fn allowed_url(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    let Some(host) = uri.host() else {
        return false;
    };
    match uri.scheme_str() {
        Some("https") => !host.is_empty(),
        Some("http") => matches!(host, "127.0.0.1" | "localhost" | "[::1]"),
        _ => false,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0} is not an allowed address (https, or http on loopback)")]
    NotAllowed(String),
    #[error("{url} did not answer within {TIMEOUT:?}")]
    Timeout { url: String },
    #[error("{url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url} answered with something that is not JSON (status {status})")]
    NotJson { url: String, status: u16 },
}

/// A JSON answer and its status.
pub struct JsonResponse {
    pub status: u16,
    pub body: Value,
}

type Inner = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Cheap to make and to clone (clones share one connection pool). The TLS set-up, which reads
/// the system's root certificates (several milliseconds), happens on the first call, not at
/// start-up: most cold starts never call out.
#[derive(Clone, Default)]
pub struct HttpClient {
    inner: Arc<OnceLock<Inner>>,
}

impl HttpClient {
    pub fn new() -> HttpClient {
        HttpClient::default()
    }

    fn client(&self) -> &Inner {
        self.inner.get_or_init(build)
    }

    pub async fn get_json(&self, url: &str) -> Result<JsonResponse, FetchError> {
        let request = http::Request::get(url)
            .header(http::header::ACCEPT, "application/json")
            .body(Full::new(Bytes::new()));
        self.send(url, request).await
    }

    /// POSTs an `application/x-www-form-urlencoded` body.
    pub async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<JsonResponse, FetchError> {
        let body = serde_urlencoded::to_string(form).expect("string pairs always encode");
        let request = http::Request::post(url)
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(Full::new(Bytes::from(body)));
        self.send(url, request).await
    }

    /// Sends a request built by the caller (e.g. signed) and reads a JSON answer.
    pub async fn send(
        &self,
        url: &str,
        request: Result<http::Request<Full<Bytes>>, http::Error>,
    ) -> Result<JsonResponse, FetchError> {
        let (status, bytes) = self.send_raw(url, request).await?;
        let body = serde_json::from_slice(&bytes).map_err(|_| FetchError::NotJson {
            url: url.to_string(),
            status,
        })?;
        Ok(JsonResponse { status, body })
    }

    /// Sends a request built by the caller and returns the status and the body as it came
    /// (bounded in size and time like every call).
    pub async fn send_raw(
        &self,
        url: &str,
        request: Result<http::Request<Full<Bytes>>, http::Error>,
    ) -> Result<(u16, Bytes), FetchError> {
        if !allowed_url(url) {
            return Err(FetchError::NotAllowed(url.to_string()));
        }
        let unreachable = |reason: String| FetchError::Unreachable {
            url: url.to_string(),
            reason,
        };
        let request = request.map_err(|e| unreachable(e.to_string()))?;
        let call = async {
            let response = self
                .client()
                .request(request)
                .await
                .map_err(|e| unreachable(format!("{e:?}")))?;
            let status = response.status().as_u16();
            let bytes = Limited::new(response.into_body(), MAX_BODY_BYTES)
                .collect()
                .await
                .map_err(|e| unreachable(e.to_string()))?
                .to_bytes();
            Ok((status, bytes))
        };
        tokio::time::timeout(TIMEOUT, call)
            .await
            .map_err(|_| FetchError::Timeout {
                url: url.to_string(),
            })?
    }
}

fn build() -> Inner {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    let builder = match builder.with_provider_and_native_roots(provider.clone()) {
        Ok(b) => b,
        Err(e) => {
            // Only plain-http loopback servers will work; every https call will fail with a
            // certificate error, which the caller reports.
            tracing::error!(error = %e, "no trusted root certificates found: outgoing https calls cannot work");
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports the default protocol versions")
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config)
        }
    };
    let https = builder.https_or_http().enable_http1().build();
    Client::builder(hyper_util::rt::TokioExecutor::new()).build(https)
}

#[cfg(test)]
mod tests {
    use super::allowed_url;

    #[test]
    fn only_https_or_loopback_http_is_called() {
        for ok in [
            "https://login.microsoftonline.com/x/v2.0",
            "https://accounts.google.com",
            "http://127.0.0.1:3001/jwks",
            "http://localhost:8080",
        ] {
            assert!(allowed_url(ok), "{ok}");
        }
        for bad in [
            "http://accounts.google.com",
            "http://10.0.0.1/jwks",
            "http://169.254.169.254/latest/meta-data",
            "ftp://example.org",
            "file:///etc/passwd",
            "not a url",
            "",
        ] {
            assert!(!allowed_url(bad), "{bad}");
        }
    }
}
