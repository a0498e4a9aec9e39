//! What teams do: the checks an action must pass (who may do what, when), and its effects
//! on the rest of the exercise. Players, controllers and evaluators act through
//! [`Exercise::apply`]; bots through the same path ([`super::bots`]).

use super::Exercise;
use super::events::Event;
use super::logistics::RequestState;
use crate::action::{Action, Rating};
use crate::def::{ResourceKind, Role};
use crate::error::ExerciseError;
use crate::journal::Body;

/// An action a team took, and when.
#[derive(Debug, Clone)]
pub struct TakenAction {
    /// Scenario seconds after the start.
    pub t_s: i64,
    pub team: String,
    pub action: Action,
}

/// An evaluator's rating of one objective.
#[derive(Debug, Clone)]
pub struct GivenRating {
    pub rating: Rating,
    /// The evaluator team.
    pub team: String,
    pub note: Option<String>,
}

impl Exercise {
    /// A player's (or controller's, or evaluator's) action at the current scenario time.
    pub fn apply(&mut self, team: &str, action: Action) -> Result<Option<String>, ExerciseError> {
        self.act(team, action, false)
    }

    /// Actions taken so far, in order.
    pub fn actions(&self) -> &[TakenAction] {
        &self.actions
    }

    /// Checks and journals `action` of `team` (a rejected one too), then applies it; the id
    /// of a request it opened.
    pub(super) fn act(
        &mut self,
        team: &str,
        action: Action,
        bot: bool,
    ) -> Result<Option<String>, ExerciseError> {
        if self.finished {
            return Err(ExerciseError::Action("the exercise has ended".into()));
        }
        match self.check_action(team, &action) {
            Ok(()) => {}
            Err(reason) => {
                self.record(Body::Rejected {
                    team: team.to_string(),
                    bot,
                    action: action.clone(),
                    reason: reason.clone(),
                });
                return Err(ExerciseError::Action(reason));
            }
        }
        let country = self
            .plan
            .team_country
            .get(team)
            .cloned()
            .unwrap_or_default();
        let id = match &action {
            Action::Request { .. } => Some(format!("req-{}", self.logistics.requests.len() + 1)),
            _ => None,
        };
        self.record(Body::Action {
            team: team.to_string(),
            bot,
            id: id.clone(),
            action: action.clone(),
        });
        self.actions.push(TakenAction {
            t_s: self.now_s,
            team: team.to_string(),
            action: action.clone(),
        });
        match &action {
            Action::PublicWarning { hazard, country: c } => {
                let c = c.clone().unwrap_or(country.clone());
                self.publish_warning(team, hazard, &c)?;
            }
            Action::Request {
                resource,
                country: c,
            } => {
                let c = c.clone().unwrap_or(country.clone());
                let rid = id.clone().unwrap_or_default();
                self.logistics.requests.push(RequestState {
                    id: rid.clone(),
                    t_s: self.now_s,
                    team: team.to_string(),
                    country: c.clone(),
                    resource: *resource,
                    offers: vec![],
                });
                self.bots_answer_request(team, &rid, *resource, &c);
            }
            Action::Offer { request } => self.accept_offer(team, request),
            Action::Acknowledge { inject } => {
                if let Some(i) = self.plan.def.injects.iter().position(|d| &d.id == inject) {
                    self.injects.acknowledge(team, i);
                }
            }
            Action::Rate {
                objective,
                rating,
                note,
            } => {
                self.ratings.insert(
                    objective.clone(),
                    GivenRating {
                        rating: *rating,
                        team: team.to_string(),
                        note: note.clone(),
                    },
                );
            }
            Action::Release { inject } => {
                if let Some(i) = self.plan.def.injects.iter().position(|d| &d.id == inject) {
                    let now = self.now_s;
                    self.schedule(
                        now,
                        Event::Inject {
                            inject: i,
                            trigger: format!("released by {team}"),
                        },
                    );
                }
            }
            Action::Sitrep { .. } | Action::Message { .. } => {}
        }
        self.arm_action_conditions(team, &action);
        Ok(id)
    }

    /// Why `team` may not take `action` now, if it may not.
    fn check_action(&self, team: &str, action: &Action) -> Result<(), String> {
        let Some(t) = self.plan.team(team) else {
            return Err(format!("unknown team '{team}'"));
        };
        let country = self
            .plan
            .team_country
            .get(team)
            .cloned()
            .unwrap_or_default();
        let player_like = matches!(t.role, Role::Player | Role::Director);
        match action {
            Action::PublicWarning { hazard, country: c } => {
                if !player_like {
                    return Err(format!(
                        "team '{team}' ({:?}) cannot publish warnings",
                        t.role
                    ));
                }
                let Some(h) = self.hazards.get(hazard) else {
                    return Err(format!("unknown hazard '{hazard}'"));
                };
                if self.now_s < h.onset_s {
                    return Err(format!("hazard '{hazard}' has not happened yet"));
                }
                let c = c.clone().unwrap_or(country);
                if c != self
                    .plan
                    .team_country
                    .get(team)
                    .cloned()
                    .unwrap_or_default()
                {
                    return Err(format!("team '{team}' can only warn its own country"));
                }
                if !h.units.iter().any(|u| u.country == c) {
                    return Err(format!("hazard '{hazard}' puts nobody in {c} at risk"));
                }
            }
            Action::Request { .. } if !player_like => {
                return Err(format!("team '{team}' cannot request resources"));
            }
            Action::Offer { request } => {
                let Some(r) = self.logistics.requests.iter().find(|r| &r.id == request) else {
                    return Err(format!("unknown request '{request}'"));
                };
                match r.resource {
                    ResourceKind::Usar if !t.usar => {
                        return Err(format!("team '{team}' has no USAR team"));
                    }
                    ResourceKind::Relief if t.relief.is_none() => {
                        return Err(format!("team '{team}' has no relief package"));
                    }
                    _ => {}
                }
                if r.offers.iter().any(|o| o.team == team) {
                    return Err(format!("team '{team}' already answered {request}"));
                }
            }
            Action::Acknowledge { inject } => {
                let ok = self
                    .plan
                    .def
                    .injects
                    .iter()
                    .position(|d| &d.id == inject)
                    .is_some_and(|i| self.injects.was_delivered(team, i));
                if !ok {
                    return Err(format!("inject '{inject}' was not delivered to '{team}'"));
                }
            }
            Action::Rate { objective, .. } => {
                if t.role != Role::Evaluator {
                    return Err(format!(
                        "only evaluators rate objectives ('{team}' is a {:?})",
                        t.role
                    )
                    .to_lowercase());
                }
                if !self.plan.def.objectives.iter().any(|o| &o.id == objective) {
                    return Err(format!("unknown objective '{objective}'"));
                }
            }
            Action::Release { inject } => {
                if !matches!(t.role, Role::Controller | Role::Director) {
                    return Err("only controllers release injects".into());
                }
                match self.plan.def.injects.iter().position(|d| &d.id == inject) {
                    None => return Err(format!("unknown inject '{inject}'")),
                    Some(i) if self.injects.fired_at[i].is_some() => {
                        return Err(format!("inject '{inject}' was already delivered"));
                    }
                    _ => {}
                }
            }
            Action::Message { to, .. } => {
                if let Some(bad) = to.iter().find(|x| self.plan.team(x).is_none()) {
                    return Err(format!("unknown team '{bad}'"));
                }
            }
            _ => {}
        }
        Ok(())
    }
}
