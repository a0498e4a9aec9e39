//! Sending one alarm to one list: e-mail over SMTP (lettre) and JSON webhooks signed with
//! HMAC-SHA256, retried with exponential backoff; what could not be delivered is marked as a
//! dead letter in the alarm's record.

use super::{Alarm, Delivery, DeliveryChannel};
use forewarn_watch::{SmtpConfig, SmtpTls};
use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// Attempts per webhook delivery (the first and three retries).
pub const WEBHOOK_ATTEMPTS: u32 = 4;
/// Wait before the first retry; doubled before each next one (1, 2, 4 s).
pub const WEBHOOK_FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Time limit of one webhook request and of one SMTP session.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// The header that carries the webhook signature: `sha256=` and the lowercase hex HMAC-SHA256
/// of the raw body under the webhook's secret.
pub const SIGNATURE_HEADER: &str = "X-Forewarn-Signature";

/// A configured mail transport.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Mailer {
    /// The transport for `cfg`; the password is read from `cfg.password_env` now.
    pub fn new(cfg: &SmtpConfig) -> Result<Mailer, String> {
        let builder = match cfg.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
                .map_err(|e| format!("smtp.host {}: {e}", cfg.host))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)
                .map_err(|e| format!("smtp.host {}: {e}", cfg.host))?,
        };
        let mut builder = builder.port(cfg.port).timeout(Some(SEND_TIMEOUT));
        if let Some(user) = &cfg.username {
            let password = match &cfg.password_env {
                Some(var) => std::env::var(var)
                    .map_err(|_| format!("smtp.password_env: the variable {var} is not set"))?,
                None => String::new(),
            };
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let from = cfg
            .from
            .parse()
            .map_err(|e| format!("smtp.from {}: {e}", cfg.from))?;
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one plain-text message to `to`.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to = to.parse().map_err(|e| format!("address {to}: {e}"))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| format!("building the message: {e}"))?;
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret` (HMAC takes keys of any length;
/// `None` only if the library refused the key).
pub fn signature(secret: &[u8], body: &[u8]) -> Option<String> {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).ok()?;
    mac.update(body);
    Some(format!(
        "sha256={}",
        crate::auth::hex(&mac.finalize().into_bytes())
    ))
}

/// Posts `body` to `url`, signed, retrying with backoff; the delivery record.
pub async fn webhook(
    client: &reqwest::Client,
    url: &str,
    secret: &[u8],
    delivery_id: &str,
    body: &[u8],
    level: u8,
) -> Delivery {
    let Some(sig) = signature(secret, body) else {
        return Delivery::new(
            level,
            DeliveryChannel::Webhook,
            url,
            0,
            Some("the webhook secret was refused as an HMAC key".into()),
        );
    };
    let mut wait = WEBHOOK_FIRST_BACKOFF;
    let mut last_error = String::new();
    for attempt in 1..=WEBHOOK_ATTEMPTS {
        let res = client
            .post(url)
            .timeout(SEND_TIMEOUT)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, &sig)
            .header("X-Forewarn-Delivery", delivery_id)
            .body(body.to_vec())
            .send()
            .await;
        match res {
            Ok(r) if r.status().is_success() => {
                return Delivery::new(level, DeliveryChannel::Webhook, url, attempt, None);
            }
            Ok(r) => last_error = format!("HTTP {}", r.status().as_u16()),
            Err(e) => last_error = e.to_string(),
        }
        tracing::warn!(url, attempt, "alarm webhook failed: {last_error}");
        if attempt < WEBHOOK_ATTEMPTS {
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
    }
    Delivery::new(
        level,
        DeliveryChannel::Webhook,
        url,
        WEBHOOK_ATTEMPTS,
        Some(last_error),
    )
}

/// The webhook body of `alarm` at escalation `level`.
pub fn webhook_body(alarm: &Alarm, level: u8, base: Option<&str>) -> Vec<u8> {
    let v = serde_json::json!({
        "type": "forewarn.alarm",
        "alarm_id": alarm.id,
        "org": alarm.org,
        "escalation": level,
        "escalation_to": super::level_name(level),
        "incident_id": alarm.incident_id,
        "alert_id": alarm.alert_id,
        "alert_level": alarm.alert_level,
        "title": alarm.title,
        "reason": alarm.reason,
        "incident_url": base.and_then(|b| alarm.incident_id.map(|i| format!("{b}/#/incident/{i}"))),
        "sent_at": forewarn_store::now_ts(),
    });
    serde_json::to_vec(&v).unwrap_or_default()
}

/// The subject and plain-text body of the e-mail of `alarm` at escalation `level`.
pub fn email_text(alarm: &Alarm, level: u8, base: Option<&str>) -> (String, String) {
    let lvl = alarm.alert_level.as_str().to_uppercase();
    let subject = format!("[Forewarn] {lvl}: {} - {}", alarm.title, alarm.reason);
    let mut body = format!(
        "Forewarn alarm {id} for organisation {org}{esc}.\n\n\
         Event: {title}\n\
         Alert level: {lvl} (PAGER)\n\
         What is needed: {reason}.\n",
        id = alarm.id,
        org = alarm.org.to_uppercase(),
        esc = match level {
            0 => String::new(),
            l => format!(
                ", escalated to the {} because nobody acknowledged it",
                super::level_name(l)
            ),
        },
        title = alarm.title,
        reason = alarm.reason,
    );
    if let (Some(b), Some(i)) = (base, alarm.incident_id) {
        body.push_str(&format!("Incident: {b}/#/incident/{i}\n"));
    }
    if let Some(b) = base {
        body.push_str(&format!("Approvals: {b}/#/approvals\n"));
    }
    body.push_str(&format!(
        "\nAcknowledge it in Forewarn (POST /api/alarms/{}/acknowledge) to stop the escalation.\n",
        alarm.id
    ));
    if let Some(at) = &alarm.escalate_at {
        body.push_str(&format!(
            "Without an acknowledgement it escalates at {at} (UTC).\n"
        ));
    }
    body.push_str("\nA person approves every public warning; this message is not a warning.\n");
    (subject, body)
}
