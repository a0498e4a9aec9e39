//! Population exposure.
//!
//! Two sources, one interface ([`Exposure::points`]):
//! - **Proxy** (default, no census grid ships with Forewarn): each settlement's GeoNames
//!   population sits at its location, and each country's *residual* (national total minus the
//!   sum of its settlements) is spread over a 0.05° grid of the country's land: a share
//!   [`UNIFORM_SHARE`] uniformly by area, the rest in proportion to a Gaussian kernel
//!   (sigma [`KERNEL_SIGMA_KM`]) of nearby settlement population, because rural people live
//!   near towns and in valleys, not evenly across deserts. Country totals match the GeoNames
//!   table by construction (within discretisation, tested < 1%). It is a proxy: every output
//!   built on it says so.
//! - **Raster**: a WorldPop/GHSL-style GeoTIFF of people per cell in EPSG:4326
//!   (`--population FILE`), which replaces the proxy entirely.

use forewarn_core::grid::{Crs, Grid, GridSpec};
use forewarn_core::rasterize;
use forewarn_core::region::Region;
use forewarn_core::{BBox, LonLat, RasterError, raster_tiff};
use geo::ChamberlainDuquetteArea;
use std::path::{Path, PathBuf};

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
    Proxy,
    /// A user-supplied population raster.
    Raster { path: PathBuf },
}

impl ExposureSource {
    pub fn describe(&self) -> String {
        match self {
            ExposureSource::Proxy => "PROXY: GeoNames settlements plus a modelled rural residual matched to national totals (not a census grid; pass --population FILE for a real one)".into(),
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

fn country_grid(region: &Region, spec: &GridSpec) -> Grid<u8> {
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

impl Exposure {
    /// The settlement-based proxy over the whole region.
    pub fn proxy(region: &Region) -> Exposure {
        let bbox = region.bbox();
        let spec = GridSpec::covering(&bbox, PROXY_CELL_DEG);
        let country = country_grid(region, &spec);
        let nc = region.countries.len();
        // Residual per country.
        let mut settled = vec![0.0f64; nc];
        let code_index = |code: &str| region.countries.iter().position(|c| c.iso2 == code);
        let s_country: Vec<Option<usize>> = region
            .settlements
            .iter()
            .map(|s| code_index(&s.country))
            .collect();
        for (s, ci) in region.settlements.iter().zip(&s_country) {
            if let Some(ci) = ci {
                settled[*ci] += s.population as f64;
            }
        }
        // If settlements exceed a national total, scale them down to it (no residual left).
        let scale: Vec<f64> = (0..nc)
            .map(|ci| {
                let total = region.countries[ci].population as f64;
                if settled[ci] > total && settled[ci] > 0.0 {
                    total / settled[ci]
                } else {
                    1.0
                }
            })
            .collect();
        let residual: Vec<f64> = (0..nc)
            .map(|ci| (region.countries[ci].population as f64 - settled[ci] * scale[ci]).max(0.0))
            .collect();
        let settlement_people: Vec<f64> = region
            .settlements
            .iter()
            .zip(&s_country)
            .map(|(s, ci)| s.population as f64 * ci.map_or(1.0, |c| scale[c]))
            .collect();

        // Kernel weights around settlements, restricted to each settlement's own country.
        let mut kernel = vec![0.0f32; spec.len()];
        let sigma_km = KERNEL_SIGMA_KM;
        let reach_km = 3.0 * sigma_km;
        for (s, ci) in region.settlements.iter().zip(&s_country) {
            let Some(ci) = *ci else { continue };
            let b = BBox::around(s.lonlat(), reach_km);
            let (Some((c0, r0)), Some((c1, r1))) = (
                spec.cell_of(b.west.max(spec.x_min), b.north.min(spec.y_max - 1e-9)),
                spec.cell_of(b.east.min(spec.x_max() - 1e-9), b.south.max(spec.y_min())),
            ) else {
                continue;
            };
            for row in r0..=r1 {
                for col in c0..=c1 {
                    let i = row * spec.ncols + col;
                    if country.data[i] as usize != ci {
                        continue;
                    }
                    let (x, y) = spec.cell_center(col, row);
                    let d = s.lonlat().distance_km(&LonLat::new(x, y));
                    if d <= reach_km {
                        kernel[i] +=
                            (s.population as f64 * (-0.5 * (d / sigma_km).powi(2)).exp()) as f32;
                    }
                }
            }
        }
        // Normalise per country: uniform share by area, kernel share by weight.
        let mut area = vec![0.0f64; nc];
        let mut ksum = vec![0.0f64; nc];
        for row in 0..spec.nrows {
            let a = spec.cell_area_km2(row);
            for col in 0..spec.ncols {
                let i = row * spec.ncols + col;
                let ci = country.data[i];
                if ci != NO_COUNTRY {
                    area[ci as usize] += a;
                    ksum[ci as usize] += kernel[i] as f64;
                }
            }
        }
        let mut grid = Grid::filled(spec, 0.0f32);
        for row in 0..spec.nrows {
            let a = spec.cell_area_km2(row);
            for col in 0..spec.ncols {
                let i = row * spec.ncols + col;
                let ci = country.data[i];
                if ci == NO_COUNTRY {
                    continue;
                }
                let c = ci as usize;
                let (u_share, k_share) = if ksum[c] > 0.0 {
                    (UNIFORM_SHARE, 1.0 - UNIFORM_SHARE)
                } else {
                    (1.0, 0.0)
                };
                let mut v = residual[c] * u_share * a / area[c].max(1e-9);
                if ksum[c] > 0.0 {
                    v += residual[c] * k_share * kernel[i] as f64 / ksum[c];
                }
                grid.data[i] = v as f32;
            }
        }
        Exposure {
            source: ExposureSource::Proxy,
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
                    country: region.countries.iter().position(|c| c.iso2 == st.country),
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
        .map(|c| c.boundary.chamberlain_duquette_unsigned_area() / 1e6)
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
