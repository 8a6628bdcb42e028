//! `gtplan force-unlock PLAN ID`: break a plan's lock that a vanished run left behind.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::common::{ConnectArgs, LockArgs, Terminal, VarArgs};
use crate::ops::{self, Error, PlanRequest};

#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    /// The plan file (TOML) whose lock to break.
    pub plan: PathBuf,
    /// The lock id, as the waiting run or the lock error printed it.
    pub id: String,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub force: bool,
}

pub async fn exec(args: &ForceUnlockArgs) -> Result<ExitCode, Error> {
    let request = PlanRequest {
        path: args.plan.clone(),
        vars: args.vars.vars.clone(),
        connection: args.connect.connection(),
        parallelism: 1,
        lock: args.lock.options(),
    };
    let ui = Terminal {
        auto_approve: args.force,
    };
    Box::pin(ops::force_unlock(&request, &args.id, &ui)).await?;
    println!(
        "The lock {} of `{}` is broken.",
        args.id,
        args.plan.display()
    );
    Ok(ExitCode::SUCCESS)
}
