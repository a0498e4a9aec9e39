//! The life of a live exercise: its states ([`ExerciseStatus`]), the operations that change
//! them ([`ExerciseOp`]: the director's clock control, the clock running out, a restart of
//! the server), and every allowed transition in one table, [`ExerciseStatus::after`].

use crate::error::ApiError;
use serde::{Deserialize, Serialize};

/// The state of a live exercise record (stored and sent in lowercase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExerciseStatus {
    /// Created, clock not started.
    Planned,
    Running,
    Paused,
    /// Ended by the director or by its clock running out; metrics and report are stored.
    Ended,
    /// Left planned, running or paused by a node that stopped, and could not be rebuilt from
    /// the journal (replay.rs).
    Interrupted,
}

/// What changes an exercise's state: the director's clock operations (`start`, `pause`,
/// `resume`, `speed`, `jump`, `end` in `POST /api/exercises/{id}/control`), and the
/// server's own [`ExerciseOp::Interrupt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExerciseOp {
    Start,
    Pause,
    Resume,
    /// Change the clock speed.
    Speed,
    /// Jump forward in scenario time.
    Jump,
    /// End now (the director), or the clock ran out (the ticker).
    End,
    /// A restarted server found the exercise not ended (never sent by a client).
    Interrupt,
}

impl ExerciseStatus {
    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ExerciseStatus::Planned => "planned",
            ExerciseStatus::Running => "running",
            ExerciseStatus::Paused => "paused",
            ExerciseStatus::Ended => "ended",
            ExerciseStatus::Interrupted => "interrupted",
        }
    }

    /// Whether the exercise's clock exists and has not ended: players act and the director
    /// controls the clock.
    pub fn is_live(self) -> bool {
        matches!(self, ExerciseStatus::Running | ExerciseStatus::Paused)
    }

    /// The state after `op`; 409 ("cannot pause an exercise that is planned") when `op` is
    /// not allowed in this state. Pausing a paused or resuming a running exercise passes
    /// here and is refused by the exercise's clock ("clock: already paused").
    pub fn after(self, op: ExerciseOp) -> Result<ExerciseStatus, ApiError> {
        use ExerciseOp as O;
        use ExerciseStatus as S;
        match (self, op) {
            (S::Planned, O::Start) => Ok(S::Running),
            (S::Running | S::Paused, O::Pause) => Ok(S::Paused),
            (S::Running | S::Paused, O::Resume) => Ok(S::Running),
            (s @ (S::Running | S::Paused), O::Speed | O::Jump) => Ok(s),
            (S::Running | S::Paused, O::End) => Ok(S::Ended),
            (S::Planned | S::Running | S::Paused, O::Interrupt) => Ok(S::Interrupted),
            _ => Err(bad_exercise_op(self, op)),
        }
    }
}

/// 409 for `op` on an exercise in state `status`.
fn bad_exercise_op(status: ExerciseStatus, op: ExerciseOp) -> ApiError {
    ApiError::conflict(format!(
        "cannot {} an exercise that is {}",
        op.as_str(),
        status.as_str()
    ))
}

impl std::fmt::Display for ExerciseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ExerciseOp {
    /// The clock operations a director may send, in the order the error message lists them.
    pub const CONTROL: [ExerciseOp; 6] = [
        ExerciseOp::Start,
        ExerciseOp::Pause,
        ExerciseOp::Resume,
        ExerciseOp::Speed,
        ExerciseOp::Jump,
        ExerciseOp::End,
    ];

    /// The spelling in the control request's `op` field.
    pub fn as_str(self) -> &'static str {
        match self {
            ExerciseOp::Start => "start",
            ExerciseOp::Pause => "pause",
            ExerciseOp::Resume => "resume",
            ExerciseOp::Speed => "speed",
            ExerciseOp::Jump => "jump",
            ExerciseOp::End => "end",
            ExerciseOp::Interrupt => "interrupt",
        }
    }

    /// The clock operation named `op` in a control request; 422 naming the field otherwise.
    pub fn parse_control(op: &str) -> Result<ExerciseOp, ApiError> {
        ExerciseOp::CONTROL
            .into_iter()
            .find(|o| o.as_str() == op)
            .ok_or_else(|| {
                ApiError::invalid(
                    format!("unknown op '{op}' (start, pause, resume, speed, jump, end)"),
                    "op",
                )
            })
    }

    /// The journal entry kind of the exercise record's change.
    pub fn journal_kind(self) -> &'static str {
        match self {
            ExerciseOp::Start => "exercise.started",
            ExerciseOp::Pause => "exercise.paused",
            ExerciseOp::Resume => "exercise.resumed",
            ExerciseOp::Speed => "exercise.speed",
            ExerciseOp::Jump => "exercise.jumped",
            ExerciseOp::End => "exercise.ended",
            ExerciseOp::Interrupt => "exercise.interrupted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [ExerciseStatus; 5] = [
        ExerciseStatus::Planned,
        ExerciseStatus::Running,
        ExerciseStatus::Paused,
        ExerciseStatus::Ended,
        ExerciseStatus::Interrupted,
    ];

    #[test]
    fn wire_spelling_is_lowercase() {
        for s in ALL {
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
            let back: ExerciseStatus =
                serde_json::from_value(serde_json::json!(s.as_str())).unwrap();
            assert_eq!(back, s);
        }
        for o in ExerciseOp::CONTROL {
            assert_eq!(ExerciseOp::parse_control(o.as_str()).unwrap(), o);
        }
        let e = ExerciseOp::parse_control("interrupt").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("op"));
    }

    #[test]
    fn only_a_planned_exercise_starts_and_nothing_leaves_the_end() {
        use ExerciseOp as O;
        use ExerciseStatus as S;
        assert_eq!(S::Planned.after(O::Start).unwrap(), S::Running);
        for s in [S::Running, S::Paused, S::Ended, S::Interrupted] {
            assert!(s.after(O::Start).is_err(), "{s} started");
        }
        for o in ExerciseOp::CONTROL.into_iter().chain([O::Interrupt]) {
            for s in [S::Ended, S::Interrupted] {
                assert!(s.after(o).is_err(), "{o:?} left {s}");
            }
        }
        for o in [O::Pause, O::Resume, O::Speed, O::Jump, O::End] {
            let e = S::Planned.after(o).unwrap_err();
            assert_eq!(
                e.error,
                format!("cannot {} an exercise that is planned", o.as_str())
            );
        }
        assert_eq!(S::Running.after(O::Pause).unwrap(), S::Paused);
        assert_eq!(S::Paused.after(O::Resume).unwrap(), S::Running);
        assert_eq!(S::Paused.after(O::Jump).unwrap(), S::Paused);
        assert_eq!(S::Paused.after(O::End).unwrap(), S::Ended);
        assert_eq!(S::Planned.after(O::Interrupt).unwrap(), S::Interrupted);
    }
}
