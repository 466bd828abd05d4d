//! Fuzz the parser behind `x.jsonl`: any bytes must give spaces or a LoadError, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = rosetta_io::parse_file("x.jsonl", data) {
        // Grouping (NaN rows, metadata counts) runs on every load too.
        let _ = rosetta_io::group_files(vec![("x.jsonl".to_owned(), parsed)]);
    }
});
