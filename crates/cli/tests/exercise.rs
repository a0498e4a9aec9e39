//! `forewarn exercise`: byte-identical headless runs, the printed run time, and bad files.

use std::path::PathBuf;
use std::process::Command;

fn forewarn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_forewarn"))
}

fn pamir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/exercise-pamir.toml")
}

fn run_once(out: &std::path::Path) -> String {
    let o = forewarn()
        .args(["exercise", "run"])
        .arg(pamir())
        .args(["--speed", "max", "--bots", "--seed", "7", "--out"])
        .arg(out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
}

#[test]
fn pamir_run_twice_gives_byte_identical_journals() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let out_a = run_once(&a);
    let out_b = run_once(&b);
    print!("{out_a}");
    let run_time = |s: &str| -> f64 {
        let line = s
            .lines()
            .find(|l| l.contains("Run time"))
            .expect("run time printed");
        line.split_whitespace().nth(2).unwrap().parse().unwrap()
    };
    assert!(run_time(&out_a) <= 10.0 && run_time(&out_b) <= 10.0);
    for f in ["journal.jsonl", "metrics.json", "aar.html"] {
        let x = std::fs::read(a.join(f)).unwrap();
        let y = std::fs::read(b.join(f)).unwrap();
        assert!(!x.is_empty());
        assert!(x == y, "{f} differs between runs");
    }
    let journal = std::fs::read_to_string(a.join("journal.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > 100);
    let mut last = (i64::MIN, 0u64);
    for r in &lines {
        let t = r["t_s"].as_i64().unwrap();
        let seq = r["seq"].as_u64().unwrap();
        assert!(t >= last.0 && seq == last.1 + 1, "records in order: {r}");
        assert!(r["scenario_time"].is_string() && r["wall_time"].is_string());
        last = (t, seq);
    }
    for ty in [
        "start",
        "hazard",
        "inject",
        "action",
        "message",
        "consequence",
        "end",
    ] {
        assert!(lines.iter().any(|r| r["type"] == ty), "no {ty} record");
    }
    // Every CAP file is an exercise message.
    let caps: Vec<_> = std::fs::read_dir(a.join("cap"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!caps.is_empty());
    for p in caps {
        let xml = std::fs::read_to_string(&p).unwrap();
        assert!(
            xml.contains("<status>Exercise</status>") && !xml.contains("<status>Actual</status>"),
            "{}",
            p.display()
        );
    }
    // A different seed changes the journal (bot jitter and compliance draws).
    let c = dir.path().join("c");
    let o = forewarn()
        .args(["exercise", "run"])
        .arg(pamir())
        .args(["--speed", "max", "--bots", "--seed", "8", "--out"])
        .arg(&c)
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_ne!(
        std::fs::read(a.join("journal.jsonl")).unwrap(),
        std::fs::read(c.join("journal.jsonl")).unwrap()
    );
}

#[test]
fn validate_reports_line_and_field() {
    let o = forewarn()
        .args(["exercise", "validate"])
        .arg(pamir())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("47 injects"));

    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(pamir()).unwrap().replacen(
        "to = [\"tj-coes\"]\nchannel = \"phone\"",
        "to = [\"tj-cooes\"]\nchannel = \"phone\"",
        1,
    );
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, &text).unwrap();
    let line = text.lines().position(|l| l.contains("tj-cooes")).unwrap() + 1;
    let o = forewarn()
        .args(["exercise", "validate"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("bad.toml:{line}:")), "{err}");
    assert!(err.contains(".to[0]: unknown team 'tj-cooes'"), "{err}");
}
