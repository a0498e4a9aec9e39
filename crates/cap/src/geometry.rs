//! Polygon checks (self-intersection, area) and the reduction of hazard footprints to CAP
//! polygons: closed, at most 100 vertices, at most 6 decimals, not self-intersecting.

use geo::{ConvexHull, LineString, Simplify, SimplifyVwPreserve};

use crate::model::{LatLon, Polygon};
use crate::validate::{MAX_COORD_DECIMALS, MAX_POLYGON_VERTICES};

fn cross(o: LatLon, a: LatLon, b: LatLon) -> f64 {
    (a.lon - o.lon) * (b.lat - o.lat) - (a.lat - o.lat) * (b.lon - o.lon)
}

fn on_segment(p: LatLon, a: LatLon, b: LatLon) -> bool {
    p.lon >= a.lon.min(b.lon)
        && p.lon <= a.lon.max(b.lon)
        && p.lat >= a.lat.min(b.lat)
        && p.lat <= a.lat.max(b.lat)
}

/// True when segments `a1-a2` and `b1-b2` share at least one point.
fn segments_touch(a1: LatLon, a2: LatLon, b1: LatLon, b2: LatLon) -> bool {
    let d1 = cross(b1, b2, a1);
    let d2 = cross(b1, b2, a2);
    let d3 = cross(a1, a2, b1);
    let d4 = cross(a1, a2, b2);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on_segment(a1, b1, b2))
        || (d2 == 0.0 && on_segment(a2, b1, b2))
        || (d3 == 0.0 && on_segment(b1, a1, a2))
        || (d4 == 0.0 && on_segment(b2, a1, a2))
}

/// Ring vertices without the closing point and without consecutive repeats.
fn distinct_vertices(pts: &[LatLon]) -> Vec<LatLon> {
    let mut v: Vec<LatLon> = Vec::with_capacity(pts.len());
    for p in pts {
        if v.last() != Some(p) {
            v.push(*p);
        }
    }
    while v.len() > 1 && v.first() == v.last() {
        v.pop();
    }
    v
}

/// Finds two edges of a ring that cross or touch (other than neighbours meeting at their shared
/// vertex). Edges are numbered from 0 along the ring; returns `None` for a simple ring.
/// Consecutive repeated points are ignored.
pub fn self_intersection(pts: &[LatLon]) -> Option<(usize, usize)> {
    let v = distinct_vertices(pts);
    let n = v.len();
    if n < 3 {
        return None;
    }
    let edge = |i: usize| (v[i], v[(i + 1) % n]);
    for i in 0..n {
        let (a1, a2) = edge(i);
        for j in i + 1..n {
            let (b1, b2) = edge(j);
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            if adjacent {
                // Neighbours share one vertex; they must not fold back onto each other.
                let (shared, a_other, b_other) = if j == i + 1 {
                    (a2, a1, b2)
                } else {
                    (a1, a2, b1)
                };
                if cross(shared, a_other, b_other) == 0.0 {
                    let same_side = (a_other.lon - shared.lon) * (b_other.lon - shared.lon)
                        + (a_other.lat - shared.lat) * (b_other.lat - shared.lat)
                        > 0.0;
                    if same_side {
                        return Some((i, j));
                    }
                }
                continue;
            }
            if segments_touch(a1, a2, b1, b2) {
                return Some((i, j));
            }
        }
    }
    None
}

/// Signed area of a ring in square degrees (shoelace formula); positive counter-clockwise.
pub fn ring_area(pts: &[LatLon]) -> f64 {
    let v = distinct_vertices(pts);
    let n = v.len();
    if n < 3 {
        return 0.0;
    }
    let mut twice = 0.0;
    for i in 0..n {
        let a = v[i];
        let b = v[(i + 1) % n];
        twice += a.lon * b.lat - b.lon * a.lat;
    }
    twice / 2.0
}

/// Rounds to at most [`MAX_COORD_DECIMALS`] decimals.
pub fn round6(v: f64) -> f64 {
    let scale = 10f64.powi(MAX_COORD_DECIMALS as i32);
    let r = (v * scale).round() / scale;
    if r == 0.0 { 0.0 } else { r }
}

/// Rounds, drops repeats, closes; `None` when fewer than 3 distinct vertices remain or the ring
/// is not a valid CAP polygon.
fn finish(coords: &[(f64, f64)]) -> Option<Polygon> {
    let rounded: Vec<LatLon> = coords
        .iter()
        .map(|&(lon, lat)| LatLon {
            lat: round6(lat),
            lon: round6(lon),
        })
        .collect();
    let mut v = distinct_vertices(&rounded);
    if v.len() < 3 {
        return None;
    }
    // Counter-clockwise order, for a stable output.
    if ring_area(&v) < 0.0 {
        v.reverse();
    }
    let first = v[0];
    v.push(first);
    let poly = Polygon(v);
    let ok = poly.0.len() <= MAX_POLYGON_VERTICES
        && self_intersection(&poly.0).is_none()
        && ring_area(&poly.0).abs() > 0.0;
    ok.then_some(poly)
}

fn coords_of(ls: &LineString<f64>) -> Vec<(f64, f64)> {
    ls.0.iter().map(|c| (c.x, c.y)).collect()
}

