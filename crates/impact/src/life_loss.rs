//! Flood life loss with and without a warning: one model for `forewarn flood run` and for
//! exercises.
//!
//! deaths = F_D x (1 - F_E) x N_PAR (Jonkman, Vrijling & Vrouwenvelder 2008, "Methods for the
//! estimation of loss of life due to floods: a literature review and a proposal for a new
//! method", Natural Hazards 46:353-389, section 5), where
//!
//! - N_PAR is the people at risk (in the flooded area),
//! - F_D is the lethality of the flood zone for people who are still there when the water comes
//!   ([`FloodZone`], [`lethality`]: breach zone, rapidly rising zone, remaining zone; Jonkman et
//!   al. 2008, section 5), and
//! - F_E is the share cleared from the area before the water arrives. It follows the HEC-LifeSim
//!   warning and evacuation timeline (USACE Risk Management Center, LifeSim 2.x Technical
//!   Reference Manual v1.0, ch. 6 "Warning and Protective Action Parameters"): the warning is
//!   issued `lead_time` before the water arrives; people receive a first alert (first-alert
//!   diffusion), decide to act (protective action initiation, "mobilisation") and then need
//!   [`WarningParams::evacuation_time_h`] to reach safety. At the arrival of the water each person
//!   is **cleared** (safe), **caught** (mobilised but still in the flood zone) or **not
//!   mobilised** (not alerted yet, or alerted and not yet acting). Caught and not-mobilised people
//!   both face the zone lethality F_D, as in Jonkman's formula (LifeSim would give those caught
//!   on roads the vehicle/person stability lethality; Forewarn has no road network).
//!
//! Without a warning F_E = 0. The three numbers every flood result reports are
//! [`LifeLoss::without_warning`], [`LifeLoss::with_warning`] and [`LifeLoss::lives_saved`].
//!
//! The warning delays are modelled as independent exponential delays (a Forewarn
//! simplification: LifeSim samples empirical curves that the manual shows only as figures), so
//! the share that has mobilised by time t is a hypoexponential distribution function, evaluated
//! exactly (no sampling: outputs are deterministic).
//!
//! Cross-check: Graham (1999), "A procedure for estimating loss of life caused by dam failure",
//! US Bureau of Reclamation DSO-99-06, Table 1 (recommended fatality rates by flood severity,
//! warning time and flood-severity understanding); see [`graham_1999`].

use crate::lognormal::phi;
use serde::Serialize;

/// Breach zone: depth x velocity at least this, m2/s (Jonkman et al. 2008, section 5).
pub const BREACH_HV_M2S: f64 = 7.0;
/// Breach zone: velocity at least this, m/s (Jonkman et al. 2008, section 5).
pub const BREACH_V_MS: f64 = 2.0;
/// Rapidly rising zone: depth at least this, m (Jonkman et al. 2008, section 5).
pub const RAPID_DEPTH_M: f64 = 2.1;
/// Rapidly rising zone: rise rate at least this, m/h (Jonkman et al. 2008, section 5).
pub const RAPID_RISE_M_PER_H: f64 = 0.5;
/// Rapidly rising zone mortality: lognormal in depth, mean of ln h (Jonkman et al. 2008, section 5;
/// fitted to the 1953 North Sea flood; the logistic 0.985 / (1 + exp(6.32 - 1.412 h)) used by
/// GFDRR tools is a close fit of this curve).
pub const RAPID_MU: f64 = 1.46;
/// Rapidly rising zone mortality: standard deviation of ln h (Jonkman et al. 2008, section 5).
pub const RAPID_SIGMA: f64 = 0.28;
/// Remaining zone mortality: mean of ln h (Jonkman et al. 2008, section 5).
pub const REMAINING_MU: f64 = 7.60;
/// Remaining zone mortality: standard deviation of ln h (Jonkman et al. 2008, section 5).
pub const REMAINING_SIGMA: f64 = 2.75;

/// Jonkman et al. (2008) flood zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FloodZone {
    /// h v >= 7 m2/s and v >= 2 m/s: buildings collapse, mortality 1.
    Breach,
    /// h >= 2.1 m and rise >= 0.5 m/h: people cannot reach shelter in time.
    RapidlyRising,
    /// Everything else.
    Remaining,
}

