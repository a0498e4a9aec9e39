//! Site conditions: Vs30 from topographic slope (Wald & Allen 2007), with a documented
//! default where there is no terrain, and user overrides (per site or raster).
//!
//! **No seam at the terrain's edge.** The embedded terrain covers only part of the region
//! (36.32-44.71 N, 66.14-84.46 E); outside it Vs30 is the default. Switching abruptly from
//! slope-based values (mostly 500-760 m/s in the mountains at the edge) to the default drew a
//! straight line through every footprint across the edge. Within [`TERRAIN_EDGE_BLEND_KM`] of
//! the terrain's edge the slope-based value is therefore blended geometrically into the
//! default: ln Vs30 = w ln Vs30_slope + (1 - w) ln Vs30_default with w = d / 30 km, d the
//! distance to the nearest edge of the terrain grid, so that Vs30 is continuous across the
//! edge ([`Vs30Source::SlopeBlended`]).

use forewarn_core::grid::Grid;

/// Vs30 (m/s) used where no terrain and no user value exist: 360 m/s, the NEHRP C/D boundary
/// (BSSC 2003). Chosen as a middle value for populated valleys in the region; pass site
/// values or a Vs30 raster for better estimates.
pub const DEFAULT_VS30_MPS: f64 = 360.0;

/// Slope (m/m) to Vs30 (m/s) nodes for active tectonic regions, Wald & Allen (2007),
/// BSSA 97(5):1379-1395, Table 1 (class boundaries). Between nodes Vs30 is interpolated
/// linearly in log10(slope); below the first node Vs30 = 180, above the last 760.
const WALD_ALLEN_ACTIVE: [(f64, f64); 7] = [
    (1.0e-4, 180.0),
    (2.2e-3, 240.0),
    (6.3e-3, 300.0),
    (0.018, 360.0),
    (0.05, 490.0),
    (0.10, 620.0),
    (0.138, 760.0),
];

/// Vs30 from slope (m/m) with the Wald & Allen (2007) active-tectonic table.
pub fn vs30_from_slope(slope: f64) -> f64 {
    let n = WALD_ALLEN_ACTIVE;
    if slope.is_nan() || slope <= n[0].0 {
        return n[0].1;
    }
    for w in n.windows(2) {
        let ((s0, v0), (s1, v1)) = (w[0], w[1]);
        if slope <= s1 && s1 > s0 {
            let t = (slope.log10() - s0.log10()) / (s1.log10() - s0.log10());
            return v0 + t * (v1 - v0);
        }
    }
    n[n.len() - 1].1
}

/// Terrain slope (m/m) at a point from a geographic elevation grid (central differences on
/// the cell holding the point, cell sizes converted to metres at its latitude).
/// `None` outside the grid or where elevation is missing.
pub fn slope_at(terrain: &Grid<f32>, lon: f64, lat: f64) -> Option<f64> {
    let s = &terrain.spec;
    let (c, r) = s.cell_of(lon, lat)?;
    if c == 0 || r == 0 || c + 1 >= s.ncols || r + 1 >= s.nrows {
        return None;
    }
    let m_per_deg = 111_195.0;
    let dx_m = s.dx * m_per_deg * lat.to_radians().cos();
    let dy_m = s.dy * m_per_deg;
    let e = |cc: usize, rr: usize| terrain.get(cc, rr) as f64;
    let dzdx = (e(c + 1, r) - e(c - 1, r)) / (2.0 * dx_m);
    let dzdy = (e(c, r - 1) - e(c, r + 1)) / (2.0 * dy_m);
    let g = (dzdx * dzdx + dzdy * dzdy).sqrt();
    g.is_finite().then_some(g)
}

/// Width of the band inside the terrain's edge over which slope-based Vs30 is blended into
/// the default, km. A Forewarn choice: about the range of the within-event correlation of
/// ground motion at 1 s (Jayaram & Baker 2009, b = 25.7 km), so the transition is no sharper
/// than the shaking's own spatial variability; 3 cells of the coarsest output grid (10 km).
pub const TERRAIN_EDGE_BLEND_KM: f64 = 30.0;

/// Where a site's Vs30 came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Vs30Source {
    /// The vs30 column of the user's sites file.
    User,
    /// The user's Vs30 raster (`--vs30`).
    Raster,
    /// Slope-based (Wald & Allen 2007) on the embedded terrain.
    Slope,
    /// Slope-based, blended into the default within [`TERRAIN_EDGE_BLEND_KM`] of the
    /// terrain's edge.
    SlopeBlended,
    /// [`DEFAULT_VS30_MPS`]: no user value, raster or terrain.
    Default,
}

impl Vs30Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Vs30Source::User => "user",
            Vs30Source::Raster => "raster",
            Vs30Source::Slope => "slope",
            Vs30Source::SlopeBlended => "slope_blended",
            Vs30Source::Default => "default",
        }
    }
}

/// Distance (km) from a point inside `terrain`'s extent to the extent's nearest edge; `None`
/// outside.
pub fn distance_inside_edge_km(terrain: &Grid<f32>, lon: f64, lat: f64) -> Option<f64> {
    let s = &terrain.spec;
    let west = s.x_min;
    let east = s.x_min + s.ncols as f64 * s.dx;
    let north = s.y_max;
    let south = s.y_max - s.nrows as f64 * s.dy;
    if !(lon >= west && lon <= east && lat >= south && lat <= north) {
        return None;
    }
    let ky = 111.195;
    let kx = ky * lat.to_radians().cos();
    Some(
        ((lon - west) * kx)
            .min((east - lon) * kx)
            .min((lat - south) * ky)
            .min((north - lat) * ky),
    )
}

