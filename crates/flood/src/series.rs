//! Time series (hydrographs, levels, rainfall rates): piecewise linear in time.

use crate::error::FloodError;
use serde::Serialize;

/// A piecewise-linear time series. Before the first and after the last time it holds the end
/// values. Times are in seconds from the start of the simulation and strictly increasing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeSeries {
    pub times_s: Vec<f64>,
    pub values: Vec<f64>,
}

impl TimeSeries {
    /// A series that is `value` at all times.
    pub fn constant(value: f64) -> Self {
        TimeSeries {
            times_s: vec![0.0],
            values: vec![value],
        }
    }

    /// Build and check a series. `file` and `field` name the source in errors: the series must be
    /// non-empty, of equal lengths, finite, and strictly increasing in time.
    pub fn new(
        times_s: Vec<f64>,
        values: Vec<f64>,
        file: &str,
        field: &str,
    ) -> Result<Self, FloodError> {
        if times_s.is_empty() {
            return Err(FloodError::input(file, field, "the time series is empty"));
        }
        if times_s.len() != values.len() {
            return Err(FloodError::input(
                file,
                field,
                format!("{} times but {} values", times_s.len(), values.len()),
            ));
        }
        if let Some(i) = times_s
            .iter()
            .chain(values.iter())
            .position(|v| !v.is_finite())
        {
            return Err(FloodError::input(
                file,
                field,
                format!("entry {} is not a finite number", i % times_s.len() + 1),
            ));
        }
        for (i, w) in times_s.windows(2).enumerate() {
            if w[1] <= w[0] {
                return Err(FloodError::input(
                    file,
                    field,
                    format!(
                        "times are not increasing: entry {} ({} s) follows {} s",
                        i + 2,
                        w[1],
                        w[0]
                    ),
                ));
            }
        }
        Ok(TimeSeries { times_s, values })
    }

    /// Value at time `t_s` (linear interpolation, end values held).
    pub fn value_at(&self, t_s: f64) -> f64 {
        let t = &self.times_s;
        let n = t.len();
        if t_s <= t[0] {
            return self.values[0];
        }
        if t_s >= t[n - 1] {
            return self.values[n - 1];
        }
        let i = t.partition_point(|&x| x <= t_s);
        let (t0, t1) = (t[i - 1], t[i]);
        let (v0, v1) = (self.values[i - 1], self.values[i]);
        v0 + (v1 - v0) * (t_s - t0) / (t1 - t0)
    }

    /// Integral of the series from `a_s` to `b_s` (exact for the piecewise-linear series).
    pub fn integral(&self, a_s: f64, b_s: f64) -> f64 {
        if b_s <= a_s {
            return 0.0;
        }
        let mut knots = vec![a_s];
        knots.extend(self.times_s.iter().copied().filter(|&t| t > a_s && t < b_s));
        knots.push(b_s);
        knots
            .windows(2)
            .map(|w| 0.5 * (self.value_at(w[0]) + self.value_at(w[1])) * (w[1] - w[0]))
            .sum()
    }

    /// Multiply every value by `factor`.
    pub fn scaled(mut self, factor: f64) -> Self {
        for v in &mut self.values {
            *v *= factor;
        }
        self
    }

    /// Largest value.
    pub fn max_value(&self) -> f64 {
        self.values
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_and_integrates() {
        let s = TimeSeries::new(vec![0.0, 10.0, 20.0], vec![0.0, 10.0, 0.0], "f", "q").unwrap();
        assert_eq!(s.value_at(5.0), 5.0);
        assert_eq!(s.value_at(-1.0), 0.0);
        assert_eq!(s.value_at(30.0), 0.0);
        assert!((s.integral(0.0, 20.0) - 100.0).abs() < 1e-12);
        assert!((s.integral(5.0, 15.0) - 75.0).abs() < 1e-12);
    }

    #[test]
    fn rejects_non_increasing_times() {
        let e =
            TimeSeries::new(vec![0.0, 10.0, 10.0], vec![1.0; 3], "a.bdy", "inflow").unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("a.bdy") && m.contains("inflow") && m.contains("not increasing"),
            "{m}"
        );
    }
}
