//! What the page shows, as signals: collections, selection, alerts, progress and the projection.
//! Provided once by `App`; components read it with `expect_context::<AppState>()`.

pub mod actions;
pub mod colors;

use std::sync::Arc;

use leptos::prelude::*;

use crate::worker::protocol::{CollectionId, CollectionInfo, SpaceId, SpaceInfo};

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
    pub explained_variance_ratio: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum ProjectionState {
    #[default]
    Empty,
    Busy(SpaceId),
    Ready(Arc<ProjectionData>),
}

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
    /// Metadata column that colours the points (None: one colour).
    pub color_by: RwSignal<Option<String>>,
    next_alert: StoredValue<u32>,
}

impl AppState {
    pub fn new() -> Self {
        Self {
            collections: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            alerts: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            projection: RwSignal::new(ProjectionState::Empty),
            color_by: RwSignal::new(None),
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
