//! Automated data labeling (`LabelingJobAlgorithmsConfig`): only for the task types with an
//! algorithm (fact sheet §2.4), never for streaming jobs, with an optional VPC.

use std::collections::BTreeSet;

use crate::catalog::{self, TaskType};
use crate::config::checks;
use crate::config::raw::{RawAutomatedLabeling, Str};
use crate::config::reader::Located;
use crate::config::resolve::Resolver;
use crate::config::suggest;
use crate::model::job::{AutomatedLabeling, VpcConfig};

impl Resolver<'_> {
    #[expect(
        clippy::option_option,
        reason = "outer `None`: invalid and reported; inner `None`: not set in the plan"
    )]
    pub(super) fn automated_labeling(
        &mut self,
        raw: &RawAutomatedLabeling,
        task: &TaskType,
        streaming: bool,
        kms_keys: &mut BTreeSet<String>,
    ) -> Option<Option<AutomatedLabeling>> {
        let region = self.file.region.as_str().to_owned();
        if streaming {
            self.report(
                raw.span.clone(),
                "automated labeling is not available for streaming jobs",
                "remove this",
                Some("remove `input_sns_topic` or `[automated_labeling]`".to_owned()),
            );
            return None;
        }
        let Some(own) = task.auto_labeling else {
            let supported: Vec<&str> = catalog::task_types::TASK_TYPES
                .iter()
                .filter(|t| t.auto_labeling.is_some())
                .map(|t| t.name)
                .collect();
            self.report(
                raw.span.clone(),
                format!("`{}` jobs cannot use automated labeling", task.name),
                "not available",
                Some(format!(
                    "automated labeling exists for {}",
                    suggest::list(&supported)
                )),
            );
            return None;
        };
        let arn = catalog::arns::algorithm(&region, task)?;
        if let Some(a) = self.expand_opt(raw.algorithm.as_ref()) {
            let matches = a.value == own
                || (a.value.starts_with("arn:") && a.value.ends_with(&format!("/{own}")));
            if !matches {
                self.report(
                    a.span.clone(),
                    format!(
                        "algorithm `{}` does not label `{}` jobs",
                        a.value, task.name
                    ),
                    "wrong algorithm",
                    Some(format!(
                        "`{}` jobs use `{own}` (or remove `algorithm`; gtplan picks it)",
                        task.name
                    )),
                );
                return None;
            }
        }
        let model = self.expand_opt(raw.initial_model.as_ref()).and_then(|m| {
            self.check(&m.span, checks::model_arn(&m.value, &region))?;
            Some(m.value)
        });
        let volume = self
            .expand_opt(raw.volume_kms_key_id.as_ref())
            .and_then(|k| {
                self.check(&k.span, checks::kms_key(&k.value))?;
                kms_keys.insert(k.value.clone());
                Some(k.value)
            });
        let vpc = self.vpc(raw)?;
        Some(Some(AutomatedLabeling {
            algorithm_specification_arn: arn,
            initial_active_learning_model_arn: model,
            volume_kms_key_id: volume,
            vpc,
        }))
    }

    /// `security_group_ids` and `subnets` of automated labeling: both or neither.
    #[expect(
        clippy::option_option,
        reason = "outer `None`: invalid and reported; inner `None`: not set in the plan"
    )]
    pub(super) fn vpc(&mut self, raw: &RawAutomatedLabeling) -> Option<Option<VpcConfig>> {
        let ids = |r: &mut Self,
                   list: Option<&Located<Vec<Str>>>,
                   max: usize,
                   what: &str|
         -> Option<Vec<String>> {
            let list = list?;
            if list.value.is_empty() || list.value.len() > max {
                r.report(
                    list.span.clone(),
                    format!("{} {what} listed", list.value.len()),
                    format!("1-{max} {what}"),
                    Some(format!("a VPC config takes 1 to {max} {what}")),
                );
            }
            let mut out = Vec::new();
            for item in &list.value {
                if let Some(id) = r.expand(item)
                    && r.check(&id.span, checks::vpc_id(&id.value)).is_some()
                {
                    out.push(id.value);
                }
            }
            Some(out)
        };
        let groups = ids(self, raw.security_group_ids.as_ref(), 5, "security groups");
        let subnets = ids(self, raw.subnets.as_ref(), 16, "subnets");
        match (groups, subnets) {
            (None, None) => Some(None),
            (Some(security_group_ids), Some(subnets)) => Some(Some(VpcConfig {
                security_group_ids,
                subnets,
            })),
            _ => {
                self.report(
                    raw.span.clone(),
                    "a VPC config needs both `security_group_ids` and `subnets`",
                    "incomplete VPC config",
                    None,
                );
                None
            }
        }
    }
}
