//! The scatter's pointer and key gestures as a pure state machine: events in, what the view must
//! do out (pan, zoom, hover, a click, a box or lasso to select). `scatter_canvas.rs` feeds it the
//! browser's events and applies what it returns to the viewport and the selection; the
//! transitions are tested natively.

use crate::state::selection::Tool;

/// Pixels a pointer may move between down and up and still count as a click.
pub const CLICK_SLOP_PX: f64 = 4.0;

/// A point on the canvas, CSS pixels.
pub type Px = (f64, f64);

/// A drag in progress.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Gesture {
    #[default]
    Idle,
    Pan {
        last: Px,
    },
    Box {
        start: Px,
        now: Px,
    },
    Lasso {
        path: Vec<Px>,
    },
    Pinch {
        distance: f64,
    },
}

/// What a pointer move asks of the view.
#[derive(Debug, Clone, PartialEq)]
pub enum Move {
    /// No button held: hover at this point.
    Hover(Px),
    /// Move the view by this many pixels.
    Pan(f64, f64),
    /// Zoom by `factor` about a point.
    Zoom {
        factor: f64,
        at: Px,
    },
    /// The box or lasso grew: redraw the overlay.
    Redraw,
    Nothing,
}

/// What releasing the pointer asks of the view.
#[derive(Debug, Clone, PartialEq)]
pub enum Release {
    /// A click at this point (pick the nearest item).
    Click(Px),
    /// Select what lies in the box between two corners.
    Box(Px, Px),
    /// Select what lies in the polygon.
    Lasso(Vec<Px>),
    Nothing,
}

/// The pointers down and the gesture they make.
#[derive(Debug, Clone, Default)]
pub struct Gestures {
    pub gesture: Gesture,
    /// (pointer id, x, y) of each pointer down.
    pointers: Vec<(i32, f64, f64)>,
    down_at: Option<Px>,
    /// The pointer went further than a click allows since it went down.
    dragged: bool,
}

impl Gestures {
    /// A pointer went down: a second one starts a pinch, else `tool`'s drag.
    pub fn down(&mut self, id: i32, at: Px, tool: Tool) {
        self.pointers.retain(|p| p.0 != id);
        self.pointers.push((id, at.0, at.1));
        self.down_at = Some(at);
        self.dragged = false;
        self.gesture = if let [a, b] = self.pointers[..] {
            Gesture::Pinch {
                distance: spread(a, b),
            }
        } else {
            match tool {
                Tool::Pan => Gesture::Pan { last: at },
                Tool::Box => Gesture::Box { start: at, now: at },
                Tool::Lasso => Gesture::Lasso { path: vec![at] },
            }
        };
    }

    /// A pointer moved; `held`: a button is down.
    pub fn moved(&mut self, id: i32, at: Px, held: bool) -> Move {
        if !held {
            self.gesture = Gesture::Idle;
            self.pointers.clear();
            return Move::Hover(at);
        }
        if let Some(p) = self.pointers.iter_mut().find(|p| p.0 == id) {
            (p.1, p.2) = at;
        }
        if let Some(d) = self.down_at {
            self.dragged |= (at.0 - d.0).hypot(at.1 - d.1) > CLICK_SLOP_PX;
        }
        let pair = match self.pointers[..] {
            [a, b] => Some((a, b)),
            _ => None,
        };
        match &mut self.gesture {
            Gesture::Pinch { distance } => match pair {
                Some((a, b)) => {
                    let d = spread(a, b);
                    let factor = d / *distance;
                    *distance = d;
                    let at = ((a.1 + b.1) / 2.0, (a.2 + b.2) / 2.0);
                    Move::Zoom { factor, at }
                }
                None => Move::Nothing,
            },
            Gesture::Pan { last } => {
                let by = (at.0 - last.0, at.1 - last.1);
                *last = at;
                Move::Pan(by.0, by.1)
            }
            Gesture::Box { now, .. } => {
                *now = at;
                Move::Redraw
            }
            Gesture::Lasso { path } => {
                path.push(at);
                Move::Redraw
            }
            Gesture::Idle => Move::Nothing,
        }
    }

    /// A pointer went up: a click if it stayed within [`CLICK_SLOP_PX`] of where it went down,
    /// else the box or lasso it drew.
    pub fn up(&mut self, id: i32, at: Px) -> Release {
        self.pointers.retain(|p| p.0 != id);
        let gesture = std::mem::take(&mut self.gesture);
        let down_at = self.down_at.take();
        let still = down_at.is_some_and(|d| (at.0 - d.0).hypot(at.1 - d.1) <= CLICK_SLOP_PX);
        if !self.dragged && still {
            return Release::Click(at);
        }
        match gesture {
            Gesture::Box { start, now } => Release::Box(start, now),
            Gesture::Lasso { path } => Release::Lasso(path),
            _ => Release::Nothing,
        }
    }

    /// What the overlay draws of the gesture: the lasso's path, the box's corners.
    pub fn overlay(&self) -> (&[Px], Option<(Px, Px)>) {
        match &self.gesture {
            Gesture::Lasso { path } => (path, None),
            Gesture::Box { start, now } => (&[], Some((*start, *now))),
            _ => (&[], None),
        }
    }
}

