//! Plan-time check of custom worker templates by SageMaker itself (`RenderUiTemplate`): a job
//! the plan creates, whose template is a file of the plan, is rendered with its first manifest
//! object as its role would see it. Liquid syntax is already checked locally (`validate`);
//! this catches what only the service knows. Skipped when the role does not exist yet (the
//! service renders as the role) or the manifest is not in the plan.

use futures::StreamExt;

use crate::cloud::Cloud;
use crate::model::desired::{DesiredJob, DesiredState};
use crate::model::job::UiConfig;
use crate::model::{Address, Kind};
use crate::plan::diff::{PlanError, PlanErrors};
use crate::plan::{Action, Plan};

use super::Error;

/// Renders the custom templates of the jobs `plan` creates; their problems are plan errors.
pub(super) async fn check(
    cloud: &dyn Cloud,
    desired: &DesiredState,
    plan: &Plan,
    parallelism: usize,
) -> Result<(), Error> {
    let action = |address: &Address| {
        plan.changes
            .iter()
            .find(|c| &c.address == address)
            .map(|c| c.action)
    };
    let renders = desired
        .jobs
        .iter()
        .filter(|(address, _)| action(address) == Some(Action::Create))
        .filter(|(_, job)| {
            // The role must exist: SageMaker renders as the role.
            job.depends_on
                .iter()
                .filter(|a| a.kind == Kind::Role)
                .all(|role| action(role) != Some(Action::Create))
        })
        .filter_map(|(address, job)| Some((address, request(desired, job)?)))
        .map(|(address, (template, input, role))| async move {
            let rendered = cloud.render_ui_template(&template, &input, &role).await?;
            Ok::<_, Error>(rendered.err().map(|errors| (address.clone(), errors)))
        });
    let failures: Vec<(Address, Vec<(String, String)>)> = futures::stream::iter(renders)
        .buffer_unordered(parallelism.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    if failures.is_empty() {
        return Ok(());
    }
    Err(Error::Plan(PlanErrors(
        failures
            .into_iter()
            .map(|(address, errors)| {
                let listed: Vec<String> = errors
                    .iter()
                    .map(|(code, message)| format!("{code}: {message}"))
                    .collect();
                PlanError::new(
                    &address,
                    format!(
                        "SageMaker cannot render the worker template (RenderUiTemplate): {}",
                        listed.join("; ")
                    ),
                    "fix the template; `gtplan preview PLAN JOB` renders it locally",
                )
            })
            .collect(),
    )))
}

/// `(template, task input JSON, role ARN)` when the template and the manifest are the plan's
/// own files.
fn request(desired: &DesiredState, job: &DesiredJob) -> Option<(String, String, String)> {
    let UiConfig::TemplateS3Uri(uri) = &job.spec.human_task.ui else {
        return None;
    };
    let template = String::from_utf8(local(desired, uri)?).ok()?;
    let manifest = local(desired, job.spec.input.manifest_uri.as_deref()?)?;
    let first: serde_json::Map<String, serde_json::Value> = String::from_utf8_lossy(&manifest)
        .lines()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| serde_json::from_str(l).ok())?;
    let labels = job
        .spec
        .label_category_config_uri
        .as_deref()
        .and_then(|uri| local(desired, uri))
        .map(|config| super::preview::class_names(&String::from_utf8_lossy(&config)))
        .unwrap_or_default();
    let (_, input) = super::preview::task_input(&first, &labels);
    Some((template, input.to_string(), job.spec.role_arn.clone()))
}

/// The bytes of the plan's in-memory upload at `uri`.
/// (A large manifest streamed from disk is not read for this check.)
fn local(desired: &DesiredState, uri: &str) -> Option<Vec<u8>> {
    desired.upload_at(uri)?.body.bytes().map(<[u8]>::to_vec)
}
