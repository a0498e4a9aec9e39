//! Organisation rules: does an event concern an organisation?
//!
//! - Area of interest: the organisation's country boundary plus a buffer (km). The distance
//!   from an epicentre to the boundary is the shortest distance to any boundary segment on a
//!   local equirectangular projection (error well under 1 % at the buffer distances used,
//!   up to a few hundred km).
//! - Minimum magnitude by depth: a list of steps `(max_depth_km, min_mag)`; the first step
//!   whose depth bound holds the event's depth applies. The demo default is M >= 5.0 at depth
//!   <= 70 km and M >= 6.0 deeper ([`OrgRules::default_steps`]).
//! - Which sources the organisation trusts (empty: all).

use crate::report::QuakeReport;
use forewarn_core::BBox;
use geo::{Contains, MultiPolygon, Point};
use serde::{Deserialize, Serialize};

/// km per degree of latitude (mean Earth radius 6371.0088 km, IUGG).
const KM_PER_DEG: f64 = 6371.0088 * std::f64::consts::PI / 180.0;
/// Vertices closer than this to the simplified line are dropped before an area is drawn (km).
const DRAW_SIMPLIFY_KM: f64 = 1.0;

/// A step of the minimum magnitude by depth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MagnitudeStep {
    /// The step applies to events at most this deep (km); `None`: any depth.
    pub max_depth_km: Option<f64>,
    pub min_mag: f64,
}

/// A country boundary with a buffer.
#[derive(Debug, Clone)]
pub struct AreaOfInterest {
    pub boundary: MultiPolygon<f64>,
    pub buffer_km: f64,
    bbox: BBox,
}

impl AreaOfInterest {
    pub fn new(boundary: MultiPolygon<f64>, buffer_km: f64) -> AreaOfInterest {
        let mut b = BBox {
            west: f64::INFINITY,
            south: f64::INFINITY,
            east: f64::NEG_INFINITY,
            north: f64::NEG_INFINITY,
        };
        for p in &boundary.0 {
            for c in &p.exterior().0 {
                b.west = b.west.min(c.x);
                b.east = b.east.max(c.x);
                b.south = b.south.min(c.y);
                b.north = b.north.max(c.y);
            }
        }
        // Grow the box by the buffer (longitude degrees shrink towards the poles).
        let dlat = buffer_km / KM_PER_DEG;
        let coslat = b
            .north
            .abs()
            .max(b.south.abs())
            .min(89.0)
            .to_radians()
            .cos();
        let dlon = dlat / coslat.max(0.01);
        let bbox = BBox {
            west: b.west - dlon,
            south: b.south - dlat,
            east: b.east + dlon,
            north: b.north + dlat,
        };
        AreaOfInterest {
            boundary,
            buffer_km,
            bbox,
        }
    }

    /// Distance (km) from a point to the country: 0 inside.
    pub fn distance_km(&self, lon: f64, lat: f64) -> f64 {
        if self.boundary.contains(&Point::new(lon, lat)) {
            return 0.0;
        }
        let kx = KM_PER_DEG * lat.to_radians().cos();
        let ky = KM_PER_DEG;
        let mut best = f64::INFINITY;
        for poly in &self.boundary.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                for w in ring.0.windows(2) {
                    let (ax, ay) = ((w[0].x - lon) * kx, (w[0].y - lat) * ky);
                    let (bx, by) = ((w[1].x - lon) * kx, (w[1].y - lat) * ky);
                    let (dx, dy) = (bx - ax, by - ay);
                    let len2 = dx * dx + dy * dy;
                    let t = if len2 > 0.0 {
                        (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                    let (px, py) = (ax + t * dx, ay + t * dy);
                    best = best.min((px * px + py * py).sqrt());
                }
            }
        }
        best
    }

