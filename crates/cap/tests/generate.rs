//! Alerts generated from impact estimates: schema (xmllint) and our validator, languages,
//! polygons, threads and the status of Exercise/Test messages.

mod common;

use common::{cfg, flood, kashmir, quake_at, xmllint};
use forewarn_cap::{
    AlertLevel, CapTime, Certainty, MsgType, ResponseType, Severity, Status, UpdateChanges,
    WarningConfig, cancel, generate, polygon_problems, read_alert, supersede, update, validate,
    validate_xml,
};

/// Every generated message must pass xmllint, our raw-XML validator (no errors, no warnings)
/// and read back to the same model.
fn check_message(alert: &forewarn_cap::Alert) {
    let xml = alert.to_xml();
    if let Err(e) = xmllint(&xml) {
        panic!("xmllint rejects the message: {e}\n{xml}");
    }
    let report = validate_xml(&xml);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(&read_alert(&xml).expect("read back"), alert);
}

#[test]
fn kashmir_alert_has_four_languages_and_valid_polygons() {
    let alert = generate(&kashmir(Status::Actual), &cfg()).unwrap();
    check_message(&alert);
    assert_eq!(alert.languages(), vec!["en", "ru", "zh", "ur"]);
    for info in &alert.infos {
        assert_eq!(info.severity, Severity::Extreme);
        assert_eq!(info.certainty, Certainty::Likely);
        assert!(info.expires.is_some());
        // PK's rows give 96 h for Red (the most severe country's rules are used).
        assert_eq!(info.expires.unwrap(), alert.sent.plus_seconds(96 * 3600));
        assert_eq!(info.areas.len(), 2, "one area per country");
        for area in &info.areas {
            assert!(!area.polygons.is_empty());
            for p in &area.polygons {
                assert!(polygon_problems(p).is_empty(), "{:?}", polygon_problems(p));
                assert!(p.0.len() <= 100 && p.0.len() >= 4);
                assert_eq!(p.0.first(), p.0.last());
            }
            assert_eq!(area.geocodes[0].value_name, "ISO3166-1");
        }
    }
    let ur = &alert.infos[3];
    assert!(ur.headline.as_deref().unwrap().contains("زلزلے"));
    assert!(
        alert.infos[2]
            .description
            .as_deref()
            .unwrap()
            .contains("7.6级地震")
    );
    assert!(alert.infos[1].areas[0].area_desc.starts_with("Пакистан"));
    assert!(validate(&alert).is_empty());
}

#[test]
fn kashmir_cancel_references_the_alert() {
    let alert = generate(&kashmir(Status::Actual), &cfg()).unwrap();
    let sent = CapTime::parse("2005-10-08T06:00:00-00:00").unwrap();
    let c = cancel(&alert, sent, "Superseded by field reports.").unwrap();
    assert_eq!(c.msg_type, MsgType::Cancel);
    assert_eq!(c.references.len(), 1);
    assert_eq!(
        c.references[0].to_string(),
        format!("{},{},{}", alert.sender, alert.identifier, alert.sent)
    );
    assert_ne!(c.identifier, alert.identifier);
    assert!(
        c.infos
            .iter()
            .all(|i| i.response_types == vec![ResponseType::AllClear])
    );
    check_message(&c);
    let xml = c.to_xml();
    assert!(xml.contains(&format!(
        "<references>forewarn@forewarn.example,{},2005-10-08T04:20:00-00:00</references>",
        alert.identifier
    )));
    // A cancelled thread is closed; the original is untouched.
    assert!(update(&c, sent.plus_seconds(60), &UpdateChanges::default()).is_err());
    assert!(cancel(&alert, alert.sent, "too early").is_err());
}

#[test]
fn update_chain_lists_the_whole_thread() {
    let cfg = cfg();
    let a = generate(&kashmir(Status::Actual), &cfg).unwrap();
    let u1 = update(
        &a,
        a.sent.plus_seconds(1800),
        &UpdateChanges {
            note: Some("Revised loss estimate".into()),
            severity: Some(Severity::Severe),
            ..Default::default()
        },
    )
    .unwrap();
    let mut revised = kashmir(Status::Actual);
    revised.sent = a.sent.plus_seconds(3600);
    revised.alert_level = AlertLevel::Orange;
    let u2 = supersede(&u1, generate(&revised, &cfg).unwrap()).unwrap();
    let c = cancel(&u2, a.sent.plus_seconds(7200), "Event over").unwrap();
    assert_eq!(u1.references, vec![a.reference()]);
    assert_eq!(u2.references, vec![a.reference(), u1.reference()]);
    assert_eq!(
        c.references,
        vec![a.reference(), u1.reference(), u2.reference()]
    );
    for m in [&u1, &u2, &c] {
        check_message(m);
    }
    let ids = [&a.identifier, &u1.identifier, &u2.identifier, &c.identifier];
    for i in 0..ids.len() {
        for j in i + 1..ids.len() {
            assert_ne!(ids[i], ids[j]);
        }
    }
    assert!(!u2.identifier.contains(".update.") || u2.identifier.matches(".update.").count() == 1);
}

