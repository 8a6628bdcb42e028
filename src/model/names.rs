//! Validated names. After `config::resolve` every name in the desired state is one of these
//! types, so no later stage re-checks user text (style rule 1). Each `parse` says what is wrong
//! and how to fix it; the resolver adds the file position.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// Why a name was rejected: what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}")]
pub struct NameError {
    pub problem: String,
    pub hint: String,
}

impl NameError {
    fn new(problem: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            problem: problem.into(),
            hint: hint.into(),
        }
    }
}

fn regex(pattern: &str) -> Regex {
    // Patterns are literals in this file, checked by the tests below.
    Regex::new(pattern).unwrap_or_else(|e| panic!("invalid built-in pattern {pattern}: {e}"))
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

name_type!(
    /// An S3 bucket name (S3's general-purpose bucket naming rules).
    BucketName
);
name_type!(
    /// An IAM role name.
    RoleName
);
name_type!(
    /// A labeling job name: unique per account and region, case-insensitively, forever.
    JobName
);
name_type!(
    /// A labeling job's `LabelAttributeName` (the key its labels get in the output manifest).
    LabelAttributeName
);
name_type!(
    /// A plan's name: goes into the `gtplan:plan` tag and the role path `/gtplan/<plan>/`.
    PlanName
);
name_type!(
    /// An AWS region code such as `us-east-1`.
    Region
);
name_type!(
    /// An S3 object key.
    ObjectKey
);

static BUCKET: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"));
static IPV4: LazyLock<Regex> = LazyLock::new(|| regex(r"^\d+\.\d+\.\d+\.\d+$"));
// IAM's `[\w+=,.@-]+` means ASCII word characters (IAM refuses `é`); the regex crate's `\w`
// is Unicode, so the class is spelled out.
static ROLE: LazyLock<Regex> = LazyLock::new(|| regex(r"^[A-Za-z0-9_+=,.@-]{1,64}$"));
static JOB: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"));
static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}$"));
static PLAN: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$"));
static REGION: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-z]{2}(-[a-z]+)+-\d$"));

impl BucketName {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let hint = "bucket names are 3-63 characters of lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit";
        if !BUCKET.is_match(s) {
            return Err(NameError::new(
                format!("`{s}` is not a valid S3 bucket name"),
                hint,
            ));
        }
        if s.contains("..") || IPV4.is_match(s) {
            return Err(NameError::new(
                format!("`{s}` is not a valid S3 bucket name (two adjacent dots or an IP address)"),
                hint,
            ));
        }
        for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
            if s.starts_with(prefix) {
                return Err(NameError::new(
                    format!("S3 reserves bucket names starting with `{prefix}`"),
                    "choose another prefix",
                ));
            }
        }
        for suffix in ["-s3alias", "--ol-s3", "--x-s3", "--table-s3", ".mrap"] {
            if s.ends_with(suffix) {
                return Err(NameError::new(
                    format!("S3 reserves bucket names ending with `{suffix}`"),
                    "choose another suffix",
                ));
            }
        }
        Ok(Self(s.to_owned()))
    }
}

impl RoleName {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if ROLE.is_match(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(NameError::new(
                format!("`{s}` is not a valid IAM role name"),
                "role names are 1-64 characters of letters, digits and `+=,.@_-`",
            ))
        }
    }
}

impl JobName {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if JOB.is_match(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(NameError::new(
                format!("`{s}` is not a valid labeling job name"),
                "job names are 1-63 letters, digits and hyphens, starting and ending with a letter or digit (no `_` or `.`)",
            ))
        }
    }

    /// Job names collide case-insensitively (`Example-job` and `example-job` are the same job).
    pub fn same_job(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl LabelAttributeName {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if !ATTRIBUTE.is_match(s) {
            return Err(NameError::new(
                format!("`{s}` is not a valid label attribute name"),
                "label attribute names are 1-127 letters, digits and hyphens, starting and ending with a letter or digit",
            ));
        }
        if s.ends_with("-metadata") {
            return Err(NameError::new(
                format!("label attribute name `{s}` ends with `-metadata`"),
                "Ground Truth writes `<name>-metadata` itself; choose a name without that suffix",
            ));
        }
        if s == "source" || s == "source-ref" {
            return Err(NameError::new(
                format!("`{s}` is reserved for the input data"),
                "choose another label attribute name, e.g. the job's purpose",
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

impl PlanName {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if PLAN.is_match(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(NameError::new(
                format!("`{s}` is not a valid plan name"),
                "plan names are 1-64 letters, digits, `_` and `-`, starting with a letter or digit (they become a tag value and an IAM path)",
            ))
        }
    }
}

impl Region {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if REGION.is_match(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(NameError::new(
                format!("`{s}` is not an AWS region code"),
                "write a region code such as `us-east-1` or `eu-west-1`",
            ))
        }
    }
}

impl ObjectKey {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if s.is_empty() || s.len() > 1024 {
            return Err(NameError::new(
                format!("object key `{s}` must be 1-1024 bytes long"),
                "use a key such as `input/manifest.jsonl`",
            ));
        }
        if s.starts_with('/') {
            return Err(NameError::new(
                format!("object key `{s}` starts with `/`"),
                "S3 keys are relative to the bucket: drop the leading `/`",
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        assert!(BucketName::parse("gtplan-quickstart-data").is_ok());
        assert!(BucketName::parse("a.b-c").is_ok());
        for bad in [
            "ab",
            "Upper",
            "under_score",
            "-start",
            "end-",
            "a..b",
            "192.168.0.1",
            "xn--abc",
            "x-s3alias",
        ] {
            assert!(BucketName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn job_and_attribute_names() {
        assert!(JobName::parse("pets-v1").is_ok());
        assert!(JobName::parse("a--b").is_ok());
        assert!(JobName::parse("pets_v1").is_err());
        assert!(JobName::parse(&"a".repeat(64)).is_err());
        assert!(
            JobName::parse("Pets-V1")
                .expect("valid")
                .same_job("pets-v1")
        );
        assert!(LabelAttributeName::parse("animal").is_ok());
        assert!(LabelAttributeName::parse("animal-metadata").is_err());
        assert!(LabelAttributeName::parse("source-ref").is_err());
    }

    #[test]
    fn other_names() {
        assert!(RoleName::parse("gtplan-quickstart-labeling").is_ok());
        assert!(RoleName::parse("bad name").is_err());
        assert!(RoleName::parse("r\u{f4}le").is_err(), "IAM names are ASCII");
        assert!(PlanName::parse("quickstart").is_ok());
        assert!(PlanName::parse("has/slash").is_err());
        assert!(Region::parse("eu-central-1").is_ok());
        assert!(Region::parse("Europe").is_err());
        assert!(ObjectKey::parse("input/m.jsonl").is_ok());
        assert!(ObjectKey::parse("/abs").is_err());
    }
}
