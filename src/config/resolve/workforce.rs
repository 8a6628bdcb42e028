//! `[workforce]` and `[teams.NAME]`: the region's private workforce and its work teams, checked
//! against Ground Truth's rules before any AWS call (fact sheet 2 §1-3): one identity (a pool
//! gtplan creates, an existing pool, or an OIDC provider), at most 10 source CIDRs, team names
//! and descriptions within SageMaker's limits, at most 10 IdP groups per team, valid e-mail
//! addresses, and an OIDC client secret that never comes from the plan file.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use super::Resolver;
use crate::config::checks;
use crate::config::raw::{RawOidc, RawTeam, RawWorkforce, Str};
use crate::model::workforce::{
    DesiredTeam, DesiredWorkforce, Identity, Members, OidcConfig, OidcProvider, SecretSource,
};
use crate::model::{Address, Kind};

/// The workforce's name when the plan does not give one (the console's name too).
pub const DEFAULT_WORKFORCE: &str = "default";
/// SageMaker's limits (fact sheet 2 §1.1, §2.1).
const MAX_CIDRS: usize = 10;
const MAX_GROUPS: usize = 10;
const MAX_TEAMS: usize = 25;
/// The three ways a workforce signs workers in.
const HOW: &str = "write `user_pool_name` and `domain` (gtplan creates a Cognito user pool), or `user_pool_id` and `client_id` (an existing pool), or a `[workforce.oidc]` table (your own identity provider)";

static WORKFORCE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$").expect("valid regex"));
static TEAM_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$").expect("valid regex"));
/// Cognito's prefix domains: lowercase letters, digits and hyphens, not at either end.
static DOMAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$").expect("valid regex"));
static POOL_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w\s+=,.@-]{1,128}$").expect("valid regex"));
static POOL_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w-]+_[0-9a-zA-Z]+$").expect("valid regex"));
static CLIENT_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w+]{1,128}$").expect("valid regex"));
/// What Cognito accepts as a user name and a mail server as an address, roughly: one `@`, a
/// dotted domain, no spaces.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
        .expect("valid regex")
});
static GROUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,63}$").expect("valid regex"));

