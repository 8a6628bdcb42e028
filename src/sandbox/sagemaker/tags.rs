//! AddTags, ListTags and DeleteTags on labeling jobs and workteams (by ARN).

use serde::Deserialize;
use serde_json::{Value, json};

use super::constraints::{self as c, Violations};
use super::{Tag, job_key, not_found, paging, validation};
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::json::parse_input;
use crate::sandbox::router::Ctx;
use crate::sandbox::store::World;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct TagsInput {
    resource_arn: Option<String>,
    tags: Option<Vec<Tag>>,
    tag_keys: Option<Vec<String>>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn resource_arn(input: &TagsInput) -> Result<String, ApiError> {
    input.resource_arn.clone().ok_or_else(|| {
        validation("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
    })
}

/// The key a labeling job's ARN is stored under
/// (`arn:aws:sagemaker:<region>:<account>:labeling-job/<name>`).
fn job_key_of(arn: &str) -> Option<String> {
    let region = arn.split(':').nth(3)?;
    let name = arn.split_once(":labeling-job/")?.1;
    Some(job_key(region, name))
}

fn missing(arn: &str) -> ApiError {
    not_found(format!("Resource {arn} does not exist."))
}

/// The tag list of the resource with this ARN.
fn tags_of<'w>(w: &'w World, arn: &str) -> Result<&'w Vec<Tag>, ApiError> {
    if let Some(job) = job_key_of(arn).and_then(|k| w.sagemaker.jobs.get(&k)) {
        return Ok(&job.tags);
    }
    w.sagemaker
        .workteams
        .get(arn)
        .map(|team| &team.tags)
        .ok_or_else(|| missing(arn))
}

/// Records that a job's tags are about to change, for the tag index's lag.
fn index_lags(ctx: &Ctx<'_>, w: &mut World, arn: &str) {
    if let Some(job) = job_key_of(arn).and_then(|k| w.sagemaker.jobs.get_mut(&k)) {
        job.tags_changing(ctx.now, ctx.shared.consistency.tag_index_ms());
    }
}

/// The tag list of the resource with this ARN, to change it.
fn tags_of_mut<'w>(w: &'w mut World, arn: &str) -> Result<&'w mut Vec<Tag>, ApiError> {
    if let Some(key) = job_key_of(arn)
        && w.sagemaker.jobs.contains_key(&key)
    {
        return w
            .sagemaker
            .jobs
            .get_mut(&key)
            .map(|job| &mut job.tags)
            .ok_or_else(|| missing(arn));
    }
    w.sagemaker
        .workteams
        .get_mut(arn)
        .map(|team| &mut team.tags)
        .ok_or_else(|| missing(arn))
}

pub fn add(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: TagsInput = parse_input(body)?;
    let arn = resource_arn(&input)?;
    let new = input.tags.clone().unwrap_or_default();
    let mut v = Violations::default();
    v.required("tags", input.tags.as_ref());
    v.list_len("tags", Some(new.as_slice()), 0, 50);
    for t in &new {
        v.string("tags.member.key", Some(&t.key), 1, 128, Some(c::TAG));
        v.string("tags.member.value", Some(&t.value), 0, 256, Some(c::TAG));
    }
    v.into_result()?;
    ctx.shared.store.write(|w| {
        index_lags(ctx, w, &arn);
        let tags = tags_of_mut(w, &arn)?;
        let mut merged = tags.clone();
        for t in &new {
            match merged.iter_mut().find(|m| m.key == t.key) {
                Some(existing) => existing.value.clone_from(&t.value),
                None => merged.push(t.clone()),
            }
        }
        if merged.len() > 50 {
            return Err(ApiError::new(
                &super::SageMakerError::ResourceLimitExceeded,
                "A resource can have at most 50 tags.",
            ));
        }
        *tags = merged;
        Ok(json!({ "Tags": new }))
    })
}

pub fn list(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: TagsInput = parse_input(body)?;
    let arn = resource_arn(&input)?;
    let tags = ctx.shared.store.read(|w| tags_of(w, &arn).cloned())?;
    paging::page(
        "Tags",
        &tags,
        input.max_results,
        50,
        input.next_token.as_deref(),
    )
}

pub fn delete(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: TagsInput = parse_input(body)?;
    let arn = resource_arn(&input)?;
    let keys = input.tag_keys.clone().unwrap_or_default();
    ctx.shared.store.write(|w| {
        index_lags(ctx, w, &arn);
        let tags = tags_of_mut(w, &arn)?;
        tags.retain(|t| !keys.contains(&t.key));
        Ok(json!({}))
    })
}
