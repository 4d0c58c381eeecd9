//! The stores a benchmark example measures: the embedded store in a temporary folder, and
//! DynamoDB (Local) when `DYNAMODB_ENDPOINT` is set, each with a fresh table named after `what`.

use safety_core::store::AnyStore;
use safety_core::store::dynamo::{DynamoConfig, DynamoStore};
use safety_core::store::embedded::EmbeddedStore;

/// Runs `measure` on each store in turn, with the store's name.
pub async fn on_each_store<F, Fut>(what: &str, measure: F)
where
    F: Fn(&'static str, AnyStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = std::env::temp_dir().join(format!("{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let embedded = EmbeddedStore::open(&dir.join("figures.redb")).expect("the embedded store");
    measure("embedded", AnyStore::Embedded(embedded)).await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") {
        let store = DynamoStore::from_env_config(DynamoConfig::local(
            endpoint,
            format!("{what}-{}", std::process::id()),
        ))
        .expect("a DynamoDB client");
        store.create_table().await.expect("the table");
        measure("DynamoDB", AnyStore::Dynamo(store)).await;
    }
}
