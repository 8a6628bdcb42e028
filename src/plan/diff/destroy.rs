//! Planning deletions: resources that carry the plan's tag but left the plan file (orphans,
//! part of every `diff`), and `gtplan destroy`, which removes everything the plan manages.
//!
//! The safety rules (design "Resource rules", style rule 3): only resources tagged with this
//! plan are deleted; a bucket that still holds objects is an error unless the plan says
//! `force_destroy`; labeling jobs cannot be deleted, only stopped while they run. Pure like
//! [`super::diff`]; `plan::graph` puts the deletes in reverse dependency order.

use super::{Outcome, Ownership, PlanError, PlanErrors, change, job_note, ownership};
use crate::model::desired::DesiredState;
use crate::model::names::PlanName;
use crate::model::observed::{
    BucketLookup, ObservedBucket, ObservedJob, ObservedRole, ObservedState, Orphan,
};
use crate::model::{Address, TAG_PLAN};
use crate::model::{META_PLAN, Step};
use crate::plan::digest;
use crate::plan::model::{Action, Change, Plan};

/// The change for a resource that carries the plan's tag but whose address left the plan file.
pub(super) fn orphan_change(
    desired: &DesiredState,
    observed: &ObservedState,
    orphan: &Orphan,
) -> Result<Change, PlanError> {
    const REASON: &str = "removed from the plan";
    match orphan {
        Orphan::Bucket { address, bucket } => {
            if bucket.has_objects {
                let name = &bucket.name;
                return Err(PlanError::new(
                    address,
                    format!(
                        "bucket `{name}` left the plan but still holds objects; gtplan never deletes data you did not ask it to delete"
                    ),
                    format!(
                        "empty it first (e.g. `aws s3 rm s3://{name} --recursive`) and plan again, or put `{address}` back in the plan file to keep it"
                    ),
                ));
            }
            Ok(delete_bucket(address, bucket, false, REASON))
        }
        Orphan::Role { address, role } => Ok(delete_role(address, role, REASON)),
        Orphan::Job { address, job } => Ok(stop_job(address, job, REASON)),
        Orphan::Team { address, team } => {
            if let Some(error) = team_in_use(desired, observed, address, team) {
                return Err(error);
            }
            Ok(super::workforce::delete_team(address, team, REASON))
        }
    }
}

/// A team is deleted only when no running job uses it but the plan's own, which the plan stops
/// first (those it names and those that left it).
fn team_in_use(
    desired: &DesiredState,
    observed: &ObservedState,
    address: &Address,
    team: &crate::model::workforce::ObservedTeam,
) -> Option<PlanError> {
    let own: Vec<&str> = desired
        .jobs
        .values()
        .map(|j| j.spec.name.as_str())
        .chain(observed.orphans.iter().filter_map(|o| match o {
            Orphan::Job { job, .. } => Some(job.spec.name.as_str()),
            _ => None,
        }))
        .collect();
    let others: Vec<String> = team
        .running_jobs
        .iter()
        .filter(|j| !own.iter().any(|o| o.eq_ignore_ascii_case(j)))
        .map(|j| format!("`{j}`"))
        .collect();
    (!others.is_empty()).then(|| {
        PlanError::new(
            address,
            format!(
                "work team `{}` is used by running labeling jobs that are not this plan's: {}",
                team.name,
                others.join(", ")
            ),
            "stop them first (`aws sagemaker stop-labeling-job --labeling-job-name NAME`), or keep the team in the plan",
        )
    })
}

fn delete_bucket(
    address: &Address,
    bucket: &ObservedBucket,
    with_objects: bool,
    reason: &str,
) -> Change {
    let lookup = BucketLookup::Found(Box::new(bucket.clone()));
    let mut c = change(
        address,
        &bucket.name,
        Action::Delete,
        reason,
        digest::bucket(&lookup),
    );
    if with_objects {
        c.note =
            Some("deletes every object in the bucket first (`force_destroy = true`)".to_owned());
    }
    c.steps.push(Step::DeleteBucket {
        bucket: bucket.name.clone(),
        with_objects,
    });
    c
}

/// IAM refuses to delete a role that still has policies, so they go first.
fn delete_role(address: &Address, role: &ObservedRole, reason: &str) -> Change {
    let mut c = change(
        address,
        &role.name,
        Action::Delete,
        reason,
        digest::role(Some(role)),
    );
    for policy_name in role.inline_policies.keys() {
        c.steps.push(Step::DeleteRolePolicy {
            role: role.name.clone(),
            policy_name: policy_name.clone(),
        });
    }
    for policy_arn in &role.attached_policy_arns {
        c.steps.push(Step::DetachRolePolicy {
            role: role.name.clone(),
            policy_arn: policy_arn.clone(),
        });
    }
    c.steps.push(Step::DeleteRole {
        role: role.name.clone(),
    });
    c
}

