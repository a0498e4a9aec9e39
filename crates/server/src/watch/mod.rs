//! The proactive watch on the server: pollers for the sources of `--watch FILE.toml`
//! (poll.rs: conditional GET, timeouts, exponential backoff, health), the automatic
//! incidents made from associated events (act.rs) and the draft CAP alerts made when their
//! runs complete (drafts.rs). Parsing, association and the rules are in forewarn-watch.
//! docs/watch.md describes the behaviour; `GET /api/watch/sources` shows each source's health.

pub mod act;
pub mod auto_publish;
pub mod drafts;
pub mod leader;
pub mod pause;
pub mod poll;
pub mod rules_api;
pub mod sources_api;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::Caller;
use axum::extract::State;
use forewarn_impact::AlertLevel;
use forewarn_watch::{Associator, OrgRules, QuakeReport, WatchConfig, WatchEvent};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The actor of the watch's journal entries.
pub const WATCH_ACTOR: &str = "watch";
/// Buffer of the demo areas of interest around each country, km (the default).
pub const DEMO_BUFFER_KM: f64 = 100.0;

/// What an automatic incident keeps of its watch event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchLink {
    /// The associated event's key (`agency:event_id` of its first report).
    pub event_key: String,
    /// The report the current run used (the event's preferred origin).
    pub preferred: QuakeReport,
    /// Runs made so far (1 for the first; a revision adds one).
    pub runs: u32,
    /// The alert level and deaths band of the last completed run drafts were decided on.
    #[serde(default)]
    pub assessed: Option<Assessed>,
    /// Every report of the event was deleted by its agency.
    #[serde(default)]
    pub deleted: bool,
}

/// The part of a run's result whose change is material (drafts a CAP Update).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessed {
    pub alert_level: String,
    /// PAGER fatality band of the median deaths: 0 (< 1), 1 (1-9), 2 (10-99), 3 (100-999),
    /// 4 (1,000-9,999), 5 (10,000-99,999), 6 (100,000 or more) (Jaiswal & Wald 2010, the
    /// PAGER alert bands).
    pub deaths_band: u8,
}

/// One organisation's rules and the alert level from which its runs draft a warning.
#[derive(Debug, Clone)]
pub struct OrgWatch {
    pub rules: OrgRules,
    pub draft_from: AlertLevel,
}

/// A source's health, rewritten at every poll (and stored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceHealth {
    /// `pending` (not polled yet), `ok`, `failing`, or `paused`.
    pub status: String,
    pub last_poll: Option<String>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub consecutive_failures: u32,
    /// Seconds until the next poll as decided after the last one (the poll interval, or the
    /// backoff after failures).
    pub next_poll_in_s: f64,
    pub polls: u64,
    /// Polls answered 304 Not Modified.
    pub not_modified: u64,
    /// Items in the bodies received.
    pub items_seen: u64,
    /// Items read and new or changed (a new report, a revision, a deletion).
    pub items_accepted: u64,
    /// Items read but already known (the same report again).
    pub items_unchanged: u64,
    /// Items rejected as malformed (their reasons are logged; the last ones are below).
    pub items_rejected: u64,
    #[serde(default)]
    pub recent_rejections: Vec<Value>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// For a gauge with thresholds: the last crossing seen.
    #[serde(default)]
    pub last_crossing: Option<Value>,
}

/// Rejections kept per source in its health record.
pub const RECENT_REJECTIONS: usize = 20;

/// The watch of this server process.
pub struct WatchService {
    pub config: WatchConfig,
    pub assoc: tokio::sync::Mutex<Associator>,
    pub health: Mutex<BTreeMap<String, SourceHealth>>,
    /// Each organisation's rules in force (the `--demo` defaults, replaced by stored rules;
    /// rules_api.rs). Readers take the current list and keep it for one piece of work.
    orgs: std::sync::RwLock<Arc<Vec<OrgWatch>>>,
    /// The HTTP client of the pollers.
    pub client: reqwest::Client,
    /// CAP feed entries already read: (source, entry id, updated).
    pub cap_seen: Mutex<std::collections::HashSet<(String, String, String)>>,
    /// Sources paused by the regional centre's admin (watch/pause.rs): not polled.
    pub paused: Mutex<std::collections::HashSet<String>>,
    /// The alarm channels (`[smtp]`, `[[alarm]]`), when the file has alarm tables.
    pub alarms: Option<Arc<crate::alarms::AlarmService>>,
    /// Sources the regional centre's admin added through the API (sources_api.rs), after the
    /// file's: only ever appended, so a source's index stays its own.
    added: std::sync::RwLock<Vec<forewarn_watch::SourceConfig>>,
    /// Until when (ms since the epoch) this node holds the watch lease; 0 on standby
    /// (leader.rs).
    pub lease_until_ms: std::sync::atomic::AtomicI64,
    /// Whether this node holds the lease, for the pollers to wait on (leader.rs).
    pub leading: tokio::sync::watch::Sender<bool>,
}

