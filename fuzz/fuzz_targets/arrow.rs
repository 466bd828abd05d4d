//! Fuzz the parser behind `x.arrow`: any bytes must give spaces or a LoadError, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = rosetta_io::parse_file("x.arrow", data) {
        // Grouping (NaN rows, metadata counts) runs on every load too.
        let _ = rosetta_io::group_files(vec![("x.arrow".to_owned(), parsed)]);
    }
});
