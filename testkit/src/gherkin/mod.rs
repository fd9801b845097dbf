//! Gherkin feature files run on the engine with no glue code: a cucumber [`World`](cucumber::World)
//! and a step library in BPMN terms (enable the `gherkin` feature).
//!
//! ```text
//! features/*.feature ─ cucumber (parse, tags, outlines) ─▶ steps (this module) ─▶ TestEngine ─▶ run files
//! ```
//!
//! Names in quotes are the element, process or message names as the diagram shows them (or ids);
//! "the process" is the scenario's current instance, the one it started last.
//!
//! ```gherkin
//! Feature: Dash button order
//!   Background:
//!     Given the model "processes/order.bpmn"
//!
//!   Scenario: a paid order is shipped
//!     When "Dash button order" is started with:
//!       | item   | coffee |
//!       | amount | 25     |
//!     And "Charge credit card" is completed
//!     Then the process is waiting at "Fetch item"
//! ```
//!
//! Every phrasing is listed in [`PHRASES`]; a step that matches none fails with the closest
//! ones. A test target with `harness = false` runs a folder of features with [`run`]:
//!
//! ```no_run
//! // tests/features.rs, with `[[test]] name = "features" harness = false` in Cargo.toml
//! baton_testkit::gherkin::run(concat!(env!("CARGO_MANIFEST_DIR"), "/features"));
//! ```

mod phrases; // every phrasing, and the closest ones to a step that matches none
mod steps; // the step library: #[given]/#[when]/#[then]
mod unmatched; // a writer that fails an unmatched step with the closest phrasings
mod world; // BpmnWorld: the engine, the current instance, where the feature lives

use std::path::Path;
use std::sync::{Arc, Mutex};

pub use phrases::{PHRASES, unmatched};
pub use unmatched::Unmatched;
pub use world::{BpmnWorld, Failure, values};

/// The cucumber crate the library runs on, so a crate adding its own steps needs no
/// dependency of its own for it.
pub use cucumber;

/// Runs the feature files under `features` (a file or a folder) with the step library, prints
/// cucumber's report and summary, and exits the process: non-zero when a scenario failed. The
/// command line is cucumber's (`--tags @smoke`, `--name`, `--fail-fast`, ...).
///
/// Scenarios run one at a time, in file order, so run files are numbered the same on every run.
pub fn run(features: impl AsRef<Path>) {
    block_on(run_features(features.as_ref()));
}

async fn run_features(features: &Path) {
    use cucumber::event::ScenarioFinished;
    use cucumber::writer::Stats as _;
    use cucumber::{World as _, WriterExt as _};
    let verdicts: Arc<Mutex<Vec<Verdict>>> = Arc::default();
    let recorded = Arc::clone(&verdicts);
    let writer = BpmnWorld::cucumber()
        .max_concurrent_scenarios(1)
        .before(|feature, _rule, scenario, world| {
            Box::pin(async move {
                world.begin(feature, scenario);
            })
        })
        .after(move |feature, _rule, scenario, finished, _world| {
            // A skipped step is one that matched no phrasing: `Unmatched` fails it.
            let failure = match finished {
                ScenarioFinished::StepPassed => None,
                ScenarioFinished::StepSkipped => Some("a step matches no phrasing (see above)".to_owned()),
                ScenarioFinished::StepFailed(_, _, error) => Some(error.to_string()),
                ScenarioFinished::BeforeHookFailed(_) => Some("the scenario could not begin".to_owned()),
            };
            let name = world::scenario_name(feature, scenario);
            let recorded = Arc::clone(&recorded);
            Box::pin(async move {
                recorded.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(Verdict { name, failure });
            })
        })
        .with_writer(Unmatched::new(cucumber::writer::Basic::stdout().summarized()))
        .run(features)
        .await;
    let verdicts = std::mem::take(&mut *verdicts.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    print!("{}", libtest_lines(&verdicts));
    if writer.execution_has_failed() {
        // cucumber has printed the failures and the summary; a panic would add a backtrace.
        std::process::exit(1);
    }
}

/// One scenario's verdict, as cucumber gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Verdict {
    name: String,
    failure: Option<String>,
}

/// The scenarios' verdicts in libtest's words (`test <name> ... ok|FAILED`, then each failure's
/// `---- <name> stdout ----` section), after cucumber's own report: `cargo baton test` reads
/// every test binary's verdicts from these lines, so a scenario gets its harness's verdict in
/// the report like any test.
fn libtest_lines(verdicts: &[Verdict]) -> String {
    use std::fmt::Write as _;
    let mut out = format!("\nrunning {} tests\n", verdicts.len());
    for v in verdicts {
        writeln!(out, "test {} ... {}", v.name, if v.failure.is_some() { "FAILED" } else { "ok" }).ok();
    }
    let failed: Vec<&Verdict> = verdicts.iter().filter(|v| v.failure.is_some()).collect();
    if !failed.is_empty() {
        out.push_str("\nfailures:\n\n");
        for v in &failed {
            writeln!(out, "---- {} stdout ----\n{}\n", v.name, v.failure.as_deref().unwrap_or_default()).ok();
        }
        out.push_str("\nfailures:\n");
        for v in &failed {
            writeln!(out, "    {}", v.name).ok();
        }
    }
    let passed = verdicts.len() - failed.len();
    writeln!(
        out,
        "\ntest result: {}. {passed} passed; {} failed; 0 ignored; 0 measured; 0 filtered out\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len()
    )
    .ok();
    out
}

/// Drives a future to its end on this thread: the steps never wait on anything outside the
/// engine, so no async runtime is needed.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    struct Thread(std::thread::Thread);
    impl Wake for Thread {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(Arc::new(Thread(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_read_as_libtest_writes_them() {
        let verdicts = [
            Verdict { name: "Order: shipped".into(), failure: None },
            Verdict { name: "Order: declined".into(), failure: Some("step failed: not waiting".into()) },
        ];
        let text = libtest_lines(&verdicts);
        assert!(text.contains("test Order: shipped ... ok\ntest Order: declined ... FAILED\n"), "{text}");
        assert!(text.contains("---- Order: declined stdout ----\nstep failed: not waiting\n"), "{text}");
        assert!(text.contains("test result: FAILED. 1 passed; 1 failed;"), "{text}");
    }
}
