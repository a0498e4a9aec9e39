//! The `--watch FILE.toml` configuration: the sources to poll and the association windows,
//! validated with the line, column and field of every error.
//!
//! ```toml
//! [association]                      # optional; the defaults are shown
//! agency_order = ["us", "emsc"]      # preferred origin: earlier agencies first
//! time_window_s = 16.0
//! distance_km = 100.0
//! magnitude_window = 1.0
//!
//! [[source]]
//! name = "usgs-4.5-day"              # 1-64 characters a-z 0-9 . _ -, unique
//! kind = "usgs-geojson"              # usgs-geojson fdsn-text quakeml cap-atom sensorthings gauge-csv
//! url = "https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/4.5_day.geojson"
//! poll_s = 60                        # 1 to 86400
//! ```
//!
//! Alarms (`[smtp]`, `[[alarm]]`): see [`crate::alarm_config`].
//!
//! Optional per source: `agency` (reports naming none), `timeout_s` (1-120, default the
//! smaller of `poll_s` and 20), and for gauges `level_threshold`, `rise_threshold`,
//! `rise_window_s` (default 3600), `alarm_orgs` (the organisations a crossing alarms, e.g.
//! `["tj"]`), `alarm_level` (green, yellow, orange or red; default orange) and
//! `flood_scenario` (a flood scenario file among the server's scenarios, such as
//! `sarez-outburst.toml`, that a crossing runs for each of `alarm_orgs`).

use crate::alarm_config::{
    AlarmConfig, DEFAULT_ESCALATE_AFTER_S, MAX_ALARMS, MAX_SECRET_CHARS, MAX_TARGETS, SecretSource,
    SmtpConfig, SmtpTls, WebhookConfig, address_ok, env_name_ok,
};
use crate::assoc::AssocConfig;
use crate::gauge::GaugeThresholds;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use toml::Spanned;

/// Most sources in one file.
pub const MAX_SOURCES: usize = 200;
/// Longest URL, characters.
pub const MAX_URL_CHARS: usize = 2000;

/// The kind of a source: which parser reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    UsgsGeojson,
    FdsnText,
    Quakeml,
    CapAtom,
    Sensorthings,
    GaugeCsv,
}

impl SourceKind {
    pub const ALL: [SourceKind; 6] = [
        SourceKind::UsgsGeojson,
        SourceKind::FdsnText,
        SourceKind::Quakeml,
        SourceKind::CapAtom,
        SourceKind::Sensorthings,
        SourceKind::GaugeCsv,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::UsgsGeojson => "usgs-geojson",
            SourceKind::FdsnText => "fdsn-text",
            SourceKind::Quakeml => "quakeml",
            SourceKind::CapAtom => "cap-atom",
            SourceKind::Sensorthings => "sensorthings",
            SourceKind::GaugeCsv => "gauge-csv",
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the source gives earthquake reports.
    pub fn is_quake(self) -> bool {
        matches!(
            self,
            SourceKind::UsgsGeojson | SourceKind::FdsnText | SourceKind::Quakeml
        )
    }

    /// Whether the source gives gauge readings.
    pub fn is_gauge(self) -> bool {
        matches!(self, SourceKind::Sensorthings | SourceKind::GaugeCsv)
    }
}

/// One validated source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceConfig {
    pub name: String,
    pub kind: SourceKind,
    pub url: String,
    pub poll_s: f64,
    pub timeout_s: f64,
    /// The agency of reports that name none.
    pub agency: String,
    pub thresholds: Option<GaugeThresholds>,
    /// The organisations a gauge crossing alarms.
    pub alarm_orgs: Vec<String>,
    /// The alert level of those alarms (green, yellow, orange, red).
    pub alarm_level: String,
    /// The flood scenario a crossing starts (a file name among the server's scenarios).
    pub flood_scenario: Option<String>,
}

/// The alarm level of a gauge crossing when the file names none.
pub const DEFAULT_GAUGE_ALARM_LEVEL: &str = "orange";

