//! Every built-in task type end to end: `gtplan init` writes a plan, `gtplan apply` creates the
//! job in the sandbox with the exact AWS-owned ARNs of its region, and the next plan is empty.
//! Also chaining: a verification job that reads a bounding-box job's output manifest.
//!
//! The expected ARNs are written out here from `shared/ground-truth-facts.md` §2 rather than
//! taken from the catalog under test.

use futures::StreamExt;

use crate::engine::Project;
use crate::support::{AutoApprove, assert_contains, report};

/// Fact sheet §2.1: the owner of the built-in PRE-/ACS- Lambdas per region.
const LAMBDA_ACCOUNTS: [(&str, &str); 12] = [
    ("us-east-1", "432418664414"),
    ("us-east-2", "266458841044"),
    ("us-west-2", "081040173940"),
    ("ca-central-1", "918755190332"),
    ("eu-west-1", "568282634449"),
    ("eu-west-2", "487402164563"),
    ("eu-central-1", "203001061592"),
    ("ap-northeast-1", "477331159723"),
    ("ap-northeast-2", "845288260483"),
    ("ap-south-1", "565803892007"),
    ("ap-southeast-1", "377565633583"),
    ("ap-southeast-2", "454466003867"),
];

/// Fact sheet §2.2 and §2.3: the task types with an AWS-owned worker UI, and its name.
const HUMAN_TASK_UIS: [(&str, &str); 11] = [
    ("NamedEntityRecognition", "NamedEntityRecognition"),
    ("VideoObjectDetection", "VideoObjectDetection"),
    ("VideoObjectTracking", "VideoObjectTracking"),
    ("3DPointCloudObjectDetection", "PointCloudObjectDetection"),
    ("3DPointCloudObjectTracking", "PointCloudObjectTracking"),
    (
        "3DPointCloudSemanticSegmentation",
        "PointCloudSemanticSegmentation",
    ),
    ("AdjustmentVideoObjectDetection", "VideoObjectDetection"),
    ("AdjustmentVideoObjectTracking", "VideoObjectTracking"),
    (
        "Adjustment3DPointCloudObjectDetection",
        "PointCloudObjectDetection",
    ),
    (
        "Adjustment3DPointCloudObjectTracking",
        "PointCloudObjectTracking",
    ),
    (
        "Adjustment3DPointCloudSemanticSegmentation",
        "PointCloudSemanticSegmentation",
    ),
];

/// The job name `gtplan init` wrote into a plan.
fn job_name(plan: &str) -> String {
    let doc: toml::Table = plan.parse().expect("plan is TOML");
    doc["jobs"]["sample"]["name"]
        .as_str()
        .expect("a job name")
        .to_owned()
}

