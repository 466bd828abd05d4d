use leptos::prelude::*;

use rosetta_core::projections::umap::UmapParams;
use rosetta_core::Metric;
use rosetta_engine::protocol::MapMethod;

use crate::state::actions::Actions;
use crate::state::AppState;

/// How the main map and the panes are made: PCA, or UMAP with its parameters (seeded, so the
/// same parameters give the same map, here and in `rosetta project`).
#[component]
pub fn ProjectionPicker() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    // UMAP's parameters as edited; applied at once while UMAP is the chosen method.
    let params = RwSignal::new(UmapParams::default());
    let umap = move || matches!(state.map_method.get(), MapMethod::Umap(_));
    let apply = {
        let actions = actions.clone();
        Callback::new(move |p: UmapParams| {
            params.set(p);
            if matches!(state.map_method.get_untracked(), MapMethod::Umap(_)) {
                actions.set_map_method(MapMethod::Umap(p));
            }
        })
    };
    let on_method = move |ev| match event_target_value(&ev).as_str() {
        "umap" => actions.set_map_method(MapMethod::Umap(params.get_untracked())),
        _ => actions.set_map_method(MapMethod::Pca),
    };
    // A number field that updates one parameter (text that is not a number is ignored; a number
    // out of range gets the worker's message naming the limit).
    let number = move |id: &'static str,
                       label: &'static str,
                       step: &'static str,
                       get: fn(&UmapParams) -> String,
                       set: fn(&mut UmapParams, &str) -> bool| {
        view! {
            <label>
                {label}
                <input type="number" step=step data-testid=id
                    prop:value=move || get(&params.get())
                    on:change=move |ev| {
                        let mut p = params.get_untracked();
                        if set(&mut p, &event_target_value(&ev)) {
                            apply.run(p);
                        }
                    }
                />
            </label>
        }
    };
    let on_metric = {
        move |ev| {
            if let Some(metric) = Metric::parse(&event_target_value(&ev)) {
                apply.run(UmapParams {
                    metric,
                    ..params.get_untracked()
                });
            }
        }
    };
    view! {
        <div class="projection-picker">
            <label>
                "Map "
                <select data-testid="projection" on:change=on_method
                    prop:value=move || state.map_method.get().name()>
                    <option value="pca">"PCA"</option>
                    <option value="umap">"UMAP"</option>
                </select>
            </label>
            <span class="umap-params" class:hidden=move || !umap()>
                {number("umap-neighbors", "neighbours ", "1",
                    |p| p.n_neighbors.to_string(),
                    |p, v| v.parse().map(|n| p.n_neighbors = n).is_ok())}
                {number("umap-min-dist", "min-dist ", "0.05",
                    |p| p.min_dist.to_string(),
                    |p, v| v.parse().map(|d| p.min_dist = d).is_ok())}
                <label>
                    "metric "
                    <select data-testid="umap-metric" on:change=on_metric
                        prop:value=move || params.get().metric.name()>
                        <option value="cosine">"cosine"</option>
                        <option value="euclidean">"Euclidean"</option>
                    </select>
                </label>
                {number("umap-seed", "seed ", "1",
                    |p| p.seed.to_string(),
                    |p, v| v.parse().map(|s| p.seed = s).is_ok())}
            </span>
        </div>
    }
}
