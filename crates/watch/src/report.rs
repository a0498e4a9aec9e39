//! What the parsers produce: earthquake reports, gauge readings, the items they rejected, and
//! the errors that refuse a whole body.

use serde::{Deserialize, Serialize};

/// Whether a report was reviewed by a person, is automatic, or was withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Automatic,
    Reviewed,
    /// Withdrawn by its agency (USGS `status: deleted`, QuakeML/FDSN event type
    /// `not existing`).
    Deleted,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Automatic => "automatic",
            ReportStatus::Reviewed => "reviewed",
            ReportStatus::Deleted => "deleted",
        }
    }
}

/// One agency's report of one earthquake (one origin with its preferred magnitude).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuakeReport {
    /// The configured source the report came through.
    pub source: String,
    /// The reporting agency or network (USGS `net`, FDSN `Contributor`/`Author`, QuakeML
    /// `creationInfo/agencyID`), lower case.
    pub agency: String,
    /// The agency's event id (USGS `id`, e.g. `us7000abcd`).
    pub event_id: String,
    /// Other ids of the same event the source names (USGS `ids`).
    #[serde(default)]
    pub other_ids: Vec<String>,
    /// Origin time, milliseconds since 1970-01-01T00:00:00Z.
    pub origin_time_ms: i64,
    /// When the agency last changed the report (ms since the epoch), when known.
    pub updated_ms: Option<i64>,
    pub lat: f64,
    pub lon: f64,
    pub depth_km: f64,
    pub mag: f64,
    pub mag_type: Option<String>,
    pub status: ReportStatus,
    pub place: Option<String>,
}

impl QuakeReport {
    /// Range checks of the numbers (a deleted report needs none).
    pub fn check(&self) -> Result<(), String> {
        if self.status == ReportStatus::Deleted {
            return Ok(());
        }
        let range = |v: f64, lo: f64, hi: f64, f: &str| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("{f} {v} is not within {lo} to {hi}"))
            }
        };
        range(self.lat, -90.0, 90.0, "latitude")?;
        range(self.lon, -180.0, 180.0, "longitude")?;
        // Catalogues report depths above sea level as small negative numbers; the deepest
        // earthquakes are about 700 km deep.
        range(self.depth_km, -10.0, 800.0, "depth_km")?;
        range(self.mag, -2.0, 10.5, "magnitude")?;
        Ok(())
    }

    /// `agency:event_id`, the report's identity.
    pub fn key(&self) -> String {
        format!("{}:{}", self.agency, self.event_id)
    }
}

/// One reading of a gauge (water level or discharge).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GaugeReading {
    /// Milliseconds since the epoch.
    pub time_ms: i64,
    pub value: f64,
}

/// An item of a feed that was not used, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    /// Where it is: `features[3]`, `line 7`, `event[2]`, `entry[0]`, `value[5]`.
    pub at: String,
    /// Its id, when it could be read.
    pub id: Option<String>,
    pub reason: String,
}

/// The items of one body: those read, and those rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub items: Vec<T>,
    pub rejected: Vec<Rejected>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            items: Vec::new(),
            rejected: Vec::new(),
        }
    }
}

impl<T> Parsed<T> {
    pub(crate) fn reject(&mut self, at: String, id: Option<String>, reason: impl Into<String>) {
        self.rejected.push(Rejected {
            at,
            id,
            reason: reason.into(),
        });
    }
}

/// A body refused whole.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FeedError {
    #[error("refused: {0}")]
    Limit(String),
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("a {0} source has no earthquake reports")]
    WrongKind(&'static str),
}
