//! The small pictures inside shapes: event triggers, gateway markers, task types and the
//! activity markers along the bottom edge. Each is drawn from simple paths around a centre, at
//! the size bpmn-js draws it, scaled with its shape.

use std::cell::Cell;

use baton_engine::model::{EventDefinition, GatewayKind, TaskKind, Trigger};
use svg::node::element::{Circle, Group, Path, Use};

use super::geometry::{PathData, num};
use super::paint::Paint;
use super::pen::{Pen, circle, lines, path, place, rect, regular, solid};

/// What an event's icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventIcon {
    /// One trigger.
    Single(TriggerIcon),
    /// Several triggers, any of which fires (pentagon).
    Multiple,
    /// Several triggers, all of which must fire (outlined plus).
    ParallelMultiple,
}

/// The icon of one trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TriggerIcon {
    /// Envelope.
    Message,
    /// Clock.
    Timer,
    /// Lightning.
    Error,
    /// Arrowhead pointing up.
    Escalation,
    /// Triangle.
    Signal,
    /// Two rewind triangles.
    Compensation,
    /// Lined page.
    Conditional,
    /// Arrow pointing right.
    Link,
    /// X.
    Cancel,
    /// Filled disc.
    Terminate,
}

impl EventIcon {
    /// The icon for these definitions, or `None` for a none event.
    pub(crate) fn of(definitions: &[EventDefinition], parallel_multiple: bool) -> Option<Self> {
        match definitions {
            [] => None,
            [one] => Some(EventIcon::Single(TriggerIcon::of(&one.trigger))),
            _ if parallel_multiple => Some(EventIcon::ParallelMultiple),
            _ => Some(EventIcon::Multiple),
        }
    }
}

impl TriggerIcon {
    fn of(trigger: &Trigger) -> Self {
        match trigger {
            Trigger::Message { .. } => TriggerIcon::Message,
            Trigger::Timer { .. } => TriggerIcon::Timer,
            Trigger::Error { .. } => TriggerIcon::Error,
            Trigger::Escalation { .. } => TriggerIcon::Escalation,
            Trigger::Signal { .. } => TriggerIcon::Signal,
            Trigger::Compensation { .. } => TriggerIcon::Compensation,
            Trigger::Conditional { .. } => TriggerIcon::Conditional,
            Trigger::Link { .. } => TriggerIcon::Link,
            Trigger::Cancel => TriggerIcon::Cancel,
            Trigger::Terminate => TriggerIcon::Terminate,
        }
    }
}

/// Draws an event icon centred on `(cx, cy)`; `s` is the event's size over 36 (the standard);
/// `filled` for throwing events (intermediate throw, end), whose icons are solid.
pub(crate) fn event(g: Group, icon: EventIcon, (cx, cy): (f64, f64), s: f64, paint: &Paint, filled: bool) -> Group {
    let thin = Pen::new(&paint.stroke, 1.0);
    let fill = if filled { paint.stroke.as_str() } else { "none" };
    let shape = |points: &[(f64, f64)]| path(PathData::polygon(&place(points, cx, cy, s, 0.0)), thin, fill);
    match icon {
        EventIcon::Multiple => g.add(path(PathData::polygon(&regular(5, cx, cy + s, 9.0 * s)), thin, fill)),
        EventIcon::ParallelMultiple => g.add(shape(&plus(3.0, 9.5))),
        EventIcon::Single(TriggerIcon::Message) => g.add(envelope(cx, cy, s, paint, filled)),
        EventIcon::Single(TriggerIcon::Timer) => clock(g, cx, cy, s, paint),
        EventIcon::Single(TriggerIcon::Error) => {
            // A bolt, the same when turned half round: two spikes joined by a slanted band.
            g.add(shape(&[(-9.0, 9.5), (-3.5, -7.5), (3.5, 0.0), (9.0, -9.5), (3.5, 7.5), (-3.5, 0.0)]))
        }
        EventIcon::Single(TriggerIcon::Escalation) => {
            g.add(shape(&[(0.0, -10.0), (7.5, 9.0), (0.0, 1.5), (-7.5, 9.0)]))
        }
        EventIcon::Single(TriggerIcon::Signal) => g.add(shape(&[(0.0, -10.5), (9.5, 6.0), (-9.5, 6.0)])),
        EventIcon::Single(TriggerIcon::Compensation) => g.add(shape(&REWIND_BACK)).add(shape(&REWIND_FRONT)),
        EventIcon::Single(TriggerIcon::Conditional) => conditional(g, cx, cy, s, paint),
        EventIcon::Single(TriggerIcon::Link) => {
            g.add(shape(&[(-8.5, -3.0), (1.0, -3.0), (1.0, -8.0), (9.0, 0.0), (1.0, 8.0), (1.0, 3.0), (-8.5, 3.0)]))
        }
        EventIcon::Single(TriggerIcon::Cancel) => {
            g.add(path(PathData::polygon(&place(&plus(2.5, 9.5), cx, cy, s, 45.0)), thin, fill))
        }
        EventIcon::Single(TriggerIcon::Terminate) => {
            g.add(circle(cx, cy, 10.0 * s, Pen::new(&paint.stroke, 4.0 * s), &paint.stroke))
        }
    }
}

