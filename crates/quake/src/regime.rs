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
//! - Shallower events use the requested model (NGA-West2 by default).

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

/// Tectonic regime of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TectonicRegime {
    ActiveShallowCrust,
    InSlab,
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
    pub reason: String,
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
            reason: format!(
                "hypocentre at {depth_km:.0} km (>= {INTERMEDIATE_DEPTH_KM:.0} km: \
                 intermediate-depth in-slab), {where_}: BC Hydro in-slab (Abrahamson, Gregor & \
                 Addo 2016) instead of {requested}, whose shallow-crust models do not apply"
            ),
        }
    } else {
        ModelSelection {
            regime: TectonicRegime::ActiveShallowCrust,
            models: requested.into(),
            requested: requested.into(),
            in_hindu_kush_pamir_zone: zone,
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
}
