//! Edges: sequence flows, message flows and associations, with their arrowheads as shared
//! `<marker>`s, one per kind and colour.

use std::collections::BTreeMap;

use baton_engine::model::{ArtifactKind, AssociationDirection, Bounds, Edge, MessageVisibleKind, Point};
use svg::node::element::{Definitions, Group, Marker};

use super::geometry::{Extent, PathData, clean, midpoint, num};
use super::paint::Paint;
use super::pen::{Pen, circle, path};
use super::scene::Element;
use super::shapes::{LabelArea, place_outer_label};
use super::text::{self, Align, INNER_SIZE, OUTER_SIZE, OUTER_WIDTH, Style};

/// Width of sequence flows and associations, as bpmn-js draws them (its line style's default).
const FLOW_WIDTH: f64 = 2.0;
/// The dots of associations: bpmn-js's `0, 5` with round caps.
const ASSOCIATION_DASHES: &str = "0,5";
/// Corner radius at the bends of every connection, as bpmn-js draws them.
const BEND_RADIUS: f64 = 5.0;
/// Extra width the most executed flow gets on a heat map.
const HEAT_WIDTH: f64 = 2.5;

/// The kinds of line end (tips drawn by markers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tip {
    /// Filled arrowhead of a sequence flow.
    Arrow,
    /// Slash near the source of a default flow.
    Default,
    /// Small diamond at the source of a conditional flow out of an activity.
    Conditional,
    /// Open circle at the source of a message flow.
    MessageStart,
    /// Open arrowhead at the target of a message flow.
    MessageEnd,
    /// Line arrowhead of a directed association (`auto-start-reverse` serves both ends).
    Association,
}

impl Tip {
    fn name(self) -> &'static str {
        match self {
            Tip::Arrow => "arrow",
            Tip::Default => "default",
            Tip::Conditional => "conditional",
            Tip::MessageStart => "message-start",
            Tip::MessageEnd => "message-end",
            Tip::Association => "association",
        }
    }
}

/// The markers used so far, written into `<defs>` at the end.
#[derive(Debug, Default)]
pub(crate) struct Markers {
    used: BTreeMap<String, (Tip, String, String)>,
}

impl Markers {
    /// A `url(#...)` reference to the marker for this end in these colours.
    ///
    /// The id is spelled from the colours, so that two diagrams inlined in one HTML page that
    /// share an id also share its look.
    fn url(&mut self, end: Tip, stroke: &str, fill: &str) -> String {
        let id = format!("baton-{}-{}-{}", end.name(), id_part(stroke), id_part(fill));
        let url = format!("url(#{id})");
        self.used.entry(id).or_insert_with(|| (end, stroke.to_owned(), fill.to_owned()));
        url
    }

    /// The `<defs>` holding every marker used, if any was.
    pub(crate) fn into_defs(self) -> Option<Definitions> {
        if self.used.is_empty() {
            return None;
        }
        Some(
            self.used
                .into_iter()
                .fold(Definitions::new(), |defs, (id, (end, stroke, fill))| defs.add(marker(&id, end, &stroke, &fill))),
        )
    }
}

