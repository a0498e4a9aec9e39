//! Forewarn's proactive watch, the part that knows neither HTTP nor SQL: one parser per feed
//! format (each written from the format's published specification), the association of many
//! agencies' reports into one event, gauge thresholds, the organisations' rules, and the
//! validated `--watch` configuration. The server polls the sources, stores the state and acts
//! on the decisions made here (docs/watch.md).
//!
//! Every input is bounded: a feed body larger than [`limits::MAX_BODY_BYTES`], more than
//! [`limits::MAX_ITEMS`] items, or XML deeper or larger than the XML limits is refused whole
//! with an error naming the limit; a single malformed item is rejected with its reason and the
//! rest of the feed is still read.

pub mod alarm_config;
pub mod assoc;
pub mod cap_atom;
pub mod config;
pub mod fdsn_text;
pub mod gauge;
pub mod limits;
pub mod quakeml;
pub mod report;
pub mod rules;
pub mod time;
pub mod usgs;

pub use alarm_config::{AlarmConfig, SecretSource, SmtpConfig, SmtpTls, WebhookConfig};
pub use assoc::{AssocConfig, Associator, Change, ChangeKind, WatchEvent};
pub use config::{ConfigError, SourceConfig, SourceKind, WatchConfig};
pub use report::{FeedError, GaugeReading, Parsed, QuakeReport, Rejected, ReportStatus};
pub use rules::{AreaOfInterest, Decision, MagnitudeStep, OrgRules};

/// Parses one fetched body of a source of `kind` into its items: earthquake reports for the
/// catalogue kinds. `source` names the configured source (it is written into each report).
pub fn parse_quakes(
    kind: SourceKind,
    source: &str,
    default_agency: &str,
    body: &[u8],
) -> Result<Parsed<QuakeReport>, FeedError> {
    limits::check_body(body)?;
    match kind {
        SourceKind::UsgsGeojson => usgs::parse(source, body),
        SourceKind::FdsnText => fdsn_text::parse(source, default_agency, body),
        SourceKind::Quakeml => quakeml::parse(source, default_agency, body),
        SourceKind::CapAtom | SourceKind::Sensorthings | SourceKind::GaugeCsv => {
            Err(FeedError::WrongKind(kind.as_str()))
        }
    }
}
