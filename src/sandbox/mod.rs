//! The sandbox: a local, persistent, AWS-compatible endpoint for the subset of S3, IAM, STS,
//! SageMaker and Cognito that gtplan uses. One HTTP port serves every service; requests are routed by the
//! service name in their SigV4 credential scope (see [`router`]). Tests start it in-process on
//! an ephemeral port with [`Sandbox::start`]; `gtplan sandbox` runs it as a server.

pub mod admin;
pub mod clock;
pub mod cognito;
pub mod consistency;
pub mod error;
pub mod fault;
pub mod iam;
pub mod latency;
pub mod protocol;
pub mod request_log;
pub mod router;
pub mod s3;
pub mod sagemaker;
pub mod sigv4;
pub mod store;
pub mod sts;
pub mod tagging;
pub mod tracked;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use self::store::{Store, StoreError};

/// The credentials the sandbox accepts. S3 requests are SigV4-verified against them (s3s does
/// this); for the other services the access key id must match.
pub const DEFAULT_ACCESS_KEY_ID: &str = "test";
pub const DEFAULT_SECRET_ACCESS_KEY: &str = "test";
/// The account every sandbox resource belongs to, unless configured otherwise.
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";
/// The path prefix reserved for admin endpoints. S3 bucket names cannot start with `_`, so it
/// never collides with a path-style S3 request.
pub const ADMIN_PREFIX: &str = "/_gtplan/";

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub listen: SocketAddr,
    pub state_dir: PathBuf,
    pub account_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Labels per second that a running labeling job receives (see `sagemaker::lifecycle`).
    pub labeling_rate: f64,
    /// Seconds a new labeling job stays `Initializing`.
    pub init_seconds: f64,
    /// Treat requests as arriving over TLS, as they do on AWS (`aws:SecureTransport` true).
    pub assume_tls: bool,
    /// Append one JSON line per request to this file.
    pub request_log: Option<PathBuf>,
    /// Every request is answered this many milliseconds after it arrives, half of them before
    /// it is carried out (benchmarks).
    pub latency_ms: u64,
    /// Whether time passes by itself or only when advanced (tests).
    pub clock: clock::ClockMode,
    /// Faults injected from the start (`--faults`); the admin endpoint changes them.
    pub faults: Option<fault::FaultSpec>,
    /// IAM propagation and tag index lag (see [`consistency`]); off by default.
    pub consistency: consistency::Windows,
}

impl SandboxConfig {
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_dir: state_dir.into(),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            access_key_id: DEFAULT_ACCESS_KEY_ID.to_owned(),
            secret_access_key: DEFAULT_SECRET_ACCESS_KEY.to_owned(),
            labeling_rate: 1.0,
            init_seconds: 5.0,
            assume_tls: true,
            request_log: None,
            latency_ms: 0,
            clock: clock::ClockMode::System,
            faults: None,
            consistency: consistency::Windows::default(),
        }
    }
}

/// Shared state of a running sandbox, handed to every handler.
pub struct Shared {
    pub config: SandboxConfig,
    pub store: Store,
    /// The sandbox's time (see [`clock`]).
    pub clock: clock::Clock,
    /// Current per-request latency in milliseconds; the admin endpoint changes it at runtime.
    pub latency_ms: AtomicU64,
    /// Test-only fault injection: holds writes after the N-th (see `fault`).
    pub write_gate: fault::WriteGate,
    /// Injected throttling, errors, resets and dropped answers (see `fault`).
    pub faults: fault::Faults,
    pub request_log: Option<request_log::RequestLog>,
    /// How eventually consistent the sandbox is; the admin endpoint changes it.
    pub consistency: consistency::Consistency,
}

impl Shared {
    /// Moves the clock forward by `by` and persists where it stands.
    pub fn advance_clock(&self, by: std::time::Duration) -> Result<clock::EpochMillis, StoreError> {
        let now = self
            .clock
            .advance(i64::try_from(by.as_millis()).unwrap_or(i64::MAX));
        self.store.write(|w| {
            w.clock = self.clock.state(w.clock);
            Ok::<_, StoreError>(())
        })?;
        Ok(now)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("failed to open sandbox state in `{dir}`")]
    Store {
        dir: PathBuf,
        #[source]
        source: StoreError,
    },
    #[error("failed to listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to open request log `{path}`")]
    RequestLog {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A running sandbox. Dropping it shuts the server down.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Sandbox {
    /// Opens the state and starts serving on `config.listen` (port 0 picks a free port).
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        let store = Store::open(&config.state_dir).map_err(|source| SandboxError::Store {
            dir: config.state_dir.clone(),
            source,
        })?;
        store
            .write(|w| {
                sagemaker::seed(w, &config.account_id);
                Ok::<_, StoreError>(())
            })
            .map_err(|source| SandboxError::Store {
                dir: config.state_dir.clone(),
                source,
            })?;
        let request_log = config
            .request_log
            .as_ref()
            .map(|path| {
                request_log::RequestLog::open(path).map_err(|source| SandboxError::RequestLog {
                    path: path.clone(),
                    source,
                })
            })
            .transpose()?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| SandboxError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: config.listen,
            source,
        })?;
        let clock = clock::Clock::new(config.clock, store.read(|w| w.clock));
        let faults = fault::Faults::default();
        if let Some(spec) = config.faults {
            faults.set(spec);
        }
        let shared = Arc::new(Shared {
            clock,
            faults,
            latency_ms: AtomicU64::new(config.latency_ms),
            consistency: consistency::Consistency::new(config.consistency),
            write_gate: fault::WriteGate::default(),
            config,
            store,
            request_log,
        });
        drop(crate::ahead::spawn(
            "patterns",
            sagemaker::constraints::compile_ahead,
        ));
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(router::serve(listener, Arc::clone(&shared), rx));
        Ok(Self {
            addr,
            shared,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint URL to give an AWS client, e.g. `http://127.0.0.1:4566`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Moves the sandbox's clock forward (what `PUT /_gtplan/clock?advance=` does).
    pub fn advance_clock(&self, by: std::time::Duration) -> Result<clock::EpochMillis, StoreError> {
        self.shared.advance_clock(by)
    }

    /// Serves until the process is interrupted (used by `gtplan sandbox`).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
