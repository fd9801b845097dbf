//! Which model element each DI shape or edge draws, and which elements a diagram should show.

use std::collections::{BTreeMap, BTreeSet};

use baton_engine::model::{
    Artifact, ArtifactKind, DataAssociation, DataDirection, DataElement, DataKind, Definitions, Diagram, FlowNode,
    Lane, MessageFlow, NodeId, Participant, Process, SequenceFlow, Unsupported, UnsupportedKind,
};

use super::overlay::Tracked;

/// A model element that a DI shape or edge can draw.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Element<'a> {
    /// A flow node of a process.
    Node(&'a Process, &'a FlowNode),
    /// A sequence flow of a process.
    Flow(&'a Process, &'a SequenceFlow),
    /// A lane (at any depth).
    Lane(&'a Lane),
    /// A pool.
    Participant(&'a Participant),
    /// A data object (reference) or data store reference.
    Data(&'a Process, &'a DataElement),
    /// A text annotation, group or association.
    Artifact(&'a Artifact),
    /// A message flow between pools.
    MessageFlow(&'a MessageFlow),
    /// A data input or output association.
    DataAssociation(&'a DataAssociation),
    /// An element the model keeps but does not know.
    Unsupported(&'a Unsupported),
}

impl<'a> Element<'a> {
    /// The BPMN element name, e.g. `serviceTask`, `lane`, `messageFlow`.
    pub(crate) fn kind(&self) -> &'a str {
        match self {
            Element::Node(_, node) => node.element_name(),
            Element::Flow(..) => "sequenceFlow",
            Element::Lane(_) => "lane",
            Element::Participant(_) => "participant",
            Element::Data(_, data) => data.kind.element_name(),
            Element::Artifact(artifact) => match artifact.kind {
                ArtifactKind::TextAnnotation { .. } => "textAnnotation",
                ArtifactKind::Group { .. } => "group",
                ArtifactKind::Association { .. } => "association",
            },
            Element::MessageFlow(_) => "messageFlow",
            Element::DataAssociation(a) => match a.direction {
                DataDirection::Input => "dataInputAssociation",
                DataDirection::Output => "dataOutputAssociation",
            },
            Element::Unsupported(u) => u.element.rsplit(':').next().unwrap_or(&u.element),
        }
    }

    /// The name a person gave it (for groups: their category value; for annotations: their text).
    pub(crate) fn name(&self, definitions: &'a Definitions) -> Option<&'a str> {
        let name = match self {
            Element::Node(_, node) => node.name.as_deref(),
            Element::Flow(_, flow) => flow.name.as_deref(),
            Element::Lane(lane) => lane.name.as_deref(),
            Element::Participant(p) => p.name.as_deref(),
            Element::Data(_, data) => data.name.as_deref(),
            Element::Artifact(artifact) => match &artifact.kind {
                ArtifactKind::TextAnnotation { text } => text.as_deref(),
                ArtifactKind::Group { category_value } => {
                    category_value.as_deref().and_then(|v| category(definitions, v))
                }
                ArtifactKind::Association { .. } => None,
            },
            Element::MessageFlow(m) => m.name.as_deref(),
            Element::DataAssociation(_) | Element::Unsupported(_) => None,
        };
        name.filter(|n| !n.trim().is_empty())
    }

    /// Its `<documentation>`, for the hover title.
    pub(crate) fn documentation(&self) -> Option<&'a str> {
        match self {
            Element::Node(_, node) => node.documentation.as_deref(),
            _ => None,
        }
    }

    /// Which overlay map it is looked up in.
    pub(crate) fn tracked(&self) -> Tracked {
        match self {
            Element::Node(..) => Tracked::Node,
            Element::Flow(..) => Tracked::Flow,
            _ => Tracked::Other,
        }
    }
}

/// The value of the category value `id` (what a group shows).
fn category<'a>(definitions: &'a Definitions, id: &str) -> Option<&'a str> {
    definitions.categories.iter().flat_map(|c| &c.values).find(|(value_id, _)| value_id == id)?.1.as_deref()
}

/// Every element of a document by id; the first wins when an id is used twice.
#[derive(Debug)]
pub(crate) struct Scene<'a> {
    pub(crate) definitions: &'a Definitions,
    by_id: BTreeMap<&'a str, Element<'a>>,
}

impl<'a> Scene<'a> {
    /// Indexes every process and collaboration of `definitions`.
    pub(crate) fn new(definitions: &'a Definitions) -> Self {
        let mut scene = Scene { definitions, by_id: BTreeMap::new() };
        for process in &definitions.processes {
            for element in process_elements(process, None, &BTreeSet::new()) {
                scene.insert(element);
            }
            for lane in lanes(&process.lanes) {
                scene.insert(Element::Lane(lane));
            }
            // A DI shape may draw a data object itself rather than a reference to it.
            for data in &process.data {
                scene.insert(Element::Data(process, data));
            }
        }
        for collaboration in &definitions.collaborations {
            collaboration.participants.iter().for_each(|p| scene.insert(Element::Participant(p)));
            collaboration.message_flows.iter().for_each(|m| scene.insert(Element::MessageFlow(m)));
            collaboration.artifacts.iter().for_each(|a| scene.insert(Element::Artifact(a)));
        }
        for unsupported in &definitions.unsupported {
            scene.insert(Element::Unsupported(unsupported));
        }
        scene
    }

    fn insert(&mut self, element: Element<'a>) {
        if let Some(id) = element_id(&element) {
            self.by_id.entry(id).or_insert(element);
        }
    }

    /// The element with this id.
    pub(crate) fn get(&self, id: &str) -> Option<Element<'a>> {
        self.by_id.get(id).copied()
    }

    /// The elements diagram `diagram` is meant to draw: those of the process, collaboration or
    /// sub-process its plane names, less what sits inside a sub-process drawn on its own plane.
    /// With no diagram, that is every element of the document.
    pub(crate) fn scope(&self, diagram: Option<&Diagram>) -> Vec<Element<'a>> {
        let definitions = self.definitions;
        let own_plane = diagram.and_then(|d| d.plane.element.as_deref());
        let elsewhere: BTreeSet<&str> = match diagram {
            None => BTreeSet::new(),
            Some(_) => definitions
                .diagrams
                .iter()
                .filter_map(|d| d.plane.element.as_deref())
                .filter(|e| Some(*e) != own_plane)
                .collect(),
        };
        let mut scope = Vec::new();
        let whole_process = |scope: &mut Vec<Element<'a>>, process: &'a Process| {
            scope.extend(lanes(&process.lanes).map(Element::Lane));
            scope.extend(process_elements(process, None, &elsewhere));
            scope.extend(unsupported_in(definitions, process, None));
        };
        match own_plane.map_or(Plane::Unknown, |id| self.plane_target(id)) {
            Plane::Collaboration(index) => {
                let Some(collaboration) = definitions.collaborations.get(index) else { return scope };
                for participant in &collaboration.participants {
                    scope.push(Element::Participant(participant));
                    if let Some(process) = participant.process.as_ref().and_then(|p| definitions.process(p.as_str())) {
                        whole_process(&mut scope, process);
                    }
                }
                scope.extend(collaboration.message_flows.iter().map(Element::MessageFlow));
                scope.extend(collaboration.artifacts.iter().map(Element::Artifact));
            }
            Plane::Process(process) => whole_process(&mut scope, process),
            Plane::SubProcess(process, node) => {
                scope.extend(process_elements(process, Some(&node.id), &elsewhere));
                scope.extend(unsupported_in(definitions, process, Some(&node.id)));
            }
            Plane::Unknown => {
                for collaboration in &definitions.collaborations {
                    scope.extend(collaboration.participants.iter().map(Element::Participant));
                    scope.extend(collaboration.message_flows.iter().map(Element::MessageFlow));
                    scope.extend(collaboration.artifacts.iter().map(Element::Artifact));
                }
                definitions.processes.iter().for_each(|p| whole_process(&mut scope, p));
            }
        }
        scope
    }

    fn plane_target(&self, id: &str) -> Plane<'a> {
        let definitions = self.definitions;
        if let Some(index) = definitions.collaborations.iter().position(|c| c.id == id) {
            return Plane::Collaboration(index);
        }
        if let Some(process) = definitions.process(id) {
            return Plane::Process(process);
        }
        match self.get(id) {
            Some(Element::Node(process, node)) => Plane::SubProcess(process, node),
            // A plane naming something unknown: show everything, so that nothing is lost.
            _ => Plane::Unknown,
        }
    }
}

