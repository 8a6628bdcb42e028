//! `gtplan destroy PLAN`: delete what the plan manages — never a bucket that holds objects
//! unless it says `force_destroy`; labeling jobs are stopped, as they cannot be deleted.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::apply::confirm_and_run;
use super::common::{CliError, ConnectArgs, VarArgs};
use super::plan::{Mode, make_plan};

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// The plan file (TOML).
    pub plan: PathBuf,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Destroy without asking for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// How many independent changes run at once.
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
}

pub async fn exec(args: &DestroyArgs) -> Result<ExitCode, CliError> {
    let (session, plan) = make_plan(
        &args.plan,
        &args.vars,
        &args.connect,
        args.parallelism,
        Mode::Destroy,
    )
    .await?;
    confirm_and_run(
        &session.cloud,
        &plan,
        args.auto_approve,
        args.parallelism,
        "Do you really want to destroy all resources of this plan?",
        "Destroy",
    )
    .await
}
