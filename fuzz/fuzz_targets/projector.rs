//! Fuzz a projector drop: the config and a tensor file from the same bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let cut = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let (config, tensor) = data.split_at(cut);
    let _ = rosetta_io::parse_files(vec![
        ("projector_config.json".to_owned(), config.to_vec()),
        ("t.bytes".to_owned(), tensor.to_vec()),
    ]);
});
