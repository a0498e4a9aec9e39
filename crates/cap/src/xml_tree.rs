//! A small namespace-aware XML tree with source positions.
//!
//! The reader, the schema checker and the signature code all work on this tree. It keeps what
//! canonicalization needs (prefixes, namespace declarations, processing instructions, text
//! exactly as parsed) and where each element starts (line and column, both 1-based).

use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::events::attributes::Attribute;

use crate::error::CapError;

/// The namespace bound to the `xml` prefix.
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// A parsed document: nodes before the root, the root, nodes after it.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub prolog: Vec<Node>,
    pub root: Element,
    pub epilog: Vec<Node>,
    /// Byte offset (in the normalized text) of the root's end tag `</...>`.
    pub root_end_offset: Option<usize>,
    /// The text the offsets refer to: the input with line ends normalized to `\n`.
    pub normalized: String,
}

/// A child node.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
    Pi { target: String, data: String },
    Comment,
}

/// An attribute (namespace declarations are kept apart in [`Element::ns_decls`]).
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    pub prefix: Option<String>,
    pub local: String,
    pub ns: Option<String>,
    pub value: String,
}

/// An element.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub prefix: Option<String>,
    pub local: String,
    pub ns: Option<String>,
    pub attrs: Vec<Attr>,
    /// Declarations made on this element: (prefix or None for the default namespace, URI).
    pub ns_decls: Vec<(Option<String>, String)>,
    pub children: Vec<Node>,
    pub line: usize,
    pub column: usize,
}

impl Element {
    /// Child elements in document order.
    pub fn child_elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// Concatenated text of the direct text children.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                out.push_str(t);
            }
        }
        out
    }

    /// First child element with this namespace and local name.
    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.child_elements()
            .find(|e| e.local == local && e.ns.as_deref() == Some(ns))
    }

    /// Value of the unqualified attribute `local`.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.prefix.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The qualified name as written.
    pub fn qname(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p}:{}", self.local),
            None => self.local.clone(),
        }
    }
}

/// Line and column (1-based, column counted in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Normalizes line ends to `\n` as an XML processor does (section 2.11 of XML 1.0).
fn normalize_line_ends(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn xml_error(text: &str, offset: usize, message: impl Into<String>) -> CapError {
    let (line, column) = line_col(text, offset);
    CapError::Xml {
        line,
        column,
        message: message.into(),
    }
}

/// An element being built, with the namespace scope in force inside it.
struct Open {
    element: Element,
    scope_len: usize,
}

/// Parses `input` into a [`Document`]. Rejects DTDs, undeclared prefixes, unbalanced tags,
/// several roots and text outside the root, with the line and column of the problem.
pub(crate) fn parse(input: &str) -> Result<Document, CapError> {
    let text = normalize_line_ends(input.strip_prefix('\u{feff}').unwrap_or(input));
    let mut reader = quick_xml::Reader::from_str(&text);
    {
        let cfg = reader.config_mut();
        cfg.trim_text(false);
        cfg.check_end_names = true;
        cfg.check_comments = true;
        cfg.expand_empty_elements = false;
    }
    // Namespace scope: (prefix, uri); later entries shadow earlier ones.
    let mut scope: Vec<(Option<String>, String)> = vec![(Some("xml".into()), XML_NS.into())];
    let mut stack: Vec<Open> = Vec::new();
    let mut prolog = Vec::new();
    let mut epilog = Vec::new();
    let mut root: Option<Element> = None;
    let mut root_end_offset = None;

    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(start);
                return Err(xml_error(&text, at, format!("malformed XML: {e}")));
            }
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if root.is_some() && stack.is_empty() {
                    return Err(xml_error(
                        &text,
                        start,
                        "malformed XML: content after the root element",
                    ));
                }
                let is_empty = matches!(event, Event::Empty(_));
                let (line, column) = line_col(&text, start);
                let scope_len = scope.len();
                let mut ns_decls = Vec::new();
                let mut raw_attrs = Vec::new();
                for attr in e.attributes().with_checks(true) {
                    let attr: Attribute = attr
                        .map_err(|err| xml_error(&text, start, format!("malformed XML: {err}")))?;
                    let key = attr.key.as_ref().to_string();
                    let value = attr
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(|err| xml_error(&text, start, format!("malformed XML: {err}")))?
                        .into_owned();
                    if key == "xmlns" {
                        ns_decls.push((None, value));
                    } else if let Some(p) = key.strip_prefix("xmlns:") {
                        if value.is_empty() {
                            return Err(xml_error(
                                &text,
                                start,
                                format!("malformed XML: prefix '{p}' bound to an empty namespace"),
                            ));
                        }
                        ns_decls.push((Some(p.to_string()), value));
                    } else {
                        raw_attrs.push((key, value));
                    }
                }
                for d in &ns_decls {
                    scope.push(d.clone());
                }
                let qname = e.name().as_ref().to_string();
                let (prefix, local) = split_qname(&qname);
                let ns = resolve(&scope, prefix.as_deref(), true).map_err(|p| {
                    xml_error(
                        &text,
                        start,
                        format!("malformed XML: undeclared prefix '{p}'"),
                    )
                })?;
                let mut attrs = Vec::with_capacity(raw_attrs.len());
                for (key, value) in raw_attrs {
                    let (aprefix, alocal) = split_qname(&key);
                    let ans = match aprefix.as_deref() {
                        None => None,
                        Some(_) => resolve(&scope, aprefix.as_deref(), false).map_err(|p| {
                            xml_error(
                                &text,
                                start,
                                format!("malformed XML: undeclared prefix '{p}'"),
                            )
                        })?,
                    };
                    attrs.push(Attr {
                        prefix: aprefix,
                        local: alocal,
                        ns: ans,
                        value,
                    });
                }
                let element = Element {
                    prefix,
                    local,
                    ns,
                    attrs,
                    ns_decls,
                    children: Vec::new(),
                    line,
                    column,
                };
                if is_empty {
                    scope.truncate(scope_len);
                    attach(&mut stack, &mut root, element);
                } else {
                    stack.push(Open { element, scope_len });
                }
            }
            Event::End(_) => {
                let Some(open) = stack.pop() else {
                    return Err(xml_error(&text, start, "malformed XML: unexpected end tag"));
                };
                scope.truncate(open.scope_len);
                if stack.is_empty() {
                    root_end_offset = Some(start);
                }
                attach(&mut stack, &mut root, open.element);
            }
            Event::Text(t) => {
                let content = t.xml10_content().into_owned();
                push_text(&text, start, &mut stack, &content)?;
            }
            Event::CData(c) => {
                let content = c.xml10_content().into_owned();
                if stack.is_empty() {
                    return Err(xml_error(
                        &text,
                        start,
                        "malformed XML: CDATA outside the root",
                    ));
                }
                push_text(&text, start, &mut stack, &content)?;
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match r.xml10_content().as_ref() {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "apos" => "'".into(),
                        "quot" => "\"".into(),
                        other => {
                            return Err(xml_error(
                                &text,
                                start,
                                format!("malformed XML: unknown entity '&{other};'"),
                            ));
                        }
                    },
                    Err(e) => {
                        return Err(xml_error(&text, start, format!("malformed XML: {e}")));
                    }
                };
                if stack.is_empty() {
                    return Err(xml_error(
                        &text,
                        start,
                        "malformed XML: reference outside the root element",
                    ));
                }
                push_text(&text, start, &mut stack, &resolved)?;
            }
            Event::Comment(_) => {
                if let Some(open) = stack.last_mut() {
                    open.element.children.push(Node::Comment);
                } else if root.is_none() {
                    prolog.push(Node::Comment);
                } else {
                    epilog.push(Node::Comment);
                }
            }
            Event::PI(pi) => {
                let target = pi.target().to_string();
                let data = pi.content().trim_start().to_string();
                let node = Node::Pi { target, data };
                if let Some(open) = stack.last_mut() {
                    open.element.children.push(node);
                } else if root.is_none() {
                    prolog.push(node);
                } else {
                    epilog.push(node);
                }
            }
            Event::Decl(_) => {}
            Event::DocType(_) => {
                return Err(xml_error(
                    &text,
                    start,
                    "DOCTYPE declarations are not accepted in CAP messages",
                ));
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(xml_error(
                        &text,
                        text.len(),
                        format!(
                            "malformed XML: unexpected end of file, <{}> (line {}, column {}) is not closed",
                            open.element.qname(),
                            open.element.line,
                            open.element.column
                        ),
                    ));
                }
                break;
            }
        }
    }
    let Some(root) = root else {
        return Err(xml_error(
            &text,
            text.len(),
            "malformed XML: no root element",
        ));
    };
    Ok(Document {
        prolog,
        root,
        epilog,
        root_end_offset,
        normalized: text,
    })
}

