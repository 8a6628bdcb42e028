//! A small IAM policy evaluator, enough to decide what AWS would decide for the policies gtplan
//! writes.
//!
//! Two users. The sandbox: its IAM handlers call [`parse`] before storing a role's trust or
//! inline policy (its error becomes `MalformedPolicyDocument`), the S3 handlers call it on
//! `PutBucketPolicy` (`MalformedPolicy`), every authorized request goes through [`evaluate`], and
//! `CreateLabelingJob` uses [`service_can_assume`] to check that the execution role trusts
//! `sagemaker.amazonaws.com`. The planner: `config::resolve::access` checks that each job's role
//! may read its inputs and write its output under the policies the plan renders.
//!
//! Pure code, no I/O: [`document`] parses and validates into typed statements, [`matching`]
//! holds the wildcard/ARN/principal matchers, [`condition`] the condition operators, and
//! [`decide`] the same-account decision logic.

mod condition;
mod decide;
mod document;
mod matching;

use std::collections::BTreeMap;

pub use self::condition::{Condition, Operator, SetQualifier};
pub use self::document::{
    Effect, PatternList, PolicyDocument, PrincipalClause, Principals, Statement,
};

/// Why a policy document is rejected; the message is what IAM/S3 put in their error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

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
pub fn parse(text: &str, kind: PolicyKind) -> Result<PolicyDocument, PolicyError> {
    document::parse(text, kind)
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
    identity_policies: &[&PolicyDocument],
    resource_policies: &[&PolicyDocument],
    req: &AuthzRequest<'_>,
) -> Decision {
    decide::evaluate(identity_policies, resource_policies, req)
}

/// Whether a role's trust policy lets `service` (e.g. `sagemaker.amazonaws.com`) call
/// `sts:AssumeRole`, given the condition context the service would send (`aws:SourceAccount`,
/// `aws:SourceArn`, ...).
pub fn service_can_assume(
    trust: &PolicyDocument,
    service: &str,
    context: &BTreeMap<String, Vec<String>>,
) -> bool {
    let req = AuthzRequest {
        action: "sts:AssumeRole",
        // Trust policies have no Resource element; the role itself is the resource.
        resource: "*",
        principal: Principal::Service(service),
        context: context.clone(),
    };
    evaluate(&[], &[trust], &req) == Decision::Allow
}
