//! The exercise clock: scenario time from wall time at real speed or xN, with pause, resume,
//! speed changes and jumps. Scenario time is in milliseconds after the scenario start; wall
//! time in milliseconds since the Unix epoch.
//!
//! `Speed::Max` has no wall-time relation: the driver advances scenario time itself
//! (headless runs) and wall time is simulated (see [`WallSource`]).

use crate::error::ExerciseError;
use serde::Serialize;

/// Clock speed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Speed {
    /// One scenario second per wall second.
    Real,
    /// N scenario seconds per wall second.
    Times(f64),
    /// As fast as the machine goes (headless only).
    Max,
}

impl Speed {
    /// Parses "real", "max", "x60", "60".
    pub fn parse(s: &str) -> Result<Speed, String> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "real" | "x1" | "1" => Ok(Speed::Real),
            "max" => Ok(Speed::Max),
            _ => {
                let n: f64 = t.trim_start_matches('x').parse().map_err(|_| {
                    format!("'{s}' is not a speed (use real, max or xN such as x60)")
                })?;
                if n.is_finite() && n > 0.0 {
                    Ok(if n == 1.0 {
                        Speed::Real
                    } else {
                        Speed::Times(n)
                    })
                } else {
                    Err(format!("'{s}': the speed factor must be positive"))
                }
            }
        }
    }

    /// Scenario seconds per wall second (None for max).
    pub fn factor(self) -> Option<f64> {
        match self {
            Speed::Real => Some(1.0),
            Speed::Times(n) => Some(n),
            Speed::Max => None,
        }
    }

    pub fn label(self) -> String {
        match self {
            Speed::Real => "real".into(),
            Speed::Times(n) => format!("x{n}"),
            Speed::Max => "max".into(),
        }
    }
}

/// The clock: a linear map from wall time to scenario time, re-anchored at every control.
#[derive(Debug, Clone, Serialize)]
pub struct Clock {
    speed: Speed,
    paused: bool,
    anchor_wall_ms: i64,
    anchor_scenario_ms: i64,
}

impl Clock {
    /// A running clock at scenario time 0 at `wall_ms`.
    pub fn new(speed: Speed, wall_ms: i64) -> Clock {
        Clock {
            speed,
            paused: false,
            anchor_wall_ms: wall_ms,
            anchor_scenario_ms: 0,
        }
    }

    pub fn speed(&self) -> Speed {
        self.speed
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Scenario time (ms) at `wall_ms`. With `Speed::Max` the clock stays at its anchor (the
    /// driver moves it with [`Clock::jump`]).
    pub fn scenario_ms(&self, wall_ms: i64) -> i64 {
        match (self.paused, self.speed.factor()) {
            (false, Some(f)) => {
                self.anchor_scenario_ms
                    + ((wall_ms - self.anchor_wall_ms) as f64 * f).round() as i64
            }
            _ => self.anchor_scenario_ms,
        }
    }

    /// The wall time at which the running clock reaches `scenario_ms` (None when paused, at max
    /// speed, or when that time is already past).
    pub fn wall_ms_at(&self, scenario_ms: i64) -> Option<i64> {
        let f = self.speed.factor()?;
        if self.paused || scenario_ms < self.anchor_scenario_ms {
            return None;
        }
        Some(
            self.anchor_wall_ms
                + ((scenario_ms - self.anchor_scenario_ms) as f64 / f).round() as i64,
        )
    }

    fn reanchor(&mut self, wall_ms: i64) {
        self.anchor_scenario_ms = self.scenario_ms(wall_ms);
        self.anchor_wall_ms = wall_ms;
    }

    /// Stops scenario time. Pausing a paused clock is an error.
    pub fn pause(&mut self, wall_ms: i64) -> Result<(), ExerciseError> {
        if self.paused {
            return Err(ExerciseError::Clock("already paused".into()));
        }
        self.reanchor(wall_ms);
        self.paused = true;
        Ok(())
    }

    /// Restarts scenario time from where it stopped.
    pub fn resume(&mut self, wall_ms: i64) -> Result<(), ExerciseError> {
        if !self.paused {
            return Err(ExerciseError::Clock("not paused".into()));
        }
        self.anchor_wall_ms = wall_ms;
        self.paused = false;
        Ok(())
    }

    /// Changes speed without a jump in scenario time.
    pub fn set_speed(&mut self, speed: Speed, wall_ms: i64) {
        self.reanchor(wall_ms);
        self.speed = speed;
    }

    /// Moves scenario time forward to `scenario_ms` (backward jumps are errors: what happened
    /// stays in the journal).
    pub fn jump(&mut self, scenario_ms: i64, wall_ms: i64) -> Result<(), ExerciseError> {
        let now = self.scenario_ms(wall_ms);
        if scenario_ms < now {
            return Err(ExerciseError::Clock(format!(
                "cannot jump back from {now} ms to {scenario_ms} ms"
            )));
        }
        self.anchor_scenario_ms = scenario_ms;
        self.anchor_wall_ms = wall_ms;
        Ok(())
    }
}

/// Where records get their wall time.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WallSource {
    /// Driven by the caller (live runs): the last wall time passed in.
    External { now_ms: i64 },
    /// Headless runs: wall time follows the clock at numeric speeds, and advances one
    /// millisecond per record at max speed, so that journals are byte-identical.
    Simulated { now_ms: i64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_parse() {
        assert_eq!(Speed::parse("x60"), Ok(Speed::Times(60.0)));
        assert_eq!(Speed::parse("real"), Ok(Speed::Real));
        assert_eq!(Speed::parse("max"), Ok(Speed::Max));
        assert_eq!(Speed::parse("12"), Ok(Speed::Times(12.0)));
        assert!(Speed::parse("x0").is_err());
        assert!(Speed::parse("fast").is_err());
    }

    #[test]
    fn pause_resume_jump_and_speed() {
        let mut c = Clock::new(Speed::Times(60.0), 1_000);
        assert_eq!(c.scenario_ms(2_000), 60_000);
        c.pause(2_000).unwrap();
        assert!(c.pause(2_500).is_err());
        assert_eq!(c.scenario_ms(10_000), 60_000, "paused clock does not move");
        assert_eq!(c.wall_ms_at(120_000), None);
        c.resume(10_000).unwrap();
        assert!(c.resume(10_001).is_err());
        assert_eq!(c.scenario_ms(11_000), 120_000);
        assert_eq!(c.wall_ms_at(180_000), Some(12_000));
        c.jump(3_600_000, 11_000).unwrap();
        assert_eq!(c.scenario_ms(11_000), 3_600_000);
        assert_eq!(c.scenario_ms(12_000), 3_660_000);
        assert!(c.jump(0, 12_000).is_err(), "no backward jumps");
        c.set_speed(Speed::Real, 12_000);
        assert_eq!(c.scenario_ms(13_000), 3_661_000);
        c.set_speed(Speed::Max, 13_000);
        assert_eq!(c.scenario_ms(99_000), 3_661_000);
        assert_eq!(c.wall_ms_at(4_000_000), None);
    }
}
