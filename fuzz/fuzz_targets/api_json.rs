//! Fuzz target `api_json`: feeds the input to `forewarn_fuzz_entry::api_json` (see docs/reliability.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| forewarn_fuzz_entry::api_json(data));
