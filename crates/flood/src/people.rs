//! Where the people are on the flood grid: settlements spread over a footprint, population
//! cells spread over their area, each as shares of people per flood cell.
//!
//! - A settlement is a point with a population. It occupies a disc of area
//!   population / [`SETTLEMENT_DENSITY_PER_KM2`] around its point, and its people are spread
//!   evenly over the flood cells the disc covers (sampled on a lattice). Only the part of the
//!   disc that floods is exposed, each part at its own cell's depth, instead of everyone at the
//!   depth of the cell that holds the point.
//! - A population cell (the exposure proxy's residual grid of people outside settlements, or a
//!   user raster) larger than a flood cell is spread evenly over the flood cells inside it; a
//!   smaller one goes to the flood cell holding its centre.
//!
//! People on NODATA terrain or outside the flood grid stay in the totals of their place but are
//! never flooded.

use forewarn_core::{Grid, GridSpec};

/// People per km2 of a settlement's footprint: the density threshold of a "dense" (urban centre)
/// grid cell in the Degree of Urbanisation, 1,500 inhabitants per km2 (European Commission,
/// FAO, UN-Habitat, ILO, OECD & World Bank 2021, *Applying the Degree of Urbanisation: a
/// methodological manual to define cities, towns and rural areas for international
/// comparisons*, endorsed by the UN Statistical Commission in 2020). Towns are at least this
/// dense in their built-up core, so the disc is an upper bound of the footprint.
pub const SETTLEMENT_DENSITY_PER_KM2: f64 = 1500.0;
/// Metres per degree of latitude on the sphere of radius 6,371,008.8 m.
pub const M_PER_DEG_LAT: f64 = 111_195.08;
/// Most lattice points per side when sampling a footprint or a population cell.
const MAX_SAMPLES_PER_SIDE: usize = 64;

/// People in one flood cell (index into the flood grid; `None`: on no flood cell).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    pub cell: Option<usize>,
    pub people: f64,
}

/// Radius of a settlement's footprint disc, m.
pub fn footprint_radius_m(population: f64) -> f64 {
    let area_m2 = population.max(0.0) / SETTLEMENT_DENSITY_PER_KM2 * 1e6;
    (area_m2 / std::f64::consts::PI).sqrt()
}

/// Flood cell size in metres at latitude `lat` (geographic grids) or as given (projected).
fn cell_size_m(spec: &GridSpec, lat: f64) -> (f64, f64) {
    if spec.crs.is_geographic() {
        (
            spec.dx * M_PER_DEG_LAT * lat.to_radians().cos().abs().max(1e-6),
            spec.dy * M_PER_DEG_LAT,
        )
    } else {
        (spec.dx, spec.dy)
    }
}

/// Merge shares of the same cell (sorted by cell, deterministic).
fn merge(mut v: Vec<Share>) -> Vec<Share> {
    v.sort_by_key(|s| s.cell.map_or(usize::MAX, |c| c));
    let mut out: Vec<Share> = Vec::with_capacity(v.len());
    for s in v {
        match out.last_mut() {
            Some(l) if l.cell == s.cell => l.people += s.people,
            _ => out.push(s),
        }
    }
    out
}

/// The shares of a settlement of `population` people at (`lon`, `lat`) on the flood grid
/// `spec` (EPSG:4326).
pub fn settlement_shares(spec: &GridSpec, lon: f64, lat: f64, population: f64) -> Vec<Share> {
    if !(population.is_finite() && population > 0.0) {
        return Vec::new();
    }
    let r_m = footprint_radius_m(population);
    let (cx_m, cy_m) = cell_size_m(spec, lat);
    // Lattice spacing at most half a flood cell.
    let k = ((4.0 * r_m / cx_m.min(cy_m)).ceil() as usize).clamp(1, MAX_SAMPLES_PER_SIDE);
    let m_per_deg_lon = M_PER_DEG_LAT * lat.to_radians().cos().abs().max(1e-6);
    let mut pts = Vec::new();
    for a in 0..k {
        for b in 0..k {
            // Lattice cell centres over the disc's bounding square, in metres from the point.
            let ex = r_m * (2.0 * (a as f64 + 0.5) / k as f64 - 1.0);
            let ny = r_m * (2.0 * (b as f64 + 0.5) / k as f64 - 1.0);
            if k > 1 && ex * ex + ny * ny > r_m * r_m {
                continue;
            }
            pts.push((lon + ex / m_per_deg_lon, lat + ny / M_PER_DEG_LAT));
        }
    }
    let each = population / pts.len().max(1) as f64;
    merge(
        pts.into_iter()
            .map(|(x, y)| Share {
                cell: spec.index_of(x, y),
                people: each,
            })
            .collect(),
    )
}

