//! `forewarn flood run`: the Lake Sarez example reports the three life-loss numbers, counts
//! people outside settlements, and writes a valid CAP alert with an urgency per reach.

mod common;
use common::*;

#[test]
fn sarez_summary_has_deaths_without_and_with_warning_and_lives_saved() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sarez");
    let scenario = repo().join("scenarios/sarez-outburst.toml");
    let o = forewarn(&[
        "flood",
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--no-snapshots",
        "--time",
        "2026-05-13T06:00:00+00:00",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let ll = &s["life_loss"];
    let without = ll["without_warning"].as_f64().unwrap();
    let with = ll["with_warning"].as_f64().unwrap();
    let saved = ll["lives_saved"].as_f64().unwrap();
    let lead = ll["lead_time_h"].as_f64().unwrap();
    // The lead time is the early bound at the first people reached, never later than the
    // modelled arrival there.
    let modelled = ll["detail"]["lead_time_modelled_arrival_h"]
        .as_f64()
        .unwrap();
    assert!(
        lead >= 0.0 && lead <= modelled,
        "lead {lead} h, modelled {modelled} h"
    );
    assert!((without - with - saved).abs() < 1e-6);
    assert!(with < 0.5 * without, "{with} of {without}");
    // Rushon: the modelled wave comes about a day after the breach, the early bound hours
    // earlier; part of its footprint stays dry.
    let rushon = s["impact"]["settlements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Rŭshon")
        .expect("Rushon reached");
    let arrival = rushon["arrival_time_s"].as_f64().unwrap() / 3600.0;
    let early = rushon["arrival_early_s"].as_f64().unwrap() / 3600.0;
    assert!((20.0..36.0).contains(&arrival), "arrival {arrival} h");
    assert!(
        early < 0.5 * arrival,
        "early {early} h, modelled {arrival} h"
    );
    let share = rushon["share_flooded"].as_f64().unwrap();
    assert!(share > 0.0 && share < 1.0, "{share}");
    // People outside settlements (the proxy's residual grid) are counted.
    let outside = s["impact"]["affected_outside_settlements"]
        .as_f64()
        .unwrap();
    assert!(outside > 0.0);
    assert!(s["impact"]["affected"].as_f64().unwrap() > outside);
    assert!(s["damage_usd"].as_f64().unwrap() > 0.0);
    // The coarse valley is flagged.
    assert!(
        s["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("narrower than a cell")),
        "{}",
        s["warnings"]
    );
    // The deaths reported as the estimate are the ones with the warning.
    assert_eq!(s["impact"]["deaths"].as_f64().unwrap(), with);
    let text = stdout(&o);
    assert!(
        text.contains("without warning") && text.contains("lives saved"),
        "{text}"
    );
    // summary.html leads with the same three numbers, warns of the coarse valley first and
    // draws the extent that flood_extent.geojson holds.
    let html = std::fs::read_to_string(out.join("summary.html")).unwrap();
    // The page writes modelled tolls to two significant figures.
    let grouped = |v: f64| forewarn_engine::report::deaths_text(v, "en");
    for (id, v) in [
        ("rpt-deaths-without-warning", without),
        ("rpt-deaths-with-warning", with),
        ("rpt-lives-saved", saved),
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\">{}<", grouped(v))),
            "{id}"
        );
    }
    assert!(html.find("narrower than a cell") < html.find("rpt-life-loss-h"));
    assert!(html.contains(">Rŭshon</td>") && html.contains("<svg"));
    let extent: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("flood_extent.geojson")).unwrap())
            .unwrap();
    assert_eq!(extent["features"][0]["geometry"]["type"], "MultiPolygon");
}

/// The urgency rank of a CAP urgency (most urgent first).
fn rank(u: forewarn_cap::Urgency) -> u8 {
    use forewarn_cap::Urgency::*;
    match u {
        Immediate => 0,
        Expected => 1,
        Future => 2,
        Past => 3,
        Unknown => 4,
    }
}

#[test]
fn sarez_writes_a_valid_alert_with_urgency_per_reach() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo().join("scenarios/sarez-outburst.toml");
    let run = |out: &std::path::Path, observed: bool| {
        let mut args = vec![
            "flood",
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--no-snapshots",
            "--time",
            "2026-05-13T06:00:00+00:00",
        ];
        if observed {
            args.push("--breach-observed");
        }
        let o = forewarn(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read_to_string(out.join("alert.xml")).expect("alert.xml written")
    };
    let xml = run(&dir.path().join("a"), false);
    let r = forewarn_cap::validate_xml(&xml);
    assert!(r.is_valid(), "{:?}", r.problems);
    if have_tool("xmllint") {
        let xsd = repo().join("../shared/reference/cap/schema/cap12.xsd");
        if xsd.exists() {
            let o = std::process::Command::new("xmllint")
                .arg("--noout")
                .arg("--schema")
                .arg(&xsd)
                .arg(dir.path().join("a/alert.xml"))
                .output()
                .unwrap();
            assert!(o.status.success(), "xmllint: {}", stderr(&o));
        }
    }
    let a = forewarn_cap::read_alert(&xml).unwrap();
    let en: Vec<_> = a.infos.iter().filter(|i| i.language == "en").collect();
    assert!(!en.is_empty());
    for lang in ["ru", "zh", "ur"] {
        assert_eq!(
            a.infos.iter().filter(|i| i.language == lang).count(),
            en.len(),
            "{lang}"
        );
    }
    // Several reaches, each urgency in its own block, most urgent first; a block that the water
    // reaches later is never more urgent.
    let areas: usize = en.iter().map(|i| i.areas.len()).sum();
    assert!(areas >= 2, "{areas} areas");
    assert!(en.len() >= 2, "one urgency for every reach: {en:?}");
    let mut by_onset: Vec<_> = en
        .iter()
        .map(|i| (i.onset.unwrap().to_utc(), rank(i.urgency)))
        .collect();
    assert!(by_onset.windows(2).all(|w| w[0].1 < w[1].1), "{by_onset:?}");
    by_onset.sort();
    assert!(
        by_onset.windows(2).all(|w| w[0].1 <= w[1].1),
        "{by_onset:?}"
    );
    assert_eq!(by_onset[0].1, 0, "the reach below the dam is Immediate");
    for i in &en {
        assert!(
            i.areas
                .iter()
                .all(|ar| ar.area_desc.contains("after the breach"))
        );
        assert_ne!(i.certainty, forewarn_cap::Certainty::Observed);
        assert_ne!(i.certainty, forewarn_cap::Certainty::Unlikely);
        // No death toll in the public text.
        let d = i.description.as_deref().unwrap();
        assert!(!d.contains("deaths"), "{d}");
    }
    // The reaches name their settlements in each language (GeoNames' "Rŭshon" without its
    // diacritic in English, the reviewed forms in Russian, Chinese and Urdu).
    for (lang, name) in [
        ("en", "Rushon"),
        ("ru", "Рушан"),
        ("zh", "鲁尚"),
        ("ur", "روشان"),
    ] {
        assert!(
            a.infos
                .iter()
                .filter(|i| i.language == lang)
                .any(|i| i.areas.iter().any(|ar| ar.area_desc.contains(name))),
            "{lang}: {name}"
        );
    }
    // Once the breach is observed: certainty Observed everywhere.
    let seen = forewarn_cap::read_alert(&run(&dir.path().join("b"), true)).unwrap();
    assert!(
        seen.infos
            .iter()
            .all(|i| i.certainty == forewarn_cap::Certainty::Observed)
    );
}
