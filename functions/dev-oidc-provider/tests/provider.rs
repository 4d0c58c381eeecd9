//! The provider over real HTTP on loopback, driven the way a relying party and a browser would.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use dev_oidc_provider::{Client, ProviderConfig, RunningProvider};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::{TcpListener, TcpStream};

const CLIENT_ID: &str = "app";
const SECRET: &str = "app-secret";
const CALLBACK: &str = "http://127.0.0.1:9/callback";
/// A registered redirect URI that already has a query.
const CALLBACK_WITH_QUERY: &str = "http://127.0.0.1:9/cb?tenant=a";
const FORM: &str = "application/x-www-form-urlencoded";

// --- a tiny HTTP/1.1 client -------------------------------------------------------------------

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

/// One request on its own connection (`Connection: close`), read to the end. Blocking std I/O
/// on the blocking pool: the workspace's tokio has no `io-util`, and the server keeps running on
/// the test's runtime meanwhile.
async fn http(
    issuer: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let host = issuer
        .strip_prefix("http://")
        .expect("http issuer")
        .to_owned();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    let raw = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&host).expect("connect");
        stream.write_all(request.as_bytes()).expect("write");
        let mut raw = String::new();
        stream
            .read_to_string(&mut raw)
            .expect("read UTF-8 response");
        raw
    })
    .await
    .unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("header end");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .expect("status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply {
        status: status.parse().expect("status code"),
        headers,
        body: body.to_owned(),
    }
}

async fn get(issuer: &str, path: &str) -> Reply {
    http(issuer, "GET", path, &[], "").await
}

