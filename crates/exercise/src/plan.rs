//! Loading and validating an exercise file into a [`Plan`]: times resolved to seconds after
//! the scenario start, references checked, conditions checked for cycles. Every problem names
//! the line, column and field.

use crate::clock::Speed;
use crate::def::{ActionKind, Channel, Condition, ExerciseDef, HazardKind, Role};
use crate::error::{ExerciseError, Problem};
use crate::files::PlanFiles;
use crate::limits;
use crate::spans::SourceMap;
use crate::time::{self, TimeExpr};
use chrono::{DateTime, FixedOffset};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A resolved condition.
#[derive(Debug, Clone, PartialEq)]
pub enum PlannedCondition {
    NoAction {
        action: ActionKind,
        team: Option<String>,
        hazard: Option<String>,
        by_s: i64,
    },
    Action {
        action: ActionKind,
        team: Option<String>,
        hazard: Option<String>,
        delay_s: i64,
    },
    AfterInject {
        inject: usize,
        delay_s: i64,
    },
}

/// A validated exercise.
#[derive(Debug, Clone)]
pub struct Plan {
    pub def: ExerciseDef,
    /// Where the files the plan names (`rupture`, `scenario`) are found.
    pub files: PlanFiles,
    pub file: String,
    pub start: DateTime<FixedOffset>,
    pub wall_start_ms: i64,
    pub duration_s: i64,
    pub speed: Speed,
    /// Onset of each hazard, seconds after the start (same order as `def.hazards`).
    pub hazard_onset_s: Vec<i64>,
    /// Delivery time of each inject (None: set by its condition).
    pub inject_at_s: Vec<Option<i64>>,
    pub inject_condition: Vec<Option<PlannedCondition>>,
    /// Country (ISO2) of each team, from its organisation.
    pub team_country: BTreeMap<String, String>,
    /// Publication time of each feed report, seconds after the start (order of `def.feeds`).
    pub feed_at_s: Vec<i64>,
    /// Origin time of each feed report's event, seconds after the start.
    pub feed_origin_s: Vec<i64>,
}

impl Plan {
    pub fn team(&self, id: &str) -> Option<&crate::def::Team> {
        self.def.teams.iter().find(|t| t.id == id)
    }
    pub fn hazard_index(&self, id: &str) -> Option<usize> {
        self.def.hazards.iter().position(|h| h.id == id)
    }
}

/// Reads and validates an exercise file; the files it names resolve inside its folder.
pub fn load(path: &Path) -> Result<Plan, ExerciseError> {
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_with(path, PlanFiles::local(&base))
}

/// [`load`] with the plan's files resolved by `files` (e.g. [`PlanFiles::unrestricted`]).
pub fn load_with(path: &Path, files: PlanFiles) -> Result<Plan, ExerciseError> {
    let text = forewarn_core::read_text_limited(path, limits::MAX_PLAN_BYTES as u64).map_err(
        |source| ExerciseError::Read {
            path: path.display().to_string(),
            source,
        },
    )?;
    parse_with(&text, &path.display().to_string(), files)
}

/// Parses and validates exercise TOML; `file` names it in errors; the files it names
/// resolve inside `base_dir` ([`PlanFiles::local`]).
pub fn parse(text: &str, file: &str, base_dir: &Path) -> Result<Plan, ExerciseError> {
    parse_with(text, file, PlanFiles::local(base_dir))
}

