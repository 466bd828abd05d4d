//! The maps' pieces against their reference implementations: UMAP's curve (umap-learn's
//! `find_ab_params`) and fuzzy graph (`fuzzy_simplicial_set` given the same exact kNN), from
//! `tests/fixtures/umap.json`; t-SNE's affinities (openTSNE's `joint_probabilities_nn`), from
//! `tests/fixtures/tsne.json`.

#![allow(clippy::unwrap_used)] // reason: test code, where a panic is the failure report

use rosetta_core::projections::tsne::{affinities, TsneParams};
use rosetta_core::projections::umap::{curve::fit_ab, fuzzy_graph, UmapParams};
use rosetta_core::{knn, Metric};

mod common;
use common::{close, dataset, f64s, fixture};

#[test]
fn curve_parameters_match_umap_learn() {
    let all = fixture("umap.json");
    for case in all["curves"].as_array().unwrap() {
        let spread = case["spread"].as_f64().unwrap();
        let min_dist = case["min_dist"].as_f64().unwrap();
        let (a, b) = fit_ab(spread, min_dist);
        let what = format!("spread {spread}, min_dist {min_dist}");
        close(
            &format!("{what}: a"),
            a,
            case["a"].as_f64().unwrap(),
            1e-6,
            0.0,
        );
        close(
            &format!("{what}: b"),
            b,
            case["b"].as_f64().unwrap(),
            1e-6,
            0.0,
        );
    }
}

#[test]
fn fuzzy_graph_matches_umap_learn() {
    let all = fixture("umap.json");
    for case in all["graphs"].as_array().unwrap() {
        let data = dataset(case["data"].as_str().unwrap());
        let metric = Metric::parse(case["metric"].as_str().unwrap()).unwrap();
        let params = UmapParams {
            n_neighbors: case["n_neighbors"].as_u64().unwrap() as usize,
            metric,
            ..UmapParams::default()
        };
        let neighbors = knn(data.view(), params.knn_k(), metric).unwrap();
        let graph = fuzzy_graph(&neighbors, metric);
        let what = case["data"].as_str().unwrap();
        let head: Vec<u32> = f64s(&case["head"]).iter().map(|&v| v as u32).collect();
        let tail: Vec<u32> = f64s(&case["tail"]).iter().map(|&v| v as u32).collect();
        assert_eq!(graph.head, head, "{what}: heads");
        assert_eq!(graph.tail, tail, "{what}: tails");
        for (e, (&got, want)) in graph.weight.iter().zip(f64s(&case["weight"])).enumerate() {
            // σ is searched to a tolerance of 10⁻⁵ on Σ exp (umap-learn in f32, here in f64):
            // the weights agree to that search's precision, not to the last bit.
            close(
                &format!("{what}: edge {e}"),
                f64::from(got),
                want,
                1e-4,
                1e-6,
            );
        }
    }
}

#[test]
fn tsne_affinities_match_open_tsne() {
    let all = fixture("tsne.json");
    for case in all["affinities"].as_array().unwrap() {
        let data = dataset(case["data"].as_str().unwrap());
        let metric = Metric::parse(case["metric"].as_str().unwrap()).unwrap();
        let params = TsneParams {
            perplexity: case["perplexity"].as_f64().unwrap(),
            metric,
            ..TsneParams::default()
        };
        let neighbors = knn(data.view(), params.knn_k(data.n), metric).unwrap();
        let p = affinities(&neighbors, metric, params.perplexity);
        let what = case["data"].as_str().unwrap();
        let rows = f64s(&case["row"]);
        let cols = f64s(&case["col"]);
        let values = f64s(&case["value"]);
        assert_eq!(p.values.len(), values.len(), "{what}: entries");
        for (e, ((&r, &c), &want)) in rows.iter().zip(&cols).zip(&values).enumerate() {
            let r = r as usize;
            assert!(
                p.rows[r] <= e && e < p.rows[r + 1],
                "{what}: entry {e} in row {r}"
            );
            assert_eq!(p.cols[e], c as u32, "{what}: entry {e}");
            close(
                &format!("{what}: P[{r}, {c}]"),
                p.values[e],
                want,
                1e-6,
                1e-12,
            );
        }
    }
}
