//! `forewarn flood run`: the Lake Sarez example reports the three life-loss numbers.

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
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let ll = &s["life_loss"];
    let without = ll["without_warning"].as_f64().unwrap();
    let with = ll["with_warning"].as_f64().unwrap();
    let saved = ll["lives_saved"].as_f64().unwrap();
    let lead = ll["lead_time_h"].as_f64().unwrap();
    // The wave reaches Rushon about a day after the breach.
    assert!((20.0..36.0).contains(&lead), "lead {lead} h");
    assert!((without - with - saved).abs() < 1e-6);
    // A day of warning clears all but part of the reluctant 5-20 %.
    assert!(with < 0.1 * without, "{with} of {without}");
    assert!(saved > 0.9 * without);
    // The deaths reported as the estimate are the ones with the warning.
    assert_eq!(s["impact"]["deaths"].as_f64().unwrap(), with);
    let text = stdout(&o);
    assert!(
        text.contains("without warning") && text.contains("lives saved"),
        "{text}"
    );
}
