//! Joint simulation exercises (docs/exercise.md).
//!
//! - [`plan::load`] reads and validates an exercise TOML file ([`def`]); every problem names
//!   the line, column and field.
//! - [`hazards::HazardSet::compute`] runs each hazard engine once (earthquake, aftershock,
//!   flood) and caches people at risk and times of impact.
//! - [`exercise::Exercise`] is the state machine: clock ([`clock`]), MSEL with conditional
//!   injects, actions ([`action`]), bot players, the consequence model ([`consequence`]) and
//!   the journal ([`journal`]). It is pure: the caller supplies time, so a server can drive it
//!   live and the CLI can run it headless.
//! - [`metrics::evaluate`] rates objectives P/S/M/U and builds the improvement plan;
//!   [`output::write_outputs`] writes journal.jsonl, metrics.json, aar.html ([`aar`]) and the
//!   CAP alerts, all with status Exercise ([`cap_out`]).

pub mod aar;
pub mod action;
pub mod cap_out;
pub mod clock;
pub mod consequence;
pub mod def;
pub mod error;
pub mod exercise;
pub mod files;
pub mod hazards;
pub mod journal;
pub mod limits;
pub mod metrics;
pub mod output;
pub mod plan;
pub mod spans;
pub mod time;

pub use action::{Action, Rating};
pub use clock::{Clock, Speed};
pub use error::{ExerciseError, Problem};
pub use exercise::{Exercise, Options};
pub use files::PlanFiles;
pub use hazards::HazardSet;
pub use plan::{Plan, load, load_with, parse, parse_with};
