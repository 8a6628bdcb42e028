//! STS (query protocol): `GetCallerIdentity` for the sandbox's fixed account.

use super::error::ApiError;
use super::protocol::query::QueryParams;
use super::protocol::xml::Xml;
use super::router::Ctx;

pub const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

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
