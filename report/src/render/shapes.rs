//! Shapes: activities, events, gateways, pools and lanes, data and artifacts, drawn at their DI
//! bounds the way bpmn-js draws them.

use baton_engine::model::{
    Activity, ArtifactKind, Bounds, DataElement, DataKind, Event, EventKind, FlowNode, Gateway, LoopCharacteristics,
    NodeKind, Process, Shape, SubProcessKind,
};
use svg::node::element::Group;

use super::Canvas;
use super::geometry::{Extent, PathData, centre, clean, num};
use super::icons::{self, EventIcon};
use super::markers::{self as bottom, Marker};
use super::paint::Paint;
use super::paths;
use super::pen::{Pen, circle, lines, path, rect};
use super::scene::Element;
use super::text::{self, Align, INNER_SIZE, OUTER_SIZE, OUTER_WIDTH, Style};

/// Corner radius of activities.
const ACTIVITY_RADIUS: f64 = 10.0;
/// Width of the header band of pools and lanes, where their name is written.
const HEADER: f64 = 30.0;
/// Outline width of most shapes.
const STROKE_WIDTH: f64 = 2.0;
/// Outline width of pools and lanes.
const POOL_STROKE_WIDTH: f64 = 1.5;
/// Space kept free on each side of a label inside a shape, as bpmn-js keeps it (so "Refund
/// payment" wraps in a 100-wide task).
const INNER_PADDING: f64 = 7.0;
/// Outline width of call activities, as bpmn-js draws them.
const CALL_STROKE_WIDTH: f64 = 5.0;
/// Colour of shapes whose element Baton does not know.
const UNKNOWN: &str = "#9e9e9e";

/// What one shape needs to be drawn.
pub(crate) struct ShapeDraw<'s, 'a> {
    /// The DI shape.
    pub shape: &'s Shape,
    /// Its bounds, made finite.
    pub bounds: Bounds,
    /// Its colours.
    pub paint: &'s Paint,
    /// The element it draws, when known.
    pub element: Option<Element<'a>>,
}

/// Draws one shape; labels placed outside the shape grow `extent`.
pub(crate) fn shape(canvas: &Canvas<'_>, draw: &ShapeDraw<'_, '_>, extent: &mut Extent) -> Group {
    let g = Group::new();
    match draw.element {
        Some(Element::Node(process, node)) => flow_node(g, canvas, process, node, draw, extent),
        Some(Element::Lane(lane)) => lane_or_pool(g, draw, lane.name.as_deref(), false, true),
        Some(Element::Participant(p)) => lane_or_pool(g, draw, p.name.as_deref(), true, p.process.is_some()),
        Some(Element::Data(process, data)) => data_shape(g, process, data, draw, extent),
        Some(Element::Artifact(artifact)) => match &artifact.kind {
            ArtifactKind::TextAnnotation { text } => annotation(g, text.as_deref(), draw),
            ArtifactKind::Group { .. } => {
                group(g, draw.element.and_then(|e| e.name(canvas.scene.definitions)), draw, extent)
            }
            ArtifactKind::Association { .. } => unknown(g, draw),
        },
        Some(_) | None => unknown(g, draw),
    }
}

