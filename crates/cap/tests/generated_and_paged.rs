//! The one check for generated messages (`to_valid_xml`, `require_valid`) and one paged feed
//! document (`atom_feed` with RFC 5005 links).

mod common;

use common::kashmir;
use forewarn_cap::{
    CapError, FeedEntry, FeedPage, Status, WarningConfig, atom_feed, generate, require_valid,
    to_valid_xml,
};

/// `xmllint --noout`: the document is well-formed XML.
fn well_formed(xml: &str) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("feed.atom");
    std::fs::write(&p, xml).unwrap();
    let st = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg(&p)
        .status()
        .expect("xmllint (libxml2-utils) is installed");
    assert!(st.success(), "{xml}");
}

#[test]
fn generated_messages_pass_one_check() {
    let cfg = WarningConfig::embedded().unwrap();
    let alert = generate(&kashmir(Status::Actual), &cfg).unwrap();
    let xml = to_valid_xml(&alert).unwrap();
    assert_eq!(xml, alert.to_xml());
    require_valid(&xml).unwrap();
    // An identifier with spaces and a comma breaks a CAP rule: refused with the problem's path.
    let mut broken = alert.clone();
    broken.identifier = "two words, one comma".into();
    match to_valid_xml(&broken) {
        Err(CapError::Invalid(problems)) => {
            assert!(!problems.is_empty());
            assert!(problems.iter().all(|p| p.is_error()));
            assert!(
                problems.iter().any(|p| p.path.contains("identifier")),
                "{problems:?}"
            );
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    // Not XML at all.
    assert!(matches!(require_valid("<alert"), Err(CapError::Invalid(_))));
}

#[test]
fn one_paged_feed() {
    let cfg = WarningConfig::embedded().unwrap();
    let alert = generate(&kashmir(Status::Actual), &cfg).unwrap();
    let ru = alert.infos.iter().position(|i| i.language == "ru").unwrap();
    let page = FeedPage {
        id: "https://x.example/feeds/pk.atom?lang=en".into(),
        title: "Pakistan: CAP alerts".into(),
        author: "Pakistan & co".into(),
        language: "en".into(),
        self_url: "https://x.example/feeds/pk.atom?lang=en&limit=1&before=9".into(),
        first_url: Some("https://x.example/feeds/pk.atom?lang=en&limit=1".into()),
        next_url: Some("https://x.example/feeds/pk.atom?lang=en&limit=1&before=7".into()),
    };
    let entries = [
        FeedEntry {
            href: "/cap/8.xml",
            alert: &alert,
            info: Some(0),
        },
        FeedEntry {
            href: "/cap/7.xml",
            alert: &alert,
            info: Some(ru),
        },
    ];
    let xml = atom_feed(&page, &entries, "https://x.example");
    well_formed(&xml);
    assert!(xml.contains(
        "<link rel=\"next\" type=\"application/atom+xml\" href=\"https://x.example/feeds/pk.atom?lang=en&amp;limit=1&amp;before=7\"/>"
    ));
    assert!(xml.contains("rel=\"first\""));
    assert!(xml.contains("<author><name>Pakistan &amp; co</name></author>"));
    // Entries in the given order; the Russian one says so.
    let first = xml.find("/cap/8.xml").unwrap();
    let second = xml.find("/cap/7.xml").unwrap();
    assert!(first < second);
    assert!(xml.contains("<entry xml:lang=\"ru\">"));
    // No entries: still a valid feed with an <updated>, and no next link when none is given.
    let last = FeedPage {
        next_url: None,
        ..page
    };
    let empty = atom_feed(&last, &[], "https://x.example");
    well_formed(&empty);
    assert!(empty.contains("<updated>1970-01-01T00:00:00Z</updated>"));
    assert!(!empty.contains("rel=\"next\""));
}