fn push_text(text: &str, at: usize, stack: &mut [Open], content: &str) -> Result<(), CapError> {
    match stack.last_mut() {
        Some(open) => {
            if let Some(Node::Text(prev)) = open.element.children.last_mut() {
                prev.push_str(content);
            } else {
                open.element.children.push(Node::Text(content.to_string()));
            }
            Ok(())
        }
        None if content.trim().is_empty() => Ok(()),
        None => Err(xml_error(
            text,
            at,
            "malformed XML: text outside the root element",
        )),
    }
}

fn attach(stack: &mut [Open], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.element.children.push(Node::Element(element)),
        None => *root = Some(element),
    }
}

fn split_qname(qname: &str) -> (Option<String>, String) {
    match qname.split_once(':') {
        Some((p, l)) => (Some(p.to_string()), l.to_string()),
        None => (None, qname.to_string()),
    }
}

/// Resolves a prefix in the current scope. The default namespace applies to elements only.
fn resolve(
    scope: &[(Option<String>, String)],
    prefix: Option<&str>,
    is_element: bool,
) -> Result<Option<String>, String> {
    match prefix {
        None if !is_element => Ok(None),
        None => Ok(scope
            .iter()
            .rev()
            .find(|(p, _)| p.is_none())
            .and_then(|(_, u)| if u.is_empty() { None } else { Some(u.clone()) })),
        Some(p) => scope
            .iter()
            .rev()
            .find(|(sp, _)| sp.as_deref() == Some(p))
            .map(|(_, u)| Some(u.clone()))
            .ok_or_else(|| p.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_namespaces() {
        let doc = parse("<?xml version=\"1.0\"?>\n<a xmlns=\"urn:x\" xmlns:p=\"urn:p\">\n  <p:b q=\"1 &amp; 2\">t&lt;</p:b><c/></a>").unwrap();
        assert_eq!(doc.root.ns.as_deref(), Some("urn:x"));
        let b = doc.root.child("urn:p", "b").unwrap();
        assert_eq!((b.line, b.column), (3, 3));
        assert_eq!(b.attr("q"), Some("1 & 2"));
        assert_eq!(b.text(), "t<");
        assert_eq!(doc.root.child("urn:x", "c").unwrap().line, 3);
    }

    #[test]
    fn errors_have_positions() {
        let err = parse("<a>\n  <b></c>\n</a>").unwrap_err();
        match err {
            CapError::Xml { line, .. } => assert_eq!(line, 2),
            other => panic!("unexpected {other:?}"),
        }
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse("<a/><b/>").is_err());
        assert!(parse("<p:a/>").is_err());
        assert!(parse("<!DOCTYPE a><a/>").is_err());
    }
}
