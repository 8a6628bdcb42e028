//! The `gtplan` binary: parse arguments, run, exit with the command's code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    gtplan::cli::run(gtplan::cli::Cli::parse())
}
