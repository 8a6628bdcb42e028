//! Taking and releasing a plan's lock around apply and destroy (see `model::lock`). A run that
//! finds the lock held waits for it, saying who holds it, up to its lock timeout; the lock is
//! released when the run ends, whether it succeeded, failed or was interrupted.

use std::time::{Duration, Instant, SystemTime};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cloud::Cloud;
use crate::model::lock::{LockInfo, LockSpot, TryLock};
use crate::model::names::{PlanName, Region};

use super::{Command, Error, Ui};

/// How a run locks: how long it waits for a held lock, and where locks live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockOptions {
    /// 0 fails at once when the lock is held.
    pub timeout: Duration,
    /// A bucket of the user's for the locks instead of `gtplan-locks-<account>-<region>`.
    pub bucket: Option<String>,
}

impl Default for LockOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            bucket: None,
        }
    }
}

/// Long enough for the other run of a plan to finish an ordinary apply.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_mins(5);

/// How often a waiting run asks again.
const POLL: Duration = Duration::from_secs(1);

/// A lock this run holds.
pub struct Held {
    pub spot: LockSpot,
    /// The version of the lock object this run wrote: released only if it is still that one.
    pub version: String,
}

/// Where `plan`'s lock lives.
pub fn spot(
    plan: &PlanName,
    account: &str,
    region: &Region,
    options: &LockOptions,
) -> Result<LockSpot, Error> {
    LockSpot::for_plan(plan, account, region, options.bucket.as_deref()).map_err(|e| {
        Error::user(
            format!("the lock bucket cannot be used: {}", e.problem),
            "pass `--lock-bucket NAME` with a valid S3 bucket name",
        )
    })
}

/// Takes the lock of `plan`, waiting up to `options.timeout` while another run holds it.
pub async fn acquire(
    cloud: &dyn Cloud,
    spot: LockSpot,
    plan: &PlanName,
    command: Command,
    options: &LockOptions,
    ui: &dyn Ui,
) -> Result<Held, Error> {
    let info = LockInfo {
        id: uuid::Uuid::new_v4().to_string(),
        operation: command.name().to_owned(),
        who: who(),
        pid: Some(std::process::id()),
        created: OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        plan: plan.to_string(),
    };
    let deadline = Instant::now() + options.timeout;
    let mut told = None;
    loop {
        let lock = match cloud.try_lock(&spot, &info).await? {
            TryLock::Taken { version } => return Ok(Held { spot, version }),
            TryLock::Held(lock) => lock,
        };
        let holder = lock.info;
        if holder_is_gone(&holder, &info) {
            ui.taking_over_lock(&holder);
            // Deleted only if it is still that run's lock: a newer one is waited for.
            cloud.delete_lock(&spot, &lock.version).await?;
            continue;
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::LockHeld {
                spot: spot.to_string(),
                holder: Box::new(holder),
                waited: options.timeout,
            });
        }
        if told.as_ref() != Some(&holder.id) {
            ui.waiting_for_lock(&holder, options.timeout);
            told = Some(holder.id.clone());
        }
        tokio::time::sleep(POLL.min(deadline - now)).await;
    }
}

/// Releases a lock this run holds; a lock someone broke and another run took is left alone.
pub async fn release(cloud: &dyn Cloud, held: &Held) -> Result<(), Error> {
    cloud.delete_lock(&held.spot, &held.version).await?;
    Ok(())
}

/// Whether `holder` is a run of this user on this host whose process no longer exists (killed,
/// or crashed before it could release the lock). Only Linux can tell (`/proc`); elsewhere a
/// left-behind lock needs `gtplan force-unlock`.
fn holder_is_gone(holder: &LockInfo, me: &LockInfo) -> bool {
    let proc = std::path::Path::new("/proc");
    holder.who == me.who
        && proc.join("self").exists()
        && holder
            .pid
            .is_some_and(|pid| pid != std::process::id() && !proc.join(pid.to_string()).exists())
}

/// `user@host`, from the environment (best effort: a lock is taken also without a name).
fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    format!("{user}@{host}")
}

/// How long ago an RFC 3339 time was, for messages ("12s ago").
pub fn age(created: &str) -> String {
    let Ok(then) = OffsetDateTime::parse(created, &Rfc3339) else {
        return created.to_owned();
    };
    let then = SystemTime::from(then);
    match SystemTime::now().duration_since(then) {
        Ok(d) => format!("{} ago", crate::config::format_seconds(d.as_secs().max(1))),
        Err(_) => created.to_owned(),
    }
}
