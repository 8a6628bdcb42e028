//! What `CreateLabelingJob` checks, in SageMaker's order: member constraints, then the rules
//! that need the world (fact sheet §1-4), then what SageMaker only finds after the job starts,
//! which becomes the job's `FailureReason` instead of an error.

use std::collections::{BTreeMap, BTreeSet};

use super::constraints::{self as c, Violations};
use super::shapes::CreateLabelingJobRequest;
use super::{SageMakerError, job_key, validation};
use crate::catalog::{self, LabelConfigFormat, TaskType, Ui, arns, regions};
use crate::policy_eval::{self, AuthzRequest, Decision, PolicyKind, Principal};
use crate::sandbox::error::ApiError;
use crate::sandbox::iam::{Role, managed_policy_document};
use crate::sandbox::router::Ctx;
use crate::sandbox::s3::split_s3_uri;
use crate::sandbox::store::{BlobId, World};

const SAGEMAKER: &str = "sagemaker.amazonaws.com";

/// Member constraints of the request (patterns, lengths, ranges, enums, required members).
pub fn constraints(r: &CreateLabelingJobRequest) -> Result<(), ApiError> {
    let mut v = Violations::default();
    v.required("labelingJobName", r.labeling_job_name.as_ref());
    v.string(
        "labelingJobName",
        r.labeling_job_name.as_deref(),
        1,
        63,
        Some(c::NAME),
    );
    v.required("labelAttributeName", r.label_attribute_name.as_ref());
    v.string(
        "labelAttributeName",
        r.label_attribute_name.as_deref(),
        1,
        127,
        Some(c::LABEL_ATTRIBUTE),
    );
    v.required("roleArn", r.role_arn.as_ref());
    v.string(
        "roleArn",
        r.role_arn.as_deref(),
        20,
        2048,
        Some(c::ROLE_ARN),
    );
    v.string(
        "labelCategoryConfigS3Uri",
        r.label_category_config_s3_uri.as_deref(),
        0,
        1024,
        Some(c::S3_URI),
    );
    input_and_output(&mut v, r);
    human_task(&mut v, r);
    tags(&mut v, r);
    v.into_result()
}

fn input_and_output(v: &mut Violations, r: &CreateLabelingJobRequest) {
    v.required("inputConfig", r.input_config.as_ref());
    if let Some(input) = &r.input_config {
        v.required("inputConfig.dataSource", input.data_source.as_ref());
        if let Some(ds) = &input.data_source {
            if let Some(s3) = &ds.s3_data_source {
                v.required(
                    "inputConfig.dataSource.s3DataSource.manifestS3Uri",
                    s3.manifest_s3_uri.as_ref(),
                );
                v.string(
                    "inputConfig.dataSource.s3DataSource.manifestS3Uri",
                    s3.manifest_s3_uri.as_deref(),
                    0,
                    1024,
                    Some(c::S3_URI),
                );
            }
            if let Some(sns) = &ds.sns_data_source {
                v.required(
                    "inputConfig.dataSource.snsDataSource.snsTopicArn",
                    sns.sns_topic_arn.as_ref(),
                );
                v.string(
                    "inputConfig.dataSource.snsDataSource.snsTopicArn",
                    sns.sns_topic_arn.as_deref(),
                    0,
                    2048,
                    Some(c::SNS_TOPIC),
                );
            }
        }
        if let Some(classifiers) = input
            .data_attributes
            .as_ref()
            .and_then(|a| a.content_classifiers.as_ref())
        {
            v.list_len(
                "inputConfig.dataAttributes.contentClassifiers",
                Some(classifiers.as_slice()),
                0,
                256,
            );
            for cl in classifiers {
                v.one_of(
                    "inputConfig.dataAttributes.contentClassifiers.member",
                    cl,
                    &c::CONTENT_CLASSIFIERS,
                );
            }
        }
    }
    v.required("outputConfig", r.output_config.as_ref());
    if let Some(out) = &r.output_config {
        v.required("outputConfig.s3OutputPath", out.s3_output_path.as_ref());
        v.string(
            "outputConfig.s3OutputPath",
            out.s3_output_path.as_deref(),
            0,
            1024,
            Some(c::S3_URI),
        );
        v.string(
            "outputConfig.kmsKeyId",
            out.kms_key_id.as_deref(),
            0,
            2048,
            Some(c::KMS_KEY),
        );
        v.string(
            "outputConfig.snsTopicArn",
            out.sns_topic_arn.as_deref(),
            0,
            2048,
            Some(c::SNS_TOPIC),
        );
    }
    if let Some(s) = &r.stopping_conditions {
        v.int(
            "stoppingConditions.maxHumanLabeledObjectCount",
            s.max_human_labeled_object_count,
            Some(1),
            None,
        );
        v.int(
            "stoppingConditions.maxPercentageOfInputDatasetLabeled",
            s.max_percentage_of_input_dataset_labeled,
            Some(1),
            Some(100),
        );
    }
}

