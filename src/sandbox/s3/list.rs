//! ListObjectsV2: one page of a bucket's keys in lexicographic (UTF-8 byte) order, with
//! `Prefix`, `Delimiter` roll-up into `CommonPrefixes`, `MaxKeys`, `StartAfter`, continuation
//! tokens and `EncodingType=url` (the AWS CLI asks for it and decodes what it gets back).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use s3s::dto::{
    CommonPrefix, EncodingType, ListObjectsV2Input, ListObjectsV2Output, Object as ObjectDto, Owner,
};
use s3s::{S3Error, S3Response, S3Result, s3_error};

use super::SandboxS3;
use super::buckets::timestamp;
use super::objects::etag;
use super::state::Object;

/// S3's page size limit for listings.
const MAX_KEYS: usize = 1000;

/// What `EncodingType=url` leaves as is: the unreserved characters and `/`, so keys stay
/// readable; everything else (including `+` and space) is percent-encoded.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// One entry of a listing page: an object, or a common prefix rolled up by the delimiter.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Object(String),
    Prefix(String),
}

/// Where a page starts. A continuation token names the last entry of the previous page; when
/// that was a rolled-up prefix every key under it was already reported, so all are skipped.
/// `StartAfter` is always a plain key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resume {
    AfterKey(String),
    AfterPrefix(String),
}

impl Resume {
    /// The opaque token S3 clients pass back verbatim.
    fn token(&self) -> String {
        let tagged = match self {
            Self::AfterKey(k) => format!("k{k}"),
            Self::AfterPrefix(p) => format!("p{p}"),
        };
        URL_SAFE_NO_PAD.encode(tagged)
    }

    fn from_token(token: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        if let Some(k) = text.strip_prefix('k') {
            Some(Self::AfterKey(k.to_owned()))
        } else {
            text.strip_prefix('p')
                .map(|p| Self::AfterPrefix(p.to_owned()))
        }
    }

    fn admits(&self, key: &str) -> bool {
        match self {
            Self::AfterKey(after) => key > after.as_str(),
            Self::AfterPrefix(p) => key > p.as_str() && !key.starts_with(p.as_str()),
        }
    }
}

/// The entries of one page and whether more follow.
fn page(
    keys: impl Iterator<Item = String>,
    prefix: &str,
    delimiter: Option<&str>,
    resume: Option<&Resume>,
    max_keys: usize,
) -> (Vec<Entry>, bool) {
    let mut entries: Vec<Entry> = Vec::new();
    let delimiter = delimiter.filter(|d| !d.is_empty());
    let candidates = keys
        .filter(|k| k.starts_with(prefix))
        .filter(|k| resume.is_none_or(|r| r.admits(k)));
    for key in candidates {
        let rolled = delimiter.and_then(|d| {
            key[prefix.len()..]
                .find(d)
                .map(|i| key[..prefix.len() + i + d.len()].to_owned())
        });
        if let Some(common) = &rolled
            && matches!(entries.last(), Some(Entry::Prefix(p)) if p == common)
        {
            continue;
        }
        // Only a further distinct entry makes the page truncated.
        if entries.len() == max_keys {
            return (entries, true);
        }
        entries.push(match rolled {
            Some(common) => Entry::Prefix(common),
            None => Entry::Object(key),
        });
    }
    (entries, false)
}

