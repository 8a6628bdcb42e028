//! IAM (query protocol): roles, their trust policies, inline and attached policies, and tags.
//!
//! The router hands each IAM request to [`handle`], which dispatches by `Action` to one
//! handler per operation (`roles`, `policies`, `tags`). Handlers validate the whole request
//! first (IAM's constraint messages in `validate`, policy grammar through
//! [`crate::policy_eval::parse`]) and only then mutate the world inside one
//! `store.write`, so a rejected request leaves the state untouched. The `sagemaker` module
//! reads roles back through [`IamState::role_by_arn`] and [`managed_policy_document`].

mod errors;
mod managed;
mod paging;
mod policies;
mod roles;
mod tags;
mod validate;

use crate::sandbox::tracked::Tracked;
use std::collections::BTreeMap;

use percent_encoding::utf8_percent_encode;
use serde::{Deserialize, Serialize};

use super::clock::EpochMillis;
use super::consistency::Propagating;
use super::error::ApiError;
use super::protocol::UNRESERVED;
use super::protocol::query::QueryParams;
use super::protocol::xml::Xml;
use super::router::Ctx;

pub use errors::IamErrorCode;
pub use managed::{MANAGED_POLICIES, ManagedPolicy, managed_policy_document};

pub const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IamState {
    /// Roles keyed by their name in lowercase: IAM names are unique case-insensitively.
    pub roles: Tracked<Role>,
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

    /// The role with this name, or IAM's `NoSuchEntity` error.
    fn existing_role(&self, name: &str) -> Result<&Role, ApiError> {
        self.role(name).ok_or_else(|| errors::no_such_role(name))
    }

    fn existing_role_mut(&mut self, name: &str) -> Result<&mut Role, ApiError> {
        self.roles
            .get_mut(&name.to_ascii_lowercase())
            .ok_or_else(|| errors::no_such_role(name))
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
    /// The last change while it propagates (`--iam-propagation-seconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagating: Option<Propagating>,
}

impl Role {
    /// Records a change at `now` that SageMaker sees only `window_ms` later; call it before
    /// changing the inline policies.
    pub fn changed(&mut self, now: EpochMillis, window_ms: i64, trust_changed: bool) {
        self.propagating = Propagating::after_change(
            now,
            window_ms,
            self.propagating.as_ref(),
            &self.inline_policies,
            trust_changed,
        );
    }

    /// Whether SageMaker can assume the role at `now`, and the inline policies its session
    /// gets.
    pub fn as_seen_by_services(&self, now: EpochMillis) -> (bool, &BTreeMap<String, String>) {
        match &self.propagating {
            Some(p) if p.active(now) => (p.assumable, &p.inline_policies),
            _ => (true, &self.inline_policies),
        }
    }
}

/// Answers one IAM query-protocol request.
pub fn handle(ctx: &Ctx<'_>, action: &str, params: &QueryParams) -> Result<Xml, ApiError> {
    match action {
        "CreateRole" => roles::create_role(ctx, params),
        "GetRole" => roles::get_role(ctx, params),
        "UpdateRole" => roles::update_role(ctx, params),
        "UpdateRoleDescription" => roles::update_role_description(ctx, params),
        "UpdateAssumeRolePolicy" => roles::update_assume_role_policy(ctx, params),
        "DeleteRole" => roles::delete_role(ctx, params),
        "ListRoles" => roles::list_roles(ctx, params),
        "PutRolePolicy" => policies::put_role_policy(ctx, params),
        "GetRolePolicy" => policies::get_role_policy(ctx, params),
        "DeleteRolePolicy" => policies::delete_role_policy(ctx, params),
        "ListRolePolicies" => policies::list_role_policies(ctx, params),
        "AttachRolePolicy" => policies::attach_role_policy(ctx, params),
        "DetachRolePolicy" => policies::detach_role_policy(ctx, params),
        "ListAttachedRolePolicies" => policies::list_attached_role_policies(ctx, params),
        "TagRole" => tags::tag_role(ctx, params),
        "UntagRole" => tags::untag_role(ctx, params),
        "ListRoleTags" => tags::list_role_tags(ctx, params),
        _ => Err(ApiError::not_implemented("iam", action)),
    }
}

/// Whether IAM answers `action` with an empty `<{Action}Result/>` element. Operations whose
/// output is an empty structure (botocore: a `resultWrapper` with no members) send one, and the
/// AWS CLI fails with `KeyError: 'UpdateRoleResult'` without it; operations with no output at
/// all (`DeleteRole`, `PutRolePolicy`, ...) send only `ResponseMetadata`.
pub fn sends_empty_result(action: &str) -> bool {
    action == "UpdateRole"
}

/// A policy document as IAM returns it (`AssumeRolePolicyDocument`, `PolicyDocument`).
fn url_encode_policy(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// Writes the `IsTruncated`/`Marker` pair that ends every IAM listing.
fn write_truncation(x: &mut Xml, next_marker: Option<&str>) {
    x.elem(
        "IsTruncated",
        if next_marker.is_some() {
            "true"
        } else {
            "false"
        },
    );
    x.opt("Marker", next_marker);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_policies_like_iam() {
        assert_eq!(
            url_encode_policy(r#"{"Action": "sts:AssumeRole", "Resource": "*"}"#),
            "%7B%22Action%22%3A%20%22sts%3AAssumeRole%22%2C%20%22Resource%22%3A%20%22%2A%22%7D"
        );
        assert_eq!(url_encode_policy("a-b_c.d~é"), "a-b_c.d~%C3%A9");
    }
}
