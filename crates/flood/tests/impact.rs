//! Flood impact on a hand-made flood around Rŭshon (Tajikistan, GeoNames population 4,031):
//! a settlement is exposed over the part of its footprint that floods, people outside
//! settlements (the residual grid) are counted, and the early-bound arrival sets the lead time.

use forewarn_core::grid::{Crs, Grid, GridSpec};
use forewarn_flood::impact::{People, impact};
use forewarn_flood::{FloodRun, InputFormat, OUTPUT_NODATA};

const RUSHON: (f64, f64) = (71.55745, 37.94487);
const CELL_DEG: f64 = 30.0 / 3600.0;

fn spec() -> GridSpec {
    // 41 x 41 cells of 30" centred on Rushon's cell.
    let (c, r) = (
        ((RUSHON.0 - 71.0) / CELL_DEG).floor(),
        ((38.5 - RUSHON.1) / CELL_DEG).floor(),
    );
    GridSpec {
        x_min: 71.0 + (c - 20.0) * CELL_DEG,
        y_max: 38.5 - (r - 20.0) * CELL_DEG,
        dx: CELL_DEG,
        dy: CELL_DEG,
        ncols: 41,
        nrows: 41,
        crs: Crs::Epsg4326,
    }
}

/// A flood one cell wide running west to east through Rushon's cell (row 20): depth 3 m, speed
/// 1 m/s, arriving at 3600 s + 600 s per cell from the west edge.
fn run() -> FloodRun {
    let s = spec();
    let n = s.len();
    let mut depth = vec![0.0f32; n];
    let mut speed = vec![0.0f32; n];
    let mut arrival = vec![OUTPUT_NODATA; n];
    for c in 0..s.ncols {
        let i = 20 * s.ncols + c;
        depth[i] = 3.0;
        speed[i] = 1.0;
        arrival[i] = 3600.0 + 600.0 * c as f32;
    }
    let g = |data: Vec<f32>| Grid {
        spec: s,
        data,
        nodata: Some(OUTPUT_NODATA as f64),
    };
    let (dx_m, dy_m) = forewarn_flood::run::cell_size_m(&s);
    FloodRun {
        scenario_name: "hand-made".into(),
        format: InputFormat::Toml,
        spec: s,
        dx_m,
        dy_m,
        max_depth_m: g(depth.clone()),
        max_speed_ms: g(speed),
        arrival_time_s: g(arrival),
        duration_s: g(vec![0.0; n]),
        final_depth_m: g(depth),
        snapshots: vec![],
        gauges: vec![],
        mass_balance: vec![],
        initial_volume_m3: 0.0,
        breaches: vec![],
        steps: 0,
        cell_updates: 0,
        wall_time_s: 0.0,
        end_time_s: 86400.0,
        warnings: vec![],
    }
}

#[test]
fn a_settlement_is_exposed_over_the_part_that_floods() {
    let region = forewarn_embedded::region().unwrap();
    let r = run();
    let imp = impact(&r, &region, People::Settlements);
    let s = imp
        .settlements
        .iter()
        .find(|s| s.name == "Rŭshon")
        .expect("Rushon listed");
    assert_eq!(s.population, 4031);
    // The point's cell is 3 m deep, but the footprint (a disc of 2.7 km2, radius 925 m) spreads
    // over the cells north and south of the one-cell flood, which stay dry.
    assert_eq!(s.depth_at_point_m, 3.0);
    assert!(
        s.share_flooded > 0.1 && s.share_flooded < 0.8,
        "{}",
        s.share_flooded
    );
    assert!((s.affected - 4031.0 * s.share_flooded).abs() < 1e-6);
    assert!(s.affected < 4031.0);
    // Without snapshots the rise rate is unknown and taken as rapid: Jonkman's rapidly-rising
    // lethality at 3 m, Phi((ln 3 - 1.46) / 0.28) = 0.098.
    assert!(
        (s.life_loss.lethality - 0.0983).abs() < 1e-3,
        "{}",
        s.life_loss.lethality
    );
    assert!(
        (s.life_loss.numbers.without_warning - s.affected * s.life_loss.lethality).abs() < 1e-6
    );
    assert!(imp.affected_outside_settlements == 0.0);
}

#[test]
fn people_outside_settlements_are_counted() {
    let region = forewarn_embedded::region().unwrap();
    let r = run();
    let s = spec();
    // A residual grid of 0.05 deg cells (6 x 6 flood cells each) with 360 people in the cell
    // holding the flood's row 20, columns 0-5: one row of six of its 36 flood cells floods.
    let res_spec = GridSpec {
        x_min: s.x_min,
        y_max: s.y_max - 18.0 * CELL_DEG,
        dx: 0.05,
        dy: 0.05,
        ncols: 1,
        nrows: 1,
        crs: Crs::Epsg4326,
    };
    let residual = Grid {
        spec: res_spec,
        data: vec![360.0f32],
        nodata: None,
    };
    let nobody = vec![0.0; region.settlements.len()];
    let imp = impact(
        &r,
        &region,
        People::Proxy {
            settlement_people: &nobody,
            residual: &residual,
        },
    );
    // 6 of the 36 flood cells under the residual cell flood: 60 people.
    assert!(
        (imp.affected_outside_settlements - 60.0).abs() < 1e-6,
        "{}",
        imp.affected_outside_settlements
    );
    assert!((imp.affected - 60.0).abs() < 1e-6);
    let tj = imp.countries.iter().find(|c| c.iso2 == "TJ").expect("TJ");
    assert!(tj.damage_usd > 0.0);
    // The same flood without the residual grid finds nobody (the settlement has no people here).
    let none = impact(
        &r,
        &region,
        People::Proxy {
            settlement_people: &nobody,
            residual: &Grid {
                spec: res_spec,
                data: vec![0.0],
                nodata: None,
            },
        },
    );
    assert_eq!(none.affected, 0.0);
}

#[test]
fn the_lead_time_comes_from_the_early_bound() {
    let region = forewarn_embedded::region().unwrap();
    let r = run();
    let imp = impact(&r, &region, People::Settlements);
    let s = imp.settlements.iter().find(|s| s.name == "Rŭshon").unwrap();
    let (early, model) = (s.arrival_early_s.unwrap(), s.arrival_time_s.unwrap());
    // Modelled: 3600 + 600 x 20 s at the point's column (or a column earlier on the footprint).
    assert!(model <= 3600.0 + 600.0 * 20.0);
    // Early bound: 5/3 x 1 m/s over ~710 m cells, 426 s per cell instead of 600 s.
    assert!(early < model, "{early} {model}");
    let per_cell = r.dx_m / (5.0 / 3.0);
    let col = ((model - 3600.0) / 600.0).round();
    assert!((early - (3600.0 + per_cell * col)).abs() < 1.0, "{early}");
    // The run's lead time is the earliest early-bound arrival among the places with people.
    let first = imp
        .settlements
        .iter()
        .filter(|s| s.affected > 0.0)
        .filter_map(|s| s.arrival_early_s)
        .fold(f64::INFINITY, f64::min);
    let lead = imp.life_loss.lead_time_h.unwrap();
    assert!((lead - first / 3600.0).abs() < 1e-6);
    assert!(lead <= early / 3600.0);
    assert_eq!(s.life_loss.lead_time_h, Some(early / 3600.0));
    let modelled = imp.life_loss.lead_time_modelled_arrival_h.unwrap();
    assert!(modelled > lead);
}
