//! CAP alerts produced inside an exercise. Every one has status Exercise: the status is set
//! here, for every message, and checked again on the generated XML before it is kept.

use crate::error::ExerciseError;
use crate::hazards::{AtRiskUnit, HazardResult};
use forewarn_cap::{CapTime, ImpactArea, ImpactWarning, Status, WarningConfig, Zone};

/// Languages the CAP templates cover.
pub fn cap_languages(exercise_languages: &[String], cfg: &WarningConfig) -> Vec<String> {
    let have = cfg.languages();
    let mut out: Vec<String> = exercise_languages
        .iter()
        .filter(|l| have.iter().any(|h| h == *l))
        .cloned()
        .collect();
    if out.is_empty() {
        out.push("en".into());
    }
    out
}

/// A generated exercise alert.
#[derive(Debug, Clone)]
pub struct ExerciseAlert {
    pub identifier: String,
    pub status: Status,
    pub xml: String,
}

/// Turns a sender label ("Agency of Hydrometeorology (sim)") into a CAP sender id.
pub fn sender_id(label: &str) -> String {
    let slug = forewarn_cap::id_slug(label);
    format!(
        "{}@exercise.forewarn.example",
        if slug.is_empty() {
            "exercise".into()
        } else {
            slug
        }
    )
}

/// Builds, validates and serialises the exercise alert for `hazard`, limited to `country` when
/// given. `sent` is the scenario time of publication.
pub fn exercise_alert(
    hazard: &HazardResult,
    country: Option<&str>,
    sent: CapTime,
    sender: &str,
    languages: Vec<String>,
    cfg: &WarningConfig,
) -> Result<ExerciseAlert, ExerciseError> {
    let Some(template) = &hazard.warning else {
        return Err(ExerciseError::Cap(format!(
            "hazard '{}' puts nobody at risk: nothing to warn about",
            hazard.id
        )));
    };
    let mut w: ImpactWarning = template.clone();
    if let Some(c) = country {
        w.areas.retain(|a| a.country_iso2 == c);
        if w.areas.is_empty() {
            let units: Vec<&AtRiskUnit> = hazard.units.iter().filter(|u| u.country == c).collect();
            if units.is_empty() {
                return Err(ExerciseError::Cap(format!(
                    "hazard '{}' puts nobody in {c} at risk",
                    hazard.id
                )));
            }
            let d = 0.05;
            w.areas.push(ImpactArea {
                country_iso2: c.to_string(),
                zone: Zone::Affected,
                places: vec![],
                footprints_lon_lat: units
                    .iter()
                    .map(|u| {
                        vec![
                            (u.lon - d, u.lat - d),
                            (u.lon + d, u.lat - d),
                            (u.lon + d, u.lat + d),
                            (u.lon - d, u.lat + d),
                            (u.lon - d, u.lat - d),
                        ]
                    })
                    .collect(),
                geocodes: vec![],
                urgency: None,
                onset: None,
            });
        }
    }
    // Exercise traffic: always status Exercise.
    w.status = Status::Exercise;
    w.sent = sent;
    w.sender = sender.to_string();
    w.languages = languages;
    let alert = forewarn_cap::generate(&w, cfg)
        .map_err(|e| ExerciseError::Cap(format!("hazard '{}': {e}", hazard.id)))?;
    if alert.status != Status::Exercise {
        return Err(ExerciseError::Cap(format!(
            "generated alert {} has status {:?}, not Exercise",
            alert.identifier, alert.status
        )));
    }
    let xml = forewarn_cap::to_valid_xml(&alert)
        .map_err(|e| ExerciseError::Cap(format!("generated alert is invalid: {e}")))?;
    if !xml.contains("<status>Exercise</status>") {
        return Err(ExerciseError::Cap(
            "generated XML lacks <status>Exercise</status>".into(),
        ));
    }
    Ok(ExerciseAlert {
        identifier: alert.identifier.clone(),
        status: alert.status,
        xml,
    })
}
