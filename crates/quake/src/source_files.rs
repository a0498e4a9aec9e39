//! Rupture and event inputs from files: OpenQuake NRML 0.5 ruptures and USGS GeoJSON events.
//!
//! NRML elements read: `singlePlaneRupture` and `multiPlanesRupture` (`planarSurface` with
//! `topLeft`/`topRight`/`bottomLeft`/`bottomRight`), and `simpleFaultRupture`
//! (`simpleFaultGeometry` with `gml:posList`, `dip`, `upperSeismoDepth`, `lowerSeismoDepth`),
//! each with `magnitude`, `rake` and `hypocenter`.

use crate::rupture::{LocalFrame, Plane, Rupture, RuptureError, validate_params};
use forewarn_core::LonLat;
use quick_xml::events::Event;
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum SourceFileError {
    #[error("{file}: line {line}, column {column}: malformed XML: {message}")]
    Xml {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: element <{element}>: {message}")]
    Element {
        file: String,
        element: String,
        message: String,
    },
    #[error("{file}: {message}")]
    Other { file: String, message: String },
    #[error("{file}: {source}")]
    Rupture {
        file: String,
        #[source]
        source: RuptureError,
    },
}

fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let column = pos - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

#[derive(Default)]
struct Collected {
    root: Option<String>,
    text: HashMap<String, String>,
    attrs: HashMap<String, Vec<HashMap<String, String>>>,
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_string()
}

/// Deepest element nesting accepted in an NRML file. A rupture needs 5 levels
/// (nrml/simpleFaultRupture/simpleFaultGeometry/gml:LineString/gml:posList); the limit keeps
/// hostile files from growing the element stack without bound.
pub const MAX_NRML_DEPTH: usize = 32;

/// Most fault planes (planarSurface elements or posList segments) accepted in one rupture.
/// Real finite-fault models have tens; every plane costs work at every site.
pub const MAX_RUPTURE_PLANES: usize = 1_000;

const RUPTURE_KINDS: [&str; 3] = [
    "singlePlaneRupture",
    "multiPlanesRupture",
    "simpleFaultRupture",
];

fn collect(text: &str, file: &str) -> Result<Collected, SourceFileError> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut c = Collected::default();
    let mut stack: Vec<String> = Vec::new();
    let mut saw_nrml = false;
    loop {
        let ev = reader.read_event().map_err(|e| {
            let (line, column) = line_col(text, reader.error_position() as usize);
            SourceFileError::Xml {
                file: file.into(),
                line,
                column,
                message: e.to_string(),
            }
        })?;
        let (e, empty) = match ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Text(t) => {
                if let Some(top) = stack.last() {
                    let s = t.xml10_content().to_string();
                    c.text.entry(top.clone()).or_default().push_str(&s);
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = local(e.name().as_ref());
        if name == "nrml" {
            saw_nrml = true;
        }
        if RUPTURE_KINDS.contains(&name.as_str()) && c.root.is_none() {
            c.root = Some(name.clone());
        }
        let mut map = HashMap::new();
        for a in e.attributes().flatten() {
            let k = local(a.key.as_ref());
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.to_string())
                .unwrap_or_else(|_| a.value.to_string());
            map.insert(k, v);
        }
        c.attrs.entry(name.clone()).or_default().push(map);
        if !empty {
            if stack.len() >= MAX_NRML_DEPTH {
                let (line, column) = line_col(text, reader.buffer_position() as usize);
                return Err(SourceFileError::Xml {
                    file: file.into(),
                    line,
                    column,
                    message: format!(
                        "elements are nested more than {MAX_NRML_DEPTH} levels deep (limit \
                         MAX_NRML_DEPTH = {MAX_NRML_DEPTH})"
                    ),
                });
            }
            stack.push(name);
        }
    }
    if !stack.is_empty() {
        let (line, column) = line_col(text, text.len());
        return Err(SourceFileError::Xml {
            file: file.into(),
            line,
            column,
            message: format!("unexpected end of file inside <{}>", stack.join("><")),
        });
    }
    if !saw_nrml {
        return Err(SourceFileError::Other {
            file: file.into(),
            message: "not an NRML document (no <nrml> root element)".into(),
        });
    }
    Ok(c)
}

impl Collected {
    fn number(&self, file: &str, element: &str) -> Result<f64, SourceFileError> {
        let t = self
            .text
            .get(element)
            .ok_or_else(|| SourceFileError::Element {
                file: file.into(),
                element: element.into(),
                message: "missing".into(),
            })?;
        t.trim().parse().map_err(|_| SourceFileError::Element {
            file: file.into(),
            element: element.into(),
            message: format!("'{}' is not a number", t.trim()),
        })
    }

    fn points(&self, file: &str, element: &str) -> Result<Vec<(f64, f64, f64)>, SourceFileError> {
        let list = self
            .attrs
            .get(element)
            .ok_or_else(|| SourceFileError::Element {
                file: file.into(),
                element: element.into(),
                message: "missing".into(),
            })?;
        list.iter()
            .map(|m| {
                let get = |k: &str| -> Result<f64, SourceFileError> {
                    let v = m.get(k).ok_or_else(|| SourceFileError::Element {
                        file: file.into(),
                        element: element.into(),
                        message: format!("missing attribute '{k}'"),
                    })?;
                    v.trim().parse().map_err(|_| SourceFileError::Element {
                        file: file.into(),
                        element: element.into(),
                        message: format!("attribute {k}='{v}' is not a number"),
                    })
                };
                Ok((get("lon")?, get("lat")?, get("depth")?))
            })
            .collect()
    }
}

fn azimuth_deg(f: &LocalFrame, a: LonLat, b: LonLat) -> (f64, f64) {
    let (x0, y0) = f.to_xy(a);
    let (x1, y1) = f.to_xy(b);
    let (dx, dy) = (x1 - x0, y1 - y0);
    (
        dx.atan2(dy).to_degrees().rem_euclid(360.0),
        (dx * dx + dy * dy).sqrt(),
    )
}

/// Parse an OpenQuake NRML 0.5 rupture file's text. `file` names it in errors.
pub fn parse_nrml_rupture(text: &str, file: &str) -> Result<Rupture, SourceFileError> {
    let c = collect(text, file)?;
    let root = c.root.clone().ok_or_else(|| SourceFileError::Other {
        file: file.into(),
        message: format!(
            "no supported rupture element (expected one of {})",
            RUPTURE_KINDS.join(", ")
        ),
    })?;
    let mag = c.number(file, "magnitude")?;
    let rake = c.number(file, "rake")?;
    let hypo = c.points(file, "hypocenter")?;
    let (hlon, hlat, hdepth) = hypo[0];
    let hypocenter = LonLat::new(hlon, hlat);
    let frame = LocalFrame::new(hypocenter);
    let elem_err = |element: &str, message: String| SourceFileError::Element {
        file: file.into(),
        element: element.into(),
        message,
    };
    let mut planes = Vec::new();
    if root == "simpleFaultRupture" {
        let dip = c.number(file, "dip")?;
        let upper = c.number(file, "upperSeismoDepth")?;
        let lower = c.number(file, "lowerSeismoDepth")?;
        if lower <= upper {
            return Err(elem_err(
                "lowerSeismoDepth",
                format!("{lower} must be greater than upperSeismoDepth {upper}"),
            ));
        }
        if !(dip > 0.0 && dip <= 90.0) {
            return Err(elem_err("dip", format!("{dip} must be within (0, 90]")));
        }
        let pos = c
            .text
            .get("posList")
            .ok_or_else(|| elem_err("gml:posList", "missing".into()))?;
        let vals: Vec<f64> = pos
            .split_whitespace()
            .map(|t| {
                t.parse::<f64>()
                    .map_err(|_| elem_err("gml:posList", format!("'{t}' is not a number")))
            })
            .collect::<Result<_, _>>()?;
        if vals.len() < 4 || !vals.len().is_multiple_of(2) {
            return Err(elem_err(
                "gml:posList",
                format!(
                    "needs an even number (>= 4) of values, found {}",
                    vals.len()
                ),
            ));
        }
        let width = (lower - upper) / dip.to_radians().sin();
        for w in vals.chunks(2).collect::<Vec<_>>().windows(2) {
            let a = LonLat::new(w[0][0], w[0][1]);
            let b = LonLat::new(w[1][0], w[1][1]);
            let (strike, len) = azimuth_deg(&frame, a, b);
            planes.push(Plane {
                top_start: a,
                ztor_km: upper,
                strike_deg: strike,
                dip_deg: dip,
                length_km: len,
                width_km: width,
            });
        }
    } else {
        let tl = c.points(file, "topLeft")?;
        let tr = c.points(file, "topRight")?;
        let bl = c.points(file, "bottomLeft")?;
        if tl.len() != tr.len() || tl.len() != bl.len() {
            return Err(elem_err(
                "planarSurface",
                "every planarSurface needs topLeft, topRight, bottomLeft and bottomRight".into(),
            ));
        }
        for i in 0..tl.len() {
            let a = LonLat::new(tl[i].0, tl[i].1);
            let b = LonLat::new(tr[i].0, tr[i].1);
            let d = LonLat::new(bl[i].0, bl[i].1);
            let (strike, len) = azimuth_deg(&frame, a, b);
            let (_, horiz) = azimuth_deg(&frame, a, d);
            let dz = bl[i].2 - tl[i].2;
            if dz <= 0.0 {
                return Err(elem_err(
                    "bottomLeft",
                    format!("depth {} must be below topLeft depth {}", bl[i].2, tl[i].2),
                ));
            }
            let dip = dz.atan2(horiz).to_degrees();
            planes.push(Plane {
                top_start: a,
                ztor_km: tl[i].2,
                strike_deg: strike,
                dip_deg: dip,
                length_km: len,
                width_km: (horiz * horiz + dz * dz).sqrt(),
            });
        }
    }
    if planes.len() > MAX_RUPTURE_PLANES {
        return Err(elem_err(
            if root == "simpleFaultRupture" {
                "gml:posList"
            } else {
                "planarSurface"
            },
            format!(
                "{} fault planes; at most {MAX_RUPTURE_PLANES} are accepted (limit \
                 MAX_RUPTURE_PLANES)",
                planes.len()
            ),
        ));
    }
    let dip0 = planes.first().map_or(90.0, |p| p.dip_deg);
    validate_params(mag, hdepth, dip0, hlon, hlat).map_err(|source| SourceFileError::Rupture {
        file: file.into(),
        source,
    })?;
    Ok(Rupture {
        mag,
        rake_deg: rake,
        hypocenter,
        hypo_depth_km: hdepth,
        planes,
        geometry_source: format!("NRML {root} from {file}"),
        point_source: None,
    })
}

/// A USGS event (GeoJSON Feature from the earthquake catalogue) reduced to what we use.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UsgsEvent {
    pub id: String,
    pub mag: f64,
    pub lon: f64,
    pub lat: f64,
    pub depth_km: f64,
    pub time_ms: Option<i64>,
    pub place: Option<String>,
}

