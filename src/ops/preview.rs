//! `gtplan preview`: a job's worker template rendered with its first manifest objects, the way
//! Ground Truth renders it for a worker (`ui_template`), as HTML files a browser opens.
//!
//! `task.input` is what Ground Truth's built-in pre-annotation Lambdas hand the templates
//! (fact sheet 2 §4.1): `taskObject` (the line's `source-ref` or `source`), `labels` (the label
//! config's class names) and `manifestLine` (the whole line, which adjustment templates read).
//! `grant_read_access` inlines the plan's own files as `data:` URLs, so the page works offline
//! and without credentials, and presigns anything else for an hour, as Ground Truth does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt};

use crate::cloud::{Cloud, ObjectBody};
use crate::config::manifest::split_s3_uri;
use crate::model::desired::{DesiredJob, DesiredState};
use crate::model::job::UiConfig;
use crate::model::step::UploadBody;
use crate::ui_template;

use super::plan::prepare;
use super::status::find_job;
use super::{Error, PlanRequest};

/// Files at most this large are inlined into the page; larger ones are presigned.
const INLINE_MAX_BYTES: usize = 5 * 1024 * 1024;

/// What was rendered and where it went.
#[derive(Debug, Clone)]
pub struct Previewed {
    /// One page per manifest object, in manifest order.
    pub pages: Vec<PathBuf>,
    /// The objects shown (`source-ref` or `source`).
    pub objects: Vec<String>,
}

/// Renders the first `objects` manifest objects of plan job `job`; writes one page per object
/// to `out` (`out` itself for one object, `<stem>-<n>.html` beside it for more). Nothing is
/// written when anything fails.
pub async fn preview(
    request: &PlanRequest,
    job: &str,
    objects: usize,
    out: &Path,
) -> Result<Previewed, Error> {
    let prepared = prepare(request).await?;
    let desired = prepared.file.resolve(&prepared.account)?;
    let (address, wanted) = find_job(&desired, job)?;
    let cloud = &prepared.session.cloud;
    let template_uri = match &wanted.spec.human_task.ui {
        UiConfig::TemplateS3Uri(uri) => uri,
        UiConfig::HumanTaskUiArn(arn) => {
            return Err(Error::user(
                format!(
                    "{address} shows workers the AWS-owned UI `{arn}`, not a template: there is nothing to preview"
                ),
                "only jobs with `ui_template` have a template gtplan can render",
            ));
        }
    };
    let template = text_of(cloud, &desired, template_uri, "worker template").await?;
    let lines = first_lines(cloud, &desired, wanted, &address.to_string(), objects).await?;
    let labels = match &wanted.spec.label_category_config_uri {
        Some(uri) => class_names(&text_of(cloud, &desired, uri, "label config").await?),
        None => Vec::new(),
    };
    let inputs: Vec<(String, Value)> = lines
        .into_iter()
        .map(|line| task_input(&line, &labels))
        .collect();
    let mut uris = Vec::new();
    for (_, input) in &inputs {
        ui_template::s3_uris(input, &mut uris);
    }
    let access = read_access(cloud, &desired, uris).await?;
    let parsed = ui_template::parse(&template, Arc::new(access)).map_err(|e| {
        Error::user(
            format!(
                "the worker template `{template_uri}` is not valid Liquid{}: {}",
                e.line.map(|n| format!(" (line {n})")).unwrap_or_default(),
                e.message
            ),
            "fix the template; `gtplan validate PLAN` points at the line",
        )
    })?;
    let mut pages = Vec::new();
    for (i, (object, input)) in inputs.iter().enumerate() {
        let html = parsed.render(input).map_err(|e| {
            Error::user(
                format!("the worker template fails for object `{object}`: {}", e.message),
                "check what the template reads from `task.input` (taskObject, labels, manifestLine)",
            )
        })?;
        pages.push((page_path(out, i, inputs.len()), html));
    }
    for (path, html) in &pages {
        write_page(path, html)?;
    }
    Ok(Previewed {
        pages: pages.into_iter().map(|(p, _)| p).collect(),
        objects: inputs.into_iter().map(|(o, _)| o).collect(),
    })
}

/// `out` for one page; `<stem>-<n>.<ext>` for several.
fn page_path(out: &Path, index: usize, count: usize) -> PathBuf {
    if count == 1 {
        return out.to_owned();
    }
    let stem = out.file_stem().map_or_else(
        || "preview".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );
    let ext = out
        .extension()
        .map_or_else(|| "html".to_owned(), |e| e.to_string_lossy().into_owned());
    out.with_file_name(format!("{stem}-{}.{ext}", index + 1))
}

