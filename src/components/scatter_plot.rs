//! The behaviour of one scatter (`scatter_canvas.rs` is its view): drawing a projection with its
//! colours and flags, and answering the browser's events through the gesture machine
//! (`gestures.rs`) — pan, zoom, hover, focus, box and lasso selection, keys, a lost context.

use std::sync::Arc;

use leptos::html::Canvas;
use leptos::prelude::*;
use web_sys::{KeyboardEvent, PointerEvent, WheelEvent};

use crate::components::gestures::{self, Key, Move, Release};
use crate::components::scatter_live::{displacement_lines, CanvasHandle, Live, Pick};
use crate::render::overlay::OverlayCanvas;
use crate::render::pick::PointGrid;
use crate::render::{Scatter, Viewport};
use crate::state::actions::Actions;
use crate::state::colors::{Coloring, NEUTRAL};
use crate::state::selection::{combine, point_flags, Marks};
use crate::state::{AlertLevel, AppState, ProjectionData, ProjectionState};

/// One scatter's state and signals: cheap to copy into every handler.
#[derive(Clone, Copy)]
pub struct Plot {
    pub state: AppState,
    pub actions: StoredValue<Actions, LocalStorage>,
    pub projection: Signal<ProjectionState>,
    pub canvas: NodeRef<Canvas>,
    pub overlay: NodeRef<Canvas>,
    pub live: StoredValue<Live, LocalStorage>,
    /// Points drawn (0 while busy or empty).
    pub drawn: RwSignal<usize>,
    pub renderer: RwSignal<&'static str>,
    /// "ok", or "lost" while the WebGL context is lost.
    pub context: RwSignal<&'static str>,
    /// Where the tooltip shows (the hovered point), if anywhere.
    pub tooltip_at: RwSignal<Option<(f64, f64)>>,
    pub force_canvas2d: bool,
}

/// An event's position on the canvas, CSS pixels.
fn at(ev: &web_sys::MouseEvent) -> (f64, f64) {
    (f64::from(ev.offset_x()), f64::from(ev.offset_y()))
}

impl Plot {
    /// Size both canvases' backing stores to their CSS box × devicePixelRatio: (w, h, dpr).
    fn fit_canvas(self) -> Option<(f64, f64, f64)> {
        let canvas = self.canvas.get_untracked()?;
        let dpr = window().device_pixel_ratio().max(1.0);
        let w = f64::from(canvas.client_width());
        let h = f64::from(canvas.client_height());
        for c in [Some(canvas), self.overlay.get_untracked()]
            .into_iter()
            .flatten()
        {
            c.set_width((w * dpr).round() as u32);
            c.set_height((h * dpr).round() as u32);
        }
        Some((w, h, dpr))
    }

    fn create_renderers(self) -> Result<(), String> {
        let canvas = self.canvas.get_untracked().ok_or("no canvas")?;
        let s = Scatter::new(&canvas, self.force_canvas2d)?;
        self.renderer.set(s.backend().name());
        let overlay = self
            .overlay
            .get_untracked()
            .map(|c| OverlayCanvas::new(&c))
            .transpose()?;
        self.live.update_value(|l| {
            l.scatter = Some(s);
            l.overlay = overlay;
            l.canvas = Some(canvas.clone());
        });
        Ok(())
    }

    fn space(self) -> Option<u32> {
        match self.projection.get_untracked() {
            ProjectionState::Ready(p) => Some(p.space),
            _ => None,
        }
    }

    /// Draw `projection` in `coloring`'s colours (a new space refits the view; a new colouring
    /// keeps it), or clear the plot while it is busy or empty.
    pub fn show(self, projection: ProjectionState, coloring: &Coloring) {
        if self.live.with_value(|l| l.scatter.is_none()) {
            if let Err(e) = self.create_renderers() {
                self.state
                    .alert(AlertLevel::Error, format!("cannot draw: {e}"));
                return;
            }
        }
        let Some((w, h, dpr)) = self.fit_canvas() else {
            return;
        };
        let ProjectionState::Ready(p) = projection else {
            self.live.update_value(|l| {
                l.cleared();
                l.draw();
            });
            self.drawn.set(0);
            return;
        };
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
        self.live.update_value(|l| {
            // A new map refits the view; so does each frame of a converging layout (its
            // points move), and the first frame after it.
            let key = (p.space, p.method, p.converging.is_some());
            let moving = p.converging.is_some() || l.fitted_for.is_some_and(|k| k.2);
            if l.fitted_for.map(|k| (k.0, k.1)) != Some((key.0, key.1))
                || moving
                || l.viewport.is_none()
            {
                l.viewport = Some(Viewport::fit(&p.xs, &p.ys, w, h, dpr));
                l.fitted_for = Some(key);
                l.grid = PointGrid::new(&p.xs, &p.ys);
                l.hover = None;
            } else if let Some(v) = &mut l.viewport {
                v.resize(w, h, dpr);
            }
            l.rgba = rgba;
            l.points = Some(p.clone());
            l.upload();
            l.draw();
        });
        self.drawn.set(n);
    }