#[test]
fn three_levels_and_a_flood_generate_valid_messages() {
    let cfg = cfg();
    let cases = [
        (AlertLevel::Yellow, 0.55, 40.0, Severity::Moderate),
        (AlertLevel::Orange, 0.35, 450.0, Severity::Severe),
        (AlertLevel::Red, 0.9, 5000.0, Severity::Extreme),
        (AlertLevel::Green, 0.95, 0.0, Severity::Minor),
    ];
    for (level, p, deaths, severity) in cases {
        let alert = generate(&quake_at(level, p, deaths), &cfg).unwrap();
        check_message(&alert);
        assert!(alert.infos.iter().all(|i| i.severity == severity));
        let en = &alert.infos[0];
        assert!(
            en.headline.as_deref().unwrap().starts_with(level.as_str()),
            "{:?}",
            en.headline
        );
        assert!(
            en.description
                .as_deref()
                .unwrap()
                .contains(&format!("{}%", (p * 100.0_f64).round()))
        );
    }
    let orange = generate(&quake_at(AlertLevel::Orange, 0.35, 450.0), &cfg).unwrap();
    assert_eq!(orange.infos[0].certainty, Certainty::Possible);
    for level in AlertLevel::ALL {
        let f = generate(&flood(level), &cfg).unwrap();
        check_message(&f);
        assert_eq!(f.infos.len(), 2);
    }
}

