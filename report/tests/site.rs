//! The site, built from recorded runs as `cargo baton` builds it: its pages, its escaping, and
//! (in headless Chromium) its rendered DOM.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::path::{Path, PathBuf};

use baton_engine::record::{Model, Outcome, Run, RunInstance};
use baton_engine::runtime::{Engine, Variables};
use baton_report::coverage::sha256;
use baton_report::site;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baton-site-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `drive` on an engine with the model at `root/path` deployed, and records it as a run.
fn record(
    root: &Path,
    path: &str,
    test: &str,
    outcome: Outcome,
    drive: impl FnOnce(&mut Engine) -> Vec<String>,
) -> Run {
    let text = std::fs::read_to_string(root.join(path)).unwrap();
    let mut engine = Engine::new();
    let deployed = engine.deploy(baton_engine::parse::parse(&text).unwrap()).unwrap();
    let instances = drive(&mut engine);
    Run {
        schema: baton_engine::record::SCHEMA,
        test: test.to_owned(),
        binary: "orders-0f1e2d3c4b5a6978".to_owned(),
        outcome,
        models: vec![Model {
            path: Some(path.to_owned()),
            sha256: sha256(&text),
            processes: deployed.into_iter().map(|(p, _)| p).collect(),
            mock: false,
        }],
        instances: instances
            .iter()
            .map(|id| RunInstance {
                id: id.clone(),
                process: engine.process(id).unwrap().id.to_string(),
                state: engine.instance_state(id).unwrap(),
            })
            .collect(),
        trace: engine.trace().to_vec(),
    }
}

