//! Keeps the README true: its AWS CLI example runs, as written, against a sandbox.

use std::path::PathBuf;
use std::process::Command;

use crate::support::{TestSandbox, assert_contains};

/// The shell block that follows `marker` in README.md.
fn readme_block(marker: &str) -> String {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md is readable");
    let after = readme
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("README has `{marker}`"));
    let body = after
        .split("```sh\n")
        .nth(1)
        .expect("a ```sh block follows the marker");
    body.split("```")
        .next()
        .expect("the block is closed")
        .to_owned()
}

/// Runs the built `gtplan` in `dir` as a new user would (no AWS profile or endpoint set) and
/// returns its output; it must succeed.
fn gtplan_in(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_gtplan"))
        .args(args)
        .current_dir(dir)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("gtplan runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a boto3 script (the `.venv`'s python, beside the AWS CLI) with the endpoint as its
/// argument; it must succeed and print `boto3 ok`.
pub async fn run_boto3(script: &'static str, endpoint: &str) {
    let python = aws_cli().with_file_name("python");
    let endpoint = endpoint.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args(["-c", script, &endpoint])
            .output()
            .expect("python runs")
    })
    .await
    .expect("join");
    assert!(
        output.status.success(),
        "boto3 script failed\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("boto3 ok"));
}

pub fn aws_cli() -> PathBuf {
    std::env::var("GTPLAN_AWS_CLI").map_or_else(
        |_| {
            let local = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws");
            assert!(
                local.exists(),
                "the AWS CLI is not installed: run `scripts/test` (it prepares .venv/)"
            );
            local
        },
        PathBuf::from,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_cli_example_works_against_the_sandbox() {
    let sb = TestSandbox::start().await;
    let script = readme_block("<!-- readme-test: aws-cli -->");
    assert!(
        script.contains("SANDBOX=http://127.0.0.1:4566"),
        "the example names the default endpoint"
    );
    let script = script.replace(
        "SANDBOX=http://127.0.0.1:4566",
        &format!("SANDBOX={}", sb.endpoint()),
    );
    let work = tempfile::tempdir().expect("tempdir");
    let cli = aws_cli();
    let path = format!(
        "{}:{}",
        cli.parent().expect("cli dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(work.path())
            .env("PATH", path)
            .env("HOME", work.path())
            .env_remove("AWS_PROFILE")
            .output()
            .expect("bash runs")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "README example failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_contains(&stdout, "\"Account\": \"000000000000\"");
    assert_contains(&stdout, "manifest.jsonl");
    assert_contains(&stdout, "arn:aws:iam::000000000000:role/labeling-exec");
    assert!(
        stdout.contains("public-crowd/default") || stdout.contains("Workteams"),
        "{stdout}"
    );
}

/// The README's first set-up command, as a new user runs it from the repository root: the
/// quickstart applies against the embedded sandbox, and a second run changes nothing.
#[test]
fn the_first_command_applies_the_quickstart_and_a_rerun_changes_nothing() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md is readable");
    let command = "cargo run -- apply plans/quickstart.toml --sandbox --auto-approve";
    assert!(readme.contains(command), "the README shows `{command}`");
    let work = tempfile::tempdir().expect("tempdir");
    crate::engine::copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plans"),
        &work.path().join("plans"),
    );
    let args: Vec<&str> = command.split_whitespace().skip(3).collect();
    let run = || gtplan_in(work.path(), &args);
    let first = run();
    assert_contains(&first, "Apply complete! Resources: 11 created");
    let second = run();
    assert_contains(&second, "No changes.");
    assert_contains(&second, "job.pets (gtplan-quickstart-pets-1):");
}

/// boto3 against the sandbox, the way the README shows it: S3 (path style), IAM, STS and
/// SageMaker through one endpoint URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_works_against_the_sandbox() {
    let sb = TestSandbox::start().await;
    let script = r#"
import sys, boto3
from botocore.config import Config
endpoint = sys.argv[1]
kw = dict(endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **kw)
s3.create_bucket(Bucket="from-boto3")
s3.put_object(Bucket="from-boto3", Key="a/b.txt", Body=b"hello", Metadata={"k": "v"})
got = s3.get_object(Bucket="from-boto3", Key="a/b.txt")
assert got["Body"].read() == b"hello" and got["Metadata"] == {"k": "v"}, got
listed = s3.list_objects_v2(Bucket="from-boto3", Prefix="a/")
assert [o["Key"] for o in listed["Contents"]] == ["a/b.txt"], listed
iam = boto3.client("iam", **kw)
trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
iam.create_role(RoleName="boto3-role", AssumeRolePolicyDocument=trust, MaxSessionDuration=7200)
role = iam.get_role(RoleName="boto3-role")["Role"]
assert role["MaxSessionDuration"] == 7200
assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] == "sagemaker.amazonaws.com"
try:
    iam.get_role(RoleName="missing")
    raise SystemExit("expected NoSuchEntity")
except iam.exceptions.NoSuchEntityException:
    pass
assert boto3.client("sts", **kw).get_caller_identity()["Account"] == "000000000000"
sm = boto3.client("sagemaker", **kw)
assert sm.list_labeling_jobs()["LabelingJobSummaryList"] == []
r = sm.render_ui_template(UiTemplate={"Content": "<p>{{ task.input.x }}</p>"}, Task={"Input": '{"x": "<b>"}'}, RoleArn=role["Arn"])
assert r["RenderedContent"] == "<p>&lt;b&gt;</p>" and r["Errors"] == [], r
print("boto3 ok")
"#;
    run_boto3(script, &sb.endpoint()).await;
}

