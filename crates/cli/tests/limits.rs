//! Over-limit inputs of `forewarn quake`, `flood run` and `exercise validate|run`: exit code 2
//! and a message naming the field and the limit, never an abort (crates/engine/src/limits.rs,
//! crates/flood/src/limits.rs, crates/exercise/src/limits.rs).

mod common;
use common::*;
use std::path::Path;

fn assert_refused(o: &std::process::Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "'{n}' not in: {err}");
    }
}

#[test]
fn quake_with_a_fine_grid_over_an_m9_5_footprint_is_refused_not_aborted() {
    let dir = tempfile::tempdir().unwrap();
    let o = forewarn(&[
        "quake",
        "--quiet",
        "--out",
        dir.path().join("q").to_str().unwrap(),
        "--lat",
        "34.49",
        "--lon",
        "73.63",
        "--depth-km",
        "26",
        "--mag",
        "9.5",
        "--spacing-km",
        "0.06",
        "--realizations",
        "0",
    ]);
    assert_refused(&o, &["spacing_km", "1000000 cells"]);
}

#[test]
fn quake_with_too_many_realisations_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = forewarn(&[
        "quake",
        "--quiet",
        "--out",
        dir.path().join("q").to_str().unwrap(),
        "--lat",
        "34.49",
        "--lon",
        "73.63",
        "--depth-km",
        "26",
        "--mag",
        "6",
        "--realizations",
        "5000",
    ]);
    assert_refused(&o, &["realizations", "limit of 200"]);
}

fn plan_with(dir: &Path, replace: &[(&str, &str)]) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(repo().join("scenarios/exercise-pamir.toml")).unwrap();
    for (a, b) in replace {
        assert!(text.contains(a), "{a}");
        text = text.replace(a, b);
    }
    std::fs::copy(
        repo().join("scenarios/sarez-outburst.toml"),
        dir.join("sarez-outburst.toml"),
    )
    .unwrap();
    let p = dir.join("plan.toml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn exercise_with_a_huge_duration_fails_validate_and_run_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let p = plan_with(
        dir.path(),
        &[("duration = \"72h\"", "duration = \"20000000d\"")],
    );
    let v = forewarn(&["exercise", "validate", p.to_str().unwrap()]);
    assert_refused(&v, &["exercise.duration", "limit"]);
    let r = forewarn(&[
        "exercise",
        "run",
        p.to_str().unwrap(),
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_refused(&r, &["exercise.duration", "limit"]);
    // Just within the limit validates.
    let p = plan_with(dir.path(), &[("duration = \"72h\"", "duration = \"30d\"")]);
    let v = forewarn(&["exercise", "validate", p.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
}

#[test]
fn exercise_flood_duration_and_absolute_paths_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = plan_with(dir.path(), &[("duration_h = 40", "duration_h = 1e6")]);
    let v = forewarn(&["exercise", "validate", p.to_str().unwrap()]);
    assert_refused(&v, &["duration_h", "limit of 336 h"]);
    for bad in [
        "/etc/passwd",
        "../sarez-outburst.toml",
        "/proc/self/pagemap",
    ] {
        let p = plan_with(
            dir.path(),
            &[(
                "scenario = \"sarez-outburst.toml\"",
                &format!("scenario = \"{bad}\""),
            )],
        );
        let v = forewarn(&["exercise", "validate", p.to_str().unwrap()]);
        assert_refused(&v, &["hazard[", ".scenario", "no absolute path or '..'"]);
        assert!(!stderr(&v).contains("root:"), "file content leaked");
    }
    // --allow-any-path lets a local user name a file elsewhere on purpose.
    let abs = repo()
        .join("scenarios/sarez-outburst.toml")
        .canonicalize()
        .unwrap();
    let p = plan_with(
        dir.path(),
        &[(
            "scenario = \"sarez-outburst.toml\"",
            &format!("scenario = {:?}", abs.display().to_string()),
        )],
    );
    let v = forewarn(&[
        "exercise",
        "validate",
        "--allow-any-path",
        p.to_str().unwrap(),
    ]);
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
}

#[test]
fn flood_run_over_the_duration_limit_is_refused_before_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("scenarios/sarez-outburst.toml")).unwrap();
    let re = text
        .lines()
        .find(|l| l.trim_start().starts_with("duration_s"))
        .expect("duration_s line")
        .to_string();
    let p = dir.path().join("long.toml");
    std::fs::write(&p, text.replace(&re, "duration_s = 3.6e9")).unwrap();
    let o = forewarn(&[
        "flood",
        "run",
        p.to_str().unwrap(),
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_refused(&o, &["simulation.duration_s", "limit"]);
}
