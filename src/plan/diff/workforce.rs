//! Planning the private workforce and its teams.
//!
//! One workforce per account and region: the plan whose `[workforce]` creates a Cognito user
//! pool owns the workforce on that pool (the pool carries the plan's tag) and is the only plan
//! that changes or deletes it. A plan that names an existing pool or an OIDC provider creates
//! the workforce when the region has none, and otherwise adopts it when it uses the same pool
//! and client (or issuer and client) - without changing it, so that two plans never fight
//! over one workforce. Any other workforce in the region is a plan error that says how to use it.
//!
//! A team's workers are a field-level diff: a worker missing from the group (added to the plan,
//! or removed by hand) is invited (a login is made only if they have none) and added; a worker
//! no longer in the plan is taken out of the group, never deleted. Destroy deletes the plan's
//! teams and their groups, the workforce it owns, and its user pool only when the pool holds
//! no users or the plan says `destroy_users = true`: logins are people's.

use serde_json::{Value, json};

use super::{PlanError, change, check_owner, field, tag_fields, update_or_noop};
use crate::model::desired::DesiredState;
use crate::model::names::PlanName;
use crate::model::observed::ObservedState;
use crate::model::step::{TeamMembers, WorkforceIdentity};
use crate::model::workforce::{
    APP_CLIENT_NAME, CognitoRef, DesiredTeam, DesiredWorkforce, Identity, Members, ObservedMembers,
    ObservedTeam, ObservedWorkforce,
};
use crate::model::{Address, Step};
use crate::plan::digest;
use crate::plan::model::{Action, Change, FieldChange};

pub(super) fn workforce_change(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredWorkforce,
    observed: &ObservedState,
) -> Result<Change, PlanError> {
    let digest = digest::workforce(observed.workforce.as_ref());
    let found = observed.workforce.as_ref();
    if let Identity::NewCognitoPool { pool_name, domain } = &want.identity {
        return owned_workforce(
            desired,
            address,
            want,
            observed,
            (pool_name, domain),
            digest,
        );
    }
    let Some(w) = found else {
        let mut c = change(
            address,
            &want.name,
            Action::Create,
            "does not exist",
            digest,
        );
        let identity = match (&want.identity, CognitoRef::of(&want.identity)) {
            (Identity::Oidc(config), _) => WorkforceIdentity::Oidc {
                config: config.clone(),
            },
            (_, Some(cognito)) => WorkforceIdentity::Cognito { cognito },
            // `CognitoRef::of` names every identity but OIDC.
            (_, None) => unreachable!("a Cognito identity has a CognitoRef"),
        };
        c.fields = create_fields(want);
        c.steps.push(Step::CreateWorkforce {
            workforce: want.name.clone(),
            identity,
            source_ip_cidrs: want.source_ip_cidrs.clone(),
            tags: want.tags.clone(),
        });
        return Ok(c);
    };
    if !same_identity(&want.identity, w) {
        return Err(another_workforce(address, w));
    }
    if let (Identity::Oidc(o), Some(found)) = (&want.identity, &w.oidc)
        && o.provider != *found
    {
        return Err(PlanError::new(
            address,
            format!(
                "workforce `{}` signs in through {} with other settings than the plan's `[workforce.oidc]`; gtplan does not change a workforce it adopts",
                w.name, found.issuer
            ),
            "copy the workforce's endpoints and scope into `[workforce.oidc]` (`aws sagemaker describe-workforce`), or change them where the workforce is managed",
        ));
    }
    // Adopted: used as it is, never changed by this plan.
    if !want.source_ip_cidrs.is_empty() && want.source_ip_cidrs != w.source_ip_cidrs {
        return Err(PlanError::new(
            address,
            format!(
                "workforce `{}` allows sign-in from {}, the plan says {}; gtplan changes a workforce only when the plan created its user pool",
                w.name,
                cidr_list(&w.source_ip_cidrs),
                cidr_list(&want.source_ip_cidrs)
            ),
            format!(
                "leave `source_ip_cidrs` out to use the workforce as it is, or change it where it is managed (e.g. `aws sagemaker update-workforce --workforce-name {} --source-ip-config Cidrs=...`)",
                w.name
            ),
        ));
    }
    let mut c = change(address, &w.name, Action::NoOp, "adopted", digest);
    c.note = Some(format!(
        "the region's workforce `{}` already uses this {}; this plan uses it and leaves it as it is{}",
        w.name,
        if want.identity.is_cognito() {
            "user pool and app client"
        } else {
            "identity provider"
        },
        portal(w)
    ));
    Ok(c)
}

