//! The attribute format of label category configs (3D point cloud and video frame jobs, fact
//! sheet §3.1): label attributes, global attributes, frame attributes, the annotation type and
//! `editsAllowed`, each checked against Ground Truth's limits where the plan writes it.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde_json::{Map, Value, json};

use crate::config::raw::{RawAttribute, RawUpload, StrList};
use crate::config::reader::Located;

use super::Resolver;

const MAX_NAME: usize = 16;
const MAX_ENUM_VALUES: usize = 10;
const MAX_DESCRIPTION: usize = 128;
/// Per label, its own attributes plus the global ones.
const MAX_ATTRIBUTES_PER_LABEL: usize = 10;
/// Free-text (`string` without `enum`) attributes per label.
const MAX_FREE_TEXT_PER_LABEL: usize = 5;
const MAX_FRAME_ATTRIBUTES: usize = 10;
pub const ANNOTATION_TYPES: [&str; 4] = ["BoundingBox", "Polyline", "Polygon", "Keypoint"];
const EDITS_ALLOWED: [&str; 2] = ["none", "any"];

/// The attribute-format parts of a generated label config, in the API's JSON shape.
#[derive(Debug, Clone, Default)]
pub struct AttributeConfig {
    /// The first attribute-format key the upload sets, for "not in the simple format" errors.
    pub first_key: Option<Range<usize>>,
    pub annotation_type: Option<Located<String>>,
    pub edits_allowed: Option<String>,
    pub global: Vec<Value>,
    pub frame: Vec<Value>,
    pub per_label: BTreeMap<String, Vec<Value>>,
}

impl AttributeConfig {
    /// The `labels` entries: `{"label", "categoryAttributes"?, "editsAllowed"?}`.
    pub fn label_entries(&self, labels: &[Located<String>]) -> Vec<Value> {
        labels
            .iter()
            .map(|l| {
                let mut entry = Map::new();
                entry.insert("label".to_owned(), json!(l.value));
                if let Some(attrs) = self.per_label.get(&l.value) {
                    entry.insert("categoryAttributes".to_owned(), json!(attrs));
                }
                if let Some(edits) = &self.edits_allowed {
                    entry.insert("editsAllowed".to_owned(), json!(edits));
                }
                Value::Object(entry)
            })
            .collect()
    }
}

/// Whether an attribute is free text: a string without a list of values.
fn is_free_text(a: &Value) -> bool {
    a["type"] == "string" && a.get("enum").is_none()
}

