//! Bad input gets a clear error with its code and position, and never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_engine::model::{DataKind, Defect, DefectKind, MessageVisibleKind, Position};
use baton_engine::parse::{ParseOptions, parse, parse_file, parse_with};
use baton_engine::validate::{Code, Problem, Severity, validate};

const HEAD: &str = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs">"#;

/// A document whose process (line 2) starts with a valid start → end path (lines 3-5);
/// `extra` lines follow from line 6, then `roots` after the process.
fn model(extra: &[&str], roots: &[&str]) -> String {
    let mut lines = vec![
        HEAD,
        r#"<process id="p" isExecutable="true">"#,
        r#"  <startEvent id="start"><outgoing>f1</outgoing></startEvent>"#,
        r#"  <sequenceFlow id="f1" sourceRef="start" targetRef="end" />"#,
        r#"  <endEvent id="end"><incoming>f1</incoming></endEvent>"#,
    ];
    lines.extend(extra);
    lines.push("</process>");
    lines.extend(roots);
    lines.push("</definitions>");
    lines.join("\n")
}

/// What the tests compare: each error's code, element id and position.
type Found = (Code, Option<String>, Position);

fn errors(xml: &str) -> Vec<Found> {
    let defs = parse(xml).unwrap_or_else(|e| panic!("{e}"));
    validate(&defs).into_iter().filter(Problem::is_error).map(|p| (p.code, p.element, p.position)).collect()
}

fn at(line: u32, column: u32) -> Position {
    Position::new(line, column)
}

#[test]
fn the_base_model_is_clean() {
    assert_eq!(errors(&model(&[], &[])), []);
}

#[test]
fn unreadable_documents_are_refused_with_code_and_position() {
    let deep = format!("{HEAD}\n{}{}</definitions>", "<documentation>".repeat(300), "</documentation>".repeat(300));
    let cases: Vec<(&str, String, Code, Position)> = vec![
        ("malformed", format!("{HEAD}\n<process id=\"p\">\n</definitions>"), Code::MalformedXml, at(3, 1)),
        ("unclosed root", format!("{HEAD}\n<process id=\"p\"/>"), Code::MalformedXml, at(2, 18)),
        ("not BPMN", "<?xml version=\"1.0\"?>\n<html><body/></html>".into(), Code::NotBpmn, at(2, 1)),
        (
            "definitions in the wrong namespace",
            "<definitions xmlns=\"http://example.com/not-bpmn\"/>".into(),
            Code::NotBpmn,
            at(1, 1),
        ),
        (
            "XXE",
            format!(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n{HEAD}<documentation>&xxe;</documentation></definitions>"
            ),
            Code::EntityRefused,
            at(2, 1),
        ),
        (
            "billion laughs",
            format!(
                "<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n{HEAD}<documentation>&lol2;</documentation></definitions>"
            ),
            Code::EntityRefused,
            at(1, 1),
        ),
        (
            "undeclared entity in text",
            format!("{HEAD}\n  <documentation>a &xxe; b</documentation></definitions>"),
            Code::EntityRefused,
            at(2, 20),
        ),
        (
            "undeclared entity in an attribute",
            format!("{HEAD}\n  <process id=\"&xxe;\"/></definitions>"),
            Code::EntityRefused,
            at(2, 3),
        ),
        ("nesting too deep", deep, Code::TooDeep, at(2, 3826)),
        (
            "declared encoding with non-ASCII text",
            format!("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n{HEAD}<process id=\"é\"/></definitions>"),
            Code::Encoding,
            at(1, 1),
        ),
    ];
    for (name, xml, code, position) in cases {
        let err = parse(&xml).expect_err(name);
        assert_eq!((err.code(), err.location().map(|l| l.position)), (code, Some(position)), "{name}: {err}");
        let text = err.to_string();
        assert!(text.starts_with(&format!("<input>:{position}: ")), "{name}: {text}");
    }
}

