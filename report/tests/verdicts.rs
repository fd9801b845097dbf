//! `cargo baton test` on a user's crate outside this workspace (`fixtures/claims`): the report
//! gives every test the verdict cargo's harness gave, however the test ended.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The fixture crate, laid out as a user's own crate, outside this workspace: the testkit by
/// path, this workspace's lock file so that it builds offline with the same versions.
fn claims_crate() -> PathBuf {
    let root = workspace();
    let dir = root.join("target").join("baton-fixtures").join("claims");
    let _ = std::fs::remove_dir_all(dir.join("tests"));
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claims"), &dir);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml.in")).unwrap();
    let testkit = root.join("testkit").display().to_string().replace('\\', "/");
    std::fs::write(dir.join("Cargo.toml"), manifest.replace("@TESTKIT@", &testkit)).unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

/// A command with none of this test run's own cargo, nextest or Baton settings.
fn clean(mut command: Command) -> Command {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("NEXTEST") || key.starts_with("BATON_") || key == "CARGO_TARGET_DIR" || key == "RUSTFLAGS" {
            command.env_remove(&*key);
        }
    }
    command.env("CARGO_NET_OFFLINE", "true").env("CARGO_TERM_COLOR", "never");
    command
}

#[test]
fn the_report_gives_each_test_the_harness_verdict() {
    let krate = claims_crate();
    let out = krate.join("target").join("site");
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-baton"));
    command.args(["baton", "test", "--out"]).arg(&out).current_dir(&krate);
    let result = clean(command).output().unwrap();
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert_eq!(result.status.code(), Some(1), "tests failed, so cargo baton test fails:\n{stdout}");

    // What cargo's harness said, as it printed it.
    let mut harness: Vec<(String, &str)> = Vec::new();
    let mut binary = String::new();
    for line in stdout.lines() {
        if let Some(path) = line.trim().strip_prefix("Running tests/") {
            binary = path.split(".rs").next().unwrap().to_owned();
        }
        if let Some((test, result)) = line.strip_prefix("test ").and_then(|l| l.rsplit_once(" ... ")) {
            let verdict = match result {
                "ok" => "passed",
                "FAILED" => "failed",
                r if r.starts_with("ignored") => "ignored",
                other => panic!("unexpected result {other}"),
            };
            harness.push((format!("{binary}::{test}"), verdict));
        }
    }
    harness.sort();
    assert_eq!(
        harness,
        [
            ("claims::checked_for_fraud".to_owned(), "ignored"),
            ("claims::fails_before_any_engine".to_owned(), "failed"),
            ("claims::fails_by_assertion".to_owned(), "failed"),
            ("claims::fails_by_question_mark".to_owned(), "failed"),
            ("claims::handler_panics".to_owned(), "failed"),
            ("claims::small_claims_are_approved".to_owned(), "passed"),
            ("review::small_claims_are_approved".to_owned(), "passed"),
        ],
        "{stdout}"
    );

    // The report says exactly the same, test by test.
    check_report(&out, &harness);

    // The same crate under cargo-nextest, where each test runs in its own process: the same
    // verdicts. (One test, not two: both would share the crate's runs directory.)
    let has_nextest =
        Command::new(env!("CARGO")).args(["nextest", "--version"]).output().is_ok_and(|o| o.status.success());
    if !has_nextest {
        assert!(std::env::var_os("CI").is_none(), "CI machines have cargo-nextest");
        eprintln!("skipping the nextest half: cargo-nextest is not installed");
        return;
    }
    let out = krate.join("target").join("site-nextest");
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-baton"));
    command.args(["baton", "test", "--nextest", "--out"]).arg(&out).current_dir(&krate);
    let result = clean(command).output().unwrap();
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert_eq!(result.status.code(), Some(1), "{stdout}{}", String::from_utf8_lossy(&result.stderr));
    assert!(stdout.contains("baton: running cargo nextest run"), "{stdout}");
    check_report(&out, &harness);
}

/// The report's verdicts, messages and pages, whichever harness ran the tests.
fn check_report(out: &Path, harness: &[(String, &str)]) {
    let coverage: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap()).unwrap();
    let mut reported: Vec<(String, &str)> = coverage["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap().to_owned(), t["verdict"].as_str().unwrap()))
        .collect();
    reported.sort();
    assert_eq!(reported, harness);
    let test = |id: &str| coverage["tests"].as_array().unwrap().iter().find(|t| t["id"] == id).unwrap().clone();
    let question_mark = test("claims::fails_by_question_mark");
    let message = question_mark["message"].as_str().unwrap();
    assert!(message.starts_with("Error: instance claim#1 has no user task at \"Review claim\""), "{message}");
    assert_eq!(question_mark["instances"], 1, "its run is joined to it");
    assert!(!message.contains("{ "), "no struct dump: {message}");
    let before = test("claims::fails_before_any_engine");
    assert!(before["message"].as_str().unwrap().contains("processes/claims-v2.bpmn"), "{before}");
    assert_eq!(before["runs"].as_array().unwrap().len(), 0, "it failed before any engine: no run, no diagram");
    let panicked = test("claims::handler_panics");
    assert!(panicked["message"].as_str().unwrap().contains("the claims database is down"), "{panicked}");
    // Two tests of the same name in two binaries stay two tests, shown by their full names.
    assert_eq!(test("review::small_claims_are_approved")["test"], "review::small_claims_are_approved");
    assert_eq!(test("claims::fails_by_assertion")["test"], "fails_by_assertion");

    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains(r#"<b id="verdicts"><span class="pass">2</span> / <span class="fail">4</span></b>"#),
        "{index}"
    );
    let page = std::fs::read_to_string(out.join(format!("test-{}.html", before["index"]))).unwrap();
    assert!(page.contains("This test ran no process") && page.contains("claims-v2.bpmn"), "{page}");
}
