//! Users: AdminCreateUser, AdminGetUser, AdminDeleteUser, ListUsers. A Ground Truth worker is a
//! user of the workforce's pool, created by an admin and invited by Cognito's welcome message.
//!
//! The sandbox sends no mail: it records each invitation on the user (medium, address, time),
//! which the admin state dump shows. `EMAIL` needs an `email` attribute (InvalidParameter, fact
//! sheet 2 §3.2); an `SMS` invitation to a user without `phone_number` is recorded as not
//! delivered, i.e. not at all (what Cognito does then is UNVERIFIED).

use serde::Deserialize;
use serde_json::{Value, json};

use super::groups::NAME;
use super::pools::pool_id;
use super::{
    Attribute, CognitoError, Invitation, User, checked, invalid, member_key, paging, pool,
};
use crate::sandbox::clock::epoch_seconds;
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::json::parse_input;
use crate::sandbox::router::Ctx;
use crate::sandbox::sagemaker::constraints::Violations;

pub fn username(name: Option<&String>) -> Result<String, ApiError> {
    let mut v = Violations::default();
    v.required("username", name);
    v.string("username", name.map(String::as_str), 1, 128, Some(NAME));
    checked(v)?;
    Ok(name.cloned().unwrap_or_default())
}

pub fn missing_user() -> ApiError {
    ApiError::new(&CognitoError::UserNotFound, "User does not exist.")
}

/// The `UserType` of AdminCreateUser, ListUsers and ListUsersInGroup.
pub fn shape(u: &User) -> Value {
    json!({
        "Username": u.username,
        "Attributes": u.attributes,
        "UserCreateDate": epoch_seconds(u.created),
        "UserLastModifiedDate": epoch_seconds(u.modified),
        "Enabled": true,
        "UserStatus": u.status,
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct CreateInput {
    user_pool_id: Option<String>,
    username: Option<String>,
    user_attributes: Vec<Attribute>,
    desired_delivery_mediums: Option<Vec<String>>,
    message_action: Option<String>,
}

fn attribute<'u>(attributes: &'u [Attribute], name: &str) -> Option<&'u str> {
    attributes
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.value.as_str())
}

/// The invitations a welcome message to a user with `attributes` makes.
fn invitations(
    attributes: &[Attribute],
    mediums: &[String],
    now: i64,
) -> Result<Vec<Invitation>, ApiError> {
    let mut sent = Vec::new();
    for medium in mediums {
        let to = match medium.as_str() {
            "EMAIL" => Some(attribute(attributes, "email").ok_or_else(|| {
                invalid("User has no value for the email attribute, which EMAIL delivery needs.")
            })?),
            _ => attribute(attributes, "phone_number"),
        };
        if let Some(to) = to {
            sent.push(Invitation {
                medium: medium.clone(),
                to: to.to_owned(),
                at: now,
            });
        }
    }
    Ok(sent)
}

pub fn create(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: CreateInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    let name = username(input.username.as_ref())?;
    let mediums = input
        .desired_delivery_mediums
        .unwrap_or_else(|| vec!["SMS".to_owned()]);
    let mut v = Violations::default();
    for m in &mediums {
        v.one_of("desiredDeliveryMediums.member", m, &["SMS", "EMAIL"]);
    }
    if let Some(action) = &input.message_action {
        v.one_of("messageAction", action, &["RESEND", "SUPPRESS"]);
    }
    for a in &input.user_attributes {
        v.string("userAttributes.member.name", Some(&a.name), 1, 32, None);
        v.string("userAttributes.member.value", Some(&a.value), 0, 2048, None);
    }
    checked(v)?;
    let key = member_key(&id, &name);
    let action = input.message_action.as_deref();
    ctx.shared.store.write(|w| {
        pool(ctx, w, &id)?;
        let existing = w.cognito.users.get(&key);
        if action == Some("RESEND") {
            // RESEND re-sends the invitation to an existing user.
            let user = existing.ok_or_else(missing_user)?;
            let sent = invitations(&user.attributes, &mediums, ctx.now)?;
            let user = w.cognito.users.get_mut(&key).ok_or_else(missing_user)?;
            user.invitations.extend(sent);
            return Ok(json!({ "User": shape(user) }));
        }
        if existing.is_some() {
            return Err(ApiError::new(
                &CognitoError::UsernameExists,
                "User account already exists.",
            ));
        }
        let mut attributes = input.user_attributes.clone();
        if attribute(&attributes, "sub").is_none() {
            attributes.insert(
                0,
                Attribute {
                    name: "sub".to_owned(),
                    value: uuid::Uuid::new_v4().to_string(),
                },
            );
        }
        let sent = if action == Some("SUPPRESS") {
            Vec::new()
        } else {
            invitations(&attributes, &mediums, ctx.now)?
        };
        let user = User {
            pool_id: id.clone(),
            username: name.clone(),
            attributes,
            status: "FORCE_CHANGE_PASSWORD".to_owned(),
            created: ctx.now,
            modified: ctx.now,
            invitations: sent,
        };
        let shown = shape(&user);
        w.cognito.users.insert(key.clone(), user);
        Ok(json!({ "User": shown }))
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct UserInput {
    user_pool_id: Option<String>,
    username: Option<String>,
    limit: Option<i64>,
    pagination_token: Option<String>,
    filter: Option<String>,
}

pub fn get(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: UserInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    let name = username(input.username.as_ref())?;
    ctx.shared.store.read(|w| {
        pool(ctx, w, &id)?;
        let u = w
            .cognito
            .users
            .get(&member_key(&id, &name))
            .ok_or_else(missing_user)?;
        Ok(json!({
            "Username": u.username,
            "UserAttributes": u.attributes,
            "UserCreateDate": epoch_seconds(u.created),
            "UserLastModifiedDate": epoch_seconds(u.modified),
            "Enabled": true,
            "UserStatus": u.status,
        }))
    })
}

pub fn delete(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: UserInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    let name = username(input.username.as_ref())?;
    ctx.shared.store.write(|w| {
        pool(ctx, w, &id)?;
        w.cognito
            .users
            .remove(&member_key(&id, &name))
            .ok_or_else(missing_user)?;
        let groups: Vec<String> = w
            .cognito
            .groups
            .iter()
            .filter(|(_, g)| g.pool_id == id && g.members.contains(&name))
            .map(|(k, _)| k.clone())
            .collect();
        for k in groups {
            if let Some(g) = w.cognito.groups.get_mut(&k) {
                g.members.remove(&name);
            }
        }
        Ok(json!({}))
    })
}

pub fn list(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: UserInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    let mut v = Violations::default();
    v.int("limit", input.limit, Some(0), Some(60));
    checked(v)?;
    if input.filter.as_deref().is_some_and(|f| !f.is_empty()) {
        return Err(invalid(
            "the gtplan sandbox does not support ListUsers' Filter; list all users instead",
        ));
    }
    let items: Vec<Value> = ctx.shared.store.read(|w| {
        pool(ctx, w, &id)?;
        Ok::<_, ApiError>(
            w.cognito
                .users
                .values()
                .filter(|u| u.pool_id == id)
                .map(shape)
                .collect(),
        )
    })?;
    paging::page(
        "Users",
        "PaginationToken",
        &items,
        paging::limit(input.limit, 60),
        input.pagination_token.as_deref(),
    )
}
