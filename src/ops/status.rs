//! `gtplan status`: where each labeling job of a plan stands. Reads only (no lock, no
//! refresh of buckets or roles): one `DescribeLabelingJob` per job, all at once, each time the
//! caller asks, so that `--watch` polls over one connection.

use std::time::{SystemTime, UNIX_EPOCH};

use futures::StreamExt;

use crate::model::desired::DesiredState;
use crate::model::job::{JobStatus, LabelCounters};
use crate::model::observed::ObservedJob;
use crate::model::{Address, Kind};

use super::plan::{Prepared, prepare};
use super::{Error, PlanRequest};

/// A plan's jobs, ready to be read again and again.
pub struct JobWatch {
    prepared: Prepared,
    desired: DesiredState,
    parallelism: usize,
}

/// One job of the plan and what SageMaker says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobReport {
    pub address: Address,
    /// The labeling job's name.
    pub name: String,
    pub state: JobState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Not created yet: `gtplan apply` creates it.
    NotCreated,
    /// A chained job whose input job has not finished; a later apply creates it.
    Waiting {
        upstream: Address,
    },
    Exists(Box<ObservedJob>),
}

impl JobReport {
    /// The job exists and will change no more.
    pub fn is_finished(&self) -> bool {
        matches!(&self.state, JobState::Exists(job) if !job.status.is_running() && job.status != JobStatus::Stopping)
    }

    /// Objects in the job's input (labeled, failed and not yet labeled).
    pub fn total(&self) -> Option<u32> {
        match &self.state {
            JobState::Exists(job) => Some(total(&job.counters)),
            _ => None,
        }
    }

    /// How long the job has run (until it finished), by this machine's clock; `None` for a job
    /// that does not exist or whose times SageMaker did not give.
    pub fn running_millis(&self, now_ms: i64) -> Option<i64> {
        let JobState::Exists(job) = &self.state else {
            return None;
        };
        let times = job.times?;
        let until = if job.status.is_running() {
            now_ms
        } else {
            times.last_modified_ms
        };
        Some((until - times.created_ms).max(0))
    }
}

/// Every object of a job: labeled, failed, or waiting for a label.
pub fn total(c: &LabelCounters) -> u32 {
    c.total_labeled + c.failed_non_retryable_error + c.unlabeled
}

/// Milliseconds since the Unix epoch, by this machine's clock.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl JobWatch {
    /// Loads the plan file and connects. A plan without labeling jobs has no status.
    pub async fn open(request: &PlanRequest) -> Result<Self, Error> {
        let prepared = prepare(request).await?;
        let desired = prepared.file.resolve(&prepared.account)?;
        if desired.jobs.is_empty() {
            return Err(Error::user(
                format!("plan `{}` has no labeling jobs", desired.plan),
                "add a `[jobs.NAME]` table to the plan file (docs/plan-file.md)",
            ));
        }
        Ok(Self {
            prepared,
            desired,
            parallelism: request.parallelism.max(1),
        })
    }

    pub fn plan(&self) -> &DesiredState {
        &self.desired
    }

    /// Reads every job of the plan, in the plan's order. Fails when none of them exists: there
    /// is nothing to report or wait for.
    pub async fn read(&self) -> Result<Vec<JobReport>, Error> {
        let cloud = &self.prepared.session.cloud;
        let reads = self.desired.jobs.iter().map(|(address, job)| async move {
            let observed = crate::cloud::Cloud::job(cloud, &job.spec.name).await?;
            let state = match (observed, &job.waits_for) {
                (Some(found), _) => JobState::Exists(Box::new(found)),
                (None, Some(up)) => JobState::Waiting {
                    upstream: up.address.clone(),
                },
                (None, None) => JobState::NotCreated,
            };
            Ok::<_, Error>(JobReport {
                address: address.clone(),
                name: job.spec.name.as_str().to_owned(),
                state,
            })
        });
        let reports: Vec<JobReport> = futures::stream::iter(reads)
            .buffered(self.parallelism)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        if reports
            .iter()
            .all(|r| !matches!(r.state, JobState::Exists(_)))
        {
            return Err(Error::user(
                format!(
                    "none of plan `{}`'s labeling jobs exists yet ({})",
                    self.desired.plan,
                    reports
                        .iter()
                        .map(|r| r.address.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "create them with `gtplan apply PLAN`",
            ));
        }
        Ok(reports)
    }
}

/// The plan job that `wanted` names: its key in the plan file (`pets`), its address
/// (`job.pets`) or its labeling job name.
pub fn find_job<'d>(
    desired: &'d DesiredState,
    wanted: &str,
) -> Result<(&'d Address, &'d crate::model::desired::DesiredJob), Error> {
    let key = wanted.strip_prefix("job.").unwrap_or(wanted);
    desired
        .jobs
        .iter()
        .find(|(address, job)| {
            address.kind == Kind::Job && (address.name == key || job.spec.name.as_str() == wanted)
        })
        .ok_or_else(|| {
            let names: Vec<&str> = desired.jobs.keys().map(|a| a.name.as_str()).collect();
            Error::user(
                format!("plan `{}` has no job `{wanted}`", desired.plan),
                if names.is_empty() {
                    "the plan has no `[jobs.NAME]` tables".to_owned()
                } else {
                    format!("name one of its jobs: {}", names.join(", "))
                },
            )
        })
}
