//! Trust under real conditions, with the real `gtplan` binary: apply converges on the first try
//! through throttling, 5xx, resets and lost answers; a write whose answer is lost is never
//! made twice; apply killed (SIGKILL) at any write converges on the next run; destroy follows
//! apply at once, also while a job writes into the bucket.

use futures::StreamExt;

use crate::engine::Project;
use crate::support::http;

/// What one seeded faulty apply did.
#[derive(Debug)]
struct SeedRun {
    seed: u64,
    first_try: bool,
    injected: serde_json::Value,
}

/// Nothing duplicated, nothing lost: exactly the quickstart's bucket, role and job exist, and
/// a plan finds nothing to change.
async fn converged(p: &Project, context: &str) {
    let again = p
        .gtplan(&["plan", "quickstart.toml", "--detailed-exitcode"])
        .await;
    assert_eq!(
        again.code, 0,
        "{context}: the plan after apply is empty\n{}\n{}",
        again.stdout, again.stderr
    );
    let buckets = p.buckets().await;
    let roles = p.sb.iam.list_roles().send().await.expect("roles");
    let jobs =
        p.sb.sagemaker
            .list_labeling_jobs()
            .send()
            .await
            .expect("jobs");
    assert_eq!(
        (
            buckets.len(),
            roles.roles().len(),
            jobs.labeling_job_summary_list().len()
        ),
        (1, 1, 1),
        "{context}: one bucket, one role, one job"
    );
}

async fn apply_under_faults(seed: u64) -> SeedRun {
    let p = Project::quickstart().await;
    let base = p.sb.endpoint();
    let (status, body) = http(
        "PUT",
        &format!("{base}/_gtplan/faults?seed={seed}&throttle=0.2&error=0.1&reset=0.05&drop=0.05"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let run = p
        .gtplan(&["apply", "quickstart.toml", "--auto-approve"])
        .await;
    let (_, faults) = http("GET", &format!("{base}/_gtplan/faults")).await;
    let (_, off) = http("DELETE", &format!("{base}/_gtplan/faults")).await;
    assert!(off.contains("null"), "faults are off: {off}");
    let injected: serde_json::Value = serde_json::from_str(&faults).unwrap_or_default();
    let first_try = run.code == 0;
    if !first_try {
        eprintln!("seed {seed}: apply failed\n{}", run.stderr);
        p.gtplan(&["apply", "quickstart.toml", "--auto-approve"])
            .await
            .success();
    }
    converged(&p, &format!("seed {seed}")).await;
    SeedRun {
        seed,
        first_try,
        injected,
    }
}

/// 20 % throttling, 10 % 5xx, 5 % resets and 5 % answers dropped after the write: every seed
/// converges on its first apply, with nothing duplicated or lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quickstart_converges_through_faults_on_the_first_apply() {
    const SEEDS: u64 = 10;
    let runs: Vec<SeedRun> = futures::stream::iter(1..=SEEDS)
        .map(apply_under_faults)
        .buffer_unordered(3)
        .collect()
        .await;
    let faults: u64 = runs
        .iter()
        .map(|r| {
            ["throttle", "error", "reset", "drop"]
                .iter()
                .map(|k| r.injected["injected"][k].as_u64().unwrap_or(0))
                .sum::<u64>()
        })
        .sum();
    eprintln!(
        "faults: {} of {SEEDS} seeds converged on the first apply, {faults} faults injected",
        runs.iter().filter(|r| r.first_try).count()
    );
    assert!(faults >= SEEDS * 10, "faults were injected: {runs:?}");
    let failed: Vec<u64> = runs
        .iter()
        .filter(|r| !r.first_try)
        .map(|r| r.seed)
        .collect();
    assert!(
        failed.is_empty(),
        "seeds whose first apply failed: {failed:?}"
    );
}

/// Each create whose answer is lost after AWS carried it out: the SDK sends it again, and the
/// adapter recognises its own earlier write instead of failing or making a second one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_to_any_write_is_neither_an_error_nor_a_duplicate() {
    const APPLY: [&str; 8] = [
        "CreateBucket",
        "PutBucketPolicy",
        "PutBucketEncryption",
        "CreateRole",
        "PutRolePolicy",
        "PutObject",
        "CreateLabelingJob",
        "PutPublicAccessBlock",
    ];
    const DESTROY: [&str; 6] = [
        "StopLabelingJob",
        "DeleteObject",
        "DeleteRolePolicy",
        "DeleteRole",
        "DeleteObjects",
        "DeleteBucket",
    ];
    futures::stream::iter(
        APPLY
            .iter()
            .map(|op| (*op, true))
            .chain(DESTROY.iter().map(|op| (*op, false))),
    )
    .for_each_concurrent(3, |(operation, on_apply)| async move {
        let p = Project::quickstart().await;
        let drop_next = format!(
            "{}/_gtplan/faults/drop-next?operation={operation}",
            p.sb.endpoint()
        );
        if on_apply {
            assert_eq!(http("PUT", &drop_next).await.0, 200);
        }
        let run = p
            .gtplan(&["apply", "quickstart.toml", "--auto-approve"])
            .await;
        assert_eq!(run.code, 0, "{operation}: {}", run.stderr);
        converged(&p, operation).await;
        if on_apply {
            assert!(p.dropped(operation), "{operation}: an answer was dropped");
            return;
        }
        // Something the job wrote, so that destroy empties the bucket (`DeleteObjects`).
        let bucket = p.buckets().await.remove(0);
        p.sb.s3
            .put_object()
            .bucket(&bucket)
            .key("output/extra.json")
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"{}"))
            .send()
            .await
            .expect("an object to empty");
        assert_eq!(http("PUT", &drop_next).await.0, 200);
        let destroy = p
            .gtplan(&["destroy", "quickstart.toml", "--auto-approve"])
            .await;
        assert_eq!(destroy.code, 0, "{operation}: {}", destroy.stderr);
        assert!(p.dropped(operation), "{operation}: an answer was dropped");
        let roles = p.sb.iam.list_roles().send().await.expect("roles");
        assert_eq!(
            (p.buckets().await.len(), roles.roles().len()),
            (0, 0),
            "{operation}: destroyed"
        );
    })
    .await;
}

