//! IAM through the SDK: a role with its trust policy, inline policies (URL-decoded), attached
//! policies and tags; the plan's roles by path; and the role writes. Every role write is noted
//! so that `CreateLabelingJob` knows the role is young (IAM propagation, see `retry`).

use std::collections::BTreeMap;

use aws_sdk_iam::types::Tag;
use serde_json::Value;

use super::{AwsCloud, build_error, cloud_error, code_of, deleted, malformed, written};
use crate::cloud::CloudError;
use crate::model::observed::ObservedRole;
use crate::model::{Step, TAG_ADDRESS, TAG_PLAN, Tags};
use crate::policy;
use crate::policy_eval::{self, PolicyKind};

/// IAM's default when a role was created without `MaxSessionDuration`.
const DEFAULT_MAX_SESSION: u32 = 3600;

impl AwsCloud {
    /// `GetRole` (which carries the tags), `ListRolePolicies`, `ListAttachedRolePolicies` and
    /// `GetRolePolicy` of each of `expected` inline policies, all at once; an inline policy the
    /// listing names beyond `expected` is read after it.
    pub(super) async fn read_role(
        &self,
        name: &str,
        expected: &[String],
    ) -> Result<Option<ObservedRole>, CloudError> {
        let guessed = futures::future::join_all(
            expected
                .iter()
                .map(|policy| async move { (policy, self.inline_policy(name, policy).await) }),
        );
        let (got, listed, attached, guessed) = futures::join!(
            self.services().iam.get_role().role_name(name).send(),
            self.inline_policy_names(name),
            self.attached_policies(name),
            guessed,
        );
        let out = match got {
            Ok(out) => out,
            Err(err) if code_of(&err) == Some("NoSuchEntity") => return Ok(None),
            Err(err) => return Err(cloud_error(format!("read role `{name}`"), err)),
        };
        let Some(role) = out.role() else {
            return Err(malformed(
                format!("read role `{name}`"),
                "GetRole returned no role",
            ));
        };
        let trust_policy = role
            .assume_role_policy_document()
            .map(|text| document(text, || format!("read the trust policy of role `{name}`")))
            .transpose()?
            .unwrap_or(Value::Null);
        let listed = listed?;
        let mut inline_policies = BTreeMap::new();
        for (policy, doc) in guessed {
            if let Some(doc) = doc? {
                inline_policies.insert(policy.clone(), doc);
            }
        }
        // Listed after the guesses were read: one deleted in between is left out, one added is
        // read now.
        inline_policies.retain(|policy, _| listed.contains(policy));
        let unexpected: Vec<String> = listed
            .into_iter()
            .filter(|policy| !inline_policies.contains_key(policy))
            .collect();
        let more = futures::future::try_join_all(unexpected.into_iter().map(|policy| async move {
            let doc = self.inline_policy(name, &policy).await?;
            Ok::<_, CloudError>(doc.map(|doc| (policy, doc)))
        }))
        .await?;
        inline_policies.extend(more.into_iter().flatten());
        Ok(Some(ObservedRole {
            name: role.role_name().to_owned(),
            path: role.path().to_owned(),
            arn: role.arn().to_owned(),
            trust_policy,
            inline_policies,
            attached_policy_arns: attached?,
            max_session_duration: role
                .max_session_duration()
                .and_then(|s| u32::try_from(s).ok())
                .unwrap_or(DEFAULT_MAX_SESSION),
            description: role.description().map(ToOwned::to_owned),
            tags: role
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
        }))
    }

    /// `ListRolePolicies` (paginated): the names of the role's inline policies. A missing role
    /// lists none (`GetRole`, sent with it, says it is missing).
    async fn inline_policy_names(&self, role: &str) -> Result<Vec<String>, CloudError> {
        let listed = self
            .services()
            .iam
            .list_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await;
        match listed {
            Ok(names) => Ok(names),
            Err(err) if code_of(&err) == Some("NoSuchEntity") => Ok(Vec::new()),
            Err(err) => Err(cloud_error(
                format!("list the inline policies of role `{role}`"),
                err,
            )),
        }
    }

