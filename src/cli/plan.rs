//! `gtplan plan PLAN`: show what apply would change.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::common::{CliError, ConnectArgs, Session, VarArgs, load_plan};
use crate::cloud::Cloud;
use crate::plan::{Plan, diff, refresh, render};

/// `--detailed-exitcode`: exit 2 when the plan has changes (Terraform's convention).
pub const EXIT_CHANGES: u8 = 2;

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The plan file (TOML).
    pub plan: PathBuf,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Print the plan as JSON (schema: docs/plan-json.md).
    #[arg(long)]
    pub json: bool,
    /// Save the plan, with what it observed, for `gtplan apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// How many AWS reads run at once.
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
}

/// Which plan to compute: converge on the plan file, or destroy what it manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Converge,
    Destroy,
}

/// Loads, resolves, refreshes and diffs: the common front half of plan, apply and destroy.
pub async fn make_plan(
    path: &Path,
    vars: &VarArgs,
    connect: &ConnectArgs,
    parallelism: usize,
    mode: Mode,
) -> Result<(Session, Plan), CliError> {
    let file = load_plan(path, vars)?;
    let session = connect.connect(file.region().as_str()).await?;
    let account = session.cloud.account_id().await?;
    let desired = file
        .resolve(&account)
        .map_err(|e| CliError::Config(Box::new(e)))?;
    let observed = refresh::refresh(&session.cloud, &desired, parallelism).await?;
    let plan = match mode {
        Mode::Converge => diff::diff(&desired, &observed),
        Mode::Destroy => diff::destroy(&desired, &observed),
    }
    .map_err(CliError::Plan)?;
    Ok((session, plan))
}

pub async fn exec(args: &PlanArgs) -> Result<ExitCode, CliError> {
    let (_session, plan) = make_plan(
        &args.plan,
        &args.vars,
        &args.connect,
        args.parallelism,
        Mode::Converge,
    )
    .await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&render::json(&plan)).unwrap_or_default()
        );
    } else {
        print!("{}", render::text(&plan));
    }
    if let Some(out) = &args.out {
        save(&plan, out)?;
        if !args.json {
            println!(
                "\nSaved the plan to `{}`. Apply exactly this plan with `gtplan apply {}`.",
                out.display(),
                out.display()
            );
        }
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        ExitCode::from(EXIT_CHANGES)
    } else {
        ExitCode::SUCCESS
    })
}

fn save(plan: &Plan, out: &Path) -> Result<(), CliError> {
    let json = serde_json::to_vec_pretty(plan).map_err(|e| {
        CliError::user(format!("failed to encode the plan: {e}"), "report this bug")
    })?;
    std::fs::write(out, json).map_err(|e| {
        CliError::user(
            format!("failed to write `{}`: {e}", out.display()),
            "check that the folder exists and is writable",
        )
    })
}

/// Reads a plan saved with `gtplan plan --out`.
pub fn load_saved(path: &Path) -> Result<Plan, CliError> {
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::user(
            format!("failed to read saved plan `{}`: {e}", path.display()),
            "save one with `gtplan plan PLAN.toml --out FILE.json`",
        )
    })?;
    let plan: Plan = serde_json::from_slice(&bytes).map_err(|e| {
        CliError::user(
            format!("`{}` is not a saved gtplan plan: {e}", path.display()),
            "save one with `gtplan plan PLAN.toml --out FILE.json`",
        )
    })?;
    if plan.format_version != crate::plan::model::FORMAT_VERSION {
        return Err(CliError::user(
            format!(
                "`{}` was saved by a gtplan with plan format {}, this one reads format {}",
                path.display(),
                plan.format_version,
                crate::plan::model::FORMAT_VERSION
            ),
            "make the plan again with this gtplan",
        ));
    }
    Ok(plan)
}
