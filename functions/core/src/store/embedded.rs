//! The embedded backend: one redb file on disk, for the local run and tests.
//!
//! It mirrors DynamoDB's semantics (see the conformance suite) so that code tested locally behaves
//! the same in production. redb is synchronous, so every call runs on tokio's blocking pool.
//!
//! Layout: `items` maps `(pk, sk)` to the item as JSON bytes; `gsi1` maps
//! `(gsi1pk, gsi1sk, pk, sk)` to nothing and is kept in step with `items` in the same write
//! transaction. redb compares `&str` tuple elements by UTF-8 bytes, which is DynamoDB's order for
//! string keys, and compares element by element, so a partition key that is a prefix of another
//! never falls inside the other's range.

use super::{
    Condition, Index, Item, Key, Page, Query, SortKey, Store, StoreError, TxOp, Update,
    apply_update, check_item, check_key, check_query, check_transaction, check_update,
    condition_holds, decode_cursor, encode_cursor, layout, position_attributes,
};
use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition};
use serde_json::Value;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

const ITEMS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("items");
const GSI1: TableDefinition<(&str, &str, &str, &str), ()> = TableDefinition::new("gsi1");

/// A store in one redb file. Cheap to clone; clones share the open database.
#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore").finish_non_exhaustive()
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("redb: {e}"))
}

impl EmbeddedStore {
    /// Opens the file, creating it (and its tables) if missing. Only one process may have a file
    /// open at a time.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(backend)?;
        // Create both tables up front so that read transactions never meet a missing table.
        let txn = db.begin_write().map_err(backend)?;
        txn.open_table(ITEMS).map_err(backend)?;
        txn.open_table(GSI1).map_err(backend)?;
        txn.commit().map_err(backend)?;
        Ok(EmbeddedStore { db: Arc::new(db) })
    }

    /// Runs redb work on the blocking pool so that async callers are never blocked.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(|e| StoreError::Backend(format!("storage task failed: {e}")))?
    }
}

fn decode(bytes: &[u8]) -> Result<Item, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| backend(format!("corrupt item: {e}")))
}

fn read_item(
    items: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    key: &Key,
) -> Result<Option<Item>, StoreError> {
    match items
        .get((key.pk.as_str(), key.sk.as_str()))
        .map_err(backend)?
    {
        Some(guard) => decode(guard.value()).map(Some),
        None => Ok(None),
    }
}

/// The index entry of an item, when it has both index key attributes.
fn gsi_entry(item: &Item) -> Option<(&str, &str)> {
    match (item.get(layout::GSI1_PK), item.get(layout::GSI1_SK)) {
        (Some(Value::String(p)), Some(Value::String(s))) => Some((p, s)),
        _ => None,
    }
}

