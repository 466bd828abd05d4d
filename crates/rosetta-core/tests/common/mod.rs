//! The fixtures of `tests/fixtures/make_fixtures.py`, read for the oracle tests.

#![allow(dead_code)] // reason: each test file uses a different part of these helpers
#![allow(clippy::unwrap_used)] // reason: test code, where a panic is the failure report

use rosetta_core::MatView;
use serde_json::Value;

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

pub fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

pub struct Data {
    pub values: Vec<f32>,
    pub n: usize,
    pub d: usize,
    pub labels: Option<Vec<String>>,
}

impl Data {
    pub fn view(&self) -> MatView<'_> {
        MatView::new(&self.values, self.n, self.d).unwrap()
    }
}

pub fn dataset(name: &str) -> Data {
    let all = fixture("datasets.json");
    let d = &all[name];
    Data {
        values: f64s(&d["values"]).into_iter().map(|v| v as f32).collect(),
        n: d["n"].as_u64().unwrap() as usize,
        d: d["d"].as_u64().unwrap() as usize,
        labels: d["labels"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect()),
    }
}

/// |a − b| ≤ rel·max(|a|, |b|) + abs.
#[track_caller]
pub fn close(what: &str, got: f64, want: f64, rel: f64, abs: f64) {
    let tol = rel * got.abs().max(want.abs()) + abs;
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (tolerance {tol:e})"
    );
}
