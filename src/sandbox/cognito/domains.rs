//! Pool domains (the hosted sign-in page's prefix, `<domain>.auth.<region>.amazoncognito.com`):
//! CreateUserPoolDomain, DescribeUserPoolDomain, DeleteUserPoolDomain. Ground Truth needs one
//! on the workforce's pool (fact sheet 2 §3.1). A prefix is unique in its region; a pool has at
//! most one.

use serde::Deserialize;
use serde_json::{Value, json};

use super::pools::pool_id;
use super::{Domain, checked, invalid, pool};
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::json::parse_input;
use crate::sandbox::router::Ctx;
use crate::sandbox::sagemaker::constraints::Violations;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct DomainInput {
    domain: Option<String>,
    user_pool_id: Option<String>,
}

fn domain_name(domain: Option<String>) -> Result<String, ApiError> {
    let mut v = Violations::default();
    v.required("domain", domain.as_ref());
    v.string(
        "domain",
        domain.as_deref(),
        1,
        63,
        Some("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"),
    );
    checked(v)?;
    Ok(domain.unwrap_or_default())
}

fn key(ctx: &Ctx<'_>, domain: &str) -> String {
    format!("{}/{domain}", ctx.region)
}

pub fn create(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: DomainInput = parse_input(body)?;
    let domain = domain_name(input.domain)?;
    let id = pool_id(input.user_pool_id)?;
    let key = key(ctx, &domain);
    ctx.shared.store.write(|w| {
        let p = pool(ctx, w, &id)?;
        if w.cognito.domains.contains_key(&key) {
            return Err(invalid("Domain already associated with another user pool."));
        }
        if let Some(existing) = &p.domain {
            // One domain per pool; the message is UNVERIFIED.
            return Err(invalid(format!(
                "User pool {id} already has a domain configured: {existing}."
            )));
        }
        w.cognito.domains.insert(
            key.clone(),
            Domain {
                domain: domain.clone(),
                pool_id: id.clone(),
                created: ctx.now,
            },
        );
        if let Some(p) = w.cognito.pools.get_mut(&id) {
            p.domain = Some(domain.clone());
        }
        Ok(json!({}))
    })
}

pub fn describe(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: DomainInput = parse_input(body)?;
    let domain = domain_name(input.domain)?;
    let key = key(ctx, &domain);
    ctx.shared.store.read(|w| {
        // An unknown domain is not an error: AWS answers an empty description.
        let Some(d) = w.cognito.domains.get(&key) else {
            return Ok(json!({ "DomainDescription": {} }));
        };
        Ok(json!({ "DomainDescription": {
            "UserPoolId": d.pool_id,
            "AWSAccountId": ctx.account_id(),
            "Domain": d.domain,
            "CloudFrontDistribution": format!("{}.cloudfront.net", d.domain),
            "Version": "1",
            "Status": "ACTIVE",
        }}))
    })
}

pub fn delete(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: DomainInput = parse_input(body)?;
    let domain = domain_name(input.domain)?;
    let id = pool_id(input.user_pool_id)?;
    let key = key(ctx, &domain);
    ctx.shared.store.write(|w| {
        pool(ctx, w, &id)?;
        if w.cognito.domains.get(&key).is_none_or(|d| d.pool_id != id) {
            // The message is UNVERIFIED.
            return Err(invalid(format!(
                "Domain {domain} is not a domain of user pool {id}."
            )));
        }
        w.cognito.domains.remove(&key);
        if let Some(p) = w.cognito.pools.get_mut(&id) {
            p.domain = None;
        }
        Ok(json!({}))
    })
}
