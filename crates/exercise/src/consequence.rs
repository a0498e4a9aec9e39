//! The consequence model: how players' decisions change outcomes. Pure functions; the
//! relations and their sources are documented in docs/exercise.md.
//!
//! 1. Warning lead time -> protective action. The share of people at risk who have received a
//!    warning by the time the hazard arrives follows an S-shaped diffusion curve in the lead
//!    time (Sorensen 2000, "Hazard warning systems: review of 20 years of progress", Natural
//!    Hazards Review 1(2):119-125; Rogers & Sorensen 1991 diffusion curves). We use a logistic
//!    with its midpoint at 30 min and scale 10 min, so that a warning less than 15 min ahead
//!    reaches few people and one more than 60 min ahead reaches nearly everyone, matching the
//!    "no / some / adequate warning" classes (< 15 min, 15-60 min, > 60 min) of Graham (1999),
//!    "A procedure for estimating loss of life caused by dam failure", USBR DSO-99-06. Of those
//!    reached, a share [`COMPLIANCE`] acts (evacuates to high ground); Sorensen (2000) reports
//!    that most, but not all, warned people take protective action.
//! 2. Flood deaths: people who stay in the water die at the depth-mortality rate of
//!    `forewarn_flood::impact::mortality_fraction`; people who acted are safe.
//! 3. USAR arrival -> rescue survival: survival of people rescued alive from collapsed
//!    buildings by day of rescue, 1976 Tangshan earthquake, as tabulated by Coburn & Spence
//!    (2002), "Earthquake Protection", 2nd ed., Wiley, ch. 9 (see also Noji 1997, "The Public
//!    Health Consequences of Disasters": 93 % of survivors in Campania-Irpinia 1980 were
//!    extricated within 24 h).
//! 4. Relief -> unmet needs: Sphere Handbook (2018) minimum standards: 15 L of water and
//!    2,100 kcal of food per person per day, 3.5 m2 of covered living space per person and
//!    one toilet per 20 people.

/// Logistic midpoint of warning reach, seconds of lead time (see the module docs).
pub const REACH_MIDPOINT_S: f64 = 1800.0;
/// Logistic scale of warning reach, seconds.
pub const REACH_SCALE_S: f64 = 600.0;
/// Share of reached people who take protective action (nominal; the seeded draw varies it by
/// +/- [`COMPLIANCE_SPREAD`]).
pub const COMPLIANCE: f64 = 0.9;
pub const COMPLIANCE_SPREAD: f64 = 0.05;

/// Share of the people at risk reached by a warning published `lead_s` seconds before the
/// hazard arrives (0 when the warning came at or after the impact).
pub fn warning_reach(lead_s: Option<f64>) -> f64 {
    match lead_s {
        Some(l) if l > 0.0 => {
            // Normalised so that a zero lead time gives exactly zero reach.
            let f = |x: f64| 1.0 / (1.0 + (-(x - REACH_MIDPOINT_S) / REACH_SCALE_S).exp());
            ((f(l) - f(0.0)) / (1.0 - f(0.0))).clamp(0.0, 1.0)
        }
        _ => 0.0,
    }
}

/// Survival of trapped people rescued on day 1..5 after the earthquake (Tangshan 1976, as
/// tabulated by Coburn & Spence 2002): 81.0 %, 36.7 %, 33.7 %, 19.0 %, 7.4 %.
pub const TRAPPED_SURVIVAL_BY_DAY: [f64; 5] = [0.810, 0.367, 0.337, 0.190, 0.074];

/// Survival probability of a trapped person reached `hours` after the earthquake: the day's
/// value from [`TRAPPED_SURVIVAL_BY_DAY`]; after day 5 it halves every further day (a Forewarn
/// extrapolation; exercises rarely run that long).
pub fn trapped_survival(hours: f64) -> f64 {
    if hours.is_nan() || hours < 0.0 {
        return TRAPPED_SURVIVAL_BY_DAY[0];
    }
    let day = (hours / 24.0).floor() as usize;
    match TRAPPED_SURVIVAL_BY_DAY.get(day) {
        Some(s) => *s,
        None => TRAPPED_SURVIVAL_BY_DAY[4] * 0.5f64.powi((day - 4) as i32),
    }
}

