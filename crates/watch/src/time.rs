//! Times of the feed formats as milliseconds since the Unix epoch (UTC).
//!
//! ISO 8601 / RFC 3339 with a zone (`2024-01-10T03:50:40.123Z`, `+05:00`), and the FDSN text
//! and QuakeML forms without a zone, which the FDSN specification defines as UTC
//! (`2014-12-20T22:37:25.350000`).

use chrono::{DateTime, NaiveDateTime};

/// Parses a time; `None` when it is not one of the accepted forms.
pub fn parse_ms(s: &str) -> Option<i64> {
    let t = s.trim();
    if t.len() > 64 {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.timestamp_millis());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(n.and_utc().timestamp_millis());
        }
    }
    None
}

/// RFC 3339 (UTC, milliseconds) of `ms`.
pub fn format_ms(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse_ms("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_ms("1970-01-01T00:00:01.250"), Some(1250));
        assert_eq!(parse_ms("1970-01-01T05:00:00+05:00"), Some(0));
        assert_eq!(parse_ms("yesterday"), None);
        assert_eq!(format_ms(1250), "1970-01-01T00:00:01.250Z");
    }
}