/// The whole file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WatchConfig {
    pub association: AssocConfig,
    pub sources: Vec<SourceConfig>,
    /// The outgoing mail server of the alarms.
    pub smtp: Option<SmtpConfig>,
    /// Each organisation's alarm channels.
    pub alarms: Vec<AlarmConfig>,
}

/// An error with its place in the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {column}: {field}: {message}")]
pub struct ConfigError {
    pub line: usize,
    pub column: usize,
    /// `source[2].poll_s`, `association.distance_km`, or `file`.
    pub field: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    association: Option<Spanned<RawAssoc>>,
    #[serde(default)]
    source: Vec<Spanned<RawSource>>,
    #[serde(default)]
    smtp: Option<Spanned<RawSmtp>>,
    #[serde(default)]
    alarm: Vec<Spanned<RawAlarm>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    host: Option<Spanned<String>>,
    port: Option<Spanned<i64>>,
    from: Option<Spanned<String>>,
    tls: Option<Spanned<String>>,
    username: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlarm {
    org: Option<Spanned<String>>,
    #[serde(default)]
    email: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    approvers_email: Option<Spanned<Vec<String>>>,
    escalate_after_s: Option<Spanned<f64>>,
    #[serde(default)]
    webhook: Vec<Spanned<RawWebhook>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: Option<Spanned<String>>,
    secret: Option<Spanned<String>>,
    secret_env: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssoc {
    agency_order: Option<Spanned<Vec<String>>>,
    time_window_s: Option<Spanned<f64>>,
    distance_km: Option<Spanned<f64>>,
    magnitude_window: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    poll_s: Option<Spanned<f64>>,
    timeout_s: Option<Spanned<f64>>,
    agency: Option<Spanned<String>>,
    level_threshold: Option<Spanned<f64>>,
    rise_threshold: Option<Spanned<f64>>,
    rise_window_s: Option<Spanned<f64>>,
    alarm_orgs: Option<Spanned<Vec<String>>>,
    alarm_level: Option<Spanned<String>>,
    flood_scenario: Option<Spanned<String>>,
}

struct Ctx<'a> {
    text: &'a str,
}

impl Ctx<'_> {
    fn err(
        &self,
        span: Range<usize>,
        field: impl Into<String>,
        msg: impl Into<String>,
    ) -> ConfigError {
        let at = span.start.min(self.text.len());
        let before = &self.text[..at];
        ConfigError {
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            field: field.into(),
            message: msg.into(),
        }
    }

    fn range<T: Copy + Into<f64>>(
        &self,
        v: &Spanned<T>,
        field: &str,
        lo: f64,
        hi: f64,
    ) -> Result<f64, ConfigError> {
        let x: f64 = (*v.get_ref()).into();
        if x.is_finite() && (lo..=hi).contains(&x) {
            Ok(x)
        } else {
            Err(self.err(v.span(), field, format!("{x} is not within {lo} to {hi}")))
        }
    }
}