/// The workforce on a pool this plan creates: the pool, its domain and app client, then the
/// workforce; once they exist, its source IP ranges follow the plan.
fn owned_workforce(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredWorkforce,
    observed: &ObservedState,
    (pool_name, domain): (&String, &String),
    digest: String,
) -> Result<Change, PlanError> {
    let pool = observed.pool.as_ref();
    if let Some(p) = pool {
        check_owner(
            address,
            "user pool",
            pool_name,
            &p.tags,
            &desired.plan,
            false,
        )?;
    }
    let (mut fields, mut steps) = pool_parts(address, want, pool, (pool_name, domain))?;
    let ours = |w: &ObservedWorkforce| {
        pool.is_some_and(|p| w.cognito.as_ref().is_some_and(|(id, _)| *id == p.id))
    };
    let Some(w) = observed.workforce.as_ref() else {
        fields.extend(create_fields(want));
        steps.push(Step::CreateWorkforce {
            workforce: want.name.clone(),
            identity: WorkforceIdentity::Cognito {
                cognito: CognitoRef::Created {
                    pool_name: pool_name.clone(),
                },
            },
            source_ip_cidrs: want.source_ip_cidrs.clone(),
            tags: want.tags.clone(),
        });
        let mut c = change(
            address,
            &want.name,
            Action::Create,
            "does not exist",
            digest,
        );
        c.fields = fields;
        c.steps = steps;
        return Ok(c);
    };
    if !ours(w) {
        return Err(another_workforce(address, w));
    }
    if w.name != want.name {
        return Err(PlanError::new(
            address,
            format!(
                "the plan's workforce is named `{}`, the plan says `{}`",
                w.name, want.name
            ),
            format!(
                "SageMaker cannot rename a workforce: write `name = \"{}\"`",
                w.name
            ),
        ));
    }
    if w.source_ip_cidrs != want.source_ip_cidrs {
        fields.push(field(
            "source_ip_cidrs",
            Some(json!(w.source_ip_cidrs)),
            Some(json!(want.source_ip_cidrs)),
        ));
        steps.push(Step::UpdateWorkforce {
            workforce: w.name.clone(),
            source_ip_cidrs: want.source_ip_cidrs.clone(),
        });
    }
    let mut c = update_or_noop(address, &w.name, digest, false, fields, steps);
    if c.action == Action::NoOp {
        c.note = Some(format!("user pool `{pool_name}`{}", portal(w)));
    }
    Ok(c)
}

/// What a pool the plan creates still lacks: the pool itself, its domain, its app client.
fn pool_parts(
    address: &Address,
    want: &DesiredWorkforce,
    pool: Option<&crate::model::workforce::ObservedPool>,
    (pool_name, domain): (&String, &String),
) -> Result<(Vec<FieldChange>, Vec<Step>), PlanError> {
    let mut fields = Vec::new();
    let mut steps = Vec::new();
    if pool.is_none() {
        fields.push(field("user_pool", None, Some(json!(pool_name))));
        steps.push(Step::CreateUserPool {
            pool_name: pool_name.clone(),
            tags: want.tags.clone(),
        });
    }
    match pool.and_then(|p| p.domain.as_ref()) {
        Some(d) if d == domain => {}
        Some(d) => {
            return Err(PlanError::new(
                address,
                format!(
                    "user pool `{pool_name}` has the sign-in domain `{d}`, the plan says `{domain}`"
                ),
                format!("a pool keeps its domain: write `domain = \"{d}\"`"),
            ));
        }
        None => {
            fields.push(field("domain", None, Some(json!(domain))));
            steps.push(Step::CreateUserPoolDomain {
                pool_name: pool_name.clone(),
                domain: domain.clone(),
            });
        }
    }
    if pool.and_then(|p| p.client_id.as_ref()).is_none() {
        fields.push(field("app_client", None, Some(json!(APP_CLIENT_NAME))));
        steps.push(Step::CreateUserPoolClient {
            pool_name: pool_name.clone(),
        });
    }
    Ok((fields, steps))
}

