//! Draft CAP alerts of automatic incidents, through the same alert records, validation and
//! two-person approval as a person's drafts (crates/server/src/alerts.rs):
//!
//! - a completed run at or above the organisation's level ([`super::OrgWatch::draft_from`])
//!   with no alert yet: a draft Alert from the run's CAP proposal;
//! - a re-run (a revision of the event) whose alert level or PAGER deaths band changed: a
//!   draft Update of the thread's published message (the new proposal made its Update with
//!   `forewarn_cap::supersede`), or, while the first draft is unpublished and only the watch
//!   wrote it, that draft revised;
//! - a deletion of the event: a draft Cancel of the published message, and the watch's
//!   unpublished drafts rejected with the reason.
//!
//! Nothing is published automatically, unless the organisation turned auto-publish on for the
//! run's level (watch/auto_publish.rs): then a first draft is approved and published at once by
//! `watch (auto-publish)`, and its alarm says so.

use super::{Assessed, WATCH_ACTOR};
use crate::AppState;
use crate::alerts::{
    Alert, AlertAction, AlertStatus, Refs, Revision, check_valid, follow_up_time, new_alert,
    org_sender, set_xml,
};
use crate::error::ApiError;
use crate::incidents::{CAP_PROPOSAL, Incident, IncidentStatus, Origin};
use crate::records::{self, next_id};
use forewarn_impact::AlertLevel;
use forewarn_store::{Reader, RecordFilter, Visibility, WriteTx, now_ts};

/// The actor of alerts approved and published by an organisation's auto-publish setting.
pub const AUTO_PUBLISH_ACTOR: &str = "watch (auto-publish)";

/// The PAGER fatality band of a median death toll (see [`Assessed::deaths_band`]).
pub fn deaths_band(median_deaths: f64) -> u8 {
    let mut band = 0;
    let mut edge = 1.0;
    while median_deaths >= edge && band < 6 {
        band += 1;
        edge *= 10.0;
    }
    band
}

/// The alerts of an incident (in its scope: real, or its exercise's), newest first.
async fn alerts_of(st: &AppState, inc: &Incident) -> Result<Vec<Alert>, ApiError> {
    let rs = st
        .store
        .list_records(
            "alert",
            &Reader::All,
            &RecordFilter {
                parent_id: Some(inc.id),
                exercise_id: inc.exercise_id,
                status: None,
                limit: 1000,
            },
        )
        .await?;
    rs.iter().map(records::from_record).collect()
}

fn only_watch_wrote(a: &Alert) -> bool {
    a.drafted_by == WATCH_ACTOR && a.revisions.iter().all(|r| r.by == WATCH_ACTOR)
}

async fn insert_draft(
    tx: &mut WriteTx,
    inc: &Incident,
    xml: String,
    sender: &str,
    prev: Option<i64>,
) -> Result<Alert, ApiError> {
    let mut a = new_alert(
        next_id::<Alert>(tx).await?,
        &inc.org,
        Visibility::OwnOrg,
        Some(inc.id),
        prev,
        WATCH_ACTOR,
        inc.exercise_id,
    );
    let refs = match prev {
        Some(p) => Refs::Thread { prev: p },
        None => Refs::Submitted,
    };
    set_xml(tx, &mut a, xml, sender, refs).await?;
    // The server wrote this message: it must pass our validator now.
    check_valid(a.xml.as_deref().unwrap_or(""))?;
    records::insert(tx, WATCH_ACTOR, "alert.drafted", &a).await?;
    Ok(a)
}

/// The first alert of an automatic incident: a draft for approval, or published at once when
/// the organisation turned auto-publish on for its level. The alert and what the alarm says.
async fn first_draft(
    tx: &mut WriteTx,
    inc: &Incident,
    proposal: String,
    sender: &str,
    auto_publish: bool,
) -> Result<(i64, &'static str), ApiError> {
    let level = inc.alert_level.as_deref().unwrap_or("");
    let mut a = insert_draft(tx, inc, proposal, sender, None).await?;
    if auto_publish {
        // The organisation chose to publish this level without approval.
        a.apply(AlertAction::Approve)?;
        a.approved_by = Some(AUTO_PUBLISH_ACTOR.into());
        records::update(tx, AUTO_PUBLISH_ACTOR, "alert.approved", &a).await?;
        let a = crate::alerts::publish_in_tx(tx, AUTO_PUBLISH_ACTOR, a).await?;
        tracing::warn!(
            incident = inc.id,
            alert = a.id,
            level,
            "watch: alert published automatically (the organisation's auto-publish setting)"
        );
        Ok((
            a.id,
            "alert PUBLISHED automatically (auto-publish); check it",
        ))
    } else {
        tracing::info!(incident = inc.id, alert = a.id, level, "watch: draft alert");
        Ok((a.id, "draft alert awaiting approval"))
    }
}

