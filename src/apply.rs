//! Apply: executes a plan's steps, nothing more. The planner already decided everything; apply
//! walks the dependency graph (a change starts when what it uses is done, at most
//! `parallelism` calls in flight), re-reads each resource before its first write when asked
//! (saved plans) and refuses if it moved since the plan was made, then runs the change's steps.
//! Retries of throttling and IAM propagation live in the `Cloud` implementation. After a change
//! fails no other starts; those already running finish, so a rerun converges from a
//! consistent point.

use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::Semaphore;

use crate::cloud::{Cloud, CloudError};
use crate::model::Kind;
use crate::model::Step;
use crate::model::names::{BucketName, JobName, ObjectKey, RoleName};
use crate::plan::graph::{self, Need};
use crate::plan::{Action, Change, Plan, digest};

#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    /// How many changes may run at once.
    pub parallelism: usize,
    /// Re-read each resource before its first write and refuse if it moved since the plan was
    /// made. A saved plan needs it; a plan made moments ago in the same run, under the lock,
    /// would read the same thing twice.
    pub recheck: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            parallelism: 10,
            recheck: true,
        }
    }
}

/// What apply reports while it works (the CLI prints these as progress lines).
#[derive(Debug)]
pub enum ApplyEvent<'a> {
    Started(&'a Change),
    Step(&'a Change, &'a Step),
    Finished(&'a Change, Duration),
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("`{address}` changed since the plan was made")]
    Drifted { address: String },
    /// The call itself is named by its source ("failed to create role `x`: ...").
    #[error("`{address}`")]
    Step {
        address: String,
        #[source]
        source: CloudError,
    },
    #[error("`{address}`: failed to re-read it before writing")]
    Recheck {
        address: String,
        #[source]
        source: CloudError,
    },
    #[error(
        "`{address}`: the plan names `{name}`, which is not a valid {what}; the plan file is corrupt"
    )]
    CorruptPlan {
        address: String,
        name: String,
        what: &'static str,
    },
}

impl ApplyError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ApplyError::Drifted { .. } => Some(
                "someone changed it after `gtplan plan` read it; run `gtplan plan` again and review the new plan",
            ),
            ApplyError::Step { .. } | ApplyError::Recheck { .. } => Some(
                "nothing after the failed change was started; fix the cause and run `gtplan apply` again: it continues from what exists",
            ),
            ApplyError::CorruptPlan { .. } => None,
        }
    }
}

#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Changes fully applied.
    pub applied: usize,
    /// Writes made.
    pub writes: usize,
}

/// Apply stopped: what was done before it stopped, and why.
#[derive(Debug)]
pub struct ApplyFailure {
    pub report: ApplyReport,
    pub errors: Vec<ApplyError>,
}

