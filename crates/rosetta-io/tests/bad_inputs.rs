//! The bad-input catalogue (tests/bad-inputs/catalogue.json): every malformed file gets a message
//! naming the file, the place and the problem — and never a panic.
#![allow(clippy::unwrap_used)] // reason: test code, where a panic is the failure report

use std::path::PathBuf;

use rosetta_io::{check_size, group_files, parse_files};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad-inputs")
}

/// What a drop of these files produces: (errors, warnings), as the page would show them.
fn load(files: &[String]) -> (Vec<String>, Vec<String>) {
    let input: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| {
            (
                f.clone(),
                std::fs::read(dir().join("files").join(f)).unwrap(),
            )
        })
        .collect();
    let mut errors = Vec::new();
    let mut ok = Vec::new();
    for (name, result) in parse_files(input) {
        match result {
            Ok(p) => ok.push((name, p)),
            Err(e) => errors.push(e.to_string()),
        }
    }
    let mut warnings = Vec::new();
    if !ok.is_empty() {
        match group_files(ok) {
            Ok(g) => warnings = g.warnings,
            Err(e) => errors.push(e.to_string()),
        }
    }
    (errors, warnings)
}

#[test]
fn every_catalogue_entry_gets_its_message() {
    let cat: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("catalogue.json")).unwrap())
            .unwrap();
    let entries = cat["entries"].as_array().unwrap();
    assert!(
        entries.len() >= 30,
        "the catalogue has {} entries",
        entries.len()
    );
    let mut failures = Vec::new();
    for e in entries {
        let name = e["name"].as_str().unwrap();
        let files: Vec<String> = e["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_owned())
            .collect();
        let (errors, warnings) = load(&files);
        let (shown, kind_ok) = match e["kind"].as_str().unwrap() {
            "warning" => (
                warnings.join("\n"),
                errors.is_empty() && !warnings.is_empty(),
            ),
            _ => (errors.join("\n"), !errors.is_empty()),
        };
        let missing: Vec<&str> = e["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .filter(|s| !shown.contains(s))
            .collect();
        if !kind_ok || !missing.is_empty() {
            failures.push(format!("{name}: shown {shown:?} (errors {errors:?}, warnings {warnings:?}); missing {missing:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn files_too_large_for_a_tab_are_refused_up_front() {
    let cat: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("catalogue.json")).unwrap())
            .unwrap();
    for v in cat["virtual"].as_array().unwrap() {
        let msg = check_size(
            v["file"].as_str().unwrap(),
            v["size_bytes"].as_u64().unwrap(),
        )
        .unwrap_err()
        .to_string();
        for s in v["expect"].as_array().unwrap() {
            assert!(msg.contains(s.as_str().unwrap()), "{msg}");
        }
    }
}
