//! Where the proxy may put rural people: a weight per proxy cell from the terrain (altitude and
//! water), 1 where the region has no terrain.
//!
//! - **Water.** GEBCO 2023 gives lakes their surface elevation, exactly constant (Issyk-Kul is
//!   1,600 m over its whole surface); a terrain cell whose 3 x 3 neighbourhood has one single
//!   elevation is open water (a dry plain varies by at least a metre over 2 km at 30").
//!   Nobody lives there.
//! - **Altitude.** People thin out with height, roughly exponentially (Cohen & Small 1998,
//!   "Hypsographic demography: the distribution of human population by altitude", PNAS
//!   95:14009). The weight of a cell at elevation z is exp(b z), normalised to a mean of 1 over
//!   the terrain's land; b is fitted to the density of GeoNames settlements per elevation band
//!   of [`BAND_M`] over the terrain's land (least squares on the log density, weighted by the
//!   settlement count), so the high plateaus (Pamir) get the few people their scattered
//!   villages stand for. Above the highest GeoNames settlement in the terrain plus one band
//!   (the ceiling) nobody is put. Both are measured from the region's own data each time the
//!   proxy is built (the values for the embedded region are in docs/exposure.md).

use forewarn_core::grid::{Grid, GridSpec};
use forewarn_core::region::Region;

/// Width of the elevation bands, metres.
pub const BAND_M: f64 = 500.0;
/// Number of bands (the last one holds everything above `BAND_M * (N_BANDS - 1)`).
pub const N_BANDS: usize = 14;

/// Settlement density by elevation band and the altitude weight fitted to it.
#[derive(Debug, Clone, PartialEq)]
pub struct BandWeights {
    /// Settlement density of each band relative to the mean over the terrain's land.
    pub weight: [f64; N_BANDS],
    /// Land area of each band, km² (inside the terrain and inside a country).
    pub area_km2: [f64; N_BANDS],
    pub settlements: [u32; N_BANDS],
    /// Fitted log-density slope, per metre (negative: fewer people higher up).
    pub slope_per_m: f64,
    /// exp(-norm) makes the area-weighted mean of exp(slope z) over the terrain's land 1.
    pub norm: f64,
    /// No people above this elevation, m.
    pub ceiling_m: f64,
}

impl BandWeights {
    /// The altitude weight of a land cell at elevation `z_m`.
    pub fn at(&self, z_m: f32) -> f64 {
        let z = z_m.max(0.0) as f64;
        if z > self.ceiling_m {
            0.0
        } else {
            (self.slope_per_m * z - self.norm).exp()
        }
    }
}

fn band(z: f32) -> usize {
    ((z.max(0.0) as f64 / BAND_M) as usize).min(N_BANDS - 1)
}

/// True where the terrain cell is open water (its 3 x 3 neighbourhood is exactly flat).
/// Cells on the terrain's edge are never water.
pub fn is_water(t: &Grid<f32>, col: usize, row: usize) -> bool {
    let s = &t.spec;
    if col == 0 || row == 0 || col + 1 >= s.ncols || row + 1 >= s.nrows {
        return false;
    }
    let z = t.get(col, row);
    if !z.is_finite() {
        return false;
    }
    for r in row - 1..=row + 1 {
        for c in col - 1..=col + 1 {
            if t.get(c, r) != z {
                return false;
            }
        }
    }
    true
}

