//! The region: countries with boundaries and national figures, settlements, airports and the
//! terrain grid, with the spatial indexes every engine uses (country lookup, settlement search).
//!
//! File layout of a region directory (as written by `cargo xtask data`):
//! - `countries.csv`: iso2, iso3, iso_numeric, name_en, name_ru, name_zh, population, gdp_per_capita_usd
//! - `boundaries.geojson`: one feature per country, property `iso2`
//! - `settlements.csv`: geonameid, name, country, admin1, lat, lon, population
//! - `airports.csv`: icao, iata, name, city, country, lat, lon, elevation_ft
//! - `terrain.tif`: GEBCO 2023 elevation, int16 metres, EPSG:4326
//! - `settlement_corrections.csv` (optional): settlements whose GeoNames population is an
//!   admin-unit total, with the town's and the unit's population and the source of each
//!   (see [`SettlementCorrection`] and docs/exposure.md)
//! - `country_years.csv` (optional): national population and GDP per capita per year
//!   (see [`CountryYear`])
//! - `place_names.csv` (optional): reviewed settlement names in the warning languages
//!   (see [`crate::place_names`])
//! - `admin1.geojson` (optional): first-level administrative units with their names in the
//!   warning languages (see [`crate::admin_units`])
//! - `admin1_population.csv` (optional, needs `admin1.geojson`): census population of units,
//!   which the exposure proxy spreads its rural residual by (see [`UnitPopulation`])

use crate::admin_units::{self, AdminUnit, UnitPopulation};
use crate::geo_types::{BBox, LonLat};
use crate::grid::Grid;
use crate::place_names::{PlaceName, fallback_name};
use crate::{RasterError, raster_tiff};
use geo::{BoundingRect, Contains, MultiPolygon, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Errors loading or querying a region. Each names the file, line or field at fault.
#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    #[error(
        "data directory {0} does not exist (pass --data DIR, or omit it to use the embedded region)"
    )]
    MissingDir(PathBuf),
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {message}")]
    Csv {
        path: String,
        line: u64,
        message: String,
    },
    #[error("{path}: {message}")]
    Format { path: String, message: String },
    #[error(transparent)]
    Raster(#[from] RasterError),
    #[error("unknown country code '{code}' (known: {known})")]
    UnknownCountry { code: String, known: String },
}

/// A member or observer state with its national figures.
#[derive(Debug, Clone, Serialize)]
pub struct Country {
    pub iso2: String,
    pub iso3: String,
    pub iso_numeric: u16,
    pub name_en: String,
    pub name_ru: String,
    pub name_zh: String,
    /// Total population (GeoNames country table).
    pub population: u64,
    /// GDP per capita, current US$ (World Bank WDI, see data/ATTRIBUTION.md).
    pub gdp_per_capita_usd: f64,
    #[serde(skip)]
    pub boundary: MultiPolygon<f64>,
}

/// A populated place (GeoNames cities500: 500 people or more, or the seat of an administrative
/// division down to the fourth order; population 0 where GeoNames records none).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Settlement {
    pub geonameid: u64,
    pub name: String,
    pub country: String,
    pub admin1: String,
    pub lat: f64,
    pub lon: f64,
    pub population: u64,
}

impl Settlement {
    pub fn lonlat(&self) -> LonLat {
        LonLat::new(self.lon, self.lat)
    }
}

/// An airport (airportsdata).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Airport {
    pub icao: String,
    pub iata: String,
    pub name: String,
    pub city: String,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    pub elevation_ft: f64,
}

/// A settlement whose GeoNames population is the total of an administrative unit (district,
/// tehsil, county) rather than of the town: the exposure proxy puts `town_population` at the
/// settlement and spreads the rest of `unit_population` over the unit's area. Written by
/// `cargo xtask data` (rules in forewarn-exposure's `admin_totals`); every row names its rule,
/// its reason and the source of the corrected values.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SettlementCorrection {
    pub geonameid: u64,
    pub name: String,
    pub country: String,
    /// The population in settlements.csv (the admin-unit total).
    pub geonames_population: u64,
    /// People in the town itself.
    pub town_population: u64,
    /// People in the whole unit (town included).
    pub unit_population: u64,
    /// Area of the unit, km²; empty when it is estimated from the national density.
    pub unit_area_km2: Option<f64>,
    pub rule: String,
    pub reason: String,
    pub source: String,
}

/// National population and GDP per capita in one year (`country_years.csv`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CountryYear {
    pub iso2: String,
    pub year: i32,
    pub population: u64,
    /// Current US$.
    pub gdp_per_capita_usd: f64,
    pub population_source: String,
    pub gdp_source: String,
}

