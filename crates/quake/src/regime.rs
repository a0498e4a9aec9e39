//! Tectonic regime and ground-motion model selection by hypocentral depth and a documented
//! regionalisation polygon.
//!
//! - Hypocentres at [`INTERMEDIATE_DEPTH_KM`] or deeper are intermediate-depth (in-slab)
//!   events: the shallow-crust NGA-West2 models were fitted to crustal events (hypocentres
//!   mostly shallower than 20 km) and do not apply, so the BC Hydro in-slab model
//!   (`bchydro-slab`, Abrahamson, Gregor & Addo 2016) is used whatever model was asked for.
//!   70 km is the conventional upper limit of intermediate-depth seismicity (e.g. Frohlich 2006,
//!   "Deep Earthquakes", Cambridge University Press, ch. 1).
//! - [`HINDU_KUSH_PAMIR`] outlines the Hindu Kush-Pamir intermediate-depth zone, the region's
//!   one active in-slab source: the Hindu Kush nest near 36.5 N 70.5-71.5 E and the arc of
//!   Pamir intermediate-depth seismicity curving north-east to about 39 N 75 E (Pegler & Das
//!   1998, "An enhanced image of the Pamir-Hindu Kush seismic zone from relocated earthquake
//!   hypocentres", Geophys. J. Int. 134:573-595; Sippl et al. 2013, "Geometry of the Pamir-Hindu
//!   Kush intermediate-depth earthquake zone from local seismic data", J. Geophys. Res. 118).
//!   The polygon is drawn generously around their epicentres (a Forewarn outline, not a
//!   published one) and is reported so a scientist can see why a model was chosen; events at
//!   intermediate depth outside it also get the in-slab model, with a note.
//! - Shallower events inside a stable continental region ([`INDIAN_SHIELD`],
//!   [`EAST_EUROPEAN_PLATFORM`]) use Atkinson & Boore (2006), a model for stable continental
//!   crust ([`STABLE_CONTINENTAL_MODEL`], `ab06`), whatever shallow-crust model was asked for: the
//!   NGA-West2 models were fitted to records of active crust (California, Taiwan, Japan, Turkey,
//!   China's Wenchuan), and stable continental crust attenuates less and has higher stress drops
//!   (Atkinson & Boore 2006, BSSA 96(6):2181-2205). AB06 is one of the stable-continental
//!   models of the US national hazard maps' central and eastern US ground-motion sets (Petersen
//!   et al. 2008, USGS Open-File Report 2008-1128, and 2014); ShakeMap 4's set for stable
//!   continental events (`stable_continental_nshmp2014_rlme` in its gmpe_sets.conf) has nine
//!   models, among them AB06's 2011 modification (Atkinson & Boore 2011, magnitude-dependent
//!   stress) at weight 0.22. Forewarn uses the one model, as published (140 bar), and says so.
//!   The outlines follow the stable continental regions of Johnston et al. (1994, "The
//!   earthquakes of stable continental regions", EPRI TR-102261) as used for ground-motion
//!   model selection by Garcia, Wald & Hearne (2012, BSSA 102(1):185-203): the Indian shield
//!   with the Indo-Gangetic plain south of the Himalayan front and the Kutch rift (Koyna 1967,
//!   Latur 1993 and Bhuj 2001 are studied as stable continental intraplate events), without the
//!   Shillong plateau and north-east India; the East European platform (Belarus, European
//!   Russia west of the Urals and north of the Caucasus foreland, the Caspian depression into
//!   north-west Kazakhstan, and the Baltic shield). Both are drawn generously by Forewarn (not
//!   published polygons) and reported with each run.
//! - Other shallow events use the requested model (NGA-West2 by default).

use forewarn_core::LonLat;
use serde::Serialize;

/// Hypocentral depth from which an event is treated as intermediate-depth in-slab, km.
pub const INTERMEDIATE_DEPTH_KM: f64 = 70.0;

/// The in-slab logic-tree name.
pub const IN_SLAB_MODEL: &str = "bchydro-slab";

/// Hindu Kush-Pamir intermediate-depth zone, (lon, lat) vertices, closed (see the module docs).
pub const HINDU_KUSH_PAMIR: [(f64, f64); 9] = [
    (69.0, 35.6),
    (71.9, 35.6),
    (72.8, 36.5),
    (75.8, 37.6),
    (75.8, 39.8),
    (72.8, 39.8),
    (71.3, 38.7),
    (69.0, 37.4),
    (69.0, 35.6),
];

/// The stable-continental logic-tree name.
pub const STABLE_CONTINENTAL_MODEL: &str = "ab06";

