//! Retries, in two layers with one job each.
//!
//! - **The SDK's standard retry** ([`sdk_retry_config`]) handles everything AWS or the network
//!   can say: throttling codes, 5xx answers with or without a code (S3 throttles a HEAD with a
//!   bare 503), timeouts and connection errors, with exponential backoff and full jitter. A
//!   write whose answer was lost is sent again by it, so every write the adapter makes accepts
//!   finding its own earlier effect (see `execute` in the service modules).
//! - **gtplan's own retry** is only for what only gtplan knows: SageMaker cannot assume a role
//!   IAM has not propagated yet, and answers `CreateLabelingJob` with a `ValidationException`
//!   that blames the role. [`decide`] retries that while the role is young and its trust
//!   policy lets SageMaker assume it, bounded as Terraform bounds it, so that a real validation
//!   error (an old role, a trust policy that does not name SageMaker) is reported at once.

use std::time::Duration;

use aws_sdk_s3::config::retry::{RetryConfig, RetryPartition, TokenBucket};

/// Attempts of one call, the first included: enough to ride out minutes of sustained
/// throttling (backoff doubles from [`INITIAL_BACKOFF`] up to [`MAX_BACKOFF`]).
pub const MAX_ATTEMPTS: u32 = 12;
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
pub const MAX_BACKOFF: Duration = Duration::from_secs(20);

/// The SDK's standard retry mode with gtplan's attempts and backoff.
pub fn sdk_retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

/// A retry partition of `service` without the SDK's retry quota. The quota protects a
/// long-running service from retry storms; one gtplan run makes a bounded number of calls,
/// each with at most [`MAX_ATTEMPTS`], and under sustained throttling the quota would turn
/// throttling into failures instead of waits.
pub fn partition(service: &'static str) -> RetryPartition {
    RetryPartition::custom(service)
        .token_bucket(TokenBucket::unlimited())
        .build()
}

/// How long after a role was written a rejection naming the role is taken for IAM propagation
/// rather than a real problem: IAM documents "usually a few seconds"; Terraform's AWS provider
/// waits up to 2 minutes for the same error.
pub const PROPAGATION_WINDOW: Duration = Duration::from_mins(2);

/// One rejected `CreateLabelingJob`, as the propagation policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct Failure<'a> {
    pub code: Option<&'a str>,
    pub message: &'a str,
    /// Attempts made so far (1 after the first failure).
    pub attempt: u32,
    /// How long ago the job's role was last written, when known.
    pub role_age: Option<Duration>,
    /// Whether the role's trust policy, as IAM has it, lets SageMaker assume it: if not, the
    /// rejection is real and waiting cannot help.
    pub role_trusts_sagemaker: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    GiveUp,
    RetryAfter(Duration),
}

/// How often a rejected `CreateLabelingJob` is tried again while IAM propagates the role: the
/// wait then ends at most this long after propagation did. IAM propagation usually takes
/// seconds, so polling costs a handful of calls.
pub const PROPAGATION_POLL: Duration = Duration::from_secs(1);

/// IAM propagation: a `ValidationException` that blames a role whose trust policy does let
/// SageMaker assume it, while the role is younger than [`PROPAGATION_WINDOW`], tried again
/// every [`PROPAGATION_POLL`]; the window bounds it, since the role only gets older. Anything
/// else is not gtplan's to retry, and is reported at once.
pub fn decide(failure: &Failure<'_>) -> Decision {
    if failure.code == Some("ValidationException")
        && blames_role(failure.message)
        && failure.role_trusts_sagemaker
        && failure.role_age.is_some_and(|age| age < PROPAGATION_WINDOW)
    {
        return Decision::RetryAfter(PROPAGATION_POLL);
    }
    Decision::GiveUp
}

/// Whether a SageMaker validation message says the execution role cannot be used: what it
/// says while IAM has not yet propagated a new role or its trust policy.
fn blames_role(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    let assume = m.contains("assume");
    let missing_role = m.contains("role")
        && (m.contains("not found") || m.contains("does not exist") || m.contains("not exist"));
    assume || missing_role
}

