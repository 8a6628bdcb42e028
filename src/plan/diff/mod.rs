//! The planner: compares the desired state (from the plan file) with what refresh observed and
//! decides every change, down to the exact write steps. It is a pure function of its two
//! inputs: no I/O, no clock, `BTreeMap` iteration so the output is stable (style rule 2).
//!
//! Every problem is collected and returned together, and nothing partial is returned: a plan
//! either covers every resource or does not exist. Deletions of resources that left the plan
//! and the `destroy` plan live in [`destroy`]; the apply order in [`super::graph`].

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::graph;
use super::model::{Action, Change, FORMAT_VERSION, FieldChange, Plan};
use crate::model::Step;
use crate::model::desired::DesiredState;
use crate::model::names::PlanName;
use crate::model::observed::{BucketLookup, ObservedState};
use crate::model::{Address, TAG_PLAN, Tags};

/// One reason the plan cannot be made, tied to the resource it concerns.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{address}: {message}")]
pub struct PlanError {
    pub address: Address,
    /// What is wrong, lowercase, names in backticks.
    pub message: String,
    /// How to fix it.
    pub hint: String,
    /// The differing fields, when the error is about a difference (an immutable job).
    pub fields: Vec<FieldChange>,
}

impl PlanError {
    pub fn new(address: &Address, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            address: address.clone(),
            message: message.into(),
            hint: hint.into(),
            fields: Vec::new(),
        }
    }
}

/// Every problem found while planning (never empty).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", summary(.0))]
pub struct PlanErrors(pub Vec<PlanError>);