fn create_fields(want: &DesiredWorkforce) -> Vec<FieldChange> {
    let mut fields = vec![field("name", None, Some(json!(want.name)))];
    match &want.identity {
        Identity::NewCognitoPool { .. } => {}
        Identity::CognitoPool {
            user_pool_id,
            client_id,
        } => {
            fields.push(field("user_pool_id", None, Some(json!(user_pool_id))));
            fields.push(field("client_id", None, Some(json!(client_id))));
        }
        Identity::Oidc(o) => {
            fields.push(field("oidc.issuer", None, Some(json!(o.provider.issuer))));
            fields.push(field(
                "oidc.client_id",
                None,
                Some(json!(o.provider.client_id)),
            ));
            // Never the value: where it is read from.
            fields.push(field(
                "oidc.client_secret",
                None,
                Some(json!(format!(
                    "(sensitive, from {})",
                    o.client_secret.describe()
                ))),
            ));
        }
    }
    if !want.source_ip_cidrs.is_empty() {
        fields.push(field(
            "source_ip_cidrs",
            None,
            Some(json!(want.source_ip_cidrs)),
        ));
    }
    fields
}

fn same_identity(want: &Identity, w: &ObservedWorkforce) -> bool {
    match want {
        Identity::NewCognitoPool { .. } => false,
        Identity::CognitoPool {
            user_pool_id,
            client_id,
        } => w.cognito.as_ref() == Some(&(user_pool_id.clone(), client_id.clone())),
        Identity::Oidc(o) => w
            .oidc
            .as_ref()
            .is_some_and(|f| f.issuer == o.provider.issuer && f.client_id == o.provider.client_id),
    }
}

fn another_workforce(address: &Address, w: &ObservedWorkforce) -> PlanError {
    let (what, hint) = match (&w.cognito, &w.oidc) {
        (Some((pool, client)), _) => (
            format!("Cognito user pool {pool}"),
            format!(
                "to use it, replace the plan's sign-in settings with `user_pool_id = \"{pool}\"` and `client_id = \"{client}\"`; or delete it first (`aws sagemaker delete-workforce --workforce-name {}`, after its teams)",
                w.name
            ),
        ),
        (None, Some(o)) => (
            format!("identity provider {}", o.issuer),
            "to use it, give `[workforce.oidc]` the same `issuer` and `client_id`".to_owned(),
        ),
        (None, None) => ("an unknown identity".to_owned(), String::new()),
    };
    PlanError::new(
        address,
        format!(
            "the region already has workforce `{}` (signing in through {what}); SageMaker allows one per account and region",
            w.name
        ),
        hint,
    )
}

fn portal(w: &ObservedWorkforce) -> String {
    w.sub_domain
        .as_ref()
        .map(|d| format!("; workers sign in at https://{d}"))
        .unwrap_or_default()
}

fn cidr_list(cidrs: &[String]) -> String {
    if cidrs.is_empty() {
        "anywhere".to_owned()
    } else {
        cidrs.join(", ")
    }
}

pub(super) fn team_change(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredTeam,
    found: Option<&ObservedTeam>,
) -> Result<Change, PlanError> {
    let digest = digest::team(found);
    let cognito = desired
        .workforce
        .as_ref()
        .and_then(|(_, w)| CognitoRef::of(&w.identity));
    let members = team_members(want, cognito.as_ref());
    // A team waits for its workforce (and, through it, the pool and its app client).
    let workforce: Vec<Address> = desired.workforce.iter().map(|(a, _)| a.clone()).collect();
    let Some(t) = found else {
        let mut c = change(
            address,
            &want.name,
            Action::Create,
            "does not exist",
            digest,
        );
        c.depends_on.clone_from(&workforce);
        c.fields
            .push(field("description", None, Some(json!(want.description))));
        if let Some(topic) = &want.notification_topic_arn {
            c.fields
                .push(field("notification_topic", None, Some(json!(topic))));
        }
        if let (Members::Cognito { group, workers }, Some(cognito)) = (&want.members, &cognito) {
            c.steps.push(Step::CreateGroup {
                cognito: cognito.clone(),
                group: group.clone(),
                description: group_description(&desired.plan, address),
            });
            for email in workers {
                c.fields.push(worker_field(email, false));
                invite(&mut c.steps, cognito, email, group);
            }
        }
        if let Members::Oidc { groups } = &want.members {
            c.fields.push(field("groups", None, Some(json!(groups))));
        }
        c.fields
            .extend(tag_fields(&crate::model::Tags::new(), &want.tags));
        c.steps.push(Step::CreateWorkteam {
            team: want.name.clone(),
            workforce: desired
                .workforce
                .as_ref()
                .map(|(_, w)| w.name.clone())
                .unwrap_or_default(),
            description: want.description.clone(),
            members,
            notification_topic_arn: want.notification_topic_arn.clone(),
            tags: want.tags.clone(),
        });
        return Ok(c);
    };
    check_owner(
        address,
        "work team",
        &want.name,
        &t.tags,
        &desired.plan,
        false,
    )?;
    let mut c = update_team(
        (&desired.plan, address),
        want,
        t,
        members,
        cognito.as_ref(),
        digest,
    )?;
    c.depends_on = workforce;
    Ok(c)
}

