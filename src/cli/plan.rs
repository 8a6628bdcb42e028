//! `gtplan plan PLAN`: show what apply would change.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::common::{ConnectArgs, VarArgs};
use crate::ops::{self, Error, PlanRequest};
use crate::plan::render;

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
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the plan as Markdown, for a pull request comment.
    #[arg(long)]
    pub markdown: bool,
    /// Save the plan, with what it observed, for `gtplan apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// How many resources are read at once.
    #[arg(long, default_value_t = crate::ops::DEFAULT_PARALLELISM)]
    pub parallelism: usize,
}

impl PlanArgs {
    fn request(&self) -> PlanRequest {
        PlanRequest {
            path: self.plan.clone(),
            vars: self.vars.vars.clone(),
            connection: self.connect.connection(),
            parallelism: self.parallelism,
            // `gtplan plan` only reads: it takes no lock.
            lock: ops::LockOptions::default(),
        }
    }
}

pub async fn exec(args: &PlanArgs) -> Result<ExitCode, Error> {
    let plan = ops::plan(&args.request()).await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&render::json(&plan)).unwrap_or_default()
        );
    } else if args.markdown {
        print!("{}", crate::plan::markdown::markdown(&plan));
    } else {
        print!("{}", render::text_painted(&plan, super::common::paint()));
    }
    if let Some(out) = &args.out {
        ops::save_plan(&plan, out)?;
        if !args.json && !args.markdown {
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
