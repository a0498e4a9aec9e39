//! The CAP 1.2 message model: every element of `alert`, `info`, `resource` and `area`.
//!
//! Field names follow the CAP element names (snake case); repeated elements are `Vec`s,
//! optional ones `Option`s and the schema's enumerations are Rust enums.

use std::fmt;
use std::str::FromStr;

use crate::time::CapTime;

/// Namespace of CAP 1.2 messages.
pub const CAP12_NS: &str = "urn:oasis:names:tc:emergency:cap:1.2";
/// Namespace of CAP 1.1 messages (read, never written).
pub const CAP11_NS: &str = "urn:oasis:names:tc:emergency:cap:1.1";

macro_rules! cap_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(#[doc = $text] $variant),+
        }

        impl $name {
            /// Every value, in schema order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The CAP spelling.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "'{}' is not a valid {} (expected one of: {})",
                        s,
                        stringify!($name),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

cap_enum!(
    /// `alert/status`.
    Status { Actual => "Actual", Exercise => "Exercise", System => "System", Test => "Test", Draft => "Draft" }
);
cap_enum!(
    /// `alert/msgType`.
    MsgType { Alert => "Alert", Update => "Update", Cancel => "Cancel", Ack => "Ack", Error => "Error" }
);
cap_enum!(
    /// `alert/scope`.
    Scope { Public => "Public", Restricted => "Restricted", Private => "Private" }
);
cap_enum!(
    /// `info/category`.
    Category {
        Geo => "Geo", Met => "Met", Safety => "Safety", Security => "Security", Rescue => "Rescue",
        Fire => "Fire", Health => "Health", Env => "Env", Transport => "Transport", Infra => "Infra",
        Cbrne => "CBRNE", Other => "Other"
    }
);
cap_enum!(
    /// `info/responseType`.
    ResponseType {
        Shelter => "Shelter", Evacuate => "Evacuate", Prepare => "Prepare", Execute => "Execute",
        Avoid => "Avoid", Monitor => "Monitor", Assess => "Assess", AllClear => "AllClear", None => "None"
    }
);
cap_enum!(
    /// `info/urgency`.
    Urgency { Immediate => "Immediate", Expected => "Expected", Future => "Future", Past => "Past", Unknown => "Unknown" }
);
cap_enum!(
    /// `info/severity`.
    Severity { Extreme => "Extreme", Severe => "Severe", Moderate => "Moderate", Minor => "Minor", Unknown => "Unknown" }
);
cap_enum!(
    /// `info/certainty`.
    Certainty { Observed => "Observed", Likely => "Likely", Possible => "Possible", Unlikely => "Unlikely", Unknown => "Unknown" }
);

/// A `valueName`/`value` pair (`eventCode`, `parameter`, `geocode`).
#[derive(Debug, Clone, PartialEq)]
pub struct ValuePair {
    pub value_name: String,
    pub value: String,
}

impl ValuePair {
    /// A pair.
    pub fn new(value_name: impl Into<String>, value: impl Into<String>) -> ValuePair {
        ValuePair {
            value_name: value_name.into(),
            value: value.into(),
        }
    }
}

/// A WGS 84 point; written `lat,lon` in CAP.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

/// An `area/polygon`: the listed points, in order (the first should equal the last).
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon(pub Vec<LatLon>);

/// An `area/circle`: centre and radius in km.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circle {
    pub center: LatLon,
    pub radius_km: f64,
}

/// One entry of `alert/references`: `sender,identifier,sent`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub sender: String,
    pub identifier: String,
    pub sent: CapTime,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{}", self.sender, self.identifier, self.sent)
    }
}

/// `info/resource`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resource {
    pub resource_desc: String,
    pub mime_type: String,
    pub size: Option<u64>,
    pub uri: Option<String>,
    pub deref_uri: Option<String>,
    pub digest: Option<String>,
}

/// `info/area`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Area {
    pub area_desc: String,
    pub polygons: Vec<Polygon>,
    pub circles: Vec<Circle>,
    pub geocodes: Vec<ValuePair>,
    /// `altitude`: feet above mean sea level (the CAP unit).
    pub altitude_ft: Option<f64>,
    /// `ceiling`: feet above mean sea level; only with an altitude.
    pub ceiling_ft: Option<f64>,
}

/// `alert/info`.
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    /// RFC 3066 language code; `en-US` when the element is absent.
    pub language: String,
    pub categories: Vec<Category>,
    pub event: String,
    pub response_types: Vec<ResponseType>,
    pub urgency: Urgency,
    pub severity: Severity,
    pub certainty: Certainty,
    pub audience: Option<String>,
    pub event_codes: Vec<ValuePair>,
    pub effective: Option<CapTime>,
    pub onset: Option<CapTime>,
    pub expires: Option<CapTime>,
    pub sender_name: Option<String>,
    pub headline: Option<String>,
    pub description: Option<String>,
    pub instruction: Option<String>,
    pub web: Option<String>,
    pub contact: Option<String>,
    pub parameters: Vec<ValuePair>,
    pub resources: Vec<Resource>,
    pub areas: Vec<Area>,
}

