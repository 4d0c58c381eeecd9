//! A refused email raises an alarm (infra/template.yaml): SES refusing a send (a local endpoint
//! answering as SES does) makes the send fail with SES's reason, the mailer writes its one
//! `EMAIL_SEND_FAILED_LOG` line in the functions' JSON log format, and the template's metric
//! filters on the log groups of the functions that send email match exactly that line (the
//! pattern is read from the template and evaluated here), so changing either side fails here.

use safety_core::http_client::HttpClient;
use safety_core::mail::ses::{EMAIL_SEND_FAILED_LOG, SesConfig, SesMailer};
use safety_core::mail::{MailError, Mailer, Message};
use serde_json::Value;
use std::io::Write;
use std::sync::{Arc, Mutex};

fn read(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What SES v2 answers when it refuses the sender (HTTP 400; the kind in the
/// `x-amzn-ErrorType` header and, from SES-compatible services, in `__type`; the reason in
/// `Message`).
const REFUSAL: &str = r#"{"__type":"MessageRejected","Message":"Email address is not verified. The following identities failed the check in region EU-WEST-2: noreply@college.example"}"#;

/// A stand-in for SES on loopback that reads one request and answers `status` and `body`.
fn fake_ses(status: u16, body: &'static str) -> String {
    test_support::one_shot_http::serve(status, "x-amzn-ErrorType: MessageRejected\r\n", body).0
}

fn mailer(endpoint: String) -> SesMailer {
    SesMailer::new(
        SesConfig {
            region: "eu-west-2".into(),
            from: "Online safety <noreply@college.example>".into(),
            endpoint: Some(endpoint),
            access_key_id: "AKIDTESTKEY".into(),
            secret_access_key: "test-secret-access-key".into(),
            session_token: None,
        },
        HttpClient::new(),
    )
}

fn message() -> Message {
    Message {
        to: "learner@college.example".into(),
        subject: "Your sign-in link".into(),
        text: "Open this link: https://x.test/l".into(),
    }
}

/// Log lines written while `f` runs, in the functions' JSON format (as under Lambda).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// Sends one message to a fake SES answering `status`/`body`, capturing the log lines.
fn send_capturing(status: u16, body: &'static str) -> (Result<(), MailError>, Vec<String>) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = safety_core::function_main::json_subscriber(move || writer.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = {
        // The current-thread runtime runs the send (and the client's connection task) on this
        // thread, where this subscriber is the default.
        let _guard = tracing::subscriber::set_default(subscriber);
        runtime.block_on(async {
            let span = tracing::info_span!("request", request_id = "req-1");
            let _entered = span.enter();
            mailer(fake_ses(status, body)).send(&message()).await
        })
    };
    (result, captured.lines())
}

/// The `FilterPattern`s of the template's metric filters on failed emails, with the log group
/// each one watches.
fn email_failure_filters(template: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let lines: Vec<&str> = template.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() != "Type: AWS::Logs::MetricFilter" {
            continue;
        }
        let body: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| l.trim().is_empty() || l.starts_with("    "))
            .copied()
            .collect();
        let value = |key: &str| {
            body.iter()
                .map(|l| l.trim())
                .find_map(|l| l.strip_prefix(key))
                .map(str::trim)
                .unwrap_or_else(|| panic!("a metric filter without {key}"))
                .to_string()
        };
        if value("MetricName:") != "EmailSendFailed" {
            continue;
        }
        let pattern = value("FilterPattern:");
        let pattern = pattern
            .strip_prefix('\'')
            .and_then(|p| p.strip_suffix('\''))
            .unwrap_or_else(|| panic!("FilterPattern in single quotes: {pattern}"))
            .replace("''", "'");
        out.push((value("LogGroupName:"), pattern));
    }
    out
}

