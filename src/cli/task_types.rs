//! `gtplan task-types [--region R] [--json]`: the built-in task-type catalog, as a table for
//! people or as JSON for scripts. With `--region`, the JSON also carries every ARN a job of each
//! type uses there.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::Args;
use serde_json::{Value, json};

use crate::catalog::prices::format_mills;
use crate::catalog::task_types::TASK_TYPES;
use crate::catalog::{LabelConfigFormat, ManifestKey, TaskType, Ui, arns, regions};
use crate::ops::Error;

#[derive(Debug, Args)]
pub struct TaskTypesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// With --json: add the Lambda, worker UI and algorithm ARNs for this region.
    #[arg(long, value_name = "REGION", requires = "json")]
    pub region: Option<String>,
}

pub fn exec(args: &TaskTypesArgs) -> Result<ExitCode, Error> {
    if let Some(region) = &args.region
        && let Err(unsupported) = regions::require(region)
    {
        return Err(Error::user(unsupported.to_string(), unsupported.hint()));
    }
    if args.json {
        let doc = catalog_json(args.region.as_deref());
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print!("{}", table());
    }
    Ok(ExitCode::SUCCESS)
}

fn labels(t: &TaskType) -> String {
    match (t.min_labels, t.max_labels) {
        (0, None) => "any".to_owned(),
        (min, None) => format!("{min}+"),
        (min, Some(max)) => format!("{min}-{max}"),
    }
}

fn ui(t: &TaskType) -> &'static str {
    match t.ui {
        Ui::Template => "template",
        Ui::HumanTaskUi(_) => "AWS-owned",
    }
}

fn manifest_key(t: &TaskType) -> &'static str {
    match t.manifest_key {
        ManifestKey::SourceRef => "source-ref",
        ManifestKey::Source => "source",
        ManifestKey::Any => "either",
    }
}

fn format_name(f: LabelConfigFormat) -> &'static str {
    match f {
        LabelConfigFormat::Simple => "simple",
        LabelConfigFormat::Attribute => "attribute",
        LabelConfigFormat::Custom => "custom",
    }
}

fn mechanical_turk(t: &TaskType) -> String {
    let prices = t.price_family.allowed_mills();
    match (t.mechanical_turk, prices.first(), prices.last()) {
        (true, Some(lo), Some(hi)) => format!("${}-${}", format_mills(*lo), format_mills(*hi)),
        _ => "no".to_owned(),
    }
}

/// The human-readable table: one row per task type, columns sized to their content.
fn table() -> String {
    let header = [
        "TASK TYPE",
        "UI",
        "INPUT",
        "LABELS",
        "CONFIG",
        "-REF",
        "MECHANICAL TURK",
        "AUTO-LABELING",
        "AUDITS",
    ];
    let rows: Vec<[String; 9]> = TASK_TYPES
        .iter()
        .map(|t| {
            [
                t.name.to_owned(),
                ui(t).to_owned(),
                manifest_key(t).to_owned(),
                labels(t),
                format_name(t.label_config).to_owned(),
                if t.label_attribute_ends_with_ref {
                    "yes"
                } else {
                    "no"
                }
                .to_owned(),
                mechanical_turk(t),
                t.auto_labeling.unwrap_or("-").to_owned(),
                t.audits.unwrap_or("-").to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                let _ = write!(out, "{cell:<w$}  ");
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(&header);
    for row in &rows {
        out.push_str(&line(&row.each_ref().map(String::as_str)));
    }
    let _ = write!(
        out,
        "\n{} task types. UI: workers see your Liquid template (`ui_template`) or an AWS-owned UI.\n\
         INPUT: the manifest key of each line. -REF: whether `label_attribute` must end in `-ref`.\n\
         Regions: {}.\n",
        TASK_TYPES.len(),
        regions::supported().collect::<Vec<_>>().join(", ")
    );
    out.push_str(
        "Details of one type, with its ARNs: gtplan task-types --json --region us-east-1\n",
    );
    out
}

/// The catalog as JSON (schema: docs/task-types-json.md).
fn catalog_json(region: Option<&str>) -> Value {
    let types: Vec<Value> = TASK_TYPES
        .iter()
        .map(|t| {
            let mut v = json!({
                "name": t.name,
                "description": t.description,
                "worker_ui": match t.ui {
                    Ui::Template => json!({ "kind": "template" }),
                    Ui::HumanTaskUi(name) => json!({ "kind": "human_task_ui", "name": name }),
                },
                "manifest_key": manifest_key(t),
                "labels": { "min": t.min_labels, "max": t.max_labels },
                "label_config_format": format_name(t.label_config),
                "label_attribute_ends_with_ref": t.label_attribute_ends_with_ref,
                "mechanical_turk": {
                    "allowed": t.mechanical_turk,
                    "prices_usd": t.price_family.allowed_mills().iter()
                        .filter(|_| t.mechanical_turk)
                        .map(|m| format_mills(*m)).collect::<Vec<_>>(),
                },
                "automated_labeling": t.auto_labeling,
                "audits": t.audits,
                "max_objects": t.max_objects,
                "output_type": t.output_type,
            });
            if let (Some(region), Value::Object(map)) = (region, &mut v) {
                map.insert(
                    "arns".to_owned(),
                    json!({
                        "pre_human_task_lambda": arns::pre_lambda(region, t),
                        "annotation_consolidation_lambda": arns::acs_lambda(region, t),
                        "human_task_ui": arns::human_task_ui(region, t),
                        "algorithm_specification": arns::algorithm(region, t),
                        "public_workteam": t.mechanical_turk.then(|| arns::public_workteam(region)),
                    }),
                );
            }
            v
        })
        .collect();
    json!({
        "region": region,
        "regions": regions::supported().collect::<Vec<_>>(),
        "task_types": types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lists_every_type() {
        insta::assert_snapshot!(table());
    }

    #[test]
    fn json_carries_the_region_arns() {
        let doc = catalog_json(Some("eu-west-1"));
        let bb = &doc["task_types"][0];
        assert_eq!(bb["name"], "BoundingBox");
        assert_eq!(
            bb["arns"]["pre_human_task_lambda"],
            "arn:aws:lambda:eu-west-1:568282634449:function:PRE-BoundingBox"
        );
        assert_eq!(doc["task_types"].as_array().map(Vec::len), Some(23));
    }
}
