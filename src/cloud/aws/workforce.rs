//! The private workforce through the SDK: SageMaker's workforce and work teams, and their
//! Cognito side (the user pool, its domain and app client, a group per team, a user per
//! worker). Every write is safe to send again: a create first finds what an earlier try made
//! (Cognito pools have no unique name, so a lost answer must not make a second pool), and a
//! delete of what is gone succeeds.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_cognitoidentityprovider::types::{
    AdminCreateUserConfigType, AttributeType, DeliveryMediumType,
};
use aws_sdk_sagemaker::types::{
    CognitoConfig, CognitoMemberDefinition, MemberDefinition, NotificationConfiguration,
    OidcConfig as SdkOidcConfig, OidcMemberDefinition, SourceIpConfig, Tag,
};

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

use super::{AwsCloud, cloud_error, code_of, malformed, written};
use crate::cloud::CloudError;
use crate::model::Step;
use crate::model::Tags;
use crate::model::step::{TeamMembers, WorkforceIdentity};
use crate::model::workforce::{
    APP_CLIENT_NAME, CognitoRef, ObservedMembers, ObservedPool, ObservedTeam, ObservedWorkforce,
    OidcConfig, OidcProvider,
};

impl AwsCloud {
    /// `ListWorkforces`: a region has at most one.
    pub(super) async fn read_workforce(&self) -> Result<Option<ObservedWorkforce>, CloudError> {
        let out = self
            .services()
            .sagemaker
            .list_workforces()
            .send()
            .await
            .map_err(|e| cloud_error("list the region's workforces", e))?;
        Ok(out.workforces().first().map(|w| ObservedWorkforce {
            name: w.workforce_name().unwrap_or_default().to_owned(),
            arn: w.workforce_arn().unwrap_or_default().to_owned(),
            cognito: w.cognito_config().map(|c| {
                (
                    c.user_pool().unwrap_or_default().to_owned(),
                    c.client_id().unwrap_or_default().to_owned(),
                )
            }),
            oidc: w.oidc_config().map(|o| OidcProvider {
                client_id: o.client_id().unwrap_or_default().to_owned(),
                issuer: o.issuer().unwrap_or_default().to_owned(),
                authorization_endpoint: o.authorization_endpoint().unwrap_or_default().to_owned(),
                token_endpoint: o.token_endpoint().unwrap_or_default().to_owned(),
                user_info_endpoint: o.user_info_endpoint().unwrap_or_default().to_owned(),
                logout_endpoint: o.logout_endpoint().unwrap_or_default().to_owned(),
                jwks_uri: o.jwks_uri().unwrap_or_default().to_owned(),
                scope: o.scope().filter(|s| !s.is_empty()).map(ToOwned::to_owned),
            }),
            source_ip_cidrs: {
                let mut cidrs: Vec<String> = w
                    .source_ip_config()
                    .map(|s| s.cidrs().to_vec())
                    .unwrap_or_default();
                cidrs.sort();
                cidrs
            },
            sub_domain: w.sub_domain().map(ToOwned::to_owned),
        }))
    }