    /// `GetRolePolicy`: `None` when the role or the policy does not exist.
    async fn inline_policy(&self, role: &str, policy: &str) -> Result<Option<Value>, CloudError> {
        let action = || format!("read inline policy `{policy}` of role `{role}`");
        match self
            .services()
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(policy)
            .send()
            .await
        {
            Ok(out) => document(out.policy_document(), action).map(Some),
            Err(err) if code_of(&err) == Some("NoSuchEntity") => Ok(None),
            Err(err) => Err(cloud_error(action(), err)),
        }
    }

    /// `ListAttachedRolePolicies` (paginated): the ARNs, sorted. A missing role lists none
    /// (`GetRole`, sent with it, says it is missing).
    async fn attached_policies(&self, role: &str) -> Result<Vec<String>, CloudError> {
        let listed = self
            .services()
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await;
        let attached = match listed {
            Ok(attached) => attached,
            Err(err) if code_of(&err) == Some("NoSuchEntity") => return Ok(Vec::new()),
            Err(err) => {
                return Err(cloud_error(
                    format!("list the managed policies attached to role `{role}`"),
                    err,
                ));
            }
        };
        let mut arns: Vec<String> = attached
            .iter()
            .filter_map(|p| p.policy_arn().map(ToOwned::to_owned))
            .collect();
        arns.sort();
        Ok(arns)
    }

    pub(super) async fn execute_iam(&self, step: &Step) -> Result<(), CloudError> {
        let iam = &self.services().iam;
        match step {
            Step::CreateRole {
                role,
                path,
                trust_policy,
                max_session_duration,
                description,
                tags,
            } => {
                let action = || format!("create role `{role}`");
                let tags = iam_tags(tags).map_err(|e| build_error(&action(), e))?;
                let trust = trust_policy.to_string();
                let result = iam
                    .create_role()
                    .role_name(role)
                    .path(path)
                    .assume_role_policy_document(&trust)
                    .max_session_duration(session_seconds(*max_session_duration))
                    .set_description(description.clone())
                    .set_tags(Some(tags.clone()))
                    .send()
                    .await;
                self.note_role_write(role);
                match result {
                    Err(err) if code_of(&err) == Some("EntityAlreadyExists") => {
                        // A CreateRole sent again after its answer was lost finds the role the
                        // first one made: this plan's if its path and ownership tags say so.
                        let found = self.read_role(role, &[]).await?;
                        if found.is_some_and(|r| r.path == *path && owned_by(&r.tags, step)) {
                            Ok(())
                        } else {
                            Err(cloud_error(action(), err))
                        }
                    }
                    other => written(other, action),
                }
            }
            Step::UpdateAssumeRolePolicy { role, policy } => {
                let text = policy.to_string();
                let result = iam
                    .update_assume_role_policy()
                    .role_name(role)
                    .policy_document(&text)
                    .send()
                    .await;
                self.note_role_write(role);
                written(result, || {
                    format!("update the trust policy of role `{role}`")
                })
            }
            Step::UpdateRole {
                role,
                max_session_duration,
                description,
            } => {
                let result = iam
                    .update_role()
                    .role_name(role)
                    .max_session_duration(session_seconds(*max_session_duration))
                    .set_description(description.clone())
                    .send()
                    .await;
                self.note_role_write(role);
                written(result, || format!("update role `{role}`"))
            }
            Step::DeleteRole { role } => deleted(
                iam.delete_role().role_name(role).send().await,
                &["NoSuchEntity"],
                || format!("delete role `{role}`"),
            ),
            _ => self.execute_role_attachment(step).await,
        }
    }

