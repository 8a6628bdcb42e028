//! Workteams: private teams created in the sandbox account. The public workforce (Mechanical
//! Turk) exists in every region without being created and is not listed, as on AWS. Like an
//! account whose admin has already set up a private workforce, the sandbox also starts with one
//! private team, [`SANDBOX_TEAM`], in every Ground Truth region, so that plans for task types
//! that refuse Mechanical Turk (3D point cloud, video frame) run without AWS.

use serde::Deserialize;
use serde_json::{Value, json};

use super::constraints::{self as c, Violations};
use super::{SageMakerError, Tag, Workteam, paging, validation};
use crate::sandbox::clock::epoch_seconds;
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::json::parse_input;
use crate::sandbox::router::Ctx;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct CreateInput {
    workteam_name: Option<String>,
    member_definitions: Option<Vec<Value>>,
    description: Option<String>,
    tags: Option<Vec<Tag>>,
}

/// The private team every region of the sandbox has from the start.
pub const SANDBOX_TEAM: &str = "sandbox-team";

/// Adds [`SANDBOX_TEAM`] to every Ground Truth region where it is missing.
pub fn seed(world: &mut crate::sandbox::store::World, account: &str) {
    for region in crate::catalog::regions::supported() {
        let arn =
            format!("arn:aws:sagemaker:{region}:{account}:workteam/private-crowd/{SANDBOX_TEAM}");
        if world.sagemaker.workteams.contains_key(&arn) {
            continue;
        }
        world.sagemaker.workteams.insert(
            arn.clone(),
            Workteam {
                name: SANDBOX_TEAM.to_owned(),
                arn,
                region: region.to_owned(),
                description: "The sandbox's private workforce".to_owned(),
                member_definitions: json!([{ "CognitoMemberDefinition": {
                    "UserPool": format!("{region}_sandbox"),
                    "UserGroup": "labelers",
                    "ClientId": "sandbox"
                }}]),
                created: 0,
                tags: Vec::new(),
            },
        );
    }
}

pub fn arn(ctx: &Ctx<'_>, name: &str) -> String {
    format!(
        "arn:aws:sagemaker:{}:{}:workteam/private-crowd/{name}",
        ctx.region,
        ctx.account_id()
    )
}

pub fn create(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: CreateInput = parse_input(body)?;
    let mut v = Violations::default();
    v.required("workteamName", input.workteam_name.as_ref());
    v.string(
        "workteamName",
        input.workteam_name.as_deref(),
        1,
        63,
        Some(c::NAME),
    );
    v.required("memberDefinitions", input.member_definitions.as_ref());
    v.list_len(
        "memberDefinitions",
        input.member_definitions.as_deref(),
        1,
        10,
    );
    v.required("description", input.description.as_ref());
    v.string(
        "description",
        input.description.as_deref(),
        1,
        200,
        Some(".+"),
    );
    v.into_result()?;
    let name = input.workteam_name.unwrap_or_default();
    let arn = arn(ctx, &name);
    let created = ctx.now;
    ctx.shared.store.write(|w| {
        if w.sagemaker.workteams.contains_key(&arn) {
            return Err(ApiError::new(
                &SageMakerError::ResourceInUse,
                format!("Workteam {name} already exists."),
            ));
        }
        w.sagemaker.workteams.insert(
            arn.clone(),
            Workteam {
                name: name.clone(),
                arn: arn.clone(),
                region: ctx.region.clone(),
                description: input.description.clone().unwrap_or_default(),
                member_definitions: json!(input.member_definitions),
                created,
                tags: input.tags.clone().unwrap_or_default(),
            },
        );
        Ok(json!({ "WorkteamArn": arn }))
    })
}

fn shape(ctx: &Ctx<'_>, w: &Workteam) -> Value {
    json!({
        "WorkteamName": w.name,
        "MemberDefinitions": w.member_definitions,
        "WorkteamArn": w.arn,
        "Description": w.description,
        "CreateDate": epoch_seconds(w.created),
        "LastUpdatedDate": epoch_seconds(w.created),
        "SubDomain": format!("{}.labeling.{}.sagemaker.aws", w.name.to_ascii_lowercase(), ctx.region),
        "ProductListingIds": [],
    })
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
            // SageMaker answers a missing team with a ValidationException whose message starts
            // "The work team" (the Terraform AWS provider's `findWorkteamByName` matches on
            // exactly that, fact sheet 2 §2.2); the rest of the sentence is not documented.
            .ok_or_else(|| validation(format!("The work team {name} does not exist.")))?;
        Ok(json!({ "Workteam": shape(ctx, team) }))
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ListInput {
    sort_by: Option<String>,
    sort_order: Option<String>,
    name_contains: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

pub fn list(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: ListInput = parse_input(body)?;
    let mut v = Violations::default();
    v.int("maxResults", input.max_results, Some(1), Some(100));
    if let Some(s) = &input.sort_by {
        v.one_of("sortBy", s, &["Name", "CreateDate"]);
    }
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
    let teams: Vec<Value> = teams.iter().map(|t| shape(ctx, t)).collect();
    paging::page(
        "Workteams",
        &teams,
        input.max_results,
        10,
        input.next_token.as_deref(),
    )
}
