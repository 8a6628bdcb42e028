//! Role tags: `TagRole`, `UntagRole`, `ListRoleTags`, and the tag rules `CreateRole` shares.
//! IAM treats tag keys case-insensitively: a request may not name a key twice in any casing,
//! and tagging with an existing key in another casing replaces that tag.

use super::errors;
use super::paging::page;
use super::roles::role_name;
use super::validate::{TAGS_MAX, Violations};
use super::write_truncation;
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::query::QueryParams;
use crate::sandbox::protocol::xml::Xml;
use crate::sandbox::router::Ctx;

/// Writes `<Tags><member><Key/><Value/></member>...</Tags>`.
pub fn write_tags(x: &mut Xml, tags: &[(String, String)]) {
    x.members("Tags", tags, |x, (k, v)| {
        x.elem("Key", k).elem("Value", v);
    });
}

/// Reads and validates the `Tags.member.N.Key/Value` list of a request.
pub fn tags_param(
    params: &QueryParams,
    v: &mut Violations,
) -> Result<Vec<(String, String)>, ApiError> {
    let raw = params.list_of_structs("Tags", &["Key", "Value"]);
    if raw.len() > TAGS_MAX {
        v.push(
            &format!("[{} tags]", raw.len()),
            "tags",
            &format!("Member must have length less than or equal to {TAGS_MAX}"),
        );
    }
    let mut tags = Vec::with_capacity(raw.len());
    for (i, fields) in raw.into_iter().enumerate() {
        let n = i + 1;
        let mut fields = fields.into_iter();
        let (Some(key), Some(value)) = (fields.next().flatten(), fields.next().flatten()) else {
            return Err(super::validate::validation_error(format!(
                "1 validation error detected: Value null at 'tags.{n}.member' failed to satisfy constraint: Member must have a Key and a Value"
            )));
        };
        v.tag_key(&key, &format!("tags.{n}.member.key"));
        v.tag_value(&value, &format!("tags.{n}.member.value"));
        tags.push((key, value));
    }
    Ok(tags)
}

/// Rejects keys in the `aws:` namespace, which AWS reserves for its own tags ("You can't
/// create, edit, or delete tag keys that begin with aws:", IAM User Guide, id_tags.html).
/// IAM's error code for it is `InvalidInput` (the TagRole model); its exact message is not
/// published, so this one only says what is wrong.
pub fn check_reserved_keys(tags: &[(String, String)]) -> Result<(), ApiError> {
    if tags
        .iter()
        .any(|(k, _)| k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")))
    {
        return Err(errors::invalid_input(
            "Tag keys starting with 'aws:' are reserved for internal use.",
        ));
    }
    Ok(())
}

/// Rejects a request that names one key twice, in any casing.
pub fn check_unique_keys(tags: &[(String, String)]) -> Result<(), ApiError> {
    for (i, (key, _)) in tags.iter().enumerate() {
        if tags[..i].iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Err(errors::invalid_input(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    Ok(())
}

/// `existing` with `new` applied: a key already present (in any casing) is replaced in place,
/// other keys are appended. Fails when the role would end up with more than 50 tags.
fn merged(
    existing: &[(String, String)],
    new: Vec<(String, String)>,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = existing.to_vec();
    for (key, value) in new {
        match out.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&key)) {
            Some(slot) => *slot = (key, value),
            None => out.push((key, value)),
        }
    }
    if out.len() > TAGS_MAX {
        return Err(errors::limit_exceeded(format!(
            "Cannot exceed quota for TagsPerRole: {TAGS_MAX}."
        )));
    }
    Ok(out)
}

pub fn tag_role(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let name = role_name(params, &mut v)?;
    let new = tags_param(params, &mut v)?;
    v.finish()?;
    check_unique_keys(&new)?;
    check_reserved_keys(&new)?;
    ctx.shared.store.write(|w| {
        let role = w.iam.existing_role_mut(name)?;
        role.tags = merged(&role.tags, new)?;
        Ok::<_, ApiError>(())
    })?;
    Ok(Xml::new())
}

pub fn untag_role(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let name = role_name(params, &mut v)?;
    let keys = params.list("TagKeys");
    if keys.len() > TAGS_MAX {
        v.push(
            &format!("[{} keys]", keys.len()),
            "tagKeys",
            &format!("Member must have length less than or equal to {TAGS_MAX}"),
        );
    }
    for (i, key) in keys.iter().enumerate() {
        v.tag_key(key, &format!("tagKeys.{}.member", i + 1));
    }
    v.finish()?;
    ctx.shared.store.write(|w| {
        let role = w.iam.existing_role_mut(name)?;
        role.tags
            .retain(|(k, _)| !keys.iter().any(|gone| gone.eq_ignore_ascii_case(k)));
        Ok::<_, ApiError>(())
    })?;
    Ok(Xml::new())
}

pub fn list_role_tags(ctx: &Ctx<'_>, params: &QueryParams) -> Result<Xml, ApiError> {
    let mut v = Violations::new();
    let name = role_name(params, &mut v)?;
    let max_items = v.max_items(params.int("MaxItems")?);
    v.finish()?;
    let marker = params.get("Marker");
    ctx.shared.store.read(|w| {
        let role = w.iam.existing_role(name)?;
        // Tags keep their insertion order, so the marker names the next tag's key.
        let start = marker.map_or(0, |m| {
            role.tags
                .iter()
                .position(|(k, _)| k.eq_ignore_ascii_case(m))
                .unwrap_or(role.tags.len())
        });
        let p = page(&role.tags, start, max_items, |(k, _)| k.clone());
        let mut x = Xml::new();
        write_tags(&mut x, p.items);
        write_truncation(&mut x, p.next_marker.as_deref());
        Ok(x)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn merging_replaces_keys_case_insensitively() {
        let out = merged(
            &[t("Team", "a"), t("b", "1")],
            vec![t("team", "z"), t("c", "2")],
        )
        .expect("within quota");
        assert_eq!(out, [t("team", "z"), t("b", "1"), t("c", "2")]);
    }

    #[test]
    fn merging_past_fifty_tags_exceeds_the_quota() {
        let existing: Vec<_> = (0..50).map(|i| t(&format!("k{i}"), "v")).collect();
        let e = merged(&existing, vec![t("one-more", "v")]).expect_err("over quota");
        assert_eq!(e.code, "LimitExceeded");
        merged(&existing, vec![t("K7", "new")]).expect("a replacement is not an addition");
    }

    #[test]
    fn duplicate_keys_differing_in_case_are_invalid_input() {
        let e = check_unique_keys(&[t("a", "1"), t("A", "2")]).expect_err("duplicate");
        assert_eq!(e.code, "InvalidInput");
    }
}
