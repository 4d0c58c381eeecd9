//! Shared by the `web` function's integration tests: starting the server (in this process from
//! the `web` library, or the real binary as a child process where the process itself or its
//! log is what is tested), requests through hyper's client, and helpers to read the pages.
//!
//! Each test file uses a different part of this module.
#![allow(dead_code)]

mod logs;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};
use test_support::function::{Function, Watched};

/// The demo organisation's name, shown on every page.
pub const ORG_NAME: &str = "Wexmoor Vale College (demo)";
/// A signing secret for test runs (at least 32 characters).
pub const TEST_SECRET: &str = "integration-test-secret-0123456789abcdef";
/// The longest any test waits for one thing.
pub const WAIT: Duration = test_support::WAIT;

/// One runtime for every server started in this process.
static RUNTIME: std::sync::LazyLock<tokio::runtime::Runtime> = std::sync::LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the tests' runtime")
});

enum Process {
    Child(Function),
    /// `None` once stopped; the name its log lines are kept under.
    InProcess(Option<web::Running>, String),
}

/// The web function under test: a server in this process, or the binary as a child process.
/// Stopped (killed) when dropped.
pub struct Web {
    process: Process,
    /// Set once it says where it listens (local serving only).
    pub addr: Option<SocketAddr>,
}

impl Drop for Web {
    fn drop(&mut self) {
        if let Process::InProcess(running, _) = &mut self.process
            && let Some(running) = running.take()
        {
            RUNTIME.block_on(running.stop());
        }
    }
}

/// The variables every local test server gets, with `envs` on top.
fn serving_env(envs: &[(&str, String)]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = vec![
        ("APP_BIND".into(), "127.0.0.1:0".into()),
        ("APP_LOG".into(), "json".into()),
        ("APP_SECRET".into(), TEST_SECRET.into()),
    ];
    for (name, value) in envs {
        all.retain(|(n, _)| n != name);
        all.push((name.to_string(), value.clone()));
    }
    all
}

fn embedded_env(data: &Path, envs: &[(&str, String)]) -> Vec<(String, String)> {
    let mut all: Vec<(&str, String)> = vec![
        ("APP_STORE", "embedded".into()),
        ("APP_DATA_DIR", data.display().to_string()),
        ("APP_SITE_DIR", data.join("no-site").display().to_string()),
    ];
    all.extend(envs.iter().cloned());
    serving_env(&all)
}

/// `(name, value)` pairs as the callee takes them.
fn borrowed(vars: &[(String, String)]) -> Vec<(&str, String)> {
    vars.iter().map(|(n, v)| (n.as_str(), v.clone())).collect()
}

impl Web {
    /// Starts the binary with exactly these environment variables (nothing is inherited, so a
    /// developer's `AWS_*` or `RUST_LOG` cannot change what is tested), and `args`.
    ///
    /// `WEB_TEST_BINARY` (read from the test's own environment) replaces the binary under test
    /// (test_support::function::command_line): e.g. the aarch64 Lambda build under qemu.
    pub fn spawn(envs: &[(&str, String)], args: &[&str]) -> Web {
        Web {
            process: Process::Child(Function::spawn(
                "web",
                env!("CARGO_BIN_EXE_web"),
                args,
                envs,
            )),
            addr: None,
        }
    }

