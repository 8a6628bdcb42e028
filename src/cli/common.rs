//! What every engine command shares: how to reach AWS (or the sandbox), plan variables,
//! loading a plan, confirmation, and the error report.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use clap::Args;

use crate::apply::ApplyFailure;
use crate::cloud::CloudError;
use crate::cloud::aws::{AwsCloud, ConnectOptions};
use crate::config::{self, ConfigError, PlanFile, VarOverrides};
pub use crate::error_chain::error_chain;
use crate::plan::diff::PlanErrors;
use crate::sandbox::{Sandbox, SandboxConfig};

/// Where the in-process sandbox keeps its state for `--sandbox` (relative to the working
/// directory, so repeated runs see the same world).
pub const SANDBOX_STATE_DIR: &str = ".gtplan/sandbox";

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

/// Every error an engine command can end with, each rendered its own way.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] Box<ConfigError>),
    #[error("the plan cannot be carried out")]
    Plan(PlanErrors),
    #[error("apply stopped")]
    Apply(ApplyFailure),
    #[error(transparent)]
    Cloud(#[from] CloudError),
    #[error("{message}")]
    User {
        message: String,
        hint: Option<String>,
    },
}

impl CliError {
    pub fn user(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::User {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }
}

/// A connection to AWS or to an in-process sandbox, which lives as long as this value.
pub struct Session {
    pub cloud: AwsCloud,
    /// Kept alive for the command's duration.
    _sandbox: Option<Sandbox>,
}

impl ConnectArgs {
    /// Connects for a plan made for `region`. `--region` may only repeat it: the plan's ARNs,
    /// policies and checks are made for its own region.
    pub async fn connect(&self, region: &str) -> Result<Session, CliError> {
        if let Some(other) = self.region.as_deref().filter(|r| *r != region) {
            return Err(CliError::user(
                format!("`--region {other}` conflicts with the plan's region `{region}`"),
                "a plan's ARNs and policies are made for its own region: to deploy it elsewhere, write `region = \"${target_region}\"` with a `[vars]` default and pass `--var target_region=...`",
            ));
        }
        let region = region.to_owned();
        if self.sandbox {
            let sandbox = Sandbox::start(SandboxConfig::new(SANDBOX_STATE_DIR))
                .await
                .map_err(|e| {
                    CliError::user(
                        format!("failed to start the sandbox: {}", error_chain(&e)),
                        format!("is `{SANDBOX_STATE_DIR}` writable?"),
                    )
                })?;
            let cloud = AwsCloud::connect(&ConnectOptions {
                region: Some(region),
                profile: None,
                endpoint_url: Some(sandbox.endpoint_url()),
                credentials: Some((
                    crate::sandbox::DEFAULT_ACCESS_KEY_ID.to_owned(),
                    crate::sandbox::DEFAULT_SECRET_ACCESS_KEY.to_owned(),
                )),
            })
            .await?;
            return Ok(Session {
                cloud,
                _sandbox: Some(sandbox),
            });
        }
        let cloud = AwsCloud::connect(&ConnectOptions {
            region: Some(region),
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
            credentials: None,
        })
        .await?;
        Ok(Session {
            cloud,
            _sandbox: None,
        })
    }
}

/// Loads a plan file with the command's variables.
pub fn load_plan(path: &Path, vars: &VarArgs) -> Result<PlanFile, CliError> {
    let overrides = VarOverrides::from_env_and_cli(vars.vars.clone());
    config::load(path, &overrides).map_err(|e| CliError::Config(Box::new(e)))
}

/// Asks "yes" on the terminal; without a terminal, refuses (use `--auto-approve`).
pub fn confirm(question: &str) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::user(
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
        .map_err(|e| CliError::user(format!("failed to read the answer: {e}"), "try again"))?;
    Ok(answer.trim() == "yes")
}

/// Prints an engine command's error to stderr in its own shape.
pub fn report(err: &CliError) {
    match err {
        CliError::Config(e) => {
            let mut out = String::new();
            let handler =
                miette::GraphicalReportHandler::new_themed(if std::io::stderr().is_terminal() {
                    miette::GraphicalTheme::unicode()
                } else {
                    miette::GraphicalTheme::unicode_nocolor()
                });
            if handler.render_report(&mut out, e.as_ref()).is_err() {
                out = format!("error: {e}");
            }
            eprintln!("{out}");
        }
        CliError::Plan(errors) => eprint!("{}", crate::plan::render::errors_text(errors)),
        CliError::Apply(failure) => {
            for e in &failure.errors {
                eprintln!("error: {}", error_chain(e));
                if let Some(hint) = e.hint() {
                    eprintln!("  hint: {hint}");
                }
            }
            eprintln!(
                "\n{} changes were applied ({} writes) before apply stopped.",
                failure.report.applied, failure.report.writes
            );
        }
        CliError::Cloud(e) => {
            eprintln!("error: {}", error_chain(e));
            if let Some(hint) = cloud_hint(e) {
                eprintln!("  hint: {hint}");
            }
        }
        CliError::User { message, hint } => {
            eprintln!("error: {message}");
            if let Some(hint) = hint {
                eprintln!("  hint: {hint}");
            }
        }
    }
}

fn cloud_hint(e: &CloudError) -> Option<&'static str> {
    match e {
        CloudError::Transport { .. } => Some(
            "check your credentials and network (`aws sts get-caller-identity` should work), or pass `--sandbox` to try gtplan without AWS",
        ),
        CloudError::Service { code, .. } if code.contains("AccessDenied") => Some(
            "the caller lacks a permission gtplan needs; see docs/plan-file.md for the IAM actions gtplan calls",
        ),
        _ => None,
    }
}

/// The plan file or saved plan a command was given, resolved against the working directory.
pub fn is_saved_plan(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}
