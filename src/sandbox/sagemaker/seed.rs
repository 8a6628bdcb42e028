//! What every Ground Truth region of a fresh sandbox account holds, as if its admin had set up
//! a private workforce in the console: a Cognito user pool `<region>_sandbox` with a domain, an
//! app client ([`SANDBOX_CLIENT_ID`]) and a group ([`SANDBOX_GROUP`]); the Cognito-backed
//! workforce [`SANDBOX_WORKFORCE`] (`default`, the name the console gives its workforce, fact
//! sheet 2 §1.3) on that pool; and the private team [`SANDBOX_TEAM`] of that group, so that plans
//! for task types that refuse Mechanical Turk (3D point cloud, video frame) run without AWS.
//!
//! The seeded team is an ordinary member of its workforce: CreateWorkteam's checks hold for it,
//! and CreateWorkforce in a seeded region fails with the one-per-region error. A plan that
//! manages the workforce adopts `default` (DescribeWorkforce, UpdateWorkforce) or deletes the
//! seeded team and workforce and creates its own. Each region is seeded once (recorded in
//! `sagemaker.seeded`): a restart does not bring back what a plan deleted; a reset does.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::workteams::SANDBOX_TEAM;
use super::{Workforce, Workteam, workforces};
use crate::sandbox::cognito::{AppClient, Domain, Group, UserPool, member_key};
use crate::sandbox::store::World;

/// The seeded workforce's name in every region.
pub const SANDBOX_WORKFORCE: &str = "default";
/// The seeded app client's id in every region's seeded pool (26 lower-case characters, as
/// Cognito's ids).
pub const SANDBOX_CLIENT_ID: &str = "sandboxclient0000000000000";
/// The seeded pool's group that [`SANDBOX_TEAM`] is made of.
pub const SANDBOX_GROUP: &str = "sandbox-workers";

/// The seeded user pool of `region`.
pub fn sandbox_pool(region: &str) -> String {
    format!("{region}_sandbox")
}

/// Seeds every Ground Truth region not seeded yet.
pub fn seed(world: &mut World, account: &str) {
    for region in crate::catalog::regions::supported() {
        if world.sagemaker.seeded.contains_key(region) {
            continue;
        }
        seed_region(world, account, region);
        world.sagemaker.seeded.insert(region.to_owned(), true);
    }
}

fn seed_region(world: &mut World, account: &str, region: &str) {
    let pool = sandbox_pool(region);
    let domain = format!("sandbox-{account}");
    let cognito = &mut world.cognito;
    cognito.pools.insert(
        pool.clone(),
        UserPool {
            id: pool.clone(),
            name: "sandbox-workforce".to_owned(),
            region: region.to_owned(),
            created: 0,
            domain: Some(domain.clone()),
            tags: BTreeMap::new(),
            echoed: serde_json::Map::new(),
        },
    );
    cognito.domains.insert(
        format!("{region}/{domain}"),
        Domain {
            domain,
            pool_id: pool.clone(),
            created: 0,
        },
    );
    cognito.clients.insert(
        member_key(&pool, SANDBOX_CLIENT_ID),
        AppClient {
            pool_id: pool.clone(),
            id: SANDBOX_CLIENT_ID.to_owned(),
            name: "sagemaker".to_owned(),
            secret: None,
            created: 0,
            echoed: serde_json::Map::new(),
        },
    );
    cognito.groups.insert(
        member_key(&pool, SANDBOX_GROUP),
        Group {
            pool_id: pool.clone(),
            name: SANDBOX_GROUP.to_owned(),
            description: None,
            role_arn: None,
            precedence: None,
            created: 0,
            members: BTreeSet::new(),
        },
    );
    let workforce_arn = workforces::arn(region, account, SANDBOX_WORKFORCE);
    let config = json!({ "UserPool": pool, "ClientId": SANDBOX_CLIENT_ID });
    world.sagemaker.workforces.insert(
        region.to_owned(),
        Workforce {
            name: SANDBOX_WORKFORCE.to_owned(),
            arn: workforce_arn.clone(),
            region: region.to_owned(),
            created: 0,
            updated: 0,
            cognito: config.as_object().cloned(),
            oidc: None,
            source_cidrs: Vec::new(),
            vpc: None,
            ip_address_type: None,
            sub_domain: format!("sandbox.labeling.{region}.sagemaker.aws"),
            tags: Vec::new(),
        },
    );
    let arn = format!("arn:aws:sagemaker:{region}:{account}:workteam/private-crowd/{SANDBOX_TEAM}");
    let members = json!([{ "CognitoMemberDefinition": {
        "UserPool": pool,
        "UserGroup": SANDBOX_GROUP,
        "ClientId": SANDBOX_CLIENT_ID,
    }}]);
    // A sandbox from before workforces has the team already: keep its tags.
    let tags = world
        .sagemaker
        .workteams
        .get(&arn)
        .map(|t| t.tags.clone())
        .unwrap_or_default();
    world.sagemaker.workteams.insert(
        arn.clone(),
        Workteam {
            name: SANDBOX_TEAM.to_owned(),
            arn,
            region: region.to_owned(),
            description: "The sandbox's private workforce".to_owned(),
            member_definitions: members,
            created: 0,
            tags,
            updated: 0,
            workforce_arn: Some(workforce_arn),
            notification: None,
        },
    );
}
