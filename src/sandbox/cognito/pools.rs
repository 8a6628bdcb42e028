//! User pools: CreateUserPool, DescribeUserPool, ListUserPools, DeleteUserPool, and the tags
//! gtplan puts on a pool it owns (TagResource, UntagResource, ListTagsForResource).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{CognitoError, UserPool, checked, invalid, paging, pool, pool_mut};
use crate::sandbox::clock::epoch_seconds;
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::json::parse_input;
use crate::sandbox::router::Ctx;
use crate::sandbox::sagemaker::constraints::Violations;
use crate::sandbox::store::World;

/// Request members stored as sent and echoed in the pool's description.
const ECHOED: &[&str] = &[
    "AdminCreateUserConfig",
    "UsernameConfiguration",
    "AutoVerifiedAttributes",
    "UsernameAttributes",
    "AliasAttributes",
    "MfaConfiguration",
];

/// `n` random characters of `alphabet`, for ids and secrets.
pub fn random_alnum(n: usize, alphabet: &[u8]) -> String {
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in uuid::Uuid::new_v4().as_bytes() {
            if out.len() == n {
                break;
            }
            out.push(char::from(alphabet[usize::from(*b) % alphabet.len()]));
        }
    }
    out
}

pub fn pool_arn(region: &str, account: &str, id: &str) -> String {
    format!("arn:aws:cognito-idp:{region}:{account}:userpool/{id}")
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct CreateInput {
    pool_name: Option<String>,
    user_pool_tags: Option<BTreeMap<String, String>>,
}

pub fn create(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: CreateInput = parse_input(body)?;
    let raw: Map<String, Value> = parse_input(body)?;
    let mut v = Violations::default();
    v.required("poolName", input.pool_name.as_ref());
    v.string(
        "poolName",
        input.pool_name.as_deref(),
        1,
        128,
        Some(r"[\w\s+=,.@-]+"),
    );
    checked(v)?;
    let id = format!(
        "{}_{}",
        ctx.region,
        random_alnum(
            9,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        )
    );
    let pool = UserPool {
        id: id.clone(),
        name: input.pool_name.unwrap_or_default(),
        region: ctx.region.clone(),
        created: ctx.now,
        domain: None,
        tags: input.user_pool_tags.unwrap_or_default(),
        echoed: raw
            .into_iter()
            .filter(|(k, _)| ECHOED.contains(&k.as_str()))
            .collect(),
    };
    ctx.shared.store.write(|w| {
        let shown = shape(ctx, w, &pool);
        w.cognito.pools.insert(id.clone(), pool.clone());
        Ok(json!({ "UserPool": shown }))
    })
}

/// The `UserPoolType` of DescribeUserPool and CreateUserPool.
fn shape(ctx: &Ctx<'_>, w: &World, p: &UserPool) -> Value {
    let users = w
        .cognito
        .users
        .values()
        .filter(|u| u.pool_id == p.id)
        .count();
    let mut out = p.echoed.clone();
    out.insert("Id".into(), json!(p.id));
    out.insert("Name".into(), json!(p.name));
    out.insert(
        "Arn".into(),
        json!(pool_arn(&p.region, ctx.account_id(), &p.id)),
    );
    out.insert("CreationDate".into(), json!(epoch_seconds(p.created)));
    out.insert("LastModifiedDate".into(), json!(epoch_seconds(p.created)));
    out.insert("EstimatedNumberOfUsers".into(), json!(users));
    out.insert("UserPoolTags".into(), json!(p.tags));
    if let Some(d) = &p.domain {
        out.insert("Domain".into(), json!(d));
    }
    Value::Object(out)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct PoolInput {
    user_pool_id: Option<String>,
}

pub fn pool_id(id: Option<String>) -> Result<String, ApiError> {
    let mut v = Violations::default();
    v.required("userPoolId", id.as_ref());
    v.string(
        "userPoolId",
        id.as_deref(),
        1,
        55,
        Some(r"[\w-]+_[0-9a-zA-Z]+"),
    );
    checked(v)?;
    Ok(id.unwrap_or_default())
}

pub fn describe(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: PoolInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    ctx.shared.store.read(|w| {
        let p = pool(ctx, w, &id)?;
        Ok(json!({ "UserPool": shape(ctx, w, p) }))
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ListInput {
    max_results: Option<i64>,
    next_token: Option<String>,
}

pub fn list(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: ListInput = parse_input(body)?;
    let mut v = Violations::default();
    v.required("maxResults", input.max_results.as_ref());
    v.int("maxResults", input.max_results, Some(1), Some(60));
    checked(v)?;
    let mut pools: Vec<UserPool> = ctx.shared.store.read(|w| {
        w.cognito
            .pools
            .values()
            .filter(|p| p.region == ctx.region)
            .cloned()
            .collect()
    });
    pools.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
    let items: Vec<Value> = pools
        .iter()
        .map(|p| {
            json!({
                "Id": p.id,
                "Name": p.name,
                "CreationDate": epoch_seconds(p.created),
                "LastModifiedDate": epoch_seconds(p.created),
            })
        })
        .collect();
    paging::page(
        "UserPools",
        "NextToken",
        &items,
        paging::limit(input.max_results, 60),
        input.next_token.as_deref(),
    )
}

pub fn delete(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: PoolInput = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    ctx.shared.store.write(|w| {
        let p = pool(ctx, w, &id)?;
        if let Some(domain) = &p.domain {
            // AWS refuses while a domain is attached; the message is UNVERIFIED.
            return Err(invalid(format!(
                "User pool {id} has a domain ({domain}) configured that should be deleted first."
            )));
        }
        let prefix = format!("{id}/");
        let owned = |keys: Vec<&String>| -> Vec<String> {
            keys.into_iter()
                .filter(|k| k.starts_with(&prefix))
                .cloned()
                .collect()
        };
        for k in owned(w.cognito.clients.keys().collect()) {
            w.cognito.clients.remove(&k);
        }
        for k in owned(w.cognito.groups.keys().collect()) {
            w.cognito.groups.remove(&k);
        }
        for k in owned(w.cognito.users.keys().collect()) {
            w.cognito.users.remove(&k);
        }
        w.cognito.pools.remove(&id);
        Ok(json!({}))
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct TagsInput {
    resource_arn: Option<String>,
    tags: Option<BTreeMap<String, String>>,
    tag_keys: Option<Vec<String>>,
}

/// The pool id named by a user pool ARN of the request's region and account.
fn pool_of_arn(ctx: &Ctx<'_>, arn: Option<&str>) -> Result<String, ApiError> {
    let arn = arn.ok_or_else(|| {
        invalid("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
    })?;
    let prefix = pool_arn(&ctx.region, ctx.account_id(), "");
    arn.strip_prefix(&prefix)
        .map(ToOwned::to_owned)
        .ok_or_else(|| {
            ApiError::new(
                &CognitoError::ResourceNotFound,
                format!("Resource {arn} does not exist."),
            )
        })
}

pub fn tag(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: TagsInput = parse_input(body)?;
    let id = pool_of_arn(ctx, input.resource_arn.as_deref())?;
    let new = input.tags.unwrap_or_default();
    ctx.shared.store.write(|w| {
        let p = pool_mut(ctx, w, &id)?;
        if p.tags.len() + new.keys().filter(|k| !p.tags.contains_key(*k)).count() > 50 {
            return Err(invalid("A user pool can have at most 50 tags."));
        }
        p.tags.extend(new.clone());
        Ok(json!({}))
    })
}

pub fn untag(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: TagsInput = parse_input(body)?;
    let id = pool_of_arn(ctx, input.resource_arn.as_deref())?;
    let keys = input.tag_keys.unwrap_or_default();
    ctx.shared.store.write(|w| {
        let p = pool_mut(ctx, w, &id)?;
        p.tags.retain(|k, _| !keys.contains(k));
        Ok(json!({}))
    })
}

pub fn list_tags(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: TagsInput = parse_input(body)?;
    let id = pool_of_arn(ctx, input.resource_arn.as_deref())?;
    ctx.shared
        .store
        .read(|w| Ok(json!({ "Tags": pool(ctx, w, &id)?.tags })))
}
