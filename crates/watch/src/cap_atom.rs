//! CAP 1.2 warnings of other agencies through Atom (RFC 4287) or RSS 2.0 feeds, as the CAP
//! feed profile of the WMO Register of Alerting Authorities and Forewarn's own `/feeds` serve
//! them: each `entry` (Atom) or `item` (RSS) links to one CAP message
//! (`link rel="alternate" type="application/cap+xml"`, else the first link) or embeds it
//! (`content` holding an `alert` element of `urn:oasis:names:tc:emergency:cap:1.2`).
//!
//! [`parse_feed`] lists the entries; the caller fetches the linked messages (at most
//! [`crate::limits::MAX_CAP_LINKS`] a poll) and reads each with [`read_warning`], which uses
//! forewarn-cap's reader and XML-signature verification.

use crate::limits;
use crate::report::{FeedError, Parsed};
use forewarn_cap::SignatureStatus;
use serde::{Deserialize, Serialize};

/// One entry of a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct CapEntry {
    /// Atom `id` / RSS `guid`, else the link.
    pub id: String,
    /// Atom `updated` / RSS `pubDate` text, as written.
    pub updated: Option<String>,
    /// The linked CAP message.
    pub link: Option<String>,
    /// The embedded CAP message's XML text.
    pub embedded: Option<String>,
}

/// An incoming warning: what the organisations' rules need, and the signature check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingWarning {
    pub identifier: String,
    pub sender: String,
    pub sent: String,
    pub status: String,
    pub msg_type: String,
    pub event: String,
    pub severity: String,
    pub headline: Option<String>,
    /// Polygons of every area, as (lon, lat) rings.
    pub polygons_lon_lat: Vec<Vec<(f64, f64)>>,
    /// Circles of every area: centre (lon, lat) and radius, km.
    pub circles: Vec<((f64, f64), f64)>,
    /// `not signed`, `valid (signer ...)` or `INVALID: reason`.
    pub signature: String,
    pub signature_valid: Option<bool>,
}

const CAP12: &str = "urn:oasis:names:tc:emergency:cap:1.2";

fn child_text<'a>(n: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
        .and_then(|c| c.text())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Lists the entries of an Atom or RSS feed.
pub fn parse_feed(body: &[u8]) -> Result<Parsed<CapEntry>, FeedError> {
    limits::check_body(body)?;
    let text = std::str::from_utf8(body)
        .map_err(|e| FeedError::Malformed(format!("not UTF-8 text: {e}")))?;
    let doc = limits::parse_xml(text)?;
    let root = doc.root_element();
    let entries: Vec<roxmltree::Node<'_, '_>> = match root.tag_name().name() {
        "feed" => root
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "entry")
            .collect(),
        "rss" => root
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "channel")
            .flat_map(|ch| {
                ch.children()
                    .filter(|c| c.is_element() && c.tag_name().name() == "item")
            })
            .collect(),
        other => {
            return Err(FeedError::Malformed(format!(
                "the root element is <{}>, not an Atom <feed> or RSS <rss>",
                limits::text(other)
            )));
        }
    };
    limits::check_items(entries.len())?;
    let mut out = Parsed::default();
    for (i, e) in entries.into_iter().enumerate() {
        let embedded = e
            .descendants()
            .find(|n| {
                n.is_element()
                    && n.tag_name().name() == "alert"
                    && n.tag_name().namespace() == Some(CAP12)
            })
            .map(|n| text[n.range()].to_string());
        let links: Vec<(Option<&str>, Option<&str>, String)> = e
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "link")
            .filter_map(|l| {
                let href = l.attribute("href").or(l.text()).map(str::trim)?;
                Some((l.attribute("rel"), l.attribute("type"), href.to_string()))
            })
            .collect();
        let link = links
            .iter()
            .find(|(_, t, _)| *t == Some("application/cap+xml"))
            .or_else(|| {
                links
                    .iter()
                    .find(|(r, _, _)| r.is_none_or(|r| r == "alternate"))
            })
            .or(links.first())
            .map(|(_, _, h)| h.clone())
            .filter(|h| !h.is_empty());
        let id = child_text(e, "id")
            .or_else(|| child_text(e, "guid"))
            .map(str::to_string)
            .or_else(|| link.clone());
        let Some(id) = id.and_then(|i| limits::id(&i, "entry id").ok()) else {
            out.reject(
                format!("entry[{i}]"),
                None,
                "the entry has no id, guid or link",
            );
            continue;
        };
        if link.is_none() && embedded.is_none() {
            out.reject(
                format!("entry[{i}]"),
                Some(id),
                "the entry neither links to nor embeds a CAP message",
            );
            continue;
        }
        out.items.push(CapEntry {
            id,
            updated: child_text(e, "updated")
                .or_else(|| child_text(e, "pubDate"))
                .map(limits::text),
            link,
            embedded,
        });
    }
    Ok(out)
}

/// Reads one CAP message (1.2 or 1.1) and checks its XML signature when it has one.
pub fn read_warning(xml: &str) -> Result<IncomingWarning, String> {
    if xml.len() > limits::MAX_BODY_BYTES {
        return Err(format!(
            "the message is larger than {} bytes",
            limits::MAX_BODY_BYTES
        ));
    }
    let a = forewarn_cap::read_alert(xml).map_err(|e| format!("not a CAP message: {e}"))?;
    let sig = forewarn_cap::verify(xml);
    let signature_valid = match &sig {
        SignatureStatus::NotSigned => None,
        SignatureStatus::Valid { .. } => Some(true),
        SignatureStatus::Invalid { .. } => Some(false),
    };
    let info = a
        .infos
        .iter()
        .find(|i| i.language.starts_with("en"))
        .or(a.infos.first());
    let mut polygons = Vec::new();
    let mut circles = Vec::new();
    for i in &a.infos {
        for ar in &i.areas {
            for p in &ar.polygons {
                polygons.push(p.0.iter().map(|c| (c.lon, c.lat)).collect());
            }
            for c in &ar.circles {
                circles.push(((c.center.lon, c.center.lat), c.radius_km));
            }
        }
    }
    Ok(IncomingWarning {
        identifier: a.identifier.clone(),
        sender: a.sender.clone(),
        sent: a.sent.to_string(),
        status: a.status.as_str().to_string(),
        msg_type: a.msg_type.as_str().to_string(),
        event: info.map(|i| i.event.clone()).unwrap_or_default(),
        severity: info
            .map(|i| i.severity.as_str().to_string())
            .unwrap_or_default(),
        headline: info.and_then(|i| i.headline.clone()),
        polygons_lon_lat: polygons,
        circles,
        signature: sig.to_string(),
        signature_valid,
    })
}
