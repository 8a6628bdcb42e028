//! The desired state: what a resolved plan file says should exist. Built only by
//! `config::resolve`; every field is already validated and every template rendered.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::job::JobSpec;
use super::names::{BucketName, ObjectKey, PlanName, Region, RoleName};
use super::step::UploadBody;
use super::workforce::{DesiredTeam, DesiredWorkforce};
use super::{Address, Tags};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredState {
    pub plan: PlanName,
    pub region: Region,
    /// The account the plan was resolved for (templates name it in policies).
    pub account_id: String,
    pub buckets: BTreeMap<Address, DesiredBucket>,
    pub roles: BTreeMap<Address, DesiredRole>,
    pub uploads: BTreeMap<Address, DesiredUpload>,
    pub jobs: BTreeMap<Address, DesiredJob>,
    /// The region's private workforce, when the plan has a `[workforce]` (address
    /// `workforce.<name>`).
    #[serde(default)]
    pub workforce: Option<(Address, DesiredWorkforce)>,
    #[serde(default)]
    pub teams: BTreeMap<Address, DesiredTeam>,
    /// Buckets outside the plan that jobs read from or write to (`s3://` URIs in the plan,
    /// `source-ref`s of manifests), with the jobs that use each. Ground Truth needs them in the
    /// job's region.
    #[serde(default)]
    pub external_buckets: BTreeMap<String, Vec<Address>>,
}

impl DesiredState {
    /// The plan's upload at `s3://bucket/key`, if `uri` names one.
    pub fn upload_at(&self, uri: &str) -> Option<&DesiredUpload> {
        let rest = uri.strip_prefix("s3://")?;
        let (bucket, key) = rest.split_once('/')?;
        self.uploads
            .values()
            .find(|u| u.bucket.as_str() == bucket && u.key.as_str() == key)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredBucket {
    pub name: BucketName,
    /// The rendered bucket policy.
    pub policy: serde_json::Value,
    /// Empty means "no CORS configuration".
    pub cors: Vec<CorsRule>,
    pub encryption: Encryption,
    pub public_access_block: PublicAccessBlock,
    /// User tags plus gtplan's ownership tags.
    pub tags: Tags,
    /// Allow `destroy` to delete the bucket's objects with it.
    pub force_destroy: bool,
    /// Take over a bucket that exists without gtplan's tags.
    pub adopt: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsRule {
    pub allowed_headers: Vec<String>,
    pub allowed_methods: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age_seconds: Option<i32>,
}

/// Default encryption of new objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "algorithm", rename_all = "snake_case")]
pub enum Encryption {
    /// SSE-S3 (`AES256`).
    S3Managed,
    /// SSE-KMS with a key id or ARN (`None`: the AWS-managed `aws/s3` key).
    Kms {
        key_id: Option<String>,
        bucket_key: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "mirrors S3's PublicAccessBlockConfiguration: four independent switches"
)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub const ALL_ON: Self = Self {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredRole {
    pub name: RoleName,
    /// `/gtplan/<plan>/`
    pub path: String,
    pub trust_policy: serde_json::Value,
    /// Inline policies by name (gtplan writes one, named after the plan).
    pub inline_policies: BTreeMap<String, serde_json::Value>,
    /// max(3600, the longest task time limit of the jobs using the role), ≤ 43200.
    pub max_session_duration: u32,
    pub description: Option<String>,
    pub tags: Tags,
    pub adopt: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredUpload {
    pub bucket: BucketName,
    pub key: ObjectKey,
    /// Where the content came from, for messages (`data/manifest.jsonl`, `generated from labels`).
    pub origin: String,
    #[serde(skip)]
    pub body: UploadBody,
    /// Hex SHA-256 of `body`: the upload's identity.
    pub sha256: String,
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredJob {
    pub spec: JobSpec,
    /// The addresses this job needs to exist first (its role, uploads, buckets).
    pub depends_on: Vec<Address>,
    /// Objects in its input manifest, when the plan holds it (the cost estimate's basis);
    /// `None` for a manifest elsewhere in S3 and for streaming jobs.
    #[serde(default)]
    pub input_objects: Option<u64>,
    /// A chained job reads another job's output manifest, which exists once that job has
    /// finished: until then the job waits (it is created by a later apply).
    #[serde(default)]
    pub waits_for: Option<Upstream>,
}

/// The plan job a chained job reads from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upstream {
    pub address: Address,
    /// Its labeling job name.
    pub name: String,
}
