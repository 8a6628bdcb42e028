//! SageMaker through the SDK: a labeling job mapped back into the [`JobSpec`] it was created
//! from (so an unchanged job compares equal to the plan's), and
//! `CreateLabelingJob` / `StopLabelingJob`. `CreateLabelingJob` also retries IAM propagation:
//! SageMaker may not yet see a role written moments ago.

use std::collections::BTreeSet;

use aws_sdk_sagemaker::operation::describe_labeling_job::DescribeLabelingJobOutput;
use aws_sdk_sagemaker::types::{
    AnnotationConsolidationConfig, ContentClassifier, HumanTaskConfig, LabelingJobAlgorithmsConfig,
    LabelingJobDataAttributes, LabelingJobDataSource, LabelingJobInputConfig,
    LabelingJobOutputConfig, LabelingJobResourceConfig, LabelingJobS3DataSource,
    LabelingJobSnsDataSource, LabelingJobStatus, LabelingJobStoppingConditions,
    PublicWorkforceTaskPrice, Tag, UiConfig as SdkUiConfig, Usd, VpcConfig as SdkVpcConfig,
};
use serde::de::DeserializeOwned;

use super::retry::{self, Decision, Failure};
use super::{AwsCloud, cloud_error, code_of, malformed, written};
use crate::cloud::CloudError;
use crate::model::Step;
use crate::model::Tags;
use crate::model::job::{
    AutomatedLabeling, HumanTask, JobInput, JobOutput, JobSpec, JobStatus, LabelCounters, Price,
    StoppingConditions, UiConfig, VpcConfig,
};
use crate::model::observed::{JobTimes, ObservedJob};

impl AwsCloud {
    /// `DescribeLabelingJob` and `ListTags`. Once the account is known the job's ARN is too,
    /// and both are sent at once; `running_only` reads a finished job's status only (a plan
    /// has nothing to do with a finished job it no longer names).
    pub(super) async fn read_job(
        &self,
        name: &str,
        running_only: bool,
    ) -> Result<Option<ObservedJob>, CloudError> {
        let action = || format!("read labeling job `{name}`");
        let describe = self
            .services()
            .sagemaker
            .describe_labeling_job()
            .labeling_job_name(name)
            .send();
        let expected_arn = self
            .account
            .get()
            .filter(|_| !running_only)
            .map(|account| job_arn(&self.region, account, name));
        let (described, early_tags) = match &expected_arn {
            Some(arn) => {
                let (d, t) = futures::join!(describe, self.job_tags(arn, name));
                (d, Some(t))
            }
            None => (describe.await, None),
        };
        let out = match described {
            Ok(out) => out,
            Err(err) if code_of(&err) == Some("ResourceNotFound") => return Ok(None),
            Err(err) => return Err(cloud_error(action(), err)),
        };
        let status = job_status(&out).map_err(|what| malformed(action(), what))?;
        if running_only && !status.is_running() {
            return Ok(None);
        }
        let arn = out
            .labeling_job_arn()
            .ok_or_else(|| malformed(action(), "DescribeLabelingJob returned no ARN"))?
            .to_owned();
        let tags = match early_tags {
            Some(tags) if expected_arn.as_deref() == Some(arn.as_str()) => tags?,
            _ => self.job_tags(&arn, name).await?,
        };
        observed_job(&out, arn, tags)
            .map(Some)
            .map_err(|what| malformed(action(), what))
    }

    /// `RenderUiTemplate` with the template's content.
    pub(super) async fn render_template(
        &self,
        template: &str,
        input: &str,
        role_arn: &str,
    ) -> Result<Result<String, Vec<(String, String)>>, CloudError> {
        let out = self
            .services()
            .sagemaker
            .render_ui_template()
            .ui_template(
                aws_sdk_sagemaker::types::UiTemplate::builder()
                    .content(template)
                    .build(),
            )
            .task(
                aws_sdk_sagemaker::types::RenderableTask::builder()
                    .input(input)
                    .build(),
            )
            .role_arn(role_arn)
            .send()
            .await
            .map_err(|e| {
                cloud_error(
                    "render the worker template (RenderUiTemplate)".to_owned(),
                    e,
                )
            })?;
        let errors: Vec<(String, String)> = out
            .errors()
            .iter()
            .map(|e| {
                (
                    e.code().unwrap_or_default().to_owned(),
                    e.message().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        Ok(if errors.is_empty() {
            Ok(out.rendered_content().unwrap_or_default().to_owned())
        } else {
            Err(errors)
        })
    }

    /// `ListTags` of a job.
    async fn job_tags(&self, arn: &str, name: &str) -> Result<Tags, CloudError> {
        self.sagemaker_tags(arn, &format!("read the tags of labeling job `{name}`"))
            .await
    }

    /// `ListTags` of any SageMaker resource (paginated).
    pub(super) async fn sagemaker_tags(&self, arn: &str, action: &str) -> Result<Tags, CloudError> {
        let mut tags = Tags::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .services()
                .sagemaker
                .list_tags()
                .resource_arn(arn)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| cloud_error(action, e))?;
            tags.extend(out.tags().iter().filter_map(|t| {
                Some((
                    t.key()?.to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                ))
            }));
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(tags),
            }
        }
    }

