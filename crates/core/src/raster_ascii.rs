//! ESRI ASCII grid (.asc) reading and writing.
//!
//! Header keywords (case-insensitive): ncols, nrows, xllcorner|xllcenter, yllcorner|yllcenter,
//! cellsize (or dx/dy), NODATA_value. Missing data becomes NaN on reading.

use crate::RasterError;
use crate::grid::{Crs, Grid, GridSpec, MAX_GRID_CELLS, MAX_GRID_DIM};
use std::io::Write;
use std::path::Path;

/// Read an ESRI ASCII grid. `crs` says how to interpret the coordinates (ASCII grids carry none).
pub fn read_ascii_grid(path: &Path, crs: Crs) -> Result<Grid<f32>, RasterError> {
    let text = crate::read_text_limited(path, crate::MAX_ASCII_GRID_BYTES).map_err(|source| {
        RasterError::Io {
            path: path.display().to_string(),
            source,
        }
    })?;
    parse_ascii_grid(&text, path, crs)
}

/// Parse ESRI ASCII grid text; `path` names the source in errors.
pub fn parse_ascii_grid(text: &str, path: &Path, crs: Crs) -> Result<Grid<f32>, RasterError> {
    let err = |line: usize, message: String| RasterError::Ascii {
        path: path.display().to_string(),
        line,
        message,
    };
    let mut ncols = None;
    let mut nrows = None;
    let (mut xll, mut yll) = (None, None);
    let mut center = (false, false);
    let (mut dx, mut dy) = (None, None);
    let mut nodata: Option<f64> = None;
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.peek().copied() {
        let mut parts = line.split_whitespace();
        let Some(key) = parts.next() else {
            lines.next();
            continue;
        };
        let key_l = key.to_ascii_lowercase();
        if key_l.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.' || c == '+') {
            break;
        }
        let val = parts
            .next()
            .ok_or_else(|| err(i + 1, format!("header keyword '{key}' has no value")))?;
        let num: f64 = val
            .parse()
            .map_err(|_| err(i + 1, format!("'{key}' value '{val}' is not a number")))?;
        let count = |what: &str| -> Result<usize, RasterError> {
            if num.fract() == 0.0 && num >= 1.0 && num <= MAX_GRID_DIM as f64 {
                Ok(num as usize)
            } else {
                Err(err(
                    i + 1,
                    format!(
                        "'{what}' is {val}; it must be a whole number from 1 to {MAX_GRID_DIM} \
                         (limit MAX_GRID_DIM)"
                    ),
                ))
            }
        };
        if !num.is_finite() && key_l != "nodata_value" {
            return Err(err(i + 1, format!("'{key}' value '{val}' is not finite")));
        }
        match key_l.as_str() {
            "ncols" => ncols = Some(count("ncols")?),
            "nrows" => nrows = Some(count("nrows")?),
            "xllcorner" => xll = Some(num),
            "yllcorner" => yll = Some(num),
            "xllcenter" => {
                xll = Some(num);
                center.0 = true
            }
            "yllcenter" => {
                yll = Some(num);
                center.1 = true
            }
            "cellsize" => {
                dx = Some(num);
                dy = Some(num)
            }
            "dx" => dx = Some(num),
            "dy" => dy = Some(num),
            "nodata_value" => nodata = Some(num),
            _ => return Err(err(i + 1, format!("unknown header keyword '{key}'"))),
        }
        lines.next();
    }
    let missing = |k: &str| err(1, format!("header lacks '{k}'"));
    let ncols = ncols.ok_or_else(|| missing("ncols"))?;
    let nrows = nrows.ok_or_else(|| missing("nrows"))?;
    let mut x_min = xll.ok_or_else(|| missing("xllcorner"))?;
    let yll = yll.ok_or_else(|| missing("yllcorner"))?;
    let dx = dx.ok_or_else(|| missing("cellsize"))?;
    let dy = dy.unwrap_or(dx);
    if ncols == 0 || nrows == 0 || dx <= 0.0 || dy <= 0.0 {
        return Err(err(1, "ncols, nrows and cellsize must be positive".into()));
    }
    let cells = ncols
        .checked_mul(nrows)
        .filter(|&n| n <= MAX_GRID_CELLS)
        .ok_or_else(|| {
            err(
                1,
                format!(
                    "ncols x nrows = {ncols} x {nrows} cells; at most {MAX_GRID_CELLS} are \
                     accepted (limit MAX_GRID_CELLS)"
                ),
            )
        })?;
    if center.0 {
        x_min -= dx / 2.0;
    }
    let y_min = if center.1 { yll - dy / 2.0 } else { yll };
    // Every value takes at least two bytes (a digit and a separator): the text bounds the
    // allocation whatever the header claims.
    let mut data = Vec::with_capacity(cells.min(text.len() / 2 + 1));
    let mut last_line = 0;
    for (i, line) in lines {
        last_line = i + 1;
        for tok in line.split_whitespace() {
            let v: f64 = tok
                .parse()
                .map_err(|_| err(i + 1, format!("value '{tok}' is not a number")))?;
            data.push(if Some(v) == nodata {
                f32::NAN
            } else {
                v as f32
            });
        }
    }
    if data.len() != cells {
        return Err(err(
            last_line,
            format!(
                "expected {cells} values ({ncols} x {nrows}), found {}",
                data.len()
            ),
        ));
    }
    let spec = GridSpec {
        x_min,
        y_max: y_min + dy * nrows as f64,
        dx,
        dy,
        ncols,
        nrows,
        crs,
    };
    Ok(Grid { spec, data, nodata })
}