/// What a diagram's plane draws.
enum Plane<'a> {
    Collaboration(usize),
    Process(&'a Process),
    SubProcess(&'a Process, &'a FlowNode),
    Unknown,
}

/// The id an element is found by.
pub(crate) fn element_id<'a>(element: &Element<'a>) -> Option<&'a str> {
    Some(match element {
        Element::Node(_, node) => node.id.as_str(),
        Element::Flow(_, flow) => flow.id.as_str(),
        Element::Lane(lane) => &lane.id,
        Element::Participant(p) => &p.id,
        Element::Data(_, data) => &data.id,
        Element::Artifact(artifact) => &artifact.id,
        Element::MessageFlow(m) => &m.id,
        Element::DataAssociation(a) => &a.id,
        Element::Unsupported(u) => u.id.as_deref()?,
    })
}

/// Every lane, depth first.
fn lanes(lanes: &[Lane]) -> impl Iterator<Item = &Lane> {
    let mut stack: Vec<&Lane> = lanes.iter().rev().collect();
    std::iter::from_fn(move || {
        let lane = stack.pop()?;
        stack.extend(lane.lanes.iter().rev());
        Some(lane)
    })
}

/// The nodes, flows, drawable data, associations and artifacts of `process` inside `root`
/// (`None`: the whole process), skipping what lies inside a sub-process in `elsewhere`.
fn process_elements<'a>(process: &'a Process, root: Option<&NodeId>, elsewhere: &BTreeSet<&str>) -> Vec<Element<'a>> {
    let inside = |parent: Option<&NodeId>| within(process, parent, root, elsewhere);
    let mut elements = Vec::new();
    elements.extend(process.nodes.iter().filter(|n| inside(n.parent.as_ref())).map(|n| Element::Node(process, n)));
    elements.extend(process.flows.iter().filter(|f| inside(f.parent.as_ref())).map(|f| Element::Flow(process, f)));
    elements.extend(
        process
            .data
            .iter()
            .filter(|d| match d.kind {
                DataKind::ObjectReference { .. } | DataKind::StoreReference { .. } => true,
                // An activity's inputs and outputs are not drawn (bpmn-js cannot), the process's are.
                DataKind::Input { .. } | DataKind::Output { .. } => d.parent.is_none(),
                // Data objects and properties have no shape of their own: their references do.
                DataKind::Object { .. } | DataKind::Property => false,
            })
            .filter(|d| inside(d.parent.as_ref()))
            .map(|d| Element::Data(process, d)),
    );
    elements.extend(
        process
            .data_associations
            .iter()
            .filter(|a| inside(process.node(a.activity.as_str()).and_then(|n| n.parent.as_ref())))
            .map(Element::DataAssociation),
    );
    elements.extend(process.artifacts.iter().filter(|a| inside(a.parent.as_ref())).map(Element::Artifact));
    elements
}