/// What drafting the alert of a completed automatic incident needs.
struct Drafting {
    /// The run's level reaches the organisation's draft level.
    above: bool,
    /// The run's CAP proposal with the organisation's sender name, web address and contact.
    proposal: String,
    sender: String,
    /// The organisation publishes this level without approval (never inside an exercise).
    auto_publish: bool,
}

/// [`Drafting`] for `inc`; `None` when its run made no CAP proposal (logged).
async fn drafting(st: &AppState, inc: &Incident) -> Result<Option<Drafting>, ApiError> {
    let threshold = super::rules_api::in_force(st, &inc.org)
        .await?
        .map_or(AlertLevel::Green, |o| o.draft_from);
    // A completed run always has a level; none reads as green, as the assessment does.
    let level = AlertLevel::parse(inc.alert_level.as_deref().unwrap_or("green"));
    let Some(proposal) = st.store.get_layer(inc.id, CAP_PROPOSAL).await? else {
        tracing::warn!(
            incident = inc.id,
            "watch: the run made no CAP proposal; no draft"
        );
        return Ok(None);
    };
    let proposal = crate::cap_texts::apply(st, &inc.org, proposal).await?;
    let auto_publish = match level {
        Some(l) => super::auto_publish::covers(st, &inc.org, l).await?,
        None => false,
    } && inc.exercise_id.is_none();
    Ok(Some(Drafting {
        above: level.is_some_and(|l| l >= threshold),
        proposal,
        sender: org_sender(st, &inc.org).await?,
        auto_publish,
    }))
}

/// After the flood run a gauge crossing started: the first draft (one crossing, one run; a
/// later crossing starts a new incident), when the run's level reaches the organisation's.
pub async fn after_flood_run(st: &AppState, id: i64) {
    if let Err(e) = after_flood_run_inner(st, id).await {
        tracing::error!(
            incident = id,
            "watch: cannot draft the flood warning: {}",
            e.error
        );
    }
}

