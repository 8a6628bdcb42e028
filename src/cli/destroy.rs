//! `gtplan destroy PLAN`: delete what the plan manages — never a bucket that holds objects
//! unless it says `force_destroy`; labeling jobs are stopped, as they cannot be deleted.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::apply::finish;
use super::common::{ConnectArgs, LockArgs, Terminal, VarArgs};
use crate::ops::{self, Command, Error, PlanRequest};

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
    #[arg(long, default_value_t = crate::ops::DEFAULT_PARALLELISM)]
    pub parallelism: usize,
    #[command(flatten)]
    pub lock: LockArgs,
}

pub async fn exec(args: &DestroyArgs) -> Result<ExitCode, Error> {
    let ui = Terminal {
        auto_approve: args.auto_approve,
    };
    let request = PlanRequest {
        path: args.plan.clone(),
        vars: args.vars.vars.clone(),
        connection: args.connect.connection(),
        parallelism: args.parallelism,
        lock: args.lock.options(),
    };
    let outcome = ops::destroy(&request, &ui).await?;
    Ok(finish(&outcome, Command::Destroy))
}
