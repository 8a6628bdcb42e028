//! Fault injection, off unless asked for:
//!
//! - [`WriteGate`]: hold every write after the N-th until released. A test uses it to
//!   interrupt a client at an exact point (N writes done, the next one in flight), kill the
//!   client process, release the gate and check that a rerun converges. Reads always pass.
//! - [`Faults`]: a seeded share of requests answered the way AWS answers under load or
//!   failure: the service's own throttling error, a 5xx, a connection reset before the request
//!   is carried out, or the answer dropped after it was (the client cannot tell a lost write
//!   from one never made). The seed fixes the sequence of draws, so a failure can be replayed.

use std::fmt;
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

/// The share of requests each fault hits, from one uniform draw per request.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FaultSpec {
    pub seed: u64,
    /// The service's throttling error (S3 `503 SlowDown`, IAM `Throttling`, SageMaker
    /// `ThrottlingException`).
    pub throttle: f64,
    /// A 5xx answer.
    pub error: f64,
    /// The connection closed before the request is read.
    pub reset: f64,
    /// The request carried out, then the connection closed without an answer.
    pub drop: f64,
}

impl FaultSpec {
    /// Reads `seed=7,throttle=0.2,error=0.1,reset=0.05,drop=0.05` (the admin endpoint takes
    /// the same names as query parameters). Rates are fractions that add up to at most 1.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut spec = FaultSpec::default();
        for (key, value) in pairs {
            let rate = |v: &str| {
                v.parse::<f64>()
                    .ok()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or_else(|| format!("`{key}={v}`: a rate is a number from 0 to 1"))
            };
            match key {
                "seed" => {
                    spec.seed = value
                        .parse()
                        .map_err(|_| format!("`seed={value}`: a seed is a whole number"))?;
                }
                "throttle" => spec.throttle = rate(value)?,
                "error" => spec.error = rate(value)?,
                "reset" => spec.reset = rate(value)?,
                "drop" => spec.drop = rate(value)?,
                other => {
                    return Err(format!(
                        "unknown fault `{other}`; the faults are seed, throttle, error, reset and drop"
                    ));
                }
            }
        }
        if spec.throttle + spec.error + spec.reset + spec.drop > 1.0 {
            return Err("the fault rates add up to more than 1".to_owned());
        }
        Ok(spec)
    }

    /// Reads the `--faults` form, `seed=7,throttle=0.2`.
    pub fn parse_list(text: &str) -> Result<Self, String> {
        let pairs: Result<Vec<(&str, &str)>, String> = text
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                p.trim()
                    .split_once('=')
                    .ok_or_else(|| format!("`{p}` is not NAME=VALUE"))
            })
            .collect();
        Self::parse(pairs?)
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed={},throttle={},error={},reset={},drop={}",
            self.seed, self.throttle, self.error, self.reset, self.drop
        )
    }
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    Throttle,
    Error,
    Reset,
    Drop,
}

impl Fault {
    /// The name the request log and the counts use.
    pub fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::Throttle => "throttle",
            Fault::Error => "error",
            Fault::Reset => "reset",
            Fault::Drop => "drop",
        }
    }
}

/// How many of each fault were injected since the faults were set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FaultCounts {
    pub requests: u64,
    pub throttle: u64,
    pub error: u64,
    pub reset: u64,
    pub drop: u64,
}

struct Active {
    spec: FaultSpec,
    /// SplitMix64 state: small, fast and good enough to spread faults evenly.
    state: u64,
    counts: FaultCounts,
}

/// The sandbox's injected faults; off by default.
#[derive(Default)]
pub struct Faults {
    active: Mutex<Option<Active>>,
    /// Operations whose next answer is dropped after they are carried out, once each.
    drop_next: Mutex<Vec<String>>,
}

impl Faults {
    /// Drops the answer of the next `operation` after carrying it out (a test of one write
    /// whose answer is lost).
    pub fn drop_next(&self, operation: &str) {
        lock(&self.drop_next).push(operation.to_owned());
    }

    /// Whether this answer of `operation` is to be dropped (and forgets the order).
    pub fn take_drop_next(&self, operation: &str) -> bool {
        let mut pending = lock(&self.drop_next);
        match pending.iter().position(|o| o == operation) {
            Some(i) => {
                pending.remove(i);
                true
            }
            None => false,
        }
    }

