//! The shape of gtplan's calls, not their time (speed itself is measured by `scripts/bench`):
//! which calls run one after another, from the sandbox's request log with a latency large
//! enough that calls sent together cannot pass for a chain, and how much a no-op apply reads.

use serde_json::Value;

use crate::engine::Project;
use crate::support::{assert_contains, http};

/// The sandbox's account: its lock bucket in the quickstart's region.
const LOCK_BUCKET: &str = "gtplan-locks-000000000000-us-east-1";
/// The quickstart's resources: a bucket, a role, 8 uploads and a job.
const QUICKSTART_RESOURCES: usize = 11;

struct Call {
    operation: String,
    write: bool,
    lock: bool,
    start: f64,
    end: f64,
}

/// The calls logged after the first `skip` lines, admin requests left out.
fn calls(p: &Project, skip: usize) -> Vec<Call> {
    let text = std::fs::read_to_string(&p.log).expect("request log");
    text.lines()
        .skip(skip)
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line"))
        .filter(|l| l["service"] != "admin")
        .map(|l| Call {
            operation: l["operation"].as_str().expect("operation").to_owned(),
            write: l["write"].as_bool().expect("write"),
            lock: l["bucket"].as_str() == Some(LOCK_BUCKET),
            start: l["start_ms"].as_f64().expect("start_ms"),
            end: l["start_ms"].as_f64().expect("start_ms") + l["duration_ms"].as_f64().expect("ms"),
        })
        .collect()
}

fn log_lines(p: &Project) -> usize {
    std::fs::read_to_string(&p.log).map_or(0, |t| t.lines().count())
}

/// Each call's level: one more than the highest level of the calls that had been answered
/// when it arrived.
fn call_levels(calls: &[Call]) -> Vec<usize> {
    let mut level = vec![0; calls.len()];
    let mut order: Vec<usize> = (0..calls.len()).collect();
    order.sort_by(|&a, &b| calls[a].start.total_cmp(&calls[b].start));
    for (n, &i) in order.iter().enumerate() {
        level[i] = 1 + order[..n]
            .iter()
            .filter(|&&j| calls[j].end <= calls[i].start)
            .map(|&j| level[j])
            .max()
            .unwrap_or(0);
    }
    level
}

/// Each level's operations, sorted and without repeats.
fn by_level(calls: &[Call], level: &[usize]) -> Vec<Vec<String>> {
    let depth = level.iter().copied().max().unwrap_or(0);
    (1..=depth)
        .map(|d| {
            let mut ops: Vec<String> = (0..calls.len())
                .filter(|&i| level[i] == d)
                .map(|i| calls[i].operation.clone())
                .collect();
            ops.sort();
            ops.dedup();
            ops
        })
        .collect()
}

async fn set_latency(p: &Project, ms: u64) {
    let (status, body) = http(
        "PUT",
        &format!("{}/_gtplan/latency?ms={ms}", p.sb.endpoint()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_apply_runs_in_dependency_levels_and_a_no_op_apply_only_reads() {
    let p = Project::quickstart().await;
    // An account gtplan has worked in before: its lock bucket exists.
    p.sb.s3
        .create_bucket()
        .bucket(LOCK_BUCKET)
        .send()
        .await
        .expect("lock bucket");
    // Calls sent together arrive within milliseconds; a call that depends on another arrives
    // only after its answer, 150 ms later.
    set_latency(&p, 150).await;
    let skip = log_lines(&p);
    p.gtplan(&["apply", "quickstart.toml", "--auto-approve"])
        .await
        .success();
    let applied = calls(&p, skip);
    let level = call_levels(&applied);
    let levels = by_level(&applied, &level);
    let ops = |names: &[&str]| names.iter().map(|&n| n.to_owned()).collect::<Vec<_>>();
    assert_eq!(
        levels.len(),
        7,
        "account, lock, refresh, 3 write levels, verification with the lock's release: {levels:#?}"
    );
    assert_eq!(levels[0], ops(&["GetCallerIdentity"]));
    assert_eq!(levels[1], ops(&["PutObject"]), "the lock");
    assert_eq!(levels[3], ops(&["CreateBucket", "CreateRole"]));
    assert_eq!(
        levels[4],
        ops(&[
            "PutBucketCors",
            "PutBucketEncryption",
            "PutBucketPolicy",
            "PutBucketTagging",
            "PutObject",
            "PutPublicAccessBlock",
            "PutRolePolicy",
        ]),
        "everything that needs only the bucket or the role, at once"
    );
    assert_eq!(levels[5], ops(&["CreateLabelingJob"]));
    assert!(
        levels[6].contains(&"DeleteObject".to_owned()),
        "{levels:#?}"
    );
    for discovery in ["GetResources", "ListRoles"] {
        assert!(
            levels[2].contains(&discovery.to_owned()) && !levels[6].contains(&discovery.to_owned()),
            "the refresh looks for orphans, the read-back does not: {levels:#?}"
        );
    }
    for (call, &n) in applied.iter().zip(&level) {
        assert!(
            !(call.write && (n == 3 || (n == 7 && !call.lock))),
            "refresh and verification only read, but level {n} has {}",
            call.operation
        );
    }

    set_latency(&p, 0).await;
    let skip = log_lines(&p);
    let run = p
        .gtplan(&["apply", "quickstart.toml", "--auto-approve"])
        .await
        .success();
    assert_contains(&run.stdout, "No changes");
    let no_op = calls(&p, skip);
    let writes: Vec<&str> = no_op
        .iter()
        .filter(|c| c.write && !c.lock)
        .map(|c| c.operation.as_str())
        .collect();
    assert!(
        writes.is_empty(),
        "a no-op apply writes only its lock: {writes:?}"
    );
    let lock: Vec<&str> = no_op
        .iter()
        .filter(|c| c.lock)
        .map(|c| c.operation.as_str())
        .collect();
    assert_eq!(
        lock,
        ["PutObject", "DeleteObject"],
        "the lock, taken and released"
    );
    let reads = no_op.iter().filter(|c| !c.write).count();
    assert!(
        reads * 2 <= QUICKSTART_RESOURCES * 3,
        "{reads} reads for {QUICKSTART_RESOURCES} resources: more than 1.5 per resource"
    );
}
