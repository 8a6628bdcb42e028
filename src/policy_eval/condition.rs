//! `Condition` blocks: parsing `{ Operator: { Key: value-or-values } }` and deciding whether a
//! request context satisfies them, following the IAM condition operator reference:
//!
//! - values listed for one key are OR'ed; keys and operators are AND'ed;
//! - condition keys compare case-insensitively;
//! - a key missing from the request makes a condition false, except for negated operators
//!   (`StringNotEquals`, `ArnNotLike`, ...) where it is true, `...IfExists` where it is true,
//!   `ForAllValues:` where it is true, and `Null`, which tests for exactly that;
//! - a multi-valued request key (`ForAnyValue:`/`ForAllValues:`) is tested value by value.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use super::matching::{arn_match, wildcard_match};

/// One operator applied to one condition key: `"StringEquals": {"aws:SourceAccount": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: Operator,
    /// `ForAnyValue:` / `ForAllValues:` prefix.
    pub qualifier: Option<SetQualifier>,
    /// `...IfExists` suffix.
    pub if_exists: bool,
    /// The condition key as written (compared case-insensitively).
    pub key: String,
    /// The policy's values, OR'ed. JSON booleans and numbers are kept as their text.
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl Operator {
    fn from_name(name: &str) -> Option<Self> {
        use Operator as O;
        Some(match name {
            "StringEquals" => O::StringEquals,
            "StringNotEquals" => O::StringNotEquals,
            "StringEqualsIgnoreCase" => O::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => O::StringNotEqualsIgnoreCase,
            "StringLike" => O::StringLike,
            "StringNotLike" => O::StringNotLike,
            "NumericEquals" => O::NumericEquals,
            "NumericNotEquals" => O::NumericNotEquals,
            "NumericLessThan" => O::NumericLessThan,
            "NumericLessThanEquals" => O::NumericLessThanEquals,
            "NumericGreaterThan" => O::NumericGreaterThan,
            "NumericGreaterThanEquals" => O::NumericGreaterThanEquals,
            "DateEquals" => O::DateEquals,
            "DateNotEquals" => O::DateNotEquals,
            "DateLessThan" => O::DateLessThan,
            "DateLessThanEquals" => O::DateLessThanEquals,
            "DateGreaterThan" => O::DateGreaterThan,
            "DateGreaterThanEquals" => O::DateGreaterThanEquals,
            "Bool" => O::Bool,
            "BinaryEquals" => O::BinaryEquals,
            "IpAddress" => O::IpAddress,
            "NotIpAddress" => O::NotIpAddress,
            "ArnEquals" => O::ArnEquals,
            "ArnLike" => O::ArnLike,
            "ArnNotEquals" => O::ArnNotEquals,
            "ArnNotLike" => O::ArnNotLike,
            "Null" => O::Null,
            _ => return None,
        })
    }

    /// Negated operators hold when no policy value matches; their positive twin decides
    /// what "matches" means.
    fn is_negated(self) -> bool {
        use Operator as O;
        matches!(
            self,
            O::StringNotEquals
                | O::StringNotEqualsIgnoreCase
                | O::StringNotLike
                | O::NumericNotEquals
                | O::DateNotEquals
                | O::NotIpAddress
                | O::ArnNotEquals
                | O::ArnNotLike
        )
    }

    /// Whether one request value matches one policy value, for the operator's positive form.
    fn matches(self, policy: &str, request: &str) -> bool {
        use Operator as O;
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            O::StringEquals | O::StringNotEquals | O::BinaryEquals => policy == request,
            O::StringEqualsIgnoreCase | O::StringNotEqualsIgnoreCase => {
                policy.to_lowercase() == request.to_lowercase()
            }
            O::StringLike | O::StringNotLike => wildcard_match(policy, request, false),
            O::Bool => policy.eq_ignore_ascii_case(request),
            O::ArnEquals | O::ArnLike | O::ArnNotEquals | O::ArnNotLike => {
                arn_match(policy, request)
            }
            O::IpAddress | O::NotIpAddress => ip_in_range(policy, request),
            O::NumericEquals | O::NumericNotEquals => {
                compare_numbers(request, policy) == Some(Equal)
            }
            O::NumericLessThan => compare_numbers(request, policy) == Some(Less),
            O::NumericLessThanEquals => {
                matches!(compare_numbers(request, policy), Some(Less | Equal))
            }
            O::NumericGreaterThan => compare_numbers(request, policy) == Some(Greater),
            O::NumericGreaterThanEquals => {
                matches!(compare_numbers(request, policy), Some(Greater | Equal))
            }
            O::DateEquals | O::DateNotEquals => compare_dates(request, policy) == Some(Equal),
            O::DateLessThan => compare_dates(request, policy) == Some(Less),
            O::DateLessThanEquals => matches!(compare_dates(request, policy), Some(Less | Equal)),
            O::DateGreaterThan => compare_dates(request, policy) == Some(Greater),
            O::DateGreaterThanEquals => {
                matches!(compare_dates(request, policy), Some(Greater | Equal))
            }
            // Decided on presence, in `Condition::holds`.
            O::Null => false,
        }
    }
}

