//! CAP date-times: `YYYY-MM-DDThh:mm:ss+hh:mm`, no `Z`, no fractions.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// A CAP date-time with its time-zone offset.
///
/// Written as `YYYY-MM-DDThh:mm:ss+hh:mm`. A zero offset is written `-00:00`, as CAP 1.2
/// (section 3.3.2) requires for UTC; `+00:00` is accepted on input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CapTime(pub DateTime<FixedOffset>);

impl CapTime {
    /// Parses the strict CAP form. Returns a message explaining the problem otherwise.
    pub fn parse(s: &str) -> Result<CapTime, String> {
        let b = s.as_bytes();
        let pattern_ok = b.len() == 25
            && b.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                10 => *c == b'T',
                13 | 16 | 22 => *c == b':',
                19 => *c == b'+' || *c == b'-',
                _ => c.is_ascii_digit(),
            });
        if !pattern_ok {
            return Err(format!(
                "'{s}' is not a CAP date-time: use YYYY-MM-DDThh:mm:ss+hh:mm (no 'Z', no fractions of a second)"
            ));
        }
        DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%:z")
            .map(CapTime)
            .map_err(|e| format!("'{s}' is not a valid date-time: {e}"))
    }

    /// A UTC instant (written with offset `-00:00`).
    pub fn from_utc(t: DateTime<Utc>) -> CapTime {
        CapTime(t.fixed_offset())
    }

    /// From a UTC calendar time; `None` when the fields are out of range.
    pub fn utc(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<CapTime> {
        Utc.with_ymd_and_hms(year, month, day, hour, minute, second)
            .single()
            .map(CapTime::from_utc)
    }

    /// The same instant in UTC.
    pub fn to_utc(&self) -> DateTime<Utc> {
        self.0.with_timezone(&Utc)
    }

    /// This time plus a number of whole seconds.
    pub fn plus_seconds(&self, dt_s: i64) -> CapTime {
        CapTime(self.0 + chrono::Duration::seconds(dt_s))
    }

    /// Compact UTC form `YYYYMMDDThhmmssZ`, for identifiers.
    pub fn compact_utc(&self) -> String {
        self.to_utc().format("%Y%m%dT%H%M%SZ").to_string()
    }

    /// RFC 3339 form, for Atom feeds.
    pub fn rfc3339(&self) -> String {
        self.0.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }

    /// The naive UTC date-time.
    pub fn naive_utc(&self) -> NaiveDateTime {
        self.0.naive_utc()
    }
}

impl fmt::Display for CapTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.offset().local_minus_utc() == 0 {
            write!(f, "{}-00:00", self.0.format("%Y-%m-%dT%H:%M:%S"))
        } else {
            write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%:z"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_format() {
        let t = CapTime::parse("2024-05-19T17:18:00+04:00").unwrap();
        assert_eq!(t.to_string(), "2024-05-19T17:18:00+04:00");
        assert_eq!(
            CapTime::parse("2024-06-06T15:15:00-00:00")
                .unwrap()
                .to_string(),
            "2024-06-06T15:15:00-00:00"
        );
        assert_eq!(
            CapTime::parse("2024-06-06T15:15:00+00:00")
                .unwrap()
                .to_string(),
            "2024-06-06T15:15:00-00:00"
        );
        for bad in [
            "2024-05-19T17:18:00Z",
            "2024-05-19T17:18:00.5+04:00",
            "2024-05-19 17:18:00+04:00",
            "2024-13-19T17:18:00+04:00",
            "2024-02-30T17:18:00+04:00",
            "2024-05-19T17:18+04:00",
        ] {
            assert!(CapTime::parse(bad).is_err(), "{bad}");
        }
    }
}
