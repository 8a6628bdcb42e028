//! A small world for the planner's tests: a plan with one bucket, one role, two uploads and
//! one job, and builders for what AWS holds before and after applying it.
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::model::desired::{
    CorsRule, DesiredBucket, DesiredJob, DesiredRole, DesiredState, DesiredUpload, Encryption,
    PublicAccessBlock,
};
use crate::model::job::{
    HumanTask, JobInput, JobOutput, JobSpec, JobStatus, LabelCounters, UiConfig,
};
use crate::model::names::{
    BucketName, JobName, LabelAttributeName, ObjectKey, PlanName, Region, RoleName,
};
use crate::model::observed::{
    BucketLookup, ObservedBucket, ObservedJob, ObservedObject, ObservedRole, ObservedState,
};
use crate::model::{Address, META_SHA256, TAG_ADDRESS, TAG_PLAN, Tags};

pub const PLAN: &str = "quickstart";
pub const ACCOUNT: &str = "123456789012";
pub const BUCKET: &str = "gtplan-quickstart-data";
pub const ROLE: &str = "gtplan-quickstart-labeling";
pub const JOB: &str = "quickstart-pets-1";

pub fn addr(s: &str) -> Address {
    s.parse().expect("test address")
}

/// gtplan's ownership tags for `address` plus `extra`.
pub fn tags(address: &str, extra: &[(&str, &str)]) -> Tags {
    let mut t: Tags = extra
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    t.insert(TAG_PLAN.to_owned(), PLAN.to_owned());
    t.insert(TAG_ADDRESS.to_owned(), address.to_owned());
    t
}

pub fn bucket_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:*"],
            "Resource": [format!("arn:aws:s3:::{BUCKET}"), format!("arn:aws:s3:::{BUCKET}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    })
}

pub fn trust_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": ["sagemaker.amazonaws.com"]},
            "Action": ["sts:AssumeRole"],
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
        }]
    })
}

