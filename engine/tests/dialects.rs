//! The parsed structure of the three common dialects and a collaboration, as a user of the
//! model sees it. Fixtures are drawn with DI, so the report can draw them too.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_engine::model::*;
use baton_engine::parse::parse_file;
use baton_engine::validate::{Code, Severity, validate};

fn fixture(name: &str) -> Definitions {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    parse_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn node<'a>(process: &'a Process, id: &str) -> &'a FlowNode {
    process.node(id).unwrap_or_else(|| panic!("no node {id}"))
}

fn task(node: &FlowNode) -> &Task {
    match &node.kind {
        NodeKind::Task(task) => task,
        other => panic!("{} is not a task: {other:?}", node.id),
    }
}

fn event(node: &FlowNode) -> &Event {
    match &node.kind {
        NodeKind::Event(event) => event,
        other => panic!("{} is not an event: {other:?}", node.id),
    }
}

fn codes(definitions: &Definitions, severity: Severity) -> Vec<(Code, Option<String>)> {
    validate(definitions).into_iter().filter(|p| p.severity == severity).map(|p| (p.code, p.element)).collect()
}

fn every_node_and_flow_is_drawn(definitions: &Definitions) {
    let diagram = &definitions.diagrams[0];
    for process in &definitions.processes {
        for n in &process.nodes {
            assert!(diagram.shape(n.id.as_str()).is_some(), "{} has no shape", n.id);
        }
        for f in &process.flows {
            let edge = diagram.edge(f.id.as_str()).unwrap_or_else(|| panic!("{} has no edge", f.id));
            assert!(edge.waypoints.len() >= 2, "{} has {} waypoints", f.id, edge.waypoints.len());
        }
    }
}

#[test]
fn camunda_7_model() {
    let defs = fixture("camunda7.bpmn");
    assert_eq!(defs.dialect, Dialect::Camunda7);
    assert_eq!(defs.exporter.as_ref().map(|e| e.name.as_str()), Some("Camunda Modeler"));
    let p = defs.process("order_c7").expect("process order_c7");
    assert!(p.is_executable);
    assert_eq!(p.name.as_deref(), Some("Dash button order (Camunda 7)"));
    assert_eq!(p.flows.len(), 12);

    let pay = task(node(p, "Activity_PayItem"));
    assert_eq!(pay.kind, TaskKind::Service);
    assert_eq!(pay.implementation, Some(Implementation::ExternalTopic("payment".into())));
    assert_eq!(pay.activity.inputs[0].target, "amount");
    assert_eq!(pay.activity.inputs[0].source, "${order.amount}");
    assert_eq!(pay.activity.outputs[0].target, "paid");
    assert_eq!(
        task(node(p, "Activity_FetchItem")).implementation,
        Some(Implementation::Class("com.example.FetchGoods".into()))
    );
    assert_eq!(
        task(node(p, "Activity_ShipItem")).implementation,
        Some(Implementation::DelegateExpression("${shipGoods}".into()))
    );
    let TaskKind::User(user) = &task(node(p, "Activity_ConfirmDelivery")).kind else { panic!("not a user task") };
    assert_eq!(user.assignee.as_deref(), Some("${customer}"));
    assert_eq!(user.candidate_groups, ["support"]);
    assert_eq!(user.form_key.as_deref(), Some("embedded:app:forms/confirm.html"));
    let TaskKind::Script(script) = &task(node(p, "Activity_ComputeDiscount")).kind else { panic!("not a script") };
    assert_eq!(script.format.as_deref(), Some("javascript"));
    assert_eq!(script.result_variable.as_deref(), Some("discount"));
    assert!(script.body.as_deref().is_some_and(|b| !b.is_empty()));

    let declined = event(node(p, "Event_CardDeclined"));
    assert_eq!(
        declined.kind,
        EventKind::Boundary { attached_to: NodeId::from("Activity_PayItem"), cancel_activity: true }
    );
    assert_eq!(declined.definitions[0].trigger, Trigger::Error { error: Some(ErrorId::from("Error_CardDeclined")) });
    assert_eq!(defs.error("Error_CardDeclined").and_then(|e| e.code.as_deref()), Some("CARD_DECLINED"));
    let Trigger::Timer { timer: Some(timer) } = &event(node(p, "Event_WaitForNewCard")).definitions[0].trigger else {
        panic!("not a timer")
    };
    assert_eq!((timer.kind, timer.value.as_str()), (TimerKind::Duration, "P7D"));

    assert_eq!(node(p, "Gateway_PaymentOk").default_flow(), Some(&FlowId::from("Flow_PaymentOk_Yes")));
    let yes = p.flow("Flow_PaymentOk_Yes").expect("yes flow");
    let no = p.flow("Flow_PaymentOk_No").expect("no flow");
    assert!(yes.is_default && !no.is_default);
    assert_eq!(no.condition.as_ref().map(|c| c.text.as_str()), Some("${paymentFailed}"));

    let refund = task(node(p, "Activity_RefundPayment"));
    assert!(refund.activity.is_for_compensation);
    assert_eq!(refund.implementation, Some(Implementation::Expression("${payment.refund(execution)}".into())));
    let NodeKind::CallActivity(call) = &node(p, "Activity_NotifyCustomer").kind else { panic!("not a call") };
    assert_eq!(call.called_element.as_deref(), Some("notify_customer"));
    assert!(call.propagate_all_parent_variables);
    assert_eq!(call.passed_out[0].target, "notified");

    every_node_and_flow_is_drawn(&defs);
    assert_eq!(codes(&defs, Severity::Error), []);
    assert_eq!(
        codes(&defs, Severity::Warning),
        [(Code::CalledProcessElsewhere, Some("Activity_NotifyCustomer".into()))]
    );
}

