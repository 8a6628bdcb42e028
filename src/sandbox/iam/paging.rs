//! `Marker`/`MaxItems` pagination shared by the IAM listings. The marker IAM hands out is an
//! opaque string; the sandbox uses the sort key of the first item of the next page, so a
//! marker stays valid when items before it are deleted between pages.

/// One page of a listing.
#[derive(Debug)]
pub struct Page<'a, T> {
    pub items: &'a [T],
    /// The marker for the next page; `None` when this is the last one (`IsTruncated` false).
    pub next_marker: Option<String>,
}

/// Pages `items` (already in listing order): starts at `start` and takes up to `max_items`;
/// `key` names an item for the next page's marker.
pub fn page<T>(
    items: &[T],
    start: usize,
    max_items: usize,
    key: impl Fn(&T) -> String,
) -> Page<'_, T> {
    let start = start.min(items.len());
    let end = start.saturating_add(max_items).min(items.len());
    Page {
        items: &items[start..end],
        next_marker: items.get(end).map(key),
    }
}

/// Where a listing sorted by `key` resumes for `marker`: the first item not before it.
pub fn sorted_start<T>(items: &[T], marker: Option<&str>, key: impl Fn(&T) -> String) -> usize {
    marker.map_or(0, |m| items.partition_point(|item| key(item).as_str() < m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_pages_until_the_end() {
        let items = ["a", "b", "c", "d", "e", "f", "g"];
        let key = |s: &&str| (*s).to_owned();
        let mut marker: Option<String> = None;
        let mut seen = Vec::new();
        loop {
            let start = sorted_start(&items, marker.as_deref(), key);
            let p = page(&items, start, 3, key);
            seen.push(p.items.len());
            marker = p.next_marker;
            if marker.is_none() {
                break;
            }
        }
        assert_eq!(seen, [3, 3, 1]);
    }
}
