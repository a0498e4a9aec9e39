//! Fuzz target `lisflood_bci`: feeds the input to `forewarn_fuzz_entry::lisflood_bci` (see docs/reliability.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| forewarn_fuzz_entry::lisflood_bci(data));