    pub fn set(&self, spec: FaultSpec) {
        *self.lock() = Some(Active {
            spec,
            state: spec.seed,
            counts: FaultCounts::default(),
        });
    }

    pub fn clear(&self) {
        *self.lock() = None;
        lock(&self.drop_next).clear();
    }

    /// The spec in force and what it injected so far.
    pub fn status(&self) -> Option<(FaultSpec, FaultCounts)> {
        self.lock().as_ref().map(|a| (a.spec, a.counts))
    }

    /// Draws the fault for one request.
    pub fn draw(&self) -> Fault {
        let mut guard = self.lock();
        let Some(active) = guard.as_mut() else {
            return Fault::None;
        };
        let x = unit(next(&mut active.state));
        let s = active.spec;
        let fault = if x < s.throttle {
            Fault::Throttle
        } else if x < s.throttle + s.error {
            Fault::Error
        } else if x < s.throttle + s.error + s.reset {
            Fault::Reset
        } else if x < s.throttle + s.error + s.reset + s.drop {
            Fault::Drop
        } else {
            Fault::None
        };
        let c = &mut active.counts;
        c.requests += 1;
        match fault {
            Fault::None => {}
            Fault::Throttle => c.throttle += 1,
            Fault::Error => c.error += 1,
            Fault::Reset => c.reset += 1,
            Fault::Drop => c.drop += 1,
        }
        fault
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Active>> {
        lock(&self.active)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// SplitMix64's step.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A draw in [0, 1) from the top 53 bits.
#[expect(
    clippy::cast_precision_loss,
    reason = "53 bits fit an f64 mantissa exactly"
)]
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether an operation changes state (what the gate counts). S3 decides by HTTP method.
pub fn is_write(service: &Service, method: &http::Method, operation: &str) -> bool {
    match service {
        Service::S3 => !matches!(*method, http::Method::GET | http::Method::HEAD),
        Service::Iam => !(operation.starts_with("Get") || operation.starts_with("List")),
        Service::SageMaker => !(operation.starts_with("Describe") || operation.starts_with("List")),
        Service::Cognito => {
            !(operation.starts_with("Describe")
                || operation.starts_with("List")
                || operation.starts_with("Get")
                || operation.starts_with("AdminGet")
                || operation.starts_with("AdminList"))
        }
        Service::Sts | Service::Tagging | Service::Admin | Service::Other(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn faults_follow_their_rates_and_replay_from_the_seed() {
        let spec = FaultSpec::parse_list("seed=7,throttle=0.2,error=0.1,reset=0.05,drop=0.05")
            .expect("spec");
        let faults = Faults::default();
        faults.set(spec);
        let first: Vec<Fault> = (0..10_000).map(|_| faults.draw()).collect();
        let (_, counts) = faults.status().expect("on");
        assert_eq!(counts.requests, 10_000);
        for (n, rate) in [
            (counts.throttle, 0.2),
            (counts.error, 0.1),
            (counts.reset, 0.05),
            (counts.drop, 0.05),
        ] {
            #[expect(clippy::cast_precision_loss, reason = "small counts")]
            let share = n as f64 / 10_000.0;
            assert!((share - rate).abs() < 0.015, "{share} vs {rate}");
        }
        faults.set(spec);
        let again: Vec<Fault> = (0..10_000).map(|_| faults.draw()).collect();
        assert_eq!(first, again, "the same seed replays the same faults");
        faults.clear();
        assert_eq!(faults.draw(), Fault::None);
    }

    #[test]
    fn fault_specs_are_checked() {
        assert!(FaultSpec::parse_list("throttle=2").is_err());
        assert!(FaultSpec::parse_list("throttle=0.6,error=0.6").is_err());
        assert!(FaultSpec::parse_list("slow=0.1").is_err());
        assert!(FaultSpec::parse_list("seed=x").is_err());
        let spec = FaultSpec::parse_list("seed=3, drop=0.5").expect("spec");
        assert_eq!((spec.seed, spec.drop), (3, 0.5));
        assert_eq!(
            FaultSpec::parse_list(&spec.to_string()).expect("round trip"),
            spec
        );
    }

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
