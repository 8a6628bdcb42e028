//! The sandbox's own endpoints (health, state dump, reset, latency) and its request log.

use std::time::{Duration, Instant};

use crate::support::{TestSandbox, http};

#[tokio::test]
async fn health_state_dump_and_reset() {
    let sb = TestSandbox::start().await;
    let base = sb.endpoint();
    assert_eq!(
        http("GET", &format!("{base}/_gtplan/health")).await,
        (200, "ok".to_owned())
    );

    sb.iam
        .create_role()
        .role_name("dumped")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .expect("role");
    let (status, state) = http("GET", &format!("{base}/_gtplan/state")).await;
    assert_eq!(status, 200);
    let state: serde_json::Value = serde_json::from_str(&state).expect("state is JSON");
    assert!(state["iam"]["roles"]["dumped"].is_object(), "{state}");

    assert_eq!(http("POST", &format!("{base}/_gtplan/reset")).await.0, 200);
    let err = sb
        .iam
        .get_role()
        .role_name("dumped")
        .send()
        .await
        .expect_err("reset forgot it");
    assert_eq!(crate::support::code(&err), "NoSuchEntity");

    assert_eq!(http("GET", &format!("{base}/_gtplan/nope")).await.0, 404);
}

#[tokio::test]
async fn latency_is_added_to_every_request() {
    let sb = TestSandbox::start().await;
    let base = sb.endpoint();
    let (status, _) = http("PUT", &format!("{base}/_gtplan/latency?ms=150")).await;
    assert_eq!(status, 200);
    let started = Instant::now();
    sb.sts.get_caller_identity().send().await.expect("identity");
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        http("PUT", &format!("{base}/_gtplan/latency?ms=lots"))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn request_log_has_one_json_line_per_request() {
    let log_dir = tempfile::tempdir().expect("tempdir");
    let log = log_dir.path().join("requests.jsonl");
    let log_path = log.clone();
    let sb = TestSandbox::start_with(move |c| c.request_log = Some(log_path)).await;
    sb.sts.get_caller_identity().send().await.expect("identity");
    let _ = sb.iam.get_role().role_name("missing").send().await;
    let _ = sb.s3.list_buckets().send().await;
    let text = std::fs::read_to_string(&log).expect("log written");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let summary: Vec<(String, String, u64)> = lines
        .iter()
        .map(|l| {
            (
                l["service"].as_str().unwrap_or_default().to_owned(),
                l["operation"].as_str().unwrap_or_default().to_owned(),
                l["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("sts".to_owned(), "GetCallerIdentity".to_owned(), 200),
            ("iam".to_owned(), "GetRole".to_owned(), 404),
            ("s3".to_owned(), "ListBuckets".to_owned(), 200),
        ]
    );
    assert!(lines.iter().all(|l| l["duration_ms"].as_f64().is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_can_be_held_after_n_and_released() {
    let sb = TestSandbox::start().await;
    let base = sb.endpoint();
    assert_eq!(
        http("PUT", &format!("{base}/_gtplan/hold-writes?after=1"))
            .await
            .0,
        200
    );
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    sb.iam
        .create_role()
        .role_name("first")
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("the first write passes");
    let held = tokio::spawn({
        let iam = sb.iam.clone();
        async move {
            iam.create_role()
                .role_name("second")
                .assume_role_policy_document(trust)
                .send()
                .await
        }
    });
    sb.until_writes_held(1).await;
    assert!(!held.is_finished(), "the second write is held");
    let (status, body) = http("GET", &format!("{base}/_gtplan/hold-writes")).await;
    assert_eq!((status, body.as_str()), (200, "1 writes held"));
    // Reads still pass while writes are held.
    sb.iam
        .get_role()
        .role_name("first")
        .send()
        .await
        .expect("reads pass");
    assert_eq!(
        http("DELETE", &format!("{base}/_gtplan/hold-writes"))
            .await
            .0,
        200
    );
    held.await.expect("join").expect("released write completes");
}