/// The two rewind triangles of compensation, around the origin.
const REWIND_BACK: [(f64, f64); 3] = [(-10.0, 0.0), (0.0, -6.5), (0.0, 6.5)];
const REWIND_FRONT: [(f64, f64); 3] = [(0.0, 0.0), (10.0, -6.5), (10.0, 6.5)];

/// The outline of a plus with arms `half` thick (half-width) and `length` long, around the origin.
fn plus(half: f64, length: f64) -> [(f64, f64); 12] {
    let (w, l) = (half, length);
    [(-w, -l), (w, -l), (w, -w), (l, -w), (l, w), (w, w), (w, l), (-w, l), (-w, w), (-l, w), (-l, -w), (-w, -w)]
}

/// An envelope centred on `(cx, cy)`: outlined, or solid with a light flap when `filled`.
fn envelope(cx: f64, cy: f64, s: f64, paint: &Paint, filled: bool) -> Group {
    let (hw, hh) = (9.5 * s, 6.5 * s);
    let (fill, line) = if filled {
        (paint.stroke.as_str(), paint.fill.as_str())
    } else {
        (paint.fill.as_str(), paint.stroke.as_str())
    };
    let body = PathData::polygon(&[(cx - hw, cy - hh), (cx + hw, cy - hh), (cx + hw, cy + hh), (cx - hw, cy + hh)]);
    let flap = PathData::polyline(&[(cx - hw, cy - hh), (cx, cy + 0.5 * s), (cx + hw, cy - hh)]);
    Group::new().add(path(body, Pen::new(&paint.stroke, 1.0), fill)).add(path(flap, Pen::new(line, 1.0), "none"))
}

/// A clock face with twelve ticks and two hands.
fn clock(g: Group, cx: f64, cy: f64, s: f64, paint: &Paint) -> Group {
    let r = 10.8 * s;
    let ticks: Vec<(f64, f64, f64, f64)> = (0..12)
        .map(|k| {
            let (sin, cos) = (f64::from(k) * 30.0).to_radians().sin_cos();
            (cx + 0.72 * r * cos, cy + 0.72 * r * sin, cx + 0.9 * r * cos, cy + 0.9 * r * sin)
        })
        .collect();
    let hands = PathData::polyline(&[(cx + 2.4 * s, cy - 7.0 * s), (cx, cy), (cx + 6.0 * s, cy + 2.0 * s)]);
    g.add(circle(cx, cy, r, Pen::new(&paint.stroke, 2.0), &paint.fill))
        .add(lines(&ticks, Pen::new(&paint.stroke, 1.0)))
        .add(path(hands, Pen::new(&paint.stroke, 1.5), "none").set("stroke-linecap", "round"))
}

/// A page with four lines of text.
fn conditional(g: Group, cx: f64, cy: f64, s: f64, paint: &Paint) -> Group {
    let page = baton_engine::model::Bounds { x: cx - 6.5 * s, y: cy - 8.5 * s, width: 13.0 * s, height: 17.0 * s };
    let rows: Vec<(f64, f64, f64, f64)> =
        [-5.0, -1.5, 2.0, 5.5].iter().map(|dy| (cx - 4.0 * s, cy + dy * s, cx + 4.0 * s, cy + dy * s)).collect();
    g.add(rect(page, 0.0, Pen::new(&paint.stroke, 1.0), &paint.fill)).add(lines(&rows, Pen::new(&paint.stroke, 1.0)))
}

