//! Private workforces: CreateWorkforce, DescribeWorkforce, ListWorkforces, UpdateWorkforce,
//! DeleteWorkforce (fact sheet 2 §1). A workforce is the sign-in side of a region's private
//! teams: a Cognito user pool and app client of the sandbox (same region), or the account's own
//! OIDC identity provider.
//!
//! Rules kept: one workforce per account and region (the seeded `default`, see `seed`, counts:
//! a plan adopts it with Describe/UpdateWorkforce, or deletes it and creates its own); Cognito
//! xor OIDC; at most 10 source CIDRs; the OIDC client secret is stored and never returned;
//! `UpdateWorkforce` cannot change Cognito and changes OIDC only while the workforce has no
//! work teams; a workforce with teams cannot be deleted. The sandbox skips `Initializing` and
//! `Updating`: a workforce is `Active` at once.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::constraints::Violations;
use super::{SageMakerError, Tag, Workforce, paging, validation};
use crate::sandbox::clock::epoch_seconds;
use crate::sandbox::cognito::{member_key, random_alnum};
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::json::parse_input;
use crate::sandbox::router::Ctx;
use crate::sandbox::store::World;

/// `WorkforceName`: unlike a team name it may end in `-` (fact sheet 2 §1.1).
const WORKFORCE_NAME: &str = r"[a-zA-Z0-9]([a-zA-Z0-9\-]){0,62}";
const HTTPS: &str = r"https://\S+";
const OIDC_ENDPOINTS: &[&str] = &[
    "Issuer",
    "AuthorizationEndpoint",
    "TokenEndpoint",
    "UserInfoEndpoint",
    "LogoutEndpoint",
    "JwksUri",
];

pub fn arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:sagemaker:{region}:{account}:workforce/{name}")
}

/// The portal host of a new workforce, `<random>.labeling.<region>.sagemaker.aws`.
pub fn sub_domain(region: &str) -> String {
    format!(
        "{}.labeling.{region}.sagemaker.aws",
        random_alnum(10, b"abcdefghijklmnopqrstuvwxyz0123456789")
    )
}

/// The workforce of the request's region, if any.
pub fn of_region<'w>(w: &'w World, region: &str) -> Option<&'w Workforce> {
    w.sagemaker.workforces.get(region)
}

/// The region's workforce when it is named `name`, or SageMaker's not-found error (a
/// ValidationException containing "No workforce", fact sheet 2 §1.3; the rest is UNVERIFIED).
pub fn named<'w>(w: &'w World, region: &str, name: &str) -> Result<&'w Workforce, ApiError> {
    of_region(w, region)
        .filter(|f| f.name == name)
        .ok_or_else(|| validation(format!("No workforce found with name {name}.")))
}

