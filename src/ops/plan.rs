//! The front half of plan, apply and destroy: load the plan file, connect, resolve for the
//! account, refresh, diff. Also saving a plan for a later apply, and reading it back.

use std::path::{Path, PathBuf};

use crate::cloud::Cloud;
use crate::config::{self, PlanFile, VarOverrides};
use crate::model::desired::DesiredState;
use crate::model::observed::Orphan;
use crate::plan::model::FORMAT_VERSION;
use crate::plan::{Plan, diff, refresh};

use super::{Connection, Error, LockOptions, Session};

/// What to plan: a plan file with its variables, where, and how many reads at once.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub path: PathBuf,
    /// `--var NAME=VALUE`, which override `[vars]` and `GTPLAN_VAR_<name>`.
    pub vars: Vec<(String, String)>,
    pub connection: Connection,
    /// How many AWS calls run at once.
    pub parallelism: usize,
    /// How apply and destroy lock the plan (plan does not).
    pub lock: LockOptions,
}

/// Which plan to compute: converge on the plan file, or destroy what it manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Converge,
    Destroy,
}

/// A plan file loaded and a session open for the account it will be planned in.
pub(super) struct Prepared {
    pub file: PlanFile,
    pub session: Session,
    pub account: String,
}

/// Reads the plan file and connects. The whole plan is checked (resolved for a placeholder
/// account, a few milliseconds of CPU) while the connection is made and the account read: a
/// mistake in the plan is reported first, without waiting for AWS.
pub(super) async fn prepare(request: &PlanRequest) -> Result<Prepared, Error> {
    let overrides = VarOverrides::from_env_and_cli(request.vars.clone());
    let file = config::read(&request.path, &overrides)?;
    let checking = {
        let file = file.clone();
        crate::ahead::spawn("check", move || {
            file.resolve(config::PLACEHOLDER_ACCOUNT).map(drop)
        })
    };
    let mut checking = std::pin::pin!(checking);
    let region = file.region().to_string();
    let connecting = async {
        let session = request.connection.open(&region).await?;
        let account = session.cloud.account_id().await?;
        Ok::<_, Error>((session, account))
    };
    let mut connecting = std::pin::pin!(connecting);
    let (session, account) = tokio::select! {
        checked = &mut checking => {
            checked?;
            connecting.await?
        }
        connected = &mut connecting => {
            checking.await?;
            connected?
        }
    };
    Ok(Prepared {
        file,
        session,
        account,
    })
}

/// Resolves, refreshes and diffs; also returns the desired state, to verify against.
pub(super) async fn plan_prepared(
    prepared: &Prepared,
    parallelism: usize,
    mode: Mode,
) -> Result<(DesiredState, Plan), Error> {
    let desired = prepared.file.resolve(&prepared.account)?;
    let plan = diff_live(
        &prepared.session.cloud,
        &desired,
        parallelism,
        mode,
        refresh::Orphans::Find,
    )
    .await?;
    Ok((desired, plan))
}

/// Refreshes what `desired` names (and the plan's orphans, if asked) and diffs it.
pub(super) async fn diff_live(
    cloud: &dyn Cloud,
    desired: &DesiredState,
    parallelism: usize,
    mode: Mode,
    orphans: refresh::Orphans,
) -> Result<Plan, Error> {
    let uploads = match mode {
        Mode::Converge => refresh::Uploads::Listed,
        Mode::Destroy => refresh::Uploads::Headed,
    };
    let mut observed = refresh::refresh(cloud, desired, parallelism, uploads, orphans).await?;
    // A team is deleted only when no running job uses it: read which do, for the teams this
    // plan may delete (those that left the plan; with destroy, all of them).
    let leaving = observed.orphans.iter_mut().filter_map(|o| match o {
        Orphan::Team { team, .. } => Some(team.as_mut()),
        _ => None,
    });
    let destroyed = observed
        .teams
        .values_mut()
        .flatten()
        .filter(|_| mode == Mode::Destroy);
    for team in leaving.chain(destroyed) {
        team.running_jobs = cloud.jobs_using_team(&team.arn).await?;
    }
    let plan = match mode {
        Mode::Converge => diff::diff(desired, &observed),
        Mode::Destroy => diff::destroy(desired, &observed),
    }
    .map_err(Error::Plan)?;
    if mode == Mode::Converge {
        super::template_check::check(cloud, desired, &plan, parallelism).await?;
    }
    Ok(plan)
}

/// Loads, connects, resolves, refreshes and diffs. The session stays open for apply.
pub async fn make_plan(request: &PlanRequest, mode: Mode) -> Result<(Session, Plan), Error> {
    let prepared = prepare(request).await?;
    let (_, plan) = plan_prepared(&prepared, request.parallelism, mode).await?;
    Ok((prepared.session, plan))
}

/// `gtplan plan`: what apply would change.
pub async fn plan(request: &PlanRequest) -> Result<Plan, Error> {
    let (_session, plan) = make_plan(request, Mode::Converge).await?;
    Ok(plan)
}

/// Saves `plan`, with what it observed, for `gtplan apply FILE`.
pub fn save_plan(plan: &Plan, out: &Path) -> Result<(), Error> {
    let json = serde_json::to_vec_pretty(plan)
        .map_err(|e| Error::user(format!("failed to encode the plan: {e}"), "report this bug"))?;
    std::fs::write(out, json).map_err(|e| {
        Error::user(
            format!("failed to write `{}`: {e}", out.display()),
            "check that the folder exists and is writable",
        )
    })
}

/// The version of a saved plan, read first: a plan of another format may not parse as this one.
#[derive(serde::Deserialize)]
struct Version {
    format_version: u32,
}

/// Reads a plan saved with `gtplan plan --out`.
pub fn load_saved(path: &Path) -> Result<Plan, Error> {
    const HINT: &str = "save one with `gtplan plan PLAN.toml --out FILE.json`";
    let bytes = std::fs::read(path).map_err(|e| {
        Error::user(
            format!("failed to read saved plan `{}`: {e}", path.display()),
            HINT,
        )
    })?;
    let not_a_plan = |e: serde_json::Error| {
        Error::user(
            format!("`{}` is not a saved gtplan plan: {e}", path.display()),
            HINT,
        )
    };
    let version: Version = serde_json::from_slice(&bytes).map_err(not_a_plan)?;
    if version.format_version != FORMAT_VERSION {
        return Err(Error::user(
            format!(
                "`{}` was saved by a gtplan with plan format {}, this one reads format {FORMAT_VERSION}",
                path.display(),
                version.format_version,
            ),
            "make the plan again with this gtplan",
        ));
    }
    serde_json::from_slice(&bytes).map_err(not_a_plan)
}