    /// The flags of every point (legend toggles, selection, focus, anchors) and, given the main
    /// pane's coordinates, the aligned mode's displacement lines.
    pub fn mark(self, reference: Option<Arc<ProjectionData>>) {
        let s = self.state;
        let own = match self.projection.get() {
            ProjectionState::Ready(p) => Some(p),
            _ => None,
        };
        let coloring = s.coloring.get();
        let hidden = s.hidden_categories.get();
        let selection = s.selection.get();
        let focus = s.focus.get();
        let anchors = s.anchors.get();
        let focused = focus.as_ref().map(|f| f.item);
        let lines = reference
            .zip(own.as_ref())
            .map(|(a, b)| displacement_lines(&a, b, &selection, focused))
            .unwrap_or_default();
        let flags = point_flags(&Marks {
            n: own.map_or(0, |p| p.xs.len()),
            category_of: &coloring.category_of,
            hidden: Some(&hidden),
            selection: &selection,
            focus: focus.as_ref(),
            linked_hover: None,
            anchors: &anchors,
        });
        self.live.update_value(|l| l.mark(flags, focused, lines));
    }

    /// An item hovered in another pane gets a ring here too (overlay only: no upload).
    pub fn link_hover(self, hovered: Option<(u32, u32)>) {
        let own = self.space();
        let linked = hovered
            .filter(|&(_, space)| Some(space) != own)
            .map(|(i, _)| i);
        self.live.update_value(|l| {
            if l.linked != linked {
                l.linked = linked;
                l.draw_overlay();
                if let Some(c) = &l.canvas {
                    let text = linked.map(|i| i.to_string()).unwrap_or_default();
                    let _ = c.set_attribute("data-linked", &text);
                }
            }
        });
    }

    /// The window was resized: the same view in the new box.
    pub fn resize(self) {
        if let Some((w, h, dpr)) = self.fit_canvas() {
            self.live.update_value(|l| {
                if let Some(v) = &mut l.viewport {
                    v.resize(w, h, dpr);
                }
                l.draw();
            });
        }
    }

    /// Change the view and redraw.
    fn view(self, change: impl FnOnce(&mut Viewport)) {
        self.live.update_value(|l| {
            if let Some(v) = &mut l.viewport {
                change(v);
            }
            l.draw();
        });
    }

    pub fn zoom_at(self, factor: f64, (px, py): (f64, f64)) {
        self.view(|v| v.zoom_at(factor, px, py));
    }

    /// Fit the view to the points again.
    pub fn reset(self) {
        self.live.update_value(|l| {
            if let (Some(p), Some(v)) = (&l.points, l.viewport) {
                let fitted = Viewport::fit(&p.xs, &p.ys, v.width_css, v.height_css, v.dpr);
                l.viewport = Some(fitted);
            }
            l.draw();
        });
    }

    /// Hover: the nearest visible point within a few pixels; the tooltip follows it.
    fn hover_at(self, px: (f64, f64)) {
        let found = self.live.with_value(|l| l.item_at(px));
        if self.live.with_value(|l| l.hover != found) {
            self.live.update_value(|l| {
                l.hover = found;
                l.draw_overlay();
            });
            let hovered = found.zip(self.space());
            self.state.hovered.set(hovered);
        }
        self.tooltip_at.set(found.map(|_| px));
    }

    pub fn wheel(self, ev: WheelEvent) {
        ev.prevent_default();
        self.zoom_at((-ev.delta_y() * 0.0015).exp(), at(&ev));
    }

    pub fn double_click(self, ev: web_sys::MouseEvent) {
        let factor = if ev.shift_key() { 0.5 } else { 2.0 };
        self.zoom_at(factor, at(&ev));
    }

