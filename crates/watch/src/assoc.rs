//! One event from many reports: association, the preferred origin, revisions and deletions.
//!
//! A report joins an event when
//! 1. it has the identity (`agency:event_id`) of one of the event's reports, or one of the
//!    ids the source lists for it (USGS `ids`) is one of the event's ids: a revision; or
//! 2. its origin is within [`AssocConfig::time_window_s`] (16 s) and
//!    [`AssocConfig::distance_km`] (100 km) of the event's preferred origin and its magnitude
//!    within [`AssocConfig::magnitude_window`] (1.0) of the preferred magnitude. 16 s and
//!    100 km are the windows of the USGS ComCat associator
//!    (<https://earthquake.usgs.gov/data/comcat/association.php>); the magnitude window is
//!    ours, wide enough for an early automatic magnitude against a later Mw.
//!
//! The preferred report is the first non-deleted one in [`AssocConfig::agency_order`]
//! (agencies not listed come after, reviewed before automatic, then the latest update). A
//! revision replaces its report when it is not older (`updated`); an event whose reports are
//! all deleted is deleted. Every change says whether the preferred origin moved enough for a
//! new assessment ([`RERUN_MAG`], [`RERUN_DISTANCE_KM`], [`RERUN_DEPTH_KM`]).

use crate::report::{QuakeReport, ReportStatus};
use forewarn_core::geo_types::haversine_km;
use serde::{Deserialize, Serialize};

/// A magnitude change of at least this re-runs the assessment.
pub const RERUN_MAG: f64 = 0.1;
/// An epicentre move of at least this (km) re-runs the assessment.
pub const RERUN_DISTANCE_KM: f64 = 10.0;
/// A depth change of at least this (km) re-runs the assessment.
pub const RERUN_DEPTH_KM: f64 = 10.0;
/// Most events kept; the oldest by origin time are dropped first.
pub const MAX_EVENTS: usize = 10_000;
/// Most reports kept per event.
pub const MAX_REPORTS_PER_EVENT: usize = 32;

/// The association windows and the agency order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssocConfig {
    pub agency_order: Vec<String>,
    pub time_window_s: f64,
    pub distance_km: f64,
    pub magnitude_window: f64,
}

impl Default for AssocConfig {
    fn default() -> Self {
        AssocConfig {
            agency_order: Vec::new(),
            time_window_s: 16.0,
            distance_km: 100.0,
            magnitude_window: 1.0,
        }
    }
}

/// One event: every agency's latest report of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchEvent {
    /// Stable key: `agency:event_id` of the first report.
    pub key: String,
    pub reports: Vec<QuakeReport>,
    pub deleted: bool,
}

impl WatchEvent {
    /// The preferred report (see the module documentation); `None` when all are deleted.
    pub fn preferred(&self, cfg: &AssocConfig) -> Option<&QuakeReport> {
        let rank = |r: &QuakeReport| {
            let agency = cfg
                .agency_order
                .iter()
                .position(|a| a.eq_ignore_ascii_case(&r.agency))
                .unwrap_or(cfg.agency_order.len());
            let reviewed = usize::from(r.status != ReportStatus::Reviewed);
            (
                agency,
                reviewed,
                std::cmp::Reverse(r.updated_ms.unwrap_or(0)),
            )
        };
        self.reports
            .iter()
            .filter(|r| r.status != ReportStatus::Deleted)
            .min_by_key(|r| rank(r))
    }

    /// Every agency id of the event (`us7000abcd`, ...), sorted, without duplicates.
    pub fn source_event_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .reports
            .iter()
            .flat_map(|r| std::iter::once(r.event_id.clone()).chain(r.other_ids.iter().cloned()))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    fn has_id(&self, r: &QuakeReport) -> Option<usize> {
        self.reports
            .iter()
            .position(|x| x.agency == r.agency && x.event_id == r.event_id)
            .or_else(|| {
                self.reports.iter().position(|x| {
                    r.other_ids.contains(&x.event_id)
                        || x.other_ids.contains(&r.event_id)
                        || r.other_ids.iter().any(|i| x.other_ids.contains(i))
                })
            })
    }
}

/// What a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new event.
    New,
    /// The preferred origin changed enough to assess again.
    Revised,
    /// Joined or revised without a material change of the preferred origin.
    Merged,
    /// Every report of the event is deleted.
    Deleted,
    /// Nothing new (a report seen before, or a deletion of an unknown event).
    Unchanged,
}

/// The outcome of one report.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    /// The event's key (empty for an unknown deletion).
    pub key: String,
    /// The event after the report.
    pub event: Option<WatchEvent>,
}

/// The events seen; a pure state machine the server feeds and persists.
#[derive(Debug, Clone, Default)]
pub struct Associator {
    pub cfg: AssocConfig,
    events: Vec<WatchEvent>,
}

fn moved(a: &QuakeReport, b: &QuakeReport) -> bool {
    (a.mag - b.mag).abs() >= RERUN_MAG - 1e-9
        || haversine_km(a.lon, a.lat, b.lon, b.lat) >= RERUN_DISTANCE_KM
        || (a.depth_km - b.depth_km).abs() >= RERUN_DEPTH_KM
}

impl Associator {
    pub fn new(cfg: AssocConfig, events: Vec<WatchEvent>) -> Associator {
        Associator { cfg, events }
    }

    pub fn events(&self) -> &[WatchEvent] {
        &self.events
    }

    pub fn event(&self, key: &str) -> Option<&WatchEvent> {
        self.events.iter().find(|e| e.key == key)
    }

