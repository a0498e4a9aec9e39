//! Limits of an exercise plan (docs/exercise.md, "Limits"): one definition, checked by plan
//! validation, so `forewarn exercise validate`, `exercise run` and the server refuse the same
//! plans with an error naming the field and the limit. The hazard runs the plan asks for are
//! bounded by `forewarn_engine::limits` (grid cells, realisations, flood cells and duration).

/// Largest plan file, bytes (the server's request body limit is 1 MiB too).
pub const MAX_PLAN_BYTES: usize = 1024 * 1024;

/// Longest exercise, seconds (30 days). HSEEP full-scale exercises run for hours to a few
/// days; the clock schedules daily needs reviews, so "20000000d" asked for 20 M events.
pub const MAX_DURATION_S: i64 = 30 * 86_400;

/// Most organisations in a plan (the region has 12 member states and the regional centre).
pub const MAX_ORGANISATIONS: usize = 50;
/// Most teams in a plan.
pub const MAX_TEAMS: usize = 100;
/// Most objectives in a plan.
pub const MAX_OBJECTIVES: usize = 100;
/// Most criteria of one objective.
pub const MAX_CRITERIA: usize = 20;
/// Most hazards in a plan; each runs a hazard engine when the exercise is created.
pub const MAX_HAZARDS: usize = 20;
/// Most injects (MSEL entries) in a plan; the benchmark runs 500 over 72 h in 0.7 s.
pub const MAX_INJECTS: usize = 2_000;
/// Most reports of the exercise feed (each may start a quake run per player organisation).
pub const MAX_FEEDS: usize = 200;
/// Most exercise languages.
pub const MAX_LANGUAGES: usize = 12;
/// Shortest bot situation-report interval, hours: with 100 teams over 30 days this is at
/// most 72,000 reports (and an interval that rounds to 0 s would never end).
pub const MIN_SITREP_EVERY_H: f64 = 1.0;
/// Longest flood hazard run of an exercise (`duration_h`), hours: the flood engine's limit.
pub const MAX_FLOOD_DURATION_H: f64 = forewarn_flood::limits::MAX_DURATION_S / 3600.0;
/// Most files uploaded with a plan (server).
pub const MAX_UPLOADED_FILES: usize = 16;
/// Largest file a plan names (rupture, flood scenario, uploaded file), bytes.
pub const MAX_FILE_BYTES: u64 = forewarn_engine::limits::MAX_INPUT_FILE_BYTES;