/// Unsupported flow elements directly in `process` (or in a node inside `root`).
fn unsupported_in<'a>(
    definitions: &'a Definitions,
    process: &'a Process,
    root: Option<&NodeId>,
) -> impl Iterator<Item = Element<'a>> {
    let root = root.cloned();
    definitions
        .unsupported
        .iter()
        .filter(|u| u.kind == UnsupportedKind::FlowElement && u.id.is_some())
        .filter(move |u| {
            let parent = u.parent.as_deref();
            match &root {
                None => parent == Some(process.id.as_str()) || parent.is_some_and(|p| process.node(p).is_some()),
                Some(root) => parent.is_some_and(|p| {
                    let id = NodeId::from(p);
                    p == root.as_str() || within(process, Some(&id), Some(root), &BTreeSet::new())
                }),
            }
        })
        .map(Element::Unsupported)
}

/// Whether an element whose parent is `parent` lies inside `root` (`None`: the process), with
/// no sub-process drawn on its own plane in between.
fn within(process: &Process, parent: Option<&NodeId>, root: Option<&NodeId>, elsewhere: &BTreeSet<&str>) -> bool {
    let mut current = parent;
    // Bounded by the node count, so that a parent cycle in a broken file cannot loop forever.
    for _ in 0..=process.nodes.len() {
        match current {
            None => return root.is_none(),
            Some(id) if Some(id) == root => return true,
            Some(id) if elsewhere.contains(id.as_str()) => return false,
            Some(id) => current = process.node(id.as_str()).and_then(|n| n.parent.as_ref()),
        }
    }
    false
}
