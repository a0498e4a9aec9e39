//! PNG maps: a coloured raster (optionally over a hillshade) with country boundaries,
//! outlines, labelled places, markers, a legend and a title. Equirectangular projection with
//! the aspect corrected at the map's central latitude. Text uses the embedded DejaVu Sans
//! font (assets/, Bitstream Vera / DejaVu licence), never system fonts.

use crate::EngineError;
use forewarn_core::{BBox, Grid, LonLat};
use geo::MultiPolygon;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::OnceLock;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

fn ensure_font() {
    static DONE: OnceLock<bool> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok()
    });
}

/// A coloured raster layer.
pub struct RasterLayer<'a> {
    pub grid: &'a Grid<f32>,
    pub color: &'a dyn Fn(f32) -> Option<RGBColor>,
    /// Blend weight of the raster over what lies beneath (0..1).
    pub alpha: f64,
}

/// Everything a map may show.
pub struct MapSpec<'a> {
    pub title: String,
    pub subtitle: String,
    pub bbox: BBox,
    pub hillshade: Option<&'a Grid<f32>>,
    pub raster: Option<RasterLayer<'a>>,
    pub boundaries: Vec<&'a MultiPolygon<f64>>,
    pub outlines: Vec<Vec<LonLat>>,
    pub places: Vec<(LonLat, String)>,
    /// Marker (star) positions with labels.
    pub markers: Vec<(LonLat, String)>,
    pub legend: Vec<(RGBColor, String)>,
}

/// Hillshade (0..1) of an elevation grid, sun from the north-west at 45 degrees.
pub fn hillshade(dem: &Grid<f32>) -> Grid<f32> {
    let s = &dem.spec;
    let mut out = Grid::filled(*s, 0.75f32);
    let lat0 = (s.y_max + s.y_min()) / 2.0;
    let (dx_m, dy_m) = if s.crs.is_geographic() {
        (s.dx * 111_195.0 * lat0.to_radians().cos(), s.dy * 111_195.0)
    } else {
        (s.dx, s.dy)
    };
    let (az, alt) = (315f64.to_radians(), 45f64.to_radians());
    for r in 1..s.nrows.saturating_sub(1) {
        for c in 1..s.ncols.saturating_sub(1) {
            let e = |cc: usize, rr: usize| dem.get(cc, rr) as f64;
            let dzdx = (e(c + 1, r) - e(c - 1, r)) / (2.0 * dx_m);
            let dzdy = (e(c, r - 1) - e(c, r + 1)) / (2.0 * dy_m);
            if !(dzdx.is_finite() && dzdy.is_finite()) {
                continue;
            }
            let slope = (dzdx * dzdx + dzdy * dzdy).sqrt().atan();
            let aspect = dzdy.atan2(-dzdx);
            let v = alt.sin() * slope.cos()
                + alt.cos() * slope.sin() * (az - std::f64::consts::FRAC_PI_2 - aspect).cos();
            out.set(c, r, v.clamp(0.0, 1.0) as f32);
        }
    }
    out
}

