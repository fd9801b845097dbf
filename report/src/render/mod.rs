//! BPMN DI → SVG that looks like bpmn-js, with an optional overlay of what runs executed.
//!
//! ```text
//! Definitions + diagram index ─ render ─▶ Rendered { svg, not_drawn }
//!        Overlay (hit counts, waiting, incidents, links) ─┘
//! ```
//!
//! Every drawn BPMN element is one `<g class="baton-element baton-KIND ..." data-element-id="ID">`
//! with a `<title>` for hover, so that pages and browser tests can find it. Groups are flat
//! siblings, never nested, so dimming a sub-process never dims what is inside it. Drawing order
//! follows bpmn-js: pools, lanes, open sub-processes (outermost first), other shapes, sequence
//! flows and associations, boundary events, message flows, groups.
//!
//! The SVG is self-contained (no scripts, no external references) and every string from the
//! model or the overlay is escaped; links must be relative paths or fragments. The same input
//! always gives the same bytes.
//!
//! Choices where bpmn-js and the BPMN spec leave room:
//! - An exclusive gateway shows its X only when its DI says `isMarkerVisible="true"`, as in
//!   bpmn-js (Camunda Modeler always writes the attribute when it shows the X).
//! - A sub-process whose DI does not say `isExpanded` is drawn open when its children are drawn
//!   on the same diagram.
//! - An element where an instance waits, or with an incident, counts as executed even with no
//!   hit count: a token reached it.

mod edges;
mod geometry;
mod icons;
mod markers;
mod overlay;
mod paint;
mod paths;
mod pen;
mod scene;
mod shapes;
mod text;

use std::collections::{BTreeMap, BTreeSet};

use baton_engine::model::{
    ArtifactKind, DataKind, Definitions, Diagram, Edge, EventKind, FlowNode, NodeKind, Process, Shape,
};
use svg::Node as _;
use svg::node::element::{Anchor, Group, SVG, Title};

use self::edges::{EdgeDraw, Markers};
use self::geometry::{Extent, clean, num};
use self::icons::Symbols;
use self::overlay::{Highlight, Outline, Status, badges};
use self::paint::{DIMMED, Paint};
use self::scene::{Element, Scene, element_id};
use self::shapes::ShapeDraw;
use self::text::xml_text;

/// Space around the drawing inside the viewBox.
const MARGIN: f64 = 20.0;

/// What to show on top of the drawing.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    /// Hit count per executed flow node id (absent = never executed).
    pub nodes: BTreeMap<String, u64>,
    /// Hit count per executed sequence flow id (absent = never executed).
    pub flows: BTreeMap<String, u64>,
    /// Flow nodes where instances wait now: drawn with a token marker.
    pub waiting: BTreeSet<String>,
    /// Flow nodes with an incident: drawn red.
    pub incidents: BTreeSet<String>,
    /// Heat map (fill by hit count, count badges) instead of a plain highlight.
    pub heat: bool,
    /// A link per element id (`element-Task_1.html`, `#el-Task_1`), drawn as `<a href>`.
    /// Only relative paths and fragments are kept: anything with a scheme (`javascript:`,
    /// `https:`), a leading `/` or `\`, or control characters is dropped.
    pub links: BTreeMap<String, String>,
}

/// A drawn diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The SVG document, without an XML declaration, ready to inline in HTML or save as `.svg`.
    pub svg: String,
    /// Elements the diagram should show but has no shape or edge for, in document order.
    pub not_drawn: Vec<NotDrawn>,
}

/// An element of the model with no DI on the diagram, so a report can still list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotDrawn {
    /// Its id.
    pub id: String,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// Its BPMN element name, e.g. `serviceTask`, `sequenceFlow`, `lane`.
    pub kind: String,
}

