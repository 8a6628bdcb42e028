//! Input validation with IAM's own constraint messages. IAM checks every parameter against
//! its service model (lengths, ranges, patterns) and reports all violations in one
//! `ValidationError` ("2 validation errors detected: Value 'x' at 'roleName' failed to satisfy
//! constraint: ..."); [`Violations`] collects them the same way. The patterns are those of the
//! IAM API reference (botocore `iam/2010-05-08/service-2.json`), written out as character tests.

use super::errors::IamErrorCode;
use crate::sandbox::error::ApiError;

pub const ROLE_NAME_MAX: usize = 64;
pub const POLICY_NAME_MAX: usize = 128;
pub const PATH_MAX: usize = 512;
pub const DESCRIPTION_MAX: usize = 1000;
pub const POLICY_DOCUMENT_MAX: usize = 131_072;
pub const MAX_SESSION_MIN: i64 = 3600;
pub const MAX_SESSION_MAX: i64 = 43_200;
pub const MAX_ITEMS_MAX: i64 = 1000;
pub const TAG_KEY_MAX: usize = 128;
pub const TAG_VALUE_MAX: usize = 256;
pub const TAGS_MAX: usize = 50;

/// The constraint violations found in one request, reported together as IAM does.
#[derive(Debug, Default)]
pub struct Violations(Vec<String>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `value` at `member` (IAM's lower-camel member path) breaks `constraint`.
    pub fn push(&mut self, value: &str, member: &str, constraint: &str) {
        self.0.push(format!(
            "Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// `Ok` when nothing was violated, else one `ValidationError` listing every violation.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(validation_error(format!(
                "1 validation error detected: {}",
                self.0[0]
            ))),
            n => Err(validation_error(format!(
                "{n} validation errors detected: {}",
                self.0.join("; ")
            ))),
        }
    }

    fn length(&mut self, value: &str, member: &str, min: usize, max: usize) -> bool {
        let len = value.chars().count();
        if len < min {
            self.push(
                value,
                member,
                &format!("Member must have length greater than or equal to {min}"),
            );
            false
        } else if len > max {
            self.push(
                value,
                member,
                &format!("Member must have length less than or equal to {max}"),
            );
            false
        } else {
            true
        }
    }

    fn pattern(&mut self, value: &str, member: &str, pattern: &str, ok: impl Fn(char) -> bool) {
        if !value.chars().all(ok) {
            self.push(
                value,
                member,
                &format!("Member must satisfy regular expression pattern: {pattern}"),
            );
        }
    }

    /// Role and policy names: `[\w+=,.@-]+` (ASCII word characters), 1..=`max` long.
    pub fn entity_name(&mut self, value: &str, member: &str, max: usize) {
        if self.length(value, member, 1, max) {
            self.pattern(value, member, r"[\w+=,.@-]+", |c| {
                c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
            });
        }
    }

    /// A path: `/` alone or `/.../` of printable ASCII, 1..=512 long.
    pub fn path(&mut self, value: &str, member: &str) {
        if self.length(value, member, 1, PATH_MAX) {
            let printable = value.chars().all(|c| ('!'..='~').contains(&c));
            let shaped = value == "/"
                || (value.len() >= 3 && value.starts_with('/') && value.ends_with('/'));
            if !(printable && shaped) {
                self.push(
                    value,
                    member,
                    r"Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
                );
            }
        }
    }

    /// A path prefix for listings: `/` followed by printable ASCII, 1..=512 long.
    pub fn path_prefix(&mut self, value: &str, member: &str) {
        if self.length(value, member, 1, PATH_MAX) {
            let ok = value.starts_with('/') && value.chars().all(|c| ('!'..='\u{7f}').contains(&c));
            if !ok {
                self.push(
                    value,
                    member,
                    r"Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*",
                );
            }
        }
    }

    /// A role description: up to 1000 characters of Latin-1 text without control characters
    /// other than tab and newlines.
    pub fn description(&mut self, value: &str) {
        if self.length(value, "description", 0, DESCRIPTION_MAX) {
            self.pattern(
                value,
                "description",
                r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*",
                |c| matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{a1}'..='\u{ff}'),
            );
        }
    }

    /// A policy document's text (before it is parsed as a policy).
    pub fn policy_text(&mut self, value: &str, member: &str) {
        if self.length(value, member, 1, POLICY_DOCUMENT_MAX) {
            self.pattern(value, member, r"[\u0009\u000A\u000D\u0020-\u00FF]+", |c| {
                matches!(c, '\t' | '\n' | '\r' | ' '..='\u{ff}')
            });
        }
    }

    /// `MaxSessionDuration`: 3600..=43200 seconds.
    pub fn max_session_duration(&mut self, value: i64) {
        let text = value.to_string();
        if value < MAX_SESSION_MIN {
            self.push(
                &text,
                "maxSessionDuration",
                &format!("Member must have value greater than or equal to {MAX_SESSION_MIN}"),
            );
        } else if value > MAX_SESSION_MAX {
            self.push(
                &text,
                "maxSessionDuration",
                &format!("Member must have value less than or equal to {MAX_SESSION_MAX}"),
            );
        }
    }

    /// `MaxItems` of a listing: 1..=1000, 100 when absent.
    pub fn max_items(&mut self, value: Option<i64>) -> usize {
        let Some(n) = value else { return 100 };
        if n < 1 {
            self.push(
                &n.to_string(),
                "maxItems",
                "Member must have value greater than or equal to 1",
            );
        } else if n > MAX_ITEMS_MAX {
            self.push(
                &n.to_string(),
                "maxItems",
                &format!("Member must have value less than or equal to {MAX_ITEMS_MAX}"),
            );
        }
        usize::try_from(n.clamp(1, MAX_ITEMS_MAX)).unwrap_or(100)
    }

    /// A tag key: 1..=128 letters, digits, spaces and `_.:/=+-@`.
    pub fn tag_key(&mut self, value: &str, member: &str) {
        if self.length(value, member, 1, TAG_KEY_MAX) {
            self.pattern(value, member, r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+", tag_char);
        }
    }

    /// A tag value: like a key but 0..=256 long.
    pub fn tag_value(&mut self, value: &str, member: &str) {
        if self.length(value, member, 0, TAG_VALUE_MAX) {
            self.pattern(value, member, r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*", tag_char);
        }
    }
}

fn tag_char(c: char) -> bool {
    c.is_alphanumeric()
        || c.is_whitespace() && c != '\t' && c != '\n' && c != '\r'
        || "_.:/=+-@".contains(c)
}

pub fn validation_error(message: impl Into<String>) -> ApiError {
    ApiError::new(&IamErrorCode::ValidationError, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_one_violation_in_iam_words() {
        let mut v = Violations::new();
        v.max_session_duration(50_000);
        let e = v.finish().expect_err("too long");
        assert_eq!(e.code, "ValidationError");
        assert_eq!(
            e.message,
            "1 validation error detected: Value '50000' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"
        );
    }

    #[test]
    fn reports_every_violation_together() {
        let mut v = Violations::new();
        v.entity_name("bad name!", "roleName", ROLE_NAME_MAX);
        v.path("no-slashes", "path");
        let e = v.finish().expect_err("two problems");
        assert!(
            e.message
                .starts_with("2 validation errors detected: Value 'bad name!' at 'roleName'"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("; Value 'no-slashes' at 'path'"),
            "{}",
            e.message
        );
    }

    #[test]
    fn accepts_what_iam_accepts() {
        let mut v = Violations::new();
        v.entity_name("GroundTruth-exec_role+=,.@", "roleName", ROLE_NAME_MAX);
        v.path("/", "path");
        v.path("/gtplan/demo/", "path");
        v.path_prefix("/gtplan", "pathPrefix");
        v.max_session_duration(3600);
        v.max_session_duration(43_200);
        v.tag_key("gtplan:plan", "tags.1.member.key");
        v.tag_value("", "tags.1.member.value");
        v.description("execution role for labeling, café");
        v.finish().expect("all valid");
        let mut v = Violations::new();
        v.description("beyond Latin-1 – en dash");
        assert!(v.finish().is_err(), "IAM descriptions are Latin-1 text");
    }

    #[test]
    fn rejects_bad_paths_and_names() {
        for (path, ok) in [
            ("//", false),
            ("/a", false),
            ("a/", false),
            ("/a b/", false),
            ("/a/b/", true),
        ] {
            let mut v = Violations::new();
            v.path(path, "path");
            assert_eq!(v.finish().is_ok(), ok, "{path}");
        }
        let mut v = Violations::new();
        v.entity_name(&"r".repeat(65), "roleName", ROLE_NAME_MAX);
        assert!(
            v.finish()
                .expect_err("long")
                .message
                .contains("less than or equal to 64")
        );
    }
}