impl OrgWatch {
    /// The demo rules of organisation `org` whose country has `boundary`: the country plus
    /// [`DEMO_BUFFER_KM`], M >= 5.0 at depth <= 70 km and M >= 6.0 deeper, every source
    /// trusted, and drafts from every assessed event (Green up) so that the duty officer sees
    /// each one.
    pub fn demo(org: &str, boundary: geo::MultiPolygon<f64>) -> OrgWatch {
        OrgWatch {
            rules: OrgRules {
                org: org.to_string(),
                area: forewarn_watch::AreaOfInterest::new(boundary, DEMO_BUFFER_KM),
                magnitude_steps: OrgRules::default_steps(),
                trusted_sources: vec![],
            },
            draft_from: AlertLevel::Green,
        }
    }
}

/// The demo rules of each member state's organisation ([`OrgWatch::demo`]).
pub fn demo_rules() -> Result<Vec<OrgWatch>, String> {
    crate::COUNTRY_ORGS
        .iter()
        .map(|code| {
            let boundary = rules_api::boundary_of(&code.to_uppercase())
                .map_err(|e| format!("demo rules for {code}: {}", e.error))?;
            Ok(OrgWatch::demo(code, boundary))
        })
        .collect()
}

/// The associated events stored so far (by this node or another), for the association.
pub async fn stored_events(st: &AppState) -> Result<Vec<WatchEvent>, String> {
    let rows = st
        .store
        .watch_events(forewarn_watch::assoc::MAX_EVENTS as i64)
        .await
        .map_err(|e| format!("reading the stored watch events: {e}"))?;
    let mut events = Vec::new();
    for r in rows {
        match serde_json::from_value::<WatchEvent>(r.data) {
            Ok(e) => events.push(e),
            Err(e) => {
                tracing::warn!(event = %r.event_key, "stored watch event unreadable, dropped: {e}")
            }
        }
    }
    Ok(events)
}

impl WatchService {
    /// The service for `config`, with the events stored by earlier runs.
    pub async fn new(
        st: &AppState,
        config: WatchConfig,
        orgs: Vec<OrgWatch>,
    ) -> Result<WatchService, String> {
        let events = stored_events(st).await?;
        let stored: BTreeMap<String, Value> = st
            .store
            .source_health()
            .await
            .map_err(|e| format!("reading the stored source health: {e}"))?
            .into_iter()
            .collect();
        let added = sources_api::stored_sources(st, &config).await?;
        // Each source starts pending, with the counts and validators stored before.
        let mut health = BTreeMap::new();
        for s in config.sources.iter().chain(&added) {
            let mut h: SourceHealth = stored
                .get(&s.name)
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default();
            h.status = "pending".into();
            h.consecutive_failures = 0;
            health.insert(s.name.clone(), h);
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("forewarn-watch/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        let alarms = if config.alarms.is_empty() {
            None
        } else {
            Some(Arc::new(crate::alarms::AlarmService::new(
                &config,
                client.clone(),
            )?))
        };
        let paused = pause::paused_names(st)
            .await
            .map_err(|e| format!("reading the paused sources: {}", e.error))?;
        let svc = WatchService {
            added: std::sync::RwLock::new(added),
            paused: Mutex::new(paused),
            alarms,
            assoc: tokio::sync::Mutex::new(Associator::new(config.association.clone(), events)),
            config,
            health: Mutex::new(health),
            orgs: std::sync::RwLock::new(Arc::new(orgs)),
            client,
            cap_seen: Mutex::new(std::collections::HashSet::new()),
            lease_until_ms: std::sync::atomic::AtomicI64::new(0),
            leading: tokio::sync::watch::Sender::new(false),
        };
        // Rules an organisation's admin stored replace the starting ones.
        rules_api::apply_stored(st, &svc).await?;
        Ok(svc)
    }

    /// Every watched source: the file's, then those added through the API.
    pub fn sources(&self) -> Vec<forewarn_watch::SourceConfig> {
        let added = self.added.read().unwrap_or_else(|p| p.into_inner());
        self.config
            .sources
            .iter()
            .chain(added.iter())
            .cloned()
            .collect()
    }

    /// Source `i` of [`WatchService::sources`].
    pub fn source(&self, i: usize) -> Option<forewarn_watch::SourceConfig> {
        let n = self.config.sources.len();
        match self.config.sources.get(i) {
            Some(s) => Some(s.clone()),
            None => self
                .added
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(i - n)
                .cloned(),
        }
    }

    /// Whether a source of that name is watched.
    pub fn has_source(&self, name: &str) -> bool {
        let added = self.added.read().unwrap_or_else(|p| p.into_inner());
        self.config
            .sources
            .iter()
            .chain(added.iter())
            .any(|s| s.name == name)
    }

    /// Appends a source added through the API and returns its index (see
    /// [`WatchService::source`]); `None` when the name is taken.
    fn add_source(&self, src: forewarn_watch::SourceConfig) -> Option<usize> {
        let mut added = self.added.write().unwrap_or_else(|p| p.into_inner());
        if self
            .config
            .sources
            .iter()
            .chain(added.iter())
            .any(|s| s.name == src.name)
        {
            return None;
        }
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                src.name.clone(),
                SourceHealth {
                    status: "pending".into(),
                    ..Default::default()
                },
            );
        added.push(src);
        Some(self.config.sources.len() + added.len() - 1)
    }

