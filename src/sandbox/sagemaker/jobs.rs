//! Labeling-job operations: Create, Describe, List, Stop and ListLabelingJobsForWorkteam.

use crate::sandbox::consistency::Indexing;
use serde::Deserialize;
use serde_json::{Value, json};

use super::lifecycle::{self, Progress, Status, Timeline};
use super::shapes::CreateLabelingJobRequest;
use super::{Job, SageMakerError, checks, job_key, not_found, output, paging, validation};
use crate::sandbox::clock::{EpochMillis, epoch_seconds};
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::json::parse_input;
use crate::sandbox::router::Ctx;
use crate::sandbox::s3::{Object, split_s3_uri};
use crate::sandbox::store::{StoreError, World};

fn timeline(ctx: &Ctx<'_>, job: &Job) -> Timeline {
    let config = &ctx.shared.config;
    Timeline {
        created: job.created,
        init_seconds: config.init_seconds,
        rate: config.labeling_rate,
        target: job.target_objects,
        total: job.total_objects,
        streaming: job.streaming,
        fails: job.failure_reason.is_some(),
        stopped_at: job.stopped_at,
    }
}

/// A labeling job of the region that still uses `workteam_arn` (Initializing or InProgress):
/// its name and status.
pub fn running_on(ctx: &Ctx<'_>, w: &World, workteam_arn: &str) -> Option<(String, &'static str)> {
    w.sagemaker
        .jobs
        .values()
        .filter(|j| j.region == ctx.region && j.workteam_arn == workteam_arn)
        .map(|j| (j, lifecycle::progress(&timeline(ctx, j), now(ctx)).status))
        .find(|(_, s)| matches!(s, Status::Initializing | Status::InProgress))
        .map(|(j, s)| (j.name.clone(), s.as_str()))
}

fn now(ctx: &Ctx<'_>) -> EpochMillis {
    ctx.now
}

