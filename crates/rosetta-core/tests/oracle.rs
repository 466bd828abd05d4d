//! rosetta-core against numpy / scipy / scikit-learn: the fixtures written by
//! `tests/fixtures/make_fixtures.py` (inputs are float32; oracle values are float64 from them).

#![allow(clippy::unwrap_used)] // reason: test code, where a panic is the failure report

use rosetta_core::align::lstsq::fit_linear_map;
use rosetta_core::align::procrustes::procrustes_report;
use rosetta_core::anchors::farthest_point;
use rosetta_core::metrics::agreement::{jaccard, mutual_knn};
use rosetta_core::metrics::cka::{linear_cka, rbf_cka, RbfParams};
use rosetta_core::metrics::rsa::rsa;
use rosetta_core::projections::quality::map_quality;
use rosetta_core::projections::relative::{relative, RelativeParams, Similarity};
use rosetta_core::screens::retrieval::{mean_row_cosine, retrieval, RetrievalScores};
use rosetta_core::stitching::{fit_ridge_classifier, stitching};
use rosetta_core::{knn, MatView, Metric, PcaParams, PcaSolver};
use serde_json::Value;

mod common;
use common::{close, dataset, f64s, fixture};

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(f64s).collect()
}

#[track_caller]
fn close_all(what: &str, got: &[f64], want: &[f64], rel: f64, abs: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        close(&format!("{what}[{i}]"), *g, *w, rel, abs);
    }
}

#[test]
fn pca_matches_scikit_learn() {
    let cases = fixture("pca.json");
    for (case, data) in [
        ("clusters_cov", "clusters"),
        ("clusters_full", "clusters"),
        ("relu_full", "relu"),
        ("wide_full", "wide"),
        ("ties_full", "ties"),
    ] {
        let f = &cases[case];
        let x = dataset(data);
        let k = f["k"].as_u64().unwrap() as usize;
        for solver in [
            PcaSolver::Auto,
            PcaSolver::ThinSvd,
            PcaSolver::CovarianceEigh,
        ] {
            if solver == PcaSolver::CovarianceEigh && x.n < x.d {
                continue;
            }
            let p = PcaParams::new(k).solver(solver).fit(x.view()).unwrap();
            let what = format!("{case} {solver:?}");
            close_all(
                &format!("{what} ratio"),
                &p.explained_variance_ratio,
                &f64s(&f["explained_variance_ratio"]),
                1e-6,
                1e-12,
            );
            close_all(
                &format!("{what} variance"),
                &p.explained_variance,
                &f64s(&f["explained_variance"]),
                1e-6,
                1e-12,
            );
            close_all(
                &format!("{what} singular"),
                &p.singular_values,
                &f64s(&f["singular_values"]),
                1e-6,
                1e-12,
            );
            let comps: Vec<f64> = matrix(&f["components"]).concat();
            close_all(
                &format!("{what} components"),
                &p.components,
                &comps,
                0.0,
                1e-5,
            );
            let coords = p.transform(x.view(), k).unwrap();
            let want = matrix(&f["coords_first_rows"]);
            let scale = p.singular_values[0] / (x.n as f64).sqrt();
            for (r, row) in want.iter().enumerate() {
                let got: Vec<f64> = coords[r * k..(r + 1) * k]
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect();
                close_all(
                    &format!("{what} coords row {r}"),
                    &got,
                    row,
                    0.0,
                    1e-5 * scale,
                );
            }
        }
    }
}

#[test]
fn cka_matches_kornblith_published_and_oracle() {
    let f = fixture("kornblith.json");
    let to32 = |v: &Value| f64s(v).into_iter().map(|t| t as f32).collect::<Vec<f32>>();
    let (x, y) = (to32(&f["x"]), to32(&f["y"]));
    let (vx, vy) = (
        MatView::new(&x, 100, 10).unwrap(),
        MatView::new(&y, 100, 10).unwrap(),
    );
    let lin = linear_cka(vx, vy).unwrap();
    let rbf = rbf_cka(
        vx,
        vy,
        RbfParams {
            threshold: 0.5,
            max_items: 1000,
            seed: 0,
        },
    )
    .unwrap();
    let oracle = &f["oracle_f32"];
    close(
        "linear",
        lin.cka,
        oracle["cka_linear"].as_f64().unwrap(),
        1e-6,
        0.0,
    );
    close(
        "debiased",
        lin.debiased.unwrap(),
        oracle["cka_debiased"].as_f64().unwrap(),
        1e-6,
        0.0,
    );
    close(
        "rbf",
        rbf,
        oracle["cka_rbf_05"].as_f64().unwrap(),
        1e-9,
        0.0,
    );
    // The published five-decimal values of the demo notebook.
    let published = &f["published"];
    close(
        "published linear",
        lin.cka,
        published["cka_linear"].as_f64().unwrap(),
        0.0,
        5e-6,
    );
    close(
        "published debiased",
        lin.debiased.unwrap(),
        published["cka_debiased"].as_f64().unwrap(),
        0.0,
        5e-6,
    );
    close(
        "published rbf",
        rbf,
        published["cka_rbf_05"].as_f64().unwrap(),
        0.0,
        5e-6,
    );
}