/// The Indian shield (peninsular India, the Indo-Gangetic plain's southern part, Kutch), (lon,
/// lat) vertices, closed: the coasts offshore; the north edge about 100 km south of the
/// Himalayan frontal thrust east of 77 E, turning south-west from there to 70 E 28 N so as to
/// leave out Pakistan's Punjab and Sindh beside the Sulaiman and Kirthar ranges; the east edge
/// at 89 E, west of the Shillong plateau and north-east India (see the module docs).
pub const INDIAN_SHIELD: [(f64, f64); 25] = [
    (67.8, 22.5),
    (68.3, 24.3),
    (70.0, 25.0),
    (70.0, 28.0),
    (73.0, 29.5),
    (76.8, 29.8),
    (78.0, 29.3),
    (80.5, 27.9),
    (83.5, 26.6),
    (88.0, 25.8),
    (89.0, 24.0),
    (89.0, 21.5),
    (87.5, 20.5),
    (84.5, 18.0),
    (81.5, 15.5),
    (80.6, 12.5),
    (80.3, 9.5),
    (78.0, 7.0),
    (76.0, 8.0),
    (75.3, 10.5),
    (73.5, 15.0),
    (72.5, 19.0),
    (70.5, 20.0),
    (68.6, 21.5),
    (67.8, 22.5),
];

/// The East European platform with the Baltic shield (Belarus, European Russia west of the
/// Urals and north of the Caucasus foreland, and north-west Kazakhstan's part of the Caspian
/// depression), (lon, lat) vertices, closed (see the module docs).
pub const EAST_EUROPEAN_PLATFORM: [(f64, f64); 14] = [
    (19.0, 54.0),
    (23.5, 50.0),
    (30.0, 48.0),
    (40.0, 47.5),
    (47.0, 47.0),
    (53.0, 48.0),
    (58.0, 51.0),
    (60.5, 56.0),
    (61.0, 62.0),
    (59.0, 68.5),
    (41.0, 70.0),
    (30.0, 70.5),
    (27.0, 60.0),
    (19.0, 54.0),
];

/// Tectonic regime of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TectonicRegime {
    ActiveShallowCrust,
    InSlab,
    StableContinental,
}

/// Which models a run uses and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSelection {
    pub regime: TectonicRegime,
    /// Logic-tree name (`LogicTree::from_name`).
    pub models: String,
    /// The model asked for.
    pub requested: String,
    pub in_hindu_kush_pamir_zone: bool,
    /// The stable continental region the epicentre lies in, if any.
    pub stable_continental_region: Option<StableRegion>,
    pub reason: String,
}

/// A stable continental region of [`select`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StableRegion {
    IndianShield,
    EastEuropeanPlatform,
}

impl StableRegion {
    /// Every region with its outline.
    const OUTLINES: [(StableRegion, &[(f64, f64)]); 2] = [
        (StableRegion::IndianShield, &INDIAN_SHIELD),
        (StableRegion::EastEuropeanPlatform, &EAST_EUROPEAN_PLATFORM),
    ];

    /// The region's English name for the run's reason text.
    pub fn name(self) -> &'static str {
        match self {
            StableRegion::IndianShield => "the Indian shield",
            StableRegion::EastEuropeanPlatform => "the East European platform",
        }
    }

    /// The stable continental region holding `p`, if any.
    pub fn at(p: LonLat) -> Option<StableRegion> {
        Self::OUTLINES
            .iter()
            .find(|(_, outline)| inside(p, outline))
            .map(|(region, _)| *region)
    }
}

/// Whether `p` lies inside the polygon of (lon, lat) vertices (the regionalisation polygons of
/// this module and of `point_source`), by the `geo` crate.
pub(crate) fn inside(p: LonLat, poly: &[(f64, f64)]) -> bool {
    use geo::Contains;
    geo::Polygon::new(geo::LineString::from(poly.to_vec()), vec![])
        .contains(&geo::Point::new(p.lon, p.lat))
}

/// True when `p` lies in the Hindu Kush-Pamir intermediate-depth zone polygon.
pub fn in_hindu_kush_pamir(p: LonLat) -> bool {
    inside(p, &HINDU_KUSH_PAMIR)
}

