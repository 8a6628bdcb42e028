//! The drafts resolution builds before the desired state exists: one per resource of the
//! plan file, with what the later steps (chaining, CORS, the role policy, the access check)
//! need to know about it. Every step of `resolve` reads and writes these; none of them owns
//! them.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use crate::catalog::TaskType;
use crate::config::reader::Located;
use crate::model::Address;
use crate::model::Tags;
use crate::model::desired::{CorsRule, Encryption, PublicAccessBlock};
use crate::model::job::JobSpec;
use crate::model::names::{BucketName, ObjectKey, RoleName};
use crate::model::step::UploadBody;

use super::label_attributes::AttributeConfig;

pub struct BucketDraft {
    pub addr: String,
    pub name: BucketName,
    pub encryption: Encryption,
    pub cors: CorsMode,
    pub public_access_block: PublicAccessBlock,
    pub tags: Tags,
    pub force_destroy: bool,
    pub adopt: bool,
}

pub enum CorsMode {
    Auto,
    Off,
    Rules(Vec<CorsRule>),
}

pub struct RoleDraft {
    pub addr: String,
    pub span: Range<usize>,
    pub name: RoleName,
    pub description: Option<String>,
    pub tags: Tags,
    pub adopt: bool,
}

pub struct UploadDraft {
    pub addr: String,
    pub bucket_addr: String,
    pub bucket: BucketName,
    pub key: ObjectKey,
    pub content: UploadContent,
    pub content_type: Option<String>,
}

/// The plan's uploads that resolved, found by name in constant time: a plan of a thousand jobs
/// names its uploads thousands of times.
pub struct Uploads<'u> {
    by_addr: HashMap<&'u str, &'u UploadDraft>,
}

impl<'u> Uploads<'u> {
    pub fn new(all: &'u [UploadDraft]) -> Self {
        Self {
            by_addr: all.iter().map(|u| (u.addr.as_str(), u)).collect(),
        }
    }

    pub fn get(&self, addr: &str) -> Option<&'u UploadDraft> {
        self.by_addr.get(addr).copied()
    }
}

pub enum UploadContent {
    File {
        /// As written in the plan, relative to it.
        shown: String,
        /// In memory, or (over `files::STREAM_OVER`) streamed when uploaded.
        body: UploadBody,
        sha256: String,
    },
    Labels {
        labels: Vec<Located<String>>,
        span: Range<usize>,
        instructions: Option<(String, String)>,
        attributes: AttributeConfig,
    },
    /// gtplan's built-in worker UI for a task type, with the plan's instructions.
    WorkerUi {
        task: &'static TaskType,
        span: Range<usize>,
        instructions: (String, String),
    },
}

impl UploadDraft {
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// A resolved job and what it touches.
pub struct JobDraft {
    pub addr: String,
    pub span: Range<usize>,
    pub name_span: Range<usize>,
    pub time_limit_span: Range<usize>,
    pub label_config_span: Option<Range<usize>>,
    /// The upload generated from `labels` that is this job's label config, if any.
    pub label_config_addr: Option<String>,
    /// The upload that is this job's worker UI template, if any.
    pub ui_template_addr: Option<String>,
    pub task: &'static TaskType,
    pub role_addr: String,
    pub spec: JobSpec,
    pub depends_on: BTreeSet<Address>,
    /// Objects the job reads: `(bucket, key)`.
    pub reads: BTreeSet<(String, String)>,
    /// Prefixes its manifest's `source-ref`s point into: `(bucket, prefix)`.
    pub read_prefixes: BTreeSet<(String, String)>,
    /// One `source-ref` object under each of those prefixes, `(bucket, key)`.
    pub sample_reads: BTreeSet<(String, String)>,
    /// `(bucket, prefix)` the job writes its output under.
    pub output: (String, String),
    pub manifest_bucket: Option<String>,
    pub kms_keys: BTreeSet<String>,
    /// Lambda functions that are not the catalog's built-ins.
    pub custom_lambdas: BTreeSet<String>,
    /// `input_job`: the plan job whose output manifest is this job's input (linked in
    /// `resolve::chains` once every job is drafted).
    pub input_job: Option<Located<String>>,
    /// Objects in its input manifest, when the plan holds the manifest (or the manifest of the
    /// job it chains from).
    pub objects: Option<u64>,
    /// Set by chaining: the job this one waits for, by address and job name.
    pub waits_for: Option<(Address, String)>,
    /// The audited label attribute (verification/adjustment task types only).
    pub audit_label_attribute: Option<String>,
    /// SNS topics of a streaming job (input and output), for the role policy.
    pub sns_topics: BTreeSet<String>,
}
