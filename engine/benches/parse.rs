//! Parse + validate throughput on a generated model of 10,000 flow nodes with DI.
//!
//! `cargo bench -p baton-engine --bench parse` — divan prints bytes per second; the target
//! is at least 100 MB/s on one core.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::fmt::Write;
use std::sync::OnceLock;

use baton_engine::parse::parse;
use baton_engine::validate::validate;
use divan::counter::BytesCount;

fn main() {
    divan::main();
}

/// A Camunda 8 order process, stretched: start → (service task → exclusive gateway with a
/// conditional and a default branch that re-join) × n → end, every node and flow drawn.
fn model(nodes: usize) -> String {
    let mut process = String::new();
    let mut di = String::new();
    let mut x = 100;
    let shape = |di: &mut String, id: &str, x: i32, y: i32, w: i32, h: i32| {
        writeln!(di, r#"      <bpmndi:BPMNShape id="{id}_di" bpmnElement="{id}"><dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>"#).ok();
    };
    let edge = |di: &mut String, id: &str, x1: i32, x2: i32| {
        writeln!(di, r#"      <bpmndi:BPMNEdge id="{id}_di" bpmnElement="{id}"><di:waypoint x="{x1}" y="120" /><di:waypoint x="{x2}" y="120" /></bpmndi:BPMNEdge>"#).ok();
    };
    let flow = |process: &mut String, id: &str, from: &str, to: &str, condition: Option<&str>| {
        match condition {
        Some(c) => writeln!(process, r#"    <bpmn:sequenceFlow id="{id}" sourceRef="{from}" targetRef="{to}"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{c}</bpmn:conditionExpression></bpmn:sequenceFlow>"#).ok(),
        None => writeln!(process, r#"    <bpmn:sequenceFlow id="{id}" sourceRef="{from}" targetRef="{to}" />"#).ok(),
    }
    };
    writeln!(process, r#"    <bpmn:startEvent id="start" name="Order placed"><bpmn:outgoing>f_start</bpmn:outgoing></bpmn:startEvent>"#).ok();
    shape(&mut di, "start", x, 102, 36, 36);
    let mut previous = ("start".to_string(), "f_start".to_string());
    let rounds = (nodes - 2) / 4;
    for i in 0..rounds {
        let (task, gate, join, side) = (format!("task{i}"), format!("gate{i}"), format!("join{i}"), format!("side{i}"));
        let (into, to_gate, yes, no, back, out) = (
            previous.1.clone(),
            format!("fg{i}"),
            format!("fy{i}"),
            format!("fn{i}"),
            format!("fb{i}"),
            format!("fo{i}"),
        );
        writeln!(process, r#"    <bpmn:serviceTask id="{task}" name="Step {i}"><bpmn:extensionElements><zeebe:taskDefinition type="step-{i}" retries="3" /><zeebe:ioMapping><zeebe:input source="=order.amount" target="amount" /></zeebe:ioMapping></bpmn:extensionElements><bpmn:incoming>{into}</bpmn:incoming><bpmn:outgoing>{to_gate}</bpmn:outgoing></bpmn:serviceTask>"#).ok();
        writeln!(process, r#"    <bpmn:exclusiveGateway id="{gate}" name="ok {i}?" default="{no}"><bpmn:incoming>{to_gate}</bpmn:incoming><bpmn:outgoing>{yes}</bpmn:outgoing><bpmn:outgoing>{no}</bpmn:outgoing></bpmn:exclusiveGateway>"#).ok();
        writeln!(process, r#"    <bpmn:userTask id="{side}" name="Check {i}"><bpmn:incoming>{yes}</bpmn:incoming><bpmn:outgoing>{back}</bpmn:outgoing></bpmn:userTask>"#).ok();
        writeln!(process, r#"    <bpmn:exclusiveGateway id="{join}"><bpmn:incoming>{no}</bpmn:incoming><bpmn:incoming>{back}</bpmn:incoming><bpmn:outgoing>{out}</bpmn:outgoing></bpmn:exclusiveGateway>"#).ok();
        flow(&mut process, &into, &previous.0, &task, None);
        flow(&mut process, &to_gate, &task, &gate, None);
        flow(&mut process, &yes, &gate, &side, Some("=amount &gt; 100 and customer.vip"));
        flow(&mut process, &no, &gate, &join, None);
        flow(&mut process, &back, &side, &join, None);
        shape(&mut di, &task, x + 80, 80, 100, 80);
        shape(&mut di, &gate, x + 230, 95, 50, 50);
        shape(&mut di, &side, x + 330, 180, 100, 80);
        shape(&mut di, &join, x + 480, 95, 50, 50);
        for (id, a, b) in [
            (&into, x + 36, x + 80),
            (&to_gate, x + 180, x + 230),
            (&yes, x + 255, x + 330),
            (&no, x + 280, x + 480),
            (&back, x + 430, x + 505),
        ] {
            edge(&mut di, id, a, b);
        }
        previous = (join, out);
        x += 530;
    }
    writeln!(
        process,
        r#"    <bpmn:endEvent id="end" name="Order done"><bpmn:incoming>{}</bpmn:incoming></bpmn:endEvent>"#,
        previous.1
    )
    .ok();
    flow(&mut process, &previous.1, &previous.0, "end", None);
    shape(&mut di, "end", x + 80, 102, 36, 36);
    edge(&mut di, &previous.1, x + 30, x + 80);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="big" isExecutable="true">
{process}  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="big">
{di}    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"#
    )
}

fn big_model() -> &'static str {
    static MODEL: OnceLock<String> = OnceLock::new();
    MODEL.get_or_init(|| model(10_000))
}

#[divan::bench]
fn parse_and_validate_10k_nodes(bencher: divan::Bencher<'_, '_>) {
    let text = big_model();
    bencher.counter(BytesCount::of_str(text)).bench(|| {
        let definitions = parse(divan::black_box(text)).expect("the generated model parses");
        let problems = validate(&definitions);
        assert!(problems.iter().all(|p| !p.is_error()), "{:?}", problems.first());
        // Returned, so divan drops them outside the timing: freeing the model is its user's cost.
        (definitions, problems)
    });
}

/// As above, with freeing the model inside the timing too.
#[divan::bench]
fn parse_validate_and_free_10k_nodes(bencher: divan::Bencher<'_, '_>) {
    let text = big_model();
    bencher.counter(BytesCount::of_str(text)).bench(|| {
        let definitions = parse(divan::black_box(text)).expect("parses");
        validate(&definitions).len()
    });
}

#[divan::bench]
fn parse_only_10k_nodes(bencher: divan::Bencher<'_, '_>) {
    let text = big_model();
    bencher.counter(BytesCount::of_str(text)).bench(|| parse(divan::black_box(text)).expect("parses"));
}

#[divan::bench]
fn validate_only_10k_nodes(bencher: divan::Bencher<'_, '_>) {
    let text = big_model();
    bencher
        .counter(BytesCount::of_str(text))
        // A model fresh from the parser each time, as `parse_and_validate` sees it.
        .with_inputs(|| parse(text).expect("parses"))
        .bench_refs(|definitions| validate(definitions));
}

#[divan::bench]
fn parse_and_validate_benchmark_order(bencher: divan::Bencher<'_, '_>) {
    let text = include_str!("../tests/fixtures/camunda8.bpmn");
    bencher.counter(BytesCount::of_str(text)).bench(|| validate(&parse(divan::black_box(text)).expect("parses")));
}

/// The floor: quick-xml's namespace-aware reader alone, touching every attribute, building
/// nothing. Baton's parse cannot be faster than this.
#[divan::bench]
fn baseline_quick_xml_events_only(bencher: divan::Bencher<'_, '_>) {
    let text = big_model();
    bencher.counter(BytesCount::of_str(text)).bench(|| {
        let mut reader = quick_xml::reader::NsReader::from_str(divan::black_box(text));
        let mut count = 0usize;
        loop {
            match reader.read_resolved_event() {
                Ok((_, quick_xml::events::Event::Eof)) => break,
                Ok((_, quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e))) => {
                    count += e.attributes().filter_map(Result::ok).map(|a| a.value.len()).sum::<usize>();
                }
                Ok(_) => {}
                Err(err) => panic!("{err}"),
            }
        }
        count
    });
}

/// The floor without namespace resolution: quick-xml's plain reader, touching every attribute.
#[divan::bench]
fn baseline_quick_xml_no_namespaces(bencher: divan::Bencher<'_, '_>) {
    let text = big_model();
    bencher.counter(BytesCount::of_str(text)).bench(|| {
        let mut reader = quick_xml::reader::Reader::from_str(divan::black_box(text));
        let mut count = 0usize;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                    count += e.attributes().filter_map(Result::ok).map(|a| a.value.len()).sum::<usize>();
                }
                Ok(_) => {}
                Err(err) => panic!("{err}"),
            }
        }
        count
    });
}
