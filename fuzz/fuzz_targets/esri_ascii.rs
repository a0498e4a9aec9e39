//! Fuzz target `esri_ascii`: feeds the input to `forewarn_fuzz_entry::esri_ascii` (see docs/reliability.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| forewarn_fuzz_entry::esri_ascii(data));
