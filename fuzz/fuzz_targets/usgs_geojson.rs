//! Fuzz target `usgs_geojson`: feeds the input to `forewarn_fuzz_entry::usgs_geojson` (see docs/reliability.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| forewarn_fuzz_entry::usgs_geojson(data));
