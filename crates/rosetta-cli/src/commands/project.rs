//! `rosetta project FILE --method pca|umap|tsne`: a 2-D map of the (first) space in a file, with its
//! quality scores, as JSON. The page draws the same coordinates for the same file, parameters
//! and seed.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use rosetta_core::projections::tsne::{tsne, TsneParams};
use rosetta_core::projections::umap::{umap, UmapParams};
use rosetta_core::{CoreError, MatView, Metric, PcaParams};
use serde::Serialize;

use super::{load_first, QualityOut};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    Pca,
    Umap,
    Tsne,
}

#[derive(Args)]
pub struct ProjectArgs {
    file: PathBuf,
    #[arg(long, value_enum, default_value = "pca")]
    method: Method,
    /// UMAP: neighbours per item, the item itself counted.
    #[arg(long, default_value_t = 15)]
    neighbors: usize,
    /// UMAP: how tightly points may pack.
    #[arg(long, default_value_t = 0.1)]
    min_dist: f64,
    /// t-SNE: the effective number of neighbours (below N / 3).
    #[arg(long, default_value_t = 30.0)]
    perplexity: f64,
    /// UMAP and t-SNE: the distance in the space (cosine or euclidean).
    #[arg(long, default_value = "cosine", value_parser = metric)]
    metric: Metric,
    /// UMAP: epochs (default: 500 up to 10,000 items, else 200).
    #[arg(long)]
    epochs: Option<usize>,
    /// t-SNE: iterations after the 250 of early exaggeration.
    #[arg(long, default_value_t = 500)]
    iterations: usize,
    /// Seeds UMAP's initial noise and negative samples, and t-SNE's initial jitter.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print JSON (the only output format).
    #[arg(long)]
    json: bool,
}

fn metric(name: &str) -> Result<Metric, String> {
    Metric::parse(name).ok_or_else(|| format!("unknown metric {name:?} (cosine or euclidean)"))
}

#[derive(Serialize)]
#[serde(untagged)]
enum Params {
    Pca {},
    Umap {
        n_neighbors: usize,
        min_dist: f64,
        spread: f64,
        metric: &'static str,
        n_epochs: usize,
        negative_sample_rate: usize,
        seed: u64,
    },
    Tsne {
        perplexity: f64,
        metric: &'static str,
        theta: f64,
        early_exaggeration: f64,
        early_iterations: usize,
        iterations: usize,
        seed: u64,
    },
}

#[derive(Serialize)]
struct ProjectOut<'a> {
    method: &'static str,
    n: usize,
    params: Params,
    coords: Vec<&'a [f32]>,
    quality: Option<QualityOut>,
}

pub fn run(args: &ProjectArgs) -> Result<String, String> {
    let (file, m) = load_first(&args.file)?;
    let view = m.view();
    let (method, params, coords) = match args.method {
        Method::Pca => ("pca", Params::Pca {}, pca_map(view)),
        Method::Umap => ("umap", umap_params(args, m.n), umap_map(view, args)),
        Method::Tsne => ("tsne", tsne_params(args), tsne_map(view, args)),
    };
    let what = match args.method {
        Method::Pca => "PCA",
        Method::Umap => "UMAP",
        Method::Tsne => "t-SNE",
    };
    let coords = coords.map_err(|e| format!("{file}: {what}: {e}"))?;
    let quality = MatView::new(&coords, m.n, 2)
        .ok()
        .and_then(|map| rosetta_engine::maps::score(view, map).ok())
        .map(QualityOut::from);
    let out = ProjectOut {
        method,
        n: m.n,
        params,
        coords: coords.chunks(2).collect(),
        quality,
    };
    serde_json::to_string(&out).map_err(|e| e.to_string())
}

/// The first two principal coordinates (a 1-D space's second is 0).
fn pca_map(view: MatView<'_>) -> Result<Vec<f32>, CoreError> {
    let fitted = PcaParams::new(2).fit(view)?;
    let coords = fitted.transform(view, 2)?;
    Ok(if fitted.n_components() < 2 {
        coords.iter().flat_map(|&x| [x, 0.0]).collect()
    } else {
        coords
    })
}

fn umap_of(args: &ProjectArgs) -> UmapParams {
    UmapParams {
        n_neighbors: args.neighbors,
        min_dist: args.min_dist,
        metric: args.metric,
        n_epochs: args.epochs,
        seed: args.seed,
        ..UmapParams::default()
    }
}

fn umap_map(view: MatView<'_>, args: &ProjectArgs) -> Result<Vec<f32>, CoreError> {
    umap(view, &umap_of(args))
}

/// UMAP's parameters as printed, with the epochs used for `n` items.
fn umap_params(args: &ProjectArgs, n: usize) -> Params {
    let p = umap_of(args);
    Params::Umap {
        n_neighbors: p.n_neighbors,
        min_dist: p.min_dist,
        spread: p.spread,
        metric: p.metric.name(),
        n_epochs: p.epochs(n),
        negative_sample_rate: p.negative_sample_rate,
        seed: p.seed,
    }
}

fn tsne_of(args: &ProjectArgs) -> TsneParams {
    TsneParams {
        perplexity: args.perplexity,
        metric: args.metric,
        iterations: args.iterations,
        seed: args.seed,
        ..TsneParams::default()
    }
}

fn tsne_map(view: MatView<'_>, args: &ProjectArgs) -> Result<Vec<f32>, CoreError> {
    tsne(view, &tsne_of(args))
}

fn tsne_params(args: &ProjectArgs) -> Params {
    let p = tsne_of(args);
    Params::Tsne {
        perplexity: p.perplexity,
        metric: p.metric.name(),
        theta: p.theta,
        early_exaggeration: p.early_exaggeration,
        early_iterations: p.early_iterations,
        iterations: p.iterations,
        seed: p.seed,
    }
}
