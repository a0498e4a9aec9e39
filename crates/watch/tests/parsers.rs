//! The watch parsers on fixtures written from each format's documentation
//! (tests/fixtures/README.md says where each shape comes from), the association of two
//! agencies' reports, and the rules on the embedded region.

use forewarn_watch::cap_atom;
use forewarn_watch::gauge::{self, GaugeThresholds};
use forewarn_watch::{
    AreaOfInterest, AssocConfig, Associator, ChangeKind, OrgRules, ReportStatus, SourceKind,
    parse_quakes,
};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn usgs_summary_feed() {
    // From the USGS GeoJSON summary format page: one earthquake, one quarry blast (rejected:
    // not an earthquake), one feature without geometry (rejected).
    let p = parse_quakes(
        SourceKind::UsgsGeojson,
        "usgs",
        "us",
        &fixture("usgs_summary.geojson"),
    )
    .unwrap();
    assert_eq!(p.items.len(), 1);
    let r = &p.items[0];
    assert_eq!(
        (r.agency.as_str(), r.event_id.as_str()),
        ("us", "us7000abcd")
    );
    assert_eq!((r.lon, r.lat, r.depth_km, r.mag), (73.2, 33.8, 15.0, 6.1));
    assert_eq!(r.origin_time_ms, 1_736_481_040_000);
    assert_eq!(r.status, ReportStatus::Automatic);
    assert_eq!(p.rejected.len(), 2);
    assert!(
        p.rejected[0].reason.contains("quarry blast"),
        "{:?}",
        p.rejected
    );
    assert!(
        p.rejected[1].reason.contains("geometry"),
        "{:?}",
        p.rejected
    );
    assert_eq!(p.rejected[1].at, "features[2]");
}

#[test]
fn fdsn_text() {
    // From the fdsnws-event 1.2 text format: the header names the columns.
    let p = parse_quakes(
        SourceKind::FdsnText,
        "emsc",
        "emsc",
        &fixture("fdsn_event.txt"),
    )
    .unwrap();
    assert_eq!(p.items.len(), 2, "{:?}", p.rejected);
    assert_eq!(p.items[0].agency, "emsc");
    assert_eq!(p.items[0].event_id, "20250110_0000042");
    assert_eq!(p.items[0].mag, 6.0);
    assert_eq!(p.rejected.len(), 1);
    assert_eq!(p.rejected[0].at, "line 3");
    assert!(p.rejected[0].reason.contains("Latitude") || p.rejected[0].reason.contains("latitude"));
    // Without a header: the order of the specification.
    let body = b"ev1|2025-01-10T03:50:45|33.9|73.3|12|A|C|||mw|6.0|A|X\n";
    let p = parse_quakes(SourceKind::FdsnText, "s", "fallback", body).unwrap();
    assert_eq!(p.items[0].agency, "a");
}

#[test]
fn quakeml_bed() {
    // From the QuakeML 1.2 BED: the preferred magnitude (Mw 6.2, not mb 5.8), depth in metres.
    let p = parse_quakes(
        SourceKind::Quakeml,
        "geofon",
        "gfz",
        &fixture("quakeml_bed.xml"),
    )
    .unwrap();
    assert_eq!(p.items.len(), 2, "{:?}", p.rejected);
    let r = &p.items[0];
    assert_eq!(
        (r.event_id.as_str(), r.agency.as_str()),
        ("gfz2025abcd", "gfz")
    );
    assert_eq!((r.mag, r.depth_km), (6.2, 14.0));
    assert_eq!(r.status, ReportStatus::Reviewed);
    assert_eq!(p.items[1].status, ReportStatus::Deleted);
    assert_eq!(p.rejected.len(), 1);
    assert!(p.rejected[0].reason.contains("magnitude"));
}

#[test]
fn hostile_bodies_are_refused_whole() {
    let deep = "<a>".repeat(100) + &"</a>".repeat(100);
    let e = parse_quakes(SourceKind::Quakeml, "s", "a", deep.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("deeper"), "{e}");
    let e = parse_quakes(SourceKind::UsgsGeojson, "s", "a", b"{\"type\":\"Feature\"}").unwrap_err();
    assert!(e.to_string().contains("FeatureCollection"), "{e}");
    let big = vec![b' '; forewarn_watch::limits::MAX_BODY_BYTES + 1];
    let e = parse_quakes(SourceKind::FdsnText, "s", "a", &big).unwrap_err();
    assert!(e.to_string().contains("limit"), "{e}");
}

