//! The matchers behind policy evaluation: IAM wildcards (`*` any run of characters, `?` one
//! character), ARN matching component by component, and principal matching.

use super::Principal;
use super::document::Principals;

/// Matches `text` against an IAM wildcard pattern. Actions compare case-insensitively, resources
/// and condition strings case-sensitively, hence the flag.
pub(super) fn wildcard_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    // ASCII (nearly every ARN and action) is matched byte by byte, without allocating.
    if pattern.is_ascii() && text.is_ascii() {
        let (pattern, text) = (pattern.as_bytes(), text.as_bytes());
        // The literal start of the pattern (most of an ARN, and where most patterns part from
        // most texts: a policy lists many ARNs) is compared at once.
        let literal = pattern
            .iter()
            .position(|&c| c == b'*' || c == b'?')
            .unwrap_or(pattern.len());
        let Some(start) = text.get(..literal) else {
            return false;
        };
        let (head, rest) = pattern.split_at(literal);
        let same_start = if ignore_case {
            head.eq_ignore_ascii_case(start)
        } else {
            head == start
        };
        if !same_start {
            return false;
        }
        if !rest.is_empty() && rest.iter().all(|&c| c == b'*') {
            // `prefix*`, the usual resource pattern: whatever follows matches.
            return true;
        }
        let same = |p: u8, t: u8| {
            if ignore_case {
                p.eq_ignore_ascii_case(&t)
            } else {
                p == t
            }
        };
        return glob(rest, &text[literal..], b'*', b'?', same);
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let same = |p: char, t: char| {
        if ignore_case {
            p.to_lowercase().eq(t.to_lowercase())
        } else {
            p == t
        }
    };
    glob(&pattern, &text, '*', '?', same)
}

/// Greedy scan remembering the last `star`: on a mismatch, let that star swallow one more
/// symbol and retry. Linear in practice, never exponential.
fn glob<T: Copy + Eq>(
    pattern: &[T],
    text: &[T],
    star: T,
    any: T,
    same: impl Fn(T, T) -> bool,
) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut last_star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(&c) if c == star => {
                last_star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == any || same(c, text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match last_star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    last_star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == star)
}

/// `ArnEquals`/`ArnLike`: both ARNs split into their six colon-separated components, each
/// matched case-sensitively with wildcards (IAM condition operator reference). The last
/// component may itself contain colons.
pub(super) fn arn_match(pattern: &str, arn: &str) -> bool {
    let pattern_parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let arn_parts: Vec<&str> = arn.splitn(6, ':').collect();
    pattern_parts.len() == 6
        && arn_parts.len() == 6
        && pattern_parts
            .iter()
            .zip(&arn_parts)
            .all(|(p, a)| wildcard_match(p, a, false))
}

/// The account an IAM or STS ARN belongs to (`arn:aws:iam::<acct>:role/x` → `<acct>`); a bare
/// 12-digit account id is its own account.
pub(super) fn account_of(principal_arn: &str) -> Option<&str> {
    if is_account_id(principal_arn) {
        return Some(principal_arn);
    }
    let mut parts = principal_arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some(service), Some(_region), Some(account)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (matches!(service, "iam" | "sts") && is_account_id(account)).then_some(account)
}

pub(super) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a `Principal`/`NotPrincipal` element names the caller.
pub(super) fn principal_matches(principals: &Principals, caller: Principal<'_>) -> bool {
    match principals {
        Principals::Everyone => true,
        Principals::Listed { aws, service, .. } => match caller {
            // `{"AWS": "*"}` is documented as equivalent to `"*"`.
            Principal::Service(name) => {
                aws.iter().any(|a| a == "*") || service.iter().any(|s| s.eq_ignore_ascii_case(name))
            }
            Principal::Aws(arn) => aws.iter().any(|entry| aws_entry_matches(entry, arn)),
        },
    }
}

/// One `AWS` principal entry against the caller's ARN: `*`, an account (id or `:root` ARN)
/// covering every principal of that account, or one principal's ARN.
fn aws_entry_matches(entry: &str, caller: &str) -> bool {
    if entry == "*" {
        return true;
    }
    if is_account_id(entry) {
        return account_of(caller) == Some(entry);
    }
    if let Some(account) = entry
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.strip_suffix(":root"))
    {
        return account_of(caller) == Some(account);
    }
    entry == caller || role_session_of(entry, caller)
}

