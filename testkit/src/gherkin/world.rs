//! [`BpmnWorld`]: what one scenario drives, and every action and check a step can ask for.

use std::path::{Path, PathBuf};

use baton_engine::runtime::Variables;
use cucumber::gherkin;
use serde_json::Value;

use crate::{Error, Instance, TestEngine, assert_that};

/// One scenario's world: its [`TestEngine`] (made at the first step that needs it, named by
/// feature and scenario for its run file), the instance it started last ("the process"), and
/// the feature file's folder, where model paths are looked up first.
///
/// A crate with steps of its own wraps it in its own `World` and calls these methods.
#[derive(Debug, Default, cucumber::World)]
#[world(init = Self::new)]
pub struct BpmnWorld {
    engine: Option<TestEngine>,
    instance: Option<Instance>,
    folder: Option<PathBuf>,
    name: String,
}

/// Why a step failed, in words: the step, the element, what to do.
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure(format!("{error:?}"))
    }
}

impl BpmnWorld {
    /// A world with no engine yet, named `scenario` until [`BpmnWorld::begin`] names it.
    pub fn new() -> Self {
        BpmnWorld { engine: None, instance: None, folder: None, name: "scenario".to_owned() }
    }

    /// Prepares the world for a scenario of a feature: its run file's name
    /// (`feature: scenario`, with the example's line for a row of a Scenario Outline) and the
    /// folder model paths are relative to.
    pub fn begin(&mut self, feature: &gherkin::Feature, scenario: &gherkin::Scenario) {
        self.folder = feature.path.as_deref().and_then(Path::parent).map(Path::to_owned);
        self.name = scenario_name(feature, scenario);
    }

    /// The name of this scenario's run file and verdict.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The scenario's engine, made at first use.
    pub fn engine(&mut self) -> &mut TestEngine {
        let name = &self.name;
        self.engine.get_or_insert_with(|| TestEngine::new().named(name.clone()))
    }

    /// The instance the scenario started last: "the process".
    pub fn instance(&self) -> Result<Instance, Failure> {
        self.instance.clone().ok_or_else(|| {
            Failure(
                "no process has been started in this scenario yet; start one first, e.g. \
                 `When \"Dash button order\" is started`"
                    .to_owned(),
            )
        })
    }

    /// The started instance and the engine, for an assertion.
    fn current(&mut self) -> Result<(&TestEngine, Instance), Failure> {
        let instance = self.instance()?;
        Ok((self.engine(), instance))
    }

    /// `Given the model "processes/order.bpmn"`: deploys a file, looked up beside the feature
    /// file first, then from the current directory, the crate's root and its ancestors.
    pub fn deploy(&mut self, path: &str) -> Result<(), Failure> {
        let beside = self.folder.as_ref().map(|folder| folder.join(path)).filter(|p| p.exists());
        let file = beside.unwrap_or_else(|| PathBuf::from(path));
        self.engine().deploy(file).map_err(|error| match error {
            Error::NotFound { looked, .. } => Failure(format!(
                "cannot find the model \"{path}\" (looked beside the feature file, then relative to {}); \
                 write its path relative to the feature file or to the crate's root",
                looked.join(", ")
            )),
            other => other.into(),
        })?;
        Ok(())
    }

    /// `Given the clock is at ...`, `When the clock reaches ...`: sets the virtual clock, firing
    /// the timers due until then.
    pub fn set_clock(&mut self, instant: &str) -> Result<(), Failure> {
        Ok(self.engine().set_clock(instant)?)
    }

    /// `When 7 days pass`: moves the virtual clock by an ISO 8601 duration.
    pub fn advance(&mut self, duration: &str) -> Result<(), Failure> {
        Ok(self.engine().advance(duration)?)
    }

