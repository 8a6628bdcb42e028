//! Field rules of `CreateLabelingJob` and the tagging APIs that a plan file can break, as pure
//! functions of one value (fact sheet §1.3, §5). The resolver attaches the position.

use std::sync::LazyLock;

use regex::Regex;

use crate::catalog::task_types::PriceFamily;
use crate::model::job::Price;

/// What is wrong with one value, the label under it, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub message: String,
    pub label: String,
    pub help: Option<String>,
}

impl Check {
    pub fn new(message: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            label: label.into(),
            help: None,
        }
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

fn regex(pattern: &str) -> Regex {
    // Patterns are literals in this file, exercised by the tests below.
    Regex::new(pattern).unwrap_or_else(|e| panic!("invalid built-in pattern {pattern}: {e}"))
}

static WORKTEAM: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^arn:aws[a-z\-]*:sagemaker:([a-z0-9\-]*):[0-9]{12}:workteam/.+$"));
static LAMBDA: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^arn:aws[a-z\-]*:lambda:([a-z0-9\-]*):[0-9]{12}:function:.+$"));
static HUMAN_TASK_UI: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"^arn:aws[a-z\-]*:sagemaker:([a-z0-9\-]+):[0-9]{12}:human-task-ui/.+$")
});
static SNS: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^arn:aws[a-z\-]*:sns:([a-z0-9\-]*):[0-9]{12}:[a-zA-Z0-9_.-]+$"));
static MODEL: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^arn:aws[a-z\-]*:sagemaker:([a-z0-9\-]*):[0-9]{12}:model/.+$"));
static KMS_KEY: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-zA-Z0-9:/_-]+$"));
static VPC_ID: LazyLock<Regex> = LazyLock::new(|| regex(r"^[-0-9a-zA-Z]{1,32}$"));
static TAG: LazyLock<Regex> = LazyLock::new(|| regex(r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$"));

/// Whether `s` is tag text (`TAG`). ASCII text, nearly every tag, is checked without the
/// pattern, whose Unicode classes take a millisecond to compile: in ASCII, `\p{L}` is the
/// letters, `\p{Z}` the space and `\p{N}` the digits.
fn tag_text(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b" _.:/=+-@".contains(&c))
    } else {
        TAG.is_match(s)
    }
}

/// `^[A-Za-z0-9]+( [A-Za-z0-9]+)*$`: ASCII words separated by single spaces.
fn keyword_shape(k: &str) -> bool {
    k.split(' ')
        .all(|w| !w.is_empty() && w.bytes().all(|c| c.is_ascii_alphanumeric()))
}

/// The content classifiers `LabelingJobDataAttributes` accepts.
pub const CONTENT_CLASSIFIERS: [&str; 2] = [
    "FreeOfPersonallyIdentifiableInformation",
    "FreeOfAdultContent",
];

/// `TaskKeywords` items: 1-30 chars of ASCII words separated by single spaces.
/// CONFLICT (§7.7): the developer guide's sample keyword `"Multi-label"` breaks the model's
/// pattern; the pattern wins, so hyphens are refused with a hint.
pub fn keyword(k: &str) -> Result<(), Check> {
    if keyword_shape(k) && k.len() <= 30 {
        return Ok(());
    }
    let fixed: String = k
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let check = Check::new(
        format!("keyword `{k}` is not allowed by SageMaker"),
        "not letters, digits and single spaces",
    );
    Err(if k.len() > 30 {
        check.help("keywords are at most 30 characters")
    } else if fixed.is_empty() {
        check.help("keywords are words of letters and digits separated by single spaces")
    } else {
        check.help(format!(
            "keywords are words of letters and digits separated by single spaces: write `{fixed}` instead of `{k}`"
        ))
    })
}

/// `TaskTitle`: 1-128 characters, no control characters other than tab and newlines, nothing
/// outside the Basic Multilingual Plane (the pattern stops at U+FFFD).
pub fn title(t: &str) -> Result<(), Check> {
    let len = t.chars().count();
    if len == 0 || len > 128 {
        return Err(Check::new(
            format!("the task title is {len} characters long"),
            "1-128 characters",
        )
        .help("SageMaker accepts titles of 1 to 128 characters"));
    }
    if let Some(bad) = t
        .chars()
        .find(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || u32::from(*c) > 0xFFFD)
    {
        return Err(Check::new(
            format!("the task title contains {bad:?}, which SageMaker rejects"),
            "unsupported character",
        )
        .help("titles may not contain control characters or emoji"));
    }
    Ok(())
}

/// `TaskDescription`: 1-255 characters.
pub fn description(d: &str) -> Result<(), Check> {
    let len = d.chars().count();
    if len == 0 || len > 255 {
        return Err(Check::new(
            format!("the task description is {len} characters long"),
            "1-255 characters",
        )
        .help("SageMaker accepts descriptions of 1 to 255 characters; put longer instructions in the worker template"));
    }
    Ok(())
}

