//! Rendering a plan for people ([`text`], shaped like Terraform's plan output) and for programs
//! ([`json`], a documented stable schema), and the fields of planning errors
//! ([`error_fields`], which the CLI's error report shows). The last stage of `gtplan plan`;
//! pure functions of the plan.

use std::fmt::Write as _;

use serde_json::{Value, json};
use similar::{ChangeTag, TextDiff};

use super::cost::{self, CostEstimate};
use super::diff::PlanError;
use super::model::{Action, Change, FieldChange, Plan};
use crate::model::Kind;
use crate::policy;

const FIELD_INDENT: &str = "      ";

/// ANSI colours for a terminal: green create, yellow update, red destroy (and stop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    pub enabled: bool,
}

impl Paint {
    pub const NONE: Paint = Paint { enabled: false };

    fn code(action: Action) -> &'static str {
        match action {
            Action::Create => "32",
            Action::Update => "33",
            Action::Stop | Action::Delete => "31",
            Action::NoOp | Action::Wait => "",
        }
    }

    /// `text` in the colour of `action`.
    fn action(self, action: Action, text: &str) -> String {
        let code = Self::code(action);
        if self.enabled && !code.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn bold(self, text: &str) -> String {
        if self.enabled {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// A diff line by its sign: `+` green, `-` red, `~` yellow.
    fn sign(self, sign: char, text: &str) -> String {
        match sign {
            '+' => self.action(Action::Create, text),
            '-' => self.action(Action::Delete, text),
            '~' => self.action(Action::Update, text),
            _ => text.to_owned(),
        }
    }
}

/// The plan as people read it: a header, one block per change with its field-level
/// differences (JSON documents as line diffs), the labeling jobs' status, and a summary line.
pub fn text(plan: &Plan) -> String {
    text_painted(plan, Paint::NONE)
}

/// [`text`], coloured when `paint` says so.
pub fn text_painted(plan: &Plan, paint: Paint) -> String {
    let mut out = format!("{}\n\n", plan.title());
    let active: Vec<&Change> = plan.active().collect();
    if !active.is_empty() {
        out.push_str("Resource actions are indicated with the following symbols:\n");
        for (action, meaning) in [
            (Action::Create, "create"),
            (Action::Update, "update in place"),
            (Action::Stop, "stop (labeling jobs cannot be deleted)"),
            (Action::Delete, "destroy"),
        ] {
            if active.iter().any(|c| c.action == action) {
                let _ = writeln!(out, "  {} {meaning}", paint.action(action, action.symbol()));
            }
        }
        out.push_str("\ngtplan will perform the following actions:\n\n");
        for change in &active {
            block(&mut out, change, paint);
            out.push('\n');
        }
    }
    if let Some(cost) = &plan.cost {
        cost_text(&mut out, cost);
    }
    notes(
        &mut out,
        "Waiting for their input job (a later apply creates them):",
        plan.changes.iter().filter(|c| c.action == Action::Wait),
    );
    notes(
        &mut out,
        "Labeling jobs:",
        plan.changes
            .iter()
            .filter(|c| c.action == Action::NoOp && c.address.kind == Kind::Job),
    );
    notes(
        &mut out,
        "Left alone:",
        plan.changes
            .iter()
            .filter(|c| c.action == Action::NoOp && c.address.kind != Kind::Job),
    );
    if plan.has_changes() {
        let s = plan.summary();
        let _ = writeln!(
            out,
            "{} {} to create, {} to update, {} to stop, {} to destroy.",
            paint.bold("Plan:"),
            s.create,
            s.update,
            s.stop,
            s.delete
        );
    } else if plan.summary().wait > 0 {
        out.push_str("No changes now. Apply again once the jobs above have finished.\n");
    } else {
        out.push_str("No changes. Your infrastructure matches the plan.\n");
    }
    out
}

/// A titled list of no-op changes that carry a note (job status, why something is left alone).
fn notes<'a>(out: &mut String, title: &str, changes: impl Iterator<Item = &'a Change>) {
    let lines: Vec<String> = changes
        .filter_map(|c| {
            let note = c.note.as_ref()?;
            Some(format!("  {} ({}): {note}\n", c.address, c.name))
        })
        .collect();
    if !lines.is_empty() {
        out.push_str(title);
        out.push('\n');
        out.extend(lines);
        out.push('\n');
    }
}

/// What becomes of a resource: "created", "updated in place", ...
pub(super) fn outcome(action: Action) -> &'static str {
    match action {
        Action::NoOp => "left as is",
        Action::Create => "created",
        Action::Update => "updated in place",
        Action::Stop => "stopped",
        Action::Delete => "destroyed",
        Action::Wait => "created later",
    }
}

