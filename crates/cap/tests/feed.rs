//! Atom feeds: one per sender and language, entries linked as application/cap+xml.

mod common;

use common::{flood, kashmir};
use forewarn_cap::{Status, WarningConfig, atom_feeds, generate};

#[test]
fn one_feed_per_sender_and_language() {
    let cfg = WarningConfig::embedded().unwrap();
    let quake = generate(&kashmir(Status::Actual), &cfg).unwrap();
    let mut f = flood(forewarn_cap::AlertLevel::Orange);
    f.sender = "floods@forewarn.example".into();
    let flood_alert = generate(&f, &cfg).unwrap();
    let feeds = atom_feeds(
        &[
            ("quake.xml".into(), quake.clone()),
            ("flood/alert.xml".into(), flood_alert),
        ],
        "https://alerts.forewarn.example/cap/",
    );
    let keys: Vec<(String, String)> = feeds
        .iter()
        .map(|f| (f.sender.clone(), f.language.clone()))
        .collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    assert!(keys.contains(&("floods@forewarn.example".into(), "ur".into())));
    let zh = feeds.iter().find(|f| f.language == "zh").unwrap();
    assert!(zh.xml.contains(
        "<link rel=\"alternate\" type=\"application/cap+xml\" href=\"https://alerts.forewarn.example/cap/quake.xml\"/>"
    ));
    assert!(zh.xml.contains("<title>地震影响红色警报"));
    assert!(zh.xml.contains("xml:lang=\"zh\""));
    assert_eq!(zh.file_name, "forewarn_forewarn.example.zh.atom");
    // Well-formed XML.
    let dir = tempfile::tempdir().unwrap();
    for feed in &feeds {
        let p = dir.path().join(&feed.file_name);
        std::fs::write(&p, &feed.xml).unwrap();
        let st = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg(&p)
            .status()
            .unwrap();
        assert!(st.success(), "{}", feed.xml);
    }
}