fn flow_node(
    g: Group,
    canvas: &Canvas<'_>,
    process: &Process,
    node: &FlowNode,
    draw: &ShapeDraw<'_, '_>,
    extent: &mut Extent,
) -> Group {
    let name = node.name.as_deref();
    match &node.kind {
        NodeKind::Task(task) => {
            let g = activity(g, draw, name, STROKE_WIDTH, &markers(&task.activity, None));
            icons::task_type(g, &task.kind, (draw.bounds.x, draw.bounds.y), draw.paint, &canvas.symbols)
        }
        NodeKind::CallActivity(call) if draw.shape.is_expanded == Some(true) => {
            // Open, like an expanded sub-process: the name at the top, no plus.
            let b = draw.bounds;
            let g = g.add(rect(b, ACTIVITY_RADIUS, Pen::new(&draw.paint.stroke, CALL_STROKE_WIDTH), &draw.paint.fill));
            let g = add_label(g, name, b, Align::CentreTop, inner_style(draw.paint));
            bottom_markers(g, &markers(&call.activity, None), &b, draw.paint)
        }
        NodeKind::CallActivity(call) => {
            activity(g, draw, name, CALL_STROKE_WIDTH, &markers(&call.activity, Some(Marker::Collapsed)))
        }
        NodeKind::SubProcess(sub) => {
            let expanded = is_expanded(canvas, process, node, draw.shape);
            let g = sub_process_frame(g, draw, &sub.kind);
            let ad_hoc = matches!(sub.kind, SubProcessKind::AdHoc { .. }).then_some(Marker::AdHoc);
            let mut marks = markers(&sub.activity, (!expanded).then_some(Marker::Collapsed));
            marks.extend(ad_hoc);
            if expanded {
                let g = add_label(g, name, draw.bounds, Align::CentreTop, inner_style(draw.paint));
                bottom_markers(g, &marks, &draw.bounds, draw.paint)
            } else {
                let g = add_label(g, name, draw.bounds, Align::CentreMiddle, inner_style(draw.paint));
                bottom_markers(g, &marks, &draw.bounds, draw.paint)
            }
        }
        NodeKind::Gateway(gateway) => {
            let visible = draw.shape.is_marker_visible == Some(true);
            let g = gateway_shape(g, gateway, draw, visible);
            external_label(g, name, draw, extent)
        }
        NodeKind::Event(event) => {
            let g = event_shape(g, event, draw);
            external_label(g, name, draw, extent)
        }
    }
}

/// Whether a sub-process is drawn open: as the file says, or, when it does not say, when its
/// children are drawn on this diagram (bpmn-js would draw it closed; other tools leave
/// `isExpanded` out and still draw the children inside).
pub(crate) fn is_expanded(canvas: &Canvas<'_>, process: &Process, node: &FlowNode, shape: &Shape) -> bool {
    shape
        .is_expanded
        .unwrap_or_else(|| process.children(Some(&node.id)).any(|c| canvas.diagram.shape(c.id.as_str()).is_some()))
}

/// The markers along an activity's bottom edge, in bpmn-js's order.
fn markers(activity: &Activity, collapsed: Option<Marker>) -> Vec<Marker> {
    let mut markers = Vec::new();
    if activity.is_for_compensation {
        markers.push(Marker::Compensation);
    }
    match activity.loop_characteristics.as_deref() {
        Some(LoopCharacteristics::Standard { .. }) => markers.push(Marker::Loop),
        Some(LoopCharacteristics::MultiInstance(mi)) => {
            markers.push(if mi.sequential { Marker::Sequential } else { Marker::Parallel });
        }
        None => {}
    }
    markers.extend(collapsed);
    markers
}

/// A task-like activity: rounded box, centred label, bottom markers.
fn activity(g: Group, draw: &ShapeDraw<'_, '_>, name: Option<&str>, width: f64, marks: &[Marker]) -> Group {
    let b = draw.bounds;
    let g = g.add(rect(b, ACTIVITY_RADIUS, Pen::new(&draw.paint.stroke, width), &draw.paint.fill));
    let g = add_label(g, name, b, Align::CentreMiddle, inner_style(draw.paint));
    bottom_markers(g, marks, &b, draw.paint)
}

/// The outline of a sub-process: dotted for event sub-processes, doubled for transactions.
fn sub_process_frame(g: Group, draw: &ShapeDraw<'_, '_>, kind: &SubProcessKind) -> Group {
    let b = draw.bounds;
    let pen = Pen::new(&draw.paint.stroke, STROKE_WIDTH);
    match kind {
        SubProcessKind::Event => g.add(
            rect(b, ACTIVITY_RADIUS, pen, &draw.paint.fill)
                .set("stroke-dasharray", "1,4")
                .set("stroke-linecap", "round"),
        ),
        SubProcessKind::Transaction => {
            let inner = Bounds { x: b.x + 3.0, y: b.y + 3.0, width: b.width - 6.0, height: b.height - 6.0 };
            let thin = Pen::new(&draw.paint.stroke, 1.5);
            g.add(rect(b, ACTIVITY_RADIUS, thin, &draw.paint.fill)).add(rect(
                inner,
                ACTIVITY_RADIUS - 3.0,
                thin,
                "none",
            ))
        }
        SubProcessKind::Embedded | SubProcessKind::AdHoc { .. } => {
            g.add(rect(b, ACTIVITY_RADIUS, pen, &draw.paint.fill))
        }
    }
}