impl Resolver<'_> {
    /// The plan's workforce, if it has a `[workforce]`; `Err(())` when it is invalid (reported).
    pub(super) fn workforce_section(&mut self) -> Result<Option<(Address, DesiredWorkforce)>, ()> {
        let Some(raw) = &self.file.raw.workforce else {
            return Ok(None);
        };
        let raw = raw.clone();
        let before = self.problems.len();
        let name = match self.expand_opt(raw.name.as_ref()) {
            Some(n) => {
                if !WORKFORCE_NAME.is_match(&n.value) {
                    self.report(
                        n.span.clone(),
                        format!("workforce name `{}` is not valid", n.value),
                        "invalid",
                        Some(
                            "1-63 letters, digits and hyphens, starting with a letter or digit"
                                .to_owned(),
                        ),
                    );
                }
                n.value
            }
            None => DEFAULT_WORKFORCE.to_owned(),
        };
        let identity = self.identity(&raw);
        let mut cidrs = Vec::new();
        if let Some(list) = &raw.source_ip_cidrs {
            if list.value.len() > MAX_CIDRS {
                self.report(
                    list.span.clone(),
                    format!(
                        "{} source IP ranges; a workforce allows at most {MAX_CIDRS}",
                        list.value.len()
                    ),
                    "too many",
                    Some("combine ranges into wider CIDR blocks".to_owned()),
                );
            }
            for c in &list.value {
                let Some(c) = self.expand(c) else { continue };
                if is_cidr(&c.value) {
                    cidrs.push(c.value);
                } else {
                    self.report(
                        c.span.clone(),
                        format!("`{}` is not an IPv4 or IPv6 CIDR block", c.value),
                        "not a CIDR",
                        Some(
                            "write an address and a prefix length, e.g. `203.0.113.0/24`"
                                .to_owned(),
                        ),
                    );
                }
            }
        }
        cidrs.sort();
        cidrs.dedup();
        let address = Address::new(Kind::Workforce, &name);
        let workforce = DesiredWorkforce {
            name,
            identity: identity.ok_or(())?,
            source_ip_cidrs: cidrs,
            destroy_users: raw.destroy_users.is_some_and(|d| d.value),
            tags: self.ownership_tags(&BTreeMap::new(), &address),
        };
        if self.problems.len() > before {
            return Err(());
        }
        Ok(Some((address, workforce)))
    }

    /// Exactly one of: `user_pool_name` (with `domain`), `user_pool_id` with `client_id`, or
    /// `[workforce.oidc]`.
    fn identity(&mut self, raw: &RawWorkforce) -> Option<Identity> {
        let new_pool = self.expand_opt(raw.user_pool_name.as_ref());
        let domain = self.expand_opt(raw.domain.as_ref());
        let pool_id = self.expand_opt(raw.user_pool_id.as_ref());
        let client_id = self.expand_opt(raw.client_id.as_ref());
        let chosen = [new_pool.is_some(), pool_id.is_some(), raw.oidc.is_some()]
            .into_iter()
            .filter(|b| *b)
            .count();
        if chosen != 1 {
            let message = if chosen == 0 {
                "`[workforce]` says nothing about who signs workers in"
            } else {
                "`[workforce]` names more than one way to sign workers in"
            };
            self.report(
                raw.span.clone(),
                message,
                "choose one",
                Some(HOW.to_owned()),
            );
            return None;
        }
        if let Some(pool) = new_pool {
            if !POOL_NAME.is_match(&pool.value) {
                self.report(
                    pool.span.clone(),
                    format!("user pool name `{}` is not valid", pool.value),
                    "invalid",
                    Some("1-128 letters, digits, spaces and `+=,.@-`".to_owned()),
                );
            }
            let Some(domain) = domain else {
                self.report(pool.span.clone(), "a user pool gtplan creates needs `domain`", "add `domain`", Some("workers sign in on `<domain>.auth.<region>.amazoncognito.com`: add `domain = \"my-team-${account_id}\"` (unique in the region)".to_owned()));
                return None;
            };
            let forbidden = ["aws", "amazon", "cognito"]
                .into_iter()
                .find(|w| domain.value.contains(w));
            if !DOMAIN.is_match(&domain.value) || forbidden.is_some() {
                self.report(domain.span.clone(), format!("`{}` is not a valid Cognito domain prefix", domain.value), "invalid", Some("1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen, without `aws`, `amazon` or `cognito`".to_owned()));
            }
            if client_id.is_some() {
                self.report(
                    raw.span.clone(),
                    "`client_id` goes with `user_pool_id`, not `user_pool_name`",
                    "remove `client_id`",
                    Some("gtplan creates the app client of a pool it creates".to_owned()),
                );
            }
            return Some(Identity::NewCognitoPool {
                pool_name: pool.value,
                domain: domain.value,
            });
        }
        if let Some(pool) = pool_id {
            if let Some(d) = &domain {
                self.report(
                    d.span.clone(),
                    "`domain` goes with `user_pool_name`: an existing pool keeps its own",
                    "remove `domain`",
                    None,
                );
            }
            self.check(
                &pool.span,
                pattern(&POOL_ID, &pool.value, "user pool id", "us-east-1_AbCdEf123"),
            );
            let Some(client) = client_id else {
                self.report(pool.span.clone(), "an existing user pool needs the `client_id` of its app client", "add `client_id`", Some("the app client SageMaker's worker portal signs in through (Cognito console → App clients)".to_owned()));
                return None;
            };
            self.check(
                &client.span,
                pattern(
                    &CLIENT_ID,
                    &client.value,
                    "app client id",
                    "1example23456789",
                ),
            );
            return Some(Identity::CognitoPool {
                user_pool_id: pool.value,
                client_id: client.value,
            });
        }
        let oidc = raw.oidc.as_ref()?;
        self.oidc(oidc).map(Identity::Oidc)
    }

    fn oidc(&mut self, raw: &RawOidc) -> Option<OidcConfig> {
        if let Some(secret) = &raw.client_secret {
            self.report(secret.span.clone(), "the OIDC client secret must not be in the plan file", "remove it", Some("plan files are reviewed and committed: set `client_secret_env = \"NAME\"` (an environment variable) or `client_secret_file = \"path\"` instead".to_owned()));
            return None;
        }
        let secret = match (
            self.expand_opt(raw.client_secret_env.as_ref()),
            self.expand_opt(raw.client_secret_file.as_ref()),
        ) {
            (Some(env), None) => SecretSource::Env(env.value),
            (None, Some(file)) => SecretSource::File(self.file.dir.join(&file.value)),
            _ => {
                self.report(
                    raw.span.clone(),
                    "`[workforce.oidc]` needs one of `client_secret_env` and `client_secret_file`",
                    "say where the secret is",
                    Some(
                        "the secret is read when apply needs it, and never printed or saved"
                            .to_owned(),
                    ),
                );
                return None;
            }
        };
        if let Err(why) = secret.read() {
            let span = raw
                .client_secret_env
                .as_ref()
                .or(raw.client_secret_file.as_ref())
                .map_or(raw.span.clone(), |s| s.span.clone());
            self.report(
                span,
                format!("the OIDC client secret cannot be read: {why}"),
                "not readable",
                Some("set the variable or create the file before running gtplan".to_owned()),
            );
            return None;
        }
        let mut endpoint = |value: Option<&Str>, key: &str| -> Option<String> {
            let Some(v) = self.expand_opt(value) else {
                self.report(
                    raw.span.clone(),
                    format!("missing key `{key}` in `[workforce.oidc]`"),
                    "",
                    Some(format!(
                        "add `{key} = \"https://...\"` from your identity provider's configuration"
                    )),
                );
                return None;
            };
            if !v.value.starts_with("https://")
                || v.value.len() > 500
                || v.value.contains(char::is_whitespace)
            {
                self.report(
                    v.span.clone(),
                    format!("`{key}` must be an https:// URL of at most 500 characters"),
                    "not https",
                    None,
                );
                return None;
            }
            Some(v.value)
        };
        let issuer = endpoint(raw.issuer.as_ref(), "issuer");
        let authorization_endpoint = endpoint(
            raw.authorization_endpoint.as_ref(),
            "authorization_endpoint",
        );
        let token_endpoint = endpoint(raw.token_endpoint.as_ref(), "token_endpoint");
        let user_info_endpoint = endpoint(raw.user_info_endpoint.as_ref(), "user_info_endpoint");
        let logout_endpoint = endpoint(raw.logout_endpoint.as_ref(), "logout_endpoint");
        let jwks_uri = endpoint(raw.jwks_uri.as_ref(), "jwks_uri");
        let Some(client_id) = self.expand_opt(raw.client_id.as_ref()) else {
            self.report(
                raw.span.clone(),
                "missing key `client_id` in `[workforce.oidc]`",
                "",
                None,
            );
            return None;
        };
        Some(OidcConfig {
            provider: OidcProvider {
                client_id: client_id.value,
                issuer: issuer?,
                authorization_endpoint: authorization_endpoint?,
                token_endpoint: token_endpoint?,
                user_info_endpoint: user_info_endpoint?,
                logout_endpoint: logout_endpoint?,
                jwks_uri: jwks_uri?,
                scope: self.expand_opt(raw.scope.as_ref()).map(|s| s.value),
            },
            client_secret: secret,
        })
    }

    /// The plan's teams; they need the plan's `[workforce]` (to know how members are named).
    pub(super) fn teams(
        &mut self,
        workforce: Option<&DesiredWorkforce>,
    ) -> BTreeMap<Address, DesiredTeam> {
        let raw_teams = self.file.raw.teams.clone();
        if raw_teams.len() > MAX_TEAMS {
            self.report(
                raw_teams[MAX_TEAMS].0.span.clone(),
                format!(
                    "{} teams; SageMaker allows {MAX_TEAMS} per account and region",
                    raw_teams.len()
                ),
                "too many",
                None,
            );
        }
        let mut out = BTreeMap::new();
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for (key, raw) in &raw_teams {
            let Some(workforce) = workforce else {
                self.report(raw.span.clone(), format!("team `{}` needs the plan's `[workforce]`", key.value), "no workforce", Some("add a `[workforce]` table (docs/plan-file.md): it says how workers sign in; a team of a workforce made elsewhere is used by its ARN in `workteam`".to_owned()));
                continue;
            };
            let Some(team) = self.team(key, raw, workforce) else {
                continue;
            };
            if let Some(other) = names.insert(team.name.to_ascii_lowercase(), key.value.clone()) {
                self.report(
                    raw.name.span.clone(),
                    format!(
                        "teams `{other}` and `{}` have the same name `{}`",
                        key.value, team.name
                    ),
                    "duplicate",
                    Some("work team names are unique in a region".to_owned()),
                );
                continue;
            }
            out.insert(Address::new(Kind::Team, &key.value), team);
        }
        out
    }

    fn team(
        &mut self,
        key: &Str,
        raw: &RawTeam,
        workforce: &DesiredWorkforce,
    ) -> Option<DesiredTeam> {
        let from = format!("`teams.{}`", key.value);
        let name = self.expand(&raw.name)?;
        if !TEAM_NAME.is_match(&name.value) {
            self.report(name.span.clone(), format!("team name `{}` is not valid", name.value), "invalid", Some("1-63 letters, digits and single hyphens, starting and ending with a letter or digit".to_owned()));
        }
        let description = match self.expand_opt(raw.description.as_ref()) {
            Some(d) if (1..=200).contains(&d.value.chars().count()) => d.value,
            Some(d) => {
                self.report(
                    d.span.clone(),
                    format!(
                        "the description of {from} has {} characters; SageMaker allows 1-200",
                        d.value.chars().count()
                    ),
                    "too long",
                    None,
                );
                return None;
            }
            None => {
                self.report(
                    raw.span.clone(),
                    format!("missing key `description` in {from}"),
                    "",
                    Some("add `description = \"...\"`: workers see it".to_owned()),
                );
                return None;
            }
        };
        let members = self.members(&from, raw, workforce, &name.value)?;
        let topic = self.expand_opt(raw.notification_topic.as_ref());
        if let Some(t) = &topic {
            self.check(
                &t.span,
                checks::sns_topic_arn(&t.value, self.file.region.as_str()),
            )?;
        }
        let address = Address::new(Kind::Team, &key.value);
        let user_tags = self.tags(raw.tags.as_ref());
        Some(DesiredTeam {
            name: name.value,
            description,
            members,
            notification_topic_arn: topic.map(|t| t.value),
            tags: self.ownership_tags(&user_tags, &address),
        })
    }

    /// Workers by e-mail for a Cognito workforce, IdP groups for an OIDC one.
    fn members(
        &mut self,
        from: &str,
        raw: &RawTeam,
        workforce: &DesiredWorkforce,
        team: &str,
    ) -> Option<Members> {
        if workforce.identity.is_cognito() {
            if let Some(g) = &raw.groups {
                self.report(g.span.clone(), format!("{from} lists `groups`, which are for an OIDC workforce"), "not with Cognito", Some("a Cognito team lists its people as `workers = [\"name@example.com\", ...]`".to_owned()));
                return None;
            }
            let mut workers = BTreeSet::new();
            let mut seen: BTreeMap<String, String> = BTreeMap::new();
            for w in raw
                .workers
                .as_ref()
                .map(|l| l.value.clone())
                .unwrap_or_default()
            {
                let Some(w) = self.expand(&w) else { continue };
                if w.value.chars().count() > 128 || !EMAIL.is_match(&w.value) {
                    self.report(w.span.clone(), format!("`{}` is not an e-mail address", w.value), "not an e-mail address", Some("workers are invited by e-mail: write addresses such as `ana@example.com`".to_owned()));
                    continue;
                }
                if let Some(first) = seen.insert(w.value.to_ascii_lowercase(), w.value.clone()) {
                    self.report(w.span.clone(), format!("`{}` is listed twice in {from} (as `{first}`)", w.value), "duplicate", Some("Cognito user names are case-sensitive: list each person once, spelt as they sign in".to_owned()));
                    continue;
                }
                workers.insert(w.value);
            }
            return Some(Members::Cognito {
                group: team.to_owned(),
                workers,
            });
        }
        if let Some(w) = &raw.workers {
            self.report(w.span.clone(), format!("{from} lists `workers`, but the workforce signs in through your identity provider"), "not with OIDC", Some("an OIDC team names the IdP groups whose members it holds: `groups = [\"labelers\"]`".to_owned()));
            return None;
        }
        let Some(list) = &raw.groups else {
            self.report(raw.span.clone(), format!("missing key `groups` in {from}"), "", Some("name the identity provider's groups (the `sagemaker:groups` claim) whose members are the team".to_owned()));
            return None;
        };
        if list.value.is_empty() || list.value.len() > MAX_GROUPS {
            self.report(
                list.span.clone(),
                format!(
                    "{from} names {} groups; a team takes 1-{MAX_GROUPS}",
                    list.value.len()
                ),
                "wrong count",
                None,
            );
            return None;
        }
        let mut groups = BTreeSet::new();
        for g in &list.value {
            let Some(g) = self.expand(g) else { continue };
            if GROUP.is_match(&g.value) {
                groups.insert(g.value);
            } else {
                self.report(
                    g.span.clone(),
                    format!("`{}` is not a valid group name", g.value),
                    "invalid",
                    Some(
                        "1-63 letters, digits, marks, symbols or punctuation, no spaces".to_owned(),
                    ),
                );
            }
        }
        Some(Members::Oidc { groups })
    }

    /// The ARN of the plan team `key` names, if it is one, and its address.
    pub(super) fn team_arn(&mut self, key: &str) -> Option<(String, Address)> {
        let (_, raw) = self
            .file
            .raw
            .teams
            .iter()
            .find(|(k, _)| k.value == key)?
            .clone();
        let name = self.expand(&raw.name)?.value;
        Some((
            format!(
                "arn:aws:sagemaker:{}:{}:workteam/private-crowd/{name}",
                self.file.region, self.account
            ),
            Address::new(Kind::Team, key),
        ))
    }
}

