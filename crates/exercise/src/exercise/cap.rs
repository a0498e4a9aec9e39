//! The CAP messages an exercise generates (all with status Exercise, [`crate::cap_out`]): the
//! public warnings players publish and the simulated agencies' alerts of CAP-channel injects.

use super::Exercise;
use crate::cap_out::{self, ExerciseAlert};
use crate::def::InjectDef;
use crate::error::ExerciseError;
use crate::journal::Body;
use forewarn_cap::{CapTime, WarningConfig};
use std::sync::Arc;

/// A public warning that was published.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WarningState {
    pub t_s: i64,
    pub team: String,
    pub hazard: String,
    pub country: String,
    pub cap_identifier: String,
}

/// A generated CAP message and the file it is written to (`cap/001-tj-coes.xml`).
#[derive(Debug, Clone)]
pub struct GeneratedAlert {
    pub file: String,
    pub alert: ExerciseAlert,
}

/// The CAP side of an exercise.
#[derive(Debug, Clone)]
pub(super) struct CapState {
    config: Arc<WarningConfig>,
    /// The CAP languages of the exercise's languages.
    languages: Vec<String>,
    alerts: Vec<GeneratedAlert>,
    pub warnings: Vec<WarningState>,
}

impl CapState {
    pub fn new(config: WarningConfig, languages: Vec<String>) -> CapState {
        CapState {
            config: Arc::new(config),
            languages,
            alerts: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The file name of the next alert, named after `by` (a team or an inject).
    fn next_file(&self, by: &str) -> String {
        format!("cap/{:03}-{}.xml", self.alerts.len() + 1, by)
    }
}

impl Exercise {
    /// Generated CAP alerts, in order.
    pub fn alerts(&self) -> &[GeneratedAlert] {
        &self.cap.alerts
    }

    /// Public warnings published so far.
    pub(crate) fn warnings(&self) -> &[WarningState] {
        &self.cap.warnings
    }

    /// `team` publishes a warning of `hazard` for `country`: a CAP message to the country's
    /// other teams, or an error message to the team when none can be generated.
    pub(super) fn publish_warning(
        &mut self,
        team: &str,
        hazard: &str,
        country: &str,
    ) -> Result<(), ExerciseError> {
        let Some(h) = self.hazards.get(hazard) else {
            return Ok(());
        };
        let sent = CapTime(self.plan.start).plus_seconds(self.now_s);
        let alert = cap_out::exercise_alert(
            h,
            Some(country),
            sent,
            &cap_out::sender_id(team),
            self.cap.languages.clone(),
            &self.cap.config,
        );
        match alert {
            Ok(a) => {
                let file = self.cap.next_file(team);
                let recipients: Vec<String> = self
                    .plan
                    .def
                    .teams
                    .iter()
                    .filter(|t| {
                        self.plan
                            .team_country
                            .get(&t.id)
                            .is_some_and(|c| c == country)
                            && t.id != team
                    })
                    .map(|t| t.id.clone())
                    .collect();
                self.cap.warnings.push(WarningState {
                    t_s: self.now_s,
                    team: team.to_string(),
                    hazard: hazard.to_string(),
                    country: country.to_string(),
                    cap_identifier: a.identifier.clone(),
                });
                self.record(Body::Message {
                    kind: "cap_alert".into(),
                    from: team.to_string(),
                    to: recipients,
                    text: format!("EXERCISE public warning: {} for {country}", h.name),
                    cap_identifier: Some(a.identifier.clone()),
                    cap_status: Some(format!("{:?}", a.status)),
                    file: Some(file.clone()),
                });
                self.cap.alerts.push(GeneratedAlert { file, alert: a });
                Ok(())
            }
            Err(e) => {
                self.record(Body::Message {
                    kind: "error".into(),
                    from: "exercise".into(),
                    to: vec![team.to_string()],
                    text: format!("warning not published: {e}"),
                    cap_identifier: None,
                    cap_status: None,
                    file: None,
                });
                Err(e)
            }
        }
    }

    /// The simulated agency's alert of CAP-channel inject `d` about its hazard (nothing when
    /// it names none).
    pub(super) fn agency_alert(&mut self, d: &InjectDef) {
        let Some(h) = d
            .hazard
            .as_deref()
            .and_then(|id| self.hazards.get(id))
            .cloned()
        else {
            return;
        };
        let sent = CapTime(self.plan.start).plus_seconds(self.now_s);
        match cap_out::exercise_alert(
            &h,
            None,
            sent,
            &cap_out::sender_id(&d.from),
            self.cap.languages.clone(),
            &self.cap.config,
        ) {
            Ok(a) => {
                let file = self.cap.next_file(&d.id);
                self.record(Body::Message {
                    kind: "cap_alert".into(),
                    from: d.from.clone(),
                    to: d.to.clone(),
                    text: format!("EXERCISE simulated agency alert: {}", h.name),
                    cap_identifier: Some(a.identifier.clone()),
                    cap_status: Some(format!("{:?}", a.status)),
                    file: Some(file.clone()),
                });
                self.cap.alerts.push(GeneratedAlert { file, alert: a });
            }
            Err(e) => self.record(Body::Message {
                kind: "error".into(),
                from: "exercise".into(),
                to: d.to.clone(),
                text: format!("inject {} alert not generated: {e}", d.id),
                cap_identifier: None,
                cap_status: None,
                file: None,
            }),
        }
    }
}
