//! What the page shows, as signals: collections, selection, alerts, progress and the projection.
//! Provided once by `App`; components read it with `expect_context::<AppState>()`.

pub mod actions;
pub mod colors;
pub mod export;
pub mod selection;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use leptos::prelude::*;

use rosetta_engine::protocol::{
    CollectionId, CollectionInfo, ColumnOverride, MapMethod, SpaceId, SpaceInfo,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertLevel {
    Error,
    Warning,
}

/// A message for the user (shown as text in an element with `role=alert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub id: u32,
    pub level: AlertLevel,
    pub text: String,
}

/// Work under way in the worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub phase: String,
    pub done: f64,
    pub total: f64,
    /// The request to cancel, when it can be cancelled (loads).
    pub request: Option<u32>,
}

/// 2-D coordinates of one space, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionData {
    pub space: SpaceId,
    pub xs: Vec<f32>,
    pub ys: Vec<f32>,
    /// PCA's share of the variance per component (empty for other maps).
    pub explained_variance_ratio: Vec<f64>,
    pub method: MapMethod,
    /// While a layout converges: (epochs done, epochs in all).
    pub converging: Option<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum ProjectionState {
    #[default]
    Empty,
    Busy(SpaceId),
    Ready(Arc<ProjectionData>),
}

/// How far a space's map can be trusted, as the worker scored it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapScore {
    pub trustworthiness: f64,
    pub knn_preservation: f64,
    /// Items scored (a seeded sample when the space has more).
    pub items: usize,
}

/// A map's scores (or why there are none), with the space and method of the map.
pub type ScoredMap = (SpaceId, MapMethod, Result<MapScore, String>);

/// The selected space: its collection and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub collection: CollectionId,
    pub space: SpaceId,
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub collections: RwSignal<Vec<CollectionInfo>>,
    pub selected: RwSignal<Option<Selection>>,
    pub alerts: RwSignal<Vec<Alert>>,
    pub progress: RwSignal<Option<Progress>>,
    pub projection: RwSignal<ProjectionState>,
    /// The main map's quality scores once computed (after the map is drawn), or why there are
    /// none (e.g. too few items), for that space.
    pub map_score: RwSignal<Option<ScoredMap>>,
    /// How the maps are made (the projection select and its parameters).
    pub map_method: RwSignal<MapMethod>,
    /// The main map's request while it runs (superseded by a new choice: cancelled).
    pub map_request: StoredValue<Option<u32>>,
    /// Metadata column that colours the points (None: one colour).
    pub color_by: RwSignal<Option<String>>,
    /// The user's column choice for CSV/TSV tables, applied to the next load.
    pub columns: RwSignal<ColumnOverride>,
    /// Per-point colours of the collection on screen (from `color_by`).
    pub coloring: Memo<colors::Coloring>,
    /// Legend categories toggled off (indices into the coloring's legend).
    pub hidden_categories: RwSignal<HashSet<u16>>,
    /// Selected items (rows of the current collection), ascending.
    pub selection: RwSignal<Arc<Vec<u32>>>,
    /// The item under the pointer, and the space of the pane it is in.
    pub hovered: RwSignal<Option<(u32, SpaceId)>>,
    /// The clicked item and its neighbours.
    pub focus: RwSignal<Option<selection::Focus>>,
    pub tool: RwSignal<selection::Tool>,
    pub k_neighbors: RwSignal<usize>,
    pub neighbor_metric: RwSignal<rosetta_core::Metric>,
    /// Per-item metrics computed on request (name, one value per item), offered as colourings.
    pub extra_columns: RwSignal<Vec<(String, Arc<Vec<f64>>)>>,
    /// Anchor items (rows), drawn as large rimmed markers in every pane.
    pub anchors: RwSignal<Arc<Vec<u32>>>,
    /// Spaces shown in linked panes beside the main plot.
    pub panes: RwSignal<Vec<SpaceId>>,
    /// Draw panes in the main space's frame after Procrustes.
    pub aligned: RwSignal<bool>,
    /// Pane projections by (space, reference space when aligned), for the current map method
    /// (emptied when it changes).
    pub pane_projections: RwSignal<HashMap<(SpaceId, Option<SpaceId>), ProjectionState>>,
    next_alert: StoredValue<u32>,
}

