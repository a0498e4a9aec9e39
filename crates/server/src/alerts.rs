//! CAP alerts: draft -> approved -> published, then Update or Cancel threads; validation,
//! the stable `/cap/{id}.xml` URL and per-organisation Atom feeds.
//!
//! The server owns a message's identity: `<sender>` is the organisation's CAP sender and
//! `<identifier>` is derived from the record id, whatever the submitted XML says, and
//! `<references>` may only name the organisation's own published messages. Feeds are built
//! from the organisation's records, never from sender strings.

use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody, MaybeCaller};
use crate::incidents::{CAP_PROPOSAL, Incident};
use crate::records::{
    self, ListQuery, ParentParam, Stored, bad_transition, load, load_tx, next_id, owner_only,
    page_cursor, page_limit, visibility_or,
};
use crate::write::write_op;
use crate::{AppState, Empty};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use forewarn_cap::{CapTime, Certainty, MsgType, Severity, UpdateChanges, Urgency};
use forewarn_store::{Reader, RecordFilter, RecordPage, UserRole, Visibility, WriteTx, now_ts};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The life of an alert record. Every transition is in [`AlertStatus::after`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Draft,
    Approved,
    Published,
    /// A published message replaced by a published Update of its thread.
    Superseded,
    /// A published message whose thread a published Cancel closed.
    Cancelled,
}

/// What happens to an alert record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertAction {
    Revise,
    Approve,
    Reject,
    Publish,
    /// Draft an Update of this published message.
    Update,
    /// Draft a Cancel of this published message.
    Cancel,
    /// An Update of this message was published.
    Supersede,
    /// A Cancel of this message was published.
    Close,
}

impl AlertAction {
    fn as_str(self) -> &'static str {
        match self {
            AlertAction::Revise => "revise",
            AlertAction::Approve => "approve",
            AlertAction::Reject => "reject",
            AlertAction::Publish => "publish",
            AlertAction::Update => "update",
            AlertAction::Cancel => "cancel",
            AlertAction::Supersede => "supersede",
            AlertAction::Close => "close the thread of",
        }
    }
}

impl AlertStatus {
    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Draft => "draft",
            AlertStatus::Approved => "approved",
            AlertStatus::Published => "published",
            AlertStatus::Superseded => "superseded",
            AlertStatus::Cancelled => "cancelled",
        }
    }

    /// The states served publicly (CAP URL, feeds) for real alerts.
    pub const PUBLIC: [AlertStatus; 3] = [
        AlertStatus::Published,
        AlertStatus::Superseded,
        AlertStatus::Cancelled,
    ];

    pub fn is_public(self) -> bool {
        AlertStatus::PUBLIC.contains(&self)
    }

    /// The state after `action`; 409 when `action` is not allowed in this state.
    pub fn after(self, action: AlertAction) -> Result<AlertStatus, ApiError> {
        use AlertAction as A;
        use AlertStatus as S;
        match (self, action) {
            (S::Draft, A::Revise | A::Reject) => Ok(S::Draft),
            (S::Draft, A::Approve) => Ok(S::Approved),
            (S::Approved, A::Publish) => Ok(S::Published),
            // Drafting a follow-up leaves the published message as it is until the follow-up
            // itself is published.
            (S::Published, A::Update | A::Cancel) => Ok(S::Published),
            (S::Published, A::Supersede) => Ok(S::Superseded),
            (S::Published, A::Close) => Ok(S::Cancelled),
            _ => Err(bad_transition("alert", self.as_str(), action.as_str())),
        }
    }
}

/// Writes a CAP message type in its CAP spelling (`Update`).
fn cap_msg_type<S: serde::Serializer>(m: &MsgType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.as_str())
}

/// One revision of a draft's text: who replaced it, and when.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Revision {
    pub by: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub status: AlertStatus,
    /// The CAP `<msgType>` of the text (Alert, Update or Cancel).
    #[schema(value_type = String)]
    #[serde(serialize_with = "cap_msg_type")]
    pub msg_type: MsgType,
    pub incident_id: Option<i64>,
    pub supersedes: Option<i64>,
    pub identifier: String,
    pub sender: String,
    pub sent: String,
    pub cap_status: String,
    pub headline: Option<String>,
    /// The headline of each language of the text (language code -> headline), for screens
    /// that show it in the reader's language; `headline` is the English one (or the first).
    #[serde(default)]
    pub headlines: std::collections::BTreeMap<String, String>,
    pub severity: Option<String>,
    pub event: Option<String>,
    pub xml: Option<String>,
    pub drafted_by: String,
    /// Every revision of the text since it was drafted (the authors the two-person rule
    /// excludes from approving, with `drafted_by`).
    #[serde(default)]
    pub revisions: Vec<Revision>,
    pub approved_by: Option<String>,
    pub published_by: Option<String>,
    pub rejection: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
    pub url: String,
    /// The live exercise this belongs to (absent for real records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_id: Option<i64>,
}

