//! Deploy what the engines deploy: one test per rule, each on a model written as Camunda Modeler
//! writes it (`fixtures/conformance/deploy/<rule>.c7.bpmn` and `.c8.bpmn`), deployed and, where
//! the engine deploys it, run. Each test's doc comment names the documentation page (or, where
//! the page is silent, the engine's source) it follows.
//!
//! A rule the document's engine refuses at deploy is an error and `Engine::deploy` refuses the
//! model; strictness that engine does not have is a warning, and the model runs as the engine
//! runs it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_engine::Error;
use baton_engine::model::{ArtifactKind, Definitions, Dialect};
use baton_engine::parse::parse_file;
use baton_engine::runtime::{Engine, Variables};
use baton_engine::trace::TraceKind;
use baton_engine::validate::{Code, Severity, validate};

fn fixture(name: &str) -> Definitions {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conformance/deploy").join(name);
    parse_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The model's problems of one severity, as (code, element), leaving out the diagram's.
fn problems(definitions: &Definitions, severity: Severity) -> Vec<(Code, Option<String>)> {
    validate(definitions)
        .into_iter()
        .filter(|p| p.severity == severity && p.code != Code::NotDrawn)
        .map(|p| (p.code, p.element))
        .collect()
}

/// Deploys a fixture that must deploy, with the warnings it must have (and no other).
fn deploys(name: &str, warnings: &[(Code, &str)]) -> Engine {
    let definitions = fixture(name);
    let expected: Vec<(Code, Option<String>)> = warnings.iter().map(|(c, e)| (*c, Some((*e).to_owned()))).collect();
    assert_eq!(problems(&definitions, Severity::Warning), expected, "{name}: warnings");
    let mut engine = Engine::new();
    engine.deploy(definitions).unwrap_or_else(|e| panic!("{name} must deploy: {e}"));
    engine
}

/// Deploys a fixture that must be refused, and returns the errors it is refused for.
fn refused(name: &str) -> Vec<(Code, Option<String>)> {
    match Engine::new().deploy(fixture(name)) {
        Err(Error::Invalid { problems, .. }) => {
            assert!(problems.iter().all(|p| p.severity == Severity::Error));
            problems.into_iter().map(|p| (p.code, p.element)).collect()
        }
        Err(other) => panic!("{name}: refused for another reason: {other}"),
        Ok(_) => panic!("{name} must be refused"),
    }
}

fn element(code: Code, id: &str) -> (Code, Option<String>) {
    (code, Some(id.to_owned()))
}

fn no_variables() -> Variables {
    Variables::new()
}

fn passed(engine: &Engine, instance: &str) -> Vec<String> {
    engine.passed(instance).iter().map(ToString::to_string).collect()
}

fn flows_taken(engine: &Engine, instance: &str) -> Vec<String> {
    engine
        .trace_of(instance)
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::FlowTaken { flow } => Some(flow.clone()),
            _ => None,
        })
        .collect()
}

/// Completes the one open job at `node`.
fn complete(engine: &mut Engine, instance: &str, node: &str, variables: Variables) {
    let job = engine.jobs(instance).into_iter().find(|j| j.node == node).unwrap_or_else(|| panic!("no job at {node}"));
    engine.complete_job(&job.id, variables).unwrap();
}