    /// The pool named `name` (`ListUserPools`, then `DescribeUserPool` and its clients).
    pub(super) async fn read_pool(&self, name: &str) -> Result<Option<ObservedPool>, CloudError> {
        let action = || format!("find user pool `{name}`");
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .services()
                .cognito
                .list_user_pools()
                .max_results(60)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| cloud_error(action(), e))?;
            ids.extend(
                out.user_pools()
                    .iter()
                    .filter(|p| p.name() == Some(name))
                    .filter_map(|p| p.id().map(ToOwned::to_owned)),
            );
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => break,
            }
        }
        let id = match ids.as_slice() {
            [] => return Ok(None),
            [one] => one.clone(),
            many => {
                return Err(CloudError::Conflict {
                    action: action(),
                    message: format!(
                        "{} user pools are named `{name}` ({}); gtplan cannot tell which is the plan's: delete the extra ones or name another pool",
                        many.len(),
                        many.join(", ")
                    ),
                });
            }
        };
        let described = self
            .services()
            .cognito
            .describe_user_pool()
            .user_pool_id(&id)
            .send()
            .await
            .map_err(|e| cloud_error(action(), e))?;
        let pool = described
            .user_pool()
            .ok_or_else(|| malformed(action(), "DescribeUserPool returned no pool"))?;
        let client_id = self.app_client(&id).await?;
        Ok(Some(ObservedPool {
            id: id.clone(),
            name: name.to_owned(),
            domain: pool
                .domain()
                .filter(|d| !d.is_empty())
                .map(ToOwned::to_owned),
            client_id,
            users: u64::try_from(pool.estimated_number_of_users()).unwrap_or(0),
            tags: pool
                .user_pool_tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }))
    }

    /// The id of gtplan's [`APP_CLIENT_NAME`] client of a pool (`ListUserPoolClients`, paginated).
    async fn app_client(&self, pool: &str) -> Result<Option<String>, CloudError> {
        let mut token: Option<String> = None;
        loop {
            let out = self
                .services()
                .cognito
                .list_user_pool_clients()
                .user_pool_id(pool)
                .max_results(60)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| cloud_error(format!("list the app clients of user pool {pool}"), e))?;
            let found = out
                .user_pool_clients()
                .iter()
                .find(|c| c.client_name() == Some(APP_CLIENT_NAME))
                .and_then(|c| c.client_id().map(ToOwned::to_owned));
            match (found, out.next_token()) {
                (Some(id), _) => return Ok(Some(id)),
                (None, Some(next)) if !next.is_empty() => token = Some(next.to_owned()),
                (None, _) => return Ok(None),
            }
        }
    }

    /// `DescribeWorkteam`, its tags, and a Cognito team's workers (`ListUsersInGroup`).
    pub(super) async fn read_team(&self, name: &str) -> Result<Option<ObservedTeam>, CloudError> {
        let action = || format!("read work team `{name}`");
        let described = match self
            .services()
            .sagemaker
            .describe_workteam()
            .workteam_name(name)
            .send()
            .await
        {
            Ok(out) => out,
            // SageMaker answers a missing team with a ValidationException (fact sheet 2 §2.2).
            Err(e)
                if code_of(&e) == Some("ResourceNotFound")
                    || (code_of(&e) == Some("ValidationException") && is_missing(&e)) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(cloud_error(action(), e)),
        };
        let team = described
            .workteam()
            .ok_or_else(|| malformed(action(), "DescribeWorkteam returned no team"))?;
        let arn = team.workteam_arn().unwrap_or_default().to_owned();
        let tags = self.sagemaker_tags(&arn, &action()).await?;
        let definitions = team.member_definitions();
        let cognito: Vec<&CognitoMemberDefinition> = definitions
            .iter()
            .filter_map(MemberDefinition::cognito_member_definition)
            .collect();
        let members = if let Some(first) = cognito.first() {
            let pool = first.user_pool().unwrap_or_default().to_owned();
            let groups: Vec<String> = cognito
                .iter()
                .filter_map(|c| c.user_group().map(ToOwned::to_owned))
                .collect();
            let mut workers = BTreeSet::new();
            let mut missing_groups = Vec::new();
            for group in &groups {
                match self.group_members(&pool, group).await? {
                    Some(members) => workers.extend(members),
                    None => missing_groups.push(group.clone()),
                }
            }
            ObservedMembers::Cognito {
                client_id: first.client_id().unwrap_or_default().to_owned(),
                user_pool_id: pool,
                groups,
                workers,
                missing_groups,
            }
        } else {
            ObservedMembers::Oidc {
                groups: definitions
                    .iter()
                    .filter_map(MemberDefinition::oidc_member_definition)
                    .flat_map(|o| o.groups().iter().cloned())
                    .collect(),
            }
        };
        Ok(Some(ObservedTeam {
            name: name.to_owned(),
            arn,
            description: team.description().unwrap_or_default().to_owned(),
            members,
            notification_topic_arn: team
                .notification_configuration()
                .and_then(|n| n.notification_topic_arn())
                .filter(|a| !a.is_empty())
                .map(ToOwned::to_owned),
            tags,
            running_jobs: Vec::new(),
        }))
    }

    /// The running labeling jobs (initializing or in progress) whose work team is `arn`.
    pub(super) async fn jobs_using(&self, arn: &str) -> Result<Vec<String>, CloudError> {
        use aws_sdk_sagemaker::types::LabelingJobStatus;
        let mut names = Vec::new();
        for status in [
            LabelingJobStatus::Initializing,
            LabelingJobStatus::InProgress,
        ] {
            let mut token: Option<String> = None;
            loop {
                let out = self
                    .services()
                    .sagemaker
                    .list_labeling_jobs()
                    .status_equals(status.clone())
                    .max_results(100)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| cloud_error("list the running labeling jobs", e))?;
                names.extend(
                    out.labeling_job_summary_list()
                        .iter()
                        .filter(|j| j.workteam_arn() == Some(arn))
                        .filter_map(|j| j.labeling_job_name().map(ToOwned::to_owned)),
                );
                match out.next_token() {
                    Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                    _ => break,
                }
            }
        }
        Ok(names)
    }

    /// The workers in a Cognito group, by e-mail address; `None` when the group does not exist.
    async fn group_members(
        &self,
        pool: &str,
        group: &str,
    ) -> Result<Option<Vec<String>>, CloudError> {
        let mut users = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = match self
                .services()
                .cognito
                .list_users_in_group()
                .user_pool_id(pool)
                .group_name(group)
                .limit(60)
                .set_next_token(token.clone())
                .send()
                .await
            {
                Ok(out) => out,
                // The group was deleted by hand.
                Err(e) if code_of(&e) == Some("ResourceNotFoundException") => return Ok(None),
                Err(e) => {
                    return Err(cloud_error(
                        format!("list the users of group `{group}` in user pool {pool}"),
                        e,
                    ));
                }
            };
            // A pool that signs in by e-mail names its users by a generated id: the address
            // is the worker.
            users.extend(out.users().iter().filter_map(|u| {
                u.attributes()
                    .iter()
                    .find(|a| a.name() == "email")
                    .and_then(|a| a.value())
                    .or_else(|| u.username())
                    .map(ToOwned::to_owned)
            }));
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(Some(users)),
            }
        }
    }

    /// The pool and app client ids a write names.
    async fn cognito_ids(&self, cognito: &CognitoRef) -> Result<(String, String), CloudError> {
        match cognito {
            CognitoRef::Existing {
                user_pool_id,
                client_id,
            } => Ok((user_pool_id.clone(), client_id.clone())),
            CognitoRef::Created { pool_name } => {
                let pool = self.read_pool(pool_name).await?;
                match pool {
                    Some(ObservedPool {
                        id,
                        client_id: Some(client),
                        ..
                    }) => Ok((id, client)),
                    _ => Err(CloudError::Conflict {
                        action: format!("use user pool `{pool_name}`"),
                        message: format!(
                            "the pool or its `{APP_CLIENT_NAME}` app client does not exist (deleted since the plan was made?)"
                        ),
                    }),
                }
            }
        }
    }

    pub(super) async fn execute_workforce(&self, step: &Step) -> Result<(), CloudError> {
        match step {
            Step::CreateUserPool { pool_name, tags } => self.create_pool(pool_name, tags).await,
            Step::CreateUserPoolDomain { pool_name, domain } => {
                self.create_domain(pool_name, domain).await
            }
            Step::CreateUserPoolClient { pool_name } => self.create_client(pool_name).await,
            Step::DeleteUserPool {
                pool_name,
                domain,
                with_users,
            } => {
                self.delete_pool(pool_name, domain.as_deref(), *with_users)
                    .await
            }
            Step::CreateWorkforce {
                workforce,
                identity,
                source_ip_cidrs,
                tags,
            } => {
                self.create_workforce(workforce, identity, source_ip_cidrs, tags)
                    .await
            }
            Step::UpdateWorkforce {
                workforce,
                source_ip_cidrs,
            } => {
                written(
                    self.services()
                        .sagemaker
                        .update_workforce()
                        .workforce_name(workforce)
                        .source_ip_config(cidrs(source_ip_cidrs))
                        .send()
                        .await,
                    || format!("update workforce `{workforce}`"),
                )?;
                self.until_workforce(workforce, Settled::Active).await
            }
            Step::DeleteWorkforce { workforce } => {
                match self
                    .services()
                    .sagemaker
                    .delete_workforce()
                    .workforce_name(workforce)
                    .send()
                    .await
                {
                    Err(e) if code_of(&e) == Some("ValidationException") && is_missing(&e) => {}
                    other => written(other, || format!("delete workforce `{workforce}`"))?,
                }
                // Its pool can go only once the workforce is gone.
                self.until_workforce(workforce, Settled::Gone).await
            }
            _ => self.execute_team(step).await,
        }
    }

    async fn execute_team(&self, step: &Step) -> Result<(), CloudError> {
        match step {
            Step::CreateWorkteam {
                team,
                workforce,
                description,
                members,
                notification_topic_arn,
                tags,
            } => {
                let request = self
                    .services()
                    .sagemaker
                    .create_workteam()
                    .workteam_name(team)
                    .workforce_name(workforce)
                    .description(description)
                    .set_member_definitions(Some(self.member_definitions(members).await?))
                    .set_notification_configuration(notification(notification_topic_arn.as_ref()))
                    .set_tags(Some(sdk_tags(tags)));
                match request.send().await {
                    // Sent again after a lost answer: the team is there.
                    Err(e) if code_of(&e) == Some("ResourceInUse") => Ok(()),
                    other => written(other, || format!("create work team `{team}`")),
                }
            }
            Step::UpdateWorkteam {
                team,
                description,
                members,
                notification_topic_arn,
            } => written(
                self.services()
                    .sagemaker
                    .update_workteam()
                    .workteam_name(team)
                    .description(description)
                    .set_member_definitions(Some(self.member_definitions(members).await?))
                    .set_notification_configuration(notification(notification_topic_arn.as_ref()))
                    .send()
                    .await,
                || format!("update work team `{team}`"),
            ),
            Step::DeleteWorkteam { team } => self.delete_team(team).await,
            _ => self.execute_members(step).await,
        }
    }

    /// A team's Cognito side: its group and who is in it.
    async fn execute_members(&self, step: &Step) -> Result<(), CloudError> {
        match step {
            Step::CreateGroup {
                cognito,
                group,
                description,
            } => self.create_group(cognito, group, description).await,
            Step::DeleteGroup { cognito, group } => {
                let (pool, _) = self.cognito_ids(cognito).await?;
                match self
                    .services()
                    .cognito
                    .delete_group()
                    .user_pool_id(&pool)
                    .group_name(group)
                    .send()
                    .await
                {
                    Err(e) if code_of(&e) == Some("ResourceNotFoundException") => Ok(()),
                    other => written(other, || format!("delete group `{group}` in {pool}")),
                }
            }
            Step::InviteWorker { cognito, email } => self.invite(cognito, email).await,
            Step::AddWorkerToGroup {
                cognito,
                email,
                group,
            } => {
                let (pool, _) = self.cognito_ids(cognito).await?;
                written(
                    self.services()
                        .cognito
                        .admin_add_user_to_group()
                        .user_pool_id(&pool)
                        .username(email)
                        .group_name(group)
                        .send()
                        .await,
                    || format!("add `{email}` to group `{group}`"),
                )
            }
            Step::RemoveWorkerFromGroup {
                cognito,
                email,
                group,
            } => {
                let (pool, _) = self.cognito_ids(cognito).await?;
                match self
                    .services()
                    .cognito
                    .admin_remove_user_from_group()
                    .user_pool_id(&pool)
                    .username(email)
                    .group_name(group)
                    .send()
                    .await
                {
                    Err(e) if code_of(&e) == Some("UserNotFoundException") => Ok(()),
                    other => written(other, || format!("remove `{email}` from group `{group}`")),
                }
            }
            other => Err(CloudError::Conflict {
                action: other.describe(),
                message: "not a write gtplan knows how to make".to_owned(),
            }),
        }
    }

    /// Deletes a team. The plan stops its jobs first, but a stopped job may still be
    /// `Stopping` for a while and keep the team in use: retried for up to two minutes.
    async fn delete_team(&self, team: &str) -> Result<(), CloudError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_mins(2);
        loop {
            match self
                .services()
                .sagemaker
                .delete_workteam()
                .workteam_name(team)
                .send()
                .await
            {
                Err(e) if code_of(&e) == Some("ValidationException") && is_missing(&e) => {
                    return Ok(());
                }
                Err(e)
                    if code_of(&e) == Some("ResourceInUse")
                        && std::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                }
                other => return written(other, || format!("delete work team `{team}`")),
            }
        }
    }

    /// A team's group; one that exists already must be this team's (made by an earlier try
    /// whose answer was lost), never someone else's taken over.
    async fn create_group(
        &self,
        cognito: &CognitoRef,
        group: &str,
        description: &str,
    ) -> Result<(), CloudError> {
        let (pool, _) = self.cognito_ids(cognito).await?;
        let action = || format!("create group `{group}` in user pool {pool}");
        match self
            .services()
            .cognito
            .create_group()
            .user_pool_id(&pool)
            .group_name(group)
            .description(description)
            .send()
            .await
        {
            Err(e) if code_of(&e) == Some("GroupExistsException") => {
                let existing = self
                    .services()
                    .cognito
                    .get_group()
                    .user_pool_id(&pool)
                    .group_name(group)
                    .send()
                    .await
                    .map_err(|e| cloud_error(action(), e))?;
                let theirs = existing.group().and_then(|g| g.description());
                if theirs == Some(description) {
                    Ok(())
                } else {
                    Err(CloudError::Conflict {
                        action: action(),
                        message: format!(
                            "the pool already has a group `{group}` that this plan did not make ({}); delete it or give the team another name",
                            theirs.unwrap_or("no description")
                        ),
                    })
                }
            }
            other => written(other, action),
        }
    }

    async fn create_pool(&self, pool_name: &str, tags: &Tags) -> Result<(), CloudError> {
        if self.read_pool(pool_name).await?.is_some() {
            // Made by an earlier try whose answer was lost.
            return Ok(());
        }
        written(
            self.services()
                .cognito
                .create_user_pool()
                .pool_name(pool_name)
                // Workers are invited; nobody signs up on their own.
                .admin_create_user_config(
                    AdminCreateUserConfigType::builder()
                        .allow_admin_create_user_only(true)
                        .build(),
                )
                .set_user_pool_tags(Some(
                    tags.iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect::<HashMap<_, _>>(),
                ))
                .send()
                .await,
            || format!("create user pool `{pool_name}`"),
        )
    }

    async fn create_domain(&self, pool_name: &str, domain: &str) -> Result<(), CloudError> {
        let pool = self.read_pool(pool_name).await?;
        let Some(pool) = pool else {
            return Err(CloudError::Conflict {
                action: format!("create domain `{domain}`"),
                message: format!("user pool `{pool_name}` does not exist"),
            });
        };
        if pool.domain.as_deref() == Some(domain) {
            return Ok(());
        }
        written(
            self.services()
                .cognito
                .create_user_pool_domain()
                .user_pool_id(&pool.id)
                .domain(domain)
                .send()
                .await,
            || format!("create domain `{domain}` for user pool `{pool_name}`"),
        )
    }

    async fn create_client(&self, pool_name: &str) -> Result<(), CloudError> {
        let Some(pool) = self.read_pool(pool_name).await? else {
            return Err(CloudError::Conflict {
                action: format!("create the app client of user pool `{pool_name}`"),
                message: "the pool does not exist".to_owned(),
            });
        };
        if pool.client_id.is_some() {
            return Ok(());
        }
        written(
            self.services()
                .cognito
                .create_user_pool_client()
                .user_pool_id(&pool.id)
                .client_name(APP_CLIENT_NAME)
                .generate_secret(true)
                .send()
                .await,
            || format!("create app client `{APP_CLIENT_NAME}` in user pool `{pool_name}`"),
        )
    }

    async fn delete_pool(
        &self,
        pool_name: &str,
        domain: Option<&str>,
        with_users: bool,
    ) -> Result<(), CloudError> {
        let Some(pool) = self.read_pool(pool_name).await? else {
            return Ok(());
        };
        // Checked now, not only when planned: a user is a person's login.
        if !with_users {
            let users = self
                .services()
                .cognito
                .list_users()
                .user_pool_id(&pool.id)
                .limit(1)
                .send()
                .await
                .map_err(|e| {
                    cloud_error(format!("list the users of user pool `{pool_name}`"), e)
                })?;
            if !users.users().is_empty() {
                return Err(CloudError::Conflict {
                    action: format!("delete user pool `{pool_name}`"),
                    message: "it holds users now (people's logins), so it is kept; set `destroy_users = true` to delete them with it".to_owned(),
                });
            }
        }
        if let Some(domain) = domain.or(pool.domain.as_deref()) {
            match self
                .services()
                .cognito
                .delete_user_pool_domain()
                .user_pool_id(&pool.id)
                .domain(domain)
                .send()
                .await
            {
                Err(e) if code_of(&e) == Some("ResourceNotFoundException") => {}
                other => written(other, || format!("delete domain `{domain}`"))?,
            }
        }
        match self
            .services()
            .cognito
            .delete_user_pool()
            .user_pool_id(&pool.id)
            .send()
            .await
        {
            Err(e) if code_of(&e) == Some("ResourceNotFoundException") => Ok(()),
            other => written(other, || format!("delete user pool `{pool_name}`")),
        }
    }

    /// Waits (up to 10 minutes, as Terraform does) until the workforce is `Active`, or gone:
    /// SageMaker creates, updates and deletes workforces in the background (fact sheet 2 §1.2),
    /// and a team of a workforce still `Initializing`, or a pool still in use, is refused.
    async fn until_workforce(&self, name: &str, want: Settled) -> Result<(), CloudError> {
        use aws_sdk_sagemaker::types::WorkforceStatus;
        let deadline = std::time::Instant::now() + std::time::Duration::from_mins(10);
        loop {
            let described = self
                .services()
                .sagemaker
                .describe_workforce()
                .workforce_name(name)
                .send()
                .await;
            let status = match &described {
                Ok(out) => out.workforce().and_then(|w| w.status()).cloned(),
                Err(e) if code_of(e) == Some("ValidationException") && is_missing(e) => {
                    if want == Settled::Gone {
                        return Ok(());
                    }
                    None
                }
                Err(_) => None,
            };
            match (want, &status) {
                (Settled::Active, Some(WorkforceStatus::Active) | None) => return Ok(()),
                (Settled::Active, Some(WorkforceStatus::Failed)) => {
                    return Err(CloudError::Conflict {
                        action: format!("set up workforce `{name}`"),
                        message: described
                            .ok()
                            .and_then(|o| {
                                o.workforce()
                                    .and_then(|w| w.failure_reason().map(ToOwned::to_owned))
                            })
                            .unwrap_or_else(|| "SageMaker reports it Failed".to_owned()),
                    });
                }
                _ => {}
            }
            if std::time::Instant::now() >= deadline {
                return Err(CloudError::Conflict {
                    action: format!("wait for workforce `{name}`"),
                    message: format!("still {status:?} after 10 minutes"),
                });
            }
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
    }

    async fn create_workforce(
        &self,
        name: &str,
        identity: &WorkforceIdentity,
        source_ip_cidrs: &[String],
        tags: &Tags,
    ) -> Result<(), CloudError> {
        let mut request = self
            .services()
            .sagemaker
            .create_workforce()
            .workforce_name(name)
            .set_tags(Some(sdk_tags(tags)));
        if !source_ip_cidrs.is_empty() {
            request = request.source_ip_config(cidrs(source_ip_cidrs));
        }
        request = match identity {
            WorkforceIdentity::Cognito { cognito } => {
                let (pool, client) = self.cognito_ids(cognito).await?;
                request.cognito_config(
                    CognitoConfig::builder()
                        .user_pool(pool)
                        .client_id(client)
                        .build(),
                )
            }
            WorkforceIdentity::Oidc { config } => request.oidc_config(sdk_oidc(config)?),
        };
        match request.send().await {
            // Sent again after a lost answer: the workforce is there, by this name.
            Err(e)
                if code_of(&e) == Some("ValidationException")
                    && self
                        .read_workforce()
                        .await
                        .ok()
                        .flatten()
                        .is_some_and(|w| w.name == name) => {}
            other => written(other, || format!("create workforce `{name}`"))?,
        }
        self.until_workforce(name, Settled::Active).await
    }

    /// `AdminCreateUser` with an e-mail invitation; a worker who has a login keeps it.
    async fn invite(&self, cognito: &CognitoRef, email: &str) -> Result<(), CloudError> {
        let (pool, _) = self.cognito_ids(cognito).await?;
        let attribute = |name: &str, value: &str| {
            AttributeType::builder()
                .name(name)
                .value(value)
                .build()
                .map_err(|e| malformed(format!("invite `{email}`"), e.to_string()))
        };
        match self
            .services()
            .cognito
            .admin_create_user()
            .user_pool_id(&pool)
            .username(email)
            .user_attributes(attribute("email", email)?)
            .user_attributes(attribute("email_verified", "true")?)
            .desired_delivery_mediums(DeliveryMediumType::Email)
            .send()
            .await
        {
            Err(e) if code_of(&e) == Some("UsernameExistsException") => Ok(()),
            other => written(other, || format!("invite `{email}` to user pool {pool}")),
        }
    }

    async fn member_definitions(
        &self,
        members: &TeamMembers,
    ) -> Result<Vec<MemberDefinition>, CloudError> {
        Ok(match members {
            TeamMembers::Cognito { cognito, group } => {
                let (pool, client) = self.cognito_ids(cognito).await?;
                vec![
                    MemberDefinition::builder()
                        .cognito_member_definition(
                            CognitoMemberDefinition::builder()
                                .user_pool(pool)
                                .user_group(group)
                                .client_id(client)
                                .build(),
                        )
                        .build(),
                ]
            }
            TeamMembers::Oidc { groups } => vec![
                MemberDefinition::builder()
                    .oidc_member_definition(
                        OidcMemberDefinition::builder()
                            .set_groups(Some(groups.clone()))
                            .build(),
                    )
                    .build(),
            ],
        })
    }
}

