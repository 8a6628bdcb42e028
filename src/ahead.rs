//! Work done ahead of need, on a thread that leaves the cores to the thread sending requests.
//!
//! A command checks its plan and builds its SDK clients while its first request is on its way,
//! so that neither waits for the other. On a 2-core machine those two threads and the one
//! building the request share two cores: measured against the sandbox, the first request went
//! out 2.5–6 ms later than with nothing beside it, and every level of an apply waits for it.
//! These threads run at a lower scheduling priority (nice 10), so they take what the request
//! path leaves: on a busy core they wait, never the request.

use std::any::Any;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};

/// How much lower than the command's own: enough that the scheduler gives the request path
/// ten times their share of a contended core, not so much that they starve behind other
/// processes on a busy machine.
const NICENESS: i32 = 10;

/// Runs `work` on a new low-priority thread; the returned future yields its result, or goes on
/// with its panic. Dropping the future leaves the work to finish unobserved.
pub fn spawn<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> impl Future<Output = T> {
    let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, Box<dyn Any + Send>>>();
    let spawned = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            lower_priority();
            let _ = tx.send(panic::catch_unwind(AssertUnwindSafe(work)));
        });
    async move {
        if let Err(e) = spawned {
            panic!("cannot start a thread: {e}");
        }
        match rx.await {
            Ok(Ok(value)) => value,
            Ok(Err(payload)) => panic::resume_unwind(payload),
            Err(_) => unreachable!("the thread sends before it ends"),
        }
    }
}

/// Lowers the calling thread's priority. On Linux the nice value belongs to each thread, and
/// "the calling process" of `setpriority` is the calling thread; elsewhere it would lower the
/// whole process, so nothing is done. A failure only costs speed.
#[cfg(target_os = "linux")]
fn lower_priority() {
    if let Ok(now) = rustix::process::getpriority_process(None) {
        let _ = rustix::process::setpriority_process(None, now.saturating_add(NICENESS));
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn yields_the_result_and_runs_lower() {
        let nice = || rustix::process::getpriority_process(None).expect("own priority");
        let (value, theirs) = spawn("test", move || (6 * 7, nice())).await;
        assert_eq!(value, 42);
        assert_eq!(theirs, (nice() + NICENESS).min(19));
    }

    #[tokio::test]
    #[should_panic(expected = "the check failed")]
    async fn a_panic_goes_on_in_the_caller() {
        spawn("test", || panic!("the check failed")).await;
    }
}
