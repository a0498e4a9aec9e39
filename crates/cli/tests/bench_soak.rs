//! `forewarn bench soak` for a few seconds against its own `serve --demo` child: the table has
//! samples with traffic, memory and open files, no request failed, and bad durations are
//! refused naming the flag.

mod common;

use common::{forewarn, stderr, stdout};

/// The sample rows of the table: lines whose first field is the time in seconds.
fn sample_rows(out: &str) -> Vec<Vec<f64>> {
    out.lines()
        .skip_while(|l| !l.trim_start().starts_with("t_s"))
        .skip(1)
        .map(|l| l.split_whitespace().map(|f| f.parse::<f64>()).collect())
        .take_while(|r: &Result<Vec<f64>, _>| r.is_ok())
        .filter_map(Result::ok)
        .collect()
}

#[test]
fn a_short_soak_has_samples_and_no_failures() {
    let o = forewarn(&[
        "bench",
        "soak",
        "--minutes",
        "0.15",
        "--sample-seconds",
        "3",
        "--quake-every-seconds",
        "4",
        "--readers",
        "2",
        "--writers",
        "1",
        "--subscribers",
        "2",
        // Judged from the first sample on, with a limit a 9 s run that starts the server
        // cannot miss: this test checks the figures are there, the long run checks the limit.
        "--warmup-minutes",
        "0",
        "--max-rss-growth-pct",
        "1000",
    ]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}\n{}", stderr(&o));
    let rows = sample_rows(&out);
    // t_s requests failed p99_ms rss_mb floor_mb fds sse_events quakes exercises
    assert_eq!(rows.len(), 3, "one sample every 3 s for 9 s:\n{out}");
    for r in &rows {
        assert_eq!(r.len(), 10, "{out}");
        assert!(r[1] > 0.0, "requests in every interval:\n{out}");
        assert_eq!(r[2], 0.0, "no failures:\n{out}");
        assert!(r[3] > 0.0, "a p99 latency:\n{out}");
        assert!(r[4] > 1.0, "the server's RSS in MB:\n{out}");
        assert!(
            r[5] > 1.0 && r[5] <= r[4],
            "the interval's RSS floor, at most the RSS at its end:\n{out}"
        );
        assert!(r[6] >= 3.0, "the server's open files:\n{out}");
    }
    assert!(out.contains(" 0 failed"), "{out}");
    assert!(out.contains("RSS at the samples after warm-up: "), "{out}");
    assert!(out.contains("RSS floor after warm-up: "), "{out}");
    assert!(out.contains("limit 1000%): ok"), "{out}");
    assert!(out.contains("result: PASS"), "{out}");
}

#[test]
fn bad_durations_name_the_flag() {
    for (flag, value) in [
        ("--minutes", "0"),
        ("--minutes", "-1"),
        ("--minutes", "NaN"),
        ("--minutes", "20000"),
        ("--sample-seconds", "0"),
    ] {
        let o = forewarn(&["bench", "soak", &format!("{flag}={value}")]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        assert!(stderr(&o).contains(flag), "{flag} {value}: {}", stderr(&o));
    }
}
