//! `rosetta compare A B`: the full comparison of two spaces, as JSON.

use std::path::PathBuf;

use clap::Args;
use rosetta_core::anchors::{check_indices, select_anchors, AnchorParams, AnchorStrategy};
use rosetta_core::screens::retrieval::RetrievalScores;
use rosetta_core::MatView;
use rosetta_engine::compare::{compare, CompareParams, CompareReport, OneThread};
use rosetta_io::group_files;
use serde_json::{json, Value};

use super::load;

#[derive(Args)]
pub struct CompareArgs {
    /// The first space (its first embedding matrix).
    a: PathBuf,
    /// The second space: the same items, in the same row order.
    b: PathBuf,
    /// Anchor rows: one 0-based row index per line, in the order of the relative coordinates.
    #[arg(long, conflicts_with_all = ["anchors", "strategy"])]
    anchors_file: Option<PathBuf>,
    /// Number of anchors to choose (default: the larger dimension, at most N).
    #[arg(long)]
    anchors: Option<usize>,
    /// How anchors are chosen: random, fps, kmeans or per-class (needs --meta and --label).
    #[arg(long, default_value = "random", value_parser = strategy)]
    strategy: AnchorStrategy,
    /// Neighbours per item for mutual-kNN and Jaccard.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Centre each space before the relative representation (absolute metrics are unaffected).
    #[arg(long)]
    center: bool,
    /// A metadata file (TSV with a header) for --label.
    #[arg(long)]
    meta: Option<PathBuf>,
    /// The label column: enables zero-shot stitching and per-class anchors.
    #[arg(long)]
    label: Option<String>,
    /// Seeds the anchors and the held-out split.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print JSON (the only output format).
    #[arg(long)]
    json: bool,
}

pub fn run(args: &CompareArgs) -> Result<String, String> {
    let mut files = vec![load(&args.a)?, load(&args.b)?];
    for (name, parsed) in &mut files {
        if parsed.spaces.is_empty() {
            return Err(format!("{name}: holds no embedding space"));
        }
        parsed.spaces.truncate(1);
        parsed.metadata = None;
    }
    if let Some(meta) = &args.meta {
        files.push(load(meta)?);
    }
    let group = group_files(files).map_err(|e| e.to_string())?;
    for w in &group.warnings {
        eprintln!("rosetta: warning: {w}");
    }
    let (sa, sb) = (&group.spaces[0].vectors, &group.spaces[1].vectors);
    let x = MatView::new(&sa.values, sa.rows, sa.cols).map_err(|e| e.to_string())?;
    let y = MatView::new(&sb.values, sb.rows, sb.cols).map_err(|e| e.to_string())?;
    let labels: Option<Vec<String>> = match &args.label {
        None => None,
        Some(col) => {
            let table = group
                .metadata
                .as_ref()
                .ok_or("--label needs --meta with that column")?;
            let column = table.column(col).ok_or_else(|| {
                format!(
                    "no column '{col}' in the metadata (columns: {})",
                    table.column_names().join(", ")
                )
            })?;
            Some(column.values.clone())
        }
    };
    let anchors = match &args.anchors_file {
        Some(path) => read_anchor_file(path, group.n)?,
        None => {
            let k = args.anchors.unwrap_or_else(|| x.d().max(y.d()));
            let params = AnchorParams {
                strategy: args.strategy,
                k,
                seed: args.seed,
            };
            select_anchors(x, params, labels.as_deref()).map_err(|e| e.to_string())?
        }
    };
    let params = CompareParams {
        k: args.k,
        center: args.center,
        seed: args.seed,
        ridge_alpha: 1.0,
    };
    let run = compare(&OneThread, (x, y), &anchors, params, labels.as_deref(), &());
    // One thread: every kernel is ready when polled.
    let report = rosetta_engine::ready(run)
        .ok_or("the comparison did not finish")?
        .map_err(|e| e.to_string())?;
    serde_json::to_string_pretty(&to_json(&report)).map_err(|e| e.to_string())
}

