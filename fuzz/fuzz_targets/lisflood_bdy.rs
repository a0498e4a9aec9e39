//! Fuzz target `lisflood_bdy`: feeds the input to `forewarn_fuzz_entry::lisflood_bdy` (see docs/reliability.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| forewarn_fuzz_entry::lisflood_bdy(data));
