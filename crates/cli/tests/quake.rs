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
        "exposure.csv",
        "map.png",
        "alert.xml",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    // exposure.csv: a row per country with the summary's people per intensity.
    let exposure = std::fs::read_to_string(out.join("exposure.csv")).unwrap();
    let mut rows = exposure.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    assert_eq!(header[..3], ["country_iso2", "country", "people_mmi1"]);
    assert_eq!(
        header[12..],
        [
            "people_exposed_mmi5_plus",
            "deaths_median_shaking",
            "loss_usd_median_shaking"
        ]
    );
    let pk: Vec<&str> = rows
        .find(|r| r.starts_with("PK,"))
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(pk.len(), header.len());
    for (k, roman) in ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
        .iter()
        .enumerate()
    {
        let csv: f64 = pk[2 + k].parse().unwrap();
        let json = s["exposure_by_mmi"]["PK"][roman].as_f64().unwrap();
        assert!((csv - json).abs() <= 1.0, "{roman}: {csv} against {json}");
    }
    let v_plus: f64 = pk[12].parse().unwrap();
    assert!(
        v_plus > 0.0
            && (pk[6..12]
                .iter()
                .map(|v| v.parse::<f64>().unwrap())
                .sum::<f64>()
                - v_plus)
                .abs()
                <= 5.0
    );
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
        text.lines().nth(1).unwrap().contains(",555,raster,"),
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

/// Pearson correlation of two samples.
fn corr(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    sab / (saa * sbb).sqrt()
}

#[test]
fn gmf_csv_holds_every_realisation_site_and_imt_correlated_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sites.csv");
    // Sites 0 and 1 are 1.1 km apart, site 2 about 100 km from both, site 3 near site 0.
    std::fs::write(
        &p,
        "lon,lat,vs30\n73.60,34.40,400\n73.60,34.41,400\n74.70,34.40,400\n73.61,34.40,\n",
    )
    .unwrap();
    let run = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        let mut args = SMALL.to_vec();
        args.extend([
            "--sites",
            p.to_str().unwrap(),
            "--realizations",
            "200",
            "--imt",
            "SA(2.0)",
            "--seed",
            seed,
        ]);
        let o = quake(&args, &out);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read_to_string(out.join("gmf.csv")).unwrap()
    };
    let a = run("a", "7");
    assert_eq!(a, run("b", "7"), "same seed, same gmf.csv");
    assert_ne!(a, run("c", "8"), "another seed, other fields");
    let mut lines = a.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "site_id",
            "lon",
            "lat",
            "realisation",
            "pga_g",
            "pgv_cms",
            "sa0_3_g",
            "sa1_0_g",
            "sa2_0_g"
        ]
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse::<f64>().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 4 * 200, "every site in every realisation");
    // ln values per (site, imt) over realisations.
    let ln = |site: usize, col: usize| -> Vec<f64> {
        rows.iter()
            .filter(|r| r[0] as usize == site)
            .map(|r| r[col].ln())
            .collect()
    };
    for site in 0..4 {
        let v = ln(site, 4);
        assert_eq!(v.len(), 200);
        let distinct = v
            .iter()
            .map(|x| x.to_bits())
            .collect::<std::collections::BTreeSet<_>>();
        assert!(distinct.len() > 190, "realisations differ at site {site}");
    }
    // Realisations counted 0..199, site ids 0..3, coordinates as given.
    assert_eq!(rows[0][3], 0.0);
    assert_eq!(rows[4 * 200 - 1][3], 199.0);
    assert_eq!((rows[2][1], rows[2][2]), (74.70, 34.40));
    // Within-event spatial correlation (JB2009) plus the shared between-event term: close
    // sites move together much more than distant ones.
    let near = corr(&ln(0, 4), &ln(1, 4));
    let far = corr(&ln(0, 4), &ln(2, 4));
    assert!(near > 0.8 && near > far + 0.3, "near {near}, far {far}");
    // Between IMTs (Baker & Jayaram 2008; Bradley 2012 for PGV): PGA and SA(0.3) strongly,
    // PGA and SA(2.0) less so; PGV with SA(1.0) strongly.
    let pga_sa03 = corr(&ln(0, 4), &ln(0, 6));
    let pga_sa20 = corr(&ln(0, 4), &ln(0, 8));
    let pgv_sa10 = corr(&ln(0, 5), &ln(0, 7));
    assert!(
        pga_sa03 > 0.75 && pga_sa20 < pga_sa03 - 0.15,
        "{pga_sa03} {pga_sa20}"
    );
    assert!(pgv_sa10 > 0.6, "{pgv_sa10}");
    // The median sites.csv and the summary describe the same file.
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("a/summary.json")).unwrap())
            .unwrap();
    assert_eq!(s["gmf"]["rows"], 800);
    assert_eq!(s["intensity"]["mmi_from"], "pgv_cms");
    assert_eq!(
        s["intensity"]["component_conversion"],
        "Boore & Kishida (2017) from the models' RotD50"
    );
    let sites = std::fs::read_to_string(dir.path().join("a/sites.csv")).unwrap();
    assert!(
        sites
            .lines()
            .next()
            .unwrap()
            .starts_with("site_id,lon,lat,vs30,vs30_source")
    );
    assert!(
        sites
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("0,73.6,34.4,400,user,")
    );
    assert!(sites.lines().nth(4).unwrap().starts_with("3,73.61,34.4,"));
}

