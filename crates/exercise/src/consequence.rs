//! The consequence model: how players' decisions change outcomes. Pure functions; the
//! relations and their sources are documented in docs/exercise.md.
//!
//! 1. Warning lead time -> protective action, and 2. flood deaths: the flood life-loss model of
//!    `forewarn_impact::life_loss`, the same one `forewarn flood run` uses. People at risk get a
//!    first alert, mobilise and reach safety on the HEC-LifeSim timeline; those not cleared when
//!    the water arrives die at the Jonkman et al. (2008) lethality of their flood zone. The
//!    reluctant share (LifeSim: 5-20 % do not act even when ordered) is a seeded draw per impact
//!    from that published range ([`reluctant_share`]).
//! 3. USAR arrival -> rescue survival: survival of people rescued alive from collapsed
//!    buildings by day of rescue, 1976 Tangshan earthquake, as tabulated by Coburn & Spence
//!    (2002), "Earthquake Protection", 2nd ed., Wiley, ch. 9 (see also Noji 1997, "The Public
//!    Health Consequences of Disasters": 93 % of survivors in Campania-Irpinia 1980 were
//!    extricated within 24 h).
//! 4. Relief -> unmet needs: Sphere Handbook (2018) minimum standards: 15 L of water and
//!    2,100 kcal of food per person per day, 3.5 m2 of covered living space per person and
//!    one toilet per 20 people.

use forewarn_impact::life_loss::{
    Evacuation, LifeLoss, RELUCTANT_SHARE_RANGE, WarningParams, evacuation,
};

/// Warning parameters for one impact: the defaults of `forewarn_impact::life_loss` with the
/// reluctant share at `u` (0..1) across its published range.
pub fn warning_params(u: f64) -> WarningParams {
    WarningParams {
        reluctant_share: reluctant_share(u),
        ..WarningParams::default()
    }
}

/// The reluctant share at `u` (0..1) across LifeSim's published 5-20 % range
/// (`forewarn_impact::life_loss::RELUCTANT_SHARE_RANGE`).
pub fn reluctant_share(u: f64) -> f64 {
    let [lo, hi] = RELUCTANT_SHARE_RANGE;
    lo + u.clamp(0.0, 1.0) * (hi - lo)
}

/// Shares alerted and cleared, and the deaths among `people` at a place of lethality `f_d`,
/// for a warning `lead_s` seconds before the water arrives (None: no warning in time).
pub fn flood_outcome(people: f64, f_d: f64, lead_s: Option<f64>, u: f64) -> (Evacuation, LifeLoss) {
    let p = warning_params(u);
    let lead_h = lead_s.map(|l| l / 3600.0);
    (
        evacuation(lead_h, &p),
        LifeLoss::at(people, f_d, lead_h, &p),
    )
}

/// Survival of trapped people rescued on day 1..5 after the earthquake (Tangshan 1976, as
/// tabulated by Coburn & Spence 2002, ch. 9): 81.0 %, 53.0 %, 36.7 %, 19.0 %, 7.4 %. (An earlier
/// version had day 2 at 36.7 %, day 3's value, and day 3 at 33.7 %.)
pub const TRAPPED_SURVIVAL_BY_DAY: [f64; 5] = [0.810, 0.530, 0.367, 0.190, 0.074];

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
    fn warning_benefit_keeps_growing_with_lead_time() {
        let f_d = 1.0;
        let deaths = |lead_h: Option<f64>| {
            flood_outcome(4000.0, f_d, lead_h.map(|h| h * 3600.0), 0.5)
                .1
                .with_warning
        };
        assert_eq!(deaths(None), 4000.0);
        assert_eq!(deaths(Some(0.2)), 4000.0, "no time to reach safety");
        let (d1, d2, d6, d28) = (
            deaths(Some(1.0)),
            deaths(Some(2.0)),
            deaths(Some(6.0)),
            deaths(Some(28.0)),
        );
        assert!(d1 > d2 && d2 > d6 && d6 > d28, "{d1} {d2} {d6} {d28}");
        // The old logistic saturated at about 1.5 h (10 % never acted); now many hours keep
        // clearing the reluctant share.
        assert!(d6 - d28 > 100.0, "{d6} {d28}");
        assert!(d28 < 0.08 * 4000.0, "{d28}");
        assert_eq!(reluctant_share(0.0), 0.05);
        assert_eq!(reluctant_share(1.0), 0.20);
    }

    #[test]
    fn survival_falls_by_day() {
        assert_eq!(trapped_survival(3.0), 0.81);
        assert_eq!(trapped_survival(30.0), 0.53);
        assert_eq!(trapped_survival(60.0), 0.367);
        assert_eq!(trapped_survival(80.0), 0.19);
        assert_eq!(trapped_survival(100.0), 0.074);
        assert!(trapped_survival(150.0) < 0.074);
        assert!(usar_arrival_h(10.0, 400.0) > 14.9);
        assert!((distance_km([69.0, 38.0], [70.0, 38.0]) - 87.6).abs() < 1.0);
    }
}
