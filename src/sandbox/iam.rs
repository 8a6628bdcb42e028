//! IAM (query protocol): roles, inline and attached policies, tags.

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::protocol::query::QueryParams;
use super::protocol::xml::Xml;
use super::router::Ctx;

pub const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IamState {}

pub fn handle(_ctx: &Ctx<'_>, action: &str, _params: &QueryParams) -> Result<Xml, ApiError> {
    Err(ApiError::not_implemented("iam", action))
}
