//! Plan variables: `${name}` in any string value of a plan file. A value comes from, last one
//! wins: the plan's `[vars]` default, the environment variable `GTPLAN_VAR_<name>`, the flag
//! `--var name=value`. Three names are built in and always set: `account_id` (the account the
//! plan is resolved for), `region` and `plan`. `$${` writes a literal `${`.

use std::collections::BTreeMap;
use std::ops::Range;

/// The prefix of environment variables that set plan variables.
pub const ENV_PREFIX: &str = "GTPLAN_VAR_";

/// Variable names the resolver sets itself.
pub const BUILT_IN: [&str; 3] = ["account_id", "region", "plan"];

/// Values for plan variables from outside the plan file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VarOverrides {
    /// `--var name=value`, in command-line order.
    pub cli: Vec<(String, String)>,
    /// `GTPLAN_VAR_<name>` with the prefix stripped.
    pub env: BTreeMap<String, String>,
}

impl VarOverrides {
    /// The `--var` flags plus every `GTPLAN_VAR_*` variable of this process's environment.
    pub fn from_env_and_cli(cli: Vec<(String, String)>) -> Self {
        let env = std::env::vars()
            .filter_map(|(k, v)| {
                k.strip_prefix(ENV_PREFIX)
                    .filter(|name| !name.is_empty())
                    .map(|name| (name.to_owned(), v))
            })
            .collect();
        Self { cli, env }
    }
}

/// Why a string could not be expanded; `at` is the byte range within the string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    Unterminated { at: Range<usize> },
    Unknown { name: String, at: Range<usize> },
}

/// Replaces `${name}` with `lookup(name)`; `$${` becomes a literal `${`.
pub fn expand(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut offset = 0;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
            offset += i + 3;
        } else if let Some(body) = after.strip_prefix("${") {
            let Some(end) = body.find('}') else {
                return Err(ExpandError::Unterminated {
                    at: offset + i..offset + text[offset..].len(),
                });
            };
            let name = body[..end].trim();
            let at = offset + i..offset + i + end + 3;
            match lookup(name) {
                Some(value) => out.push_str(&value),
                None => {
                    return Err(ExpandError::Unknown {
                        name: name.to_owned(),
                        at,
                    });
                }
            }
            rest = &body[end + 1..];
            offset += i + end + 3;
        } else {
            out.push('$');
            rest = &after[1..];
            offset += i + 1;
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "stage" => Some("dev".to_owned()),
            "n" => Some("1".to_owned()),
            _ => None,
        }
    }

    #[test]
    fn expands_escapes_and_reports_positions() {
        assert_eq!(expand("a-${stage}-${ n }", vars), Ok("a-dev-1".to_owned()));
        assert_eq!(expand("cost $5", vars), Ok("cost $5".to_owned()));
        assert_eq!(expand("$${stage}", vars), Ok("${stage}".to_owned()));
        assert_eq!(
            expand("x-${stag}", vars),
            Err(ExpandError::Unknown {
                name: "stag".to_owned(),
                at: 2..9
            })
        );
        assert_eq!(
            expand("x-${stage", vars),
            Err(ExpandError::Unterminated { at: 2..9 })
        );
    }
}
