//! Filled contours ("value >= threshold" polygons) of a north-up grid, in its coordinates.

use forewarn_core::Grid;
use geo::MultiPolygon;

/// Polygons where `grid >= t` for each threshold `t` (smoothed marching squares, via the
/// `contour` crate). Rows are fed south-to-north with a positive y step so that ring
/// orientation (exterior vs hole) comes out right.
pub fn filled_contours(grid: &Grid<f32>, thresholds: &[f64]) -> Vec<(f64, MultiPolygon<f64>)> {
    let s = &grid.spec;
    let mut values = Vec::with_capacity(s.len());
    for row in (0..s.nrows).rev() {
        values.extend(
            grid.data[row * s.ncols..(row + 1) * s.ncols]
                .iter()
                .map(|&v| if v.is_finite() { v as f64 } else { f64::MIN }),
        );
    }
    let builder = contour::ContourBuilder::new(s.ncols, s.nrows, true)
        .x_origin(s.x_min + s.dx / 2.0)
        .y_origin(s.y_min() + s.dy / 2.0)
        .x_step(s.dx)
        .y_step(s.dy);
    match builder.contours(&values, thresholds) {
        Ok(cs) => cs
            .into_iter()
            .map(|c| {
                let t = c.threshold();
                (t, c.into_inner().0)
            })
            .collect(),
        Err(e) => {
            tracing::warn!("contouring failed: {e:?}");
            Vec::new()
        }
    }
}

/// `v` to 6 decimals (about 0.1 m in degrees): the precision of coordinates in GeoJSON outputs.
pub fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// A multipolygon's GeoJSON `coordinates` (exterior then interior rings, [`round6`]).
pub fn geojson_coordinates(mp: &MultiPolygon<f64>) -> Vec<Vec<Vec<[f64; 2]>>> {
    mp.0.iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|r| r.0.iter().map(|c| [round6(c.x), round6(c.y)]).collect())
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use forewarn_core::{BBox, GridSpec};
    use geo::{Area, Contains, Point};

    #[test]
    fn a_hill_gives_a_disc_in_the_right_place() {
        let spec = GridSpec::covering(&BBox::new(0.0, 0.0, 10.0, 10.0), 0.1);
        let mut g = Grid::filled(spec, 0.0f32);
        for i in 0..spec.len() {
            let c = spec.cell_center_lonlat(i);
            let d = ((c.lon - 3.0).powi(2) + (c.lat - 7.0).powi(2)).sqrt();
            g.data[i] = (5.0 - d) as f32;
        }
        let cs = filled_contours(&g, &[3.0]);
        let mp = &cs[0].1;
        // Disc of radius 2 around (3, 7): area ~ 4 pi.
        assert!(
            (mp.unsigned_area() - 4.0 * std::f64::consts::PI).abs() < 0.2,
            "{}",
            mp.unsigned_area()
        );
        assert!(mp.contains(&Point::new(3.0, 7.0)));
        assert!(!mp.contains(&Point::new(7.0, 3.0)));
    }
}
