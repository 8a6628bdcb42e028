//! Labeling jobs: created once, never changed; an existing job with other settings is a plan
//! error that names each differing field and suggests a new name.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use crate::model::Address;
use crate::model::Step;
use crate::model::desired::{DesiredJob, DesiredState, Upstream};
use crate::model::job::JobStatus;
use crate::model::observed::{BucketRegion, ObservedJob, ObservedState};
use crate::plan::digest;
use crate::plan::model::{Action, Change, FieldChange};

use super::{Ownership, PlanError, change, field, ownership, to_json};

pub(super) fn job_change(
    desired: &DesiredState,
    observed: &ObservedState,
    address: &Address,
    want: &DesiredJob,
    found: Option<&ObservedJob>,
) -> Result<Change, PlanError> {
    let name = want.spec.name.as_str();
    let digest = digest::job(found);
    let Some(found) = found else {
        if let Some(up) = &want.waits_for {
            let upstream = observed.jobs.get(&up.address).and_then(Option::as_ref);
            if let Some(wait) = wait_for_input(address, want, up, upstream, &digest)? {
                return Ok(wait);
            }
        }
        let mut c = change(address, name, Action::Create, "does not exist", digest);
        let mut fields = Vec::new();
        leaf_diff(&Value::Null, &to_json(&want.spec), "", &mut fields);
        // A create lists what it sets; empty lists are noise.
        fields.retain(|f| f.field != "name" && f.after != Some(Value::Array(Vec::new())));
        c.fields = fields;
        c.steps.push(Step::CreateLabelingJob {
            spec: Box::new(want.spec.clone()),
        });
        c.depends_on.clone_from(&want.depends_on);
        return Ok(c);
    };
    let next = next_job_name(name);
    match ownership(&found.spec.tags, &desired.plan) {
        Ownership::Ours => {}
        Ownership::Untagged => {
            return Err(PlanError::new(
                address,
                format!(
                    "labeling job `{name}` already exists and was not created by plan `{}`",
                    desired.plan
                ),
                format!(
                    "labeling job names are unique in an account and region forever: choose another name, e.g. `{next}`"
                ),
            ));
        }
        Ownership::OtherPlan(other) => {
            return Err(PlanError::new(
                address,
                format!("labeling job `{name}` belongs to plan `{other}`"),
                format!(
                    "labeling job names are unique in an account and region forever: choose another name, e.g. `{next}`"
                ),
            ));
        }
    }
    let fields = job_differences(want, found);
    if !fields.is_empty() {
        return Err(PlanError {
            fields,
            ..PlanError::new(
                address,
                format!("labeling job `{name}` already exists with different settings"),
                format!(
                    "labeling jobs can never be changed: give the job a new name (e.g. `name = \"{next}\"`) to create a new one; the existing job keeps its labels"
                ),
            )
        });
    }
    let mut c = change(address, name, Action::NoOp, "matches the plan", digest);
    c.note = Some(job_note(found));
    c.depends_on.clone_from(&want.depends_on);
    Ok(c)
}

/// Buckets outside the plan that jobs use must exist in the plan's region: Ground Truth reads
/// input data and writes output only in the job's region (fact sheet §3.2).
pub(super) fn external_bucket_errors(
    desired: &DesiredState,
    observed: &ObservedState,
) -> Vec<PlanError> {
    let region = desired.region.as_str();
    let mut errors = Vec::new();
    for (bucket, users) in &desired.external_buckets {
        let (message, hint) = match observed.external_buckets.get(bucket) {
            Some(BucketRegion::In(other)) if other != region => (
                format!("the job uses bucket `{bucket}` in `{other}`, but runs in `{region}`"),
                format!(
                    "Ground Truth reads a job's data and writes its labels only in the job's region: copy the data to a bucket in `{region}`, or make `{other}` the plan's region"
                ),
            ),
            Some(BucketRegion::Missing) => (
                format!("the job uses bucket `{bucket}`, which does not exist"),
                "check the bucket name in the plan's `s3://` URIs and the manifest's `source-ref`s"
                    .to_owned(),
            ),
            _ => continue,
        };
        for address in users {
            errors.push(PlanError::new(address, message.clone(), hint.clone()));
        }
    }
    errors
}