#[test]
fn camunda_8_model() {
    let defs = fixture("camunda8.bpmn");
    assert_eq!(defs.dialect, Dialect::Camunda8);
    let p = defs.process("order_c8").expect("process order_c8");
    assert_eq!(p.flows.len(), 18);

    let start = event(node(p, "Event_DashButtonPressed"));
    assert_eq!(start.definitions[0].trigger, Trigger::Message { message: Some("Message_DashButtonPressed".into()) });
    assert_eq!(defs.message("Message_DashButtonPressed").and_then(|m| m.name.as_deref()), Some("dash-button-pressed"));
    assert_eq!(defs.message("Message_ItemShipped").and_then(|m| m.correlation_key.as_deref()), Some("=orderId"));

    let pay = task(node(p, "Activity_PayItem"));
    assert_eq!(pay.implementation, Some(Implementation::JobType("payment".into())));
    assert_eq!(pay.retries.as_deref(), Some("5"));
    assert_eq!(
        (pay.activity.inputs[0].source.as_str(), pay.activity.inputs[0].target.as_str()),
        ("=order.amount", "amount")
    );
    assert_eq!((pay.activity.outputs[0].source.as_str(), pay.activity.outputs[0].target.as_str()), ("=paid", "paid"));

    let slow = event(node(p, "Event_PaymentSlow"));
    assert_eq!(slow.kind, EventKind::Boundary { attached_to: "Activity_PayItem".into(), cancel_activity: false });
    let TaskKind::BusinessRule(rule) = &task(node(p, "Activity_CheckFraud")).kind else { panic!("not a rule task") };
    assert_eq!((rule.decision.as_deref(), rule.result_variable.as_deref()), (Some("fraud"), Some("fraudScore")));

    let ship = task(node(p, "Activity_ShipParcels"));
    let Some(LoopCharacteristics::MultiInstance(mi)) = ship.activity.loop_characteristics.as_deref() else {
        panic!("not MI")
    };
    assert!(!mi.sequential);
    assert_eq!(mi.input_collection.as_deref(), Some("=parcels"));
    assert_eq!(mi.input_element.as_deref(), Some("parcel"));
    assert_eq!(mi.output_collection.as_deref(), Some("results"));
    assert_eq!(mi.output_element.as_deref(), Some("=result"));

    let TaskKind::User(user) = &task(node(p, "Activity_RateDelivery")).kind else { panic!("not a user task") };
    assert_eq!(user.assignee.as_deref(), Some("=customer"));
    assert_eq!(user.form_key.as_deref(), Some("rate-form"));
    assert_eq!(user.candidate_groups, ["support"]);

    let NodeKind::CallActivity(call) = &node(p, "Activity_BillCustomer").kind else { panic!("not a call") };
    assert_eq!(call.called_element.as_deref(), Some("billing"));
    assert!(!call.propagate_all_child_variables);

    let scope = NodeId::from("Activity_HandleFailedPayment");
    let inside: Vec<&str> = p.children(Some(&scope)).map(|n| n.id.as_str()).collect();
    assert_eq!(inside, ["Event_PaymentFailed", "Activity_CallCustomer", "Event_CustomerCalled"]);
    assert_eq!(defs.diagrams[0].shape("Activity_HandleFailedPayment").and_then(|s| s.is_expanded), Some(true));
    assert_eq!(
        p.flow("Flow_PaymentOk_Yes").and_then(|f| f.condition.as_ref()).map(|c| c.text.as_str()),
        Some("=paid = true")
    );

    every_node_and_flow_is_drawn(&defs);
    assert_eq!(codes(&defs, Severity::Error), []);
    assert_eq!(codes(&defs, Severity::Warning), [(Code::CalledProcessElsewhere, Some("Activity_BillCustomer".into()))]);
}