/// How the rise rate of a place was obtained (reported next to the zone).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiseRate {
    /// Measured from depth snapshots or bounded from below by the arrival and peak depth, m/h.
    Known(f64),
    /// Not known: treated as rapidly rising (the lethal assumption for a warning system).
    Unknown,
}

impl RiseRate {
    fn is_rapid(self) -> bool {
        match self {
            RiseRate::Known(w) => w >= RAPID_RISE_M_PER_H,
            RiseRate::Unknown => true,
        }
    }
}

/// The zone of a place with maximum depth `depth_m`, maximum speed `speed_ms` and rise rate
/// `rise`. The product of the maxima stands for the maximum of h v (an upper bound).
pub fn zone(depth_m: f64, speed_ms: f64, rise: RiseRate) -> FloodZone {
    let (h, v) = (depth_m.max(0.0), speed_ms.max(0.0));
    if h * v >= BREACH_HV_M2S && v >= BREACH_V_MS {
        FloodZone::Breach
    } else if h >= RAPID_DEPTH_M && rise.is_rapid() {
        FloodZone::RapidlyRising
    } else {
        FloodZone::Remaining
    }
}

/// F_D: the share of the people still in the zone who die, at maximum depth `depth_m`.
pub fn lethality(zone: FloodZone, depth_m: f64) -> f64 {
    if depth_m.is_nan() || depth_m <= 0.0 {
        return 0.0;
    }
    let lognormal = |mu: f64, sigma: f64| phi((depth_m.ln() - mu) / sigma);
    match zone {
        FloodZone::Breach => 1.0,
        FloodZone::RapidlyRising => lognormal(RAPID_MU, RAPID_SIGMA),
        FloodZone::Remaining => lognormal(REMAINING_MU, REMAINING_SIGMA),
    }
}

/// Warning and evacuation parameters (HEC-LifeSim timeline). All times in hours.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WarningParams {
    /// Median first-alert diffusion time after the warning is issued.
    pub alert_median_h: f64,
    /// Median protective-action-initiation (mobilisation) delay after the first alert, for
    /// people who act promptly.
    pub mobilise_median_h: f64,
    /// Share of the alerted people who are reluctant: they mobilise only with the slow median
    /// [`WarningParams::reluctant_median_h`].
    pub reluctant_share: f64,
    /// Median mobilisation delay of the reluctant share.
    pub reluctant_median_h: f64,
    /// Time from mobilising to reaching safety (out of the flood zone).
    pub evacuation_time_h: f64,
}

/// Median first-alert diffusion time, h: "fifty percent of the population will receive a warning
/// alert within forty minutes of warning issuance" (LifeSim User's Guide v1.0, "Emergency Planning
/// Data", example first-alert curve after Mileti & Sorensen 2015).
pub const ALERT_MEDIAN_H: f64 = 40.0 / 60.0;
/// Median protective-action-initiation delay, h: "fifty percent of the population will have
/// taken protective action within eight minutes of a first alert (Sorensen & Mileti, 2014c)"
/// (LifeSim User's Guide v1.0, "Emergency Planning Data").
pub const MOBILISE_MEDIAN_H: f64 = 8.0 / 60.0;
/// Reluctant share: LifeSim Technical Reference Manual v1.0, ch. 6, "Protective Action
/// Initiation Delay": the share that does not evacuate even when ordered and given enough time
/// "typically ranges from 5-20%". Forewarn takes the midpoint for its deterministic runs;
/// exercises draw it from the whole range.
pub const RELUCTANT_SHARE: f64 = 0.125;
/// Published range of the reluctant share (same source).
pub const RELUCTANT_SHARE_RANGE: [f64; 2] = [0.05, 0.20];
/// Median mobilisation delay of the reluctant share, h: LifeSim extends its protective action
/// initiation curves from 8 h to 72 h "based on assumed mobilization at 24 hours and 72 hours"
/// (Technical Reference Manual v1.0, ch. 6); hurricane evacuations run over two days (Hurricane
/// Floyd: 61 % of evacuees left on the first day, 31 % on the second; Dow & Cutter 2002, quoted
/// in the manual's Appendix D). Forewarn takes the 24 h point as the median.
pub const RELUCTANT_MEDIAN_H: f64 = 24.0;
/// Time to reach safety once mobilised, h (a Forewarn planning value: 1-2 km on foot to ground
/// above the flood at about 3-4 km/h; LifeSim routes people over a road network instead).
pub const EVACUATION_TIME_H: f64 = 0.5;

