//! The tera templates that generate policies and label configs. The defaults in `templates/`
//! are compiled into the binary; a plan's `[templates]` table may replace any of them with a
//! file. Output must be JSON: a template that renders something else is reported with the
//! template's name and the line of the rendered text. (Worker UI templates are Liquid for
//! Ground Truth and never pass through here.)

use crate::error_chain::error_chain;
use std::path::Path;

use super::error::{Problem, SourceFile};
use super::reader::Located;

/// The four generated documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    BucketPolicy,
    RoleTrustPolicy,
    RolePolicy,
    LabelConfig,
}

impl TemplateKind {
    pub const ALL: [TemplateKind; 4] = [
        TemplateKind::BucketPolicy,
        TemplateKind::RoleTrustPolicy,
        TemplateKind::RolePolicy,
        TemplateKind::LabelConfig,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            TemplateKind::BucketPolicy => "bucket-policy.json.tera",
            TemplateKind::RoleTrustPolicy => "role-trust-policy.json.tera",
            TemplateKind::RolePolicy => "role-policy.json.tera",
            TemplateKind::LabelConfig => "label-config.json.tera",
        }
    }

    /// The key in `[templates]` that overrides it.
    pub fn key(self) -> &'static str {
        match self {
            TemplateKind::BucketPolicy => "bucket_policy",
            TemplateKind::RoleTrustPolicy => "role_trust_policy",
            TemplateKind::RolePolicy => "role_policy",
            TemplateKind::LabelConfig => "label_config",
        }
    }

    pub fn built_in(self) -> &'static str {
        match self {
            TemplateKind::BucketPolicy => include_str!("../../templates/bucket-policy.json.tera"),
            TemplateKind::RoleTrustPolicy => {
                include_str!("../../templates/role-trust-policy.json.tera")
            }
            TemplateKind::RolePolicy => include_str!("../../templates/role-policy.json.tera"),
            TemplateKind::LabelConfig => include_str!("../../templates/label-config.json.tera"),
        }
    }
}

/// The templates a plan renders with: built in, or read from the plan's overrides.
pub struct Templates {
    tera: tera::Tera,
    /// The name each template goes by in messages, indexed like `TemplateKind::ALL`.
    names: [String; 4],
}

fn index(kind: TemplateKind) -> usize {
    TemplateKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default()
}

impl Templates {
    /// Loads every template; `overrides` are the `[templates]` paths (already expanded),
    /// relative to `plan_dir`. Problems point at the override's value in the plan file.
    pub fn load(
        plan: &SourceFile,
        plan_dir: &Path,
        overrides: &[(TemplateKind, Located<String>)],
    ) -> Result<Self, Vec<Problem>> {
        let mut tera = tera::Tera::default();
        // Templates produce JSON, never HTML: no escaping (values go through `json_encode`).
        tera.autoescape_on(Vec::new());
        let mut names: [String; 4] =
            TemplateKind::ALL.map(|k| format!("templates/{} (built in)", k.file_name()));
        let mut problems = Vec::new();
        for kind in TemplateKind::ALL {
            let custom = overrides.iter().find(|(k, _)| *k == kind);
            let text = match custom {
                None => kind.built_in().to_owned(),
                Some((_, path)) => {
                    let full = plan_dir.join(&path.value);
                    names[index(kind)] = full.display().to_string();
                    match super::files::read_text(&full, super::files::MAX_TEXT_BYTES) {
                        Ok(text) => text,
                        Err(e) => {
                            problems.push(
                                Problem::at(
                                    plan,
                                    path.span.clone(),
                                    format!(
                                        "template `{}` for `templates.{}` {e}",
                                        full.display(),
                                        kind.key()
                                    ),
                                    "this file",
                                )
                                .help(format!(
                                    "paths in a plan are relative to the plan file's folder `{}`",
                                    plan_dir.display()
                                )),
                            );
                            continue;
                        }
                    }
                }
            };
            if let Err(e) = tera.add_raw_template(&names[index(kind)], &text) {
                let mut p = Problem::plain(format!(
                    "template `{}` does not parse: {}",
                    names[index(kind)],
                    error_chain(&e)
                ))
                .help("see https://keats.github.io/tera/docs/ for the template syntax");
                if let Some((_, path)) = custom {
                    p = Problem::at(plan, path.span.clone(), p.message, "this template")
                        .help(p.help.unwrap_or_default());
                }
                problems.push(p);
            }
        }
        if problems.is_empty() {
            Ok(Self { tera, names })
        } else {
            Err(problems)
        }
    }