impl Alert {
    /// Everyone who wrote the current text: the drafter and every reviser.
    pub fn authors(&self) -> BTreeSet<&str> {
        std::iter::once(self.drafted_by.as_str())
            .chain(self.revisions.iter().map(|r| r.by.as_str()))
            .collect()
    }

    /// Moves to the state after `action` (409 if not allowed).
    pub(crate) fn apply(&mut self, action: AlertAction) -> Result<(), ApiError> {
        self.status = self.status.after(action)?;
        self.updated_at = now_ts();
        Ok(())
    }
}

crate::records::impl_stored!(Alert, "alert", parent = incident_id, list_omits = ["xml"]);

/// The CAP identifier of alert record `id` of organisation `org`.
pub fn cap_identifier(org: &str, id: i64) -> String {
    format!("urn:forewarn:{org}:alert:{id}")
}

/// The record id named by an identifier of [`cap_identifier`]'s form.
fn record_of_identifier(identifier: &str) -> Option<i64> {
    identifier
        .strip_prefix("urn:forewarn:")?
        .rsplit_once(":alert:")?
        .1
        .parse()
        .ok()
}

/// Where a draft's `<references>` come from.
pub(crate) enum Refs {
    /// Submitted by the client: each must name a published message of the caller's
    /// organisation in the same scope; an Update or Cancel supersedes the thread's head.
    Submitted,
    /// Built by the server from its own published record `prev` (Update and Cancel).
    Thread { prev: i64 },
}

/// The organisation's CAP sender (422 naming `xml` if the organisation is unknown).
pub(crate) async fn org_sender(st: &AppState, org: &str) -> Result<String, ApiError> {
    st.store
        .org(org)
        .await?
        .map(|o| o.cap_sender)
        .ok_or_else(|| ApiError::invalid(format!("organisation '{org}' has no CAP sender"), "xml"))
}

/// Checks submitted references (see [`Refs::Submitted`]) and returns the thread head they
/// continue, if any; 422 naming `references`.
async fn check_references(
    tx: &mut WriteTx,
    a: &Alert,
    cap: &forewarn_cap::Alert,
) -> Result<Option<i64>, ApiError> {
    let mut head = None;
    for (i, r) in cap.references.iter().enumerate() {
        let bad = || {
            ApiError::invalid(
                format!(
                    "references[{i}] '{r}' is not a published alert of organisation '{}'{}: a message may only continue its own organisation's threads",
                    a.org,
                    if a.exercise_id.is_some() {
                        " in this exercise"
                    } else {
                        ""
                    }
                ),
                "references",
            )
        };
        let id = record_of_identifier(&r.identifier).ok_or_else(bad)?;
        let Some(rec) = tx.get_record(Alert::TYPE, id).await? else {
            return Err(bad());
        };
        let prev: Alert = records::from_record(&rec)?;
        let same = prev.org == a.org
            && prev.exercise_id == a.exercise_id
            && prev.status.is_public()
            && prev.identifier == r.identifier
            && prev.sender == r.sender
            && prev.sent == r.sent.to_string();
        if !same {
            return Err(bad());
        }
        if prev.status == AlertStatus::Published {
            head = Some(prev.id);
        }
    }
    if matches!(cap.msg_type, MsgType::Update | MsgType::Cancel) && head.is_none() {
        return Err(ApiError::invalid(
            format!(
                "an {} must reference the currently published message of its thread (one of organisation '{}')",
                cap.msg_type, a.org
            ),
            "references",
        ));
    }
    Ok(head)
}

/// Runs CPU-bound parsing of request text on the blocking pool, never on an async worker.
async fn off_worker<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("parsing failed: {e}"),
            None,
        )
    })
}

