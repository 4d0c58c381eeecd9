//! Behind CloudFront (infra/template.yaml): the security headers CloudFront adds are the ones
//! the app sends itself, and a request that did not come through CloudFront is refused.

use crate::support;

use support::Web;

fn read(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The value of `key: value` on the first line of the template that has it (quotes removed).
fn setting(template: &str, key: &str) -> String {
    let line = template
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("`{key}` not in the template"));
    line[key.len() + 2..].trim().trim_matches('"').to_string()
}

#[test]
fn cloudfront_adds_the_headers_the_app_sends() {
    let t = read("../../infra/template.yaml");
    // Where the origin sent none (the S3 assets): the app's policy without a nonce; pages keep
    // their own (with the nonce of their inline scripts).
    assert_eq!(
        setting(&t, "ContentSecurityPolicy"),
        app::server::content_security_policy(None, &[])
    );
    let csp = t
        .lines()
        .skip_while(|l| !l.contains("ContentSecurityPolicy:"))
        .nth(2)
        .unwrap()
        .trim();
    assert_eq!(csp, "Override: false");

    // The rest are what routes.rs sets on every response.
    let routes = read("src/routes.rs");
    assert_eq!(setting(&t, "FrameOption"), "DENY");
    assert!(routes.contains(r#"header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")"#));
    assert_eq!(setting(&t, "ReferrerPolicy"), "same-origin");
    assert!(routes.contains(r#"HeaderValue::from_static("same-origin")"#));
    assert_eq!(setting(&t, "AccessControlMaxAgeSec"), "31536000");
    assert_eq!(setting(&t, "IncludeSubdomains"), "true");
    assert!(routes.contains(r#"HeaderValue::from_static("max-age=31536000; includeSubDomains")"#));
    assert!(t.contains("ContentTypeOptions:\n            Override: true"));
    assert!(routes.contains(r#"HeaderValue::from_static("nosniff")"#));
    assert_eq!(setting(&t, "- Header"), "Permissions-Policy");
    let permissions = t
        .lines()
        .skip_while(|l| !l.contains("- Header: Permissions-Policy"))
        .nth(1)
        .and_then(|l| l.trim().strip_prefix("Value: "))
        .expect("the Permissions-Policy value");
    assert!(
        routes.contains(&format!(r#"HeaderValue::from_static("{permissions}")"#)),
        "{permissions}"
    );
}

const CURRENT: &str = "3f1c9e0b7a6d45e2b8c1f0a9d7e6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8";
const PREVIOUS: &str = "9a8b7c6d5e4f30211f2e3d4c5b6a79880f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// The status of `GET /` with these headers.
fn status(web: &Web, headers: &[(&str, &str)]) -> u16 {
    web.request("GET", "/", headers, b"").status
}

#[test]
fn behind_cloudfront_a_request_without_its_header_is_refused() {
    let data = tempfile::tempdir().expect("temp dir");
    let web = Web::serve_embedded(data.path(), &[("APP_ORIGIN_VERIFY", CURRENT.into())]);
    let direct = web.get("/");
    assert_eq!(direct.status, 403, "{}", direct.describe());
    assert!(direct.text().contains("Please use the site's own address."));
    let wrong = web.request("GET", "/", &[("X-Origin-Verify", "guess")], b"");
    assert_eq!(wrong.status, 403, "{}", wrong.describe());
    // With a single value, only that value: not another of the same length, not the value
    // with something added or taken away.
    assert_eq!(status(&web, &[("X-Origin-Verify", PREVIOUS)]), 403);
    assert_eq!(
        status(&web, &[("X-Origin-Verify", &format!("{CURRENT}0"))]),
        403
    );
    assert_eq!(status(&web, &[("X-Origin-Verify", &CURRENT[1..])]), 403);
    assert_eq!(status(&web, &[("X-Origin-Verify", "")]), 403);
    let through = web.request(
        "GET",
        "/",
        &[
            ("X-Origin-Verify", CURRENT),
            ("CloudFront-Viewer-Address", "198.51.100.10:46532"),
        ],
        b"",
    );
    assert_eq!(through.status, 200, "{}", through.describe());
    // Refused requests still carry the security headers.
    assert_eq!(direct.header("x-frame-options"), Some("DENY"));
}

/// During a rotation (infra/README.md, Rotating the origin secret) both the new value and the
/// one CloudFront's edges may still send are accepted; nothing else is.
#[test]
fn during_a_rotation_both_origin_secrets_are_accepted_and_no_other() {
    let data = tempfile::tempdir().expect("temp dir");
    let web = Web::serve_embedded(
        data.path(),
        &[
            ("APP_ORIGIN_VERIFY", CURRENT.into()),
            ("APP_ORIGIN_VERIFY_PREVIOUS", PREVIOUS.into()),
        ],
    );
    assert_eq!(status(&web, &[("X-Origin-Verify", CURRENT)]), 200);
    assert_eq!(status(&web, &[("X-Origin-Verify", PREVIOUS)]), 200);
    assert_eq!(status(&web, &[]), 403);
    assert_eq!(status(&web, &[("X-Origin-Verify", "guess")]), 403);
    let other = "0".repeat(CURRENT.len());
    assert_eq!(status(&web, &[("X-Origin-Verify", &other)]), 403);
    // Both values in one header are not one of them.
    let both = format!("{CURRENT},{PREVIOUS}");
    assert_eq!(status(&web, &[("X-Origin-Verify", &both)]), 403);
}

/// A weak or half-configured origin secret stops the start, saying why.
#[test]
fn a_short_origin_secret_or_a_previous_one_alone_is_refused_at_start() {
    for (envs, why) in [
        (
            vec![("APP_ORIGIN_VERIFY", "too-short-to-be-random".to_string())],
            "APP_ORIGIN_VERIFY must be at least 32",
        ),
        (
            vec![
                ("APP_ORIGIN_VERIFY", CURRENT.to_string()),
                ("APP_ORIGIN_VERIFY_PREVIOUS", "short".to_string()),
            ],
            "APP_ORIGIN_VERIFY_PREVIOUS must be at least 32",
        ),
        (
            vec![("APP_ORIGIN_VERIFY_PREVIOUS", PREVIOUS.to_string())],
            "APP_ORIGIN_VERIFY_PREVIOUS is set but APP_ORIGIN_VERIFY is not",
        ),
    ] {
        let data = tempfile::tempdir().expect("temp dir");
        let mut all: Vec<(&str, String)> = vec![
            ("APP_STORE", "embedded".into()),
            ("APP_DATA_DIR", data.path().display().to_string()),
            ("APP_BIND", "127.0.0.1:0".into()),
        ];
        all.extend(envs);
        let mut web = Web::spawn(&all, &[]);
        let status = web.wait_for_exit();
        assert!(!status.success(), "{}", web.output());
        assert!(web.output().contains(why), "{why}: {}", web.output());
    }
}

/// Several organisations behind one distribution, each at its own domain: a form posted from the
/// viewer's own host (CloudFront names it in `x-forwarded-host`) is same-site; another site's is
/// not; and `x-forwarded-host` counts only on a request CloudFront's secret vouches for.
#[test]
fn behind_cloudfront_a_form_from_the_viewers_own_host_is_same_site() {
    let data = tempfile::tempdir().expect("temp dir");
    let web = Web::serve_embedded(
        data.path(),
        &[
            ("APP_ORIGIN_VERIFY", CURRENT.into()),
            ("APP_BASE_URL", "https://main.example.org".into()),
        ],
    );
    let post = |origin: &str, forwarded: &str, verify: &str| {
        web.request(
            "POST",
            "/sign-in",
            &[
                ("X-Origin-Verify", verify),
                ("X-Forwarded-Host", forwarded),
                ("Origin", origin),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            b"email=nobody%40example.org",
        )
        .status
    };
    assert_eq!(
        post("https://main.example.org", "main.example.org", CURRENT),
        200
    );
    assert_eq!(
        post("https://org-b.example.org", "org-b.example.org", CURRENT),
        200
    );
    assert_eq!(
        post("https://evil.example", "org-b.example.org", CURRENT),
        403
    );
    assert_eq!(
        post("https://org-b.example.org", "org-b.example.org", "guess"),
        403
    );
}
