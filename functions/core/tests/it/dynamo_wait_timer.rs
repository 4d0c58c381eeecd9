//! The store's own latency, as the function binaries log it (store::dynamo::waited, in their
//! "function ready" and "event handled" lines) and the cold-start bench takes out of a function's
//! time: every request's wait for DynamoDB's answer. Checked against DynamoDB Local behind a proxy
//! that holds each answer back for a known time.

use super::support::dynamodb_local::DynamoDbLocal;
use safety_core::store::dynamo::{DynamoConfig, DynamoStore, waited};
use safety_core::store::{Key, Store};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const HELD: Duration = Duration::from_millis(150);

/// Forwards every byte both ways; each chunk of an answer is held back for [`HELD`] first.
async fn slow_proxy(upstream: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = upstream.trim_start_matches("http://").to_string();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let server = TcpStream::connect(&upstream).await.unwrap();
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                });
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n) = server_read.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    tokio::time::sleep(HELD).await;
                    if client_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn each_wait_for_the_store_is_counted() {
    let local = DynamoDbLocal::start();
    let direct = super::support::dynamo_table(&local, "waits").await;
    let slow = DynamoStore::from_env_config(DynamoConfig::local(
        slow_proxy(local.endpoint.clone()).await,
        direct.table(),
    ))
    .unwrap();
    let key = Key::new("ORG#demo#PERSON#p1", "STATE#m1");

    for _ in 0..3 {
        let (before, started) = (waited(), Instant::now());
        assert_eq!(slow.get(&key).await.unwrap(), None);
        assert!(started.elapsed() >= HELD);
        // At least the time the answer was held back (other tests in this process only add).
        let counted = waited() - before;
        assert!(
            counted >= HELD,
            "counted {counted:?} for an answer held {HELD:?}"
        );
    }
}
