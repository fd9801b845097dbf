//! What the conformance suites share: an engine with fixtures of one area deployed, variables
//! from JSON, and starting a model's first process.

#![allow(dead_code)] // each suite uses its part of it

use baton_engine::parse::parse_file;
use baton_engine::runtime::{Engine, Variables};

/// Deploys `tests/fixtures/conformance/<area>/<file>` into `engine`.
pub fn deploy(engine: &mut Engine, area: &str, file: &str) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conformance").join(area).join(file);
    let definitions = parse_file(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    engine.deploy(definitions).unwrap_or_else(|e| panic!("{file}: {e}"));
}

/// A new engine with these fixtures of `area` deployed, in order.
pub fn engine(area: &str, files: &[&str]) -> Engine {
    let mut engine = Engine::new();
    for file in files {
        deploy(&mut engine, area, file);
    }
    engine
}

/// Variables from a JSON object.
pub fn vars(value: serde_json::Value) -> Variables {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("not variables: {e}"))
}

/// Starts the first process deployed.
pub fn start(engine: &mut Engine, variables: serde_json::Value) -> String {
    let process = engine.deployed_processes().remove(0);
    engine.start(&process, vars(variables)).unwrap_or_else(|e| panic!("{e}"))
}
