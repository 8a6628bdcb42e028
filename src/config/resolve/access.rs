//! Can each job's execution role do what the job needs, under the policies the plan renders?
//! The default templates grant exactly that; a plan that replaces `role_policy` or
//! `bucket_policy` may not, and SageMaker would only tell after the job started (fact sheet
//! §4.2). The same evaluator the sandbox uses decides, with the role as the principal over TLS.

use std::collections::{BTreeMap, HashSet};

use super::drafts::JobDraft;
use crate::model::desired::DesiredState;
use crate::model::{Address, Kind};
use crate::policy_eval::{self, AuthzRequest, Decision, PolicyDocument, PolicyKind, Principal};

use super::Resolver;
use super::chains::output_manifest_key;

/// What one job's role must be allowed, `(action, bucket, key, why)`.
pub struct JobAccess {
    addr: String,
    role_addr: String,
    needs: Vec<(&'static str, String, String, &'static str)>,
}

impl JobAccess {
    pub fn of(job: &JobDraft) -> Self {
        let mut needs = Vec::new();
        for (bucket, key) in &job.reads {
            needs.push((
                "s3:GetObject",
                bucket.clone(),
                key.clone(),
                "an input of the job",
            ));
        }
        for (bucket, key) in &job.sample_reads {
            needs.push((
                "s3:GetObject",
                bucket.clone(),
                key.clone(),
                "an object its manifest lists",
            ));
        }
        let (bucket, prefix) = &job.output;
        needs.push((
            "s3:PutObject",
            bucket.clone(),
            output_manifest_key(prefix, job.spec.name.as_str()),
            "its output manifest",
        ));
        Self {
            addr: job.addr.clone(),
            role_addr: job.role_addr.clone(),
            needs,
        }
    }
}

fn parse(doc: &serde_json::Value, kind: PolicyKind) -> Option<PolicyDocument> {
    policy_eval::parse(&doc.to_string(), kind).ok()
}

impl Resolver<'_> {
    /// The buckets outside the plan each job reads from or writes to.
    pub(super) fn external_buckets(
        state: &DesiredState,
        jobs: &[JobDraft],
    ) -> BTreeMap<String, Vec<Address>> {
        let ours: std::collections::BTreeSet<&str> =
            state.buckets.values().map(|b| b.name.as_str()).collect();
        let mut out: BTreeMap<String, Vec<Address>> = BTreeMap::new();
        for job in jobs {
            let used: std::collections::BTreeSet<&str> = job
                .reads
                .iter()
                .chain(&job.read_prefixes)
                .chain(std::iter::once(&job.output))
                .map(|(bucket, _)| bucket.as_str())
                .filter(|b| !ours.contains(b))
                .collect();
            for bucket in used {
                out.entry(bucket.to_owned())
                    .or_default()
                    .push(Address::new(Kind::Job, &job.addr));
            }
        }
        out
    }

    pub(super) fn check_access(&mut self, state: &DesiredState, jobs: &[JobAccess]) {
        let bucket_policies: BTreeMap<String, PolicyDocument> = state
            .buckets
            .values()
            .filter_map(|b| Some((b.name.to_string(), parse(&b.policy, PolicyKind::Resource)?)))
            .collect();
        // Many jobs share a role and objects (a label config, a template): each role's
        // policies are parsed once and each (role, action, object) decided once.
        let mut identities: BTreeMap<&str, Vec<PolicyDocument>> = BTreeMap::new();
        let mut allowed: HashSet<(&str, &str, String)> = HashSet::new();
        for job in jobs {
            let Some(role) = state.roles.get(&Address::new(Kind::Role, &job.role_addr)) else {
                continue;
            };
            let identity = identities.entry(&job.role_addr).or_insert_with(|| {
                role.inline_policies
                    .values()
                    .filter_map(|p| parse(p, PolicyKind::Identity))
                    .collect()
            });
            let identity: Vec<&PolicyDocument> = identity.iter().collect();
            let role_arn = self.role_arn(&role.name);
            for (action, bucket, key, why) in &job.needs {
                let resource = format!("arn:aws:s3:::{bucket}/{key}");
                let seen = (job.role_addr.as_str(), *action, resource);
                if allowed.contains(&seen) {
                    continue;
                }
                let resource = seen.2.clone();
                let request = AuthzRequest {
                    action,
                    resource: &resource,
                    principal: Principal::Aws(&role_arn),
                    context: BTreeMap::from([(
                        "aws:SecureTransport".to_owned(),
                        vec!["true".to_owned()],
                    )]),
                };
                let resource_policies: Vec<&PolicyDocument> =
                    bucket_policies.get(bucket).into_iter().collect();
                let decision = policy_eval::evaluate(&identity, &resource_policies, &request);
                if decision == Decision::Allow {
                    allowed.insert(seen);
                    continue;
                }
                // Which side said no: the role's own policy, or the bucket's.
                let role_denies =
                    policy_eval::evaluate(&identity, &[], &request) == Decision::ExplicitDeny;
                let (cause, fix) = match decision {
                    Decision::ExplicitDeny if role_denies => (
                        format!("the policy of role `{}` denies it", role.name),
                        "change the `role_policy` template so that it does not deny this",
                    ),
                    Decision::ExplicitDeny => (
                        format!("the policy of bucket `{bucket}` denies it"),
                        "change the `bucket_policy` template so that it does not deny the role",
                    ),
                    _ => (
                        format!("the policy of role `{}` does not allow it", role.name),
                        "change the `role_policy` template to allow it (the built-in template does)",
                    ),
                };
                let span = self.job_addr_span(&job.addr);
                self.report(
                    span,
                    format!(
                        "`jobs.{}` needs `{action}` on `s3://{bucket}/{key}` ({why}), but {cause}",
                        job.addr
                    ),
                    "the job would fail after it starts",
                    Some(fix.to_owned()),
                );
                break;
            }
        }
    }
}
