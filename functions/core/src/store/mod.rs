//! The storage layer: one narrow interface over a single-table key/value model, with two backends.
//!
//! * [`embedded::EmbeddedStore`]: a file on disk (redb), the default for the local run.
//! * [`dynamo::DynamoStore`]: DynamoDB, the production store (and DynamoDB Local in tests).
//!
//! Both pass the same conformance suite (`functions/core/tests/store_conformance.rs`).
//! The interface follows DynamoDB's model so that nothing the domain writes is impossible there:
//! items are maps of attributes, addressed by a partition key (`pk`) and a sort key (`sk`), with
//! one global secondary index (`gsi1pk`/`gsi1sk`), conditional writes, and all-or-nothing
//! transactions. There is deliberately no scan.

pub mod dynamo;
pub mod embedded;

use serde_json::Value;
use std::future::Future;

/// An item: attribute name to value. Strings map to DynamoDB `S`, numbers to `N`, booleans to
/// `BOOL`, null to `NULL`, arrays to `L` and objects to `M`.
pub type Item = serde_json::Map<String, Value>;

/// Table layout. The infrastructure template must agree with these names (checked by a test).
pub mod layout {
    /// Partition key attribute of the table.
    pub const PK: &str = "pk";
    /// Sort key attribute of the table.
    pub const SK: &str = "sk";
    /// The one global secondary index.
    pub const GSI1: &str = "gsi1";
    pub const GSI1_PK: &str = "gsi1pk";
    pub const GSI1_SK: &str = "gsi1sk";
    /// Epoch seconds after which DynamoDB may delete the item (the table's TTL attribute).
    pub const TTL: &str = "expires_at";
    /// DynamoDB's hard limit on the size of one item.
    pub const MAX_ITEM_BYTES: usize = 400 * 1024;
    /// DynamoDB's limit on the number of operations in one transaction.
    pub const MAX_TRANSACTION_OPS: usize = 100;
}

/// The primary key of an item.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Key {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// Reads the key attributes of an item.
    pub fn of(item: &Item) -> Result<Key, StoreError> {
        let get = |name: &str| match item.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(_) => Err(StoreError::InvalidItem(format!(
                "key attribute `{name}` must be a non-empty string"
            ))),
            None => Err(StoreError::InvalidItem(format!(
                "key attribute `{name}` is missing"
            ))),
        };
        Ok(Key {
            pk: get(layout::PK)?,
            sk: get(layout::SK)?,
        })
    }
}

/// A condition a write must meet, checked atomically with the write.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// No condition.
    Always,
    /// The item must not exist yet (create-once, idempotency records).
    NotExists,
    /// The item must exist.
    Exists,
    /// The item must exist and the attribute must equal the value (optimistic locking on a
    /// version attribute).
    Equals(String, Value),
}

/// A partial update of an item. Creates the item if it does not exist (like DynamoDB's
/// `UpdateItem`), unless the condition says otherwise.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Update {
    /// Attributes to set (replacing their values).
    pub set: Item,
    /// Numeric attributes to add to (a missing attribute counts as 0): counters.
    pub add: Vec<(String, i64)>,
    /// Attributes to remove.
    pub remove: Vec<String>,
}

impl Update {
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.set.insert(name.into(), value.into());
        self
    }
    pub fn add(mut self, name: impl Into<String>, by: i64) -> Self {
        self.add.push((name.into(), by));
        self
    }
    pub fn remove(mut self, name: impl Into<String>) -> Self {
        self.remove.push(name.into());
        self
    }
}

/// Which key a query reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    /// The table's own `pk`/`sk`.
    Table,
    /// The global secondary index `gsi1pk`/`gsi1sk`.
    Gsi1,
}

/// The sort-key range of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// Every item in the partition.
    All,
    /// Sort keys starting with the prefix.
    Prefix(String),
    /// Sort keys between the two bounds, both inclusive.
    Between(String, String),
}

