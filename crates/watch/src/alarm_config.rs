//! The alarm part of the `--watch` file: how the people on duty are alarmed when the watch
//! drafts a warning, and to whom an unacknowledged Orange or Red alarm escalates.
//!
//! ```toml
//! [smtp]                              # needed when any alarm has e-mail addresses
//! host = "smtp.ndma.example"
//! port = 587                          # default 25
//! from = "forewarn@ndma.example"
//! tls = "starttls"                    # none | starttls | tls (default starttls)
//! username = "forewarn"               # optional
//! password_env = "FOREWARN_SMTP_PASSWORD"  # optional: the password comes from this variable
//!
//! [[alarm]]
//! org = "pk"                          # the organisation code
//! email = ["duty@ndma.example"]       # the people on duty (level 0)
//! approvers_email = ["approvers@ndma.example"]  # level 1 of an escalation
//! escalate_after_s = 900              # 10 to 86400; default 900
//! [[alarm.webhook]]
//! url = "https://ops.ndma.example/forewarn"
//! secret_env = "PK_WEBHOOK_SECRET"    # or secret = "..." (the HMAC-SHA256 key)
//! ```
//!
//! Escalation goes from the organisation's `email` and webhooks to its `approvers_email`, then
//! to the regional centre's alarm (`org = "rc"`), each after `escalate_after_s` without an
//! acknowledgement.

use serde::Serialize;

/// Most alarm tables in one file.
pub const MAX_ALARMS: usize = 50;
/// Most addresses or webhooks in one list.
pub const MAX_TARGETS: usize = 20;
/// Longest e-mail address, characters (RFC 5321: 254 for a path).
pub const MAX_ADDRESS_CHARS: usize = 254;
/// Longest secret or environment variable name, characters.
pub const MAX_SECRET_CHARS: usize = 256;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same host or a test server only).
    None,
    /// STARTTLS after connecting (port 587 or 25).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// The outgoing mail server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
    pub tls: SmtpTls,
    pub username: Option<String>,
    /// The environment variable that holds the password (never the password itself).
    pub password_env: Option<String>,
}

/// Where the key of a webhook's signature comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// Written in the file.
    Inline(#[serde(skip)] String),
    /// The value of this environment variable at start.
    Env(String),
}

/// One webhook receiver.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookConfig {
    pub url: String,
    pub secret: SecretSource,
}

/// One organisation's alarm channels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmConfig {
    pub org: String,
    pub email: Vec<String>,
    pub approvers_email: Vec<String>,
    pub webhooks: Vec<WebhookConfig>,
    pub escalate_after_s: f64,
}

/// Default seconds without an acknowledgement before an Orange or Red alarm escalates.
pub const DEFAULT_ESCALATE_AFTER_S: f64 = 900.0;

/// A plausible e-mail address: one `@`, a non-empty local part, a domain with a dot or
/// `localhost`, no spaces or control characters, at most [`MAX_ADDRESS_CHARS`].
pub fn address_ok(a: &str) -> bool {
    let Some((local, domain)) = a.split_once('@') else {
        return false;
    };
    a.len() <= MAX_ADDRESS_CHARS
        && !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && (domain.contains('.') || domain == "localhost")
        && !a
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "<>,;\"".contains(c))
}

/// An environment variable name: 1-256 of A-Z, 0-9, `_`, not starting with a digit.
pub fn env_name_ok(s: &str) -> bool {
    (1..=MAX_SECRET_CHARS).contains(&s.len())
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_env_names() {
        assert!(address_ok("duty@ndma.example"));
        assert!(address_ok("root@localhost"));
        assert!(!address_ok("duty"));
        assert!(!address_ok("a b@x.example"));
        assert!(!address_ok("a@b@x.example"));
        assert!(!address_ok("Duty <duty@x.example>"));
        assert!(env_name_ok("PK_WEBHOOK_SECRET"));
        assert!(!env_name_ok("pk_secret"));
        assert!(!env_name_ok("1ABC"));
    }
}
