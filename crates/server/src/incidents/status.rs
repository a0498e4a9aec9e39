//! The life of an incident record: its states ([`IncidentStatus`]) and every allowed
//! transition in one table, [`IncidentStatus::after`].

use crate::error::ApiError;
use crate::records::bad_transition;
use serde::{Deserialize, Serialize};

/// The state of an incident (stored and sent in lowercase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IncidentStatus {
    /// Its run is queued or running (exercise incidents are created complete).
    Running,
    /// The run stored its layers, summary and CAP proposal.
    Complete,
    /// The run failed, timed out or was interrupted by a restart.
    Failed,
    /// Closed by its organisation (a queued or running run is cancelled).
    Closed,
}

/// What happens to an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentAction {
    /// The run finished.
    Complete,
    /// The run failed (or the server stopped during it).
    Fail,
    /// Its organisation closed it.
    Close,
    /// The watch saw a revised event: the run starts again (a running run is cancelled first).
    Rerun,
}

impl IncidentStatus {
    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Running => "running",
            IncidentStatus::Complete => "complete",
            IncidentStatus::Failed => "failed",
            IncidentStatus::Closed => "closed",
        }
    }

    /// The state after `action`; 409 when `action` is not allowed in this state.
    pub fn after(self, action: IncidentAction) -> Result<IncidentStatus, ApiError> {
        use IncidentAction as A;
        use IncidentStatus as S;
        match (self, action) {
            (S::Running, A::Complete) => Ok(S::Complete),
            (S::Running, A::Fail) => Ok(S::Failed),
            (S::Running | S::Complete | S::Failed, A::Close) => Ok(S::Closed),
            (S::Running | S::Complete | S::Failed, A::Rerun) => Ok(S::Running),
            _ => Err(bad_transition("incident", self.as_str(), action.as_str())),
        }
    }
}

impl IncidentAction {
    fn as_str(self) -> &'static str {
        match self {
            IncidentAction::Complete => "complete",
            IncidentAction::Fail => "fail",
            IncidentAction::Close => "close",
            IncidentAction::Rerun => "re-run",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_ends_once_and_a_closed_incident_stays_closed() {
        use IncidentAction as A;
        use IncidentStatus as S;
        assert_eq!(S::Running.after(A::Complete).unwrap(), S::Complete);
        assert_eq!(S::Running.after(A::Fail).unwrap(), S::Failed);
        for s in [S::Complete, S::Failed, S::Closed] {
            assert!(s.after(A::Complete).is_err());
            assert!(s.after(A::Fail).is_err());
        }
        for s in [S::Running, S::Complete, S::Failed] {
            assert_eq!(s.after(A::Close).unwrap(), S::Closed);
        }
        for s in [S::Running, S::Complete, S::Failed] {
            assert_eq!(s.after(A::Rerun).unwrap(), S::Running);
        }
        assert!(S::Closed.after(A::Rerun).is_err());
        let e = S::Closed.after(A::Close).unwrap_err();
        assert_eq!(e.error, "cannot close an incident that is closed");
        for s in [S::Running, S::Complete, S::Failed, S::Closed] {
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
    }
}
