//! Elements → [`Definitions`]: BPMN semantics, both Camunda dialects, and DI.
//!
//! Every function here looks at each child it is given and either builds the model from it or
//! hands it to [`Builder::unsupported`]; that is how the "nothing is dropped" promise is kept.

use std::path::Path;

use crate::error::{Error, Location};
use crate::model::*;

use super::xml::{Child, Node, Ns, Reader};

/// Builds the model, reading the document one subtree at a time: processes and diagrams are
/// entered (see [`Reader`]), everything else is read whole.
pub(crate) fn definitions(mut reader: Reader<'_>, source: Option<&Path>) -> Result<Definitions, Error> {
    let root = reader.root()?;
    if !root.is(&Ns::Bpmn, "definitions") {
        let found = match root.ns_uri() {
            Some(uri) => format!("{} (namespace {uri})", root.qname()),
            None => root.qname().to_string(),
        };
        return Err(Error::NotBpmn { at: Location { file: source.map(Into::into), position: root.position() }, found });
    }
    let mut b = Builder::default();
    let mut defs = Definitions {
        source: source.map(Into::into),
        id: root.id().map(str::to_owned),
        name: root.attr("name").map(str::to_owned),
        target_namespace: root.attr("targetNamespace").map(str::to_owned),
        exporter: root
            .attr("exporter")
            .map(|name| Exporter { name: name.to_owned(), version: root.attr("exporterVersion").map(str::to_owned) }),
        dialect: Dialect::Plain,
        processes: Vec::new(),
        collaborations: Vec::new(),
        messages: Vec::new(),
        signals: Vec::new(),
        errors: Vec::new(),
        escalations: Vec::new(),
        data_stores: Vec::new(),
        categories: Vec::new(),
        diagrams: Vec::new(),
        unsupported: Vec::new(),
        defects: Vec::new(),
    };
    let platform = root.attr_ns(&Ns::Modeler, "executionPlatform").map(str::to_owned);
    let owner = defs.id.clone();
    if let Some(uri) = defs.target_namespace.as_deref() {
        b.target_prefixes = reader.prefixes_for(uri).into_iter().map(str::to_owned).collect();
    }
    let streamed = |ns: &Ns, local: &str| matches!((ns, local), (Ns::Bpmn, "process") | (Ns::BpmnDi, "BPMNDiagram"));
    while let Some(next) = reader.next_child(streamed)? {
        if let Child::Entered(index) = next {
            if reader.node(index).is(&Ns::Bpmn, "process") {
                if let Some(process) = b.process(&mut reader, index)? {
                    defs.processes.push(process);
                }
            } else {
                defs.diagrams.push(b.diagram(&mut reader, index)?);
            }
            continue;
        }
        let child = reader.node(next.index());
        match (child.ns(), child.local()) {
            (Ns::Bpmn, "collaboration") => {
                if let Some(collaboration) = b.collaboration(child) {
                    defs.collaborations.push(collaboration);
                }
            }
            (Ns::Bpmn, "message") => {
                if let Some(id) = b.id(child) {
                    let ext = b.extensions(child, Some(&id));
                    defs.messages.push(Message {
                        id: MessageId(id),
                        name: name(child),
                        correlation_key: ext.correlation_key,
                        position: child.position(),
                    });
                }
            }
            (Ns::Bpmn, "signal") => {
                if let Some(id) = b.id(child) {
                    b.no_children(child, &id);
                    defs.signals.push(Signal { id: SignalId(id), name: name(child), position: child.position() });
                }
            }
            (Ns::Bpmn, "error") => {
                if let Some(id) = b.id(child) {
                    b.no_children(child, &id);
                    defs.errors.push(BpmnError {
                        id: ErrorId(id),
                        name: name(child),
                        code: child.attr("errorCode").map(str::to_owned),
                        message: camunda(child, "errorMessage"),
                        implicit: false,
                        position: child.position(),
                    });
                }
            }
            (Ns::Bpmn, "escalation") => {
                if let Some(id) = b.id(child) {
                    b.no_children(child, &id);
                    defs.escalations.push(Escalation {
                        id: EscalationId(id),
                        name: name(child),
                        code: child.attr("escalationCode").map(str::to_owned),
                        position: child.position(),
                    });
                }
            }
            (Ns::Bpmn, "dataStore") => {
                if let Some(id) = b.id(child) {
                    b.no_children(child, &id);
                    defs.data_stores.push(DataStore { id, name: name(child), position: child.position() });
                }
            }
            (Ns::Bpmn, "category") => {
                if let Some(id) = b.id(child) {
                    let mut values = Vec::new();
                    for value in child.children() {
                        if value.is(&Ns::Bpmn, "categoryValue") {
                            if let Some(value_id) = b.id(value) {
                                values.push((value_id, value.attr("value").map(str::to_owned)));
                            }
                        } else {
                            b.unsupported(value, Some(&id), UnsupportedKind::BpmnElement);
                        }
                    }
                    defs.categories.push(Category { id, values, position: child.position() });
                }
            }
            (Ns::Bpmn, "documentation") => {}
            (Ns::Bpmn, "extensionElements") => {
                let _ = b.extension_list(child, owner.as_deref());
            }
            _ => b.unsupported(child, owner.as_deref(), UnsupportedKind::BpmnElement),
        }
    }
    reader.finish()?;
    defs.dialect = match platform.as_deref() {
        Some("Camunda Cloud") => Dialect::Camunda8,
        Some("Camunda Platform") => Dialect::Camunda7,
        _ if b.saw_zeebe => Dialect::Camunda8,
        _ if b.saw_camunda => Dialect::Camunda7,
        _ => Dialect::Plain,
    };
    defs.unsupported = b.unsupported;
    defs.defects = b.defects;
    if defs.dialect != Dialect::Camunda8 {
        declare_error_codes(&mut defs);
    }
    Ok(defs)
}

/// Declares the errors that `errorRef`s name without an `<error>`: Camunda 7 takes such a
/// reference as the error code itself (an error end event throws it, a boundary event catches
/// it), so Baton adds an [`BpmnError::implicit`] error whose id and code are the reference.
/// Zeebe reads the reference as no error at all, so Camunda 8 documents are left as written.
fn declare_error_codes(defs: &mut Definitions) {
    let mut known: rustc_hash::FxHashSet<ErrorId> = defs.errors.iter().map(|e| e.id.clone()).collect();
    let mut implicit = Vec::new();
    let definitions = defs.processes.iter().flat_map(|p| &p.nodes).filter_map(|n| match &n.kind {
        NodeKind::Event(event) => Some(&event.definitions),
        _ => None,
    });
    for definition in definitions.flatten() {
        if let Trigger::Error { error: Some(id) } = &definition.trigger
            && known.insert(id.clone())
        {
            implicit.push(BpmnError {
                id: id.clone(),
                name: None,
                code: Some(id.to_string()),
                message: None,
                implicit: true,
                position: definition.position,
            });
        }
    }
    defs.errors.extend(implicit);
}

/// Children of an activity that describe the activity itself, not flow elements inside it.
fn is_activity_detail(local: &str) -> bool {
    matches!(
        local,
        "incoming"
            | "outgoing"
            | "documentation"
            | "extensionElements"
            | "standardLoopCharacteristics"
            | "multiInstanceLoopCharacteristics"
            | "dataInputAssociation"
            | "dataOutputAssociation"
            | "completionCondition"
            | "ioSpecification"
            | "property"
    )
}

fn name(el: Node<'_, '_>) -> Option<String> {
    el.attr("name").map(str::to_owned)
}

fn documentation(el: Node<'_, '_>) -> Option<String> {
    let docs: Vec<&str> = el.children_named(&Ns::Bpmn, "documentation").filter_map(Node::trimmed_text).collect();
    (!docs.is_empty()).then(|| docs.join("\n"))
}

