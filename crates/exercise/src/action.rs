//! What players, bots, controllers and evaluators do.

use crate::def::{ActionKind, ResourceKind};
use serde::{Deserialize, Serialize};

/// HSEEP objective ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Rating {
    /// Performed without challenges.
    P,
    /// Performed with some challenges.
    S,
    /// Performed with major challenges.
    M,
    /// Unable to be performed.
    U,
}

impl Rating {
    pub fn label(self) -> &'static str {
        match self {
            Rating::P => "Performed without challenges",
            Rating::S => "Performed with some challenges",
            Rating::M => "Performed with major challenges",
            Rating::U => "Unable to be performed",
        }
    }
    pub fn letter(self) -> &'static str {
        match self {
            Rating::P => "P",
            Rating::S => "S",
            Rating::M => "M",
            Rating::U => "U",
        }
    }
}

/// One action by a team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Publish a public warning for a hazard to a country (default: the team's own). Produces
    /// a CAP alert with status Exercise.
    PublicWarning {
        hazard: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        country: Option<String>,
    },
    /// Ask for international assistance (EDXL-RM RequestResource).
    Request {
        resource: ResourceKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        country: Option<String>,
    },
    /// Answer a request (EDXL-RM CommitResource); the resource deploys at once.
    Offer { request: String },
    /// A situation report.
    Sitrep { text: String },
    /// Acknowledge an inject.
    Acknowledge { inject: String },
    /// A free message to other teams.
    Message { to: Vec<String>, text: String },
    /// An evaluator's rating of an objective.
    Rate {
        objective: String,
        rating: Rating,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A controller releases a contingency inject.
    Release { inject: String },
}

impl Action {
    /// The kind conditions match on (`Release` counts as a message).
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::PublicWarning { .. } => ActionKind::PublicWarning,
            Action::Request { .. } => ActionKind::Request,
            Action::Offer { .. } => ActionKind::Offer,
            Action::Sitrep { .. } => ActionKind::Sitrep,
            Action::Acknowledge { .. } => ActionKind::Acknowledge,
            Action::Message { .. } | Action::Release { .. } => ActionKind::Message,
            Action::Rate { .. } => ActionKind::Rate,
        }
    }

    /// The hazard the action concerns, if any.
    pub fn hazard(&self) -> Option<&str> {
        match self {
            Action::PublicWarning { hazard, .. } => Some(hazard),
            _ => None,
        }
    }
}
