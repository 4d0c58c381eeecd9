//! Public pages at static-file speed (`edge::public`): a page the same for everyone signed out
//! is rendered once per version of its organisation's site and served again from memory, with
//! its inline scripts allowed by hash, an ETag (304 on `If-None-Match`) and a short shared cache
//! lifetime. Not from memory: signed in, with a session cookie, with a query string, pages with
//! a form token. Two organisations by host each get their own; a published change shows at once.

use crate::support;

use base64::Engine as _;
use std::path::Path;
use support::{Response, Web, form, get_as};

const MODULE: &str = "/learn/four-cs-of-online-risk";
const GUIDANCE: &str = "/parents/talking-with-your-child";
const SESSION_KEYS: &str = "k1:public-cache-test-session-secret-0123456789";
const ADMIN: &str = "admin@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";
use crate::organisations::ORG_B_HOST;

fn start(data: &Path) -> Web {
    Web::serve_embedded(
        data,
        &[
            ("APP_SESSION_KEYS", SESSION_KEYS.into()),
            ("APP_DEMO_PEOPLE", "true".into()),
        ],
    )
}

/// How many of the server's "handled" lines say the page came from memory / was rendered and
/// kept.
fn served(web: &Web) -> (usize, usize) {
    let log = web.stdout();
    let memory = log.matches("\"page\":\"memory\"").count();
    let rendered = log.matches("\"page\":\"rendered\"").count();
    (memory, rendered)
}

fn get_with(web: &Web, path: &str, headers: &[(&str, &str)]) -> Response {
    web.request("GET", path, headers, b"")
}

/// The headers that must be the same on a page from memory and one rendered for the request.
const SECURITY_HEADERS: &[&str] = &[
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "permissions-policy",
    "strict-transport-security",
    "content-type",
];

#[track_caller]
fn assert_from_memory(what: &str, r: &Response) {
    assert_eq!(r.status, 200, "{what}\n{}", r.describe());
    assert!(
        r.header("etag").is_some(),
        "{what}: no ETag\n{}",
        r.describe()
    );
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=0, s-maxage=60"),
        "{what}"
    );
}

#[track_caller]
fn assert_rendered_for_the_request(what: &str, r: &Response) {
    assert!(
        r.header("etag").is_none(),
        "{what}: an ETag\n{}",
        r.describe()
    );
    let cc = r.header("cache-control").unwrap_or_default();
    assert!(
        cc == "no-store" || cc == "no-cache",
        "{what}: Cache-Control `{cc}`"
    );
    assert!(!cc.contains("public"), "{what}");
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("'nonce-"), "{what}: {csp}");
}

/// The text of the inline scripts of a page, read plainly.
fn inline_scripts(html: &str) -> Vec<String> {
    html.split("<script")
        .skip(1)
        .filter_map(|s| {
            let (tag, rest) = s.split_once('>')?;
            (!tag.contains("src=")).then(|| rest.split("</script>").next().unwrap().to_string())
        })
        .collect()
}

#[test]
fn a_public_page_is_rendered_once_then_served_from_memory_with_its_etag() {
    let data = tempfile::tempdir().unwrap();
    let web = start(data.path());
    for path in [MODULE, GUIDANCE, "/", "/learn", "/parents", "/curriculum"] {
        let (memory, rendered) = served(&web);
        let first = web.get(path);
        assert_from_memory(path, &first);
        assert_eq!(
            served(&web),
            (memory, rendered + 1),
            "{path}: rendered once"
        );
        let second = web.get(path);
        assert_from_memory(path, &second);
        assert_eq!(
            served(&web),
            (memory + 1, rendered + 1),
            "{path}: from memory"
        );
        assert_eq!(first.body, second.body, "{path}");
        assert_eq!(first.header("etag"), second.header("etag"), "{path}");
        assert_eq!(
            first.header("content-security-policy"),
            second.header("content-security-policy")
        );
        // every response still has its own request id
        assert_ne!(first.header("x-request-id"), second.header("x-request-id"));

        // If-None-Match: 304 without the page, with the ETag; weak form and lists too.
        let etag = first.header("etag").unwrap().to_string();
        for sent in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"other\", {etag}"),
        ] {
            let r = get_with(&web, path, &[("If-None-Match", &sent)]);
            assert_eq!(r.status, 304, "{path} {sent}\n{}", r.describe());
            assert!(r.body.is_empty());
            assert_eq!(r.header("etag"), Some(etag.as_str()));
            assert_eq!(
                r.header("cache-control"),
                Some("public, max-age=0, s-maxage=60")
            );
        }
        let r = get_with(&web, path, &[("If-None-Match", "\"not-this-one\"")]);
        assert_eq!(r.status, 200);
        assert_eq!(r.body, first.body);

        // HEAD from memory: the headers, no body.
        let r = web.request("HEAD", path, &[], b"");
        assert_eq!(r.status, 200, "{}", r.describe());
        assert!(r.body.is_empty());
        assert_eq!(r.header("etag"), Some(etag.as_str()));
    }
}