/// Takes CAP XML for the draft `a`: sets `<sender>` to `sender` and `<identifier>` to the
/// record's, checks the references, and fills the CAP-derived fields; 422 naming `xml` when
/// it does not parse (or is not an Exercise in an exercise), `references` for a foreign one.
pub(crate) async fn set_xml(
    tx: &mut WriteTx,
    a: &mut Alert,
    xml: String,
    sender: &str,
    refs: Refs,
) -> Result<(), ApiError> {
    if xml.len() > 900_000 {
        return Err(ApiError::invalid("CAP XML is too large", "xml"));
    }
    let parsed = off_worker(move || forewarn_cap::read_alert(&xml)).await?;
    let mut cap = parsed.map_err(|e| ApiError::invalid(format!("not a CAP alert: {e}"), "xml"))?;

    if a.exercise_id.is_some() && cap.status != forewarn_cap::Status::Exercise {
        return Err(ApiError::invalid(
            "an alert drafted in an exercise must have <status>Exercise</status>",
            "xml",
        ));
    }
    cap.sender = sender.to_string();
    cap.identifier = cap_identifier(&a.org, a.id);
    a.supersedes = match refs {
        Refs::Submitted => check_references(tx, a, &cap).await?,
        Refs::Thread { prev } => Some(prev),
    };
    a.identifier = cap.identifier.clone();
    a.sender = cap.sender.clone();
    a.sent = cap.sent.to_string();
    a.cap_status = cap.status.as_str().to_string();
    a.msg_type = cap.msg_type;
    let info = cap
        .infos
        .iter()
        .find(|i| i.language.starts_with("en"))
        .or(cap.infos.first());
    a.headline = info.and_then(|i| i.headline.clone());
    a.headlines = cap
        .infos
        .iter()
        .filter_map(|i| Some((i.language.clone(), i.headline.clone()?)))
        .fold(std::collections::BTreeMap::new(), |mut m, (l, h)| {
            m.entry(l).or_insert(h);
            m
        });
    a.severity = info.map(|i| i.severity.as_str().to_string());
    a.event = info.map(|i| i.event.clone());
    a.xml = Some(cap.to_xml());
    Ok(())
}

