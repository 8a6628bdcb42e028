//! STS (query protocol): `GetCallerIdentity` for the sandbox's fixed account.

use super::error::ApiError;
use super::protocol::query::QueryParams;
use super::protocol::xml::Xml;
use super::router::Ctx;

pub const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// STS's operations (the service model's), which tell an unsigned query request for STS from
/// one for IAM: both are a `POST /` with an `Action`.
const ACTIONS: [&str; 10] = [
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "AssumeRoot",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetCallerIdentity",
    "GetDelegatedAccessToken",
    "GetFederationToken",
    "GetSessionToken",
];

pub fn is_sts_action(action: &str) -> bool {
    ACTIONS.contains(&action)
}

pub fn handle(ctx: &Ctx<'_>, action: &str, _params: &QueryParams) -> Result<Xml, ApiError> {
    match action {
        "GetCallerIdentity" => {
            let account = ctx.account_id();
            let mut x = Xml::new();
            x.elem("Arn", format!("arn:aws:iam::{account}:root"))
                .elem("UserId", account)
                .elem("Account", account);
            Ok(x)
        }
        _ => Err(ApiError::not_implemented("sts", action)),
    }
}