/// Parses a statement's `Condition` element; `None` means a syntax error.
pub(super) fn parse_block(block: &Value) -> Option<Vec<Condition>> {
    let mut conditions = Vec::new();
    for (name, keys) in block.as_object()? {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, name.as_str())
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let operator = Operator::from_name(base)?;
        if operator == Operator::Null && (if_exists || qualifier.is_some()) {
            return None;
        }
        for (key, values) in keys.as_object()? {
            conditions.push(Condition {
                operator,
                qualifier,
                if_exists,
                key: key.clone(),
                values: condition_values(values)?,
            });
        }
    }
    Some(conditions)
}

/// A string, boolean or number, or an array of them (`"Bool": {"aws:SecureTransport": false}`
/// is as valid as `"false"`).
fn condition_values(value: &Value) -> Option<Vec<String>> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|v| vec![v]),
    }
}

impl Condition {
    /// Whether the request context satisfies this condition.
    pub(super) fn holds(&self, context: &BTreeMap<String, Vec<String>>) -> bool {
        let request = context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&self.key))
            .map(|(_, v)| v.as_slice())
            .filter(|v| !v.is_empty());

        if self.operator == Operator::Null {
            let present = request.is_some();
            return self.values.iter().any(|v| {
                (v.eq_ignore_ascii_case("true") && !present)
                    || (v.eq_ignore_ascii_case("false") && present)
            });
        }

        let negated = self.operator.is_negated();
        let Some(request) = request else {
            return self.if_exists
                || match self.qualifier {
                    Some(SetQualifier::ForAllValues) => true,
                    Some(SetQualifier::ForAnyValue) => false,
                    None => negated,
                };
        };
        // For a negated operator a request value is fine when it matches no policy value.
        let value_ok = |r: &String| {
            let matched = self.values.iter().any(|p| self.operator.matches(p, r));
            matched != negated
        };
        match self.qualifier {
            // A plain operator on a multi-valued key: positive operators need one value to
            // match, negated ones need every value to stay clear.
            None if negated => request.iter().all(value_ok),
            Some(SetQualifier::ForAnyValue) | None => request.iter().any(value_ok),
            Some(SetQualifier::ForAllValues) => request.iter().all(value_ok),
        }
    }
}

fn compare_numbers(request: &str, policy: &str) -> Option<std::cmp::Ordering> {
    let request: f64 = request.trim().parse().ok()?;
    let policy: f64 = policy.trim().parse().ok()?;
    request.partial_cmp(&policy)
}

fn compare_dates(request: &str, policy: &str) -> Option<std::cmp::Ordering> {
    Some(parse_date(request)?.cmp(&parse_date(policy)?))
}

/// Dates in conditions are ISO 8601 (`2024-01-01T00:00:00Z`, or a bare date) or epoch seconds.
/// Returns Unix nanoseconds.
fn parse_date(text: &str) -> Option<i128> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Some(i128::from(seconds) * 1_000_000_000);
    }
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at.unix_timestamp_nanos());
    }
    let date = time::Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp_nanos())
}