#[test]
fn exercise_and_test_carry_their_status_everywhere() {
    let cfg = cfg();
    for status in [Status::Exercise, Status::Test] {
        let word = status.as_str().to_uppercase();
        let a = generate(&kashmir(status), &cfg).unwrap();
        assert_eq!(a.status, status);
        assert!(a.note.is_some());
        let en = &a.infos[0];
        for text in [&en.headline, &en.description, &en.instruction] {
            assert!(text.as_deref().unwrap().starts_with(&word), "{text:?}");
        }
        // Every language carries its status word.
        let ru_prefix = if status == Status::Exercise {
            "УЧЕНИЕ"
        } else {
            "ТЕСТ"
        };
        assert!(
            a.infos[1]
                .headline
                .as_deref()
                .unwrap()
                .starts_with(ru_prefix)
        );
        let u = update(
            &a,
            a.sent.plus_seconds(60),
            &UpdateChanges {
                note: Some("revised".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let c = cancel(&u, a.sent.plus_seconds(120), "done").unwrap();
        for m in [&a, &u, &c] {
            assert_eq!(m.status, status);
            assert!(m.to_xml().contains(&format!("<status>{status}</status>")));
            check_message(m);
        }
        assert!(u.note.as_deref().unwrap().starts_with(&word));
        assert!(c.note.as_deref().unwrap().starts_with(&word));
    }
}

/// Nothing marked Exercise can become Actual: over every level, language set and thread
/// operation, the status stays Exercise, and supersede refuses a change of status.
#[test]
fn exercise_never_becomes_actual() {
    let cfg = cfg();
    for level in AlertLevel::ALL {
        for languages in [vec!["en"], vec!["ur", "zh"], vec!["en", "ru", "zh", "ur"]] {
            let mut w = quake_at(level, 0.6, 10.0);
            w.status = Status::Exercise;
            w.languages = languages.iter().map(|s| s.to_string()).collect();
            let a = generate(&w, &cfg).unwrap();
            let u = update(&a, a.sent.plus_seconds(10), &UpdateChanges::default()).unwrap();
            let mut actual = w.clone();
            actual.status = Status::Actual;
            actual.sent = a.sent.plus_seconds(20);
            let refused = supersede(&u, generate(&actual, &cfg).unwrap());
            assert!(
                refused.is_err(),
                "an Actual message must not continue an Exercise thread"
            );
            let mut ex = w.clone();
            ex.sent = a.sent.plus_seconds(20);
            let s = supersede(&u, generate(&ex, &cfg).unwrap()).unwrap();
            let c = cancel(&s, a.sent.plus_seconds(30), "end of exercise").unwrap();
            for m in [&a, &u, &s, &c] {
                assert_eq!(m.status, Status::Exercise);
                let back = read_alert(&m.to_xml()).unwrap();
                assert_eq!(back.status, Status::Exercise);
                assert!(!m.to_xml().contains("<status>Actual</status>"));
            }
        }
    }
}

#[test]
fn generation_is_deterministic_and_checks_input() {
    let cfg = cfg();
    let w = kashmir(Status::Actual);
    assert_eq!(
        generate(&w, &cfg).unwrap().to_xml(),
        generate(&w, &cfg).unwrap().to_xml()
    );
    let mut bad = w.clone();
    bad.languages = vec!["fr".into()];
    assert!(generate(&bad, &cfg).unwrap_err().to_string().contains("fr"));
    let mut bad = w.clone();
    bad.facts.magnitude = None;
    let err = generate(&bad, &cfg).unwrap_err().to_string();
    assert!(err.contains("magnitude"), "{err}");
    let mut bad = w.clone();
    bad.areas[0].footprints_lon_lat = vec![vec![(73.0, 34.0), (73.5, 34.5)]];
    assert!(generate(&bad, &cfg).is_err());
    let mut bad = w;
    bad.likelihood = 1.2;
    assert!(generate(&bad, &cfg).is_err());
}

#[test]
fn configured_wmo_oid_gives_wmo_identifiers() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let matrix = std::fs::read_to_string(data.join("warning_matrix.toml")).unwrap();
    let matrix = format!(
        "{matrix}\n[[senders]]\nsender = \"forewarn@forewarn.example\"\nwmo_oid = \"2.49.0.0.999.0\"\nsender_name = \"Test authority\"\n"
    );
    std::fs::write(dir.path().join("warning_matrix.toml"), matrix).unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    for lang in ["en", "ru", "zh", "ur"] {
        std::fs::copy(
            data.join("templates").join(format!("{lang}.toml")),
            dir.path().join("templates").join(format!("{lang}.toml")),
        )
        .unwrap();
    }
    let cfg = WarningConfig::from_dir(dir.path()).unwrap();
    let a = generate(&kashmir(Status::Actual), &cfg).unwrap();
    assert_eq!(a.identifier, "urn:oid:2.49.0.0.999.0.2005.10.8.4.20.0");
    assert_eq!(a.infos[0].sender_name.as_deref(), Some("Test authority"));
    let c = cancel(&a, a.sent.plus_seconds(3600), "test").unwrap();
    assert_eq!(c.identifier, "urn:oid:2.49.0.0.999.0.2005.10.8.5.20.0");
    check_message(&c);
}

/// Simplified polygons keep the footprint's area within 5 % (shoelace, square degrees).
#[test]
fn simplified_footprints_keep_their_area() {
    let w = kashmir(Status::Actual);
    let alert = generate(&w, &cfg()).unwrap();
    for (area_in, area_out) in w.areas.iter().zip(&alert.infos[0].areas) {
        let ring: Vec<forewarn_cap::LatLon> = area_in.footprints_lon_lat[0]
            .iter()
            .map(|&(lon, lat)| forewarn_cap::LatLon { lat, lon })
            .collect();
        let full = forewarn_cap::geometry::ring_area(&ring).abs();
        let simple = forewarn_cap::geometry::ring_area(&area_out.polygons[0].0).abs();
        eprintln!(
            "{}: {} input points -> {} CAP points, area ratio {:.4}",
            area_in.country_iso2,
            ring.len(),
            area_out.polygons[0].0.len(),
            simple / full
        );
        assert!(
            (simple / full - 1.0).abs() < 0.05,
            "ratio {}",
            simple / full
        );
    }
}

#[test]
fn flood_areas_get_their_own_urgency_and_onset_and_no_death_toll() {
    use forewarn_cap::{ImpactArea, Urgency};
    let cfg = cfg();
    let mut w = flood(AlertLevel::Red);
    w.languages = vec!["en".into(), "ru".into(), "zh".into(), "ur".into()];
    let reach = |desc: &str, lon: f64, urgency: Urgency, onset: &str| ImpactArea {
        country_iso2: "PK".into(),
        zone: forewarn_cap::Zone::Named(desc.into()),
        places: vec![],
        footprints_lon_lat: vec![vec![
            (lon, 27.0),
            (lon + 0.2, 27.0),
            (lon + 0.2, 27.2),
            (lon, 27.2),
        ]],
        geocodes: vec![],
        urgency: Some(urgency),
        onset: Some(CapTime::parse(onset).unwrap()),
    };
    // Listed out of order: the generator puts the most urgent first.
    w.areas = vec![
        reach("far", 69.0, Urgency::Future, "2022-08-26T20:00:00+05:00"),
        reach(
            "near",
            68.0,
            Urgency::Immediate,
            "2022-08-25T09:30:00+05:00",
        ),
        reach(
            "middle",
            68.5,
            Urgency::Expected,
            "2022-08-25T12:30:00+05:00",
        ),
        reach("far 2", 69.4, Urgency::Future, "2022-08-26T18:00:00+05:00"),
    ];
    let alert = generate(&w, &cfg).unwrap();
    check_message(&alert);
    assert_eq!(alert.infos.len(), 3 * 4);
    let en: Vec<_> = alert.infos.iter().filter(|i| i.language == "en").collect();
    assert_eq!(
        en.iter().map(|i| i.urgency).collect::<Vec<_>>(),
        [Urgency::Immediate, Urgency::Expected, Urgency::Future]
    );
    // Each block's onset is its earliest area's; onsets follow the urgency.
    let onsets: Vec<_> = en.iter().map(|i| i.onset.unwrap().to_utc()).collect();
    assert!(onsets.windows(2).all(|p| p[0] < p[1]), "{onsets:?}");
    assert_eq!(
        en[2].onset,
        Some(CapTime::parse("2022-08-26T18:00:00+05:00").unwrap())
    );
    assert_eq!(en[2].areas.len(), 2);
    // Not observed: certainty from the matrix. Observed once the breach is seen.
    assert!(alert.infos.iter().all(|i| i.certainty == Certainty::Likely));
    w.observed = true;
    let seen = generate(&w, &cfg).unwrap();
    check_message(&seen);
    assert!(
        seen.infos
            .iter()
            .all(|i| i.certainty == Certainty::Observed)
    );
    // The public texts carry no death toll in any language (it stays in medianDeaths).
    for i in &alert.infos {
        let d = i.description.as_deref().unwrap();
        assert!(!d.contains("120"), "{}: {d}", i.language);
        for word in ["deaths", "погибш", "死亡", "ہلاکت"] {
            assert!(!d.contains(word), "{}: {d}", i.language);
        }
    }
    // Green is the expected impact of a flood that is coming, never "Unlikely".
    for p in [0.2, 0.9] {
        let mut g = flood(AlertLevel::Green);
        g.likelihood = p;
        let a = generate(&g, &cfg).unwrap();
        assert!(a.infos.iter().all(|i| i.certainty != Certainty::Unlikely));
        let want = if p >= 0.5 {
            Certainty::Likely
        } else {
            Certainty::Possible
        };
        assert!(a.infos.iter().all(|i| i.certainty == want));
    }
}

#[test]
fn each_urgency_block_says_when_its_reaches_flood() {
    use forewarn_cap::{ImpactArea, Urgency};
    let mut w = flood(AlertLevel::Orange);
    w.languages = vec!["en".into()];
    let reach = |lon: f64, urgency: Urgency, onset: &str| ImpactArea {
        country_iso2: "PK".into(),
        zone: forewarn_cap::Zone::FloodZone,
        places: vec![],
        footprints_lon_lat: vec![vec![(lon, 27.0), (lon + 0.2, 27.0), (lon + 0.2, 27.2)]],
        geocodes: vec![],
        urgency: Some(urgency),
        onset: Some(CapTime::parse(onset).unwrap()),
    };
    w.areas = vec![
        reach(68.0, Urgency::Immediate, "2022-08-25T09:30:00+05:00"),
        reach(69.0, Urgency::Future, "2022-08-26T20:00:00+05:00"),
    ];
    let a = generate(&w, &cfg()).unwrap();
    check_message(&a);
    let d: Vec<_> = a
        .infos
        .iter()
        .map(|i| i.description.clone().unwrap())
        .collect();
    assert!(d[0].contains("2022-08-25 04:30 UTC"), "{}", d[0]);
    assert!(d[1].contains("2022-08-26 15:00 UTC"), "{}", d[1]);
}
