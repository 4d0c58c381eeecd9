//! The storage layer: one narrow interface over a single-table key/value model, with two backends.
//!
//! * [`embedded::EmbeddedStore`]: a file on disk (redb), the default for the local run.
//! * [`dynamo::DynamoStore`]: DynamoDB, the production store (and DynamoDB Local in tests).
//!
//! Both pass the same conformance suite (`functions/core/tests/it/store_conformance.rs`).
//! The interface follows DynamoDB's model so that nothing the domain writes is impossible there:
//! items are maps of attributes, addressed by a partition key (`pk`) and a sort key (`sk`), with
//! one global secondary index (`gsi1pk`/`gsi1sk`), conditional writes, and all-or-nothing
//! transactions. There is deliberately no scan.

pub mod counting;
pub mod dynamo;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod record;

pub use record::{Record, VERSION};
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

    /// An item with this key and the given attributes (a JSON object; anything else adds none).
    pub fn item(&self, fields: Value) -> Item {
        let mut item = match fields {
            Value::Object(m) => m,
            _ => Item::new(),
        };
        item.insert(layout::PK.into(), Value::String(self.pk.clone()));
        item.insert(layout::SK.into(), Value::String(self.sk.clone()));
        item
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

/// Every item the query matches: its pages read one after another, each of the query's size.
pub async fn query_all<S: Store>(store: &S, query: Query) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.query(&query.clone().after(cursor)).await?;
        items.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

/// A shared store is a store (a benchmark's counting store shared with a cache).
impl<S: Store> Store for std::sync::Arc<S> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.as_ref().get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.as_ref().put(item, condition).await
    }
    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Condition,
    ) -> Result<Item, StoreError> {
        self.as_ref().update(key, update, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.as_ref().delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.as_ref().query(query).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        self.as_ref().transact(ops).await
    }
}

/// The backend chosen by configuration at start-up. Cheap to clone: clones share the client
/// (and its connections) or the open database.
#[derive(Clone)]
pub enum AnyStore {
    #[cfg(feature = "embedded")]
    Embedded(embedded::EmbeddedStore),
    Dynamo(dynamo::DynamoStore),
}

impl AnyStore {
    pub fn backend_name(&self) -> &'static str {
        match self {
            #[cfg(feature = "embedded")]
            AnyStore::Embedded(_) => "embedded",
            AnyStore::Dynamo(_) => "dynamodb",
        }
    }
}

macro_rules! delegate {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            #[cfg(feature = "embedded")]
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
    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Condition,
    ) -> Result<Item, StoreError> {
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

/// How times are stored: RFC 3339 in UTC with milliseconds, so they sort as strings.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
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

// ---------------------------------------------------------------------------------------------
// Checks and encodings shared by the two backends, so that both accept and refuse exactly the
// same requests (the conformance suite relies on it).

/// DynamoDB's limits on the length of a partition and a sort key value, in UTF-8 bytes.
const MAX_PARTITION_KEY_BYTES: usize = 2048;
const MAX_SORT_KEY_BYTES: usize = 1024;

/// Checks a key addressed by a request: both parts non-empty and within DynamoDB's key lengths.
pub(crate) fn check_key(key: &Key) -> Result<(), StoreError> {
    if key.pk.is_empty() || key.sk.is_empty() {
        return Err(StoreError::InvalidItem(
            "key attributes must be non-empty strings".into(),
        ));
    }
    if key.pk.len() > MAX_PARTITION_KEY_BYTES || key.sk.len() > MAX_SORT_KEY_BYTES {
        return Err(StoreError::InvalidItem(format!(
            "key too long: partition keys are at most {MAX_PARTITION_KEY_BYTES} bytes, sort keys {MAX_SORT_KEY_BYTES}"
        )));
    }
    Ok(())
}

/// [`validate_item`] plus the key-length limits DynamoDB enforces on the table and index keys.
pub(crate) fn check_item(item: &Item) -> Result<Key, StoreError> {
    let key = validate_item(item)?;
    check_key(&key)?;
    if let (Some(Value::String(p)), Some(Value::String(s))) =
        (item.get(layout::GSI1_PK), item.get(layout::GSI1_SK))
    {
        check_key(&Key::new(p.as_str(), s.as_str()))?;
    }
    Ok(key)
}

/// Checks an update before it is sent or applied: key attributes untouched, every attribute named
/// once (DynamoDB refuses overlapping paths), and what the update sets valid as part of an item.
/// The size of the merged item is checked again where it is known (embedded) or by DynamoDB.
pub(crate) fn check_update(key: &Key, update: &Update) -> Result<(), StoreError> {
    check_key(key)?;
    let mut seen = std::collections::HashSet::new();
    let names = update
        .set
        .keys()
        .chain(update.add.iter().map(|(n, _)| n))
        .chain(update.remove.iter());
    for name in names {
        if name.is_empty() {
            return Err(StoreError::InvalidItem("empty attribute name".into()));
        }
        if name == layout::PK || name == layout::SK {
            return Err(StoreError::InvalidItem(format!(
                "cannot update key attribute `{name}`"
            )));
        }
        if !seen.insert(name.as_str()) {
            return Err(StoreError::InvalidItem(format!(
                "attribute `{name}` appears twice in one update"
            )));
        }
    }
    let mut candidate = update.set.clone();
    for (name, by) in &update.add {
        candidate.insert(name.clone(), Value::from(*by));
    }
    candidate.insert(layout::PK.into(), Value::String(key.pk.clone()));
    candidate.insert(layout::SK.into(), Value::String(key.sk.clone()));
    check_item(&candidate).map(|_| ())
}

/// Checks the shape of a transaction: the operation limit, one operation per item, and each
/// operation on its own.
pub(crate) fn check_transaction(ops: &[TxOp]) -> Result<(), StoreError> {
    if ops.len() > layout::MAX_TRANSACTION_OPS {
        return Err(StoreError::InvalidItem(format!(
            "a transaction has at most {} operations, not {}",
            layout::MAX_TRANSACTION_OPS,
            ops.len()
        )));
    }
    let mut keys = std::collections::HashSet::new();
    for op in ops {
        let key = match op {
            TxOp::Put { item, .. } => check_item(item)?,
            TxOp::Update { key, update, .. } => {
                check_update(key, update)?;
                key.clone()
            }
            TxOp::Delete { key, .. } | TxOp::Check { key, .. } => {
                check_key(key)?;
                key.clone()
            }
        };
        if !keys.insert(key) {
            return Err(StoreError::InvalidItem(
                "a transaction may not have two operations on the same item".into(),
            ));
        }
    }
    Ok(())
}

/// The key attributes that position a query on an index: what a cursor holds.
pub(crate) fn position_attributes(index: Index) -> &'static [&'static str] {
    match index {
        Index::Table => &[layout::PK, layout::SK],
        Index::Gsi1 => &[layout::GSI1_PK, layout::GSI1_SK, layout::PK, layout::SK],
    }
}

