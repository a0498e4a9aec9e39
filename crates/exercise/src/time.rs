//! Scenario time expressions and formatting.
//!
//! Scenario time is whole seconds after the scenario start (`t_s`, may be negative while
//! validating). Expressions:
//! - `T`, `T+90m`, `T+1h30m`, `T-15m`, `T+2d6h`: relative to the scenario start;
//! - `<hazard-id>`, `<hazard-id>+20m`: relative to a hazard's onset;
//! - `2026-05-12T08:00:00+05:00`: absolute (RFC 3339).
//!
//! Durations are a sequence of `<number><unit>` with units d, h, m, s ("1h30m", "45m", "0").

use chrono::{DateTime, FixedOffset};

/// A parsed time expression, not yet resolved against hazards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeExpr {
    /// Seconds after the scenario start.
    Start(i64),
    /// A hazard onset plus seconds.
    Hazard(String, i64),
    /// An absolute time.
    Absolute(DateTime<FixedOffset>),
}

/// Parses a duration such as "1h30m", "90m", "2d", "45s" or "0" into seconds.
/// Longest duration any time expression may give, seconds (about 31 million years).
const MAX_PARSED_S: f64 = 1e15;

pub fn parse_duration_s(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = 0.0f64;
    let mut num = String::new();
    let mut any = false;
    for c in s.chars() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let unit_s = match c {
            'd' => 86_400.0,
            'h' => 3_600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => {
                return Err(format!(
                    "'{s}': unexpected '{c}' (use a number with unit d, h, m or s, e.g. 1h30m)"
                ));
            }
        };
        let v: f64 = num
            .parse()
            .map_err(|_| format!("'{s}': a number must come before '{c}'"))?;
        total += v * unit_s;
        num.clear();
        any = true;
    }
    if !num.is_empty() || !any {
        return Err(format!(
            "'{s}': a number needs a unit d, h, m or s (e.g. 90m)"
        ));
    }
    // Far beyond any exercise, and small enough that sums of times never overflow.
    if !(total.is_finite() && total <= MAX_PARSED_S) {
        return Err(format!(
            "'{s}' is over the limit of {MAX_PARSED_S:e} s for any time in a plan"
        ));
    }
    Ok(total.round() as i64)
}

/// Parses a time expression (see the module docs).
pub fn parse_time(s: &str) -> Result<TimeExpr, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty time".into());
    }
    if s.len() >= 19 && s.as_bytes()[..4].iter().all(u8::is_ascii_digit) && s.contains(':') {
        return DateTime::parse_from_rfc3339(s)
            .map(TimeExpr::Absolute)
            .map_err(|e| {
                format!("'{s}' is not an RFC 3339 time like 2026-05-12T08:00:00+05:00: {e}")
            });
    }
    // Split at the last '+' or '-' whose remainder is a duration with units.
    let mut anchor = s;
    let mut offset_s = 0;
    for (i, c) in s.char_indices().rev() {
        if (c == '+' || c == '-')
            && i > 0
            && let Ok(d) = parse_duration_s(&s[i + 1..])
        {
            anchor = &s[..i];
            offset_s = if c == '-' { -d } else { d };
            break;
        }
    }
    if anchor == "T" {
        Ok(TimeExpr::Start(offset_s))
    } else if anchor.starts_with("T+") || anchor.starts_with("T-") {
        Err(format!(
            "'{s}': after 'T' give a duration such as T+90m or T+1h30m"
        ))
    } else {
        Ok(TimeExpr::Hazard(anchor.to_string(), offset_s))
    }
}

/// Parses the scenario start.
pub fn parse_start(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map_err(|e| format!("'{s}' is not an RFC 3339 time like 2026-05-12T06:00:00+05:00: {e}"))
}

/// Formats scenario time `t_s` as RFC 3339 in the start's offset, whole seconds.
pub fn scenario_time(start: &DateTime<FixedOffset>, t_s: i64) -> String {
    (*start + chrono::Duration::seconds(t_s))
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Formats a wall time (milliseconds since the Unix epoch) as RFC 3339 UTC with milliseconds.
pub fn wall_time(wall_ms: i64) -> String {
    match DateTime::from_timestamp_millis(wall_ms) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => format!("{wall_ms} ms"),
    }
}

/// "T+1d02:30" style label for reports.
pub fn label(t_s: i64) -> String {
    let sign = if t_s < 0 { "-" } else { "+" };
    let a = t_s.abs();
    let (d, h, m) = (a / 86_400, (a % 86_400) / 3_600, (a % 3_600) / 60);
    if d > 0 {
        format!("T{sign}{d}d{h:02}:{m:02}")
    } else {
        format!("T{sign}{h:02}:{m:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_s("1h30m"), Ok(5400));
        assert_eq!(parse_duration_s("2d"), Ok(172_800));
        assert_eq!(parse_duration_s("0"), Ok(0));
        assert_eq!(parse_duration_s("0.5h"), Ok(1800));
        assert!(parse_duration_s("90").is_err());
        assert!(parse_duration_s("5x").is_err());
    }

    #[test]
    fn expressions() {
        assert_eq!(parse_time("T+90m"), Ok(TimeExpr::Start(5400)));
        assert_eq!(parse_time("T-15m"), Ok(TimeExpr::Start(-900)));
        assert_eq!(parse_time("T"), Ok(TimeExpr::Start(0)));
        assert_eq!(
            parse_time("eq-sarez+20m"),
            Ok(TimeExpr::Hazard("eq-sarez".into(), 1200))
        );
        assert_eq!(parse_time("as-1"), Ok(TimeExpr::Hazard("as-1".into(), 0)));
        assert!(matches!(
            parse_time("2026-05-12T08:00:00+05:00"),
            Ok(TimeExpr::Absolute(_))
        ));
        assert!(parse_time("T+banana").is_err());
        assert_eq!(label(93_600 + 150), "T+1d02:02");
    }
}
