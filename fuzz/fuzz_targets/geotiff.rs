//! Fuzz target `geotiff`: feeds the input to `forewarn_fuzz_entry::geotiff` (see docs/reliability.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| forewarn_fuzz_entry::geotiff(data));
