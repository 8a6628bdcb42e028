//! SageMaker (JSON 1.1): labeling jobs, private workforces and work teams, tags and
//! `RenderUiTemplate`.
//!
//! `handle` dispatches by operation. `CreateLabelingJob` checks the request like SageMaker:
//! member constraints first (`constraints`), then the rules that need the world (`checks`:
//! the role and its trust policy, the S3 objects, the label config, the workteam, the Lambda
//! ARNs' region). Problems SageMaker only finds after the job starts are decided at creation
//! and surface as a `Failed` job with a `FailureReason` (`checks::failure_after_start`).
//! Progress is a pure function of time (`lifecycle`); the output manifest is written the first
//! time a read sees the job finished (`output`).

mod checks;
pub(crate) mod constraints;
mod jobs;
mod lifecycle;
mod members;
mod output;
mod paging;
mod render;
mod seed;
mod shapes;
mod tags;
mod workforces;
mod workteams;

pub use seed::{SANDBOX_CLIENT_ID, SANDBOX_GROUP, SANDBOX_WORKFORCE, sandbox_pool, seed};
pub use workteams::SANDBOX_TEAM;

use crate::sandbox::tracked::Tracked;

use serde::{Deserialize, Serialize};

use super::clock::EpochMillis;
use super::consistency::Indexing;
use super::error::{ApiError, ErrorCode};
use super::router::Ctx;
use super::store::BlobId;
pub use shapes::Tag;

/// SageMaker's error codes for the operations the sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SageMakerError {
    ValidationException,
    ResourceNotFound,
    ResourceInUse,
    ResourceLimitExceeded,
}

impl ErrorCode for SageMakerError {
    fn code(&self) -> &'static str {
        match self {
            Self::ValidationException => "ValidationException",
            Self::ResourceNotFound => "ResourceNotFound",
            Self::ResourceInUse => "ResourceInUse",
            Self::ResourceLimitExceeded => "ResourceLimitExceeded",
        }
    }

    fn status(&self) -> u16 {
        400
    }
}

pub fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(&SageMakerError::ValidationException, message)
}

pub fn not_found(message: impl Into<String>) -> ApiError {
    ApiError::new(&SageMakerError::ResourceNotFound, message)
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SageMakerState {
    /// Jobs keyed by `<region>/<lower-case name>`: names are unique per account and region,
    /// case-insensitively, forever (there is no DeleteLabelingJob).
    pub jobs: Tracked<Job>,
    /// Private workteams keyed by ARN.
    pub workteams: Tracked<Workteam>,
    /// Private workforces keyed by region: there is at most one per account and region.
    pub workforces: Tracked<Workforce>,
    /// Regions that got the sandbox's seeded workforce and team (`seed`), so that a restart
    /// does not bring back what a plan deleted.
    pub seeded: Tracked<bool>,
}

pub fn job_key(region: &str, name: &str) -> String {
    format!("{region}/{}", name.to_ascii_lowercase())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub name: String,
    pub arn: String,
    pub region: String,
    pub created: EpochMillis,
    /// The request as sent (without its tags), echoed by DescribeLabelingJob.
    pub request: serde_json::Value,
    pub tags: Vec<Tag>,
    pub job_reference_code: String,
    pub workteam_arn: String,
    pub label_attribute_name: String,
    /// Objects in the input manifest, and how many the job labels before completing.
    pub total_objects: u64,
    pub target_objects: u64,
    pub streaming: bool,
    /// Set when SageMaker would fail the job after it starts.
    pub failure_reason: Option<String>,
    pub stopped_at: Option<EpochMillis>,
    /// What the output manifest is built from.
    pub manifest_blob: Option<BlobId>,
    pub labels: Vec<String>,
    pub output_type: String,
    pub s3_output_path: String,
    pub output_written: bool,
    /// What the tag index shows while it lags behind a tag change (`--tag-index-seconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_index: Option<Indexing>,
}

impl Job {
    /// Records a change of the tags at `now`, before it is made.
    pub fn tags_changing(&mut self, now: EpochMillis, window_ms: i64) {
        let before = Some(
            self.tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
        );
        self.tag_index = Indexing::after_change(now, window_ms, self.tag_index.as_ref(), before);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Workteam {
    pub name: String,
    pub arn: String,
    pub region: String,
    pub description: String,
    pub member_definitions: serde_json::Value,
    pub created: EpochMillis,
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub updated: EpochMillis,
    #[serde(default)]
    pub workforce_arn: Option<String>,
    /// `NotificationConfiguration` as sent.
    #[serde(default)]
    pub notification: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Workforce {
    pub name: String,
    pub arn: String,
    pub region: String,
    pub created: EpochMillis,
    pub updated: EpochMillis,
    /// `CognitoConfig` or `OidcConfig` as sent (the OIDC client secret is never returned).
    pub cognito: Option<serde_json::Map<String, serde_json::Value>>,
    pub oidc: Option<serde_json::Map<String, serde_json::Value>>,
    pub source_cidrs: Vec<String>,
    pub vpc: Option<serde_json::Value>,
    pub ip_address_type: Option<String>,
    pub sub_domain: String,
    pub tags: Vec<Tag>,
}

pub fn handle(ctx: &Ctx<'_>, operation: &str, body: &[u8]) -> Result<serde_json::Value, ApiError> {
    match operation {
        "CreateLabelingJob" => jobs::create(ctx, body),
        "DescribeLabelingJob" => jobs::describe(ctx, body),
        "ListLabelingJobs" => jobs::list(ctx, body),
        "StopLabelingJob" => jobs::stop(ctx, body),
        "ListLabelingJobsForWorkteam" => jobs::list_for_workteam(ctx, body),
        "CreateWorkteam" => workteams::create(ctx, body),
        "DescribeWorkteam" => workteams::describe(ctx, body),
        "ListWorkteams" => workteams::list(ctx, body),
        "UpdateWorkteam" => workteams::update(ctx, body),
        "DeleteWorkteam" => workteams::delete(ctx, body),
        "CreateWorkforce" => workforces::create(ctx, body),
        "DescribeWorkforce" => workforces::describe(ctx, body),
        "ListWorkforces" => workforces::list(ctx, body),
        "UpdateWorkforce" => workforces::update(ctx, body),
        "DeleteWorkforce" => workforces::delete(ctx, body),
        "RenderUiTemplate" => render::render(ctx, body),
        "AddTags" => tags::add(ctx, body),
        "ListTags" => tags::list(ctx, body),
        "DeleteTags" => tags::delete(ctx, body),
        _ => Err(ApiError::not_implemented("sagemaker", operation)),
    }
}