fn check_retrieval(what: &str, got: &RetrievalScores, want: &Value) {
    close(
        &format!("{what} mrr"),
        got.mrr,
        want["mrr"].as_f64().unwrap(),
        1e-12,
        0.0,
    );
    close(
        &format!("{what} top1"),
        got.top1,
        want["top1"].as_f64().unwrap(),
        1e-12,
        0.0,
    );
    close(
        &format!("{what} top5"),
        got.top5,
        want["top5"].as_f64().unwrap(),
        1e-12,
        0.0,
    );
}

#[test]
fn pair_metrics_match_the_oracle() {
    let pairs = fixture("pairs.json");
    for case in ["same_dims", "different_dims"] {
        let f = &pairs[case];
        let x = dataset(f["x"].as_str().unwrap());
        let y = dataset(f["y"].as_str().unwrap());
        let (vx, vy) = (x.view(), y.view());
        let k = f["k"].as_u64().unwrap() as usize;
        let anchors = usizes(&f["anchors"]);
        let (train, test) = (usizes(&f["train"]), usizes(&f["test"]));

        let lin = linear_cka(vx, vy).unwrap();
        close(
            &format!("{case} cka"),
            lin.cka,
            f["cka_linear"].as_f64().unwrap(),
            1e-6,
            0.0,
        );
        close(
            &format!("{case} cka gram form"),
            lin.cka,
            f["cka_linear_gram"].as_f64().unwrap(),
            1e-6,
            0.0,
        );
        close(
            &format!("{case} debiased"),
            lin.debiased.unwrap(),
            f["cka_debiased"].as_f64().unwrap(),
            1e-6,
            0.0,
        );
        let rbf = rbf_cka(
            vx,
            vy,
            RbfParams {
                threshold: 0.5,
                max_items: 10_000,
                seed: 0,
            },
        )
        .unwrap();
        close(
            &format!("{case} rbf"),
            rbf,
            f["cka_rbf_05"].as_f64().unwrap(),
            1e-9,
            0.0,
        );

        let nx = knn(vx, k, Metric::Cosine).unwrap();
        let ny = knn(vy, k, Metric::Cosine).unwrap();
        let want_knn: Vec<u32> = matrix(&f["knn_x"])
            .concat()
            .into_iter()
            .map(|v| v as u32)
            .collect();
        assert_eq!(nx.indices, want_knn, "{case} knn");
        let eu = knn(vx, k, Metric::Euclidean).unwrap();
        let want_eu: Vec<u32> = matrix(&f["knn_x_euclidean"])
            .concat()
            .into_iter()
            .map(|v| v as u32)
            .collect();
        assert_eq!(eu.indices, want_eu, "{case} euclidean knn");
        close(
            &format!("{case} mutual knn"),
            mutual_knn(&nx, &ny).unwrap(),
            f["mutual_knn"].as_f64().unwrap(),
            1e-12,
            0.0,
        );
        close(
            &format!("{case} jaccard"),
            jaccard(&nx, &ny).unwrap(),
            f["jaccard_abs"].as_f64().unwrap(),
            1e-12,
            0.0,
        );

        for (key, center) in [("relative", false), ("relative_centered", true)] {
            let p = RelativeParams {
                similarity: Similarity::Cosine,
                center,
            };
            let (rx, ry) = (
                relative(vx, &anchors, p).unwrap(),
                relative(vy, &anchors, p).unwrap(),
            );
            let want = &f[key];
            let first = matrix(&want["rel_x_first_rows"]);
            for (r, row) in first.iter().enumerate() {
                let got: Vec<f64> = rx.row(r).iter().map(|&v| f64::from(v)).collect();
                close_all(&format!("{case} {key} row {r}"), &got, row, 0.0, 1e-6);
            }
            let (rnx, rny) = (
                knn(rx.view(), k, Metric::Cosine).unwrap(),
                knn(ry.view(), k, Metric::Cosine).unwrap(),
            );
            close(
                &format!("{case} {key} jaccard"),
                jaccard(&rnx, &rny).unwrap(),
                want["jaccard"].as_f64().unwrap(),
                1e-12,
                0.0,
            );
            close(
                &format!("{case} {key} mean cosine"),
                mean_row_cosine(rx.view(), ry.view()).unwrap(),
                want["mean_cosine"].as_f64().unwrap(),
                1e-6,
                0.0,
            );
            let r = retrieval(rx.view(), ry.view()).unwrap();
            check_retrieval(&format!("{case} {key} x→y"), &r.x_to_y, &want["x_to_y"]);
            check_retrieval(&format!("{case} {key} y→x"), &r.y_to_x, &want["y_to_x"]);
        }
        for sim in ["euclidean", "l1", "linf"] {
            let p = RelativeParams {
                similarity: Similarity::parse(sim).unwrap(),
                center: false,
            };
            let rx = relative(vx, &anchors, p).unwrap();
            for (r, row) in matrix(&f[format!("relative_{sim}_first_rows")])
                .iter()
                .enumerate()
            {
                let got: Vec<f64> = rx.row(r).iter().map(|&v| f64::from(v)).collect();
                close_all(&format!("{case} {sim} row {r}"), &got, row, 1e-6, 1e-6);
            }
        }
        if let Some(want) = f.get("absolute_retrieval") {
            let r = retrieval(vx, vy).unwrap();
            check_retrieval(&format!("{case} abs x→y"), &r.x_to_y, &want["x_to_y"]);
            check_retrieval(&format!("{case} abs y→x"), &r.y_to_x, &want["y_to_x"]);
            let want_better: Vec<u32> = f64s(&want["x_better"])
                .into_iter()
                .map(|v| v as u32)
                .collect();
            assert_eq!(r.x_better, want_better);
        }

        let pr = procrustes_report(vx, vy, Some((&train, &test))).unwrap();
        let want = &f["procrustes"];
        close(
            &format!("{case} procrustes residual"),
            pr.residual,
            want["residual"].as_f64().unwrap(),
            1e-5,
            1e-7,
        );
        close(
            &format!("{case} residual optscale"),
            pr.residual_optscale,
            want["residual_optscale"].as_f64().unwrap(),
            1e-5,
            1e-7,
        );
        close(
            &format!("{case} procrustes top1"),
            pr.top1,
            want["top1"].as_f64().unwrap(),
            1e-12,
            0.0,
        );
        close(
            &format!("{case} procrustes mrr"),
            pr.mrr,
            want["mrr"].as_f64().unwrap(),
            1e-12,
            0.0,
        );
        let h = pr.heldout.unwrap();
        let wh = &want["heldout"];
        close(
            &format!("{case} heldout residual"),
            h.residual,
            wh["residual"].as_f64().unwrap(),
            1e-5,
            1e-7,
        );
        close(
            &format!("{case} heldout top1"),
            h.top1,
            wh["top1"].as_f64().unwrap(),
            1e-12,
            0.0,
        );
        close(
            &format!("{case} heldout mrr"),
            h.mrr,
            wh["mrr"].as_f64().unwrap(),
            1e-12,
            0.0,
        );

        close(
            &format!("{case} rsa"),
            rsa(vx, vy, 10_000, 0).unwrap(),
            f["rsa"].as_f64().unwrap(),
            1e-9,
            0.0,
        );

        let w = fit_linear_map(vx, vy, 0.0).unwrap();
        close_all(
            &format!("{case} lstsq"),
            &w.w,
            &matrix(&f["lstsq_w"]).concat(),
            1e-6,
            1e-9,
        );
        let wr = fit_linear_map(vx, vy, 10.0).unwrap();
        close_all(
            &format!("{case} ridge"),
            &wr.w,
            &matrix(&f["ridge_w"]).concat(),
            1e-6,
            1e-9,
        );

        if let Some(want) = f.get("stitching") {
            let labels = x.labels.clone().unwrap();
            let p = RelativeParams::default();
            let (rx, ry) = (
                relative(vx, &anchors, p).unwrap(),
                relative(vy, &anchors, p).unwrap(),
            );
            let s = stitching(
                rx.view(),
                ry.view(),
                &labels,
                (&train, &test),
                1.0,
                Some((vx, vy)),
            )
            .unwrap();
            close(
                &format!("{case} a→b"),
                s.a_to_b,
                want["a_to_b"].as_f64().unwrap(),
                1e-12,
                0.0,
            );
            close(
                &format!("{case} a→a"),
                s.a_to_a,
                want["a_to_a"].as_f64().unwrap(),
                1e-12,
                0.0,
            );
            close(
                &format!("{case} b→b"),
                s.b_to_b,
                want["b_to_b"].as_f64().unwrap(),
                1e-12,
                0.0,
            );
            close(
                &format!("{case} b→a"),
                s.b_to_a,
                want["b_to_a"].as_f64().unwrap(),
                1e-12,
                0.0,
            );
            if let Some(abs) = want.get("absolute_a_to_b") {
                close(
                    &format!("{case} absolute"),
                    s.absolute_a_to_b.unwrap(),
                    abs.as_f64().unwrap(),
                    1e-12,
                    0.0,
                );
            }
            let binary: Vec<String> = labels
                .iter()
                .map(|l| {
                    if l == "c0" {
                        "c0".into()
                    } else {
                        "rest".into()
                    }
                })
                .collect();
            let pick = |rows: &[usize], m: &rosetta_core::Matrix| m.view().gather(rows);
            let probe = fit_ridge_classifier(
                pick(&train, &rx).view(),
                &train.iter().map(|&i| binary[i].clone()).collect::<Vec<_>>(),
                1.0,
            )
            .unwrap();
            let acc = probe
                .accuracy(
                    pick(&test, &ry).view(),
                    &test.iter().map(|&i| binary[i].clone()).collect::<Vec<_>>(),
                )
                .unwrap();
            close(
                &format!("{case} binary a→b"),
                acc,
                f["stitching_binary_a_to_b"].as_f64().unwrap(),
                1e-12,
                0.0,
            );
        }
    }
}