/// An existing team: its description, topic and members as the plan says.
fn update_team(
    (plan, address): (&PlanName, &Address),
    want: &DesiredTeam,
    t: &ObservedTeam,
    members: TeamMembers,
    cognito: Option<&CognitoRef>,
    digest: String,
) -> Result<Change, PlanError> {
    let mut fields = Vec::new();
    let mut steps = Vec::new();
    let mut update = false;
    if t.description != want.description {
        fields.push(field(
            "description",
            Some(json!(t.description)),
            Some(json!(want.description)),
        ));
        update = true;
    }
    if want.notification_topic_arn.is_some()
        && t.notification_topic_arn != want.notification_topic_arn
    {
        fields.push(field(
            "notification_topic",
            t.notification_topic_arn.as_ref().map(|a| json!(a)),
            want.notification_topic_arn.as_ref().map(|a| json!(a)),
        ));
        update = true;
    }
    match (&want.members, &t.members, cognito) {
        (
            Members::Cognito { group, workers },
            ObservedMembers::Cognito {
                groups,
                workers: have,
                missing_groups,
                ..
            },
            Some(cognito),
        ) => {
            if groups.as_slice() != [group.clone()] {
                fields.push(field("groups", Some(json!(groups)), Some(json!([group]))));
                update = true;
            }
            // The team's group was deleted by hand: made again, then its workers added back.
            if missing_groups.contains(group) {
                fields.push(field("group", None, Some(json!(group))));
                steps.push(Step::CreateGroup {
                    cognito: cognito.clone(),
                    group: group.clone(),
                    description: group_description(plan, address),
                });
            }
            for email in workers.difference(have) {
                fields.push(worker_field(email, false));
                invite(&mut steps, cognito, email, group);
            }
            for email in have.difference(workers) {
                fields.push(worker_field(email, true));
                for g in groups {
                    steps.push(Step::RemoveWorkerFromGroup {
                        cognito: cognito.clone(),
                        email: email.clone(),
                        group: g.clone(),
                    });
                }
            }
        }
        (Members::Oidc { groups }, ObservedMembers::Oidc { groups: have }, _) => {
            if groups != have {
                fields.push(field("groups", Some(json!(have)), Some(json!(groups))));
                update = true;
            }
        }
        _ => {
            return Err(PlanError::new(
                address,
                format!(
                    "work team `{}` signs its workers in another way than the plan's workforce",
                    want.name
                ),
                "a team belongs to its workforce: delete the team and let the plan create it again",
            ));
        }
    }
    if update {
        steps.push(Step::UpdateWorkteam {
            team: want.name.clone(),
            description: want.description.clone(),
            members,
            notification_topic_arn: want
                .notification_topic_arn
                .clone()
                .or_else(|| t.notification_topic_arn.clone()),
        });
    }
    Ok(update_or_noop(
        address, &want.name, digest, false, fields, steps,
    ))
}

/// What gtplan writes into the description of a team's Cognito group: whose it is.
pub fn group_description(plan: &PlanName, address: &Address) -> String {
    format!("A SageMaker Ground Truth work team: {address} of gtplan plan {plan}")
}

