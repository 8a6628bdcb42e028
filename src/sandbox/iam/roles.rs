//! Role operations: `CreateRole`, `GetRole`, `UpdateRole`, `UpdateRoleDescription`,
//! `UpdateAssumeRolePolicy`, `DeleteRole`, `ListRoles`, and the `Role` XML shape they share.

use super::errors::{self, IamErrorCode};
use super::paging::{page, sorted_start};
use super::validate::{ROLE_NAME_MAX, Violations};
use super::{IamState, Role, tags, url_encode_policy, write_truncation};
use crate::policy_eval::{self, PolicyKind};
use crate::sandbox::clock;
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::query::QueryParams;
use crate::sandbox::protocol::xml::Xml;
use crate::sandbox::router::Ctx;

/// `MaxSessionDuration` when the caller gives none: one hour.
const DEFAULT_MAX_SESSION: i64 = 3600;

/// IAM's default quota on a trust policy's size (`ACLSizePerRole`), counted without whitespace.
const TRUST_POLICY_QUOTA: usize = 2048;

/// Which members of the `Role` shape an operation returns: `ListRoles` leaves out `Tags` and
/// `RoleLastUsed` (IAM API reference for `ListRoles`), `GetRole` has both, `CreateRole` the tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Listed,
    Created,
    Full,
}

fn write_role(x: &mut Xml, role: &Role, shape: Shape) {
    x.elem("Path", &role.path)
        .elem("RoleName", &role.name)
        .elem("RoleId", &role.role_id)
        .elem("Arn", &role.arn)
        .elem("CreateDate", clock::iso8601(role.created))
        .elem(
            "AssumeRolePolicyDocument",
            url_encode_policy(&role.assume_role_policy),
        )
        .opt("Description", role.description.as_deref())
        .elem("MaxSessionDuration", role.max_session_duration.to_string());
    if shape != Shape::Listed && !role.tags.is_empty() {
        tags::write_tags(x, &role.tags);
    }
    if shape == Shape::Full {
        // The sandbox does not track role use; IAM sends an empty element for a role never used.
        x.node("RoleLastUsed", |_| {});
    }
}

/// Validates a role name parameter (every role operation takes one) and returns it.
pub(super) fn role_name<'p>(
    params: &'p QueryParams,
    v: &mut Violations,
) -> Result<&'p str, ApiError> {
    let name = params.required("RoleName")?;
    v.entity_name(name, "roleName", ROLE_NAME_MAX);
    Ok(name)
}

/// Checks a trust policy: its text, IAM's size quota and the policy grammar.
fn check_trust_policy(text: &str, member: &str) -> Result<(), ApiError> {
    let mut v = Violations::new();
    v.policy_text(text, member);
    v.finish()?;
    if text.chars().filter(|c| !c.is_whitespace()).count() > TRUST_POLICY_QUOTA {
        return Err(errors::limit_exceeded(format!(
            "Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_QUOTA}"
        )));
    }
    policy_eval::parse(text, PolicyKind::Trust).map_err(|e| errors::malformed(e.0))?;
    Ok(())
}

/// `AROA` followed by 17 random upper-case letters and digits, the shape of a role's unique id.
fn new_role_id() -> String {
    const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let random = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()];
    let suffix: String = random
        .iter()
        .flat_map(|u| u.as_bytes().iter().copied())
        .take(17)
        .map(|b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect();
    format!("AROA{suffix}")
}

pub fn create_role(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let name = role_name(params, &mut v)?;
    let path = params.get("Path").unwrap_or("/");
    v.path(path, "path");
    let description = params.get("Description");
    if let Some(d) = description {
        v.description(d);
    }
    let max_session = params.int("MaxSessionDuration")?;
    if let Some(m) = max_session {
        v.max_session_duration(m);
    }
    let trust = params.required("AssumeRolePolicyDocument")?;
    let new_tags = tags::tags_param(params, &mut v)?;
    v.finish()?;
    tags::check_unique_keys(&new_tags)?;
    tags::check_reserved_keys(&new_tags)?;
    check_trust_policy(trust, "assumeRolePolicyDocument")?;

    let mut role = Role {
        name: name.to_owned(),
        path: path.to_owned(),
        role_id: new_role_id(),
        arn: format!("arn:aws:iam::{}:role{path}{name}", ctx.account_id()),
        created: ctx.now,
        description: description.map(str::to_owned),
        max_session_duration: max_session.unwrap_or(DEFAULT_MAX_SESSION),
        assume_role_policy: trust.to_owned(),
        inline_policies: std::collections::BTreeMap::new(),
        attached_policies: std::collections::BTreeMap::new(),
        tags: new_tags,
        propagating: None,
    };
    role.changed(ctx.now, ctx.shared.consistency.iam_propagation_ms(), true);
    ctx.shared.store.write(|w| {
        let key = name.to_ascii_lowercase();
        if w.iam.roles.contains_key(&key) {
            return Err(ApiError::new(
                &IamErrorCode::EntityAlreadyExists,
                format!("Role with name {name} already exists."),
            ));
        }
        w.iam.roles.insert(key, role.clone());
        Ok(())
    })?;
    let mut x = Xml::new();
    x.node("Role", |x| write_role(x, &role, Shape::Created));
    Ok(x)
}