fn name_ok(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Parses and validates the text of a watch file.
pub fn parse(text: &str) -> Result<WatchConfig, ConfigError> {
    let cx = Ctx { text };
    if text.len() > 1_000_000 {
        return Err(cx.err(0..0, "file", "the file is larger than 1000000 bytes"));
    }
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let msg = e.message().trim().to_string();
        // Name the field when serde says which one.
        let field = msg
            .split('`')
            .nth(1)
            .map(str::to_string)
            .unwrap_or_else(|| "file".into());
        cx.err(span, field, msg)
    })?;
    let mut cfg = WatchConfig::default();
    if let Some(a) = &raw.association {
        let a_ref = a.get_ref();
        if let Some(o) = &a_ref.agency_order {
            for (i, ag) in o.get_ref().iter().enumerate() {
                if !name_ok(ag) {
                    return Err(cx.err(
                        o.span(),
                        format!("association.agency_order[{i}]"),
                        format!("'{ag}' must be 1-64 characters a-z, 0-9, '.', '_' or '-'"),
                    ));
                }
            }
            cfg.association.agency_order = o.get_ref().clone();
        }
        if let Some(v) = &a_ref.time_window_s {
            cfg.association.time_window_s = cx.range(v, "association.time_window_s", 1.0, 600.0)?;
        }
        if let Some(v) = &a_ref.distance_km {
            cfg.association.distance_km = cx.range(v, "association.distance_km", 1.0, 1000.0)?;
        }
        if let Some(v) = &a_ref.magnitude_window {
            cfg.association.magnitude_window =
                cx.range(v, "association.magnitude_window", 0.1, 5.0)?;
        }
    }
    if raw.source.len() > MAX_SOURCES {
        return Err(cx.err(
            raw.source[MAX_SOURCES].span(),
            format!("source[{MAX_SOURCES}]"),
            format!("more than {MAX_SOURCES} sources"),
        ));
    }
    for (i, s) in raw.source.iter().enumerate() {
        let span = s.span();
        let r = s.get_ref();
        let f = |n: &str| format!("source[{i}].{n}");
        let missing = |n: &str| cx.err(span.clone(), f(n), format!("{n} is required"));
        let name = r.name.as_ref().ok_or_else(|| missing("name"))?;
        if !name_ok(name.get_ref()) {
            return Err(cx.err(
                name.span(),
                f("name"),
                "must be 1-64 characters a-z, 0-9, '.', '_' or '-'",
            ));
        }
        if cfg.sources.iter().any(|c| &c.name == name.get_ref()) {
            return Err(cx.err(
                name.span(),
                f("name"),
                format!("'{}' is used by an earlier source", name.get_ref()),
            ));
        }
        let kind_s = r.kind.as_ref().ok_or_else(|| missing("kind"))?;
        let kind = SourceKind::parse(kind_s.get_ref()).ok_or_else(|| {
            cx.err(
                kind_s.span(),
                f("kind"),
                format!(
                    "'{}' is not one of {}",
                    kind_s.get_ref(),
                    SourceKind::ALL.map(SourceKind::as_str).join(", ")
                ),
            )
        })?;
        let url = r.url.as_ref().ok_or_else(|| missing("url"))?;
        let u = url.get_ref();
        let scheme_ok = u.starts_with("http://")
            || u.starts_with("https://")
            || (kind == SourceKind::Quakeml && u.starts_with("file://"));
        if !scheme_ok || u.len() > MAX_URL_CHARS || u.chars().any(|c| c.is_control() || c == ' ') {
            return Err(cx.err(
                url.span(),
                f("url"),
                format!(
                    "must be an http:// or https:// URL{} of at most {MAX_URL_CHARS} characters without spaces",
                    if kind == SourceKind::Quakeml { " (or file:///DIR/ for a watched directory)" } else { "" }
                ),
            ));
        }
        let poll = r.poll_s.as_ref().ok_or_else(|| missing("poll_s"))?;
        let poll_s = cx.range(poll, &f("poll_s"), 1.0, 86_400.0)?;
        let timeout_s = match &r.timeout_s {
            Some(t) => cx.range(t, &f("timeout_s"), 1.0, 120.0)?,
            None => poll_s.min(20.0),
        };
        let agency = match &r.agency {
            Some(a) if name_ok(a.get_ref()) => a.get_ref().clone(),
            Some(a) => {
                return Err(cx.err(
                    a.span(),
                    f("agency"),
                    "must be 1-64 characters a-z, 0-9, '.', '_' or '-'",
                ));
            }
            None => name.get_ref().clone(),
        };
        let gauge_fields = [
            ("level_threshold", &r.level_threshold),
            ("rise_threshold", &r.rise_threshold),
            ("rise_window_s", &r.rise_window_s),
        ];
        let (alarm_orgs, alarm_level) = gauge_alarm(&cx, i, kind, r)?;
        let flood_scenario = match &r.flood_scenario {
            None => None,
            Some(v) if !kind.is_gauge() => {
                return Err(cx.err(
                    v.span(),
                    f("flood_scenario"),
                    "flood_scenario is for gauge sources",
                ));
            }
            Some(v) if alarm_orgs.is_empty() => {
                return Err(cx.err(
                    v.span(),
                    f("flood_scenario"),
                    "a flood scenario runs for the organisations in alarm_orgs: name at least one",
                ));
            }
            Some(v) if !scenario_name_ok(v.get_ref()) => {
                return Err(cx.err(
                    v.span(),
                    f("flood_scenario"),
                    "must be a scenario file name (1-64 characters a-z, 0-9, '.', '_' or '-', ending .toml; no directories)",
                ));
            }
            Some(v) => Some(v.get_ref().clone()),
        };
        let thresholds = if kind.is_gauge() {
            let level = r
                .level_threshold
                .as_ref()
                .map(|v| cx.range(v, &f("level_threshold"), -1e6, 1e6))
                .transpose()?;
            let rise = r
                .rise_threshold
                .as_ref()
                .map(|v| cx.range(v, &f("rise_threshold"), 1e-6, 1e6))
                .transpose()?;
            let rise_window_s = r
                .rise_window_s
                .as_ref()
                .map(|v| cx.range(v, &f("rise_window_s"), 1.0, 7.0 * 86_400.0))
                .transpose()?
                .unwrap_or(3600.0);
            (level.is_some() || rise.is_some()).then_some(GaugeThresholds {
                level,
                rise,
                rise_window_s,
            })
        } else {
            if let Some((key, Some(v))) = gauge_fields.into_iter().find(|(_, v)| v.is_some()) {
                return Err(cx.err(
                    v.span(),
                    f(key),
                    format!(
                        "thresholds are for gauge sources (sensorthings, gauge-csv), not {}",
                        kind.as_str()
                    ),
                ));
            }
            None
        };
        cfg.sources.push(SourceConfig {
            name: name.get_ref().clone(),
            kind,
            url: u.clone(),
            poll_s,
            timeout_s,
            agency,
            thresholds,
            alarm_orgs,
            alarm_level,
            flood_scenario,
        });
    }
    cfg.smtp = raw.smtp.as_ref().map(|s| smtp(&cx, s)).transpose()?;
    if raw.alarm.len() > MAX_ALARMS {
        return Err(cx.err(
            raw.alarm[MAX_ALARMS].span(),
            format!("alarm[{MAX_ALARMS}]"),
            format!("more than {MAX_ALARMS} alarm tables"),
        ));
    }
    for (i, a) in raw.alarm.iter().enumerate() {
        let al = alarm(&cx, i, a)?;
        if cfg.alarms.iter().any(|x| x.org == al.org) {
            return Err(cx.err(
                a.span(),
                format!("alarm[{i}].org"),
                format!("'{}' has an earlier alarm table", al.org),
            ));
        }
        if cfg.smtp.is_none() && !(al.email.is_empty() && al.approvers_email.is_empty()) {
            return Err(cx.err(
                a.span(),
                format!("alarm[{i}].email"),
                "e-mail alarms need an [smtp] table",
            ));
        }
        cfg.alarms.push(al);
    }
    Ok(cfg)
}