pub fn create(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let request: CreateLabelingJobRequest = parse_input(body)?;
    checks::constraints(&request)?;
    let raw: Value = parse_input(body)?;
    let region = ctx.region.clone();
    let account = ctx.account_id().to_owned();
    let created = now(ctx);
    ctx.shared.store.write(|w| {
        let accepted = checks::semantics(ctx, w, &request)?;
        // `constraints` checked that these members are present.
        let name = request.labeling_job_name.clone().unwrap_or_default();
        let human = request.human_task_config.clone().unwrap_or_default();
        let arn = format!(
            "arn:aws:sagemaker:{region}:{account}:labeling-job/{}",
            name.to_ascii_lowercase()
        );
        let mut echoed = raw.clone();
        if let Some(obj) = echoed.as_object_mut() {
            obj.remove("Tags");
            obj.remove("LabelingJobName");
        }
        let job = Job {
            arn: arn.clone(),
            region: region.clone(),
            created,
            request: echoed,
            tags: request.tags.clone().unwrap_or_default(),
            job_reference_code: uuid::Uuid::new_v4().simple().to_string(),
            workteam_arn: human.workteam_arn.unwrap_or_default(),
            label_attribute_name: request.label_attribute_name.clone().unwrap_or_default(),
            total_objects: accepted.total_objects,
            target_objects: accepted.target_objects,
            streaming: accepted.streaming,
            failure_reason: accepted.failure_reason,
            stopped_at: None,
            manifest_blob: accepted.manifest_blob,
            labels: accepted.labels,
            output_type: accepted
                .task
                .and_then(|t| t.output_type)
                .unwrap_or("groundtruth/custom")
                .to_owned(),
            s3_output_path: request
                .output_config
                .as_ref()
                .and_then(|o| o.s3_output_path.clone())
                .unwrap_or_default(),
            output_written: false,
            name,
            // A new job is not in the tag index until it catches up.
            tag_index: Indexing::after_change(
                created,
                ctx.shared.consistency.tag_index_ms(),
                None,
                None,
            ),
        };
        w.sagemaker.jobs.insert(job_key(&region, &job.name), job);
        Ok::<_, ApiError>(json!({ "LabelingJobArn": arn }))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NameInput {
    labeling_job_name: Option<String>,
}

fn job_name(body: &[u8]) -> Result<String, ApiError> {
    let input: NameInput = parse_input(body)?;
    input.labeling_job_name.ok_or_else(|| {
        validation("1 validation error detected: Value null at 'labelingJobName' failed to satisfy constraint: Member must not be null")
    })
}

fn missing_job(name: &str) -> ApiError {
    not_found(format!(
        "Requested resource not found: labeling job {name} does not exist."
    ))
}

fn counters(p: &Progress) -> Value {
    json!({
        "TotalLabeled": p.labeled,
        "HumanLabeled": p.labeled,
        "MachineLabeled": 0,
        "FailedNonRetryableError": 0,
        "Unlabeled": p.unlabeled,
    })
}

/// Writes the output manifest of a finished job the first time a read sees it finished.
/// Idempotent; a job whose output bucket is gone keeps `output_written` false.
fn materialize(ctx: &Ctx<'_>, key: &str) -> Result<(), ApiError> {
    let pending = ctx.shared.store.read(|w| {
        w.sagemaker.jobs.get(key).and_then(|job| {
            let p = lifecycle::progress(&timeline(ctx, job), now(ctx));
            (p.status.is_final() && !job.output_written).then(|| (job.clone(), p))
        })
    });
    let Some((job, p)) = pending else {
        return Ok(());
    };
    let input = match &job.manifest_blob {
        Some(blob) => String::from_utf8_lossy(&ctx.shared.store.get_blob(blob)?).into_owned(),
        None => String::new(),
    };
    let text = output::render(&job, &input, p.labeled, p.last_modified);
    let blob = ctx.shared.store.put_blob(text.as_bytes())?;
    let uri = output::manifest_uri(&job);
    ctx.shared.store.write(|w: &mut World| {
        if let Some((bucket, object_key)) = split_s3_uri(&uri)
            && w.s3.buckets.contains_key(bucket)
        {
            let mut object = Object::new(
                blob.clone(),
                text.as_bytes(),
                p.last_modified,
                Some("application/jsonlines".to_owned()),
            );
            object.metadata.clear();
            w.s3.put_object(bucket, object_key, object);
            if let Some(j) = w.sagemaker.jobs.get_mut(key) {
                j.output_written = true;
            }
        }
        Ok::<_, StoreError>(())
    })?;
    Ok(())
}

pub fn describe(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let name = job_name(body)?;
    let key = job_key(&ctx.region, &name);
    materialize(ctx, &key)?;
    ctx.shared.store.read(|w| {
        let job = w
            .sagemaker
            .jobs
            .get(&key)
            .ok_or_else(|| missing_job(&name))?;
        Ok(describe_job(ctx, job))
    })
}

fn describe_job(ctx: &Ctx<'_>, job: &Job) -> Value {
    let p = lifecycle::progress(&timeline(ctx, job), now(ctx));
    let mut out = job.request.as_object().cloned().unwrap_or_default();
    out.insert("LabelingJobName".into(), json!(job.name));
    out.insert("LabelingJobArn".into(), json!(job.arn));
    out.insert("LabelingJobStatus".into(), json!(p.status.as_str()));
    out.insert("LabelCounters".into(), counters(&p));
    out.insert("CreationTime".into(), json!(epoch_seconds(job.created)));
    out.insert(
        "LastModifiedTime".into(),
        json!(epoch_seconds(p.last_modified)),
    );
    out.insert("JobReferenceCode".into(), json!(job.job_reference_code));
    if !job.tags.is_empty() {
        out.insert("Tags".into(), json!(job.tags));
    }
    if p.status == Status::Failed {
        out.insert("FailureReason".into(), json!(job.failure_reason));
    }
    if p.status.is_final() {
        out.insert(
            "LabelingJobOutput".into(),
            json!({ "OutputDatasetS3Uri": output::manifest_uri(job) }),
        );
    }
    Value::Object(out)
}

fn summary(ctx: &Ctx<'_>, job: &Job) -> Value {
    let p = lifecycle::progress(&timeline(ctx, job), now(ctx));
    let human = job.request.get("HumanTaskConfig");
    let mut s = json!({
        "LabelingJobName": job.name,
        "LabelingJobArn": job.arn,
        "CreationTime": epoch_seconds(job.created),
        "LastModifiedTime": epoch_seconds(p.last_modified),
        "LabelingJobStatus": p.status.as_str(),
        "LabelCounters": counters(&p),
        "WorkteamArn": job.workteam_arn,
    });
    if let Some(obj) = s.as_object_mut() {
        if let Some(pre) = human.and_then(|h| h.get("PreHumanTaskLambdaArn")) {
            obj.insert("PreHumanTaskLambdaArn".into(), pre.clone());
        }
        if let Some(acs) = human
            .and_then(|h| h.get("AnnotationConsolidationConfig"))
            .and_then(|a| a.get("AnnotationConsolidationLambdaArn"))
        {
            obj.insert("AnnotationConsolidationLambdaArn".into(), acs.clone());
        }
        if p.status == Status::Failed {
            obj.insert("FailureReason".into(), json!(job.failure_reason));
        }
        if p.status.is_final() {
            obj.insert(
                "LabelingJobOutput".into(),
                json!({ "OutputDatasetS3Uri": output::manifest_uri(job) }),
            );
        }
        if let Some(input) = job.request.get("InputConfig") {
            obj.insert("InputConfig".into(), input.clone());
        }
    }
    s
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ListInput {
    creation_time_after: Option<f64>,
    creation_time_before: Option<f64>,
    last_modified_time_after: Option<f64>,
    last_modified_time_before: Option<f64>,
    name_contains: Option<String>,
    status_equals: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
    workteam_arn: Option<String>,
    job_reference_code_contains: Option<String>,
}

const STATUSES: [&str; 6] = [
    "Initializing",
    "InProgress",
    "Completed",
    "Failed",
    "Stopping",
    "Stopped",
];

fn check_list_input(input: &ListInput, sort_by: &[&str]) -> Result<(), ApiError> {
    let mut v = super::constraints::Violations::default();
    v.int("maxResults", input.max_results, Some(1), Some(100));
    if let Some(s) = &input.sort_by {
        v.one_of("sortBy", s, sort_by);
    }
    if let Some(s) = &input.sort_order {
        v.one_of("sortOrder", s, &["Ascending", "Descending"]);
    }
    if let Some(s) = &input.status_equals {
        v.one_of("statusEquals", s, &STATUSES);
    }
    v.into_result()
}

pub fn list(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: ListInput = parse_input(body)?;
    check_list_input(&input, &["Name", "CreationTime", "Status"])?;
    let keys: Vec<String> = ctx.shared.store.read(|w| {
        w.sagemaker
            .jobs
            .iter()
            .filter(|(_, j)| j.region == ctx.region)
            .map(|(k, _)| k.clone())
            .collect()
    });
    for key in &keys {
        materialize(ctx, key)?;
    }
    let mut jobs: Vec<Value> = ctx.shared.store.read(|w| {
        keys.iter()
            .filter_map(|k| w.sagemaker.jobs.get(k))
            .map(|j| summary(ctx, j))
            .collect()
    });
    let seconds = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64).unwrap_or_default();
    jobs.retain(|j| {
        let name = j["LabelingJobName"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        input
            .name_contains
            .as_ref()
            .is_none_or(|n| name.contains(&n.to_ascii_lowercase()))
            && input
                .status_equals
                .as_ref()
                .is_none_or(|s| j["LabelingJobStatus"] == json!(s))
            && input
                .creation_time_after
                .is_none_or(|t| seconds(j, "CreationTime") > t)
            && input
                .creation_time_before
                .is_none_or(|t| seconds(j, "CreationTime") < t)
            && input
                .last_modified_time_after
                .is_none_or(|t| seconds(j, "LastModifiedTime") > t)
            && input
                .last_modified_time_before
                .is_none_or(|t| seconds(j, "LastModifiedTime") < t)
    });
    let sort_key = input
        .sort_by
        .clone()
        .unwrap_or_else(|| "CreationTime".to_owned());
    jobs.sort_by(|a, b| {
        let by = |v: &Value| match sort_key.as_str() {
            "Name" => v["LabelingJobName"].as_str().unwrap_or_default().to_owned(),
            "Status" => v["LabelingJobStatus"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            _ => format!("{:020.3}", seconds(v, "CreationTime")),
        };
        by(a).cmp(&by(b)).then_with(|| {
            a["LabelingJobName"]
                .as_str()
                .cmp(&b["LabelingJobName"].as_str())
        })
    });
    if input.sort_order.as_deref() == Some("Descending") {
        jobs.reverse();
    }
    paging::page(
        "LabelingJobSummaryList",
        &jobs,
        input.max_results,
        10,
        input.next_token.as_deref(),
    )
}

pub fn stop(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let name = job_name(body)?;
    let key = job_key(&ctx.region, &name);
    let at = now(ctx);
    ctx.shared.store.write(|w| {
        let job = w
            .sagemaker
            .jobs
            .get(&key)
            .ok_or_else(|| missing_job(&name))?;
        let status = lifecycle::progress(&timeline(ctx, job), at).status;
        match status {
            Status::Initializing | Status::InProgress => {
                if let Some(job) = w.sagemaker.jobs.get_mut(&key) {
                    job.stopped_at = Some(at);
                }
                Ok(json!({}))
            }
            // Stopping an already stopping job is accepted and changes nothing.
            Status::Stopping => Ok(json!({})),
            other => Err(validation(format!(
                "Labeling job {name} cannot be stopped: its status is {}.",
                other.as_str()
            ))),
        }
    })
}

pub fn list_for_workteam(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: ListInput = parse_input(body)?;
    check_list_input(&input, &["CreationTime"])?;
    let workteam = input.workteam_arn.clone().ok_or_else(|| {
        validation("1 validation error detected: Value null at 'workteamArn' failed to satisfy constraint: Member must not be null")
    })?;
    let mut jobs: Vec<Value> = ctx.shared.store.read(|w| {
        let public = workteam == crate::catalog::arns::public_workteam(&ctx.region);
        if !public && !w.sagemaker.workteams.contains_key(&workteam) {
            return Err(ApiError::new(&SageMakerError::ResourceNotFound, format!("Workteam {workteam} does not exist.")));
        }
        Ok(w.sagemaker
            .jobs
            .values()
            .filter(|j| j.region == ctx.region && j.workteam_arn == workteam)
            .filter(|j| input.job_reference_code_contains.as_ref().is_none_or(|c| j.job_reference_code.contains(c.as_str())))
            .map(|j| {
                let p = lifecycle::progress(&timeline(ctx, j), now(ctx));
                json!({
                    "LabelingJobName": j.name,
                    "JobReferenceCode": j.job_reference_code,
                    "WorkRequesterAccountId": ctx.account_id(),
                    "CreationTime": epoch_seconds(j.created),
                    "LabelCounters": {
                        "HumanLabeled": p.labeled,
                        "PendingHuman": p.unlabeled,
                        "Total": j.total_objects,
                    },
                    "NumberOfHumanWorkersPerDataObject": j.request["HumanTaskConfig"]["NumberOfHumanWorkersPerDataObject"],
                })
            })
            .collect())
    })?;
    jobs.sort_by(|a, b| {
        a["CreationTime"]
            .as_f64()
            .partial_cmp(&b["CreationTime"].as_f64())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if input.sort_order.as_deref() == Some("Descending") {
        jobs.reverse();
    }
    paging::page(
        "LabelingJobSummaryList",
        &jobs,
        input.max_results,
        10,
        input.next_token.as_deref(),
    )
}