/// [`parse`] with the plan's files resolved by `files`.
pub fn parse_with(text: &str, file: &str, files: PlanFiles) -> Result<Plan, ExerciseError> {
    if text.len() > limits::MAX_PLAN_BYTES {
        return Err(ExerciseError::Invalid {
            file: file.to_string(),
            problems: vec![Problem {
                line: 1,
                col: 1,
                field: "(document)".into(),
                message: format!(
                    "the plan is over the limit of {} bytes",
                    limits::MAX_PLAN_BYTES
                ),
            }],
        });
    }
    let map = SourceMap::new(text);
    let def: ExerciseDef = match toml::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let (line, col, field) = match e.span() {
                Some(s) => {
                    let (l, c) = map.line_col(s.start);
                    let mut field = map.path_at(s.start);
                    if let Some(k) = unknown_field_name(e.message()) {
                        field = if field.ends_with(&k) || field.is_empty() {
                            if field.is_empty() { k } else { field }
                        } else {
                            format!("{field}.{k}")
                        };
                    }
                    (l, c, field)
                }
                None => (1, 1, String::new()),
            };
            let field = if field.is_empty() {
                "(document)".to_string()
            } else {
                field
            };
            return Err(ExerciseError::Invalid {
                file: file.to_string(),
                problems: vec![Problem {
                    line,
                    col,
                    field,
                    message: e.message().trim().to_string(),
                }],
            });
        }
    };
    let mut v = Validator {
        map: &map,
        problems: Vec::new(),
    };
    let plan = v.check(def, file, files);
    if v.problems.is_empty()
        && let Some(p) = plan
    {
        return Ok(p);
    }
    let mut problems = v.problems;
    problems.sort_by(|a, b| (a.line, a.col, &a.field).cmp(&(b.line, b.col, &b.field)));
    problems.dedup();
    Err(ExerciseError::Invalid {
        file: file.to_string(),
        problems,
    })
}

