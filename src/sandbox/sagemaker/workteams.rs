//! Work teams: CreateWorkteam, DescribeWorkteam, ListWorkteams, UpdateWorkteam, DeleteWorkteam.
//! A private team belongs to its region's workforce (`workforces`); the public workforce
//! (Mechanical Turk) exists in every region without being created and is not listed, as on AWS.
//! The sandbox starts with one private team, [`SANDBOX_TEAM`], in every Ground Truth region
//! (see `seed`).
//!
//! A team's members must fit its workforce (fact sheet 2 §2.1): Cognito definitions name the
//! workforce's pool and app client and a group that exists in that pool; OIDC definitions need
//! an OIDC workforce; never both kinds in one team. At most 25 teams per account and region. A
//! team that a running labeling job uses cannot be deleted.

use serde::Deserialize;
use serde_json::{Value, json};

use super::constraints::{self as c, Violations};
use super::{
    SageMakerError, Tag, Workforce, Workteam, jobs, members, paging, validation, workforces,
};
use crate::sandbox::clock::epoch_seconds;
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::json::parse_input;
use crate::sandbox::router::Ctx;
use crate::sandbox::store::World;

/// The private team every region of the sandbox has from the start.
pub const SANDBOX_TEAM: &str = "sandbox-team";

/// `NotificationTopicArn` (fact sheet 2 §2.1: no length bounds).
const SNS_TOPIC: &str = r"arn:aws[a-z\-]*:sns:[a-z0-9\-]*:[0-9]{12}:[a-zA-Z0-9_.-]*";

/// The most private teams an account may have in a region (fact sheet 2 §2.2).
const MAX_TEAMS: usize = 25;

pub fn arn(ctx: &Ctx<'_>, name: &str) -> String {
    format!(
        "arn:aws:sagemaker:{}:{}:workteam/private-crowd/{name}",
        ctx.region,
        ctx.account_id()
    )
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct Input {
    workteam_name: Option<String>,
    workforce_name: Option<String>,
    member_definitions: Option<Vec<Value>>,
    description: Option<String>,
    notification_configuration: Option<Notification>,
    tags: Option<Vec<Tag>>,
}

#[derive(Deserialize, serde::Serialize, Default, Clone)]
#[serde(rename_all = "PascalCase", default)]
struct Notification {
    #[serde(skip_serializing_if = "Option::is_none")]
    notification_topic_arn: Option<String>,
}

/// The optional members' constraints, shared by Create and Update.
fn constraints(input: &Input, v: &mut Violations) {
    v.string(
        "workteamName",
        input.workteam_name.as_deref(),
        1,
        63,
        Some(c::NAME),
    );
    members::constraints(input.member_definitions.as_deref(), v);
    v.string(
        "description",
        input.description.as_deref(),
        1,
        200,
        Some(".+"),
    );
    let topic = input
        .notification_configuration
        .as_ref()
        .and_then(|n| n.notification_topic_arn.as_deref());
    v.string(
        "notificationConfiguration.notificationTopicArn",
        topic,
        0,
        usize::MAX,
        Some(SNS_TOPIC),
    );
    v.list_len("tags", input.tags.as_deref(), 0, 50);
}

fn missing(name: &str) -> ApiError {
    // SageMaker answers a missing team with a ValidationException whose message starts
    // "The work team" (the Terraform AWS provider's `findWorkteamByName` matches on exactly
    // that, fact sheet 2 §2.2); the rest of the sentence is not documented.
    validation(format!("The work team {name} does not exist."))
}

/// The region's workforce, or the one named (which must be the region's).
fn workforce<'w>(
    ctx: &Ctx<'_>,
    w: &'w World,
    name: Option<&str>,
) -> Result<&'w Workforce, ApiError> {
    match name {
        Some(name) => workforces::named(w, &ctx.region, name),
        // The message is UNVERIFIED.
        None => workforces::of_region(w, &ctx.region).ok_or_else(|| {
            validation(format!(
                "No workforce found in {}: create one with CreateWorkforce first.",
                ctx.region
            ))
        }),
    }
}

pub fn create(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: Input = parse_input(body)?;
    let mut v = Violations::default();
    v.required("workteamName", input.workteam_name.as_ref());
    v.required("memberDefinitions", input.member_definitions.as_ref());
    v.required("description", input.description.as_ref());
    constraints(&input, &mut v);
    v.into_result()?;
    let name = input.workteam_name.clone().unwrap_or_default();
    let arn = arn(ctx, &name);
    ctx.shared.store.write(|w| {
        if w.sagemaker.workteams.contains_key(&arn) {
            return Err(ApiError::new(
                &SageMakerError::ResourceInUse,
                format!("Workteam {name} already exists."),
            ));
        }
        let workforce = workforce(ctx, w, input.workforce_name.as_deref())?;
        members::fit(
            w,
            workforce,
            input.member_definitions.as_deref().unwrap_or_default(),
        )?;
        if workforces::team_count(w, &ctx.region) >= MAX_TEAMS {
            // The code is the model's; the message is UNVERIFIED.
            return Err(ApiError::new(
                &SageMakerError::ResourceLimitExceeded,
                format!(
                    "You cannot create more than {MAX_TEAMS} work teams in an account and region."
                ),
            ));
        }
        let workforce_arn = workforce.arn.clone();
        w.sagemaker.workteams.insert(
            arn.clone(),
            Workteam {
                name: name.clone(),
                arn: arn.clone(),
                region: ctx.region.clone(),
                description: input.description.clone().unwrap_or_default(),
                member_definitions: json!(input.member_definitions),
                created: ctx.now,
                tags: input.tags.clone().unwrap_or_default(),
                updated: ctx.now,
                workforce_arn: Some(workforce_arn),
                notification: input.notification_configuration.as_ref().map(|n| json!(n)),
            },
        );
        Ok(json!({ "WorkteamArn": arn }))
    })
}

