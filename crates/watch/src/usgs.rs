//! USGS real-time GeoJSON summary feeds
//! (<https://earthquake.usgs.gov/earthquakes/feed/v1.0/geojson.php>, field meanings in the
//! ComCat event terms <https://earthquake.usgs.gov/data/comcat/data-eventterms.php>).
//!
//! A `FeatureCollection` whose features have `id` (network + code), `properties.mag`,
//! `time` and `updated` (ms since the epoch), `place`, `status` (`automatic`, `reviewed`,
//! `deleted`), `net`, `code`, `ids` (",us7000abcd,pt24010000,"), `sources`, `magType`,
//! `type` (`earthquake`, `quarry blast`, ...) and `geometry.coordinates = [lon, lat,
//! depth_km]`. The same format is served by the FDSN event service with `format=geojson`.

use crate::limits;
use crate::report::{FeedError, Parsed, QuakeReport, ReportStatus};
use serde_json::Value;

fn num(v: &Value, f: &str) -> Result<f64, String> {
    v.get(f)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("properties.{f} is missing or not a number"))
}

fn one(source: &str, f: &Value) -> Result<QuakeReport, String> {
    let p = f
        .get("properties")
        .filter(|p| p.is_object())
        .ok_or("properties is missing")?;
    let s = |k: &str| p.get(k).and_then(Value::as_str);
    let status = match s("status").map(str::to_ascii_lowercase).as_deref() {
        Some("deleted") => ReportStatus::Deleted,
        Some("reviewed") => ReportStatus::Reviewed,
        // ComCat: "automatic" and other values such as "REVIEWED" by some networks.
        _ => ReportStatus::Automatic,
    };
    let net = limits::id(
        s("net").ok_or("properties.net is missing")?,
        "properties.net",
    )?;
    let id = match f.get("id").and_then(Value::as_str) {
        Some(i) => limits::id(i, "id")?,
        None => {
            let code = limits::id(
                s("code").ok_or("id and properties.code are missing")?,
                "properties.code",
            )?;
            format!("{net}{code}")
        }
    };
    if let Some(t) = s("type")
        && t != "earthquake"
        && status != ReportStatus::Deleted
    {
        return Err(format!("type '{}' is not an earthquake", limits::text(t)));
    }
    let time = p
        .get("time")
        .and_then(Value::as_i64)
        .ok_or("properties.time is missing or not an integer (ms)")?;
    let coords = f
        .get("geometry")
        .and_then(|g| g.get("coordinates"))
        .and_then(Value::as_array);
    let (lon, lat, depth_km) = match coords {
        Some(c) if c.len() >= 3 => (
            c[0].as_f64()
                .ok_or("geometry.coordinates[0] is not a number")?,
            c[1].as_f64()
                .ok_or("geometry.coordinates[1] is not a number")?,
            c[2].as_f64()
                .ok_or("geometry.coordinates[2] is not a number")?,
        ),
        _ if status == ReportStatus::Deleted => (0.0, 0.0, 0.0),
        _ => return Err("geometry.coordinates must be [lon, lat, depth_km]".into()),
    };
    let mag = match num(p, "mag") {
        Ok(m) => m,
        Err(_) if status == ReportStatus::Deleted => 0.0,
        Err(e) => return Err(e),
    };
    let other_ids = s("ids")
        .unwrap_or("")
        .split(',')
        .filter(|i| !i.is_empty())
        .take(32)
        .filter_map(|i| limits::id(i, "ids").ok())
        .filter(|i| *i != id)
        .collect();
    let r = QuakeReport {
        source: source.to_string(),
        agency: net.to_ascii_lowercase(),
        event_id: id,
        other_ids,
        origin_time_ms: time,
        updated_ms: p.get("updated").and_then(Value::as_i64),
        lat,
        lon,
        depth_km,
        mag,
        mag_type: s("magType").map(limits::text),
        status,
        place: s("place").map(limits::text),
    };
    r.check()?;
    Ok(r)
}

/// Parses a summary feed body.
pub fn parse(source: &str, body: &[u8]) -> Result<Parsed<QuakeReport>, FeedError> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| FeedError::Malformed(format!("not JSON: {e}")))?;
    if v.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(FeedError::Malformed(
            "not a GeoJSON FeatureCollection (type must be \"FeatureCollection\")".into(),
        ));
    }
    let features = v
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| FeedError::Malformed("features is missing or not an array".into()))?;
    limits::check_items(features.len())?;
    let mut out = Parsed::default();
    for (i, f) in features.iter().enumerate() {
        match one(source, f) {
            Ok(r) => out.items.push(r),
            Err(reason) => out.reject(
                format!("features[{i}]"),
                f.get("id").and_then(Value::as_str).map(limits::text),
                reason,
            ),
        }
    }
    Ok(out)
}