fn human_task(v: &mut Violations, r: &CreateLabelingJobRequest) {
    v.required("humanTaskConfig", r.human_task_config.as_ref());
    if let Some(h) = &r.human_task_config {
        v.required("humanTaskConfig.workteamArn", h.workteam_arn.as_ref());
        v.string(
            "humanTaskConfig.workteamArn",
            h.workteam_arn.as_deref(),
            0,
            256,
            Some(c::WORKTEAM_ARN),
        );
        v.required("humanTaskConfig.uiConfig", h.ui_config.as_ref());
        if let Some(ui) = &h.ui_config {
            v.string(
                "humanTaskConfig.uiConfig.uiTemplateS3Uri",
                ui.ui_template_s3_uri.as_deref(),
                0,
                1024,
                Some(c::S3_URI),
            );
            v.string(
                "humanTaskConfig.uiConfig.humanTaskUiArn",
                ui.human_task_ui_arn.as_deref(),
                0,
                1024,
                Some(c::HUMAN_TASK_UI_ARN),
            );
        }
        v.string(
            "humanTaskConfig.preHumanTaskLambdaArn",
            h.pre_human_task_lambda_arn.as_deref(),
            0,
            2048,
            Some(c::LAMBDA_ARN),
        );
        if let Some(acs) = &h.annotation_consolidation_config {
            v.required(
                "humanTaskConfig.annotationConsolidationConfig.annotationConsolidationLambdaArn",
                acs.annotation_consolidation_lambda_arn.as_ref(),
            );
            v.string(
                "humanTaskConfig.annotationConsolidationConfig.annotationConsolidationLambdaArn",
                acs.annotation_consolidation_lambda_arn.as_deref(),
                0,
                2048,
                Some(c::LAMBDA_ARN),
            );
        }
        task_text_and_limits(v, h);
    }
}

