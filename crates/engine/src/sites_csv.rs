//! Reading a sites CSV: header `lon,lat[,vs30]`, one site per line.

use crate::EngineError;
use std::path::Path;

/// A user site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UserSite {
    pub lon: f64,
    pub lat: f64,
    pub vs30_mps: Option<f64>,
}

/// Most sites a sites CSV may hold. Shaking is computed at every site for every realization;
/// a million sites is already a grid finer than 1 km over all of Pakistan.
pub const MAX_SITES: usize = 1_000_000;

/// Read sites from `path`. Every bad row is reported with its line number.
pub fn read_sites(path: &Path) -> Result<Vec<UserSite>, EngineError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| EngineError::Input(format!("{}: cannot read: {e}", path.display())))?;
    parse_sites(&text, &path.display().to_string())
}

pub fn parse_sites(text: &str, name: &str) -> Result<Vec<UserSite>, EngineError> {
    let err = |line: u64, message: String| EngineError::Csv {
        path: name.to_string(),
        line,
        message,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let hdr: Vec<String> = rdr
        .headers()
        .map_err(|e| err(1, e.to_string()))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let col = |n: &str| hdr.iter().position(|h| h == n);
    let (Some(ilon), Some(ilat)) = (col("lon"), col("lat")) else {
        return Err(err(
            1,
            format!("header must be lon,lat[,vs30]; found '{}'", hdr.join(",")),
        ));
    };
    let ivs = col("vs30");
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| err(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let num = |i: usize, what: &str| -> Result<f64, EngineError> {
            let s = rec.get(i).unwrap_or("");
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| err(line, format!("{what} '{s}' is not a number")))
        };
        let lon = num(ilon, "lon")?;
        let lat = num(ilat, "lat")?;
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(err(
                line,
                format!("lon {lon}, lat {lat} is not a valid position"),
            ));
        }
        let vs30_mps = match ivs {
            Some(i) if !rec.get(i).unwrap_or("").is_empty() => {
                let v = num(i, "vs30")?;
                if !(v > 0.0 && v <= 3000.0) {
                    return Err(err(line, format!("vs30 {v} must be within (0, 3000] m/s")));
                }
                Some(v)
            }
            _ => None,
        };
        if out.len() == MAX_SITES {
            return Err(err(
                line,
                format!("more than {MAX_SITES} sites (limit MAX_SITES)"),
            ));
        }
        out.push(UserSite { lon, lat, vs30_mps });
    }
    if out.is_empty() {
        return Err(err(1, "no sites".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_bad_rows() {
        let s = parse_sites("lon,lat,vs30\n73.1,34.2,400\n73.2,34.3,\n", "s.csv").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].vs30_mps, None);
        let e = parse_sites("lon,lat\n73.1,34.2\n73.2,abc\n", "s.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.csv: line 3") && e.contains("abc"), "{e}");
        let e = parse_sites("x,y\n1,2\n", "s.csv").unwrap_err().to_string();
        assert!(e.contains("header"), "{e}");
        let e = parse_sites("lon,lat,vs30\n73,34,-5\n", "s.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("vs30"), "{e}");
    }
}
