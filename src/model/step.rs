//! The write vocabulary: one [`Step`] per AWS write gtplan makes. The planner decides which
//! steps a change needs; the `Cloud` port executes them. It lives in the model, below both, so
//! that the port never depends on the planner.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Tags;
use super::desired::{CorsRule, Encryption, PublicAccessBlock};
use super::job::JobSpec;
use super::workforce::{APP_CLIENT_NAME, CognitoRef, OidcConfig};

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
    /// Deletes the bucket. `with_objects` (only planned for `force_destroy` buckets) first
    /// deletes every object it holds when the step runs, including any a job wrote after the
    /// plan was made; without it S3 refuses a bucket that is not empty.
    DeleteBucket {
        bucket: String,
        #[serde(default)]
        with_objects: bool,
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
        body: UploadBody,
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
    /// A user pool for a private workforce: only administrators create its users (workers).
    CreateUserPool {
        pool_name: String,
        tags: Tags,
    },
    /// The pool's hosted sign-in domain (`<domain>.auth.<region>.amazoncognito.com`).
    CreateUserPoolDomain {
        pool_name: String,
        domain: String,
    },
    /// The app client (with a secret) SageMaker's worker portal signs in through.
    CreateUserPoolClient {
        pool_name: String,
    },
    /// Deletes the pool gtplan created, its domain first. Without `with_users` it refuses, when
    /// it runs, a pool that holds a user: someone may have been invited since the plan was made.
    DeleteUserPool {
        pool_name: String,
        domain: Option<String>,
        #[serde(default)]
        with_users: bool,
    },
    CreateWorkforce {
        workforce: String,
        identity: WorkforceIdentity,
        source_ip_cidrs: Vec<String>,
        tags: Tags,
    },
    UpdateWorkforce {
        workforce: String,
        source_ip_cidrs: Vec<String>,
    },
    DeleteWorkforce {
        workforce: String,
    },
    /// The Cognito group a team is made of. Its description says whose it is: a group of that
    /// name made by someone else is an error, never taken over.
    CreateGroup {
        cognito: CognitoRef,
        group: String,
        description: String,
    },
    DeleteGroup {
        cognito: CognitoRef,
        group: String,
    },
    /// `AdminCreateUser` with the e-mail address as user name: Cognito e-mails the worker an
    /// invitation with a temporary password. A worker who already has a login keeps it.
    InviteWorker {
        cognito: CognitoRef,
        email: String,
    },
    AddWorkerToGroup {
        cognito: CognitoRef,
        email: String,
        group: String,
    },
    /// Takes a worker out of a team; their login stays.
    RemoveWorkerFromGroup {
        cognito: CognitoRef,
        email: String,
        group: String,
    },
    CreateWorkteam {
        team: String,
        workforce: String,
        description: String,
        members: TeamMembers,
        notification_topic_arn: Option<String>,
        tags: Tags,
    },
    UpdateWorkteam {
        team: String,
        description: String,
        members: TeamMembers,
        notification_topic_arn: Option<String>,
    },
    DeleteWorkteam {
        team: String,
    },
}

/// Who signs a workforce's workers in, as a write names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WorkforceIdentity {
    Cognito { cognito: CognitoRef },
    Oidc { config: OidcConfig },
}

/// A team's `MemberDefinitions`, as a write names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TeamMembers {
    Cognito { cognito: CognitoRef, group: String },
    Oidc { groups: Vec<String> },
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
            Step::DeleteBucket {
                bucket,
                with_objects: false,
            } => format!("DeleteBucket {bucket}"),
            Step::DeleteBucket {
                bucket,
                with_objects: true,
            } => format!("DeleteObjects+DeleteBucket {bucket}"),
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
            Step::CreateUserPool { pool_name, .. } => format!("CreateUserPool {pool_name}"),
            Step::CreateUserPoolDomain { domain, .. } => format!("CreateUserPoolDomain {domain}"),
            Step::CreateUserPoolClient { pool_name } => {
                format!("CreateUserPoolClient {pool_name}/{APP_CLIENT_NAME}")
            }
            Step::DeleteUserPool { pool_name, .. } => format!("DeleteUserPool {pool_name}"),
            Step::CreateWorkforce { workforce, .. } => format!("CreateWorkforce {workforce}"),
            Step::UpdateWorkforce { workforce, .. } => format!("UpdateWorkforce {workforce}"),
            Step::DeleteWorkforce { workforce } => format!("DeleteWorkforce {workforce}"),
            Step::CreateGroup { group, .. } => format!("CreateGroup {group}"),
            Step::DeleteGroup { group, .. } => format!("DeleteGroup {group}"),
            Step::InviteWorker { email, .. } => format!("AdminCreateUser {email}"),
            Step::AddWorkerToGroup { email, group, .. } => {
                format!("AdminAddUserToGroup {email} {group}")
            }
            Step::RemoveWorkerFromGroup { email, group, .. } => {
                format!("AdminRemoveUserFromGroup {email} {group}")
            }
            Step::CreateWorkteam { team, .. } => format!("CreateWorkteam {team}"),
            Step::UpdateWorkteam { team, .. } => format!("UpdateWorkteam {team}"),
            Step::DeleteWorkteam { team } => format!("DeleteWorkteam {team}"),
        }
    }
}

/// What an upload puts: bytes in memory, or a large file that is streamed in parts
/// (multipart upload) when the step runs, and checked against the planned SHA-256 as it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UploadBody {
    Inline {
        #[serde(with = "base64_body")]
        bytes: Vec<u8>,
    },
    File {
        /// Absolute, so that a saved plan applies from any folder.
        path: PathBuf,
        size: u64,
    },
}

impl Default for UploadBody {
    fn default() -> Self {
        UploadBody::Inline { bytes: Vec::new() }
    }
}

impl UploadBody {
    /// The bytes, when they are in memory.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            UploadBody::Inline { bytes } => Some(bytes),
            UploadBody::File { .. } => None,
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
