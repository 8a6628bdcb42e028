//! Amazon Cognito user pools (JSON 1.1, `AWSCognitoIdentityProviderService.*`, signed for the
//! service `cognito-idp`): the part a private Ground Truth workforce stands on. A workforce is a
//! user pool with a domain and an app client, a work team is a group of it, a worker is a user
//! (fact sheet 2 §3). `handle` dispatches by operation; each module serves one kind of resource.
//!
//! Errors are Cognito's own codes with status 400. Missing members and broken constraints are an
//! `InvalidParameterException` in the "1 validation error detected" form SageMaker uses too
//! (INFERRED: Cognito's model declares no `ValidationException`).

mod clients;
mod domains;
mod groups;
mod paging;
mod pools;
mod users;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::clock::EpochMillis;
use super::error::{ApiError, ErrorCode};
use super::router::Ctx;
use super::sagemaker::constraints::Violations;
use super::store::World;
use super::tracked::Tracked;

pub use pools::{pool_arn, random_alnum};

/// Cognito's error codes for the operations the sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CognitoError {
    ResourceNotFound,
    InvalidParameter,
    UserNotFound,
    UsernameExists,
    GroupExists,
}

impl ErrorCode for CognitoError {
    fn code(&self) -> &'static str {
        match self {
            Self::ResourceNotFound => "ResourceNotFoundException",
            Self::InvalidParameter => "InvalidParameterException",
            Self::UserNotFound => "UserNotFoundException",
            Self::UsernameExists => "UsernameExistsException",
            Self::GroupExists => "GroupExistsException",
        }
    }

    fn status(&self) -> u16 {
        400
    }
}

pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(&CognitoError::InvalidParameter, message)
}

/// Collected constraint violations as Cognito reports them.
pub fn checked(v: Violations) -> Result<(), ApiError> {
    v.into_result_as(&CognitoError::InvalidParameter)
}

/// Every resource of every user pool. Keys start with the pool id, which names its region.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CognitoState {
    /// User pools by id (`<region>_<9 alnum>`).
    pub pools: Tracked<UserPool>,
    /// App clients by `<pool id>/<client id>`.
    pub clients: Tracked<AppClient>,
    /// Groups by `<pool id>/<group name>`, each with its members.
    pub groups: Tracked<Group>,
    /// Users by `<pool id>/<username>` (usernames are case-sensitive by default, §3.2).
    pub users: Tracked<User>,
    /// Pool domains by `<region>/<domain>`: a prefix domain is unique in its region.
    pub domains: Tracked<Domain>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserPool {
    pub id: String,
    pub name: String,
    pub region: String,
    pub created: EpochMillis,
    pub domain: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// The request members the sandbox echoes (AdminCreateUserConfig, ...), as sent.
    pub echoed: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppClient {
    pub pool_id: String,
    pub id: String,
    pub name: String,
    pub secret: Option<String>,
    pub created: EpochMillis,
    /// The OAuth settings and the rest as sent, echoed by DescribeUserPoolClient.
    pub echoed: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub pool_id: String,
    pub name: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
    pub created: EpochMillis,
    pub members: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub pool_id: String,
    pub username: String,
    pub attributes: Vec<Attribute>,
    pub status: String,
    pub created: EpochMillis,
    pub modified: EpochMillis,
    /// The invitations Cognito sent this user (none when `MessageAction` was `SUPPRESS`).
    /// Not in any API answer: the admin state dump shows them, so tests (and gtplan's) can see
    /// that a new worker was invited.
    pub invitations: Vec<Invitation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Attribute {
    pub name: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invitation {
    /// `EMAIL` or `SMS`.
    pub medium: String,
    /// The address or number it went to.
    pub to: String,
    pub at: EpochMillis,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Domain {
    pub domain: String,
    pub pool_id: String,
    pub created: EpochMillis,
}

pub fn member_key(pool_id: &str, name: &str) -> String {
    format!("{pool_id}/{name}")
}

/// The pool `id` of the request's region, or Cognito's not-found error.
pub fn pool<'w>(ctx: &Ctx<'_>, w: &'w World, id: &str) -> Result<&'w UserPool, ApiError> {
    w.cognito
        .pools
        .get(id)
        .filter(|p| p.region == ctx.region)
        .ok_or_else(|| missing_pool(id))
}

/// [`pool`], to change.
pub fn pool_mut<'w>(
    ctx: &Ctx<'_>,
    w: &'w mut World,
    id: &str,
) -> Result<&'w mut UserPool, ApiError> {
    pool(ctx, w, id)?;
    w.cognito.pools.get_mut(id).ok_or_else(|| missing_pool(id))
}

pub fn missing_pool(id: &str) -> ApiError {
    ApiError::new(
        &CognitoError::ResourceNotFound,
        format!("User pool {id} does not exist."),
    )
}

pub fn handle(ctx: &Ctx<'_>, operation: &str, body: &[u8]) -> Result<Value, ApiError> {
    match operation {
        "CreateUserPool" => pools::create(ctx, body),
        "DescribeUserPool" => pools::describe(ctx, body),
        "ListUserPools" => pools::list(ctx, body),
        "DeleteUserPool" => pools::delete(ctx, body),
        "TagResource" => pools::tag(ctx, body),
        "UntagResource" => pools::untag(ctx, body),
        "ListTagsForResource" => pools::list_tags(ctx, body),
        "CreateUserPoolDomain" => domains::create(ctx, body),
        "DescribeUserPoolDomain" => domains::describe(ctx, body),
        "DeleteUserPoolDomain" => domains::delete(ctx, body),
        "CreateUserPoolClient" => clients::create(ctx, body),
        "DescribeUserPoolClient" => clients::describe(ctx, body),
        "ListUserPoolClients" => clients::list(ctx, body),
        "DeleteUserPoolClient" => clients::delete(ctx, body),
        "CreateGroup" => groups::create(ctx, body),
        "GetGroup" => groups::get(ctx, body),
        "ListGroups" => groups::list(ctx, body),
        "DeleteGroup" => groups::delete(ctx, body),
        "AdminAddUserToGroup" => groups::add_user(ctx, body),
        "AdminRemoveUserFromGroup" => groups::remove_user(ctx, body),
        "ListUsersInGroup" => groups::list_users(ctx, body),
        "AdminListGroupsForUser" => groups::list_for_user(ctx, body),
        "AdminCreateUser" => users::create(ctx, body),
        "AdminGetUser" => users::get(ctx, body),
        "AdminDeleteUser" => users::delete(ctx, body),
        "ListUsers" => users::list(ctx, body),
        _ => Err(ApiError::not_implemented("cognito-idp", operation)),
    }
}
