//! A write whose answer is lost on the way back (a timeout, a dropped connection) is sent again by
//! the client, but DynamoDB already applied the first one. The second must not turn a write that
//! happened into a refusal: under load this showed as a false "someone else changed this" (409)
//! on the quiz page, whose conditional write had in fact gone through.
//!
//! The client talks to real DynamoDB Local through a proxy that forwards every request and
//! answer, except that it drops the answer to the first few requests of one kind after DynamoDB
//! Local has applied them (the connection closes, as a timed-out or reset one does).

use super::support::dynamodb_local::DynamoDbLocal;
use safety_core::store::dynamo::{DynamoConfig, DynamoStore};
use safety_core::store::{Condition, Key, Store, StoreError, TxOp, Update};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One HTTP/1.1 message: its head (start line and headers, as sent) and body.
struct Message {
    head: String,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// Reads one message with a Content-Length body; None when the peer closed the connection.
async fn read_message<R: tokio::io::AsyncBufRead + Unpin>(reader: &mut R) -> Option<Message> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let mut message = Message {
        head,
        body: Vec::new(),
    };
    assert!(
        message.header("transfer-encoding").is_none(),
        "the proxy reads Content-Length bodies only"
    );
    let length: usize = message
        .header("content-length")
        .map_or(0, |v| v.parse().unwrap());
    message.body = vec![0; length];
    reader.read_exact(&mut message.body).await.ok()?;
    Some(message)
}

/// A proxy to `upstream` that drops the answer to the first `drops` requests whose
/// `X-Amz-Target` ends with `target`, after `upstream` answered them. Returns its endpoint and
/// the number of `target` requests it saw.
async fn lossy_proxy(
    upstream: String,
    target: &'static str,
    drops: usize,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.trim_start_matches("http://").to_string();
    let seen = Arc::new(AtomicUsize::new(0));
    let counted = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let (seen, upstream) = (counted.clone(), upstream.clone());
            tokio::spawn(async move {
                let (read, mut write) = client.into_split();
                let mut from_client = BufReader::new(read);
                let server = TcpStream::connect(&upstream).await.unwrap();
                let (server_read, mut to_server) = server.into_split();
                let mut from_server = BufReader::new(server_read);
                while let Some(request) = read_message(&mut from_client).await {
                    to_server.write_all(request.head.as_bytes()).await.unwrap();
                    to_server.write_all(&request.body).await.unwrap();
                    let answer = read_message(&mut from_server).await.unwrap();
                    let is_target = request
                        .header("x-amz-target")
                        .is_some_and(|t| t.ends_with(target));
                    if is_target && seen.fetch_add(1, Ordering::SeqCst) < drops {
                        // Applied upstream; the answer never arrives.
                        return;
                    }
                    write.write_all(answer.head.as_bytes()).await.unwrap();
                    write.write_all(&answer.body).await.unwrap();
                }
            });
        }
    });
    (endpoint, seen)
}

/// A table on `local`, and a client that reaches it through a proxy losing `drops` answers to
/// `target` requests.
async fn through_proxy(
    local: &DynamoDbLocal,
    target: &'static str,
    drops: usize,
) -> (DynamoStore, DynamoStore, Arc<AtomicUsize>) {
    let direct = super::support::dynamo_table(local, "lost").await;
    let (endpoint, seen) = lossy_proxy(local.endpoint.clone(), target, drops).await;
    let proxied =
        DynamoStore::from_env_config(DynamoConfig::local(endpoint, direct.table())).unwrap();
    (direct, proxied, seen)
}

fn state_key() -> Key {
    Key::new("ORG#demo#PERSON#p1", "STATE#m1")
}

fn state(version: i64) -> safety_core::store::Item {
    state_key().item(json!({ "version": version, "attempt": format!("a{version}") }))
}

