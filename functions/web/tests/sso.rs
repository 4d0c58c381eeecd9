//! Single sign-on end to end over HTTP: the real `web` binary and a real OpenID provider (the
//! dev provider, RS256 tokens, JWKS, PKCE) on loopback. The browser's part (following
//! redirects, keeping cookies) is done by hand so each step can be checked and tampered with.

mod support;

use dev_oidc_provider::{Client, ProviderConfig, RunningProvider};
use std::net::SocketAddr;
use support::{Response, Web, http_request};

const CLIENT_ID: &str = "demo-web";
const CLIENT_SECRET: &str = "sso-test-client-secret";
const LEARNER: &str = "learner@wexmoorvale.example.org";
const LEARNER_NAME: &str = "Alex Rivers";
const UNKNOWN: &str = "nobody-here@wexmoorvale.example.org";

struct Setup {
    web: Web,
    provider: RunningProvider,
    provider_addr: SocketAddr,
    _data: tempfile::TempDir,
    _rt: tokio::runtime::Runtime,
}

/// The provider's listener is bound first (its address goes into the web's configuration),
/// the web is started, then the provider with the web's callback as its redirect address.
fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let provider_addr = listener.local_addr().unwrap();
    let data = tempfile::tempdir().unwrap();
    let web = Web::serve_embedded(
        data.path(),
        &[
            ("APP_DEMO_PEOPLE", "true".into()),
            ("APP_SSO_DEMO_ISSUER", format!("http://{provider_addr}")),
            ("APP_SSO_DEMO_CLIENT_SECRET", CLIENT_SECRET.into()),
        ],
    );
    let callback = format!("http://{}/sign-in/sso/demo/callback", web.addr());
    let provider = rt.block_on(RunningProvider::start(
        listener,
        ProviderConfig {
            clients: vec![Client {
                id: CLIENT_ID.into(),
                secret: CLIENT_SECRET.into(),
                redirect_uris: vec![callback],
            }],
            users: vec![],
        },
    ));
    Setup {
        web,
        provider,
        provider_addr,
        _data: data,
        _rt: rt,
    }
}

fn location(r: &Response) -> String {
    r.header("location")
        .unwrap_or_else(|| panic!("no Location\n{}", r.describe()))
        .to_string()
}

/// `name=value` of the cookie `name` set by the response.
fn cookie(r: &Response, name: &str) -> Option<String> {
    r.headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next())
        .map(str::trim)
        .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
        .map(str::to_string)
}

fn query_of(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    serde_urlencoded::from_str(query).unwrap()
}

/// The path and query of an absolute URL on `addr`.
fn path_on(url: &str, addr: SocketAddr) -> String {
    let prefix = format!("http://{addr}");
    assert!(url.starts_with(&prefix), "{url} is not on {addr}");
    url[prefix.len()..].to_string()
}

/// One started sign-in: where the provider sends the browser back, and the state cookie.
struct Attempt {
    callback_path: String,
    state_cookie: String,
}

impl Setup {
    fn start(&self) -> (Response, Option<String>) {
        let r = self.web.post_form("/sign-in/sso/demo", &[]);
        let c = cookie(&r, "sso_state");
        (r, c)
    }