/// People trapped alive beyond neighbours' reach per immediate death (a Forewarn assumption:
/// Coburn, Spence & Pomonis 1992 put those trapped in collapsed masonry at several times the
/// immediately killed, and most are freed by neighbours in the first hours).
pub const TRAPPED_ALIVE_PER_DEATH: f64 = 1.0;

/// Share of people displaced (homes uninhabitable) by MMI bin 1..10 (Forewarn assumption,
/// documented in docs/exercise.md): none below VII, 5 % at VII, 20 % at VIII, 50 % at IX,
/// 80 % at X.
pub fn eq_displaced_fraction(mmi_bin: usize) -> f64 {
    match mmi_bin {
        0..=6 => 0.0,
        7 => 0.05,
        8 => 0.20,
        9 => 0.50,
        _ => 0.80,
    }
}

/// Sphere minimum drinking and domestic water, litres per person per day.
pub const SPHERE_WATER_L_PER_PERSON_DAY: f64 = 15.0;
/// Sphere minimum food energy, kcal per person per day.
pub const SPHERE_FOOD_KCAL_PER_PERSON_DAY: f64 = 2100.0;
/// Sphere minimum covered living space, m2 per person.
pub const SPHERE_SHELTER_M2_PER_PERSON: f64 = 3.5;
/// Sphere: one toilet per 20 people.
pub const SPHERE_PEOPLE_PER_TOILET: f64 = 20.0;

/// USAR road and air travel speed, km/h, and the fixed in-country deployment time, hours
/// (reception/departure centre, transport to the worksite). Forewarn planning values.
pub const USAR_TRAVEL_KMH: f64 = 400.0;
pub const USAR_IN_COUNTRY_H: f64 = 4.0;

/// Hours from accepting a USAR offer to the team working on site.
pub fn usar_arrival_h(mobilisation_h: f64, distance_km: f64) -> f64 {
    mobilisation_h + distance_km / USAR_TRAVEL_KMH + USAR_IN_COUNTRY_H
}

/// Great-circle distance, km (haversine, mean Earth radius).
pub fn distance_km(a: [f64; 2], b: [f64; 2]) -> f64 {
    let r = 6371.0088;
    let (la1, la2) = (a[1].to_radians(), b[1].to_radians());
    let dla = la2 - la1;
    let dlo = (b[0] - a[0]).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

/// Unmet share of a daily need given what was delivered per day over a period.
pub fn unmet_share(need: f64, delivered: f64) -> f64 {
    if need <= 0.0 {
        0.0
    } else {
        ((need - delivered) / need).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_is_monotone_and_matches_graham_classes() {
        assert_eq!(warning_reach(None), 0.0);
        assert_eq!(warning_reach(Some(0.0)), 0.0);
        assert_eq!(warning_reach(Some(-60.0)), 0.0);
        assert!(
            warning_reach(Some(900.0)) < 0.2,
            "no warning class: < 15 min"
        );
        assert!(
            warning_reach(Some(3600.0)) > 0.9,
            "adequate warning class: > 60 min"
        );
        let mut last = 0.0;
        for m in 1..240 {
            let r = warning_reach(Some(m as f64 * 60.0));
            assert!(r >= last);
            last = r;
        }
        assert!(last > 0.999);
    }

    #[test]
    fn survival_falls_by_day() {
        assert_eq!(trapped_survival(3.0), 0.81);
        assert_eq!(trapped_survival(30.0), 0.367);
        assert_eq!(trapped_survival(80.0), 0.19);
        assert_eq!(trapped_survival(100.0), 0.074);
        assert!(trapped_survival(150.0) < 0.074);
        assert!(usar_arrival_h(10.0, 400.0) > 14.9);
        assert!((distance_km([69.0, 38.0], [70.0, 38.0]) - 87.6).abs() < 1.0);
    }
}
