//! SageMaker labeling jobs in the sandbox through the real aws-sdk-sagemaker client, with the
//! bucket, role and files set up through the real S3 and IAM clients.

use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_sagemaker::error::ProvideErrorMetadata;
use aws_sdk_sagemaker::operation::create_labeling_job::builders::CreateLabelingJobFluentBuilder;
use aws_sdk_sagemaker::types::{
    AnnotationConsolidationConfig, CognitoConfig, CognitoMemberDefinition, ContentClassifier,
    HumanTaskConfig, LabelingJobDataAttributes, LabelingJobDataSource, LabelingJobInputConfig,
    LabelingJobOutputConfig, LabelingJobS3DataSource, LabelingJobStatus,
    LabelingJobStoppingConditions, MemberDefinition, NotificationConfiguration, OidcConfig,
    OidcMemberDefinition, PublicWorkforceTaskPrice, SortOrder, SourceIpConfig, Tag, UiConfig, Usd,
};

use crate::support::{TestSandbox, assert_contains, code};

const BUCKET: &str = "labels-data";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const ACCESS: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::labels-data/*"},
  {"Effect":"Allow","Action":["s3:ListBucket"],"Resource":"arn:aws:s3:::labels-data"}]}"#;
const MANIFEST: &str = "{\"source-ref\":\"s3://labels-data/images/1.jpg\"}\n{\"source-ref\":\"s3://labels-data/images/2.jpg\"}\n{\"source-ref\":\"s3://labels-data/images/3.jpg\"}\n{\"source-ref\":\"s3://labels-data/images/4.jpg\"}\n";
const LABELS: &str = r#"{"document-version":"2018-11-28","labels":[{"label":"cat"},{"label":"dog"},{"label":"bird"}]}"#;
const ROLE_ARN: &str = "arn:aws:iam::000000000000:role/labeling";
const PRE: &str = "arn:aws:lambda:us-east-1:432418664414:function:PRE-ImageMultiClass";
const ACS: &str = "arn:aws:lambda:us-east-1:432418664414:function:ACS-ImageMultiClass";

async fn put(sb: &TestSandbox, key: &str, body: &str) {
    sb.s3
        .put_object()
        .bucket(BUCKET)
        .key(key)
        .body(ByteStream::from(body.as_bytes().to_vec()))
        .send()
        .await
        .expect("upload");
}

/// A bucket with a manifest, label config and template; a role SageMaker may assume with access
/// to the bucket; a private workteam.
async fn fixture(sb: &TestSandbox) -> String {
    sb.s3
        .create_bucket()
        .bucket(BUCKET)
        .send()
        .await
        .expect("bucket");
    put(sb, "input/manifest.jsonl", MANIFEST).await;
    put(sb, "config/labels.json", LABELS).await;
    put(sb, "ui/template.liquid", "<crowd-form></crowd-form>").await;
    sb.iam
        .create_role()
        .role_name("labeling")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("role");
    sb.iam
        .put_role_policy()
        .role_name("labeling")
        .policy_name("s3")
        .policy_document(ACCESS)
        .send()
        .await
        .expect("policy");
    sb.private_workteam("labelers").await
}

fn human_task(workteam: &str) -> aws_sdk_sagemaker::types::builders::HumanTaskConfigBuilder {
    HumanTaskConfig::builder()
        .workteam_arn(workteam)
        .ui_config(
            UiConfig::builder()
                .ui_template_s3_uri(format!("s3://{BUCKET}/ui/template.liquid"))
                .build(),
        )
        .pre_human_task_lambda_arn(PRE)
        .annotation_consolidation_config(
            AnnotationConsolidationConfig::builder()
                .annotation_consolidation_lambda_arn(ACS)
                .build(),
        )
        .task_keywords("images")
        .task_title("Classify animals")
        .task_description("Pick the animal in the photo")
        .number_of_human_workers_per_data_object(1)
        .task_time_limit_in_seconds(300)
}

fn job(sb: &TestSandbox, name: &str, human: HumanTaskConfig) -> CreateLabelingJobFluentBuilder {
    sb.sagemaker
        .create_labeling_job()
        .labeling_job_name(name)
        .label_attribute_name("animal")
        .input_config(
            LabelingJobInputConfig::builder()
                .data_source(
                    LabelingJobDataSource::builder()
                        .s3_data_source(
                            LabelingJobS3DataSource::builder()
                                .manifest_s3_uri(format!("s3://{BUCKET}/input/manifest.jsonl"))
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .output_config(
            LabelingJobOutputConfig::builder()
                .s3_output_path(format!("s3://{BUCKET}/output/"))
                .build(),
        )
        .role_arn(ROLE_ARN)
        .label_category_config_s3_uri(format!("s3://{BUCKET}/config/labels.json"))
        .human_task_config(human)
}

fn valid(sb: &TestSandbox, name: &str, workteam: &str) -> CreateLabelingJobFluentBuilder {
    job(sb, name, human_task(workteam).build())
}

async fn fast() -> TestSandbox {
    TestSandbox::start_with(|c| {
        c.init_seconds = 0.2;
        c.labeling_rate = 100.0;
    })
    .await
}

/// The job's description once the sandbox's clock has moved on by `wait`.
async fn status_after(
    sb: &TestSandbox,
    name: &str,
    wait: Duration,
) -> aws_sdk_sagemaker::operation::describe_labeling_job::DescribeLabelingJobOutput {
    sb.advance(wait.as_secs_f64()).await;
    sb.sagemaker
        .describe_labeling_job()
        .labeling_job_name(name)
        .send()
        .await
        .expect("describe")
}

/// The exact ValidationException message of a rejected request.
async fn rejected(request: CreateLabelingJobFluentBuilder) -> (String, String) {
    let err = request.send().await.expect_err("must be rejected");
    let message = err
        .as_service_error()
        .and_then(aws_sdk_sagemaker::error::ProvideErrorMetadata::message)
        .unwrap_or_default()
        .to_owned();
    (code(&err), message)
}

#[tokio::test]
async fn a_valid_built_in_image_job_is_created_and_described() {
    let sb = TestSandbox::start().await;
    let team = fixture(&sb).await;
    let created = valid(&sb, "pets-v1", &team)
        .tags(Tag::builder().key("gtplan:plan").value("demo").build())
        .send()
        .await
        .expect("created");
    assert_eq!(
        created.labeling_job_arn(),
        Some("arn:aws:sagemaker:us-east-1:000000000000:labeling-job/pets-v1")
    );
    let d = sb
        .sagemaker
        .describe_labeling_job()
        .labeling_job_name("pets-v1")
        .send()
        .await
        .expect("describe");
    assert_eq!(
        d.labeling_job_status(),
        Some(&LabelingJobStatus::Initializing)
    );
    assert_eq!(d.label_attribute_name(), Some("animal"));
    assert_eq!(d.role_arn(), Some(ROLE_ARN));
    let h = d.human_task_config().expect("human task");
    assert_eq!(h.pre_human_task_lambda_arn(), Some(PRE));
    assert_eq!(h.task_time_limit_in_seconds(), Some(300));
    assert_eq!(d.tags().len(), 1);
    assert_eq!(
        d.label_counters()
            .and_then(aws_sdk_sagemaker::types::LabelCounters::unlabeled),
        Some(4)
    );
    assert!(d.job_reference_code().is_some_and(|c| !c.is_empty()));
}

#[tokio::test]
async fn job_runs_to_completion_and_writes_the_output_manifest() {
    let sb = fast().await;
    let team = fixture(&sb).await;
    valid(&sb, "pets-done", &team)
        .send()
        .await
        .expect("created");
    let d = status_after(&sb, "pets-done", Duration::from_millis(600)).await;
    assert_eq!(
        d.labeling_job_status(),
        Some(&LabelingJobStatus::Completed),
        "{d:?}"
    );
    let counters = d.label_counters().expect("counters");
    assert_eq!(
        (counters.total_labeled(), counters.unlabeled()),
        (Some(4), Some(0))
    );
    let uri = d
        .labeling_job_output()
        .expect("output")
        .output_dataset_s3_uri();
    assert_eq!(
        uri,
        Some("s3://labels-data/output/pets-done/manifests/output/output.manifest")
    );
    let body = sb
        .s3
        .get_object()
        .bucket(BUCKET)
        .key("output/pets-done/manifests/output/output.manifest")
        .send()
        .await
        .expect("output manifest exists")
        .body
        .collect()
        .await
        .expect("body")
        .into_bytes();
    let text = String::from_utf8(body.to_vec()).expect("utf-8");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 4);
    for line in &lines {
        assert!(
            line["source-ref"]
                .as_str()
                .is_some_and(|s| s.starts_with("s3://labels-data/images/"))
        );
        let label = line["animal"].as_u64().expect("a class index");
        let meta = &line["animal-metadata"];
        assert_eq!(
            meta["class-name"],
            ["cat", "dog", "bird"][usize::try_from(label).expect("small")]
        );
        assert_eq!(meta["type"], "groundtruth/image-classification");
        assert_eq!(meta["human-annotated"], "yes");
        assert_eq!(meta["job-name"], "labeling-job/pets-done");
    }
}

#[tokio::test]
async fn stopping_conditions_are_honoured() {
    let sb = fast().await;
    let team = fixture(&sb).await;
    valid(&sb, "pets-half", &team)
        .stopping_conditions(
            LabelingJobStoppingConditions::builder()
                .max_percentage_of_input_dataset_labeled(50)
                .build(),
        )
        .send()
        .await
        .expect("created");
    let d = status_after(&sb, "pets-half", Duration::from_millis(600)).await;
    assert_eq!(d.labeling_job_status(), Some(&LabelingJobStatus::Completed));
    assert_eq!(
        d.label_counters()
            .and_then(aws_sdk_sagemaker::types::LabelCounters::total_labeled),
        Some(2)
    );
}

#[tokio::test]
async fn stop_moves_through_stopping_to_stopped() {
    let sb = TestSandbox::start_with(|c| {
        c.init_seconds = 0.0;
        c.labeling_rate = 2.0;
    })
    .await;
    let team = fixture(&sb).await;
    valid(&sb, "pets-stop", &team)
        .send()
        .await
        .expect("created");
    sb.advance(0.6).await;
    sb.sagemaker
        .stop_labeling_job()
        .labeling_job_name("pets-stop")
        .send()
        .await
        .expect("stop");
    let d = sb
        .sagemaker
        .describe_labeling_job()
        .labeling_job_name("pets-stop")
        .send()
        .await
        .expect("describe");
    assert_eq!(d.labeling_job_status(), Some(&LabelingJobStatus::Stopping));
    let d = status_after(&sb, "pets-stop", Duration::from_millis(1200)).await;
    assert_eq!(d.labeling_job_status(), Some(&LabelingJobStatus::Stopped));
    assert_eq!(
        d.label_counters()
            .and_then(aws_sdk_sagemaker::types::LabelCounters::total_labeled),
        Some(1)
    );
    let again = sb
        .sagemaker
        .stop_labeling_job()
        .labeling_job_name("pets-stop")
        .send()
        .await
        .expect_err("already stopped");
    assert_eq!(code(&again), "ValidationException");
    let missing = sb
        .sagemaker
        .stop_labeling_job()
        .labeling_job_name("nope")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(code(&missing), "ResourceNotFound");
}

#[tokio::test]
async fn a_role_that_cannot_read_the_manifest_fails_the_job() {
    let sb = fast().await;
    let team = fixture(&sb).await;
    sb.iam
        .put_role_policy()
        .role_name("labeling")
        .policy_name("s3")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::labels-data/other/*"}]}"#)
        .send()
        .await
        .expect("narrow the role");
    valid(&sb, "pets-denied", &team)
        .send()
        .await
        .expect("accepted at creation");
    let d = status_after(&sb, "pets-denied", Duration::from_millis(400)).await;
    assert_eq!(d.labeling_job_status(), Some(&LabelingJobStatus::Failed));
    assert_eq!(
        d.failure_reason(),
        Some(
            "ClientError: Access Denied: role arn:aws:iam::000000000000:role/labeling cannot read the input manifest s3://labels-data/input/manifest.jsonl (s3:GetObject)."
        )
    );
}

#[tokio::test]
async fn a_malformed_manifest_line_fails_the_job() {
    let sb = fast().await;
    let team = fixture(&sb).await;
    put(
        &sb,
        "input/manifest.jsonl",
        "{\"source-ref\":\"s3://labels-data/1.jpg\"}\n{\"source\":\"text\"}\n",
    )
    .await;
    valid(&sb, "pets-bad-manifest", &team)
        .send()
        .await
        .expect("accepted at creation");
    let d = status_after(&sb, "pets-bad-manifest", Duration::from_millis(400)).await;
    assert_eq!(d.labeling_job_status(), Some(&LabelingJobStatus::Failed));
    assert_eq!(
        d.failure_reason(),
        Some("ClientError: line 2 of the input manifest has no `source-ref` key.")
    );
}

#[tokio::test]
async fn member_constraints_are_reported_like_sagemaker() {
    let sb = TestSandbox::start().await;
    let team = fixture(&sb).await;
    assert_eq!(
        rejected(valid(&sb, "bad_name", &team)).await,
        (
            "ValidationException".to_owned(),
            "1 validation error detected: Value 'bad_name' at 'labelingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}".to_owned()
        )
    );
    let hyphen = human_task(&team)
        .task_keywords("multi-label")
        .number_of_human_workers_per_data_object(10)
        .build();
    assert_eq!(
        rejected(job(&sb, "pets-keywords", hyphen)).await.1,
        "2 validation errors detected: Value 'multi-label' at 'humanTaskConfig.taskKeywords.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9]+( [A-Za-z0-9]+)*; Value '10' at 'humanTaskConfig.numberOfHumanWorkersPerDataObject' failed to satisfy constraint: Member must have value less than or equal to 9"
    );
    let short = human_task(&team).task_time_limit_in_seconds(10).build();
    assert_eq!(
        rejected(job(&sb, "pets-short", short)).await.1,
        "1 validation error detected: Value '10' at 'humanTaskConfig.taskTimeLimitInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 30"
    );
}

#[tokio::test]
async fn names_are_unique_case_insensitively_and_forever() {
    let sb = fast().await;
    let team = fixture(&sb).await;
    valid(&sb, "Pets-Unique", &team)
        .send()
        .await
        .expect("first");
    let (code, message) = rejected(valid(&sb, "pets-unique", &team)).await;
    assert_eq!(code, "ResourceInUse");
    assert_contains(&message, "already exists");
    sb.sagemaker
        .stop_labeling_job()
        .labeling_job_name("Pets-Unique")
        .send()
        .await
        .expect("stop");
    sb.advance(1.1).await;
    assert_eq!(
        rejected(valid(&sb, "pets-unique", &team)).await.0,
        "ResourceInUse",
        "no reuse after stop"
    );
}

#[tokio::test]
async fn the_role_must_exist_and_trust_sagemaker() {
    let sb = TestSandbox::start().await;
    let team = fixture(&sb).await;
    let expected = "Could not assume role arn:aws:iam::000000000000:role/missing. Please ensure that the role exists and allows principal 'sagemaker.amazonaws.com' to assume the role.";
    assert_eq!(
        rejected(
            valid(&sb, "pets-no-role", &team).role_arn("arn:aws:iam::000000000000:role/missing")
        )
        .await
        .1,
        expected
    );
    sb.iam
        .create_role()
        .role_name("lambda-only")
        .assume_role_policy_document(TRUST.replace("sagemaker", "lambda"))
        .send()
        .await
        .expect("role");
    assert_eq!(
        rejected(
            valid(&sb, "pets-wrong-trust", &team)
                .role_arn("arn:aws:iam::000000000000:role/lambda-only")
        )
        .await
        .1,
        expected.replace("missing", "lambda-only")
    );
}

#[tokio::test]
async fn a_long_task_needs_a_role_session_that_long() {
    let sb = TestSandbox::start().await;
    let team = fixture(&sb).await;
    let long = human_task(&team).task_time_limit_in_seconds(7200).build();
    assert_eq!(
        rejected(job(&sb, "pets-long", long.clone())).await.1,
        "TaskTimeLimitInSeconds (7200) is longer than the MaxSessionDuration (3600) of role arn:aws:iam::000000000000:role/labeling; raise the role's MaxSessionDuration to at least 7200 seconds."
    );
    sb.iam
        .update_role()
        .role_name("labeling")
        .max_session_duration(7200)
        .send()
        .await
        .expect("raise");
    job(&sb, "pets-long", long)
        .send()
        .await
        .expect("accepted once the session covers the limit");
}

#[tokio::test]
async fn referenced_objects_must_exist_and_parse() {
    let sb = TestSandbox::start().await;
    let team = fixture(&sb).await;
    assert_eq!(
        rejected(
            valid(&sb, "pets-no-config", &team)
                .label_category_config_s3_uri("s3://labels-data/config/none.json")
        )
        .await
        .1,
        "The label category configuration file s3://labels-data/config/none.json does not exist or is not accessible."
    );
    let missing_template = human_task(&team)
        .ui_config(
            UiConfig::builder()
                .ui_template_s3_uri("s3://labels-data/ui/none.liquid")
                .build(),
        )
        .build();
    assert_eq!(
        rejected(job(&sb, "pets-no-template", missing_template))
            .await
            .1,
        "The worker task template s3://labels-data/ui/none.liquid does not exist or is not accessible."
    );
    put(
        &sb,
        "config/one.json",
        r#"{"document-version":"2018-11-28","labels":[{"label":"cat"}]}"#,
    )
    .await;
    assert_eq!(
        rejected(
            valid(&sb, "pets-one-label", &team)
                .label_category_config_s3_uri("s3://labels-data/config/one.json")
        )
        .await
        .1,
        "The label category configuration file s3://labels-data/config/one.json is invalid: ImageMultiClass needs at least 2 labels, found 1."
    );
    let manifest_missing = valid(&sb, "pets-no-manifest", &team).input_config(
        LabelingJobInputConfig::builder()
            .data_source(
                LabelingJobDataSource::builder()
                    .s3_data_source(
                        LabelingJobS3DataSource::builder()
                            .manifest_s3_uri("s3://labels-data/none.jsonl")
                            .build(),
                    )
                    .build(),
            )
            .build(),
    );
    assert_eq!(
        rejected(manifest_missing).await.1,
        "The input manifest s3://labels-data/none.jsonl does not exist or is not accessible."
    );
}

#[tokio::test]
async fn the_workteam_must_exist() {
    let sb = TestSandbox::start().await;
    fixture(&sb).await;
    let ghost = "arn:aws:sagemaker:us-east-1:000000000000:workteam/private-crowd/ghosts";
    assert_eq!(
        rejected(valid(&sb, "pets-ghosts", ghost)).await.1,
        format!("Workteam {ghost} does not exist.")
    );
}

#[tokio::test]
async fn lambdas_must_be_the_built_in_ones_of_the_jobs_region() {
    let sb = TestSandbox::start().await;
    let team = fixture(&sb).await;
    let eu = human_task(&team)
        .pre_human_task_lambda_arn(
            "arn:aws:lambda:eu-west-1:568282634449:function:PRE-ImageMultiClass",
        )
        .build();
    assert_eq!(
        rejected(job(&sb, "pets-eu-lambda", eu)).await.1,
        "PreHumanTaskLambdaArn arn:aws:lambda:eu-west-1:568282634449:function:PRE-ImageMultiClass is not the built-in Lambda function of region us-east-1; use arn:aws:lambda:us-east-1:432418664414:function:PRE-ImageMultiClass."
    );
    let mixed = human_task(&team)
        .pre_human_task_lambda_arn("arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox")
        .build();
    assert_eq!(
        rejected(job(&sb, "pets-mixed", mixed)).await.1,
        "PreHumanTaskLambdaArn and AnnotationConsolidationLambdaArn name different task types (BoundingBox and ImageMultiClass)."
    );
}

#[tokio::test]
async fn the_public_workforce_is_refused_for_3d_point_clouds_and_needs_the_pii_classifier() {
    let sb = fast().await;
    fixture(&sb).await;
    let public = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default";
    put(
        &sb,
        "config/3d.json",
        r#"{"documentVersion":"2020-03-01","labels":[{"label":"car"}]}"#,
    )
    .await;
    let point_cloud = human_task(public)
        .ui_config(UiConfig::builder().human_task_ui_arn("arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/PointCloudObjectDetection").build())
        .pre_human_task_lambda_arn("arn:aws:lambda:us-east-1:432418664414:function:PRE-3DPointCloudObjectDetection")
        .annotation_consolidation_config(
            AnnotationConsolidationConfig::builder()
                .annotation_consolidation_lambda_arn("arn:aws:lambda:us-east-1:432418664414:function:ACS-3DPointCloudObjectDetection")
                .build(),
        )
        .build();
    assert_eq!(
        rejected(
            job(&sb, "cars-3d", point_cloud)
                .label_category_config_s3_uri("s3://labels-data/config/3d.json")
        )
        .await
        .1,
        "The public workforce (Amazon Mechanical Turk) cannot be used for 3DPointCloudObjectDetection jobs; use a private or vendor workforce."
    );
    // An image job on Mechanical Turk without the PII classifier is accepted and then fails.
    let price = PublicWorkforceTaskPrice::builder()
        .amount_in_usd(
            Usd::builder()
                .dollars(0)
                .cents(1)
                .tenth_fractions_of_a_cent(2)
                .build(),
        )
        .build();
    let mturk = human_task(public)
        .public_workforce_task_price(price.clone())
        .build();
    job(&sb, "pets-mturk", mturk)
        .send()
        .await
        .expect("accepted");
    let d = status_after(&sb, "pets-mturk", Duration::from_millis(400)).await;
    assert_eq!(d.labeling_job_status(), Some(&LabelingJobStatus::Failed));
    let with_pii = human_task(public)
        .public_workforce_task_price(price)
        .build();
    job(&sb, "pets-mturk-pii", with_pii)
        .input_config(
            LabelingJobInputConfig::builder()
                .data_source(
                    LabelingJobDataSource::builder()
                        .s3_data_source(
                            LabelingJobS3DataSource::builder()
                                .manifest_s3_uri("s3://labels-data/input/manifest.jsonl")
                                .build(),
                        )
                        .build(),
                )
                .data_attributes(
                    LabelingJobDataAttributes::builder()
                        .content_classifiers(
                            ContentClassifier::FreeOfPersonallyIdentifiableInformation,
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("accepted");
    let d = status_after(&sb, "pets-mturk-pii", Duration::from_millis(400)).await;
    assert_eq!(d.labeling_job_status(), Some(&LabelingJobStatus::Completed));
}

#[tokio::test]
async fn label_attribute_names_follow_the_ref_rule() {
    let sb = TestSandbox::start().await;
    let team = fixture(&sb).await;
    assert_eq!(
        rejected(valid(&sb, "pets-ref", &team).label_attribute_name("animal-ref"))
            .await
            .1,
        "LabelAttributeName animal-ref is invalid: for ImageMultiClass jobs it must not end with -ref."
    );
    assert_eq!(
        rejected(valid(&sb, "pets-meta", &team).label_attribute_name("animal-metadata"))
            .await
            .1,
        "LabelAttributeName animal-metadata is reserved: it must not be `source` or `source-ref` and must not end with `-metadata`."
    );
}

#[tokio::test]
async fn a_second_region_uses_its_own_lambda_account() {
    let sb = TestSandbox::start().await;
    fixture(&sb).await;
    let eu = sb.sagemaker_in("eu-west-1").await;
    let public = "arn:aws:sagemaker:eu-west-1:394669845002:workteam/public-crowd/default";
    let human = human_task(public)
        .pre_human_task_lambda_arn(
            "arn:aws:lambda:eu-west-1:568282634449:function:PRE-ImageMultiClass",
        )
        .annotation_consolidation_config(
            AnnotationConsolidationConfig::builder()
                .annotation_consolidation_lambda_arn(
                    "arn:aws:lambda:eu-west-1:568282634449:function:ACS-ImageMultiClass",
                )
                .build(),
        )
        .build();
    let created = eu
        .create_labeling_job()
        .labeling_job_name("pets-eu")
        .label_attribute_name("animal")
        .input_config(
            LabelingJobInputConfig::builder()
                .data_source(
                    LabelingJobDataSource::builder()
                        .s3_data_source(
                            LabelingJobS3DataSource::builder()
                                .manifest_s3_uri("s3://labels-data/input/manifest.jsonl")
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .output_config(
            LabelingJobOutputConfig::builder()
                .s3_output_path("s3://labels-data/output/")
                .build(),
        )
        .role_arn(ROLE_ARN)
        .label_category_config_s3_uri("s3://labels-data/config/labels.json")
        .human_task_config(human)
        .send()
        .await
        .expect("created in eu-west-1");
    assert_eq!(
        created.labeling_job_arn(),
        Some("arn:aws:sagemaker:eu-west-1:000000000000:labeling-job/pets-eu")
    );
    // Jobs are per region.
    let us = sb
        .sagemaker
        .list_labeling_jobs()
        .send()
        .await
        .expect("list");
    assert!(us.labeling_job_summary_list().is_empty());
}

#[tokio::test]
async fn listing_filters_sorts_and_pages() {
    let sb = TestSandbox::start().await;
    let team = fixture(&sb).await;
    for name in ["job-c", "job-a", "other-b"] {
        valid(&sb, name, &team).send().await.expect("created");
    }
    let all = sb
        .sagemaker
        .list_labeling_jobs()
        .sort_by(aws_sdk_sagemaker::types::SortBy::Name)
        .send()
        .await
        .expect("list");
    let names: Vec<&str> = all
        .labeling_job_summary_list()
        .iter()
        .filter_map(|j| j.labeling_job_name())
        .collect();
    assert_eq!(names, ["job-a", "job-c", "other-b"]);
    let filtered = sb
        .sagemaker
        .list_labeling_jobs()
        .name_contains("job")
        .sort_order(SortOrder::Descending)
        .sort_by(aws_sdk_sagemaker::types::SortBy::Name)
        .send()
        .await
        .expect("list");
    let names: Vec<&str> = filtered
        .labeling_job_summary_list()
        .iter()
        .filter_map(|j| j.labeling_job_name())
        .collect();
    assert_eq!(names, ["job-c", "job-a"]);
    let first = sb
        .sagemaker
        .list_labeling_jobs()
        .max_results(2)
        .send()
        .await
        .expect("page 1");
    assert_eq!(first.labeling_job_summary_list().len(), 2);
    let second = sb
        .sagemaker
        .list_labeling_jobs()
        .max_results(2)
        .next_token(first.next_token().expect("more"))
        .send()
        .await
        .expect("page 2");
    assert_eq!(second.labeling_job_summary_list().len(), 1);
    assert!(second.next_token().is_none());
    let by_status = sb
        .sagemaker
        .list_labeling_jobs()
        .status_equals(LabelingJobStatus::Completed)
        .send()
        .await
        .expect("list");
    assert!(by_status.labeling_job_summary_list().is_empty());
    let for_team = sb
        .sagemaker
        .list_labeling_jobs_for_workteam()
        .workteam_arn(&team)
        .send()
        .await
        .expect("for team");
    assert_eq!(for_team.labeling_job_summary_list().len(), 3);
    let bad = sb
        .sagemaker
        .list_labeling_jobs()
        .max_results(101)
        .send()
        .await
        .expect_err("too many");
    assert_eq!(code(&bad), "ValidationException");
}

#[tokio::test]
async fn tags_on_jobs() {
    let sb = TestSandbox::start().await;
    let team = fixture(&sb).await;
    let arn = valid(&sb, "pets-tags", &team)
        .send()
        .await
        .expect("created")
        .labeling_job_arn()
        .expect("arn")
        .to_owned();
    sb.sagemaker
        .add_tags()
        .resource_arn(&arn)
        .tags(Tag::builder().key("team").value("ml").build())
        .tags(Tag::builder().key("stage").value("dev").build())
        .send()
        .await
        .expect("add");
    sb.sagemaker
        .delete_tags()
        .resource_arn(&arn)
        .tag_keys("stage")
        .send()
        .await
        .expect("delete");
    let tags = sb
        .sagemaker
        .list_tags()
        .resource_arn(&arn)
        .send()
        .await
        .expect("list");
    let pairs: Vec<(Option<&str>, Option<&str>)> =
        tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(pairs, [(Some("team"), Some("ml"))]);
    let missing = sb
        .sagemaker
        .list_tags()
        .resource_arn("arn:aws:sagemaker:us-east-1:000000000000:labeling-job/none")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(code(&missing), "ResourceNotFound");
}

#[tokio::test]
async fn workteams_are_created_described_and_listed() {
    let sb = TestSandbox::start().await;
    let arn = fixture(&sb).await;
    assert_eq!(
        arn,
        "arn:aws:sagemaker:us-east-1:000000000000:workteam/private-crowd/labelers"
    );
    let d = sb
        .sagemaker
        .describe_workteam()
        .workteam_name("labelers")
        .send()
        .await
        .expect("describe");
    assert_eq!(d.workteam().and_then(|w| w.description()), Some("our team"));
    // The sandbox's own private team, then ours.
    let list = sb.sagemaker.list_workteams().send().await.expect("list");
    let names: Vec<&str> = list
        .workteams()
        .iter()
        .filter_map(|w| w.workteam_name())
        .collect();
    assert_eq!(names, ["labelers", "sandbox-team"]);
    let missing = sb
        .sagemaker
        .describe_workteam()
        .workteam_name("nobody")
        .send()
        .await
        .expect_err("missing");
    // SageMaker's answer for a missing team (fact sheet 2 §2.2), unlike a missing job's.
    assert_eq!(code(&missing), "ValidationException");
    assert_eq!(
        missing.message(),
        Some("The work team nobody does not exist.")
    );
}

/// The label category config is optional in the API; AWS's guide requires it only for the
/// task types whose labels, instructions or audited labels live in it.
#[tokio::test]
async fn the_label_config_is_required_only_where_aws_documents_it() {
    let sb = TestSandbox::start().await;
    let team = fixture(&sb).await;
    valid(&sb, "pets-no-label-file", &team)
        .set_label_category_config_s3_uri(None)
        .send()
        .await
        .expect("image classification without a label config file");
    let verify = human_task(&team)
        .pre_human_task_lambda_arn(
            "arn:aws:lambda:us-east-1:432418664414:function:PRE-VerificationBoundingBox",
        )
        .annotation_consolidation_config(
            AnnotationConsolidationConfig::builder()
                .annotation_consolidation_lambda_arn(
                    "arn:aws:lambda:us-east-1:432418664414:function:ACS-VerificationBoundingBox",
                )
                .build(),
        )
        .build();
    assert_eq!(
        rejected(job(&sb, "boxes-check", verify).set_label_category_config_s3_uri(None)).await,
        (
            "ValidationException".to_owned(),
            "LabelCategoryConfigS3Uri is required for VerificationBoundingBox labeling jobs."
                .to_owned()
        )
    );
}

/// A Cognito pool of the request's region with an app client and the given groups, as a
/// workforce needs: returns the pool id and client id.
async fn cognito_pool(
    cognito: &aws_sdk_cognitoidentityprovider::Client,
    groups: &[&str],
) -> (String, String) {
    let pool = cognito
        .create_user_pool()
        .pool_name("workers")
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id())
        .expect("id")
        .to_owned();
    let client = cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("sagemaker")
        .generate_secret(true)
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id())
        .expect("client id")
        .to_owned();
    for g in groups {
        cognito
            .create_group()
            .user_pool_id(&pool)
            .group_name(*g)
            .send()
            .await
            .expect("group");
    }
    (pool, client)
}

fn cognito_member(pool: &str, group: &str, client: &str) -> MemberDefinition {
    MemberDefinition::builder()
        .cognito_member_definition(
            CognitoMemberDefinition::builder()
                .user_pool(pool)
                .user_group(group)
                .client_id(client)
                .build(),
        )
        .build()
}

/// Removes the seeded team and workforce of the client's region, as a plan that brings its own
/// workforce does.
pub async fn without_seeded_workforce(sm: &aws_sdk_sagemaker::Client) {
    let deleted = sm
        .delete_workteam()
        .workteam_name("sandbox-team")
        .send()
        .await
        .expect("delete seeded team");
    assert_eq!(deleted.success(), Some(true));
    sm.delete_workforce()
        .workforce_name("default")
        .send()
        .await
        .expect("delete seeded workforce");
}

#[tokio::test]
async fn the_seeded_workforce_owns_the_seeded_team() {
    let sb = TestSandbox::start().await;
    let wf = sb
        .sagemaker
        .describe_workforce()
        .workforce_name("default")
        .send()
        .await
        .expect("seeded workforce");
    let wf = wf.workforce().expect("workforce");
    let cognito = wf.cognito_config().expect("Cognito-backed");
    assert_eq!(cognito.user_pool(), Some("us-east-1_sandbox"));
    assert_eq!(
        wf.status()
            .map(aws_sdk_sagemaker::types::WorkforceStatus::as_str),
        Some("Active")
    );
    assert_eq!(wf.source_ip_config().map(|s| s.cidrs().len()), Some(0));
    let listed = sb.sagemaker.list_workforces().send().await.expect("list");
    assert_eq!(listed.workforces().len(), 1);
    let team = sb
        .sagemaker
        .describe_workteam()
        .workteam_name("sandbox-team")
        .send()
        .await
        .expect("seeded team");
    let team = team.workteam().expect("team");
    assert_eq!(team.workforce_arn(), wf.workforce_arn());
    assert_eq!(team.sub_domain(), wf.sub_domain());
    // Its pool and group exist in the sandbox's Cognito.
    sb.cognito
        .get_group()
        .user_pool_id("us-east-1_sandbox")
        .group_name("sandbox-workers")
        .send()
        .await
        .expect("seeded group");
    // One workforce per region: the seeded one counts.
    let (pool, client) = cognito_pool(&sb.cognito, &[]).await;
    let second = sb
        .sagemaker
        .create_workforce()
        .workforce_name("mine")
        .cognito_config(
            CognitoConfig::builder()
                .user_pool(&pool)
                .client_id(&client)
                .build(),
        )
        .send()
        .await
        .expect_err("one per region");
    assert_eq!(code(&second), "ValidationException");
    assert!(
        second
            .message()
            .is_some_and(|m| m.starts_with("Cannot create more than one workforce for account")),
        "{second:?}"
    );
    // A workforce with teams cannot be deleted.
    let busy = sb
        .sagemaker
        .delete_workforce()
        .workforce_name("default")
        .send()
        .await
        .expect_err("has a team");
    assert_eq!(code(&busy), "ResourceInUse");
}

#[tokio::test]
async fn a_seeded_region_stays_as_a_plan_left_it_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = || {
        let mut c = gtplan::sandbox::SandboxConfig::new(dir.path().join("state"));
        c.clock = gtplan::sandbox::clock::ClockMode::Manual;
        c
    };
    let sandbox = gtplan::sandbox::Sandbox::start(config())
        .await
        .expect("start");
    let conf =
        crate::support::sdk_config(&sandbox.endpoint_url(), "us-east-1", "test", "test").await;
    without_seeded_workforce(&aws_sdk_sagemaker::Client::new(&conf)).await;
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(&conf);
    let (pool, _) = cognito_pool(&cognito, &["annotators"]).await;
    sandbox.stop().await;
    let again = gtplan::sandbox::Sandbox::start(config())
        .await
        .expect("restart");
    let conf = crate::support::sdk_config(&again.endpoint_url(), "us-east-1", "test", "test").await;
    let sm = aws_sdk_sagemaker::Client::new(&conf);
    let listed = sm.list_workforces().send().await.expect("list");
    assert!(listed.workforces().is_empty(), "not seeded again");
    // Cognito's writes are journaled like the others.
    aws_sdk_cognitoidentityprovider::Client::new(&conf)
        .get_group()
        .user_pool_id(&pool)
        .group_name("annotators")
        .send()
        .await
        .expect("the group survives a restart");
    let eu = crate::support::sdk_config(&again.endpoint_url(), "eu-west-1", "test", "test").await;
    let listed = aws_sdk_sagemaker::Client::new(&eu)
        .list_workforces()
        .send()
        .await
        .expect("list");
    assert_eq!(listed.workforces().len(), 1, "other regions keep theirs");
}

#[tokio::test]
async fn a_cognito_workforce_is_created_updated_and_deleted() {
    let sb = TestSandbox::start().await;
    without_seeded_workforce(&sb.sagemaker).await;
    let (pool, client) = cognito_pool(&sb.cognito, &[]).await;
    let config = CognitoConfig::builder()
        .user_pool(&pool)
        .client_id(&client)
        .build();
    let missing_client = sb
        .sagemaker
        .create_workforce()
        .workforce_name("workers")
        .cognito_config(
            CognitoConfig::builder()
                .user_pool(&pool)
                .client_id("nope")
                .build(),
        )
        .send()
        .await
        .expect_err("the client must exist");
    assert_eq!(code(&missing_client), "ValidationException");
    let too_many: Vec<String> = (0..11).map(|i| format!("10.0.{i}.0/24")).collect();
    let err = sb
        .sagemaker
        .create_workforce()
        .workforce_name("workers")
        .cognito_config(config.clone())
        .source_ip_config(SourceIpConfig::builder().set_cidrs(Some(too_many)).build())
        .send()
        .await
        .expect_err("at most 10 CIDRs");
    assert_eq!(code(&err), "ValidationException");
    let err = sb
        .sagemaker
        .create_workforce()
        .workforce_name("workers")
        .cognito_config(config.clone())
        .source_ip_config(SourceIpConfig::builder().cidrs("10.0.0.0/33").build())
        .send()
        .await
        .expect_err("not a CIDR");
    assert_eq!(code(&err), "ValidationException");
    let arn = sb
        .sagemaker
        .create_workforce()
        .workforce_name("workers-")
        .cognito_config(config.clone())
        .source_ip_config(SourceIpConfig::builder().cidrs("10.0.0.0/16").build())
        .send()
        .await
        .expect("a trailing hyphen is fine for a workforce")
        .workforce_arn()
        .map(ToOwned::to_owned);
    assert_eq!(
        arn.as_deref(),
        Some("arn:aws:sagemaker:us-east-1:000000000000:workforce/workers-")
    );
    let updated = sb
        .sagemaker
        .update_workforce()
        .workforce_name("workers-")
        .source_ip_config(SourceIpConfig::builder().cidrs("2001:db8::/32").build())
        .send()
        .await
        .expect("update");
    let wf = updated.workforce().expect("workforce");
    assert_eq!(
        wf.source_ip_config().map(SourceIpConfig::cidrs),
        Some(["2001:db8::/32".to_owned()].as_slice())
    );
    assert!(
        wf.sub_domain()
            .is_some_and(|s| s.ends_with(".labeling.us-east-1.sagemaker.aws"))
    );
    assert_eq!(wf.cognito_config(), Some(&config));
    sb.sagemaker
        .delete_workforce()
        .workforce_name("workers-")
        .send()
        .await
        .expect("delete");
    let gone = sb
        .sagemaker
        .describe_workforce()
        .workforce_name("workers-")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(code(&gone), "ValidationException");
    assert!(
        gone.message()
            .is_some_and(|m| m.contains("No workforce found"))
    );
}

#[tokio::test]
async fn an_oidc_workforce_hides_its_secret_and_takes_oidc_teams() {
    let sb = TestSandbox::start().await;
    let sm = sb.sagemaker_in("eu-west-1").await;
    without_seeded_workforce(&sm).await;
    let oidc = |secret: &str| {
        OidcConfig::builder()
            .client_id("gt")
            .client_secret(secret)
            .issuer("https://idp.example.com")
            .authorization_endpoint("https://idp.example.com/authorize")
            .token_endpoint("https://idp.example.com/token")
            .user_info_endpoint("https://idp.example.com/userinfo")
            .logout_endpoint("https://idp.example.com/logout")
            .jwks_uri("https://idp.example.com/jwks")
            .build()
    };
    sm.create_workforce()
        .workforce_name("idp")
        .oidc_config(oidc("s3cret"))
        .send()
        .await
        .expect("create");
    let described = sm
        .describe_workforce()
        .workforce_name("idp")
        .customize()
        .interceptor(crate::support::Wire::default())
        .send()
        .await
        .expect("describe");
    let shown = described
        .workforce()
        .and_then(|w| w.oidc_config())
        .expect("oidc");
    assert_eq!(shown.client_id(), Some("gt"));
    let wire = crate::support::Wire::default();
    sm.describe_workforce()
        .workforce_name("idp")
        .customize()
        .interceptor(wire.clone())
        .send()
        .await
        .expect("describe");
    assert!(
        !wire.response().body.contains("s3cret"),
        "the secret is never returned"
    );
    let team = sm
        .create_workteam()
        .workteam_name("idp-team")
        .description("from the IdP")
        .member_definitions(
            MemberDefinition::builder()
                .oidc_member_definition(OidcMemberDefinition::builder().groups("labelers").build())
                .build(),
        )
        .send()
        .await
        .expect("oidc team");
    assert!(team.workteam_arn().is_some());
    let err = sm
        .create_workteam()
        .workteam_name("cognito-team")
        .description("wrong kind")
        .member_definitions(cognito_member("eu-west-1_x", "g", "c"))
        .send()
        .await
        .expect_err("Cognito members need a Cognito workforce");
    assert_eq!(code(&err), "ValidationException");
    let err = sm
        .update_workforce()
        .workforce_name("idp")
        .oidc_config(oidc("new"))
        .send()
        .await
        .expect_err("OIDC changes only without teams");
    assert_eq!(code(&err), "ValidationException");
}

#[tokio::test]
async fn work_teams_fit_their_workforce() {
    let sb = TestSandbox::start().await;
    without_seeded_workforce(&sb.sagemaker).await;
    let (pool, client) = cognito_pool(&sb.cognito, &["annotators", "reviewers"]).await;
    sb.sagemaker
        .create_workforce()
        .workforce_name("workers")
        .cognito_config(
            CognitoConfig::builder()
                .user_pool(&pool)
                .client_id(&client)
                .build(),
        )
        .send()
        .await
        .expect("workforce");
    let create = |name: &str, members: Vec<MemberDefinition>| {
        sb.sagemaker
            .create_workteam()
            .workteam_name(name)
            .description("our team")
            .set_member_definitions(Some(members))
    };
    for (why, members) in [
        (
            "missing group",
            vec![cognito_member(&pool, "nobody", &client)],
        ),
        (
            "other pool",
            vec![cognito_member("us-east-1_other", "annotators", &client)],
        ),
        (
            "other client",
            vec![cognito_member(&pool, "annotators", "other")],
        ),
        ("no members", vec![]),
        (
            "11 members",
            (0..11)
                .map(|_| cognito_member(&pool, "annotators", &client))
                .collect(),
        ),
    ] {
        let err = create("t", members).send().await.expect_err(why);
        assert_eq!(code(&err), "ValidationException", "{why}");
    }
    let err = create("t", vec![cognito_member(&pool, "annotators", &client)])
        .notification_configuration(
            NotificationConfiguration::builder()
                .notification_topic_arn("not-a-topic")
                .build(),
        )
        .send()
        .await
        .expect_err("topic ARN");
    assert_eq!(code(&err), "ValidationException");
    let topic = "arn:aws:sns:us-east-1:000000000000:new-tasks";
    create(
        "annotators",
        vec![cognito_member(&pool, "annotators", &client)],
    )
    .notification_configuration(
        NotificationConfiguration::builder()
            .notification_topic_arn(topic)
            .build(),
    )
    .send()
    .await
    .expect("team");
    let d = sb
        .sagemaker
        .describe_workteam()
        .workteam_name("annotators")
        .send()
        .await
        .expect("describe");
    let t = d.workteam().expect("team");
    assert_eq!(
        t.notification_configuration()
            .and_then(|n| n.notification_topic_arn()),
        Some(topic)
    );
    assert_eq!(
        t.workforce_arn(),
        Some("arn:aws:sagemaker:us-east-1:000000000000:workforce/workers")
    );
    sb.advance(60.0).await;
    let updated = sb
        .sagemaker
        .update_workteam()
        .workteam_name("annotators")
        .description("annotators and reviewers")
        .member_definitions(cognito_member(&pool, "annotators", &client))
        .member_definitions(cognito_member(&pool, "reviewers", &client))
        .send()
        .await
        .expect("update");
    let t = updated.workteam().expect("team");
    assert_eq!(t.member_definitions().len(), 2);
    assert_eq!(t.description(), Some("annotators and reviewers"));
    assert!(t.last_updated_date() > t.create_date());
    let err = sb
        .sagemaker
        .update_workteam()
        .workteam_name("nobody")
        .description("x")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(code(&err), "ValidationException");
    assert!(
        err.message()
            .is_some_and(|m| m.starts_with("The work team"))
    );
    // 25 teams per account and region.
    for i in 1..25 {
        create(
            &format!("team-{i}"),
            vec![cognito_member(&pool, "annotators", &client)],
        )
        .send()
        .await
        .expect("within the limit");
    }
    let err = create(
        "team-26",
        vec![cognito_member(&pool, "annotators", &client)],
    )
    .send()
    .await
    .expect_err("limit");
    assert_eq!(code(&err), "ResourceLimitExceeded");
    let err = sb
        .sagemaker
        .delete_workteam()
        .workteam_name("nobody")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(code(&err), "ValidationException");
}

#[tokio::test]
async fn a_team_a_running_job_uses_cannot_be_deleted() {
    let sb = TestSandbox::start().await;
    let team = fixture(&sb).await;
    valid(&sb, "pets-busy", &team).send().await.expect("job");
    let err = sb
        .sagemaker
        .delete_workteam()
        .workteam_name("labelers")
        .send()
        .await
        .expect_err("in use");
    assert_eq!(code(&err), "ResourceInUse");
    assert!(
        err.message().is_some_and(|m| m.contains("pets-busy")),
        "{err:?}"
    );
    // Once the job is done with its objects, the team can go.
    sb.advance(3600.0).await;
    let done = sb
        .sagemaker
        .delete_workteam()
        .workteam_name("labelers")
        .send()
        .await
        .expect("delete");
    assert_eq!(done.success(), Some(true));
}
