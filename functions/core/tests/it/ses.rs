//! The SES mailer against a local HTTP endpoint standing in for SES: the request must be the
//! SES v2 `SendEmail` call, signed with SigV4 for the `ses` service and the region, with the
//! session token when there is one; a refusal from SES is an error, not a silent success.
//! (Real SES is not reachable from the tests; the deploy guide's first sign-in checks it.)

use safety_core::http_client::HttpClient;
use safety_core::mail::ses::{SesConfig, SesMailer};
use safety_core::mail::{MailError, Mailer, Message};
use std::sync::mpsc;

/// Answers one request with `status` and `body`; sends the raw request it read to the channel.
fn one_shot_server(status: u16, body: &'static str) -> (String, mpsc::Receiver<String>) {
    test_support::one_shot_http::serve(status, "", body)
}

fn mailer(endpoint: String, session_token: Option<&str>) -> SesMailer {
    SesMailer::new(
        SesConfig {
            region: "eu-west-2".into(),
            from: "Online safety <noreply@college.example>".into(),
            endpoint: Some(endpoint),
            access_key_id: "AKIDTESTKEY".into(),
            secret_access_key: "test-secret-access-key".into(),
            session_token: session_token.map(Into::into),
        },
        HttpClient::new(),
    )
}

fn message() -> Message {
    Message {
        to: "learner@college.example".into(),
        subject: "Your sign-in link".into(),
        text: "Open this link: https://x.test/l\nIt works once.".into(),
    }
}

#[tokio::test]
async fn a_message_is_a_signed_ses_v2_send_email_call() {
    let (endpoint, seen) = one_shot_server(200, r#"{"MessageId":"m-1"}"#);
    mailer(endpoint, Some("session-token-123"))
        .send(&message())
        .await
        .unwrap();
    let raw = seen.recv().unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let head_lower = head.to_ascii_lowercase();
    assert!(
        head.starts_with("POST /v2/email/outbound-emails HTTP/1.1"),
        "{head}"
    );
    let auth = head_lower
        .lines()
        .find_map(|l| l.strip_prefix("authorization: "))
        .expect("an Authorization header");
    let today = chrono::Utc::now().format("%Y%m%d").to_string();
    assert!(
        auth.starts_with(&format!(
            "aws4-hmac-sha256 credential=akidtestkey/{today}/eu-west-2/ses/aws4_request"
        )),
        "{auth}"
    );
    assert!(
        auth.contains("signedheaders=") && auth.contains("host"),
        "{auth}"
    );
    let signature = auth.rsplit("signature=").next().unwrap();
    assert_eq!(signature.len(), 64, "{auth}");
    assert!(head_lower.contains("\r\nx-amz-date: "));
    assert!(head_lower.contains("\r\nx-amz-security-token: session-token-123"));
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        json["FromEmailAddress"],
        "Online safety <noreply@college.example>"
    );
    assert_eq!(
        json["Destination"]["ToAddresses"][0],
        "learner@college.example"
    );
    assert_eq!(
        json["Content"]["Simple"]["Subject"]["Data"],
        "Your sign-in link"
    );
    assert_eq!(
        json["Content"]["Simple"]["Body"]["Text"]["Data"],
        "Open this link: https://x.test/l\nIt works once."
    );
}

#[tokio::test]
async fn a_refusal_from_ses_is_an_error() {
    let (endpoint, _seen) = one_shot_server(
        400,
        r#"{"message":"Email address is not verified. The following identities failed the check"}"#,
    );
    let err = mailer(endpoint, None).send(&message()).await.unwrap_err();
    assert!(
        matches!(&err, MailError::Rejected(why) if why.contains("not verified")),
        "{err:?}"
    );
}

#[tokio::test]
async fn header_injection_is_refused_before_any_call() {
    // Nothing listens here: a call would fail differently.
    let m = mailer("http://127.0.0.1:9".into(), None);
    let mut bad = message();
    bad.to = "a@college.example\r\nBcc: b@college.example".into();
    assert_eq!(m.send(&bad).await, Err(MailError::InvalidHeader("To")));
    let unreachable = m.send(&message()).await.unwrap_err();
    assert!(matches!(unreachable, MailError::Io(_)), "{unreachable:?}");
}
