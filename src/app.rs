//! The top component: creates the state, the worker and the actions once, and lays out the page.

use leptos::prelude::*;

use crate::client::WorkerClient;
use crate::components::alerts::Alerts;
use crate::components::charts_panel::ChartsPanel;
use crate::components::column_chooser::ColumnChooser;
use crate::components::drop_zone::DropZone;
use crate::components::file_picker::FilePicker;
use crate::components::panes::Panes;
use crate::components::progress_bar::ProgressBar;
use crate::components::scatter_view::ScatterView;
use crate::components::space_list::SpaceList;
use crate::state::actions::Actions;
use crate::state::{AlertLevel, AppState};

/// The demo collection in `public/demo/` (see its `make_demo.py`).
pub const DEMO_FILES: [&str; 4] = [
    "demo/digits-mlp-relu-seed0.npy",
    "demo/digits-mlp-relu-seed1.npy",
    "demo/digits-mlp-tanh-64.npy",
    "demo/metadata.tsv",
];

/// Settings read from the page URL: `?data=url1,url2&meta=url` loads those files instead of the
/// demo; `?renderer=canvas2d` forces the fallback renderer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UrlParams {
    pub data: Vec<String>,
    pub force_canvas2d: bool,
    /// `?bench=pca,relative` runs those benchmark workloads instead of loading data.
    pub bench: Vec<String>,
    /// `?scale=0.1` shrinks the benchmark sizes.
    pub bench_scale: f64,
    /// `?workers=1` runs every kernel in the one worker; `?workers=N` splits heavy kernels among
    /// N workers (default: the machine's cores, at most 8, as memory allows; see `rosetta_engine::pool::width`).
    pub workers: Option<usize>,
}

impl UrlParams {
    /// Parse a query string (`?a=b&c=d`, already percent-decoded values by `decode`).
    pub fn parse(query: &str, decode: impl Fn(&str) -> String) -> Self {
        let mut out = Self {
            bench_scale: 1.0,
            ..Self::default()
        };
        let mut meta = Vec::new();
        for pair in query.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            let list = value
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
            match key {
                "data" => out.data.extend(list),
                "meta" => meta.extend(list),
                "renderer" => out.force_canvas2d = value == "canvas2d",
                "bench" => out.bench.extend(list),
                "scale" => out.bench_scale = value.parse().unwrap_or(1.0),
                "workers" => out.workers = value.parse().ok().filter(|&w| w > 0),
                _ => {}
            }
        }
        out.data.extend(meta);
        out
    }
}

fn url_params() -> UrlParams {
    let search = window().location().search().unwrap_or_default();
    UrlParams::parse(&search, |v| {
        js_sys::decode_uri_component(&v.replace('+', " "))
            .map(String::from)
            .unwrap_or_else(|_| v.to_owned())
    })
}

/// Resolve a URL against the page, so relative links in `?data=` mean what the user sees.
fn absolute(url: &str) -> String {
    let base = window().location().href().unwrap_or_default();
    web_sys::Url::new_with_base(url, &base)
        .map(|u| u.href())
        .unwrap_or_else(|_| url.to_owned())
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    let params = url_params();
    let script = match params.workers {
        Some(w) => format!("./worker.js?workers={w}"),
        None => "./worker.js".to_owned(),
    };
    match WorkerClient::spawn(&script) {
        Ok(client) => {
            provide_context(client.clone());
            let actions = Actions::new(state, client);
            provide_context(actions.clone());
            let urls: Vec<String> = if !params.bench.is_empty() {
                Vec::new()
            } else if params.data.is_empty() {
                DEMO_FILES.iter().map(|f| absolute(f)).collect()
            } else {
                params.data.iter().map(|f| absolute(f)).collect()
            };
            actions.load_urls(urls);
        }
        Err(e) => state.alert(
            AlertLevel::Error,
            format!("the background worker could not start: {e}"),
        ),
    }
    if use_context::<Actions>().is_none() {
        return view! { <Alerts /> }.into_any();
    }
    let bench = (!params.bench.is_empty()).then(|| bench_panel(&params));
    view! {
        <DropZone>
            <header class="top">
                <h1>"Rosetta"</h1>
                <p class="tagline muted">
                    "Compare embedding spaces in your browser. Your files never leave this machine."
                </p>
                <FilePicker />
            </header>
            <div class="layout">
                <aside class="sidebar">
                    <SpaceList />
                    <ColumnChooser />
                </aside>
                <main class="main">
                    <ProgressBar />
                    <Alerts />
                    {bench}
                    <ScatterView force_canvas2d=params.force_canvas2d />
                    <ChartsPanel />
                    <Panes force_canvas2d=params.force_canvas2d />
                </main>
            </div>
        </DropZone>
    }
    .into_any()
}

/// `?bench=`: the benchmarks of a bench build (`FEATURES=bench scripts/build.sh`).
#[cfg(feature = "bench")]
fn bench_panel(params: &UrlParams) -> AnyView {
    use crate::components::bench_panel::BenchPanel;
    view! { <BenchPanel workloads=params.bench.clone() scale=params.bench_scale /> }.into_any()
}

/// `?bench=` in a build without benchmarks: says so where the harness reads the results.
#[cfg(not(feature = "bench"))]
fn bench_panel(_: &UrlParams) -> AnyView {
    view! {
        <pre data-testid="bench-results" data-done="true">
            "{\"error\":\"this build has no benchmarks (build it with FEATURES=bench)\"}"
        </pre>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::UrlParams;

    #[test]
    fn data_and_meta_params() {
        let p = UrlParams::parse(
            "?data=a.npy,b.npy&meta=m.tsv&renderer=canvas2d",
            str::to_owned,
        );
        assert_eq!(p.data, vec!["a.npy", "b.npy", "m.tsv"]);
        assert!(p.force_canvas2d);
        let empty = UrlParams::parse("", str::to_owned);
        assert!(empty.data.is_empty() && empty.bench.is_empty() && empty.bench_scale == 1.0);
        let b = UrlParams::parse("?bench=pca,relative&scale=0.5", str::to_owned);
        assert_eq!(b.bench, vec!["pca", "relative"]);
        assert_eq!(b.bench_scale, 0.5);
        assert_eq!(b.workers, None);
        assert_eq!(
            UrlParams::parse("?workers=3", str::to_owned).workers,
            Some(3)
        );
        assert_eq!(UrlParams::parse("?workers=0", str::to_owned).workers, None);
    }
}