/// `IpAddress`: the policy value is a CIDR block (or a single address).
fn ip_in_range(cidr: &str, ip: &str) -> bool {
    let (network, prefix) = match cidr.split_once('/') {
        Some((network, prefix)) => (network, prefix.parse::<u32>().ok()),
        None => (cidr, None),
    };
    let (Ok(network), Ok(ip)) = (network.parse::<IpAddr>(), ip.parse::<IpAddr>()) else {
        return false;
    };
    let (network, ip, bits) = match (network, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => (u128::from(u32::from(n)), u128::from(u32::from(i)), 32),
        (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
        _ => return false,
    };
    let prefix = prefix.unwrap_or(bits);
    if prefix > bits {
        return false;
    }
    let host_bits = bits - prefix;
    // Shifting a u128 by 128 overflows; a /0 block simply contains everything.
    host_bits >= 128 || (network >> host_bits) == (ip >> host_bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `{"Op": {"Key": values}}` and evaluates it against `context`.
    fn holds(block: &str, context: &[(&str, &[&str])]) -> bool {
        let value: Value = serde_json::from_str(block).expect("test block is JSON");
        let conditions = parse_block(&value).expect("test block is a valid condition");
        let context: BTreeMap<String, Vec<String>> = context
            .iter()
            .map(|(k, vs)| {
                (
                    (*k).to_owned(),
                    vs.iter().map(|v| (*v).to_owned()).collect(),
                )
            })
            .collect();
        conditions.iter().all(|c| c.holds(&context))
    }

    #[test]
    fn string_operators() {
        let eq = r#"{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#;
        assert!(holds(eq, &[("aws:SourceAccount", &["111122223333"])]));
        assert!(!holds(eq, &[("aws:SourceAccount", &["999999999999"])]));

        let ne = r#"{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}"#;
        assert!(holds(
            ne,
            &[("s3:x-amz-server-side-encryption", &["AES256"])]
        ));
        assert!(!holds(
            ne,
            &[("s3:x-amz-server-side-encryption", &["aws:kms"])]
        ));

        let ic = r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"Labeling"}}"#;
        assert!(holds(ic, &[("aws:PrincipalTag/team", &["LABELING"])]));
        assert!(!holds(
            r#"{"StringEquals":{"k:k":"Labeling"}}"#,
            &[("k:k", &["LABELING"])]
        ));
        let nic = r#"{"StringNotEqualsIgnoreCase":{"k:k":"Labeling"}}"#;
        assert!(!holds(nic, &[("k:k", &["LABELING"])]));

        let like = r#"{"StringLike":{"s3:prefix":["input/*","output/?"]}}"#;
        assert!(holds(like, &[("s3:prefix", &["input/a/b"])]));
        assert!(holds(like, &[("s3:prefix", &["output/x"])]));
        assert!(!holds(like, &[("s3:prefix", &["output/xy"])]));
        assert!(!holds(like, &[("s3:prefix", &["Input/a"])]));
        let not_like = r#"{"StringNotLike":{"s3:prefix":"secret/*"}}"#;
        assert!(holds(not_like, &[("s3:prefix", &["input/"])]));
        assert!(!holds(not_like, &[("s3:prefix", &["secret/x"])]));
    }

    #[test]
    fn arn_operators() {
        let like =
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sagemaker:*:111122223333:labeling-job/*"}}"#;
        let job = "arn:aws:sagemaker:us-east-1:111122223333:labeling-job/cats";
        assert!(holds(like, &[("aws:SourceArn", &[job])]));
        assert!(!holds(
            like,
            &[(
                "aws:SourceArn",
                &["arn:aws:sagemaker:us-east-1:111122223333:training-job/x"]
            )]
        ));
        let equals = format!(r#"{{"ArnEquals":{{"aws:SourceArn":"{job}"}}}}"#);
        assert!(holds(&equals, &[("aws:SourceArn", &[job])]));
        let not_equals = format!(r#"{{"ArnNotEquals":{{"aws:SourceArn":"{job}"}}}}"#);
        assert!(!holds(&not_equals, &[("aws:SourceArn", &[job])]));
        let not_like = r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sagemaker:*:*:*"}}"#;
        assert!(holds(
            not_like,
            &[("aws:SourceArn", &["arn:aws:lambda:us-east-1:1:function:f"])]
        ));
        assert!(!holds(not_like, &[("aws:SourceArn", &[job])]));
    }

    #[test]
    fn bool_operator_accepts_json_booleans_and_strings() {
        let text = r#"{"Bool":{"aws:SecureTransport":"false"}}"#;
        let json_bool = r#"{"Bool":{"aws:SecureTransport":false}}"#;
        for block in [text, json_bool] {
            assert!(holds(block, &[("aws:SecureTransport", &["false"])]));
            assert!(!holds(block, &[("aws:SecureTransport", &["true"])]));
            assert!(!holds(block, &[]));
        }
        assert!(holds(
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            &[("aws:SecureTransport", &["TRUE"])]
        ));
    }

    #[test]
    fn numeric_operators() {
        let ctx: &[(&str, &[&str])] = &[("s3:max-keys", &["10"])];
        assert!(holds(r#"{"NumericEquals":{"s3:max-keys":"10"}}"#, ctx));
        assert!(holds(r#"{"NumericEquals":{"s3:max-keys":10}}"#, ctx));
        assert!(!holds(r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#, ctx));
        assert!(holds(r#"{"NumericNotEquals":{"s3:max-keys":"11"}}"#, ctx));
        assert!(holds(r#"{"NumericLessThan":{"s3:max-keys":"11"}}"#, ctx));
        assert!(!holds(r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#, ctx));
        assert!(holds(
            r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#,
            ctx
        ));
        assert!(holds(
            r#"{"NumericGreaterThan":{"s3:max-keys":"9.5"}}"#,
            ctx
        ));
        assert!(!holds(
            r#"{"NumericGreaterThan":{"s3:max-keys":"10"}}"#,
            ctx
        ));
        assert!(holds(
            r#"{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}"#,
            ctx
        ));
        assert!(!holds(
            r#"{"NumericEquals":{"s3:max-keys":"10"}}"#,
            &[("s3:max-keys", &["ten"])]
        ));
    }

    #[test]
    fn date_and_ip_operators() {
        let now: &[(&str, &[&str])] = &[("aws:CurrentTime", &["2024-06-01T12:00:00Z"])];
        assert!(holds(
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01"}}"#,
            now
        ));
        assert!(!holds(
            r#"{"DateLessThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}"#,
            now
        ));
        assert!(holds(
            r#"{"DateEquals":{"aws:CurrentTime":"1717243200"}}"#,
            now
        ));

        let ip: &[(&str, &[&str])] = &[("aws:SourceIp", &["203.0.113.7"])];
        assert!(holds(
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            ip
        ));
        assert!(!holds(
            r#"{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}"#,
            ip
        ));
        assert!(holds(
            r#"{"NotIpAddress":{"aws:SourceIp":"198.51.100.0/24"}}"#,
            ip
        ));
        assert!(holds(r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#, ip));
        assert!(holds(
            r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#,
            &[("aws:SourceIp", &["2001:db8::1"])]
        ));
    }

    #[test]
    fn keys_compare_case_insensitively_values_do_not() {
        let block = r#"{"StringEquals":{"AWS:SOURCEACCOUNT":"111122223333"}}"#;
        assert!(holds(block, &[("aws:sourceaccount", &["111122223333"])]));
    }

    #[test]
    fn multiple_values_are_ored_keys_and_operators_anded() {
        let values = r#"{"StringEquals":{"aws:SourceAccount":["111122223333","444455556666"]}}"#;
        assert!(holds(values, &[("aws:SourceAccount", &["444455556666"])]));

        let keys = r#"{"StringEquals":{"aws:SourceAccount":"111122223333","iam:PassedToService":"sagemaker.amazonaws.com"}}"#;
        assert!(holds(
            keys,
            &[
                ("aws:SourceAccount", &["111122223333"]),
                ("iam:PassedToService", &["sagemaker.amazonaws.com"])
            ]
        ));
        assert!(!holds(
            keys,
            &[
                ("aws:SourceAccount", &["111122223333"]),
                ("iam:PassedToService", &["lambda.amazonaws.com"])
            ]
        ));

        let operators = r#"{"StringEquals":{"aws:SourceAccount":"111122223333"},"Bool":{"aws:SecureTransport":"true"}}"#;
        assert!(holds(
            operators,
            &[
                ("aws:SourceAccount", &["111122223333"]),
                ("aws:SecureTransport", &["true"])
            ]
        ));
        assert!(!holds(
            operators,
            &[
                ("aws:SourceAccount", &["111122223333"]),
                ("aws:SecureTransport", &["false"])
            ]
        ));
    }

    #[test]
    fn missing_keys() {
        // Positive operators: false. Negated: true. IfExists: true. Null: that is the test.
        assert!(!holds(r#"{"StringEquals":{"aws:SourceAccount":"1"}}"#, &[]));
        assert!(!holds(
            r#"{"ArnLike":{"aws:SourceArn":"arn:*:*:*:*:*"}}"#,
            &[]
        ));
        assert!(!holds(r#"{"NumericLessThan":{"s3:max-keys":"5"}}"#, &[]));
        assert!(holds(
            r#"{"StringNotEquals":{"aws:SourceAccount":"1"}}"#,
            &[]
        ));
        assert!(holds(
            r#"{"ArnNotLike":{"aws:SourceArn":"arn:*:*:*:*:*"}}"#,
            &[]
        ));
        assert!(holds(
            r#"{"StringEqualsIfExists":{"aws:SourceAccount":"1"}}"#,
            &[]
        ));
        assert!(holds(
            r#"{"BoolIfExists":{"aws:SecureTransport":"false"}}"#,
            &[]
        ));
        // An empty value list counts as missing.
        assert!(!holds(
            r#"{"StringEquals":{"aws:SourceAccount":"1"}}"#,
            &[("aws:SourceAccount", &[])]
        ));
    }

    #[test]
    fn if_exists_applies_the_operator_when_the_key_is_present() {
        let block = r#"{"StringEqualsIfExists":{"aws:SourceAccount":"1"}}"#;
        assert!(holds(block, &[("aws:SourceAccount", &["1"])]));
        assert!(!holds(block, &[("aws:SourceAccount", &["2"])]));
    }

    #[test]
    fn null_tests_presence() {
        let absent = r#"{"Null":{"s3:x-amz-server-side-encryption":"true"}}"#;
        assert!(holds(absent, &[]));
        assert!(!holds(
            absent,
            &[("s3:x-amz-server-side-encryption", &["aws:kms"])]
        ));
        let present = r#"{"Null":{"s3:x-amz-server-side-encryption":false}}"#;
        assert!(!holds(present, &[]));
        assert!(holds(
            present,
            &[("s3:x-amz-server-side-encryption", &["aws:kms"])]
        ));
    }

    #[test]
    fn set_qualifiers() {
        let any = r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["team","project"]}}"#;
        assert!(holds(any, &[("aws:TagKeys", &["owner", "team"])]));
        assert!(!holds(any, &[("aws:TagKeys", &["owner"])]));
        assert!(!holds(any, &[]));

        let all = r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["team","project"]}}"#;
        assert!(holds(all, &[("aws:TagKeys", &["team", "project"])]));
        assert!(!holds(all, &[("aws:TagKeys", &["team", "owner"])]));
        assert!(
            holds(all, &[]),
            "ForAllValues holds vacuously on a missing key"
        );

        let any_not = r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"team"}}"#;
        assert!(holds(any_not, &[("aws:TagKeys", &["team", "owner"])]));
        assert!(!holds(any_not, &[("aws:TagKeys", &["team"])]));

        let all_like = r#"{"ForAllValues:StringLike":{"s3:prefix":"input/*"}}"#;
        assert!(holds(all_like, &[("s3:prefix", &["input/a", "input/b"])]));
        assert!(!holds(all_like, &[("s3:prefix", &["input/a", "output/b"])]));

        // Without a qualifier a negated operator needs every request value to stay clear.
        let plain_not = r#"{"StringNotEquals":{"aws:TagKeys":"team"}}"#;
        assert!(!holds(plain_not, &[("aws:TagKeys", &["owner", "team"])]));
    }

    #[test]
    fn invalid_condition_blocks() {
        for block in [
            r#""x""#,
            r#"{"StringEquals":"x"}"#,
            r#"{"StringEqualz":{"a:b":"x"}}"#,
            r#"{"ForSomeValues:StringEquals":{"a:b":"x"}}"#,
            r#"{"StringEquals":{"a:b":{"nested":1}}}"#,
            r#"{"StringEquals":{"a:b":[null]}}"#,
            r#"{"NullIfExists":{"a:b":"true"}}"#,
        ] {
            let value: Value = serde_json::from_str(block).expect("test block is JSON");
            assert_eq!(parse_block(&value), None, "{block}");
        }
    }
}
