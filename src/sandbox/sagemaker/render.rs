//! `RenderUiTemplate` (fact sheet 2 §4.2): a worker template rendered with a task's input by
//! gtplan's own Ground Truth renderer (`crate::ui_template`), so the sandbox and `gtplan
//! preview` agree. Template problems come back in `Errors`, not as an API error, as the
//! response shape says; the codes (`TemplateSyntaxError`, `TemplateRenderError`) are the
//! sandbox's, since AWS documents none. `grant_read_access` gives the documented URL form,
//! `https://s3.amazonaws.com/<bucket>/<key>?X-Amz-…`, which the sandbox does not serve.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use super::constraints::{self as c, Violations};
use super::validation;
use crate::sandbox::error::ApiError;
use crate::sandbox::protocol::json::parse_input;
use crate::sandbox::router::Ctx;
use crate::ui_template;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct Input {
    ui_template: Option<UiTemplate>,
    task: Option<Task>,
    role_arn: Option<String>,
    human_task_ui_arn: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct UiTemplate {
    content: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct Task {
    input: Option<String>,
}

const MAX_CHARS: usize = 128_000;

pub fn render(ctx: &Ctx<'_>, body: &[u8]) -> Result<Value, ApiError> {
    let input: Input = parse_input(body)?;
    let content = input
        .ui_template
        .as_ref()
        .and_then(|t| t.content.as_deref());
    let task_input = input.task.as_ref().and_then(|t| t.input.as_deref());
    let mut v = Violations::default();
    v.string("uiTemplate.content", content, 1, MAX_CHARS, None);
    v.required("task", input.task.as_ref());
    v.required("task.input", task_input.as_ref());
    v.string("task.input", task_input, 2, MAX_CHARS, None);
    v.required("roleArn", input.role_arn.as_ref());
    v.string(
        "roleArn",
        input.role_arn.as_deref(),
        20,
        2048,
        Some(c::ROLE_ARN),
    );
    v.string(
        "humanTaskUiArn",
        input.human_task_ui_arn.as_deref(),
        0,
        1024,
        Some(c::HUMAN_TASK_UI_ARN),
    );
    v.into_result()?;
    let role_arn = input.role_arn.unwrap_or_default();
    let content = match (content, &input.human_task_ui_arn) {
        (Some(content), None) => content,
        (None, Some(_)) => {
            return Err(validation(
                "The sandbox does not hold the AWS-owned worker UIs: render a UiTemplate instead of a HumanTaskUiArn.",
            ));
        }
        _ => {
            return Err(validation(
                "Exactly one of UiTemplate and HumanTaskUiArn must be provided.",
            ));
        }
    };
    let task_input: Value = serde_json::from_str(task_input.unwrap_or_default())
        .map_err(|e| validation(format!("Task.Input is not valid JSON: {e}")))?;
    if ctx
        .shared
        .store
        .read(|w| w.iam.role_by_arn(&role_arn).is_none())
    {
        return Err(validation(format!(
            "Could not assume role {role_arn}. Please ensure that the role exists and allows principal 'sagemaker.amazonaws.com' to assume the role."
        )));
    }
    let mut uris = Vec::new();
    ui_template::s3_uris(&task_input, &mut uris);
    let access = uris
        .into_iter()
        .filter_map(|uri| {
            let rest = uri.strip_prefix("s3://")?.to_owned();
            let url = format!(
                "https://s3.amazonaws.com/{rest}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature={}",
                ctx.request_id
            );
            Some((uri, url))
        })
        .collect();
    let rendered = ui_template::parse(content, Arc::new(access))
        .map_err(|e| ("TemplateSyntaxError", e))
        .and_then(|t| {
            t.render(&task_input)
                .map_err(|e| ("TemplateRenderError", e))
        });
    Ok(match rendered {
        Ok(html) => json!({ "RenderedContent": html, "Errors": [] }),
        Err((code, e)) => json!({
            "RenderedContent": "",
            "Errors": [{
                "Code": code,
                "Message": match e.line {
                    Some(line) => format!("line {line}: {}", e.message),
                    None => e.message,
                },
            }],
        }),
    })
}
