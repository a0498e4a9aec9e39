//! Earthquake ruptures as one or more planar rectangles, and source-to-site distances.
//!
//! Geometry is computed in a local tangent plane (equirectangular projection about the
//! rupture's reference point, km). Within a few hundred km this is accurate to well under 1%,
//! which is far inside ground-motion uncertainty; beyond that distances only feed the tails of
//! the attenuation curves.
//!
//! Distance definitions follow the NGA-West2 conventions used by OpenQuake:
//! Rrup (closest to the rupture), Rjb (closest to its surface projection), Rx (perpendicular to
//! strike from the top edge, positive on the hanging wall), Ry0 (beyond the ends along
//! strike), Rhypo and Repi.

use crate::gmpe::{Distances, RuptureParams};
use crate::point_source::{EquivalentDistances, PointSource};
use forewarn_core::{LonLat, geo_types::EARTH_RADIUS_KM};
use serde::{Deserialize, Serialize};

/// Style of faulting from rake, as in Wells & Coppersmith (1994).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mechanism {
    StrikeSlip,
    Reverse,
    Normal,
}

impl Mechanism {
    pub fn from_rake(rake_deg: f64) -> Mechanism {
        let r = ((rake_deg + 180.0).rem_euclid(360.0)) - 180.0;
        if (45.0..=135.0).contains(&r) {
            Mechanism::Reverse
        } else if (-135.0..=-45.0).contains(&r) {
            Mechanism::Normal
        } else {
            Mechanism::StrikeSlip
        }
    }
}

/// Rupture length and width (km) from magnitude: Wells & Coppersmith (1994), BSSA 84(4),
/// Table 2A, subsurface rupture length (RLD) and down-dip width (RW) regressions:
/// log10(RLD) = a + b M; log10(RW) = a + b M.
pub fn wells_coppersmith_1994(mag: f64, mech: Mechanism) -> (f64, f64) {
    // (a_RLD, b_RLD, a_RW, b_RW), Wells & Coppersmith (1994) Table 2A.
    let (al, bl, aw, bw) = match mech {
        Mechanism::StrikeSlip => (-2.57, 0.62, -0.76, 0.27),
        Mechanism::Reverse => (-2.42, 0.58, -1.61, 0.41),
        Mechanism::Normal => (-1.88, 0.50, -1.14, 0.35),
    };
    (10f64.powf(al + bl * mag), 10f64.powf(aw + bw * mag))
}

/// A planar rectangular fault surface.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Plane {
    /// Top edge start point (the "top-left" corner looking along strike).
    pub top_start: LonLat,
    /// Depth of the top edge, km.
    pub ztor_km: f64,
    pub strike_deg: f64,
    pub dip_deg: f64,
    pub length_km: f64,
    pub width_km: f64,
}

/// A rupture: magnitude, mechanism, hypocentre and one or more planes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rupture {
    pub mag: f64,
    pub rake_deg: f64,
    pub hypocenter: LonLat,
    pub hypo_depth_km: f64,
    /// The rupture surface; empty for a point source (its strike is unknown).
    pub planes: Vec<Plane>,
    /// How the geometry was obtained, for the summary.
    pub geometry_source: String,
    /// Set when the event is known only as a point: the scaled rupture size and the
    /// equivalent-distance treatment of the unknown strike ([`crate::point_source`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_source: Option<PointSource>,
}

/// Where a rupture of width `width_km` and dip `dip_deg` sits down-dip around a hypocentre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DownDip {
    pub width_km: f64,
    pub ztor_km: f64,
    pub hypo_down_dip_km: f64,
}

