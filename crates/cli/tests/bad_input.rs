//! Hostile input files (issue #11): every parser refuses them with exit code 1 or 2 and a
//! message naming the field and the limit, never a panic (101) or an abort (134).

mod common;
use common::*;

use std::path::Path;

fn nested(levels: usize, open: &str, close: &str) -> String {
    let mut s = String::with_capacity(levels * (open.len() + close.len()));
    for _ in 0..levels {
        s.push_str(open);
    }
    for _ in 0..levels {
        s.push_str(close);
    }
    s
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Runs `forewarn args`, expects `code`, and returns stdout + stderr.
fn expect_exit(args: &[&str], code: i32) -> String {
    let o = forewarn(args);
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(code), "{args:?}: {all}");
    assert!(!all.contains("panicked"), "{all}");
    all
}

#[test]
fn deeply_nested_cap_is_refused_with_the_depth_limit() {
    let dir = tempfile::tempdir().unwrap();
    let deep = write(dir.path(), "deep.xml", &nested(60_000, "<a>", "</a>"));
    let out = expect_exit(&["cap", "validate", &deep], 1);
    assert!(out.contains("MAX_XML_DEPTH = 32"), "{out}");
    // 200,000 levels aborted the CLI with exit 134 before; now the node limit answers first.
    let deeper = write(dir.path(), "deeper.xml", &nested(200_000, "<a>", "</a>"));
    let out = expect_exit(&["cap", "validate", &deeper], 1);
    assert!(out.contains("limit MAX_XML_NODES"), "{out}");
    let out = expect_exit(&["cap", "verify", &deep], 1);
    assert!(out.contains("MAX_XML_DEPTH"), "{out}");
}

#[test]
fn deeply_nested_nrml_is_refused_with_the_depth_limit() {
    let dir = tempfile::tempdir().unwrap();
    let deep = write(
        dir.path(),
        "deep.xml",
        &format!("<nrml>{}</nrml>", nested(100_000, "<a>", "</a>")),
    );
    let out = expect_exit(&["quake", "--rupture", &deep, "--out", "unused"], 2);
    assert!(out.contains("MAX_NRML_DEPTH = 32"), "{out}");
}

fn lisflood_with_dem(dir: &Path, header: &str) -> String {
    write(
        dir,
        "dem.asc",
        &format!("{header}\nxllcorner 0\nyllcorner 0\ncellsize 10\n1 2\n3 4\n"),
    );
    write(
        dir,
        "run.par",
        "DEMfile dem.asc\nsim_time 10\nfpfric 0.03\n",
    )
}

#[test]
fn esri_ascii_header_counts_are_bounded() {
    for (header, expected) in [
        ("ncols 1e300\nnrows 2", "'ncols' is 1e300"),
        ("ncols 2\nnrows 18446744073709551616", "limit MAX_GRID_DIM"),
        ("ncols 1000000\nnrows 1000000", "limit MAX_GRID_CELLS"),
        ("ncols -3\nnrows 2", "'ncols' is -3"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let par = lisflood_with_dem(dir.path(), header);
        let out_dir = dir.path().join("out").display().to_string();
        let out = expect_exit(&["flood", "run", "--lisflood", &par, "--out", &out_dir], 2);
        assert!(out.contains(expected) && out.contains("dem.asc"), "{out}");
    }
}

#[test]
fn lisflood_series_counts_do_not_drive_allocation() {
    let dir = tempfile::tempdir().unwrap();
    lisflood_with_dem(dir.path(), "ncols 2\nnrows 2");
    write(
        dir.path(),
        "run.bdy",
        "comment\nup\n18446744073709551615 seconds\n1 0\n",
    );
    write(dir.path(), "run.bci", "W 0 20 QVAR up\n");
    let par = write(
        dir.path(),
        "run.par",
        "DEMfile dem.asc\nsim_time 10\nfpfric 0.03\nbdyfile run.bdy\nbcifile run.bci\n",
    );
    let out_dir = dir.path().join("out").display().to_string();
    let out = expect_exit(&["flood", "run", "--lisflood", &par, "--out", &out_dir], 2);
    assert!(
        out.contains("run.bdy") && out.contains("expected 18446744073709551615 values"),
        "{out}"
    );
}

#[test]
fn sites_csv_row_count_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("lon,lat\n");
    let line = "73.5,34.5\n";
    csv.reserve(line.len() * (forewarn_engine::sites_csv::MAX_SITES + 1));
    for _ in 0..=forewarn_engine::sites_csv::MAX_SITES {
        csv.push_str(line);
    }
    let sites = write(dir.path(), "sites.csv", &csv);
    let out_dir = dir.path().join("out").display().to_string();
    let out = expect_exit(
        &[
            "quake",
            "--lat",
            "34.5",
            "--lon",
            "73.5",
            "--depth-km",
            "10",
            "--mag",
            "6",
            "--sites",
            &sites,
            "--out",
            &out_dir,
        ],
        2,
    );
    assert!(
        out.contains("limit MAX_SITES") && out.contains("sites.csv"),
        "{out}"
    );
}

#[test]
fn flood_inputs_that_are_devices_or_too_large_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out").display().to_string();
    // A device named as the scenario or the .par file used to be read until memory ran out.
    let out = expect_exit(&["flood", "run", "/dev/zero", "--out", &out_dir], 2);
    assert!(
        out.contains("/dev/zero") && out.contains("not a regular file"),
        "{out}"
    );
    let out = expect_exit(
        &["flood", "run", "--lisflood", "/dev/zero", "--out", &out_dir],
        2,
    );
    assert!(out.contains("not a regular file"), "{out}");
    // A scenario file over the text-input limit names the limit.
    let big = dir.path().join("big.toml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(forewarn_core::MAX_TEXT_INPUT_BYTES + 1).unwrap();
    let big = big.display().to_string();
    let out = expect_exit(&["flood", "run", &big, "--out", &out_dir], 2);
    assert!(
        out.contains(&format!(
            "over the limit of {} bytes",
            forewarn_core::MAX_TEXT_INPUT_BYTES
        )),
        "{out}"
    );
}
