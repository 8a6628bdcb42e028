//! Command-line definitions (clap) and dispatch. Each command lives in its own file with its
//! arguments and an `exec`; this module only parses, runs and maps the outcome to an exit code.

pub mod apply;
pub mod common;
pub mod completions;
pub mod destroy;
pub mod force_unlock;
pub mod init;
pub mod labels;
pub mod plan;
pub mod preview;
pub mod report;
pub mod sandbox;
pub mod status;
pub mod task_types;
pub mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::ops::Error;

#[derive(Debug, Parser)]
#[command(
    name = "gtplan",
    version,
    about = "SageMaker Ground Truth labeling jobs as code",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Never colour the output (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a plan file without calling AWS.
    Validate(validate::ValidateArgs),
    /// Show what apply would change.
    Plan(plan::PlanArgs),
    /// Make the changes a plan shows (asks first unless --auto-approve).
    Apply(apply::ApplyArgs),
    /// Delete what a plan manages (asks first unless --auto-approve).
    Destroy(destroy::DestroyArgs),
    /// Break a plan's lock left behind by a run that is gone (asks first unless --force).
    ForceUnlock(force_unlock::ForceUnlockArgs),
    /// Show each labeling job's status and label counters (`--watch` follows them).
    Status(status::StatusArgs),
    /// Print a finished job's labels, one row per object (summary on stderr).
    Labels(labels::LabelsArgs),
    /// Render a job's worker template with its first manifest objects, as HTML for a browser.
    Preview(preview::PreviewArgs),
    /// Write a ready plan for a task type, with sample data.
    Init(init::InitArgs),
    /// List the built-in Ground Truth task types and their rules.
    TaskTypes(task_types::TaskTypesArgs),
    /// Print the plan file's JSON Schema (for editors: see docs/editors.md).
    Schema,
    /// Print a shell completion script: `gtplan completions bash > /etc/bash_completion.d/gtplan`.
    Completions(completions::CompletionsArgs),
    /// Write man pages (used by scripts/man).
    #[command(hide = true)]
    Man(completions::ManArgs),
    /// Run the local AWS-compatible sandbox (S3, IAM, STS, SageMaker, Cognito, the tagging API).
    Sandbox(sandbox::SandboxArgs),
}

/// Runs the parsed command and maps its outcome to a process exit code: 0 success, 1 error,
/// 2 for `plan --detailed-exitcode` with changes.
pub fn run(cli: Cli) -> ExitCode {
    common::set_no_color(cli.no_color);
    // One thread: gtplan waits on the network and computes little meanwhile, and so does the
    // sandbox per request. A second worker only adds hand-offs between threads: a sandbox
    // PutObject took 0.19-0.24 ms of CPU with two workers, 0.15 ms with one (2-core machine).
    // Resolving a plan runs on threads of its own, at a lower priority (`crate::ahead`).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    // The sandbox stops in order: a request may be writing its state.
    let orderly = matches!(cli.command, Command::Sandbox(_));
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            report::report(&Error::user(
                format!("failed to start the async runtime: {e}"),
                "this machine may be out of threads or memory",
            ));
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Validate(args) => validate::exec(&args),
            Command::Plan(args) => plan::exec(&args).await,
            Command::Apply(args) => apply::exec(&args).await,
            Command::Destroy(args) => destroy::exec(&args).await,
            Command::ForceUnlock(args) => Box::pin(force_unlock::exec(&args)).await,
            Command::Status(args) => Box::pin(status::exec(&args)).await,
            Command::Labels(args) => labels::exec(&args).await,
            Command::Preview(args) => preview::exec(&args).await,
            Command::Init(args) => init::exec(&args),
            Command::TaskTypes(args) => task_types::exec(&args),
            Command::Sandbox(args) => sandbox::exec(args).await,
            Command::Schema => Ok(completions::schema()),
            Command::Completions(args) => Ok(completions::completions(&args)),
            Command::Man(args) => completions::man(&args),
        }
    });
    if !orderly {
        // Shutting the runtime down closes every pooled connection and joins the worker
        // threads: milliseconds at the end of each command for what exit frees anyway. A
        // command's work is done when `block_on` returns (nothing runs detached).
        std::mem::forget(runtime);
    }
    match result {
        Ok(code) => code,
        Err(err) => {
            report::report(&err);
            ExitCode::from(1)
        }
    }
}