#[tokio::test]
async fn a_conditional_put_whose_answer_was_lost_is_not_refused() {
    let local = DynamoDbLocal::start();
    let (direct, proxied, seen) = through_proxy(&local, "PutItem", 1).await;
    direct.put(state(1), Condition::NotExists).await.unwrap();

    // Optimistic locking, as the learning state is written: version 1 becomes version 2.
    proxied
        .put(state(2), Condition::Equals("version".into(), json!(1)))
        .await
        .expect("the write went through, so it is not refused");
    assert_eq!(seen.load(Ordering::SeqCst), 2, "sent, lost, sent again");
    assert_eq!(direct.get(&state_key()).await.unwrap(), Some(state(2)));

    // A real refusal is still one: a stale version, with the answer lost and the request sent
    // again, changes nothing and is refused.
    let (endpoint, _) = lossy_proxy(local.endpoint.clone(), "PutItem", 1).await;
    let proxied =
        DynamoStore::from_env_config(DynamoConfig::local(endpoint, direct.table())).unwrap();
    let err = proxied
        .put(state(3), Condition::Equals("version".into(), json!(1)))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed), "{err:?}");
    assert_eq!(direct.get(&state_key()).await.unwrap(), Some(state(2)));
}

#[tokio::test]
async fn a_create_once_put_whose_answer_was_lost_is_not_refused() {
    let local = DynamoDbLocal::start();
    let (direct, proxied, seen) = through_proxy(&local, "PutItem", 1).await;
    proxied
        .put(state(1), Condition::NotExists)
        .await
        .expect("created once, answer lost: still created");
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    // Someone else's item under the same key is a refusal, answer lost or not.
    let (endpoint, _) = lossy_proxy(local.endpoint.clone(), "PutItem", 1).await;
    let proxied =
        DynamoStore::from_env_config(DynamoConfig::local(endpoint, direct.table())).unwrap();
    let err = proxied
        .put(state(9), Condition::NotExists)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed), "{err:?}");
    assert_eq!(direct.get(&state_key()).await.unwrap(), Some(state(1)));
}

#[tokio::test]
async fn a_transaction_whose_answer_was_lost_is_applied_once() {
    let local = DynamoDbLocal::start();
    let (direct, proxied, seen) = through_proxy(&local, "TransactWriteItems", 1).await;
    let counter = Key::new("ORG#demo#AGG", "ITEM#m1#all");
    let completion = || {
        vec![
            TxOp::Put {
                item: state(1),
                condition: Condition::NotExists,
            },
            TxOp::Update {
                key: counter.clone(),
                update: Update::default().add("done", 1),
                condition: Condition::Always,
            },
        ]
    };
    proxied
        .transact(completion())
        .await
        .expect("applied once, answer lost: not refused");
    assert_eq!(seen.load(Ordering::SeqCst), 2, "sent, lost, sent again");
    let counted = direct.get(&counter).await.unwrap().unwrap();
    assert_eq!(counted["done"], json!(1), "counted once: {counted:?}");

    // A second, separate completion of the same thing is still refused by its condition.
    let err = direct.transact(completion()).await.unwrap_err();
    assert!(
        matches!(err, StoreError::TransactionConditionFailed { ref failed } if failed == &[0]),
        "{err:?}"
    );
    let counted = direct.get(&counter).await.unwrap().unwrap();
    assert_eq!(counted["done"], json!(1));
}

#[tokio::test]
async fn a_conditional_delete_whose_answer_was_lost_is_not_refused() {
    let local = DynamoDbLocal::start();
    let (direct, proxied, seen) = through_proxy(&local, "DeleteItem", 1).await;
    direct.put(state(1), Condition::NotExists).await.unwrap();
    proxied
        .delete(&state_key(), Condition::Equals("version".into(), json!(1)))
        .await
        .expect("deleted, answer lost: still deleted");
    assert_eq!(seen.load(Ordering::SeqCst), 2, "sent, lost, sent again");
    assert_eq!(direct.get(&state_key()).await.unwrap(), None);
    // A stale version with an item still there is refused and deletes nothing.
    direct.put(state(2), Condition::NotExists).await.unwrap();
    let (endpoint, _) = lossy_proxy(local.endpoint.clone(), "DeleteItem", 1).await;
    let proxied =
        DynamoStore::from_env_config(DynamoConfig::local(endpoint, direct.table())).unwrap();
    let err = proxied
        .delete(&state_key(), Condition::Equals("version".into(), json!(1)))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed), "{err:?}");
    assert_eq!(direct.get(&state_key()).await.unwrap(), Some(state(2)));
}
