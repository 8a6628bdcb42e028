//! SageMaker's list pagination: `MaxResults` items after an opaque `NextToken` (here the
//! offset of the next item), answered as `{"<key>": [...], "NextToken": ...}`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::constraints::Violations;
use super::validation;
use crate::sandbox::error::ApiError;

/// The request of `ListWorkforces` and `ListWorkteams`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListInput {
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub name_contains: Option<String>,
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
}

impl ListInput {
    /// `MaxResults` 1-100 and `SortBy` `Name|CreateDate`, as both operations constrain them.
    pub fn check(&self, v: &mut Violations) {
        v.int("maxResults", self.max_results, Some(1), Some(100));
        if let Some(s) = &self.sort_by {
            v.one_of("sortBy", s, &["Name", "CreateDate"]);
        }
    }
}

/// One page of `items` under `key`, with `NextToken` when more remain.
pub fn page<T: Serialize>(
    key: &str,
    items: &[T],
    max_results: Option<i64>,
    default_max: usize,
    next_token: Option<&str>,
) -> Result<Value, ApiError> {
    let max = max_results.map_or(default_max, |m| usize::try_from(m).unwrap_or(default_max));
    let start = match next_token {
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| validation("Invalid pagination token"))?,
        None => 0,
    };
    let end = start.saturating_add(max).min(items.len());
    let page = items.get(start..end).unwrap_or_default();
    let mut out = json!({ key: page });
    if end < items.len() {
        out["NextToken"] = json!(end.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_with_tokens() {
        let items = [1, 2, 3];
        let first = page("Items", &items, Some(2), 10, None).expect("page");
        assert_eq!(first, json!({"Items": [1, 2], "NextToken": "2"}));
        let second = page("Items", &items, Some(2), 10, Some("2")).expect("page");
        assert_eq!(second, json!({"Items": [3]}));
        assert!(page("Items", &items, None, 10, Some("x")).is_err());
    }
}
