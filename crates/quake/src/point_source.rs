//! Events known only as a point (epicentre, depth, magnitude): a finite rupture from
//! magnitude scaling with the region's typical mechanism, and distances that account for the
//! unknown strike.
//!
//! **Size.** Length and down-dip width from Wells & Coppersmith (1994), BSSA 84(4):974-1002,
//! Table 2A (subsurface rupture length RLD and width RW by mechanism;
//! [`crate::rupture::wells_coppersmith_1994`]), the width limited by the seismogenic depth as
//! for every rupture built from a hypocentre ([`crate::rupture::place_down_dip`]).
//!
//! **Mechanism.** The rake given with the event; otherwise the region's default
//! ([`regional_mechanism`]): strike-slip along the Chaman fault system and in Mongolia and the
//! Altai, reverse elsewhere (the India-Eurasia collision: Himalaya, Sulaiman and Kirthar
//! ranges, Hindu Kush, Pamir, Tien Shan, Zagros), reverse for intermediate-depth events. The
//! dip defaults by mechanism to those of ShakeMap 4's point-source tables (ps2ff, Thompson &
//! Worden 2018, BSSA 108(1):371-386; shakelib/rupture/ps2ff/ file names: SS Dip90, R Dip40,
//! N Dip50).
//!
//! **Distances ("equivalent distances").** The strike is unknown, so Rjb and Rrup at a site
//! are the means over an ensemble of ruptures: strike uniform over 0-360 degrees
//! ([`STRIKES`] values) and the hypocentre uniform along the strike ([`POSITIONS`] values),
//! its down-dip position fixed by its depth. This is the approach of Thompson & Worden (2018)
//! used by ShakeMap 4's `PointRupture` (mean Rjb and Rrup as functions of epicentral
//! distance), computed here for Forewarn's own rupture geometry instead of read from the
//! ps2ff tables. By symmetry the means depend only on the epicentral distance, so they are
//! tabulated once per event on [`REPI_NODES`] distances and interpolated. Rx and Ry0 are 0, as
//! in ShakeMap's `PointRupture.computeGC2`.
//!
//! **Ensemble correction.** Ground motion at the mean distance is not the mean ground motion
//! of the ensemble: near a large rupture a site lies over the fault (Rjb = 0) or on its
//! hanging wall in part of the ensemble, and ln Y is convex in distance. So the medians get a
//! correction per IMT and epicentral distance, Delta(Repi) = mean over the ensemble of ln Y
//! minus ln Y at the equivalent distances, both on reference rock (Vs30 760 m/s, where the
//! site terms are linear), with each member's own Rjb, Rrup, Rx and Ry0 ([`ENSEMBLE_STRIKES`]
//! x [`ENSEMBLE_POSITIONS`] members). The median at a site is the models' median at the
//! equivalent distances and the site's Vs30, plus Delta: the ensemble's mean ln Y (OpenQuake's
//! treatment of a point source with a distribution of nodal planes, averaged in ln units)
//! at the cost of one model evaluation per site. The spread of ln Y over the ensemble is not
//! added to sigma (ShakeMap adds the distance variance to the within-event term).
//!
//! **People and losses over the ensemble.** The mean field is a circle around the epicentre
//! whose strongest shaking is weaker than any one member's: a site lies over the fault for
//! some strikes and far from it for others, and the mean of ln Y sits between. Exposure at an
//! intensity is not linear in ln Y, so the people at MMI IX of the mean field are far fewer
//! than the people at IX expected over the strikes (a rupture of length L puts a band of
//! about 2 d L km² within d km of itself, the mean field a disc of about 2 pi d²). So the
//! engine keeps each sample's offset from the equivalent-distance median by epicentral
//! distance and by the site's azimuth relative to the strike, and reads member (strike,
//! position) at each site's own azimuth minus the member's strike, so every member is a
//! rupture ([`crate::shaking::PointSourceCorrection::member`]): the people per intensity are the
//! mean of the members' tables, and the losses are PAGER's lognormal around each member's
//! expected losses, mixed with equal weights, as OpenQuake weights the ruptures generated
//! from a point source's nodal-plane distribution. Realisations draw one member each (the
//! strike is one per event). The map shows the mean field.

use crate::regime::inside;
use crate::rupture::{Mechanism, PlaneXyz, place_down_dip, wells_coppersmith_1994};
use forewarn_core::LonLat;
use serde::{Deserialize, Serialize};

