//! Which items are selected, focused or hidden, and the per-point flags the renderer draws from
//! them. Items are rows of a collection, the same in every space of it, so one selection links
//! every pane. Pure logic, tested natively.

use std::collections::HashSet;

use rosetta_core::Metric;

use crate::render::flags;

/// What a drag on the plot does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tool {
    #[default]
    Pan,
    Box,
    Lasso,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Pan => "pan",
            Tool::Box => "box",
            Tool::Lasso => "lasso",
        }
    }
}

/// A clicked item and its nearest neighbours in the original space of one pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Focus {
    pub item: u32,
    pub space: u32,
    pub metric: Metric,
    /// Best first: (item, cosine similarity or Euclidean distance).
    pub neighbors: Vec<(u32, f64)>,
}

/// Combine a new box/lasso result with the current selection: replace, or add with Shift.
pub fn combine(current: &[u32], picked: Vec<u32>, add: bool) -> Vec<u32> {
    if !add {
        return picked;
    }
    let mut out: Vec<u32> = current.iter().copied().chain(picked).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Everything that decides how each point is drawn beyond its colour.
#[derive(Debug, Default, Clone, Copy)]
pub struct Marks<'a> {
    pub n: usize,
    /// Category index per point and the hidden categories (legend toggles).
    pub category_of: &'a [u16],
    pub hidden: Option<&'a HashSet<u16>>,
    pub selection: &'a [u32],
    pub focus: Option<&'a Focus>,
    /// The item hovered in another pane, highlighted here.
    pub linked_hover: Option<u32>,
    pub anchors: &'a [u32],
}

/// One flag byte per point (see `render::flags`).
pub fn point_flags(m: &Marks<'_>) -> Vec<u8> {
    let mut out = vec![0u8; m.n];
    if let Some(hidden) = m.hidden.filter(|h| !h.is_empty()) {
        for (f, c) in out.iter_mut().zip(m.category_of) {
            if hidden.contains(c) {
                *f |= flags::HIDDEN;
            }
        }
    }
    let mut set = |i: u32, bit: u8| {
        if let Some(f) = out.get_mut(i as usize) {
            *f |= bit;
        }
    };
    for &i in m.selection {
        set(i, flags::SELECTED);
    }
    if let Some(focus) = m.focus {
        set(focus.item, flags::SELECTED);
        for &(i, _) in &focus.neighbors {
            set(i, flags::HIGHLIGHT);
        }
    }
    if let Some(i) = m.linked_hover {
        set(i, flags::HIGHLIGHT);
    }
    for &i in m.anchors {
        set(i, flags::ANCHOR);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_combine_every_mark() {
        let hidden: HashSet<u16> = [1].into_iter().collect();
        let focus = Focus {
            item: 0,
            space: 1,
            metric: Metric::Cosine,
            neighbors: vec![(2, 0.9)],
        };
        let f = point_flags(&Marks {
            n: 5,
            category_of: &[0, 1, 0, 1, 0],
            hidden: Some(&hidden),
            selection: &[4, 99],
            focus: Some(&focus),
            linked_hover: Some(3),
            anchors: &[2],
        });
        assert_eq!(f[0], flags::SELECTED);
        assert_eq!(f[1], flags::HIDDEN);
        assert_eq!(f[2], flags::HIGHLIGHT | flags::ANCHOR);
        assert_eq!(f[3], flags::HIDDEN | flags::HIGHLIGHT);
        assert_eq!(f[4], flags::SELECTED);
    }

    #[test]
    fn shift_adds_to_the_selection() {
        assert_eq!(combine(&[1, 5], vec![2, 5], true), vec![1, 2, 5]);
        assert_eq!(combine(&[1, 5], vec![2], false), vec![2]);
    }
}
