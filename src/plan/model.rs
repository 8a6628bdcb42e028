//! The plan: a closed set of changes, each with an action, a reason, field-level before/after
//! and the exact write steps apply will run. The planner makes every decision; apply only
//! executes [`Step`]s (style rule 2).

use serde::{Deserialize, Serialize};

use crate::model::{Address, Step};

/// Version of the saved-plan and `--json` schema; bump on incompatible changes.
/// 2: a `force_destroy` bucket is deleted by one `DeleteBucket` step `with_objects`.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Nothing to do; the resource matches.
    NoOp,
    Create,
    Update,
    /// Stop a running labeling job (jobs cannot be deleted).
    Stop,
    Delete,
    /// A chained labeling job whose input job has not finished: nothing to do yet; a later
    /// apply creates it.
    Wait,
}

impl Action {
    /// The symbol the text renderer prints, as Terraform does.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Stop => "!",
            Action::Delete => "-",
            Action::Wait => "…",
        }
    }

    /// Whether apply has anything to do for this action.
    pub fn is_change(self) -> bool {
        !matches!(self, Action::NoOp | Action::Wait)
    }
}

/// One field whose value differs. `before`/`after` are JSON so that the renderer and the
/// `--json` output treat every field alike; `None` means absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Dotted path, e.g. `policy`, `tags.team`, `max_session_duration`.
    pub field: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// Render as a JSON document diff (policies) rather than a one-line value.
    pub is_document: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub address: Address,
    /// The AWS name of the resource (bucket name, role name, `s3://` URI, job name).
    pub name: String,
    pub action: Action,
    /// Why: "does not exist", "drifted", "removed from the plan", ...
    pub reason: String,
    pub fields: Vec<FieldChange>,
    /// The writes apply performs, in order.
    pub steps: Vec<Step>,
    /// A digest of what refresh observed for this resource; a saved plan is refused when the
    /// resource no longer matches it.
    pub observed_digest: String,
    /// Resources that must be applied first (for deletes: after).
    pub depends_on: Vec<Address>,
    /// Extra information shown with the change, e.g. a job's status and label counters.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub plan: String,
    pub region: String,
    pub account_id: String,
    /// Every resource, in apply order; no-ops included so the renderer can show job status.
    pub changes: Vec<Change>,
    /// What the jobs this plan creates will cost in workers' fees; `None` when it creates none.
    #[serde(default)]
    pub cost: Option<super::cost::CostEstimate>,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub stop: usize,
    pub delete: usize,
    /// Chained jobs waiting for their input job (not changes: apply does nothing for them).
    #[serde(default)]
    pub wait: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::NoOp => {}
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Stop => s.stop += 1,
                Action::Delete => s.delete += 1,
                Action::Wait => s.wait += 1,
            }
        }
        s
    }

    pub fn has_changes(&self) -> bool {
        self.active().next().is_some()
    }

    /// The changes apply makes (no no-ops, no waiting jobs), in apply order.
    pub fn active(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.action.is_change())
    }

    /// `gtplan plan `NAME` in REGION (account ID)`: what every rendering starts with.
    pub fn title(&self) -> String {
        format!(
            "gtplan plan `{}` in {} (account {})",
            self.plan, self.region, self.account_id
        )
    }
}
