//! Alarms: when the watch drafts a warning, the people on duty of the organisation are told on
//! every channel its `[[alarm]]` table names (e-mail, signed webhooks; the web UI's banner
//! follows the journal's live events). An Orange or Red alarm nobody acknowledges within
//! `escalate_after_s` escalates to the organisation's approvers, then to the regional centre.
//! Alarms, deliveries, acknowledgements and escalations are journaled records (`alarm`).
//!
//! `GET /api/alarms`, `POST /api/alarms/{id}/acknowledge`, `GET /api/alarms/dead-letters`
//! (docs/watch.md).

pub mod deliver;

use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody};
use crate::incidents::Incident;
use crate::records::{self, ListQuery, ParentParam, Stored, next_id};
use crate::write::write_op;
use crate::{AppState, RC};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use forewarn_impact::AlertLevel;
use forewarn_store::{Reader, RecordFilter, UserRole, Visibility, now_ts};
use forewarn_watch::{AlarmConfig, SecretSource, WatchConfig};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How often unacknowledged alarms are checked for escalation.
pub const ESCALATION_CHECK: Duration = Duration::from_secs(1);
/// The last escalation level (0 the people on duty, 1 the approvers, 2 the regional centre).
pub const LAST_LEVEL: u8 = 2;

/// Whom escalation level `level` alarms.
pub fn level_name(level: u8) -> &'static str {
    match level {
        0 => "people on duty",
        1 => "approvers",
        _ => "regional centre",
    }
}

/// Whether an alarm is still waiting for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlarmStatus {
    /// Sent; nobody has acknowledged it yet.
    Raised,
    /// A person of the organisation acknowledged it (escalation stops).
    Acknowledged,
}

/// What happens to an alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmAction {
    Acknowledge,
    Escalate,
}

impl AlarmStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmStatus::Raised => "raised",
            AlarmStatus::Acknowledged => "acknowledged",
        }
    }

    /// The state after `action`; 409 when it is not allowed.
    pub fn after(self, action: AlarmAction) -> Result<AlarmStatus, ApiError> {
        match (self, action) {
            (AlarmStatus::Raised, AlarmAction::Acknowledge) => Ok(AlarmStatus::Acknowledged),
            (AlarmStatus::Raised, AlarmAction::Escalate) => Ok(AlarmStatus::Raised),
            (s, a) => Err(records::bad_transition(
                "alarm",
                s.as_str(),
                match a {
                    AlarmAction::Acknowledge => "acknowledge",
                    AlarmAction::Escalate => "escalate",
                },
            )),
        }
    }
}

/// The channel of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryChannel {
    Email,
    Webhook,
}

/// One message sent (or not) to one target.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    /// The escalation level it was sent at.
    pub level: u8,
    pub channel: DeliveryChannel,
    /// The address or URL.
    pub target: String,
    pub ok: bool,
    pub attempts: u32,
    pub error: Option<String>,
    /// Failed after every attempt: listed by `GET /api/alarms/dead-letters`.
    pub dead_letter: bool,
    pub at: String,
}

impl Delivery {
    pub fn new(
        level: u8,
        channel: DeliveryChannel,
        target: &str,
        attempts: u32,
        error: Option<String>,
    ) -> Delivery {
        Delivery {
            level,
            channel,
            target: target.to_string(),
            ok: error.is_none(),
            attempts,
            dead_letter: error.is_some(),
            error,
            at: now_ts(),
        }
    }
}

/// An alarm record.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Alarm {
    pub id: i64,
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub status: AlarmStatus,
    pub incident_id: Option<i64>,
    /// The draft that needs a person.
    pub alert_id: Option<i64>,
    /// The run's alert level (green, yellow, orange, red).
    #[schema(value_type = String)]
    pub alert_level: AlertLevel,
    pub title: String,
    /// What is needed ("draft alert awaiting approval").
    pub reason: String,
    /// 0 the people on duty, 1 the approvers, 2 the regional centre.
    pub escalation: u8,
    /// When it escalates next without an acknowledgement (Orange and Red only).
    pub escalate_at: Option<String>,
    pub deliveries: Vec<Delivery>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
    pub exercise_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

records::impl_stored!(Alarm, "alarm", parent = incident_id);

/// A webhook with its key resolved.
struct Hook {
    url: String,
    secret: Vec<u8>,
}

/// One organisation's resolved channels.
struct OrgChannels {
    config: AlarmConfig,
    hooks: Vec<Hook>,
}