impl Resolver<'_> {
    /// Reads and checks the attribute-format keys of a `labels` upload.
    pub(super) fn label_attributes(
        &mut self,
        raw: &RawUpload,
        labels: &[Located<String>],
        from: &str,
    ) -> Option<AttributeConfig> {
        let mut out = AttributeConfig {
            first_key: [
                raw.annotation_type.as_ref().map(|v| v.span.clone()),
                raw.edits_allowed.as_ref().map(|v| v.span.clone()),
                raw.global_attributes.as_ref().map(|v| v.span.clone()),
                raw.label_attributes.as_ref().map(|v| v.span.clone()),
                raw.frame_attributes.as_ref().map(|v| v.span.clone()),
            ]
            .into_iter()
            .flatten()
            .min_by_key(|s| s.start),
            ..AttributeConfig::default()
        };
        let mut ok = true;
        if let Some(t) = self.expand_opt(raw.annotation_type.as_ref()) {
            ok &= self.one_of(&t, &ANNOTATION_TYPES, "annotation type");
            out.annotation_type = Some(t);
        }
        if let Some(e) = self.expand_opt(raw.edits_allowed.as_ref()) {
            ok &= self.one_of(&e, &EDITS_ALLOWED, "`edits_allowed` value");
            out.edits_allowed = Some(e.value);
        }
        let label_names: Vec<String> = labels.iter().map(|l| l.value.clone()).collect();

        let (global, global_ok) =
            self.attribute_list(raw.global_attributes.as_ref(), "global_attributes");
        out.global = global;
        ok &= global_ok;
        let (frame, frame_ok) =
            self.attribute_list(raw.frame_attributes.as_ref(), "frame_attributes");
        out.frame = frame;
        ok &= frame_ok;
        if let Some(f) = &raw.frame_attributes
            && f.value.len() > MAX_FRAME_ATTRIBUTES
        {
            self.report(
                f.span.clone(),
                format!("{from} has {} frame attributes", f.value.len()),
                format!("at most {MAX_FRAME_ATTRIBUTES}"),
                Some(format!(
                    "Ground Truth shows at most {MAX_FRAME_ATTRIBUTES} frame attributes"
                )),
            );
            ok = false;
        }

        let per_label = raw.label_attributes.as_ref();
        for a in per_label.map(|l| l.value.as_slice()).unwrap_or_default() {
            let Some((span, value)) = self.attribute(a, false) else {
                ok = false;
                continue;
            };
            let Some(targets) = &a.labels else {
                self.report(
                    span,
                    "a label attribute needs `labels`, the labels it belongs to",
                    "no `labels`",
                    Some("add `labels = [\"...\"]`; an attribute of every label goes in `global_attributes`".to_owned()),
                );
                ok = false;
                continue;
            };
            for target in &targets.value {
                let Some(target) = self.expand(target) else {
                    ok = false;
                    continue;
                };
                if label_names.contains(&target.value) {
                    out.per_label
                        .entry(target.value)
                        .or_default()
                        .push(value.clone());
                } else {
                    self.report(
                        target.span.clone(),
                        format!("`{}` is not one of the labels of {from}", target.value),
                        "unknown label",
                        Some(format!(
                            "the labels are {}",
                            crate::config::suggest::list(&label_names)
                        )),
                    );
                    ok = false;
                }
            }
        }
        if ok && let Some(span) = per_label.map(|p| p.span.clone()).or(out.first_key.clone()) {
            ok &= self.per_label_limits(&out, &span, from);
        }
        ok.then_some(out)
    }

    /// `global_attributes` or `frame_attributes`: each attribute checked, names unique, and no
    /// `labels` key (they apply to every label or frame).
    fn attribute_list(
        &mut self,
        list: Option<&Located<Vec<RawAttribute>>>,
        key: &str,
    ) -> (Vec<Value>, bool) {
        let Some(list) = list else {
            return (Vec::new(), true);
        };
        let frame = key == "frame_attributes";
        let mut ok = true;
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let what = if frame {
            "frame attribute"
        } else {
            "global attribute"
        };
        for a in &list.value {
            ok &= self.refuse_labels_key(a, key);
            let Some((span, v)) = self.attribute(a, frame) else {
                ok = false;
                continue;
            };
            let name = v["name"].as_str().unwrap_or_default().to_owned();
            if !seen.insert(name.clone()) {
                self.report(
                    span,
                    format!("{what} `{name}` is defined twice"),
                    "duplicate name",
                    Some("attribute names must be unique".to_owned()),
                );
                ok = false;
            }
            out.push(v);
        }
        (out, ok)
    }

    /// Names unique per label (global ones included) and the per-label counts.
    fn per_label_limits(
        &mut self,
        config: &AttributeConfig,
        span: &Range<usize>,
        from: &str,
    ) -> bool {
        let global_names: BTreeSet<&str> = config
            .global
            .iter()
            .filter_map(|a| a["name"].as_str())
            .collect();
        let global_free = config.global.iter().filter(|a| is_free_text(a)).count();
        let mut ok = true;
        let labels: Vec<(&str, &[Value])> = config
            .per_label
            .iter()
            .map(|(l, a)| (l.as_str(), a.as_slice()))
            .chain(std::iter::once(("", &[][..])))
            .collect();
        for (label, attrs) in labels {
            let shown = if label.is_empty() {
                "every label".to_owned()
            } else {
                format!("label `{label}`")
            };
            let mut names = BTreeSet::new();
            for name in attrs.iter().filter_map(|a| a["name"].as_str()) {
                if global_names.contains(name) || !names.insert(name) {
                    let twice = if global_names.contains(name) {
                        "is also a global attribute"
                    } else {
                        "is defined twice"
                    };
                    self.report(
                        span.clone(),
                        format!("attribute `{name}` of {shown} in {from} {twice}"),
                        "duplicate attribute",
                        Some(
                            "attribute names are unique per label, global attributes included"
                                .to_owned(),
                        ),
                    );
                    ok = false;
                }
            }
            let total = attrs.len() + config.global.len();
            if total > MAX_ATTRIBUTES_PER_LABEL {
                self.report(
                    span.clone(),
                    format!("{shown} in {from} has {total} attributes"),
                    format!("at most {MAX_ATTRIBUTES_PER_LABEL}"),
                    Some(format!("a label has at most {MAX_ATTRIBUTES_PER_LABEL} attributes, its own and the global ones together")),
                );
                ok = false;
            }
            let free = attrs.iter().filter(|a| is_free_text(a)).count() + global_free;
            if free > MAX_FREE_TEXT_PER_LABEL {
                self.report(
                    span.clone(),
                    format!("{shown} in {from} has {free} free-text attributes"),
                    format!("at most {MAX_FREE_TEXT_PER_LABEL}"),
                    Some(format!("a label has at most {MAX_FREE_TEXT_PER_LABEL} `string` attributes without `enum`; give some of them an `enum`")),
                );
                ok = false;
            }
        }
        ok
    }

    fn refuse_labels_key(&mut self, a: &RawAttribute, list: &str) -> bool {
        let Some(labels) = &a.labels else { return true };
        self.report(
            labels.span.clone(),
            format!("`labels` only applies to `label_attributes`, not to `{list}`"),
            "remove this",
            Some("attributes in `global_attributes` and `frame_attributes` apply to every label and frame".to_owned()),
        );
        false
    }

    fn one_of(&mut self, value: &Located<String>, allowed: &[&str], what: &str) -> bool {
        if allowed.contains(&value.value.as_str()) {
            return true;
        }
        self.report(
            value.span.clone(),
            format!("unknown {what} `{}`", value.value),
            format!("not one of {}", crate::config::suggest::list(allowed)),
            Some(format!(
                "write one of {}",
                crate::config::suggest::list(allowed)
            )),
        );
        false
    }

    /// One attribute in the API's shape, with the span of its table.
    fn attribute(&mut self, a: &RawAttribute, frame: bool) -> Option<(Range<usize>, Value)> {
        let span = a.span.clone();
        let name = a.name.as_ref().and_then(|n| self.expand(n))?;
        let kind = a.kind.as_ref().and_then(|k| self.expand(k))?;
        let mut ok = self.short_text(&name, MAX_NAME, "attribute name");
        ok &= self.one_of(&kind, &["string", "number"], "attribute type");
        let mut v = Map::new();
        v.insert("name".to_owned(), json!(name.value));
        v.insert("type".to_owned(), json!(kind.value));
        let number = kind.value == "number";
        if let Some(values) = &a.values {
            match self.enum_values(values, &name.value, number) {
                Some(list) => {
                    v.insert("enum".to_owned(), json!(list));
                }
                None => ok = false,
            }
        }
        match self.number_range(a, &name.value, number) {
            Some(Some((min, max))) => {
                v.insert("minimum".to_owned(), json!(min));
                v.insert("maximum".to_owned(), json!(max));
            }
            Some(None) => {}
            None => ok = false,
        }
        match self.expand_opt(a.description.as_ref()) {
            Some(d) => {
                ok &= self.short_text(&d, MAX_DESCRIPTION, "description");
                v.insert("description".to_owned(), json!(d.value));
            }
            None if frame => {
                self.report(
                    span.clone(),
                    format!("frame attribute `{}` needs a `description`", name.value),
                    "no description",
                    Some("workers see a frame attribute's description as its question".to_owned()),
                );
                ok = false;
            }
            None => {}
        }
        if let Some(r) = &a.required {
            v.insert("isRequired".to_owned(), json!(r.value));
        }
        if let Some(e) = self.expand_opt(a.edits_allowed.as_ref()) {
            ok &= self.one_of(&e, &EDITS_ALLOWED, "`edits_allowed` value");
            v.insert("editsAllowed".to_owned(), json!(e.value));
        }
        ok.then_some((span, Value::Object(v)))
    }

    /// An attribute's `enum`: strings only, 1-10 unique values of 1-16 characters.
    fn enum_values(&mut self, values: &StrList, name: &str, number: bool) -> Option<Vec<String>> {
        let mut ok = true;
        if number {
            self.report(
                values.span.clone(),
                format!("number attribute `{name}` cannot have an `enum`"),
                "only for strings",
                Some("use `minimum` and `maximum` for numbers".to_owned()),
            );
            ok = false;
        }
        if values.value.is_empty() || values.value.len() > MAX_ENUM_VALUES {
            self.report(
                values.span.clone(),
                format!("attribute `{name}` has {} values", values.value.len()),
                format!("1-{MAX_ENUM_VALUES} values"),
                Some(format!("an `enum` lists 1 to {MAX_ENUM_VALUES} values")),
            );
            ok = false;
        }
        let mut seen = BTreeSet::new();
        let mut list = Vec::new();
        for value in &values.value {
            let Some(value) = self.expand(value) else {
                ok = false;
                continue;
            };
            ok &= self.short_text(&value, MAX_NAME, "enum value");
            if !seen.insert(value.value.clone()) {
                self.report(
                    value.span.clone(),
                    format!("value `{}` is listed twice", value.value),
                    "duplicate",
                    Some("`enum` values must be unique".to_owned()),
                );
                ok = false;
            }
            list.push(value.value);
        }
        ok.then_some(list)
    }

    /// `minimum` and `maximum`: both required for numbers, refused for strings. Outer `None`:
    /// invalid (reported); inner `None`: a string attribute.
    #[expect(
        clippy::option_option,
        reason = "outer `None`: invalid and reported; inner `None`: not a number"
    )]
    fn number_range(
        &mut self,
        a: &RawAttribute,
        name: &str,
        number: bool,
    ) -> Option<Option<(i64, i64)>> {
        match (number, &a.minimum, &a.maximum) {
            (true, Some(min), Some(max)) => {
                if min.value > max.value {
                    self.report(
                        min.span.clone(),
                        format!("`minimum` of attribute `{name}` is above its `maximum`"),
                        "above the maximum",
                        None,
                    );
                    return None;
                }
                Some(Some((min.value, max.value)))
            }
            (true, _, _) => {
                self.report(
                    a.span.clone(),
                    format!("number attribute `{name}` needs `minimum` and `maximum`"),
                    "incomplete",
                    Some(
                        "Ground Truth needs the inclusive integer range of a number attribute"
                            .to_owned(),
                    ),
                );
                None
            }
            (false, None, None) => Some(None),
            (false, min, max) => {
                let span = min
                    .as_ref()
                    .or(max.as_ref())
                    .map_or(a.span.clone(), |m| m.span.clone());
                self.report(
                    span,
                    format!("`minimum` and `maximum` only apply to number attributes, and `{name}` is a string"),
                    "remove this",
                    None,
                );
                None
            }
        }
    }

    fn short_text(&mut self, value: &Located<String>, max: usize, what: &str) -> bool {
        let len = value.value.chars().count();
        if len == 0 || len > max {
            self.report(
                value.span.clone(),
                format!("{what} `{}` is {len} characters long", value.value),
                format!("1-{max} characters"),
                Some(format!(
                    "Ground Truth takes {what}s of 1 to {max} characters"
                )),
            );
            return false;
        }
        true
    }
}
