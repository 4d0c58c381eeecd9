//! The AWS Lambda path of the `web` binary: it is started with `AWS_LAMBDA_RUNTIME_API` pointing
//! at a fake Lambda Runtime API on a loopback port, which hands it API Gateway HTTP API (payload
//! format 2.0) events and records what it answers. This is the same conversation the real
//! Lambda service has with the function (lambda_runtime 1.5 / lambda_http 1.3):
//! `GET /2018-06-01/runtime/invocation/next`, then
//! `POST /2018-06-01/runtime/invocation/{request id}/response` (or `.../error`).

use crate::support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::{ORG_NAME, TEST_SECRET, Web, cut, follow_up_code, form, form_token};
use test_support::lambda_runtime::{Answer, FakeRuntimeApi};

const DOMAIN: &str = "a1b2c3d4e5.execute-api.eu-west-2.amazonaws.com";
const FUNCTION_ARN: &str = "arn:aws:lambda:eu-west-2:123456789012:function:online-safety-web";

/// Invokes and returns the API Gateway response, which must be a 2.0 format response.
fn http(runtime: &mut FakeRuntimeApi, web: &mut Web, event: Value) -> HttpAnswer {
    let what = format!(
        "{} {}",
        event["requestContext"]["http"]["method"], event["rawPath"]
    );
    match runtime.invoke(web, event) {
        Answer::Response(bytes) => {
            let json: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{what}: the response is not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            });
            HttpAnswer::from_json(&what, json)
        }
        Answer::Error { error_type, body } => {
            panic!(
                "{what}: the function reported an error {error_type}: {body}\n{}",
                web.output()
            )
        }
    }
}

/// One API Gateway HTTP API response as the function returned it.
struct HttpAnswer {
    what: String,
    status: u64,
    headers: serde_json::Map<String, Value>,
    /// Decoded from base64 (and gunzipped) when the response says so.
    body: Vec<u8>,
    was_base64: bool,
    raw: Value,
}

impl HttpAnswer {
    fn from_json(what: &str, json: Value) -> HttpAnswer {
        let status = json["statusCode"]
            .as_u64()
            .unwrap_or_else(|| panic!("{what}: no statusCode in {json}"));
        let headers = json["headers"]
            .as_object()
            .cloned()
            .unwrap_or_else(|| panic!("{what}: no headers object in {json}"));
        let was_base64 = json["isBase64Encoded"].as_bool().unwrap_or(false);
        let text = json["body"].as_str().unwrap_or_default();
        let mut body = if was_base64 {
            B64.decode(text)
                .unwrap_or_else(|e| panic!("{what}: isBase64Encoded but the body is not: {e}"))
        } else {
            text.as_bytes().to_vec()
        };
        let gzip = headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("content-encoding") && v == "gzip");
        if gzip {
            assert!(
                was_base64,
                "{what}: a gzip body must be sent base64-encoded, or API Gateway mangles it"
            );
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut plain)
                .unwrap_or_else(|e| panic!("{what}: the gzip body does not decompress: {e}"));
            body = plain;
        }
        HttpAnswer {
            what: what.to_string(),
            status,
            headers,
            body,
            was_base64,
            raw: json,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    #[track_caller]
    fn assert_html_page(&self, status: u64) {
        let what = &self.what;
        assert_eq!(
            self.status,
            status,
            "{what}: statusCode; headers {:?}; body: {}",
            self.headers,
            cut(&self.text())
        );
        let ct = self.header("content-type").unwrap_or_default();
        assert!(
            ct.starts_with("text/html"),
            "{what}: content-type `{ct}`, expected text/html: {}",
            self.raw
        );
        assert!(
            self.text().contains(ORG_NAME),
            "{what}: the page does not name the organisation:\n{}",
            cut(&self.text())
        );
        for header in [
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "x-request-id",
        ] {
            assert!(
                self.header(header).is_some(),
                "{what}: no {header} header: {:?}",
                self.headers
            );
        }
    }
}

/// An API Gateway HTTP API event, payload format 2.0, `$default` stage and route, as a browser
/// request produces it. `body` is sent base64-encoded when `base64` is set (API Gateway does
/// this for form posts).
fn http_api_event(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    base64: bool,
) -> Value {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64;
    let user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
    let mut all = serde_json::Map::new();
    for (name, value) in [
        ("accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
        ("accept-language", "en-GB,en;q=0.5"),
        ("host", DOMAIN),
        ("user-agent", user_agent),
        (
            "x-amzn-trace-id",
            "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c",
        ),
        ("x-forwarded-for", "203.0.113.7"),
        ("x-forwarded-port", "443"),
        ("x-forwarded-proto", "https"),
    ] {
        all.insert(name.into(), value.into());
    }
    for (name, value) in headers {
        all.insert(name.to_ascii_lowercase(), (*value).into());
    }
    if let Some(body) = body {
        all.insert("content-length".into(), body.len().to_string().into());
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": all,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": DOMAIN,
            "domainPrefix": "a1b2c3d4e5",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": user_agent
            },
            "requestId": format!("Xk3pQj{now}="),
            "routeKey": "$default",
            "stage": "$default",
            "time": "23/Nov/2026:07:47:38 +0000",
            "timeEpoch": now
        },
        "isBase64Encoded": false
    });
    if let Some(body) = body {
        event["body"] = if base64 {
            B64.encode(body).into()
        } else {
            body.into()
        };
        event["isBase64Encoded"] = base64.into();
    }
    event
}