/// The models for an event with hypocentre `hypo` at `depth_km`, when `requested` was asked for.
pub fn select(requested: &str, hypo: LonLat, depth_km: f64) -> ModelSelection {
    let zone = in_hindu_kush_pamir(hypo);
    if depth_km >= INTERMEDIATE_DEPTH_KM {
        let where_ = if zone {
            "inside the Hindu Kush-Pamir intermediate-depth zone"
        } else {
            "outside the documented Hindu Kush-Pamir zone (no other in-slab source is outlined)"
        };
        ModelSelection {
            regime: TectonicRegime::InSlab,
            models: IN_SLAB_MODEL.into(),
            requested: requested.into(),
            in_hindu_kush_pamir_zone: zone,
            stable_continental_region: None,
            reason: format!(
                "hypocentre at {depth_km:.0} km (>= {INTERMEDIATE_DEPTH_KM:.0} km: \
                 intermediate-depth in-slab), {where_}: BC Hydro in-slab (Abrahamson, Gregor & \
                 Addo 2016) instead of {requested}, whose shallow-crust models do not apply"
            ),
        }
    } else if let Some(scr) = StableRegion::at(hypo) {
        ModelSelection {
            regime: TectonicRegime::StableContinental,
            models: STABLE_CONTINENTAL_MODEL.into(),
            requested: requested.into(),
            in_hindu_kush_pamir_zone: zone,
            stable_continental_region: Some(scr),
            reason: format!(
                "hypocentre at {depth_km:.0} km, epicentre on {}, a stable continental region: Atkinson & \
                 Boore (2006) for stable continental crust instead of {requested}, whose \
                 models were fitted to active crust",
                scr.name()
            ),
        }
    } else {
        ModelSelection {
            regime: TectonicRegime::ActiveShallowCrust,
            models: requested.into(),
            requested: requested.into(),
            in_hindu_kush_pamir_zone: zone,
            stable_continental_region: None,
            reason: format!(
                "hypocentre at {depth_km:.0} km (< {INTERMEDIATE_DEPTH_KM:.0} km): active \
                 shallow crust, {requested} as requested"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hindu_kush_2015_is_in_slab_and_kashmir_is_crustal() {
        let hk = select("nga-west2", LonLat::new(70.37, 36.52), 210.0);
        assert_eq!(hk.regime, TectonicRegime::InSlab);
        assert_eq!(hk.models, IN_SLAB_MODEL);
        assert!(hk.in_hindu_kush_pamir_zone);
        let k = select("nga-west2", LonLat::new(73.63, 34.49), 26.0);
        assert_eq!(k.regime, TectonicRegime::ActiveShallowCrust);
        assert_eq!(k.models, "nga-west2");
        assert!(!k.in_hindu_kush_pamir_zone);
        // Pamir intermediate-depth events (e.g. near 38.5 N 73.5 E) are inside.
        assert!(in_hindu_kush_pamir(LonLat::new(73.5, 38.5)));
        // A shallow event in the zone stays crustal.
        assert_eq!(
            select("bssa14", LonLat::new(70.5, 36.5), 15.0).regime,
            TectonicRegime::ActiveShallowCrust
        );
        // Deep outside the zone: in-slab, and the reason says so.
        let far = select("nga-west2", LonLat::new(60.0, 30.0), 100.0);
        assert_eq!(far.regime, TectonicRegime::InSlab);
        assert!(far.reason.contains("outside"));
    }

    #[test]
    fn shield_and_platform_events_are_stable_continental_and_the_himalaya_is_not() {
        // Catalogue epicentres (EXPO-CAT): Latur 1993, Koyna 1967, Bhuj 2001.
        for (lon, lat) in [(76.45, 18.07), (73.74, 17.37), (70.23, 23.42)] {
            let s = select("nga-west2", LonLat::new(lon, lat), 10.0);
            assert_eq!(s.regime, TectonicRegime::StableContinental, "{lon} {lat}");
            assert_eq!(s.models, STABLE_CONTINENTAL_MODEL);
            assert_eq!(
                s.stable_continental_region,
                Some(StableRegion::IndianShield)
            );
            assert!(s.reason.contains("Indian shield"));
        }
        // The shield's coasts and plain: Kolkata, Chennai, Thiruvananthapuram, Mumbai,
        // Porbandar, Delhi.
        for (lon, lat) in [
            (88.36, 22.57),
            (80.27, 13.08),
            (76.95, 8.5),
            (72.88, 19.08),
            (69.6, 21.64),
            (77.21, 28.61),
        ] {
            let p = LonLat::new(lon, lat);
            assert_eq!(
                StableRegion::at(p),
                Some(StableRegion::IndianShield),
                "{p:?}"
            );
        }
        // Minsk and Moscow: the East European platform.
        for (lon, lat) in [(27.57, 53.9), (37.62, 55.75)] {
            assert_eq!(
                StableRegion::at(LonLat::new(lon, lat)),
                Some(StableRegion::EastEuropeanPlatform)
            );
        }
        // Active: Uttarkashi 1991 and Chamoli 1999 (Himalaya), Cachar 1984 (north-east India),
        // Kashmir 2005, Quetta (Sulaiman-Kirthar), Grozny (Caucasus), Tashkent, Tangshan.
        for (lon, lat) in [
            (78.77, 30.78),
            (79.42, 30.51),
            (92.87, 24.64),
            (73.63, 34.49),
            (67.0, 30.18),
            (45.7, 43.3),
            (69.24, 41.3),
            (117.98, 39.57),
            // Dehradun (on the frontal thrust), Karachi, Shillong.
            (78.03, 30.32),
            (67.0, 24.86),
            (91.88, 25.58),
        ] {
            let s = select("nga-west2", LonLat::new(lon, lat), 10.0);
            assert_eq!(s.regime, TectonicRegime::ActiveShallowCrust, "{lon} {lat}");
            assert_eq!(s.stable_continental_region, None);
        }
        // Deep under the shield would still be in-slab (depth decides first).
        assert_eq!(
            select("nga-west2", LonLat::new(76.45, 18.07), 100.0).regime,
            TectonicRegime::InSlab
        );
    }
}