/// `gtplan apply` killed with SIGKILL while each of its writes is in flight: the next apply
/// converges from what exists, and no job is created twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_killed_at_any_write_converges_on_rerun() {
    let probe = Project::quickstart().await;
    probe.apply_converges("quickstart.toml").await;
    let writes = u64::try_from(probe.writes().len()).expect("small");
    assert!(writes > 10, "the quickstart makes {writes} writes");
    futures::stream::iter(0..writes)
        .for_each_concurrent(3, |n| async move {
            let p = Project::quickstart().await;
            let base = p.sb.endpoint();
            assert_eq!(
                http("PUT", &format!("{base}/_gtplan/hold-writes?after={n}"))
                    .await
                    .0,
                200
            );
            let mut child = tokio::process::Command::from(p.command(&[
                "apply",
                "quickstart.toml",
                "--auto-approve",
            ]))
            .spawn()
            .expect("spawn");
            // Kill apply once its (n+1)-th write waits at the gate.
            p.sb.until_writes_held(1).await;
            child.kill().await.expect("SIGKILL gtplan");
            assert_eq!(
                http("DELETE", &format!("{base}/_gtplan/hold-writes"))
                    .await
                    .0,
                200
            );
            p.apply_converges("quickstart.toml").await;
            converged(&p, &format!("killed at write {}", n + 1)).await;
        })
        .await;
}

/// Destroy at once after apply: its own deletes of the uploads do not count as drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_right_after_apply() {
    let p = Project::quickstart().await;
    p.apply_converges("quickstart.toml").await;
    p.gtplan(&["destroy", "quickstart.toml", "--auto-approve"])
        .await
        .success();
    assert!(p.buckets().await.is_empty());
}

/// A job that writes its output into a `force_destroy` bucket while destroy deletes it: S3
/// refuses the DeleteBucket (`BucketNotEmpty`), the bucket is emptied again and deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_while_the_job_is_still_writing() {
    let p = Project::quickstart().await;
    p.apply_converges("quickstart.toml").await;
    // The job still runs (the sandbox's clock stands still): destroy stops it, deletes the
    // uploads and the role, and last the bucket, now empty. Its DeleteBucket is held.
    let request = p.request("quickstart.toml");
    let (_, plan) = gtplan::ops::make_plan(&request, gtplan::ops::Mode::Destroy)
        .await
        .expect("destroy plan");
    let steps: usize = plan.changes.iter().map(|c| c.steps.len()).sum();
    let base = p.sb.endpoint();
    // Writes before the DeleteBucket: taking the lock, then every step but the last.
    let hold = format!("{base}/_gtplan/hold-writes?after={steps}");
    assert_eq!(http("PUT", &hold).await.0, 200);
    let destroy = tokio::spawn({
        let mut cmd = p.command(&["destroy", "quickstart.toml", "--auto-approve"]);
        async move {
            tokio::task::spawn_blocking(move || cmd.output().expect("gtplan runs"))
                .await
                .expect("join")
        }
    });
    p.sb.until_writes_held(1).await;
    // Meanwhile the stopped job finishes and writes its output manifest into the bucket.
    p.sb.advance(5.0).await;
    let job =
        p.sb.sagemaker
            .describe_labeling_job()
            .labeling_job_name("gtplan-quickstart-pets-1")
            .send()
            .await
            .expect("job");
    assert_eq!(
        job.labeling_job_status(),
        Some(&aws_sdk_sagemaker::types::LabelingJobStatus::Stopped)
    );
    assert!(
        job.labeling_job_output()
            .and_then(|o| o.output_dataset_s3_uri())
            .is_some(),
        "the job wrote its output"
    );
    assert_eq!(
        http("DELETE", &format!("{base}/_gtplan/hold-writes"))
            .await
            .0,
        200
    );
    let out = destroy.await.expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        p.buckets().await.is_empty(),
        "the bucket went, with the output"
    );
    let writes = p.writes();
    let count = |op: &str| writes.iter().filter(|w| *w == op).count();
    assert_eq!(
        (count("s3 DeleteBucket"), count("s3 DeleteObjects")),
        (2, 1),
        "refused once, emptied again, deleted: {writes:?}"
    );
}