/// Whether `name` is a plain scenario file name (the server resolves it in its scenarios only).
fn scenario_name_ok(name: &str) -> bool {
    (6..=64).contains(&name.len())
        && name.ends_with(".toml")
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// The `alarm_orgs` and `alarm_level` of source `i` (gauges only).
fn gauge_alarm(
    cx: &Ctx<'_>,
    i: usize,
    kind: SourceKind,
    r: &RawSource,
) -> Result<(Vec<String>, String), ConfigError> {
    let f = |n: &str| format!("source[{i}].{n}");
    if !kind.is_gauge() {
        if let Some(o) = &r.alarm_orgs {
            return Err(cx.err(o.span(), f("alarm_orgs"), "alarm_orgs is for gauge sources"));
        }
        if let Some(l) = &r.alarm_level {
            return Err(cx.err(
                l.span(),
                f("alarm_level"),
                "alarm_level is for gauge sources",
            ));
        }
        return Ok((vec![], DEFAULT_GAUGE_ALARM_LEVEL.into()));
    }
    let orgs = match &r.alarm_orgs {
        Some(o) => {
            if o.get_ref().len() > MAX_TARGETS {
                return Err(cx.err(
                    o.span(),
                    f("alarm_orgs"),
                    format!("more than {MAX_TARGETS} organisations"),
                ));
            }
            for (j, code) in o.get_ref().iter().enumerate() {
                if !(2..=16).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_lowercase())
                {
                    return Err(cx.err(
                        o.span(),
                        format!("source[{i}].alarm_orgs[{j}]"),
                        format!("'{code}' is not an organisation code (2-16 letters a-z)"),
                    ));
                }
            }
            o.get_ref().clone()
        }
        None => vec![],
    };
    let level = match &r.alarm_level {
        Some(l) if ["green", "yellow", "orange", "red"].contains(&l.get_ref().as_str()) => {
            l.get_ref().clone()
        }
        Some(l) => {
            return Err(cx.err(
                l.span(),
                f("alarm_level"),
                format!("'{}' is not one of green, yellow, orange, red", l.get_ref()),
            ));
        }
        None => DEFAULT_GAUGE_ALARM_LEVEL.into(),
    };
    Ok((orgs, level))
}

