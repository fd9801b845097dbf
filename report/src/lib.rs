//! Living documentation for BPMN processes: diagrams, coverage, and the `cargo baton` CLI.
//!
//! ```text
//! .bpmn files ─ check ─▶ [FileReport] ─ diagnostics ─▶ rustc-style text · JSON
//! ```
//!
//! Today the crate checks models (`cargo baton validate`) and runs a project's tests with
//! recording switched on (`cargo baton test`). Drawing diagrams from DI, merging run files into
//! coverage and the HTML site come next; `report` will read run files and never link `testkit`,
//! so any tool that writes the format can feed it.

pub mod check; // files → parsed, validated FileReports
pub mod diagnostics; // FileReports → text for people, JSON for tools
pub mod workspace; // where things are: .bpmn files, the target dir, the runs dir