/// `gtplan init`, `apply` and `plan` of one task type in one region, through the functions the
/// commands run (in-process: 46 runs of the binary would spend most of their time starting).
async fn init_apply_and_check(p: &Project, task: &str, region: &str) {
    let dir = format!("{task}-{region}");
    gtplan::ops::init(task, region, &p.path(&dir), false).expect("init writes the plan");
    let plan_path = format!("{dir}/plan.toml");
    let request = p.request(&plan_path);
    let applied = gtplan::ops::apply(&request, &AutoApprove)
        .await
        .unwrap_or_else(|e| panic!("{task} in {region}:\n{}", report(&e)));
    assert!(
        matches!(applied, gtplan::ops::Outcome::Applied { .. }),
        "{task} in {region}: {applied:?}"
    );
    let again = gtplan::ops::plan(&request)
        .await
        .unwrap_or_else(|e| panic!("{task} in {region}:\n{}", report(&e)));
    assert!(
        !again.has_changes(),
        "{task} in {region}: the plan after apply is empty\n{}",
        gtplan::plan::render::text(&again)
    );

    let name = job_name(&std::fs::read_to_string(p.path(&plan_path)).expect("plan"));
    let job =
        p.sb.sagemaker_in(region)
            .await
            .describe_labeling_job()
            .labeling_job_name(&name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{task} in {region}: {e:?}"));
    let account = LAMBDA_ACCOUNTS
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(_, a)| *a)
        .expect("a Ground Truth region");
    let human = job.human_task_config().expect("human task config");
    assert_eq!(
        human.pre_human_task_lambda_arn(),
        Some(format!("arn:aws:lambda:{region}:{account}:function:PRE-{task}").as_str()),
        "{task} in {region}"
    );
    assert_eq!(
        human
            .annotation_consolidation_config()
            .and_then(|c| c.annotation_consolidation_lambda_arn()),
        Some(format!("arn:aws:lambda:{region}:{account}:function:ACS-{task}").as_str()),
        "{task} in {region}"
    );
    let ui = human.ui_config().expect("ui config");
    if let Some((_, ui_name)) = HUMAN_TASK_UIS.iter().find(|(t, _)| *t == task) {
        assert_eq!(
            ui.human_task_ui_arn(),
            Some(
                format!("arn:aws:sagemaker:{region}:394669845002:human-task-ui/{ui_name}").as_str()
            ),
            "{task} in {region}"
        );
        assert_eq!(ui.ui_template_s3_uri(), None);
        return;
    }
    let uri = ui.ui_template_s3_uri().expect("a template");
    let (bucket, key) = uri
        .strip_prefix("s3://")
        .and_then(|r| r.split_once('/'))
        .expect("an S3 URI");
    let body =
        p.sb.s3_in(region)
            .await
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .expect("template uploaded")
            .body
            .collect()
            .await
            .expect("body")
            .into_bytes();
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("<crowd-form>"), "{task}: {html}");
    assert!(
        !html.contains("@@HEADER@@") && !html.contains("@@AUDIT_LABEL_ATTRIBUTE@@"),
        "{task}: placeholders filled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_task_type_inits_and_applies_in_two_regions() {
    let p = Project::empty().await;
    let list = p.gtplan(&["task-types", "--json"]).await.success();
    let doc: serde_json::Value = serde_json::from_str(&list.stdout).expect("JSON");
    let names: Vec<String> = doc["task_types"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| t["name"].as_str().expect("a name").to_owned())
        .collect();
    assert_eq!(names.len(), 23);
    // Two regions per type, spread over all twelve.
    let runs: Vec<(String, &str)> = names
        .iter()
        .enumerate()
        .flat_map(|(i, name)| {
            [
                (name.clone(), LAMBDA_ACCOUNTS[i % 12].0),
                (name.clone(), LAMBDA_ACCOUNTS[(i + 5) % 12].0),
            ]
        })
        .collect();
    let p = &p;
    futures::stream::iter(runs)
        .for_each_concurrent(4, |(task, region)| async move {
            init_apply_and_check(p, &task, region).await;
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_never_overwrites() {
    let p = Project::empty().await;
    p.write("mine/plan.toml", "# my own plan\n");
    let run = p
        .gtplan(&["init", "--task-type", "BoundingBox", "mine"])
        .await;
    assert_eq!(run.code, 1);
    assert_contains(&run.stderr, "would overwrite");
    assert_eq!(
        std::fs::read_to_string(p.path("mine/plan.toml")).expect("kept"),
        "# my own plan\n"
    );
    assert!(!p.path("mine/data").exists(), "nothing else was written");
    let run = p
        .gtplan(&["init", "--task-type", "BoundingBoxes", "other"])
        .await;
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("init_unknown_task_type_error", run.stderr);
    let run = p
        .gtplan(&[
            "init",
            "--task-type",
            "BoundingBox",
            "--region",
            "sa-east-1",
            "other",
        ])
        .await;
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("init_unsupported_region_error", run.stderr);
    assert!(!p.path("other").exists(), "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_types_refuses_a_region_without_ground_truth() {
    let p = Project::empty().await;
    let run = p
        .gtplan(&["task-types", "--json", "--region", "eu-south-1"])
        .await;
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("task_types_unsupported_region_error", run.stderr);
}

const CHAINED: &str = r#"name = "chained"
region = "us-west-2"

[vars]
bucket = "gtplan-chained-${account_id}"

[buckets.data]
name = "${bucket}"

[roles.labeling]
name = "gtplan-chained-labeling"

[uploads.cat]
bucket = "data"
key = "images/cat.png"
file = "data/cat.png"

[uploads.manifest]
bucket = "data"
key = "input/manifest.jsonl"
file = "data/manifest.jsonl"
expand_vars = true

[uploads.labels]
bucket = "data"
key = "input/labels.json"
labels = ["cat", "dog"]

[uploads.boxes-ui]
bucket = "data"
key = "input/boxes.liquid.html"
worker_ui = "BoundingBox"
instructions = { short = "<p>Box every animal.</p>", full = "<p>Draw a tight box.</p>" }

[uploads.check-ui]
bucket = "data"
key = "input/check.liquid.html"
worker_ui = "VerificationBoundingBox"
instructions = { short = "<p>Are the boxes right?</p>", full = "<p>Judge every box.</p>" }

[jobs.boxes]
name = "chained-boxes-1"
task_type = "BoundingBox"
role = "labeling"
manifest = "manifest"
label_config = "labels"
ui_template = "boxes-ui"
output = "data"
label_attribute = "animals"
title = "Box the animals"
description = "Draw a box around each animal"
workteam = "arn:aws:sagemaker:us-west-2:${account_id}:workteam/private-crowd/sandbox-team"

[jobs.check]
name = "chained-check-1"
task_type = "VerificationBoundingBox"
role = "labeling"
input_job = "boxes"
label_config = "labels"
ui_template = "check-ui"
output = "data"
label_attribute = "animals-checked"
title = "Check the boxes"
description = "Say whether the boxes are right"
workteam = "arn:aws:sagemaker:us-west-2:${account_id}:workteam/private-crowd/sandbox-team"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_job_reads_the_output_of_the_job_it_checks() {
    let p = Project::empty_starting_after(3.0).await;
    p.write("chained.toml", CHAINED);
    p.write(
        "data/manifest.jsonl",
        "{\"source-ref\": \"s3://${bucket}/images/cat.png\"}\n",
    );
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/quickstart/images/cat-1.png"),
        p.path("data/cat.png"),
    )
    .expect("copy");

    // First apply: the bounding-box job starts; the verification job waits for its output.
    let plan = p.gtplan(&["plan", "chained.toml"]).await.success();
    assert!(
        plan.stdout
            .contains("job.check (chained-check-1): reads the output manifest of job.boxes; job.boxes is created by this apply"),
        "{}",
        plan.stdout
    );
    let first = p
        .gtplan(&["apply", "chained.toml", "--auto-approve"])
        .await
        .success();
    assert!(
        !first.stdout.contains("CreateLabelingJob chained-check-1"),
        "{}",
        first.stdout
    );
    // The bounding-box job is still initializing: the plan shows the verification job
    // waiting, and has nothing to apply.
    let waiting = p
        .gtplan(&["plan", "chained.toml", "--detailed-exitcode"])
        .await;
    assert_eq!(waiting.code, 0, "{}", waiting.stdout);
    assert!(
        waiting
            .stdout
            .contains("job.check (chained-check-1): reads the output manifest of job.boxes; job.boxes is Initializing"),
        "{}",
        waiting.stdout
    );
    assert_contains(&waiting.stdout, "No changes now");
    let sm = p.sb.sagemaker_in("us-west-2").await;
    let mut waited = 0;
    let output = loop {
        let boxes = sm
            .describe_labeling_job()
            .labeling_job_name("chained-boxes-1")
            .send()
            .await
            .expect("describe");
        if let Some(out) = boxes.labeling_job_output() {
            break out
                .output_dataset_s3_uri()
                .expect("an output manifest")
                .to_owned();
        }
        assert!(
            waited < 600,
            "`chained-boxes-1` did not finish within 10 minutes of sandbox time: {boxes:?}"
        );
        p.sb.advance(10.0).await;
        waited += 10;
    };

    // Second apply: the verification job is created on the finished job's output manifest.
    p.apply_converges("chained.toml").await;
    let check = sm
        .describe_labeling_job()
        .labeling_job_name("chained-check-1")
        .send()
        .await
        .expect("verification job exists");
    let manifest = check
        .input_config()
        .and_then(|i| i.data_source())
        .and_then(|d| d.s3_data_source())
        .and_then(|s| s.manifest_s3_uri())
        .map(str::to_owned);
    assert_eq!(manifest.as_deref(), Some(output.as_str()));
    assert!(output.ends_with("/output/chained-boxes-1/manifests/output/output.manifest"));
    assert_eq!(
        check
            .human_task_config()
            .and_then(|h| h.pre_human_task_lambda_arn()),
        Some("arn:aws:lambda:us-west-2:081040173940:function:PRE-VerificationBoundingBox")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streaming_job_applies_with_its_topics() {
    let p = Project::empty().await;
    p.gtplan(&[
        "init",
        "--task-type",
        "TextMultiClass",
        "--region",
        "eu-west-2",
        "stream",
    ])
    .await
    .success();
    // Turn the sample into a streaming job: objects arrive on the input topic.
    p.edit(
        "stream/plan.toml",
        "manifest = \"manifest\"\n",
        "input_sns_topic = \"arn:aws:sns:eu-west-2:${account_id}:reviews-in\"\noutput_sns_topic = \"arn:aws:sns:eu-west-2:${account_id}:reviews-out\"\n",
    );
    p.apply_converges("stream/plan.toml").await;
    let job =
        p.sb.sagemaker_in("eu-west-2")
            .await
            .describe_labeling_job()
            .labeling_job_name("text-multi-class-1")
            .send()
            .await
            .expect("the job exists");
    let input = job.input_config().and_then(|i| i.data_source());
    assert_eq!(
        input
            .and_then(|d| d.sns_data_source())
            .and_then(|s| s.sns_topic_arn()),
        Some("arn:aws:sns:eu-west-2:000000000000:reviews-in")
    );
    assert!(input.and_then(|d| d.s3_data_source()).is_none());
    assert_eq!(
        job.output_config().and_then(|o| o.sns_topic_arn()),
        Some("arn:aws:sns:eu-west-2:000000000000:reviews-out")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_in_another_region_is_a_plan_error() {
    use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
    let p = Project::empty().await;
    // The pictures live in someone's bucket in Ireland; the plan runs jobs in Virginia.
    let conf = crate::support::sdk_config(&p.sb.endpoint(), "eu-west-1", "test", "test").await;
    crate::support::s3_client(&conf)
        .create_bucket()
        .bucket("pictures-in-ireland")
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .expect("bucket created");
    p.gtplan(&[
        "init",
        "--task-type",
        "ImageMultiClass",
        "--region",
        "us-east-1",
        "pets",
    ])
    .await
    .success();
    p.write(
        "pets/data/manifest.jsonl",
        "{\"source-ref\": \"s3://pictures-in-ireland/cats/1.png\"}\n",
    );
    let run = p.gtplan(&["plan", "pets/plan.toml"]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    insta::assert_snapshot!("data_in_another_region_error", run.stderr);
    // Nothing was written but the test's own bucket.
    assert_eq!(p.writes(), ["s3 CreateBucket"]);
}
