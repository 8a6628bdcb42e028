//! Cognito's list pagination: at most `limit` items after an opaque token (here the offset of
//! the next item). The token's member name differs by operation (`NextToken`, or
//! `PaginationToken` for ListUsers), so the caller names it.

use serde_json::{Map, Value, json};

use super::invalid;
use crate::sandbox::error::ApiError;

/// One page of `items` under `key`, with `token_key` set when more remain.
pub fn page(
    key: &str,
    token_key: &str,
    items: &[Value],
    limit: usize,
    token: Option<&str>,
) -> Result<Value, ApiError> {
    let start = match token {
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|s| *s <= items.len())
            .ok_or_else(|| invalid("Invalid pagination token."))?,
        None => 0,
    };
    let end = start.saturating_add(limit.max(1)).min(items.len());
    let mut out = Map::new();
    out.insert(
        key.to_owned(),
        json!(items.get(start..end).unwrap_or_default()),
    );
    if end < items.len() {
        out.insert(token_key.to_owned(), json!(end.to_string()));
    }
    Ok(Value::Object(out))
}

/// `Limit`/`MaxResults` as a page size: absent or 0 means `default`.
pub fn limit(value: Option<i64>, default: usize) -> usize {
    value
        .and_then(|v| usize::try_from(v).ok())
        .filter(|v| *v > 0)
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_with_tokens() {
        let items = [json!(1), json!(2), json!(3)];
        let first = page("Users", "PaginationToken", &items, 2, None).expect("page");
        assert_eq!(first, json!({"Users": [1, 2], "PaginationToken": "2"}));
        let second = page("Users", "PaginationToken", &items, 2, Some("2")).expect("page");
        assert_eq!(second, json!({"Users": [3]}));
        assert!(page("Users", "PaginationToken", &items, 2, Some("x")).is_err());
        assert_eq!(limit(Some(0), 60), 60);
    }
}