/// A chained job can be created once its input job has finished (its output manifest is
/// final): `Ok(None)`. Until then it waits; a failed input job is an error.
fn wait_for_input(
    address: &Address,
    want: &DesiredJob,
    up: &Upstream,
    upstream: Option<&ObservedJob>,
    digest: &str,
) -> Result<Option<Change>, PlanError> {
    let note = match upstream {
        Some(job) if matches!(job.status, JobStatus::Completed | JobStatus::Stopped) => {
            return Ok(None);
        }
        Some(job) if job.status == JobStatus::Failed => {
            return Err(PlanError::new(
                address,
                format!(
                    "`{}` reads the output of {} (`{}`), which failed: {}",
                    want.spec.name,
                    up.address,
                    up.name,
                    job.failure_reason.as_deref().unwrap_or("no reason given")
                ),
                format!(
                    "fix the cause and give {} a new name, or set `manifest` to a manifest of your own instead of `input_job`",
                    up.address
                ),
            ));
        }
        Some(job) => format!("{} is {}", up.address, job_note(job)),
        None => format!("{} is created by this apply", up.address),
    };
    let mut c = change(
        address,
        want.spec.name.as_str(),
        Action::Wait,
        format!("waits for {} to finish", up.address),
        digest.to_owned(),
    );
    c.note = Some(format!(
        "reads the output manifest of {}; {note}",
        up.address
    ));
    c.depends_on.clone_from(&want.depends_on);
    Ok(Some(c))
}

/// Every leaf of the job request that differs, as dotted paths (`human_task.task_title`).
pub(super) fn job_differences(want: &DesiredJob, found: &ObservedJob) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    leaf_diff(&to_json(&found.spec), &to_json(&want.spec), "", &mut fields);
    // SageMaker treats job names case-insensitively: `Pets-1` is the job `pets-1`.
    if want.spec.name.same_job(found.spec.name.as_str()) {
        fields.retain(|f| f.field != "name");
    }
    fields
}

/// Walks two JSON values side by side and records each differing leaf. Objects are walked
/// through (an absent or `null` object counts as empty, so `None` → `Some({..})` shows its
/// leaves); arrays and scalars are leaves.
pub(crate) fn leaf_diff(before: &Value, after: &Value, path: &str, out: &mut Vec<FieldChange>) {
    let empty = serde_json::Map::new();
    let as_object = |v: &'_ Value| -> Option<serde_json::Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m.clone()),
            Value::Null => Some(empty.clone()),
            _ => None,
        }
    };
    let is_walkable = before.is_object() || after.is_object();
    if let (true, Some(b), Some(a)) = (is_walkable, as_object(before), as_object(after)) {
        let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
        for key in keys {
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            leaf_diff(
                b.get(key).unwrap_or(&Value::Null),
                a.get(key).unwrap_or(&Value::Null),
                &child,
                out,
            );
        }
        return;
    }
    if before != after {
        let present = |v: &Value| (!v.is_null()).then(|| v.clone());
        out.push(field(path, present(before), present(after)));
    }
}

/// A name for the replacement of an immutable job: the trailing number incremented
/// (`pets-v1` → `pets-v2`, `run-009` → `run-010`), else `-2` appended (`pets` → `pets-2`).
pub fn next_job_name(name: &str) -> String {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &name[stem.len()..];
    match digits.parse::<u64>() {
        Ok(n) if !digits.is_empty() => {
            let width = digits.len();
            format!("{stem}{:0width$}", n.saturating_add(1))
        }
        _ => format!("{name}-2"),
    }
}

pub(crate) fn status_name(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Initializing => "Initializing",
        JobStatus::InProgress => "InProgress",
        JobStatus::Completed => "Completed",
        JobStatus::Failed => "Failed",
        JobStatus::Stopping => "Stopping",
        JobStatus::Stopped => "Stopped",
    }
}

/// A job's status line: `InProgress, 3 of 10 labeled`, with failures and the output manifest.
pub(crate) fn job_note(job: &ObservedJob) -> String {
    let c = job.counters;
    let total = c.total_labeled + c.unlabeled + c.failed_non_retryable_error;
    let mut note = format!(
        "{}, {} of {total} labeled",
        status_name(job.status),
        c.total_labeled
    );
    if c.machine_labeled > 0 {
        let _ = write!(note, " ({} by machine)", c.machine_labeled);
    }
    if c.failed_non_retryable_error > 0 {
        let _ = write!(note, ", {} failed", c.failed_non_retryable_error);
    }
    if let Some(reason) = &job.failure_reason {
        let _ = write!(note, ": {reason}");
    }
    if job.status == JobStatus::Completed
        && let Some(uri) = &job.output_manifest_uri
    {
        let _ = write!(note, "; output manifest {uri}");
    }
    note
}
