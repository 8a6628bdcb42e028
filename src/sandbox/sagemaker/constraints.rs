//! Member constraints of the SageMaker service model (patterns, lengths, ranges, enums),
//! reported the way SageMaker reports them: every violation collected into one
//! `ValidationException` such as "2 validation errors detected: Value 'a_b' at
//! 'labelingJobName' failed to satisfy constraint: Member must satisfy regular expression
//! pattern: ...; ...". Patterns are matched whole (fact sheet §1.2).
//! Cognito reports its violations the same way with its own code (`into_result_as`).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use regex::Regex;

use super::SageMakerError;
use crate::sandbox::error::{ApiError, ErrorCode};

#[derive(Debug, Default)]
pub struct Violations(Vec<String>);

impl Violations {
    fn push(&mut self, value: &str, path: &str, constraint: &str) {
        self.0.push(format!(
            "Value {value} at '{path}' failed to satisfy constraint: Member must {constraint}"
        ));
    }

    /// A required member is missing.
    pub fn required<T: ?Sized>(&mut self, path: &str, value: Option<&T>) {
        if value.is_none() {
            self.push("null", path, "not be null");
        }
    }

    /// A string member's length (characters) and pattern, when present.
    pub fn string(
        &mut self,
        path: &str,
        value: Option<&str>,
        min: usize,
        max: usize,
        pattern: Option<&'static str>,
    ) {
        let Some(v) = value else { return };
        let quoted = format!("'{v}'");
        let len = v.chars().count();
        if len < min {
            self.push(
                &quoted,
                path,
                &format!("have length greater than or equal to {min}"),
            );
        }
        if len > max {
            self.push(
                &quoted,
                path,
                &format!("have length less than or equal to {max}"),
            );
        }
        if let Some(p) = pattern
            && !full_match(p, v)
        {
            self.push(
                &quoted,
                path,
                &format!("satisfy regular expression pattern: {p}"),
            );
        }
    }

    /// An integer member's range, when present.
    pub fn int(&mut self, path: &str, value: Option<i64>, min: Option<i64>, max: Option<i64>) {
        let Some(v) = value else { return };
        let quoted = format!("'{v}'");
        if let Some(min) = min
            && v < min
        {
            self.push(
                &quoted,
                path,
                &format!("have value greater than or equal to {min}"),
            );
        }
        if let Some(max) = max
            && v > max
        {
            self.push(
                &quoted,
                path,
                &format!("have value less than or equal to {max}"),
            );
        }
    }

    /// A list member's length, when present.
    pub fn list_len<T>(&mut self, path: &str, value: Option<&[T]>, min: usize, max: usize) {
        let Some(v) = value else { return };
        if v.len() < min {
            self.push(
                &format!("'{}'", v.len()),
                path,
                &format!("have length greater than or equal to {min}"),
            );
        }
        if v.len() > max {
            self.push(
                &format!("'{}'", v.len()),
                path,
                &format!("have length less than or equal to {max}"),
            );
        }
    }

    pub fn one_of(&mut self, path: &str, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.push(
                &format!("'{value}'"),
                path,
                &format!("satisfy enum value set: [{}]", allowed.join(", ")),
            );
        }
    }

    pub fn into_result(self) -> Result<(), ApiError> {
        self.into_result_as(&SageMakerError::ValidationException)
    }

    /// The violations as one error with `code` (Cognito reports them as
    /// `InvalidParameterException`).
    pub fn into_result_as(self, code: &impl ErrorCode) -> Result<(), ApiError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(ApiError::new(
                code,
                format!("1 validation error detected: {}", self.0[0]),
            )),
            n => Err(ApiError::new(
                code,
                format!("{n} validation errors detected: {}", self.0.join("; ")),
            )),
        }
    }
}