/// Strikes of the ensemble (every 5 degrees).
pub const STRIKES: usize = 72;
/// Hypocentre positions along the strike (fractions 0.05, 0.15, ..., 0.95 of the length).
pub const POSITIONS: usize = 10;
/// Strikes of the ensemble correction (every 20 degrees).
pub const ENSEMBLE_STRIKES: usize = 18;
/// Hypocentre positions of the ensemble correction (fractions 0.1, 0.3, ..., 0.9).
pub const ENSEMBLE_POSITIONS: usize = 5;

/// Epicentral distances of the table: 0 and a geometric series from 0.25 km by a factor 1.1
/// up to beyond 3,000 km.
pub const REPI_NODES: usize = 100;

/// Default dip by mechanism, degrees (ps2ff tables of ShakeMap 4: SS 90, R 40, N 50).
pub fn default_dip_deg(mech: Mechanism) -> f64 {
    match mech {
        Mechanism::StrikeSlip => 90.0,
        Mechanism::Reverse => 40.0,
        Mechanism::Normal => 50.0,
    }
}

/// A region's typical mechanism.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionalMechanism {
    /// Zone name (reported in summary.json).
    pub zone: String,
    pub rake_deg: f64,
    pub dip_deg: f64,
    /// Why, with the source.
    pub reference: String,
}

/// The Chaman-Ornach Nal fault system (Afghanistan-Pakistan), (lon, lat) closed. A Forewarn
/// outline drawn about 0.5 degrees either side of the mapped trace from the Ornach Nal
/// fault (25.5 N) through Chaman (66.45 E 30.9 N) towards Kabul.
pub const CHAMAN_FAULT_SYSTEM: [(f64, f64); 11] = [
    (65.8, 25.3),
    (66.8, 25.3),
    (67.0, 29.5),
    (66.95, 30.6),
    (68.6, 32.8),
    (69.8, 34.6),
    (69.3, 35.2),
    (68.0, 33.5),
    (65.95, 31.2),
    (65.8, 29.5),
    (65.8, 25.3),
];

/// Mongolia and the Mongolian and Chinese Altai, (lon, lat) closed (a Forewarn outline).
pub const MONGOLIA_ALTAI: [(f64, f64); 6] = [
    (87.0, 45.0),
    (87.0, 52.5),
    (120.0, 52.5),
    (120.0, 42.0),
    (96.0, 42.0),
    (87.0, 45.0),
];

/// The region's typical mechanism at an epicentre and depth (see the module docs).
pub fn regional_mechanism(epicentre: LonLat, depth_km: f64) -> RegionalMechanism {
    let r = |zone: &str, rake_deg: f64, dip_deg: f64, reference: &str| RegionalMechanism {
        zone: zone.into(),
        rake_deg,
        dip_deg,
        reference: reference.into(),
    };
    if depth_km >= crate::regime::INTERMEDIATE_DEPTH_KM {
        return r(
            if crate::regime::in_hindu_kush_pamir(epicentre) {
                "hindu_kush_pamir_intermediate_depth"
            } else {
                "intermediate_depth"
            },
            90.0,
            45.0,
            "reverse faulting: USGS tectonic summary of the 2015 M7.5 Hindu Kush event \
             (Hayes et al. 2016, USGS OFR 2016-1192: 'either a near-vertical reverse fault or \
             a shallowly dipping thrust fault'); dip 45, between the two nodal planes. The \
             in-slab model uses hypocentral distance, so the geometry sets only the footprint \
             and the intensity conversion's distance term",
        );
    }
    if inside(epicentre, &CHAMAN_FAULT_SYSTEM) {
        return r(
            "chaman_fault_system",
            0.0,
            default_dip_deg(Mechanism::StrikeSlip),
            "left-lateral strike-slip Chaman fault system (Lawrence, Khan & Nakata 1992, \
             Annales Tectonicae 6; USGS tectonic summaries, Hayes et al. 2016)",
        );
    }
    if inside(epicentre, &MONGOLIA_ALTAI) {
        return r(
            "mongolia_altai",
            0.0,
            default_dip_deg(Mechanism::StrikeSlip),
            "the great Mongolian earthquakes (1905 Tsetserleg and Bolnay, 1931 Fu-Yun, 1957 \
             Gobi-Altai) were strike-slip (Baljinnyam et al. 1993, GSA Memoir 181)",
        );
    }
    r(
        "india_eurasia_collision",
        90.0,
        default_dip_deg(Mechanism::Reverse),
        "crustal shortening on thrust and reverse faults from the India-Eurasia convergence \
         (Himalaya, Sulaiman and Kirthar ranges, Hindu Kush, Pamir, Tien Shan, Zagros; USGS \
         tectonic summaries, Hayes et al. 2016, USGS OFR 2016-1192)",
    )
}

