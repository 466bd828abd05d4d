use leptos::prelude::*;

use rosetta_core::projections::tsne::TsneParams;
use rosetta_core::projections::umap::UmapParams;
use rosetta_core::Metric;
use rosetta_engine::protocol::MapMethod;

use crate::state::actions::Actions;
use crate::state::AppState;

/// A number field bound to one parameter: `read` shows it, `write` takes the typed text (text
/// that is not a number is ignored; a number out of range gets the worker's message naming the
/// limit).
fn number_field(
    id: &'static str,
    label: &'static str,
    step: &'static str,
    read: impl Fn() -> String + Send + Sync + 'static,
    write: impl Fn(&str) + 'static,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input type="number" step=step data-testid=id
                prop:value=read
                on:change=move |ev| write(&event_target_value(&ev))
            />
        </label>
    }
}

/// A cosine/Euclidean select bound to one parameter.
fn metric_field(
    id: &'static str,
    read: impl Fn() -> Metric + Send + Sync + 'static,
    write: impl Fn(Metric) + 'static,
) -> impl IntoView {
    view! {
        <label>
            "metric "
            <select data-testid=id prop:value=move || read().name()
                on:change=move |ev| {
                    if let Some(m) = Metric::parse(&event_target_value(&ev)) {
                        write(m);
                    }
                }>
                <option value="cosine">"cosine"</option>
                <option value="euclidean">"Euclidean"</option>
            </select>
        </label>
    }
}

/// How the main map and the panes are made: PCA, UMAP or t-SNE with their parameters (seeded,
/// so the same parameters give the same map, here and in `rosetta project`).
#[component]
pub fn ProjectionPicker() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    // The parameters as edited; applied at once while their method is the chosen one.
    let umap = RwSignal::new(UmapParams::default());
    let tsne = RwSignal::new(TsneParams::default());
    let chosen = move || state.map_method.get().name();
    let set_umap = {
        let actions = actions.clone();
        Callback::new(move |p: UmapParams| {
            umap.set(p);
            if matches!(state.map_method.get_untracked(), MapMethod::Umap(_)) {
                actions.set_map_method(MapMethod::Umap(p));
            }
        })
    };
    let set_tsne = {
        let actions = actions.clone();
        Callback::new(move |p: TsneParams| {
            tsne.set(p);
            if matches!(state.map_method.get_untracked(), MapMethod::Tsne(_)) {
                actions.set_map_method(MapMethod::Tsne(p));
            }
        })
    };
    let on_method = move |ev| match event_target_value(&ev).as_str() {
        "umap" => actions.set_map_method(MapMethod::Umap(umap.get_untracked())),
        "tsne" => actions.set_map_method(MapMethod::Tsne(tsne.get_untracked())),
        _ => actions.set_map_method(MapMethod::Pca),
    };
    let edit_umap = move |f: fn(&mut UmapParams, &str) -> bool| {
        move |text: &str| {
            let mut p = umap.get_untracked();
            if f(&mut p, text) {
                set_umap.run(p);
            }
        }
    };
    let edit_tsne = move |f: fn(&mut TsneParams, &str) -> bool| {
        move |text: &str| {
            let mut p = tsne.get_untracked();
            if f(&mut p, text) {
                set_tsne.run(p);
            }
        }
    };
    view! {
        <div class="projection-picker">
            <label>
                "Map "
                <select data-testid="projection" on:change=on_method prop:value=chosen>
                    <option value="pca">"PCA"</option>
                    <option value="umap">"UMAP"</option>
                    <option value="tsne">"t-SNE"</option>
                </select>
            </label>
            <span class="map-params" class:hidden=move || chosen() != "umap">
                {number_field("umap-neighbors", "neighbours ", "1",
                    move || umap.get().n_neighbors.to_string(),
                    edit_umap(|p, v| v.parse().map(|n| p.n_neighbors = n).is_ok()))}
                {number_field("umap-min-dist", "min-dist ", "0.05",
                    move || umap.get().min_dist.to_string(),
                    edit_umap(|p, v| v.parse().map(|d| p.min_dist = d).is_ok()))}
                {metric_field("umap-metric", move || umap.get().metric,
                    move |metric| set_umap.run(UmapParams { metric, ..umap.get_untracked() }))}
                {number_field("umap-seed", "seed ", "1",
                    move || umap.get().seed.to_string(),
                    edit_umap(|p, v| v.parse().map(|s| p.seed = s).is_ok()))}
            </span>
            <span class="map-params" class:hidden=move || chosen() != "tsne">
                {number_field("tsne-perplexity", "perplexity ", "1",
                    move || tsne.get().perplexity.to_string(),
                    edit_tsne(|p, v| v.parse().map(|x| p.perplexity = x).is_ok()))}
                {metric_field("tsne-metric", move || tsne.get().metric,
                    move |metric| set_tsne.run(TsneParams { metric, ..tsne.get_untracked() }))}
                {number_field("tsne-seed", "seed ", "1",
                    move || tsne.get().seed.to_string(),
                    edit_tsne(|p, v| v.parse().map(|s| p.seed = s).is_ok()))}
            </span>
        </div>
    }
}