async fn post_form(
    issuer: &str,
    path: &str,
    form: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> Reply {
    let body = serde_urlencoded::to_string(form).unwrap();
    let mut headers = vec![("Content-Type", FORM)];
    headers.extend_from_slice(extra);
    http(issuer, "POST", path, &headers, &body).await
}

// --- helpers ------------------------------------------------------------------------------------

async fn start(users: &[(&str, &str)]) -> RunningProvider {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = ProviderConfig {
        clients: vec![Client {
            id: CLIENT_ID.into(),
            secret: SECRET.into(),
            redirect_uris: vec![CALLBACK.into(), CALLBACK_WITH_QUERY.into()],
        }],
        users: users
            .iter()
            .map(|(e, n)| (e.to_string(), n.to_string()))
            .collect(),
    };
    RunningProvider::start(listener, config).await
}

const USERS: &[(&str, &str)] = &[
    ("staff@school.example.org", "Sam Carter"),
    ("parent@school.example.org", "Jo Rivers"),
];

fn verifier(seed: &str) -> String {
    format!("{seed}-{}", "v".repeat(50))
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A valid authorization request for `redirect_uri`, as (name, value) pairs.
fn auth_params(redirect_uri: &str, verifier: &str) -> Vec<(String, String)> {
    [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", redirect_uri),
        ("scope", "openid email profile"),
        ("state", "state & co"),
        ("nonce", "nonce-123"),
        ("code_challenge", &challenge(verifier)),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn with(params: &[(String, String)], name: &str, value: Option<&str>) -> Vec<(String, String)> {
    let mut params: Vec<_> = params.iter().filter(|(k, _)| k != name).cloned().collect();
    if let Some(value) = value {
        params.push((name.to_owned(), value.to_owned()));
    }
    params
}

fn authorize_path(params: &[(String, String)]) -> String {
    format!(
        "/authorize?{}",
        serde_urlencoded::to_string(params).unwrap()
    )
}

/// The query parameters of a redirect location.
fn location_params(reply: &Reply) -> Vec<(String, String)> {
    let location = reply.header("location").expect("Location header");
    let query = location.split_once('?').expect("query").1;
    serde_urlencoded::from_str(query).unwrap()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Posts the sign-in form for `email` and returns the reply.
async fn submit(provider: &RunningProvider, params: &[(String, String)], email: &str) -> Reply {
    let mut form: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    form.push(("email", email));
    post_form(&provider.issuer, "/authorize", &form, &[]).await
}

/// Runs the browser part of the flow and returns the authorization code.
async fn code_for(provider: &RunningProvider, redirect_uri: &str, verifier: &str) -> String {
    let params = auth_params(redirect_uri, verifier);
    assert_eq!(
        get(&provider.issuer, &authorize_path(&params)).await.status,
        200
    );
    let reply = submit(provider, &params, "staff@school.example.org").await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    param(&location_params(&reply), "code")
        .expect("code")
        .to_owned()
}

async fn redeem(
    provider: &RunningProvider,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Reply {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
    ];
    post_form(&provider.issuer, "/token", &form, &[]).await
}

fn assert_oauth_error(reply: &Reply, status: u16, error: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.json()["error"], error, "{}", reply.body);
    assert!(reply.json()["error_description"].is_string());
}

/// Verifies an ID token against the provider's published JWKS, like a relying party.
async fn verify(provider: &RunningProvider, id_token: &str) -> Value {
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let jwks = get(&provider.issuer, "/jwks").await.json();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| Some(k["kid"].as_str().unwrap()) == header.kid.as_deref())
        .expect("kid listed in the JWKS");
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[CLIENT_ID]);
    validation.set_issuer(&[&provider.issuer]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .expect("ID token verifies")
        .claims
}

// --- tests --------------------------------------------------------------------------------------

#[tokio::test]
async fn discovery_document() {
    let provider = start(&[]).await;
    let issuer = provider.issuer.clone();
    assert!(issuer.starts_with("http://127.0.0.1:") && !issuer.ends_with('/'));
    let reply = get(&issuer, "/.well-known/openid-configuration").await;
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let doc = reply.json();
    assert_eq!(doc["issuer"], issuer);
    assert_eq!(doc["authorization_endpoint"], format!("{issuer}/authorize"));
    assert_eq!(doc["token_endpoint"], format!("{issuer}/token"));
    assert_eq!(doc["jwks_uri"], format!("{issuer}/jwks"));
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    assert_eq!(doc["subject_types_supported"], json!(["public"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        doc["scopes_supported"],
        json!(["openid", "email", "profile"])
    );
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        json!(["client_secret_post", "client_secret_basic"])
    );
    provider.stop();
}

#[tokio::test]
async fn full_flow_issues_a_verifiable_id_token() {
    let provider = start(USERS).await;
    let verifier = verifier("full");
    let params = auth_params(CALLBACK, &verifier);

    let page = get(&provider.issuer, &authorize_path(&params)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    for expected in [
        "<title>Demo identity provider — sign in</title>",
        "<form method=\"post\" action=\"/authorize\">",
        "<label for=\"email\">Email address</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required",
        "<input type=\"hidden\" name=\"state\" value=\"state &amp; co\">",
        "Sign in</button>",
        "staff@school.example.org",
        "development",
    ] {
        assert!(
            page.body.contains(expected),
            "page lacks {expected}:\n{}",
            page.body
        );
    }

    let signed_in = submit(&provider, &params, "Staff@School.example.org").await;
    assert_eq!(signed_in.status, 303);
    assert!(
        signed_in
            .header("location")
            .unwrap()
            .starts_with(&format!("{CALLBACK}?"))
    );
    let back = location_params(&signed_in);
    assert_eq!(param(&back, "state"), Some("state & co"));
    let code = param(&back, "code").unwrap();

    let reply = redeem(&provider, code, CALLBACK, &verifier).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let tokens = reply.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 300);
    assert!(
        tokens["access_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 32)
    );
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(id_token).unwrap().kid,
        Some(provider.current_kid())
    );

    let claims = verify(&provider, id_token).await;
    assert_eq!(claims["iss"], provider.issuer);
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["nonce"], "nonce-123");
    assert_eq!(claims["email"], "staff@school.example.org");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["name"], "Sam Carter");
    let sub = claims["sub"].as_str().unwrap();
    assert_eq!(sub.len(), 32);
    assert!(sub.bytes().all(|b| b.is_ascii_hexdigit()));
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert_eq!(exp - iat, 300);

    // The same person gets the same subject next time, through HTTP Basic client authentication
    // and a redirect URI that already has a query.
    let verifier = self::verifier("again");
    let code = code_for(&provider, CALLBACK_WITH_QUERY, &verifier).await;
    let basic = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{SECRET}")));
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK_WITH_QUERY),
        ("code_verifier", verifier.as_str()),
    ];
    let reply = post_form(
        &provider.issuer,
        "/token",
        &form,
        &[("Authorization", &basic)],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let again = verify(&provider, reply.json()["id_token"].as_str().unwrap()).await;
    assert_eq!(again["sub"], sub);
    provider.stop();
}

#[tokio::test]
async fn redirect_keeps_the_registered_query() {
    let provider = start(&[]).await;
    let params = auth_params(CALLBACK_WITH_QUERY, &verifier("q"));
    let reply = submit(&provider, &params, "anyone@example.org").await;
    assert_eq!(reply.status, 303);
    let location = reply.header("location").unwrap();
    assert!(
        location.starts_with(&format!("{CALLBACK_WITH_QUERY}&code=")),
        "{location}"
    );
    provider.stop();
}

#[tokio::test]
async fn token_refusals() {
    let provider = start(USERS).await;
    let issuer = provider.issuer.clone();

    // Wrong PKCE verifier; the code is then spent, even for the right verifier.
    let right = verifier("right");
    let code = code_for(&provider, CALLBACK, &right).await;
    assert_oauth_error(
        &redeem(&provider, &code, CALLBACK, &verifier("wrong")).await,
        400,
        "invalid_grant",
    );
    assert_oauth_error(
        &redeem(&provider, &code, CALLBACK, &right).await,
        400,
        "invalid_grant",
    );

    // A code used twice.
    let code = code_for(&provider, CALLBACK, &right).await;
    assert_eq!(redeem(&provider, &code, CALLBACK, &right).await.status, 200);
    assert_oauth_error(
        &redeem(&provider, &code, CALLBACK, &right).await,
        400,
        "invalid_grant",
    );

    // A redirect_uri other than the one at authorization (although registered too).
    let code = code_for(&provider, CALLBACK, &right).await;
    assert_oauth_error(
        &redeem(&provider, &code, CALLBACK_WITH_QUERY, &right).await,
        400,
        "invalid_grant",
    );

    // Wrong client secret, in the body and by HTTP Basic; the code survives both.
    let code = code_for(&provider, CALLBACK, &right).await;
    let form = |secret| {
        [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
            ("code_verifier", right.as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", secret),
        ]
    };
    assert_oauth_error(
        &post_form(&issuer, "/token", &form("nope"), &[]).await,
        401,
        "invalid_client",
    );
    let basic = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:nope")));
    let reply = post_form(
        &issuer,
        "/token",
        &form("")[..4],
        &[("Authorization", &basic)],
    )
    .await;
    assert_oauth_error(&reply, 401, "invalid_client");
    assert!(
        reply
            .header("www-authenticate")
            .unwrap()
            .starts_with("Basic")
    );
    // No client authentication at all.
    assert_oauth_error(
        &post_form(&issuer, "/token", &form("")[..5], &[]).await,
        401,
        "invalid_client",
    );
    // Two methods at once.
    let basic = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{SECRET}")));
    let reply = post_form(
        &issuer,
        "/token",
        &form(SECRET),
        &[("Authorization", &basic)],
    )
    .await;
    assert_oauth_error(&reply, 400, "invalid_request");
    // The code was never spent by the refused requests.
    assert_eq!(
        post_form(&issuer, "/token", &form(SECRET), &[])
            .await
            .status,
        200
    );

    // Other grant types, missing parameters, other content types.
    let mut other = form(SECRET);
    other[0] = ("grant_type", "client_credentials");
    assert_oauth_error(
        &post_form(&issuer, "/token", &other, &[]).await,
        400,
        "unsupported_grant_type",
    );
    let reply = post_form(&issuer, "/token", &form(SECRET)[1..], &[]).await;
    assert_oauth_error(&reply, 400, "invalid_request");
    let reply = http(
        &issuer,
        "POST",
        "/token",
        &[("Content-Type", "application/json")],
        "{}",
    )
    .await;
    assert_oauth_error(&reply, 400, "invalid_request");
    assert_oauth_error(
        &redeem(&provider, "no-such-code", CALLBACK, &right).await,
        400,
        "invalid_grant",
    );
    provider.stop();
}

#[tokio::test]
async fn authorize_refusals() {
    let provider = start(USERS).await;
    let issuer = provider.issuer.clone();
    let params = auth_params(CALLBACK, &verifier("authz"));

    // Unregistered redirect URI or unknown client: an error page, never a redirect.
    for bad in [
        with(
            &params,
            "redirect_uri",
            Some("http://127.0.0.1:9/elsewhere"),
        ),
        with(
            &params,
            "redirect_uri",
            Some("http://127.0.0.1:9/callback/"),
        ),
        with(&params, "redirect_uri", None),
        with(&params, "client_id", Some("stranger")),
    ] {
        let reply = get(&issuer, &authorize_path(&bad)).await;
        assert_eq!(reply.status, 400);
        assert!(reply.header("location").is_none());
        assert!(reply.body.contains("<h1>"));
        // The form post is held to the same rules.
        let reply = submit(&provider, &bad, "staff@school.example.org").await;
        assert_eq!(reply.status, 400);
        assert!(reply.header("location").is_none());
    }

    // Other faults go back to the application as OAuth errors, with the state.
    for (bad, error) in [
        (with(&params, "code_challenge", None), "invalid_request"),
        (
            with(&params, "code_challenge", Some("too-short")),
            "invalid_request",
        ),
        (
            with(&params, "code_challenge_method", None),
            "invalid_request",
        ),
        (
            with(&params, "code_challenge_method", Some("plain")),
            "invalid_request",
        ),
        (with(&params, "nonce", None), "invalid_request"),
        (
            with(&params, "response_type", Some("token")),
            "unsupported_response_type",
        ),
        (
            with(&params, "scope", Some("email profile")),
            "invalid_scope",
        ),
    ] {
        let reply = get(&issuer, &authorize_path(&bad)).await;
        assert_eq!(reply.status, 302, "{bad:?}");
        assert!(
            reply
                .header("location")
                .unwrap()
                .starts_with(&format!("{CALLBACK}?"))
        );
        let back = location_params(&reply);
        assert_eq!(param(&back, "error"), Some(error), "{bad:?}");
        assert!(param(&back, "error_description").is_some());
        assert_eq!(param(&back, "state"), Some("state & co"));
        assert!(param(&back, "code").is_none());
        let reply = submit(&provider, &bad, "staff@school.example.org").await;
        assert_eq!(reply.status, 303);
        assert_eq!(param(&location_params(&reply), "error"), Some(error));
    }

    // Missing state: refused, and there is no state to echo.
    let reply = get(&issuer, &authorize_path(&with(&params, "state", None))).await;
    let back = location_params(&reply);
    assert_eq!(param(&back, "error"), Some("invalid_request"));
    assert_eq!(param(&back, "state"), None);

    // A repeated parameter.
    let mut repeated = params.clone();
    repeated.push(("nonce".into(), "second".into()));
    let reply = get(&issuer, &authorize_path(&repeated)).await;
    assert_eq!(
        param(&location_params(&reply), "error"),
        Some("invalid_request")
    );
    provider.stop();
}

#[tokio::test]
async fn sign_in_form_refuses_unknown_people_and_honours_cancel() {
    let provider = start(USERS).await;
    let params = auth_params(CALLBACK, &verifier("people"));

    for email in ["stranger@school.example.org", "not an email", ""] {
        let reply = submit(&provider, &params, email).await;
        assert_eq!(reply.status, 400, "{email}");
        assert!(reply.header("location").is_none());
        assert!(reply.body.contains("role=\"alert\""), "{}", reply.body);
        assert!(reply.body.contains("aria-invalid=\"true\""));
        assert!(
            reply
                .body
                .contains("<form method=\"post\" action=\"/authorize\">")
        );
    }

    let mut form: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    form.push(("deny", "1"));
    let reply = post_form(&provider.issuer, "/authorize", &form, &[]).await;
    assert_eq!(reply.status, 303);
    let back = location_params(&reply);
    assert_eq!(param(&back, "error"), Some("access_denied"));
    assert_eq!(param(&back, "state"), Some("state & co"));
    provider.stop();
}

#[tokio::test]
async fn key_rotation_and_test_signing() {
    let provider = start(&[]).await;
    let issuer = provider.issuer.clone();
    assert_eq!(provider.jwks_fetches(), 0);

    let reply = get(&issuer, "/jwks").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("cache-control"), Some("max-age=300"));
    let jwks = reply.json();
    let key = &jwks["keys"][0];
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(
        (&key["kty"], &key["use"], &key["alg"]),
        (&json!("RSA"), &json!("sig"), &json!("RS256"))
    );
    assert_eq!(key["kid"], provider.current_kid());
    assert_eq!(key["e"], "AQAB");
    assert_eq!(provider.jwks_fetches(), 1);

    // sign() makes tokens a relying party would accept (or refuse, for chosen claims).
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({"iss": issuer, "aud": CLIENT_ID, "sub": "s", "iat": now, "exp": now + 60});
    let old_token = provider.sign(&claims);
    assert_eq!(verify(&provider, &old_token).await["sub"], "s");
    assert_eq!(provider.jwks_fetches(), 2);
    let pem = provider.public_key_pem();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");

    let old_kid = provider.current_kid();
    provider.rotate_key();
    let new_kid = provider.current_kid();
    assert_ne!(new_kid, old_kid);
    assert_ne!(provider.public_key_pem(), pem);
    let jwks = get(&issuer, "/jwks").await.json();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [new_kid.as_str()]);
    assert_eq!(provider.jwks_fetches(), 3);

    // New tokens carry the new kid; the old token's kid is no longer published.
    let new_token = provider.sign(&claims);
    assert_eq!(
        jsonwebtoken::decode_header(&new_token).unwrap().kid,
        Some(new_kid)
    );
    assert_eq!(
        jsonwebtoken::decode_header(&old_token).unwrap().kid,
        Some(old_kid.clone())
    );
    assert!(!kids.contains(&old_kid.as_str()));
    provider.stop();
}

#[tokio::test]
async fn stop_closes_the_listener() {
    let provider = start(&[]).await;
    let host = provider.issuer.strip_prefix("http://").unwrap().to_owned();
    assert_eq!(get(&provider.issuer, "/nowhere").await.status, 404);
    provider.stop();
    // Shutdown happens on the server task; give it a moment.
    for _ in 0..100 {
        if TcpStream::connect(&host).await.is_err() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("still accepting connections after stop");
}