#[test]
fn oversize_and_non_utf8_files_are_refused() {
    let small = ParseOptions { max_bytes: 100, ..ParseOptions::default() };
    let err = parse_with(&model(&[], &[]), &small, None).expect_err("too large");
    assert_eq!(err.code(), Code::TooLarge);
    assert!(err.to_string().contains("over the limit of 100 bytes"), "{err}");

    let dir = std::env::temp_dir().join(format!("baton-bad-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let latin1 = dir.join("latin1.bpmn");
    std::fs::write(&latin1, [HEAD.as_bytes(), b"\n<process id=\"caf\xe9\"/></definitions>"].concat()).expect("write");
    let err = parse_file(&latin1).expect_err("not UTF-8");
    assert_eq!(err.code(), Code::Encoding);
    assert_eq!(err.location().map(|l| l.position), Some(at(2, 17)));
    assert!(err.to_string().contains("latin1.bpmn:2:17"), "{err}");

    let err = parse_file(dir.join("missing.bpmn")).expect_err("missing");
    assert_eq!(err.code(), Code::Io);
    assert!(err.to_string().contains("missing.bpmn: cannot read the file"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// What every engine refuses, in a plain BPMN document. The rules the engines differ on (a start
/// event with an incoming flow, an errorRef to no error, a bad intermediate timer, ...) are
/// warnings in plain BPMN and are tested per dialect in `conformance_deploy.rs`.
#[test]
fn every_structural_problem_has_its_code_element_and_position() {
    let s = |id: &str| Some(id.to_owned());
    let cases: Vec<(&str, String, Vec<Found>)> = vec![
        ("duplicate id", model(&[r#"  <task id="start" />"#], &[]), vec![(Code::DuplicateId, s("start"), at(6, 3))]),
        (
            "missing id",
            model(&[r#"  <task name="no id" />"#], &[]),
            vec![(Code::MissingAttribute, s("task"), at(6, 3))],
        ),
        (
            "flow to nowhere",
            model(&[r#"  <sequenceFlow id="f2" sourceRef="start" targetRef="ghost" />"#], &[]),
            vec![(Code::UnknownFlowEnd, s("f2"), at(6, 3))],
        ),
        (
            "flow from nowhere",
            model(&[r#"  <sequenceFlow id="f2" sourceRef="ghost" targetRef="end" />"#], &[]),
            vec![(Code::UnknownFlowEnd, s("f2"), at(6, 3))],
        ),
        (
            "default flow that does not exist",
            model(
                &[
                    r#"  <exclusiveGateway id="g" default="ghost" />"#,
                    r#"  <sequenceFlow id="f2" sourceRef="g" targetRef="end" />"#,
                ],
                &[],
            ),
            vec![(Code::BadDefaultFlow, s("g"), at(6, 3))],
        ),
        (
            "attachedToRef to nothing",
            model(
                &[
                    r#"  <boundaryEvent id="b" attachedToRef="ghost"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>"#,
                ],
                &[],
            ),
            vec![(Code::UnknownAttachedTo, s("b"), at(6, 3))],
        ),
        (
            "boundary on a gateway",
            model(
                &[
                    r#"  <exclusiveGateway id="g"><outgoing>f2</outgoing></exclusiveGateway>"#,
                    r#"  <sequenceFlow id="f2" sourceRef="g" targetRef="end" />"#,
                    r#"  <boundaryEvent id="b" attachedToRef="g"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>"#,
                ],
                &[],
            ),
            vec![(Code::BadBoundary, s("b"), at(8, 3))],
        ),
        (
            "messageRef to nothing",
            model(&[r#"  <receiveTask id="r" messageRef="ghost" />"#], &[]),
            vec![(Code::UnknownMessage, s("r"), at(6, 3))],
        ),
        (
            "signalRef to nothing",
            model(&[r#"  <endEvent id="e2"><signalEventDefinition signalRef="ghost" /></endEvent>"#], &[]),
            vec![(Code::UnknownSignal, s("e2"), at(6, 21))],
        ),
        (
            "escalationRef to nothing",
            model(&[r#"  <endEvent id="e2"><escalationEventDefinition escalationRef="ghost" /></endEvent>"#], &[]),
            vec![(Code::UnknownEscalation, s("e2"), at(6, 21))],
        ),
        (
            "compensation of no activity",
            model(&[r#"  <endEvent id="e2"><compensateEventDefinition activityRef="ghost" /></endEvent>"#], &[]),
            vec![(Code::UnknownCompensationActivity, s("e2"), at(6, 21))],
        ),
        (
            "lane holding nothing",
            model(&[r#"  <laneSet id="ls"><lane id="l"><flowNodeRef>ghost</flowNodeRef></lane></laneSet>"#], &[]),
            vec![(Code::UnknownReference, s("l"), at(6, 20))],
        ),
        (
            "flow crossing a sub-process border",
            model(
                &[
                    r#"  <subProcess id="sub"><task id="inner" /></subProcess>"#,
                    r#"  <sequenceFlow id="f2" sourceRef="start" targetRef="inner" />"#,
                ],
                &[],
            ),
            vec![(Code::CrossesSubProcess, s("f2"), at(7, 3))],
        ),
        (
            "bad condition",
            model(
                &[
                    r#"  <exclusiveGateway id="g" default="f3" />"#,
                    r#"  <sequenceFlow id="f2" sourceRef="g" targetRef="end"><conditionExpression>${amount > }</conditionExpression></sequenceFlow>"#,
                    r#"  <sequenceFlow id="f3" sourceRef="g" targetRef="end" />"#,
                ],
                &[],
            ),
            vec![(Code::BadExpression, s("f2"), at(7, 55))],
        ),
        (
            "invalid boolean",
            model(&[r#"  <task id="t" isForCompensation="maybe" />"#], &[]),
            vec![(Code::InvalidAttribute, s("t"), at(6, 3))],
        ),
        (
            "unsupported element on the path",
            model(
                &[
                    r#"  <choreographyTask id="dance" />"#,
                    r#"  <sequenceFlow id="f2" sourceRef="start" targetRef="dance" />"#,
                ],
                &[],
            ),
            vec![(Code::UnsupportedOnPath, s("f2"), at(7, 3))],
        ),
        (
            "link thrown to no catch",
            model(
                &[
                    r#"  <intermediateThrowEvent id="jump"><linkEventDefinition name="nowhere" /></intermediateThrowEvent>"#,
                ],
                &[],
            ),
            vec![(Code::LinkWithoutCatch, s("jump"), at(6, 3))],
        ),
    ];
    for (name, xml, mut expected) in cases {
        expected.sort_by_key(|(code, _, position)| (*position, *code));
        assert_eq!(errors(&xml), expected, "{name}\n{xml}");
    }
}

#[test]
fn a_called_process_missing_from_the_file_is_a_warning() {
    let xml = model(&[r#"  <callActivity id="call" calledElement="billing" />"#], &[]);
    let problems = validate(&parse(&xml).expect("parses"));
    let call: Vec<&Problem> = problems.iter().filter(|p| p.code == Code::CalledProcessElsewhere).collect();
    assert_eq!(call.len(), 1);
    assert_eq!((call[0].severity, call[0].position), (Severity::Warning, at(6, 3)));
}

#[test]
fn unknown_elements_are_kept_and_reported_not_dropped() {
    let xml = model(
        &[
            r#"  <task id="t"><extensionElements><acme:magic xmlns:acme="urn:acme" level="11" /></extensionElements></task>"#,
        ],
        &[r#"<itemDefinition id="item" />"#],
    );
    let defs = parse(&xml).expect("parses");
    let kept: Vec<(&str, Option<&str>)> =
        defs.unsupported.iter().map(|u| (u.element.as_str(), u.id.as_deref().or(u.parent.as_deref()))).collect();
    assert_eq!(kept, [("acme:magic", Some("t")), ("itemDefinition", Some("item"))]);
    let codes: Vec<Code> = validate(&defs).iter().map(|p| p.code).filter(|c| c.as_str().starts_with("B20")).collect();
    assert!(codes.contains(&Code::UnsupportedExtension) && codes.contains(&Code::UnsupportedElement), "{codes:?}");
}

#[test]
fn io_specifications_are_read_into_data_inputs_and_outputs_and_nothing_else_is_dropped() {
    let xml = model(
        &[
            r#"  <ioSpecification>"#,
            r#"    <dataInput id="in" name="Request" />"#,
            r#"    <dataOutput id="out" name="Quote" isCollection="true"><dataState id="ready" /></dataOutput>"#,
            r#"    <inputSet id="ins"><dataInputRefs>in</dataInputRefs><acme:magic xmlns:acme="urn:acme" /></inputSet>"#,
            r#"    <outputSet><dataOutputRefs>out</dataOutputRefs></outputSet>"#,
            r#"  </ioSpecification>"#,
            r#"  <task id="t">"#,
            r#"    <ioSpecification><dataInput id="t_in" /><inputSet /><outputSet /></ioSpecification>"#,
            r#"    <dataInputAssociation id="a_in"><sourceRef>in</sourceRef><targetRef>t_in</targetRef></dataInputAssociation>"#,
            r#"    <dataOutputAssociation id="a_out"><targetRef>out</targetRef></dataOutputAssociation>"#,
            r#"  </task>"#,
        ],
        &[],
    );
    let defs = parse(&xml).expect("parses");
    let data: Vec<(&str, Option<&str>, &DataKind, Option<&str>)> = defs.processes[0]
        .data
        .iter()
        .map(|d| (d.id.as_str(), d.name.as_deref(), &d.kind, d.parent.as_ref().map(|p| p.as_str())))
        .collect();
    assert_eq!(
        data,
        [
            ("in", Some("Request"), &DataKind::Input { is_collection: false }, None),
            ("out", Some("Quote"), &DataKind::Output { is_collection: true }, None),
            ("t_in", None, &DataKind::Input { is_collection: false }, Some("t")),
        ]
    );
    assert_eq!(defs.processes[0].data[0].position, at(7, 5));
    let kept: Vec<(&str, Option<&str>)> =
        defs.unsupported.iter().map(|u| (u.element.as_str(), u.parent.as_deref())).collect();
    assert_eq!(kept, [("dataState", Some("out")), ("acme:magic", Some("ins"))]);
    assert_eq!(errors(&xml), [], "associations to data inputs and outputs are not dangling");
}

/// Every prefix of a real model, and every single-byte corruption of a stride of its bytes,
/// parses or fails cleanly: never a panic.
#[test]
fn truncated_and_corrupted_models_never_panic() {
    let text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/camunda8.bpmn"))
            .expect("fixture");
    let mut cut = 0;
    while cut < text.len() {
        if text.is_char_boundary(cut)
            && let Ok(defs) = parse(&text[..cut])
        {
            let _ = validate(&defs);
        }
        cut += 61;
    }
    for (i, replacement) in (0..text.len()).step_by(53).zip(['<', '>', '"', '&', '/', '=', ' '].iter().cycle()) {
        let mut corrupted = text.clone().into_bytes();
        corrupted[i] = *replacement as u8;
        if let Ok(corrupted) = String::from_utf8(corrupted)
            && let Ok(defs) = parse(&corrupted)
        {
            let _ = validate(&defs);
        }
    }
}

#[test]
fn a_message_flows_visible_kind_is_read_and_a_misspelt_one_is_a_defect() {
    let diagram = |kind: &str| {
        format!(
            r#"<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"><bpmndi:BPMNPlane bpmnElement="p">
<bpmndi:BPMNEdge id="e_di" bpmnElement="f1" messageVisibleKind="{kind}"><di:waypoint x="0" y="0" /><di:waypoint x="9" y="0" /></bpmndi:BPMNEdge>
</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>"#
        )
    };
    let kind = |xml: &str| parse(xml).expect("parses").diagrams[0].edges[0].message_visible_kind;
    assert_eq!(kind(&model(&[], &[&diagram("non_initiating")])), Some(MessageVisibleKind::NonInitiating));
    assert_eq!(kind(&model(&[], &[&diagram("initiating")])), Some(MessageVisibleKind::Initiating));
    let defs = parse(&model(&[], &[&diagram("sideways")])).expect("parses");
    assert_eq!(defs.diagrams[0].edges[0].message_visible_kind, None);
    assert!(
        matches!(&defs.defects[..], [Defect { kind: DefectKind::InvalidAttribute { attribute, .. }, .. }] if attribute == "messageVisibleKind"),
        "{:?}",
        defs.defects
    );
}

/// A Camunda 7 `take` listener on a sequence flow is not run yet: it is reported (B2002, at the
/// flow), never dropped without a word.
#[test]
fn extensions_on_a_sequence_flow_are_reported() {
    let xml = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d">
  <process id="p" isExecutable="true">
    <startEvent id="s" />
    <sequenceFlow id="f" sourceRef="s" targetRef="e">
      <extensionElements><camunda:executionListener class="com.acme.Audit" event="take" /></extensionElements>
    </sequenceFlow>
    <endEvent id="e" />
  </process>
</definitions>"#;
    let definitions = baton_engine::parse::parse(xml).unwrap();
    let problems = baton_engine::validate::validate(&definitions);
    assert!(
        problems.iter().any(|p| p.code == Code::UnsupportedExtension && p.element.as_deref() == Some("f")),
        "{problems:?}"
    );
}

/// A job type or retries written as FEEL that gives the wrong kind of value is an incident at
/// the task that says what it gave and what to write (docs.camunda.io: service-tasks, "Task
/// definition": both may be expressions).
#[test]
fn a_feel_job_type_or_retries_of_the_wrong_kind_is_an_incident() {
    let model = |definition: &str| {
        format!(
            r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <process id="p" isExecutable="true">
    <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="pay" />
    <serviceTask id="pay" name="Pay"><extensionElements>{definition}</extensionElements></serviceTask>
    <sequenceFlow id="f2" sourceRef="pay" targetRef="e" /><endEvent id="e" />
  </process>
</definitions>"#
        )
    };
    for (definition, expected) in [
        (
            r#"<zeebe:taskDefinition type="=42" />"#,
            ["job type `=42` of `Pay` is ", "not a non-empty string; make the expression give the type's name"],
        ),
        (r#"<zeebe:taskDefinition type="=kind" />"#, ["job type `=kind` of `Pay` is ", "not a non-empty string"]),
        (
            r#"<zeebe:taskDefinition type="pay" retries="=&quot;many&quot;" />"#,
            ["job retries `=\"many\"` of `Pay` is ", "not a count; make the expression give a whole number"],
        ),
    ] {
        let mut engine = baton_engine::runtime::Engine::new();
        engine.deploy(parse(&model(definition)).unwrap()).unwrap();
        let instance = engine.start("p", Default::default()).unwrap();
        let incidents = engine.incidents(&instance);
        assert_eq!(incidents.len(), 1, "{definition}");
        let message = &incidents[0].message;
        assert!(message.starts_with(expected[0]) && message.contains(expected[1]), "{message}");
    }
}
