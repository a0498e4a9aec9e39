//! Writes an [`Alert`] as CAP 1.2 XML, elements in schema order.

use crate::model::{Alert, Area, CAP12_NS, Info, Resource, ValuePair, fmt_coord};

/// Escapes character data for element content.
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value written in double quotes.
pub(crate) fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
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
    out
}

struct Out {
    buf: String,
}

impl Out {
    fn leaf(&mut self, depth: usize, name: &str, value: &str) {
        for _ in 0..depth {
            self.buf.push_str("  ");
        }
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
        self.buf.push_str(&escape_text(value));
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    fn opt(&mut self, depth: usize, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.leaf(depth, name, v);
        }
    }

    fn open(&mut self, depth: usize, name: &str) {
        for _ in 0..depth {
            self.buf.push_str("  ");
        }
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    fn close(&mut self, depth: usize, name: &str) {
        for _ in 0..depth {
            self.buf.push_str("  ");
        }
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    fn pair(&mut self, depth: usize, name: &str, pair: &ValuePair) {
        self.open(depth, name);
        self.leaf(depth + 1, "valueName", &pair.value_name);
        self.leaf(depth + 1, "value", &pair.value);
        self.close(depth, name);
    }
}

impl Alert {
    /// The message as CAP 1.2 XML (UTF-8, namespace `urn:oasis:names:tc:emergency:cap:1.2`,
    /// two-space indentation, elements in schema order). The output is deterministic.
    pub fn to_xml(&self) -> String {
        let mut o = Out { buf: String::new() };
        o.buf
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        o.buf.push_str(&format!("<alert xmlns=\"{CAP12_NS}\">\n"));
        o.leaf(1, "identifier", &self.identifier);
        o.leaf(1, "sender", &self.sender);
        o.leaf(1, "sent", &self.sent.to_string());
        o.leaf(1, "status", self.status.as_str());
        o.leaf(1, "msgType", self.msg_type.as_str());
        o.opt(1, "source", self.source.as_deref());
        o.leaf(1, "scope", self.scope.as_str());
        o.opt(1, "restriction", self.restriction.as_deref());
        o.opt(1, "addresses", self.addresses.as_deref());
        for code in &self.codes {
            o.leaf(1, "code", code);
        }
        o.opt(1, "note", self.note.as_deref());
        if !self.references.is_empty() {
            let refs: Vec<String> = self.references.iter().map(|r| r.to_string()).collect();
            o.leaf(1, "references", &refs.join(" "));
        }
        o.opt(1, "incidents", self.incidents.as_deref());
        for info in &self.infos {
            write_info(&mut o, info);
        }
        o.buf.push_str("</alert>\n");
        o.buf
    }
}

fn write_info(o: &mut Out, info: &Info) {
    o.open(1, "info");
    o.leaf(2, "language", &info.language);
    for c in &info.categories {
        o.leaf(2, "category", c.as_str());
    }
    o.leaf(2, "event", &info.event);
    for r in &info.response_types {
        o.leaf(2, "responseType", r.as_str());
    }
    o.leaf(2, "urgency", info.urgency.as_str());
    o.leaf(2, "severity", info.severity.as_str());
    o.leaf(2, "certainty", info.certainty.as_str());
    o.opt(2, "audience", info.audience.as_deref());
    for p in &info.event_codes {
        o.pair(2, "eventCode", p);
    }
    o.opt(
        2,
        "effective",
        info.effective.map(|t| t.to_string()).as_deref(),
    );
    o.opt(2, "onset", info.onset.map(|t| t.to_string()).as_deref());
    o.opt(2, "expires", info.expires.map(|t| t.to_string()).as_deref());
    o.opt(2, "senderName", info.sender_name.as_deref());
    o.opt(2, "headline", info.headline.as_deref());
    o.opt(2, "description", info.description.as_deref());
    o.opt(2, "instruction", info.instruction.as_deref());
    o.opt(2, "web", info.web.as_deref());
    o.opt(2, "contact", info.contact.as_deref());
    for p in &info.parameters {
        o.pair(2, "parameter", p);
    }
    for r in &info.resources {
        write_resource(o, r);
    }
    for a in &info.areas {
        write_area(o, a);
    }
    o.close(1, "info");
}

fn write_resource(o: &mut Out, r: &Resource) {
    o.open(2, "resource");
    o.leaf(3, "resourceDesc", &r.resource_desc);
    o.leaf(3, "mimeType", &r.mime_type);
    o.opt(3, "size", r.size.map(|s| s.to_string()).as_deref());
    o.opt(3, "uri", r.uri.as_deref());
    o.opt(3, "derefUri", r.deref_uri.as_deref());
    o.opt(3, "digest", r.digest.as_deref());
    o.close(2, "resource");
}

fn write_area(o: &mut Out, a: &Area) {
    o.open(2, "area");
    o.leaf(3, "areaDesc", &a.area_desc);
    for p in &a.polygons {
        o.leaf(3, "polygon", &p.to_string());
    }
    for c in &a.circles {
        o.leaf(3, "circle", &c.to_string());
    }
    for g in &a.geocodes {
        o.pair(3, "geocode", g);
    }
    o.opt(3, "altitude", a.altitude_ft.map(fmt_coord).as_deref());
    o.opt(3, "ceiling", a.ceiling_ft.map(fmt_coord).as_deref());
    o.close(2, "area");
}
