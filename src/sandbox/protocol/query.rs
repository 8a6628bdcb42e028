//! The AWS query protocol (IAM, STS): form-encoded `Action=...&Param=...` requests and XML
//! responses wrapped in `<{Action}Response><{Action}Result>`.

use std::collections::BTreeMap;

use super::xml::{Xml, escape};
use crate::sandbox::error::ApiError;

/// The form parameters of one request. Lists arrive flattened as `Name.member.N` (and
/// structures in lists as `Name.member.N.Field`), which the accessors below reassemble.
#[derive(Debug, Default, Clone)]
pub struct QueryParams {
    map: BTreeMap<String, String>,
}

/// The error for a missing or malformed parameter, as IAM and STS report it.
fn validation(message: String) -> ApiError {
    ApiError {
        status: 400,
        code: "ValidationError",
        message,
    }
}

impl QueryParams {
    pub fn parse(body: &[u8], uri_query: Option<&str>) -> Self {
        let mut map = BTreeMap::new();
        if let Some(q) = uri_query {
            map.extend(form_urlencoded::parse(q.as_bytes()).into_owned());
        }
        map.extend(form_urlencoded::parse(body).into_owned());
        Self { map }
    }

    pub fn action(&self) -> Option<&str> {
        self.get("Action")
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// A required string parameter.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| {
            validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(name)
            ))
        })
    }

    /// An optional integer parameter; a non-integer is a validation error.
    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    validation(format!(
                        "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must be a number",
                        lower_first(name)
                    ))
                })
            })
            .transpose()
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.get(name).map(|v| v.eq_ignore_ascii_case("true"))
    }

    /// A list of scalars: `Name.member.1`, `Name.member.2`, ...
    pub fn list(&self, name: &str) -> Vec<String> {
        (1..)
            .map_while(|i| self.get(&format!("{name}.member.{i}")).map(str::to_owned))
            .collect()
    }

    /// A list of structures: for each `Name.member.N`, the requested fields (absent → `None`).
    pub fn list_of_structs(&self, name: &str, fields: &[&str]) -> Vec<Vec<Option<String>>> {
        let mut out = Vec::new();
        for i in 1.. {
            let prefix = format!("{name}.member.{i}.");
            if !self.map.keys().any(|k| k.starts_with(&prefix)) {
                break;
            }
            out.push(
                fields
                    .iter()
                    .map(|f| self.get(&format!("{prefix}{f}")).map(str::to_owned))
                    .collect(),
            );
        }
        out
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Renders a successful response. `result` is the inner XML of `<{action}Result>`. Operations
/// without an output shape (`DeleteRole`) send no Result element; operations whose output shape
/// is empty (`UpdateRole`) send an empty one, which botocore's parser requires: the caller says
/// which with `has_output_shape`.
pub fn render_ok(
    namespace: &str,
    action: &str,
    result: &Xml,
    has_output_shape: bool,
    request_id: &str,
) -> String {
    let result = if result.is_empty() && !has_output_shape {
        String::new()
    } else {
        format!("<{action}Result>{}</{action}Result>", result.as_str())
    };
    format!(
        "<{action}Response xmlns=\"{namespace}\">{result}<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    )
}

/// Renders an error in the query protocol's `ErrorResponse` shape.
pub fn render_error(namespace: &str, err: &ApiError, request_id: &str) -> String {
    let kind = if err.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    format!(
        "<ErrorResponse xmlns=\"{namespace}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        err.code,
        escape(&err.message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembles_lists_and_structs() {
        let p = QueryParams::parse(
            b"Action=TagRole&RoleName=r&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Key=b&TagKeys.member.1=x&TagKeys.member.2=y",
            None,
        );
        assert_eq!(p.action(), Some("TagRole"));
        assert_eq!(
            p.list_of_structs("Tags", &["Key", "Value"]),
            vec![
                vec![Some("a".into()), Some("1".into())],
                vec![Some("b".into()), None]
            ]
        );
        assert_eq!(p.list("TagKeys"), vec!["x", "y"]);
    }

    #[test]
    fn missing_required_parameter_is_a_validation_error() {
        let p = QueryParams::parse(b"Action=GetRole", None);
        let e = p.required("RoleName").expect_err("missing");
        assert_eq!(e.code, "ValidationError");
        assert!(e.message.contains("'roleName'"), "{}", e.message);
    }
}