/// 422 naming `xml` unless the XML passes our CAP validator ([`forewarn_cap::require_valid`]):
/// checked at approval, at publication, and for every message the server generates.
pub(crate) fn check_valid(xml: &str) -> Result<(), ApiError> {
    match forewarn_cap::require_valid(xml) {
        Ok(()) => Ok(()),
        Err(forewarn_cap::CapError::Invalid(problems)) => {
            let more = match problems.len() {
                0 | 1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            let first = problems
                .first()
                .map(|p| format!("{}: {}", p.path, p.message))
                .unwrap_or_default();
            Err(ApiError::invalid(
                format!("CAP XML is invalid: {first}{more}"),
                "xml",
            ))
        }
        Err(e) => Err(ApiError::invalid(format!("CAP XML is invalid: {e}"), "xml")),
    }
}

pub(crate) fn new_alert(
    id: i64,
    org: &str,
    visibility: Visibility,
    incident_id: Option<i64>,
    supersedes: Option<i64>,
    by: &str,
    exercise_id: Option<i64>,
) -> Alert {
    let now = now_ts();
    Alert {
        exercise_id,
        id,
        org: org.to_string(),
        visibility,
        status: AlertStatus::Draft,
        msg_type: MsgType::Alert,
        incident_id,
        supersedes,
        identifier: String::new(),
        sender: String::new(),
        sent: String::new(),
        cap_status: String::new(),
        headline: None,
        headlines: Default::default(),
        severity: None,
        event: None,
        xml: None,
        drafted_by: by.to_string(),
        revisions: Vec::new(),
        approved_by: None,
        published_by: None,
        rejection: None,
        created_at: now.clone(),
        updated_at: now,
        published_at: None,
        url: format!("/cap/{id}.xml"),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateIn {
    pub xml: String,
}

/// Validates CAP XML off the async workers; 422 naming `xml` when the text exceeds a parser
/// limit (nesting depth, node count).
pub async fn validate(
    _caller: Caller,
    JsonBody(inp): JsonBody<ValidateIn>,
) -> Result<axum::Json<Value>, ApiError> {
    let (report, preview) = off_worker(move || {
        let report = forewarn_cap::validate_xml(&inp.xml);
        // The page the public will read, as far as the text reads as an alert at all.
        let preview = match report.limit {
            Some(_) => None,
            None => forewarn_cap::read_alert(&inp.xml)
                .ok()
                .map(|cap| forewarn_cap::alert_html(&cap, None)),
        };
        (report, preview)
    })
    .await?;
    if let Some(limit) = &report.limit {
        return Err(ApiError::invalid(
            format!("CAP XML refused: {limit}"),
            "xml",
        ));
    }
    let problems: Vec<Value> = report.problems.iter().map(|p| json!({"level": if p.is_error() { "error" } else { "warning" }, "path": p.path, "message": p.message})).collect();
    Ok(axum::Json(
        json!({"valid": report.is_valid(), "problems": problems, "preview_html": preview}),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertIn {
    #[serde(default)]
    pub xml: Option<String>,
    #[serde(default)]
    pub incident_id: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub visibility: Option<Visibility>,
}

pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    JsonBody(inp): JsonBody<AlertIn>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::DutyOfficer)?;
    let visibility = visibility_or(inp.visibility, Visibility::OwnOrg, false)?;
    let xml = match (inp.xml, inp.incident_id) {
        (Some(x), _) => x,
        (None, Some(iid)) => {
            let inc = load::<Incident>(&st.store, &caller.reader(), caller.exercise, iid)
                .await
                .map_err(|_| ApiError::invalid("no such incident", "incident_id"))?;
            owner_only(&caller, &inc.org)?;
            let proposal = st
                .store
                .get_layer(iid, CAP_PROPOSAL)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid(
                        "the incident has no CAP proposal yet (run not complete)",
                        "incident_id",
                    )
                })?;
            crate::cap_texts::apply(&st, &inc.org, proposal).await?
        }
        (None, None) => return Err(ApiError::invalid("give xml or incident_id", "xml")),
    };
    if let Some(iid) = inp.incident_id {
        load::<Incident>(&st.store, &caller.reader(), caller.exercise, iid)
            .await
            .map_err(|_| ApiError::invalid("no such incident", "incident_id"))?;
    }
    let sender = org_sender(&st, &caller.user.org).await?;
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::CREATED, async move |tx| {
        let mut a = new_alert(
            next_id::<Alert>(tx).await?,
            &c.user.org,
            visibility,
            inp.incident_id,
            None,
            &c.user.username,
            c.exercise,
        );
        set_xml(tx, &mut a, xml, &sender, Refs::Submitted).await?;
        records::insert(tx, &c.user.username, "alert.drafted", &a).await?;
        Ok(a)
    })
    .await
}

/// Loads an alert of the caller's organisation for a change.
async fn own_alert(tx: &mut WriteTx, c: &Caller, id: i64) -> Result<Alert, ApiError> {
    let a = load_tx::<Alert>(tx, &c.reader(), c.exercise, id).await?;
    owner_only(c, &a.org)?;
    Ok(a)
}

pub async fn revise(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<ValidateIn>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::DutyOfficer)?;
    let sender = org_sender(&st, &caller.user.org).await?;
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let mut a = own_alert(tx, &c, id).await?;
        a.apply(AlertAction::Revise)?;
        // The revised text is the client's: its references are checked like a new draft's.
        set_xml(tx, &mut a, inp.xml, &sender, Refs::Submitted).await?;
        a.revisions.push(Revision {
            by: c.user.username.clone(),
            at: now_ts(),
        });
        a.rejection = None;
        records::update(tx, &c.user.username, "alert.revised", &a).await?;
        Ok(a)
    })
    .await
}

