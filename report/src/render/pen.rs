//! The few SVG primitives everything is drawn with, each with its stroke and fill spelled out.

use baton_engine::model::Bounds;
use svg::node::element::{Circle, Path, Rectangle};

use super::geometry::{PathData, num};

/// A stroke: colour and width.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pen<'a> {
    /// Stroke colour.
    pub colour: &'a str,
    /// Stroke width.
    pub width: f64,
}

impl<'a> Pen<'a> {
    /// A pen of this colour and width.
    pub(crate) fn new(colour: &'a str, width: f64) -> Self {
        Self { colour, width }
    }
}

/// A path with this stroke and fill (`"none"` for no fill).
pub(crate) fn path(d: PathData, pen: Pen<'_>, fill: &str) -> Path {
    Path::new()
        .set("d", d.into_string())
        .set("stroke", pen.colour)
        .set("stroke-width", num(pen.width))
        .set("fill", fill)
        .set("stroke-linejoin", "round")
}

/// A circle.
pub(crate) fn circle(cx: f64, cy: f64, r: f64, pen: Pen<'_>, fill: &str) -> Circle {
    Circle::new()
        .set("cx", num(cx))
        .set("cy", num(cy))
        .set("r", num(r.max(0.0)))
        .set("stroke", pen.colour)
        .set("stroke-width", num(pen.width))
        .set("fill", fill)
}

/// A rectangle with corner radius `rx`.
pub(crate) fn rect(b: Bounds, rx: f64, pen: Pen<'_>, fill: &str) -> Rectangle {
    let rect = Rectangle::new()
        .set("x", num(b.x))
        .set("y", num(b.y))
        .set("width", num(b.width.max(0.0)))
        .set("height", num(b.height.max(0.0)))
        .set("stroke", pen.colour)
        .set("stroke-width", num(pen.width))
        .set("fill", fill);
    if rx > 0.0 { rect.set("rx", num(rx)).set("ry", num(rx)) } else { rect }
}

/// Straight line segments, each `(x1, y1, x2, y2)`, in one path.
pub(crate) fn lines(segments: &[(f64, f64, f64, f64)], pen: Pen<'_>) -> Path {
    let d = segments.iter().fold(PathData::new(), |d, (x1, y1, x2, y2)| d.move_to(*x1, *y1).line_to(*x2, *y2));
    path(d, pen, "none").set("stroke-linecap", "butt")
}

/// `points` (relative to the origin) rotated by `degrees` and moved to `(cx, cy)`.
pub(crate) fn place(points: &[(f64, f64)], cx: f64, cy: f64, scale: f64, degrees: f64) -> Vec<(f64, f64)> {
    let (sin, cos) = degrees.to_radians().sin_cos();
    points.iter().map(|(x, y)| (cx + scale * (x * cos - y * sin), cy + scale * (x * sin + y * cos))).collect()
}

/// The corners of a regular polygon of `sides` around `(cx, cy)`, the first pointing up.
pub(crate) fn regular(sides: u32, cx: f64, cy: f64, r: f64) -> Vec<(f64, f64)> {
    (0..sides)
        .map(|k| {
            let angle = (-90.0 + 360.0 * f64::from(k) / f64::from(sides)).to_radians();
            (cx + r * angle.cos(), cy + r * angle.sin())
        })
        .collect()
}