/// Keywords, title, description, worker counts, time limits and the public price.
fn task_text_and_limits(v: &mut Violations, h: &super::shapes::HumanTaskConfig) {
    if let Some(keywords) = &h.task_keywords {
        v.list_len(
            "humanTaskConfig.taskKeywords",
            Some(keywords.as_slice()),
            1,
            5,
        );
        for k in keywords {
            v.string(
                "humanTaskConfig.taskKeywords.member",
                Some(k),
                1,
                30,
                Some(c::TASK_KEYWORD),
            );
        }
    }
    v.required("humanTaskConfig.taskTitle", h.task_title.as_ref());
    v.string(
        "humanTaskConfig.taskTitle",
        h.task_title.as_deref(),
        1,
        128,
        Some(c::TASK_TITLE),
    );
    v.required(
        "humanTaskConfig.taskDescription",
        h.task_description.as_ref(),
    );
    v.string(
        "humanTaskConfig.taskDescription",
        h.task_description.as_deref(),
        1,
        255,
        Some(c::TASK_DESCRIPTION),
    );
    v.required(
        "humanTaskConfig.numberOfHumanWorkersPerDataObject",
        h.number_of_human_workers_per_data_object.as_ref(),
    );
    v.int(
        "humanTaskConfig.numberOfHumanWorkersPerDataObject",
        h.number_of_human_workers_per_data_object,
        Some(1),
        Some(9),
    );
    v.required(
        "humanTaskConfig.taskTimeLimitInSeconds",
        h.task_time_limit_in_seconds.as_ref(),
    );
    v.int(
        "humanTaskConfig.taskTimeLimitInSeconds",
        h.task_time_limit_in_seconds,
        Some(30),
        None,
    );
    v.int(
        "humanTaskConfig.taskAvailabilityLifetimeInSeconds",
        h.task_availability_lifetime_in_seconds,
        Some(60),
        None,
    );
    v.int(
        "humanTaskConfig.maxConcurrentTaskCount",
        h.max_concurrent_task_count,
        Some(1),
        Some(5000),
    );
    if let Some(price) = h
        .public_workforce_task_price
        .as_ref()
        .and_then(|p| p.get("AmountInUsd"))
    {
        let part = |k: &str| price.get(k).and_then(serde_json::Value::as_i64);
        v.int(
            "humanTaskConfig.publicWorkforceTaskPrice.amountInUsd.dollars",
            part("Dollars"),
            Some(0),
            Some(2),
        );
        v.int(
            "humanTaskConfig.publicWorkforceTaskPrice.amountInUsd.cents",
            part("Cents"),
            Some(0),
            Some(99),
        );
        v.int(
            "humanTaskConfig.publicWorkforceTaskPrice.amountInUsd.tenthFractionsOfACent",
            part("TenthFractionsOfACent"),
            Some(0),
            Some(9),
        );
    }
}

fn tags(v: &mut Violations, r: &CreateLabelingJobRequest) {
    if let Some(tags) = &r.tags {
        v.list_len("tags", Some(tags.as_slice()), 0, 50);
        for t in tags {
            v.string("tags.member.key", Some(&t.key), 1, 128, Some(c::TAG));
            v.string("tags.member.value", Some(&t.value), 0, 256, Some(c::TAG));
        }
    }
}

/// What creation decided, beyond the request itself.
pub struct Accepted {
    pub task: Option<&'static TaskType>,
    pub manifest_blob: Option<BlobId>,
    pub total_objects: u64,
    pub target_objects: u64,
    pub labels: Vec<String>,
    pub streaming: bool,
    /// Set when SageMaker would fail the job after it starts.
    pub failure_reason: Option<String>,
}

/// Fields `constraints` has already required.
struct Required<'a> {
    name: &'a str,
    label_attribute: &'a str,
    role_arn: &'a str,
    workteam_arn: &'a str,
    output_path: &'a str,
    task_time_limit: i64,
}

fn required(r: &CreateLabelingJobRequest) -> Option<Required<'_>> {
    let h = r.human_task_config.as_ref()?;
    Some(Required {
        name: r.labeling_job_name.as_deref()?,
        label_attribute: r.label_attribute_name.as_deref()?,
        role_arn: r.role_arn.as_deref()?,
        workteam_arn: h.workteam_arn.as_deref()?,
        output_path: r.output_config.as_ref()?.s3_output_path.as_deref()?,
        task_time_limit: h.task_time_limit_in_seconds?,
    })
}

/// An object's body from the sandbox's S3, or a validation error naming what is missing.
fn object(
    ctx: &Ctx<'_>,
    world: &World,
    what: &str,
    uri: &str,
) -> Result<(BlobId, Vec<u8>), ApiError> {
    let missing = || {
        validation(format!(
            "The {what} {uri} does not exist or is not accessible."
        ))
    };
    let (bucket, key) = split_s3_uri(uri).ok_or_else(missing)?;
    let object = world.s3.object(bucket, key).ok_or_else(missing)?;
    let body = ctx.shared.store.get_blob(&object.blob)?;
    Ok((object.blob.clone(), body))
}

