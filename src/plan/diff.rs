//! The planner: compares the desired state (from the plan file) with what refresh observed and
//! decides every change, down to the exact write steps. It is a pure function of its two
//! inputs: no I/O, no clock, `BTreeMap` iteration so the output is stable (style rule 2).
//!
//! Every problem is collected and returned together, and nothing partial is returned: a plan
//! either covers every resource or does not exist. Deletions of resources that left the plan
//! and the `destroy` plan live in [`super::destroy`]; the apply order in [`super::graph`].

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

pub use super::destroy::destroy;
use super::model::{Action, Change, FORMAT_VERSION, FieldChange, Plan, Step};
use super::{destroy as deletes, digest, graph};
use crate::model::desired::{DesiredBucket, DesiredJob, DesiredRole, DesiredState, DesiredUpload};
use crate::model::job::JobStatus;
use crate::model::names::PlanName;
use crate::model::observed::{
    BucketLookup, ObservedBucket, ObservedJob, ObservedObject, ObservedRole, ObservedState,
};
use crate::model::{Address, META_ADDRESS, META_PLAN, META_SHA256, TAG_PLAN, Tags};
use crate::policy;

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
pub(crate) struct Outcome {
    changes: Vec<Change>,
    errors: Vec<PlanError>,
}

impl Outcome {
    pub(crate) fn push(&mut self, result: Result<Change, PlanError>) {
        match result {
            Ok(change) => self.changes.push(change),
            Err(error) => self.errors.push(error),
        }
    }