/// Camunda 7: "Parallel Gateway" (docs.camunda.org/manual/latest/reference/bpmn20/gateways/parallel-gateway/)
/// writes its example's sequence flows without ids, as the BPMN 2.0 XSD allows (`id` is optional
/// on every base element, associations included). Camunda 8 refuses such a flow: Zeebe's
/// `SequenceFlowValidator` requires an id ("Element id must be present and not empty",
/// camunda/camunda#26248).
#[test]
fn a_sequence_flow_without_an_id_is_named_by_its_ends() {
    let definitions = fixture("flow_without_id.c7.bpmn");
    let process = &definitions.processes[0];
    let generated: Vec<&str> = process.flows.iter().filter(|f| f.generated_id).map(|f| f.id.as_str()).collect();
    // Two flows between the same two gateways: the second is numbered, in document order.
    assert_eq!(
        generated,
        ["flow:Gateway_Fork→Activity_Pack", "flow:Gateway_Fork→Gateway_Join", "flow:Gateway_Fork→Gateway_Join#2"]
    );
    // No diagram can draw them (DI names what it draws by id), and B0114 says so once.
    assert!(validate(&definitions).iter().all(|p| p.code != Code::NotDrawn));
    assert!(matches!(
        &process.artifacts[1].kind,
        ArtifactKind::Association { .. } if process.artifacts[1].id == "association:Activity_Pack→TextAnnotation_1"
    ));

    let mut engine = deploys(
        "flow_without_id.c7.bpmn",
        &[
            (Code::FlowWithoutId, "flow:Gateway_Fork→Activity_Pack"),
            (Code::FlowWithoutId, "flow:Gateway_Fork→Gateway_Join"),
            (Code::FlowWithoutId, "flow:Gateway_Fork→Gateway_Join#2"),
        ],
    );
    let order = engine.start("flow_without_id", no_variables()).unwrap();
    complete(&mut engine, &order, "Activity_Pack", no_variables());
    assert!(engine.is_ended(&order));
    // The join waited for all three of its incoming flows: their ids are distinct.
    assert_eq!(
        flows_taken(&engine, &order),
        [
            "Flow_Received",
            "flow:Gateway_Fork→Activity_Pack",
            "flow:Gateway_Fork→Gateway_Join",
            "flow:Gateway_Fork→Gateway_Join#2",
            "Flow_Packed",
            "Flow_Joined"
        ]
    );

    assert_eq!(
        refused("flow_without_id.c8.bpmn"),
        [
            element(Code::FlowWithoutId, "flow:Gateway_Fork→Activity_Pack"),
            element(Code::FlowWithoutId, "flow:Gateway_Fork→Gateway_Join"),
            element(Code::FlowWithoutId, "flow:Gateway_Fork→Gateway_Join#2"),
        ]
    );
}

