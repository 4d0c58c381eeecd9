//! Sending email with Amazon SES (the v2 `SendEmail` API), the mailer on AWS. Called over HTTPS
//! with a SigV4 signature made here, so no SES SDK (and its compile time and cold start) is
//! needed. Credentials are the function's own, from the Lambda environment.

use super::{MailError, Mailer, Message, check_header};
use crate::http_client::HttpClient;
use bytes::Bytes;
use http_body_util::Full;
use serde_json::{Value, json};

/// The message of the one log line every failed send writes (with `reason`, and `status` when
/// SES answered). infra/template.yaml's `EmailSendFailed*` metric filters match it in the
/// functions' JSON logs (`{ $.fields.message = "..." }`) and `EmailSendFailedAlarm` fires on
/// it; functions/web/tests/it/email_alarm.rs checks that the filter matches the line written.
pub const EMAIL_SEND_FAILED_LOG: &str = "email send failed";

/// Why SES refused, from its JSON error body: `Message` (what SES v2 and SES-compatible
/// services send, with the error's kind in `__type` or the `x-amzn-ErrorType` header) or
/// `message` (some services and older APIs).
fn refusal_reason(body: &Value) -> String {
    let message = ["Message", "message"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_str))
        .map(str::trim)
        .filter(|m| !m.is_empty());
    let kind = body
        .get("__type")
        .and_then(Value::as_str)
        // `Code`, `namespace#Code` or `namespace#Code:url` (the AWS JSON protocols' forms).
        .map(|t| t.split(':').next().unwrap_or(t))
        .map(|t| t.rsplit('#').next().unwrap_or(t))
        .filter(|t| !t.is_empty());
    match (kind, message) {
        (Some(kind), Some(message)) => format!("{kind}: {message}"),
        (None, Some(message)) => message.to_string(),
        (Some(kind), None) => kind.to_string(),
        (None, None) => "no reason given".to_string(),
    }
}

/// Where and as whom SES sends.
#[derive(Clone, Debug)]
pub struct SesConfig {
    pub region: String,
    /// A verified SES identity (address or domain), e.g. `Online safety <noreply@college.ac.uk>`.
    pub from: String,
    /// Endpoint override (tests); default `https://email.<region>.amazonaws.com`.
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl SesConfig {
    /// SES in `APP_SES_REGION` (default `AWS_REGION`, then `eu-west-2`), at `APP_SES_ENDPOINT`
    /// if set, sending as `from` (`APP_MAIL_FROM`) with the function's credentials.
    pub fn from_env(from: String) -> Result<SesConfig, String> {
        use crate::env::var;
        let (Some(access_key_id), Some(secret_access_key)) =
            (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(
                "APP_MAIL_FROM is set (send with SES) but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not"
                    .into(),
            );
        };
        Ok(SesConfig {
            region: var("APP_SES_REGION")
                .or_else(|| var("AWS_REGION"))
                .unwrap_or_else(|| "eu-west-2".into()),
            from,
            endpoint: var("APP_SES_ENDPOINT"),
            access_key_id,
            secret_access_key,
            session_token: var("AWS_SESSION_TOKEN"),
        })
    }
}

pub struct SesMailer {
    config: SesConfig,
    http: HttpClient,
}

impl SesMailer {
    pub fn new(config: SesConfig, http: HttpClient) -> SesMailer {
        SesMailer { config, http }
    }

    fn url(&self) -> String {
        let base = self
            .config
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("https://email.{}.amazonaws.com", self.config.region));
        format!("{}/v2/email/outbound-emails", base.trim_end_matches('/'))
    }
}

impl Mailer for SesMailer {
    /// Sends with SES. Any failure (refused, unreachable, a bad header) writes one
    /// [`EMAIL_SEND_FAILED_LOG`] error line with the reason, whatever the caller does next.
    async fn send(&self, msg: &Message) -> Result<(), MailError> {
        let result = self.try_send(msg).await;
        if let Err(e) = &result {
            tracing::error!(reason = %e, "{}", EMAIL_SEND_FAILED_LOG);
        }
        result
    }
}

impl SesMailer {
    async fn try_send(&self, msg: &Message) -> Result<(), MailError> {
        check_header("To", &msg.to)?;
        check_header("Subject", &msg.subject)?;
        let body = json!({
            "FromEmailAddress": self.config.from,
            "Destination": { "ToAddresses": [msg.to.trim()] },
            "Content": { "Simple": {
                "Subject": { "Data": msg.subject.trim(), "Charset": "UTF-8" },
                "Body": { "Text": { "Data": msg.text, "Charset": "UTF-8" } },
            }},
        })
        .to_string();
        let url = self.url();
        let mut request = http::Request::post(&url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body.clone())))
            .map_err(|e| MailError::Io(e.to_string()))?;
        self.sign(&mut request, body.as_bytes())?;
        let response = self
            .http
            .send(&url, Ok(request))
            .await
            .map_err(|e| MailError::Io(e.to_string()))?;
        if response.status != 200 {
            // SES explains itself (e.g. an unverified sender); the content is never logged.
            return Err(MailError::Rejected(format!(
                "SES answered {}: {}",
                response.status,
                refusal_reason(&response.body)
            )));
        }
        tracing::info!(
            message_id = response
                .body
                .get("MessageId")
                .and_then(|m| m.as_str())
                .unwrap_or(""),
            "email sent with SES"
        );
        Ok(())
    }

    fn sign(&self, request: &mut http::Request<Full<Bytes>>, body: &[u8]) -> Result<(), MailError> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        let identity = aws_credential_types::Credentials::new(
            &self.config.access_key_id,
            &self.config.secret_access_key,
            self.config.session_token.clone(),
            None,
            "environment",
        )
        .into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.config.region)
            .name("ses")
            .time(std::time::SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| MailError::Io(e.to_string()))?
            .into();
        let headers = request
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)));
        let uri = request.uri().to_string();
        let signable = SignableRequest::new(
            request.method().as_str(),
            &uri,
            headers,
            SignableBody::Bytes(body),
        )
        .map_err(|e| MailError::Io(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| MailError::Io(e.to_string()))?
            .into_parts();
        instructions.apply_to_request_http1x(request);
        Ok(())
    }
}
