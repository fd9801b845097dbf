//! 10,000 run files over 20 processes merged into a site.
//!
//! `BATON_BENCH_DIR=/dev/shm cargo bench -p baton-report --bench site` — target: under 3
//! seconds on one core, and linear in the number of runs (compare the 1,000 and 10,000
//! figures). Without `BATON_BENCH_DIR` the workspace is in the system's temporary directory, and
//! a slow disk's time to create ten thousand files shows in the figures.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails by panicking

use std::path::{Path, PathBuf};

use baton_engine::record::{Harness, Model, Outcome, Run, RunInstance, Status, Verdict, Verdicts};
use baton_engine::runtime::{Engine, Variables};
use baton_report::coverage::sha256;

fn main() {
    divan::main();
}

const PROCESSES: usize = 20;

/// A workspace with 20 copies of the benchmark model (one process each) and `runs` run files,
/// spread over the processes, half taking the failure path.
fn workspace(runs: usize) -> PathBuf {
    // BATON_BENCH_DIR puts the workspace elsewhere, e.g. on tmpfs (`/dev/shm`) to measure
    // Baton's own work apart from the disk's speed at creating ten thousand files.
    let base = std::env::var_os("BATON_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let root = base.join(format!("baton-bench-site-{runs}-{}", std::process::id()));
    if root.join("runs").is_dir() {
        return root;
    }
    std::fs::create_dir_all(root.join("models")).unwrap();
    std::fs::create_dir_all(root.join("runs")).unwrap();
    let original = include_str!("../../../shared/bench/order.bpmn");
    let mut models = Vec::new();
    for p in 0..PROCESSES {
        let id = format!("order_{p}");
        let text = original.replace("order_fulfillment", &id);
        let path = format!("models/{id}.bpmn");
        std::fs::write(root.join(&path), &text).unwrap();
        let mut engine = Engine::new();
        engine.deploy(baton_engine::parse::parse(&text).unwrap()).unwrap();
        for task in ["Task_PayItem", "Task_FetchItem", "Task_ShipItem"] {
            engine.register(task, |_| Ok(Variables::new()));
        }
        models.push((id, path, sha256(&text), engine));
    }
    for n in 0..runs {
        let (id, path, sha, engine) = &models[n % PROCESSES];
        let mut engine = Engine::restore(&engine.snapshot()).unwrap();
        for task in ["Task_PayItem", "Task_FetchItem", "Task_ShipItem"] {
            engine.register(task, |_| Ok(Variables::new()));
        }
        let instance = engine.start(id, [("paymentFailed".to_string(), (n % 2 == 0).into())].into()).unwrap();
        let run = Run {
            schema: baton_engine::record::SCHEMA,
            test: format!("suite::test_{n:05}"),
            binary: "suite-0f1e2d3c4b5a6978".into(),
            outcome: if n % 97 == 0 { Outcome::Panicked { message: "boom".into() } } else { Outcome::Finished },
            models: vec![Model {
                path: Some(path.clone()),
                sha256: sha.clone(),
                processes: vec![id.clone()],
                mock: false,
            }],
            instances: vec![RunInstance {
                id: instance.clone(),
                process: id.clone(),
                state: engine.instance_state(&instance).unwrap(),
            }],
            trace: engine.trace().to_vec(),
        };
        std::fs::write(root.join("runs").join(format!("run-{n:05}.json")), serde_json::to_vec(&run).unwrap()).unwrap();
    }
    // The harness's verdicts beside them, as `cargo baton test` writes them.
    let verdicts = Verdicts {
        schema: baton_engine::record::SCHEMA,
        harness: Harness::CargoTest,
        tests: (0..runs)
            .map(|n| Verdict {
                binary: "suite-0f1e2d3c4b5a6978".into(),
                test: format!("suite::test_{n:05}"),
                status: if n % 97 == 0 { Status::Failed } else { Status::Passed },
                output: (n % 97 == 0).then(|| "thread 'x' panicked: boom".to_owned()),
            })
            .collect(),
        problems: Vec::new(),
    };
    baton_engine::record::write_verdicts(&root.join("runs"), &verdicts).unwrap();
    root
}

/// A site built into an empty directory, as CI does on a fresh checkout.
fn build_fresh(bencher: divan::Bencher<'_, '_>, runs: usize) {
    let root = workspace(runs);
    let out = root.join("site");
    bencher
        .with_inputs(|| {
            // Untimed: the previous sample's site is removed before each build.
            let _ = std::fs::remove_dir_all(&out);
        })
        .bench_values(|()| baton_report::site::build(Path::new(&root), &[root.join("runs")], &out).unwrap().runs);
}

#[divan::bench(sample_count = 3)]
fn site_from_1_000_runs(bencher: divan::Bencher<'_, '_>) {
    build_fresh(bencher, 1_000);
}

#[divan::bench(sample_count = 3)]
fn site_from_10_000_runs(bencher: divan::Bencher<'_, '_>) {
    build_fresh(bencher, 10_000);
}

/// The same runs merged again over the previous site, as `cargo baton test` does locally:
/// every page is checked, none needs writing.
#[divan::bench(sample_count = 3)]
fn site_rebuilt_from_10_000_runs(bencher: divan::Bencher<'_, '_>) {
    let root = workspace(10_000);
    let out = root.join("site");
    baton_report::site::build(Path::new(&root), &[root.join("runs")], &out).unwrap();
    bencher.bench(|| baton_report::site::build(Path::new(&root), &[root.join("runs")], &out).unwrap().runs);
}
