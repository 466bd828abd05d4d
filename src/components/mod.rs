//! One component per file. Components read state with `expect_context` and act through `Actions`.

pub mod alerts;
pub mod bench_panel;
pub mod drop_zone;
pub mod file_picker;
pub mod legend;
pub mod progress_bar;
pub mod scatter_view;
pub mod space_list;
