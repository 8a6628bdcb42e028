//! Roles: create with the trust policy, session length, tags and inline policies, or update the
//! differing ones (IAM cannot move a role to another path).

use serde_json::Value;

use crate::model::Step;
use crate::model::desired::{DesiredRole, DesiredState};
use crate::model::observed::ObservedRole;
use crate::model::{Address, Tags};
use crate::plan::digest;
use crate::plan::model::{Action, Change, FieldChange};
use crate::policy;

use super::{PlanError, change, check_owner, document, field, tag_fields, update_or_noop};

/// Tags AWS sets itself (`aws:*`) cannot be changed by anyone, so the planner never touches them.
pub(super) fn is_aws_tag(key: &str) -> bool {
    key.starts_with("aws:")
}

pub(super) fn role_change(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredRole,
    found: Option<&ObservedRole>,
) -> Result<Change, PlanError> {
    let name = want.name.as_str();
    let digest = digest::role(found);
    let Some(found) = found else {
        return Ok(create_role(address, want, digest));
    };
    let adopting = check_owner(
        address,
        "role",
        name,
        &found.tags,
        &desired.plan,
        want.adopt,
    )?;
    // An adopted role keeps the path it was created with: IAM cannot move it, and refusing
    // would make adopting a role impossible.
    if found.path != want.path && !want.adopt {
        return Err(PlanError::new(
            address,
            format!(
                "role `{name}` exists under the path `{}` but the plan puts it under `{}`",
                found.path, want.path
            ),
            format!(
                "IAM cannot change a role's path: delete the role, choose another role name, or set `adopt = true` on `{address}` to keep its path"
            ),
        ));
    }
    let (fields, steps) = role_updates(want, found);
    Ok(update_or_noop(
        address, name, digest, adopting, fields, steps,
    ))
}

pub(super) fn role_updates(
    want: &DesiredRole,
    found: &ObservedRole,
) -> (Vec<FieldChange>, Vec<Step>) {
    let role = want.name.to_string();
    let mut fields = Vec::new();
    let mut steps = Vec::new();

    if !policy::equivalent(&found.trust_policy, &want.trust_policy) {
        fields.push(document(
            "trust_policy",
            Some(found.trust_policy.clone()),
            Some(want.trust_policy.clone()),
        ));
        steps.push(Step::UpdateAssumeRolePolicy {
            role: role.clone(),
            policy: want.trust_policy.clone(),
        });
    }
    for (policy_name, doc) in &want.inline_policies {
        let current = found.inline_policies.get(policy_name);
        if current.is_some_and(|c| policy::equivalent(c, doc)) {
            continue;
        }
        fields.push(document(
            format!("inline_policies.{policy_name}"),
            current.cloned(),
            Some(doc.clone()),
        ));
        steps.push(Step::PutRolePolicy {
            role: role.clone(),
            policy_name: policy_name.clone(),
            policy: doc.clone(),
        });
    }
    // Only gtplan's own inline policies are removed; ones a person added stay.
    for (policy_name, doc) in &found.inline_policies {
        if want.inline_policies.contains_key(policy_name) || !policy_name.starts_with("gtplan-") {
            continue;
        }
        fields.push(document(
            format!("inline_policies.{policy_name}"),
            Some(doc.clone()),
            None,
        ));
        steps.push(Step::DeleteRolePolicy {
            role: role.clone(),
            policy_name: policy_name.clone(),
        });
    }

    let mut update_role = false;
    if found.max_session_duration != want.max_session_duration {
        fields.push(field(
            "max_session_duration",
            Some(found.max_session_duration.into()),
            Some(want.max_session_duration.into()),
        ));
        update_role = true;
    }
    // No description in the plan means "not managed": UpdateRole without one leaves it as is.
    if want.description.is_some() && found.description != want.description {
        fields.push(field(
            "description",
            found.description.clone().map(Value::String),
            want.description.clone().map(Value::String),
        ));
        update_role = true;
    }
    if update_role {
        steps.push(Step::UpdateRole {
            role: role.clone(),
            max_session_duration: want.max_session_duration,
            description: want.description.clone(),
        });
    }

    // The plan's tags (the user's plus gtplan's ownership tags) are the role's whole tag set,
    // as they are for buckets, where PutBucketTagging can only replace the set: a tag added
    // behind gtplan's back is drift and is removed. Only AWS's own `aws:` tags are left alone.
    let current: Tags = found
        .tags
        .iter()
        .filter(|(k, _)| !is_aws_tag(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    fields.extend(tag_fields(&current, &want.tags));
    let set: Tags = want
        .tags
        .iter()
        .filter(|(k, v)| current.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !set.is_empty() {
        steps.push(Step::TagRole {
            role: role.clone(),
            tags: set,
        });
    }
    let removed: Vec<String> = current
        .keys()
        .filter(|k| !want.tags.contains_key(*k))
        .cloned()
        .collect();
    if !removed.is_empty() {
        steps.push(Step::UntagRole {
            role,
            keys: removed,
        });
    }
    (fields, steps)
}

pub(super) fn create_role(address: &Address, want: &DesiredRole, digest: String) -> Change {
    let role = want.name.to_string();
    let mut c = change(address, &role, Action::Create, "does not exist", digest);
    c.fields
        .push(field("path", None, Some(Value::String(want.path.clone()))));
    c.fields.push(field(
        "max_session_duration",
        None,
        Some(want.max_session_duration.into()),
    ));
    if let Some(description) = &want.description {
        c.fields.push(field(
            "description",
            None,
            Some(Value::String(description.clone())),
        ));
    }
    c.fields.extend(tag_fields(&Tags::new(), &want.tags));
    c.fields.push(document(
        "trust_policy",
        None,
        Some(want.trust_policy.clone()),
    ));
    c.steps.push(Step::CreateRole {
        role: role.clone(),
        path: want.path.clone(),
        trust_policy: want.trust_policy.clone(),
        max_session_duration: want.max_session_duration,
        description: want.description.clone(),
        tags: want.tags.clone(),
    });
    for (policy_name, doc) in &want.inline_policies {
        c.fields.push(document(
            format!("inline_policies.{policy_name}"),
            None,
            Some(doc.clone()),
        ));
        c.steps.push(Step::PutRolePolicy {
            role: role.clone(),
            policy_name: policy_name.clone(),
            policy: doc.clone(),
        });
    }
    c
}