/// Applies `plan` as a DAG (see `graph::dependencies`): a change starts as soon as what it
/// waits for is done, and at most `parallelism` calls are in flight. Within a change, the
/// create comes first, the delete of the resource last, and the steps between (a bucket's
/// settings, a role's policies) run at once. No-ops make no call. After a failure no change
/// starts; those running finish, so a rerun continues from a consistent point.
pub async fn apply(
    cloud: &dyn Cloud,
    plan: &Plan,
    options: ApplyOptions,
    on_event: &(dyn Fn(ApplyEvent<'_>) + Sync),
) -> Result<ApplyReport, ApplyFailure> {
    let waits = graph::dependencies(plan);
    let calls = Semaphore::new(options.parallelism.max(1));
    let (exists_tx, mut exists_rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let n = plan.changes.len();
    let mut state: Vec<Progress> = plan
        .changes
        .iter()
        .map(|c| {
            if c.action.is_change() {
                Progress::Waiting
            } else {
                Progress::Finished
            }
        })
        .collect();
    let mut exists = vec![false; n];
    let mut report = ApplyReport::default();
    let mut errors = Vec::new();
    let mut running = FuturesUnordered::new();
    loop {
        if errors.is_empty() {
            for i in 0..n {
                let ready = state[i] == Progress::Waiting
                    && waits[i].iter().all(|&(j, need)| match need {
                        Need::Finished => state[j] == Progress::Finished,
                        Need::Exists => exists[j] || state[j] == Progress::Finished,
                    });
                if ready {
                    state[i] = Progress::Running;
                    let exists_tx = exists_tx.clone();
                    let change = &plan.changes[i];
                    let calls = &calls;
                    running.push(async move {
                        let result = apply_change(
                            cloud,
                            change,
                            options.recheck,
                            calls,
                            &|| {
                                let _ = exists_tx.send(i);
                            },
                            on_event,
                        )
                        .await;
                        (i, result)
                    });
                }
            }
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            Some((i, result)) = running.next() => {
                state[i] = Progress::Finished;
                match result {
                    Ok(writes) => {
                        report.applied += 1;
                        report.writes += writes;
                    }
                    Err(e) => errors.push(e),
                }
            }
            Some(i) = exists_rx.recv() => exists[i] = true,
        }
    }
    if errors.is_empty() {
        Ok(report)
    } else {
        Err(ApplyFailure { report, errors })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    Waiting,
    Running,
    Finished,
}

/// How many phases a change's steps run in. 0: the create (the resource exists after it); 1: everything that only needs it, at once;
/// 2: what needs those (a worker's login before their group membership, the pool's app client
/// before the workforce); 3: the delete; 4: what the delete frees (a team's group, the
/// workforce's pool).
const PHASES: usize = 5;

/// The phase of a step within its change (below [`PHASES`]).
fn phase(step: &Step) -> usize {
    match step {
        Step::CreateBucket { .. }
        | Step::CreateRole { .. }
        | Step::CreateUserPool { .. }
        | Step::CreateGroup { .. } => 0,
        Step::AddWorkerToGroup { .. } | Step::CreateWorkforce { .. } => 2,
        Step::DeleteWorkteam { .. } | Step::DeleteWorkforce { .. } => 3,
        Step::DeleteBucket { .. }
        | Step::DeleteRole { .. }
        | Step::DeleteGroup { .. }
        | Step::DeleteUserPool { .. } => 4,
        _ => 1,
    }
}

/// Re-checks one change's resource (when asked), then runs its steps phase by phase (see
/// [`phase`]): the create, then the rest at once, then the delete. `created` is called once the resource exists. Returns the
/// number of writes.
async fn apply_change(
    cloud: &dyn Cloud,
    change: &Change,
    recheck: bool,
    calls: &Semaphore,
    created: &(dyn Fn() + Sync),
    on_event: &(dyn Fn(ApplyEvent<'_>) + Sync),
) -> Result<usize, ApplyError> {
    let started = Instant::now();
    on_event(ApplyEvent::Started(change));
    if recheck {
        let current = {
            let _call = calls.acquire().await;
            current_digest(cloud, change).await?
        };
        if current != change.observed_digest {
            return Err(ApplyError::Drifted {
                address: change.address.to_string(),
            });
        }
    }
    for p in 0..PHASES {
        if p == 1 {
            created();
        }
        let steps = change
            .steps
            .iter()
            .filter(|s| phase(s) == p)
            .map(|step| run_step(cloud, change, step, calls, on_event));
        futures::future::try_join_all(steps).await?;
    }
    on_event(ApplyEvent::Finished(change, started.elapsed()));
    Ok(change.steps.len())
}

async fn run_step(
    cloud: &dyn Cloud,
    change: &Change,
    step: &Step,
    calls: &Semaphore,
    on_event: &(dyn Fn(ApplyEvent<'_>) + Sync),
) -> Result<(), ApplyError> {
    on_event(ApplyEvent::Step(change, step));
    let _call = calls.acquire().await;
    cloud
        .execute(step)
        .await
        .map_err(|source| ApplyError::Step {
            address: change.address.to_string(),
            source,
        })
}

/// After a saved plan was applied: reads each changed resource once more (all at once) and
/// names those that are not where the plan left them: missing after a create or an update, or
/// still there after a delete. (A plan made in the same run is verified more closely, by
/// diffing it again; a saved plan carries its writes, not the state they aim at.)
pub async fn verify_saved(cloud: &dyn Cloud, plan: &Plan, parallelism: usize) -> Vec<String> {
    let checks = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Create | Action::Update | Action::Delete))
        .map(|change| async move {
            let missing = match change.address.kind {
                Kind::Bucket => digest::bucket(&crate::model::observed::BucketLookup::Missing),
                Kind::Role => digest::role(None),
                Kind::Upload => digest::object(None),
                Kind::Job => digest::job(None),
                Kind::Workforce => digest::workforce(None),
                Kind::Team => digest::team(None),
            };
            let gone = match current_digest(cloud, change).await {
                Ok(current) => current == missing,
                Err(e) => return Some(format!("`{}` (could not be read: {e})", change.address)),
            };
            match (change.action, gone) {
                (Action::Delete, false) => Some(format!("`{}` (still exists)", change.address)),
                (Action::Create | Action::Update, true) => {
                    Some(format!("`{}` (does not exist)", change.address))
                }
                _ => None,
            }
        });
    futures::stream::iter(checks)
        .buffer_unordered(parallelism.max(1))
        .filter_map(|problem| async move { problem })
        .collect()
        .await
}

/// Reads the change's resource again and digests it the way the planner did.
async fn current_digest(cloud: &dyn Cloud, change: &Change) -> Result<String, ApplyError> {
    let address = change.address.to_string();
    let corrupt = |what| ApplyError::CorruptPlan {
        address: address.clone(),
        name: change.name.clone(),
        what,
    };
    let recheck = |source| ApplyError::Recheck {
        address: address.clone(),
        source,
    };
    match change.address.kind {
        Kind::Bucket => {
            let name = BucketName::parse(&change.name).map_err(|_| corrupt("bucket name"))?;
            let found = cloud.bucket(&name).await.map_err(recheck)?;
            Ok(digest::bucket(&found))
        }
        Kind::Role => {
            let name = RoleName::parse(&change.name).map_err(|_| corrupt("role name"))?;
            let found = cloud.role(&name, &[]).await.map_err(recheck)?;
            Ok(digest::role(found.as_ref()))
        }
        Kind::Upload => {
            let (bucket, key) = change
                .name
                .strip_prefix("s3://")
                .and_then(|rest| rest.split_once('/'))
                .ok_or_else(|| corrupt("s3:// object URI"))?;
            let bucket = BucketName::parse(bucket).map_err(|_| corrupt("bucket name"))?;
            let key = ObjectKey::parse(key).map_err(|_| corrupt("object key"))?;
            let found = cloud.object(&bucket, &key).await.map_err(recheck)?;
            Ok(digest::object(found.as_ref()))
        }
        Kind::Job => {
            let name = JobName::parse(&change.name).map_err(|_| corrupt("job name"))?;
            let found = cloud.job(&name).await.map_err(recheck)?;
            Ok(digest::job(found.as_ref()))
        }
        Kind::Workforce => {
            let found = cloud.workforce().await.map_err(recheck)?;
            Ok(digest::workforce(found.as_ref()))
        }
        Kind::Team => {
            let found = cloud.team(&change.name).await.map_err(recheck)?;
            Ok(digest::team(found.as_ref()))
        }
    }
}
