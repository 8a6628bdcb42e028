//! Worker UI templates rendered the way Ground Truth renders them (fact sheet 2 §4.1): Liquid
//! with its standard tags and filters, every `{{ }}` output HTML-escaped unless it says
//! `skip_autoescape`, and Ground Truth's filters `to_json`, `grant_read_access`,
//! `skip_autoescape` (`escape` and `escape_once` are standard Liquid). One renderer serves
//! `gtplan preview`, the checks of `validate` and `plan`, and the sandbox's `RenderUiTemplate`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, LazyLock};

use liquid::ParserBuilder;
use liquid_core::parser::{FilterArguments, FilterReflection, ParameterReflection, ParseFilter};
use liquid_core::runtime::Runtime;
use liquid_core::{Filter, Value, ValueView};
use regex::Regex;

/// A template that does not parse or render, with the line it points at when Liquid says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// 1-based, when known.
    pub line: Option<usize>,
    pub message: String,
}

/// What `grant_read_access` turns `s3://` URIs into. Ground Truth presigns them; the preview
/// inlines the plan's own files and presigns the rest before rendering (filters cannot wait).
pub type ReadAccess = Arc<BTreeMap<String, String>>;

/// A parsed template, ready to render with a task's input.
pub struct Template {
    inner: liquid::Template,
}

/// Parses `text`. Line numbers in errors are the template's own.
pub fn parse(text: &str, access: ReadAccess) -> Result<Template, TemplateError> {
    let parser = ParserBuilder::with_stdlib()
        .filter(ToJson)
        .filter(SkipAutoescape)
        .filter(Autoescape)
        .filter(GrantReadAccess { urls: access })
        .build()
        .map_err(|e| TemplateError {
            line: None,
            message: e.to_string(),
        })?;
    let inner = parser
        .parse(&autoescaped(text))
        .map_err(|e| error(&e.to_string(), text))?;
    Ok(Template { inner })
}

/// Checks that `text` parses (for `validate` and `plan`).
pub fn check(text: &str) -> Result<(), TemplateError> {
    parse(text, ReadAccess::default()).map(drop)
}

impl Template {
    /// Renders with `task.input` = `input` (a JSON object).
    pub fn render(&self, input: &serde_json::Value) -> Result<String, TemplateError> {
        let task = liquid::object!({ "input": json_to_liquid(input) });
        let globals = liquid::object!({ "task": task });
        self.inner
            .render(&globals)
            .map_err(|e| error(&e.to_string(), ""))
    }
}

/// The `s3://` URIs in a task input, for the caller to grant read access to before rendering.
pub fn s3_uris(input: &serde_json::Value, out: &mut Vec<String>) {
    match input {
        serde_json::Value::String(s) if s.starts_with("s3://") => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| s3_uris(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| s3_uris(v, out)),
        _ => {}
    }
}

fn json_to_liquid(value: &serde_json::Value) -> Value {
    liquid::model::to_value(value).unwrap_or(Value::Nil)
}

/// Liquid's syntax errors carry the position as `--> LINE:COLUMN` and say what is wrong on a
/// `= ...` line; its other errors (an unknown filter or tag) have no position, so the line is
/// found in `text` by the name Liquid reports.
fn error(message: &str, text: &str) -> TemplateError {
    static POSITION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"-->\s*(\d+):(\d+)").expect("valid regex"));
    static REQUESTED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"requested (filter|tag)=([A-Za-z0-9_]+)").expect("valid regex")
    });
    if let Some(c) = POSITION.captures(message) {
        let what = message
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix("= "))
            .unwrap_or("syntax error");
        return TemplateError {
            line: c[1].parse().ok(),
            message: what.to_owned(),
        };
    }
    let first = message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or(message)
        .trim_start_matches("liquid: ");
    let Some(c) = REQUESTED.captures(message) else {
        return TemplateError {
            line: None,
            message: first.to_owned(),
        };
    };
    let (kind, name) = (&c[1], &c[2]);
    let usage = if kind == "filter" {
        format!(r"\|\s*{name}\b")
    } else {
        format!(r"\{{%-?\s*{name}\b")
    };
    let line = Regex::new(&usage)
        .ok()
        .and_then(|re| text.lines().position(|l| re.is_match(l)))
        .map(|i| i + 1);
    // Liquid lists what exists: suggest the nearest (`grant_read_acess` → `grant_read_access`).
    let available: Vec<&str> = message
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("available {kind}s=")))
        .map(|list| list.split(", ").filter(|f| *f != "gt_autoescape").collect())
        .unwrap_or_default();
    let hint = crate::config::suggest::did_you_mean(name, &available)
        .map(|near| format!(" (did you mean `{near}`?)"))
        .unwrap_or_default();
    TemplateError {
        line,
        message: format!("{} `{name}`{hint}", first.to_lowercase()),
    }
}