/// Labeling jobs cannot be deleted: a running one is stopped, a finished one stays as it is.
fn stop_job(address: &Address, job: &ObservedJob, reason: &str) -> Change {
    let name = job.spec.name.as_str();
    let digest = digest::job(Some(job));
    if job.status.is_running() {
        let mut c = change(address, name, Action::Stop, reason, digest);
        c.note = Some(job_note(job));
        c.steps.push(Step::StopLabelingJob {
            job: name.to_owned(),
        });
        return c;
    }
    let mut c = change(address, name, Action::NoOp, reason, digest);
    c.note = Some(format!(
        "{}; {reason}, kept (labeling jobs cannot be deleted)",
        job_note(job)
    ));
    c
}

/// A resource destroy leaves in place, with why.
fn left_alone(address: &Address, name: &str, why: String, digest: String) -> Change {
    let mut c = change(address, name, Action::NoOp, "left alone", digest);
    c.note = Some(why);
    c
}

/// Why destroy does not touch a resource it did not create, or `None` when it is ours.
fn not_ours(what: &str, owner: Ownership, plan: &PlanName) -> Option<String> {
    match owner {
        Ownership::Ours => None,
        Ownership::Untagged => Some(format!(
            "{what} was not created by gtplan (no `{TAG_PLAN}` tag), left alone"
        )),
        Ownership::OtherPlan(other) => Some(format!(
            "{what} belongs to plan `{other}`, not `{plan}`, left alone"
        )),
    }
}

/// The plan's teams and their groups, unless another plan's running job uses the team (the
/// plan's own jobs are stopped first).
fn destroy_teams(desired: &DesiredState, observed: &ObservedState, out: &mut Outcome) {
    const REASON: &str = "destroy requested";
    let plan = &desired.plan;
    for address in desired.teams.keys() {
        let Some(Some(team)) = observed.teams.get(address) else {
            continue;
        };
        if let Some(why) = not_ours("work team", ownership(&team.tags, plan), plan) {
            out.push(Ok(left_alone(
                address,
                &team.name,
                why,
                digest::team(Some(team)),
            )));
        } else if let Some(error) = team_in_use(desired, observed, address, team) {
            out.push(Err(error));
        } else {
            out.push(Ok(super::workforce::delete_team(address, team, REASON)));
        }
    }
}