/// The width is limited so the bottom stays above the seismogenic depth, max(25 km, depth +
/// 5 km) (a Forewarn choice: 25 km is about the base of the brittle crust in the region, and
/// deeper hypocentres keep their rupture around them); the rupture is centred down-dip on the
/// hypocentre, its top kept at or below the surface and its bottom above that depth.
pub fn place_down_dip(depth_km: f64, width_km: f64, dip_deg: f64) -> DownDip {
    let sin_dip = dip_deg.to_radians().sin();
    let seismogenic_km = 25.0f64.max(depth_km + 5.0);
    let width_km = width_km.min(seismogenic_km / sin_dip);
    let mut ztor = depth_km - 0.5 * width_km * sin_dip;
    if ztor < 0.0 {
        ztor = 0.0;
    }
    if ztor + width_km * sin_dip > seismogenic_km {
        ztor = (seismogenic_km - width_km * sin_dip).max(0.0);
    }
    DownDip {
        width_km,
        ztor_km: ztor,
        hypo_down_dip_km: ((depth_km - ztor) / sin_dip).clamp(0.0, width_km),
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuptureError {
    #[error("{field} = {value}: {message}")]
    Invalid {
        field: &'static str,
        value: f64,
        message: &'static str,
    },
}

fn check(
    field: &'static str,
    value: f64,
    ok: bool,
    message: &'static str,
) -> Result<(), RuptureError> {
    if ok && value.is_finite() {
        Ok(())
    } else {
        Err(RuptureError::Invalid {
            field,
            value,
            message,
        })
    }
}

/// Validate the common rupture parameters with messages that name the field.
pub fn validate_params(
    mag: f64,
    depth_km: f64,
    dip_deg: f64,
    lon: f64,
    lat: f64,
) -> Result<(), RuptureError> {
    check(
        "magnitude",
        mag,
        (4.0..=9.5).contains(&mag),
        "magnitude must be within [4, 9.5]",
    )?;
    check(
        "depth_km",
        depth_km,
        depth_km >= 0.0,
        "depth must not be negative",
    )?;
    check(
        "depth_km",
        depth_km,
        depth_km <= 700.0,
        "depth must be at most 700 km",
    )?;
    check(
        "dip",
        dip_deg,
        dip_deg > 0.0 && dip_deg <= 90.0,
        "dip must be within (0, 90]",
    )?;
    check(
        "lat",
        lat,
        (-90.0..=90.0).contains(&lat),
        "latitude must be within [-90, 90]",
    )?;
    check(
        "lon",
        lon,
        (-180.0..=180.0).contains(&lon),
        "longitude must be within [-180, 180]",
    )?;
    Ok(())
}

/// Local tangent-plane projection about a reference point (km east, km north).
#[derive(Debug, Clone, Copy)]
pub struct LocalFrame {
    lon0: f64,
    lat0: f64,
    kx: f64,
    ky: f64,
}

impl LocalFrame {
    pub fn new(origin: LonLat) -> Self {
        let ky = EARTH_RADIUS_KM.to_radians();
        LocalFrame {
            lon0: origin.lon,
            lat0: origin.lat,
            kx: ky * origin.lat.to_radians().cos(),
            ky,
        }
    }
    /// The frame's origin.
    pub fn origin(&self) -> LonLat {
        LonLat::new(self.lon0, self.lat0)
    }
    pub fn to_xy(&self, p: LonLat) -> (f64, f64) {
        let mut dl = p.lon - self.lon0;
        if dl > 180.0 {
            dl -= 360.0;
        } else if dl < -180.0 {
            dl += 360.0;
        }
        (dl * self.kx, (p.lat - self.lat0) * self.ky)
    }
    pub fn to_lonlat(&self, x: f64, y: f64) -> LonLat {
        LonLat::new(self.lon0 + x / self.kx, self.lat0 + y / self.ky)
    }
}

/// A plane expressed in a local frame: origin (top-start corner) and unit vectors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlaneXyz {
    o: [f64; 3],
    s: [f64; 3], // along strike (horizontal)
    d: [f64; 3], // down dip (z positive down)
    h: [f64; 2], // horizontal unit vector perpendicular to strike, towards the hanging wall
    len: f64,
    wid: f64,
}

fn dot3(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

impl PlaneXyz {
    fn new(p: &Plane, f: &LocalFrame) -> Self {
        let (x, y) = f.to_xy(p.top_start);
        Self::from_local(
            [x, y, p.ztor_km],
            p.strike_deg,
            p.dip_deg,
            p.length_km,
            p.width_km,
        )
    }

    /// A plane from its top-start corner `o` (km east, km north, depth km) in a local frame.
    pub(crate) fn from_local(
        o: [f64; 3],
        strike_deg: f64,
        dip_deg: f64,
        len: f64,
        wid: f64,
    ) -> Self {
        let st = strike_deg.to_radians();
        let dp = dip_deg.to_radians();
        let s = [st.sin(), st.cos(), 0.0];
        // Dip direction is strike + 90 degrees (right-hand rule).
        let h = [st.cos(), -st.sin()];
        let d = [h[0] * dp.cos(), h[1] * dp.cos(), dp.sin()];
        PlaneXyz {
            o,
            s,
            d,
            h,
            len,
            wid,
        }
    }

    /// (rrup, rjb, rx, ry0) for a site at (x, y, 0).
    pub(crate) fn distances(&self, x: f64, y: f64) -> (f64, f64, f64, f64) {
        let r = [x - self.o[0], y - self.o[1], -self.o[2]];
        let u = dot3(r, self.s);
        let v = dot3(r, self.d);
        let uc = u.clamp(0.0, self.len);
        let vc = v.clamp(0.0, self.wid);
        let q = [
            self.o[0] + uc * self.s[0] + vc * self.d[0],
            self.o[1] + uc * self.s[1] + vc * self.d[1],
            self.o[2] + uc * self.s[2] + vc * self.d[2],
        ];
        let rrup = ((x - q[0]).powi(2) + (y - q[1]).powi(2) + q[2].powi(2)).sqrt();
        // Surface projection: a rectangle with sides along s (length len) and h (width wid*cos dip).
        let rx = r[0] * self.h[0] + r[1] * self.h[1];
        let proj_w = self.wid * (self.d[0] * self.d[0] + self.d[1] * self.d[1]).sqrt();
        let du = if u < 0.0 {
            -u
        } else if u > self.len {
            u - self.len
        } else {
            0.0
        };
        let dw = if rx < 0.0 {
            -rx
        } else if rx > proj_w {
            rx - proj_w
        } else {
            0.0
        };
        let rjb = (du * du + dw * dw).sqrt();
        (rrup, rjb, rx, du)
    }
}

/// Distances from a rupture to many sites, with the projection set up once.
pub struct DistanceCalculator {
    frame: LocalFrame,
    planes: Vec<PlaneXyz>,
    /// Point sources: mean distances by epicentral distance.
    equivalent: Option<EquivalentDistances>,
    hypo_xy: (f64, f64),
    hypo_depth_km: f64,
    epicenter: LonLat,
}

/// All distance metrics for one site, km.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SiteDistances {
    pub rrup_km: f64,
    pub rjb_km: f64,
    pub rx_km: f64,
    pub ry0_km: f64,
    pub rhypo_km: f64,
    pub repi_km: f64,
}

impl SiteDistances {
    pub fn gmpe(&self) -> Distances {
        Distances {
            rrup_km: self.rrup_km,
            rjb_km: self.rjb_km,
            rx_km: self.rx_km,
            ry0_km: self.ry0_km,
            rhypo_km: self.rhypo_km,
        }
    }
}

impl DistanceCalculator {
    pub fn new(rup: &Rupture) -> Self {
        let frame = LocalFrame::new(rup.hypocenter);
        DistanceCalculator {
            frame,
            planes: rup
                .planes
                .iter()
                .map(|p| PlaneXyz::new(p, &frame))
                .collect(),
            equivalent: rup.point_source.as_ref().map(PointSource::table),
            hypo_xy: frame.to_xy(rup.hypocenter),
            hypo_depth_km: rup.hypo_depth_km,
            epicenter: rup.hypocenter,
        }
    }

    pub fn at(&self, site: LonLat) -> SiteDistances {
        let (x, y) = self.frame.to_xy(site);
        let dh = ((x - self.hypo_xy.0).powi(2) + (y - self.hypo_xy.1).powi(2)).sqrt();
        if let Some(eq) = &self.equivalent {
            let (rjb, rrup) = eq.at(dh);
            return SiteDistances {
                rrup_km: rrup,
                rjb_km: rjb,
                rx_km: 0.0,
                ry0_km: 0.0,
                rhypo_km: (dh * dh + self.hypo_depth_km.powi(2)).sqrt(),
                repi_km: site.distance_km(&self.epicenter),
            };
        }
        let mut best: Option<(f64, f64, f64, f64)> = None;
        for p in &self.planes {
            let d = p.distances(x, y);
            best = Some(match best {
                None => d,
                Some(b) => {
                    // Rrup and Rjb are minima over planes; Rx and Ry0 come from the plane
                    // closest in Rjb (ties: the first), a simplification of GC2 for
                    // multi-segment ruptures.
                    let (rx, ry0) = if d.1 < b.1 { (d.2, d.3) } else { (b.2, b.3) };
                    (b.0.min(d.0), b.1.min(d.1), rx, ry0)
                }
            });
        }
        let (rrup, rjb, rx, ry0) = best.unwrap_or((f64::NAN, f64::NAN, f64::NAN, f64::NAN));
        SiteDistances {
            rrup_km: rrup,
            rjb_km: rjb,
            rx_km: rx,
            ry0_km: ry0,
            rhypo_km: (dh * dh + self.hypo_depth_km.powi(2)).sqrt(),
            repi_km: site.distance_km(&self.epicenter),
        }
    }
}

impl Rupture {
    /// A finite rectangular rupture centred on the hypocentre, sized by Wells & Coppersmith
    /// (1994). The top is kept at or below the surface and the width is limited so the bottom
    /// stays above `seismogenic_depth_km` (or the hypocentre plus half the width if deeper).
    pub fn from_hypocenter(
        hypocenter: LonLat,
        depth_km: f64,
        mag: f64,
        strike_deg: f64,
        dip_deg: f64,
        rake_deg: f64,
    ) -> Result<Rupture, RuptureError> {
        validate_params(mag, depth_km, dip_deg, hypocenter.lon, hypocenter.lat)?;
        let (length_km, width_km) = wells_coppersmith_1994(mag, Mechanism::from_rake(rake_deg));
        let dd = place_down_dip(depth_km, width_km, dip_deg);
        let (width_km, ztor) = (dd.width_km, dd.ztor_km);
        // Down-dip offset of the hypocentre from the top edge, and the top-start corner.
        let v_hypo = dd.hypo_down_dip_km;
        let frame = LocalFrame::new(hypocenter);
        let st = strike_deg.to_radians();
        let dp = dip_deg.to_radians();
        let s = [st.sin(), st.cos()];
        let h = [st.cos(), -st.sin()];
        let x = -0.5 * length_km * s[0] - v_hypo * dp.cos() * h[0];
        let y = -0.5 * length_km * s[1] - v_hypo * dp.cos() * h[1];
        Ok(Rupture {
            mag,
            rake_deg,
            hypocenter,
            hypo_depth_km: depth_km,
            planes: vec![Plane {
                top_start: frame.to_lonlat(x, y),
                ztor_km: ztor,
                strike_deg,
                dip_deg,
                length_km,
                width_km,
            }],
            geometry_source:
                "finite fault from Wells & Coppersmith (1994) scaling, centred on the hypocentre"
                    .into(),
            point_source: None,
        })
    }

    /// An event known only as a point: a rupture sized by Wells & Coppersmith (1994) with the
    /// given rake (else the region's typical mechanism) and dip (else the mechanism's default),
    /// its strike unknown, distances by the equivalent-distance treatment
    /// ([`crate::point_source`]).
    pub fn point_source(
        hypocenter: LonLat,
        depth_km: f64,
        mag: f64,
        rake_deg: Option<f64>,
        dip_deg: Option<f64>,
    ) -> Result<Rupture, RuptureError> {
        let regional = crate::point_source::regional_mechanism(hypocenter, depth_km);
        let (rake, mechanism) = match rake_deg {
            Some(r) => {
                check(
                    "rake",
                    r,
                    (-360.0..=360.0).contains(&r),
                    "rake must be within [-360, 360]",
                )?;
                (
                    r,
                    crate::point_source::RegionalMechanism {
                        zone: "given".into(),
                        rake_deg: r,
                        dip_deg: dip_deg.unwrap_or(crate::point_source::default_dip_deg(
                            Mechanism::from_rake(r),
                        )),
                        reference: "rake given with the event".into(),
                    },
                )
            }
            None => (regional.rake_deg, regional),
        };
        let dip = dip_deg.unwrap_or(mechanism.dip_deg);
        validate_params(mag, depth_km, dip, hypocenter.lon, hypocenter.lat)?;
        let ps = PointSource::new(mag, depth_km, rake, dip, mechanism);
        Ok(Rupture {
            mag,
            rake_deg: rake,
            hypocenter,
            hypo_depth_km: depth_km,
            planes: Vec::new(),
            geometry_source: format!(
                "point source: {:.0} x {:.0} km rupture from Wells & Coppersmith (1994) scaling, strike unknown (map: mean over {} ruptures of every strike; people and losses: over all of them)",
                ps.length_km,
                ps.width_km,
                ps.ensemble_strikes * ps.ensemble_hypocentre_positions
            ),
            point_source: Some(ps),
        })
    }

    /// How the rupture was treated, for the summary: `finite_fault` (planes known or built
    /// with a given strike) or `point_source_equivalent_distances`.
    pub fn treatment(&self) -> &'static str {
        if self.point_source.is_some() {
            "point_source_equivalent_distances"
        } else {
            "finite_fault"
        }
    }

    /// Rupture parameters for the ground-motion models (from the first plane).
    pub fn gmpe_params(&self) -> RuptureParams {
        if let Some(ps) = &self.point_source {
            return RuptureParams {
                mag: self.mag,
                rake_deg: self.rake_deg,
                dip_deg: ps.dip_deg,
                ztor_km: ps.ztor_km,
                width_km: ps.width_km,
                hypo_depth_km: self.hypo_depth_km,
            };
        }
        let p = self.planes.first();
        RuptureParams {
            mag: self.mag,
            rake_deg: self.rake_deg,
            dip_deg: p.map_or(90.0, |p| p.dip_deg),
            ztor_km: self
                .planes
                .iter()
                .map(|p| p.ztor_km)
                .fold(f64::INFINITY, f64::min),
            width_km: p.map_or(0.0, |p| p.width_km),
            hypo_depth_km: self.hypo_depth_km,
        }
    }

    /// Corners of each plane's surface projection as closed rings (lon, lat).
    pub fn surface_outline(&self) -> Vec<Vec<LonLat>> {
        let f = LocalFrame::new(self.hypocenter);
        self.planes
            .iter()
            .map(|p| {
                let q = PlaneXyz::new(p, &f);
                let c = |u: f64, v: f64| {
                    f.to_lonlat(
                        q.o[0] + u * q.s[0] + v * q.d[0],
                        q.o[1] + u * q.s[1] + v * q.d[1],
                    )
                };
                vec![
                    c(0.0, 0.0),
                    c(q.len, 0.0),
                    c(q.len, q.wid),
                    c(0.0, q.wid),
                    c(0.0, 0.0),
                ]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vertical_ss() -> Rupture {
        // A vertical strike-slip fault striking north, 20 km long, 10 km wide, top at the surface.
        let f = LocalFrame::new(LonLat::new(70.0, 35.0));
        Rupture {
            mag: 6.5,
            rake_deg: 0.0,
            hypocenter: LonLat::new(70.0, 35.0),
            hypo_depth_km: 5.0,
            planes: vec![Plane {
                top_start: f.to_lonlat(0.0, -10.0),
                ztor_km: 0.0,
                strike_deg: 0.0,
                dip_deg: 90.0,
                length_km: 20.0,
                width_km: 10.0,
            }],
            geometry_source: "test".into(),
            point_source: None,
        }
    }

    #[test]
    fn vertical_fault_distances_are_analytic() {
        let r = vertical_ss();
        let dc = DistanceCalculator::new(&r);
        let f = LocalFrame::new(r.hypocenter);
        // 5 km east of the fault's middle: Rjb = Rrup = Rx = 5, Ry0 = 0.
        let d = dc.at(f.to_lonlat(5.0, 0.0));
        assert!(
            (d.rjb_km - 5.0).abs() < 1e-9 && (d.rrup_km - 5.0).abs() < 1e-9,
            "{d:?}"
        );
        assert!((d.rx_km - 5.0).abs() < 1e-9 && d.ry0_km.abs() < 1e-9);
        // 3 km west and 4 km beyond the north end: Rjb = 5, Ry0 = 4, Rx = -3.
        let d = dc.at(f.to_lonlat(-3.0, 14.0));
        assert!((d.rjb_km - 5.0).abs() < 1e-9, "{d:?}");
        assert!((d.ry0_km - 4.0).abs() < 1e-9 && (d.rx_km + 3.0).abs() < 1e-9);
        // Hypocentral distance straight above: equals the depth.
        let d = dc.at(r.hypocenter);
        assert!((d.rhypo_km - 5.0).abs() < 1e-9 && d.repi_km < 1e-9);
    }

    #[test]
    fn dipping_fault_hanging_wall_has_zero_rjb_and_rrup_below_depth() {
        let f = LocalFrame::new(LonLat::new(70.0, 35.0));
        let r = Rupture {
            mag: 7.0,
            rake_deg: 90.0,
            hypocenter: LonLat::new(70.0, 35.0),
            hypo_depth_km: 10.0,
            planes: vec![Plane {
                top_start: f.to_lonlat(0.0, -20.0),
                ztor_km: 2.0,
                strike_deg: 0.0,
                dip_deg: 30.0,
                length_km: 40.0,
                width_km: 20.0,
            }],
            geometry_source: "test".into(),
            point_source: None,
        };
        let dc = DistanceCalculator::new(&r);
        // Site on the hanging wall, 10 km east of the top edge: the fault lies beneath.
        let d = dc.at(f.to_lonlat(10.0, 0.0));
        assert_eq!(d.rjb_km, 0.0);
        assert!((d.rx_km - 10.0).abs() < 1e-9);
        // Closest point on the plane: perpendicular distance from the surface point.
        // Plane through (0, y, 2 km) with unit normal (sin 30, 0, -cos 30) (z down):
        // distance = 10 sin 30 + 2 cos 30.
        let want = 10.0 * 30f64.to_radians().sin() + 2.0 * 30f64.to_radians().cos();
        assert!((d.rrup_km - want).abs() < 1e-9, "{} vs {want}", d.rrup_km);
        // Footwall site 5 km west: Rjb = 5, Rx = -5.
        let d = dc.at(f.to_lonlat(-5.0, 0.0));
        assert!((d.rjb_km - 5.0).abs() < 1e-9 && (d.rx_km + 5.0).abs() < 1e-9);
    }

    #[test]
    fn finite_fault_from_hypocenter_contains_hypocenter() {
        let r = Rupture::from_hypocenter(LonLat::new(73.63, 34.49), 26.0, 7.6, 320.0, 30.0, 90.0)
            .unwrap();
        let dc = DistanceCalculator::new(&r);
        // The hypocentre is on the plane, so Rrup from the epicentre equals... at most its depth.
        let d = dc.at(r.hypocenter);
        assert!(d.rrup_km <= 26.0 + 1e-6);
        let p = r.planes[0];
        assert!(
            p.ztor_km >= 0.0 && p.length_km > 50.0 && p.length_km < 150.0,
            "{p:?}"
        );
    }

    #[test]
    fn bad_parameters_name_the_field() {
        let e = Rupture::from_hypocenter(LonLat::new(70.0, 35.0), 10.0, 9.8, 0.0, 90.0, 0.0)
            .unwrap_err();
        assert!(e.to_string().contains("magnitude"));
        let e = Rupture::from_hypocenter(LonLat::new(70.0, 35.0), -1.0, 6.0, 0.0, 90.0, 0.0)
            .unwrap_err();
        assert!(e.to_string().contains("depth"));
        let e = Rupture::from_hypocenter(LonLat::new(70.0, 35.0), 10.0, 6.0, 0.0, 0.0, 0.0)
            .unwrap_err();
        assert!(e.to_string().contains("dip"));
        let e = Rupture::from_hypocenter(LonLat::new(70.0, 35.0), 10.0, 6.0, 0.0, 95.0, 0.0)
            .unwrap_err();
        assert!(e.to_string().contains("dip"));
    }
}
