//! `cargo baton validate` as a user runs it: rustc-like text, JSON, exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::path::PathBuf;
use std::process::{Command, Output};

fn cargo_baton(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-baton"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs cargo-baton")
}

fn fixture(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path).display().to_string()
}

#[test]
fn errors_are_shown_like_rustc_and_exit_1() {
    // Invoked as cargo does it for `cargo baton validate`: with `baton` as the first argument.
    let out = cargo_baton(&["baton", "validate", "tests/fixtures/dangling.bpmn"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    insta::assert_snapshot!(stdout, @r#"
    warning[B2005]: the file has no diagram (BPMN DI): reports can list its elements but not draw them
     --> tests/fixtures/dangling.bpmn:3:3
      |
    3 |   <bpmn:process id="order" isExecutable="true">
      |   ^^^^^^^^^^^^^
      |
      = help: open and save it in a BPMN modeler to lay it out

    error[B0103]: sequence flow `f1` has target `Task_Ship`, which does not exist
     --> tests/fixtures/dangling.bpmn:5:5
      |
    5 |     <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="Task_Ship" />
      |     ^^^^^^^^^^^^^^^^^^ element `f1`
      |
      = help: connect the flow to an existing flow node of the same process (use a message flow between pools)

    1 file checked: 1 error, 1 warning
    "#);
}

#[test]
fn clean_models_exit_0_and_json_is_for_tools() {
    let clean = fixture("../examples/processes/order.bpmn");
    let out = cargo_baton(&["validate", &clean]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("1 file checked: 0 errors, 0 warnings\n"));

    let out = cargo_baton(&["validate", "--format", "json", "tests/fixtures/dangling.bpmn", &clean]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["errors"], 1);
    assert_eq!(json["files"].as_array().map(Vec::len), Some(2));
    let problems = json["files"][0]["problems"].as_array().expect("problems");
    let first = problems.iter().find(|p| p["severity"] == "error").expect("an error");
    assert_eq!(first["code"], "B0103");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["element"], "f1");
    assert_eq!(first["position"]["line"], 5);
    assert_eq!(first["position"]["column"], 5);
}

#[test]
fn strict_counts_warnings_as_errors_and_says_so() {
    // Deployable in Camunda 7 and in Baton, with two implicit ends: warnings only.
    let warned = fixture("../engine/tests/fixtures/conformance/deploy/implicit_end.c7.bpmn");
    let out = cargo_baton(&["validate", &warned]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.ends_with("1 file checked: 0 errors, 2 warnings\n"), "{stdout}");

    let out = cargo_baton(&["validate", "--strict", &warned]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("warning[B2007]"), "the problems keep their own severity: {stdout}");
    assert!(
        stdout.ends_with("1 file checked: 0 errors, 2 warnings (--strict: warnings count as errors)\n"),
        "{stdout}"
    );

    let out = cargo_baton(&["validate", "--strict", "--format", "json", &warned]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(
        (json["errors"].as_u64(), json["warnings"].as_u64(), json["strict"].as_bool()),
        (Some(0), Some(2), Some(true))
    );

    // A model without any problem passes the strict check too.
    let clean = fixture("../examples/processes/order.bpmn");
    assert_eq!(cargo_baton(&["validate", "--strict", &clean]).status.code(), Some(0));
}

#[test]
fn unreadable_files_are_errors_with_their_code() {
    let out = cargo_baton(&["validate", "tests/fixtures/no-such-file.bpmn"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("error[B0007]: "), "{stdout}");
    assert!(stdout.contains("cannot read the file"), "{stdout}");
}

#[test]
fn usage_errors_exit_2() {
    let out = cargo_baton(&["validate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn render_writes_svg_files() {
    let out = std::env::temp_dir().join(format!("baton-render-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let target = out.join("order.svg");
    let model = fixture("../examples/processes/order.bpmn");
    let result = cargo_baton(&["render", &model, "-o", &target.display().to_string()]);
    assert_eq!(result.status.code(), Some(0), "{}", String::from_utf8_lossy(&result.stderr));
    let svg = std::fs::read_to_string(&target).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains(r#"data-element-id="Activity_ChargeCreditCard""#));
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn report_fails_under_a_coverage_floor() {
    use baton_engine::record::{Model, Outcome, Run, RunInstance};
    // A project of its own (this workspace's settings show only the examples).
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    let root = std::env::temp_dir().join(format!("baton-floor-root-{}", std::process::id()));
    let path = "processes/exclusive.bpmn";
    std::fs::create_dir_all(root.join("processes")).unwrap();
    std::fs::copy(workspace.join("engine/tests/fixtures/runtime/exclusive.bpmn"), root.join(path)).unwrap();
    let text = std::fs::read_to_string(root.join(path)).unwrap();
    let mut engine = baton_engine::runtime::Engine::new();
    engine.deploy(baton_engine::parse::parse(&text).unwrap()).unwrap();
    let instance = engine.start("exclusive", [("amount".to_string(), 5.into())].into()).unwrap();
    let run = Run {
        schema: baton_engine::record::SCHEMA,
        test: "small".into(),
        binary: "floor-0f1e2d3c4b5a6978".into(),
        outcome: Outcome::Finished,
        models: vec![Model {
            path: Some(path.into()),
            sha256: baton_report::coverage::sha256(&text),
            processes: vec!["exclusive".into()],
            mock: false,
        }],
        instances: vec![RunInstance {
            id: instance.clone(),
            process: "exclusive".into(),
            state: engine.instance_state(&instance).unwrap(),
        }],
        trace: engine.trace().to_vec(),
    };
    let runs = std::env::temp_dir().join(format!("baton-floor-runs-{}", std::process::id()));
    std::fs::create_dir_all(&runs).unwrap();
    std::fs::write(runs.join("small.json"), serde_json::to_string(&run).unwrap()).unwrap();
    let out = runs.join("site");
    let report = |floor: &str| {
        Command::new(env!("CARGO_BIN_EXE_cargo-baton"))
            .args([
                "report",
                "--runs",
                &runs.display().to_string(),
                "--out",
                &out.display().to_string(),
                "--fail-under",
                floor,
            ])
            .current_dir(&root)
            .output()
            .unwrap()
    };
    // start, amount, small reached: 3 of 7 flow nodes.
    let low = report("50");
    assert_eq!(low.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&low.stderr).contains("flow-node coverage 42.9% is under --fail-under 50%"));
    assert_eq!(report("40").status.code(), Some(0));
    assert!(out.join("index.html").exists());
    std::fs::remove_dir_all(&runs).ok();
    std::fs::remove_dir_all(&root).ok();
}