pub async fn approve(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(_): JsonBody<Empty>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::Approver)?;
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let mut a = own_alert(tx, &c, id).await?;
        a.status.after(AlertAction::Approve)?;
        // Two-person rule: nobody who wrote the current text approves it.
        let authors = a.authors();
        if authors.contains(c.user.username.as_str()) {
            return Err(ApiError::forbidden(format!(
                "the approver must be a different user from everyone who drafted or revised the alert ({})",
                authors.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
        check_valid(a.xml.as_deref().unwrap_or(""))?;
        a.apply(AlertAction::Approve)?;
        a.approved_by = Some(c.user.username.clone());
        records::update(tx, &c.user.username, "alert.approved", &a).await?;
        Ok(a)
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectIn {
    pub reason: String,
}

pub async fn reject(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<RejectIn>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::Approver)?;
    if inp.reason.trim().is_empty() {
        return Err(ApiError::invalid("give a reason", "reason"));
    }
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let mut a = own_alert(tx, &c, id).await?;
        a.apply(AlertAction::Reject)?;
        a.rejection = Some(inp.reason);
        records::update(tx, &c.user.username, "alert.rejected", &a).await?;
        Ok(a)
    })
    .await
}

pub async fn publish(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(_): JsonBody<Empty>,
) -> Result<Response, ApiError> {
    caller.require_any(&[UserRole::DutyOfficer, UserRole::Approver])?;
    let c = caller.clone();
    let st2 = st.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let a = own_alert(tx, &c, id).await?;
        a.status.after(AlertAction::Publish)?;
        check_valid(a.xml.as_deref().unwrap_or(""))?;
        if a.exercise_id.is_some() && a.msg_type == MsgType::Alert {
            // The consequence model hears of the public warning (its lead time sets the
            // protective-action fraction).
            let incident_hazard = match a.incident_id {
                Some(iid) => load_tx::<Incident>(tx, &Reader::All, c.exercise, iid)
                    .await
                    .ok()
                    .and_then(|i| i.exercise_hazard),
                None => None,
            };
            match crate::exercises::warning_hazard(&st2, &c, incident_hazard) {
                Some(hazard) => {
                    // A rejected warning (say, a second one for the same hazard) is in the
                    // exercise journal; the alert itself still publishes.
                    if let Err(e) = crate::exercises::act(
                        &st2,
                tx,
                        &c,
                        forewarn_exercise::Action::PublicWarning {
                            hazard,
                            country: None,
                        },
                    ).await {
                        tracing::info!(alert = a.id, error = %e.error, "exercise warning not counted");
                    }
                }
                None => tracing::info!(alert = a.id, "exercise alert names no hazard that has begun"),
            }
        }
        publish_in_tx(tx, &c.user.username, a).await
    })
    .await
}

/// Publishes approved alert `a` as `actor` inside `tx`: public, journaled, and the message
/// it follows marked superseded (an Update) or cancelled (a Cancel). The caller has checked
/// the right to publish and the message's validity.
pub(crate) async fn publish_in_tx(
    tx: &mut WriteTx,
    actor: &str,
    mut a: Alert,
) -> Result<Alert, ApiError> {
    a.apply(AlertAction::Publish)?;
    a.visibility = Visibility::Public;
    a.published_by = Some(actor.to_string());
    a.published_at = Some(now_ts());
    records::update(tx, actor, "alert.published", &a).await?;
    if let Some(prev_id) = a.supersedes {
        let mut prev = load_tx::<Alert>(tx, &Reader::All, a.exercise_id, prev_id).await?;
        let (action, kind) = if a.msg_type == MsgType::Cancel {
            (AlertAction::Close, "alert.cancelled")
        } else {
            (AlertAction::Supersede, "alert.superseded")
        };
        prev.apply(action)?;
        records::update(tx, actor, kind, &prev).await?;
    }
    Ok(a)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIn {
    pub note: String,
    #[serde(default)]
    pub headline: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub instruction: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub severity: Option<Severity>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub urgency: Option<Urgency>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub certainty: Option<Certainty>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelIn {
    pub note: String,
}

/// `sent` for a follow-up: now, whole seconds, and after the previous message.
pub(crate) fn follow_up_time(prev: &forewarn_cap::Alert) -> CapTime {
    let now = CapTime::from_utc(
        chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap_or_default(),
    );
    if now > prev.sent {
        now
    } else {
        prev.sent.plus_seconds(1)
    }
}

async fn follow_up(
    st: &AppState,
    caller: &Caller,
    idem: &Idem,
    id: i64,
    note: String,
    changes: Option<UpdateChanges>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::DutyOfficer)?;
    if note.trim().is_empty() {
        return Err(ApiError::invalid("give a note", "note"));
    }
    let sender = org_sender(st, &caller.user.org).await?;
    let c = caller.clone();
    write_op(st, caller, idem, StatusCode::CREATED, async move |tx| {
        let prev = own_alert(tx, &c, id).await?;
        prev.status.after(if changes.is_some() {
            AlertAction::Update
        } else {
            AlertAction::Cancel
        })?;
        let cap = forewarn_cap::read_alert(prev.xml.as_deref().unwrap_or(""))
            .map_err(|e| ApiError::conflict(format!("stored CAP XML unreadable: {e}")))?;
        let sent = follow_up_time(&cap);
        let (next, kind) = match changes {
            Some(mut ch) => {
                ch.note = Some(note);
                (forewarn_cap::update(&cap, sent, &ch), MsgType::Update)
            }
            None => (forewarn_cap::cancel(&cap, sent, &note), MsgType::Cancel),
        };
        let next = next.map_err(|e| {
            ApiError::conflict(format!("cannot {}: {e}", kind.as_str().to_lowercase()))
        })?;
        let mut a = new_alert(
            next_id::<Alert>(tx).await?,
            &c.user.org,
            Visibility::OwnOrg,
            prev.incident_id,
            Some(prev.id),
            &c.user.username,
            prev.exercise_id,
        );
        set_xml(
            tx,
            &mut a,
            next.to_xml(),
            &sender,
            Refs::Thread { prev: prev.id },
        )
        .await?;
        // The server wrote this message: it must pass our validator now, not at approval.
        check_valid(a.xml.as_deref().unwrap_or(""))?;
        records::insert(tx, &c.user.username, "alert.drafted", &a).await?;
        Ok(a)
    })
    .await
}

pub async fn update(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<UpdateIn>,
) -> Result<Response, ApiError> {
    let changes = UpdateChanges {
        note: None,
        expires: None,
        severity: inp.severity,
        urgency: inp.urgency,
        certainty: inp.certainty,
        response_types: None,
        headline: inp.headline,
        description: inp.description,
        instruction: inp.instruction,
    };
    follow_up(&st, &caller, &idem, id, inp.note, Some(changes)).await
}

pub async fn cancel(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<CancelIn>,
) -> Result<Response, ApiError> {
    follow_up(&st, &caller, &idem, id, inp.note, None).await
}

pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let page =
        records::list_page::<Alert>(&st, &caller, "/api/alerts", &q, ParentParam::Incident).await?;
    // The page was read without the CAP XML (`list_omits`): `GET /api/alerts/{id}` serves it.
    Ok(axum::Json(json!({"items": page.items, "next": page.next})))
}

