//! Secrets read at cold start from SSM Parameter Store through the AWS Parameters and Secrets
//! Lambda Extension, here a fake extension on a loopback port: the request the function makes
//! (path, query, token header), waiting while the extension is not ready, and failing clearly
//! when a parameter cannot be read (so the function refuses to start).

use safety_core::http_client::HttpClient;
use safety_core::secrets::{ParameterExtension, Secrets};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOKEN: &str = "session-token-of-the-function";

/// What the fake extension answers to each request, in turn (the last one repeats), and the
/// requests it saw (request line and headers).
struct FakeExtension {
    base_url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

async fn fake_extension(answers: Vec<(u16, String)>) -> FakeExtension {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut n = 0;
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (status, body) = answers[n.min(answers.len() - 1)].clone();
            n += 1;
            let mut buf = vec![0u8; 8192];
            let mut read = 0;
            // the request is a GET without a body: read up to the blank line
            while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf[read..]).await {
                    Ok(0) | Err(_) => break,
                    Ok(k) => read += k,
                }
            }
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..read]).to_string());
            let response = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    FakeExtension { base_url, seen }
}

fn parameter(value: &str) -> (u16, String) {
    (
        200,
        serde_json::json!({
            "Parameter": {
                "Name": "/safety-prod/app-secret",
                "Type": "SecureString",
                "Value": value,
                "Version": 1
            }
        })
        .to_string(),
    )
}

#[tokio::test]
async fn reads_a_secure_string_through_the_extension() {
    let fake = fake_extension(vec![parameter("the-secret-value-of-at-least-32-chars\n")]).await;
    let extension = ParameterExtension::new(HttpClient::new(), &fake.base_url, TOKEN);
    let value = extension.get("/safety-prod/app-secret").await.unwrap();
    assert_eq!(value, "the-secret-value-of-at-least-32-chars");
    let seen = fake.seen.lock().unwrap().join("\n");
    assert!(
        seen.starts_with(
            "GET /systemsmanager/parameters/get?name=%2Fsafety-prod%2Fapp-secret&withDecryption=true HTTP/1.1"
        ),
        "{seen}"
    );
    assert!(
        seen.to_ascii_lowercase()
            .contains(&format!("x-aws-parameters-secrets-token: {TOKEN}")),
        "{seen}"
    );
}

#[tokio::test]
async fn waits_while_the_extension_is_not_ready() {
    let fake = fake_extension(vec![
        (400, "not ready to serve traffic, please wait".into()),
        (400, "not ready to serve traffic, please wait".into()),
        parameter("ready-now"),
    ])
    .await;
    let extension = ParameterExtension::new(HttpClient::new(), &fake.base_url, TOKEN)
        .with_wait(Duration::from_secs(3));
    assert_eq!(extension.get("/p").await.unwrap(), "ready-now");
    assert_eq!(fake.seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_parameter_that_cannot_be_read_is_a_clear_error() {
    let fake = fake_extension(vec![(
        400,
        "ParameterNotFound: parameter /safety-prod/app-secret not found".into(),
    )])
    .await;
    let extension = ParameterExtension::new(HttpClient::new(), &fake.base_url, TOKEN)
        .with_wait(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let error = extension.get("/safety-prod/app-secret").await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "gave up in time"
    );
    assert!(
        error.contains("cannot read the SSM parameter `/safety-prod/app-secret`")
            && error.contains("400")
            && error.contains("ParameterNotFound"),
        "{error}"
    );

    // An answer without a value is refused at once.
    let fake = fake_extension(vec![(200, r#"{"Parameter": {"Name": "/p"}}"#.into())]).await;
    let extension = ParameterExtension::new(HttpClient::new(), &fake.base_url, TOKEN);
    let error = extension.get("/p").await.unwrap_err();
    assert!(error.contains("no Parameter.Value"), "{error}");
}

#[tokio::test]
async fn no_extension_listening_is_a_clear_error() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let extension = ParameterExtension::new(HttpClient::new(), &format!("http://{closed}"), TOKEN)
        .with_wait(Duration::from_millis(300));
    let error = extension
        .get("/safety-prod/session-keys")
        .await
        .unwrap_err();
    assert!(
        error.contains("`/safety-prod/session-keys`") && error.contains("could not be reached"),
        "{error}"
    );
}

#[tokio::test]
async fn the_named_variables_come_from_parameter_store_the_others_from_the_environment() {
    let fake = fake_extension(vec![parameter("from-parameter-store")]).await;
    let extension = ParameterExtension::new(HttpClient::new(), &fake.base_url, TOKEN);
    let secrets = Secrets::load_from(&extension, "APP_TEST_SECRET_FROM_SSM=/safety-prod/x")
        .await
        .unwrap();
    assert_eq!(
        secrets.var("APP_TEST_SECRET_FROM_SSM").as_deref(),
        Some("from-parameter-store")
    );
    assert!(secrets.from_parameter_store("APP_TEST_SECRET_FROM_SSM"));
    assert!(!secrets.from_parameter_store("PATH"));
    assert_eq!(secrets.var("PATH"), std::env::var("PATH").ok());

    // A bad list fails before asking anything.
    let error = Secrets::load_from(&extension, "APP_SECRET")
        .await
        .unwrap_err();
    assert!(error.contains("APP_SECRET_PARAMETERS"), "{error}");
    // A failed read names the variable too.
    let fake = fake_extension(vec![(403, "AccessDeniedException".into())]).await;
    let extension = ParameterExtension::new(HttpClient::new(), &fake.base_url, TOKEN)
        .with_wait(Duration::from_millis(200));
    let error = Secrets::load_from(&extension, "APP_SESSION_KEYS=/s/k")
        .await
        .unwrap_err();
    assert!(
        error.starts_with(
            "APP_SESSION_KEYS (from APP_SECRET_PARAMETERS): cannot read the SSM parameter `/s/k`"
        ) && error.contains("AccessDeniedException"),
        "{error}"
    );
}