pub fn get_role(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let name = role_name(params, &mut v)?;
    v.finish()?;
    ctx.shared.store.read(|w| {
        let role = w.iam.existing_role(name)?;
        let mut x = Xml::new();
        x.node("Role", |x| write_role(x, role, Shape::Full));
        Ok(x)
    })
}

pub fn update_role(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let name = role_name(params, &mut v)?;
    let description = params.get("Description");
    if let Some(d) = description {
        v.description(d);
    }
    let max_session = params.int("MaxSessionDuration")?;
    if let Some(m) = max_session {
        v.max_session_duration(m);
    }
    v.finish()?;
    ctx.shared.store.write(|w| {
        let role = w.iam.existing_role_mut(name)?;
        if let Some(d) = description {
            role.description = Some(d.to_owned()).filter(|d| !d.is_empty());
        }
        if let Some(m) = max_session {
            role.max_session_duration = m;
        }
        Ok::<_, ApiError>(())
    })?;
    Ok(Xml::new())
}

pub fn update_role_description(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let name = role_name(params, &mut v)?;
    let description = params.required("Description")?;
    v.description(description);
    v.finish()?;
    let role = ctx.shared.store.write(|w| {
        let role = w.iam.existing_role_mut(name)?;
        role.description = Some(description.to_owned()).filter(|d| !d.is_empty());
        Ok::<_, ApiError>(role.clone())
    })?;
    let mut x = Xml::new();
    x.node("Role", |x| write_role(x, &role, Shape::Full));
    Ok(x)
}

pub fn update_assume_role_policy(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let name = role_name(params, &mut v)?;
    let document = params.required("PolicyDocument")?;
    v.finish()?;
    check_trust_policy(document, "policyDocument")?;
    ctx.shared.store.write(|w| {
        let role = w.iam.existing_role_mut(name)?;
        role.changed(ctx.now, ctx.shared.consistency.iam_propagation_ms(), true);
        document.clone_into(&mut role.assume_role_policy);
        Ok::<_, ApiError>(())
    })?;
    Ok(Xml::new())
}

pub fn delete_role(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let name = role_name(params, &mut v)?;
    v.finish()?;
    ctx.shared.store.write(|w| {
        let role = w.iam.existing_role(name)?;
        // IAM refuses to delete a role that still has policies, inline ones first.
        if !role.inline_policies.is_empty() {
            return Err(errors::delete_conflict(
                "Cannot delete entity, must delete policies first.",
            ));
        }
        if !role.attached_policies.is_empty() {
            return Err(errors::delete_conflict(
                "Cannot delete entity, must detach all policies first.",
            ));
        }
        w.iam.roles.remove(&name.to_ascii_lowercase());
        Ok(())
    })?;
    Ok(Xml::new())
}

pub fn list_roles(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let prefix = params.get("PathPrefix").unwrap_or("/");
    v.path_prefix(prefix, "pathPrefix");
    let max_items = v.max_items(params.int("MaxItems")?);
    v.finish()?;
    let marker = params.get("Marker");
    ctx.shared.store.read(|w| {
        // Listed in name order ignoring case, the order of the state's lowercase keys.
        let roles: Vec<&Role> = roles_under(&w.iam, prefix);
        let key = |r: &&Role| r.name.to_ascii_lowercase();
        let p = page(&roles, sorted_start(&roles, marker, key), max_items, key);
        let mut x = Xml::new();
        x.members("Roles", p.items, |x, role| {
            write_role(x, role, Shape::Listed);
        });
        write_truncation(&mut x, p.next_marker.as_deref());
        Ok(x)
    })
}

fn roles_under<'a>(iam: &'a IamState, prefix: &str) -> Vec<&'a Role> {
    iam.roles
        .values()
        .filter(|r| r.path.starts_with(prefix))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_ids_have_iams_shape() {
        let id = new_role_id();
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("AROA"));
        assert!(
            id[4..]
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
            "{id}"
        );
        assert_ne!(new_role_id(), id);
    }
}
