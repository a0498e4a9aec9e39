//! Scan-line rasterisation of polygons onto a grid (cell-centre rule, even-odd fill).
//!
//! A cell belongs to a polygon when its centre is inside. Holes and multi-part polygons are
//! handled by the even-odd rule over all rings. Cost is O(rows x edges), far cheaper than a
//! point-in-polygon test per cell for national boundaries.

use crate::grid::GridSpec;
use geo::{Coord, MultiPolygon};

/// Call `f(row, col_start, col_end)` for each run of cells (end exclusive) whose centres lie
/// inside `shape`.
pub fn for_each_run(
    shape: &MultiPolygon<f64>,
    spec: &GridSpec,
    mut f: impl FnMut(usize, usize, usize),
) {
    let mut edges: Vec<(Coord<f64>, Coord<f64>)> = Vec::new();
    for poly in &shape.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            for w in ring.0.windows(2) {
                if w[0].y != w[1].y {
                    edges.push((w[0], w[1]));
                }
            }
        }
    }
    if edges.is_empty() {
        return;
    }
    let (mut ymin, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY);
    for (a, b) in &edges {
        ymin = ymin.min(a.y.min(b.y));
        ymax = ymax.max(a.y.max(b.y));
    }
    let row_lo = (((spec.y_max - ymax) / spec.dy - 0.5).floor().max(0.0)) as usize;
    let row_hi = (((spec.y_max - ymin) / spec.dy + 0.5).ceil().max(0.0) as usize).min(spec.nrows);
    let mut xs: Vec<f64> = Vec::new();
    for row in row_lo..row_hi {
        let y = spec.y_max - (row as f64 + 0.5) * spec.dy;
        xs.clear();
        for (a, b) in &edges {
            let (lo, hi) = if a.y < b.y { (a, b) } else { (b, a) };
            if y >= lo.y && y < hi.y {
                xs.push(lo.x + (y - lo.y) * (hi.x - lo.x) / (hi.y - lo.y));
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks_exact(2) {
            let c0 = ((pair[0] - spec.x_min) / spec.dx - 0.5).ceil().max(0.0) as usize;
            let c1 =
                (((pair[1] - spec.x_min) / spec.dx - 0.5).ceil().max(0.0) as usize).min(spec.ncols);
            if c0 < c1 {
                f(row, c0, c1);
            }
        }
    }
}

/// A mask (row-major, same layout as the grid) of the cells whose centres are inside `shape`.
pub fn mask(shape: &MultiPolygon<f64>, spec: &GridSpec) -> Vec<bool> {
    let mut m = vec![false; spec.len()];
    for_each_run(shape, spec, |row, c0, c1| {
        m[row * spec.ncols + c0..row * spec.ncols + c1].fill(true);
    });
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo_types::BBox;
    use geo::{LineString, Polygon};

    #[test]
    fn square_with_hole() {
        let outer = LineString::from(vec![
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 10.0),
            (0.0, 0.0),
        ]);
        let hole = LineString::from(vec![
            (4.0, 4.0),
            (6.0, 4.0),
            (6.0, 6.0),
            (4.0, 6.0),
            (4.0, 4.0),
        ]);
        let mp = MultiPolygon(vec![Polygon::new(outer, vec![hole])]);
        let spec = GridSpec::covering(&BBox::new(-2.0, -2.0, 12.0, 12.0), 1.0);
        let m = mask(&mp, &spec);
        assert_eq!(m.iter().filter(|&&b| b).count(), 100 - 4);
        let idx = |x: f64, y: f64| spec.index_of(x, y).unwrap();
        assert!(m[idx(0.5, 0.5)]);
        assert!(!m[idx(4.5, 4.5)]);
        assert!(!m[idx(-0.5, 0.5)]);
    }
}
