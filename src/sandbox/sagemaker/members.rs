//! A work team's `MemberDefinitions` checked against its workforce (fact sheet 2 §2.1): each
//! definition is Cognito or OIDC, never both; Cognito ones name the workforce's user pool and
//! app client (so all share one pool and client) and a group that exists in the pool; OIDC ones
//! (1-10 groups each) need an OIDC workforce. The messages are UNVERIFIED.

use serde::Deserialize;
use serde_json::Value;

use super::constraints::Violations;
use super::{Workforce, validation};
use crate::sandbox::cognito::member_key;
use crate::sandbox::error::ApiError;
use crate::sandbox::store::World;

const GROUP: &str = r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+";

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct MemberDefinition {
    cognito_member_definition: Option<CognitoMember>,
    oidc_member_definition: Option<OidcMember>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct CognitoMember {
    user_pool: Option<String>,
    user_group: Option<String>,
    client_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct OidcMember {
    groups: Option<Vec<String>>,
}

/// The definitions' own constraints (lengths, patterns, 1-10 of them).
pub fn constraints(defs: Option<&[Value]>, v: &mut Violations) {
    v.list_len("memberDefinitions", defs, 1, 10);
    for def in defs.unwrap_or_default() {
        let Ok(def) = serde_json::from_value::<MemberDefinition>(def.clone()) else {
            continue;
        };
        if let Some(m) = &def.cognito_member_definition {
            let path = "memberDefinitions.member.cognitoMemberDefinition";
            v.required(&format!("{path}.userPool"), m.user_pool.as_ref());
            v.string(
                &format!("{path}.userPool"),
                m.user_pool.as_deref(),
                1,
                55,
                Some(r"[\w-]+_[0-9a-zA-Z]+"),
            );
            v.required(&format!("{path}.userGroup"), m.user_group.as_ref());
            v.string(
                &format!("{path}.userGroup"),
                m.user_group.as_deref(),
                1,
                128,
                Some(GROUP),
            );
            v.required(&format!("{path}.clientId"), m.client_id.as_ref());
        }
        if let Some(m) = &def.oidc_member_definition {
            let path = "memberDefinitions.member.oidcMemberDefinition.groups";
            v.list_len(path, m.groups.as_deref(), 1, 10);
            for g in m.groups.iter().flatten() {
                v.string(&format!("{path}.member"), Some(g), 1, 63, Some(GROUP));
            }
        }
    }
}

/// The definitions fit `workforce` and the world's Cognito pools.
pub fn fit(w: &World, workforce: &Workforce, defs: &[Value]) -> Result<(), ApiError> {
    let defs: Vec<MemberDefinition> = defs
        .iter()
        .map(|d| serde_json::from_value(d.clone()).unwrap_or_default())
        .collect();
    let cognito = defs
        .iter()
        .filter(|d| d.cognito_member_definition.is_some())
        .count();
    let oidc = defs
        .iter()
        .filter(|d| d.oidc_member_definition.is_some())
        .count();
    if defs
        .iter()
        .any(|d| d.cognito_member_definition.is_some() == d.oidc_member_definition.is_some())
        || (cognito > 0 && oidc > 0)
    {
        return Err(validation(
            "Each member definition must be either a CognitoMemberDefinition or an OidcMemberDefinition, and a work team cannot mix them.",
        ));
    }
    if oidc > 0 && workforce.oidc.is_none() {
        return Err(validation(format!(
            "OidcMemberDefinition requires a workforce with an OIDC identity provider; workforce {} uses Amazon Cognito.",
            workforce.name
        )));
    }
    let Some(config) = &workforce.cognito else {
        if cognito > 0 {
            return Err(validation(format!(
                "CognitoMemberDefinition requires a workforce backed by Amazon Cognito; workforce {} uses an OIDC identity provider.",
                workforce.name
            )));
        }
        return Ok(());
    };
    let pool = config
        .get("UserPool")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let client = config
        .get("ClientId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    for m in defs
        .iter()
        .filter_map(|d| d.cognito_member_definition.as_ref())
    {
        let (p, c) = (m.user_pool.as_deref(), m.client_id.as_deref());
        if p != Some(pool) || c != Some(client) {
            return Err(validation(format!(
                "All member definitions must use the user pool {pool} and app client {client} of workforce {}.",
                workforce.name
            )));
        }
        let group = m.user_group.as_deref().unwrap_or_default();
        if !w.cognito.groups.contains_key(&member_key(pool, group)) {
            return Err(validation(format!(
                "User group {group} does not exist in user pool {pool}."
            )));
        }
    }
    Ok(())
}
