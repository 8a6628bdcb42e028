//! The AWS SDK adapter (`gtplan::cloud::aws::AwsCloud`) against the in-process sandbox and
//! against moto's server: every `Step` is executed through the adapter and read back through
//! the adapter's reads, which must return exactly what was written. Also `plan::refresh`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use gtplan::catalog::{self, arns};
use gtplan::cloud::Cloud;
use gtplan::cloud::aws::{AwsCloud, ConnectOptions};
use gtplan::model::Step;
use gtplan::model::desired::{
    CorsRule, DesiredBucket, DesiredJob, DesiredRole, DesiredState, DesiredUpload, Encryption,
    PublicAccessBlock,
};
use gtplan::model::job::{
    AutomatedLabeling, HumanTask, JobInput, JobOutput, JobSpec, JobStatus, Price,
    StoppingConditions, UiConfig,
};
use gtplan::model::names::{
    BucketName, JobName, LabelAttributeName, ObjectKey, PlanName, Region, RoleName,
};
use gtplan::model::observed::{BucketLookup, ObservedBucket, ObservedState, Orphan};
use gtplan::model::{Address, META_ADDRESS, META_PLAN, META_SHA256, TAG_ADDRESS, TAG_PLAN, Tags};
use gtplan::plan::refresh::{Orphans, Uploads, refresh};
use gtplan::policy;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::moto::MotoServer;
use crate::support::TestSandbox;

const PLAN: &str = "demo";
const SANDBOX_ACCOUNT: &str = "000000000000";
const MOTO_ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

async fn connect(endpoint: &str) -> AwsCloud {
    AwsCloud::connect(&ConnectOptions {
        region: Some(REGION.to_owned()),
        profile: None,
        endpoint_url: Some(endpoint.to_owned()),
        credentials: Some(("test".to_owned(), "test".to_owned())),
    })
    .await
    .expect("connects")
}

async fn run(cloud: &AwsCloud, steps: impl IntoIterator<Item = Step>) {
    for step in steps {
        cloud
            .execute(&step)
            .await
            .unwrap_or_else(|e| panic!("{} failed: {e:?}", step.describe()));
    }
}

fn tags(address: &str, extra: &[(&str, &str)]) -> Tags {
    let mut t: Tags = extra
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    t.insert(TAG_PLAN.to_owned(), PLAN.to_owned());
    t.insert(TAG_ADDRESS.to_owned(), address.to_owned());
    t
}

fn bucket_name(s: &str) -> BucketName {
    BucketName::parse(s).expect("bucket name")
}

fn role_name(s: &str) -> RoleName {
    RoleName::parse(s).expect("role name")
}

async fn found(cloud: &AwsCloud, bucket: &str) -> ObservedBucket {
    match cloud
        .bucket(&bucket_name(bucket))
        .await
        .expect("bucket read")
    {
        BucketLookup::Found(b) => *b,
        other => panic!("bucket `{bucket}` not found: {other:?}"),
    }
}

fn tls_only_policy(bucket: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    })
}

fn trust_policy(account: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}}
        }]
    })
}