/// Measure the band weights from the region's settlements and terrain. `in_country` says
/// whether a point lies in one of the region's countries.
pub fn band_weights(region: &Region, in_country: impl Fn(f64, f64) -> bool) -> Option<BandWeights> {
    let t = region.terrain.as_ref()?;
    let s = &t.spec;
    let mut area = [0.0f64; N_BANDS];
    for row in 0..s.nrows {
        let a = s.cell_area_km2(row);
        for col in 0..s.ncols {
            let z = t.get(col, row);
            if !z.is_finite() || is_water(t, col, row) {
                continue;
            }
            let (x, y) = s.cell_center(col, row);
            if in_country(x, y) {
                area[band(z)] += a;
            }
        }
    }
    let mut n = [0u32; N_BANDS];
    let mut highest = f64::NEG_INFINITY;
    for st in &region.settlements {
        let Some((col, row)) = s.cell_of(st.lon, st.lat) else {
            continue;
        };
        let z = t.get(col, row);
        if z.is_finite() && in_country(st.lon, st.lat) {
            n[band(z)] += 1;
            highest = highest.max(z as f64);
        }
    }
    let total_n: f64 = n.iter().map(|&k| k as f64).sum();
    let total_a: f64 = area.iter().sum();
    if total_n <= 0.0 || total_a <= 0.0 {
        return None;
    }
    let mean = total_n / total_a;
    let mut weight = [0.0; N_BANDS];
    for b in 0..N_BANDS {
        if area[b] > 0.0 {
            weight[b] = n[b] as f64 / area[b] / mean;
        }
    }
    // Weighted least squares of ln(density) on the band centre, weights = counts.
    let (mut sw, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for b in 0..N_BANDS {
        if n[b] == 0 || area[b] <= 0.0 {
            continue;
        }
        let w = n[b] as f64;
        let x = (b as f64 + 0.5) * BAND_M;
        let y = (n[b] as f64 / area[b]).ln();
        sw += w;
        sx += w * x;
        sy += w * y;
        sxx += w * x * x;
        sxy += w * x * y;
    }
    let den = sw * sxx - sx * sx;
    let slope = if den > 0.0 {
        (sw * sxy - sx * sy) / den
    } else {
        0.0
    };
    let ceiling_m = highest.max(0.0) + BAND_M;
    // Normalise over the terrain's land below the ceiling (band centres).
    let mut wsum = 0.0;
    for (b, a) in area.iter().enumerate() {
        let x = (b as f64 + 0.5) * BAND_M;
        if x <= ceiling_m {
            wsum += a * (slope * x).exp();
        }
    }
    let norm = (wsum / total_a).ln();
    Some(BandWeights {
        weight,
        area_km2: area,
        settlements: n,
        slope_per_m: slope,
        norm,
        ceiling_m,
    })
}

/// Habitability weight of every cell of `spec` (the proxy grid): the mean over the terrain
/// cells inside it of the band weight (0 on water); 1 where the terrain does not reach.
pub fn habitability_grid(
    region: &Region,
    spec: &GridSpec,
    bands: Option<&BandWeights>,
) -> Grid<f32> {
    let mut g = Grid::filled(*spec, 1.0f32);
    let (Some(t), Some(bw)) = (region.terrain.as_ref(), bands) else {
        return g;
    };
    let ts = &t.spec;
    let mut sum = vec![0.0f64; spec.len()];
    let mut cnt = vec![0u32; spec.len()];
    for row in 0..ts.nrows {
        for col in 0..ts.ncols {
            let z = t.get(col, row);
            if !z.is_finite() {
                continue;
            }
            let (x, y) = ts.cell_center(col, row);
            let Some(i) = spec.index_of(x, y) else {
                continue;
            };
            cnt[i] += 1;
            if !is_water(t, col, row) {
                sum[i] += bw.at(z);
            }
        }
    }
    for (i, v) in g.data.iter_mut().enumerate() {
        if cnt[i] > 0 {
            *v = (sum[i] / cnt[i] as f64) as f32;
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use forewarn_core::grid::Crs;

    fn grid(z: &[f32], n: usize) -> Grid<f32> {
        let spec = GridSpec {
            x_min: 70.0,
            y_max: 40.0,
            dx: 0.01,
            dy: 0.01,
            ncols: n,
            nrows: z.len() / n,
            crs: Crs::Epsg4326,
        };
        Grid::from_vec(spec, z.to_vec()).unwrap()
    }

    #[test]
    fn flat_neighbourhood_is_water_and_relief_is_not() {
        #[rustfmt::skip]
        let z = [
            1600.0, 1600.0, 1600.0, 1601.0,
            1600.0, 1600.0, 1600.0, 1602.0,
            1600.0, 1600.0, 1600.0, 1603.0,
            1600.0, 1600.0, 1601.0, 1604.0,
        ];
        let g = grid(&z, 4);
        assert!(is_water(&g, 1, 1));
        assert!(!is_water(&g, 2, 2)); // a neighbour at 1601
        assert!(!is_water(&g, 0, 0)); // edge
    }

    #[test]
    fn embedded_terrain_masks_issyk_kul_and_thins_the_pamir() {
        let region = forewarn_embedded::region().unwrap();
        let t = region.terrain.as_ref().unwrap();
        let (c, r) = t.spec.cell_of(77.3, 42.4).unwrap();
        assert!(is_water(t, c, r), "Issyk-Kul centre is water");
        let (c, r) = t.spec.cell_of(74.6, 42.87).unwrap(); // Bishkek
        assert!(!is_water(t, c, r));
        let spec = GridSpec::covering(&region.bbox(), crate::PROXY_CELL_DEG);
        let country = crate::country_grid(&region, &spec);
        let bw = band_weights(&region, |x, y| {
            country.at(x, y).is_some_and(|c| c != crate::NO_COUNTRY)
        })
        .unwrap();
        // Lowlands above the mean, the 3.5-4 km band (the Pamir plateau) far below it, and
        // no settlement at all above 5 km; the fitted weight falls with height and stops at
        // the ceiling.
        assert!(bw.weight[0] > 1.0 && bw.weight[1] > 1.0, "{bw:?}");
        assert!(bw.weight[7] < 0.2, "{bw:?}");
        assert!(bw.weight[10..].iter().all(|&w| w == 0.0), "{bw:?}");
        // The fit at 3,800 m: 0.26 with GeoNames cities500 (0.20 with cities1000: the
        // township seats of Xinjiang's oases flatten the lowland part the counts weigh most).
        // The plateau's people themselves are checked in lib.rs
        // (`pamir_plateau_is_sparse_and_lakes_are_empty`: 1-4 per km² on average).
        assert!(
            bw.slope_per_m < 0.0 && bw.at(500.0) > 1.0 && bw.at(3800.0) < 0.3,
            "{bw:?}"
        );
        assert!((4000.0..5500.0).contains(&bw.ceiling_m), "{bw:?}");
        assert_eq!(bw.at(bw.ceiling_m as f32 + 1.0), 0.0);
    }
}
