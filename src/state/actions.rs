//! What the user can do, as methods that ask the worker and update the state with its answers
//! (the maps' in [`maps`]).

mod maps;

use js_sys::Array;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::colors::default_color_column;
use super::selection::Focus;
use super::{AlertLevel, AppState, Progress, Selection};
use crate::client::WorkerClient;
use rosetta_engine::protocol::{LoadOutcome, Reply, Request, SpaceId};

#[derive(Clone)]
pub struct Actions {
    state: AppState,
    client: WorkerClient,
}

impl Actions {
    pub fn new(state: AppState, client: WorkerClient) -> Self {
        Self { state, client }
    }

    /// Files from a drop or the file picker.
    pub fn load_files(&self, files: Array) {
        if files.length() == 0 {
            return;
        }
        let into = self.state.selected.get_untracked().map(|s| s.collection);
        let columns = self.state.columns.get_untracked();
        self.load(Request::LoadFiles { into, columns }, Some(files));
    }

    /// Files by URL (the demo, `?data=` links).
    pub fn load_urls(&self, urls: Vec<String>) {
        if urls.is_empty() {
            return;
        }
        let into = self.state.selected.get_untracked().map(|s| s.collection);
        let columns = self.state.columns.get_untracked();
        self.load(
            Request::LoadUrls {
                into,
                urls,
                columns,
            },
            None,
        );
    }

    fn load(&self, request: Request, files: Option<Array>) {
        let this = self.clone();
        let state = self.state;
        let id_cell = std::rc::Rc::new(std::cell::Cell::new(None));
        let id_seen = id_cell.clone();
        let started = self
            .client
            .start(&request, files, move |phase, done, total| {
                state.progress.set(Some(Progress {
                    phase: phase.to_owned(),
                    done,
                    total,
                    request: id_seen.get(),
                }));
            });
        let (id, reply) = match started {
            Ok(s) => s,
            Err(e) => return state.alert(AlertLevel::Error, e),
        };
        id_cell.set(Some(id));
        spawn_local(async move {
            let answer = reply
                .await
                .map_err(|_| "the worker stopped before answering".to_owned());
            state.progress.set(None);
            match answer.map(|a| a.reply) {
                Ok(Reply::Cancelled) => {
                    state.alert(AlertLevel::Warning, "Loading cancelled: nothing was added.")
                }
                Ok(Reply::Loaded(outcome)) => this.apply_load(outcome),
                Ok(Reply::Failed { message }) | Err(message) => {
                    state.alert(AlertLevel::Error, message)
                }
                Ok(other) => state.alert(AlertLevel::Error, format!("unexpected reply {other:?}")),
            }
        });
    }

    fn apply_load(&self, outcome: LoadOutcome) {
        let state = self.state;
        for e in outcome.errors {
            state.alert(AlertLevel::Error, e);
        }
        for w in outcome.warnings {
            state.alert(AlertLevel::Warning, w);
        }
        let Some(collection) = outcome.collection else {
            return;
        };
        let id = collection.id;
        let color = default_color_column(&collection.metadata);
        let keep_color = state
            .color_by
            .get_untracked()
            .is_some_and(|c| collection.metadata.iter().any(|m| m.name == c));
        state
            .collections
            .update(|cs| match cs.iter_mut().find(|c| c.id == id) {
                Some(existing) => *existing = collection,
                None => cs.push(collection),
            });
        if !keep_color {
            state.color_by.set(color);
            state.hidden_categories.set(Default::default());
        }
        if let Some(&space) = outcome.added.first() {
            self.select(Selection {
                collection: id,
                space,
            });
        } else if state.selected.get_untracked().map(|s| s.collection) == Some(id) {
            // Metadata arrived for the collection on screen: redraw with its colours.
            state.selected.update(|_| {});
        }
    }

    /// Stop the load under way.
    pub fn cancel(&self, request: u32) {
        self.client.cancel(request);
    }

    /// Focus an item of the space `space`: highlight it and ask for its nearest neighbours there.
    pub fn focus(&self, space: SpaceId, item: u32) {
        let state = self.state;
        let metric = state.neighbor_metric.get_untracked();
        let k = state.k_neighbors.get_untracked();
        state.focus.set(Some(Focus {
            item,
            space,
            metric,
            neighbors: Vec::new(),
        }));
        let client = self.client.clone();
        spawn_local(async move {
            let request = Request::Neighbors {
                space,
                item,
                k,
                metric,
            };
            match client
                .request(&request, None, |_, _, _| {})
                .await
                .map(|a| a.reply)
            {
                Ok(Reply::Neighbors {
                    item: got,
                    indices,
                    scores,
                }) => state.focus.update(|f| {
                    if let Some(f) = f.as_mut().filter(|f| f.item == got && f.space == space) {
                        f.neighbors = indices.into_iter().zip(scores).collect();
                    }
                }),
                Ok(Reply::Failed { message }) | Err(message) => {
                    state.alert(AlertLevel::Error, message)
                }
                Ok(other) => state.alert(AlertLevel::Error, format!("unexpected reply {other:?}")),
            }
        });
    }
}