#[test]
fn farthest_point_and_ties_match_the_oracle() {
    let f = fixture("anchors.json");
    let x = dataset("clusters");
    assert_eq!(
        farthest_point(x.view(), 12, 0),
        usizes(&f["fps_clusters_start0"])
    );
    assert_eq!(
        farthest_point(x.view(), 12, 17),
        usizes(&f["fps_clusters_start17"])
    );
    let t = dataset("ties");
    for (key, metric) in [
        ("knn_ties_cosine", Metric::Cosine),
        ("knn_ties_euclidean", Metric::Euclidean),
    ] {
        let want: Vec<u32> = matrix(&f[key])
            .concat()
            .into_iter()
            .map(|v| v as u32)
            .collect();
        assert_eq!(knn(t.view(), 4, metric).unwrap().indices, want, "{key}");
    }
}

/// Trustworthiness against scikit-learn and kNN preservation against numpy, on 2-D maps of two
/// datasets (their PCA, and the PCA with noise), both metrics, k = 5 and 10.
#[test]
fn map_quality_matches_scikit_learn() {
    let all = fixture("quality.json");
    for name in ["clusters", "relu"] {
        let data = dataset(name);
        for case in all[name].as_array().unwrap() {
            let map: Vec<f32> = f64s(&case["values"])
                .into_iter()
                .map(|v| v as f32)
                .collect();
            let map = MatView::new(&map, data.n, 2).unwrap();
            let k = case["k"].as_u64().unwrap() as usize;
            let metric = Metric::parse(case["metric"].as_str().unwrap()).unwrap();
            let got = map_quality(data.view(), map, k, metric).unwrap();
            let label = format!("{name} {} {metric:?} k={k}", case["map"]);
            let want_t = case["trustworthiness"].as_f64().unwrap();
            let want_p = case["knn_preservation"].as_f64().unwrap();
            assert!(
                (got.trustworthiness - want_t).abs() < 1e-12,
                "{label}: {got:?} vs {want_t}"
            );
            assert!(
                (got.knn_preservation - want_p).abs() < 1e-12,
                "{label}: {got:?} vs {want_p}"
            );
        }
    }
}
