//! Process assertions, scenarios and recordings for testing BPMN processes with `cargo test`.
//!
//! Today this crate re-exports the engine's parser and validator so that tests can already check
//! that their models are sound:
//!
//! ```
//! use baton_testkit::{parse, validate};
//!
//! let xml = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
//!   <process id="p"><startEvent id="s" /><sequenceFlow id="f" sourceRef="s" targetRef="e" />
//!   <endEvent id="e" /></process></definitions>"#;
//! let problems = validate::validate(&parse::parse(xml)?);
//! assert!(problems.iter().all(|p| !p.is_error()));
//! # Ok::<(), baton_testkit::Error>(())
//! ```
//!
//! The test engine, fluent assertions (`assert_that(&t, &order).is_waiting_at(..)`), scenarios
//! and run recordings come with the runtime; see the project's issue list.

pub use baton_engine::{Error, model, parse, validate};
