//! Fault injection for tests: hold every write after the N-th until released. A test uses it
//! to interrupt a client at an exact point (N writes done, the next one in flight), kill the
//! client process, release the gate and check that a rerun converges. Reads always pass.

use std::sync::Mutex;

use tokio::sync::watch;

use super::router::Service;

pub struct WriteGate {
    /// Writes still allowed before holding; `None` means no limit.
    remaining: Mutex<Option<u64>>,
    /// `true` while held writes must wait.
    held: watch::Sender<bool>,
    /// How many writes are waiting now.
    waiting: watch::Sender<u64>,
}

impl Default for WriteGate {
    fn default() -> Self {
        Self {
            remaining: Mutex::new(None),
            held: watch::Sender::new(false),
            waiting: watch::Sender::new(0),
        }
    }
}

/// Counts a write as waiting for as long as it lives (also when the client goes away).
struct Waiting<'a>(&'a watch::Sender<u64>);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl WriteGate {
    /// Lets `n` more writes through, then holds the rest.
    pub fn hold_after(&self, n: u64) {
        *self.lock() = Some(n);
        self.held.send_replace(n == 0);
    }

    /// Lets every held and future write through.
    pub fn release(&self) {
        *self.lock() = None;
        self.held.send_replace(false);
    }

    /// Called before each write; returns when the write may proceed.
    pub async fn pass(&self) {
        {
            let mut remaining = self.lock();
            match *remaining {
                None => return,
                Some(0) => {}
                Some(n) => {
                    *remaining = Some(n - 1);
                    if n == 1 {
                        self.held.send_replace(true);
                    }
                    return;
                }
            }
        }
        let mut rx = self.held.subscribe();
        self.waiting.send_modify(|n| *n += 1);
        let _waiting = Waiting(&self.waiting);
        // An error means the sender is gone, i.e. the sandbox is shutting down: let it through.
        let _ = rx.wait_for(|held| !*held).await;
    }

    /// How many writes are held right now.
    pub fn held(&self) -> u64 {
        *self.waiting.borrow()
    }

    /// Returns once at least `n` writes are held (tests wait for a client to reach the gate).
    pub async fn until_held(&self, n: u64) {
        let _ = self.waiting.subscribe().wait_for(|held| *held >= n).await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<u64>> {
        self.remaining
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Whether an operation changes state (what the gate counts). S3 decides by HTTP method.
pub fn is_write(service: &Service, method: &http::Method, operation: &str) -> bool {
    match service {
        Service::S3 => !matches!(*method, http::Method::GET | http::Method::HEAD),
        Service::Iam => !(operation.starts_with("Get") || operation.starts_with("List")),
        Service::SageMaker => !(operation.starts_with("Describe") || operation.starts_with("List")),
        Service::Sts | Service::Admin | Service::Other(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn holds_after_n_writes_until_released() {
        let gate = Arc::new(WriteGate::default());
        gate.pass().await; // unlimited
        gate.hold_after(2);
        gate.pass().await;
        gate.pass().await;
        let held = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move { gate.pass().await }
        });
        tokio::time::timeout(Duration::from_secs(5), gate.until_held(1))
            .await
            .expect("the third write is held");
        assert!(!held.is_finished(), "the third write waits");
        assert_eq!(gate.held(), 1);
        gate.release();
        tokio::time::timeout(Duration::from_secs(1), held)
            .await
            .expect("released")
            .expect("join");
        assert_eq!(gate.held(), 0);
    }
}
