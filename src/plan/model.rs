//! The plan: a closed set of changes, each with an action, a reason, field-level before/after
//! and the exact write steps apply will run. The planner makes every decision; apply only
//! executes [`Step`]s (style rule 2).

use serde::{Deserialize, Serialize};

use crate::model::desired::{CorsRule, Encryption, PublicAccessBlock};
use crate::model::job::JobSpec;
use crate::model::{Address, Tags};

/// Version of the saved-plan and `--json` schema; bump on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

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
        self.changes.iter().any(|c| c.action.is_change())
    }
}

/// One write to AWS. Everything apply needs is in the step, so a saved plan applies exactly
/// what was shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Step {
    /// Tags go with the create (CreateBucketConfiguration.Tags), so a bucket never exists
    /// without the plan's ownership tags, even when apply is interrupted right after.
    CreateBucket {
        bucket: String,
        region: String,
        #[serde(default)]
        tags: Tags,
    },
    PutBucketTagging {
        bucket: String,
        tags: Tags,
    },
    PutPublicAccessBlock {
        bucket: String,
        config: PublicAccessBlock,
    },
    PutBucketEncryption {
        bucket: String,
        encryption: Encryption,
    },
    PutBucketPolicy {
        bucket: String,
        policy: serde_json::Value,
    },
    DeleteBucketPolicy {
        bucket: String,
    },
    PutBucketCors {
        bucket: String,
        rules: Vec<CorsRule>,
    },
    DeleteBucketCors {
        bucket: String,
    },
    /// Delete every object (only planned for `force_destroy` buckets).
    EmptyBucket {
        bucket: String,
    },
    DeleteBucket {
        bucket: String,
    },
    CreateRole {
        role: String,
        path: String,
        trust_policy: serde_json::Value,
        max_session_duration: u32,
        description: Option<String>,
        tags: Tags,
    },
    UpdateAssumeRolePolicy {
        role: String,
        policy: serde_json::Value,
    },
    UpdateRole {
        role: String,
        max_session_duration: u32,
        description: Option<String>,
    },
    PutRolePolicy {
        role: String,
        policy_name: String,
        policy: serde_json::Value,
    },
    DeleteRolePolicy {
        role: String,
        policy_name: String,
    },
    DetachRolePolicy {
        role: String,
        policy_arn: String,
    },
    TagRole {
        role: String,
        tags: Tags,
    },
    UntagRole {
        role: String,
        keys: Vec<String>,
    },
    DeleteRole {
        role: String,
    },
    PutObject {
        bucket: String,
        key: String,
        content_type: String,
        sha256: String,
        metadata: Tags,
        #[serde(with = "base64_body")]
        body: Vec<u8>,
    },
    DeleteObject {
        bucket: String,
        key: String,
    },
    CreateLabelingJob {
        spec: Box<JobSpec>,
    },
    StopLabelingJob {
        job: String,
    },
}

impl Step {
    /// A short description for apply's progress lines, e.g. `PutBucketPolicy raw-data`.
    pub fn describe(&self) -> String {
        match self {
            Step::CreateBucket { bucket, .. } => format!("CreateBucket {bucket}"),
            Step::PutBucketTagging { bucket, .. } => format!("PutBucketTagging {bucket}"),
            Step::PutPublicAccessBlock { bucket, .. } => format!("PutPublicAccessBlock {bucket}"),
            Step::PutBucketEncryption { bucket, .. } => format!("PutBucketEncryption {bucket}"),
            Step::PutBucketPolicy { bucket, .. } => format!("PutBucketPolicy {bucket}"),
            Step::DeleteBucketPolicy { bucket } => format!("DeleteBucketPolicy {bucket}"),
            Step::PutBucketCors { bucket, .. } => format!("PutBucketCors {bucket}"),
            Step::DeleteBucketCors { bucket } => format!("DeleteBucketCors {bucket}"),
            Step::EmptyBucket { bucket } => format!("EmptyBucket {bucket}"),
            Step::DeleteBucket { bucket } => format!("DeleteBucket {bucket}"),
            Step::CreateRole { role, .. } => format!("CreateRole {role}"),
            Step::UpdateAssumeRolePolicy { role, .. } => format!("UpdateAssumeRolePolicy {role}"),
            Step::UpdateRole { role, .. } => format!("UpdateRole {role}"),
            Step::PutRolePolicy {
                role, policy_name, ..
            } => {
                format!("PutRolePolicy {role}/{policy_name}")
            }
            Step::DeleteRolePolicy { role, policy_name } => {
                format!("DeleteRolePolicy {role}/{policy_name}")
            }
            Step::DetachRolePolicy { role, policy_arn } => {
                format!("DetachRolePolicy {role} {policy_arn}")
            }
            Step::TagRole { role, .. } => format!("TagRole {role}"),
            Step::UntagRole { role, .. } => format!("UntagRole {role}"),
            Step::DeleteRole { role } => format!("DeleteRole {role}"),
            Step::PutObject { bucket, key, .. } => format!("PutObject s3://{bucket}/{key}"),
            Step::DeleteObject { bucket, key } => format!("DeleteObject s3://{bucket}/{key}"),
            Step::CreateLabelingJob { spec } => format!("CreateLabelingJob {}", spec.name),
            Step::StopLabelingJob { job } => format!("StopLabelingJob {job}"),
        }
    }
}

mod base64_body {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(body: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(body))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}
