//! `gtplan validate PLAN`: load and resolve a plan file without calling AWS.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::common::{CliError, VarArgs, load_plan};
use crate::config::PLACEHOLDER_ACCOUNT;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The plan file (TOML).
    pub plan: PathBuf,
    #[command(flatten)]
    pub vars: VarArgs,
}

pub fn exec(args: &ValidateArgs) -> Result<ExitCode, CliError> {
    let file = load_plan(&args.plan, &args.vars)?;
    let desired = file
        .resolve(PLACEHOLDER_ACCOUNT)
        .map_err(|e| CliError::Config(Box::new(e)))?;
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
