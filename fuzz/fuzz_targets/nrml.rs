//! Fuzz target `nrml`: feeds the input to `forewarn_fuzz_entry::nrml` (see docs/reliability.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| forewarn_fuzz_entry::nrml(data));