async fn after_flood_run_inner(st: &AppState, id: i64) -> Result<(), ApiError> {
    let Some(rec) = st.store.get_record("incident", id).await? else {
        return Ok(());
    };
    let inc: Incident = records::from_record(&rec)?;
    if inc.origin != Origin::Auto || inc.status != IncidentStatus::Complete || inc.flood.is_none() {
        return Ok(());
    }
    let Some(d) = drafting(st, &inc).await? else {
        return Ok(());
    };
    if !d.above || !alerts_of(st, &inc).await?.is_empty() {
        return Ok(());
    }
    let (proposal, sender, auto_publish) = (d.proposal, d.sender, d.auto_publish);
    let mut tx = st.store.begin_write().await?;
    match first_draft(&mut tx, &inc, proposal, &sender, auto_publish).await {
        Ok((alert_id, reason)) => {
            tx.commit().await?;
            crate::alarms::raise(st, &inc, alert_id, reason).await;
            Ok(())
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

/// The Update of published alert `prev` carrying the new proposal.
fn update_xml(prev: &Alert, proposal: &str) -> Result<String, ApiError> {
    let prev_cap = forewarn_cap::read_alert(prev.xml.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::conflict(format!("stored CAP XML unreadable: {e}")))?;
    let new_cap = forewarn_cap::read_alert(proposal)
        .map_err(|e| ApiError::conflict(format!("the run's CAP proposal is unreadable: {e}")))?;
    let next = forewarn_cap::supersede(&prev_cap, new_cap)
        .map_err(|e| ApiError::conflict(format!("cannot make the Update: {e}")))?;
    Ok(next.to_xml())
}

/// After a run of incident `id` completed: the drafts of the module documentation.
pub async fn after_run(st: &AppState, id: i64) {
    if let Err(e) = after_run_inner(st, id).await {
        tracing::error!(incident = id, "watch: cannot draft the alert: {}", e.error);
    }
}

async fn after_run_inner(st: &AppState, id: i64) -> Result<(), ApiError> {
    // Automatic incidents come from the watch or, inside an exercise, from its feed (which
    // needs no running watch).
    let Some(rec) = st.store.get_record("incident", id).await? else {
        return Ok(());
    };
    let inc: Incident = records::from_record(&rec)?;
    let Some(link) = inc.watch.clone() else {
        return Ok(());
    };
    if inc.origin != Origin::Auto || inc.status != IncidentStatus::Complete || link.deleted {
        return Ok(());
    }
    let level_s = inc.alert_level.clone().unwrap_or_else(|| "green".into());
    let median = inc
        .summary
        .as_ref()
        .and_then(|s| s.pointer("/fatalities/median"))
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    let now = Assessed {
        alert_level: level_s.clone(),
        deaths_band: deaths_band(median),
    };
    let material = link.assessed.as_ref() != Some(&now);
    let Some(Drafting {
        above,
        proposal,
        sender,
        auto_publish,
    }) = drafting(st, &inc).await?
    else {
        return Ok(());
    };
    let alerts = alerts_of(st, &inc).await?;
    let head = alerts
        .iter()
        .find(|a| a.status == AlertStatus::Published)
        .cloned();
    let open = alerts
        .iter()
        .find(|a| {
            a.status == AlertStatus::Draft
                && only_watch_wrote(a)
                && a.supersedes == head.as_ref().map(|h| h.id)
        })
        .cloned();
    let mut tx = st.store.begin_write().await?;
    // The incident as it is now: a newer revision may have started another run.
    let cur: Incident = match tx.get_record("incident", id).await? {
        Some(r) => records::from_record(&r)?,
        None => return Ok(()),
    };
    if cur.watch.as_ref().map(|w| w.runs) != Some(link.runs)
        || cur.status != IncidentStatus::Complete
    {
        tx.rollback().await?;
        return Ok(());
    }
    // The draft that needs a person now, and what is needed (for the alarm).
    let outcome: Result<Option<(i64, &str)>, ApiError> = async {
        let mut needs = None;
        match (&head, &open) {
            (None, None) if alerts.is_empty() => {
                if above {
                    needs = Some(
                        first_draft(&mut tx, &inc, proposal.clone(), &sender, auto_publish).await?,
                    );
                }
            }
            (None, None) => {
                tracing::info!(
                    incident = id,
                    "watch: the incident's alerts are in people's hands; no automatic draft"
                );
            }
            _ if !material => {}
            (_, Some(d)) => {
                let mut a = d.clone();
                let xml = match &head {
                    Some(h) => update_xml(h, &proposal)?,
                    None => proposal.clone(),
                };
                a.apply(AlertAction::Revise)?;
                let refs = match head.as_ref() {
                    Some(h) => Refs::Thread { prev: h.id },
                    None => Refs::Submitted,
                };
                set_xml(&mut tx, &mut a, xml, &sender, refs).await?;
                check_valid(a.xml.as_deref().unwrap_or(""))?;
                a.revisions.push(Revision {
                    by: WATCH_ACTOR.into(),
                    at: now_ts(),
                });
                a.rejection = None;
                records::update(&mut tx, WATCH_ACTOR, "alert.revised", &a).await?;
                tracing::info!(
                    incident = id,
                    alert = a.id,
                    "watch: draft revised after a revision of the event"
                );
                needs = Some((
                    a.id,
                    "draft alert revised after a revision of the event, awaiting approval",
                ));
            }
            (Some(h), None) => {
                let xml = update_xml(h, &proposal)?;
                let a = insert_draft(&mut tx, &inc, xml, &sender, Some(h.id)).await?;
                tracing::info!(
                    incident = id,
                    alert = a.id,
                    "watch: draft Update after a material change"
                );
                needs = Some((
                    a.id,
                    "draft Update of the published warning awaiting approval",
                ));
            }
        }
        let mut cur = cur.clone();
        if let Some(w) = cur.watch.as_mut() {
            w.assessed = Some(now.clone());
        }
        cur.updated_at = now_ts();
        records::update(&mut tx, WATCH_ACTOR, "incident.assessed", &cur).await?;
        Ok(needs)
    }
    .await;
    match outcome {
        Ok(needs) => {
            tx.commit().await?;
            if let Some((alert_id, reason)) = needs {
                crate::alarms::raise(st, &cur, alert_id, reason).await;
            }
            Ok(())
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

/// The event of `inc` was deleted by its agencies: a draft Cancel of the published message,
/// the watch's unpublished drafts rejected.
pub async fn on_deleted(st: &AppState, tx: &mut WriteTx, inc: &Incident) -> Result<(), ApiError> {
    let alerts = alerts_of(st, inc).await?;
    let sender = org_sender(st, &inc.org).await?;
    let note = "The source agencies deleted the event this warning was based on.";
    for a in &alerts {
        match a.status {
            AlertStatus::Published => {
                let cap = forewarn_cap::read_alert(a.xml.as_deref().unwrap_or(""))
                    .map_err(|e| ApiError::conflict(format!("stored CAP XML unreadable: {e}")))?;
                let next = forewarn_cap::cancel(&cap, follow_up_time(&cap), note)
                    .map_err(|e| ApiError::conflict(format!("cannot cancel: {e}")))?;
                let c = insert_draft(tx, inc, next.to_xml(), &sender, Some(a.id)).await?;
                tracing::info!(
                    incident = inc.id,
                    alert = c.id,
                    "watch: draft Cancel after a deletion"
                );
            }
            AlertStatus::Draft if only_watch_wrote(a) => {
                let mut d = a.clone();
                d.apply(AlertAction::Reject)?;
                d.rejection = Some(note.into());
                records::update(tx, WATCH_ACTOR, "alert.rejected", &d).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands() {
        assert_eq!(deaths_band(0.4), 0);
        assert_eq!(deaths_band(1.0), 1);
        assert_eq!(deaths_band(99.0), 2);
        assert_eq!(deaths_band(1500.0), 4);
        assert_eq!(deaths_band(1e7), 6);
    }
}
