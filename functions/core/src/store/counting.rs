//! A store that counts the requests passing through it, for tests and benchmarks that report
//! round trips (a transaction is one write request, however many items it holds).

use super::{Condition, Item, Key, Page, Query, Store, StoreError, TxOp, Update};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct CountingStore<S> {
    pub inner: S,
    reads: AtomicUsize,
    writes: AtomicUsize,
}

impl<S> CountingStore<S> {
    pub fn new(inner: S) -> Self {
        CountingStore {
            inner,
            reads: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
        }
    }
    /// Read requests (get, query) so far.
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
    /// Write requests (put, update, delete, transact) so far.
    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }
    /// The write requests so far, starting the count again.
    pub fn take_writes(&self) -> usize {
        self.writes.swap(0, Ordering::SeqCst)
    }
}

impl<S: Store> Store for CountingStore<S> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.put(item, condition).await
    }
    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Condition,
    ) -> Result<Item, StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.update(key, update, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.transact(ops).await
    }
}
