//! The sandbox is eventually consistent where AWS is (`--iam-propagation-seconds`,
//! `--tag-index-seconds`), and gtplan copes: it waits for IAM exactly as long as needed and
//! only when waiting can help, and never plans a resource twice or forgets an orphan because
//! the tag index lags. Time is the sandbox's manual clock, advanced by the tests.

use std::time::Duration;

use serde_json::Value;

use crate::engine::Project;
use crate::support::http;

async fn set_consistency(p: &Project, query: &str) {
    let url = format!("{}/_gtplan/consistency?{query}", p.sb.endpoint());
    let (status, body) = http("PUT", &url).await;
    assert_eq!(status, 200, "{body}");
}

/// The statuses of the `CreateLabelingJob` calls logged so far.
fn create_job_statuses(p: &Project) -> Vec<u64> {
    std::fs::read_to_string(&p.log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["operation"] == "CreateLabelingJob")
        .filter_map(|l| l["status"].as_u64())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_waits_for_iam_to_propagate_a_new_role_exactly_as_long_as_needed() {
    let p = Project::quickstart().await;
    set_consistency(&p, "iam-propagation-seconds=8").await;
    let apply = p.gtplan(&["apply", "quickstart.toml", "--auto-approve"]);
    let propagate = async {
        // SageMaker rejects the job while the new role propagates...
        let deadline = tokio::time::Instant::now() + Duration::from_mins(1);
        while !create_job_statuses(&p).contains(&400) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "CreateLabelingJob was not rejected within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // ...until 8 seconds have passed on the sandbox's clock.
        let rejected = create_job_statuses(&p).len();
        p.sb.advance(8.0).await;
        rejected
    };
    let (run, rejected) = tokio::join!(apply, propagate);
    let run = run.success();
    assert!(
        run.stderr.contains("waiting for IAM to propagate the role")
            && run.stderr.contains("Could not assume role"),
        "says that it waits, and why:\n{}",
        run.stderr
    );
    let statuses = create_job_statuses(&p);
    assert_eq!(statuses.last(), Some(&200), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|&&s| s == 200).count(), 1);
    // Rejections only while the role propagated: at most one call in flight when the clock
    // moved, then the call that created the job.
    assert!(
        statuses.len() <= rejected + 2,
        "{statuses:?} after {rejected} before propagation"
    );
    assert!(statuses[..statuses.len() - 1].iter().all(|&s| s == 400));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tag_index_lag_neither_plans_twice_nor_forgets_an_orphan() {
    let p = Project::quickstart().await;
    set_consistency(&p, "tag-index-seconds=60").await;
    let original = std::fs::read_to_string(p.path("quickstart.toml")).expect("plan");
    let with_archive = format!(
        "{original}\n[buckets.archive]\nname = \"gtplan-quickstart-archive-${{account_id}}\"\n"
    );
    p.write("quickstart.toml", &with_archive);
    // Created moments ago, not in the tag index yet: read by name, so the next plan is empty.
    p.apply_converges("quickstart.toml").await;

    // The archive leaves the plan file while the index still does not show its tags: the
    // plan cannot see it yet (and says nothing about it)...
    p.write("quickstart.toml", &original);
    let early = p
        .gtplan(&["plan", "quickstart.toml", "--detailed-exitcode"])
        .await;
    assert_eq!(early.code, 0, "{}\n{}", early.stdout, early.stderr);
    // ...and finds it on a later plan, once the index has caught up.
    p.sb.advance(60.0).await;
    let later = p
        .gtplan(&["plan", "quickstart.toml", "--detailed-exitcode"])
        .await;
    assert_eq!(later.code, 2, "{}\n{}", later.stdout, later.stderr);
    assert!(
        later.stdout.contains("- bucket.archive"),
        "the orphan is planned for deletion:\n{}",
        later.stdout
    );
    assert!(
        !later.stdout.contains("+ "),
        "nothing is created twice:\n{}",
        later.stdout
    );
}
