//! What one scatter keeps between events (not reactive: pointer moves must not re-render): its
//! renderers, viewport, hover index, colours, flags and gestures, and how it draws and picks.

use std::sync::Arc;

use crate::components::gestures::{Gestures, Release};
use crate::render::overlay::{Overlay, OverlayCanvas};
use crate::render::pick::PointGrid;
use crate::render::{flags, Scatter, Viewport};
use crate::state::ProjectionData;

/// How close (CSS px) the pointer must be to a point to hover it.
pub const HOVER_RADIUS_PX: f64 = 8.0;

#[derive(Default)]
pub struct Live {
    pub canvas: Option<web_sys::HtmlCanvasElement>,
    pub scatter: Option<Scatter>,
    pub overlay: Option<OverlayCanvas>,
    pub viewport: Option<Viewport>,
    pub grid: PointGrid,
    pub points: Option<Arc<ProjectionData>>,
    pub rgba: Vec<[u8; 4]>,
    pub flags: Vec<u8>,
    pub gestures: Gestures,
    pub hover: Option<u32>,
    /// The item hovered in another pane.
    pub linked: Option<u32>,
    pub focus: Option<u32>,
    /// Displacement lines (aligned mode), data units.
    pub lines: Vec<[f32; 4]>,
    /// The map the viewport was fitted to (space, method, still converging): recolouring keeps
    /// the view, a new map refits it.
    pub fitted_for: Option<(u32, rosetta_engine::protocol::MapMethod, bool)>,
}

/// What a released gesture picks.
pub enum Pick {
    /// A click: the item under it, if any.
    Item(Option<u32>),
    /// A box or lasso: the visible items inside it.
    Items(Vec<u32>),
    Nothing,
}

impl Live {
    /// Everything but the renderers and the canvas, as after a new projection starts.
    pub fn cleared(&mut self) {
        if let Some(s) = &mut self.scatter {
            s.set_points(&[], &[], &[]);
        }
        *self = Live {
            canvas: self.canvas.take(),
            scatter: self.scatter.take(),
            overlay: self.overlay.take(),
            ..Live::default()
        };
    }

    /// Upload points and colours (and the flags, which a new upload resets).
    pub fn upload(&mut self) {
        let (Some(p), Some(s)) = (self.points.clone(), self.scatter.as_mut()) else {
            return;
        };
        s.set_points(&p.xs, &p.ys, &self.rgba);
        s.set_flags(&self.flags);
    }

    pub fn draw(&mut self) {
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

    pub fn draw_overlay(&self) {
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

    /// Set the flags and what they draw (focus, lines), and say on the canvas how many points
    /// are marked, how many lines drawn and how many anchors shown (for end-to-end tests).
    pub fn mark(&mut self, flags: Vec<u8>, focus: Option<u32>, lines: Vec<[f32; 4]>) {
        if let Some(s) = &mut self.scatter {
            s.set_flags(&flags);
        }
        self.flags = flags;
        self.focus = focus;
        self.lines = lines;
        self.draw();
        if let Some(c) = &self.canvas {
            let count = |bit: u8| self.flags.iter().filter(|&&f| f & bit != 0).count();
            let _ = c.set_attribute("data-marked", &count(flags::MARKED).to_string());
            let _ = c.set_attribute("data-lines", &self.lines.len().to_string());
            let _ = c.set_attribute("data-anchors", &count(flags::ANCHOR).to_string());
        }
    }

    fn visible(&self, i: usize) -> bool {
        self.flags.get(i).is_none_or(|f| f & flags::HIDDEN == 0)
    }

    /// The nearest visible item within [`HOVER_RADIUS_PX`] of a point on the canvas.
    pub fn item_at(&self, (px, py): (f64, f64)) -> Option<u32> {
        let vp = self.viewport?;
        let (x, y) = vp.to_data(px, py);
        let radius = HOVER_RADIUS_PX / vp.scale;
        let found = self.grid.nearest(x, y, radius, |i| self.visible(i));
        found.map(|i| i as u32)
    }

    /// What a released gesture picks.
    pub fn pick(&self, release: &Release) -> Pick {
        let Some(vp) = self.viewport else {
            return Pick::Nothing;
        };
        let visible = |i: usize| self.visible(i);
        let data = |(x, y): (f64, f64)| vp.to_data(x, y);
        match release {
            Release::Click(p) => Pick::Item(self.item_at(*p)),
            Release::Box(a, b) => Pick::Items(self.grid.in_box(data(*a), data(*b), visible)),
            Release::Lasso(path) => {
                let poly: Vec<(f64, f64)> = path.iter().map(|&p| data(p)).collect();
                Pick::Items(self.grid.in_polygon(&poly, visible))
            }
            Release::Nothing => Pick::Nothing,
        }
    }
}

/// What a parent can ask of a drawn scatter (the main panel's buttons).
#[derive(Default)]
pub struct CanvasHandle {
    /// A PNG data URL of the plot as shown, at 2× resolution.
    pub png: Option<Box<dyn Fn() -> Result<String, String>>>,
    pub reset: Option<Box<dyn Fn()>>,
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