/// A finite number >= 0 (NaN fails).
fn nonneg(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

fn unknown_field_name(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("unknown field `")?;
    Some(rest[..rest.find('`')?].to_string())
}

struct Validator<'a, 'b> {
    map: &'a SourceMap<'b>,
    problems: Vec<Problem>,
}

impl Validator<'_, '_> {
    fn err(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        let (line, col) = self.map.locate(&field);
        self.problems.push(Problem {
            line,
            col,
            field,
            message: message.into(),
        });
    }

    fn unique<'x>(&mut self, what: &str, ids: impl Iterator<Item = &'x str>) {
        let mut seen = BTreeSet::new();
        for (i, id) in ids.enumerate() {
            if id.trim().is_empty() || id.contains(char::is_whitespace) {
                self.err(
                    format!("{what}[{i}].id"),
                    format!("{what} id '{id}' must be non-empty without spaces"),
                );
            }
            if !seen.insert(id) {
                self.err(
                    format!("{what}[{i}].id"),
                    format!("duplicate {what} id '{id}'"),
                );
            }
        }
    }

    /// Counts within [`limits`].
    fn counts(&mut self, def: &ExerciseDef) {
        let counts = [
            (
                "exercise.languages",
                def.exercise.languages.len(),
                limits::MAX_LANGUAGES,
            ),
            (
                "organisation",
                def.organisations.len(),
                limits::MAX_ORGANISATIONS,
            ),
            ("team", def.teams.len(), limits::MAX_TEAMS),
            ("objective", def.objectives.len(), limits::MAX_OBJECTIVES),
            ("hazard", def.hazards.len(), limits::MAX_HAZARDS),
            ("inject", def.injects.len(), limits::MAX_INJECTS),
            ("feed", def.feeds.len(), limits::MAX_FEEDS),
        ];
        for (field, n, max) in counts {
            if n > max {
                self.err(field, format!("{n} entries is over the limit of {max}"));
            }
        }
        for (i, o) in def.objectives.iter().enumerate() {
            if o.criteria.len() > limits::MAX_CRITERIA {
                self.err(
                    format!("objective[{i}].criterion"),
                    format!(
                        "{} criteria is over the limit of {}",
                        o.criteria.len(),
                        limits::MAX_CRITERIA
                    ),
                );
            }
        }
    }

    fn check(&mut self, def: ExerciseDef, file: &str, files: PlanFiles) -> Option<Plan> {
        self.counts(&def);
        if !self.problems.is_empty() {
            // Over a count limit: report that alone rather than validate every entry.
            return None;
        }
        let meta = &def.exercise;
        let start = match time::parse_start(&meta.start) {
            Ok(s) => Some(s),
            Err(m) => {
                self.err("exercise.start", m);
                None
            }
        };
        let duration_s = match time::parse_duration_s(&meta.duration) {
            Ok(d) if d > limits::MAX_DURATION_S => {
                self.err(
                    "exercise.duration",
                    format!(
                        "'{}' is over the limit of {} ({} days)",
                        meta.duration,
                        time::label(limits::MAX_DURATION_S),
                        limits::MAX_DURATION_S / 86_400
                    ),
                );
                0
            }
            Ok(d) if d > 0 => d,
            Ok(_) => {
                self.err("exercise.duration", "the exercise must last longer than 0");
                0
            }
            Err(m) => {
                self.err("exercise.duration", m);
                0
            }
        };
        let speed = Speed::parse(&meta.speed).unwrap_or_else(|m| {
            self.err("exercise.speed", m);
            Speed::Max
        });
        let wall_start_ms = match &meta.wall_start {
            Some(w) => match time::parse_start(w) {
                Ok(t) => t.timestamp_millis(),
                Err(m) => {
                    self.err("exercise.wall_start", m);
                    0
                }
            },
            None => start.map_or(0, |s| s.timestamp_millis()),
        };
        if meta.languages.is_empty() {
            self.err("exercise.languages", "give at least one language");
        }
        let langs: BTreeSet<&str> = meta.languages.iter().map(String::as_str).collect();
        if langs.len() != meta.languages.len() {
            self.err("exercise.languages", "a language is listed twice");
        }

        self.unique(
            "organisation",
            def.organisations.iter().map(|o| o.id.as_str()),
        );
        self.unique("team", def.teams.iter().map(|o| o.id.as_str()));
        self.unique("objective", def.objectives.iter().map(|o| o.id.as_str()));
        self.unique("hazard", def.hazards.iter().map(|o| o.id.as_str()));
        self.unique("inject", def.injects.iter().map(|o| o.id.as_str()));

        for (i, o) in def.organisations.iter().enumerate() {
            if o.country.len() != 2 || !o.country.chars().all(|c| c.is_ascii_uppercase()) {
                self.err(
                    format!("organisation[{i}].country"),
                    format!(
                        "'{}' is not a two-letter upper-case country code",
                        o.country
                    ),
                );
            }
        }
        let orgs: BTreeMap<&str, &str> = def
            .organisations
            .iter()
            .map(|o| (o.id.as_str(), o.country.as_str()))
            .collect();
        let teams: BTreeSet<&str> = def.teams.iter().map(|t| t.id.as_str()).collect();
        let mut team_country = BTreeMap::new();
        for (i, t) in def.teams.iter().enumerate() {
            match orgs.get(t.organisation.as_str()) {
                Some(c) => {
                    team_country.insert(t.id.clone(), c.to_string());
                }
                None => self.err(
                    format!("team[{i}].organisation"),
                    format!(
                        "unknown organisation '{}' (known: {})",
                        t.organisation,
                        join(orgs.keys())
                    ),
                ),
            }
            if !langs.contains(t.language.as_str()) {
                self.err(
                    format!("team[{i}].language"),
                    format!(
                        "'{}' is not an exercise language ({})",
                        t.language,
                        meta.languages.join(", ")
                    ),
                );
            }
            if let Some([lon, lat]) = t.base
                && (!(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat))
            {
                self.err(
                    format!("team[{i}].base"),
                    "base must be [lon, lat] in degrees",
                );
            }
            if !nonneg(t.usar_mobilisation_h) {
                self.err(
                    format!("team[{i}].usar_mobilisation_h"),
                    "must be 0 or more hours",
                );
            }
            if let Some(r) = &t.relief {
                for (k, v) in [
                    ("water_l_per_day", r.water_l_per_day),
                    ("food_kcal_per_day", r.food_kcal_per_day),
                    ("shelter_m2", r.shelter_m2),
                    ("toilets", r.toilets),
                    ("lead_h", r.lead_h),
                ] {
                    if !nonneg(v) {
                        self.err(format!("team[{i}].relief.{k}"), "must be 0 or more");
                    }
                }
            }
            if let Some(b) = &t.bot {
                let fields = [
                    ("warn_after_min", b.warn_after_min),
                    ("request_usar_after_min", b.request_usar_after_min),
                    ("request_relief_after_min", b.request_relief_after_min),
                    ("offer_usar_after_min", b.offer_usar_after_min),
                    ("offer_relief_after_min", b.offer_relief_after_min),
                    ("acknowledge_after_min", b.acknowledge_after_min),
                    ("sitrep_every_h", b.sitrep_every_h),
                    ("jitter_min", Some(b.jitter_min)),
                ];
                if let Some(h) = b.sitrep_every_h
                    && h.is_finite()
                    && h < limits::MIN_SITREP_EVERY_H
                {
                    self.err(
                        format!("team[{i}].bot.sitrep_every_h"),
                        format!(
                            "{h} h is under the limit of {} h",
                            limits::MIN_SITREP_EVERY_H
                        ),
                    );
                }
                for (k, v) in fields {
                    if let Some(v) = v
                        && (!nonneg(v) || (k == "sitrep_every_h" && v <= 0.0))
                    {
                        self.err(
                            format!("team[{i}].bot.{k}"),
                            "must be a positive number of minutes/hours",
                        );
                    }
                }
                if b.offer_usar_after_min.is_some() && !t.usar {
                    self.err(
                        format!("team[{i}].bot.offer_usar_after_min"),
                        "the team has no USAR capability (set usar = true)",
                    );
                }
                if b.offer_relief_after_min.is_some() && t.relief.is_none() {
                    self.err(
                        format!("team[{i}].bot.offer_relief_after_min"),
                        "the team has no relief package ([team.relief])",
                    );
                }
            }
        }

        // Hazards: resolve onsets (they may be relative to other hazards).
        let hazard_ids: BTreeMap<&str, usize> = def
            .hazards
            .iter()
            .enumerate()
            .map(|(i, h)| (h.id.as_str(), i))
            .collect();
        let mut onset: Vec<Option<i64>> = vec![None; def.hazards.len()];
        for i in 0..def.hazards.len() {
            let mut stack = Vec::new();
            self.hazard_onset(&def, &hazard_ids, start.as_ref(), i, &mut onset, &mut stack);
        }
        let hazard_onset_s: Vec<i64> = onset.iter().map(|o| o.unwrap_or(0)).collect();
        for (i, h) in def.hazards.iter().enumerate() {
            let t = hazard_onset_s[i];
            if t < 0 {
                self.err(
                    format!("hazard[{i}].at"),
                    format!(
                        "hazard '{}' starts {} before the scenario start",
                        h.id,
                        time::label(t)
                    ),
                );
            } else if t > duration_s {
                self.err(
                    format!("hazard[{i}].at"),
                    format!(
                        "hazard '{}' starts after the end of the exercise ({})",
                        h.id, meta.duration
                    ),
                );
            }
            let mut need = |k: &str, v: Option<f64>, lo: f64, hi: f64| match v {
                None => self.err(
                    format!("hazard[{i}]"),
                    format!("{:?} hazard '{}' needs {k}", h.kind, h.id).to_lowercase(),
                ),
                Some(x) if !(lo..=hi).contains(&x) => self.err(
                    format!("hazard[{i}].{k}"),
                    format!("{k} = {x} is outside {lo}..{hi}"),
                ),
                _ => {}
            };
            match h.kind {
                HazardKind::Earthquake | HazardKind::Aftershock => {
                    if h.rupture.is_none() {
                        need("lon", h.lon, -180.0, 180.0);
                        need("lat", h.lat, -90.0, 90.0);
                        need("depth_km", h.depth_km, 0.0, 700.0);
                        need("mag", h.mag, 4.0, 9.5);
                    } else if let Some(r) = &h.rupture
                        && let Err(m) = files.resolve(r)
                    {
                        self.err(format!("hazard[{i}].rupture"), m);
                    }
                    if let Some(s) = h.spacing_km
                        && let Err(e) = forewarn_engine::limits::check_spacing_km(s)
                    {
                        self.err(format!("hazard[{i}].spacing_km"), e.message);
                    }
                    if h.scenario.is_some() {
                        self.err(
                            format!("hazard[{i}].scenario"),
                            "scenario is for flood hazards",
                        );
                    }
                }
                HazardKind::Flood => match &h.scenario {
                    None => self.err(
                        format!("hazard[{i}]"),
                        format!("flood hazard '{}' needs scenario = \"file.toml\"", h.id),
                    ),
                    Some(s) => {
                        if let Err(m) = files.resolve(s) {
                            self.err(format!("hazard[{i}].scenario"), m);
                        }
                    }
                },
            }
            match (&h.kind, &h.mainshock) {
                (HazardKind::Aftershock, None) => self.err(
                    format!("hazard[{i}]"),
                    format!("aftershock '{}' needs mainshock = \"<hazard id>\"", h.id),
                ),
                (HazardKind::Aftershock, Some(m)) => match hazard_ids.get(m.as_str()) {
                    None => self.err(
                        format!("hazard[{i}].mainshock"),
                        format!("unknown hazard '{m}' (known: {})", join(hazard_ids.keys())),
                    ),
                    Some(&j) if def.hazards[j].kind != HazardKind::Earthquake => self.err(
                        format!("hazard[{i}].mainshock"),
                        format!("'{m}' is not an earthquake"),
                    ),
                    _ => {}
                },
                (_, Some(_)) => self.err(
                    format!("hazard[{i}].mainshock"),
                    "mainshock is for aftershocks",
                ),
                _ => {}
            }
            if let Some(d) = h.duration_h {
                if !(d.is_finite() && d > 0.0) {
                    self.err(format!("hazard[{i}].duration_h"), "must be positive");
                } else if d > limits::MAX_FLOOD_DURATION_H {
                    self.err(
                        format!("hazard[{i}].duration_h"),
                        format!(
                            "{d} h is over the limit of {} h",
                            limits::MAX_FLOOD_DURATION_H
                        ),
                    );
                }
            }
            if let Some(t) = &h.triggered_by
                && !hazard_ids.contains_key(t.as_str())
            {
                self.err(
                    format!("hazard[{i}].triggered_by"),
                    format!("unknown hazard '{t}' (known: {})", join(hazard_ids.keys())),
                );
            }
        }

        // Objectives.
        let objectives: BTreeSet<&str> = def.objectives.iter().map(|o| o.id.as_str()).collect();
        for (i, o) in def.objectives.iter().enumerate() {
            if !teams.contains(o.owner.as_str()) {
                self.err(
                    format!("objective[{i}].owner"),
                    format!("unknown team '{}' (known: {})", o.owner, join(teams.iter())),
                );
            }
            if o.criteria.is_empty() {
                self.err(
                    format!("objective[{i}]"),
                    format!("objective '{}' has no [[objective.criterion]]", o.id),
                );
            }
            for (j, c) in o.criteria.iter().enumerate() {
                let f = format!("objective[{i}].criterion[{j}]");
                if let Some(h) = &c.hazard
                    && !hazard_ids.contains_key(h.as_str())
                {
                    self.err(
                        format!("{f}.hazard"),
                        format!("unknown hazard '{h}' (known: {})", join(hazard_ids.keys())),
                    );
                }
                if let Some(t) = &c.team
                    && !teams.contains(t.as_str())
                {
                    self.err(
                        format!("{f}.team"),
                        format!("unknown team '{t}' (known: {})", join(teams.iter())),
                    );
                }
                let ordered = if c.measure.higher_is_better() {
                    c.p >= c.s
                } else {
                    c.p <= c.s
                };
                if !ordered || !c.p.is_finite() || !c.s.is_finite() {
                    let dir = if c.measure.higher_is_better() {
                        "p >= s (higher is better)"
                    } else {
                        "p <= s (lower is better)"
                    };
                    self.err(
                        format!("{f}.s"),
                        format!("thresholds for {} need {dir}", c.measure.key()),
                    );
                }
            }
        }

        // Injects.
        let inject_ids: BTreeMap<&str, usize> = def
            .injects
            .iter()
            .enumerate()
            .map(|(i, h)| (h.id.as_str(), i))
            .collect();
        let mut inject_at_s = vec![None; def.injects.len()];
        let mut inject_condition = vec![None; def.injects.len()];
        for (i, inj) in def.injects.iter().enumerate() {
            let f = format!("inject[{i}]");
            if let Some(at) = &inj.at {
                inject_at_s[i] = self.resolve_time(
                    at,
                    &format!("{f}.at"),
                    &hazard_ids,
                    &hazard_onset_s,
                    start.as_ref(),
                    duration_s,
                    &format!("inject '{}'", inj.id),
                );
            } else if inj.condition.is_none() && !inj.contingency {
                self.err(
                    &f,
                    format!(
                        "inject '{}' needs at = \"T+...\" (only conditional and contingency injects may omit it)",
                        inj.id
                    ),
                );
            }
            if inj.to.is_empty() {
                self.err(format!("{f}.to"), "give at least one recipient team");
            }
            for (k, t) in inj.to.iter().enumerate() {
                if !teams.contains(t.as_str()) {
                    self.err(
                        format!("{f}.to[{k}]"),
                        format!("unknown team '{t}' (known: {})", join(teams.iter())),
                    );
                }
            }
            for l in &meta.languages {
                if inj.content.get(l).is_none_or(|c| c.trim().is_empty()) {
                    self.err(
                        format!("{f}.content"),
                        format!("inject '{}' has no content in '{l}'", inj.id),
                    );
                }
            }
            for (name, table) in [
                ("from_i18n", &inj.from_i18n),
                ("expected_action_i18n", &inj.expected_action_i18n),
            ] {
                if name == "expected_action_i18n"
                    && !table.is_empty()
                    && inj.expected_action.is_none()
                {
                    self.err(
                        format!("{f}.{name}"),
                        "translations of an expected action need expected_action",
                    );
                }
                for (l, text) in table {
                    if !langs.contains(l.as_str()) {
                        self.err(
                            format!("{f}.{name}.{l}"),
                            format!(
                                "'{l}' is not an exercise language ({})",
                                meta.languages.join(", ")
                            ),
                        );
                    } else if text.trim().is_empty() || text.chars().count() > 500 {
                        self.err(format!("{f}.{name}.{l}"), "1 to 500 characters");
                    }
                }
            }
            for l in inj.content.keys() {
                if !langs.contains(l.as_str()) {
                    self.err(
                        format!("{f}.content.{l}"),
                        format!(
                            "'{l}' is not an exercise language ({})",
                            meta.languages.join(", ")
                        ),
                    );
                }
            }
            if let Some(o) = &inj.objective
                && !objectives.contains(o.as_str())
            {
                self.err(
                    format!("{f}.objective"),
                    format!(
                        "unknown objective '{o}' (known: {})",
                        join(objectives.iter())
                    ),
                );
            }
            if let Some(h) = &inj.hazard {
                if !hazard_ids.contains_key(h.as_str()) {
                    self.err(
                        format!("{f}.hazard"),
                        format!("unknown hazard '{h}' (known: {})", join(hazard_ids.keys())),
                    );
                }
            } else if inj.channel == Channel::Cap {
                self.err(
                    format!("{f}.hazard"),
                    format!(
                        "inject '{}' on the cap channel needs hazard = \"<hazard id>\" to build the alert from",
                        inj.id
                    ),
                );
            }
            if let Some(c) = &inj.controller {
                match def.teams.iter().find(|t| &t.id == c) {
                    None => self.err(format!("{f}.controller"), format!("unknown team '{c}'")),
                    Some(t) if !matches!(t.role, Role::Controller | Role::Director) => self.err(
                        format!("{f}.controller"),
                        format!("team '{c}' is a {:?}, not a controller", t.role).to_lowercase(),
                    ),
                    _ => {}
                }
            }
            if let Some(cond) = &inj.condition {
                let cf = format!("{f}.condition");
                let check_refs = |v: &mut Self, team: &Option<String>, hazard: &Option<String>| {
                    if let Some(t) = team
                        && !teams.contains(t.as_str())
                    {
                        v.err(
                            format!("{cf}.team"),
                            format!("unknown team '{t}' (known: {})", join(teams.iter())),
                        );
                    }
                    if let Some(h) = hazard
                        && !hazard_ids.contains_key(h.as_str())
                    {
                        v.err(
                            format!("{cf}.hazard"),
                            format!("unknown hazard '{h}' (known: {})", join(hazard_ids.keys())),
                        );
                    }
                };
                inject_condition[i] = match cond {
                    Condition::NoAction {
                        action,
                        team,
                        hazard,
                        by,
                    } => {
                        check_refs(self, team, hazard);
                        self.resolve_time(
                            by,
                            &format!("{cf}.by"),
                            &hazard_ids,
                            &hazard_onset_s,
                            start.as_ref(),
                            duration_s,
                            &format!("inject '{}' condition", inj.id),
                        )
                        .map(|by_s| PlannedCondition::NoAction {
                            action: *action,
                            team: team.clone(),
                            hazard: hazard.clone(),
                            by_s,
                        })
                    }
                    Condition::Action {
                        action,
                        team,
                        hazard,
                        delay,
                    } => {
                        check_refs(self, team, hazard);
                        self.delay(delay, &format!("{cf}.delay")).map(|delay_s| {
                            PlannedCondition::Action {
                                action: *action,
                                team: team.clone(),
                                hazard: hazard.clone(),
                                delay_s,
                            }
                        })
                    }
                    Condition::AfterInject { inject, delay } => match inject_ids
                        .get(inject.as_str())
                    {
                        None => {
                            self.err(format!("{cf}.inject"), format!("unknown inject '{inject}'"));
                            None
                        }
                        Some(&j) => self
                            .delay(delay, &format!("{cf}.delay"))
                            .map(|delay_s| PlannedCondition::AfterInject { inject: j, delay_s }),
                    },
                };
            }
        }
        self.check_cycles(&def, &inject_condition);
        let (feed_at_s, feed_origin_s) = self.feeds(
            &def,
            &hazard_ids,
            &hazard_onset_s,
            start.as_ref(),
            duration_s,
        );
        let start = start?;
        Some(Plan {
            def,
            files,
            file: file.to_string(),
            start,
            wall_start_ms,
            duration_s,
            speed,
            hazard_onset_s,
            inject_at_s,
            inject_condition,
            team_country,
            feed_at_s,
            feed_origin_s,
        })
    }

    /// The exercise feed's reports: ids, times and what a catalogue could say (the ranges of
    /// forewarn-watch's report check).
    fn feeds(
        &mut self,
        def: &ExerciseDef,
        hazard_ids: &BTreeMap<&str, usize>,
        onset: &[i64],
        start: Option<&DateTime<FixedOffset>>,
        duration_s: i64,
    ) -> (Vec<i64>, Vec<i64>) {
        let mut at_s = Vec::with_capacity(def.feeds.len());
        let mut origin_s = Vec::with_capacity(def.feeds.len());
        self.unique("feed", def.feeds.iter().map(|f| f.id.as_str()));
        for (i, fd) in def.feeds.iter().enumerate() {
            let f = format!("feed[{i}]");
            for (field, v) in [("agency", &fd.agency), ("event_id", &fd.event_id)] {
                let ok = !v.is_empty()
                    && v.len() <= 64
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
                if !ok {
                    self.err(
                        format!("{f}.{field}"),
                        format!("'{v}' must be 1-64 characters A-Z, a-z, 0-9, '.', '_' or '-'"),
                    );
                }
            }
            let ranges = [
                ("lat", fd.lat, -90.0, 90.0),
                ("lon", fd.lon, -180.0, 180.0),
                ("depth_km", fd.depth_km, -10.0, 700.0),
                ("mag", fd.mag, 0.0, 9.5),
            ];
            for (field, v, lo, hi) in ranges {
                if !v.is_finite() || !(lo..=hi).contains(&v) {
                    self.err(
                        format!("{f}.{field}"),
                        format!("{v} is outside {lo} to {hi}"),
                    );
                }
            }
            if let Some(p) = &fd.place
                && p.chars().count() > 200
            {
                self.err(format!("{f}.place"), "at most 200 characters");
            }
            let what = format!("feed '{}'", fd.id);
            let at = self
                .resolve_time(
                    &fd.at,
                    &format!("{f}.at"),
                    hazard_ids,
                    onset,
                    start,
                    duration_s,
                    &what,
                )
                .unwrap_or(0);
            let origin = match &fd.origin_at {
                None => at,
                Some(o) => self
                    .resolve_time(
                        o,
                        &format!("{f}.origin_at"),
                        hazard_ids,
                        onset,
                        start,
                        duration_s,
                        &what,
                    )
                    .unwrap_or(at),
            };
            if origin > at {
                self.err(
                    format!("{f}.origin_at"),
                    "the event cannot happen after its report is published",
                );
            }
            at_s.push(at);
            origin_s.push(origin);
        }
        (at_s, origin_s)
    }

    fn delay(&mut self, d: &Option<String>, field: &str) -> Option<i64> {
        match d {
            None => Some(0),
            Some(s) => match time::parse_duration_s(s) {
                Ok(v) if v >= 0 => Some(v),
                Ok(_) => {
                    self.err(field, "delay must not be negative");
                    None
                }
                Err(m) => {
                    self.err(field, m);
                    None
                }
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve_time(
        &mut self,
        expr: &str,
        field: &str,
        hazards: &BTreeMap<&str, usize>,
        onset: &[i64],
        start: Option<&DateTime<FixedOffset>>,
        duration_s: i64,
        what: &str,
    ) -> Option<i64> {
        let t = match time::parse_time(expr) {
            Err(m) => {
                self.err(field, m);
                return None;
            }
            Ok(TimeExpr::Start(s)) => s,
            Ok(TimeExpr::Hazard(h, s)) => match hazards.get(h.as_str()) {
                Some(&i) => onset[i] + s,
                None => {
                    self.err(
                        field,
                        format!(
                            "unknown hazard '{h}' in time '{expr}' (use T+..., an RFC 3339 time or <hazard id>+...; known hazards: {})",
                            join(hazards.keys())
                        ),
                    );
                    return None;
                }
            },
            Ok(TimeExpr::Absolute(a)) => match start {
                Some(s) => (a - *s).num_seconds(),
                None => return None,
            },
        };
        if t < 0 {
            self.err(
                field,
                format!(
                    "{what} is at {} ({expr}), before the scenario start",
                    time::label(t)
                ),
            );
            return None;
        }
        if t > duration_s {
            self.err(
                field,
                format!(
                    "{what} is at {} ({expr}), after the end of the exercise",
                    time::label(t)
                ),
            );
            return None;
        }
        Some(t)
    }

    fn hazard_onset(
        &mut self,
        def: &ExerciseDef,
        ids: &BTreeMap<&str, usize>,
        start: Option<&DateTime<FixedOffset>>,
        i: usize,
        onset: &mut Vec<Option<i64>>,
        stack: &mut Vec<usize>,
    ) -> Option<i64> {
        if let Some(t) = onset[i] {
            return Some(t);
        }
        if stack.contains(&i) {
            let chain: Vec<&str> = stack
                .iter()
                .chain(std::iter::once(&i))
                .map(|&k| def.hazards[k].id.as_str())
                .collect();
            self.err(
                format!("hazard[{i}].at"),
                format!("circular hazard times: {}", chain.join(" -> ")),
            );
            return None;
        }
        let field = format!("hazard[{i}].at");
        let t = match time::parse_time(&def.hazards[i].at) {
            Err(m) => {
                self.err(field, m);
                None
            }
            Ok(TimeExpr::Start(s)) => Some(s),
            Ok(TimeExpr::Absolute(a)) => start.map(|s| (a - *s).num_seconds()),
            Ok(TimeExpr::Hazard(h, s)) => match ids.get(h.as_str()) {
                None => {
                    self.err(
                        field,
                        format!(
                            "unknown hazard '{h}' in time '{}' (known: {})",
                            def.hazards[i].at,
                            join(ids.keys())
                        ),
                    );
                    None
                }
                Some(&j) => {
                    stack.push(i);
                    let r = self
                        .hazard_onset(def, ids, start, j, onset, stack)
                        .map(|t| t + s);
                    stack.pop();
                    r
                }
            },
        };
        onset[i] = t;
        t
    }

    fn check_cycles(&mut self, def: &ExerciseDef, conds: &[Option<PlannedCondition>]) {
        let next = |i: usize| match &conds[i] {
            Some(PlannedCondition::AfterInject { inject, .. }) => Some(*inject),
            _ => None,
        };
        let mut reported = BTreeSet::new();
        for i in 0..conds.len() {
            let mut chain = vec![i];
            let mut cur = i;
            while let Some(j) = next(cur) {
                if j == i {
                    if chain.iter().all(|k| !reported.contains(k)) {
                        let names: Vec<&str> = chain
                            .iter()
                            .chain(std::iter::once(&i))
                            .map(|&k| def.injects[k].id.as_str())
                            .collect();
                        self.err(
                            format!("inject[{i}].condition.inject"),
                            format!("circular condition: {}", names.join(" -> ")),
                        );
                    }
                    reported.extend(chain.iter().copied());
                    break;
                }
                if chain.contains(&j) || chain.len() > conds.len() {
                    break;
                }
                chain.push(j);
                cur = j;
            }
        }
    }
}

fn join<'x, I: IntoIterator<Item = &'x &'x str>>(it: I) -> String {
    let v: Vec<&str> = it.into_iter().copied().collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}
