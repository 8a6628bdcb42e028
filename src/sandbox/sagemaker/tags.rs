//! AddTags, ListTags and DeleteTags on labeling jobs and workteams (by ARN).

use serde::Deserialize;
use serde_json::{Value, json};

use super::constraints::{self as c, Violations};
use super::{Tag, not_found, paging, validation};
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

/// The tag list of the resource with this ARN.
fn tags_of<'w>(w: &'w mut World, arn: &str) -> Result<&'w mut Vec<Tag>, ApiError> {
    if let Some(job) = w.sagemaker.jobs.values_mut().find(|j| j.arn == arn) {
        return Ok(&mut job.tags);
    }
    if let Some(team) = w.sagemaker.workteams.get_mut(arn) {
        return Ok(&mut team.tags);
    }
    Err(not_found(format!("Resource {arn} does not exist.")))
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
        let tags = tags_of(w, &arn)?;
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
    let tags = ctx
        .shared
        .store
        .write(|w| tags_of(w, &arn).map(|t| t.clone()))?;
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
        let tags = tags_of(w, &arn)?;
        tags.retain(|t| !keys.contains(&t.key));
        Ok(json!({}))
    })
}