/// Parse a USGS GeoJSON event (a Feature, or a FeatureCollection holding one).
pub fn parse_usgs_event(text: &str, file: &str) -> Result<UsgsEvent, SourceFileError> {
    let other = |m: String| SourceFileError::Other {
        file: file.into(),
        message: m,
    };
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| SourceFileError::Xml {
        file: file.into(),
        line: e.line(),
        column: e.column(),
        message: format!("malformed JSON: {e}"),
    })?;
    let feat = match v["type"].as_str() {
        Some("Feature") => &v,
        Some("FeatureCollection") => v["features"]
            .get(0)
            .ok_or_else(|| other("FeatureCollection has no features".into()))?,
        _ => {
            return Err(other(
                "expected a GeoJSON Feature or FeatureCollection".into(),
            ));
        }
    };
    let field = |path: &str, x: Option<f64>| {
        x.ok_or_else(|| other(format!("field {path} is missing or not a number")))
    };
    let coords = &feat["geometry"]["coordinates"];
    Ok(UsgsEvent {
        id: feat["id"].as_str().unwrap_or("usgs-event").to_string(),
        mag: field("properties.mag", feat["properties"]["mag"].as_f64())?,
        lon: field("geometry.coordinates[0]", coords[0].as_f64())?,
        lat: field("geometry.coordinates[1]", coords[1].as_f64())?,
        depth_km: field("geometry.coordinates[2]", coords[2].as_f64())?,
        time_ms: feat["properties"]["time"].as_i64(),
        place: feat["properties"]["place"].as_str().map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLANAR: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<nrml xmlns:gml="http://www.opengis.net/gml" xmlns="http://openquake.org/xmlns/nrml/0.5">
  <singlePlaneRupture>
    <magnitude>7.6</magnitude>
    <rake>90.0</rake>
    <hypocenter lat="34.49" lon="73.63" depth="26.0"/>
    <planarSurface>
      <topLeft lon="73.2" lat="34.8" depth="5.0"/>
      <topRight lon="73.9" lat="34.2" depth="5.0"/>
      <bottomLeft lon="73.4" lat="34.95" depth="30.0"/>
      <bottomRight lon="74.1" lat="34.35" depth="30.0"/>
    </planarSurface>
  </singlePlaneRupture>
</nrml>"#;

    #[test]
    fn reads_single_plane() {
        let r = parse_nrml_rupture(PLANAR, "k.xml").unwrap();
        assert_eq!(r.mag, 7.6);
        assert_eq!(r.planes.len(), 1);
        let p = r.planes[0];
        assert!(p.strike_deg > 90.0 && p.strike_deg < 180.0, "{p:?}");
        assert!(p.dip_deg > 0.0 && p.dip_deg < 90.0);
        assert_eq!(p.ztor_km, 5.0);
    }

    #[test]
    fn reads_simple_fault() {
        let x = r#"<nrml xmlns:gml="http://www.opengis.net/gml" xmlns="http://openquake.org/xmlns/nrml/0.5">
<simpleFaultRupture><magnitude>6.5</magnitude><rake>0</rake><hypocenter lat="35.0" lon="70.05" depth="7"/>
<simpleFaultGeometry><gml:LineString><gml:posList>70.0 35.0 70.1 35.0 70.2 35.1</gml:posList></gml:LineString>
<dip>90</dip><upperSeismoDepth>0</upperSeismoDepth><lowerSeismoDepth>15</lowerSeismoDepth></simpleFaultGeometry>
</simpleFaultRupture></nrml>"#;
        let r = parse_nrml_rupture(x, "s.xml").unwrap();
        assert_eq!(r.planes.len(), 2);
        assert!((r.planes[0].strike_deg - 90.0).abs() < 0.5);
        assert!((r.planes[0].width_km - 15.0).abs() < 1e-9);
    }

    #[test]
    fn malformed_nrml_names_element_or_position() {
        let bad = PLANAR.replace("<magnitude>7.6</magnitude>", "<magnitude>seven</magnitude>");
        let e = parse_nrml_rupture(&bad, "k.xml").unwrap_err().to_string();
        assert!(
            e.contains("k.xml") && e.contains("<magnitude>") && e.contains("seven"),
            "{e}"
        );
        let bad = PLANAR.replace(
            "<hypocenter lat=\"34.49\" lon=\"73.63\" depth=\"26.0\"/>",
            "",
        );
        let e = parse_nrml_rupture(&bad, "k.xml").unwrap_err().to_string();
        assert!(e.contains("<hypocenter>") && e.contains("missing"), "{e}");
        let bad = PLANAR.replace("</planarSurface>", "");
        let e = parse_nrml_rupture(&bad, "k.xml").unwrap_err().to_string();
        assert!(e.contains("line") && e.contains("column"), "{e}");
        let bad = PLANAR.replace("<bottomLeft", "<bottomLeftX");
        let e = parse_nrml_rupture(&bad, "k.xml").unwrap_err().to_string();
        assert!(e.contains("<bottomLeft>"), "{e}");
    }

    #[test]
    fn usgs_event() {
        let j = r#"{"type":"Feature","id":"usp000e0ph","properties":{"mag":7.6,"place":"northwestern Kashmir","time":1128743878000},"geometry":{"type":"Point","coordinates":[73.588,34.539,26]}}"#;
        let e = parse_usgs_event(j, "e.json").unwrap();
        assert_eq!((e.mag, e.depth_km), (7.6, 26.0));
        let e = parse_usgs_event(
            r#"{"type":"Feature","properties":{},"geometry":{"coordinates":[1,2,3]}}"#,
            "e.json",
        )
        .unwrap_err();
        assert!(e.to_string().contains("properties.mag"));
    }
}
