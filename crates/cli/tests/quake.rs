//! `forewarn quake`: the Kashmir example, determinism, outputs in GDAL/xmllint, bad input.

mod common;
use common::*;
use std::path::Path;

fn quake(extra: &[&str], out: &Path) -> std::process::Output {
    let mut args = vec![
        "quake",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        "--time",
        "2005-10-08T03:50:40+00:00",
    ];
    args.extend_from_slice(extra);
    forewarn(&args)
}

const SMALL: [&str; 12] = [
    "--lat",
    "34.49",
    "--lon",
    "73.63",
    "--depth-km",
    "26",
    "--mag",
    "6.2",
    "--spacing-km",
    "4",
    "--gmpe",
    "bssa14",
];

#[test]
fn kashmir_scenario_is_red_with_deaths_of_the_right_order_and_a_valid_four_language_alert() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k");
    let rupture = repo().join("scenarios/kashmir-2005.xml");
    let o = quake(
        &[
            "--rupture",
            rupture.to_str().unwrap(),
            "--realizations",
            "20",
        ],
        &out,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["alert_level"], "red");
    let median = s["fatalities"]["median"].as_f64().unwrap();
    // About 87,000 died in 2005; an empirical model with today's population should land
    // within an order of magnitude.
    assert!(
        (8_700.0..=870_000.0).contains(&median),
        "median deaths {median}"
    );
    assert!(s["exposure_by_mmi"]["PK"]["IX"].as_f64().unwrap() > 0.0);
    for f in [
        "summary.json",
        "mmi.tif",
        "pga.tif",
        "mmi.geojson",
        "settlements.csv",
        "map.png",
        "alert.xml",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let xml = std::fs::read_to_string(out.join("alert.xml")).unwrap();
    for lang in ["en", "ru", "zh", "ur"] {
        assert!(
            xml.contains(&format!("<language>{lang}</language>")),
            "no {lang} info block"
        );
    }
    let r = forewarn_cap::validate_xml(&xml);
    assert!(r.is_valid(), "{:?}", r.problems);
    if have_tool("xmllint") {
        let xsd = repo().join("../shared/reference/cap/schema/cap12.xsd");
        if xsd.exists() {
            let o = std::process::Command::new("xmllint")
                .arg("--noout")
                .arg("--schema")
                .arg(&xsd)
                .arg(out.join("alert.xml"))
                .output()
                .unwrap();
            assert!(o.status.success(), "xmllint: {}", stderr(&o));
        }
    }
    // A Cancel of it references sender,identifier,sent.
    let cancel = out.join("cancel.xml");
    let o = forewarn(&[
        "cap",
        "cancel",
        out.join("alert.xml").to_str().unwrap(),
        "--sent",
        "2005-10-08T09:00:00+00:00",
        "--out",
        cancel.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a = forewarn_cap::read_alert(&xml).unwrap();
    let c = forewarn_cap::read_alert(&std::fs::read_to_string(&cancel).unwrap()).unwrap();
    let refs = c
        .references
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(refs, format!("{},{},{}", a.sender, a.identifier, a.sent));
    let o = forewarn(&[
        "cap",
        "validate",
        out.join("alert.xml").to_str().unwrap(),
        cancel.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stdout(&o));
}

#[test]
fn same_inputs_and_seed_give_byte_identical_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let mut args = SMALL.to_vec();
    args.extend(
        [
            "--realizations",
            "10",
            "--seed",
            "7",
            "--status",
            "Exercise",
            "--cap-always",
        ]
        .iter()
        .copied(),
    );
    for d in [&a, &b] {
        let o = quake(&args, d);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let mut n = 0;
    for e in std::fs::read_dir(&a).unwrap() {
        let name = e.unwrap().file_name();
        if name == "runtime.json" {
            continue;
        }
        let x = std::fs::read(a.join(&name)).unwrap();
        let y = std::fs::read(b.join(&name)).unwrap();
        assert!(x == y, "{name:?} differs between runs");
        n += 1;
    }
    assert!(n >= 7, "only {n} files compared");
    // The Exercise status holds in the alert.
    let xml = std::fs::read_to_string(a.join("alert.xml")).unwrap();
    assert!(xml.contains("<status>Exercise</status>") && !xml.contains("<status>Actual</status>"));
}

#[test]
fn mmi_geotiff_opens_in_gdal() {
    if !have_tool("gdalinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g");
    let mut args = SMALL.to_vec();
    args.extend(["--realizations", "0"].iter().copied());
    let o = quake(&args, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let g = std::process::Command::new("gdalinfo")
        .arg("-json")
        .arg("-stats")
        .arg(out.join("mmi.tif"))
        .output()
        .unwrap();
    assert!(g.status.success(), "{}", stderr(&g));
    let v: serde_json::Value = serde_json::from_slice(&g.stdout).unwrap();
    let gt = v["geoTransform"].as_array().unwrap();
    assert!(
        gt[1].as_f64().unwrap() > 0.0 && gt[5].as_f64().unwrap() < 0.0,
        "north-up: {gt:?}"
    );
    assert!(
        v["coordinateSystem"]["wkt"]
            .as_str()
            .unwrap()
            .contains("4326")
    );
    let max = v["bands"][0]["maximum"].as_f64().unwrap();
    assert!(max > 5.0 && max <= 10.0, "max MMI {max}");
}

fn expect_error(args: &[&str], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let o = quake(args, &dir.path().join("x"));
    assert!(!o.status.success(), "expected failure for {args:?}");
    let e = stderr(&o);
    for n in needles {
        assert!(e.contains(n), "'{n}' not in: {e}");
    }
    assert!(!e.contains("panicked"), "{e}");
}

#[test]
fn magnitude_outside_range_names_the_field() {
    expect_error(
        &[
            "--lat",
            "34",
            "--lon",
            "73",
            "--depth-km",
            "10",
            "--mag",
            "9.8",
        ],
        &["magnitude", "[4, 9.5]"],
    );
    expect_error(
        &[
            "--lat",
            "34",
            "--lon",
            "73",
            "--depth-km",
            "10",
            "--mag",
            "3.5",
        ],
        &["magnitude"],
    );
}

#[test]
fn negative_depth_names_the_field() {
    expect_error(
        &[
            "--lat",
            "34",
            "--lon",
            "73",
            "--depth-km",
            "-5",
            "--mag",
            "6",
        ],
        &["depth", "negative"],
    );
}

#[test]
fn dip_outside_range_names_the_field() {
    expect_error(
        &[
            "--lat",
            "34",
            "--lon",
            "73",
            "--depth-km",
            "10",
            "--mag",
            "6",
            "--dip",
            "0",
        ],
        &["dip", "(0, 90]"],
    );
    expect_error(
        &[
            "--lat",
            "34",
            "--lon",
            "73",
            "--depth-km",
            "10",
            "--mag",
            "6",
            "--dip",
            "120",
        ],
        &["dip"],
    );
}

#[test]
fn malformed_nrml_names_the_element() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.xml");
    let good = std::fs::read_to_string(repo().join("scenarios/kashmir-2005.xml")).unwrap();
    std::fs::write(&p, good.replace("<rake>90.0</rake>", "<rake>ninety</rake>")).unwrap();
    expect_error(
        &["--rupture", p.to_str().unwrap()],
        &["bad.xml", "<rake>", "ninety"],
    );
    std::fs::write(&p, good.replace("</planarSurface>", "")).unwrap();
    expect_error(
        &["--rupture", p.to_str().unwrap()],
        &["bad.xml", "line", "column"],
    );
}

#[test]
fn sites_csv_with_a_bad_row_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sites.csv");
    std::fs::write(&p, "lon,lat,vs30\n73.5,34.4,400\n73.6,north,400\n").unwrap();
    let mut args = SMALL.to_vec();
    args.extend(["--sites", p.to_str().unwrap()]);
    expect_error(&args, &["sites.csv", "line 3", "north"]);
}

#[test]
fn epicentre_outside_coverage_names_the_coverage() {
    expect_error(
        &[
            "--lat",
            "-33.4",
            "--lon",
            "-70.6",
            "--depth-km",
            "30",
            "--mag",
            "7",
        ],
        &[
            "outside the data coverage",
            "embedded region",
            "12 countries",
        ],
    );
}

#[test]
fn population_raster_with_wrong_crs_or_extent_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    // Wrong CRS: a projected grid.
    let mut spec = forewarn_core::GridSpec::covering(
        &forewarn_core::BBox::new(500000.0, 3700000.0, 600000.0, 3800000.0),
        1000.0,
    );
    spec.crs = forewarn_core::Crs::Projected(32643);
    let g = forewarn_core::Grid::filled(spec, 10.0f32);
    let p = dir.path().join("utm.tif");
    forewarn_core::raster_tiff::write_geotiff(&p, &g).unwrap();
    let mut args = SMALL.to_vec();
    args.extend(["--population", p.to_str().unwrap()]);
    expect_error(&args, &["utm.tif", "EPSG:32643", "EPSG:4326"]);
    // Wrong extent: South America.
    let spec = forewarn_core::GridSpec::covering(
        &forewarn_core::BBox::new(-71.0, -34.0, -70.0, -33.0),
        0.1,
    );
    let g = forewarn_core::Grid::filled(spec, 10.0f32);
    let p = dir.path().join("chile.tif");
    forewarn_core::raster_tiff::write_geotiff(&p, &g).unwrap();
    let mut args = SMALL.to_vec();
    args.extend(["--population", p.to_str().unwrap()]);
    expect_error(&args, &["chile.tif", "does not overlap"]);
}

#[test]
fn sites_csv_results_have_median_and_sigma_columns() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sites.csv");
    std::fs::write(&p, "lon,lat,vs30\n73.5,34.4,400\n73.7,34.6,\n").unwrap();
    let out = dir.path().join("s");
    let mut args = SMALL.to_vec();
    args.extend(["--sites", p.to_str().unwrap(), "--realizations", "0"]);
    let o = quake(&args, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(out.join("sites.csv")).unwrap();
    let header = text.lines().next().unwrap();
    for col in [
        "lon",
        "lat",
        "vs30",
        "pga_g",
        "pga_g_ln_sigma",
        "sa1_0_g",
        "mmi",
    ] {
        assert!(header.split(',').any(|h| h == col), "{col} not in {header}");
    }
    assert_eq!(text.lines().count(), 3);
    assert!(text.lines().nth(1).unwrap().contains(",400,user,"));
}

#[test]
fn vs30_raster_overrides_slope_and_default() {
    let dir = tempfile::tempdir().unwrap();
    let spec =
        forewarn_core::GridSpec::covering(&forewarn_core::BBox::new(73.0, 34.0, 74.0, 35.0), 0.05);
    let g = forewarn_core::Grid::filled(spec, 555.0f32);
    let vs = dir.path().join("vs30.tif");
    forewarn_core::raster_tiff::write_geotiff(&vs, &g).unwrap();
    let p = dir.path().join("sites.csv");
    std::fs::write(&p, "lon,lat\n73.5,34.4\n").unwrap();
    let out = dir.path().join("v");
    let mut args = SMALL.to_vec();
    args.extend([
        "--sites",
        p.to_str().unwrap(),
        "--vs30",
        vs.to_str().unwrap(),
        "--realizations",
        "0",
    ]);
    let o = quake(&args, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(out.join("sites.csv")).unwrap();
    assert!(
        text.lines().nth(1).unwrap().contains(",555,user,"),
        "{text}"
    );
}

#[test]
fn event_time_picks_the_year_of_the_population_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let run = |time: Option<&str>, name: &str| -> serde_json::Value {
        let out = dir.path().join(name);
        let mut args = vec!["quake", "--quiet", "--realizations", "0", "--out"];
        args.push(out.to_str().unwrap());
        if let Some(t) = time {
            args.extend(["--time", t]);
        }
        args.extend(SMALL.iter().copied());
        let o = forewarn(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
    };
    let y2005 = run(Some("2005-10-08T03:50:40+00:00"), "y2005");
    let today = run(None, "today");
    assert_eq!(y2005["exposure_year"]["requested"], 2005);
    assert_eq!(y2005["exposure_year"]["year"], 2005);
    assert_eq!(today["exposure_year"]["requested"], serde_json::Value::Null);
    assert_eq!(today["exposure_year"]["year"], 2023);
    let src = y2005["exposure_source"].as_str().unwrap();
    assert!(
        src.contains("PROXY") && src.contains("admin-unit totals") && src.contains("2005"),
        "{src}"
    );
    // Same shaking, people scaled by Pakistan's 2005 / 2023 population (country_years.csv:
    // 161,712,498 / 235,780,209).
    let pk = |s: &serde_json::Value| -> f64 {
        s["exposure_by_mmi"]["PK"]
            .as_object()
            .unwrap()
            .values()
            .filter_map(|v| v.as_f64())
            .sum()
    };
    let ratio = pk(&y2005) / pk(&today);
    assert!(
        (ratio - 161_712_498.0 / 235_780_209.0).abs() < 0.01,
        "{ratio}"
    );
}