/// CloudWatch Logs' JSON filter pattern of the one form the template uses,
/// `{ $.a.b = "text" }` (an exact string; no wildcards), evaluated on one log event. Any other
/// form fails the test, so a change of the pattern's form must come with its evaluation here.
fn json_pattern_matches(pattern: &str, event: &str) -> bool {
    let inner = pattern
        .trim()
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or_else(|| panic!("not a JSON filter pattern: {pattern}"))
        .trim();
    let (selector, value) = inner
        .split_once(" = ")
        .unwrap_or_else(|| panic!("only `$.selector = \"value\"` is evaluated here: {pattern}"));
    let path = selector
        .trim()
        .strip_prefix("$.")
        .unwrap_or_else(|| panic!("a selector starts with $.: {pattern}"));
    let value = value.trim();
    let expected = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or_else(|| panic!("a quoted string value: {pattern}"));
    assert!(
        !expected.contains('*') && !expected.contains('"'),
        "wildcards and escapes are not evaluated here: {pattern}"
    );
    // CloudWatch Logs applies a JSON pattern only to events that are JSON objects.
    let Ok(json) = serde_json::from_str::<Value>(event) else {
        return false;
    };
    let mut at = &json;
    for key in path.split('.') {
        match at.get(key) {
            Some(next) => at = next,
            None => return false,
        }
    }
    at.as_str() == Some(expected)
}

#[test]
fn ses_refusing_a_sender_is_an_error_with_its_reason() {
    let (result, _) = send_capturing(400, REFUSAL);
    let err = result.unwrap_err();
    let MailError::Rejected(why) = &err else {
        panic!("not a refusal: {err:?}")
    };
    assert!(why.contains("SES answered 400"), "{why}");
    assert!(why.contains("MessageRejected"), "{why}");
    assert!(
        why.contains("Email address is not verified. The following identities failed the check"),
        "{why}"
    );
}

#[test]
fn the_template_s_metric_filters_match_the_line_a_failed_send_writes() {
    let template = read("../../infra/template.yaml");
    let filters = email_failure_filters(&template);
    let groups: Vec<&str> = filters.iter().map(|(g, _)| g.as_str()).collect();
    // Every function that sends email (sign-in links, notifications, reminders all go through
    // the SES mailer) has its filter.
    assert_eq!(
        groups,
        [
            "!Ref WebLogGroup",
            "!Ref NotifyLogGroup",
            "!Ref RemindersLogGroup"
        ],
        "{filters:?}"
    );

    let (result, lines) = send_capturing(400, REFUSAL);
    assert!(result.is_err());
    let failures: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(EMAIL_SEND_FAILED_LOG))
        .collect();
    assert_eq!(failures.len(), 1, "one line per failed send: {lines:#?}");
    let line = failures[0];
    let json: Value = serde_json::from_str(line).unwrap();
    assert_eq!(json["level"], "ERROR", "{line}");
    assert_eq!(json["fields"]["message"], EMAIL_SEND_FAILED_LOG, "{line}");
    let reason = json["fields"]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("not verified"),
        "the reason is kept: {line}"
    );
    assert_eq!(json["span"]["request_id"], "req-1", "{line}");

    for (group, pattern) in &filters {
        assert!(
            json_pattern_matches(pattern, line),
            "{group}'s filter {pattern} does not match the line written: {line}"
        );
        for other in lines.iter().filter(|l| *l != line) {
            assert!(
                !json_pattern_matches(pattern, other),
                "{group}'s filter {pattern} also matches {other}"
            );
        }
    }

    // A send that works writes no such line.
    let (result, lines) = send_capturing(200, r#"{"MessageId":"m-1"}"#);
    assert_eq!(result, Ok(()));
    assert!(!lines.is_empty(), "the sent line is captured too");
    for (_, pattern) in &filters {
        for line in &lines {
            assert!(
                !json_pattern_matches(pattern, line),
                "{pattern} matches {line}"
            );
        }
    }
}

#[test]
fn an_unreachable_ses_is_a_failed_send_too() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = safety_core::function_main::json_subscriber(move || writer.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Nothing listens on the discard port.
    let result = runtime.block_on(mailer("http://127.0.0.1:9".into()).send(&message()));
    assert!(matches!(result, Err(MailError::Io(_))), "{result:?}");
    let template = read("../../infra/template.yaml");
    let (_, pattern) = &email_failure_filters(&template)[0];
    let matched = captured
        .lines()
        .iter()
        .filter(|l| json_pattern_matches(pattern, l))
        .count();
    assert_eq!(matched, 1, "{:#?}", captured.lines());
}