fn comma_list(value: Option<&str>) -> Vec<String> {
    value
        .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn expression(el: Node<'_, '_>) -> Expression {
    Expression {
        text: el.text().trim().to_owned(),
        language: el.attr("language").map(str::to_owned),
        position: el.position(),
    }
}

/// Extension elements read from both Camunda dialects, before each node takes what it needs.
#[derive(Default)]
struct Extensions {
    job_type: Option<String>,
    retries: Option<String>,
    headers: Vec<(String, String)>,
    inputs: Vec<Mapping>,
    outputs: Vec<Mapping>,
    /// Camunda 7 `camunda:in`/`camunda:out` with a target.
    passed_in: Vec<Mapping>,
    passed_out: Vec<Mapping>,
    assignee: Option<String>,
    candidate_groups: Vec<String>,
    candidate_users: Vec<String>,
    form_key: Option<String>,
    due_date: Option<String>,
    follow_up_date: Option<String>,
    priority: Option<String>,
    called_element: Option<String>,
    propagate_all_child: Option<bool>,
    propagate_all_parent: Option<bool>,
    /// `camunda:in variables="all" local="true"`, `camunda:out variables="all" local="true"`.
    all_in_local: bool,
    all_out_local: bool,
    decision: Option<String>,
    result_variable: Option<String>,
    script: Option<String>,
    input_collection: Option<String>,
    input_element: Option<String>,
    output_collection: Option<String>,
    output_element: Option<String>,
    correlation_key: Option<String>,
    version_tag: Option<String>,
    listeners: Vec<Listener>,
}

#[derive(Default)]
struct Builder {
    unsupported: Vec<Unsupported>,
    defects: Vec<Defect>,
    saw_zeebe: bool,
    saw_camunda: bool,
    /// The prefixes the root binds to the document's targetNamespace (usually none, or `tns`).
    target_prefixes: Vec<String>,
    /// How many ids were made for each `flow:<source>→<target>` (or `association:...`) so far.
    generated: rustc_hash::FxHashMap<String, u32>,
    /// Whether the extensions being read are a flow node's, where listeners are run; elsewhere
    /// (a process, a sequence flow's `take`) they stay unsupported.
    node_listeners: bool,
}

impl Builder {
    /// The element's id, or a defect when it has none.
    fn id(&mut self, el: Node<'_, '_>) -> Option<String> {
        match el.id() {
            Some(id) => Some(id.to_owned()),
            None => {
                self.defect(el, DefectKind::MissingAttribute { attribute: "id".into() });
                None
            }
        }
    }

    /// An id for an element the document leaves without one (a sequence flow or association):
    /// `flow:<source>→<target>`, with `#2`, `#3`... for the next ones between the same two
    /// elements, in document order. Made only for the elements that need one.
    fn generated_id(&mut self, kind: &str, source: &str, target: &str) -> String {
        let id = format!("{kind}:{source}→{target}");
        let count = self.generated.entry(id.clone()).or_insert(0);
        *count += 1;
        if *count == 1 { id } else { format!("{id}#{count}") }
    }

    /// The id a reference to a root element names (`messageRef`, `errorRef`, `signalRef`,
    /// `escalationRef`). These are QNames: `tns:Message_1`, its prefix bound on the root to the
    /// document's targetNamespace, names `Message_1` of this document, as Camunda 7's parser
    /// resolves it (Zeebe drops any prefix). A reference with another prefix is kept as written,
    /// and reported when it names nothing.
    fn root_ref(&self, value: &str) -> String {
        match value.split_once(':') {
            Some((prefix, local)) if self.target_prefixes.iter().any(|p| p == prefix) => local.to_owned(),
            _ => value.to_owned(),
        }
    }

    fn defect(&mut self, el: Node<'_, '_>, kind: DefectKind) {
        self.defects.push(Defect {
            kind,
            element: el.qname().to_string(),
            id: el.id().map(str::to_owned),
            position: el.position(),
        });
    }

    /// A required reference attribute; a defect when missing.
    fn required(&mut self, el: Node<'_, '_>, attribute: &str) -> String {
        match el.attr(attribute).map(str::trim).filter(|v| !v.is_empty()) {
            Some(value) => value.to_owned(),
            None => {
                self.defect(el, DefectKind::MissingAttribute { attribute: attribute.into() });
                String::new()
            }
        }
    }

    fn bool_attr(&mut self, el: Node<'_, '_>, ns: &Ns, attribute: &str, default: bool) -> bool {
        match el.attr_ns(ns, attribute).map(str::trim) {
            None => default,
            Some("true") => true,
            Some("false") => false,
            Some(other) => {
                self.defect(
                    el,
                    DefectKind::InvalidAttribute {
                        attribute: attribute.into(),
                        value: other.into(),
                        expected: "true or false".into(),
                    },
                );
                default
            }
        }
    }

    fn number_attr(&mut self, el: Node<'_, '_>, attribute: &str) -> f64 {
        let raw = el.attr(attribute);
        match raw.map(|v| v.trim().parse::<f64>()) {
            Some(Ok(value)) if value.is_finite() => value,
            Some(_) => {
                self.defect(
                    el,
                    DefectKind::InvalidAttribute {
                        attribute: attribute.into(),
                        value: raw.unwrap_or_default().into(),
                        expected: "a number".into(),
                    },
                );
                0.0
            }
            None => {
                self.defect(el, DefectKind::MissingAttribute { attribute: attribute.into() });
                0.0
            }
        }
    }

    fn unsupported(&mut self, el: Node<'_, '_>, parent: Option<&str>, kind: UnsupportedKind) {
        let kind = match *el.ns() {
            Ns::Bpmn | Ns::BpmnDi | Ns::Dc | Ns::Di => kind,
            _ => UnsupportedKind::Extension,
        };
        self.unsupported.push(Unsupported {
            element: el.qname().to_string(),
            namespace: el.ns_uri().map(str::to_owned),
            id: el.id().map(str::to_owned),
            parent: parent.map(str::to_owned),
            kind,
            position: el.position(),
        });
    }

    /// For root elements that have no children Baton reads: anything inside is still kept.
    fn no_children(&mut self, el: Node<'_, '_>, id: &str) {
        for child in el.children() {
            if !child.is(&Ns::Bpmn, "documentation") {
                self.unsupported(child, Some(id), UnsupportedKind::BpmnElement);
            }
        }
    }

    // ----- processes -------------------------------------------------------------------------

    /// A process, entered: its children come one at a time from `reader`.
    fn process(&mut self, reader: &mut Reader<'_>, index: u32) -> Result<Option<Process>, Error> {
        let el = reader.node(index);
        let Some(id) = self.id(el) else {
            while reader.next_child(|_, _| false)?.is_some() {}
            return Ok(None);
        };
        let is_executable = self.bool_attr(el, &Ns::None, "isExecutable", false);
        let version_tag = el.attr_ns(&Ns::Camunda, "versionTag").map(str::to_owned);
        self.saw_camunda |= version_tag.is_some();
        let mut process = Process {
            id: ProcessId(id),
            name: name(el),
            is_executable,
            version_tag,
            nodes: Vec::new(),
            flows: Vec::new(),
            lanes: Vec::new(),
            data: Vec::new(),
            data_associations: Vec::new(),
            artifacts: Vec::new(),
            documentation: None,
            position: el.position(),
        };
        let scope = Some(process.id.to_string());
        let (mut docs, mut ext) = (Vec::new(), None);
        while let Some(child) = reader.next_child(|_, _| false)? {
            let child = reader.node(child.index());
            if child.is(&Ns::Bpmn, "documentation") {
                docs.extend(child.trimmed_text().map(str::to_owned));
            } else if child.is(&Ns::Bpmn, "extensionElements") {
                // Only the first list counts, as for every other element.
                if ext.is_none() {
                    ext = Some(self.extension_list(child, scope.as_deref()));
                }
            } else {
                self.flow_element(&mut process, child, None, scope.as_deref());
            }
        }
        process.documentation = (!docs.is_empty()).then(|| docs.join("\n"));
        if let Some(tag) = ext.and_then(|ext| ext.version_tag) {
            process.version_tag = Some(tag);
        }
        let defaults: rustc_hash::FxHashSet<(&str, &str)> =
            process.nodes.iter().filter_map(|n| n.default_flow().map(|d| (n.id.as_str(), d.as_str()))).collect();
        let is_default: Vec<bool> =
            process.flows.iter().map(|f| defaults.contains(&(f.source.as_str(), f.id.as_str()))).collect();
        for (flow, is_default) in process.flows.iter_mut().zip(is_default) {
            flow.is_default = is_default;
        }
        Ok(Some(process))
    }

    /// The flow elements of a sub-process (`parent`), in document order.
    fn flow_elements(&mut self, process: &mut Process, container: Node<'_, '_>, parent: Option<&NodeId>) {
        let scope = parent.map(NodeId::as_str).or(Some(process.id.as_str())).map(str::to_owned);
        for child in container.children() {
            self.flow_element(process, child, parent, scope.as_deref());
        }
    }

    /// One child of a process or sub-process (`parent`); `scope` names the container in
    /// reports of unsupported elements.
    fn flow_element(
        &mut self,
        process: &mut Process,
        child: Node<'_, '_>,
        parent: Option<&NodeId>,
        scope: Option<&str>,
    ) {
        if *child.ns() != Ns::Bpmn {
            self.unsupported(child, scope, UnsupportedKind::Extension);
            return;
        }
        match child.local() {
            "documentation" | "extensionElements" => {}
            // A sub-process's own details are read by `flow_node`.
            detail if parent.is_some() && is_activity_detail(detail) => {}
            "ioSpecification" => self.io_specification(process, child, None, scope),
            "sequenceFlow" => {
                if let Some(flow) = self.sequence_flow(child, parent) {
                    process.flows.push(flow);
                }
            }
            "laneSet" => {
                let lanes = self.lanes(child);
                process.lanes.extend(lanes);
            }
            "dataObject" | "dataObjectReference" | "dataStoreReference" | "property" => {
                if let Some(data) = self.data_element(child, parent) {
                    process.data.push(data);
                }
            }
            "textAnnotation" | "association" | "group" => {
                if let Some(artifact) = self.artifact(child, parent) {
                    process.artifacts.push(artifact);
                }
            }
            _ => {
                if let Some(node) = self.flow_node(process, child, parent) {
                    let nested = matches!(node.kind, NodeKind::SubProcess(_)).then(|| node.id.clone());
                    process.nodes.push(node);
                    if let Some(sub) = nested {
                        self.flow_elements(process, child, Some(&sub));
                    }
                }
            }
        }
    }

    fn sequence_flow(&mut self, el: Node<'_, '_>, parent: Option<&NodeId>) -> Option<SequenceFlow> {
        let source = self.required(el, "sourceRef");
        let target = self.required(el, "targetRef");
        // The XSD lets a sequence flow go without an id; Camunda 7 deploys it, so Baton names it.
        let (id, generated_id) = match el.id() {
            Some(id) => (id.to_owned(), false),
            None => (self.generated_id("flow", &source, &target), true),
        };
        let mut condition = None;
        for child in el.children() {
            match (child.ns(), child.local()) {
                (Ns::Bpmn, "conditionExpression") => condition = Some(expression(child)),
                (Ns::Bpmn, "documentation") => {}
                // Nothing on a sequence flow is run yet (Camunda 7 `take` listeners, properties):
                // kept visible, never dropped.
                (Ns::Bpmn, "extensionElements") => {
                    for item in child.children() {
                        self.unsupported(item, Some(&id), UnsupportedKind::Extension);
                    }
                }
                _ => self.unsupported(child, Some(&id), UnsupportedKind::BpmnElement),
            }
        }
        Some(SequenceFlow {
            id: FlowId(id),
            name: name(el),
            source: NodeId(source),
            target: NodeId(target),
            condition,
            is_default: false,
            parent: parent.cloned(),
            generated_id,
            position: el.position(),
        })
    }

    fn lanes(&mut self, lane_set: Node<'_, '_>) -> Vec<Lane> {
        let mut lanes = Vec::new();
        for lane in lane_set.children() {
            if !lane.is(&Ns::Bpmn, "lane") {
                self.unsupported(lane, lane_set.id(), UnsupportedKind::BpmnElement);
                continue;
            }
            let Some(id) = self.id(lane) else { continue };
            let mut nodes = Vec::new();
            let mut children = Vec::new();
            for child in lane.children() {
                match (child.ns(), child.local()) {
                    (Ns::Bpmn, "flowNodeRef") => nodes.extend(child.trimmed_text().map(NodeId::from)),
                    (Ns::Bpmn, "childLaneSet") => children.extend(self.lanes(child)),
                    (Ns::Bpmn, "documentation" | "extensionElements") => {}
                    _ => self.unsupported(child, Some(&id), UnsupportedKind::BpmnElement),
                }
            }
            lanes.push(Lane { id, name: name(lane), nodes, lanes: children, position: lane.position() });
        }
        lanes
    }

    /// The data inputs and outputs of the `<ioSpecification>` of a process (`parent` `None`) or
    /// of the activity `parent`. Its input and output sets only group those same inputs and
    /// outputs: understood, checked for unknown children, not kept.
    fn io_specification(
        &mut self,
        process: &mut Process,
        el: Node<'_, '_>,
        parent: Option<&NodeId>,
        scope: Option<&str>,
    ) {
        let owner = el.id().or(scope);
        for child in el.children() {
            match (child.ns(), child.local()) {
                (Ns::Bpmn, "dataInput" | "dataOutput") => {
                    if let Some(data) = self.data_element(child, parent) {
                        process.data.push(data);
                    }
                }
                (Ns::Bpmn, local @ ("inputSet" | "outputSet")) => {
                    let refs: &[&str] = if local == "inputSet" {
                        &["dataInputRefs", "optionalInputRefs", "whileExecutingInputRefs", "outputSetRefs"]
                    } else {
                        &["dataOutputRefs", "optionalOutputRefs", "whileExecutingOutputRefs", "inputSetRefs"]
                    };
                    let set_owner = child.id().or(owner);
                    for item in child.children() {
                        let known = *item.ns() == Ns::Bpmn
                            && (refs.contains(&item.local())
                                || matches!(item.local(), "documentation" | "extensionElements"));
                        if !known {
                            self.unsupported(item, set_owner, UnsupportedKind::BpmnElement);
                        }
                    }
                }
                (Ns::Bpmn, "documentation") => {}
                (Ns::Bpmn, "extensionElements") => {
                    let _ = self.extension_list(child, owner);
                }
                _ => self.unsupported(child, owner, UnsupportedKind::BpmnElement),
            }
        }
    }

    fn data_element(&mut self, el: Node<'_, '_>, parent: Option<&NodeId>) -> Option<DataElement> {
        let id = self.id(el)?;
        let kind = match el.local() {
            "dataObject" => DataKind::Object { is_collection: self.bool_attr(el, &Ns::None, "isCollection", false) },
            "dataInput" => DataKind::Input { is_collection: self.bool_attr(el, &Ns::None, "isCollection", false) },
            "dataOutput" => DataKind::Output { is_collection: self.bool_attr(el, &Ns::None, "isCollection", false) },
            "property" => DataKind::Property,
            "dataObjectReference" => DataKind::ObjectReference { object: el.attr("dataObjectRef").map(str::to_owned) },
            _ => DataKind::StoreReference { store: el.attr("dataStoreRef").map(str::to_owned) },
        };
        for child in el.children() {
            if !child.is(&Ns::Bpmn, "documentation") && !child.is(&Ns::Bpmn, "extensionElements") {
                self.unsupported(child, Some(&id), UnsupportedKind::BpmnElement);
            }
        }
        Some(DataElement { id, name: name(el), kind, parent: parent.cloned(), position: el.position() })
    }

    fn artifact(&mut self, el: Node<'_, '_>, parent: Option<&NodeId>) -> Option<Artifact> {
        // An association may go without an id (the XSD allows it): it is named below.
        let written = if el.local() == "association" { el.id().map(str::to_owned) } else { Some(self.id(el)?) };
        let kind = match el.local() {
            "textAnnotation" => ArtifactKind::TextAnnotation {
                text: el.child(&Ns::Bpmn, "text").and_then(Node::trimmed_text).map(str::to_owned),
            },
            "group" => ArtifactKind::Group { category_value: el.attr("categoryValueRef").map(str::to_owned) },
            _ => ArtifactKind::Association {
                source: self.required(el, "sourceRef"),
                target: self.required(el, "targetRef"),
                direction: match el.attr("associationDirection") {
                    Some("One") => AssociationDirection::One,
                    Some("Both") => AssociationDirection::Both,
                    _ => AssociationDirection::None,
                },
            },
        };
        let id = match (written, &kind) {
            (Some(id), _) => id,
            (None, ArtifactKind::Association { source, target, .. }) => {
                let (source, target) = (source.clone(), target.clone());
                self.generated_id("association", &source, &target)
            }
            (None, _) => return None, // reported by `self.id`
        };
        for child in el.children() {
            if !matches!(child.local(), "text" | "documentation" | "extensionElements") || *child.ns() != Ns::Bpmn {
                self.unsupported(child, Some(&id), UnsupportedKind::BpmnElement);
            }
        }
        Some(Artifact { id, kind, parent: parent.cloned(), position: el.position() })
    }

    // ----- flow nodes ------------------------------------------------------------------------

    fn flow_node(&mut self, process: &mut Process, el: Node<'_, '_>, parent: Option<&NodeId>) -> Option<FlowNode> {
        let scope = parent.map(NodeId::as_str).unwrap_or(process.id.as_str()).to_owned();
        let local = el.local();
        let is_task = matches!(
            local,
            "task"
                | "serviceTask"
                | "sendTask"
                | "receiveTask"
                | "userTask"
                | "manualTask"
                | "scriptTask"
                | "businessRuleTask"
        );
        let is_activity = is_task || matches!(local, "subProcess" | "transaction" | "adHocSubProcess" | "callActivity");
        let is_gateway = matches!(
            local,
            "exclusiveGateway" | "inclusiveGateway" | "parallelGateway" | "eventBasedGateway" | "complexGateway"
        );
        let is_event = matches!(
            local,
            "startEvent" | "intermediateCatchEvent" | "intermediateThrowEvent" | "boundaryEvent" | "endEvent"
        );
        let is_container = matches!(local, "subProcess" | "transaction" | "adHocSubProcess");
        if !(is_activity || is_gateway || is_event) {
            self.unsupported(el, Some(&scope), UnsupportedKind::FlowElement);
            return None;
        }
        let id = self.id(el)?;
        let node_id = NodeId(id.clone());
        // Moved out field by field below, once the loop characteristics have read it.
        self.node_listeners = true;
        let mut ext = self.extensions(el, Some(&id));
        self.node_listeners = false;
        self.camunda_attributes(el);

        let mut incoming = Vec::new();
        let mut outgoing = Vec::new();
        let mut definitions = Vec::new();
        let mut loop_characteristics = None;
        let mut script_body = None;
        let mut completion_condition = None;
        let mut activation_condition = None;
        for child in el.children() {
            if *child.ns() != Ns::Bpmn {
                self.unsupported(child, Some(&id), UnsupportedKind::Extension);
                continue;
            }
            match child.local() {
                "incoming" => incoming.extend(child.trimmed_text().map(FlowId::from)),
                "outgoing" => outgoing.extend(child.trimmed_text().map(FlowId::from)),
                "documentation" | "extensionElements" => {}
                "standardLoopCharacteristics" | "multiInstanceLoopCharacteristics" if is_activity => {
                    loop_characteristics = Some(Box::new(self.loop_characteristics(child, el, &ext, &id)));
                }
                "property" if is_activity => {
                    if let Some(data) = self.data_element(child, Some(&node_id)) {
                        process.data.push(data);
                    }
                }
                "ioSpecification" if is_activity => self.io_specification(process, child, Some(&node_id), Some(&id)),
                "dataInputAssociation" | "dataOutputAssociation" if is_activity || is_event => {
                    if let Some(association) = self.data_association(child, &node_id) {
                        process.data_associations.push(association);
                    }
                }
                "script" if local == "scriptTask" => script_body = child.trimmed_text().map(str::to_owned),
                "completionCondition" if local == "adHocSubProcess" => completion_condition = Some(expression(child)),
                "activationCondition" if local == "complexGateway" => activation_condition = Some(expression(child)),
                definition if is_event && definition.ends_with("EventDefinition") => {
                    if let Some(definition) = self.event_definition(child) {
                        definitions.push(definition);
                    }
                }
                // Flow elements of sub-processes are read by `flow_elements`.
                content if is_container && !is_activity_detail(content) => {}
                _ => self.unsupported(child, Some(&id), UnsupportedKind::BpmnElement),
            }
        }

        let activity = Activity {
            default_flow: el.attr("default").map(FlowId::from),
            loop_characteristics,
            is_for_compensation: self.bool_attr(el, &Ns::None, "isForCompensation", false),
            inputs: std::mem::take(&mut ext.inputs),
            outputs: std::mem::take(&mut ext.outputs),
        };
        let kind = if is_task {
            let kind = match local {
                "serviceTask" => TaskKind::Service,
                "sendTask" => TaskKind::Send { message: el.attr("messageRef").map(|r| MessageId(self.root_ref(r))) },
                "receiveTask" => TaskKind::Receive {
                    message: el.attr("messageRef").map(|r| MessageId(self.root_ref(r))),
                    instantiate: self.bool_attr(el, &Ns::None, "instantiate", false),
                },
                "userTask" => TaskKind::User(UserTask {
                    assignee: ext.assignee.take().or_else(|| camunda(el, "assignee")),
                    candidate_groups: if ext.candidate_groups.is_empty() {
                        comma_list(el.attr_ns(&Ns::Camunda, "candidateGroups"))
                    } else {
                        std::mem::take(&mut ext.candidate_groups)
                    },
                    candidate_users: if ext.candidate_users.is_empty() {
                        comma_list(el.attr_ns(&Ns::Camunda, "candidateUsers"))
                    } else {
                        std::mem::take(&mut ext.candidate_users)
                    },
                    form_key: ext.form_key.take().or_else(|| camunda(el, "formKey")),
                    due_date: ext.due_date.take().or_else(|| camunda(el, "dueDate")),
                    follow_up_date: ext.follow_up_date.take().or_else(|| camunda(el, "followUpDate")),
                    priority: ext.priority.take().or_else(|| camunda(el, "priority")),
                }),
                "manualTask" => TaskKind::Manual,
                "scriptTask" => TaskKind::Script(match &ext.script {
                    Some(expression) => Script {
                        format: Some("feel".into()),
                        body: Some(expression.clone()),
                        result_variable: ext.result_variable.take(),
                    },
                    None => Script {
                        format: el.attr("scriptFormat").map(str::to_owned),
                        body: script_body,
                        result_variable: camunda(el, "resultVariable"),
                    },
                }),
                "businessRuleTask" => TaskKind::BusinessRule(BusinessRule {
                    decision: ext.decision.take().or_else(|| camunda(el, "decisionRef")),
                    result_variable: ext.result_variable.take().or_else(|| camunda(el, "resultVariable")),
                }),
                _ => TaskKind::Abstract,
            };
            let implementation = implementation(ext.job_type.take(), el);
            NodeKind::Task(Task {
                kind,
                activity,
                implementation,
                retries: ext.retries.take(),
                headers: std::mem::take(&mut ext.headers),
                result_variable: camunda(el, "resultVariable").filter(|_| local == "serviceTask"),
            })
        } else if is_activity {
            match local {
                "callActivity" => NodeKind::CallActivity(CallActivity {
                    called_element: ext.called_element.take().or_else(|| el.attr("calledElement").map(str::to_owned)),
                    activity,
                    propagate_all_parent_variables: ext.propagate_all_parent.unwrap_or(self.saw_zeebe_in(el)),
                    propagate_all_child_variables: ext.propagate_all_child.unwrap_or(self.saw_zeebe_in(el)),
                    all_in_local: ext.all_in_local,
                    all_out_local: ext.all_out_local,
                    passed_in: std::mem::take(&mut ext.passed_in),
                    passed_out: std::mem::take(&mut ext.passed_out),
                }),
                "transaction" => NodeKind::SubProcess(SubProcess { kind: SubProcessKind::Transaction, activity }),
                "adHocSubProcess" => NodeKind::SubProcess(SubProcess {
                    kind: SubProcessKind::AdHoc {
                        completion_condition,
                        sequential: el.attr("ordering") == Some("Sequential"),
                    },
                    activity,
                }),
                _ => {
                    let event = self.bool_attr(el, &Ns::None, "triggeredByEvent", false);
                    NodeKind::SubProcess(SubProcess {
                        kind: if event { SubProcessKind::Event } else { SubProcessKind::Embedded },
                        activity,
                    })
                }
            }
        } else if is_gateway {
            let kind = match local {
                "exclusiveGateway" => GatewayKind::Exclusive,
                "inclusiveGateway" => GatewayKind::Inclusive,
                "parallelGateway" => GatewayKind::Parallel,
                "eventBasedGateway" => {
                    GatewayKind::EventBased { instantiate: self.bool_attr(el, &Ns::None, "instantiate", false) }
                }
                _ => GatewayKind::Complex { activation_condition },
            };
            NodeKind::Gateway(Gateway { kind, default_flow: el.attr("default").map(FlowId::from) })
        } else {
            let kind = match local {
                "startEvent" => {
                    EventKind::Start { interrupting: self.bool_attr(el, &Ns::None, "isInterrupting", true) }
                }
                "intermediateCatchEvent" => EventKind::IntermediateCatch,
                "intermediateThrowEvent" => EventKind::IntermediateThrow,
                "boundaryEvent" => EventKind::Boundary {
                    attached_to: NodeId(self.required(el, "attachedToRef")),
                    cancel_activity: self.bool_attr(el, &Ns::None, "cancelActivity", true),
                },
                _ => EventKind::End,
            };
            // An event's mappings were moved into the (unused) activity part above.
            let (inputs, mappings) = (activity.inputs, activity.outputs);
            // Camunda 7 keeps the caught error's code and message in these (docs.camunda.org:
            // reference/bpmn20/events/error-events/).
            let error_definition = el.children().find(|c| c.is(&Ns::Bpmn, "errorEventDefinition"));
            // A message throw or end event can be a job, as a service task is: Zeebe reads its
            // `zeebe:taskDefinition` (docs.camunda.io: components/modeler/bpmn/message-events/
            // "Message throw events"), Camunda 7 the message event definition's `camunda:class`,
            // `expression`, `delegateExpression` or `type="external"` (docs.camunda.org:
            // reference/bpmn20/events/message-events/ "Message Intermediate Throwing Event").
            let throws_message = matches!(kind, EventKind::IntermediateThrow | EventKind::End)
                && definitions.iter().any(|d| matches!(d.trigger, Trigger::Message { .. }));
            let (job_type, retries, headers) =
                (ext.job_type.take(), ext.retries.take(), std::mem::take(&mut ext.headers));
            let implementation = match el.children().find(|c| c.is(&Ns::Bpmn, "messageEventDefinition")) {
                Some(definition) if throws_message => implementation(job_type, definition),
                _ => {
                    // Elsewhere the engines ignore a task definition: kept visible, not dropped.
                    if job_type.is_some() || !headers.is_empty() {
                        let items = el.child(&Ns::Bpmn, "extensionElements").into_iter().flat_map(|e| e.children());
                        for item in items {
                            if item.is(&Ns::Zeebe, "taskDefinition") || item.is(&Ns::Zeebe, "taskHeaders") {
                                self.unsupported(item, Some(&id), UnsupportedKind::Extension);
                            }
                        }
                    }
                    None
                }
            };
            let (retries, headers) = if implementation.is_some() { (retries, headers) } else { (None, Vec::new()) };
            NodeKind::Event(Event {
                kind,
                definitions,
                parallel_multiple: self.bool_attr(el, &Ns::None, "parallelMultiple", false),
                mappings,
                inputs,
                error_code_variable: error_definition.and_then(|d| camunda(d, "errorCodeVariable")),
                error_message_variable: error_definition.and_then(|d| camunda(d, "errorMessageVariable")),
                implementation,
                retries,
                headers,
            })
        };
        Some(FlowNode {
            id: node_id,
            name: name(el),
            kind,
            parent: parent.cloned(),
            incoming,
            outgoing,
            documentation: documentation(el),
            position: el.position(),
            listeners: std::mem::take(&mut ext.listeners),
        })
    }

    /// Zeebe's call activities pass all variables unless told otherwise; Camunda 7's pass none.
    fn saw_zeebe_in(&self, el: Node<'_, '_>) -> bool {
        el.child(&Ns::Bpmn, "extensionElements").is_some_and(|ext| ext.children().any(|c| *c.ns() == Ns::Zeebe))
    }

    fn camunda_attributes(&mut self, el: Node<'_, '_>) {
        if el.has_attr_in(&Ns::Camunda) {
            self.saw_camunda = true;
        }
    }

    fn loop_characteristics(
        &mut self,
        el: Node<'_, '_>,
        activity: Node<'_, '_>,
        ext: &Extensions,
        owner: &str,
    ) -> LoopCharacteristics {
        let known = |b: &mut Self, child: Node<'_, '_>, names: &[&str]| {
            let ok = *child.ns() == Ns::Bpmn && names.contains(&child.local());
            if !ok && !child.is(&Ns::Bpmn, "extensionElements") && !child.is(&Ns::Bpmn, "documentation") {
                b.unsupported(child, Some(owner), UnsupportedKind::BpmnElement);
            }
        };
        if el.local() == "standardLoopCharacteristics" {
            for child in el.children() {
                known(self, child, &["loopCondition"]);
            }
            let maximum = el.attr("loopMaximum").and_then(|m| {
                let parsed = m.trim().parse::<u64>().ok();
                if parsed.is_none() {
                    self.defect(
                        el,
                        DefectKind::InvalidAttribute {
                            attribute: "loopMaximum".into(),
                            value: m.into(),
                            expected: "a whole number".into(),
                        },
                    );
                }
                parsed
            });
            return LoopCharacteristics::Standard {
                condition: el.child(&Ns::Bpmn, "loopCondition").map(expression),
                test_before: self.bool_attr(el, &Ns::None, "testBefore", false),
                maximum,
            };
        }
        for child in el.children() {
            known(
                self,
                child,
                &[
                    "loopCardinality",
                    "completionCondition",
                    "loopDataInputRef",
                    "loopDataOutputRef",
                    "inputDataItem",
                    "outputDataItem",
                ],
            );
        }
        // Zeebe writes its collection settings inside the loop characteristics element.
        let own = self.extensions(el, Some(owner));
        let pick = |own: &Option<String>, outer: &Option<String>| own.clone().or_else(|| outer.clone());
        let item_name = |child: Option<Node<'_, '_>>| child.and_then(|c| c.attr("name").or(c.id()).map(str::to_owned));
        let text = |child: Option<Node<'_, '_>>| child.and_then(Node::trimmed_text).map(str::to_owned);
        let _ = activity;
        LoopCharacteristics::MultiInstance(MultiInstance {
            sequential: self.bool_attr(el, &Ns::None, "isSequential", false),
            cardinality: el.child(&Ns::Bpmn, "loopCardinality").map(expression),
            input_collection: pick(&own.input_collection, &ext.input_collection)
                .or_else(|| camunda(el, "collection"))
                .or_else(|| text(el.child(&Ns::Bpmn, "loopDataInputRef"))),
            input_element: pick(&own.input_element, &ext.input_element)
                .or_else(|| camunda(el, "elementVariable"))
                .or_else(|| item_name(el.child(&Ns::Bpmn, "inputDataItem"))),
            output_collection: pick(&own.output_collection, &ext.output_collection)
                .or_else(|| text(el.child(&Ns::Bpmn, "loopDataOutputRef"))),
            output_element: pick(&own.output_element, &ext.output_element)
                .or_else(|| item_name(el.child(&Ns::Bpmn, "outputDataItem"))),
            completion_condition: el.child(&Ns::Bpmn, "completionCondition").map(expression),
        })
    }

    fn data_association(&mut self, el: Node<'_, '_>, activity: &NodeId) -> Option<DataAssociation> {
        let id = self.id(el)?;
        let text = |local: &str| el.child(&Ns::Bpmn, local).and_then(Node::trimmed_text).map(str::to_owned);
        let direction = if el.local() == "dataInputAssociation" { DataDirection::Input } else { DataDirection::Output };
        let data = match direction {
            DataDirection::Input => text("sourceRef"),
            DataDirection::Output => text("targetRef"),
        };
        for child in el.children() {
            if !(*child.ns() == Ns::Bpmn
                && matches!(child.local(), "sourceRef" | "targetRef" | "documentation" | "extensionElements"))
            {
                self.unsupported(child, Some(&id), UnsupportedKind::BpmnElement);
            }
        }
        Some(DataAssociation { id, direction, activity: activity.clone(), data, position: el.position() })
    }

    fn event_definition(&mut self, el: Node<'_, '_>) -> Option<EventDefinition> {
        let id = el.id().map(str::to_owned);
        let owner = id.as_deref();
        let expect_children = |b: &mut Self, names: &[&str]| {
            for child in el.children() {
                let known =
                    *child.ns() == Ns::Bpmn && (names.contains(&child.local()) || child.local() == "documentation");
                if !known && !child.is(&Ns::Bpmn, "extensionElements") {
                    b.unsupported(child, owner, UnsupportedKind::BpmnElement);
                }
            }
        };
        let attr = |name: &str| el.attr(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let trigger = match el.local() {
            "messageEventDefinition" => {
                expect_children(self, &[]);
                Trigger::Message { message: attr("messageRef").map(|r| MessageId(self.root_ref(&r))) }
            }
            "timerEventDefinition" => {
                expect_children(self, &["timeDuration", "timeDate", "timeCycle"]);
                let timer = el.children().find_map(|child| {
                    let kind = match (child.ns(), child.local()) {
                        (Ns::Bpmn, "timeDuration") => TimerKind::Duration,
                        (Ns::Bpmn, "timeDate") => TimerKind::Date,
                        (Ns::Bpmn, "timeCycle") => TimerKind::Cycle,
                        _ => return None,
                    };
                    Some(Timer { kind, value: child.text().trim().to_owned(), position: child.position() })
                });
                Trigger::Timer { timer }
            }
            "errorEventDefinition" => {
                expect_children(self, &[]);
                Trigger::Error { error: attr("errorRef").map(|r| ErrorId(self.root_ref(&r))) }
            }
            "escalationEventDefinition" => {
                expect_children(self, &[]);
                Trigger::Escalation { escalation: attr("escalationRef").map(|r| EscalationId(self.root_ref(&r))) }
            }
            "signalEventDefinition" => {
                expect_children(self, &[]);
                Trigger::Signal { signal: attr("signalRef").map(|r| SignalId(self.root_ref(&r))) }
            }
            "compensateEventDefinition" => {
                expect_children(self, &[]);
                Trigger::Compensation {
                    activity: attr("activityRef").map(NodeId),
                    wait_for_completion: self.bool_attr(el, &Ns::None, "waitForCompletion", true),
                }
            }
            "conditionalEventDefinition" => {
                expect_children(self, &["condition"]);
                Trigger::Conditional { condition: el.child(&Ns::Bpmn, "condition").map(expression) }
            }
            "linkEventDefinition" => {
                expect_children(self, &["source", "target"]);
                Trigger::Link { name: attr("name") }
            }
            "cancelEventDefinition" => {
                expect_children(self, &[]);
                Trigger::Cancel
            }
            "terminateEventDefinition" => {
                expect_children(self, &[]);
                Trigger::Terminate
            }
            _ => {
                self.unsupported(el, owner, UnsupportedKind::BpmnElement);
                return None;
            }
        };
        Some(EventDefinition { id, trigger, position: el.position() })
    }

    // ----- extension elements ----------------------------------------------------------------

    /// Reads the `<extensionElements>` child of `el`, if any.
    fn extensions(&mut self, el: Node<'_, '_>, owner: Option<&str>) -> Extensions {
        match el.child(&Ns::Bpmn, "extensionElements") {
            Some(ext) => self.extension_list(ext, owner),
            None => Extensions::default(),
        }
    }

    fn extension_list(&mut self, list: Node<'_, '_>, owner: Option<&str>) -> Extensions {
        let mut ext = Extensions::default();
        for item in list.children() {
            match *item.ns() {
                Ns::Zeebe => {
                    self.saw_zeebe = true;
                    self.zeebe(item, owner, &mut ext);
                }
                Ns::Camunda => {
                    self.saw_camunda = true;
                    self.camunda(item, owner, &mut ext);
                }
                _ => self.unsupported(item, owner, UnsupportedKind::Extension),
            }
        }
        ext
    }

    fn zeebe(&mut self, item: Node<'_, '_>, owner: Option<&str>, ext: &mut Extensions) {
        let attr = |name: &str| item.attr(name).map(str::to_owned);
        match item.local() {
            "taskDefinition" => {
                ext.job_type = attr("type");
                ext.retries = attr("retries");
            }
            "ioMapping" => {
                for mapping in item.children() {
                    let target = match mapping.local() {
                        "input" if *mapping.ns() == Ns::Zeebe => &mut ext.inputs,
                        "output" if *mapping.ns() == Ns::Zeebe => &mut ext.outputs,
                        _ => {
                            self.unsupported(mapping, owner, UnsupportedKind::Extension);
                            continue;
                        }
                    };
                    target.push(Mapping {
                        source: mapping.attr("source").unwrap_or_default().to_owned(),
                        target: mapping.attr("target").unwrap_or_default().to_owned(),
                        kind: MappingKind::Expression,
                        local: false,
                        position: mapping.position(),
                    });
                }
            }
            "taskHeaders" => {
                for header in item.children() {
                    match (header.attr("key"), header.attr("value")) {
                        (Some(key), value) if header.is(&Ns::Zeebe, "header") => {
                            ext.headers.push((key.to_owned(), value.unwrap_or_default().to_owned()));
                        }
                        _ => self.unsupported(header, owner, UnsupportedKind::Extension),
                    }
                }
            }
            "assignmentDefinition" => {
                ext.assignee = attr("assignee");
                // `=...` is one FEEL expression giving the list, commas and all.
                let list = |value: Option<&str>| match value {
                    Some(value) if value.trim_start().starts_with('=') => vec![value.to_owned()],
                    value => comma_list(value),
                };
                ext.candidate_groups = list(item.attr("candidateGroups"));
                ext.candidate_users = list(item.attr("candidateUsers"));
            }
            "formDefinition" => ext.form_key = attr("formKey").or_else(|| attr("formId")),
            "taskSchedule" => {
                ext.due_date = attr("dueDate");
                ext.follow_up_date = attr("followUpDate");
            }
            "priorityDefinition" => ext.priority = attr("priority"),
            "calledElement" => {
                ext.called_element = attr("processId");
                ext.propagate_all_child = Some(item.attr("propagateAllChildVariables") != Some("false"));
                ext.propagate_all_parent = Some(item.attr("propagateAllParentVariables") != Some("false"));
            }
            "calledDecision" => {
                ext.decision = attr("decisionId");
                ext.result_variable = attr("resultVariable");
            }
            "script" => {
                ext.script = attr("expression");
                ext.result_variable = attr("resultVariable");
            }
            "loopCharacteristics" => {
                ext.input_collection = attr("inputCollection");
                ext.input_element = attr("inputElement");
                ext.output_collection = attr("outputCollection");
                ext.output_element = attr("outputElement");
            }
            // docs.camunda.io: components/concepts/execution-listeners/ and
            // components/concepts/user-task-listeners/: each listener is a job of its type.
            "executionListeners" | "taskListeners" if self.node_listeners => {
                let (element, events): (&str, &[&str]) = if item.local() == "executionListeners" {
                    ("executionListener", &["start", "end"])
                } else {
                    ("taskListener", &["creating", "assigning", "completing"])
                };
                for listener in item.children() {
                    match (listener.attr("eventType"), listener.attr("type")) {
                        (Some(event), Some(job_type))
                            if listener.is(&Ns::Zeebe, element) && events.contains(&event) =>
                        {
                            ext.listeners.push(Listener {
                                event: event.to_owned(),
                                implementation: ListenerImplementation::Job {
                                    job_type: job_type.to_owned(),
                                    retries: listener.attr("retries").map(str::to_owned),
                                },
                                position: listener.position(),
                            });
                        }
                        // Other events (`updating`, `canceling`) are not run yet: kept visible.
                        _ => self.unsupported(listener, owner, UnsupportedKind::Extension),
                    }
                }
            }
            "subscription" => ext.correlation_key = attr("correlationKey"),
            "versionTag" => ext.version_tag = attr("value"),
            // A marker for Camunda's own user tasks; Baton treats every user task alike.
            "userTask" => {}
            _ => self.unsupported(item, owner, UnsupportedKind::Extension),
        }
    }

    fn camunda(&mut self, item: Node<'_, '_>, owner: Option<&str>, ext: &mut Extensions) {
        match item.local() {
            "inputOutput" => {
                for parameter in item.children() {
                    let target = match parameter.local() {
                        "inputParameter" if *parameter.ns() == Ns::Camunda => &mut ext.inputs,
                        "outputParameter" if *parameter.ns() == Ns::Camunda => &mut ext.outputs,
                        _ => {
                            self.unsupported(parameter, owner, UnsupportedKind::Extension);
                            continue;
                        }
                    };
                    // A list or a map is read; a script is not yet: kept visible instead of
                    // mapping a wrong value.
                    let kind = match parameter.children().next() {
                        None => MappingKind::Expression,
                        Some(value) => match self.parameter_value(value, owner) {
                            Some(value) => MappingKind::Value(value),
                            None => continue,
                        },
                    };
                    target.push(Mapping {
                        source: parameter.text().trim().to_owned(),
                        target: parameter.attr("name").unwrap_or_default().to_owned(),
                        kind,
                        local: false,
                        position: parameter.position(),
                    });
                }
            }
            "in" | "out" => {
                let all = item.attr("variables") == Some("all");
                let into_child = item.local() == "in";
                if all {
                    // `local="true"` with `variables="all"`: the call activity's local variables
                    // only (in), or the child's as its local variables (out) (docs.camunda.org:
                    // reference/bpmn20/subprocesses/call-activity/ "Passing Variables").
                    let local = item.attr("local") == Some("true");
                    if into_child {
                        ext.propagate_all_parent = Some(true);
                        ext.all_in_local |= local;
                    } else {
                        ext.propagate_all_child = Some(true);
                        ext.all_out_local |= local;
                    }
                }
                // `source` names a variable, copied as it is; `sourceExpression` is JUEL
                // (docs.camunda.org: reference/bpmn20/subprocesses/call-activity/#passing-variables).
                let source = match (item.attr("source"), item.attr("sourceExpression")) {
                    (Some(name), _) => Some((name.trim(), MappingKind::Variable)),
                    (None, Some(expression)) => Some((expression, MappingKind::Expression)),
                    (None, None) => None,
                };
                if let (Some((source, kind)), Some(target)) = (source, item.attr("target")) {
                    let mapping = Mapping {
                        source: source.to_owned(),
                        target: target.to_owned(),
                        kind,
                        local: item.attr("local") == Some("true"),
                        position: item.position(),
                    };
                    if into_child {
                        ext.passed_in.push(mapping);
                    } else {
                        ext.passed_out.push(mapping);
                    }
                } else if !all {
                    self.unsupported(item, owner, UnsupportedKind::Extension);
                }
            }
            "failedJobRetryTimeCycle" => ext.retries = item.trimmed_text().map(str::to_owned),
            "executionListener" | "taskListener" if self.node_listeners => match self.camunda_listener(item) {
                Some(listener) => ext.listeners.push(listener),
                None => self.unsupported(item, owner, UnsupportedKind::Extension),
            },
            _ => self.unsupported(item, owner, UnsupportedKind::Extension),
        }
    }

    /// A Camunda 7 listener on a flow node, at an event Baton fires (docs.camunda.org:
    /// user-guide/process-engine/delegation-code/#execution-listener, #task-listener). `None`
    /// (kept unsupported) for other events (`take` belongs to flows, `delete`, `timeout`), field
    /// injection, or no implementation.
    fn camunda_listener(&mut self, item: Node<'_, '_>) -> Option<Listener> {
        let task = item.local() == "taskListener";
        let event = item.attr("event").map(str::trim).unwrap_or(if task { "create" } else { "start" });
        let known: &[&str] = if task { &["create", "assignment", "complete"] } else { &["start", "end"] };
        if !known.contains(&event) {
            return None;
        }
        let attr = |name: &str| item.attr(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let mut script = None;
        for child in item.children() {
            match (child.ns(), child.local()) {
                (Ns::Camunda, "script") => {
                    let body =
                        child.attr("resource").map(str::to_owned).or_else(|| Some(child.text().trim().to_owned()));
                    script = Some(ListenerImplementation::Script {
                        format: child.attr("scriptFormat").unwrap_or_default().to_owned(),
                        body: body.unwrap_or_default(),
                    });
                }
                // `camunda:field` injection: a handler could not see the fields yet.
                _ => return None,
            }
        }
        let implementation = match (attr("class"), attr("delegateExpression"), attr("expression"), script) {
            (Some(name), ..) => ListenerImplementation::Class { name },
            (_, Some(expression), ..) => ListenerImplementation::DelegateExpression { expression },
            (.., Some(expression), _) => ListenerImplementation::Expression { expression },
            (.., Some(script)) => script,
            _ => return None,
        };
        Some(Listener { event: event.to_owned(), implementation, position: item.position() })
    }

    /// A `camunda:list` or `camunda:map` parameter value; `None` (reported as unsupported) for a
    /// `camunda:script` or anything else.
    fn parameter_value(&mut self, el: Node<'_, '_>, owner: Option<&str>) -> Option<ParameterValue> {
        let nested = |b: &mut Self, item: Node<'_, '_>| match item.children().next() {
            None => Some(ParameterValue::Text(item.text().trim().to_owned())),
            Some(value) => b.parameter_value(value, owner),
        };
        match (el.ns(), el.local()) {
            (Ns::Camunda, "list") => {
                let mut items = Vec::new();
                for item in el.children() {
                    if item.is(&Ns::Camunda, "value") {
                        items.push(nested(self, item)?);
                    } else {
                        items.push(self.parameter_value(item, owner)?);
                    }
                }
                Some(ParameterValue::List(items))
            }
            (Ns::Camunda, "map") => {
                let mut entries = Vec::new();
                for entry in el.children() {
                    match entry.attr("key") {
                        Some(key) if entry.is(&Ns::Camunda, "entry") => {
                            entries.push((key.to_owned(), nested(self, entry)?));
                        }
                        _ => {
                            self.unsupported(entry, owner, UnsupportedKind::Extension);
                            return None;
                        }
                    }
                }
                Some(ParameterValue::Map(entries))
            }
            _ => {
                self.unsupported(el, owner, UnsupportedKind::Extension);
                None
            }
        }
    }

    // ----- collaborations --------------------------------------------------------------------

    fn collaboration(&mut self, el: Node<'_, '_>) -> Option<Collaboration> {
        let id = self.id(el)?;
        let mut collaboration = Collaboration {
            id: id.clone(),
            name: name(el),
            participants: Vec::new(),
            message_flows: Vec::new(),
            artifacts: Vec::new(),
            position: el.position(),
        };
        for child in el.children() {
            match (child.ns(), child.local()) {
                (Ns::Bpmn, "participant") => {
                    if let Some(pid) = self.id(child) {
                        for inner in child.children() {
                            if !inner.is(&Ns::Bpmn, "documentation") && !inner.is(&Ns::Bpmn, "extensionElements") {
                                self.unsupported(inner, Some(&pid), UnsupportedKind::BpmnElement);
                            }
                        }
                        collaboration.participants.push(Participant {
                            id: pid,
                            name: name(child),
                            process: child.attr("processRef").map(ProcessId::from),
                            position: child.position(),
                        });
                    }
                }
                (Ns::Bpmn, "messageFlow") => {
                    if let Some(fid) = self.id(child) {
                        collaboration.message_flows.push(MessageFlow {
                            id: fid,
                            name: name(child),
                            source: self.required(child, "sourceRef"),
                            target: self.required(child, "targetRef"),
                            message: child.attr("messageRef").map(|r| MessageId(self.root_ref(r))),
                            position: child.position(),
                        });
                    }
                }
                (Ns::Bpmn, "textAnnotation" | "association" | "group") => {
                    if let Some(artifact) = self.artifact(child, None) {
                        collaboration.artifacts.push(artifact);
                    }
                }
                (Ns::Bpmn, "documentation" | "extensionElements") => {}
                _ => self.unsupported(child, Some(&id), UnsupportedKind::BpmnElement),
            }
        }
        Some(collaboration)
    }

    // ----- diagram interchange ---------------------------------------------------------------

    /// A diagram, entered, and its plane, entered: shapes and edges come one at a time.
    fn diagram(&mut self, reader: &mut Reader<'_>, index: u32) -> Result<Diagram, Error> {
        let el = reader.node(index);
        let diagram_id = el.id().map(str::to_owned);
        let mut diagram = Diagram {
            id: diagram_id.clone(),
            name: name(el),
            plane: Plane { id: None, element: None },
            shapes: Vec::new(),
            edges: Vec::new(),
            position: el.position(),
        };
        let is_plane = |ns: &Ns, local: &str| *ns == Ns::BpmnDi && local == "BPMNPlane";
        while let Some(child) = reader.next_child(is_plane)? {
            let Child::Entered(plane) = child else {
                self.unsupported(reader.node(child.index()), diagram_id.as_deref(), UnsupportedKind::BpmnElement);
                continue;
            };
            let plane = reader.node(plane);
            let plane_id = plane.id().map(str::to_owned);
            diagram.plane = Plane { id: plane_id.clone(), element: plane.attr("bpmnElement").map(str::to_owned) };
            while let Some(item) = reader.next_child(|_, _| false)? {
                let item = reader.node(item.index());
                match (item.ns(), item.local()) {
                    (Ns::BpmnDi, "BPMNShape") => {
                        if let Some(shape) = self.shape(item) {
                            diagram.shapes.push(shape);
                        }
                    }
                    (Ns::BpmnDi, "BPMNEdge") => {
                        if let Some(edge) = self.edge(item) {
                            diagram.edges.push(edge);
                        }
                    }
                    _ => self.unsupported(item, plane_id.as_deref(), UnsupportedKind::BpmnElement),
                }
            }
        }
        Ok(diagram)
    }

    fn bounds(&mut self, el: Node<'_, '_>) -> Bounds {
        Bounds {
            x: self.number_attr(el, "x"),
            y: self.number_attr(el, "y"),
            width: self.number_attr(el, "width"),
            height: self.number_attr(el, "height"),
        }
    }

    fn colors(el: Node<'_, '_>) -> Colors {
        let get = |ns: &Ns, name: &str| el.attr_ns(ns, name).map(str::to_owned);
        Colors {
            stroke: get(&Ns::Bioc, "stroke").or_else(|| get(&Ns::Color, "border-color")),
            fill: get(&Ns::Bioc, "fill").or_else(|| get(&Ns::Color, "background-color")),
        }
    }

    fn label(&mut self, el: Node<'_, '_>) -> Label {
        let mut label = Label { bounds: None, color: el.attr_ns(&Ns::Color, "color").map(str::to_owned) };
        for child in el.children() {
            if child.is(&Ns::Dc, "Bounds") {
                label.bounds = Some(self.bounds(child));
            } else {
                self.unsupported(child, el.id(), UnsupportedKind::BpmnElement);
            }
        }
        label
    }

    fn shape(&mut self, el: Node<'_, '_>) -> Option<Shape> {
        let element = self.required(el, "bpmnElement");
        if element.is_empty() {
            return None;
        }
        let mut bounds = None;
        let mut label = None;
        for child in el.children() {
            match (child.ns(), child.local()) {
                (Ns::Dc, "Bounds") => bounds = Some(self.bounds(child)),
                (Ns::BpmnDi, "BPMNLabel") => label = Some(self.label(child)),
                _ => self.unsupported(child, el.id(), UnsupportedKind::BpmnElement),
            }
        }
        let Some(bounds) = bounds else {
            self.defect(el, DefectKind::MissingAttribute { attribute: "dc:Bounds".into() });
            return None;
        };
        let optional_bool = |b: &mut Self, name: &str| el.attr(name).map(|_| b.bool_attr(el, &Ns::None, name, false));
        Some(Shape {
            id: el.id().map(str::to_owned),
            element,
            bounds,
            is_expanded: optional_bool(self, "isExpanded"),
            is_horizontal: optional_bool(self, "isHorizontal"),
            is_marker_visible: optional_bool(self, "isMarkerVisible"),
            label,
            colors: Self::colors(el),
            position: el.position(),
        })
    }

    fn edge(&mut self, el: Node<'_, '_>) -> Option<Edge> {
        let element = self.required(el, "bpmnElement");
        if element.is_empty() {
            return None;
        }
        let mut waypoints = Vec::new();
        let mut label = None;
        for child in el.children() {
            match (child.ns(), child.local()) {
                (Ns::Di, "waypoint") => {
                    waypoints.push(Point { x: self.number_attr(child, "x"), y: self.number_attr(child, "y") })
                }
                (Ns::BpmnDi, "BPMNLabel") => label = Some(self.label(child)),
                _ => self.unsupported(child, el.id(), UnsupportedKind::BpmnElement),
            }
        }
        let message_visible_kind = match el.attr("messageVisibleKind").map(str::trim) {
            None => None,
            Some("initiating") => Some(MessageVisibleKind::Initiating),
            Some("non_initiating") => Some(MessageVisibleKind::NonInitiating),
            Some(other) => {
                self.defect(
                    el,
                    DefectKind::InvalidAttribute {
                        attribute: "messageVisibleKind".into(),
                        value: other.into(),
                        expected: "initiating or non_initiating".into(),
                    },
                );
                None
            }
        };
        Some(Edge {
            id: el.id().map(str::to_owned),
            element,
            waypoints,
            label,
            message_visible_kind,
            colors: Self::colors(el),
            position: el.position(),
        })
    }
}

/// How a task (or a message throw event, reading its event definition) does its work: a Zeebe
/// job type, else Camunda 7's external topic, class, delegate expression or expression on `el`.
fn implementation(job_type: Option<String>, el: Node<'_, '_>) -> Option<Implementation> {
    match job_type {
        Some(job_type) => Some(Implementation::JobType(job_type)),
        None => match (camunda(el, "type").as_deref(), camunda(el, "topic")) {
            (Some("external"), Some(topic)) => Some(Implementation::ExternalTopic(topic)),
            _ => camunda(el, "class")
                .map(Implementation::Class)
                .or_else(|| camunda(el, "delegateExpression").map(Implementation::DelegateExpression))
                .or_else(|| camunda(el, "expression").map(Implementation::Expression)),
        },
    }
}

/// A `camunda:` attribute of `el`.
fn camunda(el: Node<'_, '_>, name: &str) -> Option<String> {
    el.attr_ns(&Ns::Camunda, name).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use crate::model::*;

    const NS: &str = r#"xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:tns="urn:orders" xmlns:other="urn:other" targetNamespace="urn:orders""#;

    fn parse(body: &str, roots: &str) -> Definitions {
        let xml = format!(r#"<definitions {NS} id="d"><process id="p">{body}</process>{roots}</definitions>"#);
        crate::parse::parse(&xml).expect("parses")
    }

    fn triggers(defs: &Definitions) -> Vec<&Trigger> {
        let events = defs.processes[0].nodes.iter().filter_map(|n| match &n.kind {
            NodeKind::Event(e) => Some(&e.definitions),
            _ => None,
        });
        events.flatten().map(|d| &d.trigger).collect()
    }

    #[test]
    fn a_reference_is_resolved_only_through_a_prefix_bound_to_the_target_namespace() {
        let defs = parse(
            r#"<intermediateCatchEvent id="a"><messageEventDefinition messageRef="tns:m" /></intermediateCatchEvent>
               <intermediateCatchEvent id="b"><messageEventDefinition messageRef="other:m" /></intermediateCatchEvent>
               <intermediateCatchEvent id="c"><signalEventDefinition signalRef="tns:s" /></intermediateCatchEvent>
               <receiveTask id="r" messageRef="tns:m" />"#,
            r#"<message id="m" name="m" /><signal id="s" name="s" />"#,
        );
        let message = |m: &str| Trigger::Message { message: Some(MessageId::from(m)) };
        assert_eq!(
            triggers(&defs),
            [&message("m"), &message("other:m"), &Trigger::Signal { signal: Some(SignalId::from("s")) }]
        );
        let receive = &defs.processes[0].nodes[3].kind;
        assert!(
            matches!(receive, NodeKind::Task(Task { kind: TaskKind::Receive { message: Some(m), .. }, .. }) if m == "m")
        );
    }

    #[test]
    fn an_error_ref_to_no_error_is_declared_with_itself_as_code_except_for_camunda_8() {
        let body = r#"<endEvent id="e"><errorEventDefinition errorRef="REJECTED" /></endEvent>
                      <endEvent id="f"><errorEventDefinition errorRef="tns:declared" /></endEvent>"#;
        let defs = parse(body, r#"<error id="declared" errorCode="D" />"#);
        let errors: Vec<(&str, Option<&str>, bool)> =
            defs.errors.iter().map(|e| (e.id.as_str(), e.code.as_deref(), e.implicit)).collect();
        assert_eq!(errors, [("declared", Some("D"), false), ("REJECTED", Some("REJECTED"), true)]);

        let zeebe = body.replace("<endEvent id=\"e\">", r#"<endEvent id="e"><extensionElements><zeebe:ioMapping xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" /></extensionElements>"#);
        let defs = parse(&zeebe, r#"<error id="declared" errorCode="D" />"#);
        assert_eq!(defs.dialect, Dialect::Camunda8);
        assert_eq!(defs.errors.len(), 1, "Zeebe reads an errorRef to nothing as no error");
    }

    #[test]
    fn flows_and_associations_without_ids_are_named_by_their_ends_in_document_order() {
        let defs = parse(
            r#"<task id="a" /><task id="b" />
               <sequenceFlow sourceRef="a" targetRef="b" /><sequenceFlow id="given" sourceRef="a" targetRef="b" />
               <sequenceFlow sourceRef="a" targetRef="b" /><textAnnotation id="t" />
               <association sourceRef="a" targetRef="t" /><association sourceRef="a" targetRef="t" />"#,
            "",
        );
        let flows: Vec<(&str, bool)> =
            defs.processes[0].flows.iter().map(|f| (f.id.as_str(), f.generated_id)).collect();
        assert_eq!(flows, [("flow:a→b", true), ("given", false), ("flow:a→b#2", true)]);
        let artifacts: Vec<&str> = defs.processes[0].artifacts.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(artifacts, ["t", "association:a→t", "association:a→t#2"]);
        assert_eq!(defs.defects, [], "an id the XSD makes optional is no defect");
    }
}