pub fn role_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"],
             "Resource": [format!("arn:aws:s3:::{BUCKET}/input/*"), format!("arn:aws:s3:::{BUCKET}/config/labels.json")]},
            {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": [format!("arn:aws:s3:::{BUCKET}/output/*")]}
        ]
    })
}

fn upload(key: &str, origin: &str, body: &[u8], content_type: &str) -> DesiredUpload {
    DesiredUpload {
        bucket: BucketName::parse(BUCKET).expect("bucket name"),
        key: ObjectKey::parse(key).expect("key"),
        origin: origin.to_owned(),
        body: crate::model::step::UploadBody::Inline {
            bytes: body.to_vec(),
        },
        sha256: hex::encode(Sha256::digest(body)),
        content_type: content_type.to_owned(),
    }
}

pub fn spec() -> JobSpec {
    JobSpec {
        name: JobName::parse(JOB).expect("job name"),
        label_attribute_name: LabelAttributeName::parse("animal").expect("attribute"),
        input: JobInput {
            manifest_uri: Some(format!("s3://{BUCKET}/input/manifest.jsonl")),
            sns_topic_arn: None,
            content_classifiers: BTreeSet::from([
                "FreeOfPersonallyIdentifiableInformation".to_owned()
            ]),
        },
        output: JobOutput {
            s3_output_path: format!("s3://{BUCKET}/output/"),
            kms_key_id: None,
            sns_topic_arn: None,
        },
        role_arn: format!("arn:aws:iam::{ACCOUNT}:role/gtplan/{PLAN}/{ROLE}"),
        label_category_config_uri: Some(format!("s3://{BUCKET}/config/labels.json")),
        stopping_conditions: None,
        automated_labeling: None,
        human_task: HumanTask {
            workteam_arn: format!(
                "arn:aws:sagemaker:us-east-1:{ACCOUNT}:workteam/private-crowd/pets"
            ),
            ui: UiConfig::HumanTaskUiArn(
                "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/ImageMultiClass".to_owned(),
            ),
            pre_human_task_lambda_arn: Some(
                "arn:aws:lambda:us-east-1:432418664414:function:PRE-ImageMultiClass".to_owned(),
            ),
            annotation_consolidation_lambda_arn: Some(
                "arn:aws:lambda:us-east-1:432418664414:function:ACS-ImageMultiClass".to_owned(),
            ),
            task_keywords: vec!["images".to_owned(), "pets".to_owned()],
            task_title: "Which animal is this?".to_owned(),
            task_description: "Choose the animal in the picture".to_owned(),
            number_of_human_workers_per_data_object: 1,
            task_time_limit_seconds: 300,
            task_availability_lifetime_seconds: Some(864_000),
            max_concurrent_task_count: None,
            public_workforce_task_price: None,
        },
        tags: tags("job.pets", &[]),
    }
}

/// The quickstart-like plan.
pub fn desired() -> DesiredState {
    let bucket = DesiredBucket {
        name: BucketName::parse(BUCKET).expect("bucket name"),
        policy: bucket_policy(),
        cors: vec![CorsRule {
            allowed_headers: Vec::new(),
            allowed_methods: vec!["GET".to_owned()],
            allowed_origins: vec!["*".to_owned()],
            expose_headers: vec!["Access-Control-Allow-Origin".to_owned()],
            max_age_seconds: None,
        }],
        encryption: Encryption::S3Managed,
        public_access_block: PublicAccessBlock::ALL_ON,
        tags: tags("bucket.data", &[("team", "ml")]),
        force_destroy: false,
        adopt: false,
    };
    let role = DesiredRole {
        name: RoleName::parse(ROLE).expect("role name"),
        path: format!("/gtplan/{PLAN}/"),
        trust_policy: trust_policy(),
        inline_policies: BTreeMap::from([(format!("gtplan-{PLAN}"), role_policy())]),
        max_session_duration: 3600,
        description: Some("Ground Truth labeling for quickstart".to_owned()),
        tags: tags("role.labeling", &[]),
        adopt: false,
    };
    DesiredState {
        external_buckets: BTreeMap::new(),
        workforce: None,
        teams: BTreeMap::new(),
        plan: PlanName::parse(PLAN).expect("plan name"),
        region: Region::parse("us-east-1").expect("region"),
        account_id: ACCOUNT.to_owned(),
        buckets: BTreeMap::from([(addr("bucket.data"), bucket)]),
        roles: BTreeMap::from([(addr("role.labeling"), role)]),
        uploads: BTreeMap::from([
            (
                addr("upload.manifest"),
                upload(
                    "input/manifest.jsonl",
                    "data/manifest.jsonl",
                    b"{\"source-ref\":\"s3://gtplan-quickstart-data/input/cat.jpg\"}\n",
                    "application/jsonlines",
                ),
            ),
            (
                addr("upload.labels"),
                upload(
                    "config/labels.json",
                    "generated from labels",
                    br#"{"document-version":"2018-11-28","labels":[{"label":"cat"},{"label":"dog"}]}"#,
                    "application/json",
                ),
            ),
        ]),
        jobs: BTreeMap::from([(
            addr("job.pets"),
            DesiredJob {
                spec: spec(),
                depends_on: ["bucket.data", "role.labeling", "upload.labels", "upload.manifest"]
                    .map(addr)
                    .to_vec(),
                input_objects: Some(10),
                waits_for: None,
            },
        )]),
    }
}

/// Nothing of the plan exists yet.
pub fn empty(desired: &DesiredState) -> ObservedState {
    ObservedState {
        external_buckets: BTreeMap::new(),
        workforce: None,
        pool: None,
        teams: BTreeMap::new(),
        account_id: ACCOUNT.to_owned(),
        buckets: desired
            .buckets
            .keys()
            .map(|a| (a.clone(), BucketLookup::Missing))
            .collect(),
        roles: desired.roles.keys().map(|a| (a.clone(), None)).collect(),
        uploads: desired.uploads.keys().map(|a| (a.clone(), None)).collect(),
        jobs: desired.jobs.keys().map(|a| (a.clone(), None)).collect(),
        orphans: Vec::new(),
    }
}

/// A document as AWS might hand it back: every one-element list turned into its element
/// (equivalent, but not equal).
pub fn reencode(v: &Value) -> Value {
    match v {
        Value::Array(items) if items.len() == 1 && !items[0].is_object() => items[0].clone(),
        Value::Array(items) => Value::Array(items.iter().map(reencode).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), reencode(v))).collect())
        }
        other => other.clone(),
    }
}

pub fn observed_bucket(want: &DesiredBucket) -> ObservedBucket {
    ObservedBucket {
        name: want.name.to_string(),
        region: "us-east-1".to_owned(),
        policy: Some(reencode(&want.policy)),
        cors: want.cors.clone(),
        encryption: Some(want.encryption.clone()),
        public_access_block: Some(want.public_access_block),
        tags: want.tags.clone(),
        has_objects: true,
    }
}

pub fn observed_role(want: &DesiredRole) -> ObservedRole {
    ObservedRole {
        name: want.name.to_string(),
        path: want.path.clone(),
        arn: format!("arn:aws:iam::{ACCOUNT}:role{}{}", want.path, want.name),
        trust_policy: reencode(&want.trust_policy),
        inline_policies: want
            .inline_policies
            .iter()
            .map(|(k, v)| (k.clone(), reencode(v)))
            .collect(),
        attached_policy_arns: Vec::new(),
        max_session_duration: want.max_session_duration,
        description: want.description.clone(),
        tags: want.tags.clone(),
    }
}

pub fn observed_job(spec: &JobSpec) -> ObservedJob {
    ObservedJob {
        arn: format!(
            "arn:aws:sagemaker:us-east-1:{ACCOUNT}:labeling-job/{}",
            spec.name.as_str().to_ascii_lowercase()
        ),
        status: JobStatus::InProgress,
        counters: LabelCounters {
            total_labeled: 3,
            human_labeled: 3,
            machine_labeled: 0,
            failed_non_retryable_error: 0,
            unlabeled: 7,
        },
        failure_reason: None,
        output_manifest_uri: None,
        spec: spec.clone(),
        times: None,
    }
}

/// What AWS holds right after `desired` was applied.
pub fn applied(desired: &DesiredState) -> ObservedState {
    ObservedState {
        external_buckets: BTreeMap::new(),
        workforce: None,
        pool: None,
        teams: BTreeMap::new(),
        account_id: ACCOUNT.to_owned(),
        buckets: desired
            .buckets
            .iter()
            .map(|(a, b)| (a.clone(), BucketLookup::Found(Box::new(observed_bucket(b)))))
            .collect(),
        roles: desired
            .roles
            .iter()
            .map(|(a, r)| (a.clone(), Some(observed_role(r))))
            .collect(),
        uploads: desired
            .uploads
            .iter()
            .map(|(a, u)| {
                let object = ObservedObject {
                    bucket: u.bucket.to_string(),
                    key: u.key.to_string(),
                    sha256: Some(u.sha256.clone()),
                    size: u.body.bytes().map_or(0, <[u8]>::len) as u64,
                    metadata: BTreeMap::from([
                        (META_SHA256.to_owned(), u.sha256.clone()),
                        (crate::model::META_PLAN.to_owned(), PLAN.to_owned()),
                        (crate::model::META_ADDRESS.to_owned(), a.to_string()),
                    ]),
                };
                (a.clone(), Some(object))
            })
            .collect(),
        jobs: desired
            .jobs
            .iter()
            .map(|(a, j)| (a.clone(), Some(observed_job(&j.spec))))
            .collect(),
        orphans: Vec::new(),
    }
}

pub fn bucket_mut<'a>(observed: &'a mut ObservedState, address: &str) -> &'a mut ObservedBucket {
    match observed.buckets.get_mut(&addr(address)) {
        Some(BucketLookup::Found(b)) => b,
        _ => panic!("fixture has no observed {address}"),
    }
}

pub fn role_mut<'a>(observed: &'a mut ObservedState, address: &str) -> &'a mut ObservedRole {
    observed
        .roles
        .get_mut(&addr(address))
        .and_then(Option::as_mut)
        .expect("fixture has the observed role")
}

pub fn job_mut<'a>(observed: &'a mut ObservedState, address: &str) -> &'a mut ObservedJob {
    observed
        .jobs
        .get_mut(&addr(address))
        .and_then(Option::as_mut)
        .expect("fixture has the observed job")
}