/// Private teams of the region (they all belong to its one workforce).
pub fn team_count(w: &World, region: &str) -> usize {
    w.sagemaker
        .workteams
        .values()
        .filter(|t| t.region == region)
        .count()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct Input {
    workforce_name: Option<String>,
    cognito_config: Option<Map<String, Value>>,
    oidc_config: Option<Map<String, Value>>,
    source_ip_config: Option<SourceIpConfig>,
    workforce_vpc_config: Option<Value>,
    ip_address_type: Option<String>,
    tags: Option<Vec<Tag>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct SourceIpConfig {
    cidrs: Option<Vec<String>>,
}

fn str_member<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    m.get(key).and_then(Value::as_str)
}

/// Whether `cidr` is an IPv4 or IPv6 network in CIDR notation.
fn is_cidr(cidr: &str) -> bool {
    let Some((addr, len)) = cidr.split_once('/') else {
        return false;
    };
    let Ok(len) = len.parse::<u8>() else {
        return false;
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => len <= 32,
        Ok(std::net::IpAddr::V6(_)) => len <= 128,
        Err(_) => false,
    }
}

/// The members' own constraints (both Create and Update).
fn check_members(input: &Input, v: &mut Violations) {
    v.required("workforceName", input.workforce_name.as_ref());
    v.string(
        "workforceName",
        input.workforce_name.as_deref(),
        1,
        63,
        Some(WORKFORCE_NAME),
    );
    if let Some(cognito) = &input.cognito_config {
        let pool = str_member(cognito, "UserPool");
        v.required("cognitoConfig.userPool", pool);
        v.string(
            "cognitoConfig.userPool",
            pool,
            1,
            55,
            Some(r"[\w-]+_[0-9a-zA-Z]+"),
        );
        let client = str_member(cognito, "ClientId");
        v.required("cognitoConfig.clientId", client);
        v.string("cognitoConfig.clientId", client, 1, 1024, Some("[ -~]+"));
    }
    if let Some(oidc) = &input.oidc_config {
        for key in ["ClientId", "ClientSecret"] {
            let path = format!("oidcConfig.{}", lower_first(key));
            v.required(&path, str_member(oidc, key));
            v.string(&path, str_member(oidc, key), 1, 1024, Some("[ -~]+"));
        }
        for key in OIDC_ENDPOINTS {
            let path = format!("oidcConfig.{}", lower_first(key));
            v.required(&path, str_member(oidc, key));
            v.string(&path, str_member(oidc, key), 0, 500, Some(HTTPS));
        }
        v.string("oidcConfig.scope", str_member(oidc, "Scope"), 0, 1024, None);
    }
    if let Some(ip) = &input.source_ip_config {
        v.required("sourceIpConfig.cidrs", ip.cidrs.as_ref());
        // The model sets no maximum; the developer guide says at most 10 (fact sheet 2 §1.1).
        v.list_len("sourceIpConfig.cidrs", ip.cidrs.as_deref(), 0, 10);
        for cidr in ip.cidrs.iter().flatten() {
            v.string("sourceIpConfig.cidrs.member", Some(cidr), 4, 64, None);
        }
    }
    if let Some(t) = &input.ip_address_type {
        v.one_of("ipAddressType", t, &["ipv4", "dualstack"]);
    }
    v.list_len("tags", input.tags.as_deref(), 0, 50);
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |f| {
        f.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

fn check_cidrs(input: &Input) -> Result<Vec<String>, ApiError> {
    let cidrs = input
        .source_ip_config
        .as_ref()
        .and_then(|s| s.cidrs.clone())
        .unwrap_or_default();
    if let Some(bad) = cidrs.iter().find(|c| !is_cidr(c)) {
        return Err(validation(format!(
            "{bad} is not a valid IPv4 or IPv6 CIDR block."
        )));
    }
    Ok(cidrs)
}

/// The Cognito config names a pool and app client of the sandbox in the request's region.
fn check_cognito(ctx: &Ctx<'_>, w: &World, cognito: &Map<String, Value>) -> Result<(), ApiError> {
    let pool = str_member(cognito, "UserPool").unwrap_or_default();
    let client = str_member(cognito, "ClientId").unwrap_or_default();
    // The messages are UNVERIFIED.
    if w.cognito
        .pools
        .get(pool)
        .is_none_or(|p| p.region != ctx.region)
    {
        return Err(validation(format!(
            "User pool {pool} does not exist in {}.",
            ctx.region
        )));
    }
    if !w.cognito.clients.contains_key(&member_key(pool, client)) {
        return Err(validation(format!(
            "App client {client} does not exist in user pool {pool}."
        )));
    }
    Ok(())
}

pub fn create(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: Input = parse_input(body)?;
    let mut v = Violations::default();
    check_members(&input, &mut v);
    v.into_result()?;
    let cidrs = check_cidrs(&input)?;
    // Either one, not both (fact sheet 2 §1.1); the messages are UNVERIFIED.
    match (&input.cognito_config, &input.oidc_config) {
        (Some(_), Some(_)) => {
            return Err(validation(
                "Use either CognitoConfig or OidcConfig, not both.",
            ));
        }
        (None, None) => {
            return Err(validation("Specify either CognitoConfig or OidcConfig."));
        }
        _ => {}
    }
    let name = input.workforce_name.clone().unwrap_or_default();
    let arn = arn(&ctx.region, ctx.account_id(), &name);
    ctx.shared.store.write(|w| {
        if of_region(w, &ctx.region).is_some() {
            return Err(validation(format!(
                "Cannot create more than one workforce for account {}. If you are trying to update existing workforce, please use UpdateWorkforce API",
                ctx.account_id()
            )));
        }
        if let Some(cognito) = &input.cognito_config {
            check_cognito(ctx, w, cognito)?;
        }
        w.sagemaker.workforces.insert(
            ctx.region.clone(),
            Workforce {
                name: name.clone(),
                arn: arn.clone(),
                region: ctx.region.clone(),
                created: ctx.now,
                updated: ctx.now,
                cognito: input.cognito_config.clone(),
                oidc: input.oidc_config.clone(),
                source_cidrs: cidrs.clone(),
                vpc: input.workforce_vpc_config.clone(),
                ip_address_type: input.ip_address_type.clone(),
                sub_domain: sub_domain(&ctx.region),
                tags: input.tags.clone().unwrap_or_default(),
            },
        );
        Ok(json!({ "WorkforceArn": arn }))
    })
}

/// The `Workforce` of Describe/Update/List: the OIDC config without its secret.
fn shape(f: &Workforce) -> Value {
    let mut out = json!({
        "WorkforceName": f.name,
        "WorkforceArn": f.arn,
        "CreateDate": epoch_seconds(f.created),
        "LastUpdatedDate": epoch_seconds(f.updated),
        "SourceIpConfig": { "Cidrs": f.source_cidrs },
        "SubDomain": f.sub_domain,
        "Status": "Active",
    });
    if let Some(cognito) = &f.cognito {
        out["CognitoConfig"] = json!(cognito);
    }
    if let Some(oidc) = &f.oidc {
        let mut shown = oidc.clone();
        shown.remove("ClientSecret");
        out["OidcConfig"] = Value::Object(shown);
    }
    if let Some(vpc) = &f.vpc {
        out["WorkforceVpcConfig"] = vpc.clone();
    }
    if let Some(t) = &f.ip_address_type {
        out["IpAddressType"] = json!(t);
    }
    out
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct NameInput {
    workforce_name: Option<String>,
}

fn required_name(name: Option<String>) -> Result<String, ApiError> {
    let mut v = Violations::default();
    v.required("workforceName", name.as_ref());
    v.string(
        "workforceName",
        name.as_deref(),
        1,
        63,
        Some(WORKFORCE_NAME),
    );
    v.into_result()?;
    Ok(name.unwrap_or_default())
}

pub fn describe(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: NameInput = parse_input(body)?;
    let name = required_name(input.workforce_name)?;
    ctx.shared
        .store
        .read(|w| Ok(json!({ "Workforce": shape(named(w, &ctx.region, &name)?) })))
}

pub fn list(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: paging::ListInput = parse_input(body)?;
    let mut v = Violations::default();
    input.check(&mut v);
    if let Some(s) = &input.sort_order {
        v.one_of("sortOrder", s, &["Ascending", "Descending"]);
    }
    v.into_result()?;
    // One per region: the list has at most one entry, so sorting is moot.
    let found: Vec<Value> = ctx.shared.store.read(|w| {
        of_region(w, &ctx.region)
            .filter(|f| {
                input
                    .name_contains
                    .as_ref()
                    .is_none_or(|n| f.name.contains(n.as_str()))
            })
            .map(shape)
            .into_iter()
            .collect()
    });
    paging::page(
        "Workforces",
        &found,
        input.max_results,
        10,
        input.next_token.as_deref(),
    )
}

pub fn update(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: Input = parse_input(body)?;
    // UpdateWorkforce has no CognitoConfig member: a pool is changed by delete and create.
    let input = Input {
        cognito_config: None,
        tags: None,
        ..input
    };
    let mut v = Violations::default();
    check_members(&input, &mut v);
    v.into_result()?;
    let cidrs = input
        .source_ip_config
        .is_some()
        .then(|| check_cidrs(&input))
        .transpose()?;
    let name = input.workforce_name.clone().unwrap_or_default();
    ctx.shared.store.write(|w| {
        let f = named(w, &ctx.region, &name)?;
        if input.oidc_config.is_some() {
            // The messages are UNVERIFIED.
            if f.oidc.is_none() {
                return Err(validation(format!(
                    "Workforce {name} uses Amazon Cognito; its OidcConfig cannot be set."
                )));
            }
            if team_count(w, &ctx.region) > 0 {
                return Err(validation(format!(
                    "The OidcConfig of workforce {name} can only be updated while it has no work teams."
                )));
            }
        }
        let f = w
            .sagemaker
            .workforces
            .get_mut(&ctx.region)
            .ok_or_else(|| validation(format!("No workforce found with name {name}.")))?;
        if let Some(cidrs) = &cidrs {
            f.source_cidrs.clone_from(cidrs);
        }
        if let Some(oidc) = &input.oidc_config {
            f.oidc = Some(oidc.clone());
        }
        if let Some(vpc) = &input.workforce_vpc_config {
            // `{}` removes the VPC configuration (fact sheet 2 §1.2).
            f.vpc = vpc.as_object().is_some_and(|m| !m.is_empty()).then(|| vpc.clone());
        }
        if let Some(t) = &input.ip_address_type {
            f.ip_address_type = Some(t.clone());
        }
        f.updated = ctx.now;
        Ok(json!({ "Workforce": shape(f) }))
    })
}

pub fn delete(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: NameInput = parse_input(body)?;
    let name = required_name(input.workforce_name)?;
    ctx.shared.store.write(|w| {
        named(w, &ctx.region, &name)?;
        let teams = team_count(w, &ctx.region);
        if teams > 0 {
            // DeleteWorkforce's doc promises ResourceInUse (fact sheet 2 §1.3); the message is
            // UNVERIFIED.
            return Err(ApiError::new(
                &SageMakerError::ResourceInUse,
                format!("Workforce {name} has {teams} work teams; delete them first."),
            ));
        }
        w.sagemaker.workforces.remove(&ctx.region);
        Ok(json!({}))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_are_parsed_not_pattern_matched() {
        assert!(is_cidr("10.0.0.0/16"));
        assert!(is_cidr("2001:db8::/32"));
        assert!(!is_cidr("10.0.0.0/33"));
        assert!(!is_cidr("10.0.0/8"));
        assert!(!is_cidr("10.0.0.0"));
        assert_eq!(lower_first("JwksUri"), "jwksUri");
        assert!(super::super::constraints::full_match(
            WORKFORCE_NAME,
            "ends-with-"
        ));
    }
}