pub async fn get(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Alert>, ApiError> {
    Ok(axum::Json(
        load::<Alert>(&st.store, &caller.reader(), caller.exercise, id).await?,
    ))
}

/// `GET /cap/{id}.xml`: a real alert once published, for everyone; a draft to those who may
/// read it; an exercise alert only to logged-in users of the exercise's organisations.
pub async fn cap_xml(
    State(st): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let (id, html) = match (file.strip_suffix(".xml"), file.strip_suffix(".html")) {
        (Some(n), _) => (n.parse::<i64>().ok(), false),
        (_, Some(n)) => (n.parse::<i64>().ok(), true),
        _ => (None, false),
    };
    let id = id.ok_or_else(|| ApiError::not_found("alert"))?;
    let Some(r) = st.store.get_record(Alert::TYPE, id).await? else {
        return Err(ApiError::not_found("alert"));
    };
    let a: Alert = records::from_record(&r)?;
    let readable = caller.as_ref().is_some_and(|c| r.readable_by(&c.reader()));
    let visible = match (a.exercise_id, &caller) {
        (None, _) => a.status.is_public() || readable,
        // Exercise alerts are never public: participants only.
        (Some(x), Some(c)) => {
            readable
                && crate::exercises::check_participant(&st, x, &c.user)
                    .await
                    .is_ok()
        }
        (Some(_), None) => false,
    };
    if !visible {
        return Err(ApiError::not_found("alert"));
    }
    let xml = a.xml.unwrap_or_default();
    if html {
        let xml_url = format!("/cap/{id}.xml");
        let page = off_worker(move || {
            forewarn_cap::read_alert(&xml).map(|cap| forewarn_cap::alert_html(&cap, Some(&xml_url)))
        })
        .await?
        .map_err(|e| {
            tracing::warn!(alert = id, error = %e, "stored CAP XML unreadable; no page");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the stored message cannot be read",
                None,
            )
        })?;
        let mut resp = page.into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return Ok(resp);
    }
    // Browsers show application/xml; CAP clients that ask for application/cap+xml get it.
    let cap_type = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/cap+xml"));
    let mut resp = xml.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if cap_type {
            "application/cap+xml; charset=utf-8"
        } else {
            "application/xml; charset=utf-8"
        }),
    );
    Ok(resp)
}

