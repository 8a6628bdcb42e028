//! IAM (query protocol): roles, inline and attached policies, tags.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::clock::EpochMillis;
use super::error::ApiError;
use super::protocol::query::QueryParams;
use super::protocol::xml::Xml;
use super::router::Ctx;

pub const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IamState {
    /// Roles keyed by their name in lowercase: IAM names are unique case-insensitively.
    pub roles: BTreeMap<String, Role>,
}

impl IamState {
    /// Looks a role up by name, ignoring case as IAM does.
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.get(&name.to_ascii_lowercase())
    }

    /// Looks a role up by its ARN (`arn:aws:iam::<account>:role/<path><name>`).
    pub fn role_by_arn(&self, arn: &str) -> Option<&Role> {
        self.roles.values().find(|r| r.arn == arn)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    /// Starts and ends with `/`; `/` by default.
    pub path: String,
    /// `AROA` + 17 upper-case alphanumerics.
    pub role_id: String,
    pub arn: String,
    pub created: EpochMillis,
    pub description: Option<String>,
    /// Seconds, 3600..=43200.
    pub max_session_duration: i64,
    /// The trust policy as the caller sent it (decoded; IAM URL-encodes it on the way out).
    pub assume_role_policy: String,
    /// Inline policies: name → document (decoded).
    pub inline_policies: BTreeMap<String, String>,
    /// Attached managed policies: ARN → name.
    pub attached_policies: BTreeMap<String, String>,
    /// Tags in the order they were added (IAM keeps keys unique, case-insensitively).
    pub tags: Vec<(String, String)>,
}

pub fn handle(_ctx: &Ctx<'_>, action: &str, _params: &QueryParams) -> Result<Xml, ApiError> {
    Err(ApiError::not_implemented("iam", action))
}
