//! What the jobs a plan creates will cost in workers' fees, before anyone pays it: for a
//! Mechanical Turk job, objects × workers per object × the task price (fact sheet §5; part 2
//! §6). A private team is paid by its employer, not per task; a vendor sets its own price.
//! AWS's own per-object Ground Truth fee is left out: its tiers are not in our sources.

use serde::{Deserialize, Serialize};

use super::model::{Action, Change};
use crate::model::desired::{DesiredJob, DesiredState};
use crate::model::job::Price;
use crate::model::{Address, Kind};

/// What the estimate leaves out, shown with it.
pub const NOT_INCLUDED: &[&str] = &[
    "AWS's Ground Truth fee per labeled object, human or machine (https://aws.amazon.com/sagemaker/groundtruth/pricing/; the first 500 objects a month are free for two months)",
    "automated data labeling: its objects are counted as labeled by workers, and its training and inference instances are not counted",
    "S3 requests and storage",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostEstimate {
    /// The jobs this plan creates now or later (chained jobs that wait), in plan order.
    pub jobs: Vec<JobCost>,
    /// The sum of the jobs whose cost is known, in tenths of a cent.
    pub total_mills: u64,
    /// Whether every job's cost is known (a vendor's price or a manifest outside the plan is not).
    pub complete: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Workforce {
    /// Mechanical Turk: paid per task.
    Public,
    /// The user's own people: no fee per task.
    Private,
    /// An AWS Marketplace vendor: priced by the vendor.
    Vendor,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCost {
    pub address: Address,
    pub name: String,
    pub workforce: Workforce,
    /// Objects sent to workers: the manifest's lines, capped by the stopping conditions;
    /// `None` when the plan does not hold the manifest.
    pub objects: Option<u64>,
    pub workers_per_object: u32,
    /// Per task and worker (Mechanical Turk only).
    pub price: Option<Price>,
    /// In tenths of a cent; `None` when unknown.
    pub amount_mills: Option<u64>,
    /// How the amount was computed, in words.
    pub basis: String,
}

/// The estimate for the jobs `changes` create (now, or later for a chained job that waits);
/// `None` when the plan creates no job.
pub fn estimate(desired: &DesiredState, changes: &[Change]) -> Option<CostEstimate> {
    let jobs: Vec<JobCost> = changes
        .iter()
        .filter(|c| {
            c.address.kind == Kind::Job && matches!(c.action, Action::Create | Action::Wait)
        })
        .filter_map(|c| Some(job_cost(&c.address, desired.jobs.get(&c.address)?)))
        .collect();
    if jobs.is_empty() {
        return None;
    }
    Some(CostEstimate {
        total_mills: jobs.iter().filter_map(|j| j.amount_mills).sum(),
        complete: jobs.iter().all(|j| j.amount_mills.is_some()),
        jobs,
    })
}

fn job_cost(address: &Address, job: &DesiredJob) -> JobCost {
    let human = &job.spec.human_task;
    let workforce = workforce(&human.workteam_arn);
    let workers = human.number_of_human_workers_per_data_object;
    let objects = job.input_objects.map(|n| capped(job, n));
    let price = human.public_workforce_task_price;
    let (amount_mills, basis) = match (workforce, objects, price) {
        (Workforce::Private, _, _) => (
            Some(0),
            "a private team: no fee per task (your people's time is yours to count)".to_owned(),
        ),
        (Workforce::Vendor, _, _) => (
            None,
            "a vendor team: priced by the vendor on AWS Marketplace".to_owned(),
        ),
        (Workforce::Public, Some(n), Some(p)) => (
            Some(n * u64::from(workers) * u64::from(p.in_mills())),
            format!(
                "{n} object{} × {workers} worker{} × {p} per task",
                plural(n),
                plural(u64::from(workers))
            ),
        ),
        (Workforce::Public, None, Some(p)) => (
            None,
            format!(
                "{p} per object and worker × {workers} worker{}; the number of objects is unknown (the manifest is not in the plan, or objects stream in)",
                plural(u64::from(workers))
            ),
        ),
        (Workforce::Public, _, None) => (None, "no task price set".to_owned()),
    };
    JobCost {
        address: address.clone(),
        name: job.spec.name.as_str().to_owned(),
        workforce,
        objects,
        workers_per_object: workers,
        price,
        amount_mills,
        basis,
    }
}

/// Objects the stopping conditions let reach workers.
fn capped(job: &DesiredJob, objects: u64) -> u64 {
    let Some(stop) = job.spec.stopping_conditions else {
        return objects;
    };
    let mut n = objects;
    if let Some(max) = stop.max_human_labeled_object_count {
        n = n.min(u64::from(max));
    }
    if let Some(percent) = stop.max_percentage_of_input_dataset_labeled {
        n = n.min((objects * u64::from(percent)).div_ceil(100));
    }
    n
}

/// `…:workteam/public-crowd/default`, `…/private-crowd/…`, `…/vendor-crowd/…`.
fn workforce(workteam_arn: &str) -> Workforce {
    let kind = workteam_arn
        .split_once(":workteam/")
        .map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
    match kind {
        "public-crowd" => Workforce::Public,
        "vendor-crowd" => Workforce::Vendor,
        _ => Workforce::Private,
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `$1.234` from tenths of a cent.
pub fn dollars(mills: u64) -> String {
    format!("${}.{:03}", mills / 1000, mills % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::job::StoppingConditions;
    use crate::plan::diff::fixture::{addr, desired, empty};

    #[test]
    fn public_job_costs_objects_times_workers_times_price() {
        let mut d = desired();
        let job = d.jobs.get_mut(&addr("job.pets")).expect("job");
        job.spec.human_task.workteam_arn =
            "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default".to_owned();
        job.spec.human_task.public_workforce_task_price = Some(Price::from_mills(36));
        job.spec.human_task.number_of_human_workers_per_data_object = 3;
        job.input_objects = Some(1000);
        let plan = crate::plan::diff::diff(&d, &empty(&d)).expect("plans");
        let cost = plan.cost.expect("an estimate");
        assert_eq!(cost.total_mills, 108_000);
        assert_eq!(dollars(cost.total_mills), "$108.000");
        assert!(cost.complete);
        assert_eq!(
            cost.jobs[0].basis,
            "1000 objects × 3 workers × $0.036 per task"
        );
    }

    #[test]
    fn stopping_conditions_cap_the_objects() {
        let mut d = desired();
        let job = d.jobs.get_mut(&addr("job.pets")).expect("job");
        job.input_objects = Some(1000);
        job.spec.stopping_conditions = Some(StoppingConditions {
            max_human_labeled_object_count: Some(600),
            max_percentage_of_input_dataset_labeled: Some(25),
        });
        assert_eq!(capped(job, 1000), 250);
        job.spec.stopping_conditions = Some(StoppingConditions {
            max_human_labeled_object_count: Some(10),
            max_percentage_of_input_dataset_labeled: None,
        });
        assert_eq!(capped(job, 1000), 10);
    }

    #[test]
    fn private_costs_nothing_vendor_and_unknown_sizes_are_unknown() {
        assert_eq!(
            workforce("arn:aws:sagemaker:us-east-1:1:workteam/private-crowd/team"),
            Workforce::Private
        );
        assert_eq!(
            workforce("arn:aws:sagemaker:us-east-1:1:workteam/vendor-crowd/acme"),
            Workforce::Vendor
        );
        let mut d = desired();
        let job = d.jobs.get_mut(&addr("job.pets")).expect("job");
        job.spec.human_task.workteam_arn =
            "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default".to_owned();
        job.spec.human_task.public_workforce_task_price = Some(Price::from_mills(12));
        job.input_objects = None;
        let cost = job_cost(&addr("job.pets"), job);
        assert_eq!(cost.amount_mills, None);
        assert!(cost.basis.contains("unknown"), "{}", cost.basis);
    }
}
