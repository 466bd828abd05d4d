use std::sync::Arc;

use leptos::prelude::*;
use web_sys::{KeyboardEvent, PointerEvent, WheelEvent};

use crate::components::gestures::{self, Gestures, Key, Move, Release};
use crate::components::tooltip::Tooltip;
use crate::render::overlay::{Overlay, OverlayCanvas};
use crate::render::pick::PointGrid;
use crate::render::{flags, Scatter, Viewport};
use crate::state::actions::Actions;
use crate::state::colors::NEUTRAL;
use crate::state::selection::{combine, point_flags, Marks, Tool};
use crate::state::{AppState, ProjectionData, ProjectionState};

/// How close (CSS px) the pointer must be to a point to hover it.
const HOVER_RADIUS_PX: f64 = 8.0;

/// What the renderers need kept between events (not reactive: pointer moves must not re-render).
#[derive(Default)]
struct Live {
    canvas: Option<web_sys::HtmlCanvasElement>,
    scatter: Option<Scatter>,
    overlay: Option<OverlayCanvas>,
    viewport: Option<Viewport>,
    grid: PointGrid,
    points: Option<Arc<ProjectionData>>,
    rgba: Vec<[u8; 4]>,
    flags: Vec<u8>,
    gestures: Gestures,
    hover: Option<u32>,
    /// The item hovered in another pane.
    linked: Option<u32>,
    focus: Option<u32>,
    /// Displacement lines (aligned mode), data units.
    lines: Vec<[f32; 4]>,
    /// The space the viewport was fitted to: recolouring keeps the view, a new space refits it.
    fitted_for: Option<u32>,
}

impl Live {
    fn draw(&mut self) {
        let Some(vp) = self.viewport else {
            return;
        };
        if let Some(s) = &mut self.scatter {
            s.draw(&vp);
        }
        self.draw_overlay();
        // For end-to-end tests and scripts: where data space sits on screen (CSS px).
        if let Some(c) = &self.canvas {
            let _ = c.set_attribute(
                "data-viewport",
                &format!(
                    "{} {} {} {} {}",
                    vp.center_x, vp.center_y, vp.scale, vp.width_css, vp.height_css
                ),
            );
        }
    }

    fn draw_overlay(&self) {
        let (Some(vp), Some(o)) = (self.viewport, &self.overlay) else {
            return;
        };
        let at = |i: u32| {
            let p = self.points.as_ref()?;
            Some((*p.xs.get(i as usize)?, *p.ys.get(i as usize)?))
        };
        let (lasso, rubber_box) = self.gestures.overlay();
        o.draw(
            &vp,
            &Overlay {
                hover: self.hover.or(self.linked).and_then(at),
                focus: self.focus.and_then(at),
                lasso,
                rubber_box,
                lines: &self.lines,
            },
        );
    }

    fn visible(&self, i: usize) -> bool {
        self.flags.get(i).is_none_or(|f| f & flags::HIDDEN == 0)
    }
}

/// What a parent can ask of a drawn scatter (the main panel's buttons).
#[derive(Default)]
pub struct CanvasHandle {
    /// A PNG data URL of the plot as shown, at 2× resolution.
    pub png: Option<Box<dyn Fn() -> Result<String, String>>>,
    pub reset: Option<Box<dyn Fn()>>,
}