#[test]
fn plain_bpmn_io_model_with_every_kind() {
    let defs = fixture("bpmnio.bpmn");
    assert_eq!(defs.dialect, Dialect::Plain);
    assert_eq!(defs.exporter.as_ref().map(|e| e.name.as_str()), Some("bpmn-js"));
    let p = defs.process("order_plain").expect("process order_plain");
    assert!(!p.is_executable);

    let kinds: std::collections::BTreeSet<&str> = p.nodes.iter().map(FlowNode::element_name).collect();
    for kind in [
        "exclusiveGateway",
        "inclusiveGateway",
        "parallelGateway",
        "eventBasedGateway",
        "complexGateway",
        "manualTask",
        "receiveTask",
        "task",
        "transaction",
        "adHocSubProcess",
        "subProcess",
        "intermediateThrowEvent",
        "intermediateCatchEvent",
        "boundaryEvent",
    ] {
        assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
    }
    let triggers: Vec<&str> = p
        .nodes
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Event(e) => Some(e.definitions.iter().map(|d| d.trigger.element_name())),
            _ => None,
        })
        .flatten()
        .collect();
    for trigger in [
        "signalEventDefinition",
        "escalationEventDefinition",
        "terminateEventDefinition",
        "cancelEventDefinition",
        "linkEventDefinition",
        "conditionalEventDefinition",
        "messageEventDefinition",
        "timerEventDefinition",
    ] {
        assert!(triggers.contains(&trigger), "no {trigger}");
    }

    let Trigger::Conditional { condition: Some(c) } = &event(node(p, "Event_ItemInStock")).definitions[0].trigger
    else {
        panic!("not conditional")
    };
    assert_eq!(c.text, "stock > 0");
    assert_eq!(
        event(node(p, "Event_ToShipping")).definitions[0].trigger,
        Trigger::Link { name: Some("to-shipping".into()) }
    );
    assert_eq!(
        event(node(p, "Event_Shipping")).definitions[0].trigger,
        Trigger::Link { name: Some("to-shipping".into()) }
    );
    let NodeKind::SubProcess(sub) = &node(p, "Activity_HandleAddressChange").kind else { panic!("not a sub-process") };
    assert_eq!(sub.kind, SubProcessKind::Event);
    assert_eq!(event(node(p, "Event_AddressChanged")).kind, EventKind::Start { interrupting: false });
    assert_eq!(
        event(node(p, "Event_PaymentCancelled")).kind,
        EventKind::Boundary { attached_to: "Activity_PayOrder".into(), cancel_activity: true }
    );
    let scope = NodeId::from("Activity_PackParcel");
    let packing: Vec<&str> = p.children(Some(&scope)).map(|n| n.id.as_str()).collect();
    assert_eq!(packing, ["Activity_WrapItem", "Activity_InsertInvoice"]);
    assert!(matches!(
        task(node(p, "Activity_PickItems")).activity.loop_characteristics.as_deref(),
        Some(LoopCharacteristics::Standard { .. })
    ));
    let Some(LoopCharacteristics::MultiInstance(mi)) =
        task(node(p, "Activity_PrintLabels")).activity.loop_characteristics.as_deref()
    else {
        panic!("not MI")
    };
    assert!(mi.sequential);
    assert_eq!(mi.cardinality.as_ref().map(|c| c.text.as_str()), Some("3"));

    assert!(
        p.data
            .iter()
            .any(|d| d.id == "DataObjectReference_Order" && matches!(d.kind, DataKind::ObjectReference { .. }))
    );
    assert!(
        p.data.iter().any(|d| d.id == "DataStoreReference_Orders" && matches!(d.kind, DataKind::StoreReference { .. }))
    );
    let directions: Vec<DataDirection> = p.data_associations.iter().map(|a| a.direction).collect();
    assert!(directions.contains(&DataDirection::Input) && directions.contains(&DataDirection::Output));
    assert!(
        p.artifacts.iter().any(
            |a| matches!(&a.kind, ArtifactKind::Group { category_value: Some(v) } if v == "CategoryValue_Warehouse")
        )
    );
    assert!(p.artifacts.iter().any(|a| matches!(a.kind, ArtifactKind::TextAnnotation { text: Some(_) })));
    assert_eq!(defs.categories[0].values[0].1.as_deref(), Some("Warehouse"));

    let colored = defs.diagrams[0].shape("Activity_BookExpressCourier").expect("shape");
    assert_eq!(colored.colors.stroke.as_deref(), Some("#1e88e5"));
    assert_eq!(colored.colors.fill.as_deref(), Some("#bbdefb"));

    every_node_and_flow_is_drawn(&defs);
    assert_eq!(codes(&defs, Severity::Error), []);
    // Modelling choices worth a look in a sketch that is not run: each warning is a true finding.
    assert_eq!(
        codes(&defs, Severity::Warning),
        [
            (Code::NotExecutable, Some("order_plain".into())),
            (Code::GatewayWithoutConditions, Some("Gateway_OrderValid".into())),
            (Code::GatewayWithoutConditions, Some("Gateway_CardOk".into())),
            (Code::EndlessLoop, Some("Activity_PickItems".into())),
            (Code::NotRunYet, Some("Activity_PackParcel".into())),
            (Code::NotRunYet, Some("Gateway_DeliveryResult".into())),
        ]
    );
}