/// The task type the request's Lambda ARNs name, after checking they are the built-in ones of
/// the job's region and agree with each other. `None`: a custom task with its own Lambdas.
fn task_type(
    region: &str,
    r: &CreateLabelingJobRequest,
) -> Result<Option<&'static TaskType>, ApiError> {
    let h = r.human_task_config.as_ref();
    let pre = h.and_then(|h| h.pre_human_task_lambda_arn.as_deref());
    let acs = h
        .and_then(|h| h.annotation_consolidation_config.as_ref())
        .and_then(|a| a.annotation_consolidation_lambda_arn.as_deref());
    let mut found: Option<&'static TaskType> = None;
    for (member, arn) in [
        ("PreHumanTaskLambdaArn", pre),
        ("AnnotationConsolidationLambdaArn", acs),
    ] {
        let Some(arn) = arn else { continue };
        let Some(task) = catalog::task_types::from_lambda_arn(arn) else {
            continue;
        };
        let expected = if member == "PreHumanTaskLambdaArn" {
            arns::pre_lambda(region, task)
        } else {
            arns::acs_lambda(region, task)
        };
        let Some(expected) = expected else {
            return Err(validation(format!(
                "Ground Truth is not available in region {region}; supported regions: {}.",
                regions::supported().collect::<Vec<_>>().join(", ")
            )));
        };
        if arn != expected {
            return Err(validation(format!(
                "{member} {arn} is not the built-in Lambda function of region {region}; use {expected}."
            )));
        }
        if let Some(other) = found
            && other.name != task.name
        {
            return Err(validation(format!(
                "PreHumanTaskLambdaArn and AnnotationConsolidationLambdaArn name different task types ({} and {}).",
                other.name, task.name
            )));
        }
        found = Some(task);
    }
    Ok(found)
}

/// The label names of a label category config, checked against the task type's format and
/// limits (fact sheet §3.1).
fn labels(task: Option<&TaskType>, uri: &str, body: &[u8]) -> Result<Vec<String>, ApiError> {
    let bad = |why: &str| {
        validation(format!(
            "The label category configuration file {uri} is invalid: {why}."
        ))
    };
    let doc: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| bad("it is not valid JSON"))?;
    let format = task.map_or(LabelConfigFormat::Custom, |t| t.label_config);
    let version_key = match format {
        LabelConfigFormat::Simple => Some(("document-version", "2018-11-28")),
        LabelConfigFormat::Attribute => Some(("documentVersion", "2020-03-01")),
        LabelConfigFormat::Custom => None,
    };
    let Some((key, version)) = version_key else {
        return Ok(Vec::new());
    };
    if doc.get(key).and_then(serde_json::Value::as_str) != Some(version) {
        return Err(bad(&format!(
            "`{key}` must be \"{version}\" for this task type"
        )));
    }
    let entries = doc
        .get("labels")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| bad("`labels` must be a list"))?;
    let mut names = Vec::new();
    let mut seen = BTreeSet::new();
    for entry in entries {
        let name = entry
            .get("label")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| bad("every label needs a `label` string"))?;
        if !seen.insert(name.to_owned()) {
            return Err(bad(&format!("label `{name}` appears twice")));
        }
        names.push(name.to_owned());
    }
    if let Some(t) = task {
        if names.len() < t.min_labels {
            return Err(bad(&format!(
                "{} needs at least {} labels, found {}",
                t.name,
                t.min_labels,
                names.len()
            )));
        }
        if let Some(max) = t.max_labels
            && names.len() > max
        {
            return Err(bad(&format!(
                "{} allows at most {max} labels, found {}",
                t.name,
                names.len()
            )));
        }
        if t.audits.is_some()
            && format == LabelConfigFormat::Attribute
            && doc.get("auditLabelAttributeName").is_none()
        {
            return Err(bad(
                "adjustment and verification jobs need `auditLabelAttributeName`",
            ));
        }
    }
    Ok(names)
}

fn public_workforce(arn: &str) -> bool {
    arn.ends_with(":workteam/public-crowd/default")
}