    fn within(&self, e: &WatchEvent, r: &QuakeReport) -> bool {
        let Some(p) = e.preferred(&self.cfg) else {
            return false;
        };
        ((p.origin_time_ms - r.origin_time_ms).abs() as f64) <= self.cfg.time_window_s * 1000.0
            && haversine_km(p.lon, p.lat, r.lon, r.lat) <= self.cfg.distance_km
            && (p.mag - r.mag).abs() <= self.cfg.magnitude_window
    }

    /// Takes one report.
    pub fn ingest(&mut self, r: QuakeReport) -> Change {
        let found = self
            .events
            .iter()
            .enumerate()
            .find_map(|(i, e)| e.has_id(&r).map(|j| (i, Some(j))))
            .or_else(|| {
                if r.status == ReportStatus::Deleted {
                    return None;
                }
                // The closest event in time within the windows.
                self.events
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| !e.deleted && self.within(e, &r))
                    .min_by_key(|(_, e)| {
                        e.preferred(&self.cfg)
                            .map_or(i64::MAX, |p| (p.origin_time_ms - r.origin_time_ms).abs())
                    })
                    .map(|(i, _)| (i, None))
            });
        let Some((i, slot)) = found else {
            if r.status == ReportStatus::Deleted {
                return Change {
                    kind: ChangeKind::Unchanged,
                    key: String::new(),
                    event: None,
                };
            }
            let e = WatchEvent {
                key: r.key(),
                reports: vec![r],
                deleted: false,
            };
            let key = e.key.clone();
            self.events.push(e.clone());
            self.trim();
            return Change {
                kind: ChangeKind::New,
                key,
                event: Some(e),
            };
        };
        let cfg = self.cfg.clone();
        let e = &mut self.events[i];
        let before = e.preferred(&cfg).cloned();
        match slot {
            Some(j) => {
                let old = &e.reports[j];
                let same_report = old.agency == r.agency && old.event_id == r.event_id;
                let older = matches!((old.updated_ms, r.updated_ms), (Some(a), Some(b)) if b < a);
                if (same_report && *old == r) || older {
                    return Change {
                        kind: ChangeKind::Unchanged,
                        key: e.key.clone(),
                        event: Some(e.clone()),
                    };
                }
                if same_report {
                    e.reports[j] = r;
                } else if let Some(k) = e
                    .reports
                    .iter()
                    .position(|x| x.agency == r.agency && x.event_id == r.event_id)
                {
                    e.reports[k] = r;
                } else if e.reports.len() < MAX_REPORTS_PER_EVENT {
                    e.reports.push(r);
                }
            }
            None => {
                if e.reports.len() < MAX_REPORTS_PER_EVENT {
                    e.reports.push(r);
                }
            }
        }
        let after = e.preferred(&cfg).cloned();
        let kind = match (&before, &after) {
            (_, None) => {
                if e.deleted {
                    ChangeKind::Unchanged
                } else {
                    e.deleted = true;
                    ChangeKind::Deleted
                }
            }
            (None, Some(_)) => {
                e.deleted = false;
                ChangeKind::Revised
            }
            (Some(b), Some(a)) if moved(b, a) => ChangeKind::Revised,
            _ => ChangeKind::Merged,
        };
        Change {
            kind,
            key: e.key.clone(),
            event: Some(e.clone()),
        }
    }

    fn trim(&mut self) {
        if self.events.len() > MAX_EVENTS {
            let cfg = self.cfg.clone();
            self.events.sort_by_key(|e| {
                std::cmp::Reverse(
                    e.preferred(&cfg)
                        .or(e.reports.first())
                        .map_or(0, |r| r.origin_time_ms),
                )
            });
            self.events.truncate(MAX_EVENTS);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(agency: &str, id: &str, t: i64, lon: f64, lat: f64, mag: f64) -> QuakeReport {
        QuakeReport {
            source: "t".into(),
            agency: agency.into(),
            event_id: id.into(),
            other_ids: vec![],
            origin_time_ms: t,
            updated_ms: Some(t),
            lat,
            lon,
            depth_km: 10.0,
            mag,
            mag_type: None,
            status: ReportStatus::Automatic,
            place: None,
        }
    }

    #[test]
    fn two_agencies_one_event_and_preferred_order() {
        let mut a = Associator::new(
            AssocConfig {
                agency_order: vec!["pk".into(), "us".into()],
                ..AssocConfig::default()
            },
            vec![],
        );
        assert_eq!(
            a.ingest(rep("us", "us1", 0, 73.0, 34.0, 6.0)).kind,
            ChangeKind::New
        );
        // 8 s and ~40 km away, 0.3 magnitude units: the same event; pk is preferred.
        let c = a.ingest(rep("pk", "pk9", 8_000, 73.4, 34.1, 6.3));
        assert_eq!(c.kind, ChangeKind::Revised);
        let e = c.event.unwrap();
        assert_eq!(e.preferred(&a.cfg).unwrap().agency, "pk");
        assert_eq!(e.source_event_ids(), vec!["pk9", "us1"]);
        // 20 s later: a different event.
        assert_eq!(
            a.ingest(rep("emsc", "e1", 28_000, 73.0, 34.0, 6.0)).kind,
            ChangeKind::New
        );
        // The same report again: nothing new.
        assert_eq!(
            a.ingest(rep("pk", "pk9", 8_000, 73.4, 34.1, 6.3)).kind,
            ChangeKind::Unchanged
        );
        // Deleting both reports deletes the event.
        let mut d = rep("pk", "pk9", 8_000, 0.0, 0.0, 0.0);
        d.status = ReportStatus::Deleted;
        d.updated_ms = Some(9_000);
        assert_eq!(a.ingest(d).kind, ChangeKind::Revised);
        let mut d = rep("us", "us1", 0, 0.0, 0.0, 0.0);
        d.status = ReportStatus::Deleted;
        d.updated_ms = Some(9_000);
        assert_eq!(a.ingest(d).kind, ChangeKind::Deleted);
    }
}