    /// Starts a local HTTP server on a free port, in this process, configured by exactly these
    /// variables (`APP_BIND=127.0.0.1:0` and a test secret unless given): the same code as
    /// `web serve`, without a process of its own. Its log lines (those of its requests) are
    /// kept apart from other servers' ([`Web::stdout`]).
    ///
    /// With `WEB_TEST_BINARY` set (another build of the binary under test, e.g. the aarch64
    /// Lambda build under qemu: scripts/check-lambda-build.sh), every server is that binary as a
    /// child process instead, so the whole suite checks it.
    pub fn serve(envs: &[(&str, String)]) -> Web {
        if std::env::var_os("WEB_TEST_BINARY").is_some() {
            return Web::serve_child(envs);
        }
        static SERVERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        logs::install();
        let name = format!(
            "server-{}",
            SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let vars = serving_env(envs);
        let running = RUNTIME
            .block_on(web::start(&borrowed(&vars), Some(name.clone())))
            .unwrap_or_else(|e| panic!("the server did not start: {e}"));
        Web {
            addr: Some(running.addr),
            process: Process::InProcess(Some(running), name),
        }
    }

    /// [`Web::serve`] on its own embedded store in `data`, with no browser bundle, and `envs`.
    pub fn serve_embedded(data: &Path, envs: &[(&str, String)]) -> Web {
        Web::serve(&borrowed(&embedded_env(data, envs)))
    }

    /// Starts the binary as a child process serving HTTP on a free port (JSON logs), and waits
    /// until it says where it listens: for tests of its log or of the process itself.
    pub fn serve_child(envs: &[(&str, String)]) -> Web {
        let mut web = Web::spawn(&borrowed(&serving_env(envs)), &[]);
        web.addr = Some(web.wait_until_listening());
        web
    }

    /// [`Web::serve_child`] on its own embedded store in `data`.
    pub fn serve_embedded_child(data: &Path, envs: &[(&str, String)]) -> Web {
        Web::serve_child(&borrowed(&embedded_env(data, envs)))
    }

    fn child(&self) -> &Function {
        match &self.process {
            Process::Child(f) => f,
            Process::InProcess(..) => {
                panic!("this server runs in the test's own process: it has no exit status")
            }
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("this web process does not serve HTTP")
    }

    /// What it printed on stdout so far (its log lines).
    /// Its log so far: a child's standard output, or an in-process server's request log lines.
    pub fn stdout(&self) -> String {
        match &self.process {
            Process::Child(f) => f.stdout(),
            Process::InProcess(_, name) => logs::of(name),
        }
    }

    pub fn stderr(&self) -> String {
        self.child().stderr()
    }

    /// Both outputs, for failure messages.
    pub fn output(&self) -> String {
        match &self.process {
            Process::Child(f) => f.output(),
            Process::InProcess(_, name) => logs::of(name),
        }
    }

    /// `Some(status)` once it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        match &mut self.process {
            Process::Child(f) => f.exited(),
            Process::InProcess(..) => None,
        }
    }

    /// Waits (up to [`WAIT`]) for it to exit, e.g. for a one-shot command.
    pub fn wait_for_exit(&mut self) -> ExitStatus {
        match &mut self.process {
            Process::Child(f) => f.wait_for_exit(),
            Process::InProcess(..) => panic!("an in-process server does not exit by itself"),
        }
    }

    /// Reads the JSON log until the "listening on http://..." line.
    fn wait_until_listening(&mut self) -> SocketAddr {
        let deadline = Instant::now() + WAIT;
        loop {
            for line in self.stdout().lines() {
                let Ok(json) = serde_json::from_str::<serde_json::Value>(line) else {
                    continue;
                };
                if let Some(addr) = json["fields"]["message"]
                    .as_str()
                    .and_then(|m| m.strip_prefix("listening on http://"))
                {
                    return addr
                        .parse()
                        .unwrap_or_else(|e| panic!("bad address in `{line}`: {e}"));
                }
            }
            if let Some(status) = self.exited() {
                panic!(
                    "web exited ({status}) before it listened:\n{}",
                    self.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "web did not say it was listening within {WAIT:?}:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[], b"")
    }

    /// Posts an HTML form (fields URL-encoded) with no `Origin` or `Sec-Fetch-*` headers, like a
    /// tool or an old browser.
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.request(
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form(fields).as_bytes(),
        )
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        http_request(self.addr(), method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path} failed: {e}\n{}", self.output()))
    }
}

/// URL-encodes form fields.
pub fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).expect("form fields encode")
}

