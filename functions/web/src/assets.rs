//! The browser bundle (islands JS/WASM and CSS), built by `scripts/build-assets.sh` into
//! `target/site` with content hashes in the file names, so each can be cached for a year.
//! Loaded into memory at start-up (they are small); on AWS they will come from S3/CloudFront.
//! Each file's brotli and gzip forms (`NAME.br`, `NAME.gz`, written by the build) are loaded
//! too, and sent instead of the plain file when the request's `Accept-Encoding` allows.
//!
//! Under Lambda only the manifest is read (the hashed names the pages link to): CloudFront
//! serves `/pkg/*` from S3 (infra/template.yaml), so the Lambda package carries
//! `site/manifest.json` alone and the cold start reads nothing more.

use app::server::Assets;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use std::collections::HashMap;
use std::path::Path;

pub struct AssetFiles {
    files: HashMap<String, Asset>,
    pub urls: Assets,
}

struct Asset {
    content_type: &'static str,
    plain: Vec<u8>,
    /// Pre-compressed forms, if the build wrote them: (encoding, bytes), preferred first.
    encoded: Vec<(&'static str, Vec<u8>)>,
}

/// The encodings the build writes, as (Content-Encoding, file suffix), preferred first.
const ENCODINGS: [(&str, &str); 2] = [("br", "br"), ("gzip", "gz")];

#[derive(serde::Deserialize)]
struct Manifest {
    css: String,
    boot: String,
    files: Vec<String>,
}

pub const PREFIX: &str = "/pkg/";

impl AssetFiles {
    /// `files`: whether to read the files themselves too (a local run serves them; under
    /// Lambda they come from S3, and only their names are needed).
    pub fn load(site_dir: &Path, files: bool) -> AssetFiles {
        match Self::try_load(site_dir, files) {
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

    fn try_load(site_dir: &Path, read_files: bool) -> Result<AssetFiles, String> {
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
            if !read_files {
                continue;
            }
            let path = site_dir.join("pkg").join(name);
            let plain = std::fs::read(&path).map_err(|e| format!("{name}: {e}"))?;
            let encoded = ENCODINGS
                .iter()
                .filter_map(|(encoding, suffix)| {
                    let bytes = std::fs::read(path.with_file_name(format!("{name}.{suffix}")));
                    bytes.ok().map(|b| (*encoding, b))
                })
                .collect();
            files.insert(
                name.clone(),
                Asset {
                    content_type: content_type(name),
                    plain,
                    encoded,
                },
            );
        }
        for needed in [&manifest.css, &manifest.boot] {
            if !manifest.files.contains(needed) {
                return Err(format!(
                    "{needed} is in the manifest but not in its file list"
                ));
            }
        }
        tracing::info!(
            files = files.len(),
            named = manifest.files.len(),
            "browser bundle loaded"
        );
        Ok(AssetFiles {
            files,
            urls: Assets {
                css: Some(format!("{PREFIX}{}", manifest.css)),
                boot_js: Some(format!("{PREFIX}{}", manifest.boot)),
            },
        })
    }

    /// The file, pre-compressed when the request accepts one of its encodings.
    pub fn response(&self, name: &str, request: &HeaderMap) -> Response {
        match self.files.get(name) {
            Some(asset) => {
                let chosen = asset
                    .encoded
                    .iter()
                    .find(|(encoding, _)| accepts(request, encoding));
                let mut response = Response::builder()
                    .header(header::CONTENT_TYPE, asset.content_type)
                    .header(
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("public, max-age=31536000, immutable"),
                    )
                    .header(header::VARY, "accept-encoding");
                if let Some((encoding, _)) = chosen {
                    response = response.header(header::CONTENT_ENCODING, *encoding);
                }
                let bytes = chosen.map_or(&asset.plain, |(_, b)| b);
                response
                    .body(Body::from(bytes.clone()))
                    .expect("valid response")
            }
            None => Response::builder()
                .status(StatusCode::NOT_FOUND)
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .header(header::CACHE_CONTROL, "no-store")
                .body(Body::from("Not found"))
                .expect("valid response"),
        }
    }
}

/// Whether `Accept-Encoding` allows `encoding` (named, or `*`, without `q=0`).
fn accepts(request: &HeaderMap, encoding: &str) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case(encoding) || name == "*") && !refused
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).unwrap(),
        );
        h
    }

    /// Under Lambda only the manifest is read: the package carries it alone (the files are
    /// served from S3), and the pages still link to the hashed names.
    #[test]
    fn under_lambda_the_manifest_alone_is_enough() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("manifest.json"),
            r#"{"css": "style-1.css", "boot": "boot-2.js", "files": ["style-1.css", "boot-2.js"]}"#,
        )
        .unwrap();
        let names_only = AssetFiles::try_load(dir.path(), false).unwrap();
        assert_eq!(names_only.urls.css.as_deref(), Some("/pkg/style-1.css"));
        assert_eq!(names_only.urls.boot_js.as_deref(), Some("/pkg/boot-2.js"));
        assert!(names_only.files.is_empty());
        // A local run serves the files, so it needs them.
        let err = AssetFiles::try_load(dir.path(), true).err().unwrap();
        assert!(err.starts_with("style-1.css: "), "{err}");
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        for name in ["style-1.css", "boot-2.js"] {
            std::fs::write(dir.path().join("pkg").join(name), name).unwrap();
        }
        let served = AssetFiles::try_load(dir.path(), true).unwrap();
        assert_eq!(served.files.len(), 2);
        assert_eq!(served.urls.css, names_only.urls.css);
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert!(accepts(&headers("gzip, deflate, br, zstd"), "br"));
        assert!(accepts(&headers("gzip;q=0.5"), "gzip"));
        assert!(!accepts(&headers("gzip;q=0"), "gzip"));
        assert!(!accepts(&headers("gzip"), "br"));
        assert!(accepts(&headers("*"), "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }
}
