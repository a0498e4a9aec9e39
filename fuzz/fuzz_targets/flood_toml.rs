//! Fuzz target `flood_toml`: feeds the input to `forewarn_fuzz_entry::flood_toml` (see docs/reliability.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| forewarn_fuzz_entry::flood_toml(data));
