//! Atom feeds (RFC 4287) of CAP alerts, one per sender and language; each entry links the full
//! alert as `application/cap+xml`.

use std::collections::BTreeMap;

use crate::model::Alert;
use crate::writer::{escape_attr, escape_text};

/// An entry: link, alert, index of the info block (`usize::MAX` = none).
type Entry<'a> = (&'a str, &'a Alert, usize);

/// One Atom feed.
#[derive(Debug, Clone, PartialEq)]
pub struct AtomFeed {
    pub sender: String,
    pub language: String,
    /// Suggested file name: `<sender>.<language>.atom` with unsafe characters replaced.
    pub file_name: String,
    /// The feed document.
    pub xml: String,
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn absolute(base_url: &str, href: &str) -> String {
    if href.contains("://") || href.starts_with("urn:") {
        href.to_string()
    } else {
        format!(
            "{}/{}",
            base_url.trim_end_matches('/'),
            href.trim_start_matches('/')
        )
    }
}

/// Builds the feeds for `alerts`, given as (link to the alert file, relative to `base_url` or
/// absolute; the alert). An alert with info blocks in several languages appears in the feed of
/// each language. Entries are newest first; output is deterministic.
pub fn atom_feeds(alerts: &[(String, Alert)], base_url: &str) -> Vec<AtomFeed> {
    let mut groups: BTreeMap<(String, String), Vec<Entry<'_>>> = BTreeMap::new();
    for (href, alert) in alerts {
        for (i, info) in alert.infos.iter().enumerate() {
            groups
                .entry((alert.sender.clone(), info.language.clone()))
                .or_default()
                .push((href.as_str(), alert, i));
        }
        if alert.infos.is_empty() {
            groups
                .entry((alert.sender.clone(), "en".to_string()))
                .or_default()
                .push((href.as_str(), alert, usize::MAX));
        }
    }
    let mut feeds = Vec::new();
    for ((sender, language), mut entries) in groups {
        entries.sort_by(|a, b| {
            b.1.sent
                .cmp(&a.1.sent)
                .then_with(|| a.1.identifier.cmp(&b.1.identifier))
        });
        let file_name = format!("{}.{}.atom", slug(&sender), slug(&language));
        let feed_url = absolute(base_url, &file_name);
        let updated = entries.iter().map(|e| e.1.sent).max();
        let author = entries
            .iter()
            .find_map(|e| e.1.infos.get(e.2).and_then(|i| i.sender_name.clone()))
            .unwrap_or_else(|| sender.clone());
        let mut x = String::new();
        x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.push_str(&format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
            escape_attr(&language)
        ));
        x.push_str(&format!("  <id>{}</id>\n", escape_text(&feed_url)));
        x.push_str(&format!(
            "  <title>CAP alerts from {} ({})</title>\n",
            escape_text(&sender),
            escape_text(&language)
        ));
        if let Some(u) = updated {
            x.push_str(&format!("  <updated>{}</updated>\n", u.rfc3339()));
        }
        x.push_str(&format!(
            "  <author><name>{}</name></author>\n",
            escape_text(&author)
        ));
        x.push_str(&format!(
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
            escape_attr(&feed_url)
        ));
        for (href, alert, idx) in entries {
            let info = alert.infos.get(idx);
            let url = absolute(base_url, href);
            let title = info
                .and_then(|i| i.headline.clone().or_else(|| Some(i.event.clone())))
                .unwrap_or_else(|| format!("{} {}", alert.msg_type, alert.identifier));
            x.push_str("  <entry>\n");
            x.push_str(&format!("    <id>{}</id>\n", escape_text(&url)));
            x.push_str(&format!("    <title>{}</title>\n", escape_text(&title)));
            x.push_str(&format!(
                "    <updated>{}</updated>\n",
                alert.sent.rfc3339()
            ));
            x.push_str(&format!(
                "    <published>{}</published>\n",
                alert.sent.rfc3339()
            ));
            for term in [alert.status.as_str(), alert.msg_type.as_str()] {
                x.push_str(&format!("    <category term=\"{term}\"/>\n"));
            }
            if let Some(d) = info.and_then(|i| i.description.as_deref()) {
                x.push_str(&format!("    <summary>{}</summary>\n", escape_text(d)));
            }
            x.push_str(&format!(
                "    <link rel=\"alternate\" type=\"application/cap+xml\" href=\"{}\"/>\n",
                escape_attr(&url)
            ));
            x.push_str("  </entry>\n");
        }
        x.push_str("</feed>\n");
        feeds.push(AtomFeed {
            sender,
            language,
            file_name,
            xml: x,
        });
    }
    feeds
}
