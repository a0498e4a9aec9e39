//! Lake-outburst (dam-breach) outflow hydrographs from empirical breach relations.
//!
//! Relations used (SI units, g = 9.81 m/s2):
//! - Peak outflow, Froehlich (1995), "Peak outflow from breached embankment dam",
//!   J. Water Resour. Plann. Manage. 121(1):90-97:  Qp = 0.607 Vw^0.295 hw^1.24
//!   (Vw: volume above the breach invert, m3; hw: water depth above the breach invert, m).
//! - Breach formation time and mean width, Froehlich (2008), "Embankment dam breach parameters and
//!   their uncertainties", J. Hydraul. Eng. 134(12):1708-1721:
//!   tf = 63.2 sqrt(Vw / (g hb^2)) s;  B_avg = 0.27 k0 Vw^0.32 hb^0.04 m,
//!   k0 = 1.3 for overtopping, 1.0 for other failure modes (piping).
//!
//! Hydrograph shape (documented choice, not from those papers): the outflow rises linearly from 0
//! to Qp over tf, then recedes exponentially, Q = Qp exp(-(t - tf)/k), with k chosen so that the
//! total released volume equals Vw; it is cut when Q falls below 1 % of Qp and the tail volume is
//! folded into k so the total stays Vw. When Qp tf / 2 already exceeds Vw the hydrograph is a
//! triangle of volume Vw with peak Qp at tf' = Vw / Qp.

use crate::error::FloodError;
use crate::series::TimeSeries;
use serde::Serialize;

const G: f64 = 9.81;

/// How the dam fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FailureMode {
    Overtopping,
    Piping,
}

/// Inputs of a breach.
#[derive(Debug, Clone, Serialize)]
pub struct BreachParams {
    pub name: String,
    /// Where the outflow enters the model (just downstream of the dam).
    pub x: f64,
    pub y: f64,
    /// Volume of lake water above the breach invert (released volume), m3.
    pub lake_volume_m3: f64,
    /// Height of the dam crest above the downstream toe, m (reported; bounds the breach height).
    pub dam_height_m: f64,
    /// Height of the breach (crest to invert), m: a partial breach has breach_height < dam_height.
    pub breach_height_m: f64,
    /// Water depth above the breach invert at failure, m (defaults to the breach height).
    pub water_depth_m: f64,
    pub mode: FailureMode,
    /// Time of breach start, s after the simulation start.
    pub start_s: f64,
}

/// Breach figures and the outflow hydrograph.
#[derive(Debug, Clone, Serialize)]
pub struct BreachHydrograph {
    pub params: BreachParams,
    pub peak_discharge_m3s: f64,
    pub formation_time_s: f64,
    pub mean_breach_width_m: f64,
    pub released_volume_m3: f64,
    pub discharge_m3s: TimeSeries,
}

/// Froehlich (1995) peak outflow in m3/s.
pub fn froehlich_peak_m3s(volume_m3: f64, water_depth_m: f64) -> f64 {
    0.607 * volume_m3.powf(0.295) * water_depth_m.powf(1.24)
}

/// Froehlich (2008) breach formation time in s.
pub fn froehlich_formation_time_s(volume_m3: f64, breach_height_m: f64) -> f64 {
    63.2 * (volume_m3 / (G * breach_height_m * breach_height_m)).sqrt()
}

/// Froehlich (2008) mean breach width in m.
pub fn froehlich_mean_width_m(volume_m3: f64, breach_height_m: f64, mode: FailureMode) -> f64 {
    let k0 = match mode {
        FailureMode::Overtopping => 1.3,
        FailureMode::Piping => 1.0,
    };
    0.27 * k0 * volume_m3.powf(0.32) * breach_height_m.powf(0.04)
}

