//! Fuzz the parser behind `vectors.tsv`: any bytes must give spaces or a LoadError, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = rosetta_io::parse_file("vectors.tsv", data) {
        // Grouping (NaN rows, metadata counts) runs on every load too.
        let _ = rosetta_io::group_files(vec![("vectors.tsv".to_owned(), parsed)]);
    }
});
