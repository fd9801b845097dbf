//! Keeps the README's "What runs" table true: for each row, a minimal executable model using
//! that element is deployed, and it must run (deploy) or be refused exactly as the row says.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_engine::Error;
use baton_engine::runtime::Engine;

const ROOTS: &str = r#"<message id="m" name="m" /><signal id="s" name="s" /><error id="e" errorCode="E" /><escalation id="x" escalationCode="X" />"#;

fn model(body: &str) -> String {
    format!(
        r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">{ROOTS}
        <process id="p" isExecutable="true">{body}</process></definitions>"#
    )
}

/// A start event, `middle` (which must take `f1` in and `f2` out), and an end event.
fn around(middle: &str) -> String {
    model(&format!(
        r#"<startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="it" />{middle}
        <sequenceFlow id="f2" sourceRef="it" targetRef="end" /><endEvent id="end" />"#
    ))
}

fn deploys(xml: &str) -> Result<(), String> {
    match Engine::new().deploy(baton_engine::parse::parse(xml).unwrap()) {
        Ok(_) => Ok(()),
        Err(Error::NotYetSupported { what, .. }) => Err(what),
        Err(other) => panic!("not a support question: {other}\n{xml}"),
    }
}

#[test]
fn the_readme_table_says_what_runs() {
    let timer = r#"<timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition>"#;
    let cases: Vec<(&str, bool, Vec<String>)> = vec![
        (
            "none, message, timer and signal start events",
            true,
            ["", r#"<messageEventDefinition messageRef="m" />"#, timer, r#"<signalEventDefinition signalRef="s" />"#]
                .iter()
                .map(|d| model(&format!(r#"<startEvent id="s1">{d}</startEvent><sequenceFlow id="f" sourceRef="s1" targetRef="e1" /><endEvent id="e1" />"#)))
                .collect(),
        ),
        (
            "service, send, script, business-rule tasks",
            true,
            ["serviceTask", "sendTask", "scriptTask", "businessRuleTask"].iter().map(|t| around(&format!(r#"<{t} id="it" />"#))).collect(),
        ),
        ("user tasks", true, vec![around(r#"<userTask id="it" />"#)]),
        (
            "manual tasks and plain tasks",
            true,
            ["manualTask", "task"].iter().map(|t| around(&format!(r#"<{t} id="it" />"#))).collect(),
        ),
        (
            "receive task, message intermediate catch",
            true,
            vec![
                around(r#"<receiveTask id="it" messageRef="m" />"#),
                around(r#"<intermediateCatchEvent id="it"><messageEventDefinition messageRef="m" /></intermediateCatchEvent>"#),
            ],
        ),
        (
            "timer intermediate catch and boundary",
            true,
            vec![
                around(&format!(r#"<intermediateCatchEvent id="it">{timer}</intermediateCatchEvent>"#)),
                around(&format!(r#"<task id="it" /><boundaryEvent id="b" attachedToRef="it">{timer}</boundaryEvent><sequenceFlow id="fb" sourceRef="b" targetRef="end" />"#)),
            ],
        ),
        (
            "message boundary, error boundary",
            true,
            ["<messageEventDefinition messageRef=\"m\" />", "<errorEventDefinition errorRef=\"e\" />"]
                .iter()
                .map(|d| around(&format!(r#"<serviceTask id="it" /><boundaryEvent id="b" attachedToRef="it">{d}</boundaryEvent><sequenceFlow id="fb" sourceRef="b" targetRef="end" />"#)))
                .collect(),
        ),
        (
            "signals:",
            true,
            vec![
                around(r#"<intermediateThrowEvent id="it"><signalEventDefinition signalRef="s" /></intermediateThrowEvent>"#),
                around(r#"<intermediateCatchEvent id="it"><signalEventDefinition signalRef="s" /></intermediateCatchEvent>"#),
                around(r#"<userTask id="it" /><boundaryEvent id="b" attachedToRef="it" cancelActivity="false"><signalEventDefinition signalRef="s" /></boundaryEvent><sequenceFlow id="fb" sourceRef="b" targetRef="end" />"#),
            ],
        ),
        (
            "escalations:",
            true,
            vec![around(r#"<intermediateThrowEvent id="it"><escalationEventDefinition escalationRef="x" /></intermediateThrowEvent>"#)],
        ),
        (
            "exclusive, parallel, inclusive",
            true,
            ["exclusiveGateway", "parallelGateway", "inclusiveGateway"].iter().map(|g| around(&format!(r#"<{g} id="it" />"#))).collect(),
        ),
        (
            "embedded sub-process, transaction, call activity",
            true,
            vec![
                around(r#"<subProcess id="it"><startEvent id="ss" /><sequenceFlow id="fs" sourceRef="ss" targetRef="se" /><endEvent id="se" /></subProcess>"#),
                around(r#"<transaction id="it"><startEvent id="ts" /><sequenceFlow id="ft" sourceRef="ts" targetRef="te" /><endEvent id="te" /></transaction>"#),
                around(r#"<callActivity id="it" calledElement="p" />"#),
            ],
        ),
        (
            "none, terminate and error end events; link events",
            true,
            vec![
                model(r#"<startEvent id="s1" /><sequenceFlow id="f" sourceRef="s1" targetRef="e1" /><endEvent id="e1"><terminateEventDefinition /></endEvent>"#),
                model(r#"<startEvent id="s1" /><sequenceFlow id="f" sourceRef="s1" targetRef="e1" /><endEvent id="e1"><errorEventDefinition errorRef="e" /></endEvent>"#),
                model(r#"<startEvent id="s1" /><sequenceFlow id="f" sourceRef="s1" targetRef="t" /><intermediateThrowEvent id="t"><linkEventDefinition name="l" /></intermediateThrowEvent><intermediateCatchEvent id="c"><linkEventDefinition name="l" /></intermediateCatchEvent><sequenceFlow id="g" sourceRef="c" targetRef="e1" /><endEvent id="e1" />"#),
            ],
        ),
        (
            "compensation:",
            true,
            vec![around(r#"<intermediateThrowEvent id="it"><compensateEventDefinition /></intermediateThrowEvent>"#)],
        ),
        (
            "multi-instance tasks and call activities",
            true,
            vec![
                around(r#"<serviceTask id="it"><multiInstanceLoopCharacteristics><loopCardinality>=2</loopCardinality></multiInstanceLoopCharacteristics></serviceTask>"#),
                around(r#"<subProcess id="it"><multiInstanceLoopCharacteristics><loopCardinality>=2</loopCardinality></multiInstanceLoopCharacteristics><startEvent id="ss" /><sequenceFlow id="fs" sourceRef="ss" targetRef="se" /><endEvent id="se" /></subProcess>"#),
            ],
        ),
        (
            "event sub-processes:",
            true,
            vec![around(r#"<task id="it" /><subProcess id="es" triggeredByEvent="true"><startEvent id="es1"><messageEventDefinition messageRef="m" /></startEvent><sequenceFlow id="fe" sourceRef="es1" targetRef="ee" /><endEvent id="ee" /></subProcess>"#)],
        ),
        (
            "conditional events:",
            true,
            vec![around(r#"<intermediateCatchEvent id="it"><conditionalEventDefinition><condition>=ready</condition></conditionalEventDefinition></intermediateCatchEvent>"#)],
        ),
        (
            "transactions:",
            true,
            vec![around(r#"<transaction id="it"><startEvent id="ts" /><sequenceFlow id="ft" sourceRef="ts" targetRef="te" /><endEvent id="te"><cancelEventDefinition /></endEvent></transaction><boundaryEvent id="b" attachedToRef="it"><cancelEventDefinition /></boundaryEvent><sequenceFlow id="fb" sourceRef="b" targetRef="end" />"#)],
        ),
        (
            "message intermediate throw and end events",
            true,
            vec![around(r#"<intermediateThrowEvent id="it"><messageEventDefinition messageRef="m" /></intermediateThrowEvent>"#)],
        ),
        (
            "complex gateway, ad-hoc sub-processes, multi-instance transactions",
            false,
            vec![
                around(r#"<complexGateway id="it" />"#),
                around(r#"<adHocSubProcess id="it"><task id="a" /><task id="b2" /></adHocSubProcess>"#),
                around(r#"<transaction id="it"><multiInstanceLoopCharacteristics><loopCardinality>=2</loopCardinality></multiInstanceLoopCharacteristics><startEvent id="ss" /><sequenceFlow id="fs" sourceRef="ss" targetRef="se" /><endEvent id="se" /></transaction>"#),
            ],
        ),
    ];

    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let table: Vec<(&str, &str)> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| element | runs |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').rsplitn(2, " | ").collect();
            (cells.len() == 2).then(|| (cells[1].trim(), cells[0].trim()))
        })
        .collect();
    assert_eq!(table.len(), cases.len(), "every README row has a case here, and every case a row");

    for (row, runs, models) in &cases {
        let (_, says) = table
            .iter()
            .find(|(element, _)| element.starts_with(row))
            .unwrap_or_else(|| panic!("no README row for {row:?}"));
        assert_eq!(says.starts_with("yes"), *runs, "README says {says:?} for {row:?}");
        assert_eq!(!says.starts_with("yes"), says.starts_with("refused"), "{row:?}: {says:?}");
        for xml in models {
            assert_eq!(deploys(xml).is_ok(), *runs, "{row:?}: {:?}\n{xml}", deploys(xml));
        }
    }
}