    /// The id of a deployed process, by name (as the diagram shows it) or id.
    pub fn process_id(&mut self, process: &str) -> Result<String, Failure> {
        let engine = self.engine().engine();
        let deployed: Vec<(String, String)> = engine
            .deployed_processes()
            .into_iter()
            .map(|id| {
                let name = engine.deployed_process(&id).and_then(|p| p.name.clone()).unwrap_or_else(|| id.clone());
                (id, name)
            })
            .collect();
        if deployed.is_empty() {
            return Err(Failure(format!(
                "cannot start \"{process}\": no model is deployed; begin the scenario (or its Background) \
                 with `Given the model \"processes/order.bpmn\"`"
            )));
        }
        if let Some((id, _)) = deployed.iter().find(|(id, name)| id == process || name == process) {
            return Ok(id.clone());
        }
        let suggestion = deployed
            .iter()
            .flat_map(|(id, name)| [id, name])
            .map(|c| (strsim::normalized_levenshtein(&c.to_lowercase(), &process.to_lowercase()), c))
            .filter(|(score, _)| *score >= 0.6)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| format!(" (did you mean \"{c}\"?)"))
            .unwrap_or_default();
        let names: Vec<String> = deployed.iter().map(|(id, name)| format!("\"{name}\" ({id})")).collect();
        Err(Failure(format!(
            "no deployed process is named or has id \"{process}\"{suggestion}; deployed processes: {}",
            names.join(", ")
        )))
    }

    /// `When "Dash button order" is started (with:)`: starts an instance, which becomes "the
    /// process".
    pub fn start(&mut self, process: &str, variables: Variables) -> Result<(), Failure> {
        let id = self.process_id(process)?;
        self.instance = Some(self.engine().start(&id, variables)?);
        Ok(())
    }

    /// `When "Charge credit card" is completed (with:)`: completes the job or user task waiting
    /// at an element.
    pub fn complete(&mut self, element: &str, variables: Variables) -> Result<(), Failure> {
        let instance = self.instance()?;
        Ok(self.engine().job(&instance, element)?.complete(variables)?)
    }

    /// `When "Charge credit card" fails with error "CARD_DECLINED"`: the job throws a BPMN error.
    pub fn throw_error(&mut self, element: &str, code: &str) -> Result<(), Failure> {
        let instance = self.instance()?;
        Ok(self.engine().job(&instance, element)?.throw_error(code)?)
    }

    /// `When "Charge credit card" fails with "gateway timeout"`: the job fails, its retries
    /// count down (an incident when none are left).
    pub fn fail(&mut self, element: &str, message: &str) -> Result<(), Failure> {
        let instance = self.instance()?;
        Ok(self.engine().job(&instance, element)?.fail(message)?)
    }

    /// `When the message "card-updated" arrives (with key "A-3") (with:)`: correlates a message
    /// to the instance waiting for it, or starts one at a message start event (which becomes
    /// "the process" when the scenario has none yet).
    pub fn message(&mut self, name: &str, key: Option<&str>, variables: Variables) -> Result<(), Failure> {
        let mut message = self.engine().message(name).variables(variables);
        if let Some(key) = key {
            message = message.correlation_key(key);
        }
        let reached = message.correlate()?;
        self.instance.get_or_insert(reached);
        Ok(())
    }

    /// `When the signal "stock-replenished" is broadcast`.
    pub fn signal(&mut self, name: &str, variables: Variables) -> Result<(), Failure> {
        let reached = self.engine().signal(name, variables)?;
        if self.instance.is_none() {
            self.instance = reached.into_iter().next();
        }
        Ok(())
    }

    /// `Then the process is waiting at "New card?"`.
    pub fn is_waiting_at(&mut self, element: &str) -> Result<(), Failure> {
        let (t, instance) = self.current()?;
        assert_that(t, &instance).is_waiting_at(element);
        Ok(())
    }

    /// `Then the process has passed "Card declined"`.
    pub fn has_passed(&mut self, element: &str) -> Result<(), Failure> {
        let (t, instance) = self.current()?;
        assert_that(t, &instance).has_passed(element);
        Ok(())
    }

    /// `Then the process has not passed "Fetch item"`.
    pub fn has_not_passed(&mut self, element: &str) -> Result<(), Failure> {
        let (t, instance) = self.current()?;
        assert_that(t, &instance).has_not_passed(element);
        Ok(())
    }

    /// `Then the process has ended at "Order shipped"`.
    pub fn has_ended_at(&mut self, element: &str) -> Result<(), Failure> {
        let (t, instance) = self.current()?;
        assert_that(t, &instance).is_ended_at(element);
        Ok(())
    }

    /// `Then the variable "trackingId" is "track-1"`: the value is a JSON literal, or text.
    pub fn variable_is(&mut self, name: &str, value: &str) -> Result<(), Failure> {
        let (t, instance) = self.current()?;
        assert_that(t, &instance).variable(name).is(literal(value));
        Ok(())
    }

    /// `Then there is an incident at "Check stock"`.
    pub fn has_incident(&mut self, element: &str) -> Result<(), Failure> {
        let (t, instance) = self.current()?;
        assert_that(t, &instance).has_incident(element);
        Ok(())
    }

    /// `Then the path is:` + one element per row: the elements the process has passed, in
    /// order, exactly.
    pub fn path_is(&mut self, expected: &[String]) -> Result<(), Failure> {
        let (t, instance) = self.current()?;
        let engine = t.engine();
        let process = engine.process(&instance.id).ok_or_else(|| Failure(format!("instance {instance} is gone")))?;
        let mut wanted = Vec::new();
        for name in expected {
            wanted.push(crate::engine::resolve(process, name)?.id.clone());
        }
        let passed = engine.passed(&instance.id);
        if passed == wanted {
            return Ok(());
        }
        let label = |id: &baton_engine::model::NodeId| {
            process.node(id.as_str()).map_or_else(|| id.as_str().to_owned(), |n| format!("\"{}\"", n.label()))
        };
        let expected: Vec<String> = wanted.iter().map(label).collect();
        let actual: Vec<String> = passed.iter().map(label).collect();
        Err(Failure(format!(
            "instance {instance} took another path\n  expected:    {}\n  passed:      {}",
            expected.join(" → "),
            if actual.is_empty() { "nothing yet".to_owned() } else { actual.join(" → ") }
        )))
    }
}

