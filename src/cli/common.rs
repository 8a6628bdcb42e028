//! What every engine command's arguments share: how to reach AWS (or the sandbox) and plan
//! variables, turned into the `ops` types; and the terminal [`Ui`] for apply and destroy.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;

use std::time::Duration;

use crate::apply::ApplyEvent;
use crate::config::{format_seconds, parse_seconds};
use crate::model::lock::LockInfo;
use crate::ops::{self, Connection, Error, LockOptions, Target};
use crate::plan::{Action, Plan, render};

#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Run against an in-process sandbox (state in .gtplan/sandbox/) instead of AWS.
    #[arg(long, conflicts_with_all = ["endpoint_url", "profile"])]
    pub sandbox: bool,
    /// Send every AWS request to this endpoint (e.g. a running `gtplan sandbox` or moto).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Use this profile from the AWS config files.
    #[arg(long)]
    pub profile: Option<String>,
    /// The region to use; must match the plan's `region` (kept for parity with the AWS CLI).
    #[arg(long)]
    pub region: Option<String>,
}

impl ConnectArgs {
    pub fn connection(&self) -> Connection {
        let target = if self.sandbox {
            Target::Sandbox
        } else if let Some(url) = &self.endpoint_url {
            Target::Endpoint(url.clone())
        } else {
            Target::Aws {
                profile: self.profile.clone(),
            }
        };
        Connection {
            target,
            region: self.region.clone(),
            credentials: None,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct LockArgs {
    /// How long to wait for another run's lock on the plan, e.g. `30s`, `10m`; `0` fails at once.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub lock_timeout: Duration,
    /// Keep the plan's lock in this bucket instead of `gtplan-locks-<account>-<region>`.
    #[arg(long, value_name = "BUCKET")]
    pub lock_bucket: Option<String>,
}

impl LockArgs {
    pub fn options(&self) -> LockOptions {
        LockOptions {
            timeout: self.lock_timeout,
            bucket: self.lock_bucket.clone(),
        }
    }
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    parse_seconds(s)
        .map(Duration::from_secs)
        .map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Args)]
pub struct VarArgs {
    /// Set a plan variable, overriding `[vars]` and GTPLAN_VAR_<name> (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("`{s}` is not NAME=VALUE"))
}

/// `--no-color`, set once at start.
static NO_COLOR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn set_no_color(no_color: bool) {
    NO_COLOR.store(no_color, std::sync::atomic::Ordering::Relaxed);
}

/// Colours for standard output: only on a terminal, and not with `--no-color` or a non-empty
/// `NO_COLOR` (no-color.org).
pub fn paint() -> render::Paint {
    let env_says_no = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    render::Paint {
        enabled: !NO_COLOR.load(std::sync::atomic::Ordering::Relaxed)
            && !env_says_no
            && std::io::stdout().is_terminal(),
    }
}

/// What a command that only reads (status, labels, preview) asks of `ops`: no lock, the
/// default parallelism.
pub fn read_request(
    plan: &std::path::Path,
    vars: &VarArgs,
    connect: &ConnectArgs,
) -> ops::PlanRequest {
    ops::PlanRequest {
        path: plan.to_owned(),
        vars: vars.vars.clone(),
        connection: connect.connection(),
        parallelism: ops::DEFAULT_PARALLELISM,
        lock: LockOptions::default(),
    }
}

/// The plan file or saved plan a command was given: saved plans are JSON.
pub fn is_saved_plan(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

/// Apply and destroy on a terminal: the plan and progress on stdout, "yes" asked on stdin.
pub struct Terminal {
    pub auto_approve: bool,
}

impl ops::Ui for Terminal {
    fn show_plan(&self, plan: &Plan) {
        print!("{}", render::text_painted(plan, paint()));
    }

    /// Without a terminal, refuses (use `--auto-approve`).
    fn confirm(&self, question: &str) -> Result<bool, Error> {
        if self.auto_approve {
            return Ok(true);
        }
        if !std::io::stdin().is_terminal() {
            return Err(Error::user(
                "refusing to make changes without confirmation: standard input is not a terminal",
                "review the plan above and pass `--auto-approve` to apply it",
            ));
        }
        print!("\n{question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| Error::user(format!("failed to read the answer: {e}"), "try again"))?;
        Ok(answer.trim() == "yes")
    }

    fn waiting_for_lock(&self, holder: &LockInfo, timeout: Duration) {
        eprintln!(
            "gtplan: plan `{}` is locked by {} ({}, taken {}, lock id {}); waiting up to {} for it",
            holder.plan,
            holder.who,
            holder.operation,
            ops::lock::age(&holder.created),
            holder.id,
            format_seconds(timeout.as_secs())
        );
    }

    fn taking_over_lock(&self, holder: &LockInfo) {
        eprintln!(
            "gtplan: taking over the lock {} of plan `{}`: the {} that took it {} on this machine (pid {}) is gone",
            holder.id,
            holder.plan,
            holder.operation,
            ops::lock::age(&holder.created),
            holder.pid.unwrap_or_default()
        );
    }

    fn applying(&self) {
        println!();
    }

    fn event(&self, event: ApplyEvent<'_>) {
        match event {
            ApplyEvent::Started(c) => println!("{}: {}...", c.address, verb(c.action).0),
            ApplyEvent::Step(c, step) => println!("{}: {}", c.address, step.describe()),
            ApplyEvent::Finished(c, took) => println!(
                "{}: {} after {:.1}s",
                c.address,
                verb(c.action).1,
                took.as_secs_f64()
            ),
        }
    }
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
