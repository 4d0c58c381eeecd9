//! What the functions' integration tests share (a dev-dependency only):
//! * [`dynamodb_local`]: a real DynamoDB Local on a free port, for one test;
//! * [`lambda_runtime`]: a fake Lambda Runtime API that hands a function binary events and
//!   records its answers, the conversation the Lambda service has with it;
//! * [`function`]: a function binary started as a child process with exactly the environment
//!   given, its logs kept for failure messages. `<NAME>_TEST_BINARY` replaces the binary (e.g.
//!   the aarch64 Lambda build under qemu: scripts/check-lambda-build.sh);
//! * [`one_shot_http`]: a stand-in for an HTTP service (SES) that answers one request.

pub mod dynamodb_local;
pub mod function;
pub mod lambda_runtime;
pub mod one_shot_http;

/// How long a test waits for a process to start, answer or exit.
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The emails an outbox mailer (`APP_OUTBOX_DIR`) wrote to `dir`, each as its text file reads
/// (`To: ...` first), sorted; none if the folder does not exist yet.
pub fn outbox_emails(dir: &std::path::Path) -> Vec<String> {
    let mut emails: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("an outbox entry").path())
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .map(|p| std::fs::read_to_string(p).expect("an outbox email"))
                .collect()
        })
        .unwrap_or_default();
    emails.sort();
    emails
}

/// The configuration the `notify` and `reminders` binaries read (the same variables): the
/// `table` on the DynamoDB Local at `dynamodb`, the demo organisation, links to
/// https://safety.example.org, emails to the `outbox` folder, JSON logs.
pub fn delivery_env(
    table: &str,
    dynamodb: &str,
    outbox: &std::path::Path,
) -> Vec<(&'static str, String)> {
    vec![
        ("APP_TABLE_NAME", table.to_string()),
        ("APP_DYNAMODB_ENDPOINT", dynamodb.to_string()),
        ("APP_ORG", "demo".into()),
        ("APP_BASE_URL", "https://safety.example.org".into()),
        ("APP_OUTBOX_DIR", outbox.display().to_string()),
        ("APP_LOG", "json".into()),
    ]
}
