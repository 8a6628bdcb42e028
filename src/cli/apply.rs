//! `gtplan apply PLAN.toml` (plan, confirm, apply) and `gtplan apply SAVED.json` (apply exactly
//! a saved plan, refusing if anything it observed has changed since).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::common::{CliError, ConnectArgs, VarArgs, confirm, is_saved_plan};
use super::plan::{Mode, load_saved, make_plan};
use crate::apply::{ApplyEvent, ApplyOptions, apply};
use crate::cloud::Cloud;
use crate::plan::{Action, Plan, render};

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
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
}

pub async fn exec(args: &ApplyArgs) -> Result<ExitCode, CliError> {
    if is_saved_plan(&args.plan) {
        let plan = load_saved(&args.plan)?;
        let session = args.connect.connect(&plan.region).await?;
        let account = session.cloud.account_id().await?;
        if account != plan.account_id {
            return Err(CliError::user(
                format!(
                    "`{}` was made for account {}, but these credentials belong to account {account}",
                    args.plan.display(),
                    plan.account_id
                ),
                "use the credentials the plan was made with, or make a new plan",
            ));
        }
        print!("{}", render::text(&plan));
        return run(&session.cloud, &plan, args.parallelism, "Apply").await;
    }
    let (session, plan) = make_plan(
        &args.plan,
        &args.vars,
        &args.connect,
        args.parallelism,
        Mode::Converge,
    )
    .await?;
    confirm_and_run(
        &session.cloud,
        &plan,
        args.auto_approve,
        args.parallelism,
        "Do you want to perform these actions?",
        "Apply",
    )
    .await
}

/// Prints a freshly made plan, asks before changing anything (unless `auto_approve`), then
/// applies it. Shared with destroy.
pub async fn confirm_and_run(
    cloud: &dyn Cloud,
    plan: &Plan,
    auto_approve: bool,
    parallelism: usize,
    question: &str,
    what: &str,
) -> Result<ExitCode, CliError> {
    print!("{}", render::text(plan));
    if !plan.has_changes() {
        return Ok(ExitCode::SUCCESS);
    }
    if !auto_approve && !confirm(question)? {
        println!("\n{what} cancelled.");
        return Ok(ExitCode::from(1));
    }
    run(cloud, plan, parallelism, what).await
}

/// Applies `plan`, printing each step, and the final summary. Shared with destroy.
pub async fn run(
    cloud: &dyn Cloud,
    plan: &Plan,
    parallelism: usize,
    what: &str,
) -> Result<ExitCode, CliError> {
    if !plan.has_changes() {
        println!("\n{what} complete! Nothing to do.");
        return Ok(ExitCode::SUCCESS);
    }
    println!();
    let on_event = |event: ApplyEvent<'_>| match event {
        ApplyEvent::Started(c) => println!("{}: {}...", c.address, verb(c.action).0),
        ApplyEvent::Step(c, step) => println!("{}: {}", c.address, step.describe()),
        ApplyEvent::Finished(c, took) => println!(
            "{}: {} after {:.1}s",
            c.address,
            verb(c.action).1,
            took.as_secs_f64()
        ),
    };
    apply(cloud, plan, ApplyOptions { parallelism }, &on_event)
        .await
        .map_err(CliError::Apply)?;
    let s = plan.summary();
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
    Ok(ExitCode::SUCCESS)
}

fn verb(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("Creating", "Creation complete"),
        Action::Update => ("Modifying", "Modifications complete"),
        Action::Stop => ("Stopping", "Stop requested"),
        Action::Delete => ("Destroying", "Destruction complete"),
        Action::NoOp | Action::Wait => ("Checking", "Unchanged"),
    }
}