impl Default for WarningParams {
    fn default() -> Self {
        WarningParams {
            alert_median_h: ALERT_MEDIAN_H,
            mobilise_median_h: MOBILISE_MEDIAN_H,
            reluctant_share: RELUCTANT_SHARE,
            reluctant_median_h: RELUCTANT_MEDIAN_H,
            evacuation_time_h: EVACUATION_TIME_H,
        }
    }
}

/// Shares of the people at risk at the arrival of the water (they sum to 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Evacuation {
    /// Share that received a first alert before the water arrived.
    pub alerted: f64,
    /// Share that reached safety.
    pub cleared: f64,
    /// Share that had mobilised but was still in the flood zone.
    pub caught: f64,
    /// Share that had not mobilised (never alerted, or alerted and not yet acting).
    pub not_mobilised: f64,
}

/// P(X + Y <= t) for independent exponential X, Y with medians `ma`, `mb` (hours).
fn hypoexp_cdf(ma: f64, mb: f64, t: f64) -> f64 {
    if t.is_nan() || t <= 0.0 {
        return 0.0;
    }
    let ln2 = std::f64::consts::LN_2;
    let single = |m: f64| {
        if m > 0.0 { Some(ln2 / m) } else { None }
    };
    match (single(ma), single(mb)) {
        (None, None) => 1.0,
        (Some(a), None) | (None, Some(a)) => 1.0 - (-a * t).exp(),
        (Some(a), Some(b)) => {
            if ((a - b) / a).abs() < 1e-9 {
                1.0 - (-a * t).exp() * (1.0 + a * t)
            } else {
                1.0 - (b * (-a * t).exp() - a * (-b * t).exp()) / (b - a)
            }
        }
    }
    .clamp(0.0, 1.0)
}

/// The evacuation shares for a warning issued `lead_h` hours before the water arrives (`None`
/// or a lead of zero or less: no warning, nobody cleared).
pub fn evacuation(lead_h: Option<f64>, p: &WarningParams) -> Evacuation {
    let Some(lead) = lead_h.filter(|l| l.is_finite() && *l > 0.0) else {
        return Evacuation {
            alerted: 0.0,
            cleared: 0.0,
            caught: 0.0,
            not_mobilised: 1.0,
        };
    };
    let s = p.reluctant_share.clamp(0.0, 1.0);
    let mobilised_by = |t: f64| {
        (1.0 - s) * hypoexp_cdf(p.alert_median_h, p.mobilise_median_h, t)
            + s * hypoexp_cdf(p.alert_median_h, p.reluctant_median_h, t)
    };
    let alerted = if p.alert_median_h > 0.0 {
        1.0 - (-std::f64::consts::LN_2 * lead / p.alert_median_h).exp()
    } else {
        1.0
    };
    let mobilised = mobilised_by(lead);
    let cleared = mobilised_by(lead - p.evacuation_time_h.max(0.0)).min(mobilised);
    Evacuation {
        alerted,
        cleared,
        caught: mobilised - cleared,
        not_mobilised: 1.0 - mobilised,
    }
}

/// Life loss at one place (or summed over places).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LifeLoss {
    pub people_at_risk: f64,
    /// Deaths if nobody is warned (F_E = 0).
    pub without_warning: f64,
    /// Deaths with a warning issued `lead_time_h` before the water arrives.
    pub with_warning: f64,
    /// `without_warning - with_warning`.
    pub lives_saved: f64,
    /// People cleared, caught and not mobilised at the arrival of the water (with the warning).
    pub cleared: f64,
    pub caught: f64,
    pub not_mobilised: f64,
}

impl LifeLoss {
    pub const ZERO: LifeLoss = LifeLoss {
        people_at_risk: 0.0,
        without_warning: 0.0,
        with_warning: 0.0,
        lives_saved: 0.0,
        cleared: 0.0,
        caught: 0.0,
        not_mobilised: 0.0,
    };