fn write_page(path: &Path, html: &str) -> Result<(), Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::user(
                format!("failed to create `{}`: {e}", dir.display()),
                "check that the folder is writable",
            )
        })?;
    }
    std::fs::write(path, html).map_err(|e| {
        Error::user(
            format!("failed to write `{}`: {e}", path.display()),
            "check that the folder is writable",
        )
    })
}

/// The plan's upload at `uri`, if it is one.
fn local_bytes(desired: &DesiredState, uri: &str) -> Option<(Vec<u8>, String)> {
    let upload = desired.upload_at(uri)?;
    let bytes = match &upload.body {
        UploadBody::Inline { bytes } => bytes.clone(),
        UploadBody::File { path, .. } => std::fs::read(path).ok()?,
    };
    Some((bytes, upload.content_type.clone()))
}

/// A text file of the plan, or else read from S3.
async fn text_of(
    cloud: &dyn Cloud,
    desired: &DesiredState,
    uri: &str,
    what: &str,
) -> Result<String, Error> {
    let bytes = match local_bytes(desired, uri) {
        Some((bytes, _)) => bytes,
        None => read_s3(cloud, uri, what).await?,
    };
    String::from_utf8(bytes).map_err(|_| {
        Error::user(
            format!("the {what} `{uri}` is not UTF-8 text"),
            "save it as UTF-8",
        )
    })
}

/// An S3 object, streamed.
async fn open_s3(cloud: &dyn Cloud, uri: &str, what: &str) -> Result<ObjectBody, Error> {
    let (bucket, key) = split_s3_uri(uri).ok_or_else(|| {
        Error::user(
            format!("the {what} `{uri}` is not an s3:// URI"),
            "name an upload of the plan or an s3://bucket/key URI",
        )
    })?;
    cloud.object_body(bucket, key).await?.ok_or_else(|| {
        Error::user(
            format!("the {what} `{uri}` does not exist"),
            "apply the plan first, or check the URI",
        )
    })
}

async fn read_s3(cloud: &dyn Cloud, uri: &str, what: &str) -> Result<Vec<u8>, Error> {
    let mut body = open_s3(cloud, uri, what).await?;
    let mut bytes = Vec::new();
    body.read_to_end(&mut bytes)
        .await
        .map_err(|e| failed_read(uri, &e))?;
    Ok(bytes)
}

fn failed_read(uri: &str, e: &std::io::Error) -> Error {
    Error::user(format!("failed to read `{uri}`: {e}"), "try again")
}

/// The first `n` lines of `body` that are not blank, read only that far: a manifest may hold
/// millions of objects, and preview shows a few.
async fn first_lines_of(mut body: ObjectBody, n: usize, uri: &str) -> Result<Vec<String>, Error> {
    let mut lines = Vec::new();
    let mut line = Vec::new();
    while lines.len() < n {
        line.clear();
        let read = body
            .read_until(b'\n', &mut line)
            .await
            .map_err(|e| failed_read(uri, &e))?;
        if read == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        if !text.trim().is_empty() {
            lines.push(text.trim_end_matches(['\n', '\r']).to_owned());
        }
    }
    Ok(lines)
}

/// The first `n` manifest lines, as JSON objects.
async fn first_lines(
    cloud: &dyn Cloud,
    desired: &DesiredState,
    job: &DesiredJob,
    address: &str,
    n: usize,
) -> Result<Vec<Map<String, Value>>, Error> {
    let Some(uri) = &job.spec.input.manifest_uri else {
        return Err(Error::user(
            format!(
                "{address} is a streaming job without a manifest: there is no object to preview"
            ),
            "add `manifest = \"NAME\"` with a few sample objects, or preview another job with the same template",
        ));
    };
    let n = n.max(1);
    let text_lines = match (local_bytes(desired, uri), &job.waits_for) {
        (Some((bytes, _)), _) => {
            first_lines_of(Box::new(std::io::Cursor::new(bytes)), n, uri).await?
        }
        (None, Some(up)) => {
            let body = open_s3(cloud, uri, "input manifest").await.map_err(|_| {
                Error::user(
                    format!(
                        "{address} reads the output manifest of {}, which does not exist yet",
                        up.address
                    ),
                    format!(
                        "preview it once {} has finished (`gtplan status PLAN --watch`)",
                        up.address
                    ),
                )
            })?;
            first_lines_of(body, n, uri).await?
        }
        (None, None) => {
            first_lines_of(open_s3(cloud, uri, "input manifest").await?, n, uri).await?
        }
    };
    let lines: Vec<Map<String, Value>> = text_lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    if lines.is_empty() {
        return Err(Error::user(
            format!("the manifest `{uri}` of {address} has no objects to preview"),
            "add at least one line such as {\"source-ref\": \"s3://bucket/image.png\"}",
        ));
    }
    Ok(lines)
}

