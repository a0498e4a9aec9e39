//! The master scenario events list as the director follows it: every inject of the plan with
//! what triggers it, when it fired and which teams acknowledged it.

use super::Exercise;
use crate::def::{ActionKind, Channel};
use crate::plan::PlannedCondition;
use serde::Serialize;

/// What makes an inject fire.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MselTrigger {
    /// At a scenario time.
    At { t_s: i64 },
    /// A delay after another inject fired.
    AfterInject { inject: String, delay_s: i64 },
    /// A delay after a team (any team: `None`) took an action.
    OnAction {
        action: ActionKind,
        team: Option<String>,
        delay_s: i64,
    },
    /// At `by_s` unless the action was taken by then.
    NoActionBy {
        action: ActionKind,
        team: Option<String>,
        by_s: i64,
    },
    /// Held for a controller to release (a contingency inject, or one with no time).
    Contingency,
}

/// Where an inject stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MselState {
    /// Delivered.
    Fired,
    /// Scheduled at a time still ahead.
    Due,
    /// Waiting for its condition.
    Waiting,
    /// A contingency inject not released.
    Held,
}

/// One inject of the list.
#[derive(Debug, Clone, Serialize)]
pub struct MselEntry {
    pub inject: String,
    pub from: String,
    pub to: Vec<String>,
    pub channel: Channel,
    pub expected_action: Option<String>,
    pub objective: Option<String>,
    pub trigger: MselTrigger,
    /// Scenario time the plan gives it, if any.
    pub planned_s: Option<i64>,
    /// Scenario time it fired.
    pub fired_s: Option<i64>,
    /// Teams of `to` that acknowledged it.
    pub acknowledged_by: Vec<String>,
    pub state: MselState,
}

impl Exercise {
    /// The list, in the plan's order.
    pub fn msel(&self) -> Vec<MselEntry> {
        let def = &self.plan.def;
        def.injects
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let planned_s = self.plan.inject_at_s[i];
                let trigger = match (&self.plan.inject_condition[i], planned_s) {
                    (Some(PlannedCondition::AfterInject { inject, delay_s }), _) => {
                        MselTrigger::AfterInject {
                            inject: def.injects[*inject].id.clone(),
                            delay_s: *delay_s,
                        }
                    }
                    (
                        Some(PlannedCondition::Action {
                            action,
                            team,
                            delay_s,
                            ..
                        }),
                        _,
                    ) => MselTrigger::OnAction {
                        action: *action,
                        team: team.clone(),
                        delay_s: *delay_s,
                    },
                    (
                        Some(PlannedCondition::NoAction {
                            action, team, by_s, ..
                        }),
                        _,
                    ) => MselTrigger::NoActionBy {
                        action: *action,
                        team: team.clone(),
                        by_s: *by_s,
                    },
                    // A timed contingency inject waits for the controller (as in `Exercise::new`).
                    (None, Some(t_s)) if !d.contingency => MselTrigger::At { t_s },
                    (None, _) => MselTrigger::Contingency,
                };
                let fired_s = self.injects.fired_at[i];
                let state = match (fired_s, &trigger) {
                    (Some(_), _) => MselState::Fired,
                    (None, MselTrigger::Contingency) => MselState::Held,
                    (None, MselTrigger::At { .. }) => MselState::Due,
                    (None, _) => MselState::Waiting,
                };
                let acknowledged_by =
                    d.to.iter()
                        .filter(|t| {
                            self.injects.was_delivered(t, i) && self.injects.is_acknowledged(t, i)
                        })
                        .cloned()
                        .collect();
                MselEntry {
                    inject: d.id.clone(),
                    from: d.from.clone(),
                    to: d.to.clone(),
                    channel: d.channel,
                    expected_action: d.expected_action.clone(),
                    objective: d.objective.clone(),
                    trigger,
                    planned_s,
                    fired_s,
                    acknowledged_by,
                    state,
                }
            })
            .collect()
    }
}
