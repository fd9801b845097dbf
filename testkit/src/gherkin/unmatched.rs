//! [`Unmatched`]: cucumber marks a step that matches no step function as skipped; this writer
//! turns it into a failure that names the closest phrasings, so a typo never passes unnoticed.

use std::sync::Arc;

use cucumber::event::{Cucumber, Feature, RetryableScenario, Rule, Scenario, Source, Step, StepError};
use cucumber::{Event, World, Writer, parser, writer};

/// A [`Writer`] wrapper that fails every step no phrasing matches, with
/// [`super::unmatched`]'s text, and passes every other event on unchanged.
#[derive(Debug)]
pub struct Unmatched<W> {
    writer: W,
}

impl<W> Unmatched<W> {
    /// Wraps a writer (cucumber's default is `writer::Basic::stdout().summarized()`).
    pub fn new(writer: W) -> Self {
        Unmatched { writer }
    }
}

fn failed<W>(step: &Source<cucumber::gherkin::Step>) -> Step<W> {
    let text: Arc<dyn std::any::Any + Send> = Arc::new(super::unmatched(step));
    Step::Failed(None, None, None, StepError::Panic(text))
}

impl<W: World, Wr: Writer<W>> Writer<W> for Unmatched<Wr> {
    type Cli = Wr::Cli;

    async fn handle_event(&mut self, event: parser::Result<Event<Cucumber<W>>>, cli: &Self::Cli) {
        let event = event.map(|outer| {
            outer.map(|ev| match ev {
                Cucumber::Feature(f, Feature::Scenario(sc, RetryableScenario { event, retries })) => {
                    Cucumber::Feature(f, Feature::Scenario(sc, RetryableScenario { event: fail(event), retries }))
                }
                Cucumber::Feature(f, Feature::Rule(r, Rule::Scenario(sc, RetryableScenario { event, retries }))) => {
                    let event = fail(event);
                    Cucumber::Feature(f, Feature::Rule(r, Rule::Scenario(sc, RetryableScenario { event, retries })))
                }
                other => other,
            })
        });
        self.writer.handle_event(event, cli).await;
    }
}

/// A skipped step or background step, failed; any other scenario event as it is.
fn fail<W>(event: Scenario<W>) -> Scenario<W> {
    match event {
        Scenario::Step(st, Step::Skipped) => {
            let failure = failed(&st);
            Scenario::Step(st, failure)
        }
        Scenario::Background(st, Step::Skipped) => {
            let failure = failed(&st);
            Scenario::Background(st, failure)
        }
        other => other,
    }
}

impl<W, Wr, Val> writer::Arbitrary<W, Val> for Unmatched<Wr>
where
    W: World,
    Self: Writer<W>,
    Wr: writer::Arbitrary<W, Val>,
{
    async fn write(&mut self, val: Val) {
        self.writer.write(val).await;
    }
}

impl<W, Wr> writer::Stats<W> for Unmatched<Wr>
where
    Wr: writer::Stats<W>,
    Self: Writer<W>,
{
    fn passed_steps(&self) -> usize {
        self.writer.passed_steps()
    }

    fn skipped_steps(&self) -> usize {
        self.writer.skipped_steps()
    }

    fn failed_steps(&self) -> usize {
        self.writer.failed_steps()
    }

    fn retried_steps(&self) -> usize {
        self.writer.retried_steps()
    }

    fn parsing_errors(&self) -> usize {
        self.writer.parsing_errors()
    }

    fn hook_errors(&self) -> usize {
        self.writer.hook_errors()
    }

    fn execution_has_failed(&self) -> bool {
        self.writer.execution_has_failed()
    }
}

impl<Wr: writer::Normalized> writer::Normalized for Unmatched<Wr> {}
