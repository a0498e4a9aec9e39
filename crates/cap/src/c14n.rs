//! XML canonicalization (W3C Canonical XML 1.0 / 1.1 and Exclusive XML Canonicalization 1.0,
//! both without comments) of a whole document or of one element's subtree.
//!
//! Written from the W3C recommendations (xml-c14n, xml-c14n11, xml-exc-c14n). Canonical XML 1.1
//! differs from 1.0 only in how `xml:id` and `xml:base` are inherited into document subsets;
//! CAP messages use neither, so both are rendered the same way here.

use std::collections::BTreeMap;

use crate::xml_tree::{Document, Element, Node, XML_NS};

/// Canonical XML 1.0 (inclusive), without comments.
pub(crate) const C14N10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// Canonical XML 1.1 (inclusive), without comments.
pub(crate) const C14N11: &str = "http://www.w3.org/2006/12/xml-c14n11";
/// Exclusive XML Canonicalization 1.0, without comments.
pub(crate) const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// Which canonicalization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Method {
    Inclusive,
    /// With the `InclusiveNamespaces PrefixList` (`#default` for the default namespace).
    Exclusive(Vec<String>),
}

impl Method {
    /// The method for an algorithm URI, if supported (comment-preserving variants are not).
    pub(crate) fn from_uri(uri: &str, prefix_list: Vec<String>) -> Option<Method> {
        match uri {
            C14N10 | C14N11 => Some(Method::Inclusive),
            EXC_C14N => Some(Method::Exclusive(prefix_list)),
            _ => None,
        }
    }
}

/// Options for one canonicalization.
pub(crate) struct Options<'a> {
    pub method: Method,
    /// An element left out with its subtree (the enveloped signature).
    pub exclude: Option<&'a Element>,
    /// Drop whitespace-only text in elements that have child elements (the "compact" form some
    /// CAP signers sign before pretty-printing; see `dsig`).
    pub strip_blank: bool,
}

type Scope = BTreeMap<Option<String>, String>;

/// Canonical form of a whole document (processing instructions outside the root included).
pub(crate) fn document(doc: &Document, opts: &Options<'_>) -> String {
    let mut out = String::new();
    for n in &doc.prolog {
        if let Node::Pi { target, data } = n {
            push_pi(&mut out, target, data);
            out.push('\n');
        }
    }
    element(&doc.root, &Scope::new(), &Scope::new(), opts, &mut out);
    for n in &doc.epilog {
        if let Node::Pi { target, data } = n {
            out.push('\n');
            push_pi(&mut out, target, data);
        }
    }
    out
}

/// Canonical form of the subtree of `target`, a descendant of (or equal to) `root`, with the
/// namespaces in scope from its ancestors.
pub(crate) fn subtree(root: &Element, target: &Element, opts: &Options<'_>) -> Option<String> {
    let chain = ancestors(root, target)?;
    let mut scope = Scope::new();
    for a in &chain {
        for (p, u) in &a.ns_decls {
            scope.insert(p.clone(), u.clone());
        }
    }
    let mut out = String::new();
    element(target, &scope, &Scope::new(), opts, &mut out);
    Some(out)
}

/// Ancestors of `target` (root first, `target` excluded), by identity.
fn ancestors<'a>(root: &'a Element, target: &Element) -> Option<Vec<&'a Element>> {
    if std::ptr::eq(root, target) {
        return Some(Vec::new());
    }
    for c in root.child_elements() {
        if let Some(mut chain) = ancestors(c, target) {
            chain.insert(0, root);
            return Some(chain);
        }
    }
    None
}

fn push_pi(out: &mut String, target: &str, data: &str) {
    out.push_str("<?");
    out.push_str(target);
    if !data.is_empty() {
        out.push(' ');
        out.push_str(data);
    }
    out.push_str("?>");
}

fn escape_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}

fn escape_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}

fn default_of(scope: &Scope) -> &str {
    scope.get(&None).map_or("", String::as_str)
}

