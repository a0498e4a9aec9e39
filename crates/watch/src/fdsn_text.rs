//! The FDSN event web service's text format (`fdsnws/event/1/query?format=text`), from the
//! FDSN Web Service Specifications 1.2 (<https://www.fdsn.org/webservices/fdsnws-event-1.2.pdf>,
//! "Text format"): one event per line, fields separated by `|`, lines starting with `#` are
//! comments; the first comment line names the columns
//!
//! `#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|MagType|Magnitude|MagAuthor|EventLocationName|EventType`
//!
//! (`EventType`, added in 1.2, may be absent). Times are UTC. Columns are found by the header
//! names when a header is present, else by the order above. The agency of a report is its
//! `Contributor`, else its `Author`, else the source's configured agency. An `EventType` of
//! `not existing` (the QuakeML event type for a withdrawn event) marks a deletion.

use crate::limits;
use crate::report::{FeedError, Parsed, QuakeReport, ReportStatus};
use crate::time::parse_ms;

const COLUMNS: [&str; 14] = [
    "eventid",
    "time",
    "latitude",
    "longitude",
    "depth/km",
    "author",
    "catalog",
    "contributor",
    "contributorid",
    "magtype",
    "magnitude",
    "magauthor",
    "eventlocationname",
    "eventtype",
];

struct Cols {
    index: [Option<usize>; 14],
}

impl Cols {
    fn positional() -> Cols {
        let mut index = [None; 14];
        for (i, slot) in index.iter_mut().enumerate() {
            *slot = Some(i);
        }
        Cols { index }
    }

    fn from_header(line: &str) -> Cols {
        let names: Vec<String> = line
            .trim_start_matches('#')
            .split('|')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        let mut index = [None; 14];
        for (k, c) in COLUMNS.iter().enumerate() {
            index[k] = names.iter().position(|n| n == c);
        }
        Cols { index }
    }

    fn get<'a>(&self, fields: &[&'a str], name: &str) -> Option<&'a str> {
        let k = COLUMNS.iter().position(|c| *c == name)?;
        self.index[k]
            .and_then(|i| fields.get(i))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

fn one(source: &str, agency: &str, cols: &Cols, fields: &[&str]) -> Result<QuakeReport, String> {
    let get = |n: &str| cols.get(fields, n);
    let num = |n: &str| -> Result<f64, String> {
        let s = get(n).ok_or_else(|| format!("{n} is empty"))?;
        s.parse::<f64>()
            .map_err(|_| format!("{n} '{}' is not a number", limits::text(s)))
    };
    let event_id = limits::id(get("eventid").unwrap_or(""), "EventID")?;
    let deleted = get("eventtype").is_some_and(|t| t.eq_ignore_ascii_case("not existing"));
    let time_s = get("time").ok_or("Time is empty")?;
    let origin_time_ms =
        parse_ms(time_s).ok_or_else(|| format!("Time '{}' is not a time", limits::text(time_s)))?;
    if let Some(t) = get("eventtype")
        && !deleted
        && !t.eq_ignore_ascii_case("earthquake")
    {
        return Err(format!(
            "EventType '{}' is not an earthquake",
            limits::text(t)
        ));
    }
    let agency = match get("contributor").or(get("author")) {
        Some(a) => limits::id(a, "Contributor")?,
        None => agency.to_string(),
    };
    let (lat, lon, depth_km, mag) = if deleted {
        let or0 = |n: &str| num(n).unwrap_or(0.0);
        (
            or0("latitude"),
            or0("longitude"),
            or0("depth/km"),
            or0("magnitude"),
        )
    } else {
        (
            num("latitude")?,
            num("longitude")?,
            num("depth/km")?,
            num("magnitude")?,
        )
    };
    let r = QuakeReport {
        source: source.to_string(),
        agency: agency.to_ascii_lowercase(),
        event_id,
        other_ids: vec![],
        origin_time_ms,
        updated_ms: None,
        lat,
        lon,
        depth_km,
        mag,
        mag_type: get("magtype").map(limits::text),
        status: if deleted {
            ReportStatus::Deleted
        } else {
            ReportStatus::Automatic
        },
        place: get("eventlocationname").map(limits::text),
    };
    r.check()?;
    Ok(r)
}

/// Parses a text body. `agency` is used for lines naming neither contributor nor author.
pub fn parse(source: &str, agency: &str, body: &[u8]) -> Result<Parsed<QuakeReport>, FeedError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| FeedError::Malformed(format!("not UTF-8 text: {e}")))?;
    let mut cols = Cols::positional();
    let mut out = Parsed::default();
    let mut seen_header = false;
    let mut n = 0usize;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('#') {
            if !seen_header {
                cols = Cols::from_header(line);
                seen_header = true;
                if cols.index[0].is_none() || cols.index[1].is_none() {
                    return Err(FeedError::Malformed(format!(
                        "line {}: the header names no EventID or Time column",
                        i + 1
                    )));
                }
            }
            continue;
        }
        n += 1;
        limits::check_items(n)?;
        let fields: Vec<&str> = line.split('|').take(64).collect();
        match one(source, agency, &cols, &fields) {
            Ok(r) => out.items.push(r),
            Err(reason) => out.reject(
                format!("line {}", i + 1),
                fields
                    .first()
                    .map(|s| limits::text(s))
                    .filter(|s| !s.is_empty()),
                reason,
            ),
        }
    }
    Ok(out)
}