/// `--strategy`'s value.
fn strategy(name: &str) -> Result<AnchorStrategy, String> {
    AnchorStrategy::parse(name)
        .ok_or_else(|| format!("unknown strategy '{name}': use random, fps, kmeans or per-class"))
}

fn read_anchor_file(path: &std::path::Path, n: usize) -> Result<Vec<usize>, String> {
    let name = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{name}: could not be read: {e}"))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let row: usize = t
            .parse()
            .map_err(|_| format!("{name}: line {}: '{t}' is not a row index", i + 1))?;
        rows.push(row);
    }
    check_indices(&rows, n).map_err(|e| format!("{name}: {e}"))?;
    Ok(rows)
}

fn scores(s: &RetrievalScores) -> Value {
    json!({ "mrr": s.mrr, "top1": s.top1, "top5": s.top5 })
}

/// The documented output (README, "rosetta compare").
pub fn to_json(r: &CompareReport) -> Value {
    let mut out = json!({
        "n": r.n,
        "dims": r.dims,
        "k": r.k,
        "cka_linear": r.cka_linear,
        "cka_debiased": r.cka_debiased,
        "mutual_knn": r.mutual_knn,
        "jaccard_abs": r.jaccard_abs,
        "cka_rbf": r.cka_rbf,
        "rsa": r.rsa,
        "relative": {
            "anchors": r.relative.anchors,
            "centered": r.relative.centered,
            "jaccard": r.relative.jaccard,
            "mean_cosine": r.relative.mean_cosine,
            "x_to_y": scores(&r.relative.retrieval.x_to_y),
            "y_to_x": scores(&r.relative.retrieval.y_to_x),
        },
        "procrustes": {
            "residual": r.procrustes.residual,
            "residual_optscale": r.procrustes.residual_optscale,
            "top1": r.procrustes.top1,
            "mrr": r.procrustes.mrr,
        },
    });
    if let Some(h) = &r.procrustes.heldout {
        out["procrustes"]["heldout"] =
            json!({ "residual": h.residual, "top1": h.top1, "mrr": h.mrr });
    }
    if let Some(a) = &r.absolute_retrieval {
        out["absolute"] = json!({ "x_to_y": scores(&a.x_to_y), "y_to_x": scores(&a.y_to_x) });
    }
    if let Some(s) = &r.stitching {
        out["stitching"] = json!({
            "a_to_b": s.a_to_b,
            "a_to_a": s.a_to_a,
            "b_to_b": s.b_to_b,
            "b_to_a": s.b_to_a,
            "absolute_a_to_b": s.absolute_a_to_b,
            "train": s.train,
            "test": s.test,
            "classes": s.classes,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use rosetta_core::Rng;

    use super::*;

    /// The page's metric table names its rows by `CompareReport::metrics`: every name must be a
    /// key of this JSON holding the same value.
    #[test]
    fn every_metric_name_is_a_json_key_with_its_value() {
        let (n, d) = (60, 4);
        let mut r = Rng::new(2);
        let x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32).collect();
        let y: Vec<f32> = x.iter().map(|&v| v + 0.2 * r.normal() as f32).collect();
        let labels: Vec<String> = (0..n).map(|i| format!("c{}", i % 2)).collect();
        let (vx, vy) = (
            MatView::new(&x, n, d).unwrap(),
            MatView::new(&y, n, d).unwrap(),
        );
        let params = CompareParams::default();
        let run = compare(&OneThread, (vx, vy), &[0, 5, 9], params, Some(&labels), &());
        let rep = rosetta_engine::ready(run).unwrap().unwrap();
        let json = to_json(&rep);
        let metrics = rep.metrics();
        assert!(metrics.len() >= 30, "{}", metrics.len());
        for (name, value) in metrics {
            let pointer = format!("/{}", name.replace('.', "/"));
            assert_eq!(
                json.pointer(&pointer).and_then(Value::as_f64),
                Some(value),
                "{name}"
            );
        }
    }
}