fn access_policy(bucket: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": format!("arn:aws:s3:::{bucket}/*")},
            {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
             "Resource": format!("arn:aws:s3:::{bucket}")}
        ]
    })
}

fn put_object(bucket: &str, key: &str, body: &[u8], content_type: &str) -> Step {
    let sha256 = hex::encode(Sha256::digest(body));
    Step::PutObject {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        content_type: content_type.to_owned(),
        sha256: sha256.clone(),
        metadata: [
            (META_SHA256, sha256),
            (META_PLAN, PLAN.to_owned()),
            (META_ADDRESS, format!("upload.{key}")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
        body: gtplan::model::step::UploadBody::Inline {
            bytes: body.to_vec(),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// S3 and IAM round trips, shared by the sandbox and moto tests

/// Every bucket step, each read back through `bucket()` / `object()`.
async fn bucket_round_trip(cloud: &AwsCloud, bucket: &str) {
    let name = bucket_name(bucket);
    assert_eq!(
        cloud.bucket(&name).await.expect("read"),
        BucketLookup::Missing
    );

    let bucket_tags = tags("bucket.data", &[("team", "ml")]);
    let cors = vec![
        CorsRule {
            allowed_headers: Vec::new(),
            allowed_methods: vec!["GET".to_owned()],
            allowed_origins: vec!["*".to_owned()],
            expose_headers: vec!["Access-Control-Allow-Origin".to_owned()],
            max_age_seconds: None,
        },
        CorsRule {
            allowed_headers: vec!["*".to_owned()],
            allowed_methods: vec!["GET".to_owned(), "HEAD".to_owned()],
            allowed_origins: vec!["https://example.com".to_owned()],
            expose_headers: Vec::new(),
            max_age_seconds: Some(3000),
        },
    ];
    let kms = Encryption::Kms {
        key_id: Some(
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                .to_owned(),
        ),
        bucket_key: true,
    };
    let policy_doc = tls_only_policy(bucket);
    run(
        cloud,
        [
            Step::CreateBucket {
                bucket: bucket.to_owned(),
                region: REGION.to_owned(),
                tags: Tags::default(),
            },
            Step::PutBucketTagging {
                bucket: bucket.to_owned(),
                tags: bucket_tags.clone(),
            },
            Step::PutPublicAccessBlock {
                bucket: bucket.to_owned(),
                config: PublicAccessBlock::ALL_ON,
            },
            Step::PutBucketEncryption {
                bucket: bucket.to_owned(),
                encryption: kms.clone(),
            },
            Step::PutBucketPolicy {
                bucket: bucket.to_owned(),
                policy: policy_doc.clone(),
            },
            Step::PutBucketCors {
                bucket: bucket.to_owned(),
                rules: cors.clone(),
            },
        ],
    )
    .await;

    let b = found(cloud, bucket).await;
    assert_eq!(b.name, bucket);
    assert_eq!(b.region, REGION);
    assert_eq!(b.tags, bucket_tags);
    assert_eq!(b.public_access_block, Some(PublicAccessBlock::ALL_ON));
    assert_eq!(b.encryption, Some(kms));
    assert_eq!(b.cors, cors);
    let observed_policy = b.policy.expect("a policy");
    assert!(
        policy::equivalent(&observed_policy, &policy_doc),
        "{observed_policy} vs {policy_doc}"
    );
    assert!(!b.has_objects);

    // Settings change and go away.
    let half_open = PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: false,
        block_public_policy: true,
        restrict_public_buckets: false,
    };
    run(
        cloud,
        [
            Step::PutBucketEncryption {
                bucket: bucket.to_owned(),
                encryption: Encryption::S3Managed,
            },
            Step::PutPublicAccessBlock {
                bucket: bucket.to_owned(),
                config: half_open,
            },
            Step::DeleteBucketPolicy {
                bucket: bucket.to_owned(),
            },
            Step::DeleteBucketCors {
                bucket: bucket.to_owned(),
            },
        ],
    )
    .await;
    let b = found(cloud, bucket).await;
    assert_eq!(b.encryption, Some(Encryption::S3Managed));
    assert_eq!(b.public_access_block, Some(half_open));
    assert_eq!(b.policy, None);
    assert!(b.cors.is_empty());

    // Objects: metadata round-trips, a missing key is None, the bucket now has objects.
    let manifest = b"{\"source-ref\":\"s3://x/1.jpg\"}\n";
    run(
        cloud,
        [
            put_object(
                bucket,
                "input/manifest.jsonl",
                manifest,
                "application/jsonlines",
            ),
            put_object(bucket, "a", b"1", "text/plain"),
            put_object(bucket, "b", b"2", "text/plain"),
        ],
    )
    .await;
    let key = ObjectKey::parse("input/manifest.jsonl").expect("key");
    let o = cloud
        .object(&name, &key)
        .await
        .expect("read")
        .expect("object exists");
    assert_eq!(
        o.sha256.as_deref(),
        Some(hex::encode(Sha256::digest(manifest)).as_str())
    );
    assert_eq!(o.size, manifest.len() as u64);
    assert_eq!(o.metadata.get(META_PLAN).map(String::as_str), Some(PLAN));
    assert_eq!(
        o.metadata.get(META_ADDRESS).map(String::as_str),
        Some("upload.input/manifest.jsonl")
    );
    let missing = ObjectKey::parse("input/none.jsonl").expect("key");
    assert_eq!(cloud.object(&name, &missing).await.expect("read"), None);
    assert!(found(cloud, bucket).await.has_objects);

    run(
        cloud,
        [Step::DeleteObject {
            bucket: bucket.to_owned(),
            key: "a".to_owned(),
        }],
    )
    .await;
    let a = ObjectKey::parse("a").expect("key");
    assert_eq!(cloud.object(&name, &a).await.expect("read"), None);

    run(
        cloud,
        [Step::DeleteBucket {
            bucket: bucket.to_owned(),
            with_objects: true,
        }],
    )
    .await;
    assert_eq!(
        cloud.bucket(&name).await.expect("read"),
        BucketLookup::Missing
    );
}

/// Every role step, each read back through `role()`; `plan_roles` finds the role by path.
async fn role_round_trip(cloud: &AwsCloud, iam: &aws_sdk_iam::Client, account: &str) {
    let role = "gtplan-demo-labeling";
    let name = role_name(role);
    assert_eq!(cloud.role(&name, &[]).await.expect("read"), None);

    let trust = trust_policy(account);
    let access = access_policy("gtplan-demo-data");
    let role_tags = tags("role.labeling", &[("team", "ml")]);
    run(
        cloud,
        [
            Step::CreateRole {
                role: role.to_owned(),
                path: format!("/gtplan/{PLAN}/"),
                trust_policy: trust.clone(),
                max_session_duration: 7200,
                description: Some("Ground Truth labeling for demo".to_owned()),
                tags: role_tags.clone(),
            },
            Step::PutRolePolicy {
                role: role.to_owned(),
                policy_name: format!("gtplan-{PLAN}"),
                policy: access.clone(),
            },
        ],
    )
    .await;
    // A role of another plan and one outside gtplan's paths: not this plan's.
    iam.create_role()
        .role_name("gtplan-other-labeling")
        .path("/gtplan/other/")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .expect("other role");

    // Read with the policy it has and one it lacks guessed: the same role as read from the
    // listing alone (below).
    let expected = [format!("gtplan-{PLAN}"), "not-there".to_owned()];
    let r = cloud
        .role(&name, &expected)
        .await
        .expect("read")
        .expect("role exists");
    assert_eq!(r.name, role);
    assert_eq!(r.path, "/gtplan/demo/");
    assert_eq!(
        r.arn,
        format!("arn:aws:iam::{account}:role/gtplan/demo/{role}")
    );
    assert!(
        policy::equivalent(&r.trust_policy, &trust),
        "{} vs {trust}",
        r.trust_policy
    );
    assert_eq!(
        r.inline_policies.keys().collect::<Vec<_>>(),
        [&format!("gtplan-{PLAN}")]
    );
    assert!(policy::equivalent(
        &r.inline_policies[&format!("gtplan-{PLAN}")],
        &access
    ));
    assert_eq!(r.max_session_duration, 7200);
    assert_eq!(
        r.description.as_deref(),
        Some("Ground Truth labeling for demo")
    );
    assert_eq!(r.tags, role_tags);
    assert!(r.attached_policy_arns.is_empty());

    let listed = cloud
        .plan_resources(&PlanName::parse(PLAN).expect("plan"))
        .await
        .expect("list");
    assert_eq!(listed.roles, std::slice::from_ref(&r.name));

    // Every update.
    let managed = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
    iam.attach_role_policy()
        .role_name(role)
        .policy_arn(managed)
        .send()
        .await
        .expect("attach");
    let mut new_trust = trust.clone();
    new_trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"] =
        json!([account, "111122223333"]);
    run(
        cloud,
        [
            Step::UpdateAssumeRolePolicy {
                role: role.to_owned(),
                policy: new_trust.clone(),
            },
            Step::UpdateRole {
                role: role.to_owned(),
                max_session_duration: 3600,
                description: Some("changed".to_owned()),
            },
            Step::TagRole {
                role: role.to_owned(),
                tags: [("owner".to_owned(), "alice".to_owned())].into(),
            },
            Step::UntagRole {
                role: role.to_owned(),
                keys: vec!["team".to_owned()],
            },
        ],
    )
    .await;
    let r = cloud.role(&name, &[]).await.expect("read").expect("exists");
    // Nothing guessed: the inline policy is found through the listing.
    assert_eq!(
        r.inline_policies.keys().collect::<Vec<_>>(),
        [&format!("gtplan-{PLAN}")]
    );
    assert!(policy::equivalent(&r.trust_policy, &new_trust));
    assert!(!policy::equivalent(&r.trust_policy, &trust));
    assert_eq!(r.max_session_duration, 3600);
    assert_eq!(r.description.as_deref(), Some("changed"));
    let mut expected_tags = tags("role.labeling", &[("owner", "alice")]);
    expected_tags.remove("team");
    assert_eq!(r.tags, expected_tags);
    assert_eq!(r.attached_policy_arns, [managed]);

    run(
        cloud,
        [
            Step::DetachRolePolicy {
                role: role.to_owned(),
                policy_arn: managed.to_owned(),
            },
            Step::DeleteRolePolicy {
                role: role.to_owned(),
                policy_name: format!("gtplan-{PLAN}"),
            },
        ],
    )
    .await;
    let r = cloud.role(&name, &[]).await.expect("read").expect("exists");
    assert!(r.attached_policy_arns.is_empty());
    assert!(r.inline_policies.is_empty());
    run(
        cloud,
        [Step::DeleteRole {
            role: role.to_owned(),
        }],
    )
    .await;
    assert_eq!(cloud.role(&name, &[]).await.expect("read"), None);
}

#[tokio::test]
async fn buckets_and_objects_round_trip_through_the_adapter() {
    let sb = TestSandbox::start().await;
    let cloud = connect(&sb.endpoint()).await;
    assert_eq!(cloud.account_id().await.expect("account"), SANDBOX_ACCOUNT);
    bucket_round_trip(&cloud, "gtplan-demo-data").await;
}

#[tokio::test]
async fn roles_round_trip_through_the_adapter() {
    let sb = TestSandbox::start().await;
    let cloud = connect(&sb.endpoint()).await;
    role_round_trip(&cloud, &sb.iam, SANDBOX_ACCOUNT).await;
}

#[tokio::test]
async fn a_bucket_in_another_region_reports_that_region() {
    let sb = TestSandbox::start().await;
    let cloud = connect(&sb.endpoint()).await;
    let eu = AwsCloud::connect(&ConnectOptions {
        region: Some("eu-west-1".to_owned()),
        ..connect_options(&sb.endpoint())
    })
    .await
    .expect("connects");
    run(
        &eu,
        [Step::CreateBucket {
            bucket: "gtplan-demo-eu".to_owned(),
            region: "eu-west-1".to_owned(),
            tags: Tags::default(),
        }],
    )
    .await;
    // Read through the us-east-1 adapter: the bucket is found, in its own region.
    let b = found(&cloud, "gtplan-demo-eu").await;
    assert_eq!(b.region, "eu-west-1");
    assert!(b.tags.is_empty());
}

fn connect_options(endpoint: &str) -> ConnectOptions {
    ConnectOptions {
        region: Some(REGION.to_owned()),
        profile: None,
        endpoint_url: Some(endpoint.to_owned()),
        credentials: Some(("test".to_owned(), "test".to_owned())),
    }
}

#[tokio::test]
async fn service_errors_carry_the_action_and_code() {
    let sb = TestSandbox::start().await;
    let cloud = connect(&sb.endpoint()).await;
    let err = cloud
        .execute(&Step::PutBucketPolicy {
            bucket: "gtplan-demo-none".to_owned(),
            policy: tls_only_policy("gtplan-demo-none"),
        })
        .await
        .expect_err("no such bucket");
    assert_eq!(err.code(), Some("NoSuchBucket"));
    assert!(
        err.to_string()
            .starts_with("failed to write bucket policy of `gtplan-demo-none`: NoSuchBucket"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Labeling jobs

const BUCKET: &str = "gtplan-demo-data";
const ROLE: &str = "gtplan-demo-labeling";
const MANIFEST: &[u8] = b"{\"source-ref\":\"s3://gtplan-demo-data/images/1.jpg\"}\n{\"source-ref\":\"s3://gtplan-demo-data/images/2.jpg\"}\n{\"source-ref\":\"s3://gtplan-demo-data/images/3.jpg\"}\n";
const LABELS: &[u8] =
    br#"{"document-version":"2018-11-28","labels":[{"label":"cat"},{"label":"dog"}]}"#;

fn role_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/gtplan/{PLAN}/{ROLE}")
}

fn create_role_steps() -> Vec<Step> {
    vec![
        Step::CreateRole {
            role: ROLE.to_owned(),
            path: format!("/gtplan/{PLAN}/"),
            trust_policy: trust_policy(SANDBOX_ACCOUNT),
            max_session_duration: 3600,
            description: None,
            tags: tags("role.labeling", &[]),
        },
        Step::PutRolePolicy {
            role: ROLE.to_owned(),
            policy_name: format!("gtplan-{PLAN}"),
            policy: access_policy(BUCKET),
        },
    ]
}

/// The bucket with the manifest, label config and UI template, the role, and a private
/// workteam (created with the SDK: gtplan never creates workteams). Returns the workteam ARN.
async fn job_fixture(sb: &TestSandbox, cloud: &AwsCloud) -> String {
    run(
        cloud,
        [
            Step::CreateBucket {
                bucket: BUCKET.to_owned(),
                region: REGION.to_owned(),
                tags: Tags::default(),
            },
            put_object(
                BUCKET,
                "input/manifest.jsonl",
                MANIFEST,
                "application/jsonlines",
            ),
            put_object(BUCKET, "config/labels.json", LABELS, "application/json"),
            put_object(
                BUCKET,
                "ui/template.liquid",
                b"<crowd-form></crowd-form>",
                "text/html",
            ),
        ],
    )
    .await;
    run(cloud, create_role_steps()).await;
    sb.private_workteam("labelers").await
}

/// A minimal job: only what CreateLabelingJob requires plus gtplan's tags.
fn minimal_spec(name: &str, workteam: &str) -> JobSpec {
    let task = catalog::find("ImageMultiClass").expect("task type");
    JobSpec {
        name: JobName::parse(name).expect("job name"),
        label_attribute_name: LabelAttributeName::parse("animal").expect("attribute"),
        input: JobInput {
            manifest_uri: Some(format!("s3://{BUCKET}/input/manifest.jsonl")),
            sns_topic_arn: None,
            content_classifiers: BTreeSet::new(),
        },
        output: JobOutput {
            s3_output_path: format!("s3://{BUCKET}/output/"),
            kms_key_id: None,
            sns_topic_arn: None,
        },
        role_arn: role_arn(SANDBOX_ACCOUNT),
        label_category_config_uri: Some(format!("s3://{BUCKET}/config/labels.json")),
        stopping_conditions: None,
        automated_labeling: None,
        human_task: HumanTask {
            workteam_arn: workteam.to_owned(),
            ui: UiConfig::TemplateS3Uri(format!("s3://{BUCKET}/ui/template.liquid")),
            pre_human_task_lambda_arn: arns::pre_lambda(REGION, task),
            annotation_consolidation_lambda_arn: arns::acs_lambda(REGION, task),
            task_keywords: Vec::new(),
            task_title: "Which animal is this?".to_owned(),
            task_description: "Choose the animal in the picture".to_owned(),
            number_of_human_workers_per_data_object: 1,
            task_time_limit_seconds: 300,
            task_availability_lifetime_seconds: None,
            max_concurrent_task_count: None,
            public_workforce_task_price: None,
        },
        tags: tags("job.pets", &[]),
    }
}

/// Every optional member set: public workforce with a price, classifiers, stopping
/// conditions, KMS keys, automated labeling, limits, keywords, user tags.
fn full_spec(name: &str) -> JobSpec {
    let task = catalog::find("ImageMultiClass").expect("task type");
    let mut spec = minimal_spec(name, &arns::public_workteam(REGION));
    spec.input.content_classifiers = BTreeSet::from([
        "FreeOfAdultContent".to_owned(),
        "FreeOfPersonallyIdentifiableInformation".to_owned(),
    ]);
    spec.output.kms_key_id = Some("arn:aws:kms:us-east-1:000000000000:key/output".to_owned());
    spec.stopping_conditions = Some(StoppingConditions {
        max_human_labeled_object_count: Some(1000),
        max_percentage_of_input_dataset_labeled: Some(90),
    });
    spec.automated_labeling = arns::algorithm(REGION, task).map(|arn| AutomatedLabeling {
        algorithm_specification_arn: arn,
        initial_active_learning_model_arn: None,
        volume_kms_key_id: Some("arn:aws:kms:us-east-1:000000000000:key/volume".to_owned()),
        vpc: None,
    });
    let h = &mut spec.human_task;
    h.task_keywords = vec!["images".to_owned(), "pets".to_owned()];
    h.number_of_human_workers_per_data_object = 3;
    h.task_availability_lifetime_seconds = Some(864_000);
    h.max_concurrent_task_count = Some(100);
    h.public_workforce_task_price = Some(Price::from_mills(36));
    spec.tags = tags("job.full", &[("team", "ml")]);
    spec
}

#[tokio::test]
async fn a_job_created_from_a_spec_reads_back_as_the_same_spec() {
    let sb = TestSandbox::start().await;
    let cloud = connect(&sb.endpoint()).await;
    let workteam = job_fixture(&sb, &cloud).await;
    let missing = JobName::parse("quickstart-none").expect("name");
    assert_eq!(cloud.job(&missing).await.expect("read"), None);

    for spec in [
        minimal_spec("demo-pets-1", &workteam),
        full_spec("demo-full-1"),
    ] {
        run(
            &cloud,
            [Step::CreateLabelingJob {
                spec: Box::new(spec.clone()),
            }],
        )
        .await;
        let job = cloud
            .job(&spec.name)
            .await
            .expect("read")
            .expect("job exists");
        assert_eq!(job.spec, spec);
        assert_eq!(
            job.arn,
            format!(
                "arn:aws:sagemaker:{REGION}:{SANDBOX_ACCOUNT}:labeling-job/{}",
                spec.name
            )
        );
        assert!(job.status.is_running(), "{:?}", job.status);
        assert_eq!(job.failure_reason, None);
        assert_eq!(
            job.counters.unlabeled + job.counters.total_labeled,
            3,
            "{:?}",
            job.counters
        );
    }

    // The tagging API names jobs as their ARNs do: in lowercase.
    let listed = cloud
        .plan_resources(&PlanName::parse(PLAN).expect("plan"))
        .await
        .expect("list");
    assert_eq!(listed.jobs, ["demo-full-1", "demo-pets-1"]);

    run(
        &cloud,
        [Step::StopLabelingJob {
            job: "demo-pets-1".to_owned(),
        }],
    )
    .await;
    let job = cloud
        .job(&JobName::parse("demo-pets-1").expect("name"))
        .await
        .expect("read")
        .expect("exists");
    assert!(
        matches!(job.status, JobStatus::Stopping | JobStatus::Stopped),
        "{:?}",
        job.status
    );
}

#[tokio::test]
async fn a_finished_job_reports_counters_and_its_output_manifest() {
    let sb = TestSandbox::start_with(|c| {
        c.init_seconds = 0.1;
        c.labeling_rate = 100.0;
    })
    .await;
    let cloud = connect(&sb.endpoint()).await;
    let workteam = job_fixture(&sb, &cloud).await;
    let spec = minimal_spec("demo-fast-1", &workteam);
    run(
        &cloud,
        [Step::CreateLabelingJob {
            spec: Box::new(spec.clone()),
        }],
    )
    .await;
    sb.advance(0.5).await;
    let job = cloud.job(&spec.name).await.expect("read").expect("exists");
    assert_eq!(job.status, JobStatus::Completed);
    assert_eq!((job.counters.total_labeled, job.counters.unlabeled), (3, 0));
    assert_eq!(
        job.output_manifest_uri.as_deref(),
        Some("s3://gtplan-demo-data/output/demo-fast-1/manifests/output/output.manifest")
    );
    assert_eq!(job.spec, spec);
}

/// SageMaker cannot see a role IAM has not propagated yet: the adapter retries
/// CreateLabelingJob while the role it wrote moments ago is rejected. Here the role is deleted
/// behind the adapter's back and comes back 1.5 s later, as a slow propagation would look.
#[tokio::test]
async fn create_labeling_job_waits_for_a_just_written_role() {
    let sb = TestSandbox::start().await;
    let cloud = connect(&sb.endpoint()).await;
    let workteam = job_fixture(&sb, &cloud).await;
    sb.iam
        .delete_role_policy()
        .role_name(ROLE)
        .policy_name(format!("gtplan-{PLAN}"))
        .send()
        .await
        .expect("delete policy");
    sb.iam
        .delete_role()
        .role_name(ROLE)
        .send()
        .await
        .expect("delete role");
    let iam = sb.iam.clone();
    let restore = tokio::spawn(async move {
        // One of the two sleeps in the tests: the adapter's propagation retry waits in real
        // time inside gtplan's process, so the role must come back in real time too.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        iam.create_role()
            .role_name(ROLE)
            .path(format!("/gtplan/{PLAN}/"))
            .assume_role_policy_document(trust_policy(SANDBOX_ACCOUNT).to_string())
            .send()
            .await
            .expect("role back");
        iam.put_role_policy()
            .role_name(ROLE)
            .policy_name(format!("gtplan-{PLAN}"))
            .policy_document(access_policy(BUCKET).to_string())
            .send()
            .await
            .expect("policy back");
    });
    let started = Instant::now();
    let spec = minimal_spec("demo-wait-1", &workteam);
    run(
        &cloud,
        [Step::CreateLabelingJob {
            spec: Box::new(spec.clone()),
        }],
    )
    .await;
    restore.await.expect("restore task");
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert!(cloud.job(&spec.name).await.expect("read").is_some());
}

/// How many `CreateLabelingJob` calls the request log at `log` holds.
fn create_job_calls(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .expect("request log")
        .lines()
        .filter(|l| l.contains("\"CreateLabelingJob\""))
        .count()
}

/// A role the adapter did not just write is not retried: the error comes at once.
#[tokio::test]
async fn create_labeling_job_with_an_unknown_role_fails_at_once() {
    let log_dir = tempfile::tempdir().expect("tempdir");
    let log = log_dir.path().join("requests.jsonl");
    let log_path = log.clone();
    let sb = TestSandbox::start_with(move |c| c.request_log = Some(log_path)).await;
    let cloud = connect(&sb.endpoint()).await;
    let workteam = job_fixture(&sb, &cloud).await;
    let mut spec = minimal_spec("demo-bad-1", &workteam);
    spec.role_arn = format!("arn:aws:iam::{SANDBOX_ACCOUNT}:role/nobody");
    let err = cloud
        .execute(&Step::CreateLabelingJob {
            spec: Box::new(spec),
        })
        .await
        .expect_err("unknown role");
    assert_eq!(err.code(), Some("ValidationException"));
    assert!(
        err.to_string()
            .starts_with("failed to create labeling job `demo-bad-1`: ValidationException: "),
        "{err}"
    );
    assert_eq!(create_job_calls(&log), 1, "asked once, not retried");
}

// ---------------------------------------------------------------------------------------------
// Refresh

fn desired_state() -> DesiredState {
    let bucket = DesiredBucket {
        name: bucket_name(BUCKET),
        policy: tls_only_policy(BUCKET),
        cors: Vec::new(),
        encryption: Encryption::S3Managed,
        public_access_block: PublicAccessBlock::ALL_ON,
        tags: tags("bucket.data", &[]),
        force_destroy: false,
        adopt: false,
    };
    let role = DesiredRole {
        name: role_name(ROLE),
        path: format!("/gtplan/{PLAN}/"),
        trust_policy: trust_policy(SANDBOX_ACCOUNT),
        inline_policies: [(format!("gtplan-{PLAN}"), access_policy(BUCKET))].into(),
        max_session_duration: 3600,
        description: None,
        tags: tags("role.labeling", &[]),
        adopt: false,
    };
    let upload = DesiredUpload {
        bucket: bucket_name(BUCKET),
        key: ObjectKey::parse("input/manifest.jsonl").expect("key"),
        origin: "data/manifest.jsonl".to_owned(),
        body: gtplan::model::step::UploadBody::Inline {
            bytes: MANIFEST.to_vec(),
        },
        sha256: hex::encode(Sha256::digest(MANIFEST)),
        content_type: "application/jsonlines".to_owned(),
    };
    let job = DesiredJob {
        spec: minimal_spec("demo-pets-1", "arn:aws:sagemaker:us-east-1:0:workteam/x/y"),
        depends_on: Vec::new(),
        input_objects: None,
        waits_for: None,
    };
    DesiredState {
        external_buckets: std::collections::BTreeMap::new(),
        workforce: None,
        teams: std::collections::BTreeMap::new(),
        plan: PlanName::parse(PLAN).expect("plan"),
        region: Region::parse(REGION).expect("region"),
        account_id: SANDBOX_ACCOUNT.to_owned(),
        buckets: [(Address::new(gtplan::model::Kind::Bucket, "data"), bucket)].into(),
        roles: [(Address::new(gtplan::model::Kind::Role, "labeling"), role)].into(),
        uploads: [(
            Address::new(gtplan::model::Kind::Upload, "manifest"),
            upload,
        )]
        .into(),
        jobs: [(Address::new(gtplan::model::Kind::Job, "pets"), job)].into(),
    }
}

#[tokio::test]
async fn refresh_reads_the_desired_resources_and_finds_the_plans_orphans() {
    let sb = TestSandbox::start().await;
    let cloud = connect(&sb.endpoint()).await;
    let desired = desired_state();
    run(
        &cloud,
        [
            Step::CreateBucket {
                bucket: BUCKET.to_owned(),
                region: REGION.to_owned(),
                tags: Tags::default(),
            },
            Step::PutBucketTagging {
                bucket: BUCKET.to_owned(),
                tags: tags("bucket.data", &[]),
            },
            // Left the plan file: tagged with the plan, not desired.
            Step::CreateBucket {
                bucket: "gtplan-demo-archive".to_owned(),
                region: REGION.to_owned(),
                tags: Tags::default(),
            },
            Step::PutBucketTagging {
                bucket: "gtplan-demo-archive".to_owned(),
                tags: tags("bucket.archive", &[]),
            },
            // Someone else's bucket.
            Step::CreateBucket {
                bucket: "unrelated-bucket".to_owned(),
                region: REGION.to_owned(),
                tags: Tags::default(),
            },
        ],
    )
    .await;
    run(&cloud, create_role_steps()).await;
    run(
        &cloud,
        [Step::CreateRole {
            role: "gtplan-demo-old".to_owned(),
            path: format!("/gtplan/{PLAN}/"),
            trust_policy: trust_policy(SANDBOX_ACCOUNT),
            max_session_duration: 3600,
            description: None,
            tags: tags("role.old", &[]),
        }],
    )
    .await;
    // Under the plan's path but without gtplan's tags: not deleted by gtplan.
    sb.iam
        .create_role()
        .role_name("hand-made")
        .path(format!("/gtplan/{PLAN}/"))
        .assume_role_policy_document(trust_policy(SANDBOX_ACCOUNT).to_string())
        .send()
        .await
        .expect("hand-made role");

    let observed = refresh(&cloud, &desired, 4, Uploads::Listed, Orphans::Find)
        .await
        .expect("refresh");
    assert_eq!(observed.account_id, SANDBOX_ACCOUNT);
    let bucket = &observed.buckets[&Address::new(gtplan::model::Kind::Bucket, "data")];
    assert!(
        matches!(bucket, BucketLookup::Found(b) if b.tags == tags("bucket.data", &[])),
        "{bucket:?}"
    );
    let role = observed.roles[&Address::new(gtplan::model::Kind::Role, "labeling")]
        .as_ref()
        .expect("role found");
    assert_eq!(role.name, ROLE);
    assert_eq!(
        observed.uploads[&Address::new(gtplan::model::Kind::Upload, "manifest")],
        None
    );
    assert_eq!(
        observed.jobs[&Address::new(gtplan::model::Kind::Job, "pets")],
        None
    );
    let orphans: Vec<String> = observed
        .orphans
        .iter()
        .map(|o| match o {
            Orphan::Bucket { address, bucket } => format!("{address} {}", bucket.name),
            Orphan::Role { address, role } => format!("{address} {}", role.name),
            Orphan::Job { address, job } => format!("{address} {}", job.spec.name),
            Orphan::Team { address, team } => format!("{address} {}", team.name),
        })
        .collect();
    assert_eq!(
        orphans,
        [
            "bucket.archive gtplan-demo-archive",
            "role.old gtplan-demo-old"
        ]
    );

    // Any parallelism reads the same world the same way.
    let one_at_a_time = refresh(&cloud, &desired, 1, Uploads::Headed, Orphans::Find)
        .await
        .expect("refresh");
    assert_eq!(one_at_a_time, observed);

    // The read-back after an apply reads only what the plan names.
    let named_only = refresh(&cloud, &desired, 4, Uploads::Listed, Orphans::Skip)
        .await
        .expect("refresh");
    assert_eq!(
        named_only,
        ObservedState {
            orphans: Vec::new(),
            ..observed
        }
    );
}

/// Discovery reads every page: more roles under the plan's path and more tagged buckets than
/// fit in one page of `ListRoles` or `GetResources` (100 each).
#[tokio::test]
async fn discovery_reads_every_page() {
    let sb = TestSandbox::start().await;
    let cloud = connect(&sb.endpoint()).await;
    let count = 130;
    let mut buckets = Vec::new();
    let mut roles = Vec::new();
    for n in 0..count {
        let (bucket, role) = (
            format!("gtplan-demo-many-{n:03}"),
            format!("gtplan-demo-many-{n:03}"),
        );
        run(
            &cloud,
            [
                Step::CreateBucket {
                    bucket: bucket.clone(),
                    region: REGION.to_owned(),
                    tags: Tags::default(),
                },
                Step::PutBucketTagging {
                    bucket: bucket.clone(),
                    tags: tags(&format!("bucket.many{n}"), &[]),
                },
            ],
        )
        .await;
        sb.iam
            .create_role()
            .role_name(&role)
            .path(format!("/gtplan/{PLAN}/"))
            .assume_role_policy_document(trust_policy(SANDBOX_ACCOUNT).to_string())
            .send()
            .await
            .expect("role");
        buckets.push(bucket);
        roles.push(role);
    }
    let found = cloud
        .plan_resources(&PlanName::parse(PLAN).expect("plan name"))
        .await
        .expect("discovery");
    assert_eq!(found.buckets, buckets);
    assert_eq!(found.roles, roles);
}

// ---------------------------------------------------------------------------------------------
// moto

/// The same S3 and IAM round trips against moto's server, the independent reference.
#[tokio::test]
async fn buckets_and_roles_round_trip_against_moto() {
    let moto = MotoServer::start().await;
    let cloud = connect(&moto.endpoint).await;
    assert_eq!(cloud.account_id().await.expect("account"), MOTO_ACCOUNT);
    bucket_round_trip(&cloud, "gtplan-demo-moto").await;
    let conf = crate::support::sdk_config(&moto.endpoint, REGION, "test", "test").await;
    role_round_trip(&cloud, &aws_sdk_iam::Client::new(&conf), MOTO_ACCOUNT).await;
}

/// A role whose trust policy does not let SageMaker assume it is rejected for good, however
/// young: with IAM propagation simulated, the adapter still asks once and reports at once.
#[tokio::test]
async fn a_role_that_does_not_trust_sagemaker_fails_at_once_even_while_young() {
    let log_dir = tempfile::tempdir().expect("tempdir");
    let log = log_dir.path().join("requests.jsonl");
    let log_path = log.clone();
    let sb = TestSandbox::start_with(move |c| {
        c.request_log = Some(log_path);
        c.consistency.iam_propagation_seconds = 8.0;
    })
    .await;
    let cloud = connect(&sb.endpoint()).await;
    let workteam = job_fixture(&sb, &cloud).await;
    // Made by hand moments ago, for EC2.
    let ec2_trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole"
        }]
    });
    sb.iam
        .create_role()
        .role_name("made-by-hand")
        .assume_role_policy_document(ec2_trust.to_string())
        .send()
        .await
        .expect("role");
    let mut spec = minimal_spec("demo-untrusted-1", &workteam);
    spec.role_arn = format!("arn:aws:iam::{SANDBOX_ACCOUNT}:role/made-by-hand");
    let err = cloud
        .execute(&Step::CreateLabelingJob {
            spec: Box::new(spec),
        })
        .await
        .expect_err("SageMaker cannot assume it");
    assert!(err.to_string().contains("Could not assume role"), "{err}");
    assert_eq!(create_job_calls(&log), 1, "asked once, not retried");
}
