//! `dev-oidc-provider`: runs the development OpenID Connect provider until Ctrl-C.
//!
//! Configuration, all optional, from the environment:
//! - `OIDC_BIND` (default `127.0.0.1:3001`)
//! - `OIDC_CLIENT_ID` (default `demo-web`), `OIDC_CLIENT_SECRET` (default `demo-web-secret`)
//! - `OIDC_REDIRECT_URIS`, comma-separated (default `http://127.0.0.1:3000/sign-in/sso/demo/callback`)
//! - `OIDC_USERS_CSV`: a CSV file whose header has `email` and `name` columns; only those people may
//!   sign in. Without it, any syntactically valid email may.

use std::process::ExitCode;

use dev_oidc_provider::{Client, ProviderConfig, RunningProvider};
use tracing_subscriber::EnvFilter;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dev-oidc-provider: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let bind = env_or("OIDC_BIND", "127.0.0.1:3001");
    let redirect_uris: Vec<String> = env_or(
        "OIDC_REDIRECT_URIS",
        "http://127.0.0.1:3000/sign-in/sso/demo/callback",
    )
    .split(',')
    .map(str::trim)
    .filter(|u| !u.is_empty())
    .map(str::to_owned)
    .collect();
    let client = Client {
        id: env_or("OIDC_CLIENT_ID", "demo-web"),
        secret: env_or("OIDC_CLIENT_SECRET", "demo-web-secret"),
        redirect_uris,
    };
    let users = match std::env::var("OIDC_USERS_CSV")
        .ok()
        .filter(|p| !p.is_empty())
    {
        None => Vec::new(),
        Some(path) => {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
            let users = parse_users_csv(&text).map_err(|e| format!("{path}: {e}"))?;
            tracing::info!(%path, count = users.len(), "users loaded");
            users
        }
    };

    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    tracing::info!(client_id = %client.id, redirect_uris = ?client.redirect_uris, "client registered");
    let provider = RunningProvider::start(
        listener,
        ProviderConfig {
            clients: vec![client],
            users,
        },
    )
    .await;
    println!("dev OIDC provider: issuer {}", provider.issuer);
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
    tracing::info!("Ctrl-C: stopping");
    provider.stop();
    Ok(())
}

/// Reads (email, name) pairs from CSV text with a header row naming `email` and `name` columns.
/// Other columns are ignored; blank lines are skipped. Quoted fields (with `""` for a quote) are
/// understood, but a field may not span lines.
fn parse_users_csv(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty());
    let (_, header) = lines.next().ok_or("the file is empty")?;
    let header = split_csv_line(header).map_err(|e| format!("line 1: {e}"))?;
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or(format!("the header has no {name} column"))
    };
    let (email_at, name_at) = (column("email")?, column("name")?);
    let mut users = Vec::new();
    for (index, line) in lines {
        let number = index + 1;
        let fields = split_csv_line(line).map_err(|e| format!("line {number}: {e}"))?;
        let field = |at: usize| fields.get(at).map(|f| f.trim()).unwrap_or_default();
        let (email, name) = (field(email_at), field(name_at));
        if email.is_empty() {
            return Err(format!("line {number}: no email"));
        }
        users.push((email.to_owned(), name.to_owned()));
    }
    Ok(users)
}

/// Splits one CSV line into fields (RFC 4180 quoting, no multi-line fields).
fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => {
                quoted = false;
                if chars.peek().is_some_and(|&next| next != ',') {
                    return Err("text after a closing quote".into());
                }
            }
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (false, '"') => return Err("a quote inside an unquoted field".into()),
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed (fields may not span lines)".into());
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_email_and_name_columns() {
        let csv = "email,name,roles,groups\n\
                   learner@example.org,Alex Rivers,learner,Sept 2026 intake\n\
                   \n\
                   parent@example.org,Jo Rivers,parent,\n";
        assert_eq!(
            parse_users_csv(csv).unwrap(),
            vec![
                ("learner@example.org".into(), "Alex Rivers".into()),
                ("parent@example.org".into(), "Jo Rivers".into()),
            ]
        );
    }

    #[test]
    fn understands_quoted_fields() {
        let csv = "name,email\n\"Rivers, Alex \"\"Al\"\"\",al@example.org\n";
        assert_eq!(
            parse_users_csv(csv).unwrap(),
            vec![("al@example.org".into(), "Rivers, Alex \"Al\"".into())]
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(parse_users_csv("").is_err());
        assert!(parse_users_csv("email,roles\na@example.org,x\n").is_err());
        assert!(parse_users_csv("email,name\n\"a@example.org,Al\n").is_err());
        assert!(parse_users_csv("email,name\na\"b@example.org,Al\n").is_err());
        assert!(parse_users_csv("email,name\n,Al\n").is_err());
    }

    #[test]
    fn reads_the_demo_people_file() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../content/organisations/demo-people.csv"
        );
        // The file belongs to another part of the repository; only check it when it is there.
        if let Ok(text) = std::fs::read_to_string(path) {
            let users = parse_users_csv(&text).unwrap();
            assert!(!users.is_empty());
            assert!(users.iter().all(|(email, _)| email.contains('@')));
        }
    }
}