/// Replaces (or with `new == None` deletes) the item at `key`, keeping the index in step.
fn write_item(
    items: &mut Table<(&str, &str), &[u8]>,
    gsi: &mut Table<(&str, &str, &str, &str), ()>,
    key: &Key,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Result<(), StoreError> {
    let k = (key.pk.as_str(), key.sk.as_str());
    if let Some((gp, gs)) = old.and_then(gsi_entry) {
        gsi.remove((gp, gs, k.0, k.1)).map_err(backend)?;
    }
    match new {
        Some(item) => {
            let bytes = serde_json::to_vec(item).map_err(backend)?;
            items.insert(k, bytes.as_slice()).map_err(backend)?;
            if let Some((gp, gs)) = gsi_entry(item) {
                gsi.insert((gp, gs, k.0, k.1), ()).map_err(backend)?;
            }
        }
        None => {
            items.remove(k).map_err(backend)?;
        }
    }
    Ok(())
}

/// What one operation of a write turns into once its condition has been checked.
enum Planned {
    Write(Key, Option<Item>, Option<Item>),
    Nothing,
}

/// Applies the operations in one redb write transaction: every condition is checked against the
/// state before the transaction, then everything is written, or nothing if anything fails.
/// Returns the items as they are afterwards (for updates).
fn write_all(db: &Database, ops: Vec<TxOp>) -> Result<Vec<Option<Item>>, StoreError> {
    let txn = db.begin_write().map_err(backend)?;
    let result = (|| {
        let mut items = txn.open_table(ITEMS).map_err(backend)?;
        let mut gsi = txn.open_table(GSI1).map_err(backend)?;
        let mut failed = Vec::new();
        let mut plan = Vec::with_capacity(ops.len());
        for (i, op) in ops.into_iter().enumerate() {
            let (key, condition) = match &op {
                TxOp::Put { item, condition } => (Key::of(item)?, condition),
                TxOp::Update { key, condition, .. }
                | TxOp::Delete { key, condition }
                | TxOp::Check { key, condition } => (key.clone(), condition),
            };
            let current = read_item(&items, &key)?;
            if !condition_holds(condition, current.as_ref()) {
                failed.push(i);
                plan.push(Planned::Nothing);
                continue;
            }
            plan.push(match op {
                TxOp::Put { item, .. } => Planned::Write(key, current, Some(item)),
                TxOp::Update { update, .. } => {
                    let mut next = current.clone().unwrap_or_default();
                    apply_update(&mut next, &key, &update)?;
                    check_item(&next)?;
                    Planned::Write(key, current, Some(next))
                }
                TxOp::Delete { .. } => Planned::Write(key, current, None),
                TxOp::Check { .. } => Planned::Nothing,
            });
        }
        if !failed.is_empty() {
            return Err(StoreError::TransactionConditionFailed { failed });
        }
        let mut after = Vec::with_capacity(plan.len());
        for step in plan {
            match step {
                Planned::Write(key, old, new) => {
                    write_item(&mut items, &mut gsi, &key, old.as_ref(), new.as_ref())?;
                    after.push(new);
                }
                Planned::Nothing => after.push(None),
            }
        }
        Ok(after)
    })();
    match result {
        Ok(after) => {
            txn.commit().map_err(backend)?;
            Ok(after)
        }
        Err(e) => {
            txn.abort().map_err(backend)?;
            Err(e)
        }
    }
}

/// A single write: a one-operation transaction whose failed condition is a plain
/// [`StoreError::ConditionFailed`].
fn write_one(db: &Database, op: TxOp) -> Result<Option<Item>, StoreError> {
    match write_all(db, vec![op]) {
        Ok(mut after) => Ok(after.pop().flatten()),
        Err(StoreError::TransactionConditionFailed { .. }) => Err(StoreError::ConditionFailed),
        Err(e) => Err(e),
    }
}

/// The smallest string greater than every string starting with `prefix` (None: no such string,
/// or the prefix is empty). UTF-8 byte order is code point order, so bumping the last character
/// that can be bumped gives it.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The sort-key bounds of a query, narrowed by its cursor.
fn sort_bounds(query: &Query, after: Option<&str>) -> (Bound<String>, Bound<String>) {
    let (mut lo, mut hi) = match &query.sort {
        SortKey::All => (Bound::Unbounded, Bound::Unbounded),
        SortKey::Prefix(p) if p.is_empty() => (Bound::Unbounded, Bound::Unbounded),
        SortKey::Prefix(p) => (
            Bound::Included(p.clone()),
            prefix_end(p).map_or(Bound::Unbounded, Bound::Excluded),
        ),
        SortKey::Between(a, b) => (Bound::Included(a.clone()), Bound::Included(b.clone())),
    };
    if let Some(after) = after {
        if query.descending {
            hi = Bound::Included(after.to_owned());
        } else {
            lo = Bound::Included(after.to_owned());
        }
    }
    (lo, hi)
}

/// Runs `take` over a range, honouring direction and limit, and builds the page: exact about
/// whether more items follow (one extra entry is looked at).
fn page_of<K>(
    iter: impl DoubleEndedIterator<Item = Result<K, StoreError>>,
    query: &Query,
    skip: impl Fn(&K) -> bool,
    mut fetch: impl FnMut(K) -> Result<Item, StoreError>,
) -> Result<Page, StoreError> {
    let iter: Box<dyn Iterator<Item = Result<K, StoreError>>> = if query.descending {
        Box::new(iter.rev())
    } else {
        Box::new(iter)
    };
    let mut items = Vec::new();
    let mut more = false;
    for entry in iter {
        let entry = entry?;
        if skip(&entry) {
            continue;
        }
        if items.len() == query.limit {
            more = true;
            break;
        }
        items.push(fetch(entry)?);
    }
    let next = match (more, items.last()) {
        (true, Some(last)) => {
            let position: BTreeMap<String, String> = position_attributes(query.index)
                .iter()
                .filter_map(|a| match last.get(*a) {
                    Some(Value::String(s)) => Some(((*a).to_owned(), s.clone())),
                    _ => None,
                })
                .collect();
            Some(encode_cursor(&position))
        }
        _ => None,
    };
    Ok(Page { items, next })
}

fn query_table(db: &Database, query: &Query) -> Result<Page, StoreError> {
    let cursor = decode_cursor(query)?;
    let after = cursor.as_ref().map(|c| c[layout::SK].as_str());
    let (lo, hi) = sort_bounds(query, after);
    let part = query.partition.as_str();
    // Everything of the partition lies in [(part, ""), (part + "\0", "")).
    let part_end = format!("{part}\0");
    let lo_key = match &lo {
        Bound::Included(s) | Bound::Excluded(s) => Bound::Included((part, s.as_str())),
        Bound::Unbounded => Bound::Included((part, "")),
    };
    let hi_key = match &hi {
        Bound::Included(s) => Bound::Included((part, s.as_str())),
        Bound::Excluded(s) => Bound::Excluded((part, s.as_str())),
        Bound::Unbounded => Bound::Excluded((part_end.as_str(), "")),
    };
    if let (Bound::Included((_, l)), Bound::Included((_, h)) | Bound::Excluded((_, h))) =
        (&lo_key, &hi_key)
        && hi != Bound::Unbounded
        && l > h
    {
        return Ok(Page::default());
    }
    let txn = db.begin_read().map_err(backend)?;
    let items = txn.open_table(ITEMS).map_err(backend)?;
    let range = items.range((lo_key, hi_key)).map_err(backend)?;
    let iter = range.map(|r| {
        let (k, v) = r.map_err(backend)?;
        let (_, sk) = k.value();
        Ok((sk.to_owned(), decode(v.value())?))
    });
    page_of(
        iter,
        query,
        |(sk, _)| after == Some(sk.as_str()),
        |(_, item)| Ok(item),
    )
}

fn query_gsi(db: &Database, query: &Query) -> Result<Page, StoreError> {
    let cursor = decode_cursor(query)?;
    let after = cursor.as_ref().map(|c| {
        (
            c[layout::GSI1_SK].clone(),
            c[layout::PK].clone(),
            c[layout::SK].clone(),
        )
    });
    let (lo, hi) = sort_bounds(query, after.as_ref().map(|a| a.0.as_str()));
    let part = query.partition.as_str();
    let part_end = format!("{part}\0");
    let hi_incl_end;
    let lo_key = match &lo {
        Bound::Included(s) | Bound::Excluded(s) => Bound::Included((part, s.as_str(), "", "")),
        Bound::Unbounded => Bound::Included((part, "", "", "")),
    };
    let hi_key = match &hi {
        // Every entry whose index sort key is `s`, whatever its table key.
        Bound::Included(s) => {
            hi_incl_end = format!("{s}\0");
            Bound::Excluded((part, hi_incl_end.as_str(), "", ""))
        }
        Bound::Excluded(s) => Bound::Excluded((part, s.as_str(), "", "")),
        Bound::Unbounded => Bound::Excluded((part_end.as_str(), "", "", "")),
    };
    if let (Bound::Included(l), Bound::Excluded(h)) = (&lo_key, &hi_key)
        && l >= h
    {
        return Ok(Page::default());
    }
    let txn = db.begin_read().map_err(backend)?;
    let items = txn.open_table(ITEMS).map_err(backend)?;
    let gsi = txn.open_table(GSI1).map_err(backend)?;
    let range = gsi.range((lo_key, hi_key)).map_err(backend)?;
    let iter = range.map(|r| {
        let (k, _) = r.map_err(backend)?;
        let (_, gs, pk, sk) = k.value();
        Ok((gs.to_owned(), Key::new(pk, sk)))
    });
    // The cursor's index sort key is included by the bounds (ties on it may be on either side of
    // the cursor): skip the entries at or before the cursor in the direction of the query.
    let skip = |(gs, key): &(String, Key)| match &after {
        None => false,
        Some((cgs, cpk, csk)) => {
            let here = (gs.as_str(), key.pk.as_str(), key.sk.as_str());
            let cursor = (cgs.as_str(), cpk.as_str(), csk.as_str());
            if query.descending {
                here >= cursor
            } else {
                here <= cursor
            }
        }
    };
    page_of(iter, query, skip, |(_, key)| {
        read_item(&items, &key)?
            .ok_or_else(|| backend(format!("index entry without item: {key:?}")))
    })
}

impl Store for EmbeddedStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        check_key(key)?;
        let key = key.clone();
        self.run(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let items = txn.open_table(ITEMS).map_err(backend)?;
            read_item(&items, &key)
        })
        .await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        check_item(&item)?;
        self.run(move |db| write_one(db, TxOp::Put { item, condition }).map(|_| ()))
            .await
    }

    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Condition,
    ) -> Result<Item, StoreError> {
        check_update(key, &update)?;
        let key = key.clone();
        self.run(move |db| {
            let op = TxOp::Update {
                key,
                update,
                condition,
            };
            write_one(db, op)?.ok_or_else(|| backend("update wrote no item"))
        })
        .await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        check_key(key)?;
        let key = key.clone();
        self.run(move |db| write_one(db, TxOp::Delete { key, condition }).map(|_| ()))
            .await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        check_query(query)?;
        // Decode early so that a bad cursor is refused without touching the file.
        decode_cursor(query)?;
        let query = query.clone();
        self.run(move |db| match query.index {
            Index::Table => query_table(db, &query),
            Index::Gsi1 => query_gsi(db, &query),
        })
        .await
    }

    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        check_transaction(&ops)?;
        if ops.is_empty() {
            return Ok(());
        }
        self.run(move |db| write_all(db, ops).map(|_| ())).await
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_is_the_least_string_after_the_prefix() {
        assert_eq!(prefix_end("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
        assert_eq!(prefix_end(""), None);
    }
}
