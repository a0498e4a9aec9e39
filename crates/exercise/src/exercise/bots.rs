//! Bot players: teams with a `[team.bot]` doctrine act by themselves (warn, request and offer
//! help, acknowledge injects, write situation reports) after the doctrine's delays plus a
//! seeded jitter, through the same checks as people ([`Exercise::act`]). Teams played by
//! people in a live run are never bots.

use super::Exercise;
use super::events::Event;
use crate::action::Action;
use crate::def::{InjectDef, ResourceKind, Role, Team};
use crate::hazards::HazardResult;
use crate::time;
use rand::RngExt;
use std::collections::BTreeSet;

/// What the bots have started.
#[derive(Debug, Clone, Default)]
pub(super) struct BotState {
    /// Teams whose periodic situation reports are scheduled.
    sitrep_started: BTreeSet<String>,
}

impl Exercise {
    /// Random delay added to a bot's doctrine delay, up to its `jitter_min`.
    fn jitter_s(&mut self, team: &str) -> i64 {
        let j = self
            .plan
            .team(team)
            .and_then(|t| t.bot.as_ref())
            .map_or(0.0, |b| b.jitter_min);
        if j > 0.0 {
            (self.rng.random::<f64>() * j * 60.0).round() as i64
        } else {
            0
        }
    }

    fn bot_schedule(&mut self, team: &str, after_min: f64, action: Action) {
        let at = self.now_s + (after_min * 60.0).round() as i64 + self.jitter_s(team);
        self.schedule(
            at,
            Event::BotAction {
                team: team.to_string(),
                action,
            },
        );
    }

    /// The teams bots play (none without `bots`).
    fn bot_teams(&self) -> Vec<Team> {
        if !self.opts.bots {
            return vec![];
        }
        self.plan
            .def
            .teams
            .iter()
            .filter(|t| t.bot.is_some() && !self.opts.human_teams.contains(&t.id))
            .cloned()
            .collect()
    }

    /// Bots of other countries offer what `requester` asked for.
    pub(super) fn bots_answer_request(
        &mut self,
        requester: &str,
        rid: &str,
        resource: ResourceKind,
        country: &str,
    ) {
        for t in self.bot_teams() {
            let Some(b) = &t.bot else { continue };
            if t.id == requester
                || self
                    .plan
                    .team_country
                    .get(&t.id)
                    .is_some_and(|c| c == country)
            {
                continue;
            }
            let after = match resource {
                ResourceKind::Usar if t.usar => b.offer_usar_after_min,
                ResourceKind::Relief if t.relief.is_some() => b.offer_relief_after_min,
                _ => None,
            };
            if let Some(m) = after {
                self.bot_schedule(
                    &t.id,
                    m,
                    Action::Offer {
                        request: rid.to_string(),
                    },
                );
            }
        }
    }

    /// A bot's scheduled action, unless the team did it meanwhile (a rejected one is
    /// journaled; the bot carries on).
    pub(super) fn bot_action(&mut self, team: &str, action: Action) {
        let skip = match &action {
            Action::Request { resource, .. } => self
                .logistics
                .requests
                .iter()
                .any(|r| r.team == team && r.resource == *resource),
            Action::PublicWarning { hazard, .. } => self
                .cap
                .warnings
                .iter()
                .any(|w| w.team == team && &w.hazard == hazard),
            _ => false,
        };
        if !skip {
            let _ = self.act(team, action, true);
        }
    }

    /// A bot's periodic situation report, and the next one.
    pub(super) fn bot_sitrep(&mut self, team: String) {
        let text = self.sitrep_text(&team);
        let _ = self.act(&team, Action::Sitrep { text }, true);
        if let Some(h) = self
            .plan
            .team(&team)
            .and_then(|t| t.bot.as_ref())
            .and_then(|b| b.sitrep_every_h)
        {
            let at = self.now_s + (h * 3600.0).round() as i64;
            self.schedule(at, Event::Sitrep { team });
        }
    }

    fn sitrep_text(&self, team: &str) -> String {
        let c = self
            .plan
            .team_country
            .get(team)
            .cloned()
            .unwrap_or_default();
        let impacts = &self.consequences.impacts;
        let at_risk: f64 = impacts
            .iter()
            .filter(|i| i.country == c)
            .map(|i| i.people)
            .sum();
        let deaths: f64 = impacts
            .iter()
            .filter(|i| i.country == c)
            .map(|i| i.deaths)
            .sum();
        let displaced = self.logistics.needs.get(&c).map_or(0.0, |n| n.displaced);
        format!(
            "SITREP {c} {}: people affected {at_risk:.0}, deaths {deaths:.0}, displaced {displaced:.0}, warnings issued {}",
            time::label(self.now_s),
            self.cap.warnings.iter().filter(|w| w.country == c).count()
        )
    }

    /// At hazard `h`'s onset, bot players of the countries it reaches schedule their
    /// doctrine: a warning, USAR and relief requests, situation reports.
    pub(super) fn bots_on_onset(&mut self, h: &HazardResult) {
        let countries = h.countries();
        for t in self.bot_teams() {
            let Some(b) = t.bot.clone() else { continue };
            if t.role != Role::Player {
                continue;
            }
            let Some(c) = self.plan.team_country.get(&t.id).cloned() else {
                continue;
            };
            if !countries.contains(&c) {
                continue;
            }
            if let Some(m) = b.warn_after_min {
                self.bot_schedule(
                    &t.id,
                    m,
                    Action::PublicWarning {
                        hazard: h.id.clone(),
                        country: None,
                    },
                );
            }
            let trapped: f64 = h
                .units
                .iter()
                .filter(|u| u.country == c)
                .map(|u| u.trapped)
                .sum();
            if let (Some(m), true) = (b.request_usar_after_min, trapped >= 1.0) {
                self.bot_schedule(
                    &t.id,
                    m,
                    Action::Request {
                        resource: ResourceKind::Usar,
                        country: None,
                    },
                );
            }
            let displaced: f64 = h
                .units
                .iter()
                .filter(|u| u.country == c)
                .map(|u| u.displaced)
                .sum();
            if let (Some(m), true) = (b.request_relief_after_min, displaced >= 1.0) {
                self.bot_schedule(
                    &t.id,
                    m,
                    Action::Request {
                        resource: ResourceKind::Relief,
                        country: None,
                    },
                );
            }
            if let Some(hh) = b.sitrep_every_h
                && self.bots.sitrep_started.insert(t.id.clone())
            {
                let at = self.now_s + (hh * 3600.0).round() as i64;
                self.schedule(at, Event::Sitrep { team: t.id.clone() });
            }
        }
    }

    /// Bots acknowledge the injects delivered to them that expect an action.
    pub(super) fn bots_acknowledge(&mut self, d: &InjectDef) {
        if d.expected_action.is_none() {
            return;
        }
        for t in self.bot_teams() {
            if let (true, Some(m)) = (
                d.to.contains(&t.id),
                t.bot.as_ref().and_then(|b| b.acknowledge_after_min),
            ) {
                self.bot_schedule(
                    &t.id,
                    m,
                    Action::Acknowledge {
                        inject: d.id.clone(),
                    },
                );
            }
        }
    }
}
