//! data/country_years.csv: national population and GDP per capita per year, 1960-2023.
//!
//! - Population: the GeoNames national total in countries.csv (World Bank 2018 figures; China
//!   the 2020 census) carried back and forward with the UN World Population Prospects 2015
//!   average annual rates of change per five-year period (as USGS PAGER adjusts LandScan to an
//!   event's year); years after 2015 use the 2010-2015 rate.
//! - GDP per capita, current US$: World Bank WDI (NY.GDP.PCAP.CD) as tabulated by PAGER for
//!   1960-2014, WDI 2023 from countries.csv; gaps interpolated log-linearly between the WDI
//!   years either side, years before a series starts take its first value. The source
//!   column of every row says which.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::Path;

pub const FIRST_YEAR: i32 = 1960;
pub const LAST_YEAR: i32 = 2023;
/// Year of the GeoNames national totals in countries.csv (World Bank 2018), China 2020.
fn base_year(iso2: &str) -> i32 {
    if iso2 == "CN" { 2020 } else { 2018 }
}
/// Year of countries.csv's GDP per capita (WDI 2023, see xtask main.rs).
const GDP_BASE_YEAR: i32 = 2023;

pub fn build(pager: &Path, out: &Path) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct C {
        iso2: String,
        iso3: String,
        iso_numeric: u16,
        population: u64,
        gdp_per_capita_usd: f64,
    }
    let mut rdr = csv::Reader::from_path(out.join("countries.csv"))?;
    let countries: Vec<C> = rdr.deserialize().collect::<Result<_, _>>()?;

    // WPP 2015 rates: country code -> [rate % per year] for 1950-1955 .. 2010-2015.
    let wpp_path = pager.join("wpp2015_population_growth_rate_estimates.csv");
    let mut rdr =
        csv::Reader::from_path(&wpp_path).with_context(|| wpp_path.display().to_string())?;
    let hdr = rdr.headers()?.clone();
    let first_period = hdr
        .iter()
        .position(|h| h == "1950-1955")
        .context("WPP: no 1950-1955 column")?;
    let code_col = hdr
        .iter()
        .position(|h| h == "Country code")
        .context("WPP: no Country code")?;
    let mut wpp: BTreeMap<u16, Vec<f64>> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec?;
        let Ok(code) = rec[code_col].trim().parse::<u16>() else {
            continue;
        };
        let rates: Vec<f64> = (first_period..rec.len())
            .map(|i| rec[i].trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .with_context(|| format!("WPP rates of country {code}"))?;
        wpp.insert(code, rates);
    }
    // WDI GDP per capita: iso3 -> year -> value.
    let gdp_path = pager.join("gdp_per_capita_current_usd.csv");
    let mut rdr =
        csv::Reader::from_path(&gdp_path).with_context(|| gdp_path.display().to_string())?;
    let hdr = rdr.headers()?.clone();
    let years: Vec<(usize, i32)> = hdr
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.parse::<i32>().ok().map(|y| (i, y)))
        .collect();
    let mut wdi: BTreeMap<String, BTreeMap<i32, f64>> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec?;
        let m = wdi.entry(rec[1].to_string()).or_default();
        for &(i, y) in &years {
            if let Ok(v) = rec[i].trim().parse::<f64>() {
                m.insert(y, v);
            }
        }
    }

    let mut w = csv::Writer::from_path(out.join("country_years.csv"))?;
    w.write_record([
        "iso2",
        "year",
        "population",
        "gdp_per_capita_usd",
        "population_source",
        "gdp_source",
    ])?;
    for c in &countries {
        let rates = wpp
            .get(&c.iso_numeric)
            .with_context(|| format!("WPP 2015 has no country {}", c.iso_numeric))?;
        let rate = |t: i32| -> f64 {
            let k = (((t.min(2014) - 1950) / 5) as usize).min(rates.len() - 1);
            rates[k] / 100.0
        };
        let base = base_year(&c.iso2);
        let mut gdp = wdi.get(&c.iso3).cloned().unwrap_or_default();
        gdp.insert(GDP_BASE_YEAR, c.gdp_per_capita_usd);
        let Some((&first_gdp_year, _)) = gdp.iter().next() else {
            bail!("no GDP for {}", c.iso3)
        };
        for y in FIRST_YEAR..=LAST_YEAR {
            let log_change: f64 = if y < base {
                -(y..base).map(rate).sum::<f64>()
            } else {
                (base..y).map(rate).sum::<f64>()
            };
            let pop = (c.population as f64 * log_change.exp()).round() as u64;
            let pop_src = if y == base {
                format!("GeoNames national total ({base})")
            } else if y > 2015 {
                format!(
                    "GeoNames {base} total with UN WPP 2015 growth rates; after 2015 at the 2010-2015 rate"
                )
            } else {
                format!("GeoNames {base} total with UN WPP 2015 growth rates")
            };
            let (g, g_src) = if let Some(v) = gdp.get(&y) {
                (*v, format!("World Bank WDI NY.GDP.PCAP.CD {y}"))
            } else if y < first_gdp_year {
                (
                    gdp[&first_gdp_year],
                    format!("World Bank WDI {first_gdp_year} (first year of the series)"),
                )
            } else {
                let (&a, &ga) = gdp.range(..y).next_back().context("gdp before")?;
                let (&b, &gb) = gdp.range(y..).next().context("gdp after")?;
                let f = (y - a) as f64 / (b - a) as f64;
                (
                    (ga.ln() + f * (gb.ln() - ga.ln())).exp(),
                    format!("log-linear between World Bank WDI {a} and {b}"),
                )
            };
            w.write_record([
                c.iso2.clone(),
                y.to_string(),
                pop.to_string(),
                format!("{g:.1}"),
                pop_src,
                g_src,
            ])?;
        }
    }
    w.flush()?;
    eprintln!(
        "country_years.csv: {} countries x {} years",
        countries.len(),
        LAST_YEAR - FIRST_YEAR + 1
    );
    Ok(())
}