/// `--lat --lon --depth-km --mag` of a point at the 2005 Kashmir epicentre, 15 km deep.
fn kashmir_point(mag: &'static str) -> Vec<&'static str> {
    vec![
        "--lat",
        "34.49",
        "--lon",
        "73.63",
        "--depth-km",
        "15",
        "--mag",
        mag,
    ]
}

#[test]
fn gmf_of_a_point_source_draws_a_strike_per_realisation() {
    // M7.6 given as a point: 40 km from the epicentre the fields spread more than the models'
    // sigma, because each realisation draws one rupture of the strike ensemble; their mean
    // stays at the median of sites.csv (the ensemble's mean ln ground motion).
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sites.csv");
    std::fs::write(&p, "lon,lat,vs30\n74.00,34.75,400\n").unwrap();
    let out = dir.path().join("g");
    let mut args: Vec<&str> = kashmir_point("7.6");
    args.extend([
        "--spacing-km",
        "8",
        "--gmpe",
        "bssa14",
        "--sites",
        p.to_str().unwrap(),
        "--realizations",
        "200",
        "--seed",
        "3",
    ]);
    let o = quake(&args, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let sites = std::fs::read_to_string(out.join("sites.csv")).unwrap();
    let mut sl = sites.lines();
    let head: Vec<&str> = sl.next().unwrap().split(',').collect();
    let row: Vec<&str> = sl.next().unwrap().split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let median_ln = row[col("pga_g")].parse::<f64>().unwrap().ln();
    let sigma = row[col("pga_g_ln_sigma")].parse::<f64>().unwrap();
    let gmf = std::fs::read_to_string(out.join("gmf.csv")).unwrap();
    let v: Vec<f64> = gmf
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap().parse::<f64>().unwrap().ln())
        .collect();
    assert_eq!(v.len(), 200);
    let mean = v.iter().sum::<f64>() / 200.0;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 199.0;
    assert!(
        (mean - median_ln).abs() < 0.15,
        "mean {mean}, median {median_ln}"
    );
    assert!(
        var > 1.2 * sigma * sigma,
        "variance {var} against sigma² {}",
        sigma * sigma
    );
}

#[test]
fn gmf_over_the_row_limit_and_bad_imt_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sites.csv");
    std::fs::write(&p, "lon,lat\n73.5,34.4\n").unwrap();
    let mut args = SMALL.to_vec();
    args.extend(["--sites", p.to_str().unwrap(), "--imt", "SA(abc)"]);
    expect_error(&args, &["--imt", "SA(abc)"]);
    let mut args = SMALL.to_vec();
    args.extend(["--sites", p.to_str().unwrap(), "--imt", "SA(20)"]);
    expect_error(&args, &["--imt", "[0.01, 10]"]);
}

