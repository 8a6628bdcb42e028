//! When the adapter tries a call again: AWS throttling (any call) and IAM's propagation delay
//! (a role created or changed moments ago can be rejected by `CreateLabelingJob` for a few
//! seconds, because SageMaker's view of IAM is eventually consistent). [`decide`] is the whole
//! policy, a pure function of the failure; [`send`] applies it around one SDK call.

use std::future::Future;
use std::time::Duration;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

/// Error codes AWS services use to say "slow down" (S3 `SlowDown`, IAM `Throttling`, SageMaker
/// `ThrottlingException`, EC2-style `RequestLimitExceeded`, API Gateway-style
/// `TooManyRequestsException`).
const THROTTLING_CODES: [&str; 5] = [
    "Throttling",
    "ThrottlingException",
    "SlowDown",
    "RequestLimitExceeded",
    "TooManyRequestsException",
];

/// Attempts of one throttled call, the first included.
pub const MAX_THROTTLED_ATTEMPTS: u32 = 6;

/// How long after a role was written a rejection naming the role is taken for IAM propagation
/// rather than a real problem (IAM documents "usually a few seconds"; Terraform waits longer).
pub const PROPAGATION_WINDOW: Duration = Duration::from_mins(1);

/// One failed attempt, as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct Failure<'a> {
    pub code: Option<&'a str>,
    pub message: &'a str,
    /// Attempts made so far (1 after the first failure).
    pub attempt: u32,
    /// For `CreateLabelingJob`: how long ago the job's role was last written, when known.
    pub role_age: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    GiveUp,
    RetryAfter(Duration),
}

/// The retry policy. Throttling: up to [`MAX_THROTTLED_ATTEMPTS`] with exponential backoff from
/// 200 ms, at most 5 s apart. IAM propagation: a `ValidationException` that blames the role,
/// while the role is younger than [`PROPAGATION_WINDOW`], backing off from 1 s to at most 8 s;
/// the window bounds it, since the role only gets older.
pub fn decide(failure: &Failure<'_>) -> Decision {
    let code = failure.code.unwrap_or_default();
    if THROTTLING_CODES.contains(&code) {
        if failure.attempt >= MAX_THROTTLED_ATTEMPTS {
            return Decision::GiveUp;
        }
        return Decision::RetryAfter(backoff(
            failure.attempt,
            Duration::from_millis(200),
            Duration::from_secs(5),
        ));
    }
    if code == "ValidationException"
        && blames_role(failure.message)
        && failure.role_age.is_some_and(|age| age < PROPAGATION_WINDOW)
    {
        return Decision::RetryAfter(backoff(
            failure.attempt,
            Duration::from_secs(1),
            Duration::from_secs(8),
        ));
    }
    Decision::GiveUp
}

/// `base * 2^(attempt-1)`, capped.
fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let factor = 1u32 << attempt.saturating_sub(1).min(16);
    base.saturating_mul(factor).min(cap)
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

/// Sends one SDK call (`call` builds a fresh request each time), retrying throttling as
/// [`decide`] says and logging each retry on stderr. `what` names the call in the log.
pub async fn send<T, E, F, Fut>(what: &str, mut call: F) -> Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let err = match call().await {
            Ok(out) => return Ok(out),
            Err(err) => err,
        };
        let failure = Failure {
            code: err.code(),
            message: err.message().unwrap_or_default(),
            attempt,
            role_age: None,
        };
        match decide(&failure) {
            Decision::GiveUp => return Err(err),
            Decision::RetryAfter(delay) => {
                log_retry(what, &failure, delay);
                tokio::time::sleep(delay).await;
            }
        }
    }
}

pub fn log_retry(what: &str, failure: &Failure<'_>, delay: Duration) {
    eprintln!(
        "gtplan: {what}: {}: {} (retrying in {:.1}s, attempt {})",
        failure.code.unwrap_or("error"),
        failure.message,
        delay.as_secs_f64(),
        failure.attempt + 1
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
        }
    }

    #[test]
    fn throttling_backs_off_exponentially_and_gives_up() {
        let delays: Vec<Decision> = (1..=MAX_THROTTLED_ATTEMPTS)
            .map(|n| decide(&failure("SlowDown", "Please reduce your request rate.", n)))
            .collect();
        let ms = |n| Decision::RetryAfter(Duration::from_millis(n));
        assert_eq!(
            delays,
            [
                ms(200),
                ms(400),
                ms(800),
                ms(1600),
                ms(3200),
                Decision::GiveUp
            ]
        );
        for code in THROTTLING_CODES {
            assert_ne!(decide(&failure(code, "", 1)), Decision::GiveUp, "{code}");
        }
        assert_eq!(
            backoff(30, Duration::from_millis(200), Duration::from_secs(5)),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn other_errors_are_not_retried() {
        assert_eq!(
            decide(&failure("AccessDenied", "denied", 1)),
            Decision::GiveUp
        );
        assert_eq!(decide(&failure("NoSuchBucket", "", 1)), Decision::GiveUp);
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
                Decision::RetryAfter(Duration::from_secs(4)),
                "{message}"
            );
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
