//! Numbers, points, boxes and path data, written the same way every time.

use std::fmt::Write as _;

use baton_engine::model::{Bounds, Point};

/// A number as SVG text: rounded to 2 decimals, trailing zeros trimmed, never `-0`, never `NaN`.
///
/// Every coordinate goes through here so that the same model always gives the same bytes, and
/// so that a file with `NaN` or `inf` in its DI still gives valid SVG.
pub(crate) fn num(value: f64) -> String {
    // Integer arithmetic on hundredths: exact, stable, and far cheaper than float formatting,
    // which dominated the time to draw a site of thousands of diagrams.
    let hundredths = if value.is_finite() { (value * 100.0).round() } else { 0.0 };
    let hundredths = hundredths.clamp(-9.0e15, 9.0e15) as i64;
    let (sign, magnitude) =
        if hundredths < 0 { ("-", hundredths.unsigned_abs()) } else { ("", hundredths.unsigned_abs()) };
    let (whole, fraction) = (magnitude / 100, magnitude % 100);
    match fraction {
        0 if whole == 0 => "0".to_owned(),
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

/// A finite copy of a bounds (non-finite parts become 0, negative sizes become 0).
pub(crate) fn clean(bounds: Bounds) -> Bounds {
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    Bounds {
        x: finite(bounds.x),
        y: finite(bounds.y),
        width: finite(bounds.width).max(0.0),
        height: finite(bounds.height).max(0.0),
    }
}

/// The centre of a bounds.
pub(crate) fn centre(b: &Bounds) -> Point {
    Point { x: b.x + b.width / 2.0, y: b.y + b.height / 2.0 }
}

/// The smallest box holding everything added to it; the viewBox of the drawing.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Extent {
    min: Option<(f64, f64, f64, f64)>,
}

impl Extent {
    /// Grows the box to hold this point (ignored when not finite).
    pub(crate) fn add_point(&mut self, x: f64, y: f64) {
        if !x.is_finite() || !y.is_finite() {
            return;
        }
        self.min = Some(match self.min {
            None => (x, y, x, y),
            Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
        });
    }

    /// Grows the box to hold this rectangle.
    pub(crate) fn add_bounds(&mut self, b: &Bounds) {
        self.add_point(b.x, b.y);
        self.add_point(b.x + b.width, b.y + b.height);
    }

    /// `(x, y, width, height)` with `margin` on every side; a margin-sized box when empty.
    pub(crate) fn with_margin(&self, margin: f64) -> (f64, f64, f64, f64) {
        match self.min {
            None => (0.0, 0.0, 2.0 * margin, 2.0 * margin),
            Some((x0, y0, x1, y1)) => (x0 - margin, y0 - margin, x1 - x0 + 2.0 * margin, y1 - y0 + 2.0 * margin),
        }
    }
}

/// SVG path data, built from absolute and relative commands with consistently formatted numbers.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathData(String);

impl PathData {
    /// An empty path.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn command(mut self, letter: char, values: &[f64]) -> Self {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        self.0.push(letter);
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            let _ = write!(self.0, "{}", num(*v));
        }
        self
    }

    /// Move to an absolute point.
    pub(crate) fn move_to(self, x: f64, y: f64) -> Self {
        self.command('M', &[x, y])
    }

    /// Line to an absolute point.
    pub(crate) fn line_to(self, x: f64, y: f64) -> Self {
        self.command('L', &[x, y])
    }

    /// Line by a relative offset.
    pub(crate) fn line_by(self, dx: f64, dy: f64) -> Self {
        self.command('l', &[dx, dy])
    }

    /// Horizontal line by a relative offset.
    pub(crate) fn h_by(self, dx: f64) -> Self {
        self.command('h', &[dx])
    }

    /// Vertical line by a relative offset.
    pub(crate) fn v_by(self, dy: f64) -> Self {
        self.command('v', &[dy])
    }

    /// Elliptic arc by a relative offset.
    pub(crate) fn arc_by(self, rx: f64, ry: f64, large: bool, sweep: bool, dx: f64, dy: f64) -> Self {
        self.command('a', &[rx, ry, 0.0, f64::from(u8::from(large)), f64::from(u8::from(sweep)), dx, dy])
    }

    /// Cubic Bézier by relative offsets.
    pub(crate) fn curve_by(self, c1: (f64, f64), c2: (f64, f64), end: (f64, f64)) -> Self {
        self.command('c', &[c1.0, c1.1, c2.0, c2.1, end.0, end.1])
    }

    /// Quadratic Bézier to an absolute point, bending towards an absolute control point.
    pub(crate) fn quad_to(self, control: (f64, f64), end: (f64, f64)) -> Self {
        self.command('Q', &[control.0, control.1, end.0, end.1])
    }

    /// An open line through absolute points whose corners are rounded off with radius `radius`
    /// (less where a segment is shorter), as bpmn-js draws flows: straight up to `radius` before
    /// each inner point, a short curve around it, straight on from `radius` after it.
    pub(crate) fn rounded(points: &[(f64, f64)], radius: f64) -> Self {
        let mut path = Self::new();
        for (i, &(x, y)) in points.iter().enumerate() {
            let (Some(&before), Some(&after)) = (i.checked_sub(1).and_then(|j| points.get(j)), points.get(i + 1))
            else {
                path = if i == 0 { path.move_to(x, y) } else { path.line_to(x, y) };
                continue;
            };
            let length = |(ax, ay): (f64, f64)| (ax - x).hypot(ay - y);
            let r = radius.min(length(before)).min(length(after));
            if r <= 0.0 {
                path = path.line_to(x, y);
                continue;
            }
            let towards = |(ax, ay): (f64, f64)| {
                let t = r / length((ax, ay));
                (x + (ax - x) * t, y + (ay - y) * t)
            };
            let (start, end) = (towards(before), towards(after));
            path = path.line_to(start.0, start.1).quad_to((x, y), end);
        }
        path
    }

    /// A closed polygon through absolute points.
    pub(crate) fn polygon(points: &[(f64, f64)]) -> Self {
        Self::polyline(points).close()
    }

    /// An open line through absolute points.
    pub(crate) fn polyline(points: &[(f64, f64)]) -> Self {
        let mut path = Self::new();
        for (i, (x, y)) in points.iter().enumerate() {
            path = if i == 0 { path.move_to(*x, *y) } else { path.line_to(*x, *y) };
        }
        path
    }

    /// Move to an absolute point, then follow `steps`: path data of relative commands only, so
    /// that the shape lands where it starts (bpmn-js's icons, see `paths`). Its numbers are
    /// written like every other (two decimals at most): the drift that adds stays far below a
    /// pixel.
    pub(crate) fn relative(self, x: f64, y: f64, steps: &str) -> Self {
        let mut path = self.move_to(x, y);
        for token in steps.split_whitespace() {
            path.0.push(' ');
            for (i, part) in token.split(',').enumerate() {
                if i > 0 {
                    path.0.push(',');
                }
                match part.parse::<f64>() {
                    Ok(value) => path.0.push_str(&num(value)),
                    Err(_) => path.0.push_str(part),
                }
            }
        }
        path
    }

    /// Close the current sub-path.
    pub(crate) fn close(self) -> Self {
        self.command('Z', &[])
    }

    /// The `d` attribute text.
    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

