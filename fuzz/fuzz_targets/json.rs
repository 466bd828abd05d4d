//! Fuzz the parser behind `x.json`: any bytes must give spaces or a LoadError, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = rosetta_io::parse_file("x.json", data) {
        // Grouping (NaN rows, metadata counts) runs on every load too.
        let _ = rosetta_io::group_files(vec![("x.json".to_owned(), parsed)]);
    }
});
