//! `gtplan apply` and `gtplan destroy`: make a plan (or read a saved one), show it, ask, and
//! apply it.

use std::path::Path;

use crate::apply::{ApplyEvent, ApplyOptions, ApplyReport};
use crate::cloud::Cloud;
use crate::plan::{Plan, Summary};

use super::plan::{Mode, PlanRequest, load_saved, make_plan};
use super::{Command, Connection, Error};

/// What a command shows and asks while it works. The CLI prints to the terminal; a test can
/// answer and record.
pub trait Ui: Sync {
    /// The plan about to be applied.
    fn show_plan(&self, plan: &Plan);
    /// Whether to go ahead with `plan`'s changes; not asked for a saved plan, which was
    /// reviewed when it was saved.
    fn confirm(&self, question: &str) -> Result<bool, Error>;
    /// Changes are about to be made.
    fn applying(&self) {}
    /// Progress while changes are made (called concurrently).
    fn event(&self, event: ApplyEvent<'_>);
}

/// How an apply or destroy ended without an error.
#[derive(Debug)]
pub enum Outcome {
    /// The plan had nothing to do.
    NoChanges { summary: Summary },
    /// The user said no.
    Cancelled,
    Applied {
        report: ApplyReport,
        summary: Summary,
    },
}

/// `gtplan apply PLAN.toml`: plan, show, confirm, apply.
pub async fn apply(request: &PlanRequest, ui: &dyn Ui) -> Result<Outcome, Error> {
    let (session, plan) = make_plan(request, Mode::Converge).await?;
    confirm_and_run(
        &session.cloud,
        &plan,
        request.parallelism,
        ui,
        Command::Apply,
    )
    .await
}

/// `gtplan destroy PLAN.toml`: plan the removal of what the plan manages, show, confirm, apply.
pub async fn destroy(request: &PlanRequest, ui: &dyn Ui) -> Result<Outcome, Error> {
    let (session, plan) = make_plan(request, Mode::Destroy).await?;
    confirm_and_run(
        &session.cloud,
        &plan,
        request.parallelism,
        ui,
        Command::Destroy,
    )
    .await
}

/// `gtplan apply SAVED.json`: apply exactly a saved plan, refusing if it was made for another
/// account or if anything it observed has changed since.
pub async fn apply_saved(
    path: &Path,
    connection: &Connection,
    parallelism: usize,
    ui: &dyn Ui,
) -> Result<Outcome, Error> {
    let plan = load_saved(path)?;
    let session = connection.open(&plan.region).await?;
    let account = session.cloud.account_id().await?;
    if account != plan.account_id {
        return Err(Error::user(
            format!(
                "`{}` was made for account {}, but these credentials belong to account {account}",
                path.display(),
                plan.account_id
            ),
            "use the credentials the plan was made with, or make a new plan",
        ));
    }
    ui.show_plan(&plan);
    run(&session.cloud, &plan, parallelism, ui, Command::Apply).await
}

async fn confirm_and_run(
    cloud: &dyn Cloud,
    plan: &Plan,
    parallelism: usize,
    ui: &dyn Ui,
    command: Command,
) -> Result<Outcome, Error> {
    ui.show_plan(plan);
    if !plan.has_changes() {
        return Ok(Outcome::NoChanges {
            summary: plan.summary(),
        });
    }
    let question = match command {
        Command::Apply => "Do you want to perform these actions?",
        Command::Destroy => "Do you really want to destroy all resources of this plan?",
    };
    if !ui.confirm(question)? {
        return Ok(Outcome::Cancelled);
    }
    run(cloud, plan, parallelism, ui, command).await
}

async fn run(
    cloud: &dyn Cloud,
    plan: &Plan,
    parallelism: usize,
    ui: &dyn Ui,
    command: Command,
) -> Result<Outcome, Error> {
    let summary = plan.summary();
    if !plan.has_changes() {
        return Ok(Outcome::NoChanges { summary });
    }
    ui.applying();
    let on_event = |event: ApplyEvent<'_>| ui.event(event);
    let report = crate::apply::apply(cloud, plan, ApplyOptions { parallelism }, &on_event)
        .await
        .map_err(|failure| Error::Apply { command, failure })?;
    Ok(Outcome::Applied { report, summary })
}
