//! Command-line definitions (clap) and dispatch. Each command lives in its own file; this module
//! only parses arguments and hands them over.

pub mod sandbox;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the local AWS-compatible sandbox (S3, IAM, STS, SageMaker labeling jobs).
    Sandbox(sandbox::SandboxArgs),
}

/// Runs the parsed command and maps its outcome to a process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Sandbox(args) => sandbox::exec(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            report(err.as_ref());
            ExitCode::from(1)
        }
    }
}

/// Prints an error and its causes, cargo style.
pub fn report(err: &dyn std::error::Error) {
    eprintln!("error: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        eprintln!("\nCaused by:\n    {cause}");
        source = cause.source();
    }
}
