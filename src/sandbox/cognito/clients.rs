//! App clients: CreateUserPoolClient, DescribeUserPoolClient, ListUserPoolClients,
//! DeleteUserPoolClient. SageMaker signs workers in through one (`CognitoConfig.ClientId`); the
//! client's secret is generated on request, never supplied (fact sheet 2 §3.1).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::pools::{pool_id, random_alnum};
use super::{AppClient, CognitoError, checked, member_key, paging, pool};
use crate::sandbox::clock::epoch_seconds;
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::json::parse_input;
use crate::sandbox::router::Ctx;
use crate::sandbox::sagemaker::constraints::Violations;

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Request members stored as sent and echoed by DescribeUserPoolClient.
const ECHOED: &[&str] = &[
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "SupportedIdentityProviders",
    "ExplicitAuthFlows",
];

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct CreateInput {
    user_pool_id: Option<String>,
    client_name: Option<String>,
    generate_secret: bool,
    #[serde(rename = "AllowedOAuthFlows")]
    allowed_oauth_flows: Vec<String>,
}

pub fn create(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: CreateInput = parse_input(body)?;
    let raw: Map<String, Value> = parse_input(body)?;
    let id = pool_id(input.user_pool_id)?;
    let mut v = Violations::default();
    v.required("clientName", input.client_name.as_ref());
    v.string(
        "clientName",
        input.client_name.as_deref(),
        1,
        128,
        Some(r"[\w\s+=,.@-]+"),
    );
    v.list_len("allowedOAuthFlows", Some(&input.allowed_oauth_flows), 0, 3);
    for flow in &input.allowed_oauth_flows {
        v.one_of(
            "allowedOAuthFlows.member",
            flow,
            &["code", "implicit", "client_credentials"],
        );
    }
    checked(v)?;
    let client = AppClient {
        pool_id: id.clone(),
        id: random_alnum(26, LOWER_ALNUM),
        name: input.client_name.unwrap_or_default(),
        secret: input.generate_secret.then(|| random_alnum(51, LOWER_ALNUM)),
        created: ctx.now,
        echoed: raw
            .into_iter()
            .filter(|(k, _)| ECHOED.contains(&k.as_str()))
            .collect(),
    };
    ctx.shared.store.write(|w| {
        pool(ctx, w, &id)?;
        w.cognito
            .clients
            .insert(member_key(&id, &client.id), client.clone());
        Ok(json!({ "UserPoolClient": shape(&client) }))
    })
}

fn shape(c: &AppClient) -> Value {
    let mut out = c.echoed.clone();
    out.insert("UserPoolId".into(), json!(c.pool_id));
    out.insert("ClientName".into(), json!(c.name));
    out.insert("ClientId".into(), json!(c.id));
    if let Some(secret) = &c.secret {
        out.insert("ClientSecret".into(), json!(secret));
    }
    out.insert("CreationDate".into(), json!(epoch_seconds(c.created)));
    out.insert("LastModifiedDate".into(), json!(epoch_seconds(c.created)));
    Value::Object(out)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ClientInput {
    user_pool_id: Option<String>,
    client_id: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn client_id(id: Option<String>) -> Result<String, ApiError> {
    let mut v = Violations::default();
    v.required("clientId", id.as_ref());
    v.string("clientId", id.as_deref(), 1, 128, Some(r"[\w+]+"));
    checked(v)?;
    Ok(id.unwrap_or_default())
}

fn missing_client(id: &str) -> ApiError {
    ApiError::new(
        &CognitoError::ResourceNotFound,
        format!("User pool client {id} does not exist."),
    )
}

pub fn describe(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: ClientInput = parse_input(body)?;
    let pool_id = pool_id(input.user_pool_id)?;
    let id = client_id(input.client_id)?;
    ctx.shared.store.read(|w| {
        pool(ctx, w, &pool_id)?;
        let c = w
            .cognito
            .clients
            .get(&member_key(&pool_id, &id))
            .ok_or_else(|| missing_client(&id))?;
        Ok(json!({ "UserPoolClient": shape(c) }))
    })
}

pub fn list(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: ClientInput = parse_input(body)?;
    let pool_id = pool_id(input.user_pool_id)?;
    let mut v = Violations::default();
    v.int("maxResults", input.max_results, Some(1), Some(60));
    checked(v)?;
    let mut clients: Vec<AppClient> = ctx.shared.store.read(|w| {
        pool(ctx, w, &pool_id)?;
        Ok::<_, ApiError>(
            w.cognito
                .clients
                .values()
                .filter(|c| c.pool_id == pool_id)
                .cloned()
                .collect(),
        )
    })?;
    clients.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
    let items: Vec<Value> = clients
        .iter()
        .map(|c| json!({ "ClientId": c.id, "UserPoolId": c.pool_id, "ClientName": c.name }))
        .collect();
    paging::page(
        "UserPoolClients",
        "NextToken",
        &items,
        paging::limit(input.max_results, 60),
        input.next_token.as_deref(),
    )
}

pub fn delete(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: ClientInput = parse_input(body)?;
    let pool_id = pool_id(input.user_pool_id)?;
    let id = client_id(input.client_id)?;
    ctx.shared.store.write(|w| {
        pool(ctx, w, &pool_id)?;
        w.cognito
            .clients
            .remove(&member_key(&pool_id, &id))
            .ok_or_else(|| missing_client(&id))?;
        Ok(json!({}))
    })
}