/// Says on stderr that gtplan waits, and why: on the first rejection, then every tenth, so
/// that a wait of seconds is one line.
pub fn log_retry(what: &str, failure: &Failure<'_>, delay: Duration) {
    if failure.attempt != 1 && !failure.attempt.is_multiple_of(10) {
        return;
    }
    let age = failure
        .role_age
        .map_or_else(String::new, |a| format!(", written {}s ago", a.as_secs()));
    eprintln!(
        "gtplan: {what}: waiting for IAM to propagate the role{age}: SageMaker answered {}: {} (trying again every {}s, for up to {} minutes after the role was written)",
        failure.code.unwrap_or("an error"),
        failure.message,
        delay.as_secs(),
        PROPAGATION_WINDOW.as_secs() / 60,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure<'a>(code: &'a str, message: &'a str, attempt: u32) -> Failure<'a> {
        Failure {
            code: Some(code),
            message,
            attempt,
            role_age: None,
            role_trusts_sagemaker: true,
        }
    }

    #[test]
    fn the_sdk_retries_long_enough_with_jitter() {
        let config = sdk_retry_config();
        assert_eq!(config.max_attempts(), MAX_ATTEMPTS);
        assert_eq!(config.initial_backoff(), INITIAL_BACKOFF);
        assert_eq!(config.max_backoff(), MAX_BACKOFF);
        // Without jitter the standard mode would retry in lockstep; it must stay on.
        assert!(!config.use_static_exponential_base());
        assert_eq!(
            config.mode(),
            aws_sdk_s3::config::retry::RetryMode::Standard
        );
        // The sum of the capped backoffs covers more than a minute of throttling.
        let total: Duration = (0..MAX_ATTEMPTS - 1)
            .map(|n| INITIAL_BACKOFF.saturating_mul(1 << n).min(MAX_BACKOFF))
            .sum();
        assert!(total > Duration::from_mins(1), "{total:?}");
    }

    #[test]
    fn other_errors_are_not_gtplans_to_retry() {
        for code in [
            "AccessDenied",
            "NoSuchBucket",
            "ThrottlingException",
            "SlowDown",
        ] {
            let young = Failure {
                role_age: Some(Duration::from_secs(1)),
                ..failure(code, "the role could not be assumed", 1)
            };
            assert_eq!(decide(&young), Decision::GiveUp, "{code}");
        }
    }

    #[test]
    fn a_young_role_rejected_by_sagemaker_is_retried_within_the_window() {
        let messages = [
            "Could not assume role arn:aws:iam::1:role/x. Please ensure that the role exists and allows principal 'sagemaker.amazonaws.com' to assume the role.",
            "SageMaker is not authorized to assume role arn:aws:iam::1:role/x",
            "The role arn:aws:iam::1:role/x could not be assumed",
            "Role arn:aws:iam::1:role/x does not exist",
        ];
        for message in messages {
            let young = Failure {
                role_age: Some(Duration::from_secs(5)),
                ..failure("ValidationException", message, 3)
            };
            assert_eq!(
                decide(&young),
                Decision::RetryAfter(PROPAGATION_POLL),
                "{message}"
            );
            let untrusting = Failure {
                role_trusts_sagemaker: false,
                ..young
            };
            assert_eq!(decide(&untrusting), Decision::GiveUp, "{message}");
            let old = Failure {
                role_age: Some(PROPAGATION_WINDOW),
                ..young
            };
            assert_eq!(decide(&old), Decision::GiveUp, "{message}");
            let unknown = Failure {
                role_age: None,
                ..young
            };
            assert_eq!(decide(&unknown), Decision::GiveUp, "{message}");
        }
    }

    #[test]
    fn validation_errors_about_other_things_are_not_retried() {
        let f = Failure {
            role_age: Some(Duration::from_secs(1)),
            ..failure(
                "ValidationException",
                "TaskKeywords member must satisfy regular expression pattern",
                1,
            )
        };
        assert_eq!(decide(&f), Decision::GiveUp);
    }
}
