//! Fuzz target `cap_xml`: feeds the input to `forewarn_fuzz_entry::cap_xml` (see docs/reliability.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| forewarn_fuzz_entry::cap_xml(data));