/// bpmn-js's exclusive gateway X, as steps from its top-left arm.
const EXCLUSIVE: [(f64, f64); 12] = [
    (6.5, 8.5),
    (-6.5, 8.5),
    (3.0, 0.0),
    (5.0, -6.5312),
    (5.0, 6.5312),
    (3.0, 0.0),
    (-6.5, -8.5),
    (6.5, -8.5),
    (-3.0, 0.0),
    (-5.0, 6.5312),
    (-5.0, -6.5312),
    (-3.0, 0.0),
];

/// bpmn-js's parallel gateway plus, as steps from the top of its upright bar's left side.
const PARALLEL: [(f64, f64); 12] = [
    (0.0, 12.5),
    (-12.5, 0.0),
    (0.0, 5.0),
    (12.5, 0.0),
    (0.0, 12.5),
    (5.0, 0.0),
    (0.0, -12.5),
    (12.5, 0.0),
    (0.0, -5.0),
    (-12.5, 0.0),
    (0.0, -12.5),
    (-5.0, 0.0),
];

/// bpmn-js's complex gateway asterisk, as steps from the top of its upright bar.
const COMPLEX: [(f64, f64); 24] = [
    (0.0, 4.875),
    (-3.4375, -3.4375),
    (-2.125, 2.125),
    (3.4375, 3.4375),
    (-4.875, 0.0),
    (0.0, 3.0),
    (4.875, 0.0),
    (-3.4375, 3.4375),
    (2.125, 2.125),
    (3.4375, -3.4375),
    (0.0, 4.875),
    (3.0, 0.0),
    (0.0, -4.875),
    (3.4375, 3.4375),
    (2.125, -2.125),
    (-3.4375, -3.4375),
    (4.875, 0.0),
    (0.0, -3.0),
    (-4.875, 0.0),
    (3.4375, -3.4375),
    (-2.125, -2.125),
    (-3.4375, 3.4375),
    (0.0, -4.875),
    (-3.0, 0.0),
];

/// Draws a gateway's marker centred on `(cx, cy)`; `s` is the gateway's size over 50.
/// `marker_visible` only matters for exclusive gateways.
pub(crate) fn gateway(
    g: Group,
    kind: &GatewayKind,
    (cx, cy): (f64, f64),
    s: f64,
    paint: &Paint,
    marker_visible: bool,
) -> Group {
    // bpmn-js's marker paths: drawn from a start point at a fraction of a 50 × 50 box, by
    // relative steps scaled to the box, filled with the stroke colour.
    let (x0, y0) = (cx - 25.0 * s, cy - 25.0 * s);
    let marker = |(mx, my): (f64, f64), ratio: f64, steps: &[(f64, f64)]| {
        let d = steps
            .iter()
            .fold(PathData::new().move_to(x0 + 50.0 * s * mx, y0 + 50.0 * s * my), |d, (dx, dy)| {
                d.line_by(dx * ratio, dy * ratio)
            })
            .close();
        path(d, Pen::new(&paint.stroke, 1.0), &paint.stroke)
    };
    match kind {
        GatewayKind::Exclusive if marker_visible => g.add(marker((0.32, 0.3), 50.0 * s / 17.5 * 0.4, &EXCLUSIVE)),
        GatewayKind::Exclusive => g,
        GatewayKind::Parallel => g.add(marker((0.474, 0.296), 50.0 * s / 30.0 * 0.4, &PARALLEL)),
        GatewayKind::Inclusive => g.add(circle(cx, cy, 12.5 * s, Pen::new(&paint.stroke, 2.5 * s), "none")),
        GatewayKind::Complex { .. } => g.add(marker((0.46, 0.26), 50.0 * s / 17.125 * 0.5, &COMPLEX)),
        GatewayKind::EventBased { instantiate } => {
            let thin = Pen::new(&paint.stroke, 1.0);
            let g = g.add(circle(cx, cy, 15.0 * s, thin, "none"));
            // An instantiating gateway has a single ring, as the BPMN spec draws it.
            let g = if *instantiate { g } else { g.add(circle(cx, cy, 12.0 * s, thin, "none")) };
            g.add(path(PathData::polygon(&regular(5, cx, cy + 0.6 * s, 7.0 * s)), Pen::new(&paint.stroke, 1.5), "none"))
        }
    }
}