    /// Presses the button, signs in at the provider as `email`; stops before the callback.
    fn attempt(&self, email: &str) -> Attempt {
        let (r, state_cookie) = self.start();
        assert_eq!(r.status, 303, "{}", r.describe());
        let authorize = location(&r);
        let state_cookie = state_cookie.expect("a state cookie");
        let page = http_request(
            self.provider_addr,
            "GET",
            &path_on(&authorize, self.provider_addr),
            &[],
            b"",
        )
        .unwrap();
        assert_eq!(page.status, 200, "{}", page.describe());
        // The provider's form carries the request's parameters, plus the email typed.
        let mut fields = query_of(&authorize);
        fields.push(("email".into(), email.into()));
        let body = serde_urlencoded::to_string(&fields).unwrap();
        let r = http_request(
            self.provider_addr,
            "POST",
            "/authorize",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
        .unwrap();
        assert!(matches!(r.status, 302 | 303), "{}", r.describe());
        Attempt {
            callback_path: path_on(&location(&r), self.web.addr()),
            state_cookie,
        }
    }

    fn callback(&self, attempt: &Attempt, cookie: Option<&str>) -> Response {
        let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
        self.web
            .request("GET", &attempt.callback_path, &headers, b"")
    }
}

#[test]
fn a_learner_signs_in_with_single_sign_on_and_each_tampering_is_refused() {
    let s = setup();
    let page = s.web.get("/sign-in").text();
    assert!(
        page.contains(r#"action="/sign-in/sso/demo""#)
            && page.contains("Sign in with the demo identity provider"),
        "the sign-in page offers the provider"
    );

    // The authorize request carries PKCE (S256), state and nonce, and our callback.
    let (r, _) = s.start();
    let params = query_of(&location(&r));
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(get("code_challenge").map(|c| c.len()), Some(43));
    assert!(get("state").is_some_and(|s| s.len() >= 43));
    assert!(get("nonce").is_some_and(|s| s.len() >= 43));
    assert_eq!(get("client_id").as_deref(), Some(CLIENT_ID));
    let set = r
        .headers
        .iter()
        .find(|(n, v)| n == "set-cookie" && v.starts_with("sso_state="));
    let set = &set.expect("state cookie").1;
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );

    // Without this browser's state cookie the callback is refused (login CSRF).
    let attempt = s.attempt(LEARNER);
    let r = s.callback(&attempt, None);
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(cookie(&r, "session").is_none());
    assert!(r.text().contains("expired or was already used"));
    // Another attempt's cookie does not fit either.
    let other = s.attempt(LEARNER);
    let r = s.callback(&attempt, Some(&other.state_cookie));
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(cookie(&r, "session").is_none());

    // The real thing: signed in, the state cookie cleared.
    let attempt = s.attempt(LEARNER);
    let r = s.callback(&attempt, Some(&attempt.state_cookie));
    assert_eq!(r.status, 303, "{}\n{}", r.describe(), s.web.output());
    assert_eq!(location(&r), "/me");
    let session = cookie(&r, "session").expect("a session cookie");
    assert!(
        r.headers
            .iter()
            .any(|(n, v)| n == "set-cookie" && v.starts_with("sso_state=;"))
    );
    let me = s.web.request("GET", "/me", &[("Cookie", &session)], b"");
    assert!(me.text().contains(LEARNER_NAME), "{}", me.describe());

    // The same callback again (a replayed code and state) does nothing.
    let r = s.callback(&attempt, Some(&attempt.state_cookie));
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(cookie(&r, "session").is_none());

    // Someone the provider knows but the organisation does not: refused, told why.
    let attempt = s.attempt(UNKNOWN);
    let r = s.callback(&attempt, Some(&attempt.state_cookie));
    assert_eq!(r.status, 403, "{}", r.describe());
    assert!(cookie(&r, "session").is_none());
    assert!(r.text().contains("nobody with that email is set up here"));

    // Cancelled at the provider.
    let (r, state_cookie) = s.start();
    let state = query_of(&location(&r))
        .into_iter()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1;
    let denied = Attempt {
        callback_path: format!(
            "/sign-in/sso/demo/callback?{}",
            serde_urlencoded::to_string([("error", "access_denied"), ("state", &state)]).unwrap()
        ),
        state_cookie: state_cookie.unwrap(),
    };
    let r = s.callback(&denied, Some(&denied.state_cookie));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("cancelled or refused"));

    // A provider that is not configured.
    assert_eq!(s.web.post_form("/sign-in/sso/nope", &[]).status, 404);
    assert_eq!(
        s.web
            .get("/sign-in/sso/nope/callback?code=x&state=y")
            .status,
        404
    );
    assert!(
        !s.web.output().contains(CLIENT_SECRET),
        "the client secret is never logged"
    );
}

#[test]
fn a_rotated_provider_key_is_fetched_once_and_then_cached() {
    let s = setup();
    let sign_in = || {
        let attempt = s.attempt(LEARNER);
        let r = s.callback(&attempt, Some(&attempt.state_cookie));
        assert_eq!(r.status, 303, "{}\n{}", r.describe(), s.web.output());
    };
    sign_in();
    sign_in();
    assert_eq!(s.provider.jwks_fetches(), 1, "the key set is cached");
    s.provider.rotate_key();
    // Refetches are at most once a second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    sign_in();
    assert_eq!(
        s.provider.jwks_fetches(),
        2,
        "an unknown kid fetches the key set again"
    );
    sign_in();
    assert_eq!(s.provider.jwks_fetches(), 2);
}
