//! The incident page's map as inline SVG: filled MMI contours (the run's mmi.geojson) or a
//! flood's extent, country borders, the largest affected settlements with their names, the epicentre as a star, an
//! MMI legend and a scale bar. Equirectangular, north up, scaled by cos(latitude) at the
//! centre; everything outside the footprint is clipped. No request is made.

use super::escape;
use crate::quake::mmi_color;
use forewarn_core::Region;
use serde_json::Value;
use std::fmt::Write as _;

/// Width of the drawing in SVG units (pixels at 100 %).
const WIDTH: f64 = 800.0;

/// A settlement to label.
pub struct Place {
    pub name: String,
    pub lon: f64,
    pub lat: f64,
}

/// What the map shows.
pub struct MapInput<'a> {
    /// [west, south, east, north] in degrees.
    pub bbox: [f64; 4],
    /// Filled MMI contours (GeoJSON FeatureCollection with `mmi` and `color` properties), or
    /// areas without `mmi` filled with their `color` (a flood's extent).
    pub contours: Option<&'a Value>,
    pub region: Option<&'a Region>,
    pub places: Vec<Place>,
    pub epicentre: Option<(f64, f64)>,
    /// Accessible name of the drawing.
    pub title: String,
    /// The legend's heading.
    pub legend_title: String,
}

struct Proj {
    west: f64,
    north: f64,
    kx: f64,
    scale: f64,
    height: f64,
}

/// Height of the drawing in SVG units: the view is widened or heightened to this shape.
const HEIGHT: f64 = 560.0;

impl Proj {
    /// A projection showing all of `b`, centred, at the drawing's shape.
    fn new(b: [f64; 4]) -> Proj {
        let [w, s, e, n] = b;
        let kx = ((s + n) / 2.0).to_radians().cos().abs().max(0.05);
        let span_x = ((e - w) * kx).max(1e-6);
        let span_y = (n - s).max(1e-6);
        let scale = (WIDTH / span_x).min(HEIGHT / span_y);
        let west = (w + e) / 2.0 - WIDTH / scale / kx / 2.0;
        let north = (s + n) / 2.0 + HEIGHT / scale / 2.0;
        Proj {
            west,
            north,
            kx,
            scale,
            height: HEIGHT,
        }
    }
    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.west) * self.kx * self.scale,
            (self.north - lat) * self.scale,
        )
    }
}

/// Appends the rings of a GeoJSON (Multi)Polygon as path data, dropping points closer than
/// half a unit to the previous one.
fn rings_path(p: &Proj, rings: &[Vec<[f64; 2]>], d: &mut String) {
    for ring in rings {
        let mut last: Option<(f64, f64)> = None;
        let mut n = 0;
        for c in ring {
            let (x, y) = p.xy(c[0], c[1]);
            if let Some((lx, ly)) = last
                && (x - lx).abs() < 0.5
                && (y - ly).abs() < 0.5
            {
                continue;
            }
            let _ = write!(d, "{}{x:.1},{y:.1}", if n == 0 { "M" } else { "L" });
            last = Some((x, y));
            n += 1;
        }
        if n > 0 {
            d.push('Z');
        }
    }
}

