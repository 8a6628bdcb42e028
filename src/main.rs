//! The `gtplan` binary: parse arguments, run, exit with the command's code.

use clap::Parser;

/// mimalloc rather than the system's allocator: resolving a big plan, and every AWS SDK call,
/// allocate and free small objects by the hundred thousand, which glibc's malloc spends a
/// quarter of `gtplan validate`'s time on (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    gtplan::cli::run(gtplan::cli::Cli::parse())
}