/// Renders `e`. `parent_scope`: namespaces in scope at the parent; `rendered`: namespace
/// declarations in effect in the output at the parent.
fn element(
    e: &Element,
    parent_scope: &Scope,
    rendered: &Scope,
    opts: &Options<'_>,
    out: &mut String,
) {
    if opts.exclude.is_some_and(|x| std::ptr::eq(x, e)) {
        return;
    }
    let mut scope = parent_scope.clone();
    for (p, u) in &e.ns_decls {
        scope.insert(p.clone(), u.clone());
    }
    // Namespace declarations to write: prefix (None = default) and URI ("" = undeclare).
    let mut decls: Vec<(Option<String>, String)> = Vec::new();
    match &opts.method {
        Method::Inclusive => {
            for (p, u) in &scope {
                if p.as_deref() == Some("xml") {
                    continue;
                }
                if p.is_none() && u.is_empty() {
                    if !default_of(rendered).is_empty() {
                        decls.push((None, String::new()));
                    }
                    continue;
                }
                if rendered.get(p) != Some(u) {
                    decls.push((p.clone(), u.clone()));
                }
            }
        }
        Method::Exclusive(inclusive) => {
            let mut used: Vec<Option<String>> = vec![e.prefix.clone()];
            for a in &e.attrs {
                if a.prefix.is_some() {
                    used.push(a.prefix.clone());
                }
            }
            for p in inclusive {
                let key = if p == "#default" {
                    None
                } else {
                    Some(p.clone())
                };
                if key.is_none() || scope.contains_key(&key) {
                    used.push(key);
                }
            }
            used.sort();
            used.dedup();
            for p in used {
                if p.as_deref() == Some("xml") {
                    continue;
                }
                let uri = scope.get(&p).cloned().unwrap_or_default();
                if p.is_none() && uri.is_empty() {
                    if !default_of(rendered).is_empty() {
                        decls.push((None, String::new()));
                    }
                    continue;
                }
                if rendered.get(&p) != Some(&uri) {
                    decls.push((p, uri));
                }
            }
        }
    }
    decls.sort_by(|a, b| a.0.cmp(&b.0));
    let mut rendered_here = rendered.clone();
    for (p, u) in &decls {
        rendered_here.insert(p.clone(), u.clone());
    }

    let qname = e.qname();
    out.push('<');
    out.push_str(&qname);
    for (p, u) in &decls {
        match p {
            None => out.push_str(" xmlns=\""),
            Some(p) => {
                out.push_str(" xmlns:");
                out.push_str(p);
                out.push_str("=\"");
            }
        }
        escape_attr(out, u);
        out.push('"');
    }
    let mut attrs: Vec<_> = e.attrs.iter().collect();
    attrs.sort_by(|a, b| {
        let ka = (a.ns.as_deref().unwrap_or(""), a.local.as_str());
        let kb = (b.ns.as_deref().unwrap_or(""), b.local.as_str());
        ka.cmp(&kb)
    });
    for a in attrs {
        out.push(' ');
        match (&a.prefix, a.ns.as_deref()) {
            (Some(p), _) => {
                out.push_str(p);
                out.push(':');
            }
            (None, Some(XML_NS)) => out.push_str("xml:"),
            _ => {}
        }
        out.push_str(&a.local);
        out.push_str("=\"");
        escape_attr(out, &a.value);
        out.push('"');
    }
    out.push('>');
    let has_elements = e.child_elements().next().is_some();
    for n in &e.children {
        match n {
            Node::Element(c) => element(c, &scope, &rendered_here, opts, out),
            Node::Text(t) => {
                if opts.strip_blank && has_elements && t.trim().is_empty() {
                    continue;
                }
                escape_text(out, t);
            }
            Node::Pi { target, data } => push_pi(out, target, data),
            Node::Comment => {}
        }
    }
    out.push_str("</");
    out.push_str(&qname);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml_tree::parse;

    #[test]
    fn inclusive_and_exclusive() {
        let doc = parse(
            "<?xml version=\"1.0\"?>\n<?pi  x?>\n<a xmlns=\"urn:a\" xmlns:z=\"urn:z\" b='1' a=\"&lt;\"><!--c--><z:s xmlns:y=\"urn:y\"><z:t/></z:s>\r\n</a>",
        )
        .unwrap();
        let inc = Options {
            method: Method::Inclusive,
            exclude: None,
            strip_blank: false,
        };
        assert_eq!(
            document(&doc, &inc),
            "<?pi x?>\n<a xmlns=\"urn:a\" xmlns:z=\"urn:z\" a=\"&lt;\" b=\"1\"><z:s xmlns:y=\"urn:y\"><z:t></z:t></z:s>\n</a>"
        );
        let s = doc.root.child("urn:z", "s").unwrap();
        assert_eq!(
            subtree(&doc.root, s, &inc).unwrap(),
            "<z:s xmlns=\"urn:a\" xmlns:y=\"urn:y\" xmlns:z=\"urn:z\"><z:t></z:t></z:s>"
        );
        let exc = Options {
            method: Method::Exclusive(vec![]),
            exclude: None,
            strip_blank: false,
        };
        assert_eq!(
            subtree(&doc.root, s, &exc).unwrap(),
            "<z:s xmlns:z=\"urn:z\"><z:t></z:t></z:s>"
        );
        let skip = Options {
            method: Method::Exclusive(vec![]),
            exclude: Some(s),
            strip_blank: true,
        };
        assert_eq!(
            document(&doc, &skip),
            "<?pi x?>\n<a xmlns=\"urn:a\" a=\"&lt;\" b=\"1\"></a>"
        );
    }
}
