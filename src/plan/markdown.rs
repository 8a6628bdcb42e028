//! The plan as Markdown for a pull request comment (`gtplan plan --markdown`): a summary
//! table, then each change with its fields, JSON documents (policies) as fenced `diff` blocks,
//! then the estimated cost. Renders on GitHub and GitLab alike.

use std::fmt::Write as _;

use super::cost;
use super::model::{Action, Change, Plan};
use super::render::{document_diff, field_line, outcome};

pub fn markdown(plan: &Plan) -> String {
    let mut out = format!("### {}\n\n", plan.title());
    let active: Vec<&Change> = plan.active().collect();
    let s = plan.summary();
    if active.is_empty() {
        out.push_str(if s.wait > 0 {
            "**No changes now.** Chained jobs wait for their input job; a later apply creates them.\n"
        } else {
            "**No changes.** Your infrastructure matches the plan.\n"
        });
    } else {
        let _ = writeln!(
            out,
            "**Plan: {} to create, {} to update, {} to stop, {} to destroy.**\n",
            s.create, s.update, s.stop, s.delete
        );
        out.push_str("| | Resource | Name | Action | Why |\n| --- | --- | --- | --- | --- |\n");
        for c in &active {
            let _ = writeln!(
                out,
                "| {} | `{}` | `{}` | {} | {} |",
                mark(c.action),
                c.address,
                cell(&c.name),
                verb(c.action),
                cell(&c.reason)
            );
        }
        out.push('\n');
        for c in &active {
            change(&mut out, c);
        }
    }
    let waiting: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Wait)
        .collect();
    if !waiting.is_empty() {
        out.push_str("\n#### Waiting for their input job\n\n");
        for c in waiting {
            let _ = writeln!(out, "- `{}` (`{}`): {}", c.address, c.name, c.reason);
        }
    }
    if let Some(cost) = &plan.cost {
        out.push_str(
            "\n#### Estimated workers' fees (USD)\n\n| Job | Amount | How |\n| --- | --- | --- |\n",
        );
        for job in &cost.jobs {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                job.address,
                job.amount_mills
                    .map_or_else(|| "unknown".to_owned(), cost::dollars),
                cell(&job.basis)
            );
        }
        let _ = writeln!(
            out,
            "| **Total** | **{}{}** | |\n\nNot included: {}.",
            if cost.complete { "" } else { "at least " },
            cost::dollars(cost.total_mills),
            cost::NOT_INCLUDED.join("; ")
        );
    }
    out
}

/// One change: a heading, its one-line fields as a list, its documents as diff blocks.
fn change(out: &mut String, c: &Change) {
    let _ = writeln!(
        out,
        "<details><summary>{} <code>{}</code> will be {} ({})</summary>\n",
        mark(c.action),
        c.address,
        outcome(c.action),
        html(&c.reason)
    );
    if let Some(note) = &c.note {
        let _ = writeln!(out, "{}\n", html(note));
    }
    let (documents, lines): (Vec<_>, Vec<_>) = c.fields.iter().partition(|f| f.is_document);
    if !lines.is_empty() {
        out.push_str("```diff\n");
        for f in lines {
            // `diff` highlighting keys on the first character: `~` becomes `!` (changed).
            let line = field_line(f);
            let line = line
                .strip_prefix('~')
                .map_or(line.clone(), |rest| format!("!{rest}"));
            let _ = writeln!(out, "{line}");
        }
        out.push_str("```\n\n");
    }
    for f in documents {
        let _ = writeln!(out, "`{}`:\n\n```diff", f.field);
        for line in document_diff(f.before.as_ref(), f.after.as_ref()) {
            let _ = writeln!(out, "{line}");
        }
        out.push_str("```\n\n");
    }
    out.push_str("</details>\n\n");
}

fn mark(action: Action) -> &'static str {
    match action {
        Action::Create => "🟢 +",
        Action::Update => "🟡 ~",
        Action::Stop => "🟠 !",
        Action::Delete => "🔴 -",
        Action::NoOp | Action::Wait => "",
    }
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Stop => "stop",
        Action::Delete => "destroy",
        Action::NoOp => "none",
        Action::Wait => "wait",
    }
}

/// Text safe inside a table cell: no pipes or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Text safe inside HTML (the `<details>` summary).
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::diff::diff;
    use crate::plan::diff::fixture::{applied, bucket_mut, desired, empty};

    #[test]
    fn fresh_create() {
        let d = desired();
        let plan = diff(&d, &empty(&d)).expect("plans");
        insta::assert_snapshot!("markdown_fresh_create", markdown(&plan));
    }

    #[test]
    fn policy_update_is_a_diff_block() {
        let d = desired();
        let mut o = applied(&d);
        let bucket = bucket_mut(&mut o, "bucket.data");
        bucket
            .tags
            .insert("team".to_owned(), "data|science".to_owned());
        let mut policy = crate::plan::diff::fixture::bucket_policy();
        policy["Statement"][0]["Effect"] = serde_json::json!("Allow");
        bucket.policy = Some(policy);
        let plan = diff(&d, &o).expect("plans");
        let md = markdown(&plan);
        assert!(md.contains("| 🟡 ~ | `bucket.data` |"), "{md}");
        assert!(md.contains("```diff\n"), "{md}");
        assert!(md.contains("-       \"Effect\": \"Allow\","), "{md}");
        assert!(md.contains("+       \"Effect\": \"Deny\","), "{md}");
        assert!(
            md.contains("! tags.team: \"data|science\" -> \"ml\""),
            "{md}"
        );
    }

    #[test]
    fn no_changes() {
        let d = desired();
        let plan = diff(&d, &applied(&d)).expect("plans");
        assert!(markdown(&plan).contains("**No changes.**"));
    }
}