#[test]
fn a_large_event_given_as_a_point_gets_a_finite_footprint() {
    // M7.9 at the Kashmir epicentre, given as a point: the rupture treatment is reported and
    // MMI comes from PGV; the footprint of strong shaking is that of a ~145 km rupture.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    let mut args = kashmir_point("7.9");
    args.extend(["--realizations", "0", "--spacing-km", "5"]);
    let o = quake(&args, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        s["rupture"]["treatment"],
        "point_source_equivalent_distances"
    );
    assert_eq!(
        s["rupture"]["point_source"]["mechanism"]["zone"],
        "india_eurasia_collision"
    );
    assert!(s["rupture"]["point_source"]["length_km"].as_f64().unwrap() > 100.0);
    assert_eq!(s["intensity"]["mmi_from"], "pgv_cms");
    assert!(s["max_mmi"].as_f64().unwrap() >= 8.5, "{}", s["max_mmi"]);
    assert!(s["vs30"]["count_by_source"]["grid_cells"].is_object());
    // People and losses are counted over the 90 ruptures of the strike ensemble, so the IX
    // zone along the fault is there whichever way it runs, although the mean field the map
    // shows stays below IX.
    let ps = &s["rupture"]["point_source"];
    assert_eq!(
        (
            ps["ensemble_strikes"].as_u64(),
            ps["ensemble_hypocentre_positions"].as_u64()
        ),
        (Some(18), Some(5))
    );
    assert!(s["max_mmi"].as_f64().unwrap() < 8.95, "{}", s["max_mmi"]);
    let ix = s["exposure_by_mmi"]["PK"]["IX"].as_f64().unwrap();
    assert!(ix > 500_000.0, "people at IX in Pakistan: {ix}");
    // Each settlement says how far its intensity moves with the strike.
    let top = &s["settlements_top"][0];
    let [lo, hi] = [0, 1].map(|k| top["mmi_over_strikes"][k].as_f64().unwrap());
    let mmi = top["mmi"].as_f64().unwrap();
    assert!(lo < mmi && mmi < hi && hi - lo > 1.0, "{top}");
    let csv = std::fs::read_to_string(out.join("settlements.csv")).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",mmi_min_over_strikes,mmi_max_over_strikes")
    );
    let html = std::fs::read_to_string(out.join("summary.html")).unwrap();
    assert!(
        html.contains("depending on the fault&#39;s direction")
            || html.contains("depending on the fault's direction")
    );
    assert!(html.contains(
        "the strike is unknown, so the map shows the mean shaking over 90 possible ruptures"
    ));
    // The warning's highest intensity is the strongest any direction of the fault brings to a
    // populated place, as its people exposed are counted.
    let strongest = s["max_mmi_over_strikes"].as_f64().unwrap();
    assert!(strongest > s["max_mmi"].as_f64().unwrap());
    let xml = std::fs::read_to_string(out.join("alert.xml")).unwrap();
    let after = xml.split("<valueName>maxMMI</valueName>").nth(1).unwrap();
    let value: f64 = after
        .split("<value>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        value,
        (strongest * 10.0).round() / 10.0,
        "maxMMI in alert.xml"
    );
}