    /// Renders a template and parses its output as JSON.
    pub fn render(
        &self,
        kind: TemplateKind,
        context: &tera::Context,
    ) -> Result<serde_json::Value, Problem> {
        let name = &self.names[index(kind)];
        let rendered = self.tera.render(name, context).map_err(|e| {
            Problem::plain(format!(
                "template `{name}` failed to render: {}",
                error_chain(&e)
            ))
            .help(format!(
                "the template may use: {}",
                context_keys(context).join(", ")
            ))
        })?;
        serde_json::from_str(&rendered).map_err(|e| {
            let offset = offset_of(&rendered, e.line(), e.column());
            let source = SourceFile::new(format!("{name}, rendered"), rendered.clone());
            let end = (offset + 1).min(rendered.len());
            Problem::at(
                &source,
                offset..end.max(offset),
                format!(
                    "template `{name}` did not render valid JSON (line {} of its output): {}",
                    e.line(),
                    json_error_message(&e)
                ),
                "here",
            )
            .help("templates must produce JSON: check commas between conditional blocks and quote values with `| json_encode()`")
        })
    }
}

/// serde_json's message without its " at line L column C" (the report shows the position).
pub fn json_error_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_owned(),
        None => text,
    }
}

/// The top-level variables of a context, for hints.
fn context_keys(context: &tera::Context) -> Vec<String> {
    match context.clone().into_json() {
        serde_json::Value::Object(map) => map.keys().map(|k| format!("`{k}`")).collect(),
        _ => Vec::new(),
    }
}

/// Byte offset of a 1-based line and column (serde_json's convention).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return (offset + column.saturating_sub(1)).min(text.len());
        }
        offset += l.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built_in() -> Templates {
        let plan = SourceFile::new("plan.toml", String::new());
        Templates::load(&plan, Path::new("."), &[]).expect("built-in templates parse")
    }

    #[test]
    fn built_in_templates_render_json() {
        let t = built_in();
        let mut cx = tera::Context::new();
        cx.insert("bucket", "b");
        cx.insert("bucket_arn", "arn:aws:s3:::b");
        cx.insert("objects_arn", "arn:aws:s3:::b/*");
        let policy = t.render(TemplateKind::BucketPolicy, &cx).expect("renders");
        assert_eq!(
            policy["Statement"][0]["Resource"][1],
            serde_json::json!("arn:aws:s3:::b/*")
        );

        let mut cx = tera::Context::new();
        cx.insert("labels", &["cat", "dog \"quoted\""]);
        cx.insert("format", "simple");
        let labels = t.render(TemplateKind::LabelConfig, &cx).expect("renders");
        assert_eq!(
            labels,
            serde_json::json!({"document-version": "2018-11-28",
                "labels": [{"label": "cat"}, {"label": "dog \"quoted\""}]})
        );
    }

    #[test]
    fn role_policy_is_valid_with_and_without_optional_statements() {
        let t = built_in();
        let mut cx = tera::Context::new();
        for key in [
            "read_objects",
            "list_buckets",
            "write_objects",
            "kms_keys",
            "invoke_functions",
        ] {
            cx.insert(key, &Vec::<String>::new());
        }
        cx.insert("pass_role", &false);
        cx.insert("role_arn", "arn:aws:iam::000000000000:role/r");
        cx.insert("region", "eu-west-1");
        cx.insert("account_id", "000000000000");
        let minimal = t.render(TemplateKind::RolePolicy, &cx).expect("renders");
        // Metrics, and logs to Ground Truth's log group only.
        assert_eq!(minimal["Statement"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            minimal["Statement"][1]["Resource"],
            "arn:aws:logs:eu-west-1:000000000000:log-group:/aws/sagemaker/LabelingJobs:*"
        );
        for key in [
            "read_objects",
            "list_buckets",
            "write_objects",
            "kms_keys",
            "invoke_functions",
        ] {
            cx.insert(key, &["arn:x"]);
        }
        cx.insert("pass_role", &true);
        let full = t.render(TemplateKind::RolePolicy, &cx).expect("renders");
        assert_eq!(full["Statement"].as_array().map(Vec::len), Some(8));
    }

    #[test]
    fn offsets_follow_lines_and_columns() {
        assert_eq!(offset_of("ab\ncd\n", 2, 2), 4);
        assert_eq!(offset_of("ab", 1, 1), 0);
    }
}
