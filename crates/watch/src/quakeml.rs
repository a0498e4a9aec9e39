//! QuakeML 1.2 Basic Event Description (BED), as served by FDSN event services
//! (`format=xml`: EMSC, GFZ, IRIS/EarthScope, USGS, SeisComP installations) and dropped as
//! files by national networks. Written from the QuakeML 1.2 BED specification
//! (<https://quake.ethz.ch/quakeml/docs/REC?action=AttachFile&do=get&target=QuakeML-BED-20130214b.pdf>)
//! and its schema (namespace `http://quakeml.org/xmlns/bed/1.2`).
//!
//! For each `eventParameters/event`: the origin named by `preferredOriginID` (else the first)
//! gives `time/value`, `latitude/value`, `longitude/value` and `depth/value` (metres, as the
//! BED defines it); the magnitude named by `preferredMagnitudeID` (else the first) gives
//! `mag/value` and `type`. `evaluationMode` manual or `evaluationStatus` reviewed/final make a
//! reviewed report; event `type` `not existing` a deletion. The agency is
//! `creationInfo/agencyID` of the event, else of the origin, else the source's.
//!
//! The event id is the ANSS `catalog:eventsource` + `catalog:eventid` attributes when present
//! (USGS), else the `eventid=` query value of the `publicID`, else its last path segment.

use crate::limits;
use crate::report::{FeedError, Parsed, QuakeReport, ReportStatus};
use crate::time::parse_ms;
use roxmltree::Node;

const ANSS_CATALOG: &str = "http://anss.org/xmlns/catalog/0.1";

fn child<'a>(n: Node<'a, 'a>, name: &str) -> Option<Node<'a, 'a>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn text_of<'a>(n: Node<'a, 'a>, path: &[&str]) -> Option<&'a str> {
    let mut cur = n;
    for p in path {
        cur = child(cur, p)?;
    }
    cur.text().map(str::trim).filter(|s| !s.is_empty())
}

fn num(n: Node<'_, '_>, path: &[&str]) -> Result<f64, String> {
    let s = text_of(n, path).ok_or_else(|| format!("{} is missing", path.join("/")))?;
    s.parse::<f64>()
        .map_err(|_| format!("{} '{}' is not a number", path.join("/"), limits::text(s)))
}

fn by_id<'a>(event: Node<'a, 'a>, tag: &str, pref: &str) -> Option<Node<'a, 'a>> {
    let all = || {
        event
            .children()
            .filter(move |c| c.is_element() && c.tag_name().name() == tag)
    };
    match text_of(event, &[pref]) {
        Some(id) => all().find(|c| c.attribute("publicID") == Some(id)),
        None => all().next(),
    }
}

fn short_id(event: Node<'_, '_>) -> Result<String, String> {
    if let (Some(src), Some(id)) = (
        event.attribute((ANSS_CATALOG, "eventsource")),
        event.attribute((ANSS_CATALOG, "eventid")),
    ) {
        return limits::id(&format!("{src}{id}"), "event id");
    }
    let public = event.attribute("publicID").ok_or("event has no publicID")?;
    if let Some(q) = public
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("eventid="))
    {
        return limits::id(q, "event publicID eventid");
    }
    let last = public
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(public);
    limits::id(last, "event publicID")
}

fn one(source: &str, agency: &str, event: Node<'_, '_>) -> Result<QuakeReport, String> {
    let event_id = short_id(event)?;
    let etype = text_of(event, &["type"]);
    let deleted = etype.is_some_and(|t| t == "not existing");
    if let Some(t) = etype
        && !deleted
        && t != "earthquake"
    {
        return Err(format!(
            "event type '{}' is not an earthquake",
            limits::text(t)
        ));
    }
    let origin = by_id(event, "origin", "preferredOriginID");
    let mag = by_id(event, "magnitude", "preferredMagnitudeID");
    let agency = text_of(event, &["creationInfo", "agencyID"])
        .or_else(|| origin.and_then(|o| text_of(o, &["creationInfo", "agencyID"])))
        .map(|a| limits::id(a, "creationInfo/agencyID"))
        .transpose()?
        .unwrap_or_else(|| agency.to_string());
    let Some(o) = origin else {
        if deleted {
            return Ok(QuakeReport {
                source: source.into(),
                agency: agency.to_ascii_lowercase(),
                event_id,
                other_ids: vec![],
                origin_time_ms: 0,
                updated_ms: None,
                lat: 0.0,
                lon: 0.0,
                depth_km: 0.0,
                mag: 0.0,
                mag_type: None,
                status: ReportStatus::Deleted,
                place: None,
            });
        }
        return Err("the event has no origin".into());
    };
    let time_s = text_of(o, &["time", "value"]).ok_or("origin time/value is missing")?;
    let origin_time_ms = parse_ms(time_s)
        .ok_or_else(|| format!("origin time '{}' is not a time", limits::text(time_s)))?;
    let m = mag.ok_or("the event has no magnitude")?;
    let reviewed = text_of(o, &["evaluationMode"]) == Some("manual")
        || matches!(
            text_of(o, &["evaluationStatus"]),
            Some("reviewed" | "final")
        );
    let r = QuakeReport {
        source: source.to_string(),
        agency: agency.to_ascii_lowercase(),
        event_id,
        other_ids: vec![],
        origin_time_ms,
        updated_ms: text_of(event, &["creationInfo", "modificationTime"])
            .or_else(|| text_of(event, &["creationInfo", "creationTime"]))
            .and_then(parse_ms),
        lat: num(o, &["latitude", "value"])?,
        lon: num(o, &["longitude", "value"])?,
        // The BED gives depth in metres.
        depth_km: num(o, &["depth", "value"])? / 1000.0,
        mag: num(m, &["mag", "value"])?,
        mag_type: text_of(m, &["type"]).map(limits::text),
        status: if deleted {
            ReportStatus::Deleted
        } else if reviewed {
            ReportStatus::Reviewed
        } else {
            ReportStatus::Automatic
        },
        place: text_of(event, &["description", "text"]).map(limits::text),
    };
    r.check()?;
    Ok(r)
}

/// Parses a QuakeML document.
pub fn parse(source: &str, agency: &str, body: &[u8]) -> Result<Parsed<QuakeReport>, FeedError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| FeedError::Malformed(format!("not UTF-8 text: {e}")))?;
    let doc = limits::parse_xml(text)?;
    let params = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "eventParameters")
        .ok_or_else(|| FeedError::Malformed("no eventParameters element (not QuakeML)".into()))?;
    let events: Vec<Node<'_, '_>> = params
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "event")
        .collect();
    limits::check_items(events.len())?;
    let mut out = Parsed::default();
    for (i, e) in events.into_iter().enumerate() {
        match one(source, agency, e) {
            Ok(r) => out.items.push(r),
            Err(reason) => out.reject(
                format!("event[{i}]"),
                e.attribute("publicID").map(limits::text),
                reason,
            ),
        }
    }
    Ok(out)
}
