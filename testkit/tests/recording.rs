//! Run files under parallel tests: one per engine, complete, parseable, never clashing.
//!
//! The test re-runs this very test binary with eight threads and a fresh `BATON_RUNS_DIR`,
//! executing the ignored `worker_*` tests below, then reads what they wrote.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_testkit::prelude::*;
use baton_testkit::record::{Outcome, SCHEMA, read_runs};

fn worker(n: usize) {
    let mut t = TestEngine::deploy_file("engine/tests/fixtures/runtime/sequence.bpmn").unwrap();
    let order = t.start("sequence", vars! { "amount": n }).unwrap();
    t.job(&order, "Pay item").unwrap().complete(vars! { "receipt": n }).unwrap();
    if n == 8 {
        // One test fails: its run file must say so, with the message.
        assert_that(&t, &order).is_ended();
    }
}

#[test]
#[ignore = "run by parallel_tests_write_one_run_file_per_engine"]
fn worker_1() {
    worker(1)
}
#[test]
#[ignore = "run by parallel_tests_write_one_run_file_per_engine"]
fn worker_2() {
    worker(2)
}
#[test]
#[ignore = "run by parallel_tests_write_one_run_file_per_engine"]
fn worker_3() {
    worker(3)
}
#[test]
#[ignore = "run by parallel_tests_write_one_run_file_per_engine"]
fn worker_4() {
    worker(4)
}
#[test]
#[ignore = "run by parallel_tests_write_one_run_file_per_engine"]
fn worker_5() {
    worker(5)
}
#[test]
#[ignore = "run by parallel_tests_write_one_run_file_per_engine"]
fn worker_6() {
    worker(6)
}
#[test]
#[ignore = "run by parallel_tests_write_one_run_file_per_engine"]
fn worker_7() {
    worker(7)
}
#[test]
#[ignore = "run by parallel_tests_write_one_run_file_per_engine"]
fn worker_8() {
    worker(8)
}

#[test]
fn parallel_tests_write_one_run_file_per_engine() {
    let dir = std::env::temp_dir().join(format!("baton-runs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--test-threads=8", "worker_"])
        .env("BATON_RUNS_DIR", &dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "worker_8 fails on purpose");

    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 8, "one file per engine, no temporary files left: {names:?}");
    let runs = read_runs(&dir).unwrap();
    assert_eq!(runs.len(), 8);
    let mut tests: Vec<&str> = runs.iter().map(|r| r.test.as_str()).collect();
    tests.sort_unstable();
    assert_eq!(tests, ["worker_1", "worker_2", "worker_3", "worker_4", "worker_5", "worker_6", "worker_7", "worker_8"]);
    for run in &runs {
        assert_eq!(run.schema, SCHEMA);
        let exe = std::env::current_exe().unwrap();
        assert_eq!(run.binary, exe.file_stem().unwrap().to_string_lossy(), "the binary as cargo test names it");
        assert_eq!(run.models.len(), 1);
        assert_eq!(run.models[0].path.as_deref(), Some("engine/tests/fixtures/runtime/sequence.bpmn"));
        assert_eq!(run.models[0].sha256.len(), 64);
        assert_eq!(run.instances.len(), 1);
        assert!(run.trace.len() > 10, "the full trace is there");
        match (&run.outcome, run.test.as_str()) {
            (Outcome::Panicked { message }, "worker_8") => {
                assert!(message.starts_with("instance sequence#1 has not ended"), "{message}")
            }
            (Outcome::Finished, name) if name != "worker_8" => {}
            (outcome, name) => panic!("{name}: unexpected {outcome:?}"),
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