/// Draws a task type icon in the top-left corner of the task at `(x, y)`.
pub(crate) fn task_type(g: Group, kind: &TaskKind, (x, y): (f64, f64), paint: &Paint, symbols: &Symbols) -> Group {
    match kind {
        TaskKind::Abstract => g,
        TaskKind::Service => g.add(symbols.gears(x, y, paint)),
        TaskKind::User(_) => user(g, x, y, paint),
        TaskKind::Manual => g.add(path(hand(x + 5.0, y + 9.0), Pen::new(&paint.stroke, 1.0), &paint.fill)),
        TaskKind::Script(_) => script(g, x, y, paint),
        TaskKind::Send { .. } => g.add(envelope(x + 16.0, y + 15.0, 0.95, paint, true)),
        TaskKind::Receive { instantiate, .. } => {
            if *instantiate {
                g.add(circle(x + 16.0, y + 15.0, 10.5, Pen::new(&paint.stroke, 1.0), &paint.fill)).add(envelope(
                    x + 16.0,
                    y + 15.0,
                    0.7,
                    paint,
                    false,
                ))
            } else {
                g.add(envelope(x + 16.0, y + 15.0, 0.95, paint, false))
            }
        }
        TaskKind::BusinessRule(_) => business_rule(g, x, y, paint),
    }
}

/// Icons drawn once in the diagram's `<defs>` and placed with `<use>`.
///
/// A service task's two gears are 64 points: written out for every service task they were
/// most of the bytes of a typical diagram, and of every test page that shows one.
#[derive(Debug, Default)]
pub(crate) struct Symbols {
    gears: Cell<bool>,
}

/// The id of the service task's gears in `<defs>`.
const GEARS: &str = "baton-gears";

impl Symbols {
    /// The service task gears with their top-left corner at the task's `(x, y)`, in `paint`'s
    /// colours (the symbol's shapes inherit them, so one definition serves every colour).
    fn gears(&self, x: f64, y: f64, paint: &Paint) -> Use {
        self.gears.set(true);
        Use::new()
            .set("href", format!("#{GEARS}"))
            .set("x", num(x))
            .set("y", num(y))
            .set("stroke", paint.stroke.as_str())
            .set("fill", paint.fill.as_str())
    }

    /// The definitions of the symbols used, for the diagram's `<defs>`.
    pub(crate) fn definitions(&self) -> Vec<Group> {
        let mut used = Vec::new();
        if self.gears.get() {
            used.push(
                Group::new()
                    .set("id", GEARS)
                    .set("stroke-width", 1)
                    .add(gear(13.0, 13.0, 6.5))
                    .add(gear(19.0, 19.0, 7.5)),
            );
        }
        used
    }
}

/// A gear with eight teeth and a hole, centred on `(cx, cy)` with outer radius `r`; colours
/// are inherited from the `<use>` that places it.
fn gear(cx: f64, cy: f64, r: f64) -> Group {
    let inner = r * 0.74;
    let mut points = Vec::with_capacity(32);
    for k in 0..8 {
        let base = f64::from(k) * 45.0;
        for (radius, offset) in [(inner, -13.0), (r, -7.0), (r, 7.0), (inner, 13.0)] {
            let (sin, cos) = (base + offset).to_radians().sin_cos();
            points.push((cx + radius * cos, cy + radius * sin));
        }
    }
    Group::new()
        .add(Path::new().set("d", PathData::polygon(&points).into_string()).set("stroke-linejoin", "round"))
        .add(Circle::new().set("cx", num(cx)).set("cy", num(cy)).set("r", num(r * 0.3)))
}