/// Two applies of one plan started together: the second waits for the first's lock, saying
/// who holds it, then plans from what the first made. Both succeed; the result is one apply's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_applies_at_once_take_turns() {
    let p = Project::quickstart().await;
    let base = p.sb.endpoint();
    // The first run tries to take the lock, finds no lock bucket, creates it, blocks public
    // access to it and takes the lock (four writes), and is then held at its next write.
    assert_eq!(
        http("PUT", &format!("{base}/_gtplan/hold-writes?after=4"))
            .await
            .0,
        200
    );
    let first = tokio::spawn({
        let mut cmd = p.command(&["apply", "quickstart.toml", "--auto-approve"]);
        async move {
            tokio::task::spawn_blocking(move || cmd.output().expect("gtplan runs"))
                .await
                .expect("join")
        }
    });
    p.sb.until_writes_held(1).await;
    let second = tokio::spawn({
        let mut cmd = p.command(&["apply", "quickstart.toml", "--auto-approve"]);
        async move {
            tokio::task::spawn_blocking(move || cmd.output().expect("gtplan runs"))
                .await
                .expect("join")
        }
    });
    // The first run's two first writes (the quickstart's bucket and role, which depend on
    // nothing) and the second run's attempt to take the lock are held; released, the second
    // finds the lock taken by the first.
    p.sb.until_writes_held(3).await;
    assert_eq!(
        http("DELETE", &format!("{base}/_gtplan/hold-writes"))
            .await
            .0,
        200
    );
    let (first, second) = (first.await.expect("join"), second.await.expect("join"));
    for (name, out) in [("first", &first), ("second", &second)] {
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let waited = String::from_utf8_lossy(&second.stderr);
    assert!(
        waited.contains("is locked by") && waited.contains("waiting up to 5m"),
        "{waited}"
    );
    converged(&p, "two applies").await;
}

/// A lock left by a run elsewhere: `--lock-timeout 0` fails at once naming the holder and how
/// to break it; `gtplan force-unlock` breaks it only with the right id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_left_elsewhere_is_named_and_broken_by_force_unlock() {
    let p = Project::quickstart().await;
    p.apply_converges("quickstart.toml").await;
    let lock = serde_json::json!({
        "id": "3b7c1e2a-0000-4000-8000-000000000001",
        "operation": "apply",
        "who": "ci@build-agent-7",
        "pid": 4242,
        "created": "2026-12-01T09:00:00Z",
        "version": "0.1.0",
        "plan": "quickstart",
    });
    p.sb.s3
        .put_object()
        .bucket("gtplan-locks-000000000000-us-east-1")
        .key("locks/quickstart.json")
        .body(aws_sdk_s3::primitives::ByteStream::from(
            lock.to_string().into_bytes(),
        ))
        .send()
        .await
        .expect("a lock of another machine");
    let refused = p
        .gtplan(&[
            "apply",
            "quickstart.toml",
            "--auto-approve",
            "--lock-timeout",
            "0",
        ])
        .await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    // The lock's age depends on today's date.
    let stderr = regex::Regex::new(r"\(apply, [^)]* ago\)")
        .expect("pattern")
        .replace_all(&refused.stderr, "(apply, [AGE] ago)")
        .into_owned();
    insta::assert_snapshot!("lock_held_error", stderr);

    let wrong = p
        .gtplan(&["force-unlock", "quickstart.toml", "not-the-id", "--force"])
        .await;
    assert_eq!(wrong.code, 1, "a wrong id breaks nothing");
    p.gtplan(&[
        "force-unlock",
        "quickstart.toml",
        "3b7c1e2a-0000-4000-8000-000000000001",
        "--force",
    ])
    .await
    .success();
    p.apply_converges("quickstart.toml").await;
}