/// Entries per feed page when `limit` is not given.
pub const FEED_LIMIT_DEFAULT: i64 = 50;
/// The largest `limit` of a feed page.
pub const FEED_LIMIT_MAX: i64 = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    pub lang: Option<String>,
    pub limit: Option<i64>,
    pub before: Option<i64>,
}

/// The info block of `cap` a feed in `lang` shows: that language, else the same primary
/// language (`en` for `en-US`), else the first. Every alert is in every language's feed.
fn info_for(cap: &forewarn_cap::Alert, lang: &str) -> Option<usize> {
    let primary = |l: &str| l.split('-').next().unwrap_or("").to_ascii_lowercase();
    cap.infos
        .iter()
        .position(|i| i.language.eq_ignore_ascii_case(lang))
        .or_else(|| {
            cap.infos
                .iter()
                .position(|i| primary(&i.language) == primary(lang))
        })
        .or(if cap.infos.is_empty() { None } else { Some(0) })
}

/// `GET /feeds/{org}.atom?lang=&limit=&before=`: the organisation's published (and later
/// superseded or cancelled) real alerts, newest first, one page with RFC 5005 `first` and
/// `next` links.
pub async fn feed(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Result<Response, ApiError> {
    let Some(org) = file.strip_suffix(".atom") else {
        return Err(ApiError::not_found("feed"));
    };
    let Some(o) = st.store.org(org).await? else {
        return Err(ApiError::not_found("feed"));
    };
    let base = crate::settings::link_base(&st.settings, &headers);
    let lang = q.lang.unwrap_or_else(|| "en".into());
    if lang.is_empty()
        || lang.len() > 35
        || !lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(ApiError::invalid(
            "lang must be a language tag (1 to 35 characters a-z, 0-9 or -)",
            "lang",
        ));
    }
    let limit = page_limit(q.limit, FEED_LIMIT_DEFAULT, FEED_LIMIT_MAX, "limit")?;
    let before = page_cursor(q.before)?;
    let rs = st
        .store
        .list_records_page(
            Alert::TYPE,
            &Reader::Anonymous,
            &RecordFilter {
                exercise_id: None,
                status: None,
                parent_id: None,
                limit: limit + 1,
            },
            &RecordPage {
                org: Some(o.code.clone()),
                statuses: AlertStatus::PUBLIC
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
                before_id: before,
                // The feed is made of the XML.
                omit_keys: &[],
            },
        )
        .await?;
    let more = rs.len() as i64 > limit;
    let mut alerts: Vec<(String, forewarn_cap::Alert)> = Vec::new();
    let mut last_id = None;
    for r in rs.iter().take(limit as usize) {
        let a: Alert = records::from_record(r)?;
        last_id = Some(a.id);
        match forewarn_cap::read_alert(a.xml.as_deref().unwrap_or("")) {
            Ok(cap) => alerts.push((a.url, cap)),
            Err(e) => {
                tracing::warn!(alert = a.id, error = %e, "stored CAP XML unreadable; left out of the feed")
            }
        }
    }
    let feed_url = format!("{base}/feeds/{}.atom?lang={lang}", o.code);
    let page_url = |b: Option<i64>| {
        let mut u = format!("{feed_url}&limit={limit}");
        if let Some(b) = b {
            u.push_str(&format!("&before={b}"));
        }
        u
    };
    let page = forewarn_cap::FeedPage {
        id: feed_url.clone(),
        title: format!("{}: CAP alerts", o.name),
        author: o.name.clone(),
        language: lang.clone(),
        self_url: page_url(before),
        first_url: Some(page_url(None)),
        next_url: if more {
            last_id.map(|l| page_url(Some(l)))
        } else {
            None
        },
    };
    let entries: Vec<forewarn_cap::FeedEntry<'_>> = alerts
        .iter()
        .map(|(href, cap)| forewarn_cap::FeedEntry {
            href,
            alert: cap,
            info: info_for(cap, &lang),
        })
        .collect();
    let mut resp = forewarn_cap::atom_feed(&page, &entries, &base).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    Ok(resp)
}

/// `GET /feeds/index.json`.
pub async fn feed_index(State(st): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    let orgs = st.store.orgs().await?;
    Ok(axum::Json(
        json!({"items": orgs.iter().map(|o| json!({"org": o.code, "url": format!("/feeds/{}.atom", o.code)})).collect::<Vec<_>>()}),
    ))
}
