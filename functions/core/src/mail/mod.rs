//! Sending email behind one interface. Locally, [`OutboxMailer`] writes each message to a file in
//! an outbox folder (which the e2e tests and a newcomer read) and logs that it did. On AWS
//! [`SesMailer`](ses::SesMailer) sends it with Amazon SES. [`AnyMailer`] is whichever the
//! deployment is configured with.
//!
//! Email is not a secure channel: nothing sensitive (worry content) is ever put in a message.

pub mod ses;

use chrono::{SecondsFormat, Utc};
use std::future::Future;
use std::path::PathBuf;

/// One plain-text email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// A message's subject and text, before it is addressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    pub subject: String,
    pub text: String,
}

impl Content {
    pub fn to(self, to: impl Into<String>) -> Message {
        Message {
            to: to.into(),
            subject: self.subject,
            text: self.text,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailError {
    /// A header would contain a line break (header injection) or is empty.
    #[error("the {0} header is empty or has a line break")]
    InvalidHeader(&'static str),
    #[error("the message could not be written or sent: {0}")]
    Io(String),
    /// The mail service refused it (e.g. an unverified sender).
    #[error("the message was refused: {0}")]
    Rejected(String),
}

pub trait Mailer: Send + Sync {
    fn send(&self, msg: &Message) -> impl Future<Output = Result<(), MailError>> + Send;
}

pub(crate) fn check_header(name: &'static str, value: &str) -> Result<(), MailError> {
    if value.trim().is_empty() || value.chars().any(char::is_control) {
        return Err(MailError::InvalidHeader(name));
    }
    Ok(())
}

/// Writes messages as files `<dir>/<rfc3339 time>-<uuid>.txt`: `To:` and `Subject:` lines, a
/// blank line, then the text. Each file appears whole (written aside, then renamed).
#[derive(Clone, Debug)]
pub struct OutboxMailer {
    pub dir: PathBuf,
}

impl OutboxMailer {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        OutboxMailer { dir: dir.into() }
    }
}

impl Mailer for OutboxMailer {
    async fn send(&self, msg: &Message) -> Result<(), MailError> {
        check_header("To", &msg.to)?;
        check_header("Subject", &msg.subject)?;
        let io = |e: std::io::Error| MailError::Io(e.to_string());
        tokio::fs::create_dir_all(&self.dir).await.map_err(io)?;
        let name = format!(
            "{}-{}",
            Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            uuid::Uuid::new_v4()
        );
        let body = format!(
            "To: {}\nSubject: {}\n\n{}",
            msg.to.trim(),
            msg.subject.trim(),
            msg.text
        );
        let partial = self.dir.join(format!(".{name}.partial"));
        let path = self.dir.join(format!("{name}.txt"));
        tokio::fs::write(&partial, body).await.map_err(io)?;
        tokio::fs::rename(&partial, &path).await.map_err(io)?;
        tracing::info!(to = %msg.to, subject = %msg.subject, "email written to the outbox");
        Ok(())
    }
}

/// The mailer a deployment is configured with.
pub enum AnyMailer {
    Outbox(OutboxMailer),
    /// Boxed: it holds the HTTP client and credentials, the outbox only a path.
    Ses(Box<ses::SesMailer>),
}

impl Mailer for AnyMailer {
    async fn send(&self, msg: &Message) -> Result<(), MailError> {
        match self {
            AnyMailer::Outbox(m) => m.send(msg).await,
            AnyMailer::Ses(m) => m.send(msg).await,
        }
    }
}

/// The email with a sign-in link: plain, says it works once and expires, and what to do if it
/// was not asked for.
pub fn sign_in_message(org_name: &str, link: &str, minutes: i64) -> Content {
    // An organisation name is configuration, but a subject must stay one line whatever it holds.
    let org_name: String = org_name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let org_name = org_name.trim();
    Content {
        subject: format!("Your sign-in link for {org_name}"),
        text: format!(
            "Hello,\n\
             \n\
             Someone asked to sign in to {org_name}'s online safety platform with this email address.\n\
             \n\
             To sign in, open this link:\n\
             \n\
             {link}\n\
             \n\
             The link works once, and only for the next {minutes} minutes. If it has expired, ask for a new one on the sign-in page.\n\
             \n\
             If you did not ask to sign in, you can ignore this email. Nobody can sign in without the link, and nothing has been changed.\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisations_links_use_its_own_address_and_on_a_local_run_the_local_port() {
        let of =
            |own: Option<&str>, deployment: &str| Links::of_organisation(own, deployment).base_url;
        assert_eq!(
            of(None, "https://safety.example.org/"),
            "https://safety.example.org"
        );
        assert_eq!(
            of(
                Some("https://school.example.org"),
                "https://safety.example.org"
            ),
            "https://school.example.org"
        );
        // A local run: its own *.localhost name at the local server's port.
        assert_eq!(
            of(Some("https://org-b.localhost"), "http://localhost:3000"),
            "http://org-b.localhost:3000"
        );
        assert_eq!(
            of(Some("https://org-b.localhost"), "http://127.0.0.1:41234/"),
            "http://org-b.localhost:41234"
        );
        // Never a real name, and never on a deployment that is not a local one.
        assert_eq!(
            of(Some("https://school.example.org"), "http://localhost:3000"),
            "https://school.example.org"
        );
        assert_eq!(
            of(
                Some("https://org-b.localhost"),
                "https://safety.example.org"
            ),
            "https://org-b.localhost"
        );
        assert_eq!(
            of(Some("https://org-b.localhost"), "http://example.org:8080"),
            "https://org-b.localhost"
        );
        assert_eq!(
            of(Some("https://org-b.localhost"), "http://localhost"),
            "https://org-b.localhost"
        );
    }

    #[tokio::test]
    async fn the_outbox_holds_one_whole_file_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = OutboxMailer::new(dir.path().join("outbox"));
        let msg =
            sign_in_message("Demo College", "https://example.test/s/abc", 15).to("ada@example.org");
        mailer.send(&msg).await.unwrap();
        mailer.send(&msg).await.unwrap();
        let mut files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert_eq!(files.len(), 2, "{files:?}");
        let name = files[0].file_name().unwrap().to_str().unwrap().to_string();
        assert!(name.ends_with(".txt"), "{name}");
        assert!(
            chrono::DateTime::parse_from_rfc3339(&name[..24]).is_ok(),
            "{name}"
        );
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.starts_with(
            "To: ada@example.org\nSubject: Your sign-in link for Demo College\n\nHello,"
        ));
        assert!(text.contains("\nhttps://example.test/s/abc\n"));
    }

    #[test]
    fn the_sign_in_message_says_once_expiry_and_ignore() {
        let c = sign_in_message("Demo\nCollege", "https://x.test/l", 15);
        assert_eq!(c.subject, "Your sign-in link for Demo College");
        assert!(c.text.contains("works once"));
        assert!(c.text.contains("next 15 minutes"));
        assert!(
            c.text
                .contains("If you did not ask to sign in, you can ignore this email")
        );
    }

    #[tokio::test]
    async fn header_injection_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = OutboxMailer::new(dir.path());
        let msg = Message {
            to: "a@example.org\nBcc: b@example.org".into(),
            subject: "x".into(),
            text: "y".into(),
        };
        assert_eq!(mailer.send(&msg).await, Err(MailError::InvalidHeader("To")));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

/// Where the links in emails point: the public address of the site.
#[derive(Clone, Debug)]
pub struct Links {
    pub base_url: String,
}

impl Links {
    /// Where an organisation's emails link to: its own address (`https://<its first host>`),
    /// else the deployment's. On a local run (the deployment at `http://` on a loopback name
    /// with a port) an organisation's own `*.localhost` name is reached the same way, e.g.
    /// `http://org-b.localhost:3000`: `*.localhost` is always this machine (RFC 6761), so no
    /// real organisation's address is ever rewritten.
    pub fn of_organisation(own: Option<&str>, deployment: &str) -> Links {
        let deployment = deployment.trim_end_matches('/');
        let Some(own) = own else {
            return Links {
                base_url: deployment.to_string(),
            };
        };
        let own = own.trim_end_matches('/');
        let local_port = deployment.strip_prefix("http://").and_then(|authority| {
            let (name, port) = authority.rsplit_once(':')?;
            let loopback =
                name == "localhost" || name == "127.0.0.1" || name.ends_with(".localhost");
            (loopback && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
                .then_some(port)
        });
        let base_url = match (own.strip_prefix("https://"), local_port) {
            (Some(name), Some(port)) if name.ends_with(".localhost") && !name.contains(':') => {
                format!("http://{name}:{port}")
            }
            _ => own.to_string(),
        };
        Links { base_url }
    }

    /// The emailed sign-in link for this token.
    pub fn sign_in(&self, token: &str) -> String {
        format!(
            "{}/sign-in/link?token={token}",
            self.base_url.trim_end_matches('/')
        )
    }
    pub(crate) fn worry(&self, id: &str) -> String {
        format!("{}/worries/{id}", self.base_url.trim_end_matches('/'))
    }
    pub(crate) fn own_worry(&self, id: &str) -> String {
        format!("{}/me/worries/{id}", self.base_url.trim_end_matches('/'))
    }
    pub(crate) fn inbox(&self) -> String {
        format!("{}/worries", self.base_url.trim_end_matches('/'))
    }
    pub(crate) fn role_changes(&self) -> String {
        format!("{}/safeguarding-roles", self.base_url.trim_end_matches('/'))
    }
    pub(crate) fn low_level_concerns(&self) -> String {
        format!("{}/low-level-concerns", self.base_url.trim_end_matches('/'))
    }
}

/// Back-off before the next attempt after `attempts` failures: 30 s, 1, 2, 4, 8 minutes...,
/// at most an hour.
pub fn retry_delay(attempts: u32) -> chrono::Duration {
    let secs = 30i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(10));
    chrono::Duration::seconds(secs.min(3600))
}

/// The mailer of a function that sends email: files in `APP_OUTBOX_DIR` (trying it out), else SES
/// as `APP_MAIL_FROM`; `what` names the emails in the error when neither is set.
pub fn from_env(what: &str) -> Result<AnyMailer, String> {
    use crate::env::var;
    use ses::{SesConfig, SesMailer};
    match (var("APP_OUTBOX_DIR"), var("APP_MAIL_FROM")) {
        (Some(dir), _) => Ok(AnyMailer::Outbox(OutboxMailer::new(dir))),
        (None, Some(from)) => Ok(AnyMailer::Ses(Box::new(SesMailer::new(
            SesConfig::from_env(from)?,
            crate::http_client::HttpClient::new(),
        )))),
        (None, None) => Err(format!(
            "APP_MAIL_FROM must be set (the SES sender of the {what})"
        )),
    }
}
