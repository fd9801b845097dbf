//! Starting anywhere, modifying running instances, business keys and correlation by values.
//!
//! - Start instructions: Camunda 7's `createProcessInstanceByKey(..).startBeforeActivity(..)`
//!   / `startAfterActivity(..)` (docs.camunda.org user-guide/process-engine/
//!   process-instance-creation/ "Start a process instance at any set of activities"), Camunda 8's
//!   create-instance `startInstructions` (docs.camunda.io components/concepts/
//!   process-instance-creation/ "Create and start at a user-defined element") and its
//!   `TERMINATE_PROCESS_INSTANCE` runtime instruction ("terminates the process instance after a
//!   specific BPMN element is completed or terminated").
//! - Modification: Camunda 7's process instance modification (docs.camunda.org user-guide/
//!   process-engine/process-instance-modification/) and Zeebe's modify-process-instance command
//!   (docs.camunda.io components/concepts/process-instance-modification/).
//! - Camunda 7's message correlation by business key and by process variables
//!   (docs.camunda.org reference/rest/message/post-message/: `businessKey`, `correlationKeys`,
//!   `all`).

use crate::error::Error;
use crate::model::{Dialect, EventKind, FlowId, LoopCharacteristics, NodeId, NodeKind, SubProcessKind};
use crate::trace::TraceKind;

use super::state::{Catcher, InstanceState, Step, Wait};
use super::{Engine, Variables};

/// Where a start or modification instruction puts a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activation {
    /// Before an element (by id): it is entered as if a sequence flow had reached it (Camunda 7's
    /// `startBeforeActivity`, Zeebe's start instruction and activate instruction).
    Before(String),
    /// After an activity (by id): on its single outgoing sequence flow (Camunda 7's
    /// `startAfterActivity`; Camunda 8 has no such instruction).
    After(String),
}

impl Activation {
    fn element(&self) -> &str {
        match self {
            Activation::Before(e) | Activation::After(e) => e,
        }
    }
}

/// How [`Engine::start_with`] starts an instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartInstructions {
    /// A Camunda 7 business key, stored on the instance ([`Engine::business_key`]).
    pub business_key: Option<String>,
    /// Where the instance starts, in order; empty: at its start event, as [`Engine::start`].
    pub at: Vec<Activation>,
    /// Element ids after which the instance is terminated, once one of them completes or is
    /// terminated (Camunda 8's `TERMINATE_PROCESS_INSTANCE` runtime instruction).
    pub terminate_after: Vec<String>,
}

/// What [`Engine::modify`] changes in a running instance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Modification {
    /// Elements (by id) whose every token is terminated (Camunda 7's `cancelAllForActivity`,
    /// Zeebe's terminate instruction by element id).
    pub terminate: Vec<String>,
    /// Where new tokens start, in order.
    pub activate: Vec<Activation>,
    /// Process variables set before the new tokens start.
    pub variables: Variables,
}

/// A Camunda 7 message correlation narrowed by business key and process variables
/// (`createMessageCorrelation(name).processInstanceBusinessKey(..).processInstanceVariableEquals(..)`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Correlation {
    /// The message name.
    pub message: String,
    /// Only instances with this business key; a message start event gives it to the new instance.
    pub business_key: Option<String>,
    /// Only instances whose process variables have these values (`correlationKeys`).
    pub correlation_keys: Variables,
    /// Variables the message carries.
    pub variables: Variables,
    /// To every match (`correlateAll`, `"all": true`), rather than exactly one.
    pub all: bool,
}

impl Engine {
    /// Starts an instance of the latest version of `process` where `instructions` say: before or
    /// after elements (several at once, each a token of its own, the start event not run), with
    /// a business key and variables. The variables are set before any token moves.
    pub fn start_with(
        &mut self,
        process: &str,
        instructions: &StartInstructions,
        variables: Variables,
    ) -> Result<String, Error> {
        if instructions.at.is_empty() && instructions.terminate_after.is_empty() {
            let instance = self.start_keyed(process, instructions.business_key.as_deref(), variables)?;
            return Ok(instance);
        }
        let deployed = self.latest(process).ok_or_else(|| Error::UnknownProcess {
            process: process.to_owned(),
            deployed: self.state.processes.iter().map(|d| d.id.clone()).collect(),
        })?;
        let target = format!("process `{process}`");
        let file = self.state.files[self.state.processes[deployed].file].clone();
        let model = file.processes.iter().find(|p| p.id.as_str() == process);
        for element in &instructions.terminate_after {
            if model.is_none_or(|p| p.node(element).is_none()) {
                return Err(cannot(&target, "terminate after", element, "the process has no such element".into()));
            }
        }
        for activation in &instructions.at {
            self.check_activation(deployed, &target, activation)?;
        }
        let instance = self.create_instance(deployed, Variables::new(), None);
        self.set_business_key(&instance, instructions.business_key.as_deref());
        if let Some(inst) = self.state.instances.get_mut(&instance) {
            inst.terminate_after = instructions.terminate_after.iter().map(|e| NodeId::from(e.as_str())).collect();
        }
        self.record_variables(&instance, variables);
        if instructions.at.is_empty() {
            let Some(start) = self.initial_start(&instance) else {
                self.state.instances.remove(&instance);
                return Err(Error::NoNoneStart { process: process.to_owned() });
            };
            let token = self.new_token(&instance, start, None, None);
            self.state.agenda.push_back(Step::Enter { instance: instance.clone(), token });
        }
        for activation in &instructions.at {
            self.activate(&instance, activation);
        }
        self.run()?;
        Ok(instance)
    }

