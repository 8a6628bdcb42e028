//! The decision: which statements apply to a request, and what they add up to. Same-account
//! semantics (IAM policy evaluation logic): an explicit `Deny` in any policy wins; otherwise an
//! `Allow` in an identity policy, or in a resource policy whose principal names the caller,
//! grants; otherwise the request is implicitly denied.

use super::document::{Effect, PatternList, Statement};
use super::matching::{principal_matches, wildcard_match};
use super::{AuthzRequest, Decision, PolicyDocument};

pub(super) fn evaluate(
    identity_policies: &[&PolicyDocument],
    resource_policies: &[&PolicyDocument],
    req: &AuthzRequest<'_>,
) -> Decision {
    let mut allowed = false;
    let statements = identity_policies
        .iter()
        .chain(resource_policies)
        .flat_map(|doc| doc.statements());
    for statement in statements.filter(|s| applies(s, req)) {
        match statement.effect {
            Effect::Deny => return Decision::ExplicitDeny,
            Effect::Allow => allowed = true,
        }
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// A statement applies when its principal (if it names one: identity policies do not, they
/// apply to whoever holds them), action, resource (trust policies have none: the role is the
/// resource) and every condition match.
fn applies(statement: &Statement, req: &AuthzRequest<'_>) -> bool {
    let principal_ok = statement
        .principal
        .as_ref()
        .is_none_or(|p| principal_matches(&p.principals, req.principal) != p.negated);
    principal_ok
        && list_matches(&statement.action, req.action, true)
        && statement
            .resource
            .as_ref()
            .is_none_or(|r| list_matches(r, req.resource, false))
        && statement.conditions.iter().all(|c| c.holds(&req.context))
}

/// `Action`/`Resource` match if any pattern does; `NotAction`/`NotResource` if none does.
fn list_matches(list: &PatternList, value: &str, ignore_case: bool) -> bool {
    let any = list
        .patterns
        .iter()
        .any(|p| wildcard_match(p, value, ignore_case));
    any != list.negated
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::{PolicyKind, Principal, parse, service_can_assume};
    use super::*;

    const ROLE: &str = "arn:aws:iam::111122223333:role/service-role/gt-execution";

    fn doc(text: &str, kind: PolicyKind) -> PolicyDocument {
        parse(text, kind).expect("test policy is valid")
    }

    fn context(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
            .collect()
    }

    fn request<'a>(action: &'a str, resource: &'a str) -> AuthzRequest<'a> {
        AuthzRequest {
            action,
            resource,
            principal: Principal::Aws(ROLE),
            context: BTreeMap::new(),
        }
    }

    #[test]
    fn nothing_allows_means_implicit_deny() {
        assert_eq!(
            evaluate(&[], &[], &request("s3:GetObject", "arn:aws:s3:::b/k")),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn least_privilege_role_policy_allows_the_manifest_only() {
        let policy = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/input/*"}]}"#,
            PolicyKind::Identity,
        );
        let manifest = request("s3:GetObject", "arn:aws:s3:::bucket/input/dataset.manifest");
        assert_eq!(evaluate(&[&policy], &[], &manifest), Decision::Allow);
        let elsewhere = request(
            "s3:GetObject",
            "arn:aws:s3:::bucket/output/dataset.manifest",
        );
        assert_eq!(
            evaluate(&[&policy], &[], &elsewhere),
            Decision::ImplicitDeny
        );
        let other_bucket = request(
            "s3:GetObject",
            "arn:aws:s3:::bucket-2/input/dataset.manifest",
        );
        assert_eq!(
            evaluate(&[&policy], &[], &other_bucket),
            Decision::ImplicitDeny
        );
        let put = request("s3:PutObject", "arn:aws:s3:::bucket/input/dataset.manifest");
        assert_eq!(evaluate(&[&policy], &[], &put), Decision::ImplicitDeny);
    }

    #[test]
    fn actions_match_case_insensitively_with_wildcards_resources_do_not() {
        let policy = doc(
            r#"{"Statement":{"Effect":"Allow","Action":"S3:get*","Resource":"arn:aws:s3:::Bucket/*"}}"#,
            PolicyKind::Identity,
        );
        assert_eq!(
            evaluate(
                &[&policy],
                &[],
                &request("s3:GetObject", "arn:aws:s3:::Bucket/k")
            ),
            Decision::Allow
        );
        assert_eq!(
            evaluate(
                &[&policy],
                &[],
                &request("s3:GetObject", "arn:aws:s3:::bucket/k")
            ),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn explicit_deny_beats_allow_across_policies() {
        let allow_all = doc(
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
            PolicyKind::Identity,
        );
        let deny_delete = doc(
            r#"{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::b/*"}}"#,
            PolicyKind::Resource,
        );
        let delete = request("s3:DeleteObject", "arn:aws:s3:::b/k");
        assert_eq!(
            evaluate(&[&allow_all], &[&deny_delete], &delete),
            Decision::ExplicitDeny
        );
        let get = request("s3:GetObject", "arn:aws:s3:::b/k");
        assert_eq!(
            evaluate(&[&allow_all], &[&deny_delete], &get),
            Decision::Allow
        );

        // Within one document too, whatever the order.
        let both = doc(
            r#"{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            PolicyKind::Identity,
        );
        assert_eq!(evaluate(&[&both], &[], &get), Decision::ExplicitDeny);
    }

    #[test]
    fn not_action_and_not_resource() {
        let policy = doc(
            r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::allowed","arn:aws:s3:::allowed/*"]}]}"#,
            PolicyKind::Identity,
        );
        assert_eq!(
            evaluate(
                &[&policy],
                &[],
                &request("s3:GetObject", "arn:aws:s3:::allowed/k")
            ),
            Decision::Allow
        );
        assert_eq!(
            evaluate(
                &[&policy],
                &[],
                &request("s3:GetObject", "arn:aws:s3:::other/k")
            ),
            Decision::ExplicitDeny
        );
        assert_eq!(
            evaluate(&[&policy], &[], &request("iam:PassRole", ROLE)),
            Decision::ImplicitDeny
        );
        assert_eq!(
            evaluate(
                &[&policy],
                &[],
                &request("sagemaker:CreateLabelingJob", "*")
            ),
            Decision::Allow
        );
    }

    #[test]
    fn tls_only_bucket_statement_denies_only_insecure_requests() {
        let bucket = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"TlsOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
            PolicyKind::Resource,
        );
        let role = doc(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
            PolicyKind::Identity,
        );
        let mut req = request("s3:GetObject", "arn:aws:s3:::b/k");

        req.context = context(&[("aws:SecureTransport", "false")]);
        assert_eq!(evaluate(&[&role], &[&bucket], &req), Decision::ExplicitDeny);
        req.context = context(&[("aws:SecureTransport", "true")]);
        assert_eq!(evaluate(&[&role], &[&bucket], &req), Decision::Allow);
        // The key always exists on AWS; if a caller leaves it out, the Bool test is false.
        req.context = BTreeMap::new();
        assert_eq!(evaluate(&[&role], &[&bucket], &req), Decision::Allow);
        // The deny alone grants nothing.
        req.context = context(&[("aws:SecureTransport", "true")]);
        assert_eq!(evaluate(&[], &[&bucket], &req), Decision::ImplicitDeny);
    }

    #[test]
    fn resource_policy_allow_needs_a_matching_principal() {
        let bucket = doc(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/service-role/gt-execution"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
            PolicyKind::Resource,
        );
        let mut req = request("s3:GetObject", "arn:aws:s3:::b/k");
        assert_eq!(evaluate(&[], &[&bucket], &req), Decision::Allow);
        req.principal = Principal::Aws("arn:aws:iam::111122223333:role/someone-else");
        assert_eq!(evaluate(&[], &[&bucket], &req), Decision::ImplicitDeny);

        let account = doc(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
            PolicyKind::Resource,
        );
        assert_eq!(evaluate(&[], &[&account], &req), Decision::Allow);
        req.principal = Principal::Aws("arn:aws:iam::999999999999:role/outsider");
        assert_eq!(evaluate(&[], &[&account], &req), Decision::ImplicitDeny);
    }

    #[test]
    fn not_principal_applies_to_everyone_else() {
        let bucket = doc(
            r#"{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}}"#,
            PolicyKind::Resource,
        );
        let allow = doc(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
            PolicyKind::Identity,
        );
        let mut req = request("s3:GetObject", "arn:aws:s3:::b/k");
        assert_eq!(evaluate(&[&allow], &[&bucket], &req), Decision::Allow);
        req.principal = Principal::Aws("arn:aws:iam::999999999999:role/outsider");
        assert_eq!(
            evaluate(&[&allow], &[&bucket], &req),
            Decision::ExplicitDeny
        );
    }

    #[test]
    fn sse_kms_only_bucket_policy() {
        let bucket = doc(
            r#"{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}}}"#,
            PolicyKind::Resource,
        );
        let allow = doc(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
            PolicyKind::Identity,
        );
        let mut req = request("s3:PutObject", "arn:aws:s3:::b/k");
        assert_eq!(
            evaluate(&[&allow], &[&bucket], &req),
            Decision::ExplicitDeny,
            "no SSE header"
        );
        req.context = context(&[("s3:x-amz-server-side-encryption", "AES256")]);
        assert_eq!(
            evaluate(&[&allow], &[&bucket], &req),
            Decision::ExplicitDeny
        );
        req.context = context(&[("s3:x-amz-server-side-encryption", "aws:kms")]);
        assert_eq!(evaluate(&[&allow], &[&bucket], &req), Decision::Allow);
    }

    #[test]
    fn pass_role_limited_to_sagemaker() {
        let policy = doc(
            r#"{"Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/service-role/*","Condition":{"StringEquals":{"iam:PassedToService":"sagemaker.amazonaws.com"}}}}"#,
            PolicyKind::Identity,
        );
        let mut req = request("iam:PassRole", ROLE);
        req.context = context(&[("iam:PassedToService", "sagemaker.amazonaws.com")]);
        assert_eq!(evaluate(&[&policy], &[], &req), Decision::Allow);
        req.context = context(&[("iam:PassedToService", "lambda.amazonaws.com")]);
        assert_eq!(evaluate(&[&policy], &[], &req), Decision::ImplicitDeny);
    }

    #[test]
    fn sagemaker_trust_policy() {
        let trust = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            PolicyKind::Trust,
        );
        assert!(service_can_assume(
            &trust,
            "sagemaker.amazonaws.com",
            &BTreeMap::new()
        ));
        assert!(!service_can_assume(
            &trust,
            "lambda.amazonaws.com",
            &BTreeMap::new()
        ));

        let wrong_action = doc(
            r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:TagSession"}}"#,
            PolicyKind::Trust,
        );
        assert!(!service_can_assume(
            &wrong_action,
            "sagemaker.amazonaws.com",
            &BTreeMap::new()
        ));

        let someone_else = doc(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}}"#,
            PolicyKind::Trust,
        );
        assert!(!service_can_assume(
            &someone_else,
            "sagemaker.amazonaws.com",
            &BTreeMap::new()
        ));
    }

    #[test]
    fn trust_policy_with_source_account_condition() {
        let trust = doc(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":["sagemaker.amazonaws.com"]},"Action":["sts:AssumeRole"],"Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"ArnLike":{"aws:SourceArn":"arn:aws:sagemaker:us-east-1:111122223333:*"}}}}"#,
            PolicyKind::Trust,
        );
        let ours = context(&[
            ("aws:SourceAccount", "111122223333"),
            (
                "aws:SourceArn",
                "arn:aws:sagemaker:us-east-1:111122223333:labeling-job/cats",
            ),
        ]);
        assert!(service_can_assume(&trust, "sagemaker.amazonaws.com", &ours));
        let theirs = context(&[
            ("aws:SourceAccount", "999999999999"),
            (
                "aws:SourceArn",
                "arn:aws:sagemaker:us-east-1:999999999999:labeling-job/cats",
            ),
        ]);
        assert!(!service_can_assume(
            &trust,
            "sagemaker.amazonaws.com",
            &theirs
        ));
        // A service that sends no source keys does not satisfy the condition.
        assert!(!service_can_assume(
            &trust,
            "sagemaker.amazonaws.com",
            &BTreeMap::new()
        ));
    }
}