/// Smallest-tolerance Ramer–Douglas–Peucker simplification with at most `max_vertices`
/// points (closing point included), found by bisection on the tolerance.
fn rdp_to_budget(ls: &LineString<f64>, max_vertices: usize, span: f64) -> LineString<f64> {
    if ls.0.len() <= max_vertices {
        return ls.clone();
    }
    let (mut lo, mut hi) = (0.0_f64, span.max(1e-9));
    let mut best = ls.simplify(hi);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        let s = ls.simplify(mid);
        if s.0.len() <= max_vertices {
            best = s;
            hi = mid;
        } else {
            lo = mid;
        }
    }
    best
}

/// The same with the topology-preserving Visvalingam–Whyatt algorithm (tolerance is an area).
fn vw_to_budget(ls: &LineString<f64>, max_vertices: usize, span: f64) -> LineString<f64> {
    if ls.0.len() <= max_vertices {
        return ls.clone();
    }
    let (mut lo, mut hi) = (0.0_f64, (span * span).max(1e-12));
    let mut best = ls.simplify_vw_preserve(hi);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        let s = ls.simplify_vw_preserve(mid);
        if s.0.len() <= max_vertices {
            best = s;
            hi = mid;
        } else {
            lo = mid;
        }
    }
    best
}

/// Turns one footprint ring, given as `(lon, lat)` pairs of any length, open or closed, into a
/// valid CAP polygon: at most 100 vertices, 6 decimals, closed, not self-intersecting.
///
/// Tries Ramer–Douglas–Peucker, then topology-preserving Visvalingam–Whyatt, then the convex
/// hull (simplified the same way); each candidate is rounded and checked.
pub fn footprint_polygon(ring_lon_lat: &[(f64, f64)]) -> Result<Polygon, String> {
    let finite: Vec<(f64, f64)> = ring_lon_lat
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if finite.len() != ring_lon_lat.len() {
        return Err("footprint has non-finite coordinates".into());
    }
    if let Some((x, y)) = finite
        .iter()
        .find(|(x, y)| !(-180.0..=180.0).contains(x) || !(-90.0..=90.0).contains(y))
    {
        return Err(format!(
            "footprint point ({x}, {y}) is outside lon -180..180, lat -90..90"
        ));
    }
    let mut closed = finite.clone();
    if closed.len() < 3 {
        return Err(format!(
            "footprint ring has {} points; at least 3 are needed",
            closed.len()
        ));
    }
    if closed.first() != closed.last() {
        closed.push(closed[0]);
    }
    let ls = LineString::from(closed.clone());
    let (min_x, max_x, min_y, max_y) = closed.iter().fold(
        (f64::MAX, f64::MIN, f64::MAX, f64::MIN),
        |(a, b, c, d), &(x, y)| (a.min(x), b.max(x), c.min(y), d.max(y)),
    );
    let span = (max_x - min_x).hypot(max_y - min_y);
    if let Some(p) = finish(&coords_of(&rdp_to_budget(&ls, MAX_POLYGON_VERTICES, span))) {
        return Ok(p);
    }
    if let Some(p) = finish(&coords_of(&vw_to_budget(&ls, MAX_POLYGON_VERTICES, span))) {
        return Ok(p);
    }
    let hull = geo::Polygon::new(ls, vec![]).convex_hull();
    let hull_ring = hull.exterior().clone();
    if let Some(p) = finish(&coords_of(&rdp_to_budget(
        &hull_ring,
        MAX_POLYGON_VERTICES,
        span,
    ))) {
        return Ok(p);
    }
    Err("footprint is degenerate (no area after rounding to 6 decimals)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll(lat: f64, lon: f64) -> LatLon {
        LatLon { lat, lon }
    }

    #[test]
    fn detects_bow_tie_and_accepts_square() {
        let square = [
            ll(0.0, 0.0),
            ll(0.0, 1.0),
            ll(1.0, 1.0),
            ll(1.0, 0.0),
            ll(0.0, 0.0),
        ];
        assert!(self_intersection(&square).is_none());
        assert_eq!(ring_area(&square).abs(), 1.0);
        let bow = [
            ll(0.0, 0.0),
            ll(1.0, 1.0),
            ll(0.0, 1.0),
            ll(1.0, 0.0),
            ll(0.0, 0.0),
        ];
        assert!(self_intersection(&bow).is_some());
        let spike = [
            ll(0.0, 0.0),
            ll(0.0, 2.0),
            ll(0.0, 1.0),
            ll(1.0, 1.0),
            ll(0.0, 0.0),
        ];
        assert!(self_intersection(&spike).is_some());
    }

    #[test]
    fn big_wiggly_ring_becomes_valid_cap_polygon() {
        let n = 5000;
        let ring: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = 1.0 + 0.2 * (17.0 * t).sin() + 0.05 * (131.0 * t).cos();
                (73.63 + r * t.cos(), 34.49 + 0.8 * r * t.sin())
            })
            .collect();
        let p = footprint_polygon(&ring).unwrap();
        assert!(p.0.len() <= MAX_POLYGON_VERTICES && p.0.len() >= 4);
        assert_eq!(p.0.first(), p.0.last());
        assert!(self_intersection(&p.0).is_none());
        // Area kept within 10 %.
        let full: Vec<LatLon> = ring.iter().map(|&(x, y)| ll(y, x)).collect();
        let ratio = ring_area(&p.0).abs() / ring_area(&full).abs();
        assert!((0.9..1.1).contains(&ratio), "area ratio {ratio}");
    }

    #[test]
    fn self_intersecting_footprint_falls_back_to_hull() {
        let bow = [(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)];
        let p = footprint_polygon(&bow).unwrap();
        assert!(self_intersection(&p.0).is_none());
        assert!(footprint_polygon(&[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]).is_err());
    }
}