/// Draws diagram `index` of the file; with `overlay`, executed elements are highlighted and the
/// rest dimmed.
///
/// With no diagram at `index`, the SVG is empty and every element of the file is in
/// [`Rendered::not_drawn`].
pub fn render(definitions: &Definitions, index: usize, overlay: Option<&Overlay>) -> Rendered {
    let scene = Scene::new(definitions);
    let Some(diagram) = definitions.diagrams.get(index) else {
        let not_drawn = scene.scope(None).iter().filter_map(|e| missing(&scene, e)).collect();
        let svg = document(None, Group::new(), Markers::default(), &Symbols::default(), Extent::default());
        return Rendered { svg, not_drawn };
    };
    let canvas = Canvas { scene, diagram, highlight: Highlight::new(overlay), overlay, symbols: Symbols::default() };
    let (elements, markers, extent) = canvas.draw();
    let svg = document(Some(diagram), elements, markers, &canvas.symbols, extent);
    Rendered { svg, not_drawn: canvas.not_drawn() }
}

/// What drawing one diagram needs.
pub(crate) struct Canvas<'a> {
    pub(crate) scene: Scene<'a>,
    pub(crate) diagram: &'a Diagram,
    highlight: Highlight<'a>,
    overlay: Option<&'a Overlay>,
    /// The shared icons the shapes drew, for `<defs>`.
    pub(crate) symbols: Symbols,
}

