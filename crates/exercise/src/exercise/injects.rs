//! The MSEL as it runs: delivering injects to teams, their conditions (after an inject, on
//! an action, on no action by a deadline), controllers' releases, and each team's inbox with
//! its acknowledgements.

use super::Exercise;
use super::events::Event;
use crate::action::Action;
use crate::def::ActionKind;
use crate::journal::Body;
use crate::plan::PlannedCondition;
use crate::time;
use std::collections::{BTreeMap, BTreeSet};

/// An inject as a team sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeliveredInject {
    pub inject: String,
    pub t_s: i64,
    pub from: String,
    pub channel: crate::def::Channel,
    pub content: String,
    pub expected_action: Option<String>,
}

/// An inject in a team's inbox, with whether the team acknowledged it.
#[derive(Debug, Clone)]
pub struct InboxInject {
    pub inject: DeliveredInject,
    pub acknowledged: bool,
}

/// Injects that expect an action: how many were delivered, and how many of them the
/// receiving team acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InjectAcks {
    pub delivered: usize,
    pub acknowledged: usize,
}

/// One delivery of an inject (index in the plan) to a team.
#[derive(Debug, Clone, Copy)]
struct Delivery {
    inject: usize,
    t_s: i64,
}

/// Where each inject of the plan stands.
#[derive(Debug, Clone)]
pub(super) struct InjectState {
    /// When each inject fired (by index in the plan).
    pub fired_at: Vec<Option<i64>>,
    /// Whether an inject's condition has scheduled it.
    condition_armed: Vec<bool>,
    /// Each team's deliveries, in order.
    delivered: BTreeMap<String, Vec<Delivery>>,
    /// Each team's acknowledged injects (indices in the plan).
    acknowledged: BTreeMap<String, BTreeSet<usize>>,
}

impl InjectState {
    pub fn new(injects: usize) -> InjectState {
        InjectState {
            fired_at: vec![None; injects],
            condition_armed: vec![false; injects],
            delivered: BTreeMap::new(),
            acknowledged: BTreeMap::new(),
        }
    }

    pub fn was_delivered(&self, team: &str, inject: usize) -> bool {
        self.delivered
            .get(team)
            .is_some_and(|v| v.iter().any(|d| d.inject == inject))
    }

    pub fn acknowledge(&mut self, team: &str, inject: usize) {
        self.acknowledged
            .entry(team.to_string())
            .or_default()
            .insert(inject);
    }

    pub(super) fn is_acknowledged(&self, team: &str, inject: usize) -> bool {
        self.acknowledged
            .get(team)
            .is_some_and(|s| s.contains(&inject))
    }
}

impl Exercise {
    /// Injects delivered to `team` that are not acknowledged yet.
    pub fn pending_injects(&self, team: &str) -> Vec<DeliveredInject> {
        self.delivered_injects(team)
            .into_iter()
            .filter(|e| !e.acknowledged)
            .map(|e| e.inject)
            .collect()
    }