/// Raw bytes of the region's files, from disk or embedded in the binary.
pub struct RegionFiles<'a> {
    pub countries_csv: &'a [u8],
    pub boundaries_geojson: &'a [u8],
    pub settlements_csv: &'a [u8],
    pub airports_csv: &'a [u8],
    pub terrain_tif: Option<&'a [u8]>,
    pub settlement_corrections_csv: Option<&'a [u8]>,
    pub country_years_csv: Option<&'a [u8]>,
    pub place_names_csv: Option<&'a [u8]>,
    pub admin1_geojson: Option<&'a [u8]>,
    pub admin1_population_csv: Option<&'a [u8]>,
    /// Where the files came from, for error messages (a directory or "embedded").
    pub origin: String,
}

/// Everything the engines know about the region.
pub struct Region {
    pub countries: Vec<Country>,
    pub settlements: Vec<Settlement>,
    pub airports: Vec<Airport>,
    /// Elevation in metres (NaN where missing), if the region has terrain.
    pub terrain: Option<Grid<f32>>,
    /// Admin-unit totals among the settlements (empty when the region has no such file).
    pub settlement_corrections: Vec<SettlementCorrection>,
    /// National population and GDP per capita by year (empty when the region has none).
    pub country_years: Vec<CountryYear>,
    /// Reviewed settlement names in the warning languages (empty when the region has none).
    pub place_names: Vec<PlaceName>,
    /// First-level administrative units (empty when the region has none).
    pub admin_units: Vec<AdminUnit>,
    /// Census population of units (empty when the region has none).
    pub unit_populations: Vec<UnitPopulation>,
    pub origin: String,
    country_index: CountryIndex,
}

fn read_csv<T: for<'de> Deserialize<'de>>(bytes: &[u8], path: &str) -> Result<Vec<T>, RegionError> {
    let mut rdr = csv::Reader::from_reader(bytes);
    let mut out = Vec::new();
    for rec in rdr.deserialize() {
        let rec: T = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            RegionError::Csv {
                path: path.to_string(),
                line,
                message: e.to_string(),
            }
        })?;
        out.push(rec);
    }
    Ok(out)
}

impl Region {
    /// Load a region directory. A missing directory is an error that says so.
    pub fn load_dir(dir: &Path) -> Result<Region, RegionError> {
        if !dir.is_dir() {
            return Err(RegionError::MissingDir(dir.to_path_buf()));
        }
        let read = |name: &str| {
            let p = dir.join(name);
            std::fs::read(&p).map_err(|source| RegionError::Io {
                path: p.display().to_string(),
                source,
            })
        };
        let countries = read("countries.csv")?;
        let boundaries = read("boundaries.geojson")?;
        let settlements = read("settlements.csv")?;
        let airports = read("airports.csv")?;
        let optional = |name: &str| {
            if dir.join(name).exists() {
                read(name).map(Some)
            } else {
                Ok(None)
            }
        };
        let terrain = optional("terrain.tif")?;
        let corrections = optional("settlement_corrections.csv")?;
        let years = optional("country_years.csv")?;
        let names = optional("place_names.csv")?;
        let admin1 = optional("admin1.geojson")?;
        let admin1_population = optional("admin1_population.csv")?;
        Region::from_files(RegionFiles {
            countries_csv: &countries,
            boundaries_geojson: &boundaries,
            settlements_csv: &settlements,
            airports_csv: &airports,
            terrain_tif: terrain.as_deref(),
            settlement_corrections_csv: corrections.as_deref(),
            country_years_csv: years.as_deref(),
            place_names_csv: names.as_deref(),
            admin1_geojson: admin1.as_deref(),
            admin1_population_csv: admin1_population.as_deref(),
            origin: dir.display().to_string(),
        })
    }