/// The rules that need the world. Returns what creation decided, or the first error.
/// The role exists, trusts SageMaker, and its session covers the task time limit.
fn execution_role<'w>(
    ctx: &Ctx<'_>,
    world: &'w World,
    req: &Required<'_>,
) -> Result<&'w Role, ApiError> {
    let region = ctx.region.as_str();
    // The role exists and SageMaker may assume it.
    let cannot_assume = || {
        validation(format!(
            "Could not assume role {}. Please ensure that the role exists and allows principal '{SAGEMAKER}' to assume the role.",
            req.role_arn
        ))
    };
    let role = world
        .iam
        .role_by_arn(req.role_arn)
        .ok_or_else(cannot_assume)?;
    let job_arn = format!(
        "arn:aws:sagemaker:{region}:{}:labeling-job/{}",
        ctx.account_id(),
        req.name.to_ascii_lowercase()
    );
    let trust_context = BTreeMap::from([
        (
            "aws:SourceAccount".to_owned(),
            vec![ctx.account_id().to_owned()],
        ),
        ("aws:SourceArn".to_owned(), vec![job_arn]),
    ]);
    let trusted = policy_eval::parse(&role.assume_role_policy, PolicyKind::Trust)
        .is_ok_and(|trust| policy_eval::service_can_assume(&trust, SAGEMAKER, &trust_context));
    // A new role or trust policy that IAM has not propagated yet (`--iam-propagation-seconds`)
    // cannot be assumed either, with the same answer.
    let (assumable, _) = role.as_seen_by_services(ctx.now);
    if !trusted || !assumable {
        return Err(cannot_assume());
    }
    // The rule of the API guide this project was specified from (fact sheet §4.1).
    if req.task_time_limit > 3600 && role.max_session_duration < req.task_time_limit {
        return Err(validation(format!(
            "TaskTimeLimitInSeconds ({}) is longer than the MaxSessionDuration ({}) of role {}; raise the role's MaxSessionDuration to at least {} seconds.",
            req.task_time_limit, role.max_session_duration, req.role_arn, req.task_time_limit
        )));
    }

    Ok(role)
}

/// The worker UI fits the task type: a template that exists, or the AWS-owned UI; and the
/// label attribute follows the task type's `-ref` rule.
fn worker_ui(
    ctx: &Ctx<'_>,
    world: &World,
    r: &CreateLabelingJobRequest,
    task: Option<&TaskType>,
    req: &Required<'_>,
) -> Result<(), ApiError> {
    let region = ctx.region.as_str();
    let h = r.human_task_config.as_ref();
    let ui = h.and_then(|h| h.ui_config.as_ref());
    let template_uri = ui.and_then(|u| u.ui_template_s3_uri.as_deref());
    let ui_arn = ui.and_then(|u| u.human_task_ui_arn.as_deref());
    match (template_uri, ui_arn) {
        (Some(_), Some(_)) => {
            return Err(validation(
                "UiConfig takes either UiTemplateS3Uri or HumanTaskUiArn, not both.",
            ));
        }
        (None, None) => {
            return Err(validation(
                "UiConfig needs UiTemplateS3Uri or HumanTaskUiArn.",
            ));
        }
        _ => {}
    }
    if let Some(t) = task {
        match (t.ui, ui_arn) {
            (Ui::HumanTaskUi(_), None) => {
                return Err(validation(format!(
                    "{} jobs use an AWS-provided worker UI: set HumanTaskUiArn to {}.",
                    t.name,
                    arns::human_task_ui(region, t).unwrap_or_default()
                )));
            }
            (Ui::HumanTaskUi(_), Some(arn))
                if Some(arn) != arns::human_task_ui(region, t).as_deref() =>
            {
                return Err(validation(format!(
                    "HumanTaskUiArn {arn} does not match the {} task type in {region}; use {}.",
                    t.name,
                    arns::human_task_ui(region, t).unwrap_or_default()
                )));
            }
            (Ui::Template, Some(_)) => {
                return Err(validation(format!(
                    "{} jobs use a worker template: set UiTemplateS3Uri instead of HumanTaskUiArn.",
                    t.name
                )));
            }
            _ => {}
        }
        if t.label_attribute_ends_with_ref != req.label_attribute.ends_with("-ref") {
            let requirement = if t.label_attribute_ends_with_ref {
                "must"
            } else {
                "must not"
            };
            return Err(validation(format!(
                "LabelAttributeName {} is invalid: for {} jobs it {requirement} end with -ref.",
                req.label_attribute, t.name
            )));
        }
    }
    if let Some(uri) = template_uri {
        object(ctx, world, "worker task template", uri)?;
    }

    Ok(())
}

