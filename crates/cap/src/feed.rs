//! Atom feeds (RFC 4287) of CAP alerts: [`atom_feeds`] groups alerts into one feed per sender
//! and language (for files); [`atom_feed`] writes one feed page whose identity and RFC 5005
//! paging links the caller gives (the server's per-organisation feeds). Each entry links the
//! full alert as `application/cap+xml`.

use std::collections::BTreeMap;

use crate::model::Alert;
use crate::writer::{escape_attr, escape_text};

/// One entry of a feed: the link to the alert file (relative to the base URL or absolute), the
/// alert, and which of its info blocks gives the title and summary (`None`: no info block).
#[derive(Debug, Clone, Copy)]
pub struct FeedEntry<'a> {
    pub href: &'a str,
    pub alert: &'a Alert,
    pub info: Option<usize>,
}

/// Identity and links of one feed document (one page of a paged feed, RFC 5005 section 3).
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    /// The feed's `<id>`: the same on every page of the feed.
    pub id: String,
    pub title: String,
    pub author: String,
    /// `xml:lang` of the feed; an entry in another language carries its own `xml:lang`.
    pub language: String,
    /// `rel="self"`: this page.
    pub self_url: String,
    /// `rel="first"`: the newest page (only for a paged feed).
    pub first_url: Option<String>,
    /// `rel="next"`: the following (older) page, when there is one.
    pub next_url: Option<String>,
}

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
    let mut groups: BTreeMap<(String, String), Vec<FeedEntry<'_>>> = BTreeMap::new();
    for (href, alert) in alerts {
        for (i, info) in alert.infos.iter().enumerate() {
            groups
                .entry((alert.sender.clone(), info.language.clone()))
                .or_default()
                .push(FeedEntry {
                    href,
                    alert,
                    info: Some(i),
                });
        }
        if alert.infos.is_empty() {
            groups
                .entry((alert.sender.clone(), "en".to_string()))
                .or_default()
                .push(FeedEntry {
                    href,
                    alert,
                    info: None,
                });
        }
    }
    let mut feeds = Vec::new();
    for ((sender, language), mut entries) in groups {
        entries.sort_by(|a, b| {
            b.alert
                .sent
                .cmp(&a.alert.sent)
                .then_with(|| a.alert.identifier.cmp(&b.alert.identifier))
        });
        let file_name = format!("{}.{}.atom", slug(&sender), slug(&language));
        let feed_url = absolute(base_url, &file_name);
        let author = entries
            .iter()
            .find_map(|e| {
                e.info
                    .and_then(|i| e.alert.infos.get(i)?.sender_name.clone())
            })
            .unwrap_or_else(|| sender.clone());
        let page = FeedPage {
            id: feed_url.clone(),
            title: format!("CAP alerts from {sender} ({language})"),
            author,
            language: language.clone(),
            self_url: feed_url,
            first_url: None,
            next_url: None,
        };
        let xml = atom_feed(&page, &entries, base_url);
        feeds.push(AtomFeed {
            sender,
            language,
            file_name,
            xml,
        });
    }
    feeds
}

/// One Atom feed document: `page`'s identity and links, then `entries` in the order given.
/// `<updated>` is the latest `sent` of the entries (1970-01-01T00:00:00Z when there are none).
pub fn atom_feed(page: &FeedPage, entries: &[FeedEntry<'_>], base_url: &str) -> String {
    let updated = entries
        .iter()
        .map(|e| e.alert.sent)
        .max()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |u| u.rfc3339());
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
        escape_attr(&page.language)
    ));
    x.push_str(&format!("  <id>{}</id>\n", escape_text(&page.id)));
    x.push_str(&format!("  <title>{}</title>\n", escape_text(&page.title)));
    x.push_str(&format!("  <updated>{updated}</updated>\n"));
    x.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        escape_text(&page.author)
    ));
    let links = [
        ("self", Some(&page.self_url)),
        ("first", page.first_url.as_ref()),
        ("next", page.next_url.as_ref()),
    ];
    for (rel, href) in links {
        if let Some(h) = href {
            x.push_str(&format!(
                "  <link rel=\"{rel}\" type=\"application/atom+xml\" href=\"{}\"/>\n",
                escape_attr(h)
            ));
        }
    }
    for e in entries {
        let alert = e.alert;
        let info = e.info.and_then(|i| alert.infos.get(i));
        let url = absolute(base_url, e.href);
        let title = info
            .and_then(|i| i.headline.clone().or_else(|| Some(i.event.clone())))
            .unwrap_or_else(|| format!("{} {}", alert.msg_type, alert.identifier));
        match info {
            Some(i) if i.language != page.language => x.push_str(&format!(
                "  <entry xml:lang=\"{}\">\n",
                escape_attr(&i.language)
            )),
            _ => x.push_str("  <entry>\n"),
        }
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
    x
}