/// The estimated workers' fees of the jobs the plan creates, and what they leave out.
fn cost_text(out: &mut String, cost: &CostEstimate) {
    out.push_str("Estimated workers' fees of the labeling jobs this plan creates (USD):\n");
    for job in &cost.jobs {
        let amount = job
            .amount_mills
            .map_or_else(|| "unknown".to_owned(), cost::dollars);
        let _ = writeln!(
            out,
            "  {} ({}): {amount} = {}",
            job.address, job.name, job.basis
        );
    }
    let _ = writeln!(
        out,
        "  Total: {}{}",
        if cost.complete { "" } else { "at least " },
        cost::dollars(cost.total_mills)
    );
    let _ = writeln!(out, "  Not included: {}.\n", cost::NOT_INCLUDED.join("; "));
}

fn block(out: &mut String, c: &Change, paint: Paint) {
    let verb = outcome(c.action);
    let _ = writeln!(out, "  # {} will be {verb} ({})", c.address, c.reason);
    if let Some(note) = &c.note {
        let _ = writeln!(out, "  # {note}");
    }
    let head = format!("{} {} \"{}\"", c.action.symbol(), c.address, c.name);
    let _ = writeln!(out, "  {}", paint.action(c.action, &head));
    for f in &c.fields {
        field_lines(out, FIELD_INDENT, f, paint);
    }
}

/// `+`, `-` or `~`: whether a field is added, removed or changed.
pub(super) fn field_sign(f: &FieldChange) -> char {
    match (&f.before, &f.after) {
        (None, Some(_)) => '+',
        (Some(_), None) => '-',
        _ => '~',
    }
}

/// `~ field: before -> after`, `+ field: after`, `- field: before`; documents as line diffs.
fn field_lines(out: &mut String, indent: &str, f: &FieldChange, paint: Paint) {
    let symbol = field_sign(f);
    if f.is_document {
        let _ = writeln!(
            out,
            "{indent}{}",
            paint.sign(symbol, &format!("{symbol} {}:", f.field))
        );
        for line in document_diff(f.before.as_ref(), f.after.as_ref()) {
            let sign = line.chars().next().unwrap_or(' ');
            let _ = writeln!(out, "{indent}    {}", paint.sign(sign, &line));
        }
        return;
    }
    let _ = writeln!(out, "{indent}{}", paint.sign(symbol, &field_line(f)));
}

/// A one-line field change without its indent: `~ field: before -> after`.
pub(super) fn field_line(f: &FieldChange) -> String {
    let symbol = field_sign(f);
    match (&f.before, &f.after) {
        (Some(before), Some(after)) => {
            format!("~ {}: {} -> {}", f.field, one_line(before), one_line(after))
        }
        (None, Some(value)) | (Some(value), None) => {
            format!("{symbol} {}: {}", f.field, one_line(value))
        }
        (None, None) => format!("~ {}: (none)", f.field),
    }
}

fn one_line(value: &Value) -> String {
    value.to_string()
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    text.push('\n');
    text
}

/// A line diff of two JSON documents. When both exist they are compared in their canonical
/// form (the form the planner compares), so key order and AWS's re-encoding never show as
/// changed lines; long unchanged stretches are elided.
pub(super) fn document_diff(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let (old, new) = match (before, after) {
        (Some(b), Some(a)) => (pretty(&policy::canonical(b)), pretty(&policy::canonical(a))),
        (b, a) => (
            b.map(pretty).unwrap_or_default(),
            a.map(pretty).unwrap_or_default(),
        ),
    };
    let diff = TextDiff::from_lines(&old, &new);
    let old_len = old.lines().count();
    let mut lines = Vec::new();
    let mut shown_to = 0;
    for group in diff.grouped_ops(3) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        // Mark the unchanged lines left out before this group.
        if first.old_range().start > shown_to {
            lines.push("  ...".to_owned());
        }
        shown_to = last.old_range().end;
        for op in &group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                let line = change.value().trim_end_matches('\n');
                lines.push(format!("{sign} {line}"));
            }
        }
    }
    if shown_to < old_len && !lines.is_empty() {
        lines.push("  ...".to_owned());
    }
    lines
}

