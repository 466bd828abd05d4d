//! One component per file. Components read state with `expect_context` and act through `Actions`.

pub mod alerts;
pub mod anchor_picker;
#[cfg(feature = "bench")]
pub mod bench_panel;
pub mod charts_panel;
pub mod column_chooser;
pub mod drop_zone;
pub mod file_picker;
pub mod gestures;
pub mod legend;
pub mod map_quality;
pub mod neighbor_list;
pub mod pair_report;
pub mod pane_view;
pub mod panes;
pub mod progress_bar;
pub mod projection_picker;
#[cfg(feature = "bench")]
pub mod scatter_bench;
pub mod scatter_canvas;
pub mod scatter_live;
pub mod scatter_plot;
pub mod scatter_toolbar;
pub mod scatter_view;
pub mod space_list;
pub mod tooltip;