/// The workteam exists in the region, and the public workforce only takes task types it may.
fn workteam(
    world: &World,
    region: &str,
    task: Option<&TaskType>,
    req: &Required<'_>,
) -> Result<(), ApiError> {
    // The workteam.
    if public_workforce(req.workteam_arn) {
        if req.workteam_arn != arns::public_workteam(region) {
            return Err(validation(format!(
                "WorkteamArn {} is not the public workforce of region {region}; use {}.",
                req.workteam_arn,
                arns::public_workteam(region)
            )));
        }
        if let Some(t) = task.filter(|t| !t.mechanical_turk) {
            return Err(validation(format!(
                "The public workforce (Amazon Mechanical Turk) cannot be used for {} jobs; use a private or vendor workforce.",
                t.name
            )));
        }
    } else {
        let team = world
            .sagemaker
            .workteams
            .get(req.workteam_arn)
            .filter(|w| w.region == region);
        if team.is_none() {
            return Err(validation(format!(
                "Workteam {} does not exist.",
                req.workteam_arn
            )));
        }
    }

    Ok(())
}

pub fn semantics(
    ctx: &Ctx<'_>,
    world: &World,
    r: &CreateLabelingJobRequest,
) -> Result<Accepted, ApiError> {
    let req = required(r).ok_or_else(|| validation("a required member is missing"))?;
    let region = ctx.region.as_str();
    if world
        .sagemaker
        .jobs
        .contains_key(&job_key(region, req.name))
    {
        return Err(ApiError::new(
            &SageMakerError::ResourceInUse,
            format!(
                "Job name must be unique within an AWS account and region, and a labeling job with name {} already exists (names are compared case-insensitively and cannot be reused).",
                req.name
            ),
        ));
    }
    if req.label_attribute.ends_with("-metadata")
        || matches!(req.label_attribute, "source" | "source-ref")
    {
        return Err(validation(format!(
            "LabelAttributeName {} is reserved: it must not be `source` or `source-ref` and must not end with `-metadata`.",
            req.label_attribute
        )));
    }

    let role = execution_role(ctx, world, &req)?;
    let task = task_type(region, r)?;
    worker_ui(ctx, world, r, task, &req)?;
    workteam(world, region, task, &req)?;
    // Input: streaming (SNS) or a manifest in S3.
    let input = r.input_config.as_ref().and_then(|i| i.data_source.as_ref());
    let streaming = input.and_then(|d| d.sns_data_source.as_ref()).is_some();
    let manifest_uri = input
        .and_then(|d| d.s3_data_source.as_ref())
        .and_then(|s| s.manifest_s3_uri.as_deref());
    if !streaming && manifest_uri.is_none() {
        return Err(validation(
            "InputConfig.DataSource needs S3DataSource or SnsDataSource.",
        ));
    }
    if streaming && r.labeling_job_algorithms_config.is_some() {
        return Err(validation(
            "Automated data labeling (LabelingJobAlgorithmsConfig) is not supported for streaming labeling jobs.",
        ));
    }
    let manifest = manifest_uri
        .map(|uri| object(ctx, world, "input manifest", uri))
        .transpose()?;

    // The label category config.
    let label_names = match (r.label_category_config_s3_uri.as_deref(), task) {
        (Some(uri), _) => {
            let (_, body) = object(ctx, world, "label category configuration file", uri)?;
            labels(task, uri, &body)?
        }
        (None, Some(task)) if label_config_required(task) => {
            return Err(validation(format!(
                "LabelCategoryConfigS3Uri is required for {} labeling jobs.",
                task.name
            )));
        }
        _ => Vec::new(),
    };

    let (total, failure) = match &manifest {
        Some((_, body)) => match manifest_objects(task, body) {
            Ok(n) => (n, None),
            Err(reason) => (0, Some(reason)),
        },
        None => (0, None),
    };
    let failure = failure.or_else(|| failure_after_start(ctx, world, role, r, &req, manifest_uri));
    let target = target_objects(total, r);
    Ok(Accepted {
        task,
        manifest_blob: manifest.map(|(blob, _)| blob),
        total_objects: total,
        target_objects: target,
        labels: label_names,
        streaming,
        failure_reason: failure,
    })
}