fn smtp(cx: &Ctx<'_>, s: &Spanned<RawSmtp>) -> Result<SmtpConfig, ConfigError> {
    let r = s.get_ref();
    let host = r
        .host
        .as_ref()
        .ok_or_else(|| cx.err(s.span(), "smtp.host", "host is required"))?;
    let h = host.get_ref();
    if h.is_empty() || h.len() > 253 || h.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(cx.err(
            host.span(),
            "smtp.host",
            "must be a host name or address of 1-253 characters",
        ));
    }
    let port = match &r.port {
        Some(p) => u16::try_from(*p.get_ref())
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| cx.err(p.span(), "smtp.port", "must be 1 to 65535"))?,
        None => 25,
    };
    let from = r
        .from
        .as_ref()
        .ok_or_else(|| cx.err(s.span(), "smtp.from", "from is required"))?;
    if !address_ok(from.get_ref()) {
        return Err(cx.err(
            from.span(),
            "smtp.from",
            "must be an e-mail address (name@domain)",
        ));
    }
    let tls = match &r.tls {
        None => SmtpTls::Starttls,
        Some(t) => match t.get_ref().as_str() {
            "none" => SmtpTls::None,
            "starttls" => SmtpTls::Starttls,
            "tls" => SmtpTls::Tls,
            other => {
                return Err(cx.err(
                    t.span(),
                    "smtp.tls",
                    format!("'{other}' is not one of none, starttls, tls"),
                ));
            }
        },
    };
    let username = match &r.username {
        Some(u) if (1..=MAX_SECRET_CHARS).contains(&u.get_ref().len()) => Some(u.get_ref().clone()),
        Some(u) => {
            return Err(cx.err(
                u.span(),
                "smtp.username",
                format!("must be 1-{MAX_SECRET_CHARS} characters"),
            ));
        }
        None => None,
    };
    let password_env = match &r.password_env {
        Some(p) if env_name_ok(p.get_ref()) => Some(p.get_ref().clone()),
        Some(p) => {
            return Err(cx.err(
                p.span(),
                "smtp.password_env",
                "must be an environment variable name (A-Z, 0-9, _)",
            ));
        }
        None => None,
    };
    Ok(SmtpConfig {
        host: h.clone(),
        port,
        from: from.get_ref().clone(),
        tls,
        username,
        password_env,
    })
}

