//! Parsing and validating policy documents into typed statements, with the error messages IAM
//! (`MalformedPolicyDocument`) and S3 (`MalformedPolicy`) return.
//!
//! The checks run in the order AWS appears to apply them: JSON syntax and document shape first
//! ("Syntax errors in policy."), then the version, then each statement's elements.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::condition::{self, Condition};
use super::matching::is_account_id;
use super::{PolicyError, PolicyKind};

const SYNTAX_ERROR: &str = "Syntax errors in policy.";
const INVALID_PRINCIPAL: &str = "Invalid principal in policy";
const VALID_VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];
const TOP_LEVEL_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// A parsed, validated policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    version: Option<String>,
    id: Option<String>,
    statements: Vec<Statement>,
}

impl PolicyDocument {
    /// The statements, in document order (never empty).
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// `Version`, if the document names one.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// `Id`, if the document names one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

/// One statement. `principal` is `None` exactly for identity policies; `resource` is `None`
/// exactly for trust policies (the role is the resource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<PrincipalClause>,
    pub action: PatternList,
    pub resource: Option<PatternList>,
    /// AND'ed together; empty means unconditional.
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action` or `NotAction` (`negated`), `Resource` or `NotResource`: wildcard patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternList {
    pub negated: bool,
    pub patterns: Vec<String>,
}

/// `Principal` or `NotPrincipal` (`negated`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalClause {
    pub negated: bool,
    pub principals: Principals,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// `"Principal": "*"`.
    Everyone,
    /// `"Principal": {"AWS": ..., "Service": ..., ...}`; absent keys are empty lists.
    Listed {
        aws: Vec<String>,
        service: Vec<String>,
        federated: Vec<String>,
        canonical_user: Vec<String>,
    },
}

fn error(message: &str) -> PolicyError {
    PolicyError(message.to_owned())
}

pub(super) fn parse(text: &str, kind: PolicyKind) -> Result<PolicyDocument, PolicyError> {
    let value: Value = serde_json::from_str(text).map_err(|_| error(SYNTAX_ERROR))?;
    let Value::Object(top) = value else {
        return Err(error(SYNTAX_ERROR));
    };
    if top
        .keys()
        .any(|k| !TOP_LEVEL_ELEMENTS.contains(&k.as_str()))
    {
        return Err(error(SYNTAX_ERROR));
    }
    let id = match top.get("Id") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(error(SYNTAX_ERROR)),
    };
    let raw_statements: Vec<&Value> = match top.get("Statement") {
        Some(Value::Object(_)) => top.get("Statement").into_iter().collect(),
        Some(Value::Array(items)) if !items.is_empty() => items.iter().collect(),
        _ => return Err(error(SYNTAX_ERROR)),
    };
    let raw_statements: Vec<&Map<String, Value>> = raw_statements
        .into_iter()
        .map(|s| s.as_object().ok_or_else(|| error(SYNTAX_ERROR)))
        .collect::<Result<_, _>>()?;
    // Shape errors anywhere outrank semantic errors in any statement.
    for raw in &raw_statements {
        check_statement_shape(raw)?;
    }
    let version = match top.get("Version") {
        None => None,
        Some(Value::String(v)) if VALID_VERSIONS.contains(&v.as_str()) => Some(v.clone()),
        Some(_) => return Err(error("The policy failed legacy parsing")),
    };

    let statements = raw_statements
        .into_iter()
        .map(|raw| parse_statement(raw, kind))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sids = BTreeSet::new();
    for sid in statements.iter().filter_map(|s| s.sid.as_deref()) {
        if !sid.is_empty() && !sids.insert(sid) {
            return Err(error(
                "Statement IDs (SID) in a single policy must be unique.",
            ));
        }
    }
    Ok(PolicyDocument {
        version,
        id,
        statements,
    })
}

/// The purely syntactic checks: known elements, no element together with its `Not` twin,
/// strings where strings belong.
fn check_statement_shape(raw: &Map<String, Value>) -> Result<(), PolicyError> {
    let known = raw.keys().all(|k| STATEMENT_ELEMENTS.contains(&k.as_str()));
    let twins = [
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ];
    let no_twins = twins
        .iter()
        .all(|(a, b)| !(raw.contains_key(*a) && raw.contains_key(*b)));
    let sid_ok = raw.get("Sid").is_none_or(Value::is_string);
    let lists_ok = ["Action", "NotAction", "Resource", "NotResource"]
        .iter()
        .filter_map(|k| raw.get(*k))
        .all(|v| strings(v).is_some());
    if known && no_twins && sid_ok && lists_ok {
        Ok(())
    } else {
        Err(error(SYNTAX_ERROR))
    }
}

fn parse_statement(raw: &Map<String, Value>, kind: PolicyKind) -> Result<Statement, PolicyError> {
    let effect = match raw.get("Effect") {
        None => return Err(error("Missing required field Effect")),
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(Value::String(e)) => return Err(PolicyError(format!("Invalid effect: {e}"))),
        Some(_) => return Err(error(SYNTAX_ERROR)),
    };

    let action = pattern_list(raw, "Action", "NotAction")
        .ok_or_else(|| error("Missing required field Action"))?;
    for pattern in &action.patterns {
        check_action(pattern)?;
    }
    // A trust policy only governs the STS calls that assume the role (and the session tags
    // and source identity that come with them).
    if kind == PolicyKind::Trust
        && !action.negated
        && !action
            .patterns
            .iter()
            .all(|a| a == "*" || a.get(..4).is_some_and(|v| v.eq_ignore_ascii_case("sts:")))
    {
        return Err(error(
            "AssumeRole policy may only specify STS AssumeRole actions.",
        ));
    }

    let has_principal = raw.contains_key("Principal") || raw.contains_key("NotPrincipal");
    let principal = match kind {
        PolicyKind::Identity if has_principal => {
            return Err(error("Policy document should not specify a principal."));
        }
        PolicyKind::Identity => None,
        PolicyKind::Trust | PolicyKind::Resource => Some(principal_clause(raw)?),
    };

    let has_resource = raw.contains_key("Resource") || raw.contains_key("NotResource");
    let resource = match kind {
        PolicyKind::Trust if has_resource => return Err(error("Has prohibited field Resource")),
        PolicyKind::Trust => None,
        PolicyKind::Identity | PolicyKind::Resource => {
            let list = pattern_list(raw, "Resource", "NotResource")
                .ok_or_else(|| error("Missing required field Resource"))?;
            for pattern in &list.patterns {
                check_resource(pattern)?;
            }
            Some(list)
        }
    };

    let conditions = match raw.get("Condition") {
        None => Vec::new(),
        Some(block) => condition::parse_block(block).ok_or_else(|| error(SYNTAX_ERROR))?,
    };

    Ok(Statement {
        sid: raw.get("Sid").and_then(Value::as_str).map(str::to_owned),
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

/// A string or a non-empty array of strings; the two spellings mean the same.
fn strings(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

/// `positive` or `negative` (e.g. `Action`/`NotAction`); `None` when neither holds a value.
fn pattern_list(raw: &Map<String, Value>, positive: &str, negative: &str) -> Option<PatternList> {
    let (negated, value) = match (raw.get(positive), raw.get(negative)) {
        (Some(v), _) => (false, v),
        (None, Some(v)) => (true, v),
        (None, None) => return None,
    };
    let patterns = strings(value).filter(|p| !p.is_empty())?;
    Some(PatternList { negated, patterns })
}

/// `service:Action` with wildcards, or `*`; messages as IAM words them.
fn check_action(action: &str) -> Result<(), PolicyError> {
    if action == "*" {
        return Ok(());
    }
    let mut parts = action.split(':');
    let vendor = parts.next().unwrap_or_default();
    match (parts.next(), parts.next()) {
        (None, _) => Err(error(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        )),
        (Some(_), Some(_)) => Err(error("Actions/Condition can contain only one colon.")),
        (Some(_), None)
            if vendor.is_empty()
                || !vendor
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') =>
        {
            Err(PolicyError(format!("Vendor {vendor} is not valid")))
        }
        (Some(_), None) => Ok(()),
    }
}

fn check_resource(resource: &str) -> Result<(), PolicyError> {
    if resource == "*" || resource.starts_with("arn:") {
        Ok(())
    } else {
        Err(PolicyError(format!(
            "Resource {resource} must be in ARN format or \"*\"."
        )))
    }
}

fn principal_clause(raw: &Map<String, Value>) -> Result<PrincipalClause, PolicyError> {
    let (negated, value) = match (raw.get("Principal"), raw.get("NotPrincipal")) {
        (Some(v), _) => (false, v),
        (None, Some(v)) => (true, v),
        (None, None) => return Err(error("Missing required field Principal")),
    };
    let principals = match value {
        Value::String(s) if s == "*" => Principals::Everyone,
        Value::Object(map) if !map.is_empty() => {
            let mut aws = Vec::new();
            let mut service = Vec::new();
            let mut federated = Vec::new();
            let mut canonical_user = Vec::new();
            for (key, v) in map {
                let list = strings(v)
                    .filter(|l| !l.is_empty() && l.iter().all(|s| !s.trim().is_empty()))
                    .ok_or_else(|| error(INVALID_PRINCIPAL))?;
                let target = match key.as_str() {
                    "AWS" => &mut aws,
                    "Service" => &mut service,
                    "Federated" => &mut federated,
                    "CanonicalUser" => &mut canonical_user,
                    _ => return Err(error(INVALID_PRINCIPAL)),
                };
                target.extend(list);
            }
            if !aws.iter().all(|a| valid_aws_principal(a))
                || !service.iter().all(|s| valid_service_principal(s))
            {
                return Err(error(INVALID_PRINCIPAL));
            }
            Principals::Listed {
                aws,
                service,
                federated,
                canonical_user,
            }
        }
        _ => return Err(error(INVALID_PRINCIPAL)),
    };
    Ok(PrincipalClause {
        negated,
        principals,
    })
}

/// `*`, an account id, or an IAM/STS principal ARN. (IAM also resolves role ARNs to existing
/// roles; that needs state, so the IAM handlers would do it, not this pure parser.)
fn valid_aws_principal(entry: &str) -> bool {
    entry == "*"
        || is_account_id(entry)
        || ["arn:aws:iam::", "arn:aws:sts::"].iter().any(|prefix| {
            entry.strip_prefix(prefix).is_some_and(|rest| {
                rest.split_once(':')
                    .is_some_and(|(acct, name)| is_account_id(acct) && !name.is_empty())
            })
        })
}

/// `sagemaker.amazonaws.com` and friends: a DNS-like name without spaces or wildcards.
fn valid_service_principal(name: &str) -> bool {
    name.contains('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str, kind: PolicyKind) -> String {
        parse(text, kind).expect_err("policy should be rejected").0
    }

    const IDENTITY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::bucket/*"}]}"#;
    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;

    #[test]
    fn parses_an_identity_policy_into_typed_statements() {
        let doc = parse(IDENTITY, PolicyKind::Identity).expect("valid identity policy");
        assert_eq!(doc.version(), Some("2012-10-17"));
        assert_eq!(
            doc.statements(),
            [Statement {
                sid: Some("Read".to_owned()),
                effect: Effect::Allow,
                principal: None,
                action: PatternList {
                    negated: false,
                    patterns: vec!["s3:GetObject".to_owned(), "s3:ListBucket".to_owned()],
                },
                resource: Some(PatternList {
                    negated: false,
                    patterns: vec!["arn:aws:s3:::bucket/*".to_owned()],
                }),
                conditions: Vec::new(),
            }]
        );
    }

    #[test]
    fn parses_a_trust_policy_with_a_single_statement_object() {
        let doc = parse(TRUST, PolicyKind::Trust).expect("valid trust policy");
        let [statement] = doc.statements() else {
            panic!("one statement expected");
        };
        assert_eq!(statement.resource, None);
        assert_eq!(
            statement.principal,
            Some(PrincipalClause {
                negated: false,
                principals: Principals::Listed {
                    aws: Vec::new(),
                    service: vec!["sagemaker.amazonaws.com".to_owned()],
                    federated: Vec::new(),
                    canonical_user: Vec::new(),
                },
            })
        );
    }

    #[test]
    fn scalar_and_single_element_array_are_the_same() {
        let scalar = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
        let arrays = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["123456789012"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}"#;
        assert_eq!(
            parse(scalar, PolicyKind::Resource).expect("scalar spelling"),
            parse(arrays, PolicyKind::Resource).expect("array spelling")
        );
    }

    #[test]
    fn version_is_optional_and_2008_is_accepted() {
        let no_version = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        assert_eq!(
            parse(no_version, PolicyKind::Identity)
                .expect("no version")
                .version(),
            None
        );
        let old = r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        assert!(parse(old, PolicyKind::Identity).is_ok());
    }

    #[test]
    fn syntax_errors() {
        for text in [
            "not json",
            "[]",
            r#""Statement""#,
            r#"{"Version":"2012-10-17"}"#,
            r#"{"Version":"2012-10-17","Statement":[]}"#,
            r#"{"Version":"2012-10-17","Statement":"Allow"}"#,
            r#"{"Version":"2012-10-17","Statement":["x"]}"#,
            r#"{"Version":"2012-10-17","Extra":1,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Bogus":1}}"#,
            r#"{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}}"#,
            r#"{"Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}"#,
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":{"a":1}}}"#,
            r#"{"Statement":{"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"}}"#,
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"x"}}}"#,
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a:b":"x"}}}}"#,
        ] {
            assert_eq!(
                err(text, PolicyKind::Identity),
                "Syntax errors in policy.",
                "{text}"
            );
        }
    }

    #[test]
    fn bad_version_fails_legacy_parsing() {
        for version in [r#""2012-10-18""#, r#""latest""#, "2012"] {
            let text = format!(
                r#"{{"Version":{version},"Statement":{{"Effect":"Allow","Action":"*","Resource":"*"}}}}"#
            );
            assert_eq!(
                err(&text, PolicyKind::Identity),
                "The policy failed legacy parsing"
            );
        }
    }

    #[test]
    fn identity_policy_must_not_specify_a_principal() {
        let text =
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#;
        assert_eq!(
            err(text, PolicyKind::Identity),
            "Policy document should not specify a principal."
        );
        let not = r#"{"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"123456789012"},"Action":"*","Resource":"*"}}"#;
        assert_eq!(
            err(not, PolicyKind::Identity),
            "Policy document should not specify a principal."
        );
    }

    #[test]
    fn trust_and_resource_policies_require_a_principal() {
        let trust = r#"{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}"#;
        assert_eq!(
            err(trust, PolicyKind::Trust),
            "Missing required field Principal"
        );
        let bucket = r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
        assert_eq!(
            err(bucket, PolicyKind::Resource),
            "Missing required field Principal"
        );
    }

    #[test]
    fn trust_policy_has_prohibited_field_resource() {
        for element in ["Resource", "NotResource"] {
            let text = format!(
                r#"{{"Statement":{{"Effect":"Allow","Principal":{{"Service":"sagemaker.amazonaws.com"}},"Action":"sts:AssumeRole","{element}":"*"}}}}"#
            );
            assert_eq!(
                err(&text, PolicyKind::Trust),
                "Has prohibited field Resource"
            );
        }
    }

    #[test]
    fn missing_action_effect_and_resource() {
        let no_action = r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#;
        assert_eq!(
            err(no_action, PolicyKind::Identity),
            "Missing required field Action"
        );
        let empty_action = r#"{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}"#;
        assert_eq!(
            err(empty_action, PolicyKind::Identity),
            "Missing required field Action"
        );
        let no_effect = r#"{"Statement":{"Action":"*","Resource":"*"}}"#;
        assert_eq!(
            err(no_effect, PolicyKind::Identity),
            "Missing required field Effect"
        );
        let no_resource = r#"{"Statement":{"Effect":"Allow","Action":"*"}}"#;
        assert_eq!(
            err(no_resource, PolicyKind::Identity),
            "Missing required field Resource"
        );
    }

    #[test]
    fn invalid_effect_is_named() {
        let text = r#"{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}"#;
        assert_eq!(err(text, PolicyKind::Identity), "Invalid effect: allow");
        let text = r#"{"Statement":{"Effect":"Permit","Action":"*","Resource":"*"}}"#;
        assert_eq!(err(text, PolicyKind::Identity), "Invalid effect: Permit");
    }

    #[test]
    fn invalid_principals() {
        for principal in [
            r#""arn:aws:iam::123456789012:root""#,
            r#""**""#,
            "{}",
            r#"{"Users":"x"}"#,
            r#"{"AWS":[]}"#,
            r#"{"AWS":"someone"}"#,
            r#"{"AWS":"arn:aws:iam::12:role/r"}"#,
            r#"{"Service":"sagemaker"}"#,
            r#"{"Service":""}"#,
            r#"{"AWS":1}"#,
        ] {
            let text = format!(
                r#"{{"Statement":{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}}}"#
            );
            assert_eq!(
                err(&text, PolicyKind::Trust),
                "Invalid principal in policy",
                "{principal}"
            );
        }
    }

    #[test]
    fn action_and_resource_formats() {
        let no_vendor = r#"{"Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}"#;
        assert_eq!(
            err(no_vendor, PolicyKind::Identity),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
        );
        let two_colons =
            r#"{"Statement":{"Effect":"Allow","Action":"s3:Get:Object","Resource":"*"}}"#;
        assert_eq!(
            err(two_colons, PolicyKind::Identity),
            "Actions/Condition can contain only one colon."
        );
        let bad_vendor =
            r#"{"Statement":{"Effect":"Allow","Action":"s 3:GetObject","Resource":"*"}}"#;
        assert_eq!(
            err(bad_vendor, PolicyKind::Identity),
            "Vendor s 3 is not valid"
        );
        let bad_resource =
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"bucket/*"}}"#;
        assert_eq!(
            err(bad_resource, PolicyKind::Identity),
            "Resource bucket/* must be in ARN format or \"*\"."
        );
    }

    #[test]
    fn trust_policy_actions_must_be_sts() {
        let text = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":["sts:AssumeRole","s3:GetObject"]}}"#;
        assert_eq!(
            err(text, PolicyKind::Trust),
            "AssumeRole policy may only specify STS AssumeRole actions."
        );
        let tags = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":["sts:AssumeRole","STS:TagSession"]}}"#;
        assert!(parse(tags, PolicyKind::Trust).is_ok());
    }

    #[test]
    fn duplicate_sids_are_rejected() {
        let text = r#"{"Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}"#;
        assert_eq!(
            err(text, PolicyKind::Identity),
            "Statement IDs (SID) in a single policy must be unique."
        );
    }
}