/// Whether SageMaker needs a label category config file for `task`. The API model makes
/// `LabelCategoryConfigS3Uri` optional, and the developer guide's own AWS CLI example of a
/// multi-label image classification job leaves it out (sms-create-labeling-job-api.html). What
/// the guide requires per task type:
/// - named entity recognition: "You must provide worker instructions in the label category
///   configuration file" (sms-named-entity-recg.html);
/// - 3D point cloud and video frame tasks: their labels, attributes and `annotationType` exist
///   only in that file (sms-point-cloud-*.html, sms-video-*.html,
///   sms-label-cat-config-attributes.html);
/// - verification and adjustment: the file "must contain the same label categories as the
///   previous labeling job", and for 3D/video audits `auditLabelAttributeName`
///   (sms-verification-data.html).
///
/// Classification, bounding box, semantic segmentation, video clip classification and custom
/// tasks may leave it out.
fn label_config_required(task: &TaskType) -> bool {
    task.needs_instructions
        || task.label_config == LabelConfigFormat::Attribute
        || task.audits.is_some()
}

/// How many objects the job labels before it completes, after its stopping conditions.
fn target_objects(total: u64, r: &CreateLabelingJobRequest) -> u64 {
    let mut target = total;
    if let Some(s) = &r.stopping_conditions {
        if let Some(max) = s
            .max_human_labeled_object_count
            .and_then(|m| u64::try_from(m).ok())
        {
            target = target.min(max);
        }
        if let Some(pct) = s
            .max_percentage_of_input_dataset_labeled
            .and_then(|p| u64::try_from(p).ok())
        {
            target = target.min((total * pct).div_ceil(100));
        }
    }
    target
}

/// Counts the manifest's objects; a malformed line is the reason the job fails (§3.2).
fn manifest_objects(task: Option<&TaskType>, body: &[u8]) -> Result<u64, String> {
    let text = std::str::from_utf8(body)
        .map_err(|_| "ClientError: the input manifest is not UTF-8.".to_owned())?;
    let key = task.map_or(catalog::ManifestKey::Any, |t| t.manifest_key);
    let mut count = 0;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Result<serde_json::Map<String, serde_json::Value>, _> =
            serde_json::from_str(line);
        match parsed {
            Ok(obj) if key.accepts(&obj) => count += 1,
            Ok(_) => {
                return Err(format!(
                    "ClientError: line {} of the input manifest has no {} key.",
                    i + 1,
                    key.describe()
                ));
            }
            Err(_) => {
                return Err(format!(
                    "ClientError: line {} of the input manifest is not a JSON object.",
                    i + 1
                ));
            }
        }
    }
    Ok(count)
}