/// Ground Truth escapes every output unless told otherwise: `{{ x }}` becomes
/// `{{ x | gt_autoescape }}` unless it already escapes or says `skip_autoescape`. Only text
/// inside the braces changes, so line numbers stay the template's.
fn autoescaped(text: &str) -> String {
    static OUTPUT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?s)\{\{(-?)(.*?)(-?)\}\}").expect("valid regex"));
    static ESCAPING: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\|\s*(escape|escape_once|skip_autoescape)\b").expect("valid regex")
    });
    OUTPUT
        .replace_all(text, |c: &regex::Captures<'_>| {
            let (open, body, close) = (&c[1], &c[2], &c[3]);
            if ESCAPING.is_match(body) || body.trim().is_empty() {
                c[0].to_owned()
            } else {
                format!("{{{{{open}{} | gt_autoescape {close}}}}}", body.trim_end())
            }
        })
        .into_owned()
}

/// HTML escaping as Liquid's `escape` does it.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A filter without arguments, by name: `name` and how it maps its input.
macro_rules! simple_filter {
    ($parse:ident, $eval:ident, $name:literal, $description:literal, |$input:ident, $this:ident| $body:expr) => {
        #[derive(Clone)]
        struct $parse;

        impl FilterReflection for $parse {
            fn name(&self) -> &str {
                $name
            }
            fn description(&self) -> &str {
                $description
            }
            fn positional_parameters(&self) -> &'static [ParameterReflection] {
                &[]
            }
            fn keyword_parameters(&self) -> &'static [ParameterReflection] {
                &[]
            }
        }

        impl ParseFilter for $parse {
            fn parse(
                &self,
                arguments: FilterArguments<'_>,
            ) -> liquid_core::Result<Box<dyn Filter>> {
                no_arguments($name, arguments)?;
                Ok(Box::new($eval))
            }
            fn reflection(&self) -> &dyn FilterReflection {
                self
            }
        }

        #[derive(Debug)]
        struct $eval;

        impl fmt::Display for $eval {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($name)
            }
        }

        impl Filter for $eval {
            fn evaluate(
                &self,
                $input: &dyn ValueView,
                _runtime: &dyn Runtime,
            ) -> liquid_core::Result<Value> {
                let $this = self;
                let _ = $this;
                $body
            }
        }
    };
}

fn no_arguments(name: &str, mut arguments: FilterArguments<'_>) -> liquid_core::Result<()> {
    if arguments.positional.next().is_some() || arguments.keyword.next().is_some() {
        return Err(liquid_core::Error::with_msg(format!(
            "`{name}` takes no arguments"
        )));
    }
    Ok(())
}

simple_filter!(
    ToJson,
    ToJsonFilter,
    "to_json",
    "JSON-serialises the value",
    |input, this| {
        let json = serde_json::to_string(&input.to_value())
            .map_err(|e| liquid_core::Error::with_msg(format!("to_json: {e}")))?;
        Ok(Value::scalar(json))
    }
);

simple_filter!(
    SkipAutoescape,
    SkipAutoescapeFilter,
    "skip_autoescape",
    "outputs the value without HTML escaping",
    |input, this| Ok(input.to_value())
);

simple_filter!(
    Autoescape,
    AutoescapeFilter,
    "gt_autoescape",
    "Ground Truth's escaping of every output",
    |input, this| {
        if input.is_nil() {
            return Ok(Value::Nil);
        }
        Ok(Value::scalar(escape_html(&input.to_kstr())))
    }
);

/// `grant_read_access`: an `s3://` URI to a URL a browser can load.
#[derive(Clone)]
struct GrantReadAccess {
    urls: ReadAccess,
}