/// Runs gtplan, failing the test if it takes more than a minute (a hang is the bug).
async fn within_a_minute(p: &Project, args: &[&str]) -> crate::engine::Run {
    tokio::time::timeout(std::time::Duration::from_mins(1), p.gtplan(args))
        .await
        .unwrap_or_else(|_| panic!("gtplan {args:?} did not finish within a minute"))
}

/// A FIFO, a device or a directory named as an upload's file is a plan error naming the file
/// and the key's line, at once (a FIFO used to block `validate` forever, `/dev/zero` to fill
/// memory).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_a_regular_file_is_a_plan_error_not_a_hang() {
    let p = Project::quickstart().await;
    let fifo = p.path("quickstart/images/pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    for (file, says) in [
        ("quickstart/images/pipe", "is a FIFO, not a regular file"),
        ("/dev/zero", "is a device, not a regular file"),
        ("quickstart/images", "is a directory, not a regular file"),
    ] {
        let plan = std::fs::read_to_string(p.path("quickstart.toml"))
            .expect("plan")
            .replacen("quickstart/images/cat-1.png", file, 1);
        std::fs::write(p.path("bad.toml"), plan).expect("write");
        let run = within_a_minute(&p, &["validate", "bad.toml"]).await;
        assert_eq!(run.code, 1, "{file}");
        assert!(
            run.stderr.contains(says) && run.stderr.contains("bad.toml:30:"),
            "{file}: {}",
            run.stderr
        );
    }
}

/// An upload over 16 MiB is never read whole: it is hashed by streaming and uploaded in
/// parts; a file that changes between a saved plan and its apply is refused, nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_is_streamed_in_parts() {
    let p = Project::quickstart().await;
    let big: Vec<u8> = (0..17 << 20).map(|i: u32| (i % 251) as u8).collect();
    std::fs::write(p.path("quickstart/big.bin"), &big).expect("a 17 MiB file");
    let mut plan = std::fs::read_to_string(p.path("quickstart.toml")).expect("plan");
    plan.push_str(
        "\n[uploads.big]\nbucket = \"data\"\nkey = \"blobs/big.bin\"\nfile = \"quickstart/big.bin\"\n",
    );
    std::fs::write(p.path("quickstart.toml"), plan).expect("write");
    p.apply_converges("quickstart.toml").await;
    let writes = p.writes();
    let count = |op: &str| writes.iter().filter(|w| *w == op).count();
    assert_eq!(
        (
            count("s3 CreateMultipartUpload"),
            count("s3 UploadPart"),
            count("s3 CompleteMultipartUpload")
        ),
        (1, 2, 1),
        "{writes:?}"
    );
    let bucket = p.buckets().await.remove(0);
    let got =
        p.sb.s3
            .get_object()
            .bucket(&bucket)
            .key("blobs/big.bin")
            .send()
            .await
            .expect("uploaded");
    assert!(
        got.e_tag().is_some_and(|t| t.ends_with("-2\"")),
        "a multipart ETag"
    );
    let body = got.body.collect().await.expect("body").into_bytes();
    assert!(body.as_ref() == big.as_slice(), "the same bytes");

    // A saved plan to replace it, then the file changes before the apply.
    let mut changed = big.clone();
    changed[0] ^= 1;
    std::fs::write(p.path("quickstart/big.bin"), &changed).expect("write");
    p.gtplan(&["plan", "quickstart.toml", "--out", "replace.json"])
        .await
        .success();
    changed[1] ^= 1;
    std::fs::write(p.path("quickstart/big.bin"), &changed).expect("write");
    let refused = p.gtplan(&["apply", "replace.json"]).await;
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("the file changed since the plan was made"),
        "{}",
        refused.stderr
    );
    assert_eq!(count("s3 AbortMultipartUpload"), 0);
    assert!(
        p.writes().iter().any(|w| w == "s3 AbortMultipartUpload"),
        "the parts were abandoned"
    );
    let still =
        p.sb.s3
            .get_object()
            .bucket(&bucket)
            .key("blobs/big.bin")
            .send()
            .await
            .expect("kept")
            .body
            .collect()
            .await
            .expect("body")
            .into_bytes();
    assert!(still.as_ref() == big.as_slice(), "the object is unchanged");
}
