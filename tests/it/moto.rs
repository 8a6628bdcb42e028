//! Starts moto's server (the independent S3/IAM reference) for the conformance suite.
//!
//! `scripts/test` prepares `.venv/` and exports `GTPLAN_MOTO_SERVER`; without it the suite fails
//! with a message saying so rather than silently skipping.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct MotoServer {
    child: Child,
    pub endpoint: String,
}

fn moto_binary() -> PathBuf {
    if let Ok(p) = std::env::var("GTPLAN_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let local = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    assert!(
        local.exists(),
        "moto's server is not installed: run `scripts/test` (it prepares .venv/ from .ci/requirements.txt)"
    );
    local
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl MotoServer {
    /// A moto server with AWS's managed IAM policies, as an account on AWS has them.
    pub async fn start() -> Self {
        Self::start_with(true).await
    }

    /// A moto server, with or without AWS's managed IAM policies. Loading them costs moto
    /// about a second after every reset, so cases that attach none run without them.
    pub async fn start_with(managed_policies: bool) -> Self {
        let port = free_port();
        let child = Command::new(moto_binary())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // AWS-managed policies exist on AWS; moto loads them only when asked.
            .env(
                "MOTO_IAM_LOAD_MANAGED_POLICIES",
                if managed_policies { "true" } else { "false" },
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let endpoint = format!("http://127.0.0.1:{port}");
        let server = Self { child, endpoint };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = self.endpoint.trim_start_matches("http://").to_owned();
        while Instant::now() < deadline {
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                return;
            }
            // One of the two sleeps in the tests: moto is another process that tells nobody
            // when it listens, so it is polled, bounded by the deadline.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto_server did not start listening on {addr} within 30 s");
    }

    /// Forgets every resource (moto's own admin API).
    pub async fn reset(&self) {
        post(&format!("{}/moto-api/reset", self.endpoint)).await;
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A bodyless POST that must answer 200.
pub async fn post(url: &str) {
    let (status, body) = crate::support::http("POST", url).await;
    assert_eq!(status, 200, "POST {url} failed: {body}");
}