/// An opaque position to continue a query from, handed back in [`Page::next`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor(pub String);

/// A query on one partition, in sort-key order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub index: Index,
    pub partition: String,
    pub sort: SortKey,
    /// At most this many items per page (1..=1000).
    pub limit: usize,
    pub cursor: Option<Cursor>,
    /// Newest first when sort keys are time-ordered.
    pub descending: bool,
}

impl Query {
    pub fn partition(partition: impl Into<String>) -> Self {
        Query {
            index: Index::Table,
            partition: partition.into(),
            sort: SortKey::All,
            limit: 100,
            cursor: None,
            descending: false,
        }
    }
    pub fn on_index(mut self, index: Index) -> Self {
        self.index = index;
        self
    }
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.sort = SortKey::Prefix(prefix.into());
        self
    }
    pub fn between(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.sort = SortKey::Between(from.into(), to.into());
        self
    }
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.cursor = cursor;
        self
    }
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }
}

/// One page of query results. `next` is `Some` when more items may follow.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    pub next: Option<Cursor>,
}

/// One operation of a transaction.
#[derive(Clone, Debug, PartialEq)]
pub enum TxOp {
    Put {
        item: Item,
        condition: Condition,
    },
    Update {
        key: Key,
        update: Update,
        condition: Condition,
    },
    Delete {
        key: Key,
        condition: Condition,
    },
    /// Only checks the condition on an item, writes nothing.
    Check {
        key: Key,
        condition: Condition,
    },
}

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum StoreError {
    /// A single write's condition did not hold; nothing was written.
    #[error("the condition of the write did not hold")]
    ConditionFailed,
    /// A transaction was cancelled because the conditions of these operations (indexes into the
    /// list of operations) did not hold; nothing was written.
    #[error("the transaction was cancelled: the conditions of operations {failed:?} did not hold")]
    TransactionConditionFailed { failed: Vec<usize> },
    /// The item would be larger than DynamoDB allows; nothing was written.
    #[error("the item is {bytes} bytes, over the {limit}-byte limit of one item")]
    ItemTooLarge { bytes: usize, limit: usize },
    /// The item or request is malformed (missing key, wrong attribute type, bad cursor).
    #[error("invalid item or request: {0}")]
    InvalidItem(String),
    /// The store could not be reached or did not answer in time. The write may be retried.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// Anything else the backend reported.
    #[error("store error: {0}")]
    Backend(String),
}

/// The narrow storage interface the domain is written against.
///
/// Every write is all-or-nothing; a failed condition writes nothing.
pub trait Store: Send + Sync + 'static {
    fn get(&self, key: &Key) -> impl Future<Output = Result<Option<Item>, StoreError>> + Send;

    fn put(
        &self,
        item: Item,
        condition: Condition,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Applies the update and returns the item as it is afterwards.
    fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Condition,
    ) -> impl Future<Output = Result<Item, StoreError>> + Send;

    fn delete(
        &self,
        key: &Key,
        condition: Condition,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn query(&self, query: &Query) -> impl Future<Output = Result<Page, StoreError>> + Send;

    /// Applies every operation or none. At most [`layout::MAX_TRANSACTION_OPS`] operations, each
    /// on a different item.
    fn transact(&self, ops: Vec<TxOp>) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The backend chosen by configuration at start-up.
pub enum AnyStore {
    Embedded(embedded::EmbeddedStore),
    Dynamo(dynamo::DynamoStore),
}

impl AnyStore {
    pub fn backend_name(&self) -> &'static str {
        match self {
            AnyStore::Embedded(_) => "embedded",
            AnyStore::Dynamo(_) => "dynamodb",
        }
    }
}

macro_rules! delegate {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            AnyStore::Embedded($s) => $call.await,
            AnyStore::Dynamo($s) => $call.await,
        }
    };
}

