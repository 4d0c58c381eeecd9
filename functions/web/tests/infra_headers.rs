//! Behind CloudFront (infra/template.yaml): the security headers CloudFront adds are the ones
//! the app sends itself, and a request that did not come through CloudFront is refused.

mod support;

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

#[test]
fn behind_cloudfront_a_request_without_its_header_is_refused() {
    let data = tempfile::tempdir().expect("temp dir");
    let web = Web::serve_embedded(
        data.path(),
        &[(
            "APP_ORIGIN_VERIFY",
            "0e9c7a52-1111-2222-3333-444455556666".into(),
        )],
    );
    let direct = web.get("/");
    assert_eq!(direct.status, 403, "{}", direct.describe());
    assert!(direct.text().contains("Please use the site's own address."));
    let wrong = web.request("GET", "/", &[("X-Origin-Verify", "guess")], b"");
    assert_eq!(wrong.status, 403, "{}", wrong.describe());
    let through = web.request(
        "GET",
        "/",
        &[
            ("X-Origin-Verify", "0e9c7a52-1111-2222-3333-444455556666"),
            ("CloudFront-Viewer-Address", "198.51.100.10:46532"),
        ],
        b"",
    );
    assert_eq!(through.status, 200, "{}", through.describe());
    // Refused requests still carry the security headers.
    assert_eq!(direct.header("x-frame-options"), Some("DENY"));
}
