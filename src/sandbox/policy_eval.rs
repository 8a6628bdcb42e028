//! A small IAM policy evaluator, enough for the sandbox to decide what AWS would decide for the
//! policies gtplan writes: parse and validate policy documents (`MalformedPolicyDocument`), and
//! evaluate requests (Allow/Deny, action and resource wildcards, the condition keys our
//! templates use). PLACEHOLDER: the interface below is fixed; the internals are being written.

use std::collections::BTreeMap;

/// Why a policy document is rejected; the message is what IAM/S3 put in their error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

/// A parsed, validated policy document.
#[derive(Debug, Clone)]
pub struct PolicyDocument {
    pub raw: serde_json::Value,
}

/// Which kind of policy a document is; the rules differ (an identity policy must not name a
/// `Principal`, a trust or resource policy must).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to a principal: inline role policies, managed policies.
    Identity,
    /// A role's assume-role (trust) policy.
    Trust,
    /// A resource policy such as a bucket policy.
    Resource,
}

/// Parses and validates a policy document.
pub fn parse(text: &str, _kind: PolicyKind) -> Result<PolicyDocument, PolicyError> {
    let raw: serde_json::Value = serde_json::from_str(text)
        .map_err(|_| PolicyError("Syntax errors in policy.".to_owned()))?;
    Ok(PolicyDocument { raw })
}

/// One request to authorize.
#[derive(Debug, Clone)]
pub struct AuthzRequest<'a> {
    /// e.g. `s3:GetObject`
    pub action: &'a str,
    /// e.g. `arn:aws:s3:::bucket/key`
    pub resource: &'a str,
    /// Who is calling.
    pub principal: Principal<'a>,
    /// Condition context: key (case-insensitive, e.g. `aws:SecureTransport`) → values.
    pub context: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal<'a> {
    /// An IAM principal: a role ARN, or `arn:aws:iam::<acct>:root` for the account itself.
    Aws(&'a str),
    /// An AWS service, e.g. `sagemaker.amazonaws.com` (trust policies).
    Service(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// An explicit `Deny` statement matched.
    ExplicitDeny,
    /// Nothing allowed it.
    ImplicitDeny,
}

/// Evaluates identity policies (which apply to the principal, no `Principal` element) together
/// with resource policies (bucket policies, with `Principal`), same-account semantics: an
/// explicit deny anywhere wins; otherwise an allow in either grants.
pub fn evaluate(
    _identity_policies: &[&PolicyDocument],
    _resource_policies: &[&PolicyDocument],
    _req: &AuthzRequest<'_>,
) -> Decision {
    Decision::ImplicitDeny
}