/// A DI element, in drawing order.
#[derive(Debug, Clone, Copy)]
enum Item<'a> {
    Shape(&'a Shape),
    Edge(&'a Edge),
}

impl<'a> Canvas<'a> {
    /// Every element's group, the markers they use and the extent they cover.
    fn draw(&self) -> (Group, Markers, Extent) {
        let mut markers = Markers::default();
        let mut extent = Extent::default();
        let mut layer = Group::new().set("class", "baton-elements");
        for item in self.drawing_order() {
            let drawn = match item {
                Item::Shape(shape) => self.shape(shape, &mut extent),
                Item::Edge(edge) => self.edge(edge, &mut markers, &mut extent),
            };
            layer.append(drawn);
        }
        (layer, markers, extent)
    }

    /// Shapes and edges sorted by layer (stable: document order within a layer).
    ///
    /// A shape or edge of an element the diagram does not show (another process's, drawn
    /// inside a call activity's box) is left out, as bpmn-js leaves it out; one whose element
    /// Baton does not know is drawn, so that nothing is lost.
    fn drawing_order(&self) -> Vec<Item<'a>> {
        let scope: BTreeSet<&str> = self.scene.scope(Some(self.diagram)).iter().filter_map(element_id).collect();
        let shown = |id: &str| match self.scene.get(id) {
            None | Some(Element::Unsupported(_)) => true,
            // Drawn for itself rather than through a reference: shown wherever its process is.
            Some(Element::Data(_, data))
                if matches!(
                    data.kind,
                    DataKind::Object { .. } | DataKind::Property | DataKind::Input { .. } | DataKind::Output { .. }
                ) =>
            {
                true
            }
            Some(_) => scope.contains(id),
        };
        let shapes = self.diagram.shapes.iter().filter(|s| shown(&s.element)).map(Item::Shape);
        let edges = self.diagram.edges.iter().filter(|e| e.waypoints.len() >= 2 && shown(&e.element)).map(Item::Edge);
        let mut items: Vec<(u8, usize, Item<'a>)> = shapes.chain(edges).map(|i| self.layer(i)).collect();
        items.sort_by_key(|(layer, depth, _)| (*layer, *depth));
        items.into_iter().map(|(_, _, item)| item).collect()
    }

    fn layer(&self, item: Item<'a>) -> (u8, usize, Item<'a>) {
        let (layer, depth) = match item {
            Item::Shape(shape) => match self.scene.get(&shape.element) {
                Some(Element::Participant(_)) => (0, 0),
                Some(Element::Lane(_)) => (1, 0),
                Some(Element::Node(process, node)) => match &node.kind {
                    NodeKind::SubProcess(_) if shapes::is_expanded(self, process, node, shape) => {
                        (2, depth(process, node))
                    }
                    NodeKind::Event(e) if matches!(e.kind, EventKind::Boundary { .. }) => (5, 0),
                    _ => (3, 0),
                },
                Some(Element::Artifact(a)) if matches!(a.kind, ArtifactKind::Group { .. }) => (7, 0),
                _ => (3, 0),
            },
            Item::Edge(edge) => match self.scene.get(&edge.element) {
                Some(Element::MessageFlow(_)) => (6, 0),
                _ => (4, 0),
            },
        };
        (layer, depth, item)
    }

    fn shape(&self, shape: &Shape, extent: &mut Extent) -> Box<dyn svg::Node> {
        let element = self.scene.get(&shape.element);
        let status = self.status(&shape.element, element);
        let bounds = clean(shape.bounds);
        extent.add_bounds(&bounds);
        let container = match element {
            Some(Element::Node(process, node)) => {
                matches!(node.kind, NodeKind::SubProcess(_)) && shapes::is_expanded(self, process, node, shape)
            }
            _ => false,
        };
        let paint = Paint::new(&shape.colors, shape.label.as_ref(), &status, container);
        let draw = ShapeDraw { shape, bounds, paint: &paint, element };
        let mut content = shapes::shape(self, &draw, extent);
        let outline = match element {
            Some(Element::Node(_, node)) => match node.kind {
                NodeKind::Event(_) => Outline::Round,
                NodeKind::Gateway(_) => Outline::Diamond,
                _ => Outline::Box,
            },
            _ => Outline::Box,
        };
        if let Some(badges) = badges(&status, &bounds, outline) {
            content.append(badges);
        }
        self.wrap(&shape.element, element, &status, content)
    }

    fn edge(&self, edge: &Edge, markers: &mut Markers, extent: &mut Extent) -> Box<dyn svg::Node> {
        let element = self.scene.get(&edge.element);
        let status = self.status(&edge.element, element);
        let paint = Paint::new(&edge.colors, edge.label.as_ref(), &status, false);
        let message_name = match element {
            Some(Element::MessageFlow(flow)) => flow
                .message
                .as_ref()
                .and_then(|m| self.scene.definitions.message(m.as_str()))
                .and_then(|m| m.name.as_deref())
                .filter(|n| !n.trim().is_empty()),
            _ => None,
        };
        let draw = EdgeDraw { edge, paint: &paint, heat: status.heat, element, message_name };
        let content = edges::edge(&draw, markers, extent);
        self.wrap(&edge.element, element, &status, content)
    }

    fn status(&self, id: &str, element: Option<Element<'_>>) -> Status {
        match element {
            Some(element) => self.highlight.status(id, element.tracked()),
            None => self.highlight.status(id, overlay::Tracked::Other),
        }
    }

    /// The element's group: classes, id, title, dimming, and a link around it when there is one.
    fn wrap(&self, id: &str, element: Option<Element<'a>>, status: &Status, content: Group) -> Box<dyn svg::Node> {
        let kind = element.map_or("unknown", |e| e.kind());
        let mut group = Group::new()
            .set("class", format!("baton-element baton-{}{}", class_part(kind), status.classes()))
            .set("data-element-id", xml_text(id))
            .add(Title::new(xml_text(&self.title(id, kind, element, status))));
        if status.dimmed() {
            group = group.set("opacity", DIMMED);
        }
        let group = group.add(content);
        match self.overlay.and_then(|o| o.links.get(id)).filter(|href| is_relative_link(href)) {
            Some(href) => Box::new(Anchor::new().set("href", xml_text(href)).add(group)),
            None => Box::new(group),
        }
    }

    /// Name, kind and id, what the overlay says, and the documentation, one per line.
    fn title(&self, id: &str, kind: &str, element: Option<Element<'a>>, status: &Status) -> String {
        let mut lines = Vec::new();
        if let Some(name) = element.and_then(|e| e.name(self.scene.definitions)) {
            lines.push(name.to_owned());
        }
        lines.push(format!("{kind} {id}"));
        lines.extend(status.describe());
        lines.extend(element.and_then(|e| e.documentation()).map(str::to_owned));
        lines.join("\n")
    }

    /// Elements the diagram should show that have no shape or edge on it.
    fn not_drawn(&self) -> Vec<NotDrawn> {
        let drawn: BTreeSet<&str> = self
            .diagram
            .shapes
            .iter()
            .map(|s| s.element.as_str())
            .chain(self.diagram.edges.iter().filter(|e| e.waypoints.len() >= 2).map(|e| e.element.as_str()))
            .collect();
        let mut seen = BTreeSet::new();
        self.scene
            .scope(Some(self.diagram))
            .iter()
            .filter(|e| element_id(e).is_some_and(|id| !drawn.contains(id) && seen.insert(id)))
            .filter_map(|e| missing(&self.scene, e))
            .collect()
    }
}

/// How deep a node sits in sub-processes (0 at process level); bounded against parent cycles.
fn depth(process: &Process, node: &FlowNode) -> usize {
    let mut depth = 0;
    let mut parent = node.parent.as_ref();
    while let Some(id) = parent {
        depth += 1;
        if depth > process.nodes.len() {
            break;
        }
        parent = process.node(id.as_str()).and_then(|n| n.parent.as_ref());
    }
    depth
}

/// The not-drawn entry for an element.
fn missing(scene: &Scene<'_>, element: &Element<'_>) -> Option<NotDrawn> {
    Some(NotDrawn {
        id: element_id(element)?.to_owned(),
        name: element.name(scene.definitions).map(str::to_owned),
        kind: element.kind().to_owned(),
    })
}

/// The whole document: viewBox around everything drawn, definitions (markers and shared
/// icons) first, then the elements.
fn document(diagram: Option<&Diagram>, elements: Group, markers: Markers, symbols: &Symbols, extent: Extent) -> String {
    let (x, y, width, height) = extent.with_margin(MARGIN);
    let mut svg = SVG::new()
        .set("class", "baton-diagram")
        .set("viewBox", format!("{} {} {} {}", num(x), num(y), num(width), num(height)))
        .set("width", num(width))
        .set("height", num(height));
    if let Some(id) = diagram.and_then(|d| d.id.as_deref()) {
        svg = svg.set("data-diagram-id", xml_text(id));
    }
    let (defs, icons) = (markers.into_defs(), symbols.definitions());
    if defs.is_some() || !icons.is_empty() {
        let defs = defs.unwrap_or_else(svg::node::element::Definitions::new);
        svg = svg.add(icons.into_iter().fold(defs, |defs, icon| defs.add(icon)));
    }
    svg.add(elements).to_string()
}

/// An element kind as a class name: letters, digits, `-` and `_` only.
fn class_part(kind: &str) -> String {
    kind.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

/// Whether `href` is a relative path or a fragment: no scheme, not protocol- or root-relative,
/// no backslashes or control characters (browsers strip or reinterpret those).
fn is_relative_link(href: &str) -> bool {
    let first_segment = href.split(['/', '?', '#']).next().unwrap_or("");
    !href.is_empty()
        && !href.starts_with('/')
        && !href.contains('\\')
        && !href.chars().any(char::is_control)
        && !first_segment.contains(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_relative_links_pass() {
        for good in ["element-Task_1.html", "#el-Task_1", "../p/x.html?a=b#c", "a b.html"] {
            assert!(is_relative_link(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "https://example.com",
            "//example.com/x",
            "/etc/passwd",
            "\\\\host\\share",
            "data:text/html,<b>",
            "",
        ] {
            assert!(!is_relative_link(bad), "{bad}");
        }
    }
}
