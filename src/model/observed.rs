//! What refresh found in AWS, in gtplan's types. Produced only by a `Cloud` implementation;
//! "does not exist" is the absence of a value, never an error.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Tags;
use super::desired::{CorsRule, Encryption, PublicAccessBlock};
use super::job::{JobSpec, JobStatus, LabelCounters};
use super::workforce::{ObservedPool, ObservedTeam, ObservedWorkforce};

/// The objects of a bucket under a prefix, as one `ListObjectsV2` page shows them: enough to
/// see that an upload is in place without a `HeadObject` per upload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectListing {
    /// By key.
    pub objects: BTreeMap<String, ListedObject>,
    /// Whether `objects` is every object under the prefix (S3 had no further page).
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    /// Without its quotes. The hex MD5 of the body for a single-part upload that is not
    /// encrypted with KMS; anything else for other objects.
    pub etag: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedBucket {
    pub name: String,
    pub region: String,
    pub policy: Option<serde_json::Value>,
    pub cors: Vec<CorsRule>,
    pub encryption: Option<Encryption>,
    pub public_access_block: Option<PublicAccessBlock>,
    pub tags: Tags,
    /// Whether the bucket holds at least one object (destroy refuses to delete it then).
    pub has_objects: bool,
}

/// A bucket name is global: it may exist in an account we cannot read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BucketLookup {
    Missing,
    /// `HeadBucket` answered 403: another account owns the name.
    OwnedElsewhere,
    Found(Box<ObservedBucket>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedRole {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub trust_policy: serde_json::Value,
    pub inline_policies: BTreeMap<String, serde_json::Value>,
    pub attached_policy_arns: Vec<String>,
    pub max_session_duration: u32,
    pub description: Option<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedObject {
    pub bucket: String,
    pub key: String,
    /// The `gtplan-sha256` metadata, when gtplan uploaded it.
    pub sha256: Option<String>,
    pub size: u64,
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedJob {
    pub arn: String,
    pub status: JobStatus,
    pub counters: LabelCounters,
    pub failure_reason: Option<String>,
    pub output_manifest_uri: Option<String>,
    /// The request the job was created with, as `DescribeLabelingJob` reports it.
    pub spec: JobSpec,
    /// When it was created and last changed status (absent in plans saved by older gtplans).
    #[serde(default)]
    pub times: Option<JobTimes>,
}

/// `CreationTime` and `LastModifiedTime`, in milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobTimes {
    pub created_ms: i64,
    pub last_modified_ms: i64,
}

/// Everything refresh read: for each address in the desired state what exists under its name,
/// and the plan's resources that are no longer in the plan file (found by tag or IAM path).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedState {
    pub account_id: String,
    pub buckets: BTreeMap<super::Address, BucketLookup>,
    pub roles: BTreeMap<super::Address, Option<ObservedRole>>,
    pub uploads: BTreeMap<super::Address, Option<ObservedObject>>,
    pub jobs: BTreeMap<super::Address, Option<ObservedJob>>,
    /// Resources carrying the plan's tag (or IAM path) whose address left the plan file.
    pub orphans: Vec<Orphan>,
    /// Where the buckets outside the plan that jobs read or write are.
    #[serde(default)]
    pub external_buckets: BTreeMap<String, BucketRegion>,
    /// The region's workforce, whoever made it (there is at most one).
    #[serde(default)]
    pub workforce: Option<ObservedWorkforce>,
    /// The user pool the plan's workforce creates, found by name.
    #[serde(default)]
    pub pool: Option<ObservedPool>,
    #[serde(default)]
    pub teams: BTreeMap<super::Address, Option<ObservedTeam>>,
}

/// The region of a bucket the plan does not manage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BucketRegion {
    In(String),
    Missing,
    /// Another account's bucket that does not say where it is.
    Hidden,
}

/// What carries the plan's mark, by name (see `Cloud::plan_resources`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanResources {
    pub buckets: Vec<String>,
    pub roles: Vec<String>,
    pub jobs: Vec<String>,
    /// Work team names.
    pub teams: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Orphan {
    Bucket {
        address: super::Address,
        bucket: ObservedBucket,
    },
    Role {
        address: super::Address,
        role: ObservedRole,
    },
    Job {
        address: super::Address,
        job: Box<ObservedJob>,
    },
    Team {
        address: super::Address,
        team: Box<ObservedTeam>,
    },
}