/// The team's `MemberDefinitions` as a write names them.
fn team_members(want: &DesiredTeam, cognito: Option<&CognitoRef>) -> TeamMembers {
    match (&want.members, cognito) {
        (Members::Cognito { group, .. }, Some(cognito)) => TeamMembers::Cognito {
            cognito: cognito.clone(),
            group: group.clone(),
        },
        (Members::Oidc { groups }, _) => TeamMembers::Oidc {
            groups: groups.iter().cloned().collect(),
        },
        // The resolver gives every Cognito team a Cognito workforce.
        (Members::Cognito { group, .. }, None) => TeamMembers::Oidc {
            groups: vec![group.clone()],
        },
    }
}

/// A worker gets a login (and Cognito's invitation) unless they have one, then joins.
fn invite(steps: &mut Vec<Step>, cognito: &CognitoRef, email: &str, group: &str) {
    steps.push(Step::InviteWorker {
        cognito: cognito.clone(),
        email: email.to_owned(),
    });
    steps.push(Step::AddWorkerToGroup {
        cognito: cognito.clone(),
        email: email.to_owned(),
        group: group.to_owned(),
    });
}

fn worker_field(email: &str, removed: bool) -> FieldChange {
    let member = Some(Value::String("in the team".to_owned()));
    if removed {
        field(format!("workers.{email}"), member, None)
    } else {
        field(format!("workers.{email}"), None, member)
    }
}

/// Deletes a team (destroyed, or left the plan), then its groups in the pool it names; its
/// workers keep their logins.
pub(super) fn delete_team(address: &Address, team: &ObservedTeam, reason: &str) -> Change {
    let mut c = change(
        address,
        &team.name,
        Action::Delete,
        reason,
        digest::team(Some(team)),
    );
    c.steps.push(Step::DeleteWorkteam {
        team: team.name.clone(),
    });
    if let ObservedMembers::Cognito {
        user_pool_id,
        client_id,
        groups,
        ..
    } = &team.members
    {
        for group in groups {
            c.steps.push(Step::DeleteGroup {
                cognito: CognitoRef::Existing {
                    user_pool_id: user_pool_id.clone(),
                    client_id: client_id.clone(),
                },
                group: group.clone(),
            });
        }
        c.note = Some("its workers keep their logins in the user pool".to_owned());
    }
    c
}

/// Destroy: the workforce the plan owns, and its pool unless people's logins are in it.
pub(super) fn delete_workforce(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredWorkforce,
    observed: &ObservedState,
    reason: &str,
) -> Option<Change> {
    let w = observed.workforce.as_ref();
    let digest = digest::workforce(w);
    let Identity::NewCognitoPool { pool_name, domain } = &want.identity else {
        let w = w?;
        let mut c = change(address, &w.name, Action::NoOp, "left alone", digest);
        c.note = Some(
            "the plan did not create this workforce's sign-in (an existing pool or your identity provider): left alone; delete it with `aws sagemaker delete-workforce` once no team uses it".to_owned(),
        );
        return Some(c);
    };
    let pool = observed.pool.as_ref()?;
    if super::ownership(&pool.tags, &desired.plan) != super::Ownership::Ours {
        let mut c = change(address, pool_name, Action::NoOp, "left alone", digest);
        c.note = Some(format!(
            "user pool `{pool_name}` was not created by this plan, left alone"
        ));
        return Some(c);
    }
    let name = w.map_or(pool_name.as_str(), |w| w.name.as_str());
    let mut c = change(address, name, Action::Delete, reason, digest);
    if let Some(w) = w.filter(|w| w.cognito.as_ref().is_some_and(|(id, _)| *id == pool.id)) {
        c.steps.push(Step::DeleteWorkforce {
            workforce: w.name.clone(),
        });
    }
    if pool.users == 0 || want.destroy_users {
        c.steps.push(Step::DeleteUserPool {
            pool_name: pool_name.clone(),
            domain: pool.domain.clone().or_else(|| Some(domain.clone())),
            with_users: want.destroy_users,
        });
        if pool.users > 0 {
            c.note = Some(format!(
                "deletes user pool `{pool_name}` with its {} users (`destroy_users = true`)",
                pool.users
            ));
        }
    } else {
        c.note = Some(format!(
            "keeps user pool `{pool_name}`: it holds {} users, people's logins (set `destroy_users = true` to delete them with it)",
            pool.users
        ));
    }
    if c.steps.is_empty() {
        c.action = Action::NoOp;
        "left alone".clone_into(&mut c.reason);
    }
    Some(c)
}
