//! A role's permissions: inline policies (`PutRolePolicy`, `GetRolePolicy`,
//! `DeleteRolePolicy`, `ListRolePolicies`) and attached AWS-managed policies
//! (`AttachRolePolicy`, `DetachRolePolicy`, `ListAttachedRolePolicies`).

use super::errors;
use super::managed::managed_policy;
use super::paging::{page, sorted_start};
use super::roles::role_name;
use super::validate::{POLICY_NAME_MAX, Violations};
use super::{url_encode_policy, write_truncation};
use crate::policy_eval::{self, PolicyKind};
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::query::QueryParams;
use crate::sandbox::protocol::xml::Xml;
use crate::sandbox::router::Ctx;

/// IAM's quota on the total size of a role's inline policies, counted without whitespace.
const INLINE_POLICIES_QUOTA: usize = 10_240;

/// IAM's default quota on managed policies attached to one role.
const ATTACHED_POLICIES_QUOTA: usize = 10;

fn policy_name<'p>(params: &'p QueryParams, v: &mut Violations) -> Result<&'p str, ApiError> {
    let name = params.required("PolicyName")?;
    v.entity_name(name, "policyName", POLICY_NAME_MAX);
    Ok(name)
}

fn policy_arn<'p>(params: &'p QueryParams, v: &mut Violations) -> Result<&'p str, ApiError> {
    let arn = params.required("PolicyArn")?;
    let len = arn.chars().count();
    if len < 20 {
        v.push(
            arn,
            "policyArn",
            "Member must have length greater than or equal to 20",
        );
    } else if len > 2048 {
        v.push(
            arn,
            "policyArn",
            "Member must have length less than or equal to 2048",
        );
    }
    Ok(arn)
}

fn non_whitespace_len(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

pub fn put_role_policy(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let role = role_name(params, &mut v)?;
    let name = policy_name(params, &mut v)?;
    let document = params.required("PolicyDocument")?;
    v.policy_text(document, "policyDocument");
    v.finish()?;
    policy_eval::parse(document, PolicyKind::Identity).map_err(|e| errors::malformed(e.0))?;
    ctx.shared.store.write(|w| {
        let r = w.iam.existing_role_mut(role)?;
        let others: usize = r
            .inline_policies
            .iter()
            .filter(|(n, _)| n.as_str() != name)
            .map(|(_, d)| non_whitespace_len(d))
            .sum();
        if others + non_whitespace_len(document) > INLINE_POLICIES_QUOTA {
            return Err(errors::limit_exceeded(format!(
                "Maximum policy size of {INLINE_POLICIES_QUOTA} bytes exceeded for role {}",
                r.name
            )));
        }
        r.changed(ctx.now, ctx.shared.consistency.iam_propagation_ms(), false);
        r.inline_policies
            .insert(name.to_owned(), document.to_owned());
        Ok(())
    })?;
    Ok(Xml::new())
}

pub fn get_role_policy(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let role = role_name(params, &mut v)?;
    let name = policy_name(params, &mut v)?;
    v.finish()?;
    ctx.shared.store.read(|w| {
        let r = w.iam.existing_role(role)?;
        let document = r
            .inline_policies
            .get(name)
            .ok_or_else(|| errors::no_such_role_policy(name))?;
        let mut x = Xml::new();
        x.elem("RoleName", &r.name)
            .elem("PolicyName", name)
            .elem("PolicyDocument", url_encode_policy(document));
        Ok(x)
    })
}

pub fn delete_role_policy(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let role = role_name(params, &mut v)?;
    let name = policy_name(params, &mut v)?;
    v.finish()?;
    ctx.shared.store.write(|w| {
        let r = w.iam.existing_role_mut(role)?;
        if !r.inline_policies.contains_key(name) {
            return Err(errors::no_such_role_policy(name));
        }
        r.changed(ctx.now, ctx.shared.consistency.iam_propagation_ms(), false);
        r.inline_policies.remove(name);
        Ok::<_, ApiError>(())
    })?;
    Ok(Xml::new())
}

pub fn list_role_policies(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let role = role_name(params, &mut v)?;
    let max_items = v.max_items(params.int("MaxItems")?);
    v.finish()?;
    let marker = params.get("Marker");
    ctx.shared.store.read(|w| {
        let r = w.iam.existing_role(role)?;
        let names: Vec<&String> = r.inline_policies.keys().collect();
        let key = |n: &&String| (*n).clone();
        let p = page(&names, sorted_start(&names, marker, key), max_items, key);
        let mut x = Xml::new();
        // A list of strings: each name is the text of its `member`.
        x.node("PolicyNames", |x| {
            for n in p.items {
                x.elem("member", n);
            }
        });
        write_truncation(&mut x, p.next_marker.as_deref());
        Ok(x)
    })
}

pub fn attach_role_policy(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let role = role_name(params, &mut v)?;
    let arn = policy_arn(params, &mut v)?;
    v.finish()?;
    let policy = managed_policy(arn).ok_or_else(|| {
        ApiError::new(
            &super::IamErrorCode::NoSuchEntity,
            format!("Policy {arn} does not exist or is not attachable."),
        )
    })?;
    ctx.shared.store.write(|w| {
        let r = w.iam.existing_role_mut(role)?;
        if !r.attached_policies.contains_key(arn)
            && r.attached_policies.len() >= ATTACHED_POLICIES_QUOTA
        {
            return Err(errors::limit_exceeded(format!(
                "Cannot exceed quota for PoliciesPerRole: {ATTACHED_POLICIES_QUOTA}"
            )));
        }
        r.attached_policies
            .insert(arn.to_owned(), policy.name.to_owned());
        Ok(())
    })?;
    Ok(Xml::new())
}

pub fn detach_role_policy(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let role = role_name(params, &mut v)?;
    let arn = policy_arn(params, &mut v)?;
    v.finish()?;
    ctx.shared.store.write(|w| {
        let r = w.iam.existing_role_mut(role)?;
        r.attached_policies.remove(arn).ok_or_else(|| {
            ApiError::new(
                &super::IamErrorCode::NoSuchEntity,
                format!("Policy {arn} was not found."),
            )
        })?;
        Ok::<_, ApiError>(())
    })?;
    Ok(Xml::new())
}

pub fn list_attached_role_policies(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let role = role_name(params, &mut v)?;
    let prefix = params.get("PathPrefix").unwrap_or("/");
    v.path_prefix(prefix, "pathPrefix");
    let max_items = v.max_items(params.int("MaxItems")?);
    v.finish()?;
    let marker = params.get("Marker");
    ctx.shared.store.read(|w| {
        let r = w.iam.existing_role(role)?;
        // Only managed policies the sandbox knows can be attached, so each has a known path.
        let attached: Vec<(&String, &String)> = r
            .attached_policies
            .iter()
            .filter(|(arn, _)| managed_policy(arn).is_some_and(|p| p.path.starts_with(prefix)))
            .collect();
        let key = |(arn, _): &(&String, &String)| (*arn).clone();
        let p = page(
            &attached,
            sorted_start(&attached, marker, key),
            max_items,
            key,
        );
        let mut x = Xml::new();
        x.members("AttachedPolicies", p.items, |x, (arn, name)| {
            x.elem("PolicyName", name).elem("PolicyArn", arn);
        });
        write_truncation(&mut x, p.next_marker.as_deref());
        Ok(x)
    })
}