fn cidrs(list: &[String]) -> SourceIpConfig {
    SourceIpConfig::builder()
        .set_cidrs(Some(list.to_vec()))
        .build()
}

fn notification(topic: Option<&String>) -> Option<NotificationConfiguration> {
    topic.map(|t| {
        NotificationConfiguration::builder()
            .notification_topic_arn(t)
            .build()
    })
}

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The OIDC configuration with its secret, read now (never stored in the plan).
fn sdk_oidc(config: &OidcConfig) -> Result<SdkOidcConfig, CloudError> {
    let secret = config
        .client_secret
        .read()
        .map_err(|message| CloudError::Conflict {
            action: "read the OIDC client secret".to_owned(),
            message,
        })?;
    Ok(SdkOidcConfig::builder()
        .client_id(&config.provider.client_id)
        .client_secret(secret)
        .issuer(&config.provider.issuer)
        .authorization_endpoint(&config.provider.authorization_endpoint)
        .token_endpoint(&config.provider.token_endpoint)
        .user_info_endpoint(&config.provider.user_info_endpoint)
        .logout_endpoint(&config.provider.logout_endpoint)
        .jwks_uri(&config.provider.jwks_uri)
        .set_scope(config.provider.scope.clone())
        .build())
}

/// What [`AwsCloud::until_workforce`] waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    Active,
    Gone,
}

/// SageMaker says "does not exist" of workforces and teams with a ValidationException.
fn is_missing<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    err.as_service_error()
        .and_then(ProvideErrorMetadata::message)
        .is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("does not exist")
                || m.contains("no workforce")
                || m.contains("not found")
                || m.starts_with("the work team")
        })
}