    /// [`Engine::start`] with a business key.
    fn start_keyed(
        &mut self,
        process: &str,
        business_key: Option<&str>,
        variables: Variables,
    ) -> Result<String, Error> {
        let Some(key) = business_key else { return self.start(process, variables) };
        let deployed = self.latest(process).ok_or_else(|| Error::UnknownProcess {
            process: process.to_owned(),
            deployed: self.state.processes.iter().map(|d| d.id.clone()).collect(),
        })?;
        let instance = self.create_instance(deployed, Variables::new(), None);
        let Some(start) = self.initial_start(&instance) else {
            self.state.instances.remove(&instance);
            return Err(Error::NoNoneStart { process: process.to_owned() });
        };
        self.set_business_key(&instance, Some(key));
        self.record_variables(&instance, variables);
        let token = self.new_token(&instance, start, None, None);
        self.state.agenda.push_back(Step::Enter { instance: instance.clone(), token });
        self.run()?;
        Ok(instance)
    }

    fn set_business_key(&mut self, instance: &str, key: Option<&str>) {
        let Some(key) = key else { return };
        if let Some(inst) = self.state.instances.get_mut(instance) {
            inst.business_key = Some(key.to_owned());
        }
        self.record(instance, TraceKind::BusinessKeySet { business_key: key.to_owned() });
    }

    /// The instance's business key, if it was started with one.
    pub fn business_key(&self, instance: &str) -> Option<&str> {
        self.state.instances.get(instance)?.business_key.as_deref()
    }

    /// Modifies a running instance, as Camunda 7's process instance modification and Zeebe's
    /// modify command do, in one go: every token at the elements to terminate ends (with what
    /// it waits for), the variables are set, then new tokens start where `activate` says. The
    /// instance does not end in between, even when no token was left before the activations.
    /// The trace records `InstanceModified`, then the terminations and the new tokens' way.
    pub fn modify(&mut self, instance: &str, modification: &Modification) -> Result<(), Error> {
        let target = format!("instance {instance}");
        let inst = self
            .state
            .instances
            .get(instance)
            .ok_or_else(|| Error::UnknownInstance { instance: instance.to_owned() })?;
        if inst.state != InstanceState::Active {
            let state = if inst.state == InstanceState::Ended { "ended" } else { "been terminated" };
            let element = modification
                .activate
                .first()
                .map(Activation::element)
                .or(modification.terminate.first().map(String::as_str))
                .unwrap_or_default();
            return Err(cannot(&target, "modify at", element, format!("the instance has {state} already")));
        }
        let deployed = inst.deployed;
        let mut doomed = Vec::new();
        for element in &modification.terminate {
            let tokens: Vec<u64> = inst
                .tokens
                .values()
                .filter(|t| t.node.as_str() == element && t.inner_of.is_none())
                .map(|t| t.id)
                .collect();
            if tokens.is_empty() {
                let waiting: Vec<String> = self.waiting_at(instance).iter().map(|n| format!("`{n}`")).collect();
                let reason = format!(
                    "no token is there; tokens are at {}",
                    if waiting.is_empty() { "nothing".to_owned() } else { waiting.join(", ") }
                );
                return Err(cannot(&target, "terminate", element, reason));
            }
            doomed.extend(tokens);
        }
        for activation in &modification.activate {
            self.check_activation(deployed, &target, activation)?;
        }
        let activated = modification.activate.iter().map(|a| a.element().to_owned()).collect();
        self.record(instance, TraceKind::InstanceModified { activated, terminated: modification.terminate.clone() });
        let mut scopes = Vec::new();
        for token in doomed {
            let Some(tok) = self.state.instances.get(instance).and_then(|i| i.tokens.get(&token)) else { continue };
            scopes.push(tok.scope);
            self.terminate_token(instance, token);
        }
        self.record_variables(instance, modification.variables.clone());
        for activation in &modification.activate {
            self.activate(instance, activation);
        }
        scopes.dedup();
        for scope in scopes {
            self.scope_check(instance, scope);
        }
        self.run()
    }

