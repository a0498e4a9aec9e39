//! Alert pages: every language in its direction, text escaped, area described, link to XML.

mod common;
use common::*;
use forewarn_cap::*;

#[test]
fn page_shows_every_language_in_its_direction() {
    let alert = generate(
        &kashmir(Status::Actual),
        &WarningConfig::embedded().unwrap(),
    )
    .unwrap();
    let page = alert_html(&alert, Some("/cap/7.xml"));
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("<meta charset=\"utf-8\">"));
    for (k, info) in alert.infos.iter().enumerate() {
        let dir = if info.language == "ur" { "rtl" } else { "ltr" };
        assert!(
            page.contains(&format!(
                "id=\"info-{k}\" lang=\"{}\" dir=\"{dir}\"",
                info.language
            )),
            "{}",
            info.language
        );
        let headline = info.headline.as_deref().unwrap();
        assert!(page.contains(&escape_html(headline)), "{headline}");
        for a in &info.areas {
            assert!(page.contains(&escape_html(&a.area_desc)));
        }
    }
    assert!(page.contains("<a id=\"cap-xml-link\" href=\"/cap/7.xml\">"));
    // Each area is described in words and drawn.
    assert!(page.contains("polygon ("), "{page}");
    assert!(page.contains("<svg class=\"cap-area\""));
    // Coordinates and codes stay left to right inside the Urdu block.
    assert!(page.contains("\u{2066}ISO3166-1 PK\u{2069}"), "{page}");
    assert!(page.contains("° E\u{2069}"));
    assert!(page.contains("واقعہ") && page.contains("Событие") && page.contains("事件"));
    // The Urdu label of CAP severity is سنگینی: شدت alone reads as magnitude (language review).
    assert!(
        page.contains("<dt>سنگینی</dt>") || page.contains(">سنگینی<"),
        "{page}"
    );
    assert!(!page.contains(">شدت<"), "{page}");
    assert!(is_rtl("ur-PK") && is_rtl("fa") && !is_rtl("en-US") && !is_rtl("zh-CN"));
}

#[test]
fn page_escapes_the_message_text() {
    let mut alert = generate(
        &kashmir(Status::Exercise),
        &WarningConfig::embedded().unwrap(),
    )
    .unwrap();
    let evil = "<script>alert('x')</script> & \"quoted\"";
    alert.infos[0].headline = Some(evil.into());
    alert.infos[0].description = Some(evil.into());
    alert.infos[0].web = Some("javascript:alert(1)".into());
    alert.sender = "<img src=x onerror=alert(1)>".into();
    let page = alert_html(&alert, Some("/cap/1.xml?a=<b>"));
    assert!(!page.contains("<script>"), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("href=\"javascript:"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;")
    );
    assert!(page.contains("/cap/1.xml?a=&lt;b&gt;"));
    // A message that is not Actual says so at the top.
    assert!(page.contains("id=\"cap-status\">EXERCISE</span>"), "{page}");
}
