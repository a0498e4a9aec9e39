//! Earthquake benchmarks (`forewarn bench quake`): ground-motion fields for many sites and
//! realisations, uncorrelated and with JB2009 correlation, and the whole Kashmir run.
//! Each case reports wall time and the process's peak resident memory (VmHWM); the CLI runs
//! each case in a fresh process so that peaks do not accumulate.

use forewarn_core::LonLat;
use forewarn_quake::gmpe::Imt;
use forewarn_quake::logic_tree::LogicTree;
use forewarn_quake::rupture::Rupture;
use forewarn_quake::shaking::{self, Correlation, GmfSettings, Site};

use serde::Serialize;
use std::time::Instant;

/// Peak resident set size of this process in MB (Linux /proc; 0 elsewhere).
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Result of one ground-motion-field case.
#[derive(Debug, Clone, Serialize)]
pub struct GmfBench {
    pub sites: usize,
    pub realizations: usize,
    pub imts: usize,
    pub correlation: Correlation,
    pub gmpe: String,
    pub median_s: f64,
    pub fields_s: f64,
    pub total_s: f64,
    pub peak_rss_mb: f64,
    pub values_per_s: f64,
    /// Mean of all simulated ln PGA values (a check that work was done).
    pub mean_ln_pga: f64,
}

/// `n` sites on a square lattice with 1 km spacing centred near the 2005 Kashmir epicentre.
pub fn lattice_sites(n: usize) -> Vec<Site> {
    let side = (n as f64).sqrt().ceil() as usize;
    let c = LonLat::new(73.63, 34.49);
    let dlat = 1.0 / 111.195;
    let dlon = dlat / c.lat.to_radians().cos();
    (0..n)
        .map(|k| {
            let (i, j) = ((k % side) as f64, (k / side) as f64);
            Site {
                lon: c.lon + (i - side as f64 / 2.0) * dlon,
                lat: c.lat + (j - side as f64 / 2.0) * dlat,
                vs30_mps: 300.0 + 200.0 * ((k * 7919) % 1000) as f64 / 1000.0,
            }
        })
        .collect()
}

/// The IMTs of the field benchmarks (kept at three so figures stay comparable over time).
pub const BENCH_IMTS: [Imt; 3] = [Imt::Pga, Imt::Sa(0.3), Imt::Sa(1.0)];

/// Median shaking plus `realizations` fields for `n` sites and PGA, SA(0.3), SA(1.0).
pub fn gmf_case(
    n: usize,
    realizations: usize,
    correlation: Correlation,
    gmpe: &str,
) -> Result<GmfBench, crate::EngineError> {
    let rup = Rupture::from_hypocenter(LonLat::new(73.63, 34.49), 26.0, 7.6, 331.0, 29.0, 90.0)?;
    let tree = LogicTree::from_name(gmpe)?;
    let sites = lattice_sites(n);
    let t0 = Instant::now();
    let sh = shaking::median_shaking(&rup, &tree, &BENCH_IMTS, &sites)?;
    let median_s = t0.elapsed().as_secs_f64();
    let settings = GmfSettings {
        realizations,
        correlation,
        truncation: 3.0,
        seed: 1,
    };
    let mut sum = 0.0f64;
    let t1 = Instant::now();
    shaking::simulate(&rup, &sites, &sh, &settings, |_, f| {
        sum += f[0].iter().map(|&v| v as f64).sum::<f64>();
    });
    let fields_s = t1.elapsed().as_secs_f64();
    let total_s = t0.elapsed().as_secs_f64();
    Ok(GmfBench {
        sites: n,
        realizations,
        imts: BENCH_IMTS.len(),
        correlation,
        gmpe: gmpe.to_string(),
        median_s,
        fields_s,
        total_s,
        peak_rss_mb: peak_rss_mb(),
        values_per_s: (n * realizations * BENCH_IMTS.len()) as f64 / fields_s.max(1e-9),
        mean_ln_pga: sum / (n * realizations.max(1)) as f64,
    })
}

/// Result of the OpenQuake-equivalent scenario case.
#[derive(Debug, Clone, Serialize)]
pub struct OqScenarioBench {
    pub sites: usize,
    pub realizations: usize,
    pub imts: Vec<String>,
    pub gmpe: String,
    pub median_s: f64,
    /// Fields simulated and written to gmf.csv.
    pub fields_and_csv_s: f64,
    pub total_s: f64,
    pub rows: usize,
    pub csv_bytes: u64,
    pub peak_rss_mb: f64,
}

