//! `gtplan apply` and `gtplan destroy`: take the plan's lock, make a plan (or read a saved
//! one), show it, ask, apply it, read back what it wrote, and release the lock, also when
//! something fails or the user presses Ctrl-C.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use futures::FutureExt;
use futures::future::LocalBoxFuture;

use crate::apply::{ApplyEvent, ApplyOptions, ApplyReport};
use crate::cloud::Cloud;
use crate::model::lock::LockInfo;
use crate::model::names::{PlanName, Region};
use crate::plan::refresh::Orphans;
use crate::plan::{Plan, Summary};

use super::lock::{self, LockOptions};
use super::plan::{Mode, PlanRequest, diff_live, load_saved, prepare};
use super::{Command, Connection, Error};

/// What a command shows and asks while it works. The CLI prints to the terminal; a test can
/// answer and record.
pub trait Ui: Sync {
    /// The plan about to be applied.
    fn show_plan(&self, plan: &Plan);
    /// Whether to go ahead with `plan`'s changes; not asked for a saved plan, which was
    /// reviewed when it was saved.
    fn confirm(&self, question: &str) -> Result<bool, Error>;
    /// Another run holds the plan's lock; this one waits up to `timeout`.
    fn waiting_for_lock(&self, _holder: &LockInfo, _timeout: Duration) {}
    /// The lock is held by a run of this user on this machine that is gone: it is taken over.
    fn taking_over_lock(&self, _holder: &LockInfo) {}
    /// Changes are about to be made.
    fn applying(&self) {}
    /// Progress while changes are made (called concurrently).
    fn event(&self, event: ApplyEvent<'_>);
}

/// How an apply or destroy ended without an error.
#[derive(Debug)]
pub enum Outcome {
    /// The plan had nothing to do.
    NoChanges { summary: Summary },
    /// The user said no.
    Cancelled,
    Applied {
        report: ApplyReport,
        summary: Summary,
    },
}

/// `gtplan apply PLAN.toml`: lock, plan, show, confirm, apply, verify.
pub async fn apply(request: &PlanRequest, ui: &dyn Ui) -> Result<Outcome, Error> {
    converge(request, ui, Mode::Converge, Command::Apply).await
}

/// `gtplan destroy PLAN.toml`: the same, with a plan that removes what the plan manages.
pub async fn destroy(request: &PlanRequest, ui: &dyn Ui) -> Result<Outcome, Error> {
    converge(request, ui, Mode::Destroy, Command::Destroy).await
}

async fn converge(
    request: &PlanRequest,
    ui: &dyn Ui,
    mode: Mode,
    command: Command,
) -> Result<Outcome, Error> {
    let prepared = prepare(request).await?;
    let cloud = &prepared.session.cloud;
    let (plan_name, region) = (prepared.file.name(), prepared.file.region());
    // Resolving costs a few milliseconds of CPU (templates, file hashes): it runs while the
    // lock is being taken.
    let resolving = {
        let (file, account) = (prepared.file.clone(), prepared.account.clone());
        crate::ahead::spawn("resolve", move || file.resolve(&account))
    };
    locked(
        cloud,
        (plan_name, region, &prepared.account),
        command,
        &request.lock,
        ui,
        async {
            let desired = resolving.await?;
            let plan = diff_live(cloud, &desired, request.parallelism, mode, Orphans::Find).await?;
            ui.show_plan(&plan);
            if !plan.has_changes() {
                let summary = plan.summary();
                return Ok((Outcome::NoChanges { summary }, None));
            }
            if !ui.confirm(question(command))? {
                return Ok((Outcome::Cancelled, None));
            }
            // Planned moments ago under the lock: no re-read before each write.
            let outcome = run(cloud, &plan, request.parallelism, false, ui, command).await?;
            // One read of everything the plan names: what is still not as planned is an error.
            // The orphans the plan deleted are not looked for again: their deletes answered.
            let verify = async move {
                let after =
                    diff_live(cloud, &desired, request.parallelism, mode, Orphans::Skip).await?;
                let differing: Vec<String> = after
                    .changes
                    .iter()
                    .filter(|c| c.action.is_change())
                    .map(|c| format!("`{}` ({})", c.address, c.reason))
                    .collect();
                verified(differing)
            };
            Ok((outcome, Some(verify.boxed_local())))
        },
    )
    .await
}

fn verified(differing: Vec<String>) -> Result<(), Error> {
    if differing.is_empty() {
        Ok(())
    } else {
        Err(Error::Verify(differing))
    }
}

/// `gtplan apply SAVED.json`: apply exactly a saved plan, refusing if it was made for another
/// account or if anything it observed has changed since (each resource is read again before
/// its first write).
pub async fn apply_saved(
    path: &Path,
    connection: &Connection,
    parallelism: usize,
    lock: &LockOptions,
    ui: &dyn Ui,
) -> Result<Outcome, Error> {
    let plan = load_saved(path)?;
    let session = connection.open(&plan.region).await?;
    let account = session.cloud.account_id().await?;
    if account != plan.account_id {
        return Err(Error::user(
            format!(
                "`{}` was made for account {}, but these credentials belong to account {account}",
                path.display(),
                plan.account_id
            ),
            "use the credentials the plan was made with, or make a new plan",
        ));
    }
    let corrupt = || {
        Error::user(
            format!("`{}` names an invalid plan or region", path.display()),
            "make the plan again with `gtplan plan PLAN.toml --out FILE.json`",
        )
    };
    let plan_name = PlanName::parse(&plan.plan).map_err(|_| corrupt())?;
    let region = Region::parse(&plan.region).map_err(|_| corrupt())?;
    locked(
        &session.cloud,
        (&plan_name, &region, &account),
        Command::Apply,
        lock,
        ui,
        async {
            ui.show_plan(&plan);
            let outcome = run(&session.cloud, &plan, parallelism, true, ui, Command::Apply).await?;
            let verify = async {
                verified(crate::apply::verify_saved(&session.cloud, &plan, parallelism).await)
            };
            Ok((outcome, Some(verify.boxed_local())))
        },
    )
    .await
}

/// `gtplan force-unlock PLAN ID`: deletes the plan's lock if its id is `id`, after asking.
pub async fn force_unlock(request: &PlanRequest, id: &str, ui: &dyn Ui) -> Result<(), Error> {
    let prepared = prepare(request).await?;
    let cloud = &prepared.session.cloud;
    let spot = lock::spot(
        prepared.file.name(),
        &prepared.account,
        prepared.file.region(),
        &request.lock,
    )?;
    let Some(lock) = cloud.read_lock(&spot).await? else {
        return Err(Error::user(
            format!(
                "plan `{}` is not locked (`{spot}` does not exist)",
                prepared.file.name()
            ),
            "nothing to unlock",
        ));
    };
    let holder = &lock.info;
    if holder.id != id {
        return Err(Error::user(
            format!(
                "the lock of plan `{}` has id {}, not {id}",
                prepared.file.name(),
                holder.id
            ),
            "pass the id the waiting run or `gtplan apply` printed; it may be a newer lock than you think",
        ));
    }
    let question = format!(
        "Do you really want to break the lock held by {} ({}, taken {})?\n  Only do this if that run is gone: two runs at once can race.",
        holder.who,
        holder.operation,
        lock::age(&holder.created)
    );
    if !ui.confirm(&question)? {
        return Err(Error::user(
            "force-unlock cancelled",
            "the lock is still held",
        ));
    }
    if cloud.delete_lock(&spot, &lock.version).await? {
        Ok(())
    } else {
        Err(Error::user(
            format!(
                "the lock of plan `{}` changed while you were asked: nothing was deleted",
                prepared.file.name()
            ),
            "run `gtplan force-unlock` again to see who holds it now",
        ))
    }
}

/// The read-back of what a locked run wrote. It only reads, so it runs while the lock is
/// released rather than before: one round trip less for every apply.
type Verification<'a> = Option<LocalBoxFuture<'a, Result<(), Error>>>;

/// Runs `work` while holding the plan's lock, and releases it however `work` ends: with a
/// result, an error, or Ctrl-C (which stops `work` between its writes).
async fn locked<'a, T>(
    cloud: &dyn Cloud,
    (plan, region, account): (&PlanName, &Region, &str),
    command: Command,
    options: &LockOptions,
    ui: &dyn Ui,
    work: impl Future<Output = Result<(T, Verification<'a>), Error>>,
) -> Result<T, Error> {
    let spot = lock::spot(plan, account, region, options)?;
    let held = lock::acquire(cloud, spot, plan, command, options, ui).await?;
    let result = tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(Error::Interrupted),
    };
    let (value, verify) = match result {
        Ok(done) => done,
        Err(e) => {
            // The run's own error says more than a failed release would.
            let _ = lock::release(cloud, &held).await;
            return Err(e);
        }
    };
    let (released, verified) = futures::join!(lock::release(cloud, &held), async {
        match verify {
            Some(verify) => verify.await,
            None => Ok(()),
        }
    });
    verified?;
    released?;
    Ok(value)
}

fn question(command: Command) -> &'static str {
    match command {
        Command::Apply => "Do you want to perform these actions?",
        Command::Destroy => "Do you really want to destroy all resources of this plan?",
    }
}

async fn run(
    cloud: &dyn Cloud,
    plan: &Plan,
    parallelism: usize,
    recheck: bool,
    ui: &dyn Ui,
    command: Command,
) -> Result<Outcome, Error> {
    let summary = plan.summary();
    if !plan.has_changes() {
        return Ok(Outcome::NoChanges { summary });
    }
    ui.applying();
    let on_event = |event: ApplyEvent<'_>| ui.event(event);
    let options = ApplyOptions {
        parallelism,
        recheck,
    };
    let report = crate::apply::apply(cloud, plan, options, &on_event)
        .await
        .map_err(|failure| Error::Apply { command, failure })?;
    Ok(Outcome::Applied { report, summary })
}