#[test]
fn cap_atom_feed() {
    // Atom entries linking to or embedding CAP 1.2.
    let p = cap_atom::parse_feed(&fixture("cap_feed.atom")).unwrap();
    assert_eq!(p.items.len(), 2);
    assert_eq!(
        p.items[0].link.as_deref(),
        Some("https://warn.example.org/cap/7.xml")
    );
    let w = cap_atom::read_warning(p.items[1].embedded.as_deref().unwrap()).unwrap();
    assert_eq!(w.event, "Heavy snow");
    assert_eq!(w.polygons_lon_lat[0][0], (76.5, 43.0));
    assert_eq!(w.signature_valid, None);
    assert_eq!(p.rejected.len(), 1);
}

#[test]
fn gauges_and_thresholds() {
    // SensorThings 1.1 Observations: a string result and an interval time are read; a null
    // result is rejected.
    let p = gauge::parse_sensorthings(&fixture("sensorthings_observations.json")).unwrap();
    assert_eq!(p.items.len(), 3);
    assert_eq!(p.rejected.len(), 1);
    let t = GaugeThresholds {
        level: Some(3.9),
        rise: None,
        rise_window_s: 3600.0,
    };
    let c = gauge::first_crossing(&p.items, &t, i64::MIN).unwrap();
    assert_eq!((c.kind.as_str(), c.value), ("level", 3.95));
    // CSV: the rise of 0.75 within two hours crosses a rise threshold of 0.5.
    let p = gauge::parse_csv(&fixture("gauge.csv")).unwrap();
    assert_eq!((p.items.len(), p.rejected.len()), (3, 1));
    let t = GaugeThresholds {
        level: None,
        rise: Some(0.5),
        rise_window_s: 7200.0,
    };
    let c = gauge::first_crossing(&p.items, &t, i64::MIN).unwrap();
    assert_eq!(c.kind, "rise");
    assert!(gauge::first_crossing(&p.items, &t, c.time_ms).is_none());
}

#[test]
fn three_agencies_one_event_and_rules() {
    let usgs = parse_quakes(
        SourceKind::UsgsGeojson,
        "usgs",
        "us",
        &fixture("usgs_summary.geojson"),
    )
    .unwrap();
    let emsc = parse_quakes(
        SourceKind::FdsnText,
        "emsc",
        "emsc",
        &fixture("fdsn_event.txt"),
    )
    .unwrap();
    let gfz = parse_quakes(
        SourceKind::Quakeml,
        "geofon",
        "gfz",
        &fixture("quakeml_bed.xml"),
    )
    .unwrap();
    let mut a = Associator::new(
        AssocConfig {
            agency_order: vec!["gfz".into(), "us".into()],
            ..AssocConfig::default()
        },
        vec![],
    );
    assert_eq!(a.ingest(usgs.items[0].clone()).kind, ChangeKind::New);
    // The EMSC origin is 5 s and ~16 km away: merged, the preferred (us) unchanged.
    assert_eq!(a.ingest(emsc.items[0].clone()).kind, ChangeKind::Merged);
    // GFZ is first in the agency order: preferred now, with a 0.1 larger magnitude.
    let c = a.ingest(gfz.items[0].clone());
    assert_eq!(c.kind, ChangeKind::Revised);
    let e = c.event.unwrap();
    assert_eq!(e.preferred(&a.cfg).unwrap().agency, "gfz");
    assert_eq!(
        e.source_event_ids(),
        vec!["20250110_0000042", "gfz2025abcd", "us7000abcd"]
    );
    assert_eq!(a.events().len(), 1);

    let region = forewarn_embedded::region().unwrap();
    let rules = |iso2: &str| OrgRules {
        org: iso2.to_lowercase(),
        area: AreaOfInterest::new(region.country(iso2).unwrap().boundary.clone(), 100.0),
        magnitude_steps: OrgRules::default_steps(),
        trusted_sources: vec![],
    };
    let p = e.preferred(&a.cfg).unwrap();
    assert!(rules("PK").evaluate(p).passes());
    assert!(!rules("KZ").evaluate(p).passes());
    // Depth rule: M5.5 passes at 70 km, not at 71 km.
    let mut deep = p.clone();
    deep.mag = 5.5;
    deep.depth_km = 70.0;
    assert!(rules("PK").evaluate(&deep).passes());
    deep.depth_km = 71.0;
    assert!(!rules("PK").evaluate(&deep).passes());
    // Inside the 100 km buffer but outside the country; and far away.
    let area = &rules("PK").area;
    let (lon, lat) = (73.2, 33.8);
    assert_eq!(area.distance_km(lon, lat), 0.0);
    let mut near = p.clone();
    near.lon = 59.0;
    near.lat = 28.0;
    let d = area.distance_km(near.lon, near.lat);
    assert_eq!(rules("PK").evaluate(&near).passes(), d <= 100.0, "{d}");
    let mut far = p.clone();
    far.lon = 60.0;
    far.lat = 40.0;
    assert!(!rules("PK").evaluate(&far).passes());
}
