//! Process assertions, scenarios and recordings for testing BPMN processes with `cargo test`.
//!
//! ```
//! use baton_testkit::prelude::*;
//!
//! # fn main() -> TestResult {
//! let mut t = TestEngine::deploy_str(r#"
//!   <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
//!     <process id="order" isExecutable="true">
//!       <startEvent id="start" name="Button pressed" />
//!       <sequenceFlow id="f1" sourceRef="start" targetRef="charge" />
//!       <serviceTask id="charge" name="Charge credit card" />
//!       <boundaryEvent id="declined" name="Card declined" attachedToRef="charge">
//!         <errorEventDefinition errorRef="card" />
//!       </boundaryEvent>
//!       <sequenceFlow id="f2" sourceRef="charge" targetRef="paid" />
//!       <endEvent id="paid" name="Paid" />
//!       <sequenceFlow id="f3" sourceRef="declined" targetRef="wait" />
//!       <intermediateCatchEvent id="wait" name="Wait for new card">
//!         <timerEventDefinition><timeDuration>P7D</timeDuration></timerEventDefinition>
//!       </intermediateCatchEvent>
//!       <sequenceFlow id="f4" sourceRef="wait" targetRef="charge" />
//!     </process>
//!     <error id="card" errorCode="CARD_DECLINED" />
//!   </definitions>"#)?;
//! let order = t.start("order", vars! { "item": "coffee", "amount": 25 })?;
//! t.job(&order, "Charge credit card")?.throw_error("CARD_DECLINED")?;
//! assert_that(&t, &order).is_waiting_at("Wait for new card").has_passed("Card declined");
//! t.advance("P7D")?; // virtual time: instant
//! assert_that(&t, &order).is_waiting_at("Charge credit card");
//! t.job(&order, "Charge credit card")?.complete(vars! {})?;
//! assert_that(&t, &order).is_ended_at("Paid").has_passed_times("Charge credit card", 1);
//! # Ok(())
//! # }
//! ```
//!
//! - [`TestEngine`]: deploy, start, act at wait states, cancel, move or set the virtual clock;
//!   elements by id or unique name; engine-wide lists of open jobs ([`JobQuery`]), event
//!   subscriptions and waiting conditions.
//! - [`assert_that`]: assertions in camunda-bpm-assert's vocabulary, failing with the real state.
//! - [`Scenario`]: actions per wait state, run to the end (camunda-bpm-scenario style).
//! - [`record`]: every `TestEngine` writes a run file when dropped, for `cargo baton` reports.
//! - [`Trace`]: a snapshot-friendly trace, `insta::assert_yaml_snapshot!(t.trace(&order))`.

mod engine; // TestEngine: short names for the engine
mod assert; // fluent assertions with state reports
mod state; // how an instance stands, in words: one text for assertions and errors
mod query; // engine-wide lists of open jobs and user tasks
mod scenario; // actions per wait state
pub mod record; // run files for the report
mod view; // snapshot-friendly traces
mod vars; // vars! and serde conversions
mod error; // the one error type
mod message; // messages by business key and variable values, Zeebe message ids
mod modify; // start anywhere, modify running instances
#[cfg(feature = "gherkin")]
pub mod gherkin; // feature files on the engine: a cucumber World and steps in BPMN terms

pub use assert::{JobAssert, Names, ProcessAssert, UserTaskAssert, VariableAssert, assert_that, expect_failure};
pub use baton_engine::runtime::{
    ConditionInfo, HandlerError, HandlerFuture, JobClient, JobInfo, SubscriptionInfo, SubscriptionKind, Variables,
};
pub use baton_engine::{model, parse, validate};
pub use engine::{Advance, ClockInstant, Deployment, Instance, Job, TestEngine};
pub use error::Error;
pub use message::Message;
pub use modify::{Modify, Start};
pub use query::JobQuery;
pub use scenario::{Scenario, ScenarioRun, WaitState, complete, defer};
pub use vars::to_vars;
pub use view::Trace;

/// What a test returns, so it can use `?` on every step.
pub type TestResult = Result<(), Error>;

#[doc(hidden)]
pub use serde_json::json as __json;

/// The time library of the virtual clock (`jiff::Span` for back-offs and `advance`,
/// `jiff::Timestamp` for `set_clock`), so a test needs no dependency of its own for it.
pub use jiff;

/// Everything a test needs: `use baton_testkit::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Error, HandlerError, Instance, JobClient, Scenario, TestEngine, TestResult, Variables, assert_that, complete,
        defer, expect_failure, to_vars, vars,
    };
}
