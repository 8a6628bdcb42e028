//! Connecting to AWS, to an endpoint such as a running `gtplan sandbox`, or to an in-process
//! sandbox that lives as long as the session.

use crate::cloud::aws::{AwsCloud, ConnectOptions};
use crate::error_chain::error_chain;
use crate::sandbox::{Sandbox, SandboxConfig};

use super::Error;

/// Where the in-process sandbox keeps its state (relative to the working directory, so
/// repeated runs see the same world).
pub const SANDBOX_STATE_DIR: &str = ".gtplan/sandbox";

/// What to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// AWS through the standard credential and config chain, optionally with a named profile.
    Aws { profile: Option<String> },
    /// Every request to this endpoint URL (a running `gtplan sandbox`, moto).
    Endpoint(String),
    /// A sandbox started in this process over [`SANDBOX_STATE_DIR`].
    Sandbox,
}

/// How to connect: the target, the region the user asked for, if any, and static keys for
/// callers that have them (the CLI leaves them to the standard chain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub target: Target,
    /// `--region`: may only repeat the plan's region.
    pub region: Option<String>,
    /// An access key id and secret to sign with, instead of the standard chain.
    pub credentials: Option<(String, String)>,
}

impl Default for Connection {
    fn default() -> Self {
        Self {
            target: Target::Aws { profile: None },
            region: None,
            credentials: None,
        }
    }
}

/// A connection to AWS or to an in-process sandbox, which lives as long as this value.
pub struct Session {
    pub cloud: AwsCloud,
    /// Kept alive for the command's duration.
    _sandbox: Option<Sandbox>,
}

impl Connection {
    /// Connects for a plan made for `region`. `--region` may only repeat it: the plan's ARNs,
    /// policies and checks are made for its own region.
    pub async fn open(&self, region: &str) -> Result<Session, Error> {
        if let Some(other) = self.region.as_deref().filter(|r| *r != region) {
            return Err(Error::user(
                format!("`--region {other}` conflicts with the plan's region `{region}`"),
                "a plan's ARNs and policies are made for its own region: to deploy it elsewhere, write `region = \"${target_region}\"` with a `[vars]` default and pass `--var target_region=...`",
            ));
        }
        let region = Some(region.to_owned());
        let (options, sandbox) = match &self.target {
            Target::Aws { profile } => (
                ConnectOptions {
                    region,
                    profile: profile.clone(),
                    endpoint_url: None,
                    credentials: self.credentials.clone(),
                },
                None,
            ),
            Target::Endpoint(url) => (
                ConnectOptions {
                    region,
                    profile: None,
                    endpoint_url: Some(url.clone()),
                    credentials: self.credentials.clone(),
                },
                None,
            ),
            Target::Sandbox => {
                let sandbox = Sandbox::start(SandboxConfig::new(SANDBOX_STATE_DIR))
                    .await
                    .map_err(|e| {
                        Error::user(
                            format!("failed to start the sandbox: {}", error_chain(&e)),
                            format!("is `{SANDBOX_STATE_DIR}` writable?"),
                        )
                    })?;
                let options = ConnectOptions {
                    region,
                    profile: None,
                    endpoint_url: Some(sandbox.endpoint_url()),
                    credentials: Some((
                        crate::sandbox::DEFAULT_ACCESS_KEY_ID.to_owned(),
                        crate::sandbox::DEFAULT_SECRET_ACCESS_KEY.to_owned(),
                    )),
                };
                (options, Some(sandbox))
            }
        };
        let cloud = AwsCloud::connect(&options).await?;
        Ok(Session {
            cloud,
            _sandbox: sandbox,
        })
    }
}