impl BreachHydrograph {
    /// Compute the breach figures and hydrograph; `file` names the source in errors.
    pub fn new(params: BreachParams, file: &str) -> Result<Self, FloodError> {
        let field = |f: &str| format!("breaches.{}.{f}", params.name);
        let positive = |v: f64, f: &str| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(FloodError::input(
                    file,
                    field(f),
                    format!("must be positive, got {v}"),
                ))
            }
        };
        positive(params.lake_volume_m3, "lake_volume_m3")?;
        positive(params.dam_height_m, "dam_height_m")?;
        positive(params.breach_height_m, "breach_height_m")?;
        positive(params.water_depth_m, "water_depth_m")?;
        if params.breach_height_m > params.dam_height_m {
            return Err(FloodError::input(
                file,
                field("breach_height_m"),
                format!(
                    "breach height {} m exceeds the dam height {} m",
                    params.breach_height_m, params.dam_height_m
                ),
            ));
        }
        if !(params.start_s.is_finite() && params.start_s >= 0.0) {
            return Err(FloodError::input(file, field("start_s"), "must be >= 0"));
        }
        let v = params.lake_volume_m3;
        let qp = froehlich_peak_m3s(v, params.water_depth_m);
        let tf = froehlich_formation_time_s(v, params.breach_height_m);
        let width = froehlich_mean_width_m(v, params.breach_height_m, params.mode);
        let t0 = params.start_s;
        let rise_volume = 0.5 * qp * tf;
        let (times, values) = if rise_volume >= v {
            let tp = v / qp;
            (vec![t0, t0 + tp, t0 + 2.0 * tp], vec![0.0, qp, 0.0])
        } else {
            // Exponential recession Q = Qp exp(-s/k) for s in [0, k ln 100], then a linear drop to
            // zero over one sample; the recession constant is set so the volume sums to Vw.
            let cut = 0.01f64;
            let tail = v - rise_volume;
            // Volume of the truncated exponential plus the final linear ramp of length dt_end:
            // Qp k (1 - cut) + 0.5 cut Qp dt_end, with dt_end = k ln(100) / 48.
            let n = 48usize;
            let span = (1.0 / cut).ln();
            let k = tail / (qp * ((1.0 - cut) + 0.5 * cut * span / n as f64));
            let mut times = vec![t0, t0 + tf];
            let mut values = vec![0.0, qp];
            let ds = k * span / n as f64;
            // Integrate the exponential exactly: sample it, then the piecewise-linear integral
            // differs slightly; correct by rescaling the samples after the peak.
            for i in 1..=n {
                let s = i as f64 * ds;
                times.push(t0 + tf + s);
                values.push(qp * (-s / k).exp());
            }
            times.push(t0 + tf + (n + 1) as f64 * ds);
            values.push(0.0);
            let series =
                TimeSeries::new(times.clone(), values.clone(), file, &field("hydrograph"))?;
            let tail_pl = series.integral(t0 + tf, t0 + tf + (n + 1) as f64 * ds);
            // Keep the peak; scale only the recession samples (index >= 2) to match the tail
            // volume. The segment peak->first sample is shared, so solve for the factor exactly.
            let first = 0.5 * qp * ds; // peak half of the first trapezoid
            let rest = tail_pl - first;
            let scale = (tail - first) / rest;
            for val in values.iter_mut().skip(2) {
                *val *= scale;
            }
            (times, values)
        };
        let discharge = TimeSeries::new(times, values, file, &field("hydrograph"))?;
        let released = discharge.integral(t0, discharge.times_s[discharge.times_s.len() - 1]);
        Ok(BreachHydrograph {
            params,
            peak_discharge_m3s: qp,
            formation_time_s: tf,
            mean_breach_width_m: width,
            released_volume_m3: released,
            discharge_m3s: discharge,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(v: f64, h: f64) -> BreachParams {
        BreachParams {
            name: "t".into(),
            x: 0.0,
            y: 0.0,
            lake_volume_m3: v,
            dam_height_m: 2.0 * h,
            breach_height_m: h,
            water_depth_m: h,
            mode: FailureMode::Overtopping,
            start_s: 100.0,
        }
    }

    #[test]
    fn froehlich_values() {
        // Qp = 0.607 * 1e7^0.295 * 10^1.24 = 0.607 * 116.41 * 17.378 = 1228 m3/s
        let qp = froehlich_peak_m3s(1e7, 10.0);
        assert!((qp - 1228.0).abs() < 3.0, "{qp}");
        // tf = 63.2 * sqrt(1e7 / (9.81 * 100)) = 63.2 * 100.96 = 6381 s
        let tf = froehlich_formation_time_s(1e7, 10.0);
        assert!((tf - 6381.0).abs() < 2.0, "{tf}");
    }

    #[test]
    fn hydrograph_releases_the_lake_volume() {
        for v in [1e5, 1e7, 4e9] {
            let b = BreachHydrograph::new(params(v, 40.0), "s.toml").unwrap();
            let rel = (b.released_volume_m3 - v).abs() / v;
            assert!(rel < 1e-9, "volume {v}: released {}", b.released_volume_m3);
            assert!((b.discharge_m3s.max_value() - b.peak_discharge_m3s).abs() < 1e-6);
            assert_eq!(b.discharge_m3s.value_at(50.0), 0.0);
        }
    }

    #[test]
    fn rejects_breach_higher_than_dam() {
        let mut p = params(1e6, 10.0);
        p.dam_height_m = 5.0;
        let e = BreachHydrograph::new(p, "s.toml").unwrap_err().to_string();
        assert!(e.contains("breach_height_m"), "{e}");
    }
}