/// The alarm channels of this server (from the `--watch` file).
pub struct AlarmService {
    orgs: Vec<OrgChannels>,
    mailer: Option<deliver::Mailer>,
    client: reqwest::Client,
}

impl AlarmService {
    /// Resolves secrets and builds the mail transport; the error names the field.
    pub fn new(cfg: &WatchConfig, client: reqwest::Client) -> Result<AlarmService, String> {
        let mailer = cfg.smtp.as_ref().map(deliver::Mailer::new).transpose()?;
        let mut orgs = Vec::new();
        for (i, a) in cfg.alarms.iter().enumerate() {
            let mut hooks = Vec::new();
            for (j, w) in a.webhooks.iter().enumerate() {
                let secret = match &w.secret {
                    SecretSource::Inline(s) => s.clone(),
                    SecretSource::Env(var) => std::env::var(var).map_err(|_| {
                        format!("alarm[{i}].webhook[{j}].secret_env: the variable {var} is not set")
                    })?,
                };
                hooks.push(Hook {
                    url: w.url.clone(),
                    secret: secret.into_bytes(),
                });
            }
            orgs.push(OrgChannels {
                config: a.clone(),
                hooks,
            });
        }
        Ok(AlarmService {
            orgs,
            mailer,
            client,
        })
    }

    fn org(&self, code: &str) -> Option<&OrgChannels> {
        self.orgs.iter().find(|o| o.config.org == code)
    }

    /// The e-mail addresses and webhooks of escalation `level` for organisation `org`.
    fn targets(&self, org: &str, level: u8) -> (Vec<String>, Vec<&Hook>) {
        match level {
            0 => self.org(org).map_or((vec![], vec![]), |o| {
                (o.config.email.clone(), o.hooks.iter().collect())
            }),
            1 => self.org(org).map_or((vec![], vec![]), |o| {
                (o.config.approvers_email.clone(), vec![])
            }),
            _ => self.org(RC).map_or((vec![], vec![]), |o| {
                (o.config.email.clone(), o.hooks.iter().collect())
            }),
        }
    }

    /// The next level after `level` that has someone to tell.
    fn next_level(&self, org: &str, level: u8) -> Option<u8> {
        (level + 1..=LAST_LEVEL).find(|l| {
            let (mail, hooks) = self.targets(org, *l);
            !(mail.is_empty() && hooks.is_empty())
        })
    }

    fn escalate_after(&self, org: &str) -> Option<Duration> {
        self.org(org)
            .map(|o| Duration::from_secs_f64(o.config.escalate_after_s))
    }
}

/// Whether alarms of `level` escalate (Orange and Red).
fn escalates(level: AlertLevel) -> bool {
    level >= AlertLevel::Orange
}

