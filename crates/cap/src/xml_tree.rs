//! XML parsing for CAP: `roxmltree` (a well-kept, fuzzed, non-recursive parser) with CAP's
//! limits, and the small helpers the reader, the schema checker and the signature code use.
//!
//! roxmltree keeps what canonicalization needs (namespaces in scope, processing instructions,
//! byte ranges of every node, so prefixes can be taken as written) and stores the tree in one
//! flat vector: neither parsing nor dropping recurses, whatever the nesting. On top of it this
//! module rejects DTDs, documents nested deeper than [`MAX_XML_DEPTH`] and documents with more
//! than [`MAX_XML_NODES`] nodes, each with the line and column of the problem.

use roxmltree::{Document, ParsingOptions};

use crate::error::CapError;

/// A node of a parsed document (element, text, comment or processing instruction).
pub(crate) type XNode<'a> = roxmltree::Node<'a, 'a>;

/// Deepest element nesting accepted (the root is level 1). CAP 1.2 needs 6 levels
/// (alert/info/area/geocode/value) and a signature 5 (Signature/KeyInfo/X509Data/
/// X509Certificate under alert); 32 leaves room for foreign extensions while keeping every
/// walk over the tree small.
pub const MAX_XML_DEPTH: usize = 32;

/// Most nodes (elements, text runs, comments, processing instructions) accepted in one
/// document. The largest real CAP messages we know (WMO test set, national feeds with
/// hundreds of areas) have a few thousand.
pub const MAX_XML_NODES: u32 = 200_000;

/// The text a document is parsed from: the input without a byte-order mark and with line ends
/// normalized to `\n` as an XML processor does (section 2.11 of XML 1.0). Offsets, lines and
/// columns refer to this text.
pub(crate) fn normalize(input: &str) -> String {
    let text = input.strip_prefix('\u{feff}').unwrap_or(input);
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn limit_error(line: usize, column: usize, message: String) -> CapError {
    CapError::Limit {
        line,
        column,
        message,
    }
}

fn xml_error(line: usize, column: usize, message: impl Into<String>) -> CapError {
    CapError::Xml {
        line,
        column,
        message: message.into(),
    }
}

/// Parses `text` (see [`normalize`]). Rejects malformed XML, DTDs, undeclared prefixes,
/// documents nested deeper than [`MAX_XML_DEPTH`] and larger than [`MAX_XML_NODES`], with the
/// line and column of the problem.
pub(crate) fn parse(text: &str) -> Result<Document<'_>, CapError> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_XML_NODES,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        let (line, column) = (pos.row as usize, pos.col as usize);
        match e {
            roxmltree::Error::DtdDetected => xml_error(
                line,
                column,
                "DOCTYPE declarations are not accepted in CAP messages",
            ),
            roxmltree::Error::NodesLimitReached => limit_error(
                line,
                column,
                format!(
                    "the document has more than {MAX_XML_NODES} XML nodes (limit MAX_XML_NODES)"
                ),
            ),
            other => {
                // roxmltree ends its messages with " at LINE:COLUMN"; the position is ours.
                let message = other.to_string();
                let message = message
                    .rsplit_once(" at ")
                    .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit() || c == ':'))
                    .map_or(message.as_str(), |(m, _)| m)
                    .to_string();
                xml_error(line, column, format!("malformed XML: {message}"))
            }
        }
    })?;
    check_depth(&doc)?;
    Ok(doc)
}

/// Rejects documents whose elements nest deeper than [`MAX_XML_DEPTH`]. One pass in document
/// order; a node's depth is its parent's plus one (kept in a vector indexed by node id).
fn check_depth(doc: &Document<'_>) -> Result<(), CapError> {
    let mut depth = vec![0usize; doc.descendants().count() + 1];
    for node in doc.descendants() {
        let parent_depth = node
            .parent()
            .map_or(0, |p| depth.get(p.id().get_usize()).copied().unwrap_or(0));
        let d = if node.is_element() {
            parent_depth + 1
        } else {
            parent_depth
        };
        if d > MAX_XML_DEPTH {
            let (line, column) = pos(node);
            return Err(limit_error(
                line,
                column,
                format!(
                    "elements are nested more than {MAX_XML_DEPTH} levels deep (limit \
                     MAX_XML_DEPTH = {MAX_XML_DEPTH}; a CAP message needs fewer than 10)"
                ),
            ));
        }
        if let Some(slot) = depth.get_mut(node.id().get_usize()) {
            *slot = d;
        }
    }
    Ok(())
}

/// Line and column where a node starts.
pub(crate) fn pos(node: XNode<'_>) -> (usize, usize) {
    let p = node.document().text_pos_at(node.range().start);
    (p.row as usize, p.col as usize)
}

/// "(line L, column C)" for messages.
pub(crate) fn at(node: XNode<'_>) -> String {
    let (line, column) = pos(node);
    format!("(line {line}, column {column})")
}

/// The element's qualified name as written in the document.
pub(crate) fn qname<'a>(e: XNode<'a>) -> &'a str {
    let text = e.document().input_text();
    let tag = text.get(e.range().start + 1..).unwrap_or("");
    let end = tag
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(tag.len());
    &tag[..end]
}