#[test]
fn collaboration_with_pools_lanes_and_message_flows() {
    let defs = fixture("collaboration.bpmn");
    let c = &defs.collaborations[0];
    assert_eq!(c.id, "Collaboration_Order");
    let pools: Vec<(&str, Option<&str>)> = c
        .participants
        .iter()
        .map(|x| (x.name.as_deref().unwrap_or(""), x.process.as_ref().map(ProcessId::as_str)))
        .collect();
    assert_eq!(pools, [("Customer", Some("customer_process")), ("Shop", Some("shop_process"))]);
    let flows: Vec<(&str, &str)> = c.message_flows.iter().map(|m| (m.source.as_str(), m.target.as_str())).collect();
    assert_eq!(flows, [("Activity_SendOrder", "Event_OrderReceived"), ("Activity_ShipItem", "Activity_ReceiveParcel")]);

    let shop = defs.process("shop_process").expect("shop");
    let lanes: Vec<(&str, usize)> =
        shop.lanes.iter().map(|l| (l.name.as_deref().unwrap_or(""), l.nodes.len())).collect();
    assert_eq!(lanes, [("Payment", 2), ("Inventory", 1), ("Shipping", 2)]);
    let in_lanes: usize = shop.lanes.iter().map(|l| l.nodes.len()).sum();
    assert_eq!(in_lanes, shop.nodes.len());
    assert!(defs.process("customer_process").is_some_and(|p| p.lanes.is_empty()));

    let diagram = &defs.diagrams[0];
    assert_eq!(diagram.plane.element.as_deref(), Some("Collaboration_Order"));
    for pool in ["Participant_Customer", "Participant_Shop", "Lane_Payment"] {
        assert_eq!(diagram.shape(pool).and_then(|s| s.is_horizontal), Some(true), "{pool}");
    }
    assert!(diagram.edge("MessageFlow_Order").is_some_and(|e| e.waypoints.len() >= 2));
    every_node_and_flow_is_drawn(&defs);
    assert_eq!(codes(&defs, Severity::Error), []);
    assert_eq!(
        codes(&defs, Severity::Warning),
        [(Code::NotExecutable, Some("customer_process".into())), (Code::NotExecutable, Some("shop_process".into()))]
    );
}

#[test]
fn positions_point_at_the_element() {
    let defs = fixture("camunda7.bpmn");
    let text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/camunda7.bpmn"))
            .expect("read");
    let p = &defs.processes[0];
    for n in &p.nodes {
        let line = text.lines().nth(n.position.line as usize - 1).expect("line");
        let at: String = line.chars().skip(n.position.column as usize - 1).collect();
        assert!(at.starts_with('<') && at.contains(&format!("id=\"{}\"", n.id)), "{}: {at}", n.id);
    }
}

#[test]
fn event_mappings_are_read_in_both_dialects() {
    let c8 = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
      <bpmn:process id="p" isExecutable="true">
        <bpmn:intermediateCatchEvent id="caught">
          <bpmn:extensionElements><zeebe:ioMapping><zeebe:output source="=shipment.id" target="shipment" /></zeebe:ioMapping></bpmn:extensionElements>
          <bpmn:messageEventDefinition id="def" />
        </bpmn:intermediateCatchEvent>
      </bpmn:process>
    </bpmn:definitions>"#;
    let c7 = c8
        .replace(r#"xmlns:zeebe="http://camunda.org/schema/zeebe/1.0""#, r#"xmlns:camunda="http://camunda.org/schema/1.0/bpmn""#)
        .replace(
            r#"<zeebe:ioMapping><zeebe:output source="=shipment.id" target="shipment" /></zeebe:ioMapping>"#,
            r#"<camunda:inputOutput><camunda:outputParameter name="shipment">${shipment.id}</camunda:outputParameter></camunda:inputOutput>"#,
        );
    for (text, source) in [(c8, "=shipment.id"), (c7.as_str(), "${shipment.id}")] {
        let definitions = baton_engine::parse::parse(text).unwrap();
        let mappings = &event(node(&definitions.processes[0], "caught")).mappings;
        let read: Vec<(&str, &str)> = mappings.iter().map(|m| (m.source.as_str(), m.target.as_str())).collect();
        assert_eq!(read, [(source, "shipment")]);
    }
}