    /// Life loss of `people` at a place of lethality `f_d` warned `lead_h` hours ahead.
    pub fn at(people: f64, f_d: f64, lead_h: Option<f64>, p: &WarningParams) -> LifeLoss {
        let people = if people.is_finite() {
            people.max(0.0)
        } else {
            0.0
        };
        let f_d = if f_d.is_finite() {
            f_d.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let e = evacuation(lead_h, p);
        let without = people * f_d;
        let with = people * f_d * (1.0 - e.cleared);
        LifeLoss {
            people_at_risk: people,
            without_warning: without,
            with_warning: with,
            lives_saved: without - with,
            cleared: people * e.cleared,
            caught: people * e.caught,
            not_mobilised: people * e.not_mobilised,
        }
    }

    /// Sum of two places.
    pub fn plus(&self, o: &LifeLoss) -> LifeLoss {
        LifeLoss {
            people_at_risk: self.people_at_risk + o.people_at_risk,
            without_warning: self.without_warning + o.without_warning,
            with_warning: self.with_warning + o.with_warning,
            lives_saved: self.lives_saved + o.lives_saved,
            cleared: self.cleared + o.cleared,
            caught: self.caught + o.caught,
            not_mobilised: self.not_mobilised + o.not_mobilised,
        }
    }
}

/// Graham (1999) flood severity classes (DSO-99-06, Table 1 notes): high = the flood sweeps the
/// area clean; medium = homes destroyed but trees or mangled homes remain for refuge; low = no
/// buildings washed off their foundations. Graham's DV criterion: low below 4.6 m2/s (50 ft2/s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrahamSeverity {
    Low,
    Medium,
    High,
}

/// Graham (1999) warning time classes: none (< 15 min), some (15-60 min), adequate (> 60 min).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrahamWarning {
    None,
    Some,
    Adequate,
}

impl GrahamWarning {
    pub fn for_lead_h(lead_h: Option<f64>) -> GrahamWarning {
        match lead_h {
            Some(l) if l > 1.0 => GrahamWarning::Adequate,
            Some(l) if l >= 0.25 => GrahamWarning::Some,
            _ => GrahamWarning::None,
        }
    }
}

/// A Graham (1999) fatality rate: suggested value and the suggested range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GrahamRate {
    pub suggested: f64,
    pub low: f64,
    pub high: f64,
}

const fn gr(suggested: f64, low: f64, high: f64) -> Option<GrahamRate> {
    Some(GrahamRate {
        suggested,
        low,
        high,
    })
}