    /// The writes to what hangs off a role: its policies and tags.
    async fn execute_role_attachment(&self, step: &Step) -> Result<(), CloudError> {
        let iam = &self.services().iam;
        match step {
            Step::PutRolePolicy {
                role,
                policy_name,
                policy,
            } => {
                let text = policy.to_string();
                let result = iam
                    .put_role_policy()
                    .role_name(role)
                    .policy_name(policy_name)
                    .policy_document(&text)
                    .send()
                    .await;
                self.note_role_write(role);
                written(result, || {
                    format!("write inline policy `{policy_name}` of role `{role}`")
                })
            }
            Step::DeleteRolePolicy { role, policy_name } => deleted(
                iam.delete_role_policy()
                    .role_name(role)
                    .policy_name(policy_name)
                    .send()
                    .await,
                &["NoSuchEntity"],
                || format!("delete inline policy `{policy_name}` of role `{role}`"),
            ),
            Step::DetachRolePolicy { role, policy_arn } => deleted(
                iam.detach_role_policy()
                    .role_name(role)
                    .policy_arn(policy_arn)
                    .send()
                    .await,
                &["NoSuchEntity"],
                || format!("detach `{policy_arn}` from role `{role}`"),
            ),
            Step::TagRole { role, tags } => {
                let action = || format!("tag role `{role}`");
                let tags = iam_tags(tags).map_err(|e| build_error(&action(), e))?;
                written(
                    iam.tag_role()
                        .role_name(role)
                        .set_tags(Some(tags.clone()))
                        .send()
                        .await,
                    action,
                )
            }
            Step::UntagRole { role, keys } => written(
                iam.untag_role()
                    .role_name(role)
                    .set_tag_keys(Some(keys.clone()))
                    .send()
                    .await,
                || format!("untag role `{role}`"),
            ),
            _ => unreachable!("execute_iam is only called with IAM steps"),
        }
    }

    /// What the IAM propagation retry needs to know of `role`: how long ago it was created or
    /// last written (this process's own record, else its `CreateDate`: an interrupted apply may
    /// have created it moments ago), and whether its trust policy, as IAM has it now, lets
    /// SageMaker assume it for `job_arn` (if not, no amount of waiting helps). `None` when the
    /// role cannot be read.
    pub(super) async fn role_for_retry(&self, role: &str, job_arn: &str) -> Option<RoleForRetry> {
        let written = self.role_written_ago(role);
        let read = self
            .services()
            .iam
            .get_role()
            .role_name(role)
            .send()
            .await
            .ok();
        let Some(found) = read.as_ref().and_then(|out| out.role()) else {
            // Written by this run moments ago but not readable yet: IAM itself has not
            // propagated it; its trust policy is the plan's, which names SageMaker.
            return written.map(|age| RoleForRetry {
                age,
                trusts_sagemaker: true,
            });
        };
        let age = written.or_else(|| super::age(found.create_date()))?;
        let trusts_sagemaker = found
            .assume_role_policy_document()
            .and_then(|text| policy::parse_document(text).ok())
            .and_then(|doc| policy_eval::parse(&doc.to_string(), PolicyKind::Trust).ok())
            .is_some_and(|trust| {
                let account = self.account.get().cloned().unwrap_or_default();
                let context = BTreeMap::from([
                    ("aws:SourceAccount".to_owned(), vec![account]),
                    ("aws:SourceArn".to_owned(), vec![job_arn.to_owned()]),
                ]);
                policy_eval::service_can_assume(&trust, "sagemaker.amazonaws.com", &context)
            });
        Some(RoleForRetry {
            age,
            trusts_sagemaker,
        })
    }
}

/// See [`AwsCloud::role_for_retry`].
pub(super) struct RoleForRetry {
    pub age: std::time::Duration,
    pub trusts_sagemaker: bool,
}

/// Whether `tags` carry the ownership tags (`gtplan:plan`, `gtplan:address`) a `CreateRole`
/// step writes.
fn owned_by(tags: &Tags, step: &Step) -> bool {
    let Step::CreateRole { tags: wanted, .. } = step else {
        return false;
    };
    [TAG_PLAN, TAG_ADDRESS]
        .iter()
        .all(|k| wanted.get(*k).is_some() && tags.get(*k) == wanted.get(*k))
}

/// Parses a policy document as IAM returns it (URL-encoded JSON).
fn document(text: &str, action: impl Fn() -> String) -> Result<Value, CloudError> {
    policy::parse_document(text)
        .map_err(|e| malformed(action(), format!("the policy document is not JSON: {e}")))
}

fn iam_tags(tags: &Tags) -> Result<Vec<Tag>, aws_sdk_iam::error::BuildError> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// `MaxSessionDuration` is at most 43200 (the resolver checks), so it always fits.
fn session_seconds(seconds: u32) -> i32 {
    i32::try_from(seconds).unwrap_or(i32::MAX)
}
