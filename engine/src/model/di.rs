//! Diagram interchange (DI): where each element is drawn.
//!
//! Kept apart from the process graph so that the runtime never depends on layout, and so that a
//! file with several diagrams, or none, runs the same.

use serde::{Deserialize, Serialize};

use super::Position;

/// A `<bpmndi:BPMNDiagram>` with its one plane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagram {
    /// Its id.
    pub id: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// The plane: which process or collaboration it draws.
    pub plane: Plane,
    /// Shapes in document order (the drawing order).
    pub shapes: Vec<Shape>,
    /// Edges in document order (the drawing order).
    pub edges: Vec<Edge>,
    /// Where the element starts.
    pub position: Position,
}

impl Diagram {
    /// The shape drawing the element with this id.
    pub fn shape(&self, element: &str) -> Option<&Shape> {
        self.shapes.iter().find(|s| s.element == element)
    }

    /// The edge drawing the element with this id.
    pub fn edge(&self, element: &str) -> Option<&Edge> {
        self.edges.iter().find(|e| e.element == element)
    }
}

/// A `<bpmndi:BPMNPlane>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plane {
    /// Its id.
    pub id: Option<String>,
    /// `bpmnElement`: the process, collaboration or sub-process drawn.
    pub element: Option<String>,
}

/// A rectangle in diagram coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Bounds {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// A point in diagram coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Point {
    /// Horizontal coordinate.
    pub x: f64,
    /// Vertical coordinate.
    pub y: f64,
}

/// Stroke and fill colours from the bpmn.io (`bioc:`) or OMG (`color:`) colour extensions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Colors {
    /// Outline colour (`bioc:stroke`, `color:border-color`).
    pub stroke: Option<String>,
    /// Fill colour (`bioc:fill`, `color:background-color`).
    pub fill: Option<String>,
}

/// A `<bpmndi:BPMNLabel>`: where an element's text is drawn, when not inside its shape.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Label {
    /// The label's bounds, if given.
    pub bounds: Option<Bounds>,
    /// Label text colour (`color:color` on the label).
    pub color: Option<String>,
}

/// A `<bpmndi:BPMNShape>`: a node, pool, lane, annotation or data element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    /// Its id.
    pub id: Option<String>,
    /// `bpmnElement`: the id of the element drawn.
    pub element: String,
    /// Where and how big.
    pub bounds: Bounds,
    /// `isExpanded` (sub-processes).
    pub is_expanded: Option<bool>,
    /// `isHorizontal` (pools and lanes).
    pub is_horizontal: Option<bool>,
    /// `isMarkerVisible` (exclusive gateways).
    pub is_marker_visible: Option<bool>,
    /// Its label.
    pub label: Option<Label>,
    /// Colours set by the modeler.
    pub colors: Colors,
    /// Where the element starts.
    pub position: Position,
}

/// A `<bpmndi:BPMNEdge>`: a sequence flow, message flow or association.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// Its id.
    pub id: Option<String>,
    /// `bpmnElement`: the id of the element drawn.
    pub element: String,
    /// The line's points, in order.
    pub waypoints: Vec<Point>,
    /// Its label.
    pub label: Option<Label>,
    /// `messageVisibleKind` (message flows): how the envelope of its message is drawn.
    pub message_visible_kind: Option<MessageVisibleKind>,
    /// Colours set by the modeler.
    pub colors: Colors,
    /// Where the element starts.
    pub position: Position,
}

/// The `messageVisibleKind` of a message flow's edge: whether its message starts the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageVisibleKind {
    /// `initiating` (the default): the envelope is drawn light.
    Initiating,
    /// `non_initiating`: the envelope is drawn dark.
    NonInitiating,
}
