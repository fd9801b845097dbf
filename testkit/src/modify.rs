//! Starting anywhere and modifying running instances: [`Start`] and [`Modify`], built by
//! [`TestEngine::start_with`] and [`TestEngine::modify`]. Elements by id or unique name.

use baton_engine::runtime::{Activation, Modification, StartInstructions, Variables};

use crate::engine::{Instance, TestEngine, resolve};
use crate::error::Error;

/// An instance about to start, where and how the test says: Camunda 7's
/// `createProcessInstanceByKey(..).startBeforeActivity(..).businessKey(..).execute()`, Camunda 8's
/// create-instance command with start instructions (and CPT's `terminateAfterElement`).
///
/// ```
/// use baton_testkit::prelude::*;
///
/// # fn main() -> TestResult {
/// let mut t = TestEngine::deploy_str(r#"
///   <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
///     <process id="order" isExecutable="true">
///       <startEvent id="start" />
///       <sequenceFlow id="f1" sourceRef="start" targetRef="fetch" />
///       <serviceTask id="fetch" name="Fetch item" />
///       <sequenceFlow id="f2" sourceRef="fetch" targetRef="ship" />
///       <serviceTask id="ship" name="Ship item" />
///     </process>
///   </definitions>"#)?;
/// let order = t.start_with("order").before("Ship item").business_key("A-1").variables(vars! { "item": "tea" }).run()?;
/// assert_that(&t, &order).is_waiting_at("Ship item").has_not_passed("Fetch item").has_business_key("A-1");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "nothing starts until `run`"]
pub struct Start<'t> {
    pub(crate) t: &'t mut TestEngine,
    pub(crate) process: String,
    pub(crate) elements: Vec<Place>,
    pub(crate) terminate_after: Vec<String>,
    pub(crate) business_key: Option<String>,
    pub(crate) variables: Variables,
}

/// An element a test names, before or after.
#[derive(Debug, Clone)]
pub(crate) enum Place {
    Before(String),
    After(String),
}

impl<'t> Start<'t> {
    /// Starts a token before this element (Camunda 7's `startBeforeActivity`, Camunda 8's
    /// `startBeforeElement`); call it again for several tokens.
    pub fn before(mut self, element: &str) -> Self {
        self.elements.push(Place::Before(element.to_owned()));
        self
    }

    /// Starts a token after this activity, on its single outgoing sequence flow (Camunda 7's
    /// `startAfterActivity`; a Camunda 8 model refuses it).
    pub fn after(mut self, element: &str) -> Self {
        self.elements.push(Place::After(element.to_owned()));
        self
    }

    /// Terminates the instance once this element completes or is terminated (Camunda 8's
    /// `TERMINATE_PROCESS_INSTANCE` runtime instruction, CPT's `terminateAfterElement`).
    pub fn terminate_after(mut self, element: &str) -> Self {
        self.terminate_after.push(element.to_owned());
        self
    }

    /// Gives the instance a business key (Camunda 7).
    pub fn business_key(mut self, key: &str) -> Self {
        self.business_key = Some(key.to_owned());
        self
    }

    /// Variables set before any token moves.
    pub fn variables(mut self, variables: Variables) -> Self {
        self.variables.extend(variables);
        self
    }

    /// Starts the instance.
    pub fn run(self) -> Result<Instance, Error> {
        let Start { t, process, elements, terminate_after, business_key, variables } = self;
        let id = |element: &str| -> Result<String, Error> {
            let model = t.engine.deployed_process(&process).ok_or_else(|| {
                Error::Engine(baton_engine::Error::UnknownProcess {
                    process: process.clone(),
                    deployed: t.engine.deployed_processes(),
                })
            })?;
            Ok(resolve(model, element)?.id.to_string())
        };
        let mut instructions = StartInstructions { business_key, ..Default::default() };
        for place in &elements {
            instructions.at.push(match place {
                Place::Before(e) => Activation::Before(id(e)?),
                Place::After(e) => Activation::After(id(e)?),
            });
        }
        for element in &terminate_after {
            instructions.terminate_after.push(id(element)?);
        }
        let result = t.engine.start_with(&process, &instructions, variables);
        Ok(Instance { id: result.map_err(|e| t.explain(e))? })
    }
}

/// A modification of a running instance, applied at once: Camunda 7's
/// `createProcessInstanceModification(id).startBeforeActivity(..).cancelAllForActivity(..).execute()`,
/// Zeebe's modify command (activate and terminate instructions).
///
/// ```
/// use baton_testkit::prelude::*;
///
/// # fn main() -> TestResult {
/// let mut t = TestEngine::deploy_str(r#"
///   <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
///     <process id="order" isExecutable="true">
///       <startEvent id="start" />
///       <sequenceFlow id="f1" sourceRef="start" targetRef="fetch" />
///       <serviceTask id="fetch" name="Fetch item" />
///       <sequenceFlow id="f2" sourceRef="fetch" targetRef="ship" />
///       <serviceTask id="ship" name="Ship item" />
///     </process>
///   </definitions>"#)?;
/// let order = t.start("order", vars! {})?;
/// t.modify(&order).activate("Ship item").terminate("Fetch item").apply()?;
/// assert_that(&t, &order).is_waiting_at("Ship item").is_not_waiting_at("Fetch item");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "nothing changes until `apply`"]
pub struct Modify<'t> {
    pub(crate) t: &'t mut TestEngine,
    pub(crate) instance: Instance,
    pub(crate) activate: Vec<Place>,
    pub(crate) terminate: Vec<String>,
    pub(crate) variables: Variables,
}

impl Modify<'_> {
    /// Starts a new token before this element (Camunda 7's `startBeforeActivity`, Zeebe's
    /// activate instruction).
    pub fn activate(mut self, element: &str) -> Self {
        self.activate.push(Place::Before(element.to_owned()));
        self
    }

    /// Starts a new token after this activity, on its single outgoing flow (Camunda 7's
    /// `startAfterActivity`; a Camunda 8 model refuses it).
    pub fn activate_after(mut self, element: &str) -> Self {
        self.activate.push(Place::After(element.to_owned()));
        self
    }

    /// Terminates every token at this element (Camunda 7's `cancelAllForActivity`, Zeebe's
    /// terminate instruction).
    pub fn terminate(mut self, element: &str) -> Self {
        self.terminate.push(element.to_owned());
        self
    }

    /// Moves the tokens at `from` to before `to`: terminate, then activate (Zeebe's move
    /// instruction).
    pub fn move_token(self, from: &str, to: &str) -> Self {
        self.terminate(from).activate(to)
    }

    /// Process variables set before the new tokens start.
    pub fn variables(mut self, variables: Variables) -> Self {
        self.variables.extend(variables);
        self
    }

    /// Applies the modification.
    pub fn apply(self) -> Result<(), Error> {
        let Modify { t, instance, activate, terminate, variables } = self;
        let model = t
            .engine
            .process(&instance.id)
            .ok_or_else(|| Error::Engine(baton_engine::Error::UnknownInstance { instance: instance.id.clone() }))?;
        let mut modification = Modification { variables, ..Default::default() };
        for place in &activate {
            modification.activate.push(match place {
                Place::Before(e) => Activation::Before(resolve(model, e)?.id.to_string()),
                Place::After(e) => Activation::After(resolve(model, e)?.id.to_string()),
            });
        }
        for element in &terminate {
            modification.terminate.push(resolve(model, element)?.id.to_string());
        }
        let result = t.engine.modify(&instance.id, &modification);
        result.map_err(|e| t.explain(e))
    }
}
