//! Groups and membership: CreateGroup, GetGroup, ListGroups, DeleteGroup, AdminAddUserToGroup,
//! AdminRemoveUserFromGroup, ListUsersInGroup, AdminListGroupsForUser. A Ground Truth work team
//! names a group of the workforce's pool; its members are the team's workers.
//!
//! Adding and removing are idempotent (set semantics). The group is checked before the user,
//! as moto does (fact sheet 2 §3.3).

use serde::Deserialize;
use serde_json::{Value, json};

use super::pools::pool_id;
use super::users::{missing_user, shape as user_shape, username};
use super::{CognitoError, Group, checked, member_key, paging, pool};
use crate::sandbox::clock::epoch_seconds;
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::json::parse_input;
use crate::sandbox::router::Ctx;
use crate::sandbox::sagemaker::constraints::Violations;
use crate::sandbox::store::World;

/// `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`, the model's pattern for group and user names.
pub const NAME: &str = r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+";

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct GroupInput {
    user_pool_id: Option<String>,
    group_name: Option<String>,
    username: Option<String>,
    description: Option<String>,
    role_arn: Option<String>,
    precedence: Option<i64>,
    limit: Option<i64>,
    next_token: Option<String>,
}

fn group_name(name: Option<&String>) -> Result<String, ApiError> {
    let mut v = Violations::default();
    v.required("groupName", name);
    v.string("groupName", name.map(String::as_str), 1, 128, Some(NAME));
    checked(v)?;
    Ok(name.cloned().unwrap_or_default())
}

fn missing_group(name: &str) -> ApiError {
    // moto's message is the bare group name; AWS's text is UNVERIFIED.
    ApiError::new(
        &CognitoError::ResourceNotFound,
        format!("Group {name} not found."),
    )
}

fn group<'w>(w: &'w World, pool_id: &str, name: &str) -> Result<&'w Group, ApiError> {
    w.cognito
        .groups
        .get(&member_key(pool_id, name))
        .ok_or_else(|| missing_group(name))
}

fn shape(g: &Group) -> Value {
    let mut out = json!({
        "GroupName": g.name,
        "UserPoolId": g.pool_id,
        "CreationDate": epoch_seconds(g.created),
        "LastModifiedDate": epoch_seconds(g.created),
    });
    if let Some(d) = &g.description {
        out["Description"] = json!(d);
    }
    if let Some(r) = &g.role_arn {
        out["RoleArn"] = json!(r);
    }
    if let Some(p) = g.precedence {
        out["Precedence"] = json!(p);
    }
    out
}

pub fn create(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: GroupInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id.clone())?;
    let name = group_name(input.group_name.as_ref())?;
    let mut v = Violations::default();
    v.string("description", input.description.as_deref(), 0, 2048, None);
    v.int("precedence", input.precedence, Some(0), None);
    checked(v)?;
    let g = Group {
        pool_id: id.clone(),
        name: name.clone(),
        description: input.description,
        role_arn: input.role_arn,
        precedence: input.precedence,
        created: ctx.now,
        members: std::collections::BTreeSet::new(),
    };
    ctx.shared.store.write(|w| {
        pool(ctx, w, &id)?;
        let key = member_key(&id, &name);
        if w.cognito.groups.contains_key(&key) {
            return Err(ApiError::new(
                &CognitoError::GroupExists,
                format!("A group with the name {name} already exists."),
            ));
        }
        w.cognito.groups.insert(key, g.clone());
        Ok(json!({ "Group": shape(&g) }))
    })
}

pub fn get(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: GroupInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    let name = group_name(input.group_name.as_ref())?;
    ctx.shared.store.read(|w| {
        pool(ctx, w, &id)?;
        Ok(json!({ "Group": shape(group(w, &id, &name)?) }))
    })
}

pub fn list(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: GroupInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    let limit = limit(input.limit)?;
    let items: Vec<Value> = ctx.shared.store.read(|w| {
        pool(ctx, w, &id)?;
        Ok::<_, ApiError>(
            w.cognito
                .groups
                .values()
                .filter(|g| g.pool_id == id)
                .map(shape)
                .collect(),
        )
    })?;
    paging::page(
        "Groups",
        "NextToken",
        &items,
        limit,
        input.next_token.as_deref(),
    )
}

fn limit(value: Option<i64>) -> Result<usize, ApiError> {
    let mut v = Violations::default();
    v.int("limit", value, Some(0), Some(60));
    checked(v)?;
    Ok(paging::limit(value, 60))
}

pub fn delete(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: GroupInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    let name = group_name(input.group_name.as_ref())?;
    ctx.shared.store.write(|w| {
        pool(ctx, w, &id)?;
        group(w, &id, &name)?;
        w.cognito.groups.remove(&member_key(&id, &name));
        Ok(json!({}))
    })
}

/// Adds (`true`) or removes a user from a group.
fn set_member(ctx: &Ctx<'_>, body: &[u8], member: bool) -> Result<Value, ApiError> {
    let input: GroupInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    let name = group_name(input.group_name.as_ref())?;
    let user = username(input.username.as_ref())?;
    ctx.shared.store.write(|w| {
        pool(ctx, w, &id)?;
        group(w, &id, &name)?;
        if !w.cognito.users.contains_key(&member_key(&id, &user)) {
            return Err(missing_user());
        }
        let g = w
            .cognito
            .groups
            .get_mut(&member_key(&id, &name))
            .ok_or_else(|| missing_group(&name))?;
        if member {
            g.members.insert(user.clone());
        } else {
            g.members.remove(&user);
        }
        Ok(json!({}))
    })
}

pub fn add_user(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    set_member(ctx, body, true)
}

pub fn remove_user(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    set_member(ctx, body, false)
}

pub fn list_users(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: GroupInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    let name = group_name(input.group_name.as_ref())?;
    let limit = limit(input.limit)?;
    let items: Vec<Value> = ctx.shared.store.read(|w| {
        pool(ctx, w, &id)?;
        let g = group(w, &id, &name)?;
        Ok::<_, ApiError>(
            g.members
                .iter()
                .filter_map(|u| w.cognito.users.get(&member_key(&id, u)))
                .map(user_shape)
                .collect(),
        )
    })?;
    paging::page(
        "Users",
        "NextToken",
        &items,
        limit,
        input.next_token.as_deref(),
    )
}

pub fn list_for_user(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: GroupInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    let user = username(input.username.as_ref())?;
    let limit = limit(input.limit)?;
    let items: Vec<Value> = ctx.shared.store.read(|w| {
        pool(ctx, w, &id)?;
        if !w.cognito.users.contains_key(&member_key(&id, &user)) {
            return Err(missing_user());
        }
        Ok(w.cognito
            .groups
            .values()
            .filter(|g| g.pool_id == id && g.members.contains(&user))
            .map(shape)
            .collect())
    })?;
    paging::page(
        "Groups",
        "NextToken",
        &items,
        limit,
        input.next_token.as_deref(),
    )
}