/// BPMN 2.0 (Semantic.xsd): `messageRef`, `errorRef`, `signalRef` and `escalationRef` are QNames;
/// Camunda 7's `BpmnParse.resolveName` reads `tns:Message_1`, `tns` bound on `<definitions>` to
/// the targetNamespace, as `Message_1` of the document; Zeebe's model API drops the prefix. The
/// model follows "Message events" (docs.camunda.io/docs/components/modeler/bpmn/message-events/).
#[test]
fn references_with_the_target_namespace_prefix_name_the_documents_elements() {
    for (name, key) in [("prefixed_refs.c7.bpmn", None), ("prefixed_refs.c8.bpmn", Some("order-1"))] {
        let mut engine = deploys(name, &[]);
        let variables: Variables = [("orderId".to_owned(), "order-1".into())].into();
        let order = engine.start("prefixed_refs", variables).unwrap();
        engine.correlate_message("paid", key, no_variables()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(engine.is_ended(&order), "{name}");
        let passed = passed(&engine, &order);
        for reached in
            ["Event_Paid", "Event_LateCaught", "Event_Escalated", "Event_RejectedCaught", "Event_Noted", "Event_Done"]
        {
            assert!(passed.iter().any(|p| p == reached), "{name}: {reached} not in {passed:?}");
        }
        assert!(!passed.iter().any(|p| p == "Event_Unchecked"), "{name}: the error interrupts the check");
    }
}

/// Camunda 7: "Error Events" (docs.camunda.org/manual/latest/reference/bpmn20/events/error-events/);
/// its parser takes an `errorRef` that names no `<error>` as the error code itself, for throwing
/// and catching alike (`BpmnParse.parseEndEvents`, `parseBoundaryErrorEventDefinition`).
#[test]
fn an_error_ref_to_no_declared_error_is_the_error_code_in_camunda_7() {
    let warnings = [
        (Code::UnknownError, "Event_Rejected"),
        (Code::UnknownError, "Event_OutOfStockCaught"),
        (Code::UnknownError, "Event_RejectedCaught"),
    ];
    assert_eq!(fixture("error_ref_undeclared.c7.bpmn").dialect, Dialect::Camunda7);

    // A job's BPMN error with the reference as its code is caught by the boundary event.
    let mut engine = deploys("error_ref_undeclared.c7.bpmn", &warnings);
    let order = engine.start("error_ref_undeclared", no_variables()).unwrap();
    let job = engine.jobs(&order).remove(0);
    engine.throw_error(&job.id, "OUT_OF_STOCK", no_variables()).unwrap();
    assert!(engine.is_ended(&order));
    assert!(passed(&engine, &order).ends_with(&["Event_OutOfStockCaught".into(), "Event_OutOfStock".into()]));

    // The error end event throws the reference as its code, and the boundary event catches it.
    let mut engine = deploys("error_ref_undeclared.c7.bpmn", &warnings);
    let order = engine.start("error_ref_undeclared", no_variables()).unwrap();
    complete(&mut engine, &order, "Activity_CheckStock", no_variables());
    assert!(engine.is_ended(&order));
    assert!(passed(&engine, &order).ends_with(&["Event_RejectedCaught".into(), "Event_RejectionHandled".into()]));
    let thrown: Vec<&str> = engine
        .trace_of(&order)
        .into_iter()
        .filter_map(|e| match &e.kind {
            TraceKind::ErrorThrown { code, .. } => Some(code.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(thrown, ["ORDER_REJECTED"]);

    // The boundary event catches that code only: it is no catch-all.
    let mut engine = deploys("error_ref_undeclared.c7.bpmn", &warnings);
    let order = engine.start("error_ref_undeclared", no_variables()).unwrap();
    let job = engine.jobs(&order).remove(0);
    engine.throw_error(&job.id, "PAYMENT_FAILED", no_variables()).unwrap();
    assert!(!engine.is_ended(&order));
    assert_eq!(engine.incidents(&order).len(), 1, "an error nothing catches is an incident");
}

/// Camunda 8: "Error events" (docs.camunda.io/docs/components/modeler/bpmn/error-events/): an
/// error end event must reference an error with a code (Zeebe: "Must reference an error"), and
/// "a catch event with an empty errorCode will catch all thrown errors", which is what an
/// `errorRef` to no error is to Zeebe.
#[test]
fn an_error_ref_to_no_declared_error_in_camunda_8_is_refused_on_a_throw_and_catches_all() {
    assert_eq!(refused("error_ref_undeclared.c8.bpmn"), [element(Code::UnknownError, "Event_Rejected")]);

    let mut engine = deploys("error_ref_undeclared_catch.c8.bpmn", &[(Code::UnknownError, "Event_ErrorCaught")]);
    let order = engine.start("error_ref_undeclared_catch", no_variables()).unwrap();
    let job = engine.jobs(&order).remove(0);
    engine.throw_error(&job.id, "ANY_CODE", no_variables()).unwrap();
    assert!(engine.is_ended(&order));
    assert!(passed(&engine, &order).ends_with(&["Event_ErrorCaught".into(), "Event_Failed".into()]));
}

/// Camunda 8: "None events" (docs.camunda.io/docs/components/modeler/bpmn/none-events/): "If an
/// activity has no outgoing sequence flow, it behaves the same as it would be connected to a none
/// end event"; a process completes when no execution path is left. Camunda 7 ends an execution
/// that leaves a flow node with no outgoing transition the same way, and neither engine needs an
/// end event. A parallel gateway without outgoing flows ends its path too.
#[test]
fn a_flow_node_without_outgoing_flows_ends_its_path_and_the_last_one_ends_the_instance() {
    for name in ["implicit_end.c7.bpmn", "implicit_end.c8.bpmn"] {
        let mut engine =
            deploys(name, &[(Code::ImplicitEnd, "Activity_Assess"), (Code::ImplicitEnd, "Gateway_Notified")]);
        let claim = engine.start("implicit_end", no_variables()).unwrap();
        complete(&mut engine, &claim, "Activity_Notify", no_variables());
        assert!(!engine.is_ended(&claim), "{name}: assessing is still open");
        complete(&mut engine, &claim, "Activity_Assess", no_variables());
        assert!(engine.is_ended(&claim), "{name}");
        assert_eq!(
            passed(&engine, &claim),
            ["StartEvent_1", "Gateway_Fork", "Activity_Notify", "Gateway_Notified", "Activity_Assess"],
            "{name}"
        );
    }
}

/// Camunda 7's parser refuses an exclusive gateway without outgoing flows
/// (`BpmnParse.validateExclusiveGateway`: "has no outgoing sequence flows"). Camunda 8: "Exclusive
/// gateway" (docs.camunda.io/docs/components/modeler/bpmn/exclusive-gateways/); Zeebe's processor
/// reads such a gateway as "an implicit end for the flow scope".
#[test]
fn an_exclusive_gateway_without_outgoing_flows_is_refused_by_camunda_7_and_ends_the_path_in_camunda_8() {
    assert_eq!(
        refused("exclusive_gateway_without_outgoing.c7.bpmn"),
        [element(Code::MissingOutgoing, "Gateway_Valid")]
    );

    let mut engine = deploys("exclusive_gateway_without_outgoing.c8.bpmn", &[(Code::MissingOutgoing, "Gateway_Valid")]);
    let claim = engine.start("exclusive_gateway_without_outgoing", no_variables()).unwrap();
    assert!(engine.is_ended(&claim));
    assert_eq!(passed(&engine, &claim), ["StartEvent_1", "Activity_Register", "Gateway_Valid"]);
}

/// Camunda 8: "Event-based gateway" (docs.camunda.io/docs/components/modeler/bpmn/event-based-gateways/):
/// it "must have at least two outgoing sequence flows". Camunda 7 deploys one without any, and a
/// token there waits for an event that cannot come.
#[test]
fn an_event_based_gateway_without_outgoing_flows_is_refused_by_camunda_8_and_waits_in_camunda_7() {
    assert_eq!(refused("event_gateway_without_outgoing.c8.bpmn"), [element(Code::MissingOutgoing, "Gateway_Wait")]);

    let mut engine = deploys("event_gateway_without_outgoing.c7.bpmn", &[(Code::MissingOutgoing, "Gateway_Wait")]);
    let claim = engine.start("event_gateway_without_outgoing", no_variables()).unwrap();
    assert!(!engine.is_ended(&claim));
    assert_eq!(engine.waiting_at(&claim), ["Gateway_Wait"]);
}

/// Camunda 7: "Manual Task" (docs.camunda.org/manual/latest/reference/bpmn20/tasks/manual-task/):
/// "a manual task is handled as a pass-through activity"; Camunda 8: "Manual tasks"
/// (docs.camunda.io/docs/components/modeler/bpmn/manual-tasks/) and "Undefined tasks" say the
/// same, and a plain `task` passes through in both.
#[test]
fn a_plain_task_and_a_manual_task_pass_straight_through() {
    for name in ["pass_through_tasks.c7.bpmn", "pass_through_tasks.c8.bpmn"] {
        let mut engine = deploys(name, &[]);
        let parcel = engine.start("pass_through_tasks", no_variables()).unwrap();
        assert!(engine.is_ended(&parcel), "{name}");
        assert_eq!(engine.jobs(&parcel), [], "{name}: no job for anyone to complete");
        assert_eq!(passed(&engine, &parcel), ["StartEvent_1", "Activity_Unpack", "Activity_Shelve", "Event_Done"]);
    }
}

/// Camunda 8: "Exclusive gateway" (docs.camunda.io/docs/components/modeler/bpmn/exclusive-gateways/)
/// and "Parallel gateway": a gateway with one incoming and one outgoing flow neither splits nor
/// joins; Zeebe takes a single unconditioned flow at once, and Camunda 7 likewise.
#[test]
fn a_gateway_with_one_incoming_and_one_outgoing_flow_passes_the_token_on() {
    for name in ["gateway_one_in_one_out.c7.bpmn", "gateway_one_in_one_out.c8.bpmn"] {
        let mut engine = deploys(name, &[]);
        let order = engine.start("gateway_one_in_one_out", no_variables()).unwrap();
        assert!(engine.is_ended(&order), "{name}");
        assert_eq!(
            passed(&engine, &order),
            ["StartEvent_1", "Gateway_Exclusive", "Gateway_Parallel", "Gateway_Inclusive", "Event_Done"]
        );
    }
}

/// Camunda 7: "None Events" (docs.camunda.org/manual/latest/reference/bpmn20/events/none-events/),
/// and Camunda 8's "None events": neither engine checks a start event's incoming flows (Camunda
/// 7's parser and Zeebe's `StartEventValidator` do not look at them), and a token arriving through
/// one passes the start event.
#[test]
fn a_start_event_with_an_incoming_flow_is_deployed_and_passed_again() {
    for name in ["start_with_incoming.c7.bpmn", "start_with_incoming.c8.bpmn"] {
        let mut engine = deploys(name, &[(Code::StartWithIncoming, "StartEvent_1")]);
        let draft = engine.start("start_with_incoming", no_variables()).unwrap();
        complete(&mut engine, &draft, "Activity_Review", [("again".to_owned(), true.into())].into());
        complete(&mut engine, &draft, "Activity_Review", [("again".to_owned(), false.into())].into());
        assert!(engine.is_ended(&draft), "{name}");
        let passed = passed(&engine, &draft);
        assert_eq!(passed.iter().filter(|p| *p == "StartEvent_1").count(), 2, "{name}: {passed:?}");
    }
}

/// Camunda 7: "None Events" (docs.camunda.org/manual/latest/reference/bpmn20/events/none-events/):
/// at a none end event "the engine will not do anything besides ending the current path of
/// execution", so an outgoing flow is never taken. Zeebe refuses it: "End events must not have
/// outgoing sequence flows to other elements" (camunda/camunda#2202).
#[test]
fn an_end_event_with_an_outgoing_flow_ends_its_path_in_camunda_7_and_is_refused_by_camunda_8() {
    let mut engine = deploys("end_with_outgoing.c7.bpmn", &[(Code::EndWithOutgoing, "Event_Done")]);
    let order = engine.start("end_with_outgoing", no_variables()).unwrap();
    assert!(engine.is_ended(&order));
    assert_eq!(passed(&engine, &order), ["StartEvent_1", "Event_Done"]);

    assert_eq!(refused("end_with_outgoing.c8.bpmn"), [element(Code::EndWithOutgoing, "Event_Done")]);
}

/// Camunda 7: "Parallel Gateway" (docs.camunda.org/manual/latest/reference/bpmn20/gateways/parallel-gateway/):
/// "If conditions are defined on the sequence flow connected with the parallel gateway, they are
/// simply ignored." Zeebe refuses them: "Conditional sequence flows are only supported at
/// exclusive or inclusive gateway".
#[test]
fn a_condition_out_of_a_parallel_gateway_is_ignored_by_camunda_7_and_refused_by_camunda_8() {
    let mut engine = deploys("condition_on_parallel.c7.bpmn", &[(Code::ConditionOnParallel, "Flow_Invoice")]);
    let order = engine.start("condition_on_parallel", no_variables()).unwrap();
    let mut at: Vec<String> = engine.jobs(&order).iter().map(|j| j.node.to_string()).collect();
    at.sort();
    assert_eq!(at, ["Activity_Invoice", "Activity_Ship"], "the `${{false}}` condition is not evaluated");

    assert_eq!(refused("condition_on_parallel.c8.bpmn"), [element(Code::ConditionOnParallel, "Flow_Invoice")]);
}

/// Camunda 7's parser follows sourceRef and targetRef and never reads `<incoming>`/`<outgoing>`.
/// Zeebe's model API resolves them, and fails on an entry naming no sequence flow ("Unable to
/// find a model element instance for id", camunda/camunda#26113); an entry naming another flow
/// it reads as written.
#[test]
fn stale_incoming_and_outgoing_entries_are_ignored_by_camunda_7_and_refused_by_camunda_8_when_they_name_nothing() {
    let mut engine = deploys(
        "stale_flow_lists.c7.bpmn",
        &[
            (Code::FlowListMismatch, "StartEvent_1"),
            (Code::FlowListMismatch, "StartEvent_1"),
            (Code::FlowListMismatch, "Activity_Ship"),
        ],
    );
    let order = engine.start("stale_flow_lists", no_variables()).unwrap();
    assert!(engine.is_ended(&order));
    assert_eq!(flows_taken(&engine, &order), ["Flow_1", "Flow_2"]);

    assert_eq!(refused("stale_flow_lists.c8.bpmn"), [element(Code::FlowListMismatch, "StartEvent_1")]);
    let warnings = problems(&fixture("stale_flow_lists.c8.bpmn"), Severity::Warning);
    assert_eq!(
        warnings,
        [element(Code::FlowListMismatch, "StartEvent_1"), element(Code::FlowListMismatch, "Activity_Ship")]
    );
}

/// Camunda 8: "Timer events" (docs.camunda.io/docs/components/modeler/bpmn/timer-events/): a
/// static timer is checked at deploy (Zeebe's `TimerCatchEventExpressionValidator`). Camunda 7:
/// "Timer Events" (docs.camunda.org/manual/latest/reference/bpmn20/events/timer-events/); its
/// parser reads the value as an expression and only the timer start events of a process are
/// scheduled, and so checked, at deploy: any other timer fails when it is set.
#[test]
fn a_bad_intermediate_timer_is_refused_by_camunda_8_and_fails_when_set_in_camunda_7() {
    assert_eq!(refused("bad_intermediate_timer.c8.bpmn"), [element(Code::BadTimer, "Event_Wait")]);

    let mut engine = deploys("bad_intermediate_timer.c7.bpmn", &[(Code::BadTimer, "Event_Wait")]);
    let order = engine.start("bad_intermediate_timer", no_variables()).unwrap();
    let incidents = engine.incidents(&order);
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].node, "Event_Wait");
}

/// Camunda 8: "Exclusive gateway" (docs.camunda.io/docs/components/modeler/bpmn/exclusive-gateways/);
/// Zeebe refuses a `default` naming a flow that leaves another element ("Default flow must start
/// at gateway"). Camunda 7 deploys it, and only fails if it ever has to take it; with a condition
/// that holds, the gateway works.
#[test]
fn a_default_flow_leaving_another_element_is_refused_by_camunda_8() {
    assert_eq!(refused("default_flow_elsewhere.c8.bpmn"), [element(Code::BadDefaultFlow, "Gateway_Amount")]);

    let mut engine = deploys("default_flow_elsewhere.c7.bpmn", &[(Code::BadDefaultFlow, "Gateway_Amount")]);
    let order = engine.start("default_flow_elsewhere", [("amount".to_owned(), 250.into())].into()).unwrap();
    assert_eq!(engine.waiting_at(&order), ["Activity_Large"]);
}

/// Camunda 8: "Escalation events" (docs.camunda.io/docs/components/modeler/bpmn/escalation-events/):
/// a catch event without an escalation "catches all thrown escalations", and Zeebe reads a
/// reference to no escalation as none. Camunda 7's parser refuses it ("could not find escalation").
#[test]
fn a_catching_escalation_ref_to_nothing_is_refused_by_camunda_7_and_catches_every_escalation_in_camunda_8() {
    assert_eq!(refused("escalation_catch_undeclared.c7.bpmn"), [element(Code::UnknownEscalation, "Event_LateCaught")]);

    let mut engine = deploys("escalation_catch_undeclared.c8.bpmn", &[(Code::UnknownEscalation, "Event_LateCaught")]);
    let order = engine.start("escalation_catch_undeclared", no_variables()).unwrap();
    assert!(engine.is_ended(&order));
    let passed = passed(&engine, &order);
    assert!(passed.iter().any(|p| p == "Event_Reported") && passed.iter().any(|p| p == "Event_Done"), "{passed:?}");
}

/// Camunda 7: "Message Events" (docs.camunda.org/manual/latest/reference/bpmn20/events/message-events/)
/// and "Signal Events": its parser refuses a catching `messageRef` and any `signalRef` naming
/// nothing ("Invalid 'messageRef'", "Could not find signal"); so does Zeebe ("Must reference a
/// message", "Must reference a signal"). What both engines refuse stays an error.
#[test]
fn what_both_engines_refuse_stays_refused() {
    for name in ["refused_by_both.c7.bpmn", "refused_by_both.c8.bpmn"] {
        assert_eq!(
            refused(name),
            [element(Code::UnknownMessage, "Event_Paid"), element(Code::UnknownSignal, "Event_Announce")],
            "{name}"
        );
    }
}