/// The README's `gtplan init` example, as written (with `gtplan` being the built binary): the
/// catalog lists, the new plan applies against the embedded sandbox, and a rerun changes nothing.
#[test]
fn the_init_example_runs_as_written() {
    let script = readme_block("<!-- readme-test: init -->");
    let work = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| gtplan_in(work.path(), args);
    let mut last = String::new();
    for line in script.lines().filter(|l| l.starts_with("gtplan ")) {
        let command = line.split('#').next().unwrap_or_default();
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        last = run(&args);
    }
    assert_contains(&last, "Apply complete! Resources: 9 created");
    let again = run(&["plan", "street-boxes/plan.toml", "--sandbox"]);
    assert_contains(&again, "No changes.");
}

/// The README's day-two example, as written, from a copy of the repository's plans: the plan
/// shows the estimate, the preview is written, `status --watch` returns once the job completed
/// (the embedded sandbox labels a few objects a second), and the labels land in the CSV file.
#[test]
fn the_day_two_example_runs_as_written() {
    let script = readme_block("<!-- readme-test: day-two -->");
    let work = tempfile::tempdir().expect("tempdir");
    crate::engine::copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plans"),
        &work.path().join("plans"),
    );
    let mut outputs = Vec::new();
    for line in script.lines().filter(|l| l.starts_with("gtplan ")) {
        let command = line.split('#').next().unwrap_or_default();
        let mut args: Vec<&str> = command.split_whitespace().skip(1).collect();
        if args.contains(&"--watch") {
            // The embedded sandbox runs on the real clock: bound the wait.
            args.extend(["--timeout", "2m"]);
        }
        outputs.push(gtplan_in(work.path(), &args));
    }
    assert_contains(
        &outputs[0],
        "job.pets (gtplan-quickstart-pets-1): $0.060 = 5 objects × 1 worker × $0.012 per task",
    );
    assert!(work.path().join(".gtplan/preview/pets.html").exists());
    let labels = std::fs::read_to_string(work.path().join("labels.csv")).expect("labels.csv");
    assert_eq!(
        labels.lines().count(),
        6,
        "a header and five rows: {labels}"
    );
}
