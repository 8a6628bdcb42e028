//! A minimal XML writer for query-protocol responses. The shapes are small and fixed, so a
//! string builder with correct escaping is clearer than a general serializer.

use std::fmt::Write;

#[derive(Debug, Default)]
pub struct Xml {
    buf: String,
}

impl Xml {
    pub fn new() -> Self {
        Self::default()
    }

    /// `<tag>escaped text</tag>`
    pub fn elem(&mut self, tag: &str, text: impl AsRef<str>) -> &mut Self {
        let _ = write!(self.buf, "<{tag}>{}</{tag}>", escape(text.as_ref()));
        self
    }

    /// Like [`Xml::elem`] but writes nothing when the value is `None`.
    pub fn opt(&mut self, tag: &str, text: Option<impl AsRef<str>>) -> &mut Self {
        if let Some(t) = text {
            self.elem(tag, t);
        }
        self
    }

    /// `<tag>` ... children written by `f` ... `</tag>`
    pub fn node(&mut self, tag: &str, f: impl FnOnce(&mut Self)) -> &mut Self {
        let _ = write!(self.buf, "<{tag}>");
        f(self);
        let _ = write!(self.buf, "</{tag}>");
        self
    }

    /// A list in the query protocol's shape: `<tag><member>..</member>...</tag>`.
    pub fn members<T>(
        &mut self,
        tag: &str,
        items: impl IntoIterator<Item = T>,
        mut f: impl FnMut(&mut Self, T),
    ) -> &mut Self {
        self.node(tag, |x| {
            for item in items {
                x.node("member", |x| f(x, item));
            }
        })
    }

    pub fn finish(self) -> String {
        self.buf
    }

    pub fn as_str(&self) -> &str {
        &self.buf
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nested_and_escaped() {
        let mut x = Xml::new();
        x.node("Role", |x| {
            x.elem("RoleName", "a<b&c");
            x.opt("Description", None::<&str>);
            x.members("Tags", ["k"], |x, k| {
                x.elem("Key", k);
            });
        });
        assert_eq!(
            x.finish(),
            "<Role><RoleName>a&lt;b&amp;c</RoleName><Tags><member><Key>k</Key></member></Tags></Role>"
        );
    }
}