fn ts_after(d: Duration) -> String {
    let at = chrono::Utc::now() + chrono::Duration::from_std(d).unwrap_or_default();
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn link_base(st: &AppState) -> Option<String> {
    st.settings
        .public_url
        .as_ref()
        .map(|u| u.base().to_string())
}

/// The service of this process, when the watch runs with alarm tables.
fn service(st: &AppState) -> Option<Arc<AlarmService>> {
    st.watch.get().and_then(|w| w.alarms.clone())
}

/// What an alarm is about.
#[derive(Debug, Clone)]
pub struct AlarmSubject {
    pub org: String,
    pub incident_id: Option<i64>,
    pub alert_id: Option<i64>,
    pub alert_level: AlertLevel,
    pub title: String,
    pub reason: String,
    pub exercise_id: Option<i64>,
}

/// The alert level an incoming CAP message's severity stands for, the inverse of our own
/// warning matrix (Red is issued as Extreme, Orange as Severe, Yellow as
/// Moderate; crates/cap/data/warning_matrix.toml): only Extreme and Severe warnings escalate.
pub fn level_of_severity(severity: &str) -> AlertLevel {
    match severity {
        "Extreme" => AlertLevel::Red,
        "Severe" => AlertLevel::Orange,
        "Moderate" => AlertLevel::Yellow,
        _ => AlertLevel::Green,
    }
}

/// Raises an alarm for the draft `alert_id` of incident `inc` and sends it to the people on
/// duty.
pub async fn raise(st: &AppState, inc: &Incident, alert_id: i64, reason: &str) {
    raise_for(
        st,
        AlarmSubject {
            org: inc.org.clone(),
            incident_id: Some(inc.id),
            alert_id: Some(alert_id),
            alert_level: inc
                .alert_level
                .as_deref()
                .and_then(AlertLevel::parse)
                .unwrap_or(AlertLevel::Green),
            title: inc.title.clone(),
            reason: reason.to_string(),
            exercise_id: inc.exercise_id,
        },
    )
    .await;
}

/// Raises an alarm about `subject` and sends it to the people on duty. Organisations without
/// an `[[alarm]]` table get no alarm record (their banner still follows the journal).
pub async fn raise_for(st: &AppState, subject: AlarmSubject) {
    let Some(svc) = service(st) else { return };
    if svc.org(&subject.org).is_none() {
        return;
    }
    let escalate_at = (escalates(subject.alert_level) && svc.next_level(&subject.org, 0).is_some())
        .then(|| svc.escalate_after(&subject.org).map(ts_after))
        .flatten();
    let res: Result<Alarm, ApiError> = async {
        let mut tx = st.store.begin_write().await?;
        let now = now_ts();
        let a = Alarm {
            id: next_id::<Alarm>(&mut tx).await?,
            org: subject.org.clone(),
            visibility: Visibility::OwnOrg,
            status: AlarmStatus::Raised,
            incident_id: subject.incident_id,
            alert_id: subject.alert_id,
            alert_level: subject.alert_level,
            title: subject.title.clone(),
            reason: subject.reason.clone(),
            escalation: 0,
            escalate_at,
            deliveries: vec![],
            acknowledged_by: None,
            acknowledged_at: None,
            exercise_id: subject.exercise_id,
            created_at: now.clone(),
            updated_at: now,
        };
        records::insert(&mut tx, crate::watch::WATCH_ACTOR, "alarm.raised", &a).await?;
        tx.commit().await?;
        Ok(a)
    }
    .await;
    match res {
        Ok(a) => {
            tracing::info!(alarm = a.id, org = %a.org, reason = %a.reason, "alarm raised");
            tokio::spawn(send_level(st.clone(), svc, a, 0));
        }
        Err(e) => tracing::error!(org = %subject.org, "cannot raise the alarm: {}", e.error),
    }
}

/// Sends `alarm` to every target of escalation `level` and journals the deliveries.
async fn send_level(st: AppState, svc: Arc<AlarmService>, alarm: Alarm, level: u8) {
    let base = link_base(&st);
    let (mail, hooks) = svc.targets(&alarm.org, level);
    let mut done = Vec::new();
    if !mail.is_empty() {
        let (subject, body) = deliver::email_text(&alarm, level, base.as_deref());
        for to in &mail {
            let err = match &svc.mailer {
                Some(m) => m.send(to, &subject, &body).await.err(),
                None => Some("no [smtp] table".to_string()),
            };
            if let Some(e) = &err {
                tracing::warn!(alarm = alarm.id, to, "alarm e-mail failed: {e}");
            }
            done.push(Delivery::new(level, DeliveryChannel::Email, to, 1, err));
        }
    }
    let body = deliver::webhook_body(&alarm, level, base.as_deref());
    for (i, h) in hooks.iter().enumerate() {
        let id = format!("{}-{level}-{i}", alarm.id);
        done.push(deliver::webhook(&svc.client, &h.url, &h.secret, &id, &body, level).await);
    }
    if done.is_empty() {
        return;
    }
    let res: Result<(), ApiError> = async {
        let mut tx = st.store.begin_write().await?;
        let Some(r) = tx.get_record(Alarm::TYPE, alarm.id).await? else {
            return Ok(());
        };
        let mut a: Alarm = records::from_record(&r)?;
        a.deliveries.extend(done);
        a.updated_at = now_ts();
        records::update(&mut tx, crate::watch::WATCH_ACTOR, "alarm.delivered", &a).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = res {
        tracing::error!(
            alarm = alarm.id,
            "cannot record the deliveries: {}",
            e.error
        );
    }
}

/// Escalates every raised alarm whose time has come; runs for the life of the server.
pub async fn escalation_loop(
    st: AppState,
    svc: Arc<AlarmService>,
    watch: Arc<crate::watch::WatchService>,
) {
    loop {
        tokio::time::sleep(ESCALATION_CHECK).await;
        // One node escalates: the one that holds the watch lease (watch/leader.rs).
        if !watch.may_poll() {
            continue;
        }
        if let Err(e) = escalate_due(&st, &svc).await {
            tracing::error!("alarm escalation check failed: {}", e.error);
        }
    }
}

async fn escalate_due(st: &AppState, svc: &Arc<AlarmService>) -> Result<(), ApiError> {
    let now = now_ts();
    let rs = st
        .store
        .list_records(
            Alarm::TYPE,
            &Reader::All,
            &RecordFilter {
                status: Some(AlarmStatus::Raised.as_str().into()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
    for r in rs {
        let a: Alarm = records::from_record(&r)?;
        if a.escalate_at.as_ref().is_none_or(|at| *at > now) {
            continue;
        }
        let mut tx = st.store.begin_write().await?;
        let Some(r) = tx.get_record(Alarm::TYPE, a.id).await? else {
            tx.rollback().await?;
            continue;
        };
        let mut cur: Alarm = records::from_record(&r)?;
        // Acknowledged (or escalated) since the list was read.
        if cur.status != AlarmStatus::Raised || cur.escalate_at != a.escalate_at {
            tx.rollback().await?;
            continue;
        }
        let Some(level) = svc.next_level(&cur.org, cur.escalation) else {
            cur.escalate_at = None;
            records::update(
                &mut tx,
                crate::watch::WATCH_ACTOR,
                "alarm.unescalated",
                &cur,
            )
            .await?;
            tx.commit().await?;
            continue;
        };
        cur.status = cur.status.after(AlarmAction::Escalate)?;
        cur.escalation = level;
        cur.escalate_at = svc
            .next_level(&cur.org, level)
            .and_then(|_| svc.escalate_after(&cur.org).map(ts_after));
        cur.updated_at = now_ts();
        records::update(&mut tx, crate::watch::WATCH_ACTOR, "alarm.escalated", &cur).await?;
        tx.commit().await?;
        tracing::warn!(alarm = cur.id, org = %cur.org, level, "alarm escalated to the {}", level_name(level));
        tokio::spawn(send_level(st.clone(), svc.clone(), cur, level));
    }
    Ok(())
}

/// `GET /api/alarms`: the caller's organisation's alarms, newest first (`status`,
/// `incident_id`, `limit`, `before`).
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let page =
        records::list_page::<Alarm>(&st, &caller, "/api/alarms", &q, ParentParam::Incident).await?;
    Ok(axum::Json(json!({"items": page.items, "next": page.next})))
}

/// `GET /api/alarms/dead-letters`: deliveries of the caller's organisation's alarms that
/// failed after every attempt.
pub async fn dead_letters(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Value>, ApiError> {
    let rs = st
        .store
        .list_records(
            Alarm::TYPE,
            &caller.reader(),
            &RecordFilter {
                exercise_id: caller.exercise,
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
    let mut items = Vec::new();
    for r in &rs {
        let a: Alarm = records::from_record(r)?;
        for d in a.deliveries.iter().filter(|d| d.dead_letter) {
            items.push(json!({"alarm_id": a.id, "incident_id": a.incident_id, "delivery": d}));
        }
    }
    Ok(axum::Json(json!({"items": items})))
}

/// `POST /api/alarms/{id}/acknowledge`: a person of the organisation takes the alarm; its
/// escalation stops.
pub async fn acknowledge(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(_): JsonBody<crate::Empty>,
) -> Result<Response, ApiError> {
    caller.require_any(&[UserRole::DutyOfficer, UserRole::Approver, UserRole::Admin])?;
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let mut a = records::load_tx::<Alarm>(tx, &c.reader(), c.exercise, id).await?;
        records::owner_only(&c, &a.org)?;
        a.status = a.status.after(AlarmAction::Acknowledge)?;
        a.acknowledged_by = Some(c.user.username.clone());
        a.acknowledged_at = Some(now_ts());
        a.escalate_at = None;
        a.updated_at = now_ts();
        records::update(tx, &c.user.username, "alarm.acknowledged", &a).await?;
        Ok(a)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_map_back_to_alert_levels() {
        assert_eq!(level_of_severity("Extreme").as_str(), "red");
        assert_eq!(level_of_severity("Severe").as_str(), "orange");
        assert_eq!(level_of_severity("Moderate").as_str(), "yellow");
        assert_eq!(level_of_severity("Minor").as_str(), "green");
        assert_eq!(level_of_severity("Unknown").as_str(), "green");
    }

    #[test]
    fn an_acknowledged_alarm_neither_escalates_nor_is_acknowledged_again() {
        use AlarmAction as A;
        use AlarmStatus as S;
        assert_eq!(S::Raised.after(A::Escalate).unwrap(), S::Raised);
        assert_eq!(S::Raised.after(A::Acknowledge).unwrap(), S::Acknowledged);
        assert!(S::Acknowledged.after(A::Escalate).is_err());
        let e = S::Acknowledged.after(A::Acknowledge).unwrap_err();
        assert_eq!(e.error, "cannot acknowledge an alarm that is acknowledged");
    }
}