/// A same-origin form post from the function's own page, as a browser sends it.
fn form_post(path: &str, body: &str, base64: bool) -> Value {
    let origin = format!("https://{DOMAIN}");
    http_api_event(
        "POST",
        path,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("origin", &origin),
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "navigate"),
        ],
        Some(body),
        base64,
    )
}

#[test]
fn serves_api_gateway_http_api_events_through_the_lambda_runtime_api() {
    let began = Instant::now();
    let mut runtime = FakeRuntimeApi::start(FUNCTION_ARN);
    // DynamoDB, as on AWS (the Lambda build has no embedded store: scripts/check-lambda-build.sh
    // runs this test on it); with an endpoint the function makes its table itself.
    let ddb = test_support::dynamodb_local::DynamoDbLocal::start();
    let data = tempfile::tempdir().expect("temp dir");
    let mut envs = runtime.lambda_env("online-safety-web");
    envs.extend([
        // Required on AWS: the links in emails come only from it.
        ("APP_BASE_URL", format!("https://{DOMAIN}")),
        ("APP_SECRET", TEST_SECRET.into()),
        ("APP_SESSION_KEYS", format!("test:{TEST_SECRET}")),
        ("APP_STORE", "dynamodb".into()),
        ("APP_DYNAMODB_ENDPOINT", ddb.endpoint.clone()),
        ("APP_TABLE_NAME", "lambda-runtime".into()),
        ("APP_DATA_DIR", data.path().display().to_string()),
        (
            "APP_SITE_DIR",
            data.path().join("no-site").display().to_string(),
        ),
    ]);
    let mut web = Web::spawn(&envs, &[]);

    // 1. The home page.
    let home = http(
        &mut runtime,
        &mut web,
        http_api_event("GET", "/", &[], None, false),
    );
    home.assert_html_page(200);
    assert!(
        !home.was_base64,
        "an uncompressed HTML page is sent as text"
    );
    eprintln!("first answer after {:?}", began.elapsed());

    // 2. A guidance page, compressed as a browser asks: gzip, so base64 in the response.
    let guidance = http(
        &mut runtime,
        &mut web,
        http_api_event(
            "GET",
            "/parents/talking-with-your-child",
            &[("accept-encoding", "gzip, deflate, br, zstd")],
            None,
            false,
        ),
    );
    guidance.assert_html_page(200);
    assert!(
        guidance.was_base64 && guidance.header("content-encoding") == Some("gzip"),
        "a compressed page must come back gzip + base64: {}",
        guidance.raw["headers"]
    );
    assert!(
        guidance
            .text()
            .contains("Talking with your child about their online life"),
        "not the guidance page:\n{}",
        cut(&guidance.text())
    );

    // 3. An unknown address is a 404 page, not a Lambda error.
    let missing = http(
        &mut runtime,
        &mut web,
        http_api_event("GET", "/nope", &[], None, false),
    );
    missing.assert_html_page(404);

    // 4. The worry form, then sending it (base64 body, as API Gateway sends form posts).
    let tell = http(
        &mut runtime,
        &mut web,
        http_api_event("GET", "/tell", &[], None, false),
    );
    tell.assert_html_page(200);
    assert_eq!(tell.header("cache-control"), Some("no-store"));
    let token = form_token(&tell.text());
    let body = form(&[
        ("token", &token),
        (
            "text",
            "Someone in an online game keeps asking me for pictures & my address 😟",
        ),
        ("urgency", "urgent"),
        ("about", "a_friend"),
        ("involves", "nobody"),
        ("kind", "met-online"),
        ("wants_contact", "no"),
    ]);
    let sent = http(&mut runtime, &mut web, form_post("/tell", &body, true));
    sent.assert_html_page(200);
    assert_eq!(sent.header("cache-control"), Some("no-store"));
    let code = follow_up_code(&sent.text())
        .unwrap_or_else(|| panic!("no follow-up code:\n{}", cut(&sent.text())));
    assert_eq!(code.len(), 29, "a code is 5 groups of 5: `{code}`");

    // 5. Looking it up (a plain-text body this time).
    let found = http(
        &mut runtime,
        &mut web,
        form_post("/follow-up", &form(&[("code", &code)]), false),
    );
    found.assert_html_page(200);
    assert!(
        found.text().contains(r#"data-testid="status""#),
        "the follow-up page shows a status:\n{}",
        cut(&found.text())
    );

    // 6. A cross-site post is refused under Lambda too.
    let mut evil = form_post("/tell", &body, true);
    evil["headers"]["origin"] = "https://evil.example".into();
    evil["headers"]["sec-fetch-site"] = "cross-site".into();
    let refused = http(&mut runtime, &mut web, evil);
    assert_eq!(refused.status, 403, "{}", refused.raw);

    assert!(
        web.exited().is_none(),
        "the function must keep polling for the next event:\n{}",
        web.output()
    );
    let invocations = runtime.handed_out();
    assert_eq!(invocations.len(), 7);

    // The logs: JSON by default under Lambda, one object per line, each request with its id.
    let stdout = web.stdout();
    let mut handled = Vec::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let json: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {line}\n{}", web.output()));
        if json["fields"]["message"] == "handled" {
            handled.push(json);
        }
    }
    assert!(
        stdout.contains("serving under AWS Lambda"),
        "no start-up line:\n{stdout}"
    );
    assert_eq!(
        handled.len(),
        invocations.len(),
        "one `handled` line per request:\n{stdout}"
    );
    for (line, aws_id) in handled.iter().zip(&invocations) {
        let request_id = line["span"]["request_id"].as_str().unwrap_or_default();
        assert!(
            !request_id.is_empty(),
            "a request line without a request_id: {line}"
        );
        assert!(line["fields"]["status"].is_u64(), "no status in {line}");
        // The runtime's span carries the Lambda request id, so a CloudWatch line can be
        // matched to its invocation.
        let spans = line["spans"].to_string();
        assert!(
            spans.contains(aws_id.as_str()),
            "the Lambda request id {aws_id} is not in the line's spans: {line}"
        );
    }
    // The worry's text is never logged.
    assert!(
        !stdout.contains("pictures & my address") && !stdout.contains(&code),
        "a worry or its code leaked into the logs:\n{stdout}"
    );
    eprintln!("lambda test took {:?}", began.elapsed());
}

