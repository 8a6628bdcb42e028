//! A checked walk over the spanned TOML tree: each table hands out its keys by type, remembers
//! which keys were asked for, and reports the rest as unknown (with a "did you mean"). Type
//! errors and unknown keys are collected, not returned, so one run reports every problem.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{Problem, Problems, SourceFile};
use super::suggest::did_you_mean;

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl<T> Located<T> {
    pub fn new(value: T, span: Range<usize>) -> Self {
        Self { value, span }
    }
}

/// A key and its string value, both with their positions.
pub type KeyValue = (Located<String>, Located<String>);

/// The plan file's text and the problems found in it so far.
pub struct Cx<'s> {
    pub src: &'s SourceFile,
    pub problems: Problems,
}

impl Cx<'_> {
    pub fn at(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let mut p = Problem::at(self.src, span, message, label);
        p.help = help;
        self.problems.push(p);
    }
}

/// One TOML table being read.
pub struct Table<'a, 'i> {
    entries: &'a DeTable<'i>,
    /// Dotted path for messages (`jobs.pets`); empty for the top level.
    pub path: String,
    /// The table's header (or its key for inline and dotted tables).
    pub span: Range<usize>,
    used: Vec<&'static str>,
}

fn article(type_name: &str) -> &'static str {
    match type_name {
        "integer" | "array" | "inline table" => "an",
        _ => "a",
    }
}

/// "a string", "an integer", ... for messages.
pub fn describe_type(value: &DeValue<'_>) -> String {
    let t = value.type_str();
    format!("{} {t}", article(t))
}

impl<'a, 'i> Table<'a, 'i> {
    pub fn root(table: &'a DeTable<'i>, span: Range<usize>) -> Self {
        Self {
            entries: table,
            path: String::new(),
            span,
            used: Vec::new(),
        }
    }

    /// The TOML table itself, for tables with free-form keys such as `[vars]`.
    pub fn inner(&self) -> &'a DeTable<'i> {
        self.entries
    }

    /// "in `jobs.pets`" or "at the top level".
    pub fn place(&self) -> String {
        if self.path.is_empty() {
            "at the top level of the plan".to_owned()
        } else {
            format!("in `{}`", self.path)
        }
    }

    fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Spanned<DeValue<'i>>> {
        if !self.used.contains(&key) {
            self.used.push(key);
        }
        self.entries.get(key)
    }

    fn wrong_type(&self, cx: &mut Cx<'_>, key: &str, value: &Spanned<DeValue<'_>>, expected: &str) {
        let found = value.get_ref();
        let help = match (expected, found) {
            ("an integer", DeValue::String(s)) if s.trim().parse::<i64>().is_ok() => Some(format!(
                "write the number without quotes: `{key} = {}`",
                s.trim()
            )),
            ("`true` or `false`", DeValue::String(s)) if matches!(s.trim(), "true" | "false") => {
                Some(format!("write it without quotes: `{key} = {}`", s.trim()))
            }
            ("a string", DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_)) => {
                Some(format!("quote the value: `{key} = \"...\"`"))
            }
            _ => None,
        };
        cx.at(
            value.span(),
            format!(
                "`{key}` {} must be {expected}, not {}",
                self.place(),
                describe_type(found)
            ),
            format!("expected {expected}"),
            help,
        );
    }

    fn missing(&self, cx: &mut Cx<'_>, key: &str, example: &str) {
        let (message, help) = if self.path.is_empty() {
            (
                format!("missing key `{key}` at the top level of the plan"),
                format!("add `{key} = {example}` before the first table"),
            )
        } else {
            (
                format!("missing key `{key}` in `{}`", self.path),
                format!("add `{key} = {example}` to `[{}]`", self.path),
            )
        };
        cx.at(self.span.clone(), message, "", Some(help));
    }

    pub fn string(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Located<String>> {
        let value = self.get(key)?;
        if let Some(s) = value.get_ref().as_str() {
            Some(Located::new(s.to_owned(), value.span()))
        } else {
            self.wrong_type(cx, key, value, "a string");
            None
        }
    }

    /// A string that must be there; `example` shows its form in the hint.
    pub fn required_string(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
        example: &str,
    ) -> Option<Located<String>> {
        if self.entries.get(key).is_none() {
            self.get(key);
            self.missing(cx, key, example);
            return None;
        }
        self.string(cx, key)
    }

    pub fn integer(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Located<i64>> {
        let value = self.get(key)?;
        let parsed = value
            .get_ref()
            .as_integer()
            .map(|i| i64::from_str_radix(i.as_str(), i.radix()));
        match parsed {
            Some(Ok(n)) => Some(Located::new(n, value.span())),
            Some(Err(_)) => {
                cx.at(
                    value.span(),
                    format!("`{key}` {} is out of range", self.place()),
                    "too large",
                    None,
                );
                None
            }
            None => {
                self.wrong_type(cx, key, value, "an integer");
                None
            }
        }
    }

    pub fn boolean(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Located<bool>> {
        let value = self.get(key)?;
        if let Some(b) = value.get_ref().as_bool() {
            Some(Located::new(b, value.span()))
        } else {
            self.wrong_type(cx, key, value, "`true` or `false`");
            None
        }
    }

    /// An array of strings; elements of other types are reported one by one.
    pub fn string_list(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
    ) -> Option<Located<Vec<Located<String>>>> {
        let value = self.get(key)?;
        let Some(array) = value.get_ref().as_array() else {
            self.wrong_type(cx, key, value, "an array of strings");
            return None;
        };
        let mut items = Vec::new();
        for item in array {
            if let Some(s) = item.get_ref().as_str() {
                items.push(Located::new(s.to_owned(), item.span()));
            } else {
                cx.at(
                    item.span(),
                    format!(
                        "`{key}` {} must be an array of strings, but this element is {}",
                        self.place(),
                        describe_type(item.get_ref())
                    ),
                    "expected a string",
                    None,
                );
            }
        }
        Some(Located::new(items, value.span()))
    }

    /// A table of string values, such as `tags = { team = "ml" }`.
    pub fn string_map(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
    ) -> Option<Located<Vec<KeyValue>>> {
        let value = self.get(key)?;
        let Some(table) = value.get_ref().as_table() else {
            self.wrong_type(cx, key, value, "a table of strings");
            return None;
        };
        let mut entries = Vec::new();
        for (k, v) in table {
            let name = Located::new(k.get_ref().to_string(), k.span());
            if let Some(s) = v.get_ref().as_str() {
                entries.push((name, Located::new(s.to_owned(), v.span())));
            } else {
                cx.at(
                    v.span(),
                    format!(
                        "`{}.{}` must be a string, not {}",
                        self.child_path(key),
                        name.value,
                        describe_type(v.get_ref())
                    ),
                    "expected a string",
                    Some("quote the value".to_owned()),
                );
            }
        }
        Some(Located::new(entries, value.span()))
    }

    /// A nested table (`[jobs.pets.automated_labeling]` or an inline table).
    pub fn table(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Table<'a, 'i>> {
        let value = self.get(key)?;
        if let Some(table) = value.get_ref().as_table() {
            Some(Table {
                entries: table,
                path: self.child_path(key),
                span: value.span(),
                used: Vec::new(),
            })
        } else {
            self.wrong_type(cx, key, value, "a table");
            None
        }
    }

    /// A table of named tables (`[buckets.data]`, `[buckets.logs]`): each entry's name and table.
    pub fn named_tables(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
        example: &str,
    ) -> Vec<(Located<String>, Table<'a, 'i>)> {
        let Some(outer) = self.table(cx, key) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, value) in outer.entries {
            let path = format!("{key}.{}", name.get_ref());
            if let Some(table) = value.get_ref().as_table() {
                out.push((
                    Located::new(name.get_ref().to_string(), name.span()),
                    Table {
                        entries: table,
                        path,
                        span: value.span(),
                        used: Vec::new(),
                    },
                ));
            } else {
                cx.at(
                    value.span(),
                    format!(
                        "`{path}` must be a table, not {}",
                        describe_type(value.get_ref())
                    ),
                    "expected a table",
                    Some(format!(
                        "write it as a table: `[{key}.{}]` {example}",
                        name.get_ref()
                    )),
                );
            }
        }
        out
    }

    /// An array of tables (`[[buckets.data.cors_rules]]`).
    pub fn table_list(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
    ) -> Option<Located<Vec<Table<'a, 'i>>>> {
        let value = self.get(key)?;
        let Some(array) = value.get_ref().as_array() else {
            self.wrong_type(cx, key, value, "an array of tables");
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in array.iter().enumerate() {
            if let Some(table) = item.get_ref().as_table() {
                out.push(Table {
                    entries: table,
                    path: format!("{}[{i}]", self.child_path(key)),
                    span: item.span(),
                    used: Vec::new(),
                });
            } else {
                cx.at(
                    item.span(),
                    format!(
                        "`{key}` {} must be an array of tables, but this element is {}",
                        self.place(),
                        describe_type(item.get_ref())
                    ),
                    "expected a table",
                    None,
                );
            }
        }
        Some(Located::new(out, value.span()))
    }

    /// Reports every key that no reader asked for.
    pub fn finish(self, cx: &mut Cx<'_>) {
        for (key, _) in self.entries {
            let name = key.get_ref().as_ref();
            if self.used.contains(&name) {
                continue;
            }
            let help = if let Some(close) = did_you_mean(name, &self.used) {
                format!("did you mean `{close}`?")
            } else {
                let mut known = self.used.clone();
                known.sort_unstable();
                format!("the keys allowed here are {}", super::suggest::list(&known))
            };
            cx.at(
                key.span(),
                format!("unknown key `{name}` {}", self.place()),
                "unknown key",
                Some(help),
            );
        }
    }
}

/// The part `at` (a byte range in the value) of a string value, when the file spells the value
/// literally; otherwise the whole value (escapes shift the offsets).
pub fn sub_span(src: &SourceFile, value: &Located<String>, at: &Range<usize>) -> Range<usize> {
    let whole = value.span.clone();
    let Some(written) = src.text().get(whole.clone()) else {
        return whole;
    };
    let quote = if written.starts_with("\"\"\"") || written.starts_with("'''") {
        3
    } else if written.starts_with('"') || written.starts_with('\'') {
        1
    } else {
        return whole;
    };
    let inner = written.get(quote..written.len().saturating_sub(quote));
    if inner == Some(value.value.as_str()) && at.end <= value.value.len() {
        whole.start + quote + at.start..whole.start + quote + at.end
    } else {
        whole
    }
}
