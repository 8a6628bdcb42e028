//! Restart: the sandbox runs as its own process (`gtplan sandbox`), is killed with SIGKILL in
//! the middle of work, and restarts on the same state directory with everything it had
//! acknowledged intact.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;

use crate::support::{http, s3_client, sdk_config};

/// A `gtplan sandbox` child process on an ephemeral port.
pub struct SandboxProcess {
    child: Child,
    pub endpoint: String,
}

impl SandboxProcess {
    pub fn spawn(state_dir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gtplan"))
            .args(["sandbox", "--listen", "127.0.0.1:0", "--state-dir"])
            .arg(state_dir)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gtplan sandbox starts");
        // The server announces its address on stderr once it is listening. A thread reads it
        // (and keeps draining stderr so the child never blocks on a full pipe); the wait for
        // the address is bounded.
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stderr).lines();
            for line in lines.by_ref().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let _ = tx.send(
                        rest.split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                    break;
                }
            }
            lines.for_each(drop);
        });
        let endpoint = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the sandbox printed its address within 30 s");
        Self { child, endpoint }
    }

    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL the sandbox");
        self.child.wait().expect("reap the sandbox");
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Moves a sandbox process's clock forward.
async fn advance(endpoint: &str, seconds: f64) {
    let (status, body) = http(
        "PUT",
        &format!("{endpoint}/_gtplan/clock?advance={seconds}"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_sandbox_restarts_with_every_acknowledged_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let first = SandboxProcess::spawn(&state, &[]);
    let conf = sdk_config(&first.endpoint, "us-east-1", "test", "test").await;
    let s3 = s3_client(&conf);
    let iam = aws_sdk_iam::Client::new(&conf);

    s3.create_bucket()
        .bucket("restart-data")
        .send()
        .await
        .expect("bucket");
    iam.create_role()
        .role_name("restart-exec")
        .assume_role_policy_document(TRUST)
        .max_session_duration(7200)
        .send()
        .await
        .expect("role");

    // Upload objects as fast as possible and kill the server while uploads are in flight.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let (acks, mut acked) = tokio::sync::watch::channel(0_usize);
    let writer = {
        let s3 = s3.clone();
        let acknowledged = Arc::clone(&acknowledged);
        tokio::spawn(async move {
            for i in 0.. {
                let key = format!("obj/{i:05}");
                let body = format!("body of {key}").repeat(50);
                match s3
                    .put_object()
                    .bucket("restart-data")
                    .key(&key)
                    .body(ByteStream::from(body.clone().into_bytes()))
                    .send()
                    .await
                {
                    Ok(_) => {
                        let mut list = acknowledged.lock().expect("lock");
                        list.push((key, body));
                        acks.send_replace(list.len());
                    }
                    Err(_) => break,
                }
            }
        })
    };
    tokio::time::timeout(Duration::from_mins(1), acked.wait_for(|n| *n >= 20))
        .await
        .expect("20 uploads within a minute")
        .expect("the writer runs");
    first.kill();
    let _ = writer.await;
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(
        acknowledged.len() > 5,
        "uploads ran before the kill ({})",
        acknowledged.len()
    );

    let second = SandboxProcess::spawn(&state, &[]);
    let conf = sdk_config(&second.endpoint, "us-east-1", "test", "test").await;
    let s3 = s3_client(&conf);
    let iam = aws_sdk_iam::Client::new(&conf);

    let role = iam
        .get_role()
        .role_name("restart-exec")
        .send()
        .await
        .expect("role survives");
    assert_eq!(
        role.role()
            .and_then(aws_sdk_iam::types::Role::max_session_duration),
        Some(7200)
    );
    for (key, body) in &acknowledged {
        let got = s3
            .get_object()
            .bucket("restart-data")
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("acknowledged object {key} lost: {e:?}"));
        let bytes = got.body.collect().await.expect("body").into_bytes();
        assert_eq!(bytes.as_ref(), body.as_bytes(), "{key} content intact");
    }
    // And the restarted sandbox keeps working.
    s3.put_object()
        .bucket("restart-data")
        .key("after-restart")
        .body(ByteStream::from_static(b"ok"))
        .send()
        .await
        .expect("writes after restart");
    second.kill();
}

/// A labeling job keeps running across a SIGKILL of the sandbox: its progress is a function of
/// time, so after the restart it continues and completes with its output manifest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_job_survives_a_killed_sandbox() {
    use aws_sdk_sagemaker::types::{
        AnnotationConsolidationConfig, ContentClassifier, HumanTaskConfig,
        LabelingJobDataAttributes, LabelingJobDataSource, LabelingJobInputConfig,
        LabelingJobOutputConfig, LabelingJobS3DataSource, LabelingJobStatus,
        PublicWorkforceTaskPrice, UiConfig, Usd,
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let args = [
        "--init-seconds",
        "0",
        "--labeling-rate",
        "2",
        "--clock",
        "manual",
    ];
    let first = SandboxProcess::spawn(&state, &args);
    let conf = sdk_config(&first.endpoint, "us-east-1", "test", "test").await;
    let s3 = s3_client(&conf);
    let iam = aws_sdk_iam::Client::new(&conf);
    s3.create_bucket()
        .bucket("jobs-data")
        .send()
        .await
        .expect("bucket");
    let manifest = (1..=6)
        .map(|i| format!("{{\"source-ref\":\"s3://jobs-data/{i}.jpg\"}}"))
        .collect::<Vec<_>>()
        .join("\n");
    for (key, body) in [
        ("m.jsonl", manifest.as_str()),
        (
            "labels.json",
            r#"{"document-version":"2018-11-28","labels":[{"label":"a"},{"label":"b"}]}"#,
        ),
        ("ui.liquid", "<crowd-form></crowd-form>"),
    ] {
        s3.put_object()
            .bucket("jobs-data")
            .key(key)
            .body(ByteStream::from(body.as_bytes().to_vec()))
            .send()
            .await
            .expect("upload");
    }
    iam.create_role()
        .role_name("restart-exec")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .expect("role");
    iam.put_role_policy()
        .role_name("restart-exec")
        .policy_name("s3")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::jobs-data/*"}]}"#)
        .send()
        .await
        .expect("policy");
    let sagemaker = aws_sdk_sagemaker::Client::new(&conf);
    let lambda = |kind: &str| {
        format!("arn:aws:lambda:us-east-1:432418664414:function:{kind}-ImageMultiClass")
    };
    sagemaker
        .create_labeling_job()
        .labeling_job_name("survivor")
        .label_attribute_name("label")
        .input_config(
            LabelingJobInputConfig::builder()
                .data_source(
                    LabelingJobDataSource::builder()
                        .s3_data_source(
                            LabelingJobS3DataSource::builder()
                                .manifest_s3_uri("s3://jobs-data/m.jsonl")
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
        .output_config(
            LabelingJobOutputConfig::builder()
                .s3_output_path("s3://jobs-data/out/")
                .build(),
        )
        .role_arn("arn:aws:iam::000000000000:role/restart-exec")
        .label_category_config_s3_uri("s3://jobs-data/labels.json")
        .human_task_config(
            HumanTaskConfig::builder()
                .workteam_arn(
                    "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default",
                )
                .ui_config(
                    UiConfig::builder()
                        .ui_template_s3_uri("s3://jobs-data/ui.liquid")
                        .build(),
                )
                .pre_human_task_lambda_arn(lambda("PRE"))
                .annotation_consolidation_config(
                    AnnotationConsolidationConfig::builder()
                        .annotation_consolidation_lambda_arn(lambda("ACS"))
                        .build(),
                )
                .task_title("Pick a label")
                .task_description("Pick a or b")
                .number_of_human_workers_per_data_object(1)
                .task_time_limit_in_seconds(60)
                .public_workforce_task_price(
                    PublicWorkforceTaskPrice::builder()
                        .amount_in_usd(
                            Usd::builder()
                                .dollars(0)
                                .cents(1)
                                .tenth_fractions_of_a_cent(2)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("job created");
    advance(&first.endpoint, 1.2).await;
    let before = sagemaker
        .describe_labeling_job()
        .labeling_job_name("survivor")
        .send()
        .await
        .expect("describe");
    assert_eq!(
        before.labeling_job_status(),
        Some(&LabelingJobStatus::InProgress),
        "mid-run when killed"
    );
    first.kill();

    let second = SandboxProcess::spawn(&state, &args);
    let conf = sdk_config(&second.endpoint, "us-east-1", "test", "test").await;
    let sagemaker = aws_sdk_sagemaker::Client::new(&conf);
    // The manual clock continues where it stood when the first process was killed.
    advance(&second.endpoint, 2.5).await;
    let after = sagemaker
        .describe_labeling_job()
        .labeling_job_name("survivor")
        .send()
        .await
        .expect("the job survived");
    assert_eq!(
        after.labeling_job_status(),
        Some(&LabelingJobStatus::Completed),
        "{after:?}"
    );
    let output = s3_client(&conf)
        .get_object()
        .bucket("jobs-data")
        .key("out/survivor/manifests/output/output.manifest")
        .send()
        .await
        .expect("output manifest written after the restart");
    let text = output.body.collect().await.expect("body").into_bytes();
    assert_eq!(String::from_utf8_lossy(&text).lines().count(), 6);
    second.kill();
}
