//! Writing a run's results: GeoTIFF grids (plus ESRI ASCII for LISFLOOD-FP inputs), depth
//! snapshots, gauges.csv and mass_balance.csv.
//!
//! Files written into the output directory:
//! - `max_depth.tif`, `max_speed.tif`, `arrival_time.tif`, `duration.tif`, `final_depth.tif`
//!   (and the same names with `.asc` when the input was LISFLOOD-FP);
//! - `depth_NNNNNNs.tif` for every snapshot (time in whole seconds, zero-padded);
//! - `gauges.csv`: name, x, y, time_s, depth_m, level_m;
//! - `mass_balance.csv`: time_s, inflow_m3, outflow_m3, stored_m3, error_m3, error_pct,
//!   nominal_inflow_m3.

use crate::error::FloodError;
use crate::run::FloodRun;
use crate::scenario::InputFormat;
use forewarn_core::Grid;
use forewarn_core::raster_ascii::write_ascii_grid;
use forewarn_core::raster_tiff::write_geotiff;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Which optional outputs to write.
#[derive(Debug, Clone, Copy)]
pub struct OutputOptions {
    /// Write the depth snapshots.
    pub snapshots: bool,
    /// Also write ESRI ASCII grids (always on for LISFLOOD-FP inputs).
    pub ascii: bool,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            snapshots: true,
            ascii: false,
        }
    }
}

impl FloodRun {
    /// Write the results into `dir` (created if needed). Returns the paths written, in order.
    pub fn write_outputs(
        &self,
        dir: &Path,
        options: &OutputOptions,
    ) -> Result<Vec<PathBuf>, FloodError> {
        std::fs::create_dir_all(dir).map_err(|e| FloodError::io(dir, e))?;
        let ascii = options.ascii || self.format == InputFormat::Lisflood;
        let mut written = Vec::new();
        let grids: [(&str, &Grid<f32>); 5] = [
            ("max_depth", &self.max_depth_m),
            ("max_speed", &self.max_speed_ms),
            ("arrival_time", &self.arrival_time_s),
            ("duration", &self.duration_s),
            ("final_depth", &self.final_depth_m),
        ];
        for (name, g) in grids {
            let p = dir.join(format!("{name}.tif"));
            write_geotiff(&p, g)?;
            written.push(p);
            if ascii {
                let p = dir.join(format!("{name}.asc"));
                write_ascii_grid(&p, g)?;
                written.push(p);
            }
        }
        if options.snapshots {
            for s in &self.snapshots {
                let stem = format!("depth_{:07}s", s.time_s.round() as u64);
                let p = dir.join(format!("{stem}.tif"));
                write_geotiff(&p, &s.depth_m)?;
                written.push(p);
                if ascii {
                    let p = dir.join(format!("{stem}.asc"));
                    write_ascii_grid(&p, &s.depth_m)?;
                    written.push(p);
                }
            }
        }
        let p = dir.join("gauges.csv");
        write_file(&p, |w| {
            writeln!(w, "name,x,y,time_s,depth_m,level_m")?;
            for g in &self.gauges {
                for k in 0..g.times_s.len() {
                    writeln!(
                        w,
                        "{},{},{},{:.3},{:.6},{:.6}",
                        forewarn_core::csv_field(&g.name),
                        g.x,
                        g.y,
                        g.times_s[k],
                        g.depth_m[k],
                        g.level_m[k]
                    )?;
                }
            }
            Ok(())
        })?;
        written.push(p);
        let p = dir.join("mass_balance.csv");
        write_file(&p, |w| {
            writeln!(
                w,
                "time_s,inflow_m3,outflow_m3,stored_m3,error_m3,error_pct,nominal_inflow_m3"
            )?;
            for m in &self.mass_balance {
                let base = (self.initial_volume_m3 + m.inflow_m3).max(1e-9);
                writeln!(
                    w,
                    "{:.3},{:.6},{:.6},{:.6},{:.6e},{:.6e},{:.6}",
                    m.time_s,
                    m.inflow_m3,
                    m.outflow_m3,
                    m.stored_m3,
                    m.error_m3,
                    100.0 * m.error_m3 / base,
                    m.nominal_inflow_m3
                )?;
            }
            Ok(())
        })?;
        written.push(p);
        Ok(written)
    }
}

fn write_file(
    path: &Path,
    f: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), FloodError> {
    let file = std::fs::File::create(path).map_err(|e| FloodError::io(path, e))?;
    let mut w = std::io::BufWriter::new(file);
    f(&mut w)
        .and_then(|_| w.flush())
        .map_err(|e| FloodError::io(path, e))
}
