//! Messages between the page and the worker. Control data goes through serde; bulk arrays travel
//! beside it as transferable typed arrays (the app's `client.rs` and `worker/entry.rs`), never
//! through serde.

use rosetta_core::anchors::AnchorStrategy;
use rosetta_core::projections::tsne::TsneParams;
use rosetta_core::projections::umap::UmapParams;
use rosetta_core::Metric;
use serde::{Deserialize, Serialize};

pub type CollectionId = u32;
pub type SpaceId = u32;

/// One embedding matrix as the page sees it (the values stay in the worker).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpaceInfo {
    pub id: SpaceId,
    pub name: String,
    pub n: usize,
    pub d: usize,
    pub dtype: String,
}

/// A metadata column, shown as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaColumn {
    pub name: String,
    pub values: Vec<String>,
}

/// Spaces of the same items, with their metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionInfo {
    pub id: CollectionId,
    pub name: String,
    pub n: usize,
    pub spaces: Vec<SpaceInfo>,
    pub metadata: Vec<MetaColumn>,
}

/// The user's column choice for CSV/TSV tables with a header (empty: automatic).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ColumnOverride {
    pub id_column: Option<String>,
    pub vector_columns: Option<Vec<String>>,
}

impl ColumnOverride {
    pub fn to_choice(&self) -> rosetta_io::ColumnChoice {
        rosetta_io::ColumnChoice {
            id_column: self.id_column.clone(),
            vector_columns: self.vector_columns.clone(),
        }
    }
}

/// How a 2-D map of a space is made.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum MapMethod {
    /// Exact PCA: the first two principal coordinates.
    #[default]
    Pca,
    /// UMAP with these parameters (seeded: the same map for the same parameters).
    Umap(UmapParams),
    /// t-SNE with these parameters (seeded likewise).
    Tsne(TsneParams),
}

impl MapMethod {
    /// The name the page's select and the CLI's `--method` use.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pca => "pca",
            Self::Umap(_) => "umap",
            Self::Tsne(_) => "tsne",
        }
    }

    /// The name people read: PCA, UMAP, t-SNE.
    pub fn title(&self) -> &'static str {
        match self {
            Self::Pca => "PCA",
            Self::Umap(_) => "UMAP",
            Self::Tsne(_) => "t-SNE",
        }
    }
}

/// What the page asks of the worker. Files for `LoadFiles` ride beside the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Parse the attached files; join collection `into` when they describe the same items.
    LoadFiles {
        into: Option<CollectionId>,
        columns: ColumnOverride,
    },
    /// Fetch and parse URLs (same joining rule).
    LoadUrls {
        into: Option<CollectionId>,
        urls: Vec<String>,
        columns: ColumnOverride,
    },
    /// A 2-D map of a space; the coordinates ride beside the `Projection` reply (and beside
    /// each interim `Layout` while a UMAP or t-SNE converges). Kept per space and method.
    Project { space: SpaceId, method: MapMethod },
    /// Space `space` drawn in the frame of `reference`'s map: for PCA, in `reference`'s PCA
    /// frame after Procrustes of the vectors; for UMAP and t-SNE, started from `reference`'s
    /// layout and rotated onto it (2-D Procrustes). Coordinates beside the `Projection` reply.
    ProjectAligned {
        space: SpaceId,
        reference: SpaceId,
        method: MapMethod,
    },
    /// How far the map of `space` made by `method` can be trusted. Answers `MapQuality`.
    MapQuality { space: SpaceId, method: MapMethod },
    /// Choose anchor items in a space (seeded); `labels` for per-class. Answers `Rows`.
    Anchors {
        space: SpaceId,
        k: usize,
        strategy: AnchorStrategy,
        labels: Option<Vec<String>>,
    },
    /// Linear CKA between every pair of spaces of a collection.
    CkaMatrix { collection: CollectionId },
    /// Per-item kNN agreement (cosine, k) between two spaces of the same items.
    Agreement { a: SpaceId, b: SpaceId, k: usize },
    /// Relative retrieval a → b as the number of anchors grows.
    AnchorCurve { a: SpaceId, b: SpaceId },
    /// The k nearest neighbours of one item in a space's original vectors (exact).
    Neighbors {
        space: SpaceId,
        item: u32,
        k: usize,
        metric: Metric,
    },
    /// The full comparison of two spaces of the same items (every metric of `rosetta compare`),
    /// split among the pool. `anchors`: rows (empty: the CLI's default, max(dims) random, seed 0);
    /// `labels`: one per item, for the stitching probe. Answers `Metrics`.
    Compare {
        a: SpaceId,
        b: SpaceId,
        k: usize,
        anchors: Vec<u32>,
        center: bool,
        labels: Option<Vec<String>>,
    },
    /// Stop request `request` (a load) at its next slice; it answers `Cancelled`.
    Cancel { request: u32 },
    /// Run benchmark workloads (`rosetta_bench::WORKLOADS`) in the worker (a bundle built with
    /// the app's `bench` feature; others answer `Failed`).
    Bench { workloads: Vec<String>, scale: f64 },
}

/// The outcome of a load: the collection that was created or grew, and what went wrong.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LoadOutcome {
    pub collection: Option<CollectionInfo>,
    pub added: Vec<SpaceId>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// What the worker answers. `Progress` (and a `Compare`'s `Partial`) may come any number of times
/// before the final reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    Progress {
        phase: String,
        done: f64,
        total: f64,
    },
    Loaded(LoadOutcome),
    /// Coordinates (n × 2, interleaved f32) ride beside this reply.
    Projection {
        space: SpaceId,
        n: usize,
        explained_variance_ratio: Vec<f64>,
    },
    /// A layout while it converges (interim, before `Projection`): its coordinates (n × 2,
    /// interleaved f32) ride beside.
    Layout {
        space: SpaceId,
        /// Epochs (UMAP) or iterations (t-SNE) done, of `epochs`.
        epoch: usize,
        epochs: usize,
    },
    /// Trustworthiness@10 and kNN preservation@10 of a space's map, computed on `items` items.
    MapQuality {
        space: SpaceId,
        trustworthiness: f64,
        knn_preservation: f64,
        items: usize,
    },
    /// Best first; scores are cosine similarities or Euclidean distances.
    Neighbors {
        item: u32,
        indices: Vec<u32>,
        scores: Vec<f64>,
    },
    Matrix {
        names: Vec<String>,
        values: Vec<f64>,
    },
    Values {
        values: Vec<f64>,
    },
    /// Item indices (rows of a collection).
    Rows {
        rows: Vec<u32>,
    },
    /// A `Compare`'s metrics known so far (interim, any number of times before `Metrics`):
    /// named and ordered as there, the ones not computed yet left out.
    Partial {
        names: Vec<String>,
        values: Vec<f64>,
    },
    /// Named numbers, in order (`Compare`: the dotted keys of `rosetta compare --json`).
    Metrics {
        names: Vec<String>,
        values: Vec<f64>,
    },
    Curve {
        anchors: Vec<usize>,
        mrr: Vec<f64>,
        top1: Vec<f64>,
    },
    Failed {
        message: String,
    },
    /// One JSON line per timing.
    Bench {
        lines: Vec<String>,
    },
    /// The request was cancelled; nothing was added.
    Cancelled,
    /// Acknowledges a `Cancel`.
    Ack,
}
