//! Who labels: a private or vendor work team, or Mechanical Turk with a price from the task
//! family's list and content classifiers stated explicitly (fact sheet §2.3, §5); and how long
//! tasks stay available to that workforce.

use std::collections::BTreeSet;

use crate::catalog::{self, TaskType};
use crate::config::checks::{self, CONTENT_CLASSIFIERS};
use crate::config::duration::format_seconds;
use crate::config::raw::RawJob;
use crate::config::resolve::Resolver;
use crate::config::suggest;
use crate::model::job::Price;

use super::{MAX_AVAILABILITY_PRIVATE, MAX_AVAILABILITY_PUBLIC};

#[expect(
    clippy::option_option,
    reason = "the price: outer `None` invalid and reported, inner `None` not the public workforce"
)]
pub(super) struct Workforce {
    pub workteam_arn: Option<String>,
    /// The plan's team the job uses, which it depends on.
    pub team: Option<crate::model::Address>,
    /// Outer `None`: invalid (reported); inner `None`: not the public workforce.
    pub price: Option<Option<Price>>,
    pub classifiers: BTreeSet<String>,
    pub availability: Option<u32>,
}

impl Resolver<'_> {
    pub(super) fn workforce(
        &mut self,
        raw: &RawJob,
        task: Option<&'static TaskType>,
        from: &str,
    ) -> Workforce {
        let region = self.file.region.as_str().to_owned();
        let workteam = self.expand(&raw.workteam);
        let public = workteam.as_ref().is_some_and(|w| w.value == "public");
        let price_value = self.expand_opt(raw.public_price.as_ref());
        let mut team = None;
        let workteam_arn = workteam.as_ref().and_then(|w| {
            if public {
                if let Some(task) = task
                    && !task.mechanical_turk
                {
                    self.report(w.span.clone(), format!("`{}` jobs cannot use the public workforce", task.name), "Mechanical Turk not allowed", Some("3D point cloud and video frame jobs need a private or vendor workteam ARN".to_owned()));
                    return None;
                }
                Some(catalog::arns::public_workteam(&region))
            } else if w.value.starts_with("arn:") {
                self.check(&w.span, checks::workteam_arn(&w.value, &region))?;
                Some(w.value.clone())
            } else {
                let (arn, address) = self.plan_team(w, from)?;
                team = Some(address);
                Some(arn)
            }
        });
        let price: Option<Option<Price>> = match (&price_value, public) {
            (Some(p), true) => task
                .filter(|t| t.mechanical_turk)
                .and_then(|t| self.check(&p.span, checks::public_price(&p.value, t.price_family)))
                .map(Some),
            (None, true) => {
                let span = workteam
                    .as_ref()
                    .map_or(raw.span.clone(), |w| w.span.clone());
                self.report(span, format!("{from} uses the public workforce but sets no `public_price`"), "needs `public_price`", Some("Mechanical Turk workers are paid per task: add `public_price = \"0.012\"` (USD)".to_owned()));
                None
            }
            (Some(p), false) => {
                self.report(
                    p.span.clone(),
                    "`public_price` only applies to `workteam = \"public\"`",
                    "remove this",
                    Some(
                        "private and vendor workforces are not paid per task through SageMaker"
                            .to_owned(),
                    ),
                );
                None
            }
            (None, false) => Some(None),
        };

        let mut classifiers = BTreeSet::new();
        if let Some(list) = &raw.content_classifiers {
            for c in &list.value {
                let Some(c) = self.expand(c) else { continue };
                if CONTENT_CLASSIFIERS.contains(&c.value.as_str()) {
                    classifiers.insert(c.value);
                } else {
                    let help = match suggest::did_you_mean(&c.value, &CONTENT_CLASSIFIERS) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => format!(
                            "the content classifiers are {}",
                            suggest::list(CONTENT_CLASSIFIERS)
                        ),
                    };
                    self.report(
                        c.span.clone(),
                        format!("unknown content classifier `{}`", c.value),
                        "unknown classifier",
                        Some(help),
                    );
                }
            }
        }
        if public && !classifiers.contains(CONTENT_CLASSIFIERS[0]) {
            let span = raw.content_classifiers.as_ref().map_or_else(
                || {
                    workteam
                        .as_ref()
                        .map_or(raw.span.clone(), |w| w.span.clone())
                },
                |c| c.span.clone(),
            );
            self.report(span, format!("{from} sends data to the public workforce without declaring it free of personal information"), "needs `FreeOfPersonallyIdentifiableInformation`", Some("SageMaker fails Mechanical Turk jobs without it: add `content_classifiers = [\"FreeOfPersonallyIdentifiableInformation\", \"FreeOfAdultContent\"]` (only if true of your data)".to_owned()));
        }

        let availability = self.expand_opt(raw.task_availability_lifetime.as_ref()).and_then(|a| {
            let s = self.duration(&a, "task_availability_lifetime", from)?;
            let max = if public { MAX_AVAILABILITY_PUBLIC } else { MAX_AVAILABILITY_PRIVATE };
            if s < 60 || s > max {
                self.report(a.span.clone(), format!("task availability lifetime `{}` of {from} is out of range", a.value), format!("not in 1m-{}", format_seconds(max)), Some(format!("SageMaker keeps tasks available from 1 minute to {} for this workforce", format_seconds(max))));
                return None;
            }
            u32::try_from(s).ok()
        });
        Workforce {
            workteam_arn,
            team,
            price,
            classifiers,
            availability,
        }
    }

    /// The ARN of the plan's team `workteam` names, and its address; reported when the plan
    /// has no such team.
    fn plan_team(
        &mut self,
        w: &crate::config::reader::Located<String>,
        from: &str,
    ) -> Option<(String, crate::model::Address)> {
        if let Some(found) = self.team_arn(&w.value) {
            return Some(found);
        }
        let keys: Vec<String> = self
            .file
            .raw
            .teams
            .iter()
            .map(|(k, _)| k.value.clone())
            .collect();
        let help = match suggest::did_you_mean(&w.value, &keys) {
            Some(close) => format!("did you mean `{close}`?"),
            None if keys.is_empty() => "write `public` (Mechanical Turk), a work team's ARN, or the name of a `[teams.NAME]` of this plan".to_owned(),
            None => format!("the plan's teams are {}; or write `public` or a work team's ARN", suggest::list(&keys)),
        };
        self.report(
            w.span.clone(),
            format!(
                "{from} names team `{}`, which the plan does not have",
                w.value
            ),
            "unknown team",
            Some(help),
        );
        None
    }
}
