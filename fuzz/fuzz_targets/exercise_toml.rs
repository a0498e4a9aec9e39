//! Fuzz target `exercise_toml`: feeds the input to `forewarn_fuzz_entry::exercise_toml` (see docs/reliability.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| forewarn_fuzz_entry::exercise_toml(data));