/// The labels a worker chooses from: the label config's names, without unnamed entries.
pub(super) fn class_names(config: &str) -> Vec<String> {
    let mut names = super::labels::label_names(config);
    names.retain(|n| !n.is_empty());
    names
}

/// `(the object, task.input)` for one manifest line.
pub(super) fn task_input(line: &Map<String, Value>, labels: &[String]) -> (String, Value) {
    let object = line
        .get("source-ref")
        .or_else(|| line.get("source"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let input = json!({
        "taskObject": object,
        "labels": labels,
        "manifestLine": line,
    });
    (object, input)
}

/// What `grant_read_access` gives each URI: the plan's files inline, the rest presigned.
async fn read_access(
    cloud: &dyn Cloud,
    desired: &DesiredState,
    uris: Vec<String>,
) -> Result<BTreeMap<String, String>, Error> {
    let mut access = BTreeMap::new();
    for uri in uris {
        if access.contains_key(&uri) {
            continue;
        }
        let url = match local_bytes(desired, &uri) {
            Some((bytes, content_type)) if bytes.len() <= INLINE_MAX_BYTES => format!(
                "data:{content_type};base64,{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            ),
            _ => match split_s3_uri(&uri) {
                Some((bucket, key)) => cloud.presigned_get(bucket, key).await?,
                None => continue,
            },
        };
        access.insert(uri, url);
    }
    Ok(access)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that fails if read: it stands for the rest of a big manifest.
    struct NotToBeRead;

    impl tokio::io::AsyncRead for NotToBeRead {
        fn poll_read(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            _: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Err(std::io::Error::other("read past the lines asked for")))
        }
    }

    fn manifest(head: &str) -> ObjectBody {
        let head = std::io::Cursor::new(head.as_bytes().to_vec());
        Box::new(tokio::io::BufReader::new(head.chain(NotToBeRead)))
    }

    #[tokio::test]
    async fn a_manifest_is_read_only_as_far_as_the_objects_shown() {
        let head =
            "{\"source-ref\": \"s3://b/1.png\"}\r\n\n  \n{\"source-ref\": \"s3://b/2.png\"}\n";
        let lines = first_lines_of(manifest(head), 2, "s3://b/m")
            .await
            .expect("two lines, without reading on");
        assert_eq!(
            lines,
            [
                "{\"source-ref\": \"s3://b/1.png\"}",
                "{\"source-ref\": \"s3://b/2.png\"}"
            ]
        );
        let err = first_lines_of(manifest(head), 3, "s3://b/m")
            .await
            .expect_err("a third line means reading on");
        assert!(err.to_string().contains("read past"), "{err}");
        let short = "{\"source-ref\": \"s3://b/1.png\"}";
        let whole = Box::new(std::io::Cursor::new(short.as_bytes().to_vec()));
        assert_eq!(
            first_lines_of(whole, 5, "s3://b/m").await.expect("all"),
            [short]
        );
    }

    #[test]
    fn one_page_is_the_out_path_several_are_numbered() {
        let out = Path::new("preview/pets.html");
        assert_eq!(page_path(out, 0, 1), PathBuf::from("preview/pets.html"));
        assert_eq!(page_path(out, 1, 3), PathBuf::from("preview/pets-2.html"));
    }

    #[test]
    fn task_input_carries_the_object_labels_and_line() {
        let line: Map<String, Value> =
            serde_json::from_str(r#"{"source-ref":"s3://b/a.png","prior":1}"#).expect("json");
        let (object, input) = task_input(&line, &["cat".to_owned()]);
        assert_eq!(object, "s3://b/a.png");
        assert_eq!(input["taskObject"], "s3://b/a.png");
        assert_eq!(input["labels"], json!(["cat"]));
        assert_eq!(input["manifestLine"]["prior"], 1);
    }
}
