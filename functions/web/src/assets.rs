//! The browser bundle (islands JS/WASM and CSS), built by `scripts/build-assets.sh` into
//! `target/site` with content hashes in the file names, so each can be cached for a year.
//! Loaded into memory at start-up (they are small); on AWS they will come from S3/CloudFront.

use app::server::Assets;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use std::collections::HashMap;
use std::path::Path;

pub struct AssetFiles {
    files: HashMap<String, (&'static str, Vec<u8>)>,
    pub urls: Assets,
}

#[derive(serde::Deserialize)]
struct Manifest {
    css: String,
    boot: String,
    files: Vec<String>,
}

pub const PREFIX: &str = "/pkg/";

impl AssetFiles {
    pub fn load(site_dir: &Path) -> AssetFiles {
        match Self::try_load(site_dir) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(
                    site_dir = %site_dir.display(),
                    error = %e,
                    "no browser bundle: pages are served without CSS and islands; build it with scripts/build-assets.sh"
                );
                AssetFiles {
                    files: HashMap::new(),
                    urls: Assets::default(),
                }
            }
        }
    }

    fn try_load(site_dir: &Path) -> Result<AssetFiles, String> {
        let manifest: Manifest = serde_json::from_slice(
            &std::fs::read(site_dir.join("manifest.json"))
                .map_err(|e| format!("manifest.json: {e}"))?,
        )
        .map_err(|e| format!("manifest.json: {e}"))?;
        let mut files = HashMap::new();
        for name in &manifest.files {
            if name.contains('/') || name.starts_with('.') {
                return Err(format!("bad file name in manifest: {name}"));
            }
            let bytes = std::fs::read(site_dir.join("pkg").join(name))
                .map_err(|e| format!("{name}: {e}"))?;
            files.insert(name.clone(), (content_type(name), bytes));
        }
        for needed in [&manifest.css, &manifest.boot] {
            if !files.contains_key(needed) {
                return Err(format!(
                    "{needed} is in the manifest but not in its file list"
                ));
            }
        }
        tracing::info!(files = files.len(), "browser bundle loaded");
        Ok(AssetFiles {
            files,
            urls: Assets {
                css: Some(format!("{PREFIX}{}", manifest.css)),
                boot_js: Some(format!("{PREFIX}{}", manifest.boot)),
            },
        })
    }

    pub fn response(&self, name: &str) -> Response {
        match self.files.get(name) {
            Some((content_type, bytes)) => Response::builder()
                .header(header::CONTENT_TYPE, *content_type)
                .header(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                )
                .body(Body::from(bytes.clone()))
                .expect("valid response"),
            None => Response::builder()
                .status(StatusCode::NOT_FOUND)
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .header(header::CACHE_CONTROL, "no-store")
                .body(Body::from("Not found"))
                .expect("valid response"),
        }
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}