/// The point halfway along a polyline, by length, and whether the segment it lies on runs more
/// across than down (its first point, across, when it has no length).
pub(crate) fn midpoint(points: &[Point]) -> Option<(Point, bool)> {
    let first = *points.first()?;
    let lengths: Vec<f64> = points.windows(2).map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y)).collect();
    let mut remaining = lengths.iter().sum::<f64>() / 2.0;
    for (segment, length) in points.windows(2).zip(&lengths) {
        if *length >= remaining && *length > 0.0 {
            let t = remaining / length;
            let (a, b) = (segment[0], segment[1]);
            let across = (b.x - a.x).abs() >= (b.y - a.y).abs();
            return Some((Point { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t }, across));
        }
        remaining -= length;
    }
    Some((first, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(num(150.0), "150");
        assert_eq!(num(0.1 + 0.2), "0.3");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(12.345), "12.35");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(-7.5), "-7.5");
    }

    #[test]
    fn relative_steps_are_written_like_every_number() {
        let d = PathData::new().relative(10.0, 20.0, "m 0.84461,2.64411 c 1.05533,-1.23780996 10e-4,0 -1,2 z");
        assert_eq!(d.into_string(), "M10,20 m 0.84,2.64 c 1.06,-1.24 0,0 -1,2 z");
    }

    #[test]
    fn path_data_is_compact() {
        let d = PathData::new().move_to(1.0, 2.5).h_by(10.0).close().into_string();
        assert_eq!(d, "M1,2.5 h10 Z");
    }

    #[test]
    fn rounded_corners_curve_only_at_inner_points() {
        let d = PathData::rounded(&[(0.0, 0.0), (20.0, 0.0), (20.0, 3.0), (20.0, 3.0)], 5.0).into_string();
        assert_eq!(d, "M0,0 L17,0 Q20,0,20,3 L20,3 L20,3");
        assert_eq!(PathData::rounded(&[(0.0, 0.0), (9.0, 0.0)], 5.0).into_string(), "M0,0 L9,0");
    }

    #[test]
    fn midpoint_walks_the_length() {
        let pts = [Point { x: 0.0, y: 0.0 }, Point { x: 10.0, y: 0.0 }, Point { x: 10.0, y: 30.0 }];
        let (m, across) = midpoint(&pts).unwrap();
        assert_eq!((m.x, m.y, across), (10.0, 10.0, false));
    }
}
