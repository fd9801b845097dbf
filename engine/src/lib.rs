//! Parse, validate and run BPMN 2.0 processes, deterministically.
//!
//! ```text
//! .bpmn ─ parse ─▶ Definitions ─ validate ─▶ [Problem]
//!                      │
//!              Engine::deploy ─▶ start · complete · correlate · advance ─▶ Trace
//! ```
//!
//! Baton's engine reads the process models that business and developers draw together (Camunda
//! Modeler, bpmn.io, or any BPMN 2.0 tool), checks them like a compiler (every problem at once,
//! each with a stable code, the element id, its line and column, and a hint), and runs them on a
//! virtual clock: one agenda, no wall clock, no randomness, so the same inputs always give the
//! same [`trace`]. See [`runtime`] for running models and handlers.
//!
//! ```
//! let definitions = baton_engine::parse::parse(r#"
//!   <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
//!     <bpmn:process id="order" isExecutable="true">
//!       <bpmn:startEvent id="start"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>
//!       <bpmn:sequenceFlow id="f" sourceRef="start" targetRef="end" />
//!       <bpmn:endEvent id="end"><bpmn:incoming>f</bpmn:incoming></bpmn:endEvent>
//!     </bpmn:process>
//!   </bpmn:definitions>"#)?;
//! let problems = baton_engine::validate::validate(&definitions);
//! // No errors; one warning: the file has no diagram to draw.
//! assert!(problems.iter().all(|p| !p.is_error()));
//! # Ok::<(), baton_engine::Error>(())
//! ```

pub mod model; // what a process is: nodes, flows, events, DI
pub mod parse; // XML → model, with positions, safely
pub mod validate; // model → every problem at once
pub mod runtime; // tokens on one deterministic agenda
pub mod clock; // virtual time: timer definitions
pub mod expr; // FEEL / JUEL: parse, evaluate, or plug in another language
pub mod trace; // what happened, in order: the single source of truth
pub mod record; // run files: what a test did, for the report
mod error; // the one error type

pub use error::{Error, Location};