/// A colour as a piece of an id: letters and digits kept, anything else `_`.
fn id_part(colour: &str) -> String {
    colour.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// One `<marker>` in a 20×20 box, sized in user space so it does not grow with the line.
///
/// The sizes are what bpmn-js's markers come to on its lines: a marker there is sized in stroke
/// widths (`markerWidth` 20 × its scale × the line's width), so the sequence flow's arrow, at
/// scale 0.5 on a 2-wide line, is 20 across, and the message flow's, at 1 on 1.5, is 30; the
/// association's, at 0.5 on a 2-wide line, 20.
fn marker(id: &str, end: Tip, stroke: &str, fill: &str) -> Marker {
    let thin = Pen::new(stroke, 1.0);
    let (shape, ref_x, ref_y, size): (Box<dyn svg::Node>, f64, f64, f64) = match end {
        Tip::Arrow => (Box::new(path(PathData::polygon(&ARROW), thin, stroke)), 11.0, 10.0, 20.0),
        Tip::MessageEnd => (Box::new(path(PathData::polygon(&MESSAGE_ARROW), thin, fill)), 8.5, 5.0, 30.0),
        Tip::Association => {
            (Box::new(path(PathData::polyline(&ARROW), Pen::new(stroke, 1.5), "none")), 11.0, 10.0, 20.0)
        }
        Tip::MessageStart => (Box::new(circle(6.0, 6.0, 3.5, thin, fill)), 6.0, 6.0, 30.0),
        Tip::Conditional => {
            let diamond = PathData::polygon(&[(0.0, 10.0), (8.0, 6.0), (16.0, 10.0), (8.0, 14.0)]);
            (Box::new(path(diamond, thin, fill)), -1.0, 10.0, 20.0)
        }
        Tip::Default => {
            let slash = PathData::polyline(&[(6.0, 4.0), (10.0, 16.0)]);
            (Box::new(path(slash, Pen::new(stroke, 2.0), "none")), 0.0, 10.0, 20.0)
        }
    };
    let orient = if end == Tip::Association { "auto-start-reverse" } else { "auto" };
    Marker::new()
        .set("id", id)
        .set("viewBox", "0 0 20 20")
        .set("refX", num(ref_x))
        .set("refY", num(ref_y))
        .set("markerWidth", num(size))
        .set("markerHeight", num(size))
        .set("markerUnits", "userSpaceOnUse")
        .set("orient", orient)
        .add(shape)
}

/// An arrowhead pointing right, its tip at (11, 10).
const ARROW: [(f64, f64); 3] = [(1.0, 5.0), (11.0, 10.0), (1.0, 15.0)];

/// The open arrowhead of a message flow, bpmn-js's, its tip at (8, 5).
const MESSAGE_ARROW: [(f64, f64); 4] = [(1.0, 5.0), (1.0, 2.0), (8.0, 5.0), (1.0, 8.0)];

/// What one edge needs to be drawn.
pub(crate) struct EdgeDraw<'s, 'a> {
    /// The DI edge.
    pub edge: &'s Edge,
    /// Its colours.
    pub paint: &'s Paint,
    /// Heat in 0..=1 for an executed flow on a heat map.
    pub heat: Option<f64>,
    /// The element it draws, when known.
    pub element: Option<Element<'a>>,
    /// For a message flow that names its message: the message's name, if it has one.
    pub message_name: Option<&'a str>,
}

/// Draws one edge with its label; grows `extent` to hold both.
pub(crate) fn edge(draw: &EdgeDraw<'_, '_>, markers: &mut Markers, extent: &mut Extent) -> Group {
    let points: Vec<Point> = draw.edge.waypoints.iter().map(|p| finite(*p)).collect();
    points.iter().for_each(|p| extent.add_point(p.x, p.y));
    let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.x, p.y)).collect();
    let d = match draw.element {
        Some(Element::Flow(..) | Element::MessageFlow(_) | Element::Artifact(_) | Element::DataAssociation(_)) => {
            PathData::rounded(&xy, BEND_RADIUS)
        }
        _ => PathData::polyline(&xy),
    };
    let paint = draw.paint;
    let stroke = paint.stroke.as_str();
    let line = |width: f64| path(d.clone(), Pen::new(stroke, width), "none").set("stroke-linecap", "round");
    let (line, name) = match draw.element {
        Some(Element::Flow(process, flow)) => {
            let width = FLOW_WIDTH + draw.heat.unwrap_or(0.0) * HEAT_WIDTH;
            let mut line = line(width).set("marker-end", markers.url(Tip::Arrow, stroke, &paint.fill));
            let from_activity = process.node(flow.source.as_str()).is_some_and(|n| n.activity().is_some());
            if flow.is_default {
                line = line.set("marker-start", markers.url(Tip::Default, stroke, &paint.fill));
            } else if flow.condition.is_some() && from_activity {
                line = line.set("marker-start", markers.url(Tip::Conditional, stroke, &paint.fill));
            }
            (line, flow.name.as_deref())
        }
        Some(Element::MessageFlow(message)) => {
            let line = line(1.5)
                .set("stroke-dasharray", "10,11")
                .set("marker-start", markers.url(Tip::MessageStart, stroke, &paint.fill))
                .set("marker-end", markers.url(Tip::MessageEnd, stroke, &paint.fill));
            (line, message.name.as_deref())
        }
        Some(Element::Artifact(artifact)) => {
            let direction = match artifact.kind {
                ArtifactKind::Association { direction, .. } => direction,
                _ => AssociationDirection::None,
            };
            let mut line = line(FLOW_WIDTH).set("stroke-dasharray", ASSOCIATION_DASHES);
            if direction != AssociationDirection::None {
                line = line.set("marker-end", markers.url(Tip::Association, stroke, &paint.fill));
            }
            if direction == AssociationDirection::Both {
                line = line.set("marker-start", markers.url(Tip::Association, stroke, &paint.fill));
            }
            (line, None)
        }
        Some(Element::DataAssociation(_)) => {
            let line = line(FLOW_WIDTH)
                .set("stroke-dasharray", ASSOCIATION_DASHES)
                .set("marker-end", markers.url(Tip::Association, stroke, &paint.fill));
            (line, None)
        }
        Some(_) | None => (line(1.0).set("stroke-dasharray", "4,3"), None),
    };
    let mut g = Group::new().add(line);
    if let Some(Element::MessageFlow(message)) = draw.element
        && message.message.is_some()
        && let Some((mid, _)) = midpoint(&points)
    {
        extent.add_bounds(&Bounds { x: mid.x - 10.5, y: mid.y - 7.0, width: 21.0, height: 14.0 });
        g = g.add(envelope(mid, paint, draw.edge.message_visible_kind));
        if let Some(name) = draw.message_name {
            g = message_label(g, name, mid, paint, extent);
        }
    }
    place_outer_label(g, name, label_area(draw.edge, name, &points), paint, extent)
}

