//! The small pictures inside shapes: event triggers, gateway markers and task types. Each is
//! drawn at the size bpmn-js draws it, scaled with its shape; task types with bpmn-js's own
//! outlines (`paths`).

use std::cell::Cell;

use baton_engine::model::{EventDefinition, GatewayKind, TaskKind, Trigger};
use svg::node::element::{Circle, Group, Path, Use};

use super::geometry::{PathData, num};
use super::paint::Paint;
use super::paths;
use super::pen::{Pen, circle, lines, path, place, rect, regular};

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
        GatewayKind::Parallel => g.add(marker((0.46, 0.2), 50.0 * s / 30.0 * 0.6, &PARALLEL)),
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

/// Draws a task type icon in the top-left corner of the task at `(x, y)`: bpmn-js's outlines
/// (`BpmnRenderer`'s task handlers, `PathMap`'s `TASK_TYPE_*`) at bpmn-js's places.
pub(crate) fn task_type(g: Group, kind: &TaskKind, (x, y): (f64, f64), paint: &Paint, symbols: &Symbols) -> Group {
    let outline = |(dx, dy): (f64, f64), steps: &str, width: f64, fill: &str| {
        path(PathData::new().relative(x + dx, y + dy, steps), Pen::new(&paint.stroke, width), fill)
    };
    match kind {
        TaskKind::Abstract => g,
        TaskKind::Service => g.add(symbols.gears(x, y, paint)),
        TaskKind::User(_) => g
            .add(outline(USER_AT, paths::USER_BODY, 0.5, &paint.fill))
            .add(outline(USER_AT, paths::USER_FACE, 0.5, &paint.fill))
            .add(outline(USER_AT, paths::USER_HAIR, 0.5, &paint.stroke)),
        TaskKind::Manual => g.add(outline((17.0, 15.0), paths::MANUAL, 0.5, &paint.fill)),
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
        TaskKind::BusinessRule(_) => g
            .add(outline((8.0, 8.0), paths::BUSINESS_RULE_TABLE, 1.0, &paint.fill))
            .add(outline((8.0, 8.0), paths::BUSINESS_RULE_HEADER, 1.0, &paint.stroke)),
    }
}

/// Where bpmn-js starts the user task's outlines.
const USER_AT: (f64, f64) = (15.0, 12.0);

/// Icons drawn once in the diagram's `<defs>` and placed with `<use>`.
///
/// A service task's two gears are long paths: written out for every service task they were
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
            // As bpmn-js draws them: each gear over a disc of the fill colour that hides the
            // first gear's teeth behind the second.
            let disc = |cx: f64, cy: f64| {
                Circle::new().set("cx", num(cx)).set("cy", num(cy)).set("r", 5).set("stroke", "none")
            };
            let gear = |x: f64, y: f64| Path::new().set("d", PathData::new().relative(x, y, paths::GEAR).into_string());
            used.push(
                Group::new()
                    .set("id", GEARS)
                    .set("stroke-width", 1)
                    .set("stroke-linejoin", "round")
                    .add(disc(11.0, 11.0))
                    .add(gear(12.0, 18.0))
                    .add(disc(16.0, 15.0))
                    .add(gear(17.0, 22.0)),
            );
        }
        used
    }
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