fn pattern(re: &Regex, value: &str, what: &str, example: &str) -> Result<(), checks::Check> {
    if re.is_match(value) {
        Ok(())
    } else {
        Err(
            checks::Check::new(format!("`{value}` is not a valid {what}"), "invalid")
                .help(format!("it looks like `{example}`")),
        )
    }
}

/// An IPv4 or IPv6 address with a prefix length that fits it.
fn is_cidr(value: &str) -> bool {
    let Some((address, prefix)) = value.split_once('/') else {
        return false;
    };
    let Ok(prefix) = prefix.parse::<u8>() else {
        return false;
    };
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => prefix <= 32,
        Ok(std::net::IpAddr::V6(_)) => prefix <= 128,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_and_emails() {
        assert!(is_cidr("203.0.113.0/24"));
        assert!(is_cidr("2001:db8::/32"));
        assert!(!is_cidr("203.0.113.0/33"));
        assert!(!is_cidr("203.0.113.0"));
        assert!(!is_cidr("example.com/24"));
        assert!(EMAIL.is_match("ana.lopez+labels@example.com"));
        assert!(!EMAIL.is_match("ana@localhost"));
        assert!(!EMAIL.is_match("ana lopez@example.com"));
        assert!(!EMAIL.is_match("@example.com"));
        assert!(TEAM_NAME.is_match("annotators-2"));
        assert!(!TEAM_NAME.is_match("annotators-"));
        assert!(WORKFORCE_NAME.is_match("private-"));
    }
}

