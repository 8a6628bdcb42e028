//! The people who label: a region's private workforce (one per account and region) backed by
//! an Amazon Cognito user pool or the user's own OIDC identity provider, and its work teams
//! (fact sheet 2 §1-3). A Cognito team is a user group of the workforce's pool; its workers
//! are the pool's users in that group, one per e-mail address.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Tags;

/// The name of the app client gtplan creates in a user pool it creates.
pub const APP_CLIENT_NAME: &str = "gtplan-workforce";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredWorkforce {
    /// `WorkforceName`.
    pub name: String,
    pub identity: Identity,
    /// Sorted; empty: workers may sign in from anywhere.
    pub source_ip_cidrs: Vec<String>,
    /// Let `destroy` delete the user pool gtplan created even when it holds users (their logins).
    pub destroy_users: bool,
    /// gtplan's ownership tags, put on the user pool it creates and on the workforce.
    pub tags: Tags,
}

/// Who signs workers in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Identity {
    /// A user pool gtplan creates, with a hosted sign-in domain and an app client.
    NewCognitoPool { pool_name: String, domain: String },
    /// A user pool and app client that exist already.
    CognitoPool {
        user_pool_id: String,
        client_id: String,
    },
    /// The user's own OpenID Connect identity provider.
    Oidc(OidcConfig),
}

impl Identity {
    /// Whether teams name their workers by e-mail (Cognito) rather than by IdP group.
    pub fn is_cognito(&self) -> bool {
        !matches!(self, Identity::Oidc(_))
    }
}

/// An OpenID Connect identity provider as SageMaker knows it, without the client secret
/// (which `DescribeWorkforce` never returns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcProvider {
    pub client_id: String,
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub user_info_endpoint: String,
    pub logout_endpoint: String,
    pub jwks_uri: String,
    pub scope: Option<String>,
}

/// The provider, and where its client secret is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcConfig {
    #[serde(flatten)]
    pub provider: OidcProvider,
    /// Read only when a write needs it; never printed or saved.
    pub client_secret: SecretSource,
}

/// A secret kept out of the plan file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// The value of this environment variable.
    Env(String),
    /// The contents of this file (trailing line breaks removed).
    File(PathBuf),
}

impl SecretSource {
    /// The secret, or what is wrong (in words that never contain it).
    pub fn read(&self) -> Result<String, String> {
        let value = match self {
            SecretSource::Env(name) => std::env::var(name)
                .map_err(|_| format!("environment variable `{name}` is not set"))?,
            SecretSource::File(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
                .trim_end_matches(['\n', '\r'])
                .to_owned(),
        };
        if value.is_empty() {
            return Err(format!("{} is empty", self.describe()));
        }
        Ok(value)
    }

    /// Where the secret comes from, for plans and messages.
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Env(name) => format!("environment variable `{name}`"),
            SecretSource::File(path) => format!("file `{}`", path.display()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredTeam {
    /// `WorkteamName`.
    pub name: String,
    pub description: String,
    pub members: Members,
    /// An SNS topic that tells the team's workers about new tasks.
    pub notification_topic_arn: Option<String>,
    /// gtplan's ownership tags (and the user's).
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Members {
    /// A user group of the workforce's pool, named like the team, holding these workers.
    Cognito {
        group: String,
        workers: BTreeSet<String>,
    },
    /// Groups of the identity provider (the `sagemaker:groups` claim).
    Oidc { groups: BTreeSet<String> },
}

/// How a write names the Cognito pool and app client a workforce uses: a pool gtplan creates
/// is known by name until it exists (its id is made by Cognito), an existing one by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CognitoRef {
    /// The pool gtplan created with this name, and its [`APP_CLIENT_NAME`] client.
    Created { pool_name: String },
    Existing {
        user_pool_id: String,
        client_id: String,
    },
}

impl CognitoRef {
    pub fn of(identity: &Identity) -> Option<Self> {
        match identity {
            Identity::NewCognitoPool { pool_name, .. } => Some(CognitoRef::Created {
                pool_name: pool_name.clone(),
            }),
            Identity::CognitoPool {
                user_pool_id,
                client_id,
            } => Some(CognitoRef::Existing {
                user_pool_id: user_pool_id.clone(),
                client_id: client_id.clone(),
            }),
            Identity::Oidc(_) => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            CognitoRef::Created { pool_name } => format!("user pool `{pool_name}`"),
            CognitoRef::Existing { user_pool_id, .. } => format!("user pool {user_pool_id}"),
        }
    }
}

// --- What refresh finds -----------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedWorkforce {
    pub name: String,
    pub arn: String,
    /// `(user pool id, app client id)` of a Cognito workforce.
    pub cognito: Option<(String, String)>,
    /// The identity provider of an OIDC workforce.
    pub oidc: Option<OidcProvider>,
    pub source_ip_cidrs: Vec<String>,
    /// The worker portal's host name.
    pub sub_domain: Option<String>,
}

/// A user pool found by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedPool {
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    /// The id of its [`APP_CLIENT_NAME`] client, when it has one.
    pub client_id: Option<String>,
    /// Cognito's estimate of how many users (logins) it holds.
    pub users: u64,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedTeam {
    pub name: String,
    pub arn: String,
    pub description: String,
    pub members: ObservedMembers,
    pub notification_topic_arn: Option<String>,
    pub tags: Tags,
    /// The running labeling jobs that use the team (read only for destroy).
    #[serde(default)]
    pub running_jobs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ObservedMembers {
    Cognito {
        user_pool_id: String,
        client_id: String,
        groups: Vec<String>,
        /// The e-mail addresses (user names) in those groups.
        workers: BTreeSet<String>,
        /// Groups the team names that do not exist (deleted by hand).
        #[serde(default)]
        missing_groups: Vec<String>,
    },
    Oidc {
        groups: BTreeSet<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_come_from_the_environment_or_a_file_and_are_never_shown() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("secret");
        std::fs::write(&file, "s3cr3t\n").expect("write");
        let source = SecretSource::File(file.clone());
        assert_eq!(source.read().as_deref(), Ok("s3cr3t"));
        assert!(!source.describe().contains("s3cr3t"));
        let missing = SecretSource::Env("GTPLAN_TEST_NO_SUCH_SECRET".to_owned());
        assert_eq!(
            missing.read(),
            Err("environment variable `GTPLAN_TEST_NO_SUCH_SECRET` is not set".to_owned())
        );
    }
}
