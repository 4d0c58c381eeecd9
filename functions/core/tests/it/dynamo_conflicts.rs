//! A transaction that meets another on the same item (DynamoDB's `TransactionConflict`) is sent
//! again; one refused by a condition, or still conflicting after a few tries, is not. DynamoDB
//! Local never reports conflicts (it runs transactions one at a time), so the client talks to a
//! fake endpoint that answers `TransactWriteItems` as DynamoDB does: a scripted list of
//! `TransactionCanceledException`s, then success.

use safety_core::store::dynamo::{DynamoConfig, DynamoStore};
use safety_core::store::{Condition, Key, Store, StoreError, TxOp, Update};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const CONFLICT: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]","CancellationReasons":[{"Code":"None"},{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}]}"#;
const CONDITION: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, TransactionConflict]","CancellationReasons":[{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"},{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}]}"#;

/// Answers each `TransactWriteItems` with the next scripted error body (HTTP 400), then `{}`
/// (HTTP 200) once the script is used up; counts the requests.
async fn fake_dynamodb(script: Vec<&'static str>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    let script = Arc::new(script);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (requests, script) = (counted.clone(), script.clone());
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut reader = BufReader::new(read);
                loop {
                    let mut length = 0;
                    let mut target = String::new();
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let line = line.trim_end().to_ascii_lowercase();
                        if line.is_empty() {
                            break;
                        }
                        if let Some(v) = line.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap();
                        }
                        if let Some(v) = line.strip_prefix("x-amz-target:") {
                            target = v.trim().to_string();
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).await.unwrap();
                    assert_eq!(target, "dynamodb_20120810.transactwriteitems");
                    let n = requests.fetch_add(1, Ordering::SeqCst);
                    let (status, answer) = match script.get(n) {
                        Some(error) => ("400 Bad Request", *error),
                        None => ("200 OK", "{}"),
                    };
                    let response = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.0\r\nx-amzn-RequestId: test-{n}\r\nContent-Length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                    if write.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (endpoint, requests)
}

fn store(endpoint: String) -> DynamoStore {
    DynamoStore::from_env_config(DynamoConfig::local(endpoint, "conflicts")).unwrap()
}

/// A completion as the learning path writes it: the person's state and a shared counter.
fn completion() -> Vec<TxOp> {
    vec![
        TxOp::Put {
            item: Key::new("ORG#demo#PERSON#p1", "STATE#m1")
                .item(serde_json::json!({ "status": "completed" })),
            condition: Condition::Always,
        },
        TxOp::Update {
            key: Key::new("ORG#demo#AGG", "ITEM#m1#all"),
            update: Update::default().add("d#1#2026-11-23", 1),
            condition: Condition::Always,
        },
    ]
}

#[tokio::test]
async fn a_transaction_that_met_another_is_sent_again() {
    let (endpoint, requests) = fake_dynamodb(vec![CONFLICT, CONFLICT]).await;
    store(endpoint).transact(completion()).await.unwrap();
    assert_eq!(requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_transaction_that_keeps_meeting_others_gives_up_after_four_tries() {
    let (endpoint, requests) = fake_dynamodb(vec![CONFLICT; 10]).await;
    let err = store(endpoint).transact(completion()).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Unavailable(ref m) if m.contains("TransactionConflict")),
        "{err:?}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_transaction_refused_by_a_condition_is_not_sent_again() {
    let (endpoint, requests) = fake_dynamodb(vec![CONDITION]).await;
    let err = store(endpoint).transact(completion()).await.unwrap_err();
    assert!(
        matches!(err, StoreError::TransactionConditionFailed { ref failed } if failed == &[0]),
        "{err:?}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}
