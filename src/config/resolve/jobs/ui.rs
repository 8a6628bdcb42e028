//! A job's worker UI: the plan's Liquid template (`ui_template`), an AWS-owned UI the task type
//! comes with, or an explicit `human_task_ui_arn`; never two of them.

use crate::catalog::{self, TaskType, Ui};
use crate::config::checks;
use crate::config::error::{Problem, SourceFile};
use crate::config::raw::RawJob;
use crate::config::resolve::Resolver;
use crate::config::resolve::drafts::{UploadContent, UploadDraft, Uploads};
use crate::model::job::UiConfig;
use crate::model::step::UploadBody;

use super::{Target, Touches};

impl Resolver<'_> {
    /// The job's `UiConfig` and, when it is one of the plan's uploads, the template's address.
    pub(super) fn ui_config(
        &mut self,
        raw: &RawJob,
        task: Option<&'static TaskType>,
        uploads: &Uploads<'_>,
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
                        self.check_liquid(u);
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

    /// A template file among the plan's uploads must parse as Ground Truth's Liquid: a syntax
    /// error is reported at its line in the file, before any job shows it to workers. Once per
    /// file and text, however many uploads and jobs show it.
    fn check_liquid(&mut self, upload: &UploadDraft) {
        let UploadContent::File {
            shown,
            body: UploadBody::Inline { bytes },
            ..
        } = &upload.content
        else {
            return;
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            return;
        };
        if !self.liquid_checked.insert((shown.clone(), text.to_owned())) {
            return;
        }
        let Err(e) = self
            .file
            .parsed
            .liquid(text, || crate::ui_template::check(text))
        else {
            return;
        };
        let path = self.file.dir.join(shown).display().to_string();
        let span = e.line.map_or(0..0, |n| line_span(text, n));
        let source = SourceFile::new(&path, text.to_owned());
        self.problems.push(
            Problem::at(
                &source,
                span,
                format!("worker template `{path}` is not valid Liquid: {}", e.message),
                "here",
            )
            .help("Ground Truth renders the template with Liquid; fix the tag or filter, or see `gtplan preview PLAN JOB`"),
        );
    }
}

/// The byte range of line `n` (1-based) of `text`.
fn line_span(text: &str, n: usize) -> std::ops::Range<usize> {
    let mut start = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i + 1 == n {
            return start..start + line.trim_end_matches(['\n', '\r']).len();
        }
        start += line.len();
    }
    text.len()..text.len()
}