/// The element's prefix as written (`None` for an unprefixed name).
pub(crate) fn prefix<'a>(e: XNode<'a>) -> Option<&'a str> {
    qname(e).split_once(':').map(|(p, _)| p)
}

/// An attribute's qualified name as written.
pub(crate) fn attr_qname<'a>(e: XNode<'a>, a: &roxmltree::Attribute<'a, 'a>) -> &'a str {
    e.document()
        .input_text()
        .get(a.range_qname())
        .unwrap_or(a.name())
}

/// The element's namespace URI (`None` when it has none).
pub(crate) fn ns<'a>(e: XNode<'a>) -> Option<&'a str> {
    e.tag_name().namespace()
}

/// Child elements in document order.
pub(crate) fn child_elements<'a>(e: XNode<'a>) -> impl Iterator<Item = XNode<'a>> {
    e.children().filter(|n| n.is_element())
}

/// True when `e` is an element with this namespace and local name.
pub(crate) fn is(e: XNode<'_>, namespace: &str, local: &str) -> bool {
    e.is_element() && e.tag_name().name() == local && e.tag_name().namespace() == Some(namespace)
}

/// First child element with this namespace and local name.
pub(crate) fn child<'a>(e: XNode<'a>, namespace: &str, local: &str) -> Option<XNode<'a>> {
    e.children().find(|c| is(*c, namespace, local))
}

/// Concatenated text of the direct text children.
pub(crate) fn text(e: XNode<'_>) -> String {
    let mut out = String::new();
    for n in e.children() {
        if n.is_text()
            && let Some(t) = n.text()
        {
            out.push_str(t);
        }
    }
    out
}

/// Value of the unqualified attribute `local`.
pub(crate) fn attr<'a>(e: XNode<'a>, local: &str) -> Option<&'a str> {
    e.attributes()
        .find(|a| a.namespace().is_none() && a.name() == local)
        .map(|a| a.value())
}

/// Byte offset (in the parsed text) of the root element's end tag `</...>`, or `None` when
/// the root is an empty-element tag.
pub(crate) fn root_end_offset(doc: &Document<'_>) -> Option<usize> {
    let range = doc.root_element().range();
    let text = doc.input_text().get(range.clone())?;
    if text.ends_with("/>") && !text.contains("</") {
        return None;
    }
    text.rfind("</").map(|i| range.start + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_namespaces() {
        let input = normalize(
            "<?xml version=\"1.0\"?>\r\n<a xmlns=\"urn:x\" xmlns:p=\"urn:p\">\n  <p:b q=\"1 &amp; 2\">t&lt;</p:b><c/></a>",
        );
        let doc = parse(&input).unwrap();
        let root = doc.root_element();
        assert_eq!(ns(root), Some("urn:x"));
        let b = child(root, "urn:p", "b").unwrap();
        assert_eq!(pos(b), (3, 3));
        assert_eq!(qname(b), "p:b");
        assert_eq!(prefix(b), Some("p"));
        assert_eq!(attr(b, "q"), Some("1 & 2"));
        assert_eq!(text(b), "t<");
        assert_eq!(pos(child(root, "urn:x", "c").unwrap()).0, 3);
        assert_eq!(
            root_end_offset(&doc).map(|o| &input[o..]),
            Some("</a>"),
            "end tag offset"
        );
    }

    #[test]
    fn errors_have_positions() {
        let err = parse("<a>\n  <b></c>\n</a>").unwrap_err();
        match err {
            CapError::Xml { line, message, .. } => {
                assert_eq!(line, 2);
                assert!(message.starts_with("malformed XML: "), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse("<a/><b/>").is_err());
        assert!(parse("<p:a/>").is_err());
        assert!(parse("<!DOCTYPE a><a/>").is_err());
    }

    fn nested(levels: usize) -> String {
        let mut s = String::with_capacity(levels * 7);
        for _ in 0..levels {
            s.push_str("<a>");
        }
        for _ in 0..levels {
            s.push_str("</a>");
        }
        s
    }

    #[test]
    fn nesting_is_limited_without_recursion() {
        assert!(parse(&nested(MAX_XML_DEPTH)).is_ok());
        let err = parse(&nested(MAX_XML_DEPTH + 1)).unwrap_err().to_string();
        assert!(err.contains("MAX_XML_DEPTH = 32"), "{err}");
        assert!(err.starts_with("line 1, column 97:"), "{err}");
        // The attack from issue #11: far deeper than any stack allows for a recursive parser.
        let err = parse(&nested(150_000)).unwrap_err().to_string();
        assert!(err.contains("nested more than 32 levels"), "{err}");
    }

    #[test]
    fn node_count_is_limited() {
        let many = format!("<a>{}</a>", "<b/>".repeat(MAX_XML_NODES as usize));
        let err = parse(&many).unwrap_err().to_string();
        assert!(err.contains("MAX_XML_NODES"), "{err}");
    }
}