fn bottom_markers(g: Group, marks: &[Marker], b: &Bounds, paint: &Paint) -> Group {
    bottom::markers(g, marks, b, paint)
}

/// A diamond with the gateway's marker.
fn gateway_shape(g: Group, gateway: &Gateway, draw: &ShapeDraw<'_, '_>, marker_visible: bool) -> Group {
    let b = draw.bounds;
    let c = centre(&b);
    let diamond = PathData::polygon(&[(c.x, b.y), (b.x + b.width, c.y), (c.x, b.y + b.height), (b.x, c.y)]);
    let g = g.add(path(diamond, Pen::new(&draw.paint.stroke, STROKE_WIDTH), &draw.paint.fill));
    icons::gateway(g, &gateway.kind, (c.x, c.y), b.width.min(b.height) / 50.0, draw.paint, marker_visible)
}

/// Circles by event kind, then the trigger's icon.
fn event_shape(g: Group, event: &Event, draw: &ShapeDraw<'_, '_>) -> Group {
    let b = draw.bounds;
    let c = centre(&b);
    let r = (b.width + b.height) / 4.0;
    let paint = draw.paint;
    let ring = |width: f64, radius: f64, fill: &str| circle(c.x, c.y, radius, Pen::new(&paint.stroke, width), fill);
    let dashed = |c: svg::node::element::Circle, yes: bool| {
        if yes { c.set("stroke-dasharray", "6").set("stroke-linecap", "round") } else { c }
    };
    let (g, filled) = match &event.kind {
        EventKind::Start { interrupting } => (g.add(dashed(ring(2.0, r, &paint.fill), !interrupting)), false),
        EventKind::End => (g.add(ring(4.0, r, &paint.fill)), true),
        EventKind::IntermediateCatch | EventKind::IntermediateThrow | EventKind::Boundary { .. } => {
            let non_interrupting = matches!(event.kind, EventKind::Boundary { cancel_activity: false, .. });
            let g = g
                .add(dashed(ring(1.5, r, &paint.fill), non_interrupting))
                .add(dashed(ring(1.5, r - 3.0, "none"), non_interrupting));
            (g, event.kind == EventKind::IntermediateThrow)
        }
    };
    match EventIcon::of(&event.definitions, event.parallel_multiple) {
        Some(icon) => icons::event(g, icon, (c.x, c.y), b.width.min(b.height) / 36.0, paint, filled),
        None => g,
    }
}

/// A pool or lane: a rectangle with the name in a header band (across the top when vertical).
/// A pool with no process (a black box) has its name in the middle instead.
fn lane_or_pool(g: Group, draw: &ShapeDraw<'_, '_>, name: Option<&str>, pool: bool, with_header: bool) -> Group {
    let b = draw.bounds;
    let horizontal = draw.shape.is_horizontal.unwrap_or(true);
    let pen = Pen::new(&draw.paint.stroke, POOL_STROKE_WIDTH);
    let fill = if pool { draw.paint.fill.as_str() } else { "none" };
    let g = g.add(rect(b, 0.0, pen, fill));
    if !with_header {
        return add_label(g, name, b, Align::CentreMiddle, inner_style(draw.paint));
    }
    let g = match (pool, horizontal) {
        (false, _) => g,
        (true, true) => g.add(lines(&[(b.x + HEADER, b.y, b.x + HEADER, b.y + b.height)], pen)),
        (true, false) => g.add(lines(&[(b.x, b.y + HEADER, b.x + b.width, b.y + HEADER)], pen)),
    };
    let Some(name) = name else { return g };
    if !horizontal {
        let band = Bounds { height: HEADER.min(b.height), ..b };
        return add_label(g, Some(name), band, Align::CentreMiddle, inner_style(draw.paint));
    }
    // Written bottom to top in the left band: lay the text out in a box turned on its side.
    let band = Bounds { x: 0.0, y: 0.0, width: b.height, height: HEADER.min(b.width) };
    match text::label(name, band, Align::CentreMiddle, &inner_style(draw.paint)) {
        Some(label) => g.add(
            Group::new()
                .set("transform", format!("translate({},{}) rotate(-90)", num(b.x), num(b.y + b.height)))
                .add(label),
        ),
        None => g,
    }
}