fn addresses(
    cx: &Ctx<'_>,
    v: &Option<Spanned<Vec<String>>>,
    field: &str,
) -> Result<Vec<String>, ConfigError> {
    let Some(v) = v else {
        return Ok(vec![]);
    };
    if v.get_ref().len() > MAX_TARGETS {
        return Err(cx.err(
            v.span(),
            field,
            format!("more than {MAX_TARGETS} addresses"),
        ));
    }
    for (j, a) in v.get_ref().iter().enumerate() {
        if !address_ok(a) {
            return Err(cx.err(
                v.span(),
                format!("{field}[{j}]"),
                format!("'{a}' is not an e-mail address (name@domain)"),
            ));
        }
    }
    Ok(v.get_ref().clone())
}

fn alarm(cx: &Ctx<'_>, i: usize, a: &Spanned<RawAlarm>) -> Result<AlarmConfig, ConfigError> {
    let r = a.get_ref();
    let f = |n: &str| format!("alarm[{i}].{n}");
    let org = r
        .org
        .as_ref()
        .ok_or_else(|| cx.err(a.span(), f("org"), "org is required"))?;
    let o = org.get_ref();
    if !(2..=16).contains(&o.len()) || !o.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(cx.err(
            org.span(),
            f("org"),
            "must be an organisation code (2-16 letters a-z)",
        ));
    }
    let email = addresses(cx, &r.email, &f("email"))?;
    let approvers_email = addresses(cx, &r.approvers_email, &f("approvers_email"))?;
    let escalate_after_s = match &r.escalate_after_s {
        Some(v) => cx.range(v, &f("escalate_after_s"), 1.0, 86_400.0)?,
        None => DEFAULT_ESCALATE_AFTER_S,
    };
    if r.webhook.len() > MAX_TARGETS {
        return Err(cx.err(
            a.span(),
            f("webhook"),
            format!("more than {MAX_TARGETS} webhooks"),
        ));
    }
    let mut webhooks = Vec::new();
    for (j, w) in r.webhook.iter().enumerate() {
        let wr = w.get_ref();
        let wf = |n: &str| format!("alarm[{i}].webhook[{j}].{n}");
        let url = wr
            .url
            .as_ref()
            .ok_or_else(|| cx.err(w.span(), wf("url"), "url is required"))?;
        let u = url.get_ref();
        if !(u.starts_with("http://") || u.starts_with("https://"))
            || u.len() > MAX_URL_CHARS
            || u.chars().any(|c| c.is_control() || c == ' ')
        {
            return Err(cx.err(
                url.span(),
                wf("url"),
                format!("must be an http:// or https:// URL of at most {MAX_URL_CHARS} characters without spaces"),
            ));
        }
        let secret = match (&wr.secret, &wr.secret_env) {
            (Some(s), None) if (16..=MAX_SECRET_CHARS).contains(&s.get_ref().len()) => {
                SecretSource::Inline(s.get_ref().clone())
            }
            (Some(s), None) => {
                return Err(cx.err(
                    s.span(),
                    wf("secret"),
                    format!("must be 16-{MAX_SECRET_CHARS} characters"),
                ));
            }
            (None, Some(e)) if env_name_ok(e.get_ref()) => SecretSource::Env(e.get_ref().clone()),
            (None, Some(e)) => {
                return Err(cx.err(
                    e.span(),
                    wf("secret_env"),
                    "must be an environment variable name (A-Z, 0-9, _)",
                ));
            }
            _ => {
                return Err(cx.err(
                    w.span(),
                    wf("secret"),
                    "give exactly one of secret and secret_env",
                ));
            }
        };
        webhooks.push(WebhookConfig {
            url: u.clone(),
            secret,
        });
    }
    Ok(AlarmConfig {
        org: o.clone(),
        email,
        approvers_email,
        webhooks,
        escalate_after_s,
    })
}