/// Render `spec` to a PNG of `width` x `height` pixels.
pub fn render_png(
    path: &Path,
    spec: &MapSpec<'_>,
    width: u32,
    height: u32,
) -> Result<(), EngineError> {
    ensure_font();
    let err = |e: String| EngineError::Map(format!("{}: {e}", path.display()));
    let root = BitMapBackend::new(path, (width, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    let (top, bottom, left, right) = (56i32, 40i32, 10i32, 190i32);
    let pw = width as i32 - left - right;
    let ph = height as i32 - top - bottom;
    let b = spec.bbox;
    let lat0 = ((b.north + b.south) / 2.0).to_radians().cos().max(0.05);
    // Fit the box into the plot area keeping the aspect ratio.
    let sx = pw as f64 / (b.width() * lat0);
    let sy = ph as f64 / b.height();
    let scale = sx.min(sy);
    let used_w = (b.width() * lat0 * scale) as i32;
    let used_h = (b.height() * scale) as i32;
    let ox = left + (pw - used_w) / 2;
    let oy = top + (ph - used_h) / 2;
    let to_px = |p: LonLat| -> (i32, i32) {
        (
            ox + ((p.lon - b.west) * lat0 * scale).round() as i32,
            oy + ((b.north - p.lat) * scale).round() as i32,
        )
    };
    let to_ll = |x: i32, y: i32| -> LonLat {
        LonLat::new(
            b.west + (x - ox) as f64 / (lat0 * scale),
            b.north - (y - oy) as f64 / scale,
        )
    };
    // Background: hillshade or light grey land-agnostic fill.
    for y in oy..oy + used_h {
        for x in ox..ox + used_w {
            let p = to_ll(x, y);
            let mut rgb = (236.0, 236.0, 236.0);
            if let Some(h) = spec.hillshade.and_then(|h| h.at(p.lon, p.lat))
                && h.is_finite()
            {
                let v = 90.0 + 150.0 * h as f64;
                rgb = (v, v, v);
            }
            if let Some(r) = &spec.raster
                && let Some(c) = r.grid.at(p.lon, p.lat).and_then(|v| (r.color)(v))
            {
                let a = r.alpha;
                rgb = (
                    rgb.0 * (1.0 - a) + c.0 as f64 * a,
                    rgb.1 * (1.0 - a) + c.1 as f64 * a,
                    rgb.2 * (1.0 - a) + c.2 as f64 * a,
                );
            }
            root.draw_pixel((x, y), &RGBColor(rgb.0 as u8, rgb.1 as u8, rgb.2 as u8))
                .map_err(|e| err(e.to_string()))?;
        }
    }
    let inside = |p: &(i32, i32)| {
        p.0 >= ox - 2000
            && p.0 <= ox + used_w + 2000
            && p.1 >= oy - 2000
            && p.1 <= oy + used_h + 2000
    };
    let clip = root
        .clone()
        .shrink((ox as u32, oy as u32), (used_w as u32, used_h as u32));
    let local = |p: (i32, i32)| (p.0 - ox, p.1 - oy);
    for mp in &spec.boundaries {
        for poly in &mp.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                let pts: Vec<(i32, i32)> = ring
                    .0
                    .iter()
                    .map(|c| to_px(LonLat::new(c.x, c.y)))
                    .collect();
                if !pts.iter().any(inside) {
                    continue;
                }
                clip.draw(&PathElement::new(
                    pts.into_iter().map(local).collect::<Vec<_>>(),
                    ShapeStyle::from(&RGBColor(60, 60, 60)).stroke_width(1),
                ))
                .map_err(|e| err(e.to_string()))?;
            }
        }
    }
    for ring in &spec.outlines {
        let pts: Vec<(i32, i32)> = ring.iter().map(|p| local(to_px(*p))).collect();
        clip.draw(&PathElement::new(
            pts,
            ShapeStyle::from(&BLACK).stroke_width(3),
        ))
        .map_err(|e| err(e.to_string()))?;
    }
    let label_style = ("sans-serif", 14).into_font().color(&BLACK);
    for (p, name) in &spec.places {
        let q = local(to_px(*p));
        clip.draw(&Circle::new(q, 3, ShapeStyle::from(&BLACK).filled()))
            .map_err(|e| err(e.to_string()))?;
        clip.draw(&Text::new(
            name.clone(),
            (q.0 + 5, q.1 - 7),
            label_style.clone(),
        ))
        .map_err(|e| err(e.to_string()))?;
    }
    for (p, name) in &spec.markers {
        let q = local(to_px(*p));
        let star: Vec<(i32, i32)> = (0..10)
            .map(|k| {
                let r = if k % 2 == 0 { 12.0 } else { 5.0 };
                let a = std::f64::consts::PI * k as f64 / 5.0 - std::f64::consts::FRAC_PI_2;
                (q.0 + (r * a.cos()) as i32, q.1 + (r * a.sin()) as i32)
            })
            .collect();
        clip.draw(&Polygon::new(star.clone(), ShapeStyle::from(&RED).filled()))
            .map_err(|e| err(e.to_string()))?;
        clip.draw(&PathElement::new(
            star.into_iter()
                .chain(std::iter::once((q.0, q.1 - 12)))
                .collect::<Vec<_>>(),
            ShapeStyle::from(&BLACK),
        ))
        .map_err(|e| err(e.to_string()))?;
        clip.draw(&Text::new(
            name.clone(),
            (q.0 + 14, q.1 + 4),
            ("sans-serif", 15).into_font().color(&BLACK),
        ))
        .map_err(|e| err(e.to_string()))?;
    }
    root.draw(&Rectangle::new(
        [(ox, oy), (ox + used_w, oy + used_h)],
        ShapeStyle::from(&BLACK).stroke_width(1),
    ))
    .map_err(|e| err(e.to_string()))?;
    root.draw(&Text::new(
        spec.title.clone(),
        (left, 8),
        ("sans-serif", 22).into_font().color(&BLACK),
    ))
    .map_err(|e| err(e.to_string()))?;
    root.draw(&Text::new(
        spec.subtitle.clone(),
        (left, 34),
        ("sans-serif", 14).into_font().color(&RGBColor(70, 70, 70)),
    ))
    .map_err(|e| err(e.to_string()))?;
    let lx = width as i32 - right + 14;
    for (i, (c, label)) in spec.legend.iter().enumerate() {
        let y = top + 6 + i as i32 * 24;
        root.draw(&Rectangle::new(
            [(lx, y), (lx + 22, y + 16)],
            ShapeStyle::from(c).filled(),
        ))
        .map_err(|e| err(e.to_string()))?;
        root.draw(&Rectangle::new(
            [(lx, y), (lx + 22, y + 16)],
            ShapeStyle::from(&BLACK),
        ))
        .map_err(|e| err(e.to_string()))?;
        root.draw(&Text::new(
            label.clone(),
            (lx + 28, y),
            ("sans-serif", 14).into_font().color(&BLACK),
        ))
        .map_err(|e| err(e.to_string()))?;
    }
    let foot = format!(
        "{:.2}-{:.2} N, {:.2}-{:.2} E   Boundaries: Natural Earth. Places: GeoNames (CC BY 4.0).",
        b.south, b.north, b.west, b.east
    );
    root.draw(&Text::new(
        foot,
        (left, height as i32 - 26),
        ("sans-serif", 12).into_font().color(&RGBColor(80, 80, 80)),
    ))
    .map_err(|e| err(e.to_string()))?;
    root.present().map_err(|e| err(e.to_string()))?;
    Ok(())
}