    /// Refuses an instruction Baton (or the model's engine) cannot follow, before anything changes.
    fn check_activation(&self, deployed: usize, target: &str, activation: &Activation) -> Result<(), Error> {
        let d = &self.state.processes[deployed];
        let file = &self.state.files[d.file];
        let Some(process) = file.processes.iter().find(|p| p.id.as_str() == d.id) else { return Ok(()) };
        let (action, element) = match activation {
            Activation::Before(e) => ("start before", e),
            Activation::After(e) => ("start after", e),
        };
        let Some(node) = process.node(element) else {
            return Err(cannot(target, action, element, "the process has no such element".into()));
        };
        if matches!(&node.kind, NodeKind::Event(e) if matches!(e.kind, EventKind::Boundary { .. })) {
            return Err(cannot(
                target,
                action,
                element,
                "a boundary event fires from its activity; start before the activity, or before the element after the boundary event"
                    .into(),
            ));
        }
        let mut parent = node.parent.clone();
        while let Some(p) = parent {
            let Some(scope) = process.node(p.as_str()) else { break };
            if let NodeKind::SubProcess(sub) = &scope.kind
                && sub.kind == SubProcessKind::Event
            {
                return Err(cannot(
                    target,
                    action,
                    element,
                    format!(
                        "it is inside event sub-process `{}`, which Baton cannot start by an instruction yet; start before an element outside it",
                        scope.label()
                    ),
                ));
            }
            if matches!(
                scope.activity().and_then(|a| a.loop_characteristics.as_deref()),
                Some(LoopCharacteristics::MultiInstance(_))
            ) {
                return Err(cannot(
                    target,
                    action,
                    element,
                    format!(
                        "it is inside multi-instance `{}`, whose instances Baton cannot start one by one yet; start before `{}` itself",
                        scope.label(),
                        scope.id
                    ),
                ));
            }
            parent = scope.parent.clone();
        }
        if let Activation::After(_) = activation {
            if file.dialect == Dialect::Camunda8 {
                return Err(cannot(
                    target,
                    action,
                    element,
                    "Camunda 8 starts only before elements (startBeforeElement, activate instructions); start before the element after it"
                        .into(),
                ));
            }
            let outgoing: Vec<&FlowId> = process.flows.iter().filter(|f| f.source == node.id).map(|f| &f.id).collect();
            if outgoing.len() != 1 {
                // docs.camunda.org javadoc ProcessInstanceModificationBuilder.startAfterActivity:
                // "always instantiates the single outgoing sequence flow of the given activity".
                let flows: Vec<String> = outgoing.iter().map(|f| format!("`{f}`")).collect();
                return Err(cannot(
                    target,
                    action,
                    element,
                    format!(
                        "Camunda 7 starts after an activity on its single outgoing sequence flow, and it has {} ({}); start before the element you mean instead",
                        outgoing.len(),
                        if flows.is_empty() { "none".to_owned() } else { flows.join(", ") }
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Puts a new token where `activation` says (checked by `check_activation`), creating the
    /// sub-process scopes around it that do not run yet, and puts it on the agenda.
    fn activate(&mut self, instance: &str, activation: &Activation) {
        let Some(process) = self.process_of(instance) else { return };
        let (node, via) = match activation {
            Activation::Before(e) => (NodeId::from(e.as_str()), None),
            Activation::After(e) => {
                let Some(flow) = process.flows.iter().find(|f| f.source.as_str() == e) else { return };
                (flow.target.clone(), Some(flow.id.clone()))
            }
        };
        let parent = process.node(node.as_str()).and_then(|n| n.parent.clone());
        let scope = self.ensure_scope(instance, parent.as_ref());
        let token = self.new_token(instance, node, scope, via.clone());
        if let Some(flow) = via {
            self.record(instance, TraceKind::FlowTaken { flow: flow.to_string() });
        }
        self.state.agenda.push_back(Step::Enter { instance: instance.to_owned(), token });
    }

    /// The token of the running sub-process `scope`, entering it (and its own enclosing
    /// sub-processes) without its start event when none runs: as both engines create the flow
    /// scopes of an activated element.
    fn ensure_scope(&mut self, instance: &str, scope: Option<&NodeId>) -> Option<u64> {
        let scope = scope?;
        let running = self.state.instances.get(instance).and_then(|i| {
            i.tokens.values().find(|t| &t.node == scope && t.wait == Wait::Scope && t.inner_of.is_none()).map(|t| t.id)
        });
        if running.is_some() {
            return running;
        }
        let node = self.process_of(instance).and_then(|p| p.node(scope.as_str()).cloned())?;
        let outer = self.ensure_scope(instance, node.parent.as_ref());
        let token = self.new_token(instance, scope.clone(), outer, None);
        self.record(instance, TraceKind::NodeEntered { node: scope.to_string() });
        if let Some(t) = self.state.instances.get_mut(instance).and_then(|i| i.tokens.get_mut(&token)) {
            t.wait = Wait::Scope;
        }
        self.arm_boundaries(instance, token, &node);
        self.arm_event_subs(instance, Some(token));
        Some(token)
    }

    /// Terminates the instances whose `terminate_after` element just completed or was terminated.
    pub(crate) fn terminate_finished(&mut self) {
        while let Some(instance) = self.state.terminate_due.pop() {
            if self.state.instances.get(&instance).is_some_and(|i| i.state == InstanceState::Active) {
                self.end_instance(&instance, InstanceState::Terminated);
            }
        }
    }

    /// Notes an instance to terminate when `node` is one of its `terminate_after` elements.
    pub(crate) fn note_finished(&mut self, instance: &str, node: &str) {
        if self.state.instances.get(instance).is_some_and(|i| i.terminate_after.iter().any(|n| n.as_str() == node)) {
            self.state.terminate_due.push(instance.to_owned());
        }
    }

    /// Correlates a Camunda 7 message to the instances with this business key and these process
    /// variable values: to exactly one ([`Error::MessageAmbiguous`] when several match), or to
    /// all with `all`. When none waits, a message start event starts an instance, which gets the
    /// business key ("If the message triggers a start event, the business key is set in the
    /// process instance", docs.camunda.org reference/rest/message/post-message/). Returns the
    /// instances reached.
    pub fn correlate(&mut self, correlation: &Correlation) -> Result<Vec<String>, Error> {
        let name = correlation.message.as_str();
        let fits = |engine: &Engine, instance: &str| {
            engine.state.instances.get(instance).is_some_and(|i| {
                correlation.business_key.as_ref().is_none_or(|k| i.business_key.as_ref() == Some(k))
                    && correlation.correlation_keys.iter().all(|(k, v)| i.variables.get(k) == Some(v))
            })
        };
        let open: Vec<(String, NodeId, Catcher)> = self
            .matching_subscriptions(name, None)
            .into_iter()
            .map(|i| &self.state.subscriptions[i])
            .filter(|s| fits(self, &s.instance))
            .map(|s| (s.instance.clone(), s.node.clone(), s.catcher.clone()))
            .collect();
        let filter = describe_filter(correlation);
        if open.len() > 1 && !correlation.all {
            let matches = open
                .iter()
                .filter_map(|(instance, node, catcher)| {
                    self.state
                        .subscriptions
                        .iter()
                        .find(|s| &s.instance == instance && &s.node == node && &s.catcher == catcher)
                })
                .map(|s| self.describe_subscription(s))
                .collect();
            return Err(Error::MessageAmbiguous { message: name.to_owned(), correlation_key: filter, matches });
        }
        let mut reached = Vec::new();
        for (instance, node, catcher) in open {
            let index = self.matching_subscriptions(name, None).into_iter().find(|&i| {
                let s = &self.state.subscriptions[i];
                s.instance == instance && s.node == node && s.catcher == catcher
            });
            if let Some(index) = index {
                reached.push(self.deliver_to(index, name, correlation.variables.clone()));
            }
        }
        if reached.is_empty()
            && let Some((deployed, start)) = self.message_start(name)
        {
            let instance = self.start_by_message(deployed, start, name, None, correlation.variables.clone());
            self.set_business_key(&instance, correlation.business_key.as_deref());
            reached.push(instance);
        }
        if reached.is_empty() {
            return Err(self.not_correlated(name, filter.as_deref()));
        }
        self.run()?;
        Ok(reached)
    }
}

/// `businessKey "A-1", orderId = 7`: what a correlation narrows by, for its errors.
fn describe_filter(c: &Correlation) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(key) = &c.business_key {
        parts.push(format!("businessKey {key}"));
    }
    parts.extend(c.correlation_keys.iter().map(|(k, v)| format!("{k} = {v}")));
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn cannot(target: &str, action: &str, element: &str, reason: String) -> Error {
    Error::CannotActivate { target: target.to_owned(), action: action.to_owned(), element: element.to_owned(), reason }
}