/// `summary.json` of a median run (no realisations, 8 km grid) of a point at `time`.
fn point_summary(time: &str, lat: f64, lon: f64, depth_km: f64, mag: f64) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("point");
    let (lat, lon, depth, mag) = (
        lat.to_string(),
        lon.to_string(),
        depth_km.to_string(),
        mag.to_string(),
    );
    let o = forewarn(&[
        "quake",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        "--time",
        time,
        "--lat",
        &lat,
        "--lon",
        &lon,
        "--depth-km",
        &depth,
        "--mag",
        &mag,
        "--realizations",
        "0",
        "--spacing-km",
        "8",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn hindu_kush_2015_uses_bc_hydro_with_pgv_and_is_not_red() {
    // The 2015-10-26 M7.5 at 210 km (USGS point). About 400 died; PAGER rated it Orange.
    // Through the shallow-crust models it was Red (issue 13); through BC Hydro with MMI from
    // PGA it was still Red (median about 2,000). ShakeMap 4 gives a model without PGV its
    // PGV from SA(T_pgv) (Abrahamson & Bhasin 2020), and so does Forewarn now.
    let s = point_summary("2015-10-26T09:09:42+00:00", 36.52, 70.37, 210.0, 7.5);
    assert_eq!(s["ground_motion_models"]["regime"], "in_slab");
    assert_eq!(s["ground_motion_models"]["models"], "bchydro-slab");
    assert_eq!(s["intensity"]["mmi_from"], "pgv_cms");
    // BC Hydro's geometric mean goes to the larger horizontal component before Worden et al.
    assert_eq!(
        s["intensity"]["component_conversion"],
        "Boore & Kishida (2017) from the models' geometric mean"
    );
    assert_ne!(s["alert_level"], "red");
    let median = s["fatalities"]["median"].as_f64().unwrap();
    assert!((40.0..=4000.0).contains(&median), "median {median}");
}

#[test]
fn latur_1993_is_a_stable_continental_event_through_ab06() {
    // The 1993-09-29 M6.2 under Killari (EXPO-CAT's point), on the Indian shield: Atkinson &
    // Boore (2006) for stable continental crust instead of the NGA-West2 set asked for.
    let s = point_summary("1993-09-29T22:25:51+00:00", 18.077, 76.486, 12.0, 6.2);
    let m = &s["ground_motion_models"];
    assert_eq!(m["regime"], "stable_continental");
    assert_eq!(m["stable_continental_region"], "indian_shield");
    assert_eq!(m["models"], "ab06");
    assert_eq!(m["requested"], "nga-west2");
    assert!(
        m["reason"]
            .as_str()
            .unwrap()
            .contains("Atkinson & Boore (2006)")
    );
    assert_eq!(s["intensity"]["mmi_from"], "pgv_cms");
}

#[test]
fn summary_html_is_written_in_each_ui_language_and_urdu_reads_right_to_left() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, needles) in [
        (
            "zh",
            &[
                "<html lang=\"zh\" dir=\"ltr\">",
                "地震影响评估",
                "巴基斯坦",
                "北纬34.49°",
            ][..],
        ),
        (
            "ur",
            &[
                "<html lang=\"ur\" dir=\"rtl\">",
                "زلزلے کے اثرات کا تخمینہ",
                "پاکستان",
                "<bdi>",
                "dir=\"ltr\"",
            ][..],
        ),
        (
            "ru",
            &[
                "<html lang=\"ru\" dir=\"ltr\">",
                "Пакистан",
                "с. ш.",
                "Интенсивность (MMI)",
                "Boore &amp; Kishida (2017) from the models&#39; RotD50",
            ][..],
        ),
    ] {
        let out = dir.path().join(lang);
        let mut args = SMALL.to_vec();
        args.extend_from_slice(&["--realizations", "0", "--lang", lang]);
        let o = quake(&args, &out);
        assert!(o.status.success(), "{lang}: {}", stderr(&o));
        let html = std::fs::read_to_string(out.join("summary.html")).unwrap();
        for n in needles {
            assert!(html.contains(n), "{lang}: {n} missing");
        }
        // The English page's words do not leak into the translation.
        for english in [
            "Perceived shaking",
            "Most affected settlements",
            "Pakistan<",
        ] {
            assert!(!html.contains(english), "{lang}: {english}");
        }
    }
    // An unknown language names the flag and the languages there are.
    let o = quake(&["--lang", "fr"], &dir.path().join("fr"));
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("--lang") && e.contains("ur"), "{e}");
}

#[test]
fn bench_expocat_rates_alerts_and_deaths_against_the_observed_tolls() {
    // The three deadliest regional events and, with --with-no-deaths, none dropped: the alert
    // table and the goals' counts are printed and written to the CSV.
    let catalogue = repo().join("../shared/reference/pager/expocat.csv");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("alerts.csv");
    let o = forewarn(&[
        "bench",
        "expocat",
        "--events",
        "3",
        "--expocat",
        catalogue.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("| Deaths observed (band) |"), "{out}");
    assert!(out.contains("Tangshan, China (CN)"), "{out}");
    assert!(
        out.contains("events with deaths (3): Forewarn alert within one band"),
        "{out}"
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let hdr = rows.headers().unwrap().clone();
    let col = |n: &str| hdr.iter().position(|h| h == n).unwrap();
    let recs: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 3);
    for r in &recs {
        assert_eq!(&r[col("observed_deaths_band")], "red", "{r:?}");
        assert!(
            ["green", "yellow", "orange", "red"].contains(&&r[col("forewarn_alert_fatalities")])
        );
        // PAGER's model on EXPO-CAT's own exposure: Tangshan, Kashmir and Manjil each over 1,000.
        let pager: f64 = r[col("pager_model_deaths_on_expocat")].parse().unwrap();
        assert!(pager > 1000.0, "{r:?}");
        // Shallow crustal events outside the stable outlines: the NGA-West2 set.
        assert_eq!(&r[col("models")], "nga-west2", "{r:?}");
    }
}