/// A data object, input or output (page with a folded corner; an arrow for inputs and outputs)
/// or data store (cylinder), labelled below.
fn data_shape(g: Group, process: &Process, data: &DataElement, draw: &ShapeDraw<'_, '_>, extent: &mut Extent) -> Group {
    let b = draw.bounds;
    let paint = draw.paint;
    let pen = Pen::new(&paint.stroke, STROKE_WIDTH);
    let g = match &data.kind {
        DataKind::StoreReference { .. } => g.add(cylinder(&b, pen, &paint.fill)),
        DataKind::Object { is_collection } => page(g, &b, pen, &paint.fill, *is_collection),
        DataKind::ObjectReference { object } => {
            let collection = object
                .as_deref()
                .and_then(|id| process.data.iter().find(|d| d.id == id))
                .is_some_and(|d| matches!(d.kind, DataKind::Object { is_collection: true }));
            page(g, &b, pen, &paint.fill, collection)
        }
        DataKind::Property => page(g, &b, pen, &paint.fill, false),
        DataKind::Input { is_collection } | DataKind::Output { is_collection } => {
            // bpmn-js's arrow, drawn where it starts in its path data: hollow into the process,
            // filled out of it.
            let fill = if matches!(data.kind, DataKind::Output { .. }) { paint.stroke.as_str() } else { "none" };
            let arrow = PathData::new().relative(b.x + 5.0, b.y + 9.0, paths::DATA_ARROW);
            page(g, &b, pen, &paint.fill, *is_collection).add(path(arrow, Pen::new(&paint.stroke, 1.0), fill))
        }
    };
    external_label(g, data.name.as_deref(), draw, extent)
}

/// A page with its top-right corner folded; three bars at the bottom for a collection.
fn page(g: Group, b: &Bounds, pen: Pen<'_>, fill: &str, collection: bool) -> Group {
    let fold = 10.0_f64.min(b.width / 2.0).min(b.height / 2.0);
    let outline = PathData::new()
        .move_to(b.x, b.y)
        .h_by(b.width - fold)
        .line_by(fold, fold)
        .v_by(b.height - fold)
        .h_by(-b.width)
        .close();
    let corner = PathData::new().move_to(b.x + b.width - fold, b.y).v_by(fold).h_by(fold);
    let g = g.add(path(outline, pen, fill)).add(path(corner, Pen::new(pen.colour, 1.5), "none"));
    if !collection {
        return g;
    }
    let (cx, bottom) = (b.x + b.width / 2.0, b.y + b.height);
    g.add(lines(&[-4.0, 0.0, 4.0].map(|dx| (cx + dx, bottom - 14.0, cx + dx, bottom - 4.0)), Pen::new(pen.colour, 2.0)))
}

/// A cylinder with the rims of two more discs below its lid.
fn cylinder(b: &Bounds, pen: Pen<'_>, fill: &str) -> Group {
    let rx = b.width / 2.0;
    let ry = (b.height * 0.12).min(8.0);
    let body = PathData::new()
        .move_to(b.x, b.y + ry)
        .v_by(b.height - 2.0 * ry)
        .arc_by(rx, ry, false, false, b.width, 0.0)
        .v_by(-(b.height - 2.0 * ry))
        .arc_by(rx, ry, false, false, -b.width, 0.0)
        .close();
    let rims = (0..3).fold(PathData::new(), |d, k| {
        let y = b.y + ry + f64::from(k) * 4.0;
        d.move_to(b.x, y).arc_by(rx, ry, false, false, b.width, 0.0)
    });
    Group::new().add(path(body, pen, fill)).add(path(rims, pen, "none"))
}

/// An open bracket on the left, with the text beside it.
fn annotation(g: Group, text: Option<&str>, draw: &ShapeDraw<'_, '_>) -> Group {
    let b = draw.bounds;
    let arm = 10.0_f64.min(b.width);
    let bracket =
        PathData::polyline(&[(b.x + arm, b.y), (b.x, b.y), (b.x, b.y + b.height), (b.x + arm, b.y + b.height)]);
    let g = g.add(path(bracket, Pen::new(&draw.paint.stroke, 1.5), "none"));
    add_label(g, text, b, Align::LeftMiddle, inner_style(draw.paint))
}