    /// The rules in force, every organisation that has them.
    pub fn orgs(&self) -> Arc<Vec<OrgWatch>> {
        self.orgs.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// One organisation's rules in force.
    pub fn org(&self, code: &str) -> Option<OrgWatch> {
        self.orgs().iter().find(|o| o.rules.org == code).cloned()
    }

    /// Puts `rules` in force for `code` (`None`: the watch alarms it for nothing).
    pub fn set_org(&self, code: &str, rules: Option<OrgWatch>) {
        let mut g = self.orgs.write().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<OrgWatch> = (**g).clone();
        // In place when the organisation had rules (the order of the others stays).
        match (v.iter().position(|o| o.rules.org == code), rules) {
            (Some(i), Some(r)) => v[i] = r,
            (Some(i), None) => {
                v.remove(i);
            }
            (None, Some(r)) => v.push(r),
            (None, None) => {}
        }
        *g = Arc::new(v);
    }
}

/// The running watch for a change that only the regional centre's admin may make (pausing,
/// adding a source): 403 for anyone else, 409 when the server runs without `--watch`.
pub fn for_regional_admin(st: &AppState, caller: &Caller) -> Result<Arc<WatchService>, ApiError> {
    caller.require(forewarn_store::UserRole::Admin)?;
    caller.require_org(crate::RC)?;
    st.watch
        .get()
        .cloned()
        .ok_or_else(|| ApiError::conflict("the server runs without --watch"))
}

/// Starts the watch: the lease (leader.rs) and one poller task per source, which polls while
/// this node holds the lease.
pub fn start(st: &AppState, svc: Arc<WatchService>) {
    let _ = st.watch.set(svc.clone());
    tokio::spawn(leader::run(st.clone(), svc.clone()));
    for i in 0..svc.sources().len() {
        tokio::spawn(poll::run_source(st.clone(), svc.clone(), i));
    }
    if let Some(alarms) = &svc.alarms {
        tokio::spawn(crate::alarms::escalation_loop(
            st.clone(),
            alarms.clone(),
            svc.clone(),
        ));
    }
}

/// `GET /api/watch/sources`: every configured source with its health.
pub async fn sources(
    State(st): State<AppState>,
    _caller: Caller,
) -> Result<axum::Json<Value>, ApiError> {
    let Some(svc) = st.watch.get() else {
        return Ok(axum::Json(json!({"items": [], "watching": false})));
    };
    let health = svc.health.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let file_sources = svc.config.sources.len();
    let items: Vec<Value> = svc
        .sources()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let h = health.get(&s.name).cloned().unwrap_or_default();
            let paused = svc
                .paused
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&s.name);
            let mut v = json!({
                "paused": paused,
                "name": s.name, "kind": s.kind.as_str(), "url": s.url, "poll_s": s.poll_s,
                "timeout_s": s.timeout_s, "agency": s.agency, "thresholds": s.thresholds,
                "health": h,
                "added_through_api": i >= file_sources,
            });
            // The health fields also at the top level, for simple clients.
            if let (Some(obj), Ok(Value::Object(hm))) =
                (v.as_object_mut(), serde_json::to_value(&h))
            {
                for (k, x) in hm {
                    obj.entry(k).or_insert(x);
                }
            }
            v
        })
        .collect();
    // Which node polls (several nodes on one database: leader.rs).
    let polling_node = if svc.may_poll() {
        Some(st.node_id.to_string())
    } else {
        st.store
            .lease_holder(leader::LEASE)
            .await?
            .filter(|(_, until)| *until > forewarn_store::now_ms())
            .map(|(holder, _)| holder)
    };
    Ok(axum::Json(json!({
        "items": items,
        "watching": true,
        "polling_node": polling_node,
        "this_node": &*st.node_id,
    })))
}