/// The plan for programs (`gtplan plan --json`). The schema is stable within a
/// `format_version`; fields may be added, never renamed or removed:
///
/// ```text
/// {
///   "format_version": 1,               // bumped on incompatible changes
///   "plan": "quickstart",              // the plan's name
///   "region": "us-east-1",
///   "account_id": "123456789012",
///   "has_changes": true,               // false: apply would write nothing
///   "summary": { "create": 2, "update": 1, "stop": 0, "delete": 0 },
///   "changes": [                       // every resource, in apply order, no-ops included
///     {
///       "address": "bucket.data",      // <kind>.<name in the plan file>
///       "name": "gtplan-quickstart",   // the AWS name (bucket, role, s3:// URI, job name)
///       "action": "update",            // noop | create | update | stop | delete
///       "reason": "differs from the plan",
///       "fields": [                    // what differs; `before`/`after` absent = null
///         { "field": "policy", "before": {..}, "after": {..}, "is_document": true }
///       ],
///       "depends_on": ["bucket.data"], // addresses applied first (deletes: after)
///       "steps": ["PutBucketPolicy gtplan-quickstart"],  // the writes, without bodies
///       "note": null                   // e.g. a job's status and label counters
///     }
///   ]
/// }
/// ```
pub fn json(plan: &Plan) -> Value {
    let changes: Vec<Value> = plan
        .changes
        .iter()
        .map(|c| {
            json!({
                "address": c.address.to_string(),
                "name": c.name,
                "action": c.action,
                "reason": c.reason,
                "fields": c.fields.iter().map(|f| json!({
                    "field": f.field,
                    "before": f.before,
                    "after": f.after,
                    "is_document": f.is_document,
                })).collect::<Vec<_>>(),
                "depends_on": c.depends_on.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "steps": c.steps.iter().map(crate::model::Step::describe).collect::<Vec<_>>(),
                "note": c.note,
            })
        })
        .collect();
    let summary = plan.summary();
    json!({
        "format_version": plan.format_version,
        "plan": plan.plan,
        "region": plan.region,
        "account_id": plan.account_id,
        "has_changes": plan.has_changes(),
        "summary": {
            "create": summary.create,
            "update": summary.update,
            "stop": summary.stop,
            "delete": summary.delete,
            "wait": summary.wait,
        },
        "changes": changes,
        "cost": plan.cost.as_ref().map(cost_json),
    })
}

fn cost_json(cost: &CostEstimate) -> Value {
    let usd = |mills: u64| cost::dollars(mills).trim_start_matches('$').to_owned();
    json!({
        "currency": "USD",
        "total": usd(cost.total_mills),
        "complete": cost.complete,
        "jobs": cost.jobs.iter().map(|j| json!({
            "address": j.address.to_string(),
            "name": j.name,
            "workforce": j.workforce,
            "objects": j.objects,
            "workers_per_object": j.workers_per_object,
            "price_per_task": j.price.map(|p| usd(u64::from(p.in_mills()))),
            "amount": j.amount_mills.map(usd),
            "basis": j.basis,
        })).collect::<Vec<_>>(),
        "not_included": cost::NOT_INCLUDED,
    })
}

