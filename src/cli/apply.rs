//! `gtplan apply PLAN.toml` (plan, confirm, apply) and `gtplan apply SAVED.json` (apply exactly
//! a saved plan, refusing if anything it observed has changed since).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::common::{ConnectArgs, LockArgs, Terminal, VarArgs, is_saved_plan};
use crate::ops::{self, Command, Error, Outcome, PlanRequest};

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan file (TOML), or a plan saved with `gtplan plan --out` (JSON).
    pub plan: PathBuf,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Apply without asking for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// How many independent changes run at once.
    #[arg(long, default_value_t = crate::ops::DEFAULT_PARALLELISM)]
    pub parallelism: usize,
    #[command(flatten)]
    pub lock: LockArgs,
}

pub async fn exec(args: &ApplyArgs) -> Result<ExitCode, Error> {
    let ui = Terminal {
        auto_approve: args.auto_approve,
    };
    let connection = args.connect.connection();
    let outcome = if is_saved_plan(&args.plan) {
        ops::apply_saved(
            &args.plan,
            &connection,
            args.parallelism,
            &args.lock.options(),
            &ui,
        )
        .await?
    } else {
        let request = PlanRequest {
            path: args.plan.clone(),
            vars: args.vars.vars.clone(),
            connection,
            parallelism: args.parallelism,
            lock: args.lock.options(),
        };
        ops::apply(&request, &ui).await?
    };
    Ok(finish(&outcome, Command::Apply))
}

/// Prints how apply or destroy ended and returns the exit code. Shared with destroy.
pub fn finish(outcome: &Outcome, command: Command) -> ExitCode {
    let what = match command {
        Command::Apply => "Apply",
        Command::Destroy => "Destroy",
    };
    match outcome {
        Outcome::NoChanges { .. } => ExitCode::SUCCESS,
        Outcome::Cancelled => {
            println!("\n{what} cancelled.");
            ExitCode::from(1)
        }
        Outcome::Applied { summary: s, .. } => {
            println!(
                "\n{what} complete! Resources: {} created, {} updated, {} stopped, {} destroyed.",
                s.create, s.update, s.stop, s.delete
            );
            if s.wait > 0 {
                println!(
                    "{} labeling {} for {} input job to finish; apply again once it has.",
                    s.wait,
                    if s.wait == 1 {
                        "job waits"
                    } else {
                        "jobs wait"
                    },
                    if s.wait == 1 { "its" } else { "their" }
                );
            }
            ExitCode::SUCCESS
        }
    }
}