/// The point-source treatment of a rupture: its scaled size and how distances are computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointSource {
    pub length_km: f64,
    pub width_km: f64,
    pub dip_deg: f64,
    pub ztor_km: f64,
    /// Down-dip distance of the hypocentre from the top edge, km.
    pub hypo_down_dip_km: f64,
    /// Where the mechanism came from ("given rake" or a regional default).
    pub mechanism: RegionalMechanism,
    pub strikes: usize,
    pub hypocentre_positions: usize,
    /// Strikes and hypocentre positions of the ensemble of ruptures the people per intensity
    /// and the losses are taken over (and the medians' ensemble correction).
    pub ensemble_strikes: usize,
    pub ensemble_hypocentre_positions: usize,
    pub method: String,
}

impl PointSource {
    /// Scaled geometry for magnitude `mag` at `depth_km` with `rake_deg` and `dip_deg`.
    pub fn new(
        mag: f64,
        depth_km: f64,
        rake_deg: f64,
        dip_deg: f64,
        mechanism: RegionalMechanism,
    ) -> PointSource {
        let (length_km, width_km) = wells_coppersmith_1994(mag, Mechanism::from_rake(rake_deg));
        let dd = place_down_dip(depth_km, width_km, dip_deg);
        PointSource {
            length_km,
            width_km: dd.width_km,
            dip_deg,
            ztor_km: dd.ztor_km,
            hypo_down_dip_km: dd.hypo_down_dip_km,
            mechanism,
            strikes: STRIKES,
            hypocentre_positions: POSITIONS,
            ensemble_strikes: ENSEMBLE_STRIKES,
            ensemble_hypocentre_positions: ENSEMBLE_POSITIONS,
            method: "equivalent distances: mean Rjb and Rrup over strikes uniform in 0-360 \
                     degrees and hypocentres uniform along strike (after Thompson & Worden 2018, \
                     ShakeMap 4 PointRupture); Rx = Ry0 = 0; the medians are the mean ln ground \
                     motion over an ensemble of ruptures (ensemble_strikes x \
                     ensemble_hypocentre_positions); the people at each intensity are their \
                     mean over that ensemble and the losses PAGER's lognormal around each \
                     member's, mixed with equal weights (as OpenQuake weights the ruptures of a \
                     point source's nodal-plane distribution)"
                .into(),
        }
    }

    /// The ensemble's planes for `positions` hypocentre positions: strike north, dip east,
    /// the hypocentre at the origin and a fraction (k + 0.5) / positions along the strike.
    pub(crate) fn planes(&self, positions: usize) -> Vec<PlaneXyz> {
        (0..positions)
            .map(|k| {
                let f = (k as f64 + 0.5) / positions as f64;
                let dp = self.dip_deg.to_radians();
                PlaneXyz::from_local(
                    [
                        -self.hypo_down_dip_km * dp.cos(),
                        -f * self.length_km,
                        self.ztor_km,
                    ],
                    0.0,
                    self.dip_deg,
                    self.length_km,
                    self.width_km,
                )
            })
            .collect()
    }

    /// The epicentral distances of the tables, km.
    pub fn repi_nodes() -> Vec<f64> {
        let mut repi = Vec::with_capacity(REPI_NODES);
        repi.push(0.0);
        let mut r = 0.25;
        while repi.len() < REPI_NODES {
            repi.push(r);
            r *= 1.1;
        }
        repi
    }