impl Store for AnyStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        delegate!(self, s => s.get(key))
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        delegate!(self, s => s.put(item, condition))
    }
    async fn update(&self, key: &Key, update: Update, condition: Condition) -> Result<Item, StoreError> {
        delegate!(self, s => s.update(key, update, condition))
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        delegate!(self, s => s.delete(key, condition))
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        delegate!(self, s => s.query(query))
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        delegate!(self, s => s.transact(ops))
    }
}

/// The size DynamoDB counts for an item: attribute names plus values (strings by UTF-8 length,
/// numbers conservatively by their decimal length, 1 byte for booleans and null, 3 bytes plus 1
/// per element for lists and maps). Both backends refuse items over [`layout::MAX_ITEM_BYTES`].
pub fn item_size(item: &Item) -> usize {
    fn value_size(v: &Value) -> usize {
        match v {
            Value::String(s) => s.len(),
            Value::Number(n) => n.to_string().len().div_ceil(2) + 1,
            Value::Bool(_) | Value::Null => 1,
            Value::Array(a) => 3 + a.iter().map(|e| 1 + value_size(e)).sum::<usize>(),
            Value::Object(m) => {
                3 + m
                    .iter()
                    .map(|(k, e)| 1 + k.len() + value_size(e))
                    .sum::<usize>()
            }
        }
    }
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

/// Checks what both backends require of an item before writing it: key attributes present and
/// strings, index attributes strings when present, the TTL attribute a number, and the size limit.
pub fn validate_item(item: &Item) -> Result<Key, StoreError> {
    let key = Key::of(item)?;
    for name in [layout::GSI1_PK, layout::GSI1_SK] {
        match item.get(name) {
            None => {}
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(_) => {
                return Err(StoreError::InvalidItem(format!(
                    "index attribute `{name}` must be a non-empty string"
                )));
            }
        }
    }
    if let Some(v) = item.get(layout::TTL)
        && !v.is_u64()
    {
        return Err(StoreError::InvalidItem(format!(
            "TTL attribute `{}` must be whole epoch seconds",
            layout::TTL
        )));
    }
    let bytes = item_size(item);
    if bytes > layout::MAX_ITEM_BYTES {
        return Err(StoreError::ItemTooLarge {
            bytes,
            limit: layout::MAX_ITEM_BYTES,
        });
    }
    Ok(key)
}

/// Applies an update to an item in memory (the embedded backend, and tests). Counters must be
/// numbers; adding to a non-number is an error.
pub fn apply_update(item: &mut Item, key: &Key, update: &Update) -> Result<(), StoreError> {
    for (name, value) in &update.set {
        if name == layout::PK || name == layout::SK {
            return Err(StoreError::InvalidItem(format!(
                "cannot update key attribute `{name}`"
            )));
        }
        item.insert(name.clone(), value.clone());
    }
    for (name, by) in &update.add {
        let current = match item.get(name) {
            None => 0,
            Some(Value::Number(n)) => n.as_i64().ok_or_else(|| {
                StoreError::InvalidItem(format!("counter `{name}` is not a whole number"))
            })?,
            Some(_) => {
                return Err(StoreError::InvalidItem(format!(
                    "counter `{name}` is not a number"
                )));
            }
        };
        item.insert(name.clone(), Value::from(current + by));
    }
    for name in &update.remove {
        item.remove(name);
    }
    item.insert(layout::PK.into(), Value::String(key.pk.clone()));
    item.insert(layout::SK.into(), Value::String(key.sk.clone()));
    Ok(())
}

/// Whether a condition holds for the current item (None when it does not exist).
pub fn condition_holds(condition: &Condition, current: Option<&Item>) -> bool {
    match condition {
        Condition::Always => true,
        Condition::NotExists => current.is_none(),
        Condition::Exists => current.is_some(),
        Condition::Equals(name, value) => current.and_then(|i| i.get(name)) == Some(value),
    }
}
