//! A large event given as a point has a footprint of finite extent, of the size of a known
//! rupture of similar dimensions, and not that of a point.

use forewarn_core::LonLat;
use forewarn_quake::gmice;
use forewarn_quake::gmpe::Imt;
use forewarn_quake::logic_tree::LogicTree;
use forewarn_quake::rupture::{LocalFrame, Plane, Rupture};
use forewarn_quake::shaking::{Site, median_shaking};

const HYPO: LonLat = LonLat {
    lon: 73.63,
    lat: 34.49,
};

/// Area (km²) where median MMI (from PGV, ShakeMap 4 conversion) reaches `level`, on a 3 km
/// grid 330 km around the epicentre with Vs30 400 m/s.
fn area_km2(rup: &Rupture, level: f64) -> f64 {
    let tree = LogicTree::from_name("nga-west2").unwrap();
    let f = LocalFrame::new(HYPO);
    let h = 3.0;
    let n = 220i32;
    let sites: Vec<Site> = (-n / 2..n / 2)
        .flat_map(|j| {
            (-n / 2..n / 2).map(move |i| {
                let p = f.to_lonlat(i as f64 * h, j as f64 * h);
                Site {
                    lon: p.lon,
                    lat: p.lat,
                    vs30_mps: 400.0,
                }
            })
        })
        .collect();
    let sh = median_shaking(rup, &tree, &[Imt::Pgv], &sites).unwrap();
    let count = (0..sites.len())
        .filter(|&k| {
            let m = gmice::mmi_with_terms(
                Imt::Pgv,
                (sh.ln_median[0][k] as f64).exp(),
                sh.rrup_km[k] as f64,
                rup.mag,
            )
            .unwrap();
            m >= level
        })
        .count();
    count as f64 * h * h
}

/// A known rupture: one plane of `length_km` x `width_km`, strike 320, dip 40, reverse,
/// centred on the hypocentre at 15 km.
fn known(mag: f64, length_km: f64, width_km: f64) -> Rupture {
    let f = LocalFrame::new(HYPO);
    let (st, dp) = (320f64.to_radians(), 40f64.to_radians());
    let ztor = (15.0 - 0.5 * width_km * dp.sin()).max(0.0);
    let v = (15.0 - ztor) / dp.sin();
    let (s, hh) = ([st.sin(), st.cos()], [st.cos(), -st.sin()]);
    let x = -0.5 * length_km * s[0] - v * dp.cos() * hh[0];
    let y = -0.5 * length_km * s[1] - v * dp.cos() * hh[1];
    Rupture {
        mag,
        rake_deg: 90.0,
        hypocenter: HYPO,
        hypo_depth_km: 15.0,
        planes: vec![Plane {
            top_start: f.to_lonlat(x, y),
            ztor_km: ztor,
            strike_deg: 320.0,
            dip_deg: 40.0,
            length_km,
            width_km,
        }],
        geometry_source: "test".into(),
        point_source: None,
    }
}

#[test]
fn m79_point_source_matches_a_known_rupture_of_similar_size_not_a_point() {
    let point = Rupture::point_source(HYPO, 15.0, 7.9, None, None).unwrap();
    let ps = point.point_source.as_ref().unwrap();
    // Reverse (regional default), Wells & Coppersmith (1994) RLD for M7.9: 145 km.
    assert_eq!(point.rake_deg, 90.0);
    assert!((ps.length_km - 145.2).abs() < 1.0, "{}", ps.length_km);
    let finite = known(7.9, 150.0, 38.0);
    // A rupture collapsed to a point: 1 km x 1 km at the hypocentre.
    let collapsed = known(7.9, 1.0, 1.0);
    // Measured: MMI >= VII 15,669 km² (point) / 18,990 (known) / 4,743 (point-sized); MMI >= VIII
    // 3,357 / 7,533 / 297. Averaging over the unknown strike spreads the zone over the fault
    // (Rjb = 0 over 4,350 km² of the known rupture's projection), so VIII+ is smaller, but
    // within a factor of 2.5 and eleven times the point-sized footprint.
    for (level, factor) in [(7.0, 2.0), (8.0, 2.5)] {
        let a_point = area_km2(&point, level);
        let a_finite = area_km2(&finite, level);
        let a_collapsed = area_km2(&collapsed, level);
        let ratio = a_point / a_finite;
        assert!(
            (1.0 / factor..=factor).contains(&ratio),
            "MMI >= {level}: point source {a_point:.0} km², known rupture {a_finite:.0} km² (ratio {ratio:.2})"
        );
        assert!(
            a_collapsed < 0.5 * a_finite && a_point > 3.0 * a_collapsed,
            "MMI >= {level}: a point-sized rupture ({a_collapsed:.0} km²) should be much smaller than the known one ({a_finite:.0} km²)"
        );
    }
}

#[test]
fn given_rake_and_dip_are_kept_and_bad_rake_names_the_field() {
    let r = Rupture::point_source(HYPO, 10.0, 6.5, Some(0.0), None).unwrap();
    let ps = r.point_source.as_ref().unwrap();
    assert_eq!(
        (r.rake_deg, ps.dip_deg, ps.mechanism.zone.as_str()),
        (0.0, 90.0, "given")
    );
    let r = Rupture::point_source(HYPO, 10.0, 6.5, Some(-90.0), Some(60.0)).unwrap();
    assert_eq!(r.point_source.unwrap().dip_deg, 60.0);
    let e = Rupture::point_source(HYPO, 10.0, 6.5, Some(f64::NAN), None).unwrap_err();
    assert!(e.to_string().contains("rake"), "{e}");
    let e = Rupture::point_source(HYPO, 10.0, 6.5, None, Some(0.0)).unwrap_err();
    assert!(e.to_string().contains("dip"), "{e}");
}