#[test]
fn a_kept_page_has_the_security_headers_and_its_inline_scripts_by_hash() {
    let data = tempfile::tempdir().unwrap();
    let web = start(data.path());
    let kept = web.get(GUIDANCE);
    assert_from_memory("the guidance page", &kept);
    // The same page rendered for the request (a query string bypasses the memory).
    let rendered = web.get(&format!("{GUIDANCE}?from=test"));
    assert_eq!(rendered.status, 200);
    assert_rendered_for_the_request("with a query string", &rendered);
    for name in SECURITY_HEADERS {
        assert_eq!(
            kept.header(name),
            rendered.header(name),
            "{name} differs between the kept and the rendered page"
        );
    }
    assert_eq!(kept.header("x-frame-options"), Some("DENY"));
    assert_eq!(kept.header("x-content-type-options"), Some("nosniff"));
    assert!(kept.header("x-request-id").is_some());

    // The CSP: the rendered page's, with hashes instead of the nonce.
    let csp = kept.header("content-security-policy").unwrap();
    let nonce = rendered
        .header("content-security-policy")
        .unwrap()
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    let html = kept.text();
    assert!(
        !csp.contains("nonce") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(!html.contains("nonce="), "a kept page carries no nonce");
    let scripts = inline_scripts(&html);
    assert!(
        scripts.iter().any(|s| s.contains("data-exit-this-page")),
        "the exit-this-page script is inline: {scripts:?}"
    );
    for script in &scripts {
        let hash = base64::engine::general_purpose::STANDARD
            .encode(safety_core::crypto::sha256(script.as_bytes()));
        assert!(
            csp.contains(&format!("'sha256-{hash}'")),
            "the CSP lacks the hash of {script:?}: {csp}"
        );
    }
    assert_eq!(
        csp.replace(' ', ""),
        rendered
            .header("content-security-policy")
            .unwrap()
            .replace(
                &format!(" 'nonce-{nonce}'"),
                &scripts
                    .iter()
                    .map(|s| format!(
                        " 'sha256-{}'",
                        base64::engine::general_purpose::STANDARD
                            .encode(safety_core::crypto::sha256(s.as_bytes()))
                    ))
                    .collect::<String>()
            )
            .replace(' ', ""),
        "otherwise the same policy"
    );
    // The page itself is the rendered one, the nonce attribute aside.
    assert_eq!(
        html,
        rendered.text().replace(&format!(" nonce=\"{nonce}\""), "")
    );
}

#[test]
fn signed_in_with_a_cookie_or_a_query_string_the_page_is_rendered_for_the_request() {
    let data = tempfile::tempdir().unwrap();
    let web = start(data.path());
    // Kept first, so that a later request served from it would show.
    assert_from_memory("signed out", &web.get(MODULE));
    assert_from_memory("signed out", &web.get("/"));
    let staff = support::sign_in(&web, data.path(), STAFF);
    let (memory, rendered) = served(&web);
    for path in [MODULE, "/", "/learn", GUIDANCE] {
        let r = get_as(&web, path, &staff);
        assert_eq!(r.status, 200, "{path}\n{}", r.describe());
        assert_rendered_for_the_request(path, &r);
        let html = r.text();
        assert!(
            html.contains("href=\"/me\"") && !html.contains("href=\"/sign-in\""),
            "{path}: the header shows the signed-in person's links"
        );
        // Even with the kept page's ETag: the person's own page, never a 304 of the public one.
        let etag = web.get(path).header("etag").unwrap().to_string();
        let r = web.request(
            "GET",
            path,
            &[("Cookie", &staff), ("If-None-Match", &etag)],
            b"",
        );
        assert_eq!(r.status, 200, "{path}");
        assert_rendered_for_the_request(path, &r);
    }
    // The signed-out GETs above came from memory; none of the signed-in ones did.
    assert_eq!(served(&web), (memory + 2, rendered + 2));

    // A session cookie that is refused: cleared, and the page is not a shared one.
    let r = get_as(&web, MODULE, "session=not-a-token");
    assert_eq!(r.status, 200);
    assert_rendered_for_the_request("a refused cookie", &r);
    assert!(
        r.header("set-cookie")
            .is_some_and(|c| c.starts_with("session=;")),
        "{}",
        r.describe()
    );
    // Query strings, other methods.
    let r = web.get(&format!("{MODULE}?section=2"));
    assert_rendered_for_the_request("a query string", &r);
    let r = web.post_form(MODULE, &[("section", "2")]);
    assert!(r.header("etag").is_none());
    assert_eq!(served(&web), (memory + 2, rendered + 2));
}

#[test]
fn pages_with_a_form_token_and_pages_not_found_are_never_kept() {
    let data = tempfile::tempdir().unwrap();
    let web = start(data.path());
    for path in ["/tell", "/sign-in", "/follow-up", "/verify"] {
        let a = web.get(path);
        let b = web.get(path);
        assert_eq!(a.status, 200, "{path}\n{}", a.describe());
        for r in [&a, &b] {
            assert!(r.header("etag").is_none(), "{path}");
            assert!(
                !r.header("cache-control")
                    .unwrap_or_default()
                    .contains("public"),
                "{path}"
            );
        }
    }
    assert_eq!(web.get("/tell").header("cache-control"), Some("no-store"));
    let a = support::form_token(&web.get("/tell").text());
    let b = support::form_token(&web.get("/tell").text());
    assert_ne!(a, b, "each form has its own token");
    // An address of the allow-list that is no page: 404, rendered each time.
    for _ in 0..2 {
        let r = web.get("/learn/no-such-module");
        assert_eq!(r.status, 404);
        assert!(r.header("etag").is_none());
    }
    assert_eq!(served(&web), (0, 0));
}

// ---------------------------------------------------------------------------------------------
// Two organisations, and a change

fn get_at(web: &Web, host: &str, path: &str) -> Response {
    web.request("GET", path, &[("Host", host)], b"")
}

#[test]
fn each_organisation_by_host_has_its_own_kept_pages() {
    let data = tempfile::tempdir().unwrap();
    crate::organisations::create_org_b(data.path());
    let web = start(data.path());
    let host_a = format!("127.0.0.1:{}", web.addr().port());
    for path in ["/", MODULE, GUIDANCE] {
        // Each twice, alternating: the second of each from memory, still its own.
        for _ in 0..2 {
            let a = get_at(&web, &host_a, path);
            let b = get_at(&web, ORG_B_HOST, path);
            assert_from_memory(path, &a);
            assert_from_memory(path, &b);
            assert!(a.text().contains("Wexmoor Vale") && !a.text().contains("Bramblefield"));
            assert!(b.text().contains("Bramblefield") && !b.text().contains("Wexmoor Vale"));
            assert_ne!(a.header("etag"), b.header("etag"));
        }
    }
    let (memory, rendered) = served(&web);
    assert_eq!((memory, rendered), (6, 6));
}

#[test]
fn a_published_change_shows_at_once() {
    let data = tempfile::tempdir().unwrap();
    let web = start(data.path());
    let before = web.get("/parents");
    assert_from_memory("before", &before);
    assert_from_memory("before", &web.get("/parents"));
    assert!(!before.text().contains("our-rules-for-phones"));
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let editor = get_as(&web, "/admin/policies/edit?new=1", &admin);
    assert_eq!(editor.status, 200);
    let editor = editor.text();
    let template = support::textarea_value(&editor);
    let csrf = support::csrf_in(&editor);
    let r = web.request(
        "POST",
        "/admin/policies/edit",
        &[
            ("Cookie", &admin),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        form(&[
            ("csrf", csrf.as_str()),
            ("action", "publish"),
            ("path", ""),
            ("name", "our-rules-for-phones"),
            ("text", template.as_str()),
            ("change", "new"),
            ("summary", ""),
        ])
        .as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.describe());
    let after = web.get("/parents");
    assert_from_memory("after", &after);
    assert!(
        after
            .text()
            .contains("href=\"/parents/our-rules-for-phones\""),
        "the new page is listed at once"
    );
    assert_ne!(before.header("etag"), after.header("etag"));
    // The old ETag is not the page's any more: the whole new page, not a 304.
    let r = get_with(
        &web,
        "/parents",
        &[("If-None-Match", before.header("etag").unwrap())],
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body, after.body);
}
