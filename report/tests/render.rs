//! Drawing diagrams as the report does: every element findable, bpmn-js's look, overlays that
//! mark exactly what ran, nothing unescaped, nothing lost, the same bytes every time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::collections::BTreeSet;
use std::path::PathBuf;

use baton_engine::model::Definitions;
use baton_report::render::{NotDrawn, Overlay, Rendered, render};
use svg::node::element::tag::Type;
use svg::parser::Event;

const FIXTURES: [&str; 5] = [
    "../engine/tests/fixtures/camunda7.bpmn",
    "../engine/tests/fixtures/camunda8.bpmn",
    "../engine/tests/fixtures/bpmnio.bpmn",
    "../engine/tests/fixtures/collaboration.bpmn",
    "../examples/processes/order.bpmn",
];

fn fixture(path: &str) -> Definitions {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    baton_engine::parse::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(xml: &str) -> Definitions {
    baton_engine::parse::parse(xml).expect("test BPMN parses")
}

/// `(class, data-element-id)` of every element group, as written (attribute values still escaped).
fn groups(svg: &str) -> Vec<(String, String)> {
    let mut groups = Vec::new();
    for event in svg::read(svg).expect("readable") {
        match event {
            Event::Error(e) => panic!("malformed SVG: {e}"),
            Event::Tag("g", Type::Start, attributes) => {
                if let Some(id) = attributes.get("data-element-id") {
                    let class = attributes.get("class").map(|c| c.to_string()).unwrap_or_default();
                    groups.push((class, id.to_string()));
                }
            }
            _ => {}
        }
    }
    groups
}

/// The text of the element group of `id`, from its `<g` to its `</g>`.
fn group<'s>(svg: &'s str, id: &str) -> &'s str {
    let at = svg.find(&format!(r#"data-element-id="{id}""#)).unwrap_or_else(|| panic!("no group for {id}"));
    let start = svg[..at].rfind("<g ").expect("group start");
    let mut depth = 0;
    let mut i = start;
    while i < svg.len() {
        if svg[i..].starts_with("<g ") || svg[i..].starts_with("<g>") {
            depth += 1;
        } else if svg[i..].starts_with("</g>") {
            depth -= 1;
            if depth == 0 {
                return &svg[start..i + 4];
            }
        }
        i += svg[i..].chars().next().map_or(1, char::len_utf8);
    }
    panic!("unclosed group for {id}")
}

fn node_and_flow_ids(definitions: &Definitions) -> BTreeSet<String> {
    let processes = definitions.processes.iter();
    let nodes = processes.clone().flat_map(|p| &p.nodes).map(|n| n.id.to_string());
    nodes.chain(processes.flat_map(|p| &p.flows).map(|f| f.id.to_string())).collect()
}

#[test]
fn every_flow_node_and_flow_of_every_fixture_is_one_findable_group() {
    for path in FIXTURES {
        let definitions = fixture(path);
        let Rendered { svg, not_drawn } = render(&definitions, 0, None);
        let drawn: Vec<String> = groups(&svg).into_iter().map(|(_, id)| id).collect();
        for id in node_and_flow_ids(&definitions) {
            assert_eq!(drawn.iter().filter(|d| **d == id).count(), 1, "{path}: {id} drawn once");
        }
        assert_eq!(not_drawn, vec![], "{path}: everything has DI");
        assert!(svg.starts_with(r#"<svg class="baton-diagram""#), "{path}");
        // Links only within the drawing (`<use href="#baton-gears">`), never out of it.
        let internal_links = svg.match_indices("href=\"").all(|(at, _)| svg[at + 6..].starts_with('#'));
        assert!(!svg.contains("<script") && !svg.contains("<image") && internal_links, "{path}: self-contained");
    }
}

#[test]
fn collaborations_draw_pools_lanes_and_message_flows() {
    let svg = render(&fixture("../engine/tests/fixtures/collaboration.bpmn"), 0, None).svg;
    let ids: Vec<(String, String)> = groups(&svg);
    for (id, class) in [
        ("Participant_Customer", "baton-participant"),
        ("Lane_Inventory", "baton-lane"),
        ("MessageFlow_Order", "baton-messageFlow"),
    ] {
        assert!(ids.iter().any(|(c, i)| i == id && c.contains(class)), "{id}");
    }
    // Lane names are written bottom to top in the header band.
    assert!(group(&svg, "Lane_Inventory").contains("rotate(-90)"));
    assert!(group(&svg, "MessageFlow_Order").contains(r#"stroke-dasharray="10,11""#));
}

#[test]
fn modeler_colours_are_kept() {
    let svg = render(&fixture("../engine/tests/fixtures/bpmnio.bpmn"), 0, None).svg;
    let courier = group(&svg, "Activity_BookExpressCourier");
    assert!(courier.contains(r##"stroke="#1e88e5""##), "{courier}");
    assert!(courier.contains(r##"fill="#bbdefb""##), "{courier}");
    // Elements without colours keep bpmn-js's.
    assert!(group(&svg, "Activity_CheckOrder").contains(r#"stroke="hsl(225,10%,15%)""#));
}

#[test]
fn non_interrupting_events_are_dashed_and_interrupting_ones_are_not() {
    let c8 = render(&fixture("../engine/tests/fixtures/camunda8.bpmn"), 0, None).svg;
    assert!(group(&c8, "Event_PaymentSlow").contains(r#"stroke-dasharray="6""#));
    let c7 = render(&fixture("../engine/tests/fixtures/camunda7.bpmn"), 0, None).svg;
    assert!(!group(&c7, "Event_CardDeclined").contains("stroke-dasharray"));
    let bpmnio = render(&fixture("../engine/tests/fixtures/bpmnio.bpmn"), 0, None).svg;
    assert!(group(&bpmnio, "Event_AddressChanged").contains(r#"stroke-dasharray="6""#), "non-interrupting start");
    assert!(!group(&bpmnio, "Event_OrderPlaced").contains("stroke-dasharray"));
}

#[test]
fn shapes_look_like_bpmn_js() {
    let svg = render(&fixture("../engine/tests/fixtures/bpmnio.bpmn"), 0, None).svg;
    // Tasks: rounded boxes at their DI bounds.
    assert!(group(&svg, "Activity_CheckOrder").contains(r#"<rect fill="white" height="80" rx="10" ry="10""#));
    // End events: thick ring; start events: thin ring.
    assert!(group(&svg, "Event_OrderDelivered").contains(r#"r="18" stroke="hsl(225,10%,15%)" stroke-width="4""#));
    assert!(group(&svg, "Event_OrderPlaced").contains(r#"stroke-width="2""#));
    // Event sub-processes are dotted, transactions doubled.
    assert!(group(&svg, "Activity_HandleAddressChange").contains("stroke-dasharray=\"1,4\""));
    assert_eq!(group(&svg, "Activity_PayOrder").matches("<rect").count(), 2);
    // Labels wrap inside tasks.
    let courier = group(&svg, "Activity_BookExpressCourier");
    assert!(courier.contains(">Book express</tspan>") && courier.contains(">courier</tspan>"), "{courier}");
    // Sequence flows end in a shared arrowhead; the default flow starts with a slash.
    assert!(group(&svg, "Flow_Extras_Gift").contains("marker-end=\"url(#baton-arrow-"));
    assert!(group(&svg, "Flow_Extras_None").contains("marker-start=\"url(#baton-default-"));
    assert!(svg.contains("<marker id=\"baton-arrow-hsl_225_10__15__-white\""));
}

#[test]
fn an_overlay_marks_exactly_the_executed_elements() {
    let definitions = fixture("../engine/tests/fixtures/bpmnio.bpmn");
    let mut overlay = Overlay::default();
    overlay.nodes.insert("Event_OrderPlaced".into(), 1);
    overlay.nodes.insert("Activity_CheckOrder".into(), 2);
    overlay.flows.insert("Flow_OrderPlaced_CheckOrder".into(), 1);
    let svg = render(&definitions, 0, Some(&overlay)).svg;

    let tracked = node_and_flow_ids(&definitions);
    let executed: BTreeSet<&str> = ["Event_OrderPlaced", "Activity_CheckOrder", "Flow_OrderPlaced_CheckOrder"].into();
    for (class, id) in groups(&svg) {
        let (is_executed, is_unexecuted) = (class.contains("baton-executed"), class.contains("baton-unexecuted"));
        if executed.contains(id.as_str()) {
            assert!(is_executed && !is_unexecuted, "{id}: {class}");
        } else if tracked.contains(&id) {
            assert!(is_unexecuted && !is_executed, "{id}: {class}");
        } else {
            assert!(!is_executed && !is_unexecuted, "{id} is neither node nor flow: {class}");
        }
    }
    assert!(group(&svg, "Activity_PickItems").contains(r#"opacity="0.35""#), "unexecuted is dimmed");
    assert!(!group(&svg, "Activity_CheckOrder").contains("opacity="), "executed is not dimmed");
    assert!(group(&svg, "Activity_CheckOrder").contains("executed 2 times"), "the title says how often");
    assert!(!svg.contains("baton-count"), "no count badges without heat");
}

#[test]
fn heat_maps_count_waiting_tokens_and_incidents_show() {
    let definitions = fixture("../engine/tests/fixtures/camunda8.bpmn");
    let mut overlay = Overlay { heat: true, ..Overlay::default() };
    overlay.nodes.insert("Activity_PayItem".into(), 10);
    overlay.nodes.insert("Activity_FetchItem".into(), 1);
    overlay.flows.insert("Flow_PaymentOk_Yes".into(), 4);
    overlay.waiting.insert("Activity_RateDelivery".into());
    overlay.incidents.insert("Activity_ShipParcels".into());
    let svg = render(&definitions, 0, Some(&overlay)).svg;

    let most = group(&svg, "Activity_PayItem");
    let least = group(&svg, "Activity_FetchItem");
    assert!(most.contains(r#"fill="hsl(130,50%,55%)""#), "the most executed is the strongest: {most}");
    assert!(least.contains("baton-count") && least.contains(">1</text>"), "{least}");
    assert!(!least.contains(r#"fill="hsl(130,50%,55%)""#), "the least executed is paler");
    let waiting = group(&svg, "Activity_RateDelivery");
    assert!(waiting.contains("baton-waiting") && waiting.contains("baton-executed") && waiting.contains("baton-token"));
    let incident = group(&svg, "Activity_ShipParcels");
    assert!(incident.contains("baton-incident") && incident.contains(r##"stroke="#d32f2f""##), "{incident}");
}

const HOSTILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:bioc="http://bpmn.io/schema/bpmn/biocolor/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s" name="&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" />
    <bpmn:task id="Task_&quot;1&quot;" name="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;q&quot;">
      <bpmn:documentation>&lt;img src=x onerror=alert(1)&gt; &amp; 'quotes'</bpmn:documentation>
    </bpmn:task>
    <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="Task_&quot;1&quot;" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D">
    <bpmndi:BPMNPlane id="P" bpmnElement="p">
      <bpmndi:BPMNShape id="s_di" bpmnElement="s"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="t_di" bpmnElement="Task_&quot;1&quot;" bioc:fill="url(http://evil/x)" bioc:stroke="red&quot; onload=&quot;alert(1)">
        <dc:Bounds x="200" y="78" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f_di" bpmnElement="f"><di:waypoint x="136" y="118" /><di:waypoint x="200" y="118" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>"#;

#[test]
fn every_user_string_is_escaped_and_only_relative_links_survive() {
    let definitions = parse(HOSTILE);
    let mut overlay = Overlay::default();
    overlay.links.insert(r#"Task_"1""#.into(), "javascript:alert(1)".into());
    overlay.links.insert("s".into(), r#"element-s.html?a=1&b="2""#.into());
    overlay.links.insert("f".into(), "https://example.com/".into());
    let svg = render(&definitions, 0, Some(&overlay)).svg;

    for (class, id) in groups(&svg) {
        assert!(!id.contains('"') && !class.contains('"'));
    }
    assert!(svg.contains(r#"data-element-id="Task_&quot;1&quot;""#), "quoted id escaped in its attribute");
    assert!(svg.contains("&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; \"q\""), "name escaped in the title");
    assert!(svg.contains("&lt;/title&gt;&lt;script&gt;"), "a name cannot close the title");
    assert!(svg.contains("&lt;img src=x onerror=alert(1)&gt; &amp; 'quotes'"), "documentation escaped in the title");
    assert!(!svg.contains("<script") && !svg.contains("<img") && !svg.contains("</script"));
    assert!(!svg.contains("javascript:") && !svg.contains("https://example.com"), "links with a scheme are dropped");
    assert!(svg.contains(r#"<a href="element-s.html?a=1&amp;b=&quot;2&quot;">"#), "a relative link is kept, escaped");
    assert!(!svg.contains("evil") && !svg.contains("onload"), "colours that are not colours are dropped");
    // Every tag the parser sees is one we write.
    let allowed = ["svg", "defs", "marker", "g", "a", "title", "rect", "circle", "path", "text", "tspan"];
    for event in svg::read(&svg).expect("readable") {
        if let Event::Tag(name, _, _) = event {
            assert!(allowed.contains(&name), "unexpected tag <{name}>");
        }
    }
}

#[test]
fn rendering_is_deterministic() {
    let definitions = fixture("../engine/tests/fixtures/bpmnio.bpmn");
    let mut overlay = Overlay { heat: true, ..Overlay::default() };
    for (i, node) in definitions.processes[0].nodes.iter().enumerate().step_by(2) {
        overlay.nodes.insert(node.id.to_string(), i as u64 + 1);
    }
    overlay.links.insert("Activity_CheckOrder".into(), "#el-Activity_CheckOrder".into());
    for overlay in [None, Some(&overlay)] {
        let first = render(&definitions, 0, overlay);
        assert_eq!(first, render(&definitions, 0, overlay));
        assert_eq!(first, render(&fixture("../engine/tests/fixtures/bpmnio.bpmn"), 0, overlay));
    }
    let svg = render(&definitions, 0, None).svg;
    let numbers = svg.split(['"', ' ', ',', '(', ')']).filter(|t| t.parse::<f64>().is_ok());
    assert!(numbers.clone().all(|n| !n.ends_with(".0") && n.split('.').nth(1).is_none_or(|d| d.len() <= 2)));
}

const SMALL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="Start" name="Order received" />
    <bpmn:userTask id="Task_Check" name="Check order" />
    <bpmn:task id="Task_Hidden" name="Hidden" />
    <bpmn:endEvent id="End" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start" targetRef="Task_Check" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Check" targetRef="End" />
    <bpmn:sequenceFlow id="Flow_3" name="never drawn" sourceRef="Task_Check" targetRef="Task_Hidden" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_1">
    <bpmndi:BPMNPlane id="Plane_1" bpmnElement="p">
      <bpmndi:BPMNShape id="Start_di" bpmnElement="Start">
        <dc:Bounds x="152" y="102" width="36" height="36" />
        <bpmndi:BPMNLabel><dc:Bounds x="133" y="145" width="75" height="14" /></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Task_Check_di" bpmnElement="Task_Check"><dc:Bounds x="240" y="80" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="End_di" bpmnElement="End"><dc:Bounds x="392" y="102" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1"><di:waypoint x="188" y="120" /><di:waypoint x="240" y="120" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_2_di" bpmnElement="Flow_2"><di:waypoint x="340" y="120" /><di:waypoint x="392" y="120" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>"#;

#[test]
fn elements_without_di_are_listed_not_lost() {
    let rendered = render(&parse(SMALL), 0, None);
    assert_eq!(
        rendered.not_drawn,
        vec![
            NotDrawn { id: "Task_Hidden".into(), name: Some("Hidden".into()), kind: "task".into() },
            NotDrawn { id: "Flow_3".into(), name: Some("never drawn".into()), kind: "sequenceFlow".into() },
        ]
    );
    assert!(!rendered.svg.contains("Task_Hidden"));
}

#[test]
fn a_missing_diagram_draws_nothing_and_lists_everything() {
    let rendered = render(&parse(SMALL), 7, None);
    assert!(groups(&rendered.svg).is_empty());
    let ids: Vec<&str> = rendered.not_drawn.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["Start", "Task_Check", "Task_Hidden", "End", "Flow_1", "Flow_2", "Flow_3"]);
}

#[test]
fn the_view_box_holds_every_shape_edge_and_label_with_a_margin() {
    let svg = render(&parse(SMALL), 0, None).svg;
    // Shapes span x 152..428 and y 80..160, the start label's DI box x 133..208; margin 20.
    assert!(svg.contains(r#"viewBox="113 60 335 120""#), "{}", &svg[..200]);
}

#[test]
fn small_process_snapshot() {
    let definitions = parse(SMALL);
    let mut overlay = Overlay::default();
    overlay.nodes.insert("Start".into(), 1);
    overlay.flows.insert("Flow_1".into(), 1);
    overlay.waiting.insert("Task_Check".into());
    overlay.links.insert("Task_Check".into(), "#el-Task_Check".into());
    insta::assert_snapshot!("small_process", render(&definitions, 0, Some(&overlay)).svg);
}

const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="d" targetNamespace="t">"#;

fn shape(id: &str, x: u32, y: u32, w: u32, h: u32) -> String {
    format!(
        r#"<bpmndi:BPMNShape id="{id}_di" bpmnElement="{id}"><dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>"#
    )
}

fn edge(id: &str, from: (u32, u32), to: (u32, u32)) -> String {
    format!(
        r#"<bpmndi:BPMNEdge id="{id}_di" bpmnElement="{id}"><di:waypoint x="{}" y="{}" /><di:waypoint x="{}" y="{}" /></bpmndi:BPMNEdge>"#,
        from.0, from.1, to.0, to.1
    )
}

#[test]
fn flows_out_of_activities_mark_conditions_and_defaults_at_the_source() {
    let xml = format!(
        r#"{HEADER}
  <bpmn:process id="p" isExecutable="false">
    <bpmn:task id="Check" default="Otherwise" />
    <bpmn:task id="A" /><bpmn:task id="B" />
    <bpmn:sequenceFlow id="IfBig" sourceRef="Check" targetRef="A">
      <bpmn:conditionExpression>amount &gt; 100</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Otherwise" sourceRef="Check" targetRef="B" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="p">
    {}{}{}{}{}
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"#,
        shape("Check", 100, 100, 100, 80),
        shape("A", 300, 0, 100, 80),
        shape("B", 300, 200, 100, 80),
        edge("IfBig", (200, 120), (300, 40)),
        edge("Otherwise", (200, 160), (300, 240)),
    );
    let svg = render(&parse(&xml), 0, None).svg;
    assert!(group(&svg, "IfBig").contains("marker-start=\"url(#baton-conditional-"));
    assert!(group(&svg, "Otherwise").contains("marker-start=\"url(#baton-default-"));
    // Out of a gateway a condition needs no diamond: the gateway already says it.
    let bpmnio = render(&fixture("../engine/tests/fixtures/bpmnio.bpmn"), 0, None).svg;
    assert!(!group(&bpmnio, "Flow_Extras_Gift").contains("marker-start"));
}

#[test]
fn containers_are_drawn_under_what_they_hold_and_boundaries_on_top() {
    let svg = render(&fixture("../engine/tests/fixtures/camunda8.bpmn"), 0, None).svg;
    let at = |id: &str| svg.find(&format!(r#"data-element-id="{id}""#)).unwrap();
    assert!(at("Activity_HandleFailedPayment") < at("Event_PaymentFailed"));
    assert!(at("Activity_HandleFailedPayment") < at("Activity_CallCustomer"));
    assert!(at("Activity_PayItem") < at("Event_PaymentSlow"));
    assert!(at("Flow_PaymentOk_No") < at("Event_PaymentSlow"), "boundary events sit on top of flows");
}

#[test]
fn a_sub_process_drawn_on_its_own_diagram_is_not_missing_from_the_parent() {
    let xml = format!(
        r#"{HEADER}
  <bpmn:process id="p" isExecutable="false">
    <bpmn:subProcess id="Sub" name="Sub"><bpmn:task id="Inner" name="Inner" /></bpmn:subProcess>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D1"><bpmndi:BPMNPlane id="P1" bpmnElement="p">{}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
  <bpmndi:BPMNDiagram id="D2"><bpmndi:BPMNPlane id="P2" bpmnElement="Sub">{}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"#,
        shape("Sub", 100, 100, 100, 80).replace("bpmnElement=\"Sub\"", "bpmnElement=\"Sub\" isExpanded=\"false\""),
        shape("Inner", 100, 100, 100, 80),
    );
    let definitions = parse(&xml);
    let parent = render(&definitions, 0, None);
    assert_eq!(parent.not_drawn, vec![]);
    assert!(group(&parent.svg, "Sub").contains("<rect"), "collapsed, with its + marker");
    let child = render(&definitions, 1, None);
    assert_eq!(child.not_drawn, vec![]);
    assert_eq!(groups(&child.svg).len(), 1);
    assert!(group(&child.svg, "Inner").contains(">Inner</tspan>"));
}

/// The drawing of every fixture, one snapshot each: any change to how an element kind is drawn
/// shows up in review. Together the fixtures cover every element kind the renderer draws.
#[test]
fn every_fixture_drawing_is_snapshotted() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    for (name, path) in [
        ("camunda7", "engine/tests/fixtures/camunda7.bpmn"),
        ("camunda8", "engine/tests/fixtures/camunda8.bpmn"),
        ("bpmnio", "engine/tests/fixtures/bpmnio.bpmn"),
        ("collaboration", "engine/tests/fixtures/collaboration.bpmn"),
        ("order", "examples/processes/order.bpmn"),
        ("data_io", "report/tests/fixtures/data-io.bpmn"),
    ] {
        let definitions = baton_engine::parse::parse_file(root.join(path)).unwrap();
        let rendered = baton_report::render::render(&definitions, 0, None);
        assert!(rendered.not_drawn.is_empty(), "{name}: {:?}", rendered.not_drawn);
        insta::assert_snapshot!(format!("fixture_{name}"), rendered.svg);
    }
}

/// A process with one of each shape whose look follows bpmn-js's numbers.
fn look_model() -> Definitions {
    let xml = format!(
        r#"{HEADER}
  <bpmn:process id="p" isExecutable="false">
    <bpmn:exclusiveGateway id="Unmarked" name="Ok?" />
    <bpmn:exclusiveGateway id="Marked" />
    <bpmn:parallelGateway id="Fork" />
    <bpmn:userTask id="User" name="Approve the refund request" />
    <bpmn:callActivity id="Call" calledElement="other" />
    <bpmn:task id="Again" name="Again"><bpmn:standardLoopCharacteristics /></bpmn:task>
    <bpmn:sequenceFlow id="Yes" name="Yes" sourceRef="Unmarked" targetRef="Marked" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="p">
    {}{}{}{}{}{}
    <bpmndi:BPMNEdge id="Yes_di" bpmnElement="Yes"><di:waypoint x="150" y="125" /><di:waypoint x="300" y="125" />
      <bpmndi:BPMNLabel><dc:Bounds x="216" y="107" width="18" height="14" /></bpmndi:BPMNLabel></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"#,
        shape("Unmarked", 100, 100, 50, 50),
        shape("Marked", 300, 100, 50, 50)
            .replace("bpmnElement=\"Marked\"", "bpmnElement=\"Marked\" isMarkerVisible=\"true\""),
        shape("Fork", 400, 100, 50, 50),
        shape("User", 100, 200, 100, 80),
        shape("Call", 300, 200, 100, 80),
        shape("Again", 500, 200, 100, 80),
    );
    parse(&xml)
}

#[test]
fn an_exclusive_gateway_shows_its_x_only_when_its_di_says_so() {
    let svg = render(&look_model(), 0, None).svg;
    assert_eq!(group(&svg, "Unmarked").matches("<path").count(), 1, "the diamond alone");
    assert_eq!(group(&svg, "Marked").matches("<path").count(), 2, "the diamond and the X");
}

#[test]
fn gateway_markers_and_flows_are_bpmn_js_sized() {
    let svg = render(&look_model(), 0, None).svg;
    // bpmn-js's GATEWAY_PARALLEL at 0.6 of a 50 gateway: arms 12.5 long, 5 thick.
    assert!(group(&svg, "Fork").contains(r#"d="M423,110 l0,12.5 l-12.5,0 l0,5 l12.5,0"#), "{}", group(&svg, "Fork"));
    // Sequence flows 2 wide, their arrowhead 20 across (10 long) like bpmn-js's.
    assert!(group(&svg, "Yes").contains(r#"stroke-width="2""#));
    assert!(svg.contains(r#"markerHeight="20" markerUnits="userSpaceOnUse" markerWidth="20" orient="auto" refX="11""#));
}

#[test]
fn labels_sit_on_bpmn_js_baselines_with_no_space_between_lines() {
    let svg = render(&look_model(), 0, None).svg;
    let user = group(&svg, "User");
    // Two lines of 12 px centred in 80: top at 225.6, baselines three quarters of a line down.
    assert!(
        user.contains(
            r#"><tspan x="150" y="236.4">Approve the</tspan><tspan x="150" y="250.8">refund request</tspan></text>"#
        ),
        "{user}"
    );
    // An outside label from its DI box's top: 107 + 0.75 × 13.2.
    assert!(group(&svg, "Yes").contains(r#"<tspan x="225" y="116.9">Yes</tspan>"#));
}

#[test]
fn a_word_that_fit_the_modelers_label_box_is_never_split() {
    let svg = render(&look_model(), 0, None).svg;
    let label = group(&svg, "Yes");
    assert!(label.contains(">Yes</tspan>") && !label.contains(">Ye</tspan>"), "{label}");
}

#[test]
fn task_icons_and_markers_are_bpmn_js_outlines() {
    let svg = render(&look_model(), 0, None).svg;
    // The user task's body, face and hair from (15, 12), as bpmn-js's TASK_TYPE_USER_1..3.
    let user = group(&svg, "User");
    assert_eq!(user.matches(r#"d="M115,212 "#).count(), 3, "{user}");
    // The collapsed marker: a 14 box and a plus 2 wide.
    let call = group(&svg, "Call");
    assert!(
        call.contains(r#"height="14" stroke="hsl(225,10%,15%)" stroke-width="1" width="14" x="342.5" y="260""#),
        "{call}"
    );
    assert!(call.contains(r#"d="M342.5,260 m 7,2 l 0,10 m -5,-5 l 10,0""#) && call.contains(r#"stroke-width="2""#));
    // The loop: bpmn-js's closed circular arrow from the bottom middle, 7 above the edge.
    assert!(group(&svg, "Again").contains(r#"d="M550,273 c 3.53,0 6.39,-2.83 6.39,-6.32"#));
}

#[test]
fn a_call_activity_does_not_draw_the_called_process() {
    // The modeler drew the called process's task and flow inside the open call activity's box.
    let xml = format!(
        r#"{HEADER}
  <bpmn:process id="main" isExecutable="false">
    <bpmn:callActivity id="Call" name="Ship" calledElement="shipping" />
  </bpmn:process>
  <bpmn:process id="shipping" isExecutable="false">
    <bpmn:task id="Pack" /><bpmn:task id="Send" />
    <bpmn:sequenceFlow id="PackThenSend" sourceRef="Pack" targetRef="Send" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="main">
    {}{}{}{}
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"#,
        shape("Call", 100, 100, 400, 200).replace("bpmnElement=\"Call\"", "bpmnElement=\"Call\" isExpanded=\"true\""),
        shape("Pack", 150, 150, 100, 80),
        shape("Send", 350, 150, 100, 80),
        edge("PackThenSend", (250, 190), (350, 190)),
    );
    let Rendered { svg, not_drawn } = render(&parse(&xml), 0, None);
    let ids: Vec<String> = groups(&svg).into_iter().map(|(_, id)| id).collect();
    assert_eq!(ids, vec!["Call"]);
    assert_eq!(not_drawn, vec![]);
    // Open, as the DI says: the name at the top, no collapsed marker.
    let call = group(&svg, "Call");
    assert!(call.contains(r#"stroke-width="5""#) && !call.contains("m 7,2 l 0,10"), "{call}");
    assert!(call.contains(r#"<tspan x="300" y="117.8">Ship</tspan>"#), "{call}");
}

#[test]
fn a_message_flow_shows_its_name_and_its_message_name() {
    let xml = format!(
        r#"{HEADER}
  <bpmn:message id="Order" name="order details" />
  <bpmn:collaboration id="c">
    <bpmn:participant id="Shop" processRef="shop" /><bpmn:participant id="Customer" />
    <bpmn:messageFlow id="Ordered" name="places order" sourceRef="Customer" targetRef="Shop" messageRef="Order" />
  </bpmn:collaboration>
  <bpmn:process id="shop" isExecutable="false" />
  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="c">
    {}{}
    <bpmndi:BPMNEdge id="Ordered_di" bpmnElement="Ordered"><di:waypoint x="300" y="300" /><di:waypoint x="300" y="160" />
      <bpmndi:BPMNLabel><dc:Bounds x="310" y="200" width="64" height="14" /></bpmndi:BPMNLabel></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"#,
        shape("Shop", 100, 0, 600, 160),
        shape("Customer", 100, 300, 600, 100),
    );
    let svg = render(&parse(&xml), 0, None).svg;
    let flow = group(&svg, "Ordered");
    // The flow's own name at its DI label bounds.
    assert!(flow.contains(r#"<tspan x="342" y="209.9">places order</tspan>"#), "{flow}");
    // The message's name from the middle of the flow, its top 10 below it (baseline 10.8 lower),
    // where bpmn-js 18 writes it.
    assert!(flow.contains(r#"<tspan x="333.01" y="250.8">order details</tspan>"#), "{flow}");
    // The envelope light, as for bpmn-js's default `messageVisibleKind` (initiating).
    let envelope = r#"d="M289.5,223 l0,14 l21,0 l0,-14 Z M289.5,223 l10.5,6 l10.5,-6" fill="white""#;
    assert!(flow.contains(envelope), "{flow}");
}

#[test]
fn process_data_inputs_and_outputs_are_pages_with_bpmn_js_arrows() {
    let definitions = fixture("tests/fixtures/data-io.bpmn");
    let Rendered { svg, not_drawn } = render(&definitions, 0, None);
    assert!(not_drawn.is_empty(), "{not_drawn:?}");
    let input = group(&svg, "Input_Request");
    let output = group(&svg, "Output_Quote");
    assert!(input.contains("baton-dataInput") && output.contains("baton-dataOutput"));
    // The page, its fold, and bpmn-js's DATA_ARROW from (5, 9) in the shape, 1 wide: hollow
    // into the process, filled with the stroke colour out of it.
    for (group, x, fill) in [(input, 152, "none"), (output, 452, "hsl(225,10%,15%)")] {
        assert!(group.contains(&format!(r#"d="M{x},75 h26 l10,10 v40 h-36 Z""#)), "{group}");
        let arrow = format!(
            r#"d="M{},84 l 9,0 0,-3 5,5 -5,5 0,-3 -9,0 z" fill="{fill}" stroke="hsl(225,10%,15%)" stroke-linejoin="round" stroke-width="1""#,
            x + 5
        );
        assert!(group.contains(&arrow), "{group}");
    }
    // Named below, like a data object.
    assert!(input.contains(r#"<tspan x="170.5" y="141.9">Quote request</tspan>"#), "{input}");
}

#[test]
fn a_non_initiating_message_has_a_dark_envelope() {
    let xml = format!(
        r#"{HEADER}
  <bpmn:message id="Order" name="order" />
  <bpmn:collaboration id="c">
    <bpmn:participant id="Shop" /><bpmn:participant id="Customer" />
    <bpmn:messageFlow id="Asked" sourceRef="Customer" targetRef="Shop" messageRef="Order" />
    <bpmn:messageFlow id="Answered" sourceRef="Shop" targetRef="Customer" messageRef="Order" />
    <bpmn:messageFlow id="Said" sourceRef="Shop" targetRef="Customer" messageRef="Order" />
  </bpmn:collaboration>
  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="c">
    {}{}{}
    {}
    {}
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"#,
        shape("Shop", 100, 0, 600, 100),
        shape("Customer", 100, 300, 600, 100),
        edge("Asked", (200, 300), (200, 100))
            .replace(r#"bpmnElement="Asked""#, r#"bpmnElement="Asked" messageVisibleKind="initiating""#),
        edge("Answered", (300, 100), (300, 300))
            .replace(r#"bpmnElement="Answered""#, r#"bpmnElement="Answered" messageVisibleKind="non_initiating""#),
        edge("Said", (400, 100), (400, 300)),
    );
    let svg = render(&parse(&xml), 0, None).svg;
    // bpmn-js draws an initiating message (the default) in the fill colour, outlined in the
    // stroke colour, and a non-initiating one with the two swapped.
    let light = |x: u32| {
        format!(
            r#"M{}.5,193 l0,14 l21,0 l0,-14 Z M{0}.5,193 l10.5,6 l10.5,-6" fill="white" stroke="hsl(225,10%,15%)""#,
            x - 11
        )
    };
    let dark = |x: u32| {
        format!(
            r#"M{}.5,193 l0,14 l21,0 l0,-14 Z M{0}.5,193 l10.5,6 l10.5,-6" fill="hsl(225,10%,15%)" stroke="white""#,
            x - 11
        )
    };
    assert!(group(&svg, "Asked").contains(&light(200)), "{}", group(&svg, "Asked"));
    assert!(group(&svg, "Answered").contains(&dark(300)), "{}", group(&svg, "Answered"));
    assert!(group(&svg, "Said").contains(&light(400)), "{}", group(&svg, "Said"));
}

#[test]
fn associations_are_bpmn_js_dotted_2_wide_with_rounded_bends() {
    let xml = format!(
        r#"{HEADER}
  <bpmn:process id="p" isExecutable="false">
    <bpmn:task id="Task" />
    <bpmn:textAnnotation id="Note"><bpmn:text>Why</bpmn:text></bpmn:textAnnotation>
    <bpmn:association id="Link" sourceRef="Task" targetRef="Note" associationDirection="One" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="p">
    {}{}
    <bpmndi:BPMNEdge id="Link_di" bpmnElement="Link"><di:waypoint x="150" y="100" /><di:waypoint x="150" y="40" /><di:waypoint x="300" y="40" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"#,
        shape("Task", 100, 100, 100, 80),
        shape("Note", 300, 20, 100, 40),
    );
    let svg = render(&parse(&xml), 0, None).svg;
    let link = group(&svg, "Link");
    // bpmn-js: its line style's 2 px, dashes `0, 5` with round caps, corners rounded by 5 like
    // every connection's, and the arrowhead 20 across (scale 0.5 of a 2-wide line).
    let line = r#"d="M150,100 L150,45 Q150,40,155,40 L300,40" fill="none" marker-end="url(#baton-association-hsl_225_10__15__-white)" stroke="hsl(225,10%,15%)" stroke-dasharray="0,5" stroke-linecap="round" stroke-linejoin="round" stroke-width="2""#;
    assert!(link.contains(line), "{link}");
    assert!(
        svg.contains(r#"markerHeight="20" markerUnits="userSpaceOnUse" markerWidth="20" orient="auto-start-reverse""#)
    );
}