/// Plans the removal of everything the plan manages that exists: jobs stopped, uploads,
/// roles with their policies, buckets (emptied first only with `force_destroy`), and the
/// plan's orphans. Resources without the plan's tag are left alone, with a note.
pub fn destroy(desired: &DesiredState, observed: &ObservedState) -> Result<Plan, PlanErrors> {
    const REASON: &str = "destroy requested";
    let plan = &desired.plan;
    let mut out = Outcome::default();
    for (address, want) in &desired.buckets {
        let Some(lookup @ BucketLookup::Found(bucket)) = observed.buckets.get(address) else {
            continue;
        };
        let name = want.name.as_str();
        if let Some(why) = not_ours("bucket", ownership(&bucket.tags, plan), plan) {
            out.push(Ok(left_alone(address, name, why, digest::bucket(lookup))));
        } else if bucket.has_objects && !want.force_destroy {
            out.push(Err(PlanError::new(
                address,
                format!("bucket `{name}` still holds objects; gtplan never deletes data you did not ask it to delete"),
                format!("set `force_destroy = true` on `{address}` to delete its objects with it, or empty it first (e.g. `aws s3 rm s3://{name} --recursive`)"),
            )));
        } else {
            // A `force_destroy` bucket is emptied at apply time whatever it held when planned:
            // a running job may write its output into it meanwhile.
            out.push(Ok(delete_bucket(
                address,
                bucket,
                want.force_destroy,
                REASON,
            )));
        }
    }
    for (address, want) in &desired.roles {
        let Some(Some(role)) = observed.roles.get(address) else {
            continue;
        };
        match not_ours("role", ownership(&role.tags, plan), plan) {
            Some(why) => out.push(Ok(left_alone(
                address,
                want.name.as_str(),
                why,
                digest::role(Some(role)),
            ))),
            None => out.push(Ok(delete_role(address, role, REASON))),
        }
    }
    for (address, want) in &desired.uploads {
        let Some(Some(object)) = observed.uploads.get(address) else {
            continue;
        };
        let name = format!("s3://{}/{}", want.bucket, want.key);
        let digest = digest::object(Some(object));
        if object.metadata.get(META_PLAN).map(String::as_str) == Some(plan.as_str()) {
            let mut c = change(address, name, Action::Delete, REASON, digest);
            c.steps.push(Step::DeleteObject {
                bucket: object.bucket.clone(),
                key: object.key.clone(),
            });
            out.push(Ok(c));
        } else {
            let why = format!("object was not uploaded by plan `{plan}`, left alone");
            out.push(Ok(left_alone(address, &name, why, digest)));
        }
    }
    for address in desired.jobs.keys() {
        let Some(Some(job)) = observed.jobs.get(address) else {
            continue;
        };
        match not_ours("labeling job", ownership(&job.spec.tags, plan), plan) {
            Some(why) => out.push(Ok(left_alone(
                address,
                job.spec.name.as_str(),
                why,
                digest::job(Some(job)),
            ))),
            None => out.push(Ok(stop_job(address, job, REASON))),
        }
    }
    destroy_teams(desired, observed, &mut out);
    if let Some((address, want)) = &desired.workforce
        && let Some(c) =
            super::workforce::delete_workforce(desired, address, want, observed, REASON)
    {
        out.push(Ok(c));
    }
    for orphan in &observed.orphans {
        out.push(orphan_change(desired, observed, orphan));
    }
    out.finish(desired, observed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::job::JobStatus;
    use crate::plan::diff::fixture::{
        BUCKET, JOB, ROLE, addr, applied, bucket_mut, desired, job_mut, role_mut,
    };

    fn ops(plan: &Plan) -> Vec<String> {
        plan.changes
            .iter()
            .flat_map(|c| c.steps.iter().map(Step::describe))
            .collect()
    }

    #[test]
    fn destroy_refuses_a_bucket_with_objects_without_force_destroy() {
        let d = desired();
        let errors = destroy(&d, &applied(&d)).expect_err("refused");
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].address, addr("bucket.data"));
        assert_eq!(
            errors.0[0].message,
            format!(
                "bucket `{BUCKET}` still holds objects; gtplan never deletes data you did not ask it to delete"
            )
        );
        assert!(errors.0[0].hint.contains("`force_destroy = true`"));
    }

    #[test]
    fn destroy_removes_everything_in_reverse_order() {
        let mut d = desired();
        d.buckets
            .get_mut(&addr("bucket.data"))
            .expect("bucket")
            .force_destroy = true;
        let mut o = applied(&d);
        role_mut(&mut o, "role.labeling").attached_policy_arns =
            vec!["arn:aws:iam::aws:policy/CloudWatchLogsFullAccess".to_owned()];
        let plan = destroy(&d, &o).expect("plans");
        assert_eq!(
            ops(&plan),
            [
                format!("StopLabelingJob {JOB}"),
                format!("DeleteObject s3://{BUCKET}/config/labels.json"),
                format!("DeleteObject s3://{BUCKET}/input/manifest.jsonl"),
                format!("DeleteRolePolicy {ROLE}/gtplan-quickstart"),
                format!("DetachRolePolicy {ROLE} arn:aws:iam::aws:policy/CloudWatchLogsFullAccess"),
                format!("DeleteRole {ROLE}"),
                format!("DeleteObjects+DeleteBucket {BUCKET}"),
            ]
        );
        let s = plan.summary();
        assert_eq!((s.create, s.update, s.stop, s.delete), (0, 0, 1, 4));
    }

    #[test]
    fn an_empty_bucket_is_deleted_without_emptying() {
        let d = desired();
        let mut o = applied(&d);
        bucket_mut(&mut o, "bucket.data").has_objects = false;
        let plan = destroy(&d, &o).expect("plans");
        let bucket = plan
            .changes
            .iter()
            .find(|c| c.address == addr("bucket.data"))
            .expect("bucket");
        assert_eq!(
            bucket.steps,
            [Step::DeleteBucket {
                bucket: BUCKET.to_owned(),
                with_objects: false,
            }]
        );
    }

    #[test]
    fn resources_gtplan_did_not_create_are_left_alone() {
        let mut d = desired();
        d.buckets
            .get_mut(&addr("bucket.data"))
            .expect("bucket")
            .adopt = true;
        let mut o = applied(&d);
        bucket_mut(&mut o, "bucket.data").tags.clear();
        role_mut(&mut o, "role.labeling")
            .tags
            .insert(TAG_PLAN.to_owned(), "other".to_owned());
        job_mut(&mut o, "job.pets").status = JobStatus::Completed;
        for upload in o.uploads.values_mut().flatten() {
            upload.metadata.clear();
        }
        let plan = destroy(&d, &o).expect("plans");
        assert!(!plan.has_changes(), "{plan:#?}");
        let notes: Vec<String> = plan
            .changes
            .iter()
            .map(|c| format!("{}: {}", c.address, c.note.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            notes,
            [
                "bucket.data: bucket was not created by gtplan (no `gtplan:plan` tag), left alone",
                "role.labeling: role belongs to plan `other`, not `quickstart`, left alone",
                "upload.labels: object was not uploaded by plan `quickstart`, left alone",
                "upload.manifest: object was not uploaded by plan `quickstart`, left alone",
                "job.pets: Completed, 3 of 10 labeled; destroy requested, kept (labeling jobs cannot be deleted)",
            ]
        );
    }

    #[test]
    fn nothing_existing_means_an_empty_destroy() {
        let d = desired();
        let plan = destroy(&d, &crate::plan::diff::fixture::empty(&d)).expect("plans");
        assert!(plan.changes.is_empty());
    }
}