/// The distance between two pointers (at least 1 px, so a ratio of two is finite).
fn spread(a: (i32, f64, f64), b: (i32, f64, f64)) -> f64 {
    (a.1 - b.1).hypot(a.2 - b.2).max(1.0)
}

/// What a key asks of the scatter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Key {
    /// Move the view by this many pixels.
    Pan(f64, f64),
    /// Zoom by this factor about the centre.
    Zoom(f64),
    Reset,
    ClearSelection,
    Tool(Tool),
}

/// The scatter's keys: arrows pan, `+`/`-` zoom, `0` resets, `Escape` clears the selection,
/// `p`/`b`/`l` choose the tool.
pub fn key(name: &str) -> Option<Key> {
    Some(match name {
        "ArrowLeft" => Key::Pan(40.0, 0.0),
        "ArrowRight" => Key::Pan(-40.0, 0.0),
        "ArrowUp" => Key::Pan(0.0, 40.0),
        "ArrowDown" => Key::Pan(0.0, -40.0),
        "+" | "=" => Key::Zoom(1.25),
        "-" | "_" => Key::Zoom(0.8),
        "0" | "r" => Key::Reset,
        "Escape" => Key::ClearSelection,
        "p" => Key::Tool(Tool::Pan),
        "b" => Key::Tool(Tool::Box),
        "l" => Key::Tool(Tool::Lasso),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_press_is_a_click_whatever_the_tool() {
        for tool in [Tool::Pan, Tool::Box, Tool::Lasso] {
            let mut g = Gestures::default();
            g.down(1, (10.0, 10.0), tool);
            assert_eq!(
                g.moved(1, (12.0, 11.0), true),
                match tool {
                    Tool::Pan => Move::Pan(2.0, 1.0),
                    _ => Move::Redraw,
                }
            );
            assert_eq!(g.up(1, (12.0, 11.0)), Release::Click((12.0, 11.0)));
            assert_eq!(g.gesture, Gesture::Idle);
        }
    }

    #[test]
    fn a_drag_past_the_slop_is_no_click_even_if_it_comes_back() {
        let mut g = Gestures::default();
        g.down(1, (10.0, 10.0), Tool::Pan);
        assert_eq!(g.moved(1, (30.0, 10.0), true), Move::Pan(20.0, 0.0));
        assert_eq!(g.moved(1, (10.0, 10.0), true), Move::Pan(-20.0, 0.0));
        assert_eq!(g.up(1, (10.0, 10.0)), Release::Nothing);
    }

    #[test]
    fn box_and_lasso_select_what_they_drew() {
        let mut g = Gestures::default();
        g.down(1, (0.0, 0.0), Tool::Box);
        g.moved(1, (50.0, 20.0), true);
        assert_eq!(g.overlay(), (&[][..], Some(((0.0, 0.0), (50.0, 20.0)))));
        assert_eq!(
            g.up(1, (50.0, 20.0)),
            Release::Box((0.0, 0.0), (50.0, 20.0))
        );
        g.down(1, (0.0, 0.0), Tool::Lasso);
        for at in [(20.0, 0.0), (20.0, 20.0)] {
            assert_eq!(g.moved(1, at, true), Move::Redraw);
        }
        let path = vec![(0.0, 0.0), (20.0, 0.0), (20.0, 20.0)];
        assert_eq!(g.overlay().0, &path[..]);
        assert_eq!(g.up(1, (20.0, 20.0)), Release::Lasso(path));
        assert_eq!(g.overlay(), (&[][..], None));
    }

    #[test]
    fn two_pointers_pinch_about_their_midpoint() {
        let mut g = Gestures::default();
        g.down(1, (0.0, 0.0), Tool::Lasso);
        g.down(2, (100.0, 0.0), Tool::Lasso);
        assert_eq!(g.gesture, Gesture::Pinch { distance: 100.0 });
        let zoom = g.moved(2, (200.0, 0.0), true);
        assert_eq!(
            zoom,
            Move::Zoom {
                factor: 2.0,
                at: (100.0, 0.0)
            }
        );
        // The next move zooms from where the last one left off.
        let again = g.moved(1, (100.0, 0.0), true);
        assert_eq!(
            again,
            Move::Zoom {
                factor: 0.5,
                at: (150.0, 0.0)
            }
        );
        assert_eq!(g.up(2, (100.0, 0.0)), Release::Nothing);
    }

    #[test]
    fn a_move_without_a_button_hovers_and_ends_any_drag() {
        let mut g = Gestures::default();
        g.down(1, (0.0, 0.0), Tool::Box);
        assert_eq!(g.moved(1, (30.0, 5.0), false), Move::Hover((30.0, 5.0)));
        assert_eq!(g.gesture, Gesture::Idle);
        assert_eq!(g.moved(1, (31.0, 5.0), true), Move::Nothing);
    }

    #[test]
    fn keys_map_to_view_actions() {
        assert_eq!(key("ArrowLeft"), Some(Key::Pan(40.0, 0.0)));
        assert_eq!(key("="), Some(Key::Zoom(1.25)));
        assert_eq!(key("Escape"), Some(Key::ClearSelection));
        assert_eq!(key("l"), Some(Key::Tool(Tool::Lasso)));
        assert_eq!(key("x"), None);
    }
}