impl FilterReflection for GrantReadAccess {
    fn name(&self) -> &'static str {
        "grant_read_access"
    }
    fn description(&self) -> &'static str {
        "turns an s3:// URI into a short-lived URL"
    }
    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
}

impl ParseFilter for GrantReadAccess {
    fn parse(&self, arguments: FilterArguments<'_>) -> liquid_core::Result<Box<dyn Filter>> {
        no_arguments("grant_read_access", arguments)?;
        Ok(Box::new(GrantReadAccessFilter {
            urls: self.urls.clone(),
        }))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

#[derive(Debug)]
struct GrantReadAccessFilter {
    urls: ReadAccess,
}

impl fmt::Display for GrantReadAccessFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("grant_read_access")
    }
}

impl Filter for GrantReadAccessFilter {
    fn evaluate(
        &self,
        input: &dyn ValueView,
        _runtime: &dyn Runtime,
    ) -> liquid_core::Result<Value> {
        let uri = input.to_kstr().to_string();
        if !uri.starts_with("s3://") {
            return Err(liquid_core::Error::with_msg(format!(
                "grant_read_access needs an s3:// URI, not `{uri}`"
            )));
        }
        // Unknown URIs stay as they are: the page then shows a broken image, as an object
        // the role cannot read does in Ground Truth.
        Ok(Value::scalar(self.urls.get(&uri).cloned().unwrap_or(uri)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn render(text: &str, input: &serde_json::Value) -> String {
        let access: ReadAccess = Arc::new(
            [(
                "s3://b/cat.png".to_owned(),
                "https://example.test/cat.png?sig=1&x=2".to_owned(),
            )]
            .into(),
        );
        parse(text, access)
            .expect("parses")
            .render(input)
            .expect("renders")
    }

    #[test]
    fn outputs_are_escaped_unless_skipped() {
        let input = json!({"taskObject": "<b>a & b</b>"});
        assert_eq!(
            render("{{ task.input.taskObject }}", &input),
            "&lt;b&gt;a &amp; b&lt;/b&gt;"
        );
        assert_eq!(
            render("{{ task.input.taskObject | escape }}", &input),
            "&lt;b&gt;a &amp; b&lt;/b&gt;",
            "escape is not applied twice"
        );
        assert_eq!(
            render("{{ task.input.taskObject | skip_autoescape }}", &input),
            "<b>a & b</b>"
        );
    }

    #[test]
    fn ground_truth_filters() {
        let input = json!({"taskObject": "s3://b/cat.png", "labels": ["cat", "dog \"big\""]});
        assert_eq!(
            render("{{ task.input.labels | to_json | escape }}", &input),
            "[&quot;cat&quot;,&quot;dog \\&quot;big\\&quot;&quot;]"
        );
        assert_eq!(
            render(
                "<img src=\"{{ task.input.taskObject | grant_read_access }}\">",
                &input
            ),
            "<img src=\"https://example.test/cat.png?sig=1&amp;x=2\">"
        );
    }

    #[test]
    fn objects_iterate_as_pairs_like_the_built_in_templates_expect() {
        let input = json!({"manifestLine": {"m": {"0": {"class-name": "cat"}}}});
        let out = render(
            "{% for entry in task.input.manifestLine.m %}{{ entry[0] }}={{ entry[1][\"class-name\"] }}{% endfor %}",
            &input,
        );
        assert_eq!(out, "0=cat");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = check("<p>\n{{ task.input | }}\n").expect_err("an error");
        assert_eq!(err.line, Some(2), "{err:?}");
        assert_eq!(err.message, "expected Identifier");
        let err = check("<p>\n\n{% if task.input %}\n<b>never closed</b>\n").expect_err("an error");
        assert!(err.message.contains("{% endif %}"), "{err:?}");
        assert!(err.line.is_some(), "{err:?}");
        let err = check("line one\n{{ task.input | no_such_filter }}\n").expect_err("an error");
        assert_eq!(err.line, Some(2), "{err:?}");
        assert!(err.message.contains("no_such_filter"), "{err:?}");
    }

    #[test]
    fn every_built_in_template_parses() {
        for path in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/ui"))
            .expect("templates/ui")
        {
            let path = path.expect("entry").path();
            if path.extension().is_some_and(|e| e == "html") {
                let text = std::fs::read_to_string(&path).expect("read");
                check(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
            }
        }
    }
}
