//! No Vs30 step where the embedded terrain ends (its southern edge at 36.32 N): transects
//! across the edge change smoothly.

use forewarn_quake::site::{DEFAULT_VS30_MPS, Vs30Source, vs30_for};

#[test]
fn no_vs30_step_across_36_32_n() {
    let region = forewarn_embedded::region().expect("embedded region");
    let terrain = region.terrain.as_ref().expect("embedded terrain");
    let edge = terrain.spec.y_max - terrain.spec.nrows as f64 * terrain.spec.dy;
    assert!((edge - 36.32).abs() < 0.01, "southern edge {edge}");
    let step = 0.0025; // ~280 m
    let mut worst_step: f64 = 0.0;
    let mut inner_minus_default = Vec::new();
    for lon in [67.0, 68.5, 70.0, 71.0, 72.0, 73.5, 75.0] {
        let v = |lat: f64| vs30_for(None, None, Some(terrain), lon, lat);
        // Across the edge (3 km either side): every step is small.
        let mut last = v(edge - 0.03).0;
        let mut lat = edge - 0.03 + step;
        while lat <= edge + 0.03 {
            let (x, src) = v(lat);
            if lat < edge {
                assert_eq!(src, Vs30Source::Default);
            }
            worst_step = worst_step.max((x - last).abs());
            last = x;
            lat += step;
        }
        // 60 km inside, the slope-based values are back (the blend is only at the edge).
        let deep = (0..40)
            .map(|k| v(edge + 0.6 + k as f64 * 0.01).0)
            .sum::<f64>()
            / 40.0;
        inner_minus_default.push((deep - DEFAULT_VS30_MPS).abs());
    }
    assert!(
        worst_step < 40.0,
        "largest Vs30 step within 3 km of the terrain's edge: {worst_step:.1} m/s"
    );
    // The test can fail: deep inside, Vs30 differs from the default by far more than the
    // tolerated step (mountains: mostly 500-760 m/s), so switching at the edge would show.
    let mean = inner_minus_default.iter().sum::<f64>() / inner_minus_default.len() as f64;
    assert!(mean > 100.0, "mean |Vs30 - default| inside: {mean:.0}");
}