    /// Every inject delivered to `team`, in delivery order, in the team's language, with
    /// whether the team has acknowledged it.
    pub fn delivered_injects(&self, team: &str) -> Vec<InboxInject> {
        let lang = self
            .plan
            .team(team)
            .map(|t| t.language.clone())
            .unwrap_or_default();
        self.injects
            .delivered
            .get(team)
            .map(|v| {
                v.iter()
                    .map(|del| {
                        let d = &self.plan.def.injects[del.inject];
                        InboxInject {
                            inject: DeliveredInject {
                                inject: d.id.clone(),
                                t_s: del.t_s,
                                from: crate::def::translated(&d.from, &d.from_i18n, &lang),
                                channel: d.channel,
                                content: crate::def::text_in(&d.content, &lang),
                                expected_action: d.expected_action.as_ref().map(|a| {
                                    crate::def::translated(a, &d.expected_action_i18n, &lang)
                                }),
                            },
                            acknowledged: self.injects.is_acknowledged(team, del.inject),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Injects expecting an action delivered to `team` (every team: `None`) and acknowledged.
    pub(crate) fn delivered_and_acknowledged(&self, team: Option<&str>) -> InjectAcks {
        let mut acks = InjectAcks {
            delivered: 0,
            acknowledged: 0,
        };
        for (t, v) in &self.injects.delivered {
            if team.is_some_and(|x| x != t) {
                continue;
            }
            for del in v {
                if self.plan.def.injects[del.inject].expected_action.is_some() {
                    acks.delivered += 1;
                    if self.injects.is_acknowledged(t, del.inject) {
                        acks.acknowledged += 1;
                    }
                }
            }
        }
        acks
    }

    /// When each inject fired (None: never).
    pub fn inject_fired_at(&self, id: &str) -> Option<i64> {
        self.plan
            .def
            .injects
            .iter()
            .position(|d| d.id == id)
            .and_then(|i| self.injects.fired_at[i])
    }

    /// Delivers inject `i` (once): journals it, generates its CAP message for a CAP channel,
    /// fills the recipients' inboxes, lets bots acknowledge it and arms the injects that
    /// follow it.
    pub(super) fn fire_inject(&mut self, i: usize, trigger: String) {
        if self.injects.fired_at[i].is_some() {
            return;
        }
        self.injects.fired_at[i] = Some(self.now_s);
        let d = self.plan.def.injects[i].clone();
        self.record(Body::Inject {
            inject: d.id.clone(),
            from: d.from.clone(),
            to: d.to.clone(),
            channel: d.channel,
            hazard: d.hazard.clone(),
            objective: d.objective.clone(),
            expected_action: d.expected_action.clone(),
            contingency: d.contingency,
            trigger,
            content: d.content.clone(),
        });
        if d.channel == crate::def::Channel::Cap {
            self.agency_alert(&d);
        }
        for team in &d.to {
            self.injects
                .delivered
                .entry(team.clone())
                .or_default()
                .push(Delivery {
                    inject: i,
                    t_s: self.now_s,
                });
        }
        self.bots_acknowledge(&d);
        // Injects that follow this one.
        for j in 0..self.plan.def.injects.len() {
            if let Some(PlannedCondition::AfterInject { inject, delay_s }) =
                &self.plan.inject_condition[j]
                && *inject == i
                && !self.injects.condition_armed[j]
            {
                self.injects.condition_armed[j] = true;
                let at = (self.now_s + delay_s).max(self.plan.inject_at_s[j].unwrap_or(0));
                let trigger = format!("condition: after inject {}", d.id);
                self.schedule(at, Event::Inject { inject: j, trigger });
            }
        }
    }

    /// The deadline of inject `inject`'s "no action by" condition: fires it unless the action
    /// was taken in time.
    pub(super) fn deadline(&mut self, inject: usize) {
        if let Some(PlannedCondition::NoAction {
            action,
            team,
            hazard,
            by_s,
        }) = self.plan.inject_condition[inject].clone()
        {
            let done = self
                .actions
                .iter()
                .any(|a| a.t_s <= by_s && self.matches(action, &team, &hazard, &a.team, &a.action));
            if !done && self.injects.fired_at[inject].is_none() {
                let who = team.clone().unwrap_or_else(|| "any team".into());
                let trigger = format!(
                    "condition: no {:?} by {who} by {}",
                    action,
                    time::label(by_s)
                )
                .to_lowercase();
                self.fire_inject(inject, trigger);
            }
        }
    }

    /// Whether action `a` of `by_team` is what a condition (kind, team, hazard) waits for.
    fn matches(
        &self,
        action_kind: ActionKind,
        team: &Option<String>,
        hazard: &Option<String>,
        by_team: &str,
        a: &Action,
    ) -> bool {
        a.kind() == action_kind
            && team.as_ref().is_none_or(|t| t == by_team)
            && hazard
                .as_ref()
                .is_none_or(|h| a.hazard() == Some(h.as_str()))
    }

    /// Schedules the injects whose condition `action` of `team` meets.
    pub(super) fn arm_action_conditions(&mut self, team: &str, action: &Action) {
        for i in 0..self.plan.def.injects.len() {
            if self.injects.condition_armed[i] || self.injects.fired_at[i].is_some() {
                continue;
            }
            if let Some(PlannedCondition::Action {
                action: k,
                team: ct,
                hazard: ch,
                delay_s,
            }) = &self.plan.inject_condition[i]
                && self.matches(*k, ct, ch, team, action)
            {
                let at = (self.now_s + delay_s).max(self.plan.inject_at_s[i].unwrap_or(0));
                self.injects.condition_armed[i] = true;
                let trigger = format!(
                    "condition: {:?} by {team} at {}",
                    k,
                    time::label(self.now_s)
                )
                .to_lowercase();
                self.schedule(at, Event::Inject { inject: i, trigger });
            }
        }
    }
}