/// The region part of an ARN matched by one of the patterns above, checked against the plan's.
fn arn_in_region(
    pattern: &Regex,
    arn: &str,
    what: &str,
    example: &str,
    region: &str,
) -> Result<(), Check> {
    let Some(caps) = pattern.captures(arn) else {
        return Err(Check::new(
            format!("`{arn}` is not a {what} ARN"),
            format!("expected a {what} ARN"),
        )
        .help(format!("write an ARN such as `{example}`")));
    };
    let arn_region = caps.get(1).map_or("", |m| m.as_str());
    if !arn_region.is_empty() && arn_region != region {
        return Err(Check::new(
            format!("{what} `{arn}` is in `{arn_region}`, but the plan is in `{region}`"),
            format!("in {arn_region}"),
        )
        .help(format!(
            "a labeling job can only use a {what} of its own region: use one in `{region}`"
        )));
    }
    Ok(())
}

pub fn workteam_arn(arn: &str, region: &str) -> Result<(), Check> {
    arn_in_region(
        &WORKTEAM,
        arn,
        "workteam",
        "arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/my-team` or `public",
        region,
    )
}

pub fn lambda_arn(arn: &str, region: &str) -> Result<(), Check> {
    arn_in_region(
        &LAMBDA,
        arn,
        "Lambda function",
        "arn:aws:lambda:us-east-1:111122223333:function:my-pre-annotation",
        region,
    )
}

pub fn human_task_ui_arn(arn: &str, region: &str) -> Result<(), Check> {
    arn_in_region(
        &HUMAN_TASK_UI,
        arn,
        "human task UI",
        "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/NamedEntityRecognition",
        region,
    )
}

pub fn sns_topic_arn(arn: &str, region: &str) -> Result<(), Check> {
    arn_in_region(
        &SNS,
        arn,
        "SNS topic",
        "arn:aws:sns:us-east-1:111122223333:my-topic",
        region,
    )
}

pub fn model_arn(arn: &str, region: &str) -> Result<(), Check> {
    arn_in_region(
        &MODEL,
        arn,
        "SageMaker model",
        "arn:aws:sagemaker:us-east-1:111122223333:model/my-model",
        region,
    )
}

/// A KMS key id, key ARN, alias name or alias ARN.
pub fn kms_key(key: &str) -> Result<(), Check> {
    if KMS_KEY.is_match(key) && key.len() <= 2048 {
        Ok(())
    } else {
        Err(Check::new(
            format!("`{key}` is not a KMS key id or ARN"),
            "not a KMS key",
        )
        .help("write a key id (`1234abcd-12ab-34cd-56ef-1234567890ab`), a key ARN or `alias/name`"))
    }
}

/// A security group or subnet id in a VPC config.
pub fn vpc_id(id: &str) -> Result<(), Check> {
    if VPC_ID.is_match(id) {
        Ok(())
    } else {
        Err(
            Check::new(format!("`{id}` is not a VPC resource id"), "not an id")
                .help("write ids such as `sg-0123456789abcdef0` or `subnet-0123456789abcdef0`"),
        )
    }
}

/// Parses a Mechanical Turk price in dollars (`"0.036"`) and checks it against the prices
/// SageMaker allows for the task type's family (§5).
pub fn public_price(text: &str, family: PriceFamily) -> Result<Price, Check> {
    let malformed = || {
        Check::new(
            format!("`{text}` is not a price in US dollars"),
            "not a price",
        )
        .help("write dollars with up to three decimals, such as `\"0.036\"`")
    };
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if whole.is_empty()
        || fraction.len() > 3
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return Err(malformed());
    }
    let dollars: u32 = whole.parse().map_err(|_| malformed())?;
    let mills: u32 = format!("{fraction:0<3}").parse().map_err(|_| malformed())?;
    let total = dollars
        .checked_mul(1000)
        .and_then(|d| d.checked_add(mills))
        .ok_or_else(malformed)?;
    let allowed = family.allowed_mills();
    if !allowed.contains(&total) {
        let list = allowed
            .iter()
            .map(|m| format!("`{}`", crate::catalog::prices::format_mills(*m)))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Check::new(
            format!(
                "SageMaker does not offer a public workforce price of ${text} for this task type"
            ),
            "not an allowed price",
        )
        .help(format!("allowed prices in USD: {list}")));
    }
    Ok(Price::from_mills(total))
}