/// The name of a message flow's message below its envelope, in the inner font, where bpmn-js 18
/// puts it: it means to centre it 10 below the envelope, but measures both before they are
/// shown (as 0 × 0), so the text starts at the middle of the flow, its top 10 below it.
fn message_label(g: Group, name: &str, mid: Point, paint: &Paint, extent: &mut Extent) -> Group {
    let lines = text::wrap(name, MESSAGE_LABEL_WIDTH, INNER_SIZE);
    let widest = lines.iter().map(|l| text::width(l, INNER_SIZE)).fold(0.0, f64::max);
    let area = Bounds { x: mid.x, y: mid.y + 10.0, width: widest, height: 0.0 };
    extent.add_bounds(&Bounds { height: text::lines_height(lines.len(), INNER_SIZE), ..area });
    let style = Style { size: INNER_SIZE, colour: &paint.stroke, padding: 0.0, wrap_width: Some(MESSAGE_LABEL_WIDTH) };
    match text::label(name, area, Align::CentreTop, &style) {
        Some(label) => g.add(label),
        None => g,
    }
}

/// Width bpmn-js lays a message's name out in.
const MESSAGE_LABEL_WIDTH: f64 = 100.0;

/// The envelope bpmn-js draws halfway along a message flow that names its message: light for an
/// initiating message (the DI's `messageVisibleKind` default), dark for a non-initiating one,
/// bpmn-js's fill and stroke colours swapped.
fn envelope(mid: Point, paint: &Paint, kind: Option<MessageVisibleKind>) -> svg::node::element::Path {
    let d = PathData::new()
        .move_to(mid.x - 10.5, mid.y - 7.0)
        .line_by(0.0, 14.0)
        .line_by(21.0, 0.0)
        .line_by(0.0, -14.0)
        .close()
        .move_to(mid.x - 10.5, mid.y - 7.0)
        .line_by(10.5, 6.0)
        .line_by(10.5, -6.0);
    let (stroke, fill) = match kind {
        Some(MessageVisibleKind::NonInitiating) => (&paint.fill, &paint.stroke),
        Some(MessageVisibleKind::Initiating) | None => (&paint.stroke, &paint.fill),
    };
    path(d, Pen::new(stroke, 1.0), fill)
}

/// Where an edge's label goes: its DI label bounds, or just below the middle of the line.
fn label_area(edge: &Edge, name: Option<&str>, points: &[Point]) -> LabelArea {
    if let Some(bounds) = edge.label.as_ref().and_then(|l| l.bounds) {
        return LabelArea { bounds: clean(bounds), from_di: true };
    }
    let (mid, across) = midpoint(points).unwrap_or_default();
    let lines = text::wrap(name.unwrap_or_default(), OUTER_WIDTH, OUTER_SIZE);
    let widest = lines.iter().map(|l| text::width(l, OUTER_SIZE)).fold(0.0, f64::max);
    let height = text::lines_height(lines.len(), OUTER_SIZE);
    // Beside the line, never across it: above a level segment, right of an upright one.
    let (cx, top) =
        if across { (mid.x, mid.y - height - 4.0) } else { (mid.x + widest / 2.0 + 6.0, mid.y - height / 2.0) };
    LabelArea { bounds: Bounds { x: cx - OUTER_WIDTH / 2.0, y: top, width: OUTER_WIDTH, height }, from_di: false }
}

fn finite(p: Point) -> Point {
    let f = |v: f64| if v.is_finite() { v } else { 0.0 };
    Point { x: f(p.x), y: f(p.y) }
}