impl AppState {
    pub fn new() -> Self {
        let collections = RwSignal::new(Vec::<CollectionInfo>::new());
        let selected = RwSignal::new(None::<Selection>);
        let color_by = RwSignal::new(None::<String>);
        let extra_columns = RwSignal::new(Vec::<(String, Arc<Vec<f64>>)>::new());
        let coloring = Memo::new(move |_| {
            let column = color_by.get()?;
            if let Some(values) = extra_columns.with(|cols| {
                cols.iter()
                    .find(|(name, _)| *name == column)
                    .map(|(_, v)| v.clone())
            }) {
                return Some(colors::continuous(&values));
            }
            let collection = selected.get()?.collection;
            collections.with(|cs| {
                let c = cs.iter().find(|c| c.id == collection)?;
                let m = c.metadata.iter().find(|m| m.name == column)?;
                Some(colors::column_coloring(&m.values))
            })
        });
        let coloring = Memo::new(move |_| coloring.get().unwrap_or_default());
        Self {
            collections,
            selected,
            alerts: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            projection: RwSignal::new(ProjectionState::Empty),
            map_score: RwSignal::new(None),
            map_method: RwSignal::new(MapMethod::Pca),
            map_request: StoredValue::new(None),
            color_by,
            columns: RwSignal::new(ColumnOverride::default()),
            coloring,
            hidden_categories: RwSignal::new(HashSet::new()),
            selection: RwSignal::new(Arc::new(Vec::new())),
            hovered: RwSignal::new(None),
            focus: RwSignal::new(None),
            tool: RwSignal::new(selection::Tool::Pan),
            k_neighbors: RwSignal::new(10),
            neighbor_metric: RwSignal::new(rosetta_core::Metric::Cosine),
            extra_columns,
            anchors: RwSignal::new(Arc::new(Vec::new())),
            panes: RwSignal::new(Vec::new()),
            aligned: RwSignal::new(false),
            pane_projections: RwSignal::new(HashMap::new()),
            next_alert: StoredValue::new(0),
        }
    }

    pub fn alert(&self, level: AlertLevel, text: impl Into<String>) {
        let id = self.next_alert.get_value() + 1;
        self.next_alert.set_value(id);
        let text = text.into();
        self.alerts.update(|a| a.push(Alert { id, level, text }));
    }

    pub fn dismiss(&self, id: u32) {
        self.alerts.update(|a| a.retain(|x| x.id != id));
    }

    /// The collection holding the selected space.
    pub fn current_collection(&self) -> Option<CollectionInfo> {
        let sel = self.selected.get()?;
        self.collections
            .with(|cs| cs.iter().find(|c| c.id == sel.collection).cloned())
    }

    /// Metadata of one item of the current collection, as (column, value) text pairs.
    pub fn item_metadata(&self, item: u32) -> Vec<(String, String)> {
        self.current_collection()
            .map(|c| {
                c.metadata
                    .iter()
                    .map(|m| {
                        let v = m.values.get(item as usize).cloned().unwrap_or_default();
                        (m.name.clone(), v)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A short label for an item: its label-like column, else `#index`.
    pub fn item_label(&self, item: u32) -> String {
        let column = self.color_by.get().or_else(|| {
            self.current_collection()
                .and_then(|c| colors::default_color_column(&c.metadata))
        });
        let value = column.and_then(|name| {
            self.current_collection()?
                .metadata
                .into_iter()
                .find(|m| m.name == name)?
                .values
                .get(item as usize)
                .cloned()
        });
        match value {
            Some(v) => format!("#{item} {v}"),
            None => format!("#{item}"),
        }
    }

    /// Forget selection, focus and hover (the items they name belong to another collection).
    pub fn clear_marks(&self) {
        self.extra_columns.set(Vec::new());
        self.anchors.set(Arc::new(Vec::new()));
        self.selection.set(Arc::new(Vec::new()));
        self.focus.set(None);
        self.hovered.set(None);
    }

    pub fn selected_space(&self) -> Option<SpaceInfo> {
        let sel = self.selected.get()?;
        self.collections.with(|cs| {
            cs.iter()
                .find(|c| c.id == sel.collection)
                .and_then(|c| c.spaces.iter().find(|s| s.id == sel.space).cloned())
        })
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}
