//! Lake and river gauges: OGC SensorThings API 1.1 observations
//! (<https://docs.ogc.org/is/18-088/18-088.html>, §8.2.6 `Observation`: `phenomenonTime`,
//! `resultTime`, `result`; a collection is `{"value": [...], "@iot.nextLink": ...}` as in
//! `Datastreams(id)/Observations?$orderby=phenomenonTime desc`), and plain CSV with the header
//! `time,value` (RFC 4180, ISO 8601 times), plus the per-gauge thresholds on level and on
//! rate of rise over a window.

use crate::limits;
use crate::report::{FeedError, GaugeReading, Parsed};
use crate::time::parse_ms;
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn finite(v: f64, at: &str) -> Result<f64, String> {
    if v.is_finite() && v.abs() < 1e9 {
        Ok(v)
    } else {
        Err(format!("{at}: value {v} is not a finite reading"))
    }
}

/// Parses a SensorThings `Observations` collection (or a single observation).
pub fn parse_sensorthings(body: &[u8]) -> Result<Parsed<GaugeReading>, FeedError> {
    limits::check_body(body)?;
    let v: Value =
        serde_json::from_slice(body).map_err(|e| FeedError::Malformed(format!("not JSON: {e}")))?;
    let list: Vec<&Value> = match v.get("value").and_then(Value::as_array) {
        Some(a) => a.iter().collect(),
        None if v.get("result").is_some() => vec![&v],
        None => {
            return Err(FeedError::Malformed(
                "neither an Observations collection (\"value\": [...]) nor an Observation".into(),
            ));
        }
    };
    limits::check_items(list.len())?;
    let mut out = Parsed::default();
    for (i, o) in list.into_iter().enumerate() {
        let at = format!("value[{i}]");
        let id = o.get("@iot.id").map(|x| limits::text(&x.to_string()));
        // phenomenonTime may be an instant or an interval "start/end" (§8.2.6): the end.
        let time = o
            .get("phenomenonTime")
            .or(o.get("resultTime"))
            .and_then(Value::as_str)
            .map(|t| t.rsplit('/').next().unwrap_or(t));
        let r = (|| -> Result<GaugeReading, String> {
            let t = time.ok_or("phenomenonTime is missing")?;
            let time_ms = parse_ms(t)
                .ok_or_else(|| format!("phenomenonTime '{}' is not a time", limits::text(t)))?;
            let value = match o.get("result") {
                Some(Value::Number(n)) => n.as_f64().ok_or("result is not a number")?,
                Some(Value::String(s)) => s
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| format!("result '{}' is not a number", limits::text(s)))?,
                _ => return Err("result is missing or not a number".to_string()),
            };
            Ok(GaugeReading {
                time_ms,
                value: finite(value, "result")?,
            })
        })();
        match r {
            Ok(g) => out.items.push(g),
            Err(reason) => out.reject(at, id, reason),
        }
    }
    Ok(out)
}

/// Parses CSV with a `time,value` header (other columns are ignored).
pub fn parse_csv(body: &[u8]) -> Result<Parsed<GaugeReading>, FeedError> {
    limits::check_body(body)?;
    let text = std::str::from_utf8(body)
        .map_err(|e| FeedError::Malformed(format!("not UTF-8 text: {e}")))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(Parsed::default());
    };
    let names: Vec<String> = header
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let (Some(ti), Some(vi)) = (
        names.iter().position(|n| n == "time"),
        names.iter().position(|n| n == "value"),
    ) else {
        return Err(FeedError::Malformed(
            "line 1: the header must name the columns time and value".into(),
        ));
    };
    let mut out = Parsed::default();
    let mut n = 0;
    for (i, line) in lines {
        n += 1;
        limits::check_items(n)?;
        let f: Vec<&str> = line
            .split(',')
            .map(|s| s.trim().trim_matches('"'))
            .collect();
        let at = format!("line {}", i + 1);
        let r = (|| {
            let t = f.get(ti).ok_or("the time column is missing")?;
            let time_ms =
                parse_ms(t).ok_or_else(|| format!("time '{}' is not a time", limits::text(t)))?;
            let v = f.get(vi).ok_or("the value column is missing")?;
            let value = v
                .parse::<f64>()
                .map_err(|_| format!("value '{}' is not a number", limits::text(v)))?;
            Ok::<_, String>(GaugeReading {
                time_ms,
                value: finite(value, "value")?,
            })
        })();
        match r {
            Ok(g) => out.items.push(g),
            Err(reason) => out.reject(at, None, reason),
        }
    }
    Ok(out)
}

/// Thresholds of one gauge (units of its readings: metres of level, or m³/s).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GaugeThresholds {
    /// A reading at or above this level crosses.
    pub level: Option<f64>,
    /// A rise of at least this much within `rise_window_s` crosses.
    pub rise: Option<f64>,
    pub rise_window_s: f64,
}

/// Why a gauge crossed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crossing {
    pub time_ms: i64,
    pub value: f64,
    /// `level` or `rise`.
    pub kind: String,
    pub detail: String,
}

/// The first crossing in `readings` (any order) after `after_ms`: the level threshold, or
/// the rise over the window (latest reading minus the lowest within the window before it).
pub fn first_crossing(
    readings: &[GaugeReading],
    t: &GaugeThresholds,
    after_ms: i64,
) -> Option<Crossing> {
    let mut r: Vec<GaugeReading> = readings.to_vec();
    r.sort_by_key(|g| g.time_ms);
    let window_ms = (t.rise_window_s * 1000.0) as i64;
    for (i, g) in r.iter().enumerate() {
        if g.time_ms <= after_ms {
            continue;
        }
        if let Some(l) = t.level
            && g.value >= l
        {
            return Some(Crossing {
                time_ms: g.time_ms,
                value: g.value,
                kind: "level".into(),
                detail: format!("reading {} at or above the level threshold {l}", g.value),
            });
        }
        if let Some(rise) = t.rise {
            let low = r[..i]
                .iter()
                .filter(|p| g.time_ms - p.time_ms <= window_ms)
                .map(|p| p.value)
                .fold(f64::INFINITY, f64::min);
            if low.is_finite() && g.value - low >= rise {
                return Some(Crossing {
                    time_ms: g.time_ms,
                    value: g.value,
                    kind: "rise".into(),
                    detail: format!(
                        "rose {:.3} within {} s (threshold {rise})",
                        g.value - low,
                        t.rise_window_s
                    ),
                });
            }
        }
    }
    None
}