/// The shares of the population grid `pop` (people per cell, EPSG:4326) on the flood grid
/// `spec`, for the population cells that overlap the flood grid. Non-finite and negative
/// values count as nobody.
pub fn grid_shares(spec: &GridSpec, pop: &Grid<f32>) -> Vec<Share> {
    let ps = &pop.spec;
    let Some(b) = ps.bbox().intersection(&spec.bbox()) else {
        return Vec::new();
    };
    let c0 = ((b.west - ps.x_min) / ps.dx).floor().max(0.0) as usize;
    let c1 = (((b.east - ps.x_min) / ps.dx).ceil().max(0.0) as usize).min(ps.ncols);
    let r0 = ((ps.y_max - b.north) / ps.dy).floor().max(0.0) as usize;
    let r1 = (((ps.y_max - b.south) / ps.dy).ceil().max(0.0) as usize).min(ps.nrows);
    // Samples per side: the population cell's size in flood cells (1e-9 absorbs the rounding of
    // sizes such as 0.05 deg / 30 arc-seconds = 6).
    let kx = ((ps.dx / spec.dx - 1e-9).ceil().max(1.0) as usize).min(MAX_SAMPLES_PER_SIDE);
    let ky = ((ps.dy / spec.dy - 1e-9).ceil().max(1.0) as usize).min(MAX_SAMPLES_PER_SIDE);
    let mut out = Vec::new();
    for row in r0..r1 {
        for col in c0..c1 {
            let v = pop.data[row * ps.ncols + col];
            if !(v.is_finite() && v > 0.0) {
                continue;
            }
            let each = v as f64 / (kx * ky) as f64;
            let (x0, y1) = (ps.x_min + col as f64 * ps.dx, ps.y_max - row as f64 * ps.dy);
            for a in 0..kx {
                for b in 0..ky {
                    let x = x0 + ps.dx * (a as f64 + 0.5) / kx as f64;
                    let y = y1 - ps.dy * (b as f64 + 0.5) / ky as f64;
                    out.push(Share {
                        cell: spec.index_of(x, y),
                        people: each,
                    });
                }
            }
        }
    }
    merge(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use forewarn_core::grid::Crs;

    fn spec(n: usize, cell_deg: f64) -> GridSpec {
        GridSpec {
            ncols: n,
            nrows: n,
            x_min: 70.0,
            y_max: 40.0,
            dx: cell_deg,
            dy: cell_deg,
            crs: Crs::Epsg4326,
        }
    }

    #[test]
    fn a_town_covers_several_cells_and_keeps_its_people() {
        let s = spec(200, 30.0 / 3600.0);
        // 4,031 people: a disc of 2.69 km2, radius 925 m, over 30" cells (~710 x 927 m at 40 N).
        let shares = settlement_shares(&s, 71.0, 39.0, 4031.0);
        assert!(shares.len() >= 4, "{shares:?}");
        let total: f64 = shares.iter().map(|s| s.people).sum();
        assert!((total - 4031.0).abs() < 1e-6);
        assert!((footprint_radius_m(4031.0) - 924.9).abs() < 0.5);
        // A hamlet falls in one cell.
        let one = settlement_shares(&s, 71.0, 39.0, 20.0);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].cell, s.index_of(71.0, 39.0));
        assert!(settlement_shares(&s, 71.0, 39.0, f64::NAN).is_empty());
    }

    #[test]
    fn coarse_population_cells_spread_over_fine_flood_cells() {
        let flood = spec(60, 0.01);
        let mut pop = Grid::filled(spec(12, 0.05), 0.0f32);
        pop.data[0] = 1000.0;
        pop.data[13] = f32::NAN;
        let shares = grid_shares(&flood.clone(), &pop);
        assert_eq!(shares.len(), 25);
        assert!(shares.iter().all(|s| (s.people - 40.0).abs() < 1e-9));
        let total: f64 = shares.iter().map(|s| s.people).sum();
        assert!((total - 1000.0).abs() < 1e-9);
    }
}