/// A tag a user wrote: AWS's limits, and gtplan's own keys stay gtplan's.
pub fn tag(key: &str, value: &str) -> Result<(), Check> {
    if key.is_empty() || key.chars().count() > 128 || !tag_text(key) {
        return Err(
            Check::new(format!("`{key}` is not a valid tag key"), "invalid key")
                .help("tag keys are 1-128 letters, digits, spaces and `_.:/=+-@`"),
        );
    }
    if key.starts_with("gtplan:") {
        return Err(Check::new(
            format!("tag key `{key}` is reserved for gtplan"),
            "reserved",
        )
        .help("gtplan sets `gtplan:plan` and `gtplan:address` itself; choose another key"));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(
            Check::new(format!("tag key `{key}` is reserved for AWS"), "reserved")
                .help("keys starting with `aws:` cannot be set; choose another key"),
        );
    }
    if value.chars().count() > 256 || !tag_text(value) {
        return Err(Check::new(
            format!("`{value}` is not a valid value for tag `{key}`"),
            "invalid value",
        )
        .help("tag values are 0-256 letters, digits, spaces and `_.:/=+-@`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ASCII shortcuts accept exactly what their patterns accept.
    #[test]
    fn tag_and_keyword_shapes_agree_with_their_patterns() {
        let keyword = regex(r"^[A-Za-z0-9]+( [A-Za-z0-9]+)*$");
        let mut samples = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = samples
                .iter()
                .flat_map(|s| {
                    ["a", "7", " ", "-", "@", "\t", "~", "\u{e9}", "\u{2003}"]
                        .map(|c| format!("{s}{c}"))
                })
                .collect();
            samples.extend(longer);
        }
        for s in &samples {
            assert_eq!(tag_text(s), TAG.is_match(s), "tag {s:?}");
            assert_eq!(keyword_shape(s), keyword.is_match(s), "keyword {s:?}");
        }
    }

    #[test]
    fn keywords_are_words_separated_by_single_spaces() {
        assert!(keyword("images").is_ok());
        assert!(keyword("multi label").is_ok());
        let err = keyword("multi-label").expect_err("hyphen");
        assert_eq!(
            err.help.as_deref(),
            Some(
                "keywords are words of letters and digits separated by single spaces: write `multi label` instead of `multi-label`"
            )
        );
        assert!(keyword("two  spaces").is_err());
        assert!(keyword(" lead").is_err());
        assert!(keyword(&"a".repeat(31)).is_err());
    }

    #[test]
    fn titles_and_descriptions() {
        assert!(title("Classify pets").is_ok());
        assert!(title("").is_err());
        assert!(title(&"x".repeat(129)).is_err());
        assert!(title("pets 🐶").is_err());
        assert!(title("bell\u{7}").is_err());
        assert!(description("d").is_ok());
        assert!(description(&"x".repeat(256)).is_err());
    }

    #[test]
    fn arns_must_match_and_be_in_region() {
        let team = "arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/t";
        assert!(workteam_arn(team, "us-east-1").is_ok());
        assert!(workteam_arn(team, "eu-west-1").is_err());
        assert!(workteam_arn("private-crowd/t", "us-east-1").is_err());
        assert!(
            lambda_arn(
                "arn:aws:lambda:us-east-1:111122223333:function:f",
                "us-east-1"
            )
            .is_ok()
        );
        assert!(sns_topic_arn("arn:aws:sns:us-east-1:111122223333:t", "us-east-1").is_ok());
        assert!(
            model_arn(
                "arn:aws:sagemaker:us-east-1:111122223333:model/m",
                "us-east-1"
            )
            .is_ok()
        );
        assert!(
            human_task_ui_arn(
                "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/NamedEntityRecognition",
                "us-east-1"
            )
            .is_ok()
        );
        assert!(kms_key("alias/labels").is_ok());
        assert!(kms_key("not a key").is_err());
        assert!(vpc_id("sg-0123").is_ok());
        assert!(vpc_id("sg 1").is_err());
    }

    #[test]
    fn prices_parse_and_follow_the_family_lists() {
        let p = public_price("0.012", PriceFamily::Classification).expect("allowed");
        assert_eq!((p.dollars, p.cents, p.tenth_fractions_of_a_cent), (0, 1, 2));
        assert_eq!(
            public_price("1.2", PriceFamily::BoundingBox).map(Price::in_mills),
            Ok(1200)
        );
        assert!(public_price("0.012", PriceFamily::BoundingBox).is_err());
        assert!(public_price("0.0125", PriceFamily::Classification).is_err());
        assert!(public_price("$1", PriceFamily::Classification).is_err());
        assert!(public_price("0.84", PriceFamily::None).is_err());
    }

    #[test]
    fn tags() {
        assert!(tag("team", "ml").is_ok());
        assert!(tag("gtplan:plan", "x").is_err());
        assert!(tag("aws:x", "x").is_err());
        assert!(tag("", "x").is_err());
        assert!(tag("k", "bad\u{0}").is_err());
    }
}