/// Write an f32 grid as ESRI ASCII. NaN cells are written as the grid's nodata value (default -9999).
pub fn write_ascii_grid(path: &Path, grid: &Grid<f32>) -> Result<(), RasterError> {
    let io = |source| RasterError::Io {
        path: path.display().to_string(),
        source,
    };
    let s = &grid.spec;
    let nd = grid.nodata.unwrap_or(-9999.0);
    let f = std::fs::File::create(path).map_err(io)?;
    let mut w = std::io::BufWriter::new(f);
    let mut out = || -> std::io::Result<()> {
        writeln!(w, "ncols {}", s.ncols)?;
        writeln!(w, "nrows {}", s.nrows)?;
        writeln!(w, "xllcorner {}", s.x_min)?;
        writeln!(w, "yllcorner {}", s.y_min())?;
        if (s.dx - s.dy).abs() < 1e-12 * s.dx.abs() {
            writeln!(w, "cellsize {}", s.dx)?;
        } else {
            writeln!(w, "dx {}", s.dx)?;
            writeln!(w, "dy {}", s.dy)?;
        }
        writeln!(w, "NODATA_value {nd}")?;
        for row in grid.data.chunks(s.ncols) {
            let mut first = true;
            for v in row {
                if !first {
                    w.write_all(b" ")?;
                }
                first = false;
                if v.is_finite() {
                    write!(w, "{v}")?;
                } else {
                    write!(w, "{nd}")?;
                }
            }
            w.write_all(b"\n")?;
        }
        w.flush()
    };
    out().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_roundtrip() {
        let text = "ncols 3\nnrows 2\nxllcorner 100\nyllcorner 200\ncellsize 10\nNODATA_value -9999\n1 2 3\n4 -9999 6\n";
        let g = parse_ascii_grid(text, Path::new("x.asc"), Crs::UnknownMetres).unwrap();
        assert_eq!(g.spec.y_max, 220.0);
        assert!(g.data[4].is_nan());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("o.asc");
        write_ascii_grid(&p, &g).unwrap();
        let g2 = read_ascii_grid(&p, Crs::UnknownMetres).unwrap();
        assert_eq!(g2.data[5], 6.0);
        assert!(g2.spec.same_placement(&g.spec));
    }

    #[test]
    fn short_data_names_file_and_line() {
        let text = "ncols 3\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 3\n4 5\n";
        let e = parse_ascii_grid(text, Path::new("bad.asc"), Crs::UnknownMetres)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.asc") && e.contains("expected 6"), "{e}");
    }

    #[test]
    fn huge_header_counts_are_refused_by_name() {
        for (header, field) in [
            ("ncols 1e300\nnrows 2", "'ncols' is 1e300"),
            ("ncols 2\nnrows -5", "'nrows' is -5"),
            ("ncols 2.5\nnrows 2", "'ncols' is 2.5"),
            ("ncols 1000000\nnrows 1000000", "limit MAX_GRID_CELLS"),
            ("ncols inf\nnrows 2", "not finite"),
        ] {
            let text = format!("{header}\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n");
            let e = parse_ascii_grid(&text, Path::new("h.asc"), Crs::UnknownMetres)
                .unwrap_err()
                .to_string();
            assert!(e.contains(field) && e.starts_with("h.asc: line "), "{e}");
        }
    }

    #[test]
    fn bad_number_names_line() {
        let text = "ncols 2\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 x\n";
        let e = parse_ascii_grid(text, Path::new("b.asc"), Crs::UnknownMetres)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 6"), "{e}");
    }
}
