//! `gtplan validate PLAN`: load and resolve a plan file without calling AWS.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::common::VarArgs;
use crate::ops::{self, Error};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The plan file (TOML).
    pub plan: PathBuf,
    #[command(flatten)]
    pub vars: VarArgs,
}

pub fn exec(args: &ValidateArgs) -> Result<ExitCode, Error> {
    let desired = ops::validate(&args.plan, &args.vars.vars)?.desired;
    println!(
        "Success! `{}` is valid: plan `{}` in {} with {} buckets, {} roles, {} uploads and {} labeling jobs.",
        args.plan.display(),
        desired.plan,
        desired.region,
        desired.buckets.len(),
        desired.roles.len(),
        desired.uploads.len(),
        desired.jobs.len()
    );
    Ok(ExitCode::SUCCESS)
}
