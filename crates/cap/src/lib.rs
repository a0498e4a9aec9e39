//! CAP 1.2 (OASIS Common Alerting Protocol) for Forewarn.
//!
//! - [`Alert`] and its parts model every CAP 1.2 element, with the schema's enumerations as
//!   Rust enums; [`Alert::to_xml`] writes CAP 1.2 in schema order.
//! - [`read_alert`] reads CAP 1.2 and 1.1; errors carry line and column.
//! - [`validate`] checks an [`Alert`] against the rules the schema cannot express;
//!   [`validate_xml`] checks raw text (well-formedness, namespace, schema, rules, signature).
//! - [`generate`] builds an alert from an [`ImpactWarning`] with an impact-based warning matrix
//!   and per-language templates ([`WarningConfig`]); the caller names the place and the
//!   areas as structure ([`Place`], [`Zone`], [`LocalName`]) and each language writes them.
//! - [`update`], [`supersede`] and [`cancel`] continue a message thread.
//! - [`sign`] and [`verify`] handle enveloped XML signatures.
//! - [`atom_feeds`] builds Atom feeds, one per sender and language; [`atom_feed`] one feed
//!   page with caller-given identity and RFC 5005 paging links.
//! - [`id_slug`] turns a name into an identifier part (sender and event ids).
//! - [`alert_html`] renders a message as a page a person can read (every language, its
//!   direction, the area in words and outline).
//! - [`to_valid_xml`] / [`require_valid`]: every message we generate passes our validator.

mod c14n;
mod config;
mod dsig;
mod error;
mod feed;
mod generate;
pub mod geometry;
mod html;
mod ident;
mod locale;
mod model;
mod reader;
mod schema;
mod template;
mod thread;
mod time;
mod validate;
mod writer;
mod xml_tree;

pub use xml_tree::{MAX_XML_DEPTH, MAX_XML_NODES};

pub use config::{
    AlertLevel, AreaTexts, CountryRules, FormatTexts, Hazard, HazardTexts, LanguageTemplates,
    MatrixCell, MatrixRow, PlaceTexts, SenderConfig, WarningConfig,
};
pub use dsig::{SignatureStatus, sign, verify};
pub use error::CapError;
pub use feed::{AtomFeed, FeedEntry, FeedPage, atom_feed, atom_feeds};
pub use generate::{ImpactArea, ImpactFacts, ImpactWarning, generate};
pub use html::{alert_html, escape_html, is_rtl};
pub use ident::id_slug;
pub use locale::{LocalName, NEAR_KM, Place, TOWN_MIN_POPULATION, Zone, people_count};
pub use model::*;
pub use reader::read_alert;
pub use schema::CapVersion;
pub use thread::{UpdateChanges, cancel, next_identifier, supersede, update};
pub use time::CapTime;
pub use validate::{
    Level, MAX_COORD_DECIMALS, MAX_EVENT_CHARS, MAX_POLYGON_VERTICES, Problem, XmlReport,
    polygon_problems, require_valid, to_valid_xml, validate, validate_xml,
};