#[cfg(test)]
mod rule_tests {
    use crate::config::tests::{Fixture, VALID};

    fn error(extra: &str) -> String {
        Fixture::new(&format!("{VALID}{extra}")).error()
    }

    const COGNITO: &str = "\n[workforce]\nuser_pool_name = \"people\"\ndomain = \"people-123\"\n";

    #[test]
    fn teams_are_checked_before_any_call() {
        let e = error(&format!(
            "{COGNITO}\n[teams.a]\nname = \"a-\"\ndescription = \"x\"\nworkers = [\"ana@example\", \"ben@example.com\", \"Ben@example.com\"]\n"
        ));
        assert!(e.contains("team name `a-` is not valid"), "{e}");
        assert!(e.contains("`ana@example` is not an e-mail address"), "{e}");
        assert!(e.contains("`Ben@example.com` is listed twice"), "{e}");
        let e = error("\n[teams.a]\nname = \"a\"\ndescription = \"x\"\n");
        assert!(e.contains("team `a` needs the plan's `[workforce]`"), "{e}");
        let e = error(&format!(
            "{COGNITO}\n[teams.a]\nname = \"a\"\ndescription = \"x\"\ngroups = [\"g\"]\n"
        ));
        assert!(e.contains("which are for an OIDC workforce"), "{e}");
    }