fn write_runs(dir: &Path, runs: &[Run]) {
    std::fs::create_dir_all(dir).unwrap();
    for (i, run) in runs.iter().enumerate() {
        std::fs::write(dir.join(format!("run-{i}.json")), serde_json::to_string(run).unwrap()).unwrap();
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn order_runs() -> Vec<Run> {
    let root = workspace();
    let path = "engine/tests/fixtures/runtime/exclusive.bpmn";
    let big = record(&root, path, "orders::big", Outcome::Finished, |e| {
        let i = e.start("exclusive", [("amount".to_string(), 150.into())].into()).unwrap();
        let job = e.jobs(&i)[0].id.clone();
        e.complete_job(&job, Variables::new()).unwrap();
        vec![i]
    });
    let small =
        record(&root, path, "orders::small", Outcome::Panicked { message: "assertion failed: it broke".into() }, |e| {
            let i = e.start("exclusive", [("amount".to_string(), 5.into())].into()).unwrap();
            vec![i]
        });
    vec![small, big]
}

#[test]
fn a_site_from_recorded_runs() {
    let runs_dir = temp("runs");
    write_runs(&runs_dir, &order_runs());
    let out = temp("out");
    let built = site::build(&workspace(), std::slice::from_ref(&runs_dir), &out).unwrap();
    assert_eq!(built.runs, 2);
    let p = &built.coverage.processes[0];
    assert_eq!(p.id, "exclusive");
    // start, amount, big, small, merge, end reached; normal never.
    assert_eq!((p.nodes.covered, p.nodes.total), (6, 7));
    let uncovered: Vec<&str> = p.uncovered.iter().map(|e| e.id.as_str()).collect();
    // The failing run stopped at "Small order": its job never completed.
    assert_eq!(uncovered, ["normal", "f_normal", "f_normal_merge", "f_small_merge"]);
    assert_eq!(built.coverage.tests[0].test, "orders::small", "failing tests first");
    // Per test: the failing run reached start, amount, small (3 of 7 nodes) and took 2 of 8 flows.
    let small = &built.coverage.tests[0];
    assert_eq!((small.nodes.covered, small.nodes.total, small.flows.covered, small.flows.total), (3, 7, 2, 8));

    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("orders::small") && index.contains("failed"), "{index}");
    let process = std::fs::read_to_string(out.join(format!("process-{}.html", site::slug("exclusive")))).unwrap();
    assert!(process.contains(r#"data-element-id="big""#) && process.contains("baton-executed"));
    let failed = std::fs::read_to_string(out.join(format!("test-{}.html", built.coverage.tests[0].index))).unwrap();
    assert!(failed.contains("assertion failed: it broke"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap()).unwrap();
    assert_eq!(json["processes"][0]["nodes"]["covered"], 6);

    // Same runs, same site, byte for byte.
    let again = temp("again");
    site::build(&workspace(), &[runs_dir], &again).unwrap();
    for page in ["index.html", "test-0.html", "test-1.html", "coverage.json"] {
        assert_eq!(std::fs::read(out.join(page)).unwrap(), std::fs::read(again.join(page)).unwrap(), "{page}");
    }
}

#[test]
fn user_strings_come_out_inert_and_ids_cannot_escape_the_site() {
    let root = temp("evil-root");
    let evil = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="d">
  <bpmn:process id="../../x" name="&lt;script&gt;alert('process')&lt;/script&gt;" isExecutable="true">
    <bpmn:startEvent id="start" name="&lt;img src=x onerror=alert(1)&gt;" />
    <bpmn:sequenceFlow id="f" sourceRef="start" targetRef="task" />
    <bpmn:userTask id="task" name="&quot;&gt;&lt;script&gt;alert('task')&lt;/script&gt;"><bpmn:documentation>javascript:alert(2)</bpmn:documentation></bpmn:userTask>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" bpmnElement="../../x">
    <bpmndi:BPMNShape id="s1" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s2" bpmnElement="task"><dc:Bounds x="200" y="78" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="e1" bpmnElement="f"><di:waypoint x="136" y="118" /><di:waypoint x="200" y="118" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"#;
    std::fs::write(root.join("evil.bpmn"), evil).unwrap();
    let run = record(
        &root,
        "evil.bpmn",
        "<script>alert('test')</script>",
        Outcome::Panicked { message: "<script>alert('panic')</script>".into() },
        |e| vec![e.start("../../x", [("note".to_string(), "<script>alert('var')</script>".into())].into()).unwrap()],
    );
    let runs = root.join("runs");
    write_runs(&runs, &[run]);
    let out = root.join("site");
    site::build(&root, &[runs], &out).unwrap();

    let mut files: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(
        files,
        ["baton.css", "coverage.json", "index.html", &format!("process-{}.html", site::slug("../../x")), "test-0.html"]
    );
    assert!(site::slug("../../x").starts_with("______x-"), "{}", site::slug("../../x"));
    assert!(!root.join("x").exists() && !root.parent().unwrap().join("x.html").exists());
    for file in files.iter().filter(|f| f.ends_with(".html")) {
        let html = std::fs::read_to_string(out.join(file)).unwrap();
        for needle in ["<script>alert", "<img src=x", "\"><script", "href=\"javascript:"] {
            assert!(!html.contains(needle), "{file} contains {needle}");
        }
        assert!(!html.contains("<script"), "{file}: the site has no scripts at all");
    }
}

/// Loads the site in headless Chromium and checks the rendered DOM: the diagram is there, the
/// executed elements are highlighted, and the coverage figures are shown. Runs where Chromium
/// is installed; in CI (which installs it) it must be.
#[test]
fn the_site_renders_in_a_browser() {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| std::process::Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()));
    let Some(chromium) = chromium else {
        assert!(std::env::var_os("CI").is_none(), "CI must install chromium (see .ci/run)");
        eprintln!("skipping: no chromium on this machine");
        return;
    };
    let runs_dir = temp("browser-runs");
    write_runs(&runs_dir, &order_runs());
    let out = temp("browser-out");
    site::build(&workspace(), &[runs_dir], &out).unwrap();
    let dom = |page: &str| -> String {
        let profile = temp(&format!("profile-{page}"));
        let output = std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                &format!("--user-data-dir={}", profile.display()),
                "--dump-dom",
                &format!("file://{}", out.join(page).display()),
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let index = dom("index.html");
    assert!(index.contains(r#"id="total-nodes""#) && index.contains("85.7%"), "the coverage figure: {index}");
    let process = dom(&format!("process-{}.html", site::slug("exclusive")));
    assert!(process.contains("<svg"), "the diagram is in the DOM");
    let executed = process.matches("baton-executed").count();
    let dimmed = process.matches("baton-unexecuted").count();
    assert!(executed >= 6 && dimmed >= 1, "executed {executed}, dimmed {dimmed}");
}

#[test]
fn a_smaller_run_leaves_no_stale_pages() {
    let runs = order_runs();
    let dir = temp("stale-runs");
    write_runs(&dir, &runs);
    let out = temp("stale-out");
    site::build(&workspace(), std::slice::from_ref(&dir), &out).unwrap();
    assert!(out.join("test-1.html").exists());
    let fewer = temp("stale-runs-2");
    write_runs(&fewer, &runs[..1]);
    site::build(&workspace(), &[fewer], &out).unwrap();
    assert!(out.join("test-0.html").exists());
    assert!(!out.join("test-1.html").exists(), "the page of a test no longer run is gone");
}

#[test]
fn a_join_counts_the_times_it_joined_not_the_tokens_that_arrived() {
    let root = workspace();
    let runs: Vec<Run> = (0..3)
        .map(|n| {
            record(&root, "engine/tests/fixtures/runtime/parallel.bpmn", &format!("join_{n}"), Outcome::Finished, |e| {
                let i = e.start("parallel", Variables::new()).unwrap();
                while let Some(job) = e.jobs(&i).first().cloned() {
                    e.complete_job(&job.id, Variables::new()).unwrap();
                }
                vec![i]
            })
        })
        .collect();
    let dir = temp("join-runs");
    write_runs(&dir, &runs);
    let out = temp("join-out");
    let built = site::build(&root, &[dir], &out).unwrap();
    let p = &built.coverage.processes[0];
    assert_eq!(p.node_hits["fork"], 3);
    assert_eq!(p.node_hits["join"], 3, "three instances joined once each: six tokens arrived");
    assert_eq!(p.node_hits["ship"], 3);
    let page = std::fs::read_to_string(out.join("test-0.html")).unwrap();
    assert!(
        !page.contains("[data-element-id=\"join\"] :is(rect, circle, ellipse, polygon) { stroke: #1565c0"),
        "the join is not waiting"
    );
}

#[test]
fn the_selection_decides_which_models_and_tests_the_report_shows() {
    let dir = temp("selection-runs");
    write_runs(&dir, &order_runs());
    let root = temp("selection-root");
    std::fs::write(root.join("baton.toml"), "[report]\ntests = { exclude = [\"orders::orders::small\"] }\n").unwrap();
    let selection = baton_report::config::load(&root).unwrap().selection;
    let out = temp("selection-out");
    let built = site::build_selected(&workspace(), std::slice::from_ref(&dir), &out, &selection).unwrap();
    let tests: Vec<&str> = built.coverage.tests.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(tests, ["orders::orders::big"], "the excluded test is not shown");
    let p = &built.coverage.processes[0];
    assert!(!p.reached_by.values().flatten().any(|t| t.contains("small")), "nor counted");

    std::fs::write(root.join("baton.toml"), "[report]\nmodels = { include = [\"examples/**\"] }\n").unwrap();
    let selection = baton_report::config::load(&root).unwrap().selection;
    let built = site::build_selected(&workspace(), &[dir], &out, &selection).unwrap();
    assert!(built.coverage.processes.is_empty(), "the engine's fixture model is not shown");
}

#[test]
fn a_collaboration_page_shows_what_ran_in_the_other_pools_and_mocks_are_not_models() {
    let root = workspace();
    let path = "engine/tests/fixtures/runtime/messages.bpmn";
    let mut run = record(&root, path, "orders::by_message", Outcome::Finished, |e| {
        let i = e.correlate_message("order-received", None, Variables::new()).unwrap();
        let job = e.jobs(&i)[0].id.clone();
        e.complete_job(&job, Variables::new()).unwrap();
        vec![i]
    });
    // A stand-in `mock_call` deployed: not the user's model, nothing to say about it.
    run.models.push(Model { path: None, sha256: "0".repeat(64), processes: vec!["billing".into()], mock: true });
    let dir = temp("collab-runs");
    write_runs(&dir, &[run]);
    let out = temp("collab-out");
    let built = site::build(&root, &[dir], &out).unwrap();
    assert!(
        built.coverage.problems.iter().all(|p| !p.contains("deployed from a string")),
        "{:?}",
        built.coverage.problems
    );
    // The page of the pool that did not run draws the collaboration with the other pool's path.
    let page = std::fs::read_to_string(out.join(format!("process-{}.html", site::slug("messages")))).unwrap();
    let review = page.find(r#"data-element-id="review""#).expect("the other pool is drawn");
    let group = &page[page[..review].rfind("<g").unwrap()..review];
    assert!(group.contains("baton-executed"), "{group}");
}