/// Graham (1999), DSO-99-06, Table 1 "Recommended fatality rates for estimating loss of life
/// resulting from dam failure", with a "vague" flood-severity understanding (the conservative
/// column). `None` where Graham gives no rate: for high severity with some or adequate warning
/// he says to apply the no-warning rate to the people who remain, without saying how many do.
pub fn graham_1999(severity: GrahamSeverity, warning: GrahamWarning) -> Option<GrahamRate> {
    use GrahamSeverity as S;
    use GrahamWarning as W;
    match (severity, warning) {
        (S::High, W::None) => gr(0.75, 0.30, 1.00),
        (S::High, _) => None,
        (S::Medium, W::None) => gr(0.15, 0.03, 0.35),
        (S::Medium, W::Some) => gr(0.04, 0.01, 0.08),
        (S::Medium, W::Adequate) => gr(0.03, 0.005, 0.06),
        (S::Low, W::None) => gr(0.01, 0.0, 0.02),
        (S::Low, W::Some) => gr(0.007, 0.0, 0.015),
        (S::Low, W::Adequate) => gr(0.0003, 0.0, 0.0006),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_follow_jonkman_criteria() {
        assert_eq!(zone(4.0, 2.0, RiseRate::Known(0.1)), FloodZone::Breach);
        assert_eq!(zone(6.0, 1.5, RiseRate::Known(0.1)), FloodZone::Remaining);
        assert_eq!(
            zone(3.0, 1.0, RiseRate::Known(0.6)),
            FloodZone::RapidlyRising
        );
        assert_eq!(zone(2.0, 1.0, RiseRate::Known(5.0)), FloodZone::Remaining);
        assert_eq!(zone(3.0, 1.0, RiseRate::Unknown), FloodZone::RapidlyRising);
    }

    #[test]
    fn lethality_values() {
        // Rapidly rising: median at h = exp(1.46) = 4.31 m.
        let h50 = RAPID_MU.exp();
        assert!((lethality(FloodZone::RapidlyRising, h50) - 0.5).abs() < 1e-12);
        // The GFDRR logistic is a close fit of Jonkman's curve between 2 and 8 m.
        for h in [2.5, 3.0, 4.0, 5.0, 6.0, 8.0] {
            let logistic = 0.985 / (1.0 + (6.32f64 - 1.412 * h).exp());
            assert!(
                (lethality(FloodZone::RapidlyRising, h) - logistic).abs() < 0.07,
                "{h}"
            );
        }
        // Remaining zone: about 1 % at 3 m.
        let r = lethality(FloodZone::Remaining, 3.0);
        assert!(r > 0.005 && r < 0.02, "{r}");
        assert_eq!(lethality(FloodZone::Breach, 0.0), 0.0);
        assert_eq!(lethality(FloodZone::Breach, 1.0), 1.0);
    }

    #[test]
    fn hypoexponential_is_a_distribution() {
        assert_eq!(hypoexp_cdf(1.0, 2.0, 0.0), 0.0);
        assert!((hypoexp_cdf(1.0, 2.0, 1e4) - 1.0).abs() < 1e-12);
        // Equal medians: the Erlang-2 formula, continuous with the general one.
        let a = hypoexp_cdf(1.0, 1.0, 1.3);
        let b = hypoexp_cdf(1.0, 1.0 + 1e-7, 1.3);
        assert!((a - b).abs() < 1e-6);
        // Against a numerical convolution.
        let (ma, mb, t) = (0.667, 0.133, 0.9);
        let (la, lb) = (std::f64::consts::LN_2 / ma, std::f64::consts::LN_2 / mb);
        let n = 200_000;
        let dx = t / n as f64;
        let num: f64 = (0..n)
            .map(|i| {
                let x = (i as f64 + 0.5) * dx;
                la * (-la * x).exp() * (1.0 - (-lb * (t - x)).exp()) * dx
            })
            .sum();
        assert!((hypoexp_cdf(ma, mb, t) - num).abs() < 1e-6);
    }

    #[test]
    fn no_warning_clears_nobody_and_more_lead_saves_more() {
        let p = WarningParams::default();
        let e = evacuation(None, &p);
        assert_eq!((e.cleared, e.not_mobilised), (0.0, 1.0));
        assert_eq!(evacuation(Some(-1.0), &p).cleared, 0.0);
        let mut last = 0.0;
        for i in 1..=96 {
            let e = evacuation(Some(i as f64 * 0.5), &p);
            assert!((e.cleared + e.caught + e.not_mobilised - 1.0).abs() < 1e-12);
            assert!(e.cleared >= last);
            last = e.cleared;
        }
        // The benefit does not saturate at a couple of hours: the reluctant share keeps leaving.
        let c2 = evacuation(Some(2.0), &p).cleared;
        let c28 = evacuation(Some(28.0), &p).cleared;
        let c72 = evacuation(Some(72.0), &p).cleared;
        assert!(c28 - c2 > 0.05, "{c2} {c28}");
        assert!(c72 > 0.98, "{c72}");
        // Within the evacuation time nobody can be cleared.
        assert_eq!(evacuation(Some(0.4), &p).cleared, 0.0);
    }

    #[test]
    fn three_numbers() {
        let p = WarningParams::default();
        let l = LifeLoss::at(1000.0, 0.8, Some(6.0), &p);
        assert!((l.without_warning - 800.0).abs() < 1e-9);
        assert!(l.with_warning < l.without_warning);
        assert!((l.lives_saved - (l.without_warning - l.with_warning)).abs() < 1e-9);
        assert!((l.cleared + l.caught + l.not_mobilised - 1000.0).abs() < 1e-6);
        let none = LifeLoss::at(1000.0, 0.8, None, &p);
        assert_eq!(none.with_warning, none.without_warning);
        assert_eq!(none.lives_saved, 0.0);
        let bad = LifeLoss::at(f64::NAN, f64::INFINITY, Some(1.0), &p);
        assert_eq!(bad.without_warning, 0.0);
    }

    #[test]
    fn graham_table() {
        let m = graham_1999(GrahamSeverity::Medium, GrahamWarning::None);
        assert_eq!(m.map(|r| r.suggested), Some(0.15));
        assert_eq!(GrahamWarning::for_lead_h(Some(0.1)), GrahamWarning::None);
        assert_eq!(GrahamWarning::for_lead_h(Some(0.5)), GrahamWarning::Some);
        assert_eq!(
            GrahamWarning::for_lead_h(Some(27.8)),
            GrahamWarning::Adequate
        );
        assert!(graham_1999(GrahamSeverity::High, GrahamWarning::Adequate).is_none());
    }
}