/// The scenario-calculator work of OpenQuake (`calculation_mode = scenario`) on `sites`: the
/// NRML rupture in `nrml_text`, medians and sigmas of PGA, PGV, SA(0.3), SA(1.0) at every
/// site, `realizations` fields with JB2009 spatial and cross-IMT correlation, truncation 3,
/// written to `dir`/gmf.csv. `dir` also gets the inputs OpenQuake needs to do the same job
/// (job.ini, gmpe_logic_tree.xml, site_model.csv, rupture.xml; see docs/benchmarks.md).
pub fn oq_scenario_case(
    nrml_text: &str,
    sites: &[Site],
    realizations: usize,
    gmpe: &str,
    dir: &std::path::Path,
) -> Result<OqScenarioBench, crate::EngineError> {
    let io = |path: &std::path::Path, e: std::io::Error| crate::EngineError::Write {
        path: path.display().to_string(),
        source: e,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    write_oq_inputs(nrml_text, sites, realizations, dir)?;
    let t0 = Instant::now();
    let rup = forewarn_quake::source_files::parse_nrml_rupture(nrml_text, "rupture.xml")?;
    let tree = LogicTree::from_name(gmpe)?;
    let imts: Vec<Imt> = crate::quake::IMTS
        .iter()
        .copied()
        .filter(|&i| tree.supports(i))
        .collect();
    let sh = shaking::median_shaking(&rup, &tree, &imts, sites)?;
    let median_s = t0.elapsed().as_secs_f64();
    let settings = GmfSettings {
        realizations,
        correlation: Correlation::Jb2009,
        truncation: 3.0,
        seed: 42,
    };
    let t1 = Instant::now();
    let path = dir.join("gmf.csv");
    let rows = crate::quake::write_gmf(&path, &rup, sites, &sh, None, &settings)?;
    let fields_and_csv_s = t1.elapsed().as_secs_f64();
    Ok(OqScenarioBench {
        sites: sites.len(),
        realizations,
        imts: imts.iter().map(|i| i.column_name()).collect(),
        gmpe: gmpe.to_string(),
        median_s,
        fields_and_csv_s,
        total_s: t0.elapsed().as_secs_f64(),
        rows,
        csv_bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
        peak_rss_mb: peak_rss_mb(),
    })
}

/// The OpenQuake job doing the same work as [`oq_scenario_case`] (the same rupture, sites,
/// IMTs, models, truncation and number of fields), written next to Forewarn's output.
fn write_oq_inputs(
    nrml_text: &str,
    sites: &[Site],
    realizations: usize,
    dir: &std::path::Path,
) -> Result<(), crate::EngineError> {
    let put = |name: &str, text: &str| crate::write_file(&dir.join(name), text.as_bytes());
    put("rupture.xml", nrml_text)?;
    // z1pt0 = z2pt5 = -999: OpenQuake's CY14, ASK14 and CB14 then use their own defaults
    // for the Vs30, as Forewarn's models do (BSSA14 uses no basin depth by default).
    let mut sm = String::from("lon,lat,vs30,z1pt0,z2pt5,vs30measured\n");
    for s in sites {
        sm.push_str(&format!("{},{},{},-999,-999,0\n", s.lon, s.lat, s.vs30_mps));
    }
    put("site_model.csv", &sm)?;
    put(
        "gmpe_logic_tree.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<nrml xmlns="http://openquake.org/xmlns/nrml/0.5">
  <logicTree logicTreeID="lt1">
    <logicTreeBranchSet uncertaintyType="gmpeModel" branchSetID="bs1"
                        applyToTectonicRegionType="Active Shallow Crust">
      <logicTreeBranch branchID="BSSA14"><uncertaintyModel>BooreEtAl2014</uncertaintyModel><uncertaintyWeight>0.25</uncertaintyWeight></logicTreeBranch>
      <logicTreeBranch branchID="CY14"><uncertaintyModel>ChiouYoungs2014</uncertaintyModel><uncertaintyWeight>0.25</uncertaintyWeight></logicTreeBranch>
      <logicTreeBranch branchID="ASK14"><uncertaintyModel>AbrahamsonEtAl2014</uncertaintyModel><uncertaintyWeight>0.25</uncertaintyWeight></logicTreeBranch>
      <logicTreeBranch branchID="CB14"><uncertaintyModel>CampbellBozorgnia2014</uncertaintyModel><uncertaintyWeight>0.25</uncertaintyWeight></logicTreeBranch>
    </logicTreeBranchSet>
  </logicTree>
</nrml>
"#,
    )?;
    put(
        "job.ini",
        &format!(
            "[general]\n\
             description = Forewarn bench oq-scenario: Kashmir 2005 rupture, {n} sites, {realizations} fields\n\
             calculation_mode = scenario\n\
             random_seed = 42\n\n\
             [rupture]\n\
             rupture_model_file = rupture.xml\n\
             rupture_mesh_spacing = 2.0\n\n\
             [site_params]\n\
             site_model_file = site_model.csv\n\n\
             [calculation]\n\
             gsim_logic_tree_file = gmpe_logic_tree.xml\n\
             intensity_measure_types = PGA, PGV, SA(0.3), SA(1.0)\n\
             truncation_level = 3\n\
             maximum_distance = 1000\n\
             number_of_ground_motion_fields = {realizations}\n\
             ground_motion_correlation_model = JB2009\n\
             ground_motion_correlation_params = {{\"vs30_clustering\": False}}\n\n\
             [output]\n\
             export_dir = out\n",
            n = sites.len()
        ),
    )
}
