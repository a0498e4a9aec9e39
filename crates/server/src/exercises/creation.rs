//! Creating a live exercise: from a bundled plan or an uploaded one (with the files it
//! names), by an organisation that holds the exercise-director right ([`super::directors`]);
//! the hazard engines run once, on the run pool, before the exercise exists.

use super::directors::require_director_right;
use super::{ExerciseRec, Live, ObjectiveOut, TeamOut, internal};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody};
use crate::pool::CancelToken;
use crate::records::{self, Stored, next_id};
use crate::write::write_op;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use forewarn_exercise::def::Role;
use forewarn_exercise::limits::{MAX_FILE_BYTES, MAX_UPLOADED_FILES};
use forewarn_exercise::{ExerciseError, HazardSet, PlanFiles, Speed};
use forewarn_store::{UserRole, Visibility, now_ts};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// `GET /api/exercises/scenarios`: the bundled plans (that parse) a director can start from.
pub async fn scenarios(State(st): State<AppState>, _caller: Caller) -> axum::Json<Value> {
    let dir = &st.scenarios_dir;
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.starts_with("exercise-") && n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let items: Vec<Value> = names
        .into_iter()
        .filter_map(|n| {
            let plan = forewarn_exercise::load(&dir.join(&n)).ok()?;
            Some(json!({"file": n, "name": plan.def.exercise.name}))
        })
        .collect();
    axum::Json(json!({ "items": items }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExerciseIn {
    /// A bundled plan's file name (see `/api/exercises/scenarios`)...
    #[serde(default)]
    pub scenario: Option<String>,
    /// ...or the plan's TOML text. The files it names (`rupture`, `scenario`) resolve among
    /// the bundled scenarios and `files`, never elsewhere on the server.
    #[serde(default)]
    pub toml: Option<String>,
    /// Files uploaded with the plan (at most 16, each at most 16 MiB of text).
    #[serde(default)]
    pub files: Option<Vec<UploadedFile>>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Bots play the teams that are not `human_teams`.
    #[serde(default)]
    pub bots: Option<bool>,
    /// Teams played by people (default: every player team).
    #[serde(default)]
    pub human_teams: Option<Vec<String>>,
    /// Clock speed, `real` or `xN` (default: the plan's).
    #[serde(default)]
    pub speed: Option<String>,
}

/// A file uploaded with a plan: a plain name (letters, digits, `-`, `_`, `.`) and its text.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadedFile {
    pub name: String,
    pub text: String,
}

/// Writes the uploaded files to a fresh folder; each error names the field.
fn write_uploads(files: &[UploadedFile]) -> Result<tempfile::TempDir, ApiError> {
    if files.len() > MAX_UPLOADED_FILES {
        return Err(ApiError::invalid(
            format!(
                "{} files is over the limit of {MAX_UPLOADED_FILES}",
                files.len()
            ),
            "files",
        ));
    }
    let dir = tempfile::tempdir().map_err(internal)?;
    let mut seen = BTreeSet::new();
    for (i, f) in files.iter().enumerate() {
        let ok_name = !f.name.is_empty()
            && f.name.len() <= 100
            && !f.name.starts_with('.')
            && f.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !ok_name {
            return Err(ApiError::invalid(
                "a file name is letters, digits, '-', '_' and '.' (no folders)",
                &format!("files[{i}].name"),
            ));
        }
        if !seen.insert(f.name.as_str()) {
            return Err(ApiError::invalid(
                format!("'{}' is uploaded twice", f.name),
                &format!("files[{i}].name"),
            ));
        }
        if f.text.len() as u64 > MAX_FILE_BYTES {
            return Err(ApiError::invalid(
                format!("over the limit of {MAX_FILE_BYTES} bytes"),
                &format!("files[{i}].text"),
            ));
        }
        std::fs::write(dir.path().join(&f.name), &f.text).map_err(internal)?;
    }
    Ok(dir)
}

fn is_plain_file_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 200
        && n.ends_with(".toml")
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !n.starts_with('.')
}

/// The plan of `source`: its uploaded files written to a fresh folder (kept while the plan
/// is used), the files it names resolved among the bundled scenarios and those; errors name
/// `field`.
fn parse_source_as(
    dir: std::path::PathBuf,
    source: &super::replay::PlanSource,
    field: &str,
) -> Result<(forewarn_exercise::Plan, tempfile::TempDir, PlanFiles), ApiError> {
    let uploads = write_uploads(&source.files)?;
    let files = PlanFiles::within(
        vec![dir, uploads.path().to_path_buf()],
        "the bundled scenarios or the files uploaded with the plan",
    );
    let plan =
        forewarn_exercise::parse_with(&source.text, &source.file, files.clone()).map_err(|e| {
            ApiError::invalid(
                format!("the plan is invalid: {}", files.scrub(&e.to_string())),
                field,
            )
        })?;
    Ok((plan, uploads, files))
}

/// The plan's teams as the platform maps them: each played by the platform organisation
/// `org_of` gives its plan organisation, by people when in `human`.
pub(super) fn teams_out(
    plan: &forewarn_exercise::Plan,
    org_of: &BTreeMap<String, String>,
    human: &BTreeSet<String>,
) -> Vec<TeamOut> {
    plan.def
        .teams
        .iter()
        .map(|t| TeamOut {
            id: t.id.clone(),
            name: t.name.clone(),
            role: t.role,
            org: org_of.get(&t.organisation).cloned().unwrap_or_default(),
            language: t.language.clone(),
            human: human.contains(&t.id),
        })
        .collect()
}

/// The plan of an exercise's stored source (replay.rs).
pub(super) fn parse_source(
    st: &AppState,
    source: &super::replay::PlanSource,
) -> Result<(forewarn_exercise::Plan, tempfile::TempDir), ApiError> {
    let (plan, uploads, _) = parse_source_as(st.scenarios_dir.clone(), source, "plan")?;
    Ok((plan, uploads))
}

/// `POST /api/exercises`.
pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    JsonBody(inp): JsonBody<ExerciseIn>,
) -> Result<Response, ApiError> {
    caller.require_any(&[UserRole::DutyOfficer, UserRole::Admin])?;
    require_director_right(&st, &caller).await?;
    let dir = st.scenarios_dir.clone();
    let (text, file, field) = match (&inp.scenario, &inp.toml) {
        (Some(name), None) => {
            if !is_plain_file_name(name) {
                return Err(ApiError::invalid(
                    "scenario must be a plan file name such as exercise-pamir.toml",
                    "scenario",
                ));
            }
            let text = std::fs::read_to_string(dir.join(name))
                .map_err(|_| ApiError::invalid(format!("no bundled plan '{name}'"), "scenario"))?;
            (text, name.clone(), "scenario")
        }
        (None, Some(t)) => (t.clone(), "exercise.toml".to_string(), "toml"),
        _ => {
            return Err(ApiError::invalid(
                "give exactly one of scenario and toml",
                "scenario",
            ));
        }
    };
    if field == "scenario" && inp.files.is_some() {
        return Err(ApiError::invalid(
            "files go with an uploaded plan (toml), not a bundled one",
            "files",
        ));
    }
    let source = super::replay::PlanSource {
        text,
        file: file.clone(),
        files: inp.files.unwrap_or_default(),
    };
    let (plan, uploads, files) = parse_source_as(st.scenarios_dir.clone(), &source, field)?;
    let speed = match &inp.speed {
        Some(s) => Speed::parse(s).map_err(|e| ApiError::invalid(e, "speed"))?,
        None => plan.speed,
    };
    if speed == Speed::Max {
        return Err(ApiError::invalid(
            "a live exercise needs a clock speed (real or xN), not max",
            "speed",
        ));
    }
    // Map the plan's organisations onto platform organisations by country code.
    let orgs = st.store.orgs().await?;
    let mut org_of = BTreeMap::new();
    for o in &plan.def.organisations {
        let code = o.country.to_ascii_lowercase();
        if !orgs.iter().any(|p| p.code == code) {
            return Err(ApiError::invalid(
                format!(
                    "organisation '{}' (country {}) has no platform organisation '{code}'",
                    o.id, o.country
                ),
                field,
            ));
        }
        org_of.insert(o.id.clone(), code);
    }
    let players: Vec<String> = plan
        .def
        .teams
        .iter()
        .filter(|t| t.role == Role::Player)
        .map(|t| t.id.clone())
        .collect();
    let human: BTreeSet<String> = match &inp.human_teams {
        Some(v) => {
            for (i, t) in v.iter().enumerate() {
                if !players.contains(t) {
                    return Err(ApiError::invalid(
                        format!("'{t}' is not a player team of the plan"),
                        &format!("human_teams[{i}]"),
                    ));
                }
            }
            v.iter().cloned().collect()
        }
        None => players.iter().cloned().collect(),
    };
    let teams = teams_out(&plan, &org_of, &human);
    if !teams
        .iter()
        .any(|t| t.role == Role::Director && t.org == caller.user.org)
    {
        return Err(ApiError::forbidden(
            "your organisation must play the plan's director team",
        ));
    }
    // The hazard engines run once per exercise (a few seconds), on the run pool in turn with
    // the other organisations' runs; a request that goes away cancels them.
    let plan = Arc::new(plan);
    let seed = inp.seed.unwrap_or(1);
    let p2 = plan.clone();
    let timeout = st.pool.config().timeout;
    let job = st
        .pool
        .submit(&caller.user.org, None, move |token: &CancelToken| {
            let w = crate::runner::world().map_err(|e| e.to_string())?;
            let r = HazardSet::compute_cancellable(&p2, &w.region, &w.exposure, seed, &|| {
                token.is_stopped()
            });
            match (r, token.stopped()) {
                (_, Some(why)) => Err(crate::runner::stop_message(why, timeout)),
                (Err(ExerciseError::Cancelled), None) => Err("cancelled".to_string()),
                (Err(e), None) => Err(e.to_string()),
                (Ok(h), None) => Ok(h),
            }
        });
    let hazards = job
        .result()
        .await
        .unwrap_or_else(|why| Err(crate::runner::stop_message(why, timeout)))
        .map_err(|e| ApiError::invalid(format!("hazard engines: {}", files.scrub(&e)), field))?;
    drop(uploads);
    let d = &plan.def;
    let now = now_ts();
    let rec0 = ExerciseRec {
        id: 0,
        org: caller.user.org.clone(),
        visibility: Visibility::Regional,
        status: super::ExerciseStatus::Planned,
        name: d.exercise.name.clone(),
        hseep_type: d.exercise.hseep_type,
        scenario: file,
        seed,
        bots: inp.bots.unwrap_or(false),
        speed: speed.label(),
        languages: d.exercise.languages.clone(),
        scenario_start: plan.start.to_rfc3339(),
        duration_s: plan.duration_s,
        teams,
        objectives: d
            .objectives
            .iter()
            .map(|o| ObjectiveOut {
                id: o.id.clone(),
                title: o.title.clone(),
            })
            .collect(),
        t_s: 0,
        created_by: caller.user.username.clone(),
        created_at: now.clone(),
        updated_at: now,
        started_at: None,
        ended_at: None,
        totals: None,
        report_url: None,
        node: Some(crate::node::id().to_string()),
        node_url: crate::node::url(),
    };
    let c = caller.clone();
    let source_json = serde_json::to_string(&source).map_err(internal)?;
    let resp = write_op(&st, &caller, &idem, StatusCode::CREATED, async move |tx| {
        let mut rec = rec0;
        rec.id = next_id::<ExerciseRec>(tx).await?;
        records::insert(tx, &c.user.username, "exercise.created", &rec).await?;
        // What another node needs to rebuild the exercise (replay.rs).
        tx.put_document(
            ExerciseRec::TYPE,
            rec.id,
            super::replay::PLAN_SOURCE,
            &source_json,
        )
        .await?;
        Ok(rec)
    })
    .await?;
    let (resp, fresh) = crate::write::created::<ExerciseRec>(resp, StatusCode::CREATED).await?;
    if let Some(rec) = fresh {
        st.exercises.insert(
            rec.id,
            Live {
                rec,
                plan,
                hazards: Arc::new(hazards),
                human,
                speed,
                ex: None,
                forwarded: 0,
                acts_during_change: None,
                next_input: 0,
            },
        );
    }
    Ok(resp)
}
