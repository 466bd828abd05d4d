//! The maps' actions: a space's map by the chosen method (a UMAP or t-SNE drawn as it
//! converges, with its progress and a Cancel button), the panes' maps, and the scores of the map on screen.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use rosetta_engine::protocol::{MapMethod, Reply, Request, SpaceId};

use super::Actions;
use crate::client::{Answer, WorkerClient};
use crate::state::{
    AlertLevel, AppState, MapScore, Progress, ProjectionData, ProjectionState, Selection,
};

impl Actions {
    /// Choose how maps are made: the main plot and the panes are drawn again.
    pub fn set_map_method(&self, method: MapMethod) {
        let state = self.state;
        if state.map_method.get_untracked() == method {
            return;
        }
        state.map_method.set(method);
        state.pane_projections.set(HashMap::new());
        if let Some(selection) = state.selected.get_untracked() {
            self.select(selection);
        }
    }

    /// Compute a pane's map once: its own, or (with a reference) in the reference's frame.
    pub fn pane_projection(&self, key: (SpaceId, Option<SpaceId>)) {
        let state = self.state;
        if state
            .pane_projections
            .with_untracked(|m| m.contains_key(&key))
        {
            return;
        }
        let (space, reference) = key;
        state
            .pane_projections
            .update(|m| _ = m.insert(key, ProjectionState::Busy(space)));
        let client = self.client.clone();
        let method = state.map_method.get_untracked();
        spawn_local(async move {
            let request = match reference {
                Some(reference) => Request::ProjectAligned {
                    space,
                    reference,
                    method,
                },
                None => Request::Project { space, method },
            };
            let answer = client.request(&request, None, |_, _, _| {}).await;
            let result = match projection_from(answer, method) {
                Ok(p) => ProjectionState::Ready(p),
                Err(message) => {
                    state.alert(AlertLevel::Error, message);
                    ProjectionState::Empty
                }
            };
            if state.map_method.get_untracked() == method {
                state.pane_projections.update(|m| _ = m.insert(key, result));
            }
        });
    }

    /// Select a space and draw its map by the chosen method.
    pub fn select(&self, selection: Selection) {
        let state = self.state;
        if state.selected.get_untracked().map(|s| s.collection) != Some(selection.collection) {
            state.clear_marks();
            state.hidden_categories.set(Default::default());
            state.panes.set(Vec::new());
        }
        state.selected.set(Some(selection));
        let method = state.map_method.get_untracked();
        if let ProjectionState::Ready(p) = state.projection.get_untracked() {
            if p.space == selection.space && p.method == method && p.converging.is_none() {
                return;
            }
        }
        // A map still being made for the main plot is no longer wanted.
        if let Some(id) = state.map_request.get_value() {
            self.client.cancel(id);
            state.map_request.set_value(None);
            state.progress.set(None);
        }
        state.projection.set(ProjectionState::Busy(selection.space));
        let wanted = move || {
            state.selected.get_untracked().map(|s| s.space) == Some(selection.space)
                && state.map_method.get_untracked() == method
        };
        let id_cell = Rc::new(Cell::new(None));
        let id_seen = id_cell.clone();
        let request = Request::Project {
            space: selection.space,
            method,
        };
        let started = self
            .client
            .start_with_updates(&request, None, move |reply, coords| match reply {
                Reply::Progress { phase, done, total } if method != MapMethod::Pca => {
                    state.progress.set(Some(Progress {
                        phase: phase.clone(),
                        done: *done,
                        total: *total,
                        request: id_seen.get(),
                    }))
                }
                Reply::Layout {
                    space,
                    epoch,
                    epochs,
                } if wanted() => {
                    if let Some(c) = coords {
                        let p = map_data(*space, &c, Vec::new(), method, Some((*epoch, *epochs)));
                        state.projection.set(ProjectionState::Ready(p));
                    }
                }
                _ => {}
            });
        let (id, reply) = match started {
            Ok(s) => s,
            Err(e) => return state.alert(AlertLevel::Error, e),
        };
        id_cell.set(Some(id));
        if method != MapMethod::Pca {
            state.map_request.set_value(Some(id));
        }
        let this = self.clone();
        spawn_local(async move {
            let answer = reply
                .await
                .map_err(|_| "the worker stopped before answering".to_owned());
            if state.map_request.get_value() == Some(id) {
                state.map_request.set_value(None);
                state.progress.set(None);
            }
            this.show_map(answer, selection.space, method, wanted())
                .await;
        });
    }

    /// The main map's final answer: drawn and scored, or why not.
    async fn show_map(
        &self,
        answer: Result<Answer, String>,
        space: SpaceId,
        method: MapMethod,
        wanted: bool,
    ) {
        let state = self.state;
        if matches!(
            answer,
            Ok(Answer {
                reply: Reply::Cancelled,
                ..
            })
        ) {
            if wanted {
                let text = format!("{} cancelled: the map is PCA again.", method.title());
                state.alert(AlertLevel::Warning, text);
                self.set_map_method(MapMethod::Pca);
            }
            return;
        }
        match projection_from(answer, method) {
            Ok(p) if wanted => {
                state.projection.set(ProjectionState::Ready(p));
                score_map(state, &self.client, space, method).await;
            }
            Ok(_) => {}
            Err(message) => {
                state.alert(AlertLevel::Error, message);
                // A UMAP or t-SNE that cannot run (a parameter out of range) leaves the PCA map.
                if wanted && method != MapMethod::Pca {
                    self.set_map_method(MapMethod::Pca);
                } else if wanted {
                    state.projection.set(ProjectionState::Empty);
                }
            }
        }
    }
}

/// Ask for the quality scores of the map just drawn. A failure (a space too small to score) is
/// shown in place of the scores, not as an alert.
async fn score_map(state: AppState, client: &WorkerClient, space: SpaceId, method: MapMethod) {
    let answer = client
        .request(&Request::MapQuality { space, method }, None, |_, _, _| {})
        .await;
    let score = match answer.map(|a| a.reply) {
        Ok(Reply::MapQuality {
            trustworthiness,
            knn_preservation,
            items,
            ..
        }) => Ok(MapScore {
            trustworthiness,
            knn_preservation,
            items,
        }),
        Ok(Reply::Failed { message }) | Err(message) => Err(message),
        Ok(other) => Err(format!("unexpected reply {other:?}")),
    };
    state.map_score.set(Some((space, method, score)));
}

/// Coordinates (n × 2, interleaved) ready to draw.
fn map_data(
    space: SpaceId,
    coords: &[f32],
    explained_variance_ratio: Vec<f64>,
    method: MapMethod,
    converging: Option<(usize, usize)>,
) -> Arc<ProjectionData> {
    let (xs, ys) = coords.chunks_exact(2).map(|p| (p[0], p[1])).unzip();
    Arc::new(ProjectionData {
        space,
        xs,
        ys,
        explained_variance_ratio,
        method,
        converging,
    })
}

/// The coordinates of a `Project`/`ProjectAligned` answer, or the message to show.
fn projection_from(
    answer: Result<Answer, String>,
    method: MapMethod,
) -> Result<Arc<ProjectionData>, String> {
    match answer? {
        Answer {
            reply:
                Reply::Projection {
                    space,
                    explained_variance_ratio,
                    ..
                },
            coords: Some(coords),
        } => Ok(map_data(
            space,
            &coords,
            explained_variance_ratio,
            method,
            None,
        )),
        Answer {
            reply: Reply::Failed { message },
            ..
        } => Err(message),
        other => Err(format!("unexpected reply {:?}", other.reply)),
    }
}