    /// The country grown by the buffer, for drawing: buffered on a sinusoidal projection about
    /// the country's central meridian (distances along parallels true at every latitude), after
    /// simplifying the boundary to [`DRAW_SIMPLIFY_KM`]. The rule itself measures each event's
    /// distance to the boundary ([`AreaOfInterest::distance_km`]), so this is a picture of the
    /// rule, not the rule.
    pub fn drawn(&self) -> MultiPolygon<f64> {
        use geo::{Buffer, Coord, MapCoords, Simplify};
        let lon0 = (self.bbox.west + self.bbox.east) / 2.0;
        let fwd = |c: Coord<f64>| Coord {
            x: (c.x - lon0) * KM_PER_DEG * c.y.to_radians().cos(),
            y: c.y * KM_PER_DEG,
        };
        let inv = |c: Coord<f64>| {
            let lat = c.y / KM_PER_DEG;
            Coord {
                x: lon0 + c.x / (KM_PER_DEG * lat.to_radians().cos().max(1e-6)),
                y: lat,
            }
        };
        let km = self.boundary.map_coords(fwd).simplify(DRAW_SIMPLIFY_KM);
        let out = if self.buffer_km > 0.0 {
            km.buffer(self.buffer_km)
        } else {
            km
        };
        out.map_coords(inv)
    }

    /// Whether a point is in the country or within the buffer of it.
    pub fn touches_point(&self, lon: f64, lat: f64) -> bool {
        self.bbox.contains(&forewarn_core::LonLat { lon, lat })
            && self.distance_km(lon, lat) <= self.buffer_km
    }

    /// Whether a polygon (lon, lat ring) comes within the buffer: a vertex within it, or the
    /// country inside the polygon.
    pub fn touches_ring(&self, ring: &[(f64, f64)]) -> bool {
        if ring.iter().any(|&(x, y)| self.touches_point(x, y)) {
            return true;
        }
        if ring.len() < 3 {
            return false;
        }
        let poly = geo::Polygon::new(
            geo::LineString::from(ring.iter().map(|&(x, y)| (x, y)).collect::<Vec<_>>()),
            vec![],
        );
        self.boundary
            .0
            .iter()
            .filter_map(|p| p.exterior().0.first())
            .any(|c| poly.contains(&Point::new(c.x, c.y)))
    }
}

/// The rules of one organisation.
#[derive(Debug, Clone)]
pub struct OrgRules {
    pub org: String,
    pub area: AreaOfInterest,
    pub magnitude_steps: Vec<MagnitudeStep>,
    /// Sources the organisation trusts; empty: every source.
    pub trusted_sources: Vec<String>,
}

/// Whether an event concerns an organisation, and why.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Pass { distance_km: f64, min_mag: f64 },
    Fail(String),
}

impl Decision {
    pub fn passes(&self) -> bool {
        matches!(self, Decision::Pass { .. })
    }
}

impl OrgRules {
    /// The demo default: M >= 5.0 at depth <= 70 km, M >= 6.0 deeper.
    pub fn default_steps() -> Vec<MagnitudeStep> {
        vec![
            MagnitudeStep {
                max_depth_km: Some(70.0),
                min_mag: 5.0,
            },
            MagnitudeStep {
                max_depth_km: None,
                min_mag: 6.0,
            },
        ]
    }

    /// The smallest magnitude of interest at `depth_km`; `None` when no step applies.
    pub fn min_mag_at(&self, depth_km: f64) -> Option<f64> {
        self.magnitude_steps
            .iter()
            .find(|s| s.max_depth_km.is_none_or(|d| depth_km <= d))
            .map(|s| s.min_mag)
    }

    /// Whether the report concerns the organisation.
    pub fn evaluate(&self, r: &QuakeReport) -> Decision {
        if !self.trusted_sources.is_empty() && !self.trusted_sources.contains(&r.source) {
            return Decision::Fail(format!("source '{}' is not trusted", r.source));
        }
        let Some(min_mag) = self.min_mag_at(r.depth_km) else {
            return Decision::Fail(format!("no magnitude rule for depth {} km", r.depth_km));
        };
        if r.mag < min_mag {
            return Decision::Fail(format!(
                "M{} is below M{min_mag} at depth {} km",
                r.mag, r.depth_km
            ));
        }
        if !self.area.bbox.contains(&forewarn_core::LonLat {
            lon: r.lon,
            lat: r.lat,
        }) {
            return Decision::Fail("outside the area of interest".into());
        }
        let d = self.area.distance_km(r.lon, r.lat);
        if d > self.area.buffer_km {
            return Decision::Fail(format!(
                "{d:.0} km from the country, more than the buffer of {} km",
                self.area.buffer_km
            ));
        }
        Decision::Pass {
            distance_km: d,
            min_mag,
        }
    }
}
