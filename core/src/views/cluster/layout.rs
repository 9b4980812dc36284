//! Where the cluster view draws each node and how each link bends.
//!
//! The layout is fixed by the node list alone (never by time), so nodes do
//! not jump around while a run plays: the controller on top, the brokers in
//! a row under it, the clients in a row at the bottom (producers on the
//! left, then consumers, then jobs on the right). Rows wrap when they get
//! long. Coordinates are whole units of an SVG `viewBox`; the browser
//! scales them to the panel.
//!
//! A link is a quadratic Bézier from centre to centre. A straight line that
//! would pass through a third node (b1–b3 through b2 in the broker row) is
//! bent sideways, trying small bends first, so no link hides behind a node
//! it does not belong to.

use serde::Serialize;

/// Width and height of a node's box.
pub const NODE_W: i32 = 104;
pub const NODE_H: i32 = 58;
/// Distance between node centres in a row.
const STEP_X: i32 = 136;
/// Distance between rows.
const STEP_Y: i32 = 128;
const MARGIN: i32 = 16;
/// At most this many nodes per row (more wrap onto the next row).
const MAX_PER_ROW: usize = 7;
/// How far a bent link's control point may move from the straight line.
const BENDS: [f64; 8] = [48.0, -48.0, 96.0, -96.0, 144.0, -144.0, 200.0, -200.0];

/// A point in view-box units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

/// A quadratic Bézier `from` → `to` bent towards `control`; `mid` is its
/// point at t = ½ (where a link's label and its ✕ go).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Curve {
    pub from: Point,
    pub control: Point,
    pub to: Point,
    pub mid: Point,
}

impl Curve {
    fn new(from: Point, control: Point, to: Point) -> Curve {
        let mid = Point { x: (from.x + 2 * control.x + to.x) / 4, y: (from.y + 2 * control.y + to.y) / 4 };
        Curve { from, control, to, mid }
    }

    /// The SVG path (`M x y Q cx cy x y`).
    pub fn svg_path(&self) -> String {
        format!("M{} {} Q{} {} {} {}", self.from.x, self.from.y, self.control.x, self.control.y, self.to.x, self.to.y)
    }

    fn at(&self, t: f64) -> (f64, f64) {
        let u = 1.0 - t;
        let f = |a: i32, c: i32, b: i32| u * u * a as f64 + 2.0 * u * t * c as f64 + t * t * b as f64;
        (f(self.from.x, self.control.x, self.to.x), f(self.from.y, self.control.y, self.to.y))
    }

    /// Does the curve pass through the box of a node centred at `p`
    /// (with a small margin)?
    pub fn hits(&self, p: Point) -> bool {
        let (hw, hh) = ((NODE_W / 2 + 6) as f64, (NODE_H / 2 + 6) as f64);
        (1..32).any(|i| {
            let (x, y) = self.at(i as f64 / 32.0);
            (x - p.x as f64).abs() < hw && (y - p.y as f64).abs() < hh
        })
    }
}

/// The row a node goes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Row {
    Controller,
    Brokers,
    Clients,
}

/// Centres for nodes given their rows (in node order), and the size of the
/// canvas. Empty rows take no space.
pub fn place(rows: &[Row]) -> (Vec<Point>, i32, i32) {
    // Split each row into lines of at most MAX_PER_ROW.
    let mut lines: Vec<Vec<usize>> = Vec::new();
    for row in [Row::Controller, Row::Brokers, Row::Clients] {
        let members: Vec<usize> = (0..rows.len()).filter(|&i| rows[i] == row).collect();
        for chunk in members.chunks(MAX_PER_ROW) {
            lines.push(chunk.to_vec());
        }
    }
    let widest = lines.iter().map(Vec::len).max().unwrap_or(1).max(3) as i32;
    let width = widest * STEP_X + 2 * MARGIN;
    let mut points = vec![Point { x: 0, y: 0 }; rows.len()];
    for (li, line) in lines.iter().enumerate() {
        let y = MARGIN + NODE_H / 2 + li as i32 * STEP_Y;
        let n = line.len() as i32;
        let left = (width - n * STEP_X) / 2 + STEP_X / 2;
        for (k, &i) in line.iter().enumerate() {
            points[i] = Point { x: left + k as i32 * STEP_X, y };
        }
    }
    let height = MARGIN * 2 + NODE_H + (lines.len().max(1) as i32 - 1) * STEP_Y;
    (points, width, height)
}

/// The curve for a link between two nodes that avoids every other node in
/// `others` if it can (the least bent one that does; the most bent one
/// tried otherwise).
pub fn route(from: Point, to: Point, others: &[Point]) -> Curve {
    let straight = Curve::new(from, Point { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 }, to);
    let clear = |c: &Curve| others.iter().all(|p| !c.hits(*p));
    if clear(&straight) {
        return straight;
    }
    let (dx, dy) = ((to.x - from.x) as f64, (to.y - from.y) as f64);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    // The normal that points down (or right, for a vertical link), so the
    // same pair bends the same way whichever end is `from`.
    let (mut nx, mut ny) = (-dy / len, dx / len);
    if ny < 0.0 || (ny == 0.0 && nx < 0.0) {
        nx = -nx;
        ny = -ny;
    }
    let mut last = straight;
    for b in BENDS {
        // The control point is twice as far from the line as the curve.
        let c = Point { x: ((from.x + to.x) as f64 / 2.0 + nx * b * 2.0).round() as i32, y: ((from.y + to.y) as f64 / 2.0 + ny * b * 2.0).round() as i32 };
        last = Curve::new(from, c, to);
        if clear(&last) {
            return last;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_centred_and_stacked() {
        let rows = [Row::Controller, Row::Brokers, Row::Brokers, Row::Brokers, Row::Clients, Row::Clients];
        let (p, w, h) = place(&rows);
        assert_eq!(w, 3 * STEP_X + 2 * MARGIN);
        assert_eq!(h, 2 * MARGIN + NODE_H + 2 * STEP_Y);
        // Controller centred above the middle broker.
        assert_eq!(p[0].x, p[2].x);
        assert_eq!(p[1].y, p[0].y + STEP_Y);
        assert_eq!(p[2].x - p[1].x, STEP_X);
        assert_eq!(p[4].y, p[1].y + STEP_Y);
        // Two clients centred: symmetric around the middle.
        assert_eq!(p[4].x + p[5].x, w);
    }

    #[test]
    fn long_rows_wrap() {
        let rows = vec![Row::Clients; 9];
        let (p, _, _) = place(&rows);
        assert_eq!(p[6].y, p[0].y);
        assert_eq!(p[7].y, p[0].y + STEP_Y);
    }

    #[test]
    fn links_bend_around_nodes_in_the_way() {
        let a = Point { x: 100, y: 100 };
        let b = Point { x: 236, y: 100 };
        let c = Point { x: 372, y: 100 };
        // Neighbours: straight.
        let ab = route(a, b, &[c]);
        assert_eq!(ab.control, Point { x: 168, y: 100 });
        // a–c passes through b: bent downwards, whichever way it is drawn.
        let ac = route(a, c, &[b]);
        assert!(!ac.hits(b));
        assert!(ac.control.y > 100, "{ac:?}");
        let ca = route(c, a, &[b]);
        assert_eq!(ca.control, ac.control);
        assert_eq!(ac.mid, Point { x: 236, y: (100 + 2 * ac.control.y + 100) / 4 });
        assert_eq!(ab.svg_path(), "M100 100 Q168 100 236 100");
    }
}