/// The differing fields of a planning error (an immutable job's changed settings), one per
/// line, as the plan shows them; empty when the error is about no field.
pub fn error_fields(error: &PlanError) -> String {
    let mut out = String::new();
    for f in &error.fields {
        field_lines(&mut out, "  ", f, Paint::NONE);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::desired::{Encryption, PublicAccessBlock};
    use crate::model::observed::Orphan;
    use crate::plan::diff::fixture::{
        addr, applied, bucket_mut, desired, empty, observed_role, role_mut,
    };
    use crate::plan::diff::{destroy, diff};

    fn pretty_json(plan: &Plan) -> String {
        serde_json::to_string_pretty(&json(plan)).expect("plan JSON serializes")
    }

    #[test]
    fn fresh_create() {
        let d = desired();
        let plan = diff(&d, &empty(&d)).expect("plans");
        insta::assert_snapshot!("fresh_create_text", text(&plan));
        insta::assert_snapshot!("fresh_create_json", pretty_json(&plan));
    }

    #[test]
    fn update_of_each_field_kind() {
        let d = desired();
        let mut o = applied(&d);
        let bucket = bucket_mut(&mut o, "bucket.data");
        let mut policy = crate::plan::diff::fixture::bucket_policy();
        policy["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"] = json!("true");
        bucket.policy = Some(policy);
        bucket.cors.clear();
        bucket.encryption = Some(Encryption::Kms {
            key_id: Some("alias/old".to_owned()),
            bucket_key: false,
        });
        bucket.public_access_block = Some(PublicAccessBlock {
            block_public_policy: false,
            ..PublicAccessBlock::ALL_ON
        });
        bucket.tags.insert("team".to_owned(), "data".to_owned());
        bucket
            .tags
            .insert("cost-center".to_owned(), "42".to_owned());
        let role = role_mut(&mut o, "role.labeling");
        role.trust_policy["Statement"][0]["Condition"] = json!({});
        role.inline_policies
            .get_mut("gtplan-quickstart")
            .expect("policy")["Statement"]
            .as_array_mut()
            .expect("statements")
            .pop();
        role.inline_policies.insert(
            "gtplan-old".to_owned(),
            json!({"Version": "2012-10-17", "Statement": []}),
        );
        role.max_session_duration = 7200;
        role.description = Some("old".to_owned());
        role.tags.insert("owner".to_owned(), "someone".to_owned());
        let object = o
            .uploads
            .get_mut(&addr("upload.labels"))
            .and_then(Option::as_mut)
            .expect("object");
        object.sha256 = Some("0".repeat(64));
        let plan = diff(&d, &o).expect("plans");
        insta::assert_snapshot!("update_text", text(&plan));
        insta::assert_snapshot!("update_json", pretty_json(&plan));
    }

    #[test]
    fn immutable_job_error() {
        let mut d = desired();
        let o = applied(&d);
        let spec = &mut d.jobs.get_mut(&addr("job.pets")).expect("job").spec;
        spec.human_task.task_time_limit_seconds = 600;
        spec.human_task.task_keywords.push("animals".to_owned());
        spec.tags.insert("team".to_owned(), "ml".to_owned());
        let errors = diff(&d, &o).expect_err("a changed job is refused");
        insta::assert_snapshot!(
            "immutable_job_error",
            crate::cli::report::render(&crate::ops::Error::Plan(errors), false)
        );
    }

    #[test]
    fn orphan_role_delete() {
        let d = desired();
        let mut o = applied(&d);
        let mut old = observed_role(&d.roles[&addr("role.labeling")]);
        old.name = "gtplan-quickstart-reviewing".to_owned();
        o.orphans.push(Orphan::Role {
            address: addr("role.reviewing"),
            role: old,
        });
        let plan = diff(&d, &o).expect("plans");
        insta::assert_snapshot!("orphan_role_delete_text", text(&plan));
    }

    #[test]
    fn destroy_with_a_non_empty_bucket() {
        let d = desired();
        let errors = destroy(&d, &applied(&d)).expect_err("refused");
        insta::assert_snapshot!(
            "destroy_non_empty_bucket_error",
            crate::cli::report::render(&crate::ops::Error::Plan(errors), false)
        );
    }

    #[test]
    fn destroy_with_force_destroy() {
        let mut d = desired();
        d.buckets
            .get_mut(&addr("bucket.data"))
            .expect("bucket")
            .force_destroy = true;
        let plan = destroy(&d, &applied(&d)).expect("plans");
        insta::assert_snapshot!("destroy_text", text(&plan));
    }

    #[test]
    fn colours_by_action_only_when_asked() {
        let d = desired();
        let mut o = applied(&d);
        bucket_mut(&mut o, "bucket.data").tags.remove("team");
        o.orphans.push(Orphan::Role {
            address: addr("role.old"),
            role: {
                let mut r = observed_role(&d.roles[&addr("role.labeling")]);
                r.name = "gtplan-quickstart-old".to_owned();
                r
            },
        });
        let plan = diff(&d, &o).expect("plans");
        let painted = text_painted(&plan, Paint { enabled: true });
        assert!(
            painted.contains("\x1b[33m~ bucket.data \"gtplan-quickstart-data\"\x1b[0m"),
            "{painted}"
        );
        assert!(painted.contains("\x1b[31m- role.old"), "{painted}");
        assert!(painted.contains("\x1b[32m+ tags.team"), "{painted}");
        assert_eq!(text(&plan), text_painted(&plan, Paint::NONE));
        assert!(!text(&plan).contains('\x1b'));
    }

    #[test]
    fn no_changes() {
        let d = desired();
        let plan = diff(&d, &applied(&d)).expect("plans");
        insta::assert_snapshot!("no_changes_text", text(&plan));
        let value = json(&plan);
        assert_eq!(value["has_changes"], json!(false));
        assert_eq!(
            value["changes"][4]["note"],
            json!("InProgress, 3 of 10 labeled")
        );
    }
}