    pub fn pointer_down(self, ev: PointerEvent) {
        if let Some(c) = self.canvas.get_untracked() {
            let _ = c.set_pointer_capture(ev.pointer_id());
            let _ = c.focus();
        }
        let tool = self.state.tool.get_untracked();
        let p = at(&ev);
        self.live
            .update_value(|l| l.gestures.down(ev.pointer_id(), p, tool));
    }

    pub fn pointer_move(self, ev: PointerEvent) {
        let (p, held) = (at(&ev), ev.buttons() != 0);
        let step = self
            .live
            .try_update_value(|l| l.gestures.moved(ev.pointer_id(), p, held))
            .unwrap_or(Move::Nothing);
        if let Move::Hover(p) = step {
            return self.hover_at(p);
        }
        self.tooltip_at.set(None);
        self.view(|v| match step {
            Move::Pan(dx, dy) => v.pan(dx, dy),
            Move::Zoom { factor, at } => v.zoom_at(factor, at.0, at.1),
            _ => {}
        });
    }

    /// A click focuses the nearest item (or clears the focus); a box or lasso selects, Shift
    /// adding to the selection.
    pub fn pointer_up(self, ev: PointerEvent) {
        let p = at(&ev);
        let release = self
            .live
            .try_update_value(|l| l.gestures.up(ev.pointer_id(), p))
            .unwrap_or(Release::Nothing);
        match self.live.with_value(|l| l.pick(&release)) {
            Pick::Item(hit) => match hit.zip(self.space()) {
                Some((i, space)) => self.actions.with_value(|a| a.focus(space, i)),
                None => self.state.focus.set(None),
            },
            Pick::Items(items) => {
                let current = self.state.selection.get_untracked();
                let chosen = combine(&current, items, ev.shift_key());
                self.state.selection.set(Arc::new(chosen));
            }
            Pick::Nothing => {}
        }
        self.live.with_value(Live::draw_overlay);
    }

    pub fn pointer_leave(self) {
        self.tooltip_at.set(None);
        self.state.hovered.set(None);
        self.live.update_value(|l| {
            l.hover = None;
            l.draw_overlay();
        });
    }

    pub fn key(self, ev: KeyboardEvent) {
        let Some(key) = gestures::key(&ev.key()) else {
            return;
        };
        ev.prevent_default();
        let centre = self.live.with_value(|l| {
            l.viewport
                .map_or((0.0, 0.0), |v| (v.width_css / 2.0, v.height_css / 2.0))
        });
        match key {
            Key::Pan(dx, dy) => self.view(|v| v.pan(dx, dy)),
            Key::Zoom(factor) => self.zoom_at(factor, centre),
            Key::Reset => self.reset(),
            Key::ClearSelection => {
                self.state.selection.set(Arc::new(Vec::new()));
                self.state.focus.set(None);
            }
            Key::Tool(tool) => self.state.tool.set(tool),
        }
    }

    /// webglcontextlost: keep the page alive and say so.
    pub fn context_lost(self, ev: web_sys::Event) {
        ev.prevent_default();
        self.context.set("lost");
    }

    /// webglcontextrestored: rebuild the renderers and upload again.
    pub fn context_restored(self) {
        self.live.update_value(|l| l.scatter = None);
        if self.create_renderers().is_ok() {
            self.live.update_value(|l| {
                l.upload();
                l.draw();
            });
            self.context.set("ok");
        }
    }

    /// What the main panel's buttons ask of this plot: its PNG, a reset of the view.
    pub fn handle(self) -> CanvasHandle {
        let live = self.live;
        CanvasHandle {
            png: Some(Box::new(move || {
                live.with_value(|l| {
                    let (Some(vp), Some(p)) = (l.viewport, &l.points) else {
                        return Err("nothing drawn yet".to_owned());
                    };
                    crate::web::download::scatter_png(&vp, 2.0, &p.xs, &p.ys, &l.rgba, &l.flags)
                })
            })),
            reset: Some(Box::new(move || self.reset())),
        }
    }

    /// `data-state`: busy, ready (drawn, context alive) or empty.
    pub fn data_state(self) -> &'static str {
        match self.projection.get() {
            ProjectionState::Busy(_) => "busy",
            // Drawn, but still converging.
            ProjectionState::Ready(p) if p.converging.is_some() => "busy",
            ProjectionState::Ready(_) if self.drawn.get() > 0 && self.context.get() == "ok" => {
                "ready"
            }
            ProjectionState::Ready(_) => "busy",
            ProjectionState::Empty => "empty",
        }
    }
}
