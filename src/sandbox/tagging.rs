//! The Resource Groups Tagging API (JSON 1.1, `ResourceGroupsTaggingAPI_20170126.*`, signed for
//! the service `tagging`): `GetResources`, the one call that finds resources by tag across
//! services. It covers the sandbox's tagged S3 buckets, labeling jobs and work teams of the
//! request's region (IAM is not in AWS's tag index either).

use serde::Deserialize;
use serde_json::{Value, json};

use super::consistency::Indexing;
use super::error::{ApiError, ErrorCode};
use super::protocol::json::parse_input;
use super::router::Ctx;
use super::sagemaker::Tag;

enum TaggingError {
    InvalidParameterException,
}

impl ErrorCode for TaggingError {
    fn code(&self) -> &'static str {
        match self {
            TaggingError::InvalidParameterException => "InvalidParameterException",
        }
    }

    fn status(&self) -> u16 {
        400
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(&TaggingError::InvalidParameterException, message)
}

pub fn handle(ctx: &Ctx<'_>, operation: &str, body: &[u8]) -> Result<Value, ApiError> {
    match operation {
        "GetResources" => get_resources(ctx, body),
        _ => Err(ApiError::not_implemented("tagging", operation)),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct GetResourcesInput {
    tag_filters: Vec<TagFilter>,
    resource_type_filters: Vec<String>,
    resources_per_page: Option<i64>,
    pagination_token: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct TagFilter {
    key: String,
    values: Vec<String>,
}

/// The index's view while it lags behind a tag change at `now`.
fn lagging(index: Option<&Indexing>, now: i64) -> Option<&Indexing> {
    index.filter(|i| now < i.until)
}

/// One tagged resource: its ARN, its type (`s3:bucket`, `sagemaker:labeling-job`, ...) and tags.
struct Tagged {
    arn: String,
    kind: &'static str,
    tags: Vec<(String, String)>,
}

/// Whether `filter` (`s3`, `s3:bucket`, `sagemaker`, ...) covers a resource of `kind`.
fn type_matches(filter: &str, kind: &str) -> bool {
    filter == kind || kind.split(':').next() == Some(filter)
}

/// The tagged resources of the request's region (the index holds tagged resources only).
fn index(ctx: &Ctx<'_>) -> Vec<Tagged> {
    let region = ctx.region.as_str();
    let pairs = |tags: &[Tag]| {
        tags.iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect()
    };
    // While the index lags behind a tag change (`--tag-index-seconds`), it shows the tags
    // before the change, or nothing for a resource it has not indexed yet.
    let now = ctx.now;
    ctx.shared.store.read(|w| {
        let buckets =
            w.s3.buckets
                .values()
                .filter(|b| b.region == region)
                .map(|b| Tagged {
                    arn: format!("arn:aws:s3:::{}", b.name),
                    kind: "s3:bucket",
                    tags: match lagging(b.tag_index.as_ref(), now) {
                        Some(i) => i.shown.clone().unwrap_or_default(),
                        None => b
                            .tags
                            .iter()
                            .flatten()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    },
                });
        let jobs = w
            .sagemaker
            .jobs
            .values()
            .filter(|j| j.region == region)
            .map(|j| Tagged {
                arn: j.arn.clone(),
                kind: "sagemaker:labeling-job",
                tags: match lagging(j.tag_index.as_ref(), now) {
                    Some(i) => i.shown.clone().unwrap_or_default(),
                    None => pairs(&j.tags),
                },
            });
        let teams = (w.sagemaker.workteams.values())
            .filter(|t| t.region == region)
            .map(|t| Tagged {
                arn: t.arn.clone(),
                kind: "sagemaker:workteam",
                tags: pairs(&t.tags),
            });
        buckets
            .chain(jobs)
            .chain(teams)
            .filter(|r| !r.tags.is_empty())
            .collect()
    })
}

fn get_resources(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: GetResourcesInput = parse_input(body)?;
    let per_page = input.resources_per_page.unwrap_or(50);
    if !(1..=100).contains(&per_page) {
        return Err(invalid("ResourcesPerPage must be between 1 and 100."));
    }
    if input.tag_filters.len() > 50 {
        return Err(invalid("TagFilters may hold at most 50 filters."));
    }
    let start: usize = match &input.pagination_token {
        None => 0,
        Some(t) => t
            .parse()
            .map_err(|_| invalid("The pagination token is not valid."))?,
    };
    let mut resources: Vec<Tagged> = index(ctx)
        .into_iter()
        .filter(|r| {
            input.resource_type_filters.is_empty()
                || input
                    .resource_type_filters
                    .iter()
                    .any(|f| type_matches(f, r.kind))
        })
        .filter(|r| {
            input.tag_filters.iter().all(|f| {
                r.tags
                    .iter()
                    .any(|(k, v)| *k == f.key && (f.values.is_empty() || f.values.contains(v)))
            })
        })
        .collect();
    resources.sort_by(|a, b| a.arn.cmp(&b.arn));
    let per_page = usize::try_from(per_page).unwrap_or(50);
    let page: Vec<Value> = resources
        .iter()
        .skip(start)
        .take(per_page)
        .map(|r| {
            json!({
                "ResourceARN": r.arn,
                "Tags": r.tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let next = start + page.len();
    // Like the service, the last page carries an empty token.
    let token = if next < resources.len() {
        next.to_string()
    } else {
        String::new()
    };
    Ok(json!({
        "ResourceTagMappingList": page,
        "PaginationToken": token,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_type_filters_name_a_service_or_a_type() {
        assert!(type_matches("s3", "s3:bucket"));
        assert!(type_matches("s3:bucket", "s3:bucket"));
        assert!(!type_matches(
            "sagemaker:workteam",
            "sagemaker:labeling-job"
        ));
        assert!(!type_matches("s", "s3:bucket"));
    }
}
