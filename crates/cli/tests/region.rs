//! `forewarn region` and bad region data.

mod common;
use common::*;

#[test]
fn region_json_reports_twelve_countries_and_settlements() {
    let o = forewarn(&["region", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let countries = v["countries"].as_array().unwrap();
    assert_eq!(countries.len(), 12);
    for c in countries {
        for k in ["iso2", "name", "population", "settlements"] {
            assert!(!c[k].is_null(), "missing {k} in {c}");
        }
    }
    assert!(v["settlements_total"].as_u64().unwrap() >= 20_000);
    assert!(v["terrain"]["bbox"].as_array().unwrap().len() == 4);
    assert!(v["terrain"]["cell_deg"].as_f64().unwrap() > 0.0);
    assert!(!v["sources"].as_array().unwrap().is_empty());
}

#[test]
fn proxy_population_matches_country_table_within_one_percent() {
    let o = forewarn(&["region", "--json", "--exposure"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for c in v["countries"].as_array().unwrap() {
        let want = c["population"].as_f64().unwrap();
        let got = c["exposure_proxy_population"].as_f64().unwrap();
        assert!(
            (got - want).abs() / want < 0.01,
            "{}: {got} vs {want}",
            c["iso2"]
        );
    }
}

#[test]
fn missing_data_directory_is_a_clear_error() {
    let o = forewarn(&["--data", "/nonexistent/forewarn-data", "region"]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("/nonexistent/forewarn-data") && e.contains("does not exist"),
        "{e}"
    );
}

#[test]
fn unknown_country_code_is_a_clear_error() {
    let o = forewarn(&["region", "--country", "XX"]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("unknown country code 'XX'") && e.contains("PK"),
        "{e}"
    );
}

#[test]
fn truncated_terrain_geotiff_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    copy_data(&d);
    let t = d.join("terrain.tif");
    let bytes = std::fs::read(&t).unwrap();
    std::fs::write(&t, &bytes[..bytes.len() / 3]).unwrap();
    let o = forewarn(&["--data", d.to_str().unwrap(), "region"]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("terrain.tif"), "{e}");
}

#[test]
fn corrupt_terrain_geotiff_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    copy_data(&d);
    std::fs::write(d.join("terrain.tif"), b"this is not a tiff at all").unwrap();
    let o = forewarn(&["--data", d.to_str().unwrap(), "region"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("terrain.tif"), "{}", stderr(&o));
}

#[test]
fn bad_settlements_row_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    copy_data(&d);
    let p = d.join("settlements.csv");
    let mut text = std::fs::read_to_string(&p).unwrap();
    text.push_str("99,Nowhere,PK,01,not-a-latitude,70.0,100\n");
    std::fs::write(&p, text).unwrap();
    let o = forewarn(&["--data", d.to_str().unwrap(), "region"]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("settlements.csv") && e.contains("line"), "{e}");
}

#[test]
fn geotiff_output_opens_in_gdal_with_geotransform_and_crs() {
    if !have_tool("gdalinfo") {
        return;
    }
    // The committed terrain is written by our GeoTIFF writer (cargo xtask data).
    let o = std::process::Command::new("gdalinfo")
        .arg("-json")
        .arg(repo().join("data/terrain.tif"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let gt: Vec<f64> = v["geoTransform"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let region = forewarn_embedded::region().unwrap();
    let t = region.terrain.as_ref().unwrap();
    assert!(
        (gt[0] - t.spec.x_min).abs() < 1e-9 && (gt[3] - t.spec.y_max).abs() < 1e-9,
        "{gt:?}"
    );
    assert!(
        (gt[1] - t.spec.dx).abs() < 1e-12
            && (gt[5] + t.spec.dy).abs() < 1e-12
            && gt[2] == 0.0
            && gt[4] == 0.0
    );
    let wkt = v["coordinateSystem"]["wkt"].as_str().unwrap();
    assert!(
        wkt.contains("WGS 84") && wkt.contains("\"EPSG\",4326"),
        "{wkt}"
    );
    assert_eq!(v["size"][0].as_u64().unwrap() as usize, t.spec.ncols);
}
