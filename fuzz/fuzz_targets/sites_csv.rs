//! Fuzz target `sites_csv`: feeds the input to `forewarn_fuzz_entry::sites_csv` (see docs/reliability.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| forewarn_fuzz_entry::sites_csv(data));