/// Head and shoulders.
fn user(g: Group, x: f64, y: f64, paint: &Paint) -> Group {
    let pen = Pen::new(&paint.stroke, 1.0);
    let body = PathData::new()
        .move_to(x + 7.0, y + 27.0)
        .v_by(-3.5)
        .curve_by((0.0, -4.5), (3.5, -6.5), (8.5, -6.5))
        .curve_by((5.0, 0.0), (8.5, 2.0), (8.5, 6.5))
        .v_by(3.5)
        .close();
    let hair = PathData::new()
        .move_to(x + 11.3, y + 12.5)
        .arc_by(4.2, 4.2, false, true, 8.4, 0.0)
        .curve_by((-1.5, -1.8), (-6.9, -1.8), (-8.4, 0.0))
        .close();
    g.add(path(body, pen, &paint.fill))
        .add(lines(&[(x + 11.0, y + 27.0, x + 11.0, y + 23.5), (x + 20.0, y + 27.0, x + 20.0, y + 23.5)], pen))
        .add(circle(x + 15.5, y + 12.5, 4.2, pen, &paint.fill))
        .add(solid(hair, &paint.stroke))
}

/// A hand, palm down, fingers pointing right, from its top-left corner at `(x, y)`.
fn hand(x: f64, y: f64) -> PathData {
    let finger = |d: PathData, reach: f64| d.h_by(reach).arc_by(1.25, 1.25, false, true, 0.0, 2.5).h_by(-reach);
    let d = PathData::new().move_to(x, y + 5.0).curve_by((1.5, -2.0), (4.0, -3.5), (7.0, -4.0)).h_by(4.0);
    // Thumb, then four fingers stacked downwards, each returning to the palm.
    let d = d.line_by(2.0, -1.0).arc_by(1.1, 1.1, false, true, 1.0, 2.0).line_by(-1.5, 1.0);
    let d = finger(finger(finger(d.h_by(1.0), 9.5), 11.0), 10.0);
    let d = d.h_by(8.5).arc_by(1.25, 1.25, false, true, 0.0, 2.5).h_by(-10.0);
    d.curve_by((-3.5, 0.0), (-6.5, -0.5), (-9.0, -2.0)).close()
}

/// A scroll with lines of script.
fn script(g: Group, x: f64, y: f64, paint: &Paint) -> Group {
    let (x0, y0) = (x + 8.0, y + 7.0);
    let d = PathData::new()
        .move_to(x0, y0)
        .h_by(11.0)
        .curve_by((-2.5, 2.5), (-2.5, 5.5), (0.0, 8.0))
        .curve_by((2.5, 2.5), (2.5, 5.5), (0.0, 8.0))
        .h_by(-11.0)
        .curve_by((2.5, -2.5), (2.5, -5.5), (0.0, -8.0))
        .curve_by((-2.5, -2.5), (-2.5, -5.5), (0.0, -8.0))
        .close();
    let rows: Vec<(f64, f64, f64, f64)> = [(3.5, 1.5), (7.0, 3.0), (10.0, 3.0), (13.0, 1.5)]
        .iter()
        .map(|(dy, indent)| (x0 + indent, y0 + dy, x0 + indent + 6.0, y0 + dy))
        .collect();
    g.add(path(d, Pen::new(&paint.stroke, 1.0), &paint.fill)).add(lines(&rows, Pen::new(&paint.stroke, 1.0)))
}

/// A decision table: a header row and a grid.
fn business_rule(g: Group, x: f64, y: f64, paint: &Paint) -> Group {
    let table = baton_engine::model::Bounds { x: x + 7.0, y: y + 8.0, width: 18.0, height: 13.0 };
    let header = baton_engine::model::Bounds { height: 4.0, ..table };
    let pen = Pen::new(&paint.stroke, 1.0);
    g.add(rect(table, 0.0, pen, &paint.fill))
        .add(rect(header, 0.0, pen, &paint.stroke).set("fill-opacity", "0.35"))
        .add(lines(
            &[
                (table.x, table.y + 8.5, table.x + table.width, table.y + 8.5),
                (table.x + 5.5, table.y + 4.0, table.x + 5.5, table.y + table.height),
            ],
            pen,
        ))
}

/// A marker along the bottom edge of an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// Compensation handler: rewind triangles.
    Compensation,
    /// Standard loop: circular arrow.
    Loop,
    /// Parallel multi-instance: three vertical bars.
    Parallel,
    /// Sequential multi-instance: three horizontal bars.
    Sequential,
    /// Collapsed sub-process or call activity: a plus in a box.
    Collapsed,
    /// Ad-hoc sub-process: a tilde.
    AdHoc,
}

