//! XML canonicalization (W3C Canonical XML 1.0 / 1.1 and Exclusive XML Canonicalization 1.0,
//! both without comments) of a whole document or of one element's subtree.
//!
//! Written from the W3C recommendations (xml-c14n, xml-c14n11, xml-exc-c14n). Canonical XML 1.1
//! differs from 1.0 only in how `xml:id` and `xml:base` are inherited into document subsets;
//! CAP messages use neither, so both are rendered the same way here.

use std::collections::BTreeMap;

use roxmltree::Document;

use crate::xml_tree::{self, XNode};

/// The namespace bound to the `xml` prefix.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

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
    pub exclude: Option<XNode<'a>>,
    /// Drop whitespace-only text in elements that have child elements (the "compact" form some
    /// CAP signers sign before pretty-printing; see `dsig`).
    pub strip_blank: bool,
}

type Scope = BTreeMap<Option<String>, String>;

/// Canonical form of a whole document (processing instructions outside the root included).
pub(crate) fn document(doc: &Document<'_>, opts: &Options<'_>) -> String {
    let mut out = String::new();
    let mut seen_root = false;
    for n in doc.root().children() {
        if n.is_element() {
            render(n, opts, &mut out);
            seen_root = true;
        } else if let Some(pi) = n.pi() {
            if seen_root {
                out.push('\n');
                push_pi(&mut out, pi.target, pi.value.unwrap_or(""));
            } else {
                push_pi(&mut out, pi.target, pi.value.unwrap_or(""));
                out.push('\n');
            }
        }
    }
    out
}

/// Canonical form of the subtree of the element `target`, with the namespaces in scope from
/// its ancestors.
pub(crate) fn subtree(target: XNode<'_>, opts: &Options<'_>) -> String {
    let mut out = String::new();
    render(target, opts, &mut out);
    out
}

fn push_pi(out: &mut String, target: &str, data: &str) {
    out.push_str("<?");
    out.push_str(target);
    let data = data.trim_start();
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

/// The namespaces in scope at `e` (prefix or None for the default namespace, URI; an
/// undeclared default namespace is `""`).
fn scope_of(e: XNode<'_>) -> Scope {
    let mut scope: Scope = e
        .namespaces()
        .map(|n| (n.name().map(str::to_string), n.uri().to_string()))
        .collect();
    scope.entry(None).or_default();
    scope
}

/// One step of the walk: render a node, or close an element.
enum Step<'a> {
    Node(XNode<'a>),
    Close(XNode<'a>),
}

/// Renders `apex` and its subtree. The walk keeps its own stack (no recursion), so the depth
/// of the document costs heap, not call stack. `rendered` holds, for each open element, the
/// namespace declarations in effect in the output.
fn render(apex: XNode<'_>, opts: &Options<'_>, out: &mut String) {
    let mut steps = vec![Step::Node(apex)];
    let mut rendered: Vec<Scope> = vec![Scope::new()];
    while let Some(step) = steps.pop() {
        match step {
            Step::Close(e) => {
                rendered.pop();
                out.push_str("</");
                out.push_str(xml_tree::qname(e));
                out.push('>');
            }
            Step::Node(n) if n.is_element() => {
                if opts.exclude.is_some_and(|x| x == n) {
                    continue;
                }
                let parent_rendered = rendered.last().cloned().unwrap_or_default();
                let here = start_tag(n, &parent_rendered, opts, out);
                rendered.push(here);
                steps.push(Step::Close(n));
                let children: Vec<XNode<'_>> = n.children().collect();
                steps.extend(children.into_iter().rev().map(Step::Node));
            }
            Step::Node(n) if n.is_text() => {
                let t = n.text().unwrap_or("");
                let in_element_content = n
                    .parent()
                    .is_some_and(|p| xml_tree::child_elements(p).next().is_some());
                if opts.strip_blank && in_element_content && t.trim().is_empty() {
                    continue;
                }
                escape_text(out, t);
            }
            Step::Node(n) => {
                if let Some(pi) = n.pi() {
                    push_pi(out, pi.target, pi.value.unwrap_or(""));
                }
            }
        }
    }
}

/// Writes the start tag of `e` and returns the namespace declarations in effect in the output
/// inside it. `rendered`: those in effect at the parent.
fn start_tag(e: XNode<'_>, rendered: &Scope, opts: &Options<'_>, out: &mut String) -> Scope {
    let scope = scope_of(e);
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
            let mut used: Vec<Option<String>> = vec![xml_tree::prefix(e).map(str::to_string)];
            for a in e.attributes() {
                if let Some((p, _)) = xml_tree::attr_qname(e, &a).split_once(':') {
                    used.push(Some(p.to_string()));
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

    out.push('<');
    out.push_str(xml_tree::qname(e));
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
    let mut attrs: Vec<_> = e.attributes().collect();
    attrs.sort_by(|a, b| {
        let ka = (a.namespace().unwrap_or(""), a.name());
        let kb = (b.namespace().unwrap_or(""), b.name());
        ka.cmp(&kb)
    });
    for a in attrs {
        out.push(' ');
        let written = xml_tree::attr_qname(e, &a);
        if a.namespace() == Some(XML_NS) && !written.contains(':') {
            out.push_str("xml:");
        }
        out.push_str(written);
        out.push_str("=\"");
        escape_attr(out, a.value());
        out.push('"');
    }
    out.push('>');
    rendered_here
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml_tree::{child, normalize, parse};

    #[test]
    fn inclusive_and_exclusive() {
        let text = normalize(
            "<?xml version=\"1.0\"?>\n<?pi  x?>\n<a xmlns=\"urn:a\" xmlns:z=\"urn:z\" b='1' a=\"&lt;\"><!--c--><z:s xmlns:y=\"urn:y\"><z:t/></z:s>\r\n</a>",
        );
        let doc = parse(&text).unwrap();
        let inc = Options {
            method: Method::Inclusive,
            exclude: None,
            strip_blank: false,
        };
        assert_eq!(
            document(&doc, &inc),
            "<?pi x?>\n<a xmlns=\"urn:a\" xmlns:z=\"urn:z\" a=\"&lt;\" b=\"1\"><z:s xmlns:y=\"urn:y\"><z:t></z:t></z:s>\n</a>"
        );
        let s = child(doc.root_element(), "urn:z", "s").unwrap();
        assert_eq!(
            subtree(s, &inc),
            "<z:s xmlns=\"urn:a\" xmlns:y=\"urn:y\" xmlns:z=\"urn:z\"><z:t></z:t></z:s>"
        );
        let exc = Options {
            method: Method::Exclusive(vec![]),
            exclude: None,
            strip_blank: false,
        };
        assert_eq!(subtree(s, &exc), "<z:s xmlns:z=\"urn:z\"><z:t></z:t></z:s>");
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