    pub(super) async fn execute_sagemaker(&self, step: &Step) -> Result<(), CloudError> {
        match step {
            Step::CreateLabelingJob { spec } => self.create_job(spec).await,
            Step::StopLabelingJob { job } => {
                let action = || format!("stop labeling job `{job}`");
                match self
                    .services()
                    .sagemaker
                    .stop_labeling_job()
                    .labeling_job_name(job)
                    .send()
                    .await
                {
                    // A stop sent again after its answer was lost finds the job stopping: the
                    // goal is reached once the job no longer runs.
                    Err(err) if code_of(&err) == Some("ValidationException") => {
                        match self.read_job(job, false).await? {
                            Some(found) if !found.status.is_running() => Ok(()),
                            _ => Err(cloud_error(action(), err)),
                        }
                    }
                    other => written(other, action),
                }
            }
            _ => unreachable!("execute_sagemaker is only called with SageMaker steps"),
        }
    }

    /// `CreateLabelingJob`, retried (see [`retry::decide`]) while SageMaker rejects a role
    /// written moments ago.
    async fn create_job(&self, spec: &JobSpec) -> Result<(), CloudError> {
        let what = format!("CreateLabelingJob {}", spec.name);
        let role = spec.role_arn.rsplit('/').next().unwrap_or_default();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Err(err) = create_request(self, spec).send().await else {
                return Ok(());
            };
            let code = code_of(&err).map(ToOwned::to_owned);
            let message = err
                .as_service_error()
                .and_then(aws_sdk_sagemaker::error::ProvideErrorMetadata::message)
                .unwrap_or_default()
                .to_owned();
            // Only a validation error can be about the role; don't read IAM for anything else.
            let role_state = if code.as_deref() == Some("ValidationException") {
                let account = self.account.get().map_or("", String::as_str);
                let arn = job_arn(&self.region, account, spec.name.as_str());
                self.role_for_retry(role, &arn).await
            } else {
                None
            };
            let failure = Failure {
                code: code.as_deref(),
                message: &message,
                attempt,
                role_age: role_state.as_ref().map(|r| r.age),
                role_trusts_sagemaker: role_state.is_some_and(|r| r.trusts_sagemaker),
            };
            // A request resent after its answer was lost (by the SDK or a retry above) finds
            // the job the first one created: it exists exactly as asked, which is success.
            if code.as_deref() == Some("ResourceInUse")
                && self
                    .read_job(spec.name.as_str(), false)
                    .await
                    .is_ok_and(|job| job.is_some_and(|job| job.spec == *spec))
            {
                return Ok(());
            }
            match retry::decide(&failure) {
                Decision::GiveUp => {
                    return Err(cloud_error(
                        format!("create labeling job `{}`", spec.name),
                        err,
                    ));
                }
                Decision::RetryAfter(delay) => {
                    retry::log_retry(&what, &failure, delay);
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
}

/// The `CreateLabelingJob` request for `spec`; optional members are sent only when set, so
/// `DescribeLabelingJob` echoes back exactly what [`observed_spec`] maps to the same spec.
fn create_request(
    cloud: &AwsCloud,
    spec: &JobSpec,
) -> aws_sdk_sagemaker::operation::create_labeling_job::builders::CreateLabelingJobFluentBuilder {
    let data_source = LabelingJobDataSource::builder()
        .set_s3_data_source(spec.input.manifest_uri.as_ref().map(|uri| {
            LabelingJobS3DataSource::builder()
                .manifest_s3_uri(uri)
                .build()
        }))
        .set_sns_data_source(spec.input.sns_topic_arn.as_ref().map(|arn| {
            LabelingJobSnsDataSource::builder()
                .sns_topic_arn(arn)
                .build()
        }))
        .build();
    let attributes = (!spec.input.content_classifiers.is_empty()).then(|| {
        LabelingJobDataAttributes::builder()
            .set_content_classifiers(Some(
                spec.input
                    .content_classifiers
                    .iter()
                    .map(|c| ContentClassifier::from(c.as_str()))
                    .collect(),
            ))
            .build()
    });
    let input = LabelingJobInputConfig::builder()
        .data_source(data_source)
        .set_data_attributes(attributes)
        .build();
    let output = LabelingJobOutputConfig::builder()
        .s3_output_path(&spec.output.s3_output_path)
        .set_kms_key_id(spec.output.kms_key_id.clone())
        .set_sns_topic_arn(spec.output.sns_topic_arn.clone())
        .build();
    let stopping = spec.stopping_conditions.map(|s| {
        LabelingJobStoppingConditions::builder()
            .set_max_human_labeled_object_count(s.max_human_labeled_object_count.map(to_i32))
            .set_max_percentage_of_input_dataset_labeled(
                s.max_percentage_of_input_dataset_labeled.map(to_i32),
            )
            .build()
    });
    let algorithms = spec.automated_labeling.as_ref().map(|a| {
        let resources = (a.volume_kms_key_id.is_some() || a.vpc.is_some()).then(|| {
            LabelingJobResourceConfig::builder()
                .set_volume_kms_key_id(a.volume_kms_key_id.clone())
                .set_vpc_config(a.vpc.as_ref().map(|v| {
                    SdkVpcConfig::builder()
                        .set_security_group_ids(Some(v.security_group_ids.clone()))
                        .set_subnets(Some(v.subnets.clone()))
                        .build()
                }))
                .build()
        });
        LabelingJobAlgorithmsConfig::builder()
            .labeling_job_algorithm_specification_arn(&a.algorithm_specification_arn)
            .set_initial_active_learning_model_arn(a.initial_active_learning_model_arn.clone())
            .set_labeling_job_resource_config(resources)
            .build()
    });
    let human = human_task_config(&spec.human_task);
    let tags: Vec<Tag> = spec
        .tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    cloud
        .services()
        .sagemaker
        .create_labeling_job()
        .labeling_job_name(spec.name.as_str())
        .label_attribute_name(spec.label_attribute_name.as_str())
        .input_config(input)
        .output_config(output)
        .role_arn(&spec.role_arn)
        .set_label_category_config_s3_uri(spec.label_category_config_uri.clone())
        .set_stopping_conditions(stopping)
        .set_labeling_job_algorithms_config(algorithms)
        .human_task_config(human)
        .set_tags((!tags.is_empty()).then_some(tags))
}

fn human_task_config(h: &HumanTask) -> HumanTaskConfig {
    let ui = match &h.ui {
        UiConfig::TemplateS3Uri(uri) => SdkUiConfig::builder().ui_template_s3_uri(uri).build(),
        UiConfig::HumanTaskUiArn(arn) => SdkUiConfig::builder().human_task_ui_arn(arn).build(),
    };
    HumanTaskConfig::builder()
        .workteam_arn(&h.workteam_arn)
        .ui_config(ui)
        .set_pre_human_task_lambda_arn(h.pre_human_task_lambda_arn.clone())
        .set_task_keywords((!h.task_keywords.is_empty()).then(|| h.task_keywords.clone()))
        .task_title(&h.task_title)
        .task_description(&h.task_description)
        .number_of_human_workers_per_data_object(to_i32(h.number_of_human_workers_per_data_object))
        .task_time_limit_in_seconds(to_i32(h.task_time_limit_seconds))
        .set_task_availability_lifetime_in_seconds(h.task_availability_lifetime_seconds.map(to_i32))
        .set_max_concurrent_task_count(h.max_concurrent_task_count.map(to_i32))
        .set_annotation_consolidation_config(h.annotation_consolidation_lambda_arn.as_ref().map(
            |arn| {
                AnnotationConsolidationConfig::builder()
                    .annotation_consolidation_lambda_arn(arn)
                    .build()
            },
        ))
        .set_public_workforce_task_price(h.public_workforce_task_price.map(|p| {
            PublicWorkforceTaskPrice::builder()
                .amount_in_usd(
                    Usd::builder()
                        .dollars(to_i32(p.dollars))
                        .cents(to_i32(p.cents))
                        .tenth_fractions_of_a_cent(to_i32(p.tenth_fractions_of_a_cent))
                        .build(),
                )
                .build()
        }))
        .build()
}

/// A labeling job's ARN as SageMaker writes it (the name in lower case). A wrong guess costs a
/// second `ListTags` with the ARN `DescribeLabelingJob` returned, never a wrong answer.
fn job_arn(region: &str, account: &str, name: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!(
        "arn:{partition}:sagemaker:{region}:{account}:labeling-job/{}",
        name.to_ascii_lowercase()
    )
}

fn job_status(out: &DescribeLabelingJobOutput) -> Result<JobStatus, String> {
    Ok(match out.labeling_job_status() {
        Some(LabelingJobStatus::Initializing) => JobStatus::Initializing,
        Some(LabelingJobStatus::InProgress) => JobStatus::InProgress,
        Some(LabelingJobStatus::Completed) => JobStatus::Completed,
        Some(LabelingJobStatus::Failed) => JobStatus::Failed,
        Some(LabelingJobStatus::Stopping) => JobStatus::Stopping,
        Some(LabelingJobStatus::Stopped) => JobStatus::Stopped,
        other => return Err(format!("unknown labeling job status {other:?}")),
    })
}

/// A job as refresh reports it; `Err` names what SageMaker's answer lacked.
fn observed_job(
    out: &DescribeLabelingJobOutput,
    arn: String,
    tags: Tags,
) -> Result<ObservedJob, String> {
    let status = job_status(out)?;
    let counters = out
        .label_counters()
        .map_or_else(LabelCounters::default, |c| {
            let n = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
            LabelCounters {
                total_labeled: n(c.total_labeled()),
                human_labeled: n(c.human_labeled()),
                machine_labeled: n(c.machine_labeled()),
                failed_non_retryable_error: n(c.failed_non_retryable_error()),
                unlabeled: n(c.unlabeled()),
            }
        });
    Ok(ObservedJob {
        arn,
        status,
        counters,
        failure_reason: non_empty(out.failure_reason()),
        output_manifest_uri: out
            .labeling_job_output()
            .and_then(|o| non_empty(o.output_dataset_s3_uri())),
        spec: observed_spec(out, tags)?,
        times: out
            .creation_time()
            .zip(out.last_modified_time())
            .and_then(|(c, m)| {
                Some(JobTimes {
                    created_ms: c.to_millis().ok()?,
                    last_modified_ms: m.to_millis().ok()?,
                })
            }),
    })
}

/// The request a job was created with, rebuilt from `DescribeLabelingJob` exactly as the
/// desired side builds it. Absent and empty are the same (`None`, empty list).
fn observed_spec(out: &DescribeLabelingJobOutput, tags: Tags) -> Result<JobSpec, String> {
    let name = out
        .labeling_job_name()
        .ok_or("DescribeLabelingJob returned no job name")?;
    let input = out.input_config();
    let source = input.and_then(LabelingJobInputConfig::data_source);
    let output = out.output_config();
    let human = out
        .human_task_config()
        .ok_or("DescribeLabelingJob returned no HumanTaskConfig")?;
    let ui = human.ui_config();
    let ui = match (
        ui.and_then(|u| non_empty(u.ui_template_s3_uri())),
        ui.and_then(|u| non_empty(u.human_task_ui_arn())),
    ) {
        (Some(uri), _) => UiConfig::TemplateS3Uri(uri),
        (None, Some(arn)) => UiConfig::HumanTaskUiArn(arn),
        (None, None) => return Err("DescribeLabelingJob returned no UiConfig".to_owned()),
    };
    let algorithms = out.labeling_job_algorithms_config();
    let resources = algorithms.and_then(LabelingJobAlgorithmsConfig::labeling_job_resource_config);
    Ok(JobSpec {
        name: observed_name(name)?,
        label_attribute_name: observed_name(out.label_attribute_name().unwrap_or_default())?,
        input: JobInput {
            manifest_uri: source
                .and_then(LabelingJobDataSource::s3_data_source)
                .and_then(|s| non_empty(s.manifest_s3_uri())),
            sns_topic_arn: source
                .and_then(LabelingJobDataSource::sns_data_source)
                .and_then(|s| non_empty(s.sns_topic_arn())),
            content_classifiers: input
                .and_then(LabelingJobInputConfig::data_attributes)
                .map_or_else(BTreeSet::new, |a| {
                    a.content_classifiers()
                        .iter()
                        .map(|c| c.as_str().to_owned())
                        .collect()
                }),
        },
        output: JobOutput {
            s3_output_path: output
                .and_then(LabelingJobOutputConfig::s3_output_path)
                .unwrap_or_default()
                .to_owned(),
            kms_key_id: output.and_then(|o| non_empty(o.kms_key_id())),
            sns_topic_arn: output.and_then(|o| non_empty(o.sns_topic_arn())),
        },
        role_arn: out.role_arn().unwrap_or_default().to_owned(),
        label_category_config_uri: non_empty(out.label_category_config_s3_uri()),
        stopping_conditions: out.stopping_conditions().map(|s| StoppingConditions {
            max_human_labeled_object_count: s.max_human_labeled_object_count().and_then(to_u32),
            max_percentage_of_input_dataset_labeled: s
                .max_percentage_of_input_dataset_labeled()
                .and_then(to_u32),
        }),
        automated_labeling: algorithms.map(|a| AutomatedLabeling {
            algorithm_specification_arn: a
                .labeling_job_algorithm_specification_arn()
                .unwrap_or_default()
                .to_owned(),
            initial_active_learning_model_arn: non_empty(a.initial_active_learning_model_arn()),
            volume_kms_key_id: resources.and_then(|r| non_empty(r.volume_kms_key_id())),
            vpc: resources
                .and_then(LabelingJobResourceConfig::vpc_config)
                .map(|v| VpcConfig {
                    security_group_ids: v.security_group_ids().to_vec(),
                    subnets: v.subnets().to_vec(),
                }),
        }),
        human_task: observed_human_task(human, ui),
        tags,
    })
}

fn observed_human_task(human: &HumanTaskConfig, ui: UiConfig) -> HumanTask {
    HumanTask {
        workteam_arn: human.workteam_arn().unwrap_or_default().to_owned(),
        ui,
        pre_human_task_lambda_arn: non_empty(human.pre_human_task_lambda_arn()),
        annotation_consolidation_lambda_arn: human
            .annotation_consolidation_config()
            .and_then(|a| non_empty(a.annotation_consolidation_lambda_arn())),
        task_keywords: human.task_keywords().to_vec(),
        task_title: human.task_title().unwrap_or_default().to_owned(),
        task_description: human.task_description().unwrap_or_default().to_owned(),
        number_of_human_workers_per_data_object: human
            .number_of_human_workers_per_data_object()
            .and_then(to_u32)
            .unwrap_or(0),
        task_time_limit_seconds: human
            .task_time_limit_in_seconds()
            .and_then(to_u32)
            .unwrap_or(0),
        task_availability_lifetime_seconds: human
            .task_availability_lifetime_in_seconds()
            .and_then(to_u32),
        max_concurrent_task_count: human.max_concurrent_task_count().and_then(to_u32),
        public_workforce_task_price: human
            .public_workforce_task_price()
            .and_then(PublicWorkforceTaskPrice::amount_in_usd)
            .map(|usd| Price {
                dollars: usd.dollars().and_then(to_u32).unwrap_or(0),
                cents: usd.cents().and_then(to_u32).unwrap_or(0),
                tenth_fractions_of_a_cent: usd
                    .tenth_fractions_of_a_cent()
                    .and_then(to_u32)
                    .unwrap_or(0),
            }),
    }
}

/// A name AWS reports, in gtplan's name type. Observed names are not user input: a job that
/// exists has a name SageMaker accepted, even where gtplan's own rules are stricter, so it is
/// taken as it is (the name types are transparent strings) rather than failing refresh.
fn observed_name<T: DeserializeOwned>(name: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|e| format!("unreadable name `{name}`: {e}"))
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(ToOwned::to_owned)
}

/// Request numbers are validated far below `i32::MAX` by the resolver.
fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn to_u32(n: i32) -> Option<u32> {
    u32::try_from(n).ok()
}
