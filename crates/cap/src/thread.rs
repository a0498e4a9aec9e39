//! Message threads: Update and Cancel messages that reference earlier ones.
//!
//! A published message is never edited: every change is a new message with a new identifier,
//! a later `sent` time and `references` listing the earlier messages of the thread
//! (`sender,identifier,sent` triples). The status (Actual, Exercise, ...) of a thread never
//! changes, so an Exercise can never turn into an Actual alert.

use crate::error::CapError;
use crate::model::{Alert, Certainty, MsgType, Reference, ResponseType, Severity, Status, Urgency};
use crate::time::CapTime;

/// Changes applied by [`update`] to every info block. `None` keeps the previous value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateChanges {
    /// The message's `note` (why it was updated).
    pub note: Option<String>,
    pub expires: Option<CapTime>,
    pub severity: Option<Severity>,
    pub urgency: Option<Urgency>,
    pub certainty: Option<Certainty>,
    pub response_types: Option<Vec<ResponseType>>,
    /// Replaces the headline of every info block (use for single-language messages).
    pub headline: Option<String>,
    /// Replaces the description of every info block.
    pub description: Option<String>,
    /// Replaces the instruction of every info block.
    pub instruction: Option<String>,
}

/// Marks notes of non-Actual threads with the status word (e.g. "EXERCISE: ...").
fn status_marked(status: Status, note: &str) -> String {
    if status == Status::Actual {
        return note.to_string();
    }
    let word = status.as_str().to_uppercase();
    if note.to_uppercase().starts_with(&word) {
        note.to_string()
    } else {
        format!("{word}: {note}")
    }
}

/// References of a message that follows `prev`: `prev`'s own references, then `prev`.
fn thread_references(prev: &Alert) -> Vec<Reference> {
    let mut refs = prev.references.clone();
    let own = prev.reference();
    if !refs.contains(&own) {
        refs.push(own);
    }
    refs
}

fn is_date_part(s: &str) -> bool {
    !s.is_empty() && s.len() <= 4 && s.chars().all(|c| c.is_ascii_digit())
}

/// A new identifier for a message following `prev`, sent at `sent`.
///
/// WMO-style `urn:oid:<authority>.<y>.<m>.<d>.<h>.<min>.<s>` identifiers keep the authority
/// OID with the new time; others get `.update.<time>` / `.cancel.<time>` in place of any earlier
/// such suffix.
pub fn next_identifier(prev: &Alert, sent: CapTime, kind: MsgType) -> String {
    use chrono::{Datelike, Timelike};
    let t = sent.to_utc();
    if let Some(oid) = prev.identifier.strip_prefix("urn:oid:") {
        let parts: Vec<&str> = oid.split('.').collect();
        if parts.len() > 8 && parts[parts.len() - 6..].iter().all(|p| is_date_part(p)) {
            return format!(
                "urn:oid:{}.{}.{}.{}.{}.{}.{}",
                parts[..parts.len() - 6].join("."),
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            );
        }
    }
    let base = ["update", "cancel"]
        .iter()
        .filter_map(|k| prev.identifier.rfind(&format!(".{k}.")))
        .min()
        .map_or(prev.identifier.as_str(), |i| &prev.identifier[..i]);
    let kind = match kind {
        MsgType::Cancel => "cancel",
        _ => "update",
    };
    format!("{base}.{kind}.{}", sent.compact_utc())
}

fn check_follow(prev: &Alert, sent: CapTime) -> Result<(), CapError> {
    if prev.msg_type == MsgType::Cancel {
        return Err(CapError::Thread(format!(
            "message {} is a Cancel: the thread is closed",
            prev.identifier
        )));
    }
    if sent <= prev.sent {
        return Err(CapError::Thread(format!(
            "sent {sent} must be later than the previous message's sent {}",
            prev.sent
        )));
    }
    Ok(())
}

/// An Update of `prev`, sent at `sent`, with `changes` applied to every info block.
pub fn update(prev: &Alert, sent: CapTime, changes: &UpdateChanges) -> Result<Alert, CapError> {
    check_follow(prev, sent)?;
    let mut next = prev.clone();
    next.identifier = next_identifier(prev, sent, MsgType::Update);
    next.sent = sent;
    next.msg_type = MsgType::Update;
    next.references = thread_references(prev);
    if let Some(n) = &changes.note {
        next.note = Some(status_marked(prev.status, n));
    }
    for info in &mut next.infos {
        if let Some(v) = changes.expires {
            info.expires = Some(v);
        }
        if let Some(v) = changes.severity {
            info.severity = v;
        }
        if let Some(v) = changes.urgency {
            info.urgency = v;
        }
        if let Some(v) = changes.certainty {
            info.certainty = v;
        }
        if let Some(v) = &changes.response_types {
            info.response_types = v.clone();
        }
        if let Some(v) = &changes.headline {
            info.headline = Some(v.clone());
        }
        if let Some(v) = &changes.description {
            info.description = Some(v.clone());
        }
        if let Some(v) = &changes.instruction {
            info.instruction = Some(v.clone());
        }
    }
    Ok(next)
}

/// Makes a freshly generated alert (for example from a revised impact estimate) the Update of
/// `prev`: same sender and status required, `msgType` Update, thread references added.
pub fn supersede(prev: &Alert, replacement: Alert) -> Result<Alert, CapError> {
    check_follow(prev, replacement.sent)?;
    if replacement.status != prev.status {
        return Err(CapError::Thread(format!(
            "status {} cannot follow status {}: a thread keeps its status",
            replacement.status, prev.status
        )));
    }
    if replacement.sender != prev.sender {
        return Err(CapError::Thread(format!(
            "sender {} differs from the thread's sender {}",
            replacement.sender, prev.sender
        )));
    }
    let mut next = replacement;
    if next.identifier == prev.identifier {
        next.identifier = next_identifier(prev, next.sent, MsgType::Update);
    }
    next.msg_type = MsgType::Update;
    next.references = thread_references(prev);
    Ok(next)
}

/// A Cancel of `prev`, sent at `sent`, with `note` explaining why. Info blocks are kept for
/// their areas and texts, with responseType AllClear.
pub fn cancel(prev: &Alert, sent: CapTime, note: &str) -> Result<Alert, CapError> {
    check_follow(prev, sent)?;
    if note.trim().is_empty() {
        return Err(CapError::Thread("a Cancel needs a note saying why".into()));
    }
    let mut next = prev.clone();
    next.identifier = next_identifier(prev, sent, MsgType::Cancel);
    next.sent = sent;
    next.msg_type = MsgType::Cancel;
    next.references = thread_references(prev);
    next.note = Some(status_marked(prev.status, note));
    for info in &mut next.infos {
        info.response_types = vec![ResponseType::AllClear];
    }
    Ok(next)
}