pub fn update(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: Input = parse_input(body)?;
    let mut v = Violations::default();
    v.required("workteamName", input.workteam_name.as_ref());
    constraints(&input, &mut v);
    v.into_result()?;
    let name = input.workteam_name.clone().unwrap_or_default();
    let arn = arn(ctx, &name);
    ctx.shared.store.write(|w| {
        if !w.sagemaker.workteams.contains_key(&arn) {
            return Err(missing(&name));
        }
        if let Some(defs) = &input.member_definitions {
            members::fit(w, workforce(ctx, w, None)?, defs)?;
        }
        let team = w
            .sagemaker
            .workteams
            .get_mut(&arn)
            .ok_or_else(|| missing(&name))?;
        // MemberDefinitions replace the old list whole (fact sheet 2 §2.1).
        if let Some(defs) = &input.member_definitions {
            team.member_definitions = json!(defs);
        }
        if let Some(d) = &input.description {
            team.description.clone_from(d);
        }
        if let Some(n) = &input.notification_configuration {
            team.notification = Some(json!(n));
        }
        team.updated = ctx.now;
        let team = team.clone();
        Ok(json!({ "Workteam": shape(w, &team) }))
    })
}

pub fn delete(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: DescribeInput = parse_input(body)?;
    let mut v = Violations::default();
    v.required("workteamName", input.workteam_name.as_ref());
    v.into_result()?;
    let name = input.workteam_name.unwrap_or_default();
    let arn = arn(ctx, &name);
    ctx.shared.store.write(|w| {
        if !w.sagemaker.workteams.contains_key(&arn) {
            return Err(missing(&name));
        }
        if let Some((job, status)) = jobs::running_on(ctx, w, &arn) {
            // The message is UNVERIFIED.
            return Err(ApiError::new(
                &SageMakerError::ResourceInUse,
                format!("Workteam {name} is in use by labeling job {job}, which is {status}."),
            ));
        }
        w.sagemaker.workteams.remove(&arn);
        Ok(json!({ "Success": true }))
    })
}

/// The `Workteam` of Describe, List and Update: the portal is its workforce's.
fn shape(w: &World, t: &Workteam) -> Value {
    let workforce = w.sagemaker.workforces.get(&t.region);
    let sub_domain = workforce.map_or_else(
        || {
            format!(
                "{}.labeling.{}.sagemaker.aws",
                t.name.to_ascii_lowercase(),
                t.region
            )
        },
        |f| f.sub_domain.clone(),
    );
    let mut out = json!({
        "WorkteamName": t.name,
        "MemberDefinitions": t.member_definitions,
        "WorkteamArn": t.arn,
        "Description": t.description,
        "CreateDate": epoch_seconds(t.created),
        "LastUpdatedDate": epoch_seconds(t.updated.max(t.created)),
        "SubDomain": sub_domain,
        "ProductListingIds": [],
    });
    if let Some(arn) = t.workforce_arn.as_ref().or(workforce.map(|f| &f.arn)) {
        out["WorkforceArn"] = json!(arn);
    }
    if let Some(n) = &t.notification {
        out["NotificationConfiguration"] = n.clone();
    }
    out
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct DescribeInput {
    workteam_name: Option<String>,
}

pub fn describe(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: DescribeInput = parse_input(body)?;
    let name = input.workteam_name.unwrap_or_default();
    let arn = arn(ctx, &name);
    ctx.shared.store.read(|w| {
        let team = w
            .sagemaker
            .workteams
            .get(&arn)
            .ok_or_else(|| missing(&name))?;
        Ok(json!({ "Workteam": shape(w, team) }))
    })
}

pub fn list(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: paging::ListInput = parse_input(body)?;
    let mut v = Violations::default();
    input.check(&mut v);
    v.into_result()?;
    let mut teams: Vec<Workteam> = ctx.shared.store.read(|w| {
        w.sagemaker
            .workteams
            .values()
            .filter(|t| t.region == ctx.region)
            .filter(|t| {
                input
                    .name_contains
                    .as_ref()
                    .is_none_or(|n| t.name.contains(n.as_str()))
            })
            .cloned()
            .collect()
    });
    if input.sort_by.as_deref() == Some("CreateDate") {
        teams.sort_by_key(|t| t.created);
    } else {
        teams.sort_by(|a, b| a.name.cmp(&b.name));
    }
    if input.sort_order.as_deref() == Some("Descending") {
        teams.reverse();
    }
    let teams: Vec<Value> = ctx
        .shared
        .store
        .read(|w| teams.iter().map(|t| shape(w, t)).collect());
    paging::page(
        "Workteams",
        &teams,
        input.max_results,
        10,
        input.next_token.as_deref(),
    )
}