/// One HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text, without the empty comments (`<!>`) Leptos writes between and after
    /// text nodes for the browser's hydration: they are not content, and with the type-erased
    /// components (.cargo/config.toml) one follows every element's children, so the pages' text
    /// reads as the user sees it. `body` keeps the bytes as sent.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).replace("<!>", "")
    }

    /// A short description for failure messages.
    pub fn describe(&self) -> String {
        let text = self.text();
        let cut: String = text.chars().take(3000).collect();
        format!(
            "status {}\nheaders {:?}\nbody ({} bytes): {cut}",
            self.status,
            self.headers,
            self.body.len()
        )
    }
}

/// Sends one request on a new connection with hyper's client and reads the whole answer
/// (the body as it came: not decompressed, chunks joined). A test may send its own `Host`
/// header (a forged one); otherwise it is the server's address.
pub fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response, String> {
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(hyper::body::Bytes::copy_from_slice(body)))
        .map_err(|e| e.to_string())?;
    RUNTIME.block_on(async {
        // A client per request: a new connection each time, closed when it is dropped.
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build_http::<Full<hyper::body::Bytes>>();
        let response = tokio::time::timeout(WAIT, client.request(request))
            .await
            .map_err(|_| format!("no answer within {WAIT:?}"))?
            .map_err(|e| format!("{e:?}"))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = tokio::time::timeout(WAIT, response.into_body().collect())
            .await
            .map_err(|_| format!("the body did not arrive within {WAIT:?}"))?
            .map_err(|e| format!("reading the body failed: {e}"))?
            .to_bytes()
            .to_vec();
        Ok(Response {
            status,
            headers,
            body,
        })
    })
}

/// The value of the worry form's hidden `token` input.
pub fn form_token(html: &str) -> String {
    let marker = r#"name="token" value=""#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no form token in the page:\n{}", cut(html)))
        + marker.len();
    let len = html[start..].find('"').expect("the token value ends");
    html[start..start + len].to_string()
}

/// The follow-up code shown after a worry is sent, if the page shows one.
pub fn follow_up_code(html: &str) -> Option<String> {
    let at = html.find(r#"data-testid="follow-up-code""#)?;
    let open = at + html[at..].find('>')? + 1;
    let close = open + html[open..].find('<')?;
    Some(html[open..close].trim().to_string())
}

/// The raw markup between `<textarea ...>` and the first `</textarea`, exactly as a browser's
/// parser delimits it.
pub fn textarea_raw(html: &str) -> String {
    let at = html
        .find("<textarea")
        .unwrap_or_else(|| panic!("no textarea in the page:\n{}", cut(html)));
    let open = at + html[at..].find('>').expect("the textarea tag closes") + 1;
    let close = open
        + html[open..]
            .find("</textarea")
            .expect("the textarea is closed");
    html[open..close].to_string()
}

/// What a browser shows in the textarea: its raw text with character references decoded
/// (the common ones, which is all the server writes).
pub fn textarea_value(html: &str) -> String {
    let raw = textarea_raw(html);
    // HTML drops a single newline right after the start tag.
    let raw = raw.strip_prefix('\n').unwrap_or(&raw);
    decode_entities(raw)
}

pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                        u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
                    } else if let Some(dec) = name.strip_prefix('#') {
                        dec.parse::<u32>().ok().and_then(char::from_u32)
                    } else {
                        None
                    }
                }
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The start of a page, for failure messages.
pub fn cut(s: &str) -> String {
    s.chars().take(3000).collect()
}

/// The workspace's `target/site`, where `scripts/build-assets.sh` puts the browser bundle.
pub fn site_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/site")
}

/// A fresh name, so runs never share tables or files.
pub fn unique(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("{what}-{}-{nanos}", std::process::id())
}

// ---------------------------------------------------------------------------------------------
// Signed-in requests (shared by the sign-in, import and single sign-on tests)

/// The emails written so far (`*.txt`; a message being written is a hidden `.partial` file).
pub fn outbox(data: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(data.join("outbox")) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            !name.starts_with('.') && name.ends_with(".txt")
        })
        .collect();
    files.sort();
    files
}

