//! Site conditions: Vs30 from topographic slope (Wald & Allen 2007), with a documented
//! default where there is no terrain, and user overrides (per site or raster).

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

/// Where a site's Vs30 came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Vs30Source {
    User,
    Slope,
    Default,
}

/// Vs30 for a site: the user's value, else slope-based where terrain exists, else the default.
pub fn vs30_for(
    user: Option<f64>,
    terrain: Option<&Grid<f32>>,
    lon: f64,
    lat: f64,
) -> (f64, Vs30Source) {
    if let Some(v) = user {
        return (v, Vs30Source::User);
    }
    if let Some(s) = terrain.and_then(|t| slope_at(t, lon, lat)) {
        return (vs30_from_slope(s), Vs30Source::Slope);
    }
    (DEFAULT_VS30_MPS, Vs30Source::Default)
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
            vs30_for(Some(250.0), Some(&g), 0.05, 0.0).1,
            Vs30Source::User
        );
        assert_eq!(
            vs30_for(None, None, 0.05, 0.0),
            (DEFAULT_VS30_MPS, Vs30Source::Default)
        );
    }
}