/// A value as a feature writes it: a JSON literal (`25`, `true`, `"A-1"`, `[1, 2]`), or else
/// the text itself.
pub(crate) fn literal(text: &str) -> Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|_| Value::String(text.trim().to_owned()))
}

/// The variables of a step's `| name | value |` table (an optional first row `| name | value |`
/// is a header); values are JSON literals or text.
pub fn values(step: &gherkin::Step) -> Result<Variables, Failure> {
    let mut variables = Variables::new();
    let Some(table) = step.table.as_ref() else {
        return Err(Failure(format!(
            "the step `{}{}` needs a table below it, one `| name | value |` row per variable",
            step.keyword, step.value
        )));
    };
    for (i, row) in table.rows.iter().enumerate() {
        if i == 0 && row.len() == 2 && row[0].trim() == "name" && row[1].trim() == "value" {
            continue;
        }
        let [name, value] = row.as_slice() else {
            return Err(Failure(format!(
                "the table of `{}{}` has a row of {} cells (| {} |); write one `| name | value |` row per variable",
                step.keyword,
                step.value,
                row.len(),
                row.join(" | ")
            )));
        };
        variables.insert(name.trim().to_owned(), literal(value));
    }
    Ok(variables)
}

/// The one-column table of a step, one element name per row.
pub(crate) fn names(step: &gherkin::Step) -> Result<Vec<String>, Failure> {
    let rows = step.table.as_ref().map(|t| t.rows.as_slice()).unwrap_or_default();
    if rows.is_empty() {
        return Err(Failure(format!(
            "the step `{}{}` needs a table below it, one element name per row",
            step.keyword, step.value
        )));
    }
    rows.iter()
        .map(|row| match row.as_slice() {
            [name] => Ok(name.trim().to_owned()),
            _ => Err(Failure(format!(
                "the table of `{}{}` has a row of {} cells (| {} |); write one element name per row",
                step.keyword,
                step.value,
                row.len(),
                row.join(" | ")
            ))),
        })
        .collect()
}

/// A scenario's name in run files and verdicts: `Feature: Scenario`, and for a row of a
/// Scenario Outline ` (example at line N)`.
pub fn scenario_name(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> String {
    if scenario.examples.is_empty() {
        format!("{}: {}", feature.name, scenario.name)
    } else {
        format!("{}: {} (example at line {})", feature.name, scenario.name, scenario.position.line)
    }
}
