//! Barnes–Hut's repulsive forces in 2-D (openTSNE's `estimate_negative_gradient_bh`): a quadtree
//! of the layout, and for each point the sum over cells that look small from it (width / distance
//! < θ) of count·q and count·q²·(y − centre), q = 1 / (1 + d²).

/// Deepest level: points closer than the root's width / 2⁴⁰ share a leaf.
const MAX_DEPTH: usize = 40;
const NO_POINT: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Node {
    /// Cell centre and half width.
    cx: f64,
    cy: f64,
    half: f64,
    /// Sums of the points' coordinates while the tree is built, their centre of mass after;
    /// and their count.
    sx: f64,
    sy: f64,
    count: u32,
    /// Index of the first of four children (0: a leaf).
    children: u32,
    /// A leaf's one point (or the first of points at one spot).
    point: u32,
}

impl Node {
    fn cell(cx: f64, cy: f64, half: f64) -> Self {
        Self {
            cx,
            cy,
            half,
            sx: 0.0,
            sy: 0.0,
            count: 0,
            children: 0,
            point: NO_POINT,
        }
    }
}

/// A built node as the queries read it: 32 bytes, so that two share a cache line.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Centre of mass.
    mx: f64,
    my: f64,
    /// The cell's width, squared.
    width2: f64,
    count: u32,
    /// Internal: the index of the first of four children. Leaf: `LEAF` | its point.
    link: u32,
}

/// Marks a leaf's `link`.
const LEAF: u32 = 1 << 31;

/// The quadtree of one layout (n × 2 interleaved, f64).
pub struct QuadTree {
    nodes: Vec<Node>,
    cells: Vec<Cell>,
}

impl QuadTree {
    pub fn new(y: &[f64]) -> Self {
        let (mut lo_x, mut lo_y, mut hi_x, mut hi_y) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for p in y.chunks_exact(2) {
            lo_x = lo_x.min(p[0]);
            hi_x = hi_x.max(p[0]);
            lo_y = lo_y.min(p[1]);
            hi_y = hi_y.max(p[1]);
        }
        let half = ((hi_x - lo_x).max(hi_y - lo_y) / 2.0).max(1e-12) * (1.0 + 1e-9);
        let root = Node::cell((lo_x + hi_x) / 2.0, (lo_y + hi_y) / 2.0, half);
        let mut tree = Self {
            nodes: Vec::with_capacity(2 * y.len()),
            cells: Vec::new(),
        };
        tree.nodes.push(root);
        for (i, p) in y.chunks_exact(2).enumerate() {
            tree.insert(i as u32, p[0], p[1]);
        }
        // Sums become centres of mass, once; the queries read compact cells.
        tree.cells = tree
            .nodes
            .iter()
            .map(|node| {
                let count = f64::from(node.count.max(1));
                Cell {
                    mx: node.sx / count,
                    my: node.sy / count,
                    width2: 4.0 * node.half * node.half,
                    count: node.count,
                    link: if node.children == 0 {
                        LEAF | node.point
                    } else {
                        node.children
                    },
                }
            })
            .collect();
        tree
    }

    /// The points in the tree's depth-first order (nearby points together): queried in this
    /// order, consecutive points walk nearly the same cells, which stay in cache.
    pub fn order(&self, n: usize) -> Vec<u32> {
        let mut out = Vec::with_capacity(n);
        let mut stack = vec![0u32];
        while let Some(at) = stack.pop() {
            let node = &self.nodes[at as usize];
            if node.count == 0 {
                continue;
            }
            if node.children == 0 {
                out.push(node.point);
                continue;
            }
            stack.extend((node.children..node.children + 4).rev());
        }
        // Points that share a leaf with another (one spot) are listed once there: add them.
        if out.len() < n {
            let mut seen = vec![false; n];
            for &i in &out {
                seen[i as usize] = true;
            }
            out.extend((0..n as u32).filter(|&i| !seen[i as usize]));
        }
        out
    }

    fn quadrant(node: &Node, x: f64, y: f64) -> u32 {
        u32::from(x > node.cx) + 2 * u32::from(y > node.cy)
    }

    fn split(&mut self, at: usize) {
        let n = self.nodes[at];
        let h = n.half / 2.0;
        self.nodes[at].children = self.nodes.len() as u32;
        for q in 0..4 {
            let cx = if q & 1 == 1 { n.cx + h } else { n.cx - h };
            let cy = if q & 2 == 2 { n.cy + h } else { n.cy - h };
            self.nodes.push(Node::cell(cx, cy, h));
        }
    }

    fn insert(&mut self, i: u32, x: f64, y: f64) {
        let mut at = 0usize;
        let mut depth = 0;
        loop {
            let node = &mut self.nodes[at];
            node.sx += x;
            node.sy += y;
            node.count += 1;
            if node.children == 0 {
                if node.count == 1 {
                    node.point = i;
                    return;
                }
                if depth >= MAX_DEPTH {
                    // Points at one spot share this leaf.
                    return;
                }
                // A leaf with one point becomes four cells; that point moves down.
                let old = node.point;
                let (ox, oy) = (node.sx - x, node.sy - y);
                node.point = NO_POINT;
                self.split(at);
                let parent = self.nodes[at];
                let child = (parent.children + Self::quadrant(&parent, ox, oy)) as usize;
                let c = &mut self.nodes[child];
                c.sx = ox;
                c.sy = oy;
                c.count = 1;
                c.point = old;
            }
            let parent = self.nodes[at];
            at = (parent.children + Self::quadrant(&parent, x, y)) as usize;
            depth += 1;
        }
    }

    /// The repulsion on point `i` at (x, y): (Σ count·q, Σ count·q²·dx, Σ count·q²·dy).
    pub fn repulsion(&self, i: u32, x: f64, y: f64, theta: f64, stack: &mut Vec<u32>) -> [f64; 3] {
        let theta2 = theta * theta;
        let mut out = [0.0; 3];
        stack.clear();
        if self.cells[0].count > 0 {
            stack.push(0);
        }
        while let Some(at) = stack.pop() {
            let cell = self.cells[at as usize];
            let (dx, dy) = (x - cell.mx, y - cell.my);
            let d2 = dx * dx + dy * dy;
            let leaf = cell.link & LEAF != 0;
            if !leaf && cell.width2 >= theta2 * d2 {
                // Open the cell: its non-empty children.
                for child in cell.link..cell.link + 4 {
                    if self.cells[child as usize].count > 0 {
                        stack.push(child);
                    }
                }
                continue;
            }
            // A summarised cell, or a leaf: the point itself is no force on itself.
            let mut count = f64::from(cell.count);
            if leaf && (cell.link & !LEAF == i || d2 == 0.0) {
                count -= 1.0;
            }
            if count <= 0.0 {
                continue;
            }
            let q = 1.0 / (1.0 + d2);
            out[0] += count * q;
            out[1] += count * q * q * dx;
            out[2] += count * q * q * dy;
        }
        out
    }
}
