//! Living documentation for BPMN processes: diagrams, coverage, and the `cargo baton` CLI.
//!
//! ```text
//! .bpmn files ─ check ─▶ [FileReport] ─ diagnostics ─▶ rustc-style text · JSON
//! cargo test ─ harness ─▶ verdicts.json ─┐
//! run files ─┬─ coverage ─▶ Coverage ─┬─ site ─▶ index.html · process-*.html · test-*.html · coverage.json
//! .bpmn files┘                        └─ render (DI → SVG, executed paths, heat map)
//! ```
//!
//! `report` reads run files (the format of `baton_engine::record`) and never links the
//! testkit, so any tool that writes the format can feed it.

pub mod check; // files → parsed, validated FileReports
pub mod diagnostics; // FileReports → text for people, JSON for tools
pub mod render; // BPMN DI → SVG like bpmn-js, with executed paths highlighted
pub mod harness; // cargo test / nextest → the harness's verdict on every test
pub mod coverage; // run files + models → what the tests reached, per process
pub mod site; // coverage + runs + models → a self-contained static site
pub mod workspace; // where things are: .bpmn files, the target dir, the runs dir
pub mod config; // baton.toml / [*.metadata.baton]: what runs, what the report shows