    pub(crate) fn finish(
        self,
        desired: &DesiredState,
        observed: &ObservedState,
    ) -> Result<Plan, PlanErrors> {
        if !self.errors.is_empty() {
            return Err(PlanErrors(self.errors));
        }
        Ok(Plan {
            format_version: FORMAT_VERSION,
            plan: desired.plan.to_string(),
            region: desired.region.to_string(),
            // The account refresh talked to is the one apply will write to.
            account_id: observed.account_id.clone(),
            changes: graph::order(self.changes),
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
    for (address, want) in &desired.jobs {
        let found = observed.jobs.get(address).and_then(Option::as_ref);
        out.push(job_change(desired, address, want, found));
    }
    for orphan in &observed.orphans {
        out.push(deletes::orphan_change(orphan));
    }
    out.finish(desired, observed)
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/// A change with no fields or steps yet.
pub(crate) fn change(
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
pub(crate) fn to_json<T: Serialize>(value: &T) -> Value {
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
pub(crate) enum Ownership {
    Ours,
    Untagged,
    OtherPlan(String),
}

pub(crate) fn ownership(tags: &Tags, plan: &PlanName) -> Ownership {
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

// ---------------------------------------------------------------------------------------------
// Buckets

/// `GetBucketLocation` reports us-east-1 as an empty constraint and old eu-west-1 buckets as `EU`.
fn bucket_region(region: &str) -> &str {
    match region {
        "" => "us-east-1",
        "EU" => "eu-west-1",
        other => other,
    }
}

fn bucket_change(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredBucket,
    lookup: &BucketLookup,
) -> Result<Change, PlanError> {
    let name = want.name.as_str();
    let found = match lookup {
        BucketLookup::Missing => return Ok(create_bucket(desired, address, want, lookup)),
        BucketLookup::OwnedElsewhere => {
            return Err(PlanError::new(
                address,
                format!("bucket name `{name}` is owned by another AWS account"),
                format!(
                    "bucket names are global across all AWS accounts: choose another `name` for `{address}`, e.g. one with your account id or a random suffix"
                ),
            ));
        }
        BucketLookup::Found(found) => found,
    };
    let adopting = check_owner(
        address,
        "bucket",
        name,
        &found.tags,
        &desired.plan,
        want.adopt,
    )?;
    let region = bucket_region(&found.region);
    if region != desired.region.as_str() {
        return Err(PlanError::new(
            address,
            format!(
                "bucket `{name}` is in `{region}` but the plan's region is `{}`",
                desired.region
            ),
            "S3 cannot move a bucket to another region: choose another bucket name, or set the plan's `region` to the bucket's",
        ));
    }
    let (fields, steps) = bucket_updates(want, found);
    let digest = digest::bucket(lookup);
    Ok(update_or_noop(
        address, name, digest, adopting, fields, steps,
    ))
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

/// The differing fields of an existing bucket and one write per field, in the same order as
/// a create (tags first, so an adopted bucket is marked as ours before anything else).
fn bucket_updates(want: &DesiredBucket, found: &ObservedBucket) -> (Vec<FieldChange>, Vec<Step>) {
    let bucket = want.name.to_string();
    let mut fields = Vec::new();
    let mut steps = Vec::new();

    let tag_changes = tag_fields(&found.tags, &want.tags);
    if !tag_changes.is_empty() {
        fields.extend(tag_changes);
        // PutBucketTagging replaces the whole set, which also drops tags the plan no longer has.
        steps.push(Step::PutBucketTagging {
            bucket: bucket.clone(),
            tags: want.tags.clone(),
        });
    }
    if found.public_access_block != Some(want.public_access_block) {
        fields.push(field(
            "public_access_block",
            found.public_access_block.as_ref().map(to_json),
            Some(to_json(&want.public_access_block)),
        ));
        steps.push(Step::PutPublicAccessBlock {
            bucket: bucket.clone(),
            config: want.public_access_block,
        });
    }
    if found.encryption.as_ref() != Some(&want.encryption) {
        fields.push(field(
            "encryption",
            found.encryption.as_ref().map(to_json),
            Some(to_json(&want.encryption)),
        ));
        steps.push(Step::PutBucketEncryption {
            bucket: bucket.clone(),
            encryption: want.encryption.clone(),
        });
    }
    match (&found.policy, want.policy.is_null()) {
        (Some(policy), true) => {
            fields.push(document("policy", Some(policy.clone()), None));
            steps.push(Step::DeleteBucketPolicy {
                bucket: bucket.clone(),
            });
        }
        (None, true) => {}
        (Some(policy), false) if policy::equivalent(policy, &want.policy) => {}
        (policy, false) => {
            fields.push(document(
                "policy",
                policy.clone(),
                Some(want.policy.clone()),
            ));
            steps.push(Step::PutBucketPolicy {
                bucket: bucket.clone(),
                policy: want.policy.clone(),
            });
        }
    }
    if found.cors != want.cors {
        let before = (!found.cors.is_empty()).then(|| to_json(&found.cors));
        let after = (!want.cors.is_empty()).then(|| to_json(&want.cors));
        fields.push(field("cors", before, after));
        steps.push(if want.cors.is_empty() {
            Step::DeleteBucketCors { bucket }
        } else {
            Step::PutBucketCors {
                bucket,
                rules: want.cors.clone(),
            }
        });
    }
    (fields, steps)
}

fn create_bucket(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredBucket,
    lookup: &BucketLookup,
) -> Change {
    let bucket = want.name.to_string();
    let mut c = change(
        address,
        &bucket,
        Action::Create,
        "does not exist",
        digest::bucket(lookup),
    );
    c.fields.push(field(
        "region",
        None,
        Some(Value::String(desired.region.to_string())),
    ));
    c.fields.extend(tag_fields(&Tags::new(), &want.tags));
    c.fields.push(field(
        "public_access_block",
        None,
        Some(to_json(&want.public_access_block)),
    ));
    c.fields
        .push(field("encryption", None, Some(to_json(&want.encryption))));
    c.steps = vec![
        Step::CreateBucket {
            bucket: bucket.clone(),
            region: desired.region.to_string(),
            tags: want.tags.clone(),
        },
        // Again on its own: endpoints that ignore tags on CreateBucket (older S3-compatible
        // servers, moto) still end up with the plan's tags.
        Step::PutBucketTagging {
            bucket: bucket.clone(),
            tags: want.tags.clone(),
        },
        Step::PutPublicAccessBlock {
            bucket: bucket.clone(),
            config: want.public_access_block,
        },
        Step::PutBucketEncryption {
            bucket: bucket.clone(),
            encryption: want.encryption.clone(),
        },
    ];
    if !want.policy.is_null() {
        c.fields
            .push(document("policy", None, Some(want.policy.clone())));
        c.steps.push(Step::PutBucketPolicy {
            bucket: bucket.clone(),
            policy: want.policy.clone(),
        });
    }
    if !want.cors.is_empty() {
        c.fields
            .push(field("cors", None, Some(to_json(&want.cors))));
        c.steps.push(Step::PutBucketCors {
            bucket,
            rules: want.cors.clone(),
        });
    }
    c
}

// ---------------------------------------------------------------------------------------------
// Roles

/// Tags AWS sets itself (`aws:*`) cannot be changed by anyone, so the planner never touches them.
fn is_aws_tag(key: &str) -> bool {
    key.starts_with("aws:")
}

fn role_change(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredRole,
    found: Option<&ObservedRole>,
) -> Result<Change, PlanError> {
    let name = want.name.as_str();
    let digest = digest::role(found);
    let Some(found) = found else {
        return Ok(create_role(address, want, digest));
    };
    let adopting = check_owner(
        address,
        "role",
        name,
        &found.tags,
        &desired.plan,
        want.adopt,
    )?;
    // An adopted role keeps the path it was created with: IAM cannot move it, and refusing
    // would make adopting a role impossible.
    if found.path != want.path && !want.adopt {
        return Err(PlanError::new(
            address,
            format!(
                "role `{name}` exists under the path `{}` but the plan puts it under `{}`",
                found.path, want.path
            ),
            format!(
                "IAM cannot change a role's path: delete the role, choose another role name, or set `adopt = true` on `{address}` to keep its path"
            ),
        ));
    }
    let (fields, steps) = role_updates(want, found);
    Ok(update_or_noop(
        address, name, digest, adopting, fields, steps,
    ))
}

fn role_updates(want: &DesiredRole, found: &ObservedRole) -> (Vec<FieldChange>, Vec<Step>) {
    let role = want.name.to_string();
    let mut fields = Vec::new();
    let mut steps = Vec::new();

    if !policy::equivalent(&found.trust_policy, &want.trust_policy) {
        fields.push(document(
            "trust_policy",
            Some(found.trust_policy.clone()),
            Some(want.trust_policy.clone()),
        ));
        steps.push(Step::UpdateAssumeRolePolicy {
            role: role.clone(),
            policy: want.trust_policy.clone(),
        });
    }
    for (policy_name, doc) in &want.inline_policies {
        let current = found.inline_policies.get(policy_name);
        if current.is_some_and(|c| policy::equivalent(c, doc)) {
            continue;
        }
        fields.push(document(
            format!("inline_policies.{policy_name}"),
            current.cloned(),
            Some(doc.clone()),
        ));
        steps.push(Step::PutRolePolicy {
            role: role.clone(),
            policy_name: policy_name.clone(),
            policy: doc.clone(),
        });
    }
    // Only gtplan's own inline policies are removed; ones a person added stay.
    for (policy_name, doc) in &found.inline_policies {
        if want.inline_policies.contains_key(policy_name) || !policy_name.starts_with("gtplan-") {
            continue;
        }
        fields.push(document(
            format!("inline_policies.{policy_name}"),
            Some(doc.clone()),
            None,
        ));
        steps.push(Step::DeleteRolePolicy {
            role: role.clone(),
            policy_name: policy_name.clone(),
        });
    }

    let mut update_role = false;
    if found.max_session_duration != want.max_session_duration {
        fields.push(field(
            "max_session_duration",
            Some(found.max_session_duration.into()),
            Some(want.max_session_duration.into()),
        ));
        update_role = true;
    }
    // No description in the plan means "not managed": UpdateRole without one leaves it as is.
    if want.description.is_some() && found.description != want.description {
        fields.push(field(
            "description",
            found.description.clone().map(Value::String),
            want.description.clone().map(Value::String),
        ));
        update_role = true;
    }
    if update_role {
        steps.push(Step::UpdateRole {
            role: role.clone(),
            max_session_duration: want.max_session_duration,
            description: want.description.clone(),
        });
    }

    // The plan's tags (the user's plus gtplan's ownership tags) are the role's whole tag set,
    // as they are for buckets, where PutBucketTagging can only replace the set: a tag added
    // behind gtplan's back is drift and is removed. Only AWS's own `aws:` tags are left alone.
    let current: Tags = found
        .tags
        .iter()
        .filter(|(k, _)| !is_aws_tag(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    fields.extend(tag_fields(&current, &want.tags));
    let set: Tags = want
        .tags
        .iter()
        .filter(|(k, v)| current.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !set.is_empty() {
        steps.push(Step::TagRole {
            role: role.clone(),
            tags: set,
        });
    }
    let removed: Vec<String> = current
        .keys()
        .filter(|k| !want.tags.contains_key(*k))
        .cloned()
        .collect();
    if !removed.is_empty() {
        steps.push(Step::UntagRole {
            role,
            keys: removed,
        });
    }
    (fields, steps)
}

fn create_role(address: &Address, want: &DesiredRole, digest: String) -> Change {
    let role = want.name.to_string();
    let mut c = change(address, &role, Action::Create, "does not exist", digest);
    c.fields
        .push(field("path", None, Some(Value::String(want.path.clone()))));
    c.fields.push(field(
        "max_session_duration",
        None,
        Some(want.max_session_duration.into()),
    ));
    if let Some(description) = &want.description {
        c.fields.push(field(
            "description",
            None,
            Some(Value::String(description.clone())),
        ));
    }
    c.fields.extend(tag_fields(&Tags::new(), &want.tags));
    c.fields.push(document(
        "trust_policy",
        None,
        Some(want.trust_policy.clone()),
    ));
    c.steps.push(Step::CreateRole {
        role: role.clone(),
        path: want.path.clone(),
        trust_policy: want.trust_policy.clone(),
        max_session_duration: want.max_session_duration,
        description: want.description.clone(),
        tags: want.tags.clone(),
    });
    for (policy_name, doc) in &want.inline_policies {
        c.fields.push(document(
            format!("inline_policies.{policy_name}"),
            None,
            Some(doc.clone()),
        ));
        c.steps.push(Step::PutRolePolicy {
            role: role.clone(),
            policy_name: policy_name.clone(),
            policy: doc.clone(),
        });
    }
    c
}

// ---------------------------------------------------------------------------------------------
// Uploads

fn upload_change(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredUpload,
    found: Option<&ObservedObject>,
) -> Change {
    let name = format!("s3://{}/{}", want.bucket, want.key);
    let digest = digest::object(found);
    let (action, reason) = match found {
        None => (Action::Create, "does not exist"),
        Some(o) if o.sha256.as_deref() == Some(want.sha256.as_str()) => {
            return with_bucket_dependency(
                desired,
                want,
                change(address, name, Action::NoOp, "matches the plan", digest),
            );
        }
        Some(o) if o.sha256.is_none() => (
            Action::Update,
            "exists without gtplan's content hash and will be overwritten",
        ),
        Some(_) => (Action::Update, "content changed"),
    };
    let mut c = change(address, name, action, reason, digest);
    if action == Action::Create {
        c.fields.push(field(
            "source",
            None,
            Some(Value::String(want.origin.clone())),
        ));
        c.fields.push(field(
            "content_type",
            None,
            Some(Value::String(want.content_type.clone())),
        ));
    }
    c.fields.push(field(
        "sha256",
        found.and_then(|o| o.sha256.clone()).map(Value::String),
        Some(Value::String(want.sha256.clone())),
    ));
    let metadata: Tags = [
        (META_SHA256, want.sha256.clone()),
        (META_PLAN, desired.plan.to_string()),
        (META_ADDRESS, address.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    c.steps.push(Step::PutObject {
        bucket: want.bucket.to_string(),
        key: want.key.to_string(),
        content_type: want.content_type.clone(),
        sha256: want.sha256.clone(),
        metadata,
        body: want.body.clone(),
    });
    with_bucket_dependency(desired, want, c)
}

/// An upload needs its bucket when the plan manages that bucket.
fn with_bucket_dependency(desired: &DesiredState, want: &DesiredUpload, mut c: Change) -> Change {
    c.depends_on = desired
        .buckets
        .iter()
        .filter(|(_, b)| b.name == want.bucket)
        .map(|(a, _)| a.clone())
        .collect();
    c
}

// ---------------------------------------------------------------------------------------------
// Labeling jobs

fn job_change(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredJob,
    found: Option<&ObservedJob>,
) -> Result<Change, PlanError> {
    let name = want.spec.name.as_str();
    let digest = digest::job(found);
    let Some(found) = found else {
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

/// Every leaf of the job request that differs, as dotted paths (`human_task.task_title`).
fn job_differences(want: &DesiredJob, found: &ObservedJob) -> Vec<FieldChange> {
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

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;
