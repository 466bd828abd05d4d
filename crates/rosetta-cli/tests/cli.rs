//! The `rosetta` binary end to end: documented JSON keys, oracle values, and exit codes.
#![allow(clippy::unwrap_used)] // reason: test code, where a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn rosetta(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rosetta"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rosetta-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture(name: &str) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/fixtures").join(name)).unwrap(),
    )
    .unwrap()
}

/// Write a fixture dataset as a float32 .npy; returns its path.
fn dataset_npy(dir: &Path, name: &str) -> PathBuf {
    let all = fixture("datasets.json");
    let d = &all[name];
    let values: Vec<f32> = d["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let (n, dim) = (
        d["n"].as_u64().unwrap() as usize,
        d["d"].as_u64().unwrap() as usize,
    );
    let path = dir.join(format!("{name}.npy"));
    std::fs::write(&path, rosetta_io::npy::write_f32(n, dim, &values)).unwrap();
    path
}

#[test]
fn info_lists_spaces_as_json() {
    let demo = repo().join("public/demo");
    let a = demo.join("digits-mlp-relu-seed0.npy");
    let m = demo.join("metadata.tsv");
    let (code, out, _) = rosetta(&["info", a.to_str().unwrap(), m.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let first = &v[0];
    assert_eq!(first["file"], "digits-mlp-relu-seed0.npy");
    assert_eq!(first["n"], 1797);
    assert_eq!(first["dim"], 128);
    assert_eq!(first["dtype"], "float16");
    assert!(first["metadata"].is_array());
    assert_eq!(v[1]["metadata"][1], "label");
}

#[test]
fn a_bad_file_exits_2_with_the_browser_message() {
    let dir = temp_dir("bad");
    let bad = dir.join("broken.npy");
    std::fs::write(&bad, b"\x93NUMPY\x01\x00").unwrap();
    let (code, out, err) = rosetta(&["info", bad.to_str().unwrap(), "--json"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    let expected = rosetta_io::parse_file("broken.npy", b"\x93NUMPY\x01\x00")
        .unwrap_err()
        .to_string();
    assert_eq!(err.trim(), format!("rosetta: {expected}"));
    assert!(!err.contains("panicked"));
}

#[test]
fn pca_prints_ratios_and_coordinates() {
    let dir = temp_dir("pca");
    let path = dataset_npy(&dir, "clusters");
    let (code, out, _) = rosetta(&["pca", path.to_str().unwrap(), "--components", "5", "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let want = &fixture("pca.json")["clusters_full"]["explained_variance_ratio"];
    for (g, w) in v["explained_variance_ratio"]
        .as_array()
        .unwrap()
        .iter()
        .zip(want.as_array().unwrap())
    {
        assert!((g.as_f64().unwrap() - w.as_f64().unwrap()).abs() < 1e-6 * w.as_f64().unwrap());
    }
    assert_eq!(v["coords"].as_array().unwrap().len(), 300);
    assert_eq!(v["coords"][0].as_array().unwrap().len(), 2);
}

#[test]
fn project_prints_the_contract_and_is_seeded() {
    let dir = temp_dir("project");
    let path = dataset_npy(&dir, "clusters");
    let file = path.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["project", file, "--json"];
        args.extend_from_slice(extra);
        let (code, out, err) = rosetta(&args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    let umap = run(&["--method", "umap", "--epochs", "50"]);
    assert_eq!(umap["method"], "umap");
    assert_eq!(umap["n"], 300);
    let params = &umap["params"];
    assert_eq!(params["n_neighbors"], 15);
    assert_eq!(params["min_dist"], 0.1);
    assert_eq!(params["metric"], "cosine");
    assert_eq!(params["n_epochs"], 50);
    assert_eq!(params["seed"], 0);
    let coords = umap["coords"].as_array().unwrap();
    assert_eq!(coords.len(), 300);
    assert_eq!(coords[0].as_array().unwrap().len(), 2);
    let t = umap["quality"]["trustworthiness10"].as_f64().unwrap();
    assert!(t > 0.9 && t <= 1.0, "{t}");
    assert!(umap["quality"]["knn_preservation10"].as_f64().unwrap() > 0.0);
    assert_eq!(run(&["--method", "umap", "--epochs", "50"]), umap);
    let other_seed = run(&["--method", "umap", "--epochs", "50", "--seed", "1"]);
    assert_ne!(other_seed["coords"], umap["coords"]);
    let euclid = run(&[
        "--method",
        "umap",
        "--epochs",
        "50",
        "--metric",
        "euclidean",
    ]);
    assert_eq!(euclid["params"]["metric"], "euclidean");
    let pca = run(&["--method", "pca"]);
    assert_eq!(pca["method"], "pca");
    assert_eq!(pca["coords"].as_array().unwrap().len(), 300);
    // Bad parameters: exit 2, the parameter and its limit named.
    let (code, _, err) = rosetta(&["project", file, "--method", "umap", "--neighbors", "300"]);
    assert_eq!(code, 2);
    assert!(err.contains("clusters.npy: UMAP"), "{err}");
    assert!(
        err.contains("below the number of items (300); got 300"),
        "{err}"
    );
    let (code, _, err) = rosetta(&["project", file, "--method", "umap", "--epochs", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("epochs must be at least 1"), "{err}");
    let (code, _, err) = rosetta(&["project", file, "--method", "umap", "--min-dist", "3"]);
    assert_eq!(code, 2);
    assert!(err.contains("min-dist"), "{err}");
    // t-SNE: openTSNE's defaults, shortened here.
    let tsne = run(&[
        "--method",
        "tsne",
        "--perplexity",
        "10",
        "--iterations",
        "100",
    ]);
    assert_eq!(tsne["method"], "tsne");
    assert_eq!(tsne["params"]["perplexity"], 10.0);
    assert_eq!(tsne["params"]["early_iterations"], 250);
    assert_eq!(tsne["params"]["iterations"], 100);
    assert_eq!(tsne["coords"].as_array().unwrap().len(), 300);
    let t = tsne["quality"]["trustworthiness10"].as_f64().unwrap();
    assert!(t > 0.9 && t <= 1.0, "{t}");
    let (code, _, err) = rosetta(&["project", file, "--method", "tsne", "--perplexity", "100"]);
    assert_eq!(code, 2);
    assert!(err.contains("clusters.npy: t-SNE"), "{err}");
    assert!(
        err.contains("below a third of the items (100.00); got 100"),
        "{err}"
    );
}

#[test]
fn compare_prints_every_documented_key_with_oracle_values() {
    let dir = temp_dir("compare");
    let pairs = fixture("pairs.json");
    let f = &pairs["same_dims"];
    let x = dataset_npy(&dir, "clusters");
    let y = dataset_npy(&dir, "clusters_rotated");
    let anchors: Vec<String> = f["anchors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect();
    let anchor_file = dir.join("anchors.txt");
    std::fs::write(&anchor_file, anchors.join("\n")).unwrap();
    let labels = fixture("datasets.json")["clusters"]["labels"].clone();
    let meta = dir.join("meta.tsv");
    let mut text = String::from("id\tlabel\n");
    for (i, l) in labels.as_array().unwrap().iter().enumerate() {
        text.push_str(&format!("item{i}\t{}\n", l.as_str().unwrap()));
    }
    std::fs::write(&meta, text).unwrap();
    let (code, out, err) = rosetta(&[
        "compare",
        x.to_str().unwrap(),
        y.to_str().unwrap(),
        "--anchors-file",
        anchor_file.to_str().unwrap(),
        "--k",
        "5",
        "--meta",
        meta.to_str().unwrap(),
        "--label",
        "label",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    for key in [
        "n",
        "dims",
        "cka_linear",
        "cka_debiased",
        "mutual_knn",
        "jaccard_abs",
    ] {
        assert!(!v[key].is_null(), "missing {key}");
    }
    for key in ["anchors", "centered", "jaccard", "mean_cosine"] {
        assert!(!v["relative"][key].is_null(), "missing relative.{key}");
    }
    for dir in ["x_to_y", "y_to_x"] {
        for m in ["mrr", "top1", "top5"] {
            assert!(v["relative"][dir][m].is_number(), "relative.{dir}.{m}");
        }
    }
    for key in ["residual", "residual_optscale", "top1", "mrr"] {
        assert!(v["procrustes"][key].is_number(), "procrustes.{key}");
    }
    for key in ["residual", "top1", "mrr"] {
        assert!(
            v["procrustes"]["heldout"][key].is_number(),
            "procrustes.heldout.{key}"
        );
    }
    for key in ["a_to_b", "a_to_a", "b_to_b"] {
        assert!(v["stitching"][key].is_number(), "stitching.{key}");
    }
    assert_eq!(v["n"], 300);
    assert_eq!(v["dims"], serde_json::json!([16, 16]));
    assert_eq!(v["relative"]["anchors"], 20);
    assert_eq!(v["relative"]["centered"], false);
    let close = |key: &str, got: &Value, want: &Value| {
        let (g, w) = (got.as_f64().unwrap(), want.as_f64().unwrap());
        assert!(
            (g - w).abs() <= 1e-6 * w.abs().max(1e-3),
            "{key}: {g} vs {w}"
        );
    };
    close("cka_linear", &v["cka_linear"], &f["cka_linear"]);
    close("cka_debiased", &v["cka_debiased"], &f["cka_debiased"]);
    close("mutual_knn", &v["mutual_knn"], &f["mutual_knn"]);
    close("jaccard_abs", &v["jaccard_abs"], &f["jaccard_abs"]);
    close(
        "relative.jaccard",
        &v["relative"]["jaccard"],
        &f["relative"]["jaccard"],
    );
    close(
        "relative.mean_cosine",
        &v["relative"]["mean_cosine"],
        &f["relative"]["mean_cosine"],
    );
    close(
        "relative.x_to_y.mrr",
        &v["relative"]["x_to_y"]["mrr"],
        &f["relative"]["x_to_y"]["mrr"],
    );
    close(
        "relative.y_to_x.top5",
        &v["relative"]["y_to_x"]["top5"],
        &f["relative"]["y_to_x"]["top5"],
    );
    close(
        "procrustes.residual",
        &v["procrustes"]["residual"],
        &f["procrustes"]["residual"],
    );

    // --center changes only the relative block.
    let (_, out2, _) = rosetta(&[
        "compare",
        x.to_str().unwrap(),
        y.to_str().unwrap(),
        "--anchors-file",
        anchor_file.to_str().unwrap(),
        "--k",
        "5",
        "--center",
        "--json",
    ]);
    let c: Value = serde_json::from_str(&out2).unwrap();
    assert_eq!(c["relative"]["centered"], true);
    assert_eq!(c["cka_linear"], v["cka_linear"]);
    assert_eq!(c["mutual_knn"], v["mutual_knn"]);
    close(
        "centred mean cosine",
        &c["relative"]["mean_cosine"],
        &f["relative_centered"]["mean_cosine"],
    );
}

#[test]
fn compare_reports_bad_anchor_files_and_mismatched_spaces() {
    let dir = temp_dir("compare-bad");
    let x = dataset_npy(&dir, "clusters");
    let w = dataset_npy(&dir, "wide");
    let anchors = dir.join("anchors.txt");
    let (xs, ws, anchor_file) = (
        x.to_str().unwrap(),
        w.to_str().unwrap(),
        anchors.to_str().unwrap(),
    );
    // `rosetta compare` of X with itself and `extra`: it must exit 2 with `words` in its message.
    let fails = |extra: &[&str], words: &[&str]| {
        let (code, _, err) = rosetta(&[&["compare", xs, xs], extra].concat());
        assert_eq!(code, 2, "{extra:?}");
        assert!(words.iter().all(|w| err.contains(w)), "{extra:?}: {err}");
    };
    std::fs::write(&anchors, "0\n1\nthree\n").unwrap();
    fails(&["--anchors-file", anchor_file], &["line 3", "three"]);
    std::fs::write(&anchors, "0\n999\n").unwrap();
    fails(&["--anchors-file", anchor_file], &["999", "out of range"]);
    fails(&["--strategy", "per-class"], &["label"]);
    let (code, _, err) = rosetta(&["compare", xs, ws]);
    assert_eq!(code, 2);
    assert!(err.contains("300") && err.contains("40"), "{err}");
}

#[test]
fn info_reads_every_format() {
    let dir = repo().join("tests/formats");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_file() && !p.ends_with("expected.json") && p.extension().is_some_and(|e| e != "py")
        })
        .collect();
    files.sort();
    files.push(dir.join("projector/projector_config.json"));
    assert!(files.len() >= 18);
    for f in files {
        let (code, out, err) = rosetta(&["info", f.to_str().unwrap(), "--json"]);
        assert_eq!(code, 0, "{}: {err}", f.display());
        let v: Value = serde_json::from_str(&out).unwrap();
        for space in v.as_array().unwrap() {
            assert_eq!(space["n"], 60, "{}", f.display());
            if space["dtype"] != "metadata" {
                assert_eq!(space["dim"], 8, "{}", f.display());
            }
        }
    }
}

#[test]
fn bad_inputs_exit_2_with_the_catalogue_message() {
    let cat: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/bad-inputs/catalogue.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for e in cat["entries"].as_array().unwrap() {
        let files: Vec<String> = e["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                repo()
                    .join("tests/bad-inputs/files")
                    .join(f.as_str().unwrap())
                    .display()
                    .to_string()
            })
            .collect();
        // Multi-file entries fail in the grouping of a drop, which `info` does not do.
        if e["kind"] != "error" || files.len() != 1 {
            continue;
        }
        let (code, out, err) = rosetta(&["info", &files[0], "--json"]);
        assert_eq!(code, 2, "{}: {out}", e["name"]);
        assert!(!err.contains("panicked"), "{err}");
        for s in e["expect"].as_array().unwrap() {
            assert!(
                err.contains(s.as_str().unwrap()),
                "{}: {err} lacks {s}",
                e["name"]
            );
        }
        checked += 1;
    }
    assert!(checked >= 25, "{checked}");
}
