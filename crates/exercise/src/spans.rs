//! Line, column and field path of positions in the exercise TOML, for error messages.
//!
//! Paths look like `inject[3].condition.inject` (array indices from 0, as in the file order).

use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The source text and its spanned parse tree (absent when the text is not valid TOML).
pub struct SourceMap<'a> {
    text: &'a str,
    root: Option<Spanned<DeTable<'a>>>,
}

enum Seg<'p> {
    Key(&'p str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Seg::Key(key));
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(Seg::Index(i));
            }
        }
    }
    out
}

impl<'a> SourceMap<'a> {
    pub fn new(text: &'a str) -> Self {
        SourceMap {
            text,
            root: DeTable::parse(text).ok(),
        }
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// Span of the value at `path`, or of its nearest existing ancestor.
    pub fn span_of(&self, path: &str) -> Option<Range<usize>> {
        let root = self.root.as_ref()?;
        let mut span = root.span();
        let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
        let mut value: Option<&Spanned<DeValue<'_>>> = None;
        for seg in segments(path) {
            let next = match seg {
                Seg::Key(k) => {
                    let t = match (table, value) {
                        (Some(t), None) => Some(t),
                        (_, Some(v)) => v.get_ref().as_table(),
                        _ => None,
                    };
                    t.and_then(|t| {
                        t.iter()
                            .find(|(key, _)| key.get_ref().as_ref() == k)
                            .map(|(_, v)| v)
                    })
                }
                Seg::Index(i) => value
                    .and_then(|v| v.get_ref().as_array())
                    .and_then(|a| a.get(i)),
            };
            match next {
                Some(v) => {
                    span = v.span();
                    value = Some(v);
                    table = None;
                }
                None => break,
            }
        }
        Some(span)
    }

    /// (line, column) of the value at `path` (its nearest existing ancestor; 1:1 if none).
    pub fn locate(&self, path: &str) -> (usize, usize) {
        self.span_of(path)
            .map_or((1, 1), |s| self.line_col(s.start))
    }

    /// The field path at `offset`: the smallest value span containing it, else the last key
    /// that starts before it ("" when nothing does).
    pub fn path_at(&self, offset: usize) -> String {
        let Some(root) = &self.root else {
            return String::new();
        };
        let mut entries = Vec::new();
        collect_table(root.get_ref(), "", &mut entries);
        let containing = entries
            .iter()
            .filter(|e| e.value.start <= offset && offset < e.value.end.max(e.value.start + 1))
            .min_by_key(|e| (e.value.end - e.value.start, std::cmp::Reverse(e.path.len())));
        if let Some(e) = containing {
            return e.path.clone();
        }
        entries
            .iter()
            .filter(|e| e.key.start <= offset)
            .max_by_key(|e| (e.key.start, e.path.len()))
            .map(|e| e.path.clone())
            .unwrap_or_default()
    }
}

struct Entry {
    path: String,
    key: Range<usize>,
    value: Range<usize>,
}

fn collect_table(t: &DeTable<'_>, prefix: &str, out: &mut Vec<Entry>) {
    for (k, v) in t.iter() {
        let path = if prefix.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{prefix}.{}", k.get_ref())
        };
        collect_value(v, &path, k.span(), out);
    }
}

fn collect_value(v: &Spanned<DeValue<'_>>, path: &str, key: Range<usize>, out: &mut Vec<Entry>) {
    match v.get_ref() {
        DeValue::Table(t) => collect_table(t, path, out),
        DeValue::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                let p = format!("{path}[{i}]");
                let k = if e.span().start >= key.start {
                    e.span().start..e.span().start
                } else {
                    key.clone()
                };
                collect_value(e, &p, k, out);
            }
        }
        _ => {}
    }
    out.push(Entry {
        path: path.to_string(),
        key,
        value: v.span(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_lines() {
        let text = "a = 1\n[[inject]]\nid = \"x\"\n\n[[inject]]\nid = \"y\"\nto = [\"t1\", \"t2\"]\n[inject.condition]\ninject = \"x\"\n";
        let m = SourceMap::new(text);
        assert_eq!(m.locate("inject[1].id"), (6, 6));
        assert_eq!(m.locate("inject[1].to[1]"), (7, 13));
        assert_eq!(m.locate("inject[1].condition.inject"), (9, 10));
        let off = text.find("\"t2\"").unwrap();
        assert_eq!(m.path_at(off), "inject[1].to[1]");
        let off = text.find("inject = ").unwrap();
        assert_eq!(m.path_at(off), "inject[1].condition.inject");
    }
}
