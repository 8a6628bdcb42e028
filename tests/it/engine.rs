//! The engine end to end: the real `gtplan` binary against an in-process sandbox (and moto for
//! the S3/IAM part of the quickstart). Every test that applies also checks that the next plan
//! is empty.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use aws_sdk_s3::primitives::ByteStream;

use crate::support::{TestSandbox, assert_contains};

/// A temp folder holding a plan, plus a sandbox the binary talks to (cargo's `project()` idea).
pub struct Project {
    pub dir: tempfile::TempDir,
    pub sb: TestSandbox,
    pub log: PathBuf,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: &Output) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(
            self.code, 0,
            "gtplan failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

impl Project {
    /// A project holding a copy of `plans/quickstart.toml` and its data.
    pub async fn quickstart() -> Self {
        Self::quickstart_labeling_at(20.0).await
    }

    /// The quickstart with labels arriving at `rate` per second.
    pub async fn quickstart_labeling_at(rate: f64) -> Self {
        let log_dir = tempfile::tempdir().expect("tempdir");
        let log = log_dir.keep().join("requests.jsonl");
        let log_path = log.clone();
        let sb = TestSandbox::start_with(move |c| {
            c.request_log = Some(log_path);
            c.init_seconds = 0.5;
            c.labeling_rate = rate;
        })
        .await;
        let dir = tempfile::tempdir().expect("tempdir");
        let plans = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plans");
        copy_dir(&plans, dir.path());
        Self { dir, sb, log }
    }

    /// An empty project folder and a sandbox where jobs start at once and label 20 objects a
    /// second.
    pub async fn empty() -> Self {
        Self::empty_starting_after(0.5).await
    }

    /// An empty project whose sandbox keeps new jobs `Initializing` for `init_seconds`.
    pub async fn empty_starting_after(init_seconds: f64) -> Self {
        let log_dir = tempfile::tempdir().expect("tempdir");
        let log = log_dir.keep().join("requests.jsonl");
        let log_path = log.clone();
        let sb = TestSandbox::start_with(move |c| {
            c.request_log = Some(log_path);
            c.init_seconds = init_seconds;
            c.labeling_rate = 20.0;
        })
        .await;
        let dir = tempfile::tempdir().expect("tempdir");
        Self { dir, sb, log }
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let path = self.path(rel);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains(from), "{rel} contains `{from}`");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    }

    pub fn command(&self, args: &[&str]) -> Command {
        self.command_to(&self.sb.endpoint(), args)
    }

    /// A gtplan command whose AWS calls go to `endpoint`.
    pub fn command_to(&self, endpoint: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gtplan"));
        cmd.args(args);
        // Only these commands call AWS and take an endpoint.
        if matches!(
            args.first(),
            Some(
                &("plan" | "apply" | "destroy" | "force-unlock" | "status" | "labels" | "preview")
            )
        ) {
            cmd.arg("--endpoint-url").arg(endpoint);
        }
        cmd.current_dir(self.dir.path())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_CONFIG_FILE", self.dir.path().join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.dir.path().join("no-aws-credentials"),
            )
            .env_remove("AWS_PROFILE")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// What `gtplan plan|apply PLAN` would ask of `gtplan::ops`, for tests that call the
    /// commands' functions in-process instead of running the binary.
    pub fn request(&self, plan: &str) -> gtplan::ops::PlanRequest {
        gtplan::ops::PlanRequest {
            path: self.path(plan),
            vars: Vec::new(),
            connection: gtplan::ops::Connection {
                target: gtplan::ops::Target::Endpoint(self.sb.endpoint()),
                region: None,
                credentials: Some(("test".to_owned(), "test".to_owned())),
            },
            parallelism: 10,
            lock: gtplan::ops::LockOptions::default(),
        }
    }

    pub async fn gtplan(&self, args: &[&str]) -> Run {
        let mut cmd = self.command(args);
        let out = tokio::task::spawn_blocking(move || cmd.output().expect("gtplan runs"))
            .await
            .expect("join");
        Run::from(&out)
    }

    /// How many `operation` requests the sandbox has served so far (from its request log).
    pub fn requests(&self, operation: &str) -> usize {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|l| l["operation"] == operation)
            .count()
    }

    /// The buckets in the sandbox, without the one that holds gtplan's locks.
    pub async fn buckets(&self) -> Vec<String> {
        let out = self
            .sb
            .s3
            .list_buckets()
            .send()
            .await
            .expect("list buckets");
        out.buckets()
            .iter()
            .filter_map(|b| b.name())
            .filter(|name| !name.starts_with("gtplan-locks-"))
            .map(ToOwned::to_owned)
            .collect()
    }

    /// Whether the sandbox dropped an answer to `operation` (from its request log).
    pub fn dropped(&self, operation: &str) -> bool {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|l| l["operation"] == operation && l["fault"] == "drop")
    }

    /// Write calls the sandbox has served so far (from its request log).
    pub fn writes(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|l| {
                // Taking and releasing the plan's lock is not a change to the plan's resources.
                !l["bucket"]
                    .as_str()
                    .is_some_and(|b| b.starts_with("gtplan-locks-"))
            })
            .filter(|l| {
                let op = l["operation"].as_str().unwrap_or_default();
                let service = l["service"].as_str().unwrap_or_default();
                match service {
                    "s3" => {
                        !(op.starts_with("Get") || op.starts_with("Head") || op.starts_with("List"))
                    }
                    "iam" => !(op.starts_with("Get") || op.starts_with("List")),
                    "sagemaker" => !(op.starts_with("Describe") || op.starts_with("List")),
                    _ => false,
                }
            })
            .map(|l| {
                format!(
                    "{} {}",
                    l["service"].as_str().unwrap_or_default(),
                    l["operation"].as_str().unwrap_or_default()
                )
            })
            .collect()
    }

    /// Applies and asserts the next plan is empty.
    pub async fn apply_converges(&self, plan: &str) -> Run {
        let run = self
            .gtplan(&["apply", plan, "--auto-approve"])
            .await
            .success();
        let again = self.gtplan(&["plan", plan, "--detailed-exitcode"]).await;
        assert_eq!(
            again.code, 0,
            "the plan after apply is empty\n{}\n{}",
            again.stdout, again.stderr
        );
        assert_contains(&again.stdout, "No changes");
        run
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_applies_and_a_second_apply_writes_nothing() {
    let p = Project::quickstart().await;
    let plan = p
        .gtplan(&["plan", "quickstart.toml", "--detailed-exitcode"])
        .await;
    assert_eq!(
        plan.code, 2,
        "changes pending\n{}\n{}",
        plan.stdout, plan.stderr
    );
    assert_contains(&plan.stdout, "+ bucket.data");
    assert_contains(&plan.stdout, "+ job.");
    let applied = p.apply_converges("quickstart.toml").await;
    assert_contains(&applied.stdout, "Apply complete!");
    let before = p.writes().len();
    let second = p
        .gtplan(&["apply", "quickstart.toml", "--auto-approve"])
        .await
        .success();
    assert_contains(&second.stdout, "No changes");
    assert_eq!(
        p.writes().len(),
        before,
        "a second apply makes no write call"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_is_detected_and_repaired() {
    let p = Project::quickstart().await;
    p.apply_converges("quickstart.toml").await;
    let bucket = p.buckets().await.remove(0);
    p.sb.s3
        .put_bucket_policy()
        .bucket(&bucket)
        .policy(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
        ))
        .send()
        .await
        .expect("edit behind gtplan's back");
    let plan = p
        .gtplan(&["plan", "quickstart.toml", "--detailed-exitcode"])
        .await;
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    assert_contains(&plan.stdout, "~ bucket.data");
    assert_contains(&plan.stdout, "policy");
    assert_contains(&plan.stdout, "1 to update");
    p.apply_converges("quickstart.toml").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_plan_applies_exactly_and_is_refused_after_drift() {
    let p = Project::quickstart().await;
    p.gtplan(&["plan", "quickstart.toml", "--out", "first.json"])
        .await
        .success();
    p.gtplan(&["apply", "first.json"]).await.success();
    let again = p
        .gtplan(&["plan", "quickstart.toml", "--detailed-exitcode"])
        .await;
    assert_eq!(again.code, 0, "{}", again.stdout);

    p.edit(
        "quickstart.toml",
        "purpose = \"gtplan quickstart\"",
        "purpose = \"vision\"",
    );
    p.gtplan(&["plan", "quickstart.toml", "--out", "second.json"])
        .await
        .success();
    // Someone edits the bucket policy after the plan was saved.
    let bucket = p.buckets().await.remove(0);
    p.sb.s3
        .put_bucket_policy()
        .bucket(&bucket)
        .policy(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
        ))
        .send()
        .await
        .expect("drift");
    let refused = p.gtplan(&["apply", "second.json"]).await;
    assert_eq!(refused.code, 1, "{}\n{}", refused.stdout, refused.stderr);
    insta::assert_snapshot!("saved_plan_drift_error", refused.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_fields_plans_exactly_that_change() {
    let p = Project::quickstart().await;
    p.apply_converges("quickstart.toml").await;
    // A role change: a longer task time limit raises the role's session length.
    // An upload change: a new manifest line.
    let manifest = p.path("quickstart/manifest.jsonl");
    let mut text = std::fs::read_to_string(&manifest).expect("manifest");
    text.push_str(
        &text
            .lines()
            .next()
            .expect("a line")
            .replace(".jpg", "-copy.jpg"),
    );
    text.push('\n');
    std::fs::write(&manifest, text).expect("write manifest");
    let plan = p.gtplan(&["plan", "quickstart.toml"]).await.success();
    assert_contains(&plan.stdout, "~ upload.manifest");
    assert_contains(&plan.stdout, "sha256");
    assert_contains(&plan.stdout, "1 to update");
    p.apply_converges("quickstart.toml").await;

    // A bucket field: tags.
    p.edit(
        "quickstart.toml",
        "purpose = \"gtplan quickstart\"",
        "purpose = \"demo\"",
    );
    let plan = p.gtplan(&["plan", "quickstart.toml"]).await.success();
    assert_contains(&plan.stdout, "~ bucket.data");
    assert_contains(&plan.stdout, "tags.purpose");
    assert_contains(&plan.stdout, "1 to update");
    p.apply_converges("quickstart.toml").await;

    // A role field: its description.
    p.edit(
        "quickstart.toml",
        "description = \"Lets SageMaker",
        "description = \"Allows SageMaker",
    );
    let plan = p.gtplan(&["plan", "quickstart.toml"]).await.success();
    assert_contains(&plan.stdout, "~ role.labeling");
    assert_contains(&plan.stdout, "description");
    assert_contains(&plan.stdout, "1 to update");
    p.apply_converges("quickstart.toml").await;

    // A generated upload: the label list changes the label config (the job keeps the old one).
    p.edit(
        "quickstart.toml",
        "labels = [\"cat\", \"dog\", \"bird\"]",
        "labels = [\"cat\", \"dog\", \"bird\", \"fish\"]",
    );
    let plan = p.gtplan(&["plan", "quickstart.toml"]).await.success();
    assert_contains(&plan.stdout, "~ upload.labels");
    p.apply_converges("quickstart.toml").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_longer_task_time_limit_raises_the_roles_session() {
    let p = Project::quickstart().await;
    // A new job (the old one cannot change) with a 2 hour task time limit.
    p.edit(
        "quickstart.toml",
        "task_time_limit = \"5m\"",
        "task_time_limit = \"2h\"",
    );
    p.edit(
        "quickstart.toml",
        "task_availability_lifetime = \"6h\"",
        "task_availability_lifetime = \"12h\"",
    );
    let plan = p.gtplan(&["plan", "quickstart.toml"]).await.success();
    assert_contains(&plan.stdout, "max_session_duration: 7200");
    p.apply_converges("quickstart.toml").await;
    let role =
        p.sb.iam
            .get_role()
            .role_name("gtplan-quickstart-labeling")
            .send()
            .await
            .expect("role");
    assert_eq!(
        role.role()
            .and_then(aws_sdk_iam::types::Role::max_session_duration),
        Some(7200)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_job_is_an_error_naming_the_field() {
    let p = Project::quickstart().await;
    p.apply_converges("quickstart.toml").await;
    p.edit(
        "quickstart.toml",
        "task_time_limit = \"5m\"",
        "task_time_limit = \"5m\"\nworkers_per_object = 3",
    );
    let plan = p.gtplan(&["plan", "quickstart.toml"]).await;
    assert_eq!(plan.code, 1, "{}\n{}", plan.stdout, plan.stderr);
    insta::assert_snapshot!("changed_job_error", plan.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_keeps_buckets_with_objects_unless_force_destroy() {
    let p = Project::quickstart().await;
    p.edit(
        "quickstart.toml",
        "force_destroy = true",
        "force_destroy = false",
    );
    p.apply_converges("quickstart.toml").await;
    let refused = p
        .gtplan(&["destroy", "quickstart.toml", "--auto-approve"])
        .await;
    assert_eq!(refused.code, 1, "{}\n{}", refused.stdout, refused.stderr);
    insta::assert_snapshot!("destroy_non_empty_bucket_error", refused.stderr);
    assert_eq!(p.buckets().await.len(), 1, "nothing was deleted");

    p.edit(
        "quickstart.toml",
        "force_destroy = false",
        "force_destroy = true",
    );
    p.gtplan(&["apply", "quickstart.toml", "--auto-approve"])
        .await
        .success();
    p.gtplan(&["destroy", "quickstart.toml", "--auto-approve"])
        .await
        .success();
    assert!(p.buckets().await.is_empty(), "bucket destroyed");
    let roles = p.sb.iam.list_roles().send().await.expect("roles");
    assert!(roles.roles().is_empty(), "role destroyed");
    let job =
        p.sb.sagemaker
            .list_labeling_jobs()
            .send()
            .await
            .expect("jobs");
    let status = job.labeling_job_summary_list()[0]
        .labeling_job_status()
        .expect("status")
        .as_str()
        .to_owned();
    assert!(
        ["Stopping", "Stopped", "Completed"].contains(&status.as_str()),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_of_an_empty_bucket_without_force() {
    let p = Project::quickstart().await;
    // Only the bucket and the role: drop uploads and the job from a copy of the plan.
    let text = std::fs::read_to_string(p.path("quickstart.toml")).expect("read");
    let head: String = text.split("[uploads.").next().expect("head").to_owned();
    std::fs::write(p.path("bare.toml"), head).expect("write");
    p.apply_converges("bare.toml").await;
    p.gtplan(&["destroy", "bare.toml", "--auto-approve"])
        .await
        .success();
    assert!(p.buckets().await.is_empty());
    let after = p
        .gtplan(&["plan", "bare.toml", "--detailed-exitcode"])
        .await;
    assert_eq!(after.code, 2, "everything would be created again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_without_a_terminal_needs_auto_approve() {
    let p = Project::quickstart().await;
    let run = p.gtplan(&["apply", "quickstart.toml"]).await;
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("no_terminal_error", run.stderr);
    assert!(p.writes().is_empty(), "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_uploaded_behind_gtplans_back_is_repaired() {
    let p = Project::quickstart().await;
    p.apply_converges("quickstart.toml").await;
    let bucket = p.buckets().await.remove(0);
    let objects =
        p.sb.s3
            .list_objects_v2()
            .bucket(&bucket)
            .send()
            .await
            .expect("objects");
    let manifest = objects
        .contents()
        .iter()
        .filter_map(|o| o.key())
        .find(|k| {
            k.rsplit_once('.')
                .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("jsonl"))
        })
        .expect("the manifest was uploaded")
        .to_owned();
    p.sb.s3
        .put_object()
        .bucket(&bucket)
        .key(&manifest)
        .body(ByteStream::from_static(
            b"{\"source-ref\":\"s3://elsewhere/x.jpg\"}\n",
        ))
        .send()
        .await
        .expect("overwrite");
    let plan = p
        .gtplan(&["plan", "quickstart.toml", "--detailed-exitcode"])
        .await;
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    p.apply_converges("quickstart.toml").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_errors_of_the_cli_are_reported_before_any_call() {
    let p = Project::quickstart().await;
    let region = p
        .gtplan(&["plan", "quickstart.toml", "--region", "eu-west-1"])
        .await;
    assert_eq!(region.code, 1);
    insta::assert_snapshot!("region_conflict_error", region.stderr);

    p.edit(
        "quickstart.toml",
        "task_time_limit = \"5m\"",
        "task_time_limt = \"5m\"",
    );
    let typo = p.gtplan(&["validate", "quickstart.toml"]).await;
    assert_eq!(typo.code, 1);
    insta::assert_snapshot!("unknown_key_error", typo.stderr);

    let missing = p.gtplan(&["plan", "nope.toml"]).await;
    assert_eq!(missing.code, 1);
    insta::assert_snapshot!("missing_plan_file_error", missing.stderr);

    let not_a_plan = std::fs::write(p.path("bogus.json"), "{}").map(|()| "bogus.json");
    let saved = p.gtplan(&["apply", not_a_plan.expect("write")]).await;
    assert_eq!(saved.code, 1);
    insta::assert_snapshot!("not_a_saved_plan_error", saved.stderr);
    assert!(p.writes().is_empty(), "no error case wrote anything");
}

/// A write AWS refuses stops apply with one report: which resource, which call and AWS's
/// answer once each, the hint, and what was applied before. Here the job names a private work
/// team that does not exist, which only CreateLabelingJob can find out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_write_is_reported_once_with_what_was_applied() {
    let p = Project::quickstart().await;
    p.edit(
        "quickstart.toml",
        "workteam = \"public\"",
        "workteam = \"arn:aws:sagemaker:us-east-1:000000000000:workteam/private-crowd/nobody\"",
    );
    p.edit("quickstart.toml", "public_price", "# public_price");
    let run = p
        .gtplan(&["apply", "quickstart.toml", "--auto-approve"])
        .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    insta::assert_snapshot!("apply_step_error", run.stderr);
}

/// An endpoint nothing listens on is named, in plain words, not as the SDK's dispatch failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_is_said_in_plain_words() {
    let p = Project::quickstart().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let mut cmd = p.command_to(&url, &["plan", "quickstart.toml"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("gtplan runs"))
        .await
        .expect("join");
    let run = Run::from(&out);
    assert_eq!(run.code, 1);
    let stderr = run.stderr.replace(&url, "http://[CLOSED]");
    insta::assert_snapshot!("unreachable_endpoint_error", stderr);
}

/// The quickstart's S3 and IAM parts (moto has no labeling jobs) against moto's server: apply,
/// then an empty plan, so the semantic comparisons hold against an independent S3/IAM too.
/// moto serves plain HTTP and evaluates the default TLS-only bucket policy against it, denying
/// every upload (a recorded moto deviation, see `conformance`); the plan overrides that one
/// template, which plans are allowed to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_storage_and_role_converge_against_moto() {
    let moto = crate::moto::MotoServer::start().await;
    // moto has no labeling jobs; the plan's read of them (looking for jobs that left the plan)
    // goes to a sandbox through the standard per-service endpoint variables of the AWS SDKs.
    let sagemaker = TestSandbox::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plans"),
        dir.path(),
    );
    let full = std::fs::read_to_string(dir.path().join("quickstart.toml")).expect("read");
    let storage = full
        .split("[jobs.")
        .next()
        .expect("the part before the jobs");
    std::fs::write(
        dir.path().join("storage.toml"),
        format!("{storage}\n[templates]\nbucket_policy = \"moto-bucket-policy.json.tera\"\n"),
    )
    .expect("write plan");
    std::fs::write(
        dir.path().join("moto-bucket-policy.json.tera"),
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"OwnerReads","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{ account_id }}:root"},"Action":"s3:GetObject","Resource":{{ objects_arn | json_encode() }}}]}"#,
    )
    .expect("write template");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_gtplan"))
            .args(args)
            .current_dir(dir.path())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_CONFIG_FILE", dir.path().join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.path().join("no-aws-credentials"),
            )
            .env_remove("AWS_PROFILE")
            .env("AWS_ENDPOINT_URL_SAGEMAKER", sagemaker.endpoint())
            .stdin(Stdio::null())
            .output()
            .expect("gtplan runs");
        Run::from(&out)
    };
    let applied = run(&["apply", "storage.toml", "--auto-approve"]).success();
    assert_contains(&applied.stdout, "Apply complete!");
    let again = run(&["plan", "storage.toml", "--detailed-exitcode"]);
    assert_eq!(
        again.code, 0,
        "no changes against moto\n{}\n{}",
        again.stdout, again.stderr
    );
    assert_contains(&again.stdout, "No changes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_running_job_from_the_plan_stops_it() {
    let p = Project::quickstart_labeling_at(0.1).await;
    p.apply_converges("quickstart.toml").await;
    let text = std::fs::read_to_string(p.path("quickstart.toml")).expect("read");
    let without_job = text
        .split("[jobs.")
        .next()
        .expect("before the jobs")
        .to_owned();
    std::fs::write(p.path("quickstart.toml"), without_job).expect("write");
    let plan = p.gtplan(&["plan", "quickstart.toml"]).await.success();
    assert_contains(&plan.stdout, "! job.pets");
    assert_contains(&plan.stdout, "1 to stop");
    p.gtplan(&["apply", "quickstart.toml", "--auto-approve"])
        .await
        .success();
    let job =
        p.sb.sagemaker
            .describe_labeling_job()
            .labeling_job_name("gtplan-quickstart-pets-1")
            .send()
            .await
            .expect("the job still exists: jobs are never deleted");
    let status = job
        .labeling_job_status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    assert!(
        ["Stopping", "Stopped"].contains(&status.as_str()),
        "{status}"
    );

    // A plan reads the tags of running jobs only: the stopped job costs it no call any more.
    let seen = p.requests("ListTags");
    p.gtplan(&["plan", "quickstart.toml"]).await.success();
    assert_eq!(
        p.requests("ListTags"),
        seen,
        "no ListTags for finished jobs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_bucket_without_gtplans_tags_is_not_taken_over() {
    let p = Project::quickstart().await;
    p.sb.s3
        .create_bucket()
        .bucket("gtplan-quickstart-000000000000")
        .send()
        .await
        .expect("someone else's bucket, same account");
    let refused = p.gtplan(&["plan", "quickstart.toml"]).await;
    assert_eq!(refused.code, 1);
    insta::assert_snapshot!("unowned_bucket_error", refused.stderr);
    p.edit(
        "quickstart.toml",
        "force_destroy = true",
        "force_destroy = true\nadopt = true",
    );
    p.apply_converges("quickstart.toml").await;
    let tags =
        p.sb.s3
            .get_bucket_tagging()
            .bucket("gtplan-quickstart-000000000000")
            .send()
            .await
            .expect("tags");
    assert!(
        tags.tag_set()
            .iter()
            .any(|t| t.key() == "gtplan:plan" && t.value() == "quickstart")
    );
}
