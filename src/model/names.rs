//! Validated names. After `config::resolve` every name in the desired state is one of these
//! types, so no later stage re-checks user text (style rule 1). Each `parse` says what is wrong
//! and how to fix it; the resolver adds the file position.

use serde::{Deserialize, Serialize};
use std::fmt;

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

// The names' shapes are simple ASCII patterns, checked byte by byte: a regex for each cost more
// to compile (about a millisecond in all, at the start of every command) than every name of a
// big plan takes to check.

/// `^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`
fn bucket_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let end = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    (3..=63).contains(&b.len())
        && b.first().is_some_and(end)
        && b.last().is_some_and(end)
        && b.iter().all(|c| end(c) || *c == b'.' || *c == b'-')
}

/// `^\d+\.\d+\.\d+\.\d+$`, for a name already known to be ASCII.
fn ipv4_shape(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

/// `^[A-Za-z0-9_+=,.@-]{1,64}$`: IAM's `[\w+=,.@-]+` with ASCII word characters (IAM refuses
/// `é`).
fn role_shape(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"_+=,.@-".contains(&c))
}

/// `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,N}$` with N = `max_alnum - 1`: letters, digits and hyphens,
/// starting and ending with a letter or digit, with at most `max_alnum` letters and digits
/// (hyphens do not count).
fn hyphenated_shape(s: &str, max_alnum: usize) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b.iter().filter(|c| c.is_ascii_alphanumeric()).count() <= max_alnum
}

/// `^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$`
fn plan_shape(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// `^[a-z]{2}(-[a-z]+)+-[0-9]$`, e.g. `us-east-1`, `ap-southeast-2`, `us-gov-west-1`.
fn region_shape(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let letters = |p: &&str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_lowercase());
    let [first, middle @ .., last] = parts.as_slice() else {
        return false;
    };
    first.len() == 2
        && letters(first)
        && !middle.is_empty()
        && middle.iter().all(letters)
        && last.len() == 1
        && last.bytes().all(|c| c.is_ascii_digit())
}

impl BucketName {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let hint = "bucket names are 3-63 characters of lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit";
        if !bucket_shape(s) {
            return Err(NameError::new(
                format!("`{s}` is not a valid S3 bucket name"),
                hint,
            ));
        }
        if s.contains("..") || ipv4_shape(s) {
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
        if role_shape(s) {
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
        if hyphenated_shape(s, 63) {
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
        if !hyphenated_shape(s, 127) {
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
        if plan_shape(s) {
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
        if region_shape(s) {
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

    /// The byte-by-byte shapes accept exactly what the patterns they replace accepted.
    #[test]
    fn shapes_agree_with_their_patterns() {
        type Shape = fn(&str) -> bool;
        let shapes: [(&str, Shape); 7] = [
            (r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", bucket_shape),
            (r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$", ipv4_shape),
            (r"^[A-Za-z0-9_+=,.@-]{1,64}$", role_shape),
            (r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", |s| {
                hyphenated_shape(s, 63)
            }),
            (r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}$", |s| {
                hyphenated_shape(s, 127)
            }),
            (r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$", plan_shape),
            (r"^[a-z]{2}(-[a-z]+)+-[0-9]$", region_shape),
        ];
        // Every string of up to 4 symbols from an alphabet with one of each kind of character
        // the patterns tell apart, plus long and edge cases.
        let alphabet = ["a", "Z", "7", "-", ".", "_", "@", " ", "\u{e9}"];
        let mut samples = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = samples
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            samples.extend(longer);
        }
        for n in [2, 3, 61, 62, 63, 64, 65, 126, 127, 128] {
            samples.push("a".repeat(n));
            samples.push(format!("a{}b", "-".repeat(n)));
            samples.push(format!("{}-{}", "a".repeat(n), "b".repeat(n)));
        }
        samples.extend(
            [
                "us-east-1",
                "us-gov-west-1",
                "eu-central-12",
                "u-east-1",
                "us--1",
                "us-east-",
                "1.2.3.4",
                "1.2.3",
                "1..3.4",
                "a.b-c",
                "ab-",
                "quick_start",
            ]
            .map(String::from),
        );
        for (pattern, shape) in shapes {
            let re = regex::Regex::new(pattern).expect("pattern");
            for s in &samples {
                assert_eq!(shape(s), re.is_match(s), "{pattern} on {s:?}");
            }
        }
    }
}
