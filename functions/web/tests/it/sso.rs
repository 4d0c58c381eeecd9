//! Single sign-on end to end over HTTP: the real `web` binary and a certified OpenID provider
//! (panva's `oidc-provider`, configured by `e2e/oidc/provider.mjs`, run with node) on
//! loopback, with the claims in the ID token and with the claims only from UserInfo (the
//! provider's default). The browser's part (following redirects, keeping cookies, typing the
//! email on the provider's login page) is done by hand so each step can be checked and
//! tampered with.

use crate::support;

use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{Response, Web, http_request};

const CLIENT_SECRET: &str = "sso-test-client-secret";
const LEARNER: &str = "learner@wexmoorvale.example.org";
const LEARNER_NAME: &str = "Alex Rivers";
const STAFF: &str = "staff@wexmoorvale.example.org";
const UNKNOWN: &str = "nobody-here@wexmoorvale.example.org";
const KEY_SET_FETCHED: &str = "fetched a single sign-on key set";

/// How the provider is started.
#[derive(Clone)]
struct ProviderOptions {
    /// `id_token` (conformIdTokenClaims: false) or `userinfo` (the default).
    claims: &'static str,
    /// `OIDC_ISSUER`: the issuer exactly as published, `{port}` replaced.
    issuer: &'static str,
    /// `OIDC_AUTH_METHODS`.
    auth_methods: &'static str,
    unverified: &'static str,
    secret: &'static str,
    /// A second client (id, secret, redirect address): another organisation's.
    client2: Option<(&'static str, &'static str, String)>,
}

impl Default for ProviderOptions {
    fn default() -> Self {
        ProviderOptions {
            claims: "userinfo",
            issuer: "http://127.0.0.1:{port}",
            auth_methods: "client_secret_basic,client_secret_post",
            unverified: "",
            secret: CLIENT_SECRET,
            client2: None,
        }
    }
}

/// `oidc-provider` running under node, killed when dropped.
struct Provider {
    child: Child,
    addr: SocketAddr,
    output: Arc<Mutex<String>>,
}

fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl Provider {
    fn start(addr: SocketAddr, redirect_uri: &str, options: &ProviderOptions) -> Provider {
        let e2e = repo_dir().join("e2e");
        assert!(
            e2e.join("node_modules/oidc-provider").is_dir(),
            "oidc-provider is missing: run `npm ci --prefix e2e` (scripts/prerequisites.sh does)"
        );
        let issuer = options.issuer.replace("{port}", &addr.port().to_string());
        let mut command = Command::new("node");
        // Nothing of this process's environment, but for what is set here.
        command.env_clear();
        if let Some((id, secret, redirect)) = &options.client2 {
            command
                .env("OIDC_CLIENT2_ID", id)
                .env("OIDC_CLIENT2_SECRET", secret)
                .env("OIDC_CLIENT2_REDIRECT_URIS", redirect);
        }
        let mut child = command
            .arg(e2e.join("oidc/provider.mjs"))
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OIDC_BIND", addr.to_string())
            .env("OIDC_ISSUER", issuer)
            .env("OIDC_CLIENT_ID", "demo-web")
            .env("OIDC_CLIENT_SECRET", options.secret)
            .env("OIDC_REDIRECT_URIS", redirect_uri)
            .env("OIDC_CLAIMS", options.claims)
            .env("OIDC_AUTH_METHODS", options.auth_methods)
            .env("OIDC_UNVERIFIED_EMAILS", options.unverified)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node runs (scripts/prerequisites.sh installs it)");
        let output = Arc::new(Mutex::new(String::new()));
        for mut pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    output
                        .lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        let mut provider = Provider {
            child,
            addr,
            output,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = provider.child.try_wait().unwrap() {
                panic!("the provider exited ({status}):\n{}", provider.output());
            }
            let r = http_request(addr, "GET", "/.well-known/openid-configuration", &[], b"");
            if r.is_ok_and(|r| r.status == 200) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the provider did not answer within 30 s:\n{}",
                provider.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        provider
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

struct Setup {
    web: Web,
    provider: Provider,
    options: ProviderOptions,
    _data: tempfile::TempDir,
}

/// The web is started with the provider's (future) address as the demo issuer, then the
/// provider with the web's callback as the client's redirect address.
fn setup(options: ProviderOptions) -> Setup {
    setup_with_issuer(options, None)
}

fn setup_with_issuer(options: ProviderOptions, configured_issuer: Option<&str>) -> Setup {
    let provider_addr = free_addr();
    let data = tempfile::tempdir().unwrap();
    let issuer = configured_issuer
        .unwrap_or("http://127.0.0.1:{port}")
        .replace("{port}", &provider_addr.port().to_string());
    let env = [
        ("APP_DEMO_PEOPLE", "true".into()),
        ("APP_SSO_DEMO_ISSUER", issuer),
        ("APP_SSO_DEMO_CLIENT_SECRET", CLIENT_SECRET.into()),
    ];
    let web = Web::serve_embedded(data.path(), &env);
    let provider = Provider::start(provider_addr, &callback_uri(&web), &options);
    Setup {
        web,
        provider,
        options,
        _data: data,
    }
}

fn callback_uri(web: &Web) -> String {
    format!("http://{}/sign-in/sso/demo/callback", web.addr())
}

fn location(r: &Response) -> String {
    r.header("location")
        .unwrap_or_else(|| panic!("no Location\n{}", r.describe()))
        .to_string()
}

/// `name=value` of the cookies set by the response (not the ones it clears).
fn cookies(r: &Response) -> Vec<(String, String)> {
    r.headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next())
        .filter_map(|c| c.trim().split_once('='))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

fn cookie(r: &Response, name: &str) -> Option<String> {
    cookies(r)
        .into_iter()
        .find(|(n, v)| n == name && !v.is_empty())
        .map(|(n, v)| format!("{n}={v}"))
}

fn query_of(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    serde_urlencoded::from_str(query).unwrap()
}

/// The path and query of a URL on `addr` (absolute, or already a path).
fn path_on(url: &str, addr: SocketAddr) -> String {
    if url.starts_with('/') {
        return url.to_string();
    }
    let prefix = format!("http://{addr}");
    assert!(url.starts_with(&prefix), "{url} is not on {addr}");
    url[prefix.len()..].to_string()
}

/// The provider's cookies, as a browser would keep them.
#[derive(Default)]
struct Jar(Vec<(String, String)>);

impl Jar {
    fn keep(&mut self, r: &Response) {
        for (name, value) in cookies(r) {
            self.0.retain(|(n, _)| *n != name);
            if !value.is_empty() {
                self.0.push((name, value));
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One started sign-in: where the provider sends the browser back, and the state cookie.
struct Attempt {
    callback_path: String,
    state_cookie: String,
}

impl Setup {
    /// Whether the provider's log says `needle`, waiting (up to [`support::WAIT`]) for its
    /// output to be read: the log line can arrive after the answer it was written for.
    fn provider_said(&self, needle: &str) -> bool {
        let deadline = Instant::now() + support::WAIT;
        loop {
            if self.provider.output().contains(needle) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn start(&self) -> (Response, Option<String>) {
        self.start_at(None, "demo")
    }

    /// Presses provider `id`'s button at `host` (`None`: the server's own address).
    fn start_at(&self, host: Option<&str>, id: &str) -> (Response, Option<String>) {
        let headers: Vec<(&str, &str)> = host.map(|h| ("Host", h)).into_iter().collect();
        let r = self
            .web
            .request("POST", &format!("/sign-in/sso/{id}"), &headers, b"");
        let c = cookie(&r, "sso_state");
        (r, c)
    }

    fn at_provider(&self, jar: &mut Jar, method: &str, url: &str, body: &str) -> Response {
        let cookies = jar.header();
        let mut headers = vec![("Cookie", cookies.as_str())];
        if method == "POST" {
            headers.push(("Content-Type", "application/x-www-form-urlencoded"));
        }
        let r = http_request(
            self.provider.addr,
            method,
            &path_on(url, self.provider.addr),
            &headers,
            body.as_bytes(),
        )
        .unwrap();
        jar.keep(&r);
        r
    }

    /// Presses the button, signs in at the provider as `email` on its login page; stops
    /// before the callback.
    fn attempt(&self, email: &str) -> Attempt {
        self.attempt_at(None, "demo", email)
    }

    /// [`Setup::attempt`] with provider `id` at `host` (`None`: the server's own address),
    /// whose callback address is `http://<host>:<the server's port>/...` (a local run's address
    /// of an organisation's `*.localhost` name).
    fn attempt_at(&self, host: Option<&str>, id: &str, email: &str) -> Attempt {
        let (r, state_cookie) = self.start_at(host, id);
        assert_eq!(r.status, 303, "{}\n{}", r.describe(), self.web.output());
        let state_cookie = state_cookie.expect("a state cookie");
        let mut jar = Jar::default();
        let r = self.at_provider(&mut jar, "GET", &location(&r), "");
        assert!(matches!(r.status, 302 | 303), "{}", r.describe());
        let login = location(&r);
        assert!(login.contains("/interaction/"), "{login}");
        let page = self.at_provider(&mut jar, "GET", &login, "");
        assert_eq!(page.status, 200, "{}", page.describe());
        assert!(page.text().contains("Email address"), "{}", page.describe());
        let form = serde_urlencoded::to_string([("email", email)]).unwrap();
        let r = self.at_provider(&mut jar, "POST", &login, &form);
        assert!(matches!(r.status, 302 | 303), "{}", r.describe());
        let r = self.at_provider(&mut jar, "GET", &location(&r), "");
        assert!(
            matches!(r.status, 302 | 303),
            "{}\n{}",
            r.describe(),
            self.provider.output()
        );
        let back = location(&r);
        let callback_path = match host {
            None => path_on(&back, self.web.addr()),
            Some(host) => {
                let prefix = format!("http://{host}:{}", self.web.addr().port());
                assert!(back.starts_with(&prefix), "{back} is not on {host}");
                back[prefix.len()..].to_string()
            }
        };
        Attempt {
            callback_path,
            state_cookie,
        }
    }

    /// The callback of `attempt` at `host` (`None`: the server's own address).
    fn callback_at(&self, host: Option<&str>, attempt: &Attempt, cookie: Option<&str>) -> Response {
        let mut headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
        headers.extend(host.map(|h| ("Host", h)));
        self.web
            .request("GET", &attempt.callback_path, &headers, b"")
    }

    fn callback(&self, attempt: &Attempt, cookie: Option<&str>) -> Response {
        self.callback_at(None, attempt, cookie)
    }

    /// Signs in as `email` and returns the session cookie, after checking where it lands.
    fn sign_in(&self, email: &str) -> String {
        let attempt = self.attempt(email);
        let r = self.callback(&attempt, Some(&attempt.state_cookie));
        assert_eq!(
            r.status,
            303,
            "{}\n{}\n{}",
            r.describe(),
            self.web.output(),
            self.provider.output()
        );
        assert_eq!(location(&r), "/me");
        cookie(&r, "session").expect("a session cookie")
    }

    /// Signs in as `email` and expects a refusal with `status`; returns the message page.
    fn refused(&self, email: &str, status: u16) -> String {
        let attempt = self.attempt(email);
        let r = self.callback(&attempt, Some(&attempt.state_cookie));
        assert_eq!(r.status, status, "{}\n{}", r.describe(), self.web.output());
        assert!(cookie(&r, "session").is_none());
        r.text()
    }

    fn name_on_me(&self, session: &str) -> String {
        self.web
            .request("GET", "/me", &[("Cookie", session)], b"")
            .text()
    }

    fn key_set_fetches(&self) -> usize {
        self.web.stdout().matches(KEY_SET_FETCHED).count()
    }

    /// Stops the provider and starts it again on the same address: a new signing key.
    fn restart_provider(&mut self) {
        self.provider.stop();
        let addr = self.provider.addr;
        self.provider = Provider::start(addr, &callback_uri(&self.web), &self.options);
    }
}

#[test]
fn with_the_claims_in_the_id_token_a_learner_signs_in_and_each_tampering_is_refused() {
    let s = setup(ProviderOptions {
        claims: "id_token",
        ..Default::default()
    });
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
    assert_eq!(get("client_id").as_deref(), Some("demo-web"));
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
    assert!(s.name_on_me(&session).contains(LEARNER_NAME));
    assert!(
        !s.provider.output().contains("GET /me"),
        "the ID token had the claims: UserInfo was not needed\n{}",
        s.provider.output()
    );

    // The same callback again (a replayed code and state) does nothing.
    let r = s.callback(&attempt, Some(&attempt.state_cookie));
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(cookie(&r, "session").is_none());

    // A response that says it comes from another issuer (a mix-up, RFC 9207): refused
    // before its code goes anywhere.
    let attempt = s.attempt(LEARNER);
    let (path, query) = attempt.callback_path.split_once('?').unwrap();
    let mut params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    assert!(
        params.iter().any(|(k, _)| k == "iss"),
        "the provider sends iss: {query}"
    );
    for (k, v) in params.iter_mut() {
        if k == "iss" {
            *v = "https://evil.example".into();
        }
    }
    let mixed_up = Attempt {
        callback_path: format!("{path}?{}", serde_urlencoded::to_string(&params).unwrap()),
        state_cookie: attempt.state_cookie.clone(),
    };
    let r = s.callback(&mixed_up, Some(&mixed_up.state_cookie));
    assert_eq!(r.status, 502, "{}", r.describe());
    assert!(cookie(&r, "session").is_none());
    assert!(r.text().contains("https://evil.example"), "{}", r.text());

    // Someone the provider knows but the organisation does not: refused, told why.
    let text = s.refused(UNKNOWN, 403);
    assert!(text.contains("nobody with that email is set up here"));

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
fn with_the_claims_only_from_userinfo_people_sign_in_and_an_unverified_address_is_refused() {
    let s = setup(ProviderOptions {
        unverified: "d.okafor@wexmoorvale.example.org",
        ..Default::default()
    });
    let session = s.sign_in(LEARNER);
    assert!(s.name_on_me(&session).contains(LEARNER_NAME));
    assert!(
        s.provider_said("GET /me"),
        "the platform read the claims from UserInfo\n{}",
        s.provider.output()
    );
    let session = s.sign_in(STAFF);
    assert!(s.name_on_me(&session).contains("Sam Carter"));
    assert!(
        s.provider_said("POST /token client_secret_basic"),
        "client_secret_basic is preferred when offered\n{}",
        s.provider.output()
    );

    // A permanent fault says what is wrong and what to tell IT, not to try again.
    let text = s.refused("d.okafor@wexmoorvale.example.org", 403);
    assert!(text.contains("is not verified"), "{text}");
    assert!(text.contains("IT team"), "{text}");
    assert!(!text.contains("try again"), "{text}");
}

#[test]
fn an_unknown_key_id_fetches_the_rotated_key_set_once_and_then_it_is_cached() {
    let mut s = setup(ProviderOptions::default());
    s.sign_in(LEARNER);
    s.sign_in(LEARNER);
    assert_eq!(s.key_set_fetches(), 1, "the key set is cached");
    let jwks_calls = |s: &Setup| s.provider.output().matches("GET /jwks").count();
    assert_eq!(jwks_calls(&s), 1);

    // The provider starts again with a new signing key: its tokens name a kid we do not hold.
    s.restart_provider();
    // Refetches are at most once a second.
    std::thread::sleep(Duration::from_millis(1100));
    s.sign_in(LEARNER);
    assert_eq!(
        s.key_set_fetches(),
        2,
        "an unknown kid fetches the key set again"
    );
    s.sign_in(LEARNER);
    assert_eq!(s.key_set_fetches(), 2);
    assert_eq!(jwks_calls(&s), 1, "one fetch from the restarted provider");
}

#[test]
fn an_issuer_published_with_a_trailing_slash_signs_in_whichever_way_it_is_configured() {
    for configured in ["http://127.0.0.1:{port}/", "http://127.0.0.1:{port}"] {
        let s = setup_with_issuer(
            ProviderOptions {
                issuer: "http://127.0.0.1:{port}/",
                ..Default::default()
            },
            Some(configured),
        );
        let session = s.sign_in(LEARNER);
        assert!(
            s.name_on_me(&session).contains(LEARNER_NAME),
            "{configured}"
        );
    }
}

#[test]
fn client_secret_post_is_used_when_it_is_all_the_provider_offers() {
    let s = setup(ProviderOptions {
        auth_methods: "client_secret_post",
        claims: "id_token",
        ..Default::default()
    });
    let session = s.sign_in(LEARNER);
    assert!(s.name_on_me(&session).contains(LEARNER_NAME));
    assert!(
        s.provider_said("POST /token client_secret_post"),
        "{}",
        s.provider.output()
    );
    let output = s.provider.output();
    assert!(
        !output.contains("POST /token client_secret_basic"),
        "{output}"
    );
}

#[test]
fn permanent_provider_faults_say_what_to_tell_it_and_an_unreachable_provider_says_try_again() {
    // The provider publishes another issuer than the one configured.
    let s = setup(ProviderOptions {
        issuer: "http://localhost:{port}",
        ..Default::default()
    });
    let (r, _) = s.start();
    assert_eq!(r.status, 502, "{}", r.describe());
    assert_eq!(r.header("retry-after"), None);
    let text = r.text();
    assert!(
        text.contains("publishes its issuer as http://localhost:"),
        "{text}"
    );
    assert!(
        text.contains("IT team") && !text.contains("try again"),
        "{text}"
    );
    drop(s);

    // The provider does not accept the platform's client secret.
    let s = setup(ProviderOptions {
        secret: "another-secret",
        ..Default::default()
    });
    let text = s.refused(LEARNER, 502);
    assert!(text.contains("does not accept this platform"), "{text}");
    assert!(!text.contains("try again"), "{text}");
    drop(s);

    // Nobody answers at the provider's address: transient.
    let data = tempfile::tempdir().unwrap();
    let web = Web::serve_embedded(
        data.path(),
        &[
            ("APP_DEMO_PEOPLE", "true".into()),
            ("APP_SSO_DEMO_ISSUER", format!("http://{}", free_addr())),
            ("APP_SSO_DEMO_CLIENT_SECRET", CLIENT_SECRET.into()),
        ],
    );
    let r = web.post_form("/sign-in/sso/demo", &[]);
    assert_eq!(r.status, 503, "{}", r.describe());
    assert_eq!(r.header("retry-after"), Some("60"));
    assert!(r.text().contains("try again in a minute"), "{}", r.text());
}

/// A year group behind one network address presses the button at the start of a lesson: 600
/// starts in 15 minutes all go to the provider; the next is refused, saying it is the network,
/// when to try again (also as Retry-After) and whom to tell.
#[test]
fn a_year_group_behind_one_address_can_start_single_sign_on_and_a_flood_is_refused() {
    support::away_from_window_edges(&[15 * 60]);
    let s = setup(ProviderOptions::default());
    let mut states = std::collections::BTreeSet::new();
    for n in 1..=600 {
        let (r, state) = s.start();
        assert_eq!(r.status, 303, "start {n}\n{}", r.describe());
        states.insert(state.expect("a state cookie"));
    }
    assert_eq!(states.len(), 600, "each start has its own state");
    let (refused, state) = s.start();
    assert_eq!(refused.status, 429, "{}", refused.describe());
    assert!(state.is_none(), "no state for a refused start");
    let text = refused.text();
    assert!(
        text.contains("from your network") && text.contains("IT team"),
        "{}",
        refused.describe()
    );
    let retry: u64 = refused
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry), "{retry}");
}

const ORG_B_HOST: &str = "org-b.localhost";
const ORG_B_ADMIN: &str = "bea.admin@orgb.example.org";
const ORG_B_SECRET: &str = "org-b-client-secret";

/// Two organisations on one deployment, each with its own provider (two clients of one
/// provider): each host offers and signs in with its own, and only into its own organisation;
/// a provider whose secret is not configured is not offered (org B's `demo`, though the default
/// organisation's `demo` has its secret in the old-style variable); nothing of one
/// organisation's sign-in is accepted at the other's host.
#[test]
fn each_organisation_signs_in_with_its_own_provider_at_its_own_host() {
    let data = tempfile::tempdir().unwrap();
    let provider_addr = free_addr();
    let issuer = format!("http://{provider_addr}");
    // Org B: the demo profile as another organisation, with the demo's `demo` provider (no
    // secret configured for org B) and one of its own, `bee`.
    let demo = std::fs::read_to_string(repo_dir().join("content/organisations/demo.toml")).unwrap();
    let text = demo
        .replacen("id = \"demo\"", "id = \"org-b\"", 1)
        .replacen(
            "name = \"Wexmoor Vale College (demo)\"",
            "name = \"Bramblefield School (test)\"",
            1,
        )
        .replacen(
            "client_id = \"demo-web\"\n",
            "client_id = \"demo-web\"\n\n[[sso]]\nid = \"bee\"\nlabel = \"Sign in with your Bramblefield account\"\nkind = \"oidc\"\nissuer = \"http://127.0.0.1:1\"\nclient_id = \"org-b-web\"\n",
            1,
        );
    assert!(text.contains("Bramblefield") && text.contains("org-b-web"));
    let file = data.path().join("org-b.toml");
    std::fs::write(&file, text).unwrap();
    let envs = [
        ("APP_STORE", "embedded".to_string()),
        ("APP_DATA_DIR", data.path().display().to_string()),
        ("APP_DEMO_PEOPLE", "false".to_string()),
    ];
    let mut create = Web::spawn(
        &envs,
        &[
            "create-org",
            file.to_str().unwrap(),
            ORG_B_ADMIN,
            "Bea Admin",
            ORG_B_HOST,
        ],
    );
    assert!(create.wait_for_exit().success(), "{}", create.output());
    drop(create);

    let web = Web::serve_embedded(
        data.path(),
        &[
            ("APP_DEMO_PEOPLE", "true".into()),
            // The default organisation's, old-style.
            ("APP_SSO_DEMO_ISSUER", issuer.clone()),
            ("APP_SSO_DEMO_CLIENT_SECRET", CLIENT_SECRET.into()),
            // Org B's, each named with its organisation.
            ("APP_SSO_ORG_B__BEE_ISSUER", issuer.clone()),
            ("APP_SSO_ORG_B__BEE_CLIENT_SECRET", ORG_B_SECRET.into()),
        ],
    );
    // Org B's address on a local run: its *.localhost name at the server's port.
    let b_callback = format!(
        "http://{ORG_B_HOST}:{}/sign-in/sso/bee/callback",
        web.addr().port()
    );
    let options = ProviderOptions {
        claims: "id_token",
        client2: Some(("org-b-web", ORG_B_SECRET, b_callback.clone())),
        ..Default::default()
    };
    let provider = Provider::start(provider_addr, &callback_uri(&web), &options);
    let s = Setup {
        web,
        provider,
        options,
        _data: data,
    };
    let b = Some(ORG_B_HOST);
    let get_at = |host: Option<&str>, path: &str, cookie: Option<&str>| {
        let mut headers: Vec<(&str, &str)> = host.map(|h| ("Host", h)).into_iter().collect();
        headers.extend(cookie.map(|c| ("Cookie", c)));
        s.web.request("GET", path, &headers, b"")
    };

    // Each sign-in page offers its own organisation's provider with a secret, and only that.
    let page_b = get_at(b, "/sign-in", None);
    assert_eq!(page_b.status, 200, "{}", page_b.describe());
    let page_b = page_b.text();
    assert!(
        page_b.contains(r#"action="/sign-in/sso/bee""#)
            && page_b.contains("Sign in with your Bramblefield account"),
        "{page_b}"
    );
    assert!(
        !page_b.contains(r#"action="/sign-in/sso/demo""#),
        "org B's `demo` has no secret of its own: not offered"
    );
    let page_a = get_at(None, "/sign-in", None).text();
    assert!(page_a.contains(r#"action="/sign-in/sso/demo""#));
    assert!(!page_a.contains("/sign-in/sso/bee") && !page_a.contains("Bramblefield"));
    // Another organisation's provider, or one without a secret, is not found.
    assert_eq!(s.start_at(None, "bee").0.status, 404);
    assert_eq!(s.start_at(b, "demo").0.status, 404);
    assert_eq!(
        get_at(None, "/sign-in/sso/bee/callback?code=x&state=y", None).status,
        404
    );
    assert_eq!(
        get_at(b, "/sign-in/sso/demo/callback?code=x&state=y", None).status,
        404
    );

    // Org B's administrator signs in at org B with org B's client, and lands in org B.
    let (r, _) = s.start_at(b, "bee");
    let params = query_of(&location(&r));
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(param("client_id").as_deref(), Some("org-b-web"));
    assert_eq!(param("redirect_uri"), Some(b_callback.clone()));
    let attempt_b = s.attempt_at(b, "bee", ORG_B_ADMIN);
    let r = s.callback_at(b, &attempt_b, Some(&attempt_b.state_cookie));
    assert_eq!(r.status, 303, "{}\n{}", r.describe(), s.web.output());
    let session_b = cookie(&r, "session").expect("a session cookie");
    let me_b = get_at(b, "/me", Some(&session_b)).text();
    assert!(me_b.contains("Bea Admin"), "{me_b}");
    assert!(
        s.provider.output().contains("for org-b-web"),
        "{}",
        s.provider.output()
    );
    assert_ne!(
        get_at(None, "/admin/people", Some(&session_b)).status,
        200,
        "org B's session is nobody at the default organisation"
    );

    // The default organisation's learner at the default host, with its client.
    let session_a = s.sign_in(LEARNER);
    assert!(s.name_on_me(&session_a).contains(LEARNER_NAME));
    // The same learner at org B: looked up in org B only, where nobody has that email.
    let attempt = s.attempt_at(b, "bee", LEARNER);
    let r = s.callback_at(b, &attempt, Some(&attempt.state_cookie));
    assert_eq!(r.status, 403, "{}", r.describe());
    assert!(cookie(&r, "session").is_none());
    assert!(r.text().contains("nobody with that email is set up here"));

    // A flow started at the default host is not completed at org B's (its state, code and
    // cookie, at org B's provider's callback), nor org B's at the default host: refused
    // without a session, and without using the attempt up.
    let attempt_a = s.attempt(LEARNER);
    let at_b = Attempt {
        callback_path: attempt_a.callback_path.replacen(
            "/sign-in/sso/demo/",
            "/sign-in/sso/bee/",
            1,
        ),
        state_cookie: attempt_a.state_cookie.clone(),
    };
    let r = s.callback_at(b, &at_b, Some(&at_b.state_cookie));
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(cookie(&r, "session").is_none());
    assert!(r.text().contains("expired or was already used"));
    let attempt_b = s.attempt_at(b, "bee", ORG_B_ADMIN);
    let at_a = Attempt {
        callback_path: attempt_b.callback_path.replacen(
            "/sign-in/sso/bee/",
            "/sign-in/sso/demo/",
            1,
        ),
        state_cookie: attempt_b.state_cookie.clone(),
    };
    let r = s.callback(&at_a, Some(&at_a.state_cookie));
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(cookie(&r, "session").is_none());
    // Each still completes where it started.
    let r = s.callback(&attempt_a, Some(&attempt_a.state_cookie));
    assert_eq!(r.status, 303, "{}", r.describe());
    let r = s.callback_at(b, &attempt_b, Some(&attempt_b.state_cookie));
    assert_eq!(r.status, 303, "{}", r.describe());

    let output = s.web.output();
    assert!(
        !output.contains(CLIENT_SECRET) && !output.contains(ORG_B_SECRET),
        "no client secret is logged"
    );
}