pub fn list_v2(
    s3: &SandboxS3,
    input: &ListObjectsV2Input,
) -> S3Result<S3Response<ListObjectsV2Output>> {
    let max_keys = match input.max_keys {
        None => MAX_KEYS,
        Some(m) if m < 0 => {
            return Err(s3_error!(
                InvalidArgument,
                "Argument maxKeys must be an integer between 0 and 2147483647"
            ));
        }
        Some(m) => usize::try_from(m).unwrap_or(MAX_KEYS).min(MAX_KEYS),
    };
    let resume = match &input.continuation_token {
        Some(t) => Some(Resume::from_token(t).ok_or_else(|| {
            s3_error!(
                InvalidArgument,
                "The continuation token provided is incorrect"
            )
        })?),
        None => input.start_after.clone().map(Resume::AfterKey),
    };
    let prefix = input.prefix.clone().unwrap_or_default();
    let (entries, truncated, objects) = s3.shared.store.read(|w| {
        s3.authorized(w, &input.bucket, "s3:ListBucket", None)?;
        let (entries, truncated) = page(
            w.s3.objects_in(&input.bucket).map(|(k, _)| k.to_owned()),
            &prefix,
            input.delimiter.as_deref(),
            resume.as_ref(),
            max_keys,
        );
        let objects: BTreeMap<String, Object> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Object(k) => {
                    w.s3.object(&input.bucket, k)
                        .map(|o| (k.clone(), o.clone()))
                }
                Entry::Prefix(_) => None,
            })
            .collect();
        Ok::<_, S3Error>((entries, truncated, objects))
    })?;
    let next = entries.last().filter(|_| truncated).map(|e| match e {
        Entry::Object(k) => Resume::AfterKey(k.clone()).token(),
        Entry::Prefix(p) => Resume::AfterPrefix(p.clone()).token(),
    });

    let url = input
        .encoding_type
        .as_ref()
        .is_some_and(|e| e.as_str() == EncodingType::URL);
    let enc = |s: &str| {
        if url {
            utf8_percent_encode(s, KEEP).to_string()
        } else {
            s.to_owned()
        }
    };
    let owner = input.fetch_owner.unwrap_or(false).then(|| Owner {
        display_name: Some("sandbox".to_owned()),
        id: Some(s3.shared.config.account_id.clone()),
    });
    let key_count = i32::try_from(entries.len()).unwrap_or(i32::MAX);
    let mut contents = Vec::new();
    let mut prefixes = Vec::new();
    for entry in entries {
        match entry {
            Entry::Object(key) => {
                let Some(o) = objects.get(&key) else { continue };
                contents.push(ObjectDto {
                    e_tag: Some(etag(o)),
                    key: Some(enc(&key)),
                    last_modified: Some(timestamp(o.last_modified)),
                    size: Some(i64::try_from(o.size).unwrap_or(i64::MAX)),
                    storage_class: Some("STANDARD".to_owned().into()),
                    owner: owner.clone(),
                    ..Default::default()
                });
            }
            Entry::Prefix(p) => prefixes.push(CommonPrefix {
                prefix: Some(enc(&p)),
            }),
        }
    }
    Ok(S3Response::new(ListObjectsV2Output {
        name: Some(input.bucket.clone()),
        prefix: Some(enc(&prefix)),
        delimiter: input.delimiter.as_deref().map(enc),
        encoding_type: input.encoding_type.clone().filter(|_| url),
        max_keys: Some(i32::try_from(max_keys).unwrap_or(i32::MAX)),
        key_count: Some(key_count),
        is_truncated: Some(truncated),
        continuation_token: input.continuation_token.clone(),
        next_continuation_token: next,
        start_after: input.start_after.as_deref().map(enc),
        contents: (!contents.is_empty()).then_some(contents),
        common_prefixes: (!prefixes.is_empty()).then_some(prefixes),
        ..Default::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &[&str]) -> impl Iterator<Item = String> {
        let mut v: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
        v.sort();
        v.into_iter()
    }

    const KEYS: [&str; 6] = ["a/1", "a/2", "b", "c/x/1", "c/y", "d"];

    #[test]
    fn delimiter_rolls_up_and_pages_skip_whole_prefixes() {
        let (first, more) = page(keys(&KEYS), "", Some("/"), None, 2);
        assert_eq!(
            first,
            vec![Entry::Prefix("a/".into()), Entry::Object("b".into())]
        );
        assert!(more);
        let resume = Resume::AfterKey("b".into());
        let (second, more) = page(keys(&KEYS), "", Some("/"), Some(&resume), 2);
        assert_eq!(
            second,
            vec![Entry::Prefix("c/".into()), Entry::Object("d".into())]
        );
        assert!(!more, "nothing follows the last entry");
        let resume = Resume::AfterPrefix("c/".into());
        let (third, _) = page(keys(&KEYS), "", Some("/"), Some(&resume), 2);
        assert_eq!(third, vec![Entry::Object("d".into())]);
    }

    #[test]
    fn start_after_a_prefix_like_key_still_lists_under_it() {
        let resume = Resume::AfterKey("c/".into());
        let (entries, _) = page(keys(&KEYS), "", Some("/"), Some(&resume), 10);
        assert_eq!(
            entries,
            vec![Entry::Prefix("c/".into()), Entry::Object("d".into())]
        );
    }

    #[test]
    fn prefix_and_nested_delimiter() {
        let (entries, _) = page(keys(&KEYS), "c/", Some("/"), None, 10);
        assert_eq!(
            entries,
            vec![Entry::Prefix("c/x/".into()), Entry::Object("c/y".into())]
        );
    }

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        for r in [
            Resume::AfterKey("k/é".into()),
            Resume::AfterPrefix("p/".into()),
        ] {
            assert_eq!(Resume::from_token(&r.token()), Some(r));
        }
        assert_eq!(Resume::from_token("!!"), None);
        assert_eq!(Resume::from_token(&URL_SAFE_NO_PAD.encode("x")), None);
    }
}
