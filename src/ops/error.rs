//! Every way an engine command can end badly, each with what the user can do about it.

use std::time::Duration;

use crate::apply::ApplyFailure;
use crate::cloud::CloudError;
use crate::config::ConfigError;
use crate::model::lock::LockInfo;
use crate::plan::diff::PlanErrors;

/// The command that applied changes, for the messages about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Apply,
    Destroy,
}

impl Command {
    /// `apply` or `destroy`, as the user typed it.
    pub fn name(self) -> &'static str {
        match self {
            Command::Apply => "apply",
            Command::Destroy => "destroy",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The plan file is invalid; nothing was called.
    #[error(transparent)]
    Config(Box<ConfigError>),
    /// The plan cannot be made against what exists; nothing was changed.
    #[error("the plan cannot be carried out")]
    Plan(PlanErrors),
    /// Apply or destroy stopped part-way; what was done is in the failure's report.
    #[error("{} stopped", .command.name())]
    Apply {
        command: Command,
        failure: ApplyFailure,
    },
    #[error(transparent)]
    Cloud(#[from] CloudError),
    /// Another run holds the plan's lock, and did not release it within the lock timeout.
    #[error(
        "the plan is locked by {} ({}, {}), lock id {}; waited {}",
        .holder.who,
        .holder.operation,
        crate::ops::lock::age(&.holder.created),
        .holder.id,
        crate::config::format_seconds(.waited.as_secs())
    )]
    LockHeld {
        spot: String,
        holder: Box<LockInfo>,
        waited: Duration,
    },
    /// Ctrl-C: the run stopped between writes and released its lock.
    #[error("interrupted")]
    Interrupted,
    /// Apply finished its writes, but reading back shows resources that do not match.
    #[error("apply made its changes, but {} do not match the plan when read back: {}", .0.len(), .0.join(", "))]
    Verify(Vec<String>),
    /// Anything else the user can fix: a message and how.
    #[error("{message}")]
    User {
        message: String,
        hint: Option<String>,
    },
}

impl Error {
    pub fn user(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::User {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Self::Config(Box::new(e))
    }
}
