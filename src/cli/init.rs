//! `gtplan init --task-type T [--region R] [DIR]`: writes a ready plan for one task type with a
//! small sample manifest (`ops::init`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::ops::{self, Error};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The task type, e.g. BoundingBox (`gtplan task-types` lists them).
    #[arg(long, value_name = "TYPE")]
    pub task_type: String,
    /// The AWS region the plan targets.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// Make the plan's own private workforce and team (a Cognito user pool, workers invited by
    /// e-mail) instead of naming an existing work team.
    #[arg(long)]
    pub private_team: bool,
    /// The folder to write into (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

pub fn exec(args: &InitArgs) -> Result<ExitCode, Error> {
    let done = ops::init(&args.task_type, &args.region, &args.dir, args.private_team)?;
    let plan = done.plan.display();
    println!(
        "Wrote a `{}` plan for {} to {} ({} files).\n\nNext:\n  gtplan apply {plan} --sandbox    # try it locally, without an AWS account\n  gtplan plan {plan}               # against your AWS account ({first})",
        done.task.name,
        args.region,
        args.dir.display(),
        done.files,
        first = if args.private_team {
            "put your people's e-mail addresses in `workers` first"
        } else {
            "set the `workteam` variable first"
        },
    );
    Ok(ExitCode::SUCCESS)
}