    /// Mean (Rjb, Rrup) in km by epicentral distance, tabulated (see the module docs).
    pub fn table(&self) -> EquivalentDistances {
        let repi = Self::repi_nodes();
        let planes = self.planes(POSITIONS);
        let n = (STRIKES * POSITIONS) as f64;
        let (mut rjb, mut rrup) = (
            Vec::with_capacity(REPI_NODES),
            Vec::with_capacity(REPI_NODES),
        );
        for &d in &repi {
            let (mut sj, mut sr) = (0.0, 0.0);
            for a in 0..STRIKES {
                // Rotating the site about the epicentre is rotating the strike the other way.
                let az = (a as f64 + 0.5) * 360.0 / STRIKES as f64;
                let (x, y) = (d * az.to_radians().sin(), d * az.to_radians().cos());
                for p in &planes {
                    let (rr, rj, _, _) = p.distances(x, y);
                    sj += rj;
                    sr += rr;
                }
            }
            rjb.push(sj / n);
            rrup.push(sr / n);
        }
        EquivalentDistances { repi, rjb, rrup }
    }
}

/// Mean Rjb and Rrup (km) tabulated by epicentral distance (km).
#[derive(Debug, Clone)]
pub struct EquivalentDistances {
    pub repi: Vec<f64>,
    pub rjb: Vec<f64>,
    pub rrup: Vec<f64>,
}

impl EquivalentDistances {
    /// (Rjb, Rrup) at epicentral distance `repi_km` (linear between nodes; beyond the last
    /// node the last node's offsets are kept).
    pub fn at(&self, repi_km: f64) -> (f64, f64) {
        let n = self.repi.len();
        if n == 0 || !repi_km.is_finite() {
            return (repi_km, repi_km);
        }
        let last = n - 1;
        if repi_km >= self.repi[last] {
            let dx = repi_km - self.repi[last];
            return (self.rjb[last] + dx, self.rrup[last] + dx);
        }
        let i = self.repi.partition_point(|&r| r <= repi_km).clamp(1, last);
        let (r0, r1) = (self.repi[i - 1], self.repi[i]);
        let t = ((repi_km - r0) / (r1 - r0)).clamp(0.0, 1.0);
        (
            self.rjb[i - 1] + t * (self.rjb[i] - self.rjb[i - 1]),
            self.rrup[i - 1] + t * (self.rrup[i] - self.rrup[i - 1]),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_defaults() {
        let k = regional_mechanism(LonLat::new(73.63, 34.49), 26.0);
        assert_eq!(
            (k.zone.as_str(), k.rake_deg, k.dip_deg),
            ("india_eurasia_collision", 90.0, 40.0)
        );
        let c = regional_mechanism(LonLat::new(66.6, 30.5), 15.0);
        assert_eq!(
            (c.zone.as_str(), c.rake_deg, c.dip_deg),
            ("chaman_fault_system", 0.0, 90.0)
        );
        let m = regional_mechanism(LonLat::new(99.0, 47.0), 10.0);
        assert_eq!(m.zone, "mongolia_altai");
        let hk = regional_mechanism(LonLat::new(70.37, 36.52), 210.0);
        assert_eq!(hk.zone, "hindu_kush_pamir_intermediate_depth");
    }

    #[test]
    fn equivalent_distances_of_a_large_event() {
        // M7.9 reverse at 15 km: WC94 length 145 km.
        let ps = PointSource::new(
            7.9,
            15.0,
            90.0,
            40.0,
            regional_mechanism(LonLat::new(73.0, 34.0), 15.0),
        );
        assert!((ps.length_km - 10f64.powf(-2.42 + 0.58 * 7.9)).abs() < 1e-9);
        let t = ps.table();
        let (rjb0, _) = t.at(0.0);
        assert!(rjb0 < 1e-9, "the epicentre lies over the rupture: {rjb0}");
        // At 50 km the mean Rjb is well below the epicentral distance (the rupture reaches
        // towards the site in part of the ensemble), and it never exceeds it.
        let (rjb50, rrup50) = t.at(50.0);
        assert!(rjb50 < 40.0 && rjb50 > 10.0, "{rjb50}");
        assert!(rrup50 >= rjb50);
        for w in t.repi.windows(2) {
            let (a, b) = (t.at(w[0]).0, t.at(w[1]).0);
            assert!(b >= a - 1e-9, "mean Rjb grows with distance");
        }
        for (i, &r) in t.repi.iter().enumerate() {
            assert!(t.rjb[i] <= r + 1e-9);
        }
        // Far away the offset tends to a constant smaller than half the length.
        let (rjb_far, _) = t.at(2000.0);
        assert!(2000.0 - rjb_far < ps.length_km / 2.0 && 2000.0 - rjb_far > 10.0);
    }
}