    /// Build a region from file contents.
    pub fn from_files(f: RegionFiles<'_>) -> Result<Region, RegionError> {
        let p = |name: &str| format!("{}/{name}", f.origin);
        #[derive(Deserialize)]
        struct CountryRow {
            iso2: String,
            iso3: String,
            iso_numeric: u16,
            name_en: String,
            name_ru: String,
            name_zh: String,
            population: u64,
            gdp_per_capita_usd: f64,
        }
        let rows: Vec<CountryRow> = read_csv(f.countries_csv, &p("countries.csv"))?;
        let boundaries = parse_boundaries(f.boundaries_geojson, &p("boundaries.geojson"))?;
        let mut countries = Vec::with_capacity(rows.len());
        for r in rows {
            let boundary = boundaries
                .iter()
                .find(|(iso, _)| *iso == r.iso2)
                .map(|(_, g)| g.clone())
                .ok_or_else(|| RegionError::Format {
                    path: p("boundaries.geojson"),
                    message: format!("no boundary feature with iso2 '{}'", r.iso2),
                })?;
            countries.push(Country {
                iso2: r.iso2,
                iso3: r.iso3,
                iso_numeric: r.iso_numeric,
                name_en: r.name_en,
                name_ru: r.name_ru,
                name_zh: r.name_zh,
                population: r.population,
                gdp_per_capita_usd: r.gdp_per_capita_usd,
                boundary,
            });
        }
        let settlements: Vec<Settlement> = read_csv(f.settlements_csv, &p("settlements.csv"))?;
        let airports: Vec<Airport> = read_csv(f.airports_csv, &p("airports.csv"))?;
        let terrain = match f.terrain_tif {
            Some(b) => Some(raster_tiff::read_geotiff_bytes(
                b,
                Path::new(&p("terrain.tif")),
            )?),
            None => None,
        };
        let settlement_corrections: Vec<SettlementCorrection> = match f.settlement_corrections_csv {
            Some(b) => read_csv(b, &p("settlement_corrections.csv"))?,
            None => Vec::new(),
        };
        let country_years: Vec<CountryYear> = match f.country_years_csv {
            Some(b) => read_csv(b, &p("country_years.csv"))?,
            None => Vec::new(),
        };
        let place_names: Vec<PlaceName> = match f.place_names_csv {
            Some(b) => read_csv(b, &p("place_names.csv"))?,
            None => Vec::new(),
        };
        let admin_units = match f.admin1_geojson {
            Some(b) => admin_units::parse(b, &p("admin1.geojson"))?,
            None => Vec::new(),
        };
        let unit_populations = match f.admin1_population_csv {
            Some(b) => {
                let path = p("admin1_population.csv");
                let mut rows: Vec<UnitPopulation> = read_csv(b, &path)?;
                let codes: Vec<&str> = countries.iter().map(|c| c.iso2.as_str()).collect();
                admin_units::match_populations(&mut rows, &admin_units, &codes, &path)?;
                rows
            }
            None => Vec::new(),
        };
        let country_index = CountryIndex::new(&countries);
        Ok(Region {
            countries,
            settlements,
            airports,
            terrain,
            settlement_corrections,
            country_years,
            place_names,
            admin_units,
            unit_populations,
            origin: f.origin,
            country_index,
        })
    }

    /// The name of settlement `i` in `lang` (`en`, `ru`, `zh`, `ur`): the reviewed form from
    /// `place_names.csv`, else the fallback of [`crate::place_names`].
    pub fn settlement_name(&self, i: usize, lang: &str) -> String {
        let s = &self.settlements[i];
        self.place_names
            .iter()
            .find(|n| n.geonameid == s.geonameid)
            .and_then(|n| n.get(lang))
            .map_or_else(|| fallback_name(&s.name, &s.country, lang), str::to_string)
    }

    /// The index in `countries` of the country with code `iso2` (exact, as the data files
    /// write it), if any.
    pub fn country_position(&self, iso2: &str) -> Option<usize> {
        self.countries.iter().position(|c| c.iso2 == iso2)
    }

