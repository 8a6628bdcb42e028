//! gtplan's built-in worker UIs (`templates/ui/`): one Liquid template per template-based task
//! type, compiled in. An upload with `worker_ui = "<TaskType>"` gets that template with the
//! plan's header, instructions and audited label attribute filled into its `@@...@@`
//! placeholders. Nothing else is touched: the `{{ }}` and `{% %}` are Liquid for Ground Truth
//! to render per task, so tera never sees these files.

/// `(task type, template)` for every task type whose workers see a template.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "BoundingBox",
        include_str!("../../templates/ui/BoundingBox.liquid.html"),
    ),
    (
        "ImageMultiClass",
        include_str!("../../templates/ui/ImageMultiClass.liquid.html"),
    ),
    (
        "ImageMultiClassMultiLabel",
        include_str!("../../templates/ui/ImageMultiClassMultiLabel.liquid.html"),
    ),
    (
        "SemanticSegmentation",
        include_str!("../../templates/ui/SemanticSegmentation.liquid.html"),
    ),
    (
        "TextMultiClass",
        include_str!("../../templates/ui/TextMultiClass.liquid.html"),
    ),
    (
        "TextMultiClassMultiLabel",
        include_str!("../../templates/ui/TextMultiClassMultiLabel.liquid.html"),
    ),
    (
        "VideoMultiClass",
        include_str!("../../templates/ui/VideoMultiClass.liquid.html"),
    ),
    (
        "VerificationBoundingBox",
        include_str!("../../templates/ui/VerificationBoundingBox.liquid.html"),
    ),
    (
        "AdjustmentBoundingBox",
        include_str!("../../templates/ui/AdjustmentBoundingBox.liquid.html"),
    ),
    (
        "VerificationSemanticSegmentation",
        include_str!("../../templates/ui/VerificationSemanticSegmentation.liquid.html"),
    ),
    (
        "AdjustmentSemanticSegmentation",
        include_str!("../../templates/ui/AdjustmentSemanticSegmentation.liquid.html"),
    ),
    (
        "PassThrough",
        include_str!("../../templates/ui/PassThrough.liquid.html"),
    ),
];

/// What the plan fills into a built-in worker UI.
pub struct Fill<'a> {
    /// Plain text: the question above the task (escaped for an HTML attribute).
    pub header: &'a str,
    /// HTML, inserted as written.
    pub short_instructions: &'a str,
    pub full_instructions: &'a str,
    /// Verification and adjustment templates: the label attribute under review.
    pub audit_label_attribute: Option<&'a str>,
}

/// The built-in template of `task_type`, if it has one.
pub fn template(task_type: &str) -> Option<&'static str> {
    TEMPLATES
        .iter()
        .find(|(name, _)| *name == task_type)
        .map(|(_, t)| *t)
}

/// Whether the template reads the audited job's labels from the manifest line.
pub fn needs_audit_attribute(template: &str) -> bool {
    template.contains("@@AUDIT_LABEL_ATTRIBUTE@@")
}

/// `template` with its placeholders replaced.
pub fn fill(template: &str, fill: &Fill<'_>) -> String {
    template
        .replace("@@HEADER@@", &escape_attribute(fill.header))
        .replace("@@SHORT_INSTRUCTIONS@@", fill.short_instructions)
        .replace("@@FULL_INSTRUCTIONS@@", fill.full_instructions)
        .replace(
            "@@AUDIT_LABEL_ATTRIBUTE@@",
            fill.audit_label_attribute.unwrap_or_default(),
        )
}

fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Ui;
    use crate::catalog::task_types::TASK_TYPES;

    #[test]
    fn every_template_task_type_has_a_complete_template() {
        for t in TASK_TYPES.iter().filter(|t| t.ui == Ui::Template) {
            let template = template(t.name).unwrap_or_else(|| panic!("{} has none", t.name));
            for placeholder in [
                "@@HEADER@@",
                "@@SHORT_INSTRUCTIONS@@",
                "@@FULL_INSTRUCTIONS@@",
            ] {
                assert_eq!(
                    template.matches(placeholder).count(),
                    1,
                    "{} {placeholder}",
                    t.name
                );
            }
            assert_eq!(
                needs_audit_attribute(template),
                t.audits.is_some(),
                "{}",
                t.name
            );
            let filled = fill(
                template,
                &Fill {
                    header: "Is \"this\" <right>?",
                    short_instructions: "<p>short</p>",
                    full_instructions: "<p>full</p>",
                    audit_label_attribute: Some("boxes"),
                },
            );
            for placeholder in [
                "@@HEADER@@",
                "@@SHORT_INSTRUCTIONS@@",
                "@@FULL_INSTRUCTIONS@@",
                "@@AUDIT_LABEL_ATTRIBUTE@@",
            ] {
                assert!(!filled.contains(placeholder), "{} {placeholder}", t.name);
            }
            assert!(
                filled.contains("Is &quot;this&quot; &lt;right&gt;?"),
                "{}",
                t.name
            );
            assert!(filled.contains("<crowd-form>"), "{}", t.name);
        }
        assert!(template("VideoObjectDetection").is_none());
    }
}