/// Vs30 for a site: the user's value (sites file), else the user's raster, else slope-based
/// where terrain exists (blended into the default near the terrain's edge), else the default.
pub fn vs30_for(
    user: Option<f64>,
    raster: Option<f64>,
    terrain: Option<&Grid<f32>>,
    lon: f64,
    lat: f64,
) -> (f64, Vs30Source) {
    if let Some(v) = user {
        return (v, Vs30Source::User);
    }
    if let Some(v) = raster {
        return (v, Vs30Source::Raster);
    }
    let Some(t) = terrain else {
        return (DEFAULT_VS30_MPS, Vs30Source::Default);
    };
    let Some(d_km) = distance_inside_edge_km(t, lon, lat) else {
        return (DEFAULT_VS30_MPS, Vs30Source::Default);
    };
    let w = (d_km / TERRAIN_EDGE_BLEND_KM).clamp(0.0, 1.0);
    match slope_at(t, lon, lat) {
        Some(s) if w >= 1.0 => (vs30_from_slope(s), Vs30Source::Slope),
        Some(s) => (
            (w * vs30_from_slope(s).ln() + (1.0 - w) * DEFAULT_VS30_MPS.ln()).exp(),
            Vs30Source::SlopeBlended,
        ),
        // The outermost cells have no central-difference slope: they lie on the edge (w ~ 0).
        None => (DEFAULT_VS30_MPS, Vs30Source::Default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forewarn_core::{BBox, GridSpec};

    #[test]
    fn slope_table_nodes_and_monotonic() {
        assert_eq!(vs30_from_slope(1e-5), 180.0);
        assert!((vs30_from_slope(0.018) - 360.0).abs() < 1e-9);
        assert!((vs30_from_slope(0.05) - 490.0).abs() < 1e-9);
        assert_eq!(vs30_from_slope(0.5), 760.0);
        let mut last = 0.0;
        for i in 0..100 {
            let v = vs30_from_slope(10f64.powf(-5.0 + i as f64 * 0.05));
            assert!(v >= last);
            last = v;
        }
    }

    #[test]
    fn slope_of_a_tilted_plane() {
        // Elevation rises 100 m per cell eastward; cells 0.01 deg at the equator (~1112 m).
        let spec = GridSpec::covering(&BBox::new(0.0, -0.05, 0.1, 0.05), 0.01);
        let mut g = Grid::filled(spec, 0.0f32);
        for r in 0..spec.nrows {
            for c in 0..spec.ncols {
                g.set(c, r, c as f32 * 100.0);
            }
        }
        let s = slope_at(&g, 0.055, 0.0).unwrap();
        assert!((s - 100.0 / 1111.95).abs() < 1e-3, "{s}");
        assert_eq!(
            vs30_for(Some(250.0), Some(400.0), Some(&g), 0.05, 0.0).1,
            Vs30Source::User
        );
        assert_eq!(
            vs30_for(None, Some(400.0), Some(&g), 0.05, 0.0),
            (400.0, Vs30Source::Raster)
        );
        assert_eq!(
            vs30_for(None, None, None, 0.05, 0.0),
            (DEFAULT_VS30_MPS, Vs30Source::Default)
        );
        // 0.05 deg from the nearest edge (5.6 km): blended, between the default and the slope
        // value (100 m per 1.1 km is steep: 760 m/s).
        let (v, src) = vs30_for(None, None, Some(&g), 0.05, 0.0);
        assert_eq!(src, Vs30Source::SlopeBlended);
        assert!(v > DEFAULT_VS30_MPS && v < 760.0, "{v}");
    }

    #[test]
    fn no_step_across_the_edge_of_a_steep_terrain() {
        // Steep terrain (slope-based Vs30 760 m/s) south of 36.32 N... north of it: a transect
        // at 0.01 deg (1.1 km) crossing the edge changes by no more than the blend's gradient.
        let spec = GridSpec::covering(&BBox::new(70.0, 36.32, 72.0, 37.5), 0.01);
        let mut g = Grid::filled(spec, 0.0f32);
        for r in 0..spec.nrows {
            for c in 0..spec.ncols {
                g.set(c, r, (c as f32 * 300.0) + ((r * 7919 % 13) as f32) * 40.0);
            }
        }
        let south_edge = spec.y_max - spec.nrows as f64 * spec.dy;
        let mut last: Option<f64> = None;
        let mut max_step: f64 = 0.0;
        for i in 0..120 {
            let lat = south_edge - 0.3 + i as f64 * 0.005;
            let (v, _) = vs30_for(None, None, Some(&g), 71.0, lat);
            if let Some(l) = last {
                max_step = max_step.max((v - l).abs());
            }
            last = Some(v);
        }
        // 0.005 deg = 0.56 km of a 30 km blend from 360 to 760 m/s: ln step 0.014 (~10 m/s).
        assert!(max_step < 15.0, "largest step {max_step} m/s");
        // Deep inside: the slope value itself.
        assert_eq!(
            vs30_for(None, None, Some(&g), 71.0, 37.0),
            (760.0, Vs30Source::Slope)
        );
    }
}