/// One source given as a JSON object with the keys of a `[[source]]` table (the API that adds
/// a source without a restart): checked by the same rules as the file, and an error names the
/// key (`poll_s`, `thresholds.level_m`), not a place in a file.
pub fn parse_source_json(v: &serde_json::Value) -> Result<SourceConfig, ConfigError> {
    let at = |field: &str, message: String| ConfigError {
        line: 0,
        column: 0,
        field: field.to_string(),
        message,
    };
    let serde_json::Value::Object(obj) = v else {
        return Err(at("source", "must be a JSON object".into()));
    };
    // TOML has no null: a key given as null is refused by name rather than dropped.
    for (k, x) in obj {
        if x.is_null() {
            return Err(at(k, format!("{k} must not be null (leave it out)")));
        }
    }
    let table: toml::Value =
        toml::Value::try_from(v).map_err(|e| at("source", format!("not a source table: {e}")))?;
    let mut file = toml::map::Map::new();
    file.insert("source".into(), toml::Value::Array(vec![table]));
    let text = toml::to_string(&toml::Value::Table(file))
        .map_err(|e| at("source", format!("not a source table: {e}")))?;
    let cfg = parse(&text).map_err(|e| {
        let field = match e.field.strip_prefix("source[0]") {
            Some("") => "source".to_string(),
            Some(rest) => rest.trim_start_matches('.').to_string(),
            None => e.field.clone(),
        };
        ConfigError {
            line: 0,
            column: 0,
            field,
            message: e.message,
        }
    })?;
    cfg.sources
        .into_iter()
        .next()
        .ok_or_else(|| at("source", "no source given".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_line_and_field() {
        let e = parse(
            "[[source]]\nname = \"a\"\nkind = \"usgs-geojson\"\nurl = \"http://x/\"\npoll_s = 0\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (5, "source[0].poll_s"), "{e}");
        let e =
            parse("[[source]]\nname = \"a\"\nkind = \"rss\"\nurl = \"http://x/\"\npoll_s = 5\n")
                .unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (3, "source[0].kind"), "{e}");
        let e = parse("[[source]]\nname = \"a\"\nkind = \"fdsn-text\"\nurl = \"http://x/\"\npoll_s = 5\ncolour = 1\n")
            .unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        assert!(e.field.contains("colour"), "{e}");
        let e = parse("[[source]]\nname = \"a\"\nkind = \"fdsn-text\"\npoll_s = 5\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (1, "source[0].url"), "{e}");
        let ok = parse("[[source]]\nname = \"a\"\nkind = \"gauge-csv\"\nurl = \"http://x/\"\npoll_s = 5\nlevel_threshold = 3.5\n")
            .unwrap();
        assert_eq!(ok.sources[0].thresholds.and_then(|t| t.level), Some(3.5));
    }

    #[test]
    fn a_source_from_json_is_checked_like_the_file() {
        use serde_json::json;
        let ok = parse_source_json(&json!({"name": "g", "kind": "gauge-csv",
            "url": "http://x/", "poll_s": 5, "level_threshold": 3.5}))
        .unwrap();
        assert_eq!((ok.name.as_str(), ok.poll_s), ("g", 5.0));
        assert_eq!(ok.thresholds.and_then(|t| t.level), Some(3.5));
        let field = |v: serde_json::Value| parse_source_json(&v).unwrap_err().field;
        let base = json!({"name": "a", "kind": "usgs-geojson", "url": "http://x/", "poll_s": 30});
        let with = |k: &str, x: serde_json::Value| {
            let mut b = base.clone();
            b[k] = x;
            b
        };
        assert_eq!(field(with("poll_s", json!(0))), "poll_s");
        assert_eq!(field(with("kind", json!("rss"))), "kind");
        assert_eq!(field(with("agency", serde_json::Value::Null)), "agency");
        assert!(field(with("colour", json!(1))).contains("colour"));
        assert_eq!(field(json!(["not", "an", "object"])), "source");
        // A gauge key on a catalogue source is named.
        assert_eq!(
            field(with("level_threshold", json!(3.0))),
            "level_threshold"
        );
    }

    #[test]
    fn alarm_errors_name_the_field() {
        let smtp =
            "[smtp]\nhost = \"127.0.0.1\"\nport = 2525\nfrom = \"fw@x.example\"\ntls = \"none\"\n";
        let ok = parse(&format!(
            "{smtp}[[alarm]]\norg = \"pk\"\nemail = [\"duty@x.example\"]\nescalate_after_s = 5\n[[alarm.webhook]]\nurl = \"http://127.0.0.1:9/h\"\nsecret = \"0123456789abcdef\"\n"
        ))
        .unwrap();
        assert_eq!(ok.alarms[0].email, ["duty@x.example"]);
        assert_eq!(ok.alarms[0].escalate_after_s, 5.0);
        assert_eq!(ok.smtp.as_ref().map(|s| s.port), Some(2525));
        let e = parse("[[alarm]]\norg = \"pk\"\nemail = [\"duty@x.example\"]\n").unwrap_err();
        assert_eq!(e.field, "alarm[0].email", "{e}");
        let e = parse(&format!(
            "{smtp}[[alarm]]\norg = \"pk\"\nemail = [\"duty\"]\n"
        ))
        .unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (8, "alarm[0].email[0]"), "{e}");
        let e = parse(
            "[[alarm]]\norg = \"pk\"\n[[alarm.webhook]]\nurl = \"http://x/\"\nsecret = \"short\"\n",
        )
        .unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (5, "alarm[0].webhook[0].secret"),
            "{e}"
        );
        let e = parse("[[source]]\nname = \"g\"\nkind = \"gauge-csv\"\nurl = \"http://x/\"\npoll_s = 5\nalarm_level = \"purple\"\n").unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (6, "source[0].alarm_level"),
            "{e}"
        );
        let ok = parse("[[source]]\nname = \"g\"\nkind = \"gauge-csv\"\nurl = \"http://x/\"\npoll_s = 5\nlevel_threshold = 1.0\nalarm_orgs = [\"tj\"]\nflood_scenario = \"sarez-outburst.toml\"\n").unwrap();
        assert_eq!(
            ok.sources[0].flood_scenario.as_deref(),
            Some("sarez-outburst.toml")
        );
        for (body, why) in [
            (
                "flood_scenario = \"../etc/x.toml\"\nalarm_orgs = [\"tj\"]\n",
                "scenario file name",
            ),
            (
                "flood_scenario = \"/etc/x.toml\"\nalarm_orgs = [\"tj\"]\n",
                "scenario file name",
            ),
            (
                "flood_scenario = \"sarez.xml\"\nalarm_orgs = [\"tj\"]\n",
                "scenario file name",
            ),
            ("flood_scenario = \"sarez-outburst.toml\"\n", "alarm_orgs"),
        ] {
            let text = format!(
                "[[source]]\nname = \"g\"\nkind = \"gauge-csv\"\nurl = \"http://x/\"\npoll_s = 5\n{body}"
            );
            let e = parse(&text).unwrap_err();
            assert_eq!(e.field, "source[0].flood_scenario", "{e}");
            assert!(e.to_string().contains(why), "{e}");
        }
        let e = parse("[[source]]\nname = \"q\"\nkind = \"fdsn-text\"\nurl = \"http://x/\"\npoll_s = 5\nflood_scenario = \"a.toml\"\n").unwrap_err();
        assert_eq!(e.field, "source[0].flood_scenario", "{e}");
        let e = parse("[[source]]\nname = \"q\"\nkind = \"fdsn-text\"\nurl = \"http://x/\"\npoll_s = 5\nalarm_orgs = [\"tj\"]\n").unwrap_err();
        assert_eq!(e.field, "source[0].alarm_orgs", "{e}");
        let e = parse(&format!("{smtp}port2 = 1\n")).unwrap_err();
        assert!(e.field.contains("port2"), "{e}");
    }
}
