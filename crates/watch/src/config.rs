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
//! Optional per source: `agency` (reports naming none), `timeout_s` (1-120, default the
//! smaller of `poll_s` and 20), and for gauges `level_threshold`, `rise_threshold`,
//! `rise_window_s` (default 3600).

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
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WatchConfig {
    pub association: AssocConfig,
    pub sources: Vec<SourceConfig>,
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
        let gauge_fields = [&r.level_threshold, &r.rise_threshold, &r.rise_window_s];
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
            if let Some(v) = gauge_fields.into_iter().flatten().next() {
                return Err(cx.err(
                    v.span(),
                    format!("source[{i}]"),
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
        });
    }
    Ok(cfg)
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
}
