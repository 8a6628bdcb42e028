//! Links the `gtplan` binary on Linux as a position-dependent executable, as Go links its
//! binaries (Terraform's among them) by default. A position-independent one makes the dynamic
//! loader apply about 140,000 relocations, most of them in the AWS SDK's tables, and copy the
//! pages they sit on, before `main`: 5 ms of every command's start against 1 ms (see
//! docs/performance.md). Only the executable's own address is then fixed; its libraries, heap
//! and stacks are still placed at random.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
