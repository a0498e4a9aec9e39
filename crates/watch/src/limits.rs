//! Input limits of every watch parser. A body or document over a limit is refused whole, with
//! an error naming the limit; the server never buffers more than [`MAX_BODY_BYTES`] of a
//! response.

use crate::report::FeedError;

/// Largest feed body, bytes (16 MiB: the USGS "all_month" summary feed, the largest the
/// USGS publishes, is about 10 MB).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Most items read from one body (events, entries or observations).
pub const MAX_ITEMS: usize = 20_000;
/// Deepest XML nesting accepted (QuakeML BED is about 8 levels deep, Atom with embedded CAP
/// about 10).
pub const MAX_XML_DEPTH: u32 = 64;
/// Most XML nodes accepted in one document.
pub const MAX_XML_NODES: u32 = 2_000_000;
/// Longest identifier (event id, agency code, source name) kept from a feed, characters.
pub const MAX_ID_CHARS: usize = 128;
/// Longest free text (place name) kept from a feed, characters; longer text is cut.
pub const MAX_TEXT_CHARS: usize = 300;
/// Most entries of a CAP Atom/RSS feed whose linked messages are fetched in one poll.
pub const MAX_CAP_LINKS: usize = 200;

/// Refuses a body over [`MAX_BODY_BYTES`].
pub fn check_body(body: &[u8]) -> Result<(), FeedError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(FeedError::Limit(format!(
            "the body is {} bytes, more than the limit of {MAX_BODY_BYTES}",
            body.len()
        )));
    }
    Ok(())
}

/// Refuses more than [`MAX_ITEMS`] items.
pub fn check_items(n: usize) -> Result<(), FeedError> {
    if n > MAX_ITEMS {
        return Err(FeedError::Limit(format!(
            "{n} items, more than the limit of {MAX_ITEMS}"
        )));
    }
    Ok(())
}

/// Parses XML with the depth and node limits.
pub fn parse_xml(text: &str) -> Result<roxmltree::Document<'_>, FeedError> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_XML_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, opts)
        .map_err(|e| FeedError::Malformed(format!("not well-formed XML: {e}")))?;
    for n in doc.descendants() {
        if n.is_element()
            && n.ancestors().take(MAX_XML_DEPTH as usize + 3).count() as u32 > MAX_XML_DEPTH + 1
        {
            return Err(FeedError::Limit(format!(
                "XML nested deeper than the limit of {MAX_XML_DEPTH}"
            )));
        }
    }
    Ok(doc)
}

/// An identifier from a feed: trimmed, 1 to [`MAX_ID_CHARS`] characters, no control
/// characters; `field` names it in the error.
pub fn id(s: &str, field: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(format!("{field} is empty"));
    }
    if t.chars().count() > MAX_ID_CHARS {
        return Err(format!("{field} is longer than {MAX_ID_CHARS} characters"));
    }
    if t.chars().any(char::is_control) {
        return Err(format!("{field} holds control characters"));
    }
    Ok(t.to_string())
}

/// Free text cut to [`MAX_TEXT_CHARS`] with control characters removed.
pub fn text(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT_CHARS)
        .collect::<String>()
        .trim()
        .to_string()
}