    #[test]
    fn workforce_rules() {
        let cidrs: Vec<String> = (0..11).map(|i| format!("\"10.0.{i}.0/24\"")).collect();
        let e = error(&format!(
            "{COGNITO}source_ip_cidrs = [{}, \"10.0.0.0/33\"]\n",
            cidrs.join(", ")
        ));
        assert!(
            e.contains("12 source IP ranges; a workforce allows at most 10"),
            "{e}"
        );
        assert!(
            e.contains("`10.0.0.0/33` is not an IPv4 or IPv6 CIDR block"),
            "{e}"
        );
        let e = error("\n[workforce]\nuser_pool_name = \"p\"\ndomain = \"my-cognito-domain\"\n");
        assert!(e.contains("is not a valid Cognito domain prefix"), "{e}");
        let e = error(
            "\n[workforce]\nuser_pool_name = \"p\"\ndomain = \"d\"\nuser_pool_id = \"us-east-1_abc\"\n",
        );
        assert!(
            e.contains("names more than one way to sign workers in"),
            "{e}"
        );
        let e = error("\n[workforce.oidc]\nclient_id = \"c\"\nclient_secret = \"hunter2\"\n");
        assert!(
            e.contains("the OIDC client secret must not be in the plan file"),
            "{e}"
        );
        assert!(!e.contains("hunter2\n  help"), "{e}");
    }

    #[test]
    fn a_job_names_a_team_of_the_plan() {
        let plan = VALID.replace(
            "workteam = \"arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team\"",
            "workteam = \"anotators\"",
        );
        let e = Fixture::new(&format!(
            "{plan}{COGNITO}\n[teams.annotators]\nname = \"annotators\"\ndescription = \"x\"\n"
        ))
        .error();
        assert!(
            e.contains("names team `anotators`, which the plan does not have"),
            "{e}"
        );
        assert!(e.contains("did you mean `annotators`?"), "{e}");
        let plan = VALID.replace(
            "workteam = \"arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team\"",
            "workteam = \"annotators\"",
        );
        let d = Fixture::new(&format!(
            "{plan}{COGNITO}\n[teams.annotators]\nname = \"annotators\"\ndescription = \"x\"\nworkers = [\"ana@example.com\"]\n"
        ))
        .resolved("123456789012");
        let job = d.jobs.values().next().expect("the job");
        assert_eq!(
            job.spec.human_task.workteam_arn,
            "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/annotators"
        );
        assert!(
            job.depends_on
                .iter()
                .any(|a| a.to_string() == "team.annotators")
        );
        assert!(d.workforce.is_some());
    }
}