/// Width a marker takes, and the gap between markers.
pub(crate) const MARKER_SIZE: f64 = 14.0;
const MARKER_GAP: f64 = 4.0;

/// Draws `markers` side by side, centred on `cx`, their middle at `cy`.
pub(crate) fn markers(g: Group, markers: &[Marker], cx: f64, cy: f64, paint: &Paint) -> Group {
    let n = markers.len() as f64;
    let total = n * MARKER_SIZE + (n - 1.0).max(0.0) * MARKER_GAP;
    let mut g = g;
    for (i, marker) in markers.iter().enumerate() {
        let mx = cx - total / 2.0 + MARKER_SIZE / 2.0 + i as f64 * (MARKER_SIZE + MARKER_GAP);
        g = g.add(draw_marker(*marker, mx, cy, paint));
    }
    g
}

fn draw_marker(marker: Marker, mx: f64, my: f64, paint: &Paint) -> Group {
    let pen = Pen::new(&paint.stroke, 1.5);
    let g = Group::new();
    match marker {
        Marker::Compensation => {
            let shape = |points: &[(f64, f64)]| {
                path(PathData::polygon(&place(points, mx, my, 0.65, 0.0)), Pen::new(&paint.stroke, 1.0), "none")
            };
            g.add(shape(&REWIND_BACK)).add(shape(&REWIND_FRONT))
        }
        Marker::Loop => loop_arrow(g, mx, my, pen),
        Marker::Parallel => g.add(lines(
            &[-4.0, 0.0, 4.0].map(|dx| (mx + dx, my - 6.0, mx + dx, my + 6.0)),
            Pen::new(&paint.stroke, 2.0),
        )),
        Marker::Sequential => g.add(lines(
            &[-4.0, 0.0, 4.0].map(|dy| (mx - 6.0, my + dy, mx + 6.0, my + dy)),
            Pen::new(&paint.stroke, 2.0),
        )),
        Marker::Collapsed => {
            let half = MARKER_SIZE / 2.0;
            let frame =
                baton_engine::model::Bounds { x: mx - half, y: my - half, width: MARKER_SIZE, height: MARKER_SIZE };
            g.add(rect(frame, 0.0, Pen::new(&paint.stroke, 1.0), &paint.fill))
                .add(lines(&[(mx, my - 4.5, mx, my + 4.5), (mx - 4.5, my, mx + 4.5, my)], pen))
        }
        Marker::AdHoc => {
            let d = PathData::new()
                .move_to(mx - 6.5, my + 1.5)
                .curve_by((1.5, -4.0), (4.0, -4.0), (6.5, -1.5))
                .curve_by((2.5, 2.5), (5.0, 2.5), (6.5, -1.5));
            g.add(path(d, pen, "none"))
        }
    }
}

/// A circular arrow: three quarters of a circle from the lower left, over the top, with the
/// arrowhead at the lower right.
fn loop_arrow(g: Group, mx: f64, my: f64, pen: Pen<'_>) -> Group {
    let r = 5.5;
    let at = |degrees: f64| {
        let (sin, cos) = degrees.to_radians().sin_cos();
        (mx + r * cos, my + r * sin)
    };
    let (start, end) = (at(135.0), at(45.0));
    let arc = PathData::new().move_to(start.0, start.1).arc_to(r, r, true, true, end.0, end.1);
    // The head points along the direction of travel at the end (clockwise: down and left),
    // its arms 30° either side of the way back.
    let (dx, dy) = (-(45.0_f64.to_radians().sin()), 45.0_f64.to_radians().cos());
    let tip = (end.0 + 1.5 * dx, end.1 + 1.5 * dy);
    let arm = |degrees: f64| {
        let (sin, cos) = degrees.to_radians().sin_cos();
        (tip.0 - 4.0 * (dx * cos - dy * sin), tip.1 - 4.0 * (dx * sin + dy * cos))
    };
    let head = PathData::polyline(&[arm(30.0), tip, arm(-30.0)]);
    g.add(path(arc, pen, "none")).add(path(head, pen, "none").set("stroke-linecap", "round"))
}
