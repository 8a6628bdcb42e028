//! The injected latency (`--latency-ms`, `PUT /_gtplan/latency`): every request is answered no
//! sooner than this long after it arrived, as if it had crossed a network.
//!
//! Benchmarks divide by this figure, so it has to be what was asked for. tokio's timer rounds
//! each sleep up to its next millisecond tick and then wakes late by its driver's poll, 1 to
//! 1.5 ms per request in all; over the seven calls of a fresh apply that is more than gtplan's
//! own overhead. So tokio sleeps until shortly before the deadline and a blocking thread sleeps
//! the rest with the OS's high-resolution timer (late by tens of microseconds).

use std::time::{Duration, Instant};

/// What tokio's timer leaves to the blocking thread: more than its worst lateness.
const FINE: Duration = Duration::from_millis(3);

/// Waits until `arrived + latency`.
pub async fn delay(arrived: Instant, latency: Duration) {
    let deadline = arrived + latency;
    if let Some(coarse) = deadline.checked_sub(FINE)
        && coarse > Instant::now()
    {
        tokio::time::sleep_until(coarse.into()).await;
    }
    let rest = deadline.saturating_duration_since(Instant::now());
    if !rest.is_zero() {
        // A panic cannot happen in a sleep; a failed join only means the runtime is stopping.
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(rest)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_no_sooner_than_the_latency() {
        // How much later is measured by scripts/bench, not here: a loaded machine may run
        // the blocking thread late.
        for ms in [1, 2, 3, 7, 20] {
            let latency = Duration::from_millis(ms);
            let arrived = Instant::now();
            delay(arrived, latency).await;
            assert!(arrived.elapsed() >= latency);
        }
        // A request that took longer than the latency to arrive is not delayed further.
        let arrived = Instant::now()
            .checked_sub(Duration::from_secs(10))
            .expect("the machine has been up for 10 s");
        let before = Instant::now();
        delay(arrived, Duration::from_secs(5)).await;
        assert!(before.elapsed() < Duration::from_secs(5));
    }
}