fn summary(errors: &[PlanError]) -> String {
    match errors {
        [one] => one.to_string(),
        many => format!(
            "the plan has {} errors: {}",
            many.len(),
            many.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// Changes and errors as they are found; `finish` turns them into a plan or the error list.
#[derive(Default)]
struct Outcome {
    changes: Vec<Change>,
    errors: Vec<PlanError>,
}

impl Outcome {
    fn push(&mut self, result: Result<Change, PlanError>) {
        match result {
            Ok(change) => self.changes.push(change),
            Err(error) => self.errors.push(error),
        }
    }

    fn finish(self, desired: &DesiredState, observed: &ObservedState) -> Result<Plan, PlanErrors> {
        if !self.errors.is_empty() {
            return Err(PlanErrors(self.errors));
        }
        let changes = graph::order(self.changes);
        Ok(Plan {
            cost: super::cost::estimate(desired, &changes),
            format_version: FORMAT_VERSION,
            plan: desired.plan.to_string(),
            region: desired.region.to_string(),
            // The account refresh talked to is the one apply will write to.
            account_id: observed.account_id.clone(),
            changes,
        })
    }
}

/// Plans the changes that make AWS match `desired`, including the deletion of resources that
/// carry the plan's tag but left the plan file.
pub fn diff(desired: &DesiredState, observed: &ObservedState) -> Result<Plan, PlanErrors> {
    let mut out = Outcome::default();
    for (address, want) in &desired.buckets {
        let lookup = observed
            .buckets
            .get(address)
            .unwrap_or(&BucketLookup::Missing);
        out.push(bucket_change(desired, address, want, lookup));
    }
    for (address, want) in &desired.roles {
        let found = observed.roles.get(address).and_then(Option::as_ref);
        out.push(role_change(desired, address, want, found));
    }
    for (address, want) in &desired.uploads {
        let found = observed.uploads.get(address).and_then(Option::as_ref);
        out.push(Ok(upload_change(desired, address, want, found)));
    }
    if let Some((address, want)) = &desired.workforce {
        out.push(workforce::workforce_change(
            desired, address, want, observed,
        ));
    }
    for (address, want) in &desired.teams {
        let found = observed.teams.get(address).and_then(Option::as_ref);
        out.push(workforce::team_change(desired, address, want, found));
    }
    for (address, want) in &desired.jobs {
        let found = observed.jobs.get(address).and_then(Option::as_ref);
        out.push(job_change(desired, observed, address, want, found));
    }
    for orphan in &observed.orphans {
        out.push(destroy::orphan_change(desired, observed, orphan));
    }
    for error in jobs::external_bucket_errors(desired, observed) {
        out.push(Err(error));
    }
    out.finish(desired, observed)
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/// A change with no fields or steps yet.
fn change(
    address: &Address,
    name: impl Into<String>,
    action: Action,
    reason: impl Into<String>,
    observed_digest: String,
) -> Change {
    Change {
        address: address.clone(),
        name: name.into(),
        action,
        reason: reason.into(),
        fields: Vec::new(),
        steps: Vec::new(),
        observed_digest,
        depends_on: Vec::new(),
        note: None,
    }
}

/// Our own plain data types always serialize; `Null` keeps this infallible without a panic.
fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn field(name: impl Into<String>, before: Option<Value>, after: Option<Value>) -> FieldChange {
    FieldChange {
        field: name.into(),
        before,
        after,
        is_document: false,
    }
}

fn document(name: impl Into<String>, before: Option<Value>, after: Option<Value>) -> FieldChange {
    FieldChange {
        is_document: true,
        ..field(name, before, after)
    }
}

/// One field per tag key whose value differs, as `tags.<key>`.
fn tag_fields(before: &Tags, after: &Tags) -> Vec<FieldChange> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| {
            field(
                format!("tags.{k}"),
                before.get(k).map(|v| Value::String(v.clone())),
                after.get(k).map(|v| Value::String(v.clone())),
            )
        })
        .collect()
}

/// Who manages a resource, by its `gtplan:plan` tag.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ownership {
    Ours,
    Untagged,
    OtherPlan(String),
}

fn ownership(tags: &Tags, plan: &PlanName) -> Ownership {
    match tags.get(TAG_PLAN) {
        Some(p) if p == plan.as_str() => Ownership::Ours,
        Some(p) => Ownership::OtherPlan(p.clone()),
        None => Ownership::Untagged,
    }
}

/// Refuses to touch a resource another plan or a person made, unless the plan adopts it.
/// Returns whether this plan is adopting it now.
fn check_owner(
    address: &Address,
    what: &str,
    name: &str,
    tags: &Tags,
    plan: &PlanName,
    adopt: bool,
) -> Result<bool, PlanError> {
    match ownership(tags, plan) {
        Ownership::Ours => Ok(false),
        Ownership::Untagged if adopt => Ok(true),
        Ownership::Untagged => Err(PlanError::new(
            address,
            format!(
                "{what} `{name}` already exists and was not created by gtplan (it has no `{TAG_PLAN}` tag)"
            ),
            format!(
                "set `adopt = true` on `{address}` to manage the existing {what} with this plan, or choose another name"
            ),
        )),
        Ownership::OtherPlan(other) => Err(PlanError::new(
            address,
            format!("{what} `{name}` belongs to plan `{other}`"),
            format!(
                "a resource is managed by one plan only: remove it from plan `{other}` first, or choose another name"
            ),
        )),
    }
}

/// An existing resource's change: nothing to do, or an update of the differing fields.
fn update_or_noop(
    address: &Address,
    name: &str,
    digest: String,
    adopting: bool,
    fields: Vec<FieldChange>,
    steps: Vec<Step>,
) -> Change {
    if steps.is_empty() {
        return change(address, name, Action::NoOp, "matches the plan", digest);
    }
    let reason = if adopting {
        "exists without gtplan's tags and the plan adopts it (`adopt = true`)"
    } else {
        "differs from the plan"
    };
    let mut c = change(address, name, Action::Update, reason, digest);
    c.fields = fields;
    c.steps = steps;
    c
}

mod buckets;
mod destroy;
mod jobs;
mod roles;
mod uploads;
mod workforce;

use buckets::bucket_change;
pub use destroy::destroy;
use jobs::job_change;
use jobs::job_note;
pub use jobs::next_job_name;
use roles::role_change;
use uploads::upload_change;

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;
