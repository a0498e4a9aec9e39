//! Run a TOML scenario or a LISFLOOD-FP .par file and print a summary:
//! `cargo run --release -p forewarn-flood --example run_scenario -- scenarios/sarez-outburst.toml [out_dir]`.
//! Set `FLOOD_FRICTION_1D=1` to use the one-dimensional friction term (for the EA test 5
//! comparison in docs/flood.md).
//! The embedded terrain is loaded from the repository's data/ directory.

use forewarn_core::Region;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: run_scenario <scenario.toml> [out_dir]")?;
    let out = args.next();
    let region = Region::load_dir(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data"
    )))?;
    let mut sc = if path.ends_with(".par") {
        forewarn_flood::lisflood::read_par(Path::new(&path))?
    } else {
        forewarn_flood::Scenario::from_toml_path(Path::new(&path), Some(&region))?
    };
    if std::env::var("FLOOD_FRICTION_1D").is_ok() {
        sc.sim.friction_2d = false;
    }
    for w in &sc.warnings {
        eprintln!("warning: {w}");
    }
    for b in &sc.breaches {
        println!(
            "breach {}: peak {:.0} m3/s, formation {:.1} h, mean width {:.0} m, volume {:.3e} m3",
            b.params.name,
            b.peak_discharge_m3s,
            b.formation_time_s / 3600.0,
            b.mean_breach_width_m,
            b.released_volume_m3
        );
    }
    let r = forewarn_flood::run(&sc, &forewarn_flood::RunOptions::default())?;
    println!(
        "{} steps, {:.1} s wall, {:.2e} cell updates, volume error {:.2e} %",
        r.steps,
        r.wall_time_s,
        r.cell_updates as f64,
        r.volume_error_pct()
    );
    let wet = r.max_depth_m.data.iter().filter(|&&h| h >= 0.1).count();
    let hmax = r.max_depth_m.data.iter().copied().fold(0.0f32, f32::max);
    let last = r.mass_balance.last().ok_or("no mass balance")?;
    println!(
        "{wet} cells reached 0.1 m, deepest {hmax:.1} m; inflow {:.3e} m3, outflow {:.3e} m3, stored {:.3e} m3",
        last.inflow_m3, last.outflow_m3, last.stored_m3
    );
    if std::env::var("FLOOD_MAP").is_ok() {
        let g = &r.max_depth_m;
        for row in (0..g.spec.nrows).step_by(3) {
            let line: String = (0..g.spec.ncols)
                .step_by(2)
                .map(|c| {
                    let h = g.get(c, row);
                    if h >= 10.0 {
                        '#'
                    } else if h >= 1.0 {
                        '+'
                    } else if h >= 0.1 {
                        '.'
                    } else {
                        ' '
                    }
                })
                .collect();
            println!("|{line}|");
        }
    }
    if r.spec.crs.is_geographic() {
        let imp = forewarn_flood::impact(&r, &region, forewarn_flood::People::Settlements);
        println!("{}", serde_json::to_string_pretty(&imp)?);
    }
    for g in &r.gauges {
        let (k, h) = g
            .depth_m
            .iter()
            .enumerate()
            .fold((0, 0.0f64), |a, (k, &h)| if h > a.1 { (k, h) } else { a });
        println!(
            "gauge {}: max depth {h:.2} m at {:.1} h",
            g.name,
            g.times_s[k] / 3600.0
        );
    }
    if let Some(dir) = out {
        let w = r.write_outputs(Path::new(&dir), &Default::default())?;
        println!("wrote {} files to {dir}", w.len());
    }
    Ok(())
}