#[test]
fn refuses_to_start_under_lambda_without_a_secret() {
    let runtime = FakeRuntimeApi::start(FUNCTION_ARN);
    let data = tempfile::tempdir().expect("temp dir");
    let mut web = Web::spawn(
        &[
            ("AWS_LAMBDA_RUNTIME_API", runtime.addr.to_string()),
            ("AWS_LAMBDA_FUNCTION_NAME", "online-safety-web".into()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "1".into()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".into()),
            ("AWS_REGION", "eu-west-2".into()),
            ("APP_STORE", "embedded".into()),
            ("APP_DATA_DIR", data.path().display().to_string()),
        ],
        &[],
    );
    let status = web.wait_for_exit();
    assert_eq!(status.code(), Some(2), "{}", web.output());
    assert!(
        web.stderr().contains("APP_SECRET must be set on AWS"),
        "{}",
        web.output()
    );
    assert!(
        !data.path().join("dev-secret").exists(),
        "no local secret may be made under Lambda"
    );
}

#[test]
fn refuses_to_start_under_lambda_when_a_secret_parameter_cannot_be_read() {
    let runtime = FakeRuntimeApi::start(FUNCTION_ARN);
    let data = tempfile::tempdir().expect("temp dir");
    // Nothing listens on this port: the Parameters and Secrets extension is "missing".
    let closed = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let began = Instant::now();
    let mut web = Web::spawn(
        &[
            ("AWS_LAMBDA_RUNTIME_API", runtime.addr.to_string()),
            ("AWS_LAMBDA_FUNCTION_NAME", "online-safety-web".into()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "1".into()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".into()),
            ("AWS_REGION", "eu-west-2".into()),
            ("AWS_SESSION_TOKEN", "token".into()),
            ("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", closed.to_string()),
            (
                "APP_SECRET_PARAMETERS",
                "APP_SECRET=/safety-test/app-secret,APP_SESSION_KEYS=/safety-test/session-keys"
                    .into(),
            ),
            ("APP_STORE", "embedded".into()),
            ("APP_DATA_DIR", data.path().display().to_string()),
        ],
        &[],
    );
    let status = web.wait_for_exit();
    assert_eq!(status.code(), Some(2), "{}", web.output());
    assert!(
        web.stderr().contains(
            "configuration error: APP_SECRET (from APP_SECRET_PARAMETERS): cannot read the SSM parameter `/safety-test/app-secret`"
        ),
        "{}",
        web.output()
    );
    // It waited for the extension to be ready (4 s), well inside Lambda's 10 s init limit.
    assert!(
        began.elapsed() < Duration::from_secs(9),
        "{:?}",
        began.elapsed()
    );
}