/// A dashed rounded frame, labelled at its label bounds or at the top.
fn group(g: Group, name: Option<&str>, draw: &ShapeDraw<'_, '_>, extent: &mut Extent) -> Group {
    let b = draw.bounds;
    let frame = rect(b, ACTIVITY_RADIUS, Pen::new(&draw.paint.stroke, 1.5), "none")
        .set("stroke-dasharray", "10,4,2,4")
        .set("stroke-linecap", "round");
    let g = g.add(frame);
    match draw.shape.label.as_ref().and_then(|l| l.bounds) {
        Some(_) => external_label(g, name, draw, extent),
        None => add_label(g, name, Bounds { height: 0.0, ..b }, Align::CentreTop, outer_style(draw.paint, b.width)),
    }
}

/// A dashed box for a shape whose element Baton does not know.
fn unknown(g: Group, draw: &ShapeDraw<'_, '_>) -> Group {
    let frame = rect(draw.bounds, 0.0, Pen::new(UNKNOWN, 1.0), "none").set("stroke-dasharray", "4,3");
    let style = Style { size: OUTER_SIZE, colour: UNKNOWN, padding: 3.0, wrap_width: None };
    add_label(g.add(frame), Some(&draw.shape.element), draw.bounds, Align::CentreMiddle, style)
}

/// The style of labels inside shapes.
fn inner_style(paint: &Paint) -> Style<'_> {
    Style { size: INNER_SIZE, colour: &paint.text, padding: INNER_PADDING, wrap_width: None }
}

/// The style of labels outside shapes, wrapped to `width`.
pub(crate) fn outer_style(paint: &Paint, width: f64) -> Style<'_> {
    Style { size: OUTER_SIZE, colour: &paint.text, padding: 0.0, wrap_width: Some(width) }
}

fn add_label(g: Group, name: Option<&str>, area: Bounds, align: Align, style: Style<'_>) -> Group {
    match name.and_then(|n| text::label(n, area, align, &style)) {
        Some(label) => g.add(label),
        None => g,
    }
}

/// The label of an event, gateway or data element: at its DI label bounds when given, else
/// centred below the shape, as bpmn-js places a new label.
fn external_label(g: Group, name: Option<&str>, draw: &ShapeDraw<'_, '_>, extent: &mut Extent) -> Group {
    let b = draw.bounds;
    let area = match draw.shape.label.as_ref().and_then(|l| l.bounds) {
        Some(label) => LabelArea { bounds: clean(label), from_di: true },
        None => LabelArea {
            bounds: Bounds {
                x: b.x + b.width / 2.0 - OUTER_WIDTH / 2.0,
                y: b.y + b.height + 7.0,
                width: OUTER_WIDTH,
                height: 0.0,
            },
            from_di: false,
        },
    };
    place_outer_label(g, name, area, draw.paint, extent)
}

/// Where an outside label goes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LabelArea {
    /// The label's box; the text is centred on it, from its top.
    pub bounds: Bounds,
    /// Whether the box is the modeler's (DI label bounds), whose width shows where it wrapped.
    pub from_di: bool,
}

/// Writes an outside label centred on `area`, from its top, and grows `extent` to hold it.
///
/// A DI box is as wide as the modeler's wrapped text, so the text wraps to exactly that width, as
/// bpmn-js wraps it: a word wider than the box alone is cut. A new label wraps at 90 like
/// bpmn-js, never cutting a word.
pub(crate) fn place_outer_label(
    g: Group,
    name: Option<&str>,
    area: LabelArea,
    paint: &Paint,
    extent: &mut Extent,
) -> Group {
    let Some(name) = name else { return g };
    let wrap_width = if area.from_di {
        area.bounds.width
    } else {
        let longest_word = name.split_whitespace().map(|w| text::width(w, OUTER_SIZE)).fold(0.0, f64::max);
        OUTER_WIDTH.max(longest_word)
    };
    let (area, from_di) = (area.bounds, area.from_di);
    let lines = text::wrap(name, wrap_width, OUTER_SIZE);
    let widest = lines.iter().map(|l| text::width(l, OUTER_SIZE)).fold(0.0, f64::max);
    let cx = area.x + area.width / 2.0;
    if from_di {
        extent.add_bounds(&area);
    }
    extent.add_bounds(&Bounds {
        x: cx - widest / 2.0,
        y: area.y,
        width: widest,
        height: text::lines_height(lines.len(), OUTER_SIZE),
    });
    add_label(g, Some(name), area, Align::CentreTop, outer_style(paint, wrap_width))
}