/// The CAP `alert` message.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub identifier: String,
    pub sender: String,
    pub sent: CapTime,
    pub status: Status,
    pub msg_type: MsgType,
    pub source: Option<String>,
    pub scope: Scope,
    pub restriction: Option<String>,
    /// Space-separated addresses, as written (addresses with spaces are in double quotes).
    pub addresses: Option<String>,
    pub codes: Vec<String>,
    pub note: Option<String>,
    pub references: Vec<Reference>,
    /// Space-separated incident identifiers, as written.
    pub incidents: Option<String>,
    pub infos: Vec<Info>,
}

impl Alert {
    /// The `sender,identifier,sent` triple other messages use to refer to this one.
    pub fn reference(&self) -> Reference {
        Reference {
            sender: self.sender.clone(),
            identifier: self.identifier.clone(),
            sent: self.sent,
        }
    }

    /// Languages of the info blocks, in order.
    pub fn languages(&self) -> Vec<&str> {
        self.infos.iter().map(|i| i.language.as_str()).collect()
    }
}

/// Formats a coordinate with the shortest representation that reads back to the same value.
pub(crate) fn fmt_coord(v: f64) -> String {
    let s = format!("{v}");
    if s == "-0" { "0".to_string() } else { s }
}

impl fmt::Display for Polygon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|p| format!("{},{}", fmt_coord(p.lat), fmt_coord(p.lon)))
            .collect();
        f.write_str(&parts.join(" "))
    }
}

impl fmt::Display for Circle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{},{} {}",
            fmt_coord(self.center.lat),
            fmt_coord(self.center.lon),
            fmt_coord(self.radius_km)
        )
    }
}

fn parse_number(s: &str, what: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a number ({what})"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("'{s}' is not a finite number ({what})"))
    }
}

fn parse_pair(s: &str) -> Result<LatLon, String> {
    let (lat, lon) = s
        .split_once(',')
        .ok_or_else(|| format!("'{s}' is not a 'lat,lon' pair"))?;
    Ok(LatLon {
        lat: parse_number(lat, "latitude")?,
        lon: parse_number(lon, "longitude")?,
    })
}

impl FromStr for Polygon {
    type Err = String;
    /// Parses whitespace-separated `lat,lon` pairs. Does not check closure or shape; see
    /// [`crate::validate`].
    fn from_str(s: &str) -> Result<Polygon, String> {
        s.split_whitespace()
            .map(parse_pair)
            .collect::<Result<Vec<_>, _>>()
            .map(Polygon)
    }
}

impl FromStr for Circle {
    type Err = String;
    /// Parses `lat,lon radius_km`.
    fn from_str(s: &str) -> Result<Circle, String> {
        let mut parts = s.split_whitespace();
        let (Some(center), Some(radius), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("'{s}' is not a circle 'lat,lon radius_km'"));
        };
        Ok(Circle {
            center: parse_pair(center)?,
            radius_km: parse_number(radius, "radius in km")?,
        })
    }
}

impl FromStr for Reference {
    type Err = String;
    /// Parses one `sender,identifier,sent` triple.
    fn from_str(s: &str) -> Result<Reference, String> {
        let parts: Vec<&str> = s.split(',').collect();
        let [sender, identifier, sent] = parts.as_slice() else {
            return Err(format!(
                "'{s}' is not a reference 'sender,identifier,sent' (three comma-separated parts)"
            ));
        };
        if sender.is_empty() || identifier.is_empty() {
            return Err(format!("'{s}' has an empty sender or identifier"));
        }
        Ok(Reference {
            sender: sender.to_string(),
            identifier: identifier.to_string(),
            sent: CapTime::parse(sent)?,
        })
    }
}

/// Parses the space-separated `references` value.
pub fn parse_references(s: &str) -> Result<Vec<Reference>, String> {
    s.split_whitespace().map(str::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), *s);
        }
        assert_eq!("CBRNE".parse::<Category>().unwrap(), Category::Cbrne);
        assert!("actual".parse::<Status>().is_err());
    }

    #[test]
    fn polygon_and_circle_text() {
        let p: Polygon = "34.5,73.25 35,74 34,74 34.5,73.25".parse().unwrap();
        assert_eq!(p.0.len(), 4);
        assert_eq!(p.to_string(), "34.5,73.25 35,74 34,74 34.5,73.25");
        assert!("34.5;73.25".parse::<Polygon>().is_err());
        let c: Circle = "32.9525,-115.5527 0".parse().unwrap();
        assert_eq!(c.to_string(), "32.9525,-115.5527 0");
        let r = parse_references(
            "a@b,id-1,2024-01-01T00:00:00-00:00 a@b,id-2,2024-01-02T00:00:00+05:00",
        )
        .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].to_string(), "a@b,id-2,2024-01-02T00:00:00+05:00");
    }
}