/// The partition and sort attribute a query on an index reads.
pub(crate) fn query_attributes(index: Index) -> (&'static str, &'static str) {
    match index {
        Index::Table => (layout::PK, layout::SK),
        Index::Gsi1 => (layout::GSI1_PK, layout::GSI1_SK),
    }
}

/// Whether a sort key lies in a query's range.
pub(crate) fn sort_key_matches(sort: &SortKey, value: &str) -> bool {
    match sort {
        SortKey::All => true,
        SortKey::Prefix(p) => value.starts_with(p.as_str()),
        SortKey::Between(from, to) => from.as_str() <= value && value <= to.as_str(),
    }
}

/// Checks a query's parameters the way DynamoDB would.
pub(crate) fn check_query(query: &Query) -> Result<(), StoreError> {
    if !(1..=1000).contains(&query.limit) {
        return Err(StoreError::InvalidItem(format!(
            "query limit must be 1..=1000, not {}",
            query.limit
        )));
    }
    if query.partition.is_empty() {
        return Err(StoreError::InvalidItem("empty partition in query".into()));
    }
    if let SortKey::Between(from, to) = &query.sort
        && from > to
    {
        return Err(StoreError::InvalidItem(format!(
            "BETWEEN bounds out of order: {from:?} > {to:?}"
        )));
    }
    Ok(())
}

/// Encodes the position after the last returned item: base64url of a JSON object of its key
/// attributes (the same shape as DynamoDB's `LastEvaluatedKey`, so both backends' cursors agree).
pub(crate) fn encode_cursor(position: &std::collections::BTreeMap<String, String>) -> Cursor {
    use base64::Engine as _;
    let json = serde_json::to_vec(position).unwrap_or_default();
    Cursor(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

/// Decodes a query's cursor, refusing anything that is not a position inside the query's own
/// partition and sort-key range (DynamoDB refuses such starting keys too).
pub(crate) fn decode_cursor(
    query: &Query,
) -> Result<Option<std::collections::BTreeMap<String, String>>, StoreError> {
    use base64::Engine as _;
    let Some(cursor) = &query.cursor else {
        return Ok(None);
    };
    let invalid = |why: &str| StoreError::InvalidItem(format!("invalid cursor: {why}"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.0.as_bytes())
        .map_err(|_| invalid("not base64url"))?;
    let position: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&bytes).map_err(|_| invalid("not a key position"))?;
    let wanted = position_attributes(query.index);
    if position.len() != wanted.len()
        || wanted
            .iter()
            .any(|a| position.get(*a).is_none_or(|v| v.is_empty()))
    {
        return Err(invalid("wrong key attributes for this index"));
    }
    let (part, sort) = query_attributes(query.index);
    if position[part] != query.partition || !sort_key_matches(&query.sort, &position[sort]) {
        return Err(invalid("not a position of this query"));
    }
    Ok(Some(position))
}
