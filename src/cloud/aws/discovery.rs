//! Finding what a plan made, by name: its buckets, labeling jobs and work teams through the Resource Groups
//! Tagging API (one paginated `GetResources` filtered by the plan's tag, whatever else the
//! account holds), its roles under the plan's IAM path (`ListRoles` with a path prefix).

use aws_sdk_resourcegroupstagging::types::TagFilter;

use super::{AwsCloud, cloud_error};
use crate::cloud::CloudError;
use crate::model::TAG_PLAN;
use crate::model::observed::PlanResources;

impl AwsCloud {
    pub(super) async fn find_plan_resources(
        &self,
        plan: &str,
    ) -> Result<PlanResources, CloudError> {
        let (tagged, roles) = futures::join!(self.tagged_arns(plan), self.role_names(plan));
        let mut found = PlanResources {
            roles: roles?,
            ..PlanResources::default()
        };
        for arn in tagged? {
            if let Some(bucket) = arn.strip_prefix("arn:aws:s3:::") {
                found.buckets.push(bucket.to_owned());
            } else if let Some((_, job)) = arn.split_once(":labeling-job/") {
                found.jobs.push(job.to_owned());
            } else if let Some((_, team)) = arn.split_once(":workteam/private-crowd/") {
                found.teams.push(team.to_owned());
            }
        }
        found.buckets.sort();
        found.jobs.sort();
        found.teams.sort();
        Ok(found)
    }

    /// The ARNs of the buckets and labeling jobs tagged `gtplan:plan=<plan>` in this region.
    async fn tagged_arns(&self, plan: &str) -> Result<Vec<String>, CloudError> {
        let filter = TagFilter::builder().key(TAG_PLAN).values(plan).build();
        let mappings = self
            .services()
            .tagging
            .get_resources()
            .tag_filters(filter)
            .resource_type_filters("s3:bucket")
            .resource_type_filters("sagemaker:labeling-job")
            .resource_type_filters("sagemaker:workteam")
            .resources_per_page(100)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| {
                cloud_error(format!("find the resources tagged `{TAG_PLAN}={plan}`"), e)
            })?;
        Ok(mappings
            .iter()
            .filter_map(|m| m.resource_arn().map(ToOwned::to_owned))
            .collect())
    }

    /// The names of the roles under `/gtplan/<plan>/`.
    async fn role_names(&self, plan: &str) -> Result<Vec<String>, CloudError> {
        let prefix = format!("/gtplan/{plan}/");
        let roles = self
            .services()
            .iam
            .list_roles()
            .path_prefix(&prefix)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| cloud_error(format!("list the roles under `{prefix}`"), e))?;
        let mut names: Vec<String> = roles.iter().map(|r| r.role_name().to_owned()).collect();
        names.sort();
        Ok(names)
    }
}