fn geojson_rings(geom: &Value) -> Vec<Vec<Vec<[f64; 2]>>> {
    let parse = |v: &Value| -> Vec<Vec<[f64; 2]>> {
        v.as_array()
            .map(|rings| {
                rings
                    .iter()
                    .filter_map(|r| r.as_array())
                    .map(|r| {
                        r.iter()
                            .filter_map(|c| Some([c.get(0)?.as_f64()?, c.get(1)?.as_f64()?]))
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    match geom["type"].as_str() {
        Some("Polygon") => vec![parse(&geom["coordinates"])],
        Some("MultiPolygon") => geom["coordinates"]
            .as_array()
            .map(|ps| ps.iter().map(parse).collect())
            .unwrap_or_default(),
        _ => vec![],
    }
}

/// A scale bar length (km) of about a fifth of the width: 1, 2 or 5 times a power of ten.
fn nice_km(width_km: f64) -> f64 {
    let target = (width_km / 5.0).max(1.0);
    let p = 10f64.powf(target.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * p)
        .find(|v| *v <= target)
        .unwrap_or(p)
}

/// The area worth showing: the MMI V contour (else IV) with a quarter of its size around it,
/// within `footprint`; the footprint when there is no such contour.
fn view_bbox(footprint: [f64; 4], contours: Option<&Value>) -> [f64; 4] {
    let feats: Vec<&Value> = contours
        .and_then(|fc| fc["features"].as_array())
        .map(|f| f.iter().collect())
        .unwrap_or_default();
    for min_mmi in [5, 4] {
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for f in &feats {
            if f["properties"]["mmi"].as_u64().unwrap_or(0) < min_mmi {
                continue;
            }
            for poly in geojson_rings(&f["geometry"]) {
                for c in poly.iter().flatten() {
                    b = [
                        b[0].min(c[0]),
                        b[1].min(c[1]),
                        b[2].max(c[0]),
                        b[3].max(c[1]),
                    ];
                }
            }
        }
        if b[0].is_finite() && b[2] > b[0] && b[3] > b[1] {
            let (pw, ph) = ((b[2] - b[0]) * 0.25, (b[3] - b[1]) * 0.25);
            return [
                (b[0] - pw).max(footprint[0]),
                (b[1] - ph).max(footprint[1]),
                (b[2] + pw).min(footprint[2]),
                (b[3] + ph).min(footprint[3]),
            ];
        }
    }
    footprint
}

/// Whether a label box `[x0, y0, x1, y1]` overlaps one already placed (the report's map and
/// the after-action report's).
pub fn overlaps(placed: &[[f64; 4]], b: [f64; 4]) -> bool {
    placed
        .iter()
        .any(|p| b[0] < p[2] && p[0] < b[2] && b[1] < p[3] && p[1] < b[3])
}

/// The fill of an area: its MMI's colour, else (an area without an MMI, as a flood's extent)
/// its `color` property when that is `#RRGGBB`.
fn fill_of(f: &Value) -> Option<(u8, u8, u8)> {
    let p = &f["properties"];
    if let Some(k) = p["mmi"].as_u64() {
        return mmi_color(k as f32).map(|c| (c.0, c.1, c.2));
    }
    let hex = p["color"].as_str()?.strip_prefix('#')?;
    if hex.len() != 6 {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    Some((byte(0)?, byte(2)?, byte(4)?))
}

/// The width of a 14 px label, estimated: CJK ideographs are square (one em), other scripts
/// about 8 px a character.
fn label_width_px(name: &str) -> f64 {
    name.chars()
        .map(|c| {
            if ('\u{2E80}'..='\u{9FFF}').contains(&c) {
                14.0
            } else {
                8.0
            }
        })
        .sum()
}

pub fn map_svg(m: &MapInput<'_>) -> String {
    let view = view_bbox(m.bbox, m.contours);
    let p = Proj::new(view);
    let h = p.height;
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<svg class=\"rpt-map\" style=\"direction:ltr\" role=\"img\" aria-labelledby=\"rpt-map-title\" viewBox=\"0 0 {WIDTH:.0} {h:.0}\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"rpt-map-title\">{}</title>\
         <defs><clipPath id=\"rpt-clip\"><rect width=\"{WIDTH:.0}\" height=\"{h:.0}\"/></clipPath></defs>\
         <rect width=\"{WIDTH:.0}\" height=\"{h:.0}\" fill=\"#eef3f7\"/><g clip-path=\"url(#rpt-clip)\">",
        escape(&m.title)
    );
    // Contours, lowest intensity first so that higher ones draw on top.
    if let Some(fc) = m.contours {
        let mut feats: Vec<&Value> = fc["features"]
            .as_array()
            .map(|f| f.iter().collect())
            .unwrap_or_default();
        feats.sort_by_key(|f| f["properties"]["mmi"].as_u64().unwrap_or(0));
        for f in feats {
            let Some(c) = fill_of(f) else {
                continue;
            };
            let mut d = String::new();
            for poly in geojson_rings(&f["geometry"]) {
                rings_path(&p, &poly, &mut d);
            }
            if !d.is_empty() {
                let _ = write!(
                    out,
                    "<path d=\"{d}\" fill=\"#{:02X}{:02X}{:02X}\" fill-rule=\"evenodd\" stroke=\"none\"/>",
                    c.0, c.1, c.2
                );
            }
        }
    }
    // Country borders that reach into the map.
    if let Some(region) = m.region {
        let [w, s, e, n] = view;
        let mut d = String::new();
        for c in &region.countries {
            for poly in &c.boundary.0 {
                let rings: Vec<Vec<[f64; 2]>> = std::iter::once(poly.exterior())
                    .chain(poly.interiors())
                    .map(|r| r.0.iter().map(|q| [q.x, q.y]).collect())
                    .collect();
                let touches = rings.iter().flatten().any(|q| {
                    q[0] >= w - 1.0 && q[0] <= e + 1.0 && q[1] >= s - 1.0 && q[1] <= n + 1.0
                });
                if touches {
                    rings_path(&p, &rings, &mut d);
                }
            }
        }
        if !d.is_empty() {
            let _ = write!(
                out,
                "<path d=\"{d}\" fill=\"none\" stroke=\"#444\" stroke-width=\"1.2\" stroke-dasharray=\"6 3\"/>"
            );
        }
    }
    // Settlements and their names (white halo for legibility on any colour), the largest
    // first: a name that would cover another name, a larger place's dot or the epicentre is
    // left out, and a place whose dot a larger place's name covers is not drawn.
    let mut names: Vec<[f64; 4]> = Vec::new();
    let mut marks: Vec<[f64; 4]> = Vec::new();
    if let Some((lon, lat)) = m.epicentre {
        let (x, y) = p.xy(lon, lat);
        marks.push([x - 14.0, y - 14.0, x + 14.0, y + 14.0]);
    }
    for pl in &m.places {
        let (x, y) = p.xy(pl.lon, pl.lat);
        let dot = [x - 4.0, y - 4.0, x + 4.0, y + 4.0];
        if !(0.0..=WIDTH).contains(&x) || !(0.0..=h).contains(&y) || overlaps(&names, dot) {
            continue;
        }
        marks.push(dot);
        let _ = write!(
            out,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"#fff\" stroke=\"#111\" stroke-width=\"1.2\"/>"
        );
        // Right of the point, else left, else above, else below; no name where none fits.
        let text_w = label_width_px(&pl.name);
        let spots = [
            (
                "start",
                x + 6.0,
                y + 4.5,
                [x + 6.0, y - 10.0, x + 6.0 + text_w, y + 8.0],
            ),
            (
                "end",
                x - 6.0,
                y + 4.5,
                [x - 6.0 - text_w, y - 10.0, x - 6.0, y + 8.0],
            ),
            (
                "middle",
                x,
                y - 8.0,
                [x - text_w / 2.0, y - 22.0, x + text_w / 2.0, y - 5.0],
            ),
            (
                "middle",
                x,
                y + 20.0,
                [x - text_w / 2.0, y + 5.0, x + text_w / 2.0, y + 23.0],
            ),
        ];
        let Some((anchor, tx, ty, label)) = spots.into_iter().find(|(_, _, _, b)| {
            b[0] >= 0.0
                && b[2] <= WIDTH
                && b[1] >= 0.0
                && b[3] <= h
                && !overlaps(&names, *b)
                && !overlaps(&marks, *b)
        }) else {
            continue;
        };
        names.push(label);
        let _ = write!(
            out,
            "<text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"{anchor}\" font-size=\"14\" fill=\"#111\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
            escape(&pl.name)
        );
    }
    if let Some((lon, lat)) = m.epicentre {
        let (cx, cy) = p.xy(lon, lat);
        let mut d = String::new();
        for i in 0..10 {
            let r = if i % 2 == 0 { 13.0 } else { 5.5 };
            let a = std::f64::consts::PI * (i as f64) / 5.0 - std::f64::consts::FRAC_PI_2;
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { "L" },
                cx + r * a.cos(),
                cy + r * a.sin()
            );
        }
        let _ = write!(
            out,
            "<path class=\"rpt-epicentre\" d=\"{d}Z\" fill=\"#d50000\" stroke=\"#fff\" stroke-width=\"1.5\"/>"
        );
    }
    out.push_str("</g>");
    // Scale bar (bottom left) and MMI legend (bottom right), one entry per level shown.
    let width_km = WIDTH / p.scale * 111.2;
    let km = nice_km(width_km);
    let bar = km / 111.2 * p.scale;
    let _ = write!(
        out,
        "<g transform=\"translate(12 {:.0})\"><rect x=\"-6\" y=\"-20\" width=\"{:.0}\" height=\"30\" fill=\"#fff\" fill-opacity=\"0.85\"/><path d=\"M0,0h{bar:.1}M0,-5v5M{bar:.1},-5v5\" stroke=\"#111\" stroke-width=\"2\"/><text x=\"{:.1}\" y=\"-7\" font-size=\"12\" text-anchor=\"middle\" fill=\"#111\">{km} km</text></g>",
        h - 10.0,
        bar + 12.0,
        bar / 2.0
    );
    let levels: Vec<u64> = m
        .contours
        .and_then(|fc| fc["features"].as_array())
        .map(|f| {
            let mut v: Vec<u64> = f
                .iter()
                .filter_map(|x| x["properties"]["mmi"].as_u64())
                .filter(|k| (2..=10).contains(k))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .unwrap_or_default();
    if !levels.is_empty() {
        // Wide enough for its swatches and for its heading (12 px text).
        let lw =
            (34.0 * levels.len() as f64).max(label_width_px(&m.legend_title) * 12.0 / 14.0) + 12.0;
        let _ = write!(
            out,
            "<g transform=\"translate({:.0} {:.0})\"><rect x=\"-6\" y=\"-34\" width=\"{lw:.0}\" height=\"50\" fill=\"#fff\" fill-opacity=\"0.85\"/><text x=\"0\" y=\"-20\" font-size=\"12\" fill=\"#111\">{}</text>",
            WIDTH - lw,
            h - 14.0,
            escape(&m.legend_title)
        );
        for (i, k) in levels.iter().enumerate() {
            if let Some(c) = mmi_color(*k as f32) {
                let x = 34.0 * i as f64;
                let _ = write!(
                    out,
                    "<rect x=\"{x:.0}\" y=\"-14\" width=\"30\" height=\"12\" fill=\"#{:02X}{:02X}{:02X}\" stroke=\"#555\" stroke-width=\"0.5\"/><text x=\"{:.0}\" y=\"12\" font-size=\"11\" text-anchor=\"middle\" fill=\"#111\">{}</text>",
                    c.0,
                    c.1,
                    c.2,
                    x + 15.0,
                    super::words::ROMAN[*k as usize - 1]
                );
            }
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_filled_by_intensity_else_by_their_colour() {
        let area = |props: Value| serde_json::json!({"properties": props});
        let by_mmi = fill_of(&area(serde_json::json!({"mmi": 6, "color": "#000000"})));
        assert_eq!(by_mmi, mmi_color(6.0).map(|c| (c.0, c.1, c.2)));
        let flood = fill_of(&area(serde_json::json!({"color": "#3182bd"})));
        assert_eq!(flood, Some((0x31, 0x82, 0xbd)));
        for bad in ["3182bd", "#3182b", "#31\"/>x", "#ééé"] {
            assert_eq!(
                fill_of(&area(serde_json::json!({"color": bad}))),
                None,
                "{bad}"
            );
        }
    }

    #[test]
    fn scale_bar_lengths_are_round() {
        assert_eq!(nice_km(600.0), 100.0);
        assert_eq!(nice_km(260.0), 50.0);
        assert_eq!(nice_km(90.0), 10.0);
        assert_eq!(nice_km(3.0), 1.0);
    }
}
