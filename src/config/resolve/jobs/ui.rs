//! A job's worker UI: the plan's Liquid template (`ui_template`), an AWS-owned UI the task type
//! comes with, or an explicit `human_task_ui_arn`; never two of them.

use crate::catalog::{self, TaskType, Ui};
use crate::config::checks;
use crate::config::error::Problem;
use crate::config::raw::RawJob;
use crate::config::resolve::Resolver;
use crate::config::resolve::drafts::UploadDraft;
use crate::model::job::UiConfig;

use super::{Target, Touches};

impl Resolver<'_> {
    /// The job's `UiConfig` and, when it is one of the plan's uploads, the template's address.
    pub(super) fn ui_config(
        &mut self,
        raw: &RawJob,
        task: Option<&'static TaskType>,
        uploads: &[UploadDraft],
        (addr, from): (&str, &str),
        touches: &mut Touches,
    ) -> (Option<UiConfig>, Option<String>) {
        let region = self.file.region.as_str().to_owned();
        let mut ui_template_addr = None;
        let ui_template = self.expand_opt(raw.ui_template.as_ref());
        let ui_arn = self.expand_opt(raw.human_task_ui_arn.as_ref());
        if let Some(arn) = &ui_arn {
            self.check(&arn.span, checks::human_task_ui_arn(&arn.value, &region));
        }
        let ui = match (task.map(|t| t.ui), &ui_template, &ui_arn) {
            (_, Some(t), Some(a)) => {
                self.problems.push(
                    Problem::at(
                        self.src(),
                        t.span.clone(),
                        format!("{from} sets both `ui_template` and `human_task_ui_arn`"),
                        "remove one",
                    )
                    .label(a.span.clone(), "")
                    .help("a job shows workers either your template or an AWS-owned UI"),
                );
                None
            }
            (_, None, Some(a)) => Some(UiConfig::HumanTaskUiArn(a.value.clone())),
            (Some(Ui::HumanTaskUi(_)), Some(t), None) => {
                self.report(
                    t.span.clone(),
                    format!(
                        "`{}` jobs use an AWS-owned worker UI, not a template",
                        task.map_or("", |t| t.name)
                    ),
                    "not used by this task type",
                    Some(
                        "remove `ui_template`; gtplan fills in the task type's human task UI"
                            .to_owned(),
                    ),
                );
                None
            }
            (Some(Ui::HumanTaskUi(_)), None, None) => task
                .and_then(|t| catalog::arns::human_task_ui(&region, t))
                .map(UiConfig::HumanTaskUiArn),
            (Some(Ui::Template), Some(t), None) => {
                let target = self.upload_target(t, uploads, from);
                if let Some(target) = &target {
                    touches.upload(target);
                    if let Target::Upload(u) = target {
                        ui_template_addr = Some(u.addr.clone());
                    }
                }
                target.map(|t| UiConfig::TemplateS3Uri(t.uri()))
            }
            (Some(Ui::Template), None, None) => {
                self.report(
                    raw.span.clone(),
                    format!("missing key `ui_template` in `jobs.{addr}`"),
                    "",
                    Some(format!(
                        "`{}` jobs show workers a Liquid template: add `ui_template = \"NAME\"` naming an upload with `file = \"ui/template.liquid.html\"`",
                        task.map_or("", |t| t.name)
                    )),
                );
                None
            }
            (None, _, None) => None,
        };
        (ui, ui_template_addr)
    }
}