    pub fn country(&self, iso2: &str) -> Result<&Country, RegionError> {
        self.countries
            .iter()
            .find(|c| c.iso2.eq_ignore_ascii_case(iso2))
            .ok_or_else(|| RegionError::UnknownCountry {
                code: iso2.to_string(),
                known: self
                    .countries
                    .iter()
                    .map(|c| c.iso2.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The country containing `p`, if any.
    pub fn country_at(&self, p: LonLat) -> Option<&Country> {
        self.country_index.lookup(p).map(|i| &self.countries[i])
    }

    /// Index into `countries` of the country containing `p`.
    pub fn country_index_at(&self, p: LonLat) -> Option<usize> {
        self.country_index.lookup(p)
    }

    /// The box that holds every country boundary (west of the antimeridian parts only).
    pub fn bbox(&self) -> BBox {
        let mut b = BBox::new(
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for c in &self.countries {
            if let Some(r) = c.boundary.bounding_rect() {
                b.west = b.west.min(r.min().x);
                b.south = b.south.min(r.min().y);
                b.east = b.east.max(r.max().x);
                b.north = b.north.max(r.max().y);
            }
        }
        b
    }

    pub fn settlement_index(&self) -> SettlementIndex {
        SettlementIndex::new(&self.settlements)
    }
}

fn parse_boundaries(
    bytes: &[u8],
    path: &str,
) -> Result<Vec<(String, MultiPolygon<f64>)>, RegionError> {
    polygon_features(bytes, path, "iso2")
        .map(|fs| fs.into_iter().map(|(iso, _, mp)| (iso, mp)).collect())
}

/// The features of a GeoJSON FeatureCollection file of (Multi)Polygons: each feature's
/// string property `key` (which names it in errors), its properties and its geometry. Errors
/// name the file and the feature.
pub(crate) fn polygon_features(
    bytes: &[u8],
    path: &str,
    key: &str,
) -> Result<Vec<(String, geojson::Feature, MultiPolygon<f64>)>, RegionError> {
    let fmt = |m: String| RegionError::Format {
        path: path.to_string(),
        message: m,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| fmt(e.to_string()))?;
    let fc: geojson::FeatureCollection = text
        .parse()
        .map_err(|e: geojson::Error| fmt(e.to_string()))?;
    let mut out = Vec::with_capacity(fc.features.len());
    for (i, mut feat) in fc.features.into_iter().enumerate() {
        let name = feat
            .property(key)
            .and_then(|v| v.as_str())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| fmt(format!("feature {i} has no string property '{key}'")))?;
        let what = format!("feature {i} ({name})");
        let geom = feat
            .geometry
            .take()
            .ok_or_else(|| fmt(format!("{what} has no geometry")))?;
        let g: geo::Geometry<f64> = geom
            .try_into()
            .map_err(|e: geojson::Error| fmt(format!("{what}: {e}")))?;
        let mp = match g {
            geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
            geo::Geometry::MultiPolygon(mp) => mp,
            _ => return Err(fmt(format!("{what} is not a (multi)polygon"))),
        };
        out.push((name, feat, mp));
    }
    Ok(out)
}

/// One indexed polygon: its bounding rectangle, owning country index and the polygon.
type IndexedPolygon = GeomWithData<Rectangle<[f64; 2]>, (usize, geo::Polygon<f64>)>;

/// R-tree of country polygons for point-in-polygon lookup.
pub struct CountryIndex {
    tree: RTree<IndexedPolygon>,
}

impl CountryIndex {
    pub fn new(countries: &[Country]) -> Self {
        let mut items = Vec::new();
        for (ci, c) in countries.iter().enumerate() {
            for poly in &c.boundary.0 {
                if let Some(r) = poly.bounding_rect() {
                    let rect =
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                    items.push(GeomWithData::new(rect, (ci, poly.clone())));
                }
            }
        }
        CountryIndex {
            tree: RTree::bulk_load(items),
        }
    }

    /// Index of the country containing `p`.
    pub fn lookup(&self, p: LonLat) -> Option<usize> {
        let pt = Point::new(p.lon, p.lat);
        self.tree
            .locate_all_at_point(&[p.lon, p.lat])
            .find(|item| item.data.1.contains(&pt))
            .map(|item| item.data.0)
    }
}

/// R-tree of settlements for nearest and within-radius queries (great-circle distances).
pub struct SettlementIndex {
    tree: RTree<GeomWithData<[f64; 2], usize>>,
}

impl SettlementIndex {
    pub fn new(settlements: &[Settlement]) -> Self {
        let items = settlements
            .iter()
            .enumerate()
            .map(|(i, s)| GeomWithData::new([s.lon, s.lat], i))
            .collect();
        SettlementIndex {
            tree: RTree::bulk_load(items),
        }
    }

    /// Indices and distances (km) of settlements within `radius_km` of `p`, nearest first.
    pub fn within_radius(&self, p: LonLat, radius_km: f64) -> Vec<(usize, f64)> {
        let b = BBox::around(p, radius_km);
        let env = AABB::from_corners([b.west, b.south], [b.east, b.north]);
        let mut out: Vec<(usize, f64)> = self
            .tree
            .locate_in_envelope(&env)
            .map(|it| {
                (
                    it.data,
                    p.distance_km(&LonLat::new(it.geom()[0], it.geom()[1])),
                )
            })
            .filter(|(_, d)| *d <= radius_km)
            .collect();
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        out
    }

    /// The nearest settlement within 5,000 km and its distance in km.
    pub fn nearest(&self, p: LonLat) -> Option<(usize, f64)> {
        [10.0, 50.0, 200.0, 1000.0, 5000.0]
            .iter()
            .find_map(|&r| self.within_radius(p, r).into_iter().next())
    }
}