/// Sign-in emails are sent after the answer (off the request path): waits until the outbox in
/// `data` holds at least `n` emails not in `before` (at most [`WAIT`]), and returns them all.
#[track_caller]
pub fn wait_for_new_mail(data: &Path, before: &[PathBuf], n: usize) -> Vec<PathBuf> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let new: Vec<PathBuf> = outbox(data)
            .into_iter()
            .filter(|p| !before.contains(p))
            .collect();
        if new.len() >= n {
            return new;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} new emails after {WAIT:?}, expected {n}: {new:?}",
            new.len()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// For checking that an email was NOT sent: waits until the outbox has not changed for a second
/// (the delivery of a request runs within milliseconds of its answer), and returns it.
pub fn let_mail_settle(data: &Path) -> Vec<PathBuf> {
    let mut last = outbox(data);
    let mut still_since = std::time::Instant::now();
    let deadline = still_since + WAIT;
    while still_since.elapsed() < std::time::Duration::from_secs(1)
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let now = outbox(data);
        if now != last {
            last = now;
            still_since = std::time::Instant::now();
        }
    }
    last
}

/// Signs `email` in on `web` (its outbox in `data`) through the emailed link; returns the cookie
/// to send (`session=...`).
#[track_caller]
pub fn sign_in(web: &Web, data: &Path, email: &str) -> String {
    let before = outbox(data);
    let r = web.post_form("/sign-in", &[("email", email)]);
    assert_eq!(r.status, 200, "POST /sign-in\n{}", r.describe());
    let deadline = std::time::Instant::now() + WAIT;
    // another email (a notification) may arrive first: the sign-in one is addressed to `email`
    let mail = loop {
        let to = format!("To: {}\n", email.trim().to_lowercase());
        if let Some(found) = outbox(data).into_iter().find(|p| {
            !before.contains(p)
                && std::fs::read_to_string(p)
                    .is_ok_and(|t| t.starts_with(&to) && t.contains("/sign-in/link?token="))
        }) {
            break found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no sign-in email to {email} within {WAIT:?}\n{}",
            web.output()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let text = std::fs::read_to_string(&mail).expect("the email");
    let token = text
        .split_whitespace()
        .find_map(|w| w.split_once("/sign-in/link?token=").map(|(_, t)| t))
        .unwrap_or_else(|| panic!("no sign-in link in\n{text}"))
        .to_string();
    let r = web.post_form("/sign-in/link", &[("token", &token)]);
    assert_eq!(r.status, 303, "signing in {email}\n{}", r.describe());
    r.headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next())
        .find(|c| c.starts_with("session=") && c.len() > "session=".len())
        .expect("a session cookie")
        .to_string()
}

pub fn get_as(web: &Web, path: &str, cookie: &str) -> Response {
    web.request("GET", path, &[("Cookie", cookie)], b"")
}

pub fn post_as(web: &Web, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Response {
    web.request(
        "POST",
        path,
        &[
            ("Cookie", cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        form(fields).as_bytes(),
    )
}

/// The value of the first hidden `csrf` input.
#[track_caller]
pub fn csrf_in(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf field in the page:\n{}", cut(html)))
        + marker.len();
    let len = html[start..].find('"').expect("the value ends");
    decode_entities(&html[start..start + len])
}

/// Rate limits count in fixed windows aligned to the epoch (e.g. 600 or 900 seconds): waits,
/// if need be, until no window of these lengths ends in the next 30 seconds, so a test that
/// counts up to a limit is not split across two windows.
pub fn away_from_window_edges(windows: &[u64]) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let to_next = windows
        .iter()
        .map(|w| w - now % w)
        .min()
        .unwrap_or(u64::MAX);
    if to_next < 30 {
        std::thread::sleep(Duration::from_secs(to_next + 1));
    }
}

/// So the fake Lambda Runtime API can tell when the web binary has died, and show its logs.
impl Watched for Web {
    fn exited(&mut self) -> Option<ExitStatus> {
        Web::exited(self)
    }

    fn output(&self) -> String {
        Web::output(self)
    }
}
