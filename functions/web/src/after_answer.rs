//! Work a local run does after it has answered (the sign-in email: `auth::deliver_here`). Kept
//! track of, so that stopping an in-process server (`Running::stop`) waits for it: until it ends
//! it holds the store, and the embedded store is one process's file that the next server (a
//! test's, on the same folder) must be able to open at once.

use std::future::Future;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct AfterAnswer(Arc<Mutex<tokio::task::JoinSet<()>>>);

impl AfterAnswer {
    /// Runs `work` in a task of its own; the finished tasks are let go as new ones come.
    pub fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = self.0.lock().unwrap_or_else(|e| e.into_inner());
        while tasks.try_join_next().is_some() {}
        tasks.spawn(work);
    }

    /// Waits until every task started so far has ended.
    pub async fn finish(&self) {
        let mut tasks = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        while tasks.join_next().await.is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn finish_waits_for_the_work_started() {
        let after = AfterAnswer::default();
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = done.clone();
        after.spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        after.finish().await;
        assert!(done.load(std::sync::atomic::Ordering::SeqCst));
    }
}
