//! Driving the exercise's clock: wall time in (live) or simulated (headless), pause, resume,
//! speed and jumps, each journaled as a clock record.

use super::Exercise;
use crate::clock::{Speed, WallSource};
use crate::error::ExerciseError;
use crate::journal::Body;
use crate::time;

impl Exercise {
    /// The wall time of the next journal record (a simulated wall clock moves 1 ms a record,
    /// so records keep their order).
    pub(super) fn wall_now(&mut self) -> i64 {
        match &mut self.wall {
            WallSource::External { now_ms } => *now_ms,
            WallSource::Simulated { now_ms } => {
                let w = *now_ms;
                *now_ms += 1;
                w
            }
        }
    }

    /// Live driving: advance to the clock's scenario time at `wall_ms`.
    pub fn tick(&mut self, wall_ms: i64) {
        self.set_wall(wall_ms);
        let t = self.clock.scenario_ms(wall_ms).div_euclid(1000);
        self.step_until(t);
    }

    fn set_wall(&mut self, wall_ms: i64) {
        if let WallSource::External { now_ms } = &mut self.wall {
            *now_ms = wall_ms;
        }
    }

    fn wall_for_clock(&self) -> i64 {
        match &self.wall {
            WallSource::External { now_ms } | WallSource::Simulated { now_ms } => *now_ms,
        }
    }

    /// Pauses the clock.
    pub fn pause(&mut self, wall_ms: Option<i64>) -> Result<(), ExerciseError> {
        if let Some(w) = wall_ms {
            self.tick(w);
        }
        let w = self.wall_for_clock();
        self.clock.pause(w)?;
        let speed = self.clock.speed().label();
        self.record(Body::Clock {
            op: "pause".into(),
            speed,
        });
        Ok(())
    }

    /// Resumes the clock.
    pub fn resume(&mut self, wall_ms: Option<i64>) -> Result<(), ExerciseError> {
        if let Some(w) = wall_ms {
            self.set_wall(w);
        }
        let w = self.wall_for_clock();
        self.clock.resume(w)?;
        let speed = self.clock.speed().label();
        self.record(Body::Clock {
            op: "resume".into(),
            speed,
        });
        Ok(())
    }

    /// Changes the clock speed.
    pub fn set_speed(&mut self, speed: Speed, wall_ms: Option<i64>) {
        if let Some(w) = wall_ms {
            self.tick(w);
        }
        let w = self.wall_for_clock();
        self.clock.set_speed(speed, w);
        self.record(Body::Clock {
            op: "speed".into(),
            speed: speed.label(),
        });
    }

    /// Jumps forward to scenario time `t_s`, processing everything on the way.
    pub fn jump_to(&mut self, t_s: i64, wall_ms: Option<i64>) -> Result<(), ExerciseError> {
        if let Some(w) = wall_ms {
            self.tick(w);
        }
        if t_s < self.now_s {
            return Err(ExerciseError::Clock(format!(
                "cannot jump back from {} to {}",
                time::label(self.now_s),
                time::label(t_s)
            )));
        }
        let w = self.wall_for_clock();
        self.clock.jump(t_s * 1000, w)?;
        self.record(Body::Clock {
            op: format!("jump to {}", time::label(t_s)),
            speed: self.clock.speed().label(),
        });
        self.step_until(t_s);
        Ok(())
    }
}
