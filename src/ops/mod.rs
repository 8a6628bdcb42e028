//! One function per engine command, below the CLI (cargo's `ops`): each runs the pipeline
//! load → connect → refresh → diff → confirm → apply and returns what happened, so that the
//! CLI only parses arguments and prints, and tests and new commands call the same code.
//!
//! What a command shows or asks on the way (the plan, "apply these changes?", progress) goes
//! through the caller's [`Ui`].

mod apply;
mod error;
mod init;
mod labels;
pub mod lock;
mod plan;
mod preview;
mod session;
mod status;
mod template_check;
mod validate;

pub use apply::{Outcome, Ui, apply, apply_saved, destroy, force_unlock};
pub use error::{Command, Error};
pub use init::{Initialized, init};
pub use labels::{LabelRow, LabelSummary, LabeledBy, labels, parse_line};
pub use lock::LockOptions;
pub use plan::{Mode, PlanRequest, load_saved, make_plan, plan, save_plan};
pub use preview::{Previewed, preview};
pub use session::{Connection, SANDBOX_STATE_DIR, Session, Target};
pub use status::{JobReport, JobState, JobWatch, find_job, now_millis, total};
pub use validate::{Validated, validate};

/// How many resources are read, or changes made, at once unless `--parallelism` says
/// otherwise: enough for a small plan's reads to go out in one round (the quickstart has 11
/// resources and a discovery call). AWS throttles what is too much; that is retried.
pub const DEFAULT_PARALLELISM: usize = 16;
