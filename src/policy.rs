//! Semantic comparison of IAM policy documents (bucket policies, trust policies, inline role
//! policies): the one place that decides whether two documents mean the same thing.
//!
//! AWS hands policies back differently from how they were sent: IAM URL-encodes them, S3 may
//! reorder keys or strip whitespace, a one-element list may come back as a scalar, a bare account
//! id as a root ARN. None of that is a change, so none of it may show up as a diff. Documents are
//! brought to a canonical form (see [`canonical`]) and compared there.

use serde_json::{Map, Value};

/// Keys whose values are sets: order and duplicates carry no meaning, and a scalar equals a
/// one-element list.
const SET_VALUED: [&str; 4] = ["Action", "NotAction", "Resource", "NotResource"];

/// Whether two policy documents are equivalent.
pub fn equivalent(a: &Value, b: &Value) -> bool {
    canonical(a) == canonical(b)
}

/// Parses text that may be URL-encoded (as IAM returns documents) into JSON.
pub fn parse_document(text: &str) -> Result<Value, serde_json::Error> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('%') {
        let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
        return serde_json::from_str(&decoded);
    }
    serde_json::from_str(text)
}

/// The canonical form of a policy document:
/// - a missing `Version` is AWS's default `2008-10-17`;
/// - `Statement` is always a list, sorted (statement order has no meaning in IAM evaluation);
/// - empty `Sid`s are dropped;
/// - set-valued fields (`Action`, `Resource`, principals, condition values) are sorted,
///   de-duplicated lists of strings (`true` and `"true"` are the same condition value);
/// - `Principal: "*"` equals `{"AWS": "*"}` and a 12-digit account id equals its root ARN.
pub fn canonical(doc: &Value) -> Value {
    let Value::Object(obj) = doc else {
        return doc.clone();
    };
    let mut out = Map::new();
    for (k, v) in obj {
        match k.as_str() {
            "Statement" => {
                let mut statements: Vec<Value> =
                    as_list(v).iter().map(canonical_statement).collect();
                statements.sort_by_key(Value::to_string);
                statements.dedup();
                out.insert(k.clone(), Value::Array(statements));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out.entry("Version")
        .or_insert_with(|| Value::String("2008-10-17".to_owned()));
    Value::Object(out)
}

fn canonical_statement(stmt: &Value) -> Value {
    let Value::Object(obj) = stmt else {
        return stmt.clone();
    };
    let mut out = Map::new();
    for (k, v) in obj {
        let value = match k.as_str() {
            "Sid" if v.as_str() == Some("") => continue,
            key if SET_VALUED.contains(&key) => string_set(v),
            "Principal" | "NotPrincipal" => canonical_principal(v),
            "Condition" => canonical_condition(v),
            _ => v.clone(),
        };
        out.insert(k.clone(), value);
    }
    Value::Object(out)
}

fn canonical_principal(v: &Value) -> Value {
    match v {
        Value::String(s) if s == "*" => {
            let mut m = Map::new();
            m.insert(
                "AWS".to_owned(),
                Value::Array(vec![Value::String("*".to_owned())]),
            );
            Value::Object(m)
        }
        Value::Object(obj) => {
            let mut m = Map::new();
            for (kind, ids) in obj {
                let mut ids = strings(ids);
                if kind == "AWS" {
                    // IAM stores a bare account id as its root ARN.
                    for id in &mut ids {
                        if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
                            *id = format!("arn:aws:iam::{id}:root");
                        }
                    }
                }
                m.insert(kind.clone(), sorted_set(ids));
            }
            Value::Object(m)
        }
        other => other.clone(),
    }
}

fn canonical_condition(v: &Value) -> Value {
    let Value::Object(operators) = v else {
        return v.clone();
    };
    let mut out = Map::new();
    for (op, keys) in operators {
        let Value::Object(keys) = keys else {
            out.insert(op.clone(), keys.clone());
            continue;
        };
        let mut m = Map::new();
        for (key, values) in keys {
            // Condition keys are case-insensitive in IAM; keep one spelling.
            m.insert(key.to_ascii_lowercase(), string_set(values));
        }
        out.insert(op.clone(), Value::Object(m));
    }
    Value::Object(out)
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// A scalar or list of scalars as strings (`true` and `"true"` alike).
fn strings(v: &Value) -> Vec<String> {
    as_list(v)
        .into_iter()
        .map(|i| match i {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .collect()
}

fn sorted_set(mut items: Vec<String>) -> Value {
    items.sort();
    items.dedup();
    Value::Array(items.into_iter().map(Value::String).collect())
}

/// A scalar or list of scalars as a sorted, de-duplicated list of strings.
fn string_set(v: &Value) -> Value {
    sorted_set(strings(v))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn key_order_whitespace_and_scalars_do_not_matter() {
        let a = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/*"}]});
        let b: Value = serde_json::from_str(
            r#"{ "Statement": { "Resource": ["arn:aws:s3:::b/*"], "Action": "s3:GetObject", "Effect": "Allow" },
                 "Version": "2012-10-17" }"#,
        )
        .expect("json");
        assert!(equivalent(&a, &b));
    }

    #[test]
    fn iam_url_encoding_is_decoded() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            parse_document(encoded).expect("decodes"),
            json!({"Version":"2012-10-17","Statement":[]})
        );
    }

    #[test]
    fn principals_and_condition_values_are_normalised() {
        let a = json!({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
            "Condition":{"Bool":{"aws:SecureTransport":false}}}]});
        let b = json!({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":["*"]},"Action":["s3:*"],"Resource":["*"],
            "Condition":{"Bool":{"aws:securetransport":["false"]}}}]});
        assert!(equivalent(&a, &b));
        let c = json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:GetObject","Resource":"*"}]});
        let d = json!({"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"*"}]});
        assert!(equivalent(&c, &d));
    }

    #[test]
    fn real_changes_are_not_equivalent() {
        let a = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]});
        let b = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]});
        let c = json!({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]});
        assert!(!equivalent(&a, &b));
        assert!(!equivalent(&a, &c));
    }

    #[test]
    fn statement_order_does_not_matter() {
        let s1 = json!({"Effect":"Allow","Action":"s3:GetObject","Resource":"*"});
        let s2 = json!({"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"});
        let a = json!({"Version":"2012-10-17","Statement":[s1.clone(), s2.clone()]});
        let b = json!({"Version":"2012-10-17","Statement":[s2, s1]});
        assert!(equivalent(&a, &b));
    }
}
