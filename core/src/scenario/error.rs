//! Errors in scenario files, pointing at the place: file, line, column and
//! the field's path (`topics[0].config."min.insync.replicas"`).
//!
//! Positions come from toml's spanned parse tree: a serde error carries the
//! byte span of the bad value, which is mapped to the deepest field that
//! contains it; a semantic error carries a field path, which is mapped back
//! to the span of that field in the file.

use std::fmt;
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// One segment of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A field path in a scenario file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }
    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') && !k.is_empty() {
                        f.write_str(k)?;
                    } else {
                        write!(f, "{k:?}")?;
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// An error in a scenario (or lesson) file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    /// 1-based; 0 when the error has no position (e.g. a missing file).
    pub line: usize,
    /// 1-based, in characters; 0 when unknown.
    pub column: usize,
    /// The field path, or `""` for errors about the whole file.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        } else {
            write!(f, "{}: ", self.file)?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {}

impl ScenarioError {
    /// An error about the whole file (not found, unreadable…).
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        ScenarioError { file: file.to_string(), line: 0, column: 0, path: String::new(), message: message.into() }
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Maps between field paths and byte spans of one file.
pub struct Locator<'i> {
    file: String,
    text: &'i str,
    root: Option<Spanned<DeTable<'i>>>,
}

impl<'i> Locator<'i> {
    /// Parses `text`; a syntax error is returned as a located error.
    pub fn new(file: &str, text: &'i str) -> Result<Self, ScenarioError> {
        match DeTable::parse(text) {
            Ok(root) => Ok(Locator { file: file.to_string(), text, root: Some(root) }),
            Err(e) => {
                let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
                Err(ScenarioError { file: file.to_string(), line, column, path: String::new(), message: format!("TOML syntax error: {}", e.message().trim()) })
            }
        }
    }

    /// An error at the field `path` (or at the nearest existing parent).
    pub fn error_at(&self, path: &FieldPath, message: impl Into<String>) -> ScenarioError {
        let span = self.span_of(path);
        let (line, column) = span.map(|s| line_col(self.text, s.start)).unwrap_or((0, 0));
        ScenarioError { file: self.file.clone(), line, column, path: path.to_string(), message: message.into() }
    }

    /// An error from a serde deserialization failure (carries a span).
    pub fn from_toml(&self, e: &toml::de::Error) -> ScenarioError {
        let span = e.span();
        let (line, column) = span.clone().map(|s| line_col(self.text, s.start)).unwrap_or((0, 0));
        let path = span.map(|s| self.path_at(&s)).unwrap_or_default();
        ScenarioError {
            file: self.file.clone(),
            line,
            column,
            path: if path.0.is_empty() { String::new() } else { path.to_string() },
            message: humanize(e.message()),
        }
    }

    /// The span of the value at `path`, or of the deepest parent that exists.
    pub fn span_of(&self, path: &FieldPath) -> Option<Range<usize>> {
        let root = self.root.as_ref()?;
        let mut best = None;
        let mut cur: Option<&DeValue<'i>> = None;
        let mut table: Option<&DeTable<'i>> = Some(root.get_ref());
        for seg in &path.0 {
            let next: Option<&Spanned<DeValue<'i>>> = match (seg, table, cur) {
                (Seg::Key(k), Some(t), _) => t.iter().find(|(key, _)| key.get_ref().as_ref() == k.as_str()).map(|(key, v)| {
                    best = Some(key.span());
                    v
                }),
                (Seg::Index(i), _, Some(DeValue::Array(a))) => a.get(*i),
                _ => None,
            };
            let Some(v) = next else { break };
            if best.is_none() || matches!(seg, Seg::Index(_)) {
                best = Some(v.span());
            }
            cur = Some(v.get_ref());
            table = match v.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            };
            // Prefer the value's span for leaves, the key's for tables.
            if !matches!(v.get_ref(), DeValue::Table(_) | DeValue::Array(_)) {
                best = Some(v.span());
            }
        }
        best
    }

    /// The deepest field path whose key or value contains the start of
    /// `span`; failing that, the last key that starts before it.
    pub fn path_at(&self, span: &Range<usize>) -> FieldPath {
        let Some(root) = self.root.as_ref() else { return FieldPath::root() };
        let mut nodes = Vec::new();
        collect_table(root.get_ref(), &FieldPath::root(), &mut nodes);
        let at = span.start;
        let inside = |r: &Range<usize>| r.start <= at && at < r.end.max(r.start + 1);
        let best = nodes.iter().filter(|(_, k, v)| k.as_ref().is_some_and(inside) || inside(v)).max_by_key(|(p, _, _)| p.0.len());
        if let Some((p, _, _)) = best {
            return p.clone();
        }
        nodes
            .iter()
            .filter_map(|(p, k, _)| k.as_ref().filter(|k| k.start <= at).map(|k| (k.start, p)))
            .max_by_key(|(s, p)| (*s, p.0.len()))
            .map(|(_, p)| p.clone())
            .unwrap_or_default()
    }
}

type Node = (FieldPath, Option<Range<usize>>, Range<usize>);

fn collect_table(t: &DeTable<'_>, path: &FieldPath, out: &mut Vec<Node>) {
    for (k, v) in t.iter() {
        let p = path.key(k.get_ref());
        out.push((p.clone(), Some(k.span()), v.span()));
        collect_value(v.get_ref(), &p, out);
    }
}

fn collect_value(v: &DeValue<'_>, path: &FieldPath, out: &mut Vec<Node>) {
    match v {
        DeValue::Table(t) => collect_table(t, path, out),
        DeValue::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                let p = path.index(i);
                out.push((p.clone(), None, item.span()));
                collect_value(item.get_ref(), &p, out);
            }
        }
        _ => {}
    }
}

/// Makes serde's messages read well for people writing TOML.
fn humanize(msg: &str) -> String {
    let m = msg
        .trim()
        .replace("expected u32", "expected a non-negative integer")
        .replace("expected u64", "expected a non-negative integer")
        .replace("expected i64", "expected an integer")
        .replace("expected f64", "expected a number");
    m.replace("invalid type: ", "wrong type: ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, 11), (2, 6));
    }

    #[test]
    fn locates_nested_paths_both_ways() {
        let t = "name = \"x\"\n[[topics]]\nname = \"a\"\n[[topics]]\nname = \"b\"\nconfig = { \"retention.ms\" = 5 }\n";
        let l = Locator::new("f.toml", t).unwrap();
        let p = FieldPath::root().key("topics").index(1).key("config").key("retention.ms");
        let e = l.error_at(&p, "bad");
        assert_eq!((e.line, e.path.as_str()), (6, "topics[1].config.\"retention.ms\""));
        let span = l.span_of(&p).unwrap();
        assert_eq!(l.path_at(&span), p);
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = Locator::new("f.toml", "name = \"x\"\nbroken = = 3\n").err().unwrap();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("syntax"));
    }
}