/// What SageMaker finds only after the job starts: the role cannot read the manifest or write
/// the output (its identity policies together with the bucket policies), or a public
/// workforce job without the PII content classifier.
fn failure_after_start(
    ctx: &Ctx<'_>,
    world: &World,
    role: &Role,
    r: &CreateLabelingJobRequest,
    req: &Required<'_>,
    manifest_uri: Option<&str>,
) -> Option<String> {
    if public_workforce(req.workteam_arn) {
        let classifiers = r
            .input_config
            .as_ref()
            .and_then(|i| i.data_attributes.as_ref())
            .and_then(|a| a.content_classifiers.as_ref());
        let pii = classifiers.is_some_and(|c| {
            c.iter()
                .any(|c| c == "FreeOfPersonallyIdentifiableInformation")
        });
        if !pii {
            return Some("ClientError: jobs for the public workforce must declare the content classifier FreeOfPersonallyIdentifiableInformation.".to_owned());
        }
    }
    // The inline policies as SageMaker's session gets them: the old ones while a change
    // propagates.
    let (_, inline_policies) = role.as_seen_by_services(ctx.now);
    let identity: Vec<policy_eval::PolicyDocument> = inline_policies
        .values()
        .map(String::as_str)
        .chain(
            role.attached_policies
                .keys()
                .filter_map(|arn| managed_policy_document(arn)),
        )
        .filter_map(|text| policy_eval::parse(text, PolicyKind::Identity).ok())
        .collect();
    let identity: Vec<&policy_eval::PolicyDocument> = identity.iter().collect();
    let allowed = |action: &str, uri: &str| -> bool {
        let Some((bucket, key)) = split_s3_uri(uri) else {
            return false;
        };
        let bucket_policy = world
            .s3
            .buckets
            .get(bucket)
            .and_then(|b| b.policy.as_deref())
            .and_then(|p| policy_eval::parse(p, PolicyKind::Resource).ok());
        let resource = format!("arn:aws:s3:::{bucket}/{key}");
        let context = BTreeMap::from([
            ("aws:SecureTransport".to_owned(), vec!["true".to_owned()]),
            (
                "aws:PrincipalAccount".to_owned(),
                vec![ctx.account_id().to_owned()],
            ),
            ("aws:PrincipalArn".to_owned(), vec![role.arn.clone()]),
        ]);
        let request = AuthzRequest {
            action,
            resource: &resource,
            principal: Principal::Aws(&role.arn),
            context,
        };
        let resource_policies: Vec<&policy_eval::PolicyDocument> = bucket_policy.iter().collect();
        policy_eval::evaluate(&identity, &resource_policies, &request) == Decision::Allow
    };
    if let Some(uri) = manifest_uri
        && !allowed("s3:GetObject", uri)
    {
        return Some(format!(
            "ClientError: Access Denied: role {} cannot read the input manifest {uri} (s3:GetObject).",
            role.arn
        ));
    }
    let output_object = super::output::manifest_uri_at(req.output_path, req.name);
    if !allowed("s3:PutObject", &output_object) {
        return Some(format!(
            "ClientError: Access Denied: role {} cannot write to the output path {} (s3:PutObject).",
            role.arn, req.output_path
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_lines_are_counted_or_fail_the_job() {
        let image = catalog::find("ImageMultiClass");
        assert_eq!(
            manifest_objects(
                image,
                b"{\"source-ref\":\"s3://b/1.jpg\"}\n\n{\"source-ref\":\"s3://b/2.jpg\"}\n"
            ),
            Ok(2)
        );
        assert_eq!(
            manifest_objects(image, b"{\"source\":\"text\"}\n"),
            Err("ClientError: line 1 of the input manifest has no `source-ref` key.".to_owned())
        );
        assert!(manifest_objects(image, b"not json\n").is_err());
    }

    #[test]
    fn label_configs_follow_the_task_type() {
        let image = catalog::find("ImageMultiClass");
        let ok = br#"{"document-version":"2018-11-28","labels":[{"label":"cat"},{"label":"dog"}]}"#;
        assert_eq!(
            labels(image, "s3://b/l.json", ok).expect("valid"),
            ["cat", "dog"]
        );
        let one = br#"{"document-version":"2018-11-28","labels":[{"label":"cat"}]}"#;
        assert!(
            labels(image, "s3://b/l.json", one).is_err(),
            "classification needs two labels"
        );
        let attribute = catalog::find("3DPointCloudObjectDetection");
        assert!(
            labels(attribute, "s3://b/l.json", ok).is_err(),
            "wrong format"
        );
    }
}
