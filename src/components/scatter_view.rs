use leptos::prelude::*;
use web_sys::{PointerEvent, WheelEvent};

use crate::components::legend::Legend;
use crate::render::{Scatter, Viewport};
use crate::state::colors::{categorical, Coloring, NEUTRAL};
use crate::state::{AppState, ProjectionState};

/// The selected space's PCA scatter: pan by dragging, zoom with the wheel, double-click to reset.
#[component]
pub fn ScatterView(force_canvas2d: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas_ref = NodeRef::<leptos::html::Canvas>::new();
    let scatter = StoredValue::new_local(None::<Scatter>);
    let viewport = StoredValue::new(None::<Viewport>);
    let drag = StoredValue::new(None::<(f64, f64)>);
    let drawn = RwSignal::new(0usize);
    // The space the viewport was fitted to: recolouring keeps the view, a new space refits it.
    let fitted_for = StoredValue::new(None::<u32>);
    let renderer = RwSignal::new("");

    let coloring = Memo::new(move |_| {
        let column = state.color_by.get();
        let collection = state.current_collection();
        match (column, collection) {
            (Some(name), Some(c)) => c
                .metadata
                .iter()
                .find(|m| m.name == name)
                .map(|m| categorical(&m.values))
                .unwrap_or_default(),
            _ => Coloring::default(),
        }
    });

    let redraw = move || {
        let Some(vp) = viewport.get_value() else {
            return;
        };
        scatter.update_value(|s| {
            if let Some(s) = s {
                s.draw(&vp);
            }
        });
    };

    // Size the canvas backing store to its CSS box × devicePixelRatio.
    let fit_canvas = move || -> Option<(f64, f64, f64)> {
        let canvas = canvas_ref.get_untracked()?;
        let dpr = window().device_pixel_ratio().max(1.0);
        let (w, h) = (
            f64::from(canvas.client_width()),
            f64::from(canvas.client_height()),
        );
        canvas.set_width((w * dpr).round() as u32);
        canvas.set_height((h * dpr).round() as u32);
        Some((w, h, dpr))
    };

    Effect::new(move |_| {
        let projection = state.projection.get();
        let coloring = coloring.get();
        let Some(canvas) = canvas_ref.get() else {
            return;
        };
        if scatter.with_value(Option::is_none) {
            match Scatter::new(&canvas, force_canvas2d) {
                Ok(s) => {
                    renderer.set(s.backend().name());
                    scatter.set_value(Some(s));
                }
                Err(e) => {
                    state.alert(crate::state::AlertLevel::Error, format!("cannot draw: {e}"));
                    return;
                }
            }
        }
        let Some((w, h, dpr)) = fit_canvas() else {
            return;
        };
        match projection {
            ProjectionState::Ready(p) => {
                let n = p.xs.len();
                let rgba: Vec<[u8; 4]> = if coloring.rgb.len() == n {
                    coloring
                        .rgb
                        .iter()
                        .map(|&[r, g, b]| [r, g, b, 255])
                        .collect()
                } else {
                    let [r, g, b] = NEUTRAL;
                    vec![[r, g, b, 255]; n]
                };
                scatter.update_value(|s| {
                    if let Some(s) = s {
                        s.set_points(&p.xs, &p.ys, &rgba);
                    }
                });
                if fitted_for.get_value() != Some(p.space) || viewport.get_value().is_none() {
                    viewport.set_value(Some(Viewport::fit(&p.xs, &p.ys, w, h, dpr)));
                    fitted_for.set_value(Some(p.space));
                }
                redraw();
                drawn.set(n);
            }
            ProjectionState::Busy(_) | ProjectionState::Empty => {
                scatter.update_value(|s| {
                    if let Some(s) = s {
                        s.set_points(&[], &[], &[]);
                    }
                });
                viewport.set_value(None);
                fitted_for.set_value(None);
                drawn.set(0);
                redraw();
            }
        }
    });

    let _resize = window_event_listener(leptos::ev::resize, move |_| {
        if let Some((w, h, dpr)) = fit_canvas() {
            viewport.update_value(|v| {
                if let Some(v) = v {
                    v.resize(w, h, dpr);
                }
            });
            redraw();
        }
    });

    let data_state = move || match state.projection.get() {
        ProjectionState::Busy(_) => "busy",
        ProjectionState::Ready(_) if drawn.get() > 0 => "ready",
        ProjectionState::Ready(_) => "busy",
        ProjectionState::Empty => "empty",
    };

    let on_wheel = move |ev: WheelEvent| {
        ev.prevent_default();
        let factor = (-ev.delta_y() * 0.0015).exp();
        viewport.update_value(|v| {
            if let Some(v) = v {
                v.zoom_at(factor, f64::from(ev.offset_x()), f64::from(ev.offset_y()));
            }
        });
        redraw();
    };
    let on_down = move |ev: PointerEvent| {
        drag.set_value(Some((f64::from(ev.client_x()), f64::from(ev.client_y()))));
    };
    let on_move = move |ev: PointerEvent| {
        let Some((x0, y0)) = drag.get_value() else {
            return;
        };
        if ev.buttons() == 0 {
            drag.set_value(None);
            return;
        }
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        viewport.update_value(|v| {
            if let Some(v) = v {
                v.pan(x - x0, y - y0);
            }
        });
        drag.set_value(Some((x, y)));
        redraw();
    };
    let on_up = move |_: PointerEvent| drag.set_value(None);
    let reset = move || {
        if let (ProjectionState::Ready(p), Some(v)) =
            (state.projection.get_untracked(), viewport.get_value())
        {
            viewport.set_value(Some(Viewport::fit(
                &p.xs,
                &p.ys,
                v.width_css,
                v.height_css,
                v.dpr,
            )));
            redraw();
        }
    };

    let title = move || {
        let space = state.selected_space()?;
        Some(format!("{} — PCA", space.name))
    };
    let variance = move || match state.projection.get() {
        ProjectionState::Ready(p) => {
            let r = &p.explained_variance_ratio;
            let pc = |i: usize| r.get(i).map_or(0.0, |v| v * 100.0);
            format!("PC1 {:.1}% · PC2 {:.1}% of the variance", pc(0), pc(1))
        }
        ProjectionState::Busy(_) => "computing PCA…".to_owned(),
        ProjectionState::Empty => "Select a space".to_owned(),
    };

    view! {
        <section class="plot-panel">
            <header class="plot-header">
                <h2>{title}</h2>
                <span class="muted" data-testid="variance">{variance}</span>
                <button class="button" title="Reset the view (double-click the plot)" on:click=move |_| reset()>
                    "Reset view"
                </button>
            </header>
            <div class="plot-body">
                <canvas
                    class="scatter"
                    node_ref=canvas_ref
                    data-testid="scatter"
                    data-points=move || drawn.get().to_string()
                    data-state=data_state
                    data-renderer=move || renderer.get()
                    on:wheel=on_wheel
                    on:pointerdown=on_down
                    on:pointermove=on_move
                    on:pointerup=on_up
                    on:dblclick=move |_| reset()
                ></canvas>
                <Legend coloring=coloring />
            </div>
        </section>
    }
}