/// Whether `value` matches the whole of a service-model pattern. Each pattern is compiled once
/// per process: compiling the Unicode classes of some is far slower than matching.
pub fn full_match(pattern: &'static str, value: &str) -> bool {
    let mut compiled = COMPILED.lock().unwrap_or_else(PoisonError::into_inner);
    compiled
        .entry(pattern)
        .or_insert_with(|| compile(pattern))
        .as_ref()
        .is_some_and(|re| re.is_match(value))
}

static COMPILED: LazyLock<Mutex<HashMap<&'static str, Option<Regex>>>> =
    LazyLock::new(Mutex::default);

// The patterns are constants; a bad one would fail every request in tests.
fn compile(pattern: &str) -> Option<Regex> {
    Regex::new(&format!("^(?:{pattern})$")).ok()
}

/// Compiles the patterns of `CreateLabelingJob` ahead of the first request, which would
/// otherwise wait milliseconds for the Unicode classes of a few (the sandbox calls this on a
/// thread of its own when it starts, see `crate::ahead`). Compiled outside the lock, so a request meanwhile is
/// not held up.
pub fn compile_ahead() {
    for pattern in PATTERNS {
        let re = compile(pattern);
        COMPILED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(pattern)
            .or_insert(re);
    }
}

pub const NAME: &str = "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";
pub const LABEL_ATTRIBUTE: &str = "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}";
pub const ROLE_ARN: &str = r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+";
pub const S3_URI: &str = "(https|s3)://([^/]+)/?(.*)";
pub const SNS_TOPIC: &str = r"arn:aws[a-z\-]*:sns:[a-z0-9\-]*:[0-9]{12}:[a-zA-Z0-9_.-]+";
pub const KMS_KEY: &str = "[a-zA-Z0-9:/_-]*";
pub const WORKTEAM_ARN: &str = r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:workteam/.*";
pub const HUMAN_TASK_UI_ARN: &str =
    r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]+:[0-9]{12}:human-task-ui/.*";
pub const LAMBDA_ARN: &str = r"arn:aws[a-z\-]*:lambda:[a-z0-9\-]*:[0-9]{12}:function:.*";
pub const TASK_KEYWORD: &str = "[A-Za-z0-9]+( [A-Za-z0-9]+)*";
pub const TASK_TITLE: &str = r"[\t\n\r -\x{D7FF}\x{E000}-\x{FFFD}]*";
pub const TASK_DESCRIPTION: &str = ".+";
pub const TAG: &str = r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)";
/// Every pattern above.
const PATTERNS: [&str; 13] = [
    NAME,
    LABEL_ATTRIBUTE,
    ROLE_ARN,
    S3_URI,
    SNS_TOPIC,
    KMS_KEY,
    WORKTEAM_ARN,
    HUMAN_TASK_UI_ARN,
    LAMBDA_ARN,
    TASK_KEYWORD,
    TASK_TITLE,
    TASK_DESCRIPTION,
    TAG,
];
pub const CONTENT_CLASSIFIERS: [&str; 2] = [
    "FreeOfPersonallyIdentifiableInformation",
    "FreeOfAdultContent",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile_and_match_whole_values() {
        for p in PATTERNS {
            assert!(Regex::new(p).is_ok(), "{p}");
        }
        compile_ahead();
        let compiled = COMPILED.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(
            PATTERNS
                .iter()
                .all(|p| compiled.get(p).is_some_and(Option::is_some))
        );
        drop(compiled);
        assert!(full_match(NAME, "pets-v1"));
        assert!(!full_match(NAME, "pets_v1"));
        assert!(!full_match(TASK_KEYWORD, "multi-label"));
        assert!(full_match(TASK_KEYWORD, "multi label"));
    }

    #[test]
    fn messages_look_like_sagemakers() {
        let mut v = Violations::default();
        v.string("labelingJobName", Some("a_b"), 1, 63, Some(NAME));
        v.required::<String>("roleArn", None);
        let e = v.into_result().expect_err("two violations");
        assert_eq!(
            e.message,
            "2 validation errors detected: Value 'a_b' at 'labelingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}; Value null at 'roleArn' failed to satisfy constraint: Member must not be null"
        );
    }
}