/// A role ARN in a policy also names the sessions of that role: the caller
/// `arn:aws:sts::<acct>:assumed-role/<name>/<session>` is the role
/// `arn:aws:iam::<acct>:role/<path><name>` (the session ARN drops the role's path).
fn role_session_of(role_arn: &str, caller: &str) -> bool {
    let Some((role_account, role_path_name)) = role_arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"))
    else {
        return false;
    };
    let Some((caller_account, session)) = caller
        .strip_prefix("arn:aws:sts::")
        .and_then(|rest| rest.split_once(":assumed-role/"))
    else {
        return false;
    };
    let role_name = role_path_name.rsplit('/').next().unwrap_or(role_path_name);
    let session_role = session.split('/').next().unwrap_or(session);
    role_account == caller_account && role_name == session_role
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_any_run_and_question_mark_one_character() {
        assert!(wildcard_match("s3:Get*", "s3:GetObject", false));
        assert!(wildcard_match("*", "", false));
        assert!(wildcard_match("*", "anything:at/all", false));
        assert!(wildcard_match(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/input/x.json",
            false
        ));
        assert!(wildcard_match(
            "arn:aws:s3:::b/?",
            "arn:aws:s3:::b/k",
            false
        ));
        assert!(!wildcard_match(
            "arn:aws:s3:::b/?",
            "arn:aws:s3:::b/kk",
            false
        ));
        assert!(wildcard_match("a*b*c", "aXXbYYbc", false));
        assert!(!wildcard_match("a*b*c", "aXXbYYbd", false));
        assert!(wildcard_match(
            "*SageMaker*",
            "arn:aws:s3:::my-SageMaker-data/k",
            false
        ));
        assert!(!wildcard_match("s3:GetObject", "s3:GetObjectAcl", false));
        assert!(!wildcard_match("arn:aws:s3:::b", "arn:aws:s3:::b/k", false));
        assert!(!wildcard_match("arn:aws:s3:::b/*", "arn:aws:s3", false));
        assert!(!wildcard_match(
            "arn:aws:s3:::c/*",
            "arn:aws:s3:::b/k",
            false
        ));
    }

    #[test]
    fn case_sensitivity_is_the_callers_choice() {
        assert!(wildcard_match("S3:getobject", "s3:GetObject", true));
        assert!(wildcard_match("s3:get*", "s3:GetObject", true));
        assert!(!wildcard_match("s3:get*", "s3:GetObject", false));
        assert!(!wildcard_match(
            "arn:aws:s3:::Bucket/*",
            "arn:aws:s3:::bucket/k",
            false
        ));
    }

    #[test]
    fn arn_match_compares_component_by_component() {
        assert!(arn_match(
            "arn:aws:sagemaker:*:111122223333:*",
            "arn:aws:sagemaker:us-east-1:111122223333:labeling-job/job"
        ));
        assert!(arn_match(
            "arn:aws:sagemaker:us-east-1:111122223333:labeling-job/job",
            "arn:aws:sagemaker:us-east-1:111122223333:labeling-job/job"
        ));
        // A star in one component does not reach across a colon into the account.
        assert!(!arn_match(
            "arn:aws:sagemaker:*:111122223333:*",
            "arn:aws:sagemaker:us-east-1:999999999999:labeling-job/job"
        ));
        assert!(!arn_match("arn:aws:sagemaker:*", "not-an-arn"));
    }

    #[test]
    fn account_of_reads_iam_and_sts_arns() {
        assert_eq!(
            account_of("arn:aws:iam::123456789012:role/path/r"),
            Some("123456789012")
        );
        assert_eq!(
            account_of("arn:aws:sts::123456789012:assumed-role/r/s"),
            Some("123456789012")
        );
        assert_eq!(account_of("123456789012"), Some("123456789012"));
        assert_eq!(account_of("arn:aws:s3:::bucket"), None);
        assert_eq!(account_of("arn:aws:iam::12345:root"), None);
    }

    fn listed(aws: &[&str], service: &[&str]) -> Principals {
        Principals::Listed {
            aws: aws.iter().map(|s| (*s).to_owned()).collect(),
            service: service.iter().map(|s| (*s).to_owned()).collect(),
            federated: Vec::new(),
            canonical_user: Vec::new(),
        }
    }

    #[test]
    fn principal_matching_by_star_account_arn_and_service() {
        let role = Principal::Aws("arn:aws:iam::123456789012:role/service-role/gt");
        let other = Principal::Aws("arn:aws:iam::999999999999:role/gt");
        let sagemaker = Principal::Service("sagemaker.amazonaws.com");

        assert!(principal_matches(&Principals::Everyone, role));
        assert!(principal_matches(&Principals::Everyone, sagemaker));
        assert!(principal_matches(&listed(&["*"], &[]), role));
        assert!(principal_matches(&listed(&["*"], &[]), sagemaker));

        let by_id = listed(&["123456789012"], &[]);
        assert!(principal_matches(&by_id, role));
        assert!(!principal_matches(&by_id, other));
        assert!(!principal_matches(&by_id, sagemaker));

        let by_root = listed(&["arn:aws:iam::123456789012:root"], &[]);
        assert!(principal_matches(&by_root, role));
        assert!(!principal_matches(&by_root, other));

        let by_arn = listed(&["arn:aws:iam::123456789012:role/service-role/gt"], &[]);
        assert!(principal_matches(&by_arn, role));
        assert!(!principal_matches(
            &by_arn,
            Principal::Aws("arn:aws:iam::123456789012:role/gt2")
        ));
        assert!(principal_matches(
            &by_arn,
            Principal::Aws("arn:aws:sts::123456789012:assumed-role/gt/session-1")
        ));
        assert!(!principal_matches(
            &by_arn,
            Principal::Aws("arn:aws:sts::123456789012:assumed-role/other/session-1")
        ));

        let by_service = listed(&[], &["sagemaker.amazonaws.com"]);
        assert!(principal_matches(&by_service, sagemaker));
        assert!(!principal_matches(
            &by_service,
            Principal::Service("lambda.amazonaws.com")
        ));
        assert!(!principal_matches(&by_service, role));
    }
}