/// One interactive scatter of a projection: drag to pan (or draw a box or lasso), wheel, pinch or
/// double-click to zoom, click a point for its neighbours, hover for its metadata. Hover, selection,
/// focus and hidden categories are shared through the app state, so every pane shows them.
#[component]
pub fn ScatterCanvas(
    projection: Signal<ProjectionState>,
    /// `data-testid` of the canvas: `scatter` for the main plot, `pane-scatter` for the others.
    testid: &'static str,
    force_canvas2d: bool,
    /// The main pane's coordinates: when given, lines join each selected item's place there to
    /// its place here (aligned mode).
    #[prop(optional)]
    reference: Option<Signal<Option<Arc<ProjectionData>>>>,
    #[prop(optional)] handle: Option<StoredValue<CanvasHandle, LocalStorage>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    let canvas_ref = NodeRef::<leptos::html::Canvas>::new();
    let overlay_ref = NodeRef::<leptos::html::Canvas>::new();
    let live = StoredValue::new_local(Live::default());
    let drawn = RwSignal::new(0usize);
    let renderer = RwSignal::new("");
    let context = RwSignal::new("ok");
    let tooltip_at = RwSignal::new(None::<(f64, f64)>);

    // Size both canvases' backing stores to their CSS box × devicePixelRatio.
    let fit_canvas = move || -> Option<(f64, f64, f64)> {
        let canvas = canvas_ref.get_untracked()?;
        let dpr = window().device_pixel_ratio().max(1.0);
        let (w, h) = (
            f64::from(canvas.client_width()),
            f64::from(canvas.client_height()),
        );
        for c in [Some(canvas), overlay_ref.get_untracked()]
            .into_iter()
            .flatten()
        {
            c.set_width((w * dpr).round() as u32);
            c.set_height((h * dpr).round() as u32);
        }
        Some((w, h, dpr))
    };

    let create_renderers = move || -> Result<(), String> {
        let canvas = canvas_ref.get_untracked().ok_or("no canvas")?;
        let s = Scatter::new(&canvas, force_canvas2d)?;
        renderer.set(s.backend().name());
        let overlay = overlay_ref
            .get_untracked()
            .map(|c| OverlayCanvas::new(&c))
            .transpose()?;
        live.update_value(|l| {
            l.scatter = Some(s);
            l.overlay = overlay;
            l.canvas = Some(canvas.clone());
        });
        Ok(())
    };

    // Upload points and colours (and the flags, which a new upload resets).
    let upload = move || {
        live.update_value(|l| {
            let (Some(p), Some(s)) = (l.points.clone(), l.scatter.as_mut()) else {
                return;
            };
            s.set_points(&p.xs, &p.ys, &l.rgba);
            s.set_flags(&l.flags);
        });
    };

    // Points and colours: when the projection or the colouring changes.
    Effect::new(move |_| {
        let projection = projection.get();
        let coloring = state.coloring.get();
        if canvas_ref.get().is_none() {
            return;
        }
        if live.with_value(|l| l.scatter.is_none()) {
            if let Err(e) = create_renderers() {
                state.alert(crate::state::AlertLevel::Error, format!("cannot draw: {e}"));
                return;
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
                live.update_value(|l| {
                    if l.fitted_for != Some(p.space) || l.viewport.is_none() {
                        l.viewport = Some(Viewport::fit(&p.xs, &p.ys, w, h, dpr));
                        l.fitted_for = Some(p.space);
                        l.grid = PointGrid::new(&p.xs, &p.ys);
                        l.hover = None;
                    } else if let Some(v) = &mut l.viewport {
                        v.resize(w, h, dpr);
                    }
                    l.rgba = rgba;
                    l.points = Some(p.clone());
                });
                upload();
                live.update_value(Live::draw);
                drawn.set(n);
            }
            ProjectionState::Busy(_) | ProjectionState::Empty => {
                live.update_value(|l| {
                    if let Some(s) = &mut l.scatter {
                        s.set_points(&[], &[], &[]);
                    }
                    *l = Live {
                        canvas: l.canvas.take(),
                        scatter: l.scatter.take(),
                        overlay: l.overlay.take(),
                        ..Live::default()
                    };
                });
                drawn.set(0);
                live.update_value(Live::draw);
            }
        }
    });

    // Flags: legend toggles, selection, focus and its neighbours, hover in another pane.
    Effect::new(move |_| {
        let n = match projection.get() {
            ProjectionState::Ready(p) => p.xs.len(),
            _ => 0,
        };
        let coloring = state.coloring.get();
        let hidden = state.hidden_categories.get();
        let selection = state.selection.get();
        let focus = state.focus.get();
        let anchors = state.anchors.get();
        let lines = reference
            .and_then(|r| r.get())
            .zip(match projection.get() {
                ProjectionState::Ready(p) => Some(p),
                _ => None,
            })
            .map(|(a, b)| displacement_lines(&a, &b, &selection, focus.as_ref().map(|f| f.item)))
            .unwrap_or_default();
        let f = point_flags(&Marks {
            n,
            category_of: &coloring.category_of,
            hidden: Some(&hidden),
            selection: &selection,
            focus: focus.as_ref(),
            linked_hover: None,
            anchors: &anchors,
        });
        live.update_value(|l| {
            if let Some(s) = &mut l.scatter {
                s.set_flags(&f);
            }
            l.flags = f;
            l.focus = focus.as_ref().map(|f| f.item);
            l.lines = lines;
            l.draw();
            // For end-to-end tests: how many points this pane marks, how many lines it draws.
            if let Some(c) = &l.canvas {
                let marked = l.flags.iter().filter(|&&f| f & flags::MARKED != 0).count();
                let _ = c.set_attribute("data-marked", &marked.to_string());
                let _ = c.set_attribute("data-lines", &l.lines.len().to_string());
                let anchored = l.flags.iter().filter(|&&f| f & flags::ANCHOR != 0).count();
                let _ = c.set_attribute("data-anchors", &anchored.to_string());
            }
        });
    });

    // An item hovered in another pane gets a ring here too (overlay only: no upload).
    Effect::new(move |_| {
        let hovered = state.hovered.get();
        let own = match projection.get_untracked() {
            ProjectionState::Ready(p) => Some(p.space),
            _ => None,
        };
        let linked = hovered
            .filter(|&(_, space)| Some(space) != own)
            .map(|(i, _)| i);
        live.update_value(|l| {
            if l.linked != linked {
                l.linked = linked;
                l.draw_overlay();
                if let Some(c) = &l.canvas {
                    let text = linked.map(|i| i.to_string()).unwrap_or_default();
                    let _ = c.set_attribute("data-linked", &text);
                }
            }
        });
    });

    let _resize = window_event_listener(leptos::ev::resize, move |_| {
        if let Some((w, h, dpr)) = fit_canvas() {
            live.update_value(|l| {
                if let Some(v) = &mut l.viewport {
                    v.resize(w, h, dpr);
                }
                l.draw();
            });
        }
    });

    let data_state = move || match projection.get() {
        ProjectionState::Busy(_) => "busy",
        ProjectionState::Ready(_) if drawn.get() > 0 && context.get() == "ok" => "ready",
        ProjectionState::Ready(_) => "busy",
        ProjectionState::Empty => "empty",
    };

    let space_id = move || match projection.get_untracked() {
        ProjectionState::Ready(p) => Some(p.space),
        _ => None,
    };

    let zoom_at = move |factor: f64, px: f64, py: f64| {
        live.update_value(|l| {
            if let Some(v) = &mut l.viewport {
                v.zoom_at(factor, px, py);
            }
            l.draw();
        });
    };
    let reset = move || {
        live.update_value(|l| {
            if let (Some(p), Some(v)) = (&l.points, l.viewport) {
                l.viewport = Some(Viewport::fit(
                    &p.xs,
                    &p.ys,
                    v.width_css,
                    v.height_css,
                    v.dpr,
                ));
            }
            l.draw();
        });
    };

    // Hover: the nearest visible point within a few pixels; the tooltip follows it.
    let hover_at = move |px: f64, py: f64| {
        let found = live.with_value(|l| {
            let vp = l.viewport?;
            let (x, y) = vp.to_data(px, py);
            l.grid
                .nearest(x, y, HOVER_RADIUS_PX / vp.scale, |i| l.visible(i))
                .map(|i| i as u32)
        });
        let changed = live.with_value(|l| l.hover != found);
        if changed {
            live.update_value(|l| {
                l.hover = found;
                l.draw_overlay();
            });
            match (found, space_id()) {
                (Some(i), Some(space)) => state.hovered.set(Some((i, space))),
                _ => state.hovered.set(None),
            }
        }
        tooltip_at.set(found.map(|_| (px, py)));
    };

    let on_wheel = move |ev: WheelEvent| {
        ev.prevent_default();
        let factor = (-ev.delta_y() * 0.0015).exp();
        zoom_at(factor, f64::from(ev.offset_x()), f64::from(ev.offset_y()));
    };
    let on_down = move |ev: PointerEvent| {
        let at = (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
        if let Some(c) = canvas_ref.get_untracked() {
            let _ = c.set_pointer_capture(ev.pointer_id());
            let _ = c.focus();
        }
        let tool = state.tool.get_untracked();
        live.update_value(|l| l.gestures.down(ev.pointer_id(), at, tool));
    };
    let on_move = move |ev: PointerEvent| {
        let at = (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
        let held = ev.buttons() != 0;
        let step = live
            .try_update_value(|l| l.gestures.moved(ev.pointer_id(), at, held))
            .unwrap_or(Move::Nothing);
        if let Move::Hover((x, y)) = step {
            return hover_at(x, y);
        }
        tooltip_at.set(None);
        live.update_value(|l| {
            if let Some(v) = &mut l.viewport {
                match step {
                    Move::Pan(dx, dy) => v.pan(dx, dy),
                    Move::Zoom { factor, at } => v.zoom_at(factor, at.0, at.1),
                    _ => {}
                }
            }
            l.draw();
        });
    };
    // A click focuses the nearest item (or clears the focus); a box or lasso selects.
    let on_up = move |ev: PointerEvent| {
        let at = (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
        let release = live
            .try_update_value(|l| l.gestures.up(ev.pointer_id(), at))
            .unwrap_or(Release::Nothing);
        let picked = live.with_value(|l| {
            let vp = l.viewport?;
            let visible = |i: usize| l.visible(i);
            let near = |(x, y): (f64, f64)| vp.to_data(x, y);
            match &release {
                Release::Click(p) => {
                    let (dx, dy) = near(*p);
                    let hit = l.grid.nearest(dx, dy, HOVER_RADIUS_PX / vp.scale, visible);
                    Some(Err(hit))
                }
                Release::Box(a, b) => Some(Ok(l.grid.in_box(near(*a), near(*b), visible))),
                Release::Lasso(path) => {
                    let poly: Vec<(f64, f64)> = path.iter().map(|&p| near(p)).collect();
                    Some(Ok(l.grid.in_polygon(&poly, visible)))
                }
                Release::Nothing => None,
            }
        });
        match picked {
            Some(Err(hit)) => match (hit, space_id()) {
                (Some(i), Some(space)) => actions.focus(space, i as u32),
                _ => state.focus.set(None),
            },
            Some(Ok(items)) => {
                let current = state.selection.get_untracked();
                let add = ev.shift_key();
                state.selection.set(Arc::new(combine(&current, items, add)));
            }
            None => {}
        }
        live.with_value(Live::draw_overlay);
    };
    let on_leave = move |_: PointerEvent| {
        tooltip_at.set(None);
        state.hovered.set(None);
        live.update_value(|l| {
            l.hover = None;
            l.draw_overlay();
        });
    };
    let on_key = move |ev: KeyboardEvent| {
        let Some(key) = gestures::key(&ev.key()) else {
            return;
        };
        ev.prevent_default();
        let (w, h) = live.with_value(|l| {
            l.viewport
                .map_or((0.0, 0.0), |v| (v.width_css, v.height_css))
        });
        match key {
            Key::Pan(dx, dy) => live.update_value(|l| {
                if let Some(v) = &mut l.viewport {
                    v.pan(dx, dy);
                }
                l.draw();
            }),
            Key::Zoom(factor) => zoom_at(factor, w / 2.0, h / 2.0),
            Key::Reset => reset(),
            Key::ClearSelection => {
                state.selection.set(Arc::new(Vec::new()));
                state.focus.set(None);
            }
            Key::Tool(tool) => state.tool.set(tool),
        }
    };

    // webglcontextlost: keep the page alive and say so; webglcontextrestored: rebuild and re-upload.
    let on_context_lost = move |ev: web_sys::Event| {
        ev.prevent_default();
        context.set("lost");
    };
    let on_context_restored = move |_: web_sys::Event| {
        live.update_value(|l| l.scatter = None);
        if create_renderers().is_ok() {
            upload();
            live.update_value(Live::draw);
            context.set("ok");
        }
    };

    if let Some(h) = handle {
        h.set_value(CanvasHandle {
            png: Some(Box::new(move || {
                live.with_value(|l| {
                    let (Some(vp), Some(p)) = (l.viewport, &l.points) else {
                        return Err("nothing drawn yet".to_owned());
                    };
                    crate::web::download::scatter_png(&vp, 2.0, &p.xs, &p.ys, &l.rgba, &l.flags)
                })
            })),
            reset: Some(Box::new(reset)),
        });
    }
    let cursor = move || match state.tool.get() {
        Tool::Pan => "grab",
        Tool::Box | Tool::Lasso => "crosshair",
    };

    view! {
        <div class="plot-stack">
            <canvas
                class="scatter"
                node_ref=canvas_ref
                tabindex="0"
                aria-label="Scatter plot: arrows pan, + and - zoom, 0 resets, Escape clears the selection"
                style:cursor=cursor
                data-testid=testid
                data-points=move || drawn.get().to_string()
                data-state=data_state
                data-renderer=move || renderer.get()
                data-context=move || context.get()
                on:wheel=on_wheel
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=on_up
                on:pointerleave=on_leave
                on:keydown=on_key
                on:webglcontextlost=on_context_lost
                on:webglcontextrestored=on_context_restored
                on:dblclick=move |ev| {
                    let factor = if ev.shift_key() { 0.5 } else { 2.0 };
                    zoom_at(factor, f64::from(ev.offset_x()), f64::from(ev.offset_y()));
                }
            ></canvas>
            <canvas class="scatter-overlay" node_ref=overlay_ref aria-hidden="true"></canvas>
            <Tooltip at=tooltip_at />
        </div>
    }
}

/// Segments from each selected (or focused) item's place in `a` to its place in `b`, at most
/// 5,000 of them so a huge selection stays drawable.
pub fn displacement_lines(
    a: &ProjectionData,
    b: &ProjectionData,
    selection: &[u32],
    focus: Option<u32>,
) -> Vec<[f32; 4]> {
    selection
        .iter()
        .copied()
        .chain(focus)
        .take(5_000)
        .filter_map(|i| {
            let i = i as usize;
            Some([*a.xs.get(i)?, *a.ys.get(i)?, *b.xs.get(i)?, *b.ys.get(i)?])
        })
        .collect()
}
