//! The boundary between gtplan and AWS. The planner and apply see only this trait, which takes
//! and returns gtplan's own types; missing resources are `Ok(None)` (or `BucketLookup::Missing`).
//! `aws` implements it with the AWS SDK; nothing else touches `aws_sdk_*` types.

pub mod aws;

use crate::model::Step;
use crate::model::lock::{Lock, LockInfo, LockSpot, TryLock};
use crate::model::names::{BucketName, JobName, ObjectKey, PlanName, RoleName};
use crate::model::observed::{
    BucketLookup, BucketRegion, ObjectListing, ObservedJob, ObservedObject, ObservedRole,
    PlanResources,
};
use crate::model::workforce::{ObservedPool, ObservedTeam, ObservedWorkforce};

/// A failed call to AWS, with what gtplan was doing.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    /// AWS answered with an error code.
    #[error("failed to {action}: {code}: {message}")]
    Service {
        action: String,
        code: String,
        message: String,
    },
    /// The endpoint could not be reached at all (refused, timed out, no such host).
    #[error("failed to {action}: cannot reach {endpoint}: {reason}")]
    Unreachable {
        action: String,
        /// The endpoint URL, or which AWS region.
        endpoint: String,
        /// In plain words: "connection refused", "timed out", ...
        reason: String,
    },
    /// No answer for another reason (credentials, a malformed response).
    #[error("failed to {action}")]
    Transport {
        action: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The precondition of a write no longer holds (e.g. `If-None-Match` on an existing key).
    #[error("failed to {action}: {message}")]
    Conflict { action: String, message: String },
}

impl CloudError {
    /// The AWS error code, when AWS answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            CloudError::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// An object's body as S3 streams it: read it line by line without holding it whole.
pub type ObjectBody = Box<dyn tokio::io::AsyncBufRead + Send + Unpin>;

/// Reads and writes gtplan needs. Implementations own retries (throttling, IAM propagation).
#[async_trait::async_trait]
pub trait Cloud: Send + Sync {
    /// The account the credentials belong to (`sts:GetCallerIdentity`).
    async fn account_id(&self) -> Result<String, CloudError>;

    /// A bucket with all its settings, or why it cannot be read.
    async fn bucket(&self, name: &BucketName) -> Result<BucketLookup, CloudError> {
        Ok(self.bucket_and_objects(name, None).await?.0)
    }

    /// [`Cloud::bucket`], and with `list` the first page of its objects under that prefix,
    /// read at the same time (`None` when the bucket cannot be read).
    async fn bucket_and_objects(
        &self,
        name: &BucketName,
        list: Option<&str>,
    ) -> Result<(BucketLookup, Option<ObjectListing>), CloudError>;

    /// Only the region of a bucket the plan does not manage (`HeadBucket`).
    async fn bucket_region(&self, name: &str) -> Result<BucketRegion, CloudError>;

    /// A role with its trust policy, inline policies, attached policy ARNs and tags.
    /// `expected_policies` are the inline policies it should have: read at the same time as
    /// the role (any others it has are read too, after).
    async fn role(
        &self,
        name: &RoleName,
        expected_policies: &[String],
    ) -> Result<Option<ObservedRole>, CloudError>;

    /// An object's metadata (never its body).
    async fn object(
        &self,
        bucket: &BucketName,
        key: &ObjectKey,
    ) -> Result<Option<ObservedObject>, CloudError>;

    /// An object's body, streamed (any bucket, e.g. a job's output manifest); `None` when the
    /// object or its bucket does not exist.
    async fn object_body(&self, bucket: &str, key: &str) -> Result<Option<ObjectBody>, CloudError>;

    /// A URL that lets a browser `GET` the object for an hour (what Ground Truth's
    /// `grant_read_access` gives a worker).
    async fn presigned_get(&self, bucket: &str, key: &str) -> Result<String, CloudError>;

    /// SageMaker's `RenderUiTemplate`: the worker template rendered with `input` (the task's
    /// `task.input`, JSON) as `role_arn` would see it; `Err` holds what the service reports
    /// wrong with the template, as `(code, message)`.
    async fn render_ui_template(
        &self,
        template: &str,
        input: &str,
        role_arn: &str,
    ) -> Result<Result<String, Vec<(String, String)>>, CloudError>;

    /// The region's private workforce, if it has one (there is at most one per account and
    /// region).
    async fn workforce(&self) -> Result<Option<ObservedWorkforce>, CloudError>;

    /// The user pool named `name`, with its domain, gtplan's app client and its tags. Pool
    /// names are not unique in Cognito: several pools with the name are an error.
    async fn user_pool(&self, name: &str) -> Result<Option<ObservedPool>, CloudError>;

    /// A work team with its members: for a Cognito team, the users of its groups.
    async fn team(&self, name: &str) -> Result<Option<ObservedTeam>, CloudError>;

    /// The names of the running labeling jobs (any plan's, or none) that use a work team.
    async fn jobs_using_team(&self, workteam_arn: &str) -> Result<Vec<String>, CloudError>;

    /// A labeling job as `DescribeLabelingJob` (and `ListTags`) report it.
    async fn job(&self, name: &JobName) -> Result<Option<ObservedJob>, CloudError>;

    /// The job like [`Cloud::job`] while it runs (initializing or in progress); `None` once it
    /// has finished, without reading its tags.
    async fn running_job(&self, name: &JobName) -> Result<Option<ObservedJob>, CloudError>;

    /// The names of what the plan made, however many other resources the account has: the
    /// buckets and labeling jobs tagged `gtplan:plan=<plan>` (one paginated `GetResources` of
    /// the Resource Groups Tagging API) and the roles under the plan's IAM path (IAM is not in
    /// that index). The tag index is eventually consistent: what was tagged moments ago may be
    /// missing, which is why the plan's own resources are always read by name.
    async fn plan_resources(&self, plan: &PlanName) -> Result<PlanResources, CloudError>;

    /// Performs one write.
    async fn execute(&self, step: &Step) -> Result<(), CloudError>;

    /// Writes `info` as the lock unless a lock exists: `Ok(None)` when this run holds it now
    /// (also when the write's answer was lost and the lock found is this run's), otherwise the
    /// holder. The bucket that holds locks is created on first use (in this region, public
    /// access blocked); another account owning its name is an error.
    async fn try_lock(&self, spot: &LockSpot, info: &LockInfo) -> Result<TryLock, CloudError>;

    /// The lock, if one is held.
    async fn read_lock(&self, spot: &LockSpot) -> Result<Option<Lock>, CloudError>;

    /// Deletes the lock object if it is still `version`: `false` when it is gone or is another
    /// lock now (nothing is deleted then).
    async fn delete_lock(&self, spot: &LockSpot, version: &str) -> Result<bool, CloudError>;
}
