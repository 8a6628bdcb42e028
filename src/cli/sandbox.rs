//! `gtplan sandbox`: serve the sandbox until interrupted.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::error_chain::error_chain;
use crate::ops::Error;
use crate::sandbox::clock::ClockMode;
use crate::sandbox::fault::FaultSpec;
use crate::sandbox::{Sandbox, SandboxConfig};

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4566")]
    pub listen: SocketAddr,
    /// Directory holding the sandbox's state (created if missing; survives restarts).
    #[arg(long, default_value = ".gtplan/sandbox")]
    pub state_dir: PathBuf,
    /// The 12-digit account id every sandbox resource belongs to.
    #[arg(long, default_value = crate::sandbox::DEFAULT_ACCOUNT_ID)]
    pub account_id: String,
    /// Access key id clients must sign with.
    #[arg(long, default_value = crate::sandbox::DEFAULT_ACCESS_KEY_ID)]
    pub access_key_id: String,
    /// Secret access key clients must sign with.
    #[arg(long, default_value = crate::sandbox::DEFAULT_SECRET_ACCESS_KEY)]
    pub secret_access_key: String,
    /// Labels per second a running labeling job receives.
    #[arg(long, default_value_t = 1.0)]
    pub labeling_rate: f64,
    /// Seconds a new labeling job stays `Initializing`.
    #[arg(long, default_value_t = 5.0)]
    pub init_seconds: f64,
    /// Treat requests as plain HTTP for `aws:SecureTransport` (by default they count as TLS, as
    /// on AWS's HTTPS endpoints).
    #[arg(long)]
    pub plain_http: bool,
    /// Append one JSON line per request to this file.
    #[arg(long)]
    pub request_log: Option<PathBuf>,
    /// Answer every request this many milliseconds after it arrives, as across a network: half
    /// of it passes before the request is carried out, the rest after.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// `system`: time passes; `manual`: it stands still until `PUT /_gtplan/clock?advance=S`.
    #[arg(long, value_enum, default_value_t = ClockArg::System)]
    pub clock: ClockArg,
    /// Inject faults into a share of requests, e.g.
    /// `seed=7,throttle=0.2,error=0.1,reset=0.05,drop=0.05` (see `PUT /_gtplan/faults`).
    #[arg(long, value_name = "SPEC", value_parser = FaultSpec::parse_list)]
    pub faults: Option<FaultSpec>,
    /// For this many seconds after a role or its trust policy is written, SageMaker cannot
    /// assume it; after its inline policies change, jobs still get the old ones (IAM
    /// propagation). 0: at once.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, value_parser = seconds)]
    pub iam_propagation_seconds: f64,
    /// For this many seconds after a bucket's or a job's tags change, `GetResources` still
    /// shows the old ones (the tag index's lag). 0: at once.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, value_parser = seconds)]
    pub tag_index_seconds: f64,
}

fn seconds(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| format!("`{s}` is not a number of seconds of 0 or more"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClockArg {
    System,
    Manual,
}

impl SandboxArgs {
    fn config(self) -> SandboxConfig {
        let mut c = SandboxConfig::new(self.state_dir);
        c.listen = self.listen;
        c.account_id = self.account_id;
        c.access_key_id = self.access_key_id;
        c.secret_access_key = self.secret_access_key;
        c.labeling_rate = self.labeling_rate;
        c.init_seconds = self.init_seconds;
        c.assume_tls = !self.plain_http;
        c.request_log = self.request_log;
        c.latency_ms = self.latency_ms;
        c.faults = self.faults;
        c.consistency = crate::sandbox::consistency::Windows {
            iam_propagation_seconds: self.iam_propagation_seconds,
            tag_index_seconds: self.tag_index_seconds,
        };
        c.clock = match self.clock {
            ClockArg::System => ClockMode::System,
            ClockArg::Manual => ClockMode::Manual,
        };
        c
    }
}

pub async fn exec(args: SandboxArgs) -> Result<ExitCode, Error> {
    let config = args.config();
    let state_dir = config.state_dir.clone();
    let sandbox = Sandbox::start(config).await.map_err(|e| {
        Error::user(
            error_chain(&e),
            "is another sandbox already listening there? pick another address with `--listen`",
        )
    })?;
    eprintln!(
        "gtplan sandbox listening on {} (state in {})",
        sandbox.endpoint_url(),
        state_dir.display()
    );
    tokio::select! {
        () = sandbox.wait() => {}
        _ = tokio::signal::ctrl_c() => eprintln!("stopping"),
    }
    Ok(ExitCode::SUCCESS)
}
