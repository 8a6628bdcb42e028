//! Restart: the sandbox runs as its own process (`gtplan sandbox`), is killed with SIGKILL in
//! the middle of work, and restarts on the same state directory with everything it had
//! acknowledged intact.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;

use crate::support::{s3_client, sdk_config};

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
        // The server announces its address on stderr once it is listening.
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let endpoint = loop {
            let line = lines
                .next()
                .expect("sandbox printed its address before exiting")
                .expect("stderr is readable");
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest
                    .split_whitespace()
                    .next()
                    .expect("an address")
                    .to_owned();
            }
        };
        // Keep draining stderr so the child never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
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
                    Ok(_) => acknowledged.lock().expect("lock").push((key, body)),
                    Err(_) => break,
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
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
