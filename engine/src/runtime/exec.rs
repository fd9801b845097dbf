//! What each kind of node does when a token arrives and when it leaves.
//!
//! Everything here runs inside one agenda step and never calls user code: handlers are run by
//! the driver in `mod.rs` between steps, so that their results enter the agenda in order.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Engine;
use super::state::*;
use crate::clock::TimerSpec;
use crate::error::Error;
use crate::expr::is_expression;
use crate::model::*;
use crate::trace::TraceKind;

impl Engine {
    pub(crate) fn process_of(&self, instance: &str) -> Option<&Process> {
        let inst = self.state.instances.get(instance)?;
        let deployed = self.state.processes.get(inst.deployed)?;
        self.state.files.get(deployed.file)?.process(&deployed.id)
    }

    /// The instance's process, shared: cheap to hold across mutations of the engine.
    fn shared_process(&self, instance: &str) -> Option<(std::sync::Arc<Definitions>, usize)> {
        let inst = self.state.instances.get(instance)?;
        let deployed = self.state.processes.get(inst.deployed)?;
        let file = self.state.files.get(deployed.file)?.clone();
        let index = file.processes.iter().position(|p| p.id == deployed.id.as_str())?;
        Some((file, index))
    }

    fn definitions_of(&self, instance: &str) -> Option<&Definitions> {
        let inst = self.state.instances.get(instance)?;
        let deployed = self.state.processes.get(inst.deployed)?;
        self.state.files.get(deployed.file).map(|f| &**f)
    }

    fn node(&self, instance: &str, node: &NodeId) -> Option<FlowNode> {
        self.process_of(instance)?.node(node.as_str()).cloned()
    }

    /// A mapping source or similar value: an expression in the engine's language, else a
    /// literal string.
    pub(crate) fn value_of(
        &self,
        source: &str,
        vars: &BTreeMap<String, Value>,
    ) -> Result<Value, crate::expr::EvalError> {
        if crate::expr::is_juel(source) {
            // `${...}` is JUEL whatever language is plugged in: Camunda 7 evaluates it with JUEL.
            crate::expr::juel::evaluate(source.trim(), vars)
        } else if is_expression(source) {
            self.expressions.evaluate(source.trim(), vars)
        } else {
            Ok(Value::String(source.to_owned()))
        }
    }

    /// The dialect of the model the instance runs.
    fn dialect(&self, instance: &str) -> Dialect {
        self.definitions_of(instance).map_or(Dialect::Plain, |d| d.dialect)
    }

    /// Whether the instance runs a Camunda 7 model, whose expressions are all JUEL.
    pub(crate) fn is_camunda7(&self, instance: &str) -> bool {
        self.definitions_of(instance).is_some_and(|d| d.dialect == Dialect::Camunda7)
    }

    /// An expression attribute or element of a Camunda 7 model: JUEL's composite text, so
    /// `${x}` is x's value, `PT${n}M` a string, and text without `${...}` itself (never FEEL).
    /// Camunda 7 trims the text first.
    fn juel(&self, text: &str, vars: &BTreeMap<String, Value>) -> Result<Value, crate::expr::EvalError> {
        crate::expr::juel::evaluate(text.trim(), vars)
    }

    /// A mapping's source. In a Camunda 7 model it is JUEL text (`Hello ${name}`), and empty text
    /// is null, as a `camunda:inputParameter` without a value gives (docs.camunda.org:
    /// user-guide/process-engine/variables/#input-output-variable-mapping); else [`Engine::value_of`].
    pub(crate) fn mapping_value(
        &self,
        instance: &str,
        source: &str,
        vars: &BTreeMap<String, Value>,
    ) -> Result<Value, crate::expr::EvalError> {
        if !self.is_camunda7(instance) {
            return self.value_of(source, vars);
        }
        if source.trim().is_empty() {
            return Ok(Value::Null);
        }
        self.juel(source, vars)
    }

    /// Evaluates `mappings` in order and writes each result to `into` under its target. With
    /// `from`, sources read those variables; without, they read `into` itself, so a mapping sees
    /// the ones before it (as Zeebe's input mappings do). The error names the mapping that
    /// failed, for an incident.
    fn apply_mappings(
        &self,
        instance: &str,
        mappings: &[Mapping],
        from: Option<&BTreeMap<String, Value>>,
        into: &mut BTreeMap<String, Value>,
        what: &str,
        owner: &str,
    ) -> Result<(), String> {
        for mapping in mappings {
            let value = self
                .value_of_mapping(instance, mapping, from.unwrap_or(into))
                .map_err(|err| format!("{what} `{}` of `{owner}`: {err}", mapping.target))?;
            into.insert(mapping.target.clone(), value);
        }
        Ok(())
    }

    /// A mapping's value over `vars`: its expression or text, the variable it names (null when
    /// unset, as Camunda 7's `getVariable` gives), or its list or map, item by item.
    pub(crate) fn value_of_mapping(
        &self,
        instance: &str,
        mapping: &Mapping,
        vars: &BTreeMap<String, Value>,
    ) -> Result<Value, crate::expr::EvalError> {
        match &mapping.kind {
            MappingKind::Expression => self.mapping_value(instance, &mapping.source, vars),
            MappingKind::Variable => Ok(vars.get(&mapping.source).cloned().unwrap_or(Value::Null)),
            MappingKind::Value(value) => self.parameter_value(instance, value, vars),
        }
    }

    /// A `camunda:list` (a list) or `camunda:map` (an object, keys in document order kept as
    /// JSON keeps them), each text JUEL text as a parameter's.
    fn parameter_value(
        &self,
        instance: &str,
        value: &ParameterValue,
        vars: &BTreeMap<String, Value>,
    ) -> Result<Value, crate::expr::EvalError> {
        Ok(match value {
            ParameterValue::Text(text) => self.mapping_value(instance, text, vars)?,
            ParameterValue::List(items) => {
                Value::Array(items.iter().map(|i| self.parameter_value(instance, i, vars)).collect::<Result<_, _>>()?)
            }
            ParameterValue::Map(entries) => {
                let mut map = serde_json::Map::new();
                for (key, item) in entries {
                    map.insert(key.clone(), self.parameter_value(instance, item, vars)?);
                }
                Value::Object(map)
            }
        })
    }

    /// Evaluates an activity's input mappings over the instance's variables and the token's
    /// locals: each result is a local variable of the element, which the job, later mappings and
    /// the output mappings see, and the process scope does not (Zeebe: concepts/variables,
    /// "Input/output variable mappings"; Camunda 7: user-guide/process-engine/variables/,
    /// "Input/Output Variable Mapping"). Returns the view (all variables, locals over them) and
    /// the locals.
    fn local_scope(
        &self,
        instance: &str,
        tok: &Token,
        inputs: &[Mapping],
        owner: &str,
    ) -> Result<(super::Variables, super::Variables), String> {
        let mut view = self.scope_view(instance, tok.scope);
        view.extend(tok.locals.clone());
        let mut locals = tok.locals.clone();
        for mapping in inputs {
            let value = self
                .value_of_mapping(instance, mapping, &view)
                .map_err(|err| format!("input mapping `{}` of `{owner}`: {err}", mapping.target))?;
            view.insert(mapping.target.clone(), value.clone());
            locals.insert(mapping.target.clone(), value);
        }
        Ok((view, locals))
    }

    /// Replaces a token's local variables.
    pub(crate) fn set_locals(&mut self, instance: &str, token: u64, locals: BTreeMap<String, Value>) {
        if let Some(t) = self.state.instances.get_mut(instance).and_then(|i| i.tokens.get_mut(&token)) {
            t.locals = locals;
        }
    }

    fn evaluate_condition(
        &self,
        instance: &str,
        condition: &Expression,
        vars: &BTreeMap<String, Value>,
    ) -> Result<bool, String> {
        if self.is_camunda7(instance) {
            // Camunda 7 evaluates every condition as JUEL and wants a Boolean back; text without
            // `${...}` is a string, not a condition (docs.camunda.org:
            // user-guide/process-engine/expression-language/#conditions).
            return match self.juel(&condition.text, vars).map_err(|e| e.to_string())? {
                Value::Bool(b) => Ok(b),
                other => Err(format!(
                    "`{}` returns {}, not a Boolean (Camunda 7: \"condition expression returns non-Boolean\"); \
                     write a comparison in ${{...}}",
                    condition.text.trim(),
                    crate::expr::juel::describe(&other)
                )),
            };
        }
        // Plain-BPMN conditions carry no marker; they are read with the same grammar.
        match self.value_of_condition(&condition.text, vars).map_err(|e| e.to_string())? {
            Value::Bool(b) => Ok(b),
            other => Err(format!("evaluated to {other}, not true or false (is a variable it reads unset?)")),
        }
    }

    /// An attribute that may hold an expression (`calledElement`): JUEL text in a Camunda 7 model
    /// (`order-${version}`), else [`Engine::value_of`].
    fn text_of(
        &self,
        instance: &str,
        text: &str,
        vars: &BTreeMap<String, Value>,
    ) -> Result<Value, crate::expr::EvalError> {
        if self.is_camunda7(instance) { self.juel(text, vars) } else { self.value_of(text, vars) }
    }

    /// A Camunda 7 user task as `TaskDecorator` creates it: assignee, candidate users and groups
    /// and due date are JUEL, evaluated now (docs.camunda.org:
    /// reference/bpmn20/tasks/user-task/). An assignee must be a string or null; a candidate
    /// entry a string (split at commas) or a list; a due date an ISO 8601 date-time, or a
    /// duration from now (`P3D`).
    fn user_task_as_created(&self, user: &UserTask, vars: &BTreeMap<String, Value>) -> Result<UserTask, String> {
        let describe = crate::expr::juel::describe;
        let assignee = match &user.assignee {
            Some(text) => match self.juel(text, vars).map_err(|e| format!("assignee: {e}"))? {
                Value::Null => None,
                Value::String(s) => Some(s),
                other => {
                    return Err(format!(
                        "assignee `{}` returns {}, not a String (Camunda 7 fails creating the task); \
                         return the user id as text",
                        text.trim(),
                        describe(&other)
                    ));
                }
            },
            None => None,
        };
        let candidates = |entries: &[String], what: &str| -> Result<Vec<String>, String> {
            let mut out = Vec::new();
            for text in entries {
                match self.juel(text, vars).map_err(|e| format!("{what}: {e}"))? {
                    Value::String(s) => out.extend(s.split(',').map(|c| c.trim().to_owned())),
                    Value::Array(items) => out.extend(items.iter().map(crate::expr::juel::to_text)),
                    other => {
                        return Err(format!(
                            "{what} `{}` returns {}: Expression did not resolve to a string or collection of strings",
                            text.trim(),
                            describe(&other)
                        ));
                    }
                }
            }
            Ok(out)
        };
        let candidate_users = candidates(&user.candidate_users, "candidate users")?;
        let candidate_groups = candidates(&user.candidate_groups, "candidate groups")?;
        let due_date = match &user.due_date {
            Some(text) => match self.juel(text, vars).map_err(|e| format!("due date: {e}"))? {
                Value::Null => None,
                // DueDateBusinessCalendar: `P...` is a duration from now, anything else a date-time.
                Value::String(s) if s.trim().starts_with('P') => {
                    let spec = TimerSpec::parse(TimerKind::Duration, s.trim()).map_err(|e| format!("due date: {e}"))?;
                    let (due, _) = spec.schedule(self.state.now).map_err(|e| format!("due date: {e}"))?;
                    Some(due.to_string())
                }
                Value::String(s) => Some(s),
                other => {
                    return Err(format!(
                        "due date `{}` returns {}: Due date expression does not resolve to a Date or Date string",
                        text.trim(),
                        describe(&other)
                    ));
                }
            },
            None => None,
        };
        let follow_up_date = match &user.follow_up_date {
            Some(text) => match self.juel(text, vars).map_err(|e| format!("follow-up date: {e}"))? {
                Value::Null => None,
                Value::String(s) => Some(s),
                other => {
                    return Err(format!(
                        "follow-up date `{}` returns {}: return an ISO 8601 date-time as text",
                        text.trim(),
                        describe(&other)
                    ));
                }
            },
            None => None,
        };
        let priority = match &user.priority {
            Some(text) => Some(priority_of(text, self.juel(text, vars).map_err(|e| format!("priority: {e}"))?)?),
            None => None,
        };
        Ok(UserTask {
            assignee,
            candidate_groups,
            candidate_users,
            form_key: user.form_key.clone(),
            due_date,
            follow_up_date,
            priority,
        })
    }

    /// A Camunda 8 user task as Zeebe creates it: each property written as `=...` is FEEL,
    /// evaluated now; candidates give a list of strings, dates a date-time, the priority a number
    /// (docs.camunda.io: components/modeler/bpmn/user-tasks/ "Assignments", "Scheduling",
    /// "Define user task priority").
    fn user_task_as_created_feel(&self, user: &UserTask, vars: &BTreeMap<String, Value>) -> Result<UserTask, String> {
        let describe = crate::expr::juel::describe;
        let text = |value: &Option<String>, what: &str| -> Result<Option<String>, String> {
            let Some(text) = value else { return Ok(None) };
            if !is_feel(text) {
                return Ok(Some(text.clone()));
            }
            match self.value_of(text, vars).map_err(|e| format!("{what}: {e}"))? {
                Value::Null => Ok(None),
                Value::String(s) => Ok(Some(s)),
                other => Err(format!("{what} `{}` returns {}, not a string", text.trim(), describe(&other))),
            }
        };
        let candidates = |entries: &[String], what: &str| -> Result<Vec<String>, String> {
            let mut out = Vec::new();
            for entry in entries {
                if !is_feel(entry) {
                    out.push(entry.clone());
                    continue;
                }
                match self.value_of(entry, vars).map_err(|e| format!("{what}: {e}"))? {
                    Value::String(s) => out.extend(s.split(',').map(|c| c.trim().to_owned())),
                    Value::Array(items) if items.iter().all(Value::is_string) => {
                        out.extend(items.iter().filter_map(Value::as_str).map(str::to_owned));
                    }
                    other => {
                        return Err(format!(
                            "{what} `{}` returns {}; return a list of strings",
                            entry.trim(),
                            describe(&other)
                        ));
                    }
                }
            }
            Ok(out)
        };
        let priority = match &user.priority {
            Some(text) if is_feel(text) => {
                Some(priority_of(text, self.value_of(text, vars).map_err(|e| format!("priority: {e}"))?)?)
            }
            Some(text) => Some(priority_of(text, Value::String(text.clone()))?),
            None => None,
        };
        Ok(UserTask {
            assignee: text(&user.assignee, "assignee")?,
            candidate_groups: candidates(&user.candidate_groups, "candidate groups")?,
            candidate_users: candidates(&user.candidate_users, "candidate users")?,
            form_key: user.form_key.clone(),
            due_date: text(&user.due_date, "due date")?,
            follow_up_date: text(&user.follow_up_date, "follow-up date")?,
            priority,
        })
    }

    /// A condition outside Camunda 7: `${...}` is JUEL, anything else the plugged-in language's.
    fn value_of_condition(&self, text: &str, vars: &BTreeMap<String, Value>) -> Result<Value, crate::expr::EvalError> {
        if crate::expr::is_juel(text) {
            crate::expr::juel::evaluate(text.trim(), vars)
        } else {
            self.expressions.evaluate(text, vars)
        }
    }

    pub(crate) fn record(&mut self, instance: &str, kind: TraceKind) {
        if let TraceKind::NodeCompleted { node } | TraceKind::NodeTerminated { node } = &kind {
            self.note_finished(instance, node);
        }
        self.state.seq += 1;
        let event =
            crate::trace::TraceEvent { seq: self.state.seq, time: self.state.now, instance: instance.to_owned(), kind };
        self.state.trace.push(event);
    }

    /// Sets a variable; the trace records it only when the value changes.
    pub(crate) fn set_variable(&mut self, instance: &str, name: &str, value: Value) {
        let Some(inst) = self.state.instances.get_mut(instance) else { return };
        if inst.variables.get(name) == Some(&value) {
            return;
        }
        inst.variables.insert(name.to_owned(), value.clone());
        self.state.dirty.insert(instance.to_owned());
        self.record(instance, TraceKind::VariableSet { name: name.to_owned(), value });
    }

    /// Watches a conditional event: it triggers when a change of variables makes its
    /// condition true (evaluated after the step that changed them).
    fn watch(
        &mut self,
        instance: &str,
        node: &NodeId,
        condition: Option<&Expression>,
        catcher: Catcher,
    ) -> Result<(), String> {
        let condition = condition.ok_or_else(|| format!("conditional event `{node}` has no condition"))?;
        self.state.conditions.push(ConditionWatch {
            instance: instance.to_owned(),
            node: node.clone(),
            condition: condition.clone(),
            catcher,
            armed: true,
        });
        self.state.dirty.insert(instance.to_owned());
        Ok(())
    }

    /// Evaluates the conditional events of instances whose variables changed; those whose
    /// condition turned true trigger. Returns whether any did.
    pub(crate) fn evaluate_conditions(&mut self) -> bool {
        let mut fired = false;
        while let Some(instance) = self.state.dirty.pop_first() {
            let vars = self.vars_of(&instance);
            let mut triggered = Vec::new();
            for (index, watch) in self.state.conditions.iter().enumerate().filter(|(_, w)| w.instance == instance) {
                let now = matches!(self.evaluate_condition(&instance, &watch.condition, &vars), Ok(true));
                triggered.push((index, now));
            }
            let mut to_fire = Vec::new();
            for (index, now) in triggered.into_iter().rev() {
                let watch = &mut self.state.conditions[index];
                if now && watch.armed {
                    let repeats = matches!(
                        watch.catcher,
                        Catcher::Boundary { interrupting: false, .. } | Catcher::EventSub { interrupting: false, .. }
                    );
                    if repeats {
                        watch.armed = false;
                        to_fire.push(watch.clone());
                    } else {
                        to_fire.push(self.state.conditions.remove(index));
                    }
                } else if !now {
                    watch.armed = true;
                }
            }
            for watch in to_fire.into_iter().rev() {
                fired = true;
                self.catch_event(&watch.instance, &watch.node, &watch.catcher);
            }
        }
        fired
    }

    pub(crate) fn record_variables(&mut self, instance: &str, variables: BTreeMap<String, Value>) {
        for (name, value) in variables {
            self.set_variable(instance, &name, value);
        }
    }

    fn vars_of(&self, instance: &str) -> BTreeMap<String, Value> {
        self.state.instances.get(instance).map(|i| i.variables.clone()).unwrap_or_default()
    }

    pub(crate) fn new_token(&mut self, instance: &str, node: NodeId, scope: Option<u64>, via: Option<FlowId>) -> u64 {
        let Some(inst) = self.state.instances.get_mut(instance) else { return 0 };
        inst.next_token += 1;
        let id = inst.next_token;
        inst.tokens.insert(
            id,
            Token {
                id,
                node,
                scope,
                via,
                compensates: None,
                inner_of: None,
                locals: BTreeMap::new(),
                loops: 0,
                wait: Wait::Moving,
                listened: [0; 3],
            },
        );
        id
    }

    fn token(&self, instance: &str, token: u64) -> Option<Token> {
        self.state.instances.get(instance)?.tokens.get(&token).cloned()
    }

    fn set_wait(&mut self, instance: &str, token: u64, wait: Wait) {
        if let Some(t) = self.state.instances.get_mut(instance).and_then(|i| i.tokens.get_mut(&token)) {
            t.wait = wait;
        }
    }

    fn push(&mut self, step: Step) {
        self.state.agenda.push_back(step);
    }

    /// Runs one agenda step.
    pub(crate) fn step(&mut self, step: Step) -> Result<(), Error> {
        match step {
            Step::Enter { instance, token } => self.enter(&instance, token, true),
            Step::Execute { instance, token } => self.enter(&instance, token, false),
            Step::Leave { instance, token } => self.leave(&instance, token),
        }
    }

    pub(crate) fn raise_incident(
        &mut self,
        instance: &str,
        token: u64,
        node: &NodeId,
        message: String,
        resume: Resume,
    ) {
        let Some(inst) = self.state.instances.get_mut(instance) else { return };
        inst.next_incident += 1;
        let number = inst.next_incident;
        let id = format!("{instance}/incident#{number}");
        inst.incidents.insert(
            number,
            Incident { number, id: id.clone(), token, node: node.clone(), message: message.clone(), resume },
        );
        self.set_wait(instance, token, Wait::Incident(number));
        self.record(instance, TraceKind::IncidentRaised { incident: id, node: node.to_string(), message });
    }

    // ----- arriving ---------------------------------------------------------------------------

    fn enter(&mut self, instance: &str, token: u64, trace: bool) -> Result<(), Error> {
        let Some(tok) = self.token(instance, token) else { return Ok(()) };
        let Some(node) = self.node(instance, &tok.node) else { return Ok(()) };
        if trace {
            self.record(instance, TraceKind::NodeEntered { node: node.id.to_string() });
        }
        if let (Some(LoopCharacteristics::MultiInstance(mi)), None) =
            (node.activity().and_then(|a| a.loop_characteristics.as_deref()), tok.inner_of)
        {
            return self.enter_multi(instance, &tok, &node, mi);
        }
        if !self.run_listeners(instance, &tok, &node, ENTERING, false) {
            return Ok(());
        }
        if let Some(LoopCharacteristics::Standard { condition: Some(condition), test_before: true, .. }) =
            node.activity().and_then(|a| a.loop_characteristics.as_deref())
            && tok.loops == 0
        {
            let vars = self.vars_of(instance);
            match self.evaluate_condition(instance, condition, &vars) {
                Ok(true) => {}
                Ok(false) => {
                    self.push(Step::Leave { instance: instance.to_owned(), token });
                    return Ok(());
                }
                Err(message) => {
                    let message = format!("loop condition of `{}`: {message}", node.label());
                    self.raise_incident(instance, token, &node.id, message, Resume::Execute);
                    return Ok(());
                }
            }
        }
        match &node.kind {
            NodeKind::Gateway(gateway) => self.enter_gateway(instance, &tok, &node, gateway),
            NodeKind::Event(event) => {
                let Some(tok) = self.event_inputs(instance, tok, &node, event) else { return Ok(()) };
                self.enter_event(instance, &tok, &node, event)
            }
            NodeKind::Task(task) => self.enter_task(instance, &tok, &node, task),
            NodeKind::SubProcess(_) => {
                if tok.inner_of.is_none() {
                    self.arm_boundaries(instance, token, &node);
                }
                // An event sub-process entered here is a compensation handler: it starts at its
                // compensation start event; any other sub-process at its none start event.
                let compensating =
                    matches!(&node.kind, NodeKind::SubProcess(SubProcess { kind: SubProcessKind::Event, .. }));
                let Some(start) = self.process_of(instance).and_then(|p| {
                    p.children(Some(&node.id))
                        .find(|n| match &n.kind {
                            NodeKind::Event(e) if matches!(e.kind, EventKind::Start { .. }) => {
                                if compensating {
                                    e.definitions.iter().any(|d| matches!(d.trigger, Trigger::Compensation { .. }))
                                } else {
                                    e.definitions.is_empty()
                                }
                            }
                            _ => false,
                        })
                        .map(|n| n.id.clone())
                }) else {
                    self.raise_incident(
                        instance,
                        token,
                        &node.id,
                        format!("sub-process `{}` has no none start event", node.label()),
                        Resume::Execute,
                    );
                    return Ok(());
                };
                self.set_wait(instance, token, Wait::Scope);
                self.arm_event_subs(instance, Some(token));
                let child = self.new_token(instance, start, Some(token), None);
                self.push(Step::Enter { instance: instance.to_owned(), token: child });
                Ok(())
            }
            NodeKind::CallActivity(call) => self.enter_call(instance, &tok, &node, call),
        }
    }

    /// A script task evaluated by the engine: its writes and result variable are set and the
    /// token leaves, or its error is an incident that runs the script again when resolved.
    fn script_done(
        &mut self,
        instance: &str,
        tok: &Token,
        node: &FlowNode,
        outcome: Result<(Value, Vec<(String, Value)>), String>,
        result_variable: Option<&str>,
    ) {
        match outcome {
            Ok((value, writes)) => {
                for (name, value) in writes {
                    self.set_variable(instance, &name, value);
                }
                if let Some(name) = result_variable {
                    self.set_variable(instance, name, value);
                }
                self.push(Step::Leave { instance: instance.to_owned(), token: tok.id });
            }
            Err(message) => self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute),
        }
    }

    fn enter_task(&mut self, instance: &str, tok: &Token, node: &FlowNode, task: &Task) -> Result<(), Error> {
        let kind = match &task.kind {
            // A plain task and a manual task do nothing in either engine: the token passes through.
            TaskKind::Abstract | TaskKind::Manual => {
                self.push(Step::Leave { instance: instance.to_owned(), token: tok.id });
                return Ok(());
            }
            TaskKind::Script(Script { format: Some(format), body: Some(body), result_variable })
                if format == "feel" =>
            {
                let vars = self.vars_of(instance);
                let outcome = self
                    .value_of(body, &vars)
                    .map(|value| (value, Vec::new()))
                    .map_err(|err| format!("script of `{}`: {err}", node.label()));
                self.script_done(instance, tok, node, outcome, result_variable.as_deref());
                return Ok(());
            }
            TaskKind::Script(Script { format: Some(format), body: Some(body), result_variable })
                if format.eq_ignore_ascii_case("juel") =>
            {
                // Camunda 7's JUEL script engine evaluates the body as one composite expression;
                // `execution.setVariable` writes, the result goes to camunda:resultVariable
                // (docs.camunda.org: user-guide/process-engine/scripting/).
                let mut vars = self.scope_view(instance, tok.scope);
                vars.extend(tok.locals.clone());
                let outcome = crate::expr::juel::parse(body)
                    .and_then(|j| j.evaluate_with_writes(&vars))
                    .map_err(|err| format!("script of `{}` (scriptFormat=\"juel\"): {err}", node.label()));
                self.script_done(instance, tok, node, outcome, result_variable.as_deref());
                return Ok(());
            }
            TaskKind::Receive { message, .. } => {
                self.arm_boundaries(instance, tok.id, node);
                self.set_wait(instance, tok.id, Wait::Event);
                if message.is_none() && self.dialect(instance) != Dialect::Camunda8 {
                    // Camunda 7 waits for the caller's signal (`Engine::trigger`).
                    return Ok(());
                }
                if let Err(message) =
                    self.subscribe(instance, &node.id, message.as_ref(), Catcher::Waiting { token: tok.id })
                {
                    self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute);
                }
                return Ok(());
            }
            TaskKind::User(_) => JobKind::User,
            _ => JobKind::Service,
        };
        let variables = match self.local_scope(instance, tok, &task.activity.inputs, node.label()) {
            Ok((variables, locals)) => {
                self.set_locals(instance, tok.id, locals);
                variables
            }
            Err(message) => {
                self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute);
                return Ok(());
            }
        };
        if kind == JobKind::Service
            && let Some(Implementation::Expression(text)) = &task.implementation
            && self.is_camunda7(instance)
            && !self.handlers.contains_key(text.as_str())
        {
            // Camunda 7 evaluates `camunda:expression` itself (docs.camunda.org:
            // user-guide/process-engine/expression-language/#delegation-code). One that calls a
            // bean Baton cannot have (`${payment.refund(execution)}`) stays a job, as before.
            match crate::expr::juel::parse(text) {
                Ok(parsed) if parsed.bean().is_some_and(|bean| !variables.contains_key(bean)) => {}
                parsed => {
                    match parsed.and_then(|j| j.evaluate_with_writes(&variables)) {
                        Ok((value, writes)) => {
                            for (name, value) in writes {
                                self.set_variable(instance, &name, value);
                            }
                            // camunda:resultVariable keeps the value (reference/bpmn20/tasks/
                            // service-task/#calling-a-method-or-invoking-an-expression).
                            if let Some(name) = &task.result_variable {
                                self.set_variable(instance, name, value);
                            }
                            self.push(Step::Leave { instance: instance.to_owned(), token: tok.id });
                        }
                        Err(err) => self.raise_incident(
                            instance,
                            tok.id,
                            &node.id,
                            format!("camunda:expression of `{}`: {err}", node.label()),
                            Resume::Execute,
                        ),
                    }
                    return Ok(());
                }
            }
        }
        let user = match &task.kind {
            TaskKind::User(user) if self.is_camunda7(instance) => match self.user_task_as_created(user, &variables) {
                Ok(user) => Some(user),
                Err(message) => {
                    let message = format!("user task `{}`: {message}", node.label());
                    self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute);
                    return Ok(());
                }
            },
            TaskKind::User(user) => match self.user_task_as_created_feel(user, &variables) {
                Ok(user) => Some(user),
                Err(message) => {
                    let message = format!("user task `{}`: {message}", node.label());
                    self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute);
                    return Ok(());
                }
            },
            _ => None,
        };
        let assigned = user.as_ref().is_some_and(|u| u.assignee.as_deref().is_some_and(|a| !a.trim().is_empty()));
        if kind == JobKind::User && !self.run_listeners(instance, tok, node, CREATING, assigned) {
            return Ok(());
        }
        let job = NewJob {
            kind,
            implementation: task.implementation.as_ref(),
            retries: task.retries.as_deref(),
            headers: &task.headers,
            variables,
            user,
        };
        self.create_job(instance, tok, node, job);
        Ok(())
    }

    /// A job property written as FEEL (`type="=..."`), evaluated as the job is created: the
    /// value `accept` takes from it, or the incident's text (what it gave instead of `wanted`).
    fn job_property<T>(
        &self,
        text: &str,
        what: &str,
        node: &FlowNode,
        variables: &BTreeMap<String, Value>,
        wanted: &str,
        accept: impl FnOnce(&Value) -> Option<T>,
    ) -> Result<T, String> {
        match self.value_of(text, variables) {
            Ok(value) => accept(&value).ok_or_else(|| {
                let got = crate::expr::juel::describe(&value);
                format!("{what} `{}` of `{}` is {got}, not {wanted}", text.trim(), node.label())
            }),
            Err(err) => Err(format!("{what} `{}` of `{}`: {err}", text.trim(), node.label())),
        }
    }

    /// Creates a job at `node` for the token, which waits for it. Zeebe evaluates a job type or
    /// retries written as `=...` now, as the job is created (docs.camunda.io:
    /// components/modeler/bpmn/service-tasks/ "Task definition": both may be expressions;
    /// headers are static); a type that is not a string or retries that are not a count are an
    /// incident naming the element.
    fn create_job(&mut self, instance: &str, tok: &Token, node: &FlowNode, job: NewJob<'_>) {
        let NewJob { kind, implementation, retries, headers, variables, user } = job;
        let job_type = match kind {
            JobKind::User => "user".to_owned(),
            JobKind::Manual => "manual".to_owned(), // not made since manual tasks pass through
            JobKind::Listener => node.id.to_string(), // made by `listener_job`
            JobKind::Service => match implementation {
                Some(Implementation::JobType(text)) if is_feel(text) => {
                    let wanted = "a non-empty string; make the expression give the type's name";
                    let evaluated =
                        self.job_property(text, "job type", node, &variables, wanted, |value| match value {
                            Value::String(job_type) if !job_type.trim().is_empty() => Some(job_type.clone()),
                            _ => None,
                        });
                    match evaluated {
                        Ok(job_type) => job_type,
                        Err(message) => {
                            self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute);
                            return;
                        }
                    }
                }
                Some(implementation) => implementation.task_type().to_owned(),
                None => node.id.to_string(),
            },
        };
        let retries_text = match retries {
            Some(text) if is_feel(text) => {
                let wanted = "a count; make the expression give a whole number";
                let evaluated = self.job_property(text, "job retries", node, &variables, wanted, |value| match value {
                    Value::Number(n) if n.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)) => Some(n.to_string()),
                    Value::String(s) if s.trim().parse::<u32>().is_ok() => Some(s.trim().to_owned()),
                    _ => None,
                });
                match evaluated {
                    Ok(retries) => Some(retries),
                    Err(message) => {
                        self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute);
                        return;
                    }
                }
            }
            other => other.map(str::to_owned),
        };
        let (retries, retry_interval) = job_retries(retries_text.as_deref());
        let name = match self.job_name(instance, node, kind, &variables) {
            Ok(name) => name,
            Err(message) => {
                self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute);
                return;
            }
        };
        if tok.inner_of.is_none() {
            self.arm_boundaries(instance, tok.id, node);
        }
        let job = Job {
            kind,
            job_type,
            retries,
            variables,
            headers: headers.to_vec(),
            user,
            name,
            retry_interval,
            ..Job::new(tok.id, node.id.clone())
        };
        // User tasks wait for the test; service work goes to its handler, if one is registered.
        self.add_job(instance, job, kind == JobKind::Service);
    }

    /// Opens `job` in the instance: numbered, its token waiting for it, queued for the handler
    /// registered for its type (when `to_handler`), and traced.
    fn add_job(&mut self, instance: &str, mut job: Job, to_handler: bool) {
        self.state.jobs_created += 1;
        let created = self.state.jobs_created;
        let Some(inst) = self.state.instances.get_mut(instance) else { return };
        inst.next_job += 1;
        let number = inst.next_job;
        job.number = number;
        job.id = format!("{instance}/job#{number}");
        job.created = created;
        let (id, token, node, job_type) = (job.id.clone(), job.token, job.node.to_string(), job.job_type.clone());
        inst.jobs.insert(number, job);
        self.set_wait(instance, token, Wait::Job(number));
        if to_handler && self.handlers.contains_key(&job_type) {
            self.state.for_handlers.insert(created, (instance.to_owned(), number));
        }
        self.record(instance, TraceKind::JobCreated { job: id, node, job_type });
    }

    /// A job's name: the element's. Camunda 7 evaluates a user task's name as JUEL text when the
    /// task is created (`Review ${order}`; docs.camunda.org: reference/bpmn20/tasks/user-task/,
    /// the engine's TaskDefinition name expression); other elements and Camunda 8 keep the text.
    fn job_name(
        &self,
        instance: &str,
        node: &FlowNode,
        kind: JobKind,
        vars: &BTreeMap<String, Value>,
    ) -> Result<Option<String>, String> {
        let Some(name) = &node.name else { return Ok(None) };
        if kind != JobKind::User || !self.is_camunda7(instance) || !(name.contains("${") || name.contains("#{")) {
            return Ok(Some(name.clone()));
        }
        match self.juel(name, vars) {
            Ok(Value::String(text)) => Ok(Some(text)),
            Ok(Value::Null) => Ok(None),
            Ok(other) => Ok(Some(other.to_string())),
            Err(err) => Err(format!("name `{name}` of user task `{}`: {err}", node.id)),
        }
    }

    fn enter_call(&mut self, instance: &str, tok: &Token, node: &FlowNode, call: &CallActivity) -> Result<(), Error> {
        let mut vars = self.scope_view(instance, tok.scope);
        vars.extend(tok.locals.clone());
        let called = match &call.called_element {
            Some(called) if called.starts_with('=') || called.contains("${") => {
                match self.text_of(instance, called, &vars) {
                    Ok(Value::String(s)) => s,
                    Ok(other) => {
                        self.raise_incident(
                            instance,
                            tok.id,
                            &node.id,
                            format!("called element of `{}` is {other}, not a process id", node.label()),
                            Resume::Execute,
                        );
                        return Ok(());
                    }
                    Err(err) => {
                        self.raise_incident(
                            instance,
                            tok.id,
                            &node.id,
                            format!("called element of `{}`: {err}", node.label()),
                            Resume::Execute,
                        );
                        return Ok(());
                    }
                }
            }
            Some(called) => called.clone(),
            None => String::new(),
        };
        let Some(deployed) = self.latest(&called) else {
            let message = format!(
                "call activity `{}` calls process `{called}`, which is not deployed; deploy it first",
                node.label()
            );
            self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute);
            return Ok(());
        };
        let child_vars = match self.child_variables(instance, tok, node, call) {
            Ok(child_vars) => child_vars,
            Err(message) => {
                self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute);
                return Ok(());
            }
        };
        if tok.inner_of.is_none() {
            self.arm_boundaries(instance, tok.id, node);
        }
        let parent = ParentRef { instance: instance.to_owned(), token: tok.id, node: Some(node.id.clone()) };
        let child = self.create_instance(deployed, child_vars, Some(parent));
        self.set_wait(instance, tok.id, Wait::Call(child.clone()));
        let start = self.none_start(&child);
        match start {
            Some(start) => {
                let token = self.new_token(&child, start, None, None);
                self.push(Step::Enter { instance: child, token });
            }
            None => {
                let message = format!("called process `{called}` has no none start event to start it with");
                self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute);
            }
        }
        Ok(())
    }

    /// The variables a called instance starts with. Zeebe: the input mappings are local
    /// variables of the call activity, and the child gets every variable the call activity sees
    /// (`propagateAllParentVariables`, default true) or only those locals (modeler/bpmn/
    /// call-activities/, "Variable mappings"). Camunda 7: none unless `camunda:in
    /// variables="all"`, plus each `camunda:in` (`source` a variable, `sourceExpression` JUEL,
    /// `local="true"` reading the call activity's local variables only), read in a scope where
    /// its `camunda:inputParameter`s are local (reference/bpmn20/subprocesses/call-activity/,
    /// "Passing Variables").
    fn child_variables(
        &mut self,
        instance: &str,
        tok: &Token,
        node: &FlowNode,
        call: &CallActivity,
    ) -> Result<BTreeMap<String, Value>, String> {
        let (view, locals) = self.local_scope(instance, tok, &call.activity.inputs, node.label())?;
        self.set_locals(instance, tok.id, locals.clone());
        if !self.is_camunda7(instance) {
            return Ok(if call.propagate_all_parent_variables { view } else { locals });
        }
        let mut child = match (call.propagate_all_parent_variables, call.all_in_local) {
            (true, true) => locals.clone(),
            (true, false) => view.clone(),
            (false, _) => BTreeMap::new(),
        };
        for mapping in &call.passed_in {
            let from = if mapping.local { &locals } else { &view };
            let value = self
                .value_of_mapping(instance, mapping, from)
                .map_err(|err| format!("camunda:in `{}` of `{}`: {err}", mapping.target, node.label()))?;
            child.insert(mapping.target.clone(), value);
        }
        Ok(child)
    }

    /// Camunda 7 `camunda:inputParameter`s of an intermediate catch or throw event or an end
    /// event: the event's local variables, evaluated as it is entered (docs.camunda.org:
    /// user-guide/process-engine/variables/ "Input/Output Variable Mapping"; the engine's
    /// InputOutputEventTest). A message event that is a job maps its inputs as a task does.
    /// Returns the token with its locals, or `None` after an incident naming the parameter.
    fn event_inputs(&mut self, instance: &str, tok: Token, node: &FlowNode, event: &Event) -> Option<Token> {
        let applies =
            matches!(event.kind, EventKind::IntermediateCatch | EventKind::IntermediateThrow | EventKind::End)
                && event.implementation.is_none()
                && !event.inputs.is_empty()
                && self.is_camunda7(instance);
        if !applies {
            return Some(tok);
        }
        match self.local_scope(instance, &tok, &event.inputs, node.label()) {
            Ok((_, locals)) => {
                self.set_locals(instance, tok.id, locals);
                self.token(instance, tok.id)
            }
            Err(message) => {
                self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute);
                None
            }
        }
    }

    /// Camunda 7 `camunda:outputParameter`s of an intermediate catch or throw event, as it is
    /// left: they see its local variables and, for a catch event, what its message or signal
    /// set, and write the process's variables (docs.camunda.org: user-guide/process-engine/
    /// variables/ "Input/Output Variable Mapping"). False after an incident naming the parameter.
    fn event_outputs(&mut self, instance: &str, tok: &Token, node: &FlowNode) -> bool {
        let NodeKind::Event(event) = &node.kind else { return true };
        let applies = matches!(event.kind, EventKind::IntermediateCatch | EventKind::IntermediateThrow)
            && event.implementation.is_none()
            && !event.mappings.is_empty()
            && self.is_camunda7(instance);
        if !applies {
            return true;
        }
        let mut view = self.scope_view(instance, tok.scope);
        view.extend(tok.locals.clone());
        let mut results = BTreeMap::new();
        if let Err(message) =
            self.apply_mappings(instance, &event.mappings, Some(&view), &mut results, "output parameter", node.label())
        {
            self.raise_incident(instance, tok.id, &node.id, message, Resume::Leave);
            return false;
        }
        self.record_variables(instance, results);
        true
    }

    fn enter_event(&mut self, instance: &str, tok: &Token, node: &FlowNode, event: &Event) -> Result<(), Error> {
        let token = tok.id;
        match (&event.kind, event.definitions.first().map(|d| &d.trigger)) {
            (EventKind::Start { .. }, _) | (EventKind::IntermediateThrow, None) => {
                self.push(Step::Leave { instance: instance.to_owned(), token });
            }
            (EventKind::IntermediateThrow, Some(Trigger::Link { name })) => {
                let target = self.process_of(instance).and_then(|p| {
                    p.children(node.parent.as_ref())
                        .find(|n| match &n.kind {
                            NodeKind::Event(e) => {
                                e.kind == EventKind::IntermediateCatch
                                    && e.definitions
                                        .iter()
                                        .any(|d| matches!(&d.trigger, Trigger::Link { name: n } if n == name))
                            }
                            _ => false,
                        })
                        .map(|n| n.id.clone())
                });
                self.record(instance, TraceKind::NodeCompleted { node: node.id.to_string() });
                match target {
                    Some(target) => {
                        if let Some(t) = self.state.instances.get_mut(instance).and_then(|i| i.tokens.get_mut(&token)) {
                            t.node = target;
                            t.via = None;
                        }
                        self.push(Step::Enter { instance: instance.to_owned(), token });
                    }
                    None => self.consume(instance, token),
                }
            }
            (EventKind::End, None) => {
                self.record(instance, TraceKind::NodeCompleted { node: node.id.to_string() });
                self.consume(instance, token);
            }
            (EventKind::End, Some(Trigger::Terminate)) => {
                self.record(instance, TraceKind::NodeCompleted { node: node.id.to_string() });
                let others: Vec<u64> = self
                    .state
                    .instances
                    .get(instance)
                    .map(|i| {
                        i.tokens.values().filter(|t| t.scope == tok.scope && t.id != token).map(|t| t.id).collect()
                    })
                    .unwrap_or_default();
                for other in others {
                    self.terminate_token(instance, other);
                }
                if let Some(inst) = self.state.instances.get_mut(instance) {
                    inst.arrivals.retain(|a| a.scope != tok.scope);
                }
                self.consume(instance, token);
            }
            (EventKind::End, Some(Trigger::Error { error })) => {
                let declared = error.as_ref().and_then(|e| self.definitions_of(instance)?.error(e.as_str()).cloned());
                let code = declared.as_ref().and_then(|e| e.code.clone()).unwrap_or_default();
                // Camunda 7's `camunda:errorMessage` is JUEL text, evaluated as it is thrown
                // (docs.camunda.org: reference/bpmn20/events/error-events/ "Defining an Error").
                let message = match declared.and_then(|e| e.message) {
                    Some(text) => {
                        let mut view = self.scope_view(instance, tok.scope);
                        view.extend(tok.locals.clone());
                        match self.text_of(instance, &text, &view) {
                            Ok(Value::String(message)) => Some(message),
                            Ok(Value::Null) => None,
                            Ok(other) => Some(other.to_string()),
                            Err(err) => {
                                let message = format!("camunda:errorMessage `{text}` of `{}`: {err}", node.label());
                                self.raise_incident(instance, token, &node.id, message, Resume::Execute);
                                return Ok(());
                            }
                        }
                    }
                    None => None,
                };
                self.record(instance, TraceKind::NodeCompleted { node: node.id.to_string() });
                self.record(instance, TraceKind::ErrorThrown { node: node.id.to_string(), code: code.clone() });
                self.throw_from(instance, token, &code, message.as_deref(), true);
            }
            (EventKind::IntermediateThrow | EventKind::End, Some(Trigger::Compensation { activity, .. })) => {
                let Some(inst) = self.state.instances.get_mut(instance) else { return Ok(()) };
                // Undo in reverse completion order, within the thrower's scope.
                let mut chosen = Vec::new();
                let mut kept = Vec::new();
                for entry in std::mem::take(&mut inst.compensable).into_iter().rev() {
                    let matches = entry.scope == tok.scope
                        && activity.as_ref().is_none_or(|a| *a == entry.activity || entry.within.contains(a));
                    if matches { chosen.push(entry) } else { kept.push(entry) }
                }
                kept.reverse();
                inst.compensable = kept;
                inst.compensating.insert(token, chosen);
                self.set_wait(instance, token, Wait::Compensation);
                self.next_compensation(instance, token);
            }
            (EventKind::IntermediateThrow | EventKind::End, Some(Trigger::Message { .. }))
                if event.implementation.is_some() =>
            {
                // A job, as a service task is: its worker sends the message, and the event is
                // left when the job completes (docs.camunda.io: components/modeler/bpmn/
                // message-events/ "Message throw events"; docs.camunda.org: reference/bpmn20/
                // events/message-events/ "Message Intermediate Throwing Event").
                let variables = match self.local_scope(instance, tok, &event.inputs, node.label()) {
                    Ok((variables, locals)) => {
                        self.set_locals(instance, token, locals);
                        variables
                    }
                    Err(message) => {
                        self.raise_incident(instance, token, &node.id, message, Resume::Execute);
                        return Ok(());
                    }
                };
                let job = NewJob {
                    kind: JobKind::Service,
                    implementation: event.implementation.as_ref(),
                    retries: event.retries.as_deref(),
                    headers: &event.headers,
                    variables,
                    user: None,
                };
                self.create_job(instance, tok, node, job);
            }
            (EventKind::IntermediateThrow | EventKind::End, Some(Trigger::Message { message })) => {
                // A message sent by the model reaches the first subscription waiting for it in
                // this engine (a pool of the same collaboration, say); if none waits, it leaves
                // the engine, as a message to an outside participant does.
                let name = message
                    .as_ref()
                    .and_then(|m| self.definitions_of(instance).and_then(|d| d.message(m.as_str())))
                    .map(|m| m.name.clone().unwrap_or_else(|| m.id.to_string()));
                if event.kind == EventKind::End {
                    self.record(instance, TraceKind::NodeCompleted { node: node.id.to_string() });
                    self.consume(instance, token);
                } else {
                    self.push(Step::Leave { instance: instance.to_owned(), token });
                }
                if let Some(name) = name {
                    let variables = self.vars_of(instance);
                    self.deliver_message(&name, variables);
                }
            }
            (EventKind::End, Some(Trigger::Cancel)) => {
                // Cancel the transaction: undo what it completed (compensation, newest first),
                // then leave it through its cancel boundary event.
                let Some(inst) = self.state.instances.get_mut(instance) else { return Ok(()) };
                let mut chosen = Vec::new();
                let mut kept = Vec::new();
                for entry in std::mem::take(&mut inst.compensable).into_iter().rev() {
                    if entry.scope == tok.scope { chosen.push(entry) } else { kept.push(entry) }
                }
                kept.reverse();
                inst.compensable = kept;
                inst.compensating.insert(token, chosen);
                inst.cancelling.insert(token);
                self.set_wait(instance, token, Wait::Compensation);
                self.next_compensation(instance, token);
            }
            (EventKind::IntermediateCatch, Some(Trigger::Timer { timer })) => {
                self.set_wait(instance, token, Wait::Event);
                if let Err(message) = self.arm_timer(instance, &node.id, timer.as_ref(), Catcher::Waiting { token }) {
                    self.raise_incident(instance, token, &node.id, message, Resume::Execute);
                }
            }
            (EventKind::IntermediateCatch, Some(Trigger::Message { message })) => {
                self.set_wait(instance, token, Wait::Event);
                if let Err(msg) = self.subscribe(instance, &node.id, message.as_ref(), Catcher::Waiting { token }) {
                    self.raise_incident(instance, token, &node.id, msg, Resume::Execute);
                }
            }
            (EventKind::IntermediateCatch, Some(Trigger::Conditional { condition })) => {
                self.set_wait(instance, token, Wait::Event);
                if let Err(msg) = self.watch(instance, &node.id, condition.as_ref(), Catcher::Waiting { token }) {
                    self.raise_incident(instance, token, &node.id, msg, Resume::Execute);
                }
            }
            (EventKind::IntermediateCatch, Some(Trigger::Signal { signal })) => {
                self.set_wait(instance, token, Wait::Event);
                if let Err(msg) = self.subscribe_signal(instance, &node.id, signal.as_ref(), Catcher::Waiting { token })
                {
                    self.raise_incident(instance, token, &node.id, msg, Resume::Execute);
                }
            }
            (EventKind::IntermediateThrow | EventKind::End, Some(Trigger::Signal { signal })) => {
                let Some(name) = self.signal_name(instance, signal.as_ref()) else {
                    let message = format!("`{}` throws a signal, but names none (signalRef)", node.label());
                    self.raise_incident(instance, token, &node.id, message, Resume::Execute);
                    return Ok(());
                };
                // The thrower goes on first, then every waiting catcher, in subscription order.
                if event.kind == EventKind::End {
                    self.record(instance, TraceKind::NodeCompleted { node: node.id.to_string() });
                    self.consume(instance, token);
                } else {
                    self.push(Step::Leave { instance: instance.to_owned(), token });
                }
                self.deliver_signal(&name, &BTreeMap::new());
            }
            (EventKind::IntermediateThrow | EventKind::End, Some(Trigger::Escalation { escalation })) => {
                let code = escalation
                    .as_ref()
                    .and_then(|e| {
                        self.definitions_of(instance)
                            .and_then(|d| d.escalation(e.as_str()))
                            .and_then(|e| e.code.clone())
                    })
                    .unwrap_or_default();
                self.record(instance, TraceKind::EscalationThrown { node: node.id.to_string(), code: code.clone() });
                let interrupted = self.escalate(instance, token, &code);
                if !interrupted {
                    if event.kind == EventKind::End {
                        self.record(instance, TraceKind::NodeCompleted { node: node.id.to_string() });
                        self.consume(instance, token);
                    } else {
                        self.push(Step::Leave { instance: instance.to_owned(), token });
                    }
                }
            }
            (EventKind::IntermediateCatch, Some(Trigger::Link { .. })) => {
                self.push(Step::Leave { instance: instance.to_owned(), token });
            }
            _ => {
                // Deployment refuses what the runtime does not run yet; this is a safety net.
                let message = format!("`{}` ({}) is not run by Baton yet", node.label(), node.element_name());
                self.raise_incident(instance, token, &node.id, message, Resume::Execute);
            }
        }
        Ok(())
    }

    fn enter_gateway(&mut self, instance: &str, tok: &Token, node: &FlowNode, gateway: &Gateway) -> Result<(), Error> {
        let token = tok.id;
        let incoming: Vec<FlowId> = self
            .process_of(instance)
            .map(|p| p.flows.iter().filter(|f| f.target == node.id).map(|f| f.id.clone()).collect())
            .unwrap_or_default();
        match &gateway.kind {
            GatewayKind::Parallel | GatewayKind::Inclusive if incoming.len() > 1 => {
                if let Some(inst) = self.state.instances.get_mut(instance) {
                    inst.arrivals.push(Arrival {
                        gateway: node.id.clone(),
                        scope: tok.scope,
                        flow: tok.via.clone(),
                        token,
                    });
                }
                self.set_wait(instance, token, Wait::Join);
                self.try_join(instance, &node.id, tok.scope);
            }
            GatewayKind::EventBased { .. } => {
                self.set_wait(instance, token, Wait::EventGateway);
                let Some(process) = self.process_of(instance) else { return Ok(()) };
                let targets: Vec<(FlowId, FlowNode)> = process
                    .flows
                    .iter()
                    .filter(|f| f.source == node.id)
                    .filter_map(|f| process.node(f.target.as_str()).map(|n| (f.id.clone(), n.clone())))
                    .collect();
                for (flow, target) in targets {
                    let catcher = Catcher::Gateway { gateway_token: token, event: target.id.clone(), flow };
                    let result = match &target.kind {
                        NodeKind::Event(Event { definitions, .. }) => match definitions.first().map(|d| &d.trigger) {
                            Some(Trigger::Timer { timer }) => {
                                self.arm_timer(instance, &target.id, timer.as_ref(), catcher)
                            }
                            Some(Trigger::Message { message }) => {
                                self.subscribe(instance, &target.id, message.as_ref(), catcher)
                            }
                            Some(Trigger::Signal { signal }) => {
                                self.subscribe_signal(instance, &target.id, signal.as_ref(), catcher)
                            }
                            _ => Err(format!(
                                "`{}` after event-based gateway `{}` is not run by Baton yet",
                                target.label(),
                                node.label()
                            )),
                        },
                        NodeKind::Task(Task { kind: TaskKind::Receive { message, .. }, .. }) => {
                            self.subscribe(instance, &target.id, message.as_ref(), catcher)
                        }
                        _ => Err(format!("`{}` cannot follow an event-based gateway", target.label())),
                    };
                    if let Err(message) = result {
                        self.withdraw_catchers(instance, token);
                        self.raise_incident(instance, token, &node.id, message, Resume::Execute);
                        return Ok(());
                    }
                }
            }
            _ => self.push(Step::Leave { instance: instance.to_owned(), token }),
        }
        Ok(())
    }

    /// Fires a joining gateway if it can: parallel when a token arrived on every incoming flow,
    /// inclusive when no other token of the scope can still reach it.
    pub(crate) fn try_join(&mut self, instance: &str, gateway: &NodeId, scope: Option<u64>) {
        let Some((file, index)) = self.shared_process(instance) else { return };
        let process = &file.processes[index];
        let Some(node) = process.node(gateway.as_str()) else { return };
        let incoming: Vec<&FlowId> = process.flows.iter().filter(|f| f.target == *gateway).map(|f| &f.id).collect();
        let Some(inst) = self.state.instances.get(instance) else { return };
        let here: Vec<&Arrival> = inst.arrivals.iter().filter(|a| a.gateway == *gateway && a.scope == scope).collect();
        if here.is_empty() {
            return;
        }
        let arrived = |flow: &FlowId| here.iter().any(|a| a.flow.as_ref() == Some(flow));
        let ready = match &node.kind {
            NodeKind::Gateway(Gateway { kind: GatewayKind::Parallel, .. }) => incoming.iter().all(|f| arrived(f)),
            _ => {
                // Inclusive: every flow still missing must be unreachable from the live tokens.
                let live: Vec<&NodeId> = inst
                    .tokens
                    .values()
                    .filter(|t| t.scope == scope && !here.iter().any(|a| a.token == t.id))
                    .map(|t| &t.node)
                    .collect();
                !live.iter().any(|start| reaches(process, start, gateway))
            }
        };
        if !ready {
            return;
        }
        // One arrival per incoming flow is consumed; the first continues, the rest end here.
        let mut used: Vec<u64> = Vec::new();
        for flow in &incoming {
            if let Some(a) = here.iter().find(|a| a.flow.as_ref() == Some(*flow) && !used.contains(&a.token)) {
                used.push(a.token);
            }
        }
        if used.is_empty() {
            used.extend(here.first().map(|a| a.token));
        }
        let Some(inst) = self.state.instances.get_mut(instance) else { return };
        inst.arrivals.retain(|a| !used.contains(&a.token));
        let (first, rest) = used.split_first().map(|(f, r)| (*f, r.to_vec())).unwrap_or_default();
        for token in rest {
            inst.tokens.remove(&token);
        }
        if let Some(t) = inst.tokens.get_mut(&first) {
            t.wait = Wait::Moving;
        }
        self.push(Step::Leave { instance: instance.to_owned(), token: first });
    }

    // ----- listeners --------------------------------------------------------------------------

    /// Runs the node's listeners of `phase` that have not run in this visit yet, in the engines'
    /// order. `true`: all have run and the element goes on; `false`: the token now waits for a
    /// listener job or an incident, and the job's completion runs this again.
    ///
    /// Camunda 7 (docs.camunda.org: user-guide/process-engine/delegation-code/#execution-listener,
    /// #task-listener): start listeners, then at a user task `assignment` (when it has an
    /// assignee) before `create`; on completion `complete`, then end listeners. Camunda 8
    /// (docs.camunda.io: components/concepts/execution-listeners/, user-task-listeners/): start
    /// listeners, then `creating`, then `assigning` for an assignee; `completing`, then end
    /// listeners. Each blocks the element until it is done.
    fn run_listeners(&mut self, instance: &str, tok: &Token, node: &FlowNode, phase: usize, assigned: bool) -> bool {
        if node.listeners.is_empty() {
            return true;
        }
        let camunda7 = self.is_camunda7(instance);
        let events: &[&str] = match (phase, camunda7, assigned) {
            (ENTERING, ..) => &["start"],
            (CREATING, true, true) => &["assignment", "create"],
            (CREATING, true, false) => &["create"],
            (CREATING, false, true) => &["creating", "assigning"],
            (CREATING, false, false) => &["creating"],
            (_, true, _) => &["complete", "end"],
            (_, false, _) => &["completing", "end"],
        };
        let ordered: Vec<Listener> =
            events.iter().flat_map(|e| node.listeners.iter().filter(move |l| l.event == *e)).cloned().collect();
        let mut done = self.token(instance, tok.id).map_or(0, |t| t.listened[phase] as usize);
        let resume = if phase == LEAVING { Resume::Leave } else { Resume::Execute };
        while let Some(listener) = ordered.get(done) {
            let name = listener.implementation.name().to_owned();
            let kind = if matches!(listener.event.as_str(), "start" | "end") { "execution" } else { "task" };
            let mut vars = self.scope_view(instance, tok.scope);
            vars.extend(tok.locals.clone());
            // Camunda 7 evaluates expression listeners, and JUEL scripts, itself; a registered
            // handler for the same text takes precedence, and a bean call needs one.
            let inline = match &listener.implementation {
                ListenerImplementation::Expression { expression }
                    if camunda7 && !self.handlers.contains_key(expression.as_str()) =>
                {
                    match crate::expr::juel::parse(expression) {
                        Ok(parsed) if parsed.bean().is_some_and(|bean| !vars.contains_key(bean)) => None,
                        parsed => Some(parsed.and_then(|j| j.evaluate_with_writes(&vars))),
                    }
                }
                ListenerImplementation::Script { format, body }
                    if format.eq_ignore_ascii_case("juel") && !self.handlers.contains_key(body.as_str()) =>
                {
                    Some(crate::expr::juel::parse(body).and_then(|j| j.evaluate_with_writes(&vars)))
                }
                _ => None,
            };
            match inline {
                Some(Ok((_, writes))) => {
                    for (variable, value) in writes {
                        self.set_variable(instance, &variable, value);
                    }
                    self.record(
                        instance,
                        TraceKind::ListenerRan {
                            node: node.id.to_string(),
                            at: listener.event.clone(),
                            listener: name,
                        },
                    );
                    done += 1;
                    if let Some(t) = self.state.instances.get_mut(instance).and_then(|i| i.tokens.get_mut(&tok.id)) {
                        t.listened[phase] = done as u32;
                    }
                    continue;
                }
                Some(Err(err)) => {
                    let message = format!("{} listener `{name}` of `{}`: {err}", listener.event, node.label());
                    self.raise_incident(instance, tok.id, &node.id, message, resume);
                    return false;
                }
                None => {}
            }
            if camunda7 && !self.handlers.contains_key(name.as_str()) {
                let what = match &listener.implementation {
                    ListenerImplementation::Class { .. } => "camunda:class",
                    ListenerImplementation::DelegateExpression { .. } => "camunda:delegateExpression",
                    ListenerImplementation::Script { format, .. } => {
                        let message = format!(
                            "{} {kind} listener of `{}` is a `{format}` script, which Baton cannot run \
                             (scriptFormat=\"juel\" only): register a listener for `{name}` with \
                             t.listener(\"{name}\", |event| ..) or Engine::register_listener",
                            listener.event,
                            node.label()
                        );
                        self.raise_incident(instance, tok.id, &node.id, message, resume);
                        return false;
                    }
                    _ => "camunda:expression",
                };
                let message = format!(
                    "no listener registered for {what} `{name}` ({} {kind} listener of `{}`): register one with \
                     t.listener(\"{name}\", |event| ..) in the testkit, or Engine::register_listener",
                    listener.event,
                    node.label()
                );
                self.raise_incident(instance, tok.id, &node.id, message, resume);
                return false;
            }
            // A job of the listener's type (Camunda 8), or the registered handler (Camunda 7):
            // the element waits for it. A Camunda 7 listener that fails is an incident at once.
            let retries = match &listener.implementation {
                ListenerImplementation::Job { retries, .. } => job_retries(retries.as_deref()),
                _ => (1, Vec::new()),
            };
            self.listener_job(instance, tok, node, listener, phase, vars, retries);
            return false;
        }
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn listener_job(
        &mut self,
        instance: &str,
        tok: &Token,
        node: &FlowNode,
        listener: &Listener,
        phase: usize,
        variables: BTreeMap<String, Value>,
        (retries, retry_interval): (u32, Vec<jiff::Span>),
    ) {
        let job_type = listener.implementation.name().to_owned();
        let job = Job {
            kind: JobKind::Listener,
            job_type,
            retries,
            variables,
            name: node.name.clone(),
            retry_interval,
            listener: Some((listener.event.clone(), phase)),
            ..Job::new(tok.id, node.id.clone())
        };
        self.add_job(instance, job, true);
    }

    /// A listener job is done: its variables are set, and the element goes on with its next
    /// listener or its own behaviour.
    pub(crate) fn listener_done(
        &mut self,
        instance: &str,
        job: &Job,
        event: &str,
        phase: usize,
        variables: BTreeMap<String, Value>,
    ) {
        let locals = self.token(instance, job.token).map(|t| t.locals).unwrap_or_default();
        let (kept, merged): (BTreeMap<_, _>, BTreeMap<_, _>) =
            variables.into_iter().partition(|(name, _)| locals.contains_key(name));
        let mut locals = locals;
        locals.extend(kept);
        self.set_locals(instance, job.token, locals);
        self.record_variables_at(instance, job.token, merged);
        self.record(
            instance,
            TraceKind::ListenerRan { node: job.node.to_string(), at: event.to_owned(), listener: job.job_type.clone() },
        );
        if let Some(t) = self.state.instances.get_mut(instance).and_then(|i| i.tokens.get_mut(&job.token)) {
            t.listened[phase] += 1;
            t.wait = Wait::Moving;
        }
        let step = if phase == LEAVING {
            Step::Leave { instance: instance.to_owned(), token: job.token }
        } else {
            Step::Execute { instance: instance.to_owned(), token: job.token }
        };
        self.push(step);
    }

    // ----- leaving ----------------------------------------------------------------------------

    fn leave(&mut self, instance: &str, token: u64) -> Result<(), Error> {
        let Some(tok) = self.token(instance, token) else { return Ok(()) };
        let Some(node) = self.node(instance, &tok.node) else { return Ok(()) };
        if !self.run_listeners(instance, &tok, &node, LEAVING, false) {
            return Ok(());
        }
        if !self.event_outputs(instance, &tok, &node) {
            return Ok(());
        }
        if let Some((body, index)) = tok.inner_of {
            // One instance of a multi-instance activity is done: the body decides what next.
            self.inner_done(instance, &tok, &node, body, index);
            return Ok(());
        }
        if let Some(LoopCharacteristics::Standard { condition, maximum, .. }) =
            node.activity().and_then(|a| a.loop_characteristics.as_deref())
        {
            let done = tok.loops + 1;
            let vars = self.vars_of(instance);
            let again = match condition {
                Some(condition) => match self.evaluate_condition(instance, condition, &vars) {
                    Ok(again) => again,
                    Err(message) => {
                        let message = format!("loop condition of `{}`: {message}", node.label());
                        self.raise_incident(instance, token, &node.id, message, Resume::Leave);
                        return Ok(());
                    }
                },
                None => true,
            } && maximum.is_none_or(|m| done < m);
            if again {
                // One iteration done; the activity runs again (its boundary events re-armed).
                self.record(instance, TraceKind::NodeCompleted { node: node.id.to_string() });
                self.withdraw_catchers(instance, token);
                if let Some(t) = self.state.instances.get_mut(instance).and_then(|i| i.tokens.get_mut(&token)) {
                    t.loops = done;
                    t.wait = Wait::Moving;
                    t.listened = [0; 3];
                }
                self.push(Step::Execute { instance: instance.to_owned(), token });
                return Ok(());
            }
        }
        let Some((file, index)) = self.shared_process(instance) else { return Ok(()) };
        let process = &file.processes[index];
        let outgoing: Vec<&SequenceFlow> = process.flows.iter().filter(|f| f.source == node.id).collect();
        let vars = self.scope_view(instance, tok.scope);
        let mut chosen: Vec<&SequenceFlow> = Vec::new();
        let mut default = None;
        let mut failure = None;
        let exclusive = matches!(&node.kind, NodeKind::Gateway(Gateway { kind: GatewayKind::Exclusive, .. }));
        let parallel = matches!(&node.kind, NodeKind::Gateway(Gateway { kind: GatewayKind::Parallel, .. }));
        for flow in &outgoing {
            if flow.is_default {
                default = Some(*flow);
                continue;
            }
            let Some(condition) = flow.condition.as_ref().filter(|_| !parallel) else {
                chosen.push(flow);
                if exclusive {
                    break;
                }
                continue;
            };
            match self.evaluate_condition(instance, condition, &vars) {
                Ok(true) => {
                    chosen.push(flow);
                    if exclusive {
                        break;
                    }
                }
                Ok(false) => {}
                Err(message) => {
                    failure = Some(format!("condition `{}` of flow `{}`: {message}", condition.text, flow.id));
                    break;
                }
            }
        }
        if let Some(message) = failure {
            self.raise_incident(instance, token, &node.id, message, Resume::Leave);
            return Ok(());
        }
        if chosen.is_empty() {
            match default {
                Some(flow) => chosen.push(flow),
                // A gateway with no outgoing flow at all ends its path, as any flow node does.
                None if matches!(&node.kind, NodeKind::Gateway(_)) && !outgoing.is_empty() => {
                    let names: Vec<String> = vars.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                    let message = format!(
                        "no outgoing flow of gateway `{}` has a true condition, and it has no default flow; variables: {}",
                        node.label(),
                        if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                    );
                    self.raise_incident(instance, token, &node.id, message, Resume::Leave);
                    return Ok(());
                }
                None => {}
            }
        }
        self.record(instance, TraceKind::NodeCompleted { node: node.id.to_string() });
        self.withdraw_catchers(instance, token);
        if let Some(thrower) = tok.compensates {
            // A compensation handler is done: it ends here, and the next one starts.
            if let Some(inst) = self.state.instances.get_mut(instance) {
                inst.tokens.remove(&token);
            }
            self.next_compensation(instance, thrower);
            return Ok(());
        }
        // A multi-instance activity was recorded instance by instance (`compensable_instance`).
        if !matches!(
            node.activity().and_then(|a| a.loop_characteristics.as_deref()),
            Some(LoopCharacteristics::MultiInstance(_))
        ) {
            self.compensable_instance(instance, &tok, &node);
        }
        if chosen.is_empty() {
            // No outgoing flow: the path ends here (an implicit end event, in both engines), and
            // the scope completes when no token is left in it.
            self.consume(instance, token);
            return Ok(());
        }
        for (i, flow) in chosen.iter().enumerate() {
            let moving = if i == 0 {
                if let Some(t) = self.state.instances.get_mut(instance).and_then(|inst| inst.tokens.get_mut(&token)) {
                    t.node = flow.target.clone();
                    t.via = Some(flow.id.clone());
                    t.wait = Wait::Moving;
                    // The element's local variables end with it.
                    t.locals.clear();
                    t.listened = [0; 3];
                }
                token
            } else {
                self.new_token(instance, flow.target.clone(), tok.scope, Some(flow.id.clone()))
            };
            self.record(instance, TraceKind::FlowTaken { flow: flow.id.to_string() });
            self.push(Step::Enter { instance: instance.to_owned(), token: moving });
        }
        Ok(())
    }

    /// Starts the next compensation handler of a throw event, or lets the event go on when
    /// all have run.
    fn next_compensation(&mut self, instance: &str, thrower: u64) {
        let Some(tok) = self.token(instance, thrower) else { return };
        let next = self.state.instances.get_mut(instance).and_then(|i| {
            let queue = i.compensating.get_mut(&thrower)?;
            (!queue.is_empty()).then(|| queue.remove(0))
        });
        match next {
            Some(entry) => {
                self.record(
                    instance,
                    TraceKind::Compensating {
                        activity: entry.activity.to_string(),
                        handler: entry.handler.to_string(),
                    },
                );
                let handler = self.new_token(instance, entry.handler, tok.scope, None);
                if let Some(t) = self.state.instances.get_mut(instance).and_then(|i| i.tokens.get_mut(&handler)) {
                    t.compensates = Some(thrower);
                }
                self.push(Step::Enter { instance: instance.to_owned(), token: handler });
            }
            None => {
                let cancelling = self.state.instances.get_mut(instance).is_some_and(|i| {
                    i.compensating.remove(&thrower);
                    i.cancelling.remove(&thrower)
                });
                if cancelling {
                    self.cancel_transaction(instance, &tok);
                    return;
                }
                let is_end = self
                    .node(instance, &tok.node)
                    .is_some_and(|n| matches!(&n.kind, NodeKind::Event(e) if e.kind == EventKind::End));
                if is_end {
                    self.record(instance, TraceKind::NodeCompleted { node: tok.node.to_string() });
                    self.consume(instance, thrower);
                } else {
                    self.set_wait(instance, thrower, Wait::Moving);
                    self.push(Step::Leave { instance: instance.to_owned(), token: thrower });
                }
            }
        }
    }

    /// A multi-instance activity starts: its body token waits while one inner instance per
    /// item (or per count) runs, all at once or one after another.
    fn enter_multi(&mut self, instance: &str, tok: &Token, node: &FlowNode, mi: &MultiInstance) -> Result<(), Error> {
        let items = match self.multi_items(instance, tok.scope, node, mi) {
            Ok(items) => items,
            Err(message) => {
                self.raise_incident(instance, tok.id, &node.id, message, Resume::Execute);
                return Ok(());
            }
        };
        self.arm_boundaries(instance, tok.id, node);
        self.set_wait(instance, tok.id, Wait::Scope);
        let total = items.len();
        if let Some(inst) = self.state.instances.get_mut(instance) {
            inst.multi.insert(
                tok.id,
                MultiState { items, sequential: mi.sequential, started: 0, completed: 0, results: BTreeMap::new() },
            );
        }
        if total == 0 {
            self.finish_multi(instance, tok.id, node, mi);
            return Ok(());
        }
        let first_wave = if mi.sequential { 1 } else { total };
        for _ in 0..first_wave {
            self.start_inner(instance, tok.id, node, mi);
        }
        Ok(())
    }

    /// The items a multi-instance activity runs over: its input collection's items, or as
    /// many nulls as its cardinality.
    fn multi_items(
        &self,
        instance: &str,
        scope: Option<u64>,
        node: &FlowNode,
        mi: &MultiInstance,
    ) -> Result<Vec<Value>, String> {
        let vars = self.scope_view(instance, scope);
        let label = node.label();
        match (&mi.input_collection, &mi.cardinality) {
            (Some(collection), _) => {
                // `=items`/`${items}` are expressions; Camunda 7's `camunda:collection="items"` names a variable.
                let value = if self.is_camunda7(instance) && collection.contains("${") {
                    self.juel(collection, &vars).map_err(|e| format!("input collection of `{label}`: {e}"))?
                } else if is_expression(collection) {
                    self.value_of(collection, &vars).map_err(|e| format!("input collection of `{label}`: {e}"))?
                } else {
                    vars.get(collection.trim()).cloned().unwrap_or(Value::Null)
                };
                match value {
                    Value::Array(items) => Ok(items),
                    other => Err(format!("input collection `{collection}` of `{label}` is {other}, not a list")),
                }
            }
            (None, Some(cardinality)) if self.is_camunda7(instance) => {
                // Camunda 7: a JUEL value that is a Number (its intValue) or a String of digits
                // (docs.camunda.org: reference/bpmn20/tasks/task-markers/#multiple-instance).
                let value =
                    self.juel(&cardinality.text, &vars).map_err(|e| format!("loop cardinality of `{label}`: {e}"))?;
                let count = match &value {
                    Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                    Value::String(s) => s.trim().parse::<i64>().ok(),
                    _ => None,
                };
                match count {
                    Some(n) => Ok(vec![Value::Null; usize::try_from(n).unwrap_or(0)]),
                    None => Err(format!(
                        "loop cardinality `{}` of `{label}` is {}, not a whole number",
                        cardinality.text.trim(),
                        crate::expr::juel::describe(&value)
                    )),
                }
            }
            (None, Some(cardinality)) => {
                let text = cardinality.text.trim();
                let text = if is_expression(text) { text.to_owned() } else { format!("={text}") };
                let value = self.value_of(&text, &vars).map_err(|e| format!("loop cardinality of `{label}`: {e}"))?;
                match value.as_u64() {
                    Some(n) => Ok(vec![Value::Null; n as usize]),
                    None => Err(format!(
                        "loop cardinality `{}` of `{label}` is {value}, not a whole number",
                        cardinality.text
                    )),
                }
            }
            (None, None) => {
                Err(format!("multi-instance `{label}` has neither an input collection nor a loop cardinality"))
            }
        }
    }

    fn start_inner(&mut self, instance: &str, body: u64, node: &FlowNode, mi: &MultiInstance) {
        let Some(inst) = self.state.instances.get_mut(instance) else { return };
        let Some(state) = inst.multi.get_mut(&body) else { return };
        let index = state.started;
        state.started += 1;
        let item = state.items.get(index).cloned().unwrap_or(Value::Null);
        let total = state.items.len();
        // As Camunda 7 has them when the instance starts: a parallel body starts all at once.
        let (completed, active) = if state.sequential { (state.completed, 1) } else { (0, total) };
        let camunda7 = self.is_camunda7(instance);
        let Some(inst) = self.state.instances.get_mut(instance) else { return };
        let scope = inst.tokens.get(&body).and_then(|t| t.scope);
        let inner = self.new_token(instance, node.id.clone(), scope, None);
        if let Some(t) = self.state.instances.get_mut(instance).and_then(|i| i.tokens.get_mut(&inner)) {
            t.inner_of = Some((body, index));
            if camunda7 {
                // Camunda 7 counts from 0 and sets nrOfInstances, nrOfActiveInstances and
                // nrOfCompletedInstances (reference/bpmn20/tasks/task-markers/).
                t.locals.insert("loopCounter".into(), Value::from(index));
                t.locals.insert("nrOfInstances".into(), Value::from(total));
                t.locals.insert("nrOfActiveInstances".into(), Value::from(active));
                t.locals.insert("nrOfCompletedInstances".into(), Value::from(completed));
            } else {
                // Zeebe counts from 1 and sets only loopCounter (modeler/bpmn/multi-instance/,
                // "Variable mappings").
                t.locals.insert("loopCounter".into(), Value::from(index + 1));
            }
            if let Some(element) = mi.input_element.as_ref().filter(|e| !e.trim().is_empty()) {
                t.locals.insert(element.trim().to_owned(), item);
            }
        }
        self.init_output_element(instance, inner, mi);
        self.push(Step::Execute { instance: instance.to_owned(), token: inner });
    }

    /// An inner instance completed: keep its output, then start the next one, or finish.
    fn inner_done(&mut self, instance: &str, tok: &Token, node: &FlowNode, body: u64, index: usize) {
        let Some(LoopCharacteristics::MultiInstance(mi)) =
            node.activity().and_then(|a| a.loop_characteristics.as_deref().cloned())
        else {
            return;
        };
        self.withdraw_catchers(instance, tok.id);
        if let Some(inst) = self.state.instances.get_mut(instance) {
            inst.tokens.remove(&tok.id);
        }
        self.compensable_instance(instance, tok, node);
        let mut vars = self.scope_view(instance, tok.scope);
        vars.extend(tok.locals.clone());
        let output = match &mi.output_element {
            Some(element) if is_expression(element) => self.value_of(element, &vars).unwrap_or(Value::Null),
            Some(element) => vars.get(element.trim()).cloned().unwrap_or(Value::Null),
            None => Value::Null,
        };
        let Some(state) = self.state.instances.get_mut(instance).and_then(|i| i.multi.get_mut(&body)) else { return };
        state.completed += 1;
        state.results.insert(index, output);
        let (total, completed, started, sequential) =
            (state.items.len(), state.completed, state.started, state.sequential);
        let active = started - completed;
        vars.insert("nrOfInstances".into(), Value::from(total));
        vars.insert("nrOfCompletedInstances".into(), Value::from(completed));
        vars.insert("nrOfActiveInstances".into(), Value::from(active));
        let condition_met = match &mi.completion_condition {
            Some(condition) => match self.evaluate_condition(instance, condition, &vars) {
                Ok(met) => met,
                Err(message) => {
                    let message = format!("completion condition of `{}`: {message}", node.label());
                    self.raise_incident(instance, body, &node.id, message, Resume::Leave);
                    return;
                }
            },
            None => false,
        };
        if condition_met || completed == total {
            // Instances still running are cancelled: the condition says enough.
            let running: Vec<u64> = self
                .state
                .instances
                .get(instance)
                .map(|i| {
                    i.tokens
                        .values()
                        .filter(|t| matches!(t.inner_of, Some((b, _)) if b == body))
                        .map(|t| t.id)
                        .collect()
                })
                .unwrap_or_default();
            for inner in running {
                self.terminate_token(instance, inner);
            }
            self.finish_multi(instance, body, node, &mi);
        } else if sequential && started < total {
            self.start_inner(instance, body, node, &mi);
        }
    }

    fn finish_multi(&mut self, instance: &str, body: u64, _node: &FlowNode, mi: &MultiInstance) {
        let Some(state) = self.state.instances.get_mut(instance).and_then(|i| i.multi.remove(&body)) else { return };
        if let Some(collection) = mi.output_collection.as_ref().filter(|c| !c.trim().is_empty()) {
            let results: Vec<Value> =
                (0..state.items.len()).map(|i| state.results.get(&i).cloned().unwrap_or(Value::Null)).collect();
            self.set_variable(instance, collection.trim(), Value::Array(results));
        }
        self.set_wait(instance, body, Wait::Moving);
        self.push(Step::Leave { instance: instance.to_owned(), token: body });
    }

    /// Zeebe creates the output element's variable, as null, in each instance's own scope, so
    /// what an instance sets under that name stays its own and parallel instances do not
    /// overwrite each other (docs.camunda.io: components/modeler/bpmn/multi-instance/,
    /// "Collecting the output"; camunda/zeebe#9947). Only a plain variable (`=result`,
    /// `=result.total`) is created, never the input element.
    fn init_output_element(&mut self, instance: &str, inner: u64, mi: &MultiInstance) {
        let Some(element) = mi.output_element.as_deref() else { return };
        let text = element.trim().trim_start_matches('=').trim();
        let name = text.split('.').next().unwrap_or_default();
        let plain = !name.is_empty()
            && name.chars().all(|c| c.is_alphanumeric() || c == '_')
            && text.split('.').all(|part| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_'));
        if !plain || mi.input_element.as_deref().map(str::trim) == Some(name) {
            return;
        }
        if let Some(t) = self.state.instances.get_mut(instance).and_then(|i| i.tokens.get_mut(&inner)) {
            t.locals.entry(name.to_owned()).or_insert(Value::Null);
        }
    }

    /// What a token sees of the variables: the process's, then the local variables of each
    /// enclosing scope from `scope` outwards (an instance of a multi-instance sub-process holds
    /// its element variable and loop counter), nearer over farther. The token's own locals go
    /// on top of this.
    pub(crate) fn scope_view(&self, instance: &str, scope: Option<u64>) -> BTreeMap<String, Value> {
        let mut view = self.vars_of(instance);
        let Some(inst) = self.state.instances.get(instance) else { return view };
        let mut chain = Vec::new();
        let mut next = scope;
        while let Some(id) = next {
            let Some(t) = inst.tokens.get(&id) else { break };
            chain.push(&t.locals);
            next = t.scope;
        }
        for locals in chain.into_iter().rev() {
            view.extend(locals.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        view
    }

    /// Sets variables from inside `token`: each goes to the nearest scope, from the token
    /// outwards, that has it as a local variable, else to the process. Both engines propagate so
    /// (docs.camunda.org: user-guide/process-engine/variables/, "Variable Scopes and Variable
    /// Visibility"; docs.camunda.io: components/concepts/variables/, "Variable propagation").
    pub(crate) fn record_variables_at(&mut self, instance: &str, token: u64, variables: BTreeMap<String, Value>) {
        for (name, value) in variables {
            let owner = self.state.instances.get(instance).and_then(|inst| {
                let mut next = Some(token);
                while let Some(id) = next {
                    let t = inst.tokens.get(&id)?;
                    if t.locals.contains_key(&name) {
                        return Some(id);
                    }
                    next = t.scope;
                }
                None
            });
            match owner.and_then(|id| self.state.instances.get_mut(instance)?.tokens.get_mut(&id)) {
                Some(t) => {
                    t.locals.insert(name, value);
                }
                None => self.set_variable(instance, &name, value),
            }
        }
    }

    /// An activity, or one instance of a multi-instance activity, completed at `tok`: remember
    /// its compensation handler, so compensation runs it once per completion (docs.camunda.org:
    /// reference/bpmn20/events/cancel-and-compensation-events/, "the associated compensation
    /// handler is executed the same amount of times the activity completed successfully";
    /// docs.camunda.io: components/modeler/bpmn/compensation-handler/). A sub-process without a
    /// handler of its own hands on what completed inside it: compensating its scope compensates
    /// those ("Compensation is triggered hierarchically"; docs.camunda.io: components/modeler/
    /// bpmn/compensation-events/, "Compensating embedded subprocesses"). With a handler of its
    /// own, the handler is what compensates it.
    fn compensable_instance(&mut self, instance: &str, tok: &Token, node: &FlowNode) {
        let Some(process) = self.process_of(instance) else { return };
        let handler = compensation_handler(process, &node.id);
        let is_scope = matches!(&node.kind, NodeKind::SubProcess(s) if s.kind != SubProcessKind::Event);
        let Some(inst) = self.state.instances.get_mut(instance) else { return };
        if is_scope {
            let inner = Some(tok.id);
            let entries = std::mem::take(&mut inst.compensable);
            inst.compensable = entries
                .into_iter()
                .filter_map(|mut entry| {
                    if entry.scope != inner {
                        return Some(entry);
                    }
                    if handler.is_some() {
                        return None;
                    }
                    entry.scope = tok.scope;
                    entry.within.push(node.id.clone());
                    Some(entry)
                })
                .collect();
        }
        if let Some(handler) = handler {
            inst.compensable.push(Compensable {
                scope: tok.scope,
                activity: node.id.clone(),
                handler,
                within: Vec::new(),
            });
        }
    }

    /// Ends the transaction a cancel end event's token runs in, and continues at its cancel
    /// boundary event (or, without one, after the transaction as if it had ended).
    fn cancel_transaction(&mut self, instance: &str, thrower: &Token) {
        self.record(instance, TraceKind::NodeCompleted { node: thrower.node.to_string() });
        let Some(transaction) = thrower.scope.and_then(|t| self.token(instance, t)) else {
            self.consume(instance, thrower.id);
            return;
        };
        let boundary = self.process_of(instance).and_then(|p| {
            p.nodes
                .iter()
                .find(|n| match &n.kind {
                    NodeKind::Event(Event { kind: EventKind::Boundary { attached_to, .. }, definitions, .. }) => {
                        *attached_to == transaction.node && definitions.iter().any(|d| d.trigger == Trigger::Cancel)
                    }
                    _ => false,
                })
                .map(|n| n.id.clone())
        });
        if let Some(inst) = self.state.instances.get_mut(instance) {
            inst.tokens.remove(&thrower.id);
        }
        match boundary {
            Some(boundary) => {
                self.terminate_token(instance, transaction.id);
                let token = self.new_token(instance, boundary.clone(), transaction.scope, None);
                self.record(instance, TraceKind::NodeEntered { node: boundary.to_string() });
                self.push(Step::Leave { instance: instance.to_owned(), token });
            }
            None => self.scope_check(instance, Some(transaction.id)),
        }
    }

    /// The token is done: remove it, and finish its scope if nothing else runs there.
    pub(crate) fn consume(&mut self, instance: &str, token: u64) {
        let Some(inst) = self.state.instances.get_mut(instance) else { return };
        let Some(tok) = inst.tokens.remove(&token) else { return };
        self.scope_check(instance, tok.scope);
    }

    pub(crate) fn scope_check(&mut self, instance: &str, scope: Option<u64>) {
        // A token leaving may make an inclusive join fireable.
        let gateways: Vec<NodeId> = self
            .state
            .instances
            .get(instance)
            .map(|i| {
                let mut g: Vec<NodeId> =
                    i.arrivals.iter().filter(|a| a.scope == scope).map(|a| a.gateway.clone()).collect();
                g.dedup();
                g
            })
            .unwrap_or_default();
        for gateway in gateways {
            self.try_join(instance, &gateway, scope);
        }
        let Some(inst) = self.state.instances.get(instance) else { return };
        if inst.state != InstanceState::Active {
            return;
        }
        let busy = inst.tokens.values().any(|t| t.scope == scope) || inst.arrivals.iter().any(|a| a.scope == scope);
        if busy {
            return;
        }
        match scope {
            Some(owner) => {
                if let Some(t) = self.state.instances.get_mut(instance).and_then(|i| i.tokens.get_mut(&owner)) {
                    t.wait = Wait::Moving;
                }
                self.push(Step::Leave { instance: instance.to_owned(), token: owner });
            }
            None => self.end_instance(instance, InstanceState::Ended),
        }
    }

    pub(crate) fn end_instance(&mut self, instance: &str, state: InstanceState) {
        let Some(inst) = self.state.instances.get_mut(instance) else { return };
        inst.state = state;
        let parent = inst.parent.clone();
        let variables = inst.variables.clone();
        let tokens: Vec<u64> = inst.tokens.keys().copied().collect();
        for token in tokens {
            self.terminate_token(instance, token);
        }
        // Event sub-process starts of the process level go with it.
        self.state.timers.retain(|t| t.instance != instance);
        self.state.subscriptions.retain(|s| s.instance != instance);
        self.state.conditions.retain(|c| c.instance != instance);
        self.record(
            instance,
            if state == InstanceState::Ended { TraceKind::InstanceEnded } else { TraceKind::InstanceTerminated },
        );
        if let (Some(parent), InstanceState::Ended) = (parent, state) {
            self.resume_caller(&parent, variables);
        }
        self.start_from_buffer(instance);
    }

    /// An instance started by a message with a correlation key ended: a buffered message with
    /// that key for one of the process's message start events now starts the next instance
    /// (Zeebe, docs.camunda.io components/modeler/bpmn/message-events/ "Message start events").
    fn start_from_buffer(&mut self, instance: &str) {
        let Some((process, key)) = self
            .state
            .instances
            .get(instance)
            .and_then(|i| i.started_by_key.clone().map(|key| (i.process.clone(), key)))
        else {
            return;
        };
        let now = self.state.now;
        let found = self.state.buffered.iter().position(|b| {
            b.expires > now && b.correlation_key.as_deref() == Some(key.as_str()) && !b.correlated.contains(&process)
        });
        let Some(index) = found else { return };
        let name = self.state.buffered[index].name.clone();
        let Some((deployed, start)) =
            self.starts_for(&name, false).into_iter().find(|(d, _)| self.state.processes[*d].id == process)
        else {
            return;
        };
        self.state.buffered[index].correlated.insert(process);
        let variables = self.state.buffered[index].variables.clone();
        self.start_by_message(deployed, start, &name, Some(&key), variables);
    }

    fn resume_caller(&mut self, parent: &ParentRef, child_vars: BTreeMap<String, Value>) {
        let Some(tok) = self.token(&parent.instance, parent.token) else { return };
        let Some(FlowNode { kind: NodeKind::CallActivity(call), .. }) = self.node(&parent.instance, &tok.node) else {
            return;
        };
        if self.is_camunda7(&parent.instance) {
            // Camunda 7: `camunda:out variables="all"` and each `camunda:out` (its `source` a
            // child variable, `sourceExpression` JUEL over the child's), written to the process
            // scope, or with `local="true"` as the call activity's local variables; then its
            // `camunda:outputParameter`s, which see those locals.
            let mut locals = tok.locals.clone();
            let mut out = BTreeMap::new();
            if call.propagate_all_child_variables {
                if call.all_out_local { locals.extend(child_vars.clone()) } else { out = child_vars.clone() }
            }
            for mapping in &call.passed_out {
                match self.value_of_mapping(&parent.instance, mapping, &child_vars) {
                    Ok(value) if mapping.local => {
                        locals.insert(mapping.target.clone(), value);
                    }
                    Ok(value) => {
                        out.insert(mapping.target.clone(), value);
                    }
                    Err(err) => {
                        let message = format!("camunda:out `{}` of `{}`: {err}", mapping.target, tok.node);
                        self.raise_incident(&parent.instance, parent.token, &tok.node, message, Resume::Leave);
                        return;
                    }
                }
            }
            self.record_variables(&parent.instance, out);
            self.set_locals(&parent.instance, parent.token, locals.clone());
            let mut view = self.scope_view(&parent.instance, tok.scope);
            view.extend(locals);
            let mut results = BTreeMap::new();
            if let Err(message) = self.apply_mappings(
                &parent.instance,
                &call.activity.outputs,
                Some(&view),
                &mut results,
                "output parameter",
                tok.node.as_str(),
            ) {
                self.raise_incident(&parent.instance, parent.token, &tok.node, message, Resume::Leave);
                return;
            }
            self.record_variables(&parent.instance, results);
        } else {
            let mut out = if call.propagate_all_child_variables { child_vars.clone() } else { BTreeMap::new() };
            if let Err(message) = self.apply_mappings(
                &parent.instance,
                &call.activity.outputs,
                Some(&child_vars),
                &mut out,
                "output",
                tok.node.as_str(),
            ) {
                self.raise_incident(&parent.instance, parent.token, &tok.node, message, Resume::Leave);
                return;
            }
            self.record_variables(&parent.instance, out);
        }
        self.set_wait(&parent.instance, parent.token, Wait::Moving);
        self.push(Step::Leave { instance: parent.instance.clone(), token: parent.token });
    }

    /// Ends a token before its node finished: its jobs, timers, subscriptions, nested scope
    /// and called instance go with it.
    pub(crate) fn terminate_token(&mut self, instance: &str, token: u64) {
        let Some(tok) = self.token(instance, token) else { return };
        self.withdraw_catchers(instance, token);
        let nested: Vec<u64> = self
            .state
            .instances
            .get(instance)
            .map(|i| {
                i.tokens
                    .values()
                    .filter(|t| t.scope == Some(token) || t.inner_of.is_some_and(|(body, _)| body == token))
                    .map(|t| t.id)
                    .collect()
            })
            .unwrap_or_default();
        for child in nested {
            self.terminate_token(instance, child);
        }
        if let Wait::Call(child) = &tok.wait
            && self.state.instances.get(child).is_some_and(|c| c.state == InstanceState::Active)
        {
            self.end_instance(child, InstanceState::Terminated);
        }
        if let Some(inst) = self.state.instances.get_mut(instance) {
            inst.jobs.retain(|_, j| j.token != token);
            inst.incidents.retain(|_, i| i.token != token);
            inst.arrivals.retain(|a| a.scope != Some(token) && a.token != token);
            inst.multi.remove(&token);
            inst.tokens.remove(&token);
        }
        self.state.agenda.retain(|s| match s {
            Step::Enter { instance: i, token: t }
            | Step::Execute { instance: i, token: t }
            | Step::Leave { instance: i, token: t } => !(i == instance && *t == token),
        });
        self.record(instance, TraceKind::NodeTerminated { node: tok.node.to_string() });
    }

    // ----- events -----------------------------------------------------------------------------

    /// Arms the timer and message boundary events of the activity `token` is at.
    pub(crate) fn arm_boundaries(&mut self, instance: &str, token: u64, activity: &FlowNode) {
        let Some(process) = self.process_of(instance) else { return };
        let boundaries: Vec<(NodeId, bool, Trigger)> = process
            .nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Event(Event {
                    kind: EventKind::Boundary { attached_to, cancel_activity },
                    definitions,
                    ..
                }) if *attached_to == activity.id => {
                    definitions.first().map(|d| (n.id.clone(), *cancel_activity, d.trigger.clone()))
                }
                _ => None,
            })
            .collect();
        for (event, interrupting, trigger) in boundaries {
            let catcher = Catcher::Boundary { activity_token: token, event: event.clone(), interrupting };
            let result = match trigger {
                Trigger::Timer { timer } => self.arm_timer(instance, &event, timer.as_ref(), catcher),
                Trigger::Message { message } => self.subscribe(instance, &event, message.as_ref(), catcher),
                Trigger::Signal { signal } => self.subscribe_signal(instance, &event, signal.as_ref(), catcher),
                Trigger::Conditional { condition } => self.watch(instance, &event, condition.as_ref(), catcher),
                _ => Ok(()), // errors are caught when thrown
            };
            if let Err(message) = result {
                self.raise_incident(instance, token, &activity.id, message, Resume::Execute);
            }
        }
    }

    /// Removes the timers and subscriptions that belong to `token`.
    pub(crate) fn withdraw_catchers(&mut self, instance: &str, token: u64) {
        let (cancelled, kept): (Vec<ArmedTimer>, Vec<ArmedTimer>) = std::mem::take(&mut self.state.timers)
            .into_iter()
            .partition(|t| t.instance == instance && t.catcher.token() == token);
        self.state.timers = kept;
        for timer in cancelled {
            self.record(instance, TraceKind::TimerCancelled { timer: timer.id, node: timer.node.to_string() });
        }
        self.state.subscriptions.retain(|s| !(s.instance == instance && s.catcher.token() == token));
        self.state.conditions.retain(|c| !(c.instance == instance && c.catcher.token() == token));
    }

    pub(crate) fn arm_timer(
        &mut self,
        instance: &str,
        node: &NodeId,
        timer: Option<&Timer>,
        catcher: Catcher,
    ) -> Result<(), String> {
        let Some(timer) = timer else { return Err(format!("timer `{node}` has no time")) };
        let value = if self.is_camunda7(instance) && (timer.value.contains("${") || timer.value.contains("#{")) {
            // Camunda 7 evaluates a timer definition as JUEL text first (`PT${minutes}M`), then
            // reads the ISO 8601 result (docs.camunda.org: reference/bpmn20/events/timer-events/).
            match self.juel(&timer.value, &self.vars_of(instance)).map_err(|e| format!("timer `{node}`: {e}"))? {
                Value::String(text) => text,
                other => {
                    return Err(format!(
                        "timer `{node}`: `{}` returns {}, not an ISO 8601 text",
                        timer.value.trim(),
                        crate::expr::juel::describe(&other)
                    ));
                }
            }
        } else {
            timer.value.clone()
        };
        let mut spec = TimerSpec::parse(timer.kind, &value).map_err(|e| format!("timer `{node}`: {e}"))?;
        if let TimerSpec::Expression(text) = &spec {
            let value = self.value_of(text, &self.vars_of(instance)).map_err(|e| format!("timer `{node}`: {e}"))?;
            let Value::String(text) = value else {
                return Err(format!("timer `{node}` evaluated to {value}, not an ISO 8601 text"));
            };
            spec = TimerSpec::parse(timer.kind, &text).map_err(|e| format!("timer `{node}`: {e}"))?;
        }
        let calendar = self.calendar(self.dialect(instance));
        let ((due, cycle), cron) =
            spec.schedule_in(self.state.now, &calendar).map_err(|e| format!("timer `{node}`: {e}"))?;
        let Some(inst) = self.state.instances.get_mut(instance) else { return Ok(()) };
        inst.next_timer += 1;
        let id = format!("{instance}/timer#{}", inst.next_timer);
        let created = self.state.seq;
        self.state.timers.push(ArmedTimer {
            id: id.clone(),
            instance: instance.to_owned(),
            node: node.clone(),
            due,
            catcher,
            cycle,
            cron,
            created,
        });
        self.record(instance, TraceKind::TimerArmed { timer: id, node: node.to_string(), due });
        Ok(())
    }

    fn subscribe(
        &mut self,
        instance: &str,
        node: &NodeId,
        message: Option<&MessageId>,
        catcher: Catcher,
    ) -> Result<(), String> {
        let definitions = self.definitions_of(instance);
        let Some(message) = message.and_then(|m| definitions.and_then(|d| d.message(m.as_str()))).cloned() else {
            return Err(format!("`{node}` waits for a message, but names none (messageRef)"));
        };
        let name = message.name.clone().unwrap_or_else(|| message.id.to_string());
        let correlation_key = match &message.correlation_key {
            Some(expression) => match self.value_of(expression, &self.vars_of(instance)) {
                Ok(Value::String(s)) => Some(s),
                Ok(Value::Null) => {
                    return Err(format!(
                        "correlation key `{expression}` of message `{name}` is null: set the variable it reads"
                    ));
                }
                Ok(other) => Some(other.to_string()),
                Err(err) => return Err(format!("correlation key of message `{name}`: {err}")),
            },
            None => None,
        };
        // A message published earlier, still alive and not yet correlated to this process, is
        // delivered at once, the first published first (Zeebe's buffer: a message reaches each
        // process once, docs.camunda.io components/concepts/messages/ "Message cardinality").
        let now = self.state.now;
        self.state.buffered.retain(|b| b.expires > now);
        let process = self.state.instances.get(instance).map(|i| i.process.clone()).unwrap_or_default();
        let waiting = self.state.buffered.iter().position(|b| {
            b.name == name
                && (correlation_key.is_none() || b.correlation_key == correlation_key)
                && !b.correlated.contains(&process)
        });
        if let Some(index) = waiting {
            let message = &mut self.state.buffered[index];
            message.correlated.insert(process);
            let variables = message.variables.clone();
            self.record(instance, TraceKind::MessageCorrelated { message: name, node: node.to_string() });
            self.record_variables(instance, variables);
            self.catch_event(instance, node, &catcher);
            return Ok(());
        }
        self.state.subscriptions.push(Subscription {
            instance: instance.to_owned(),
            node: node.clone(),
            signal: false,
            message: name,
            correlation_key,
            catcher,
        });
        Ok(())
    }

    fn subscribe_signal(
        &mut self,
        instance: &str,
        node: &NodeId,
        signal: Option<&SignalId>,
        catcher: Catcher,
    ) -> Result<(), String> {
        let name = self
            .signal_name(instance, signal)
            .ok_or_else(|| format!("`{node}` waits for a signal, but names none (signalRef)"))?;
        self.state.subscriptions.push(Subscription {
            instance: instance.to_owned(),
            node: node.clone(),
            signal: true,
            message: name,
            correlation_key: None,
            catcher,
        });
        Ok(())
    }

    fn signal_name(&self, instance: &str, signal: Option<&SignalId>) -> Option<String> {
        let signal = signal.and_then(|s| self.definitions_of(instance).and_then(|d| d.signal(s.as_str())))?;
        Some(signal.name.clone().unwrap_or_else(|| signal.id.to_string()))
    }

    /// Throws an escalation from `token`: the nearest escalation boundary event for its code
    /// (or a catch-all) on an enclosing sub-process or calling activity takes it; interrupting
    /// ones end that activity, non-interrupting ones start a path beside it. Returns whether
    /// the thrower's scope was interrupted (then the thrower does not go on).
    fn escalate(&mut self, instance: &str, token: u64, code: &str) -> bool {
        // An escalation event sub-process of the thrower's own scope comes first.
        let thrower_scope = self.token(instance, token).and_then(|t| t.scope);
        if let Some((sub, start, interrupting)) = self.event_sub_for(instance, thrower_scope, code, true) {
            self.start_event_sub(instance, thrower_scope, &sub, &start, interrupting);
            return interrupting;
        }
        let mut current_instance = instance.to_owned();
        // The enclosing activity: the sub-process token, or at process level the call activity
        // that started this instance (an escalation in a called process reaches the caller).
        let mut current = match self.token(instance, token).and_then(|t| t.scope) {
            Some(scope) => self.token(instance, scope),
            None => {
                let parent = self.state.instances.get(instance).and_then(|i| i.parent.clone());
                parent.and_then(|p| {
                    current_instance = p.instance.clone();
                    self.token(&p.instance, p.token)
                })
            }
        };
        loop {
            let Some(tok) = current else { return false };
            if let Some((boundary, interrupting)) = self.escalation_boundary(&current_instance, &tok.node, code) {
                let scope = tok.scope;
                if interrupting {
                    self.terminate_token(&current_instance, tok.id);
                }
                let caught = self.new_token(&current_instance, boundary.clone(), scope, None);
                self.record(&current_instance, TraceKind::NodeEntered { node: boundary.to_string() });
                self.push(Step::Leave { instance: current_instance.clone(), token: caught });
                return interrupting;
            }
            current = match tok.scope {
                Some(owner) => self.token(&current_instance, owner),
                None => {
                    let parent = self.state.instances.get(&current_instance).and_then(|i| i.parent.clone());
                    parent.and_then(|p| {
                        current_instance = p.instance.clone();
                        self.token(&p.instance, p.token)
                    })
                }
            };
        }
    }

    fn escalation_boundary(&self, instance: &str, activity: &NodeId, code: &str) -> Option<(NodeId, bool)> {
        let process = self.process_of(instance)?;
        let definitions = self.definitions_of(instance)?;
        let mut catch_all = None;
        for node in &process.nodes {
            let NodeKind::Event(Event {
                kind: EventKind::Boundary { attached_to, cancel_activity },
                definitions: defs,
                ..
            }) = &node.kind
            else {
                continue;
            };
            if attached_to != activity {
                continue;
            }
            for definition in defs {
                if let Trigger::Escalation { escalation } = &definition.trigger {
                    match escalation
                        .as_ref()
                        .and_then(|e| definitions.escalation(e.as_str()))
                        .and_then(|e| e.code.as_deref())
                    {
                        Some(c) if c == code => return Some((node.id.clone(), *cancel_activity)),
                        Some(_) => {}
                        None => {
                            catch_all.get_or_insert_with(|| (node.id.clone(), *cancel_activity));
                        }
                    }
                }
            }
        }
        catch_all
    }

    /// Arms the start events of the event sub-processes directly inside `scope` (a sub-process
    /// token, or `None` for the process): timers, messages and signals now; errors and
    /// escalations are caught when thrown.
    pub(crate) fn arm_event_subs(&mut self, instance: &str, scope: Option<u64>) {
        let Some(process) = self.process_of(instance) else { return };
        let container = match scope {
            Some(owner) => match self.token(instance, owner) {
                Some(t) => Some(t.node),
                None => return,
            },
            None => None,
        };
        let starts: Vec<(NodeId, NodeId, bool, Trigger)> = process
            .children(container.as_ref())
            .filter(|n| matches!(&n.kind, NodeKind::SubProcess(SubProcess { kind: SubProcessKind::Event, .. })))
            .flat_map(|sub| {
                process.children(Some(&sub.id)).filter_map(move |n| match &n.kind {
                    NodeKind::Event(Event { kind: EventKind::Start { interrupting }, definitions, .. }) => {
                        definitions.first().map(|d| (sub.id.clone(), n.id.clone(), *interrupting, d.trigger.clone()))
                    }
                    _ => None,
                })
            })
            .collect();
        for (sub, start, interrupting, trigger) in starts {
            let catcher = Catcher::EventSub { scope, sub, interrupting };
            let result = match trigger {
                Trigger::Timer { timer } => self.arm_timer(instance, &start, timer.as_ref(), catcher),
                Trigger::Message { message } => self.subscribe(instance, &start, message.as_ref(), catcher),
                Trigger::Signal { signal } => self.subscribe_signal(instance, &start, signal.as_ref(), catcher),
                Trigger::Conditional { condition } => self.watch(instance, &start, condition.as_ref(), catcher),
                _ => Ok(()),
            };
            if let Err(message) = result {
                let owner = scope.unwrap_or(0);
                self.raise_incident(instance, owner, &start, message, Resume::Execute);
            }
        }
    }

    /// The event sub-processes of the scope `token` runs in that start with an error (or
    /// escalation, when `escalation`) for `code`: the specific one first, else a catch-all.
    fn event_sub_for(
        &self,
        instance: &str,
        scope: Option<u64>,
        code: &str,
        escalation: bool,
    ) -> Option<(NodeId, NodeId, bool)> {
        let process = self.process_of(instance)?;
        let definitions = self.definitions_of(instance)?;
        let container = match scope {
            Some(owner) => Some(self.token(instance, owner)?.node),
            None => None,
        };
        let mut catch_all = None;
        for sub in process.children(container.as_ref()) {
            if !matches!(&sub.kind, NodeKind::SubProcess(SubProcess { kind: SubProcessKind::Event, .. })) {
                continue;
            }
            for start in process.children(Some(&sub.id)) {
                let NodeKind::Event(Event { kind: EventKind::Start { interrupting }, definitions: defs, .. }) =
                    &start.kind
                else {
                    continue;
                };
                let code_of = |trigger: &Trigger| -> Option<Option<String>> {
                    match (trigger, escalation) {
                        (Trigger::Error { error }, false) => Some(
                            error.as_ref().and_then(|e| definitions.error(e.as_str())).and_then(|e| e.code.clone()),
                        ),
                        (Trigger::Escalation { escalation }, true) => Some(
                            escalation
                                .as_ref()
                                .and_then(|e| definitions.escalation(e.as_str()))
                                .and_then(|e| e.code.clone()),
                        ),
                        _ => None,
                    }
                };
                match defs.first().and_then(|d| code_of(&d.trigger)) {
                    Some(Some(c)) if c == code => return Some((sub.id.clone(), start.id.clone(), *interrupting)),
                    Some(None) => {
                        catch_all.get_or_insert_with(|| (sub.id.clone(), start.id.clone(), *interrupting));
                    }
                    _ => {}
                }
            }
        }
        catch_all
    }

    /// Starts an event sub-process in `scope`. An interrupting one first ends everything
    /// else running in that scope.
    pub(crate) fn start_event_sub(
        &mut self,
        instance: &str,
        scope: Option<u64>,
        sub: &NodeId,
        start: &NodeId,
        interrupting: bool,
    ) {
        if interrupting {
            let others: Vec<u64> = self
                .state
                .instances
                .get(instance)
                .map(|i| i.tokens.values().filter(|t| t.scope == scope).map(|t| t.id).collect())
                .unwrap_or_default();
            for other in others {
                self.terminate_token(instance, other);
            }
            if let Some(inst) = self.state.instances.get_mut(instance) {
                inst.arrivals.retain(|a| a.scope != scope);
            }
            self.withdraw_catchers(instance, scope.unwrap_or(0));
        }
        let body = self.new_token(instance, sub.clone(), scope, None);
        self.set_wait(instance, body, Wait::Scope);
        self.record(instance, TraceKind::NodeEntered { node: sub.to_string() });
        let first = self.new_token(instance, start.clone(), Some(body), None);
        self.record(instance, TraceKind::NodeEntered { node: start.to_string() });
        self.push(Step::Leave { instance: instance.to_owned(), token: first });
    }

    /// A timer fired or a message arrived for `catcher` at `node`.
    pub(crate) fn catch_event(&mut self, instance: &str, node: &NodeId, catcher: &Catcher) {
        match catcher {
            // Started by `fire_timer`, never triggered on an instance.
            Catcher::Start { .. } => {}
            Catcher::EventSub { scope, sub, interrupting } => {
                if !interrupting {
                    // A non-interrupting start listens again for the next message or signal
                    // (timer cycles re-arm themselves when they fire).
                    self.rearm_event_sub(instance, *scope, sub, node);
                }
                self.start_event_sub(instance, *scope, sub, node, *interrupting);
            }
            Catcher::Waiting { token } => {
                self.withdraw_catchers_except_boundaries(instance, *token);
                self.set_wait(instance, *token, Wait::Moving);
                self.push(Step::Leave { instance: instance.to_owned(), token: *token });
            }
            Catcher::Gateway { gateway_token, event, flow } => {
                let Some(gateway) = self.token(instance, *gateway_token) else { return };
                self.withdraw_catchers(instance, *gateway_token);
                self.record(instance, TraceKind::NodeCompleted { node: gateway.node.to_string() });
                self.record(instance, TraceKind::FlowTaken { flow: flow.to_string() });
                if let Some(t) = self.state.instances.get_mut(instance).and_then(|i| i.tokens.get_mut(gateway_token)) {
                    t.node = event.clone();
                    t.via = Some(flow.clone());
                    t.wait = Wait::Moving;
                }
                self.record(instance, TraceKind::NodeEntered { node: event.to_string() });
                self.push(Step::Leave { instance: instance.to_owned(), token: *gateway_token });
            }
            Catcher::Boundary { activity_token, event, interrupting } => {
                let Some(activity) = self.token(instance, *activity_token) else { return };
                if *interrupting {
                    self.terminate_token(instance, *activity_token);
                } else {
                    // A non-interrupting message or signal boundary event listens again while
                    // the activity runs: it fires each time (timer cycles re-arm themselves).
                    self.rearm_boundary(instance, node, catcher.clone());
                }
                let token = self.new_token(instance, event.clone(), activity.scope, None);
                self.record(instance, TraceKind::NodeEntered { node: node.to_string() });
                self.push(Step::Leave { instance: instance.to_owned(), token });
            }
        }
    }

    fn rearm_event_sub(&mut self, instance: &str, scope: Option<u64>, sub: &NodeId, start: &NodeId) {
        let Some(trigger) = self.node(instance, start).and_then(|n| match n.kind {
            NodeKind::Event(e) => e.definitions.first().map(|d| d.trigger.clone()),
            _ => None,
        }) else {
            return;
        };
        let catcher = Catcher::EventSub { scope, sub: sub.clone(), interrupting: false };
        let _ = match trigger {
            Trigger::Message { message } => self.subscribe(instance, start, message.as_ref(), catcher),
            Trigger::Signal { signal } => self.subscribe_signal(instance, start, signal.as_ref(), catcher),
            _ => Ok(()),
        };
    }

    fn rearm_boundary(&mut self, instance: &str, event: &NodeId, catcher: Catcher) {
        let Some(trigger) = self.node(instance, event).and_then(|n| match n.kind {
            NodeKind::Event(e) => e.definitions.first().map(|d| d.trigger.clone()),
            _ => None,
        }) else {
            return;
        };
        let _ = match trigger {
            Trigger::Message { message } => self.subscribe(instance, event, message.as_ref(), catcher),
            Trigger::Signal { signal } => self.subscribe_signal(instance, event, signal.as_ref(), catcher),
            _ => Ok(()),
        };
    }

    fn withdraw_catchers_except_boundaries(&mut self, instance: &str, token: u64) {
        self.state.timers.retain(|t| !(t.instance == instance && t.catcher == Catcher::Waiting { token }));
        self.state.subscriptions.retain(|s| !(s.instance == instance && s.catcher == Catcher::Waiting { token }));
        self.state.conditions.retain(|c| !(c.instance == instance && c.catcher == Catcher::Waiting { token }));
    }

    /// Throws a BPMN error from `token`: the nearest matching error boundary event catches it,
    /// looking outward through sub-processes and call activities; else it becomes an incident.
    pub(crate) fn throw_from(
        &mut self,
        instance: &str,
        token: u64,
        code: &str,
        message: Option<&str>,
        token_is_done: bool,
    ) {
        let mut current_instance = instance.to_owned();
        let mut current = self.token(instance, token);
        let origin = current.as_ref().map(|t| t.node.clone());
        let mut skip_own_node = token_is_done;
        while let Some(tok) = current {
            if !skip_own_node && let Some(boundary) = self.error_boundary(&current_instance, &tok.node, code) {
                let scope = tok.scope;
                if token_is_done {
                    // An error end event's token has completed: it leaves quietly.
                    if let Some(inst) = self.state.instances.get_mut(instance) {
                        inst.tokens.remove(&token);
                    }
                }
                self.terminate_token(&current_instance, tok.id);
                let caught = self.new_token(&current_instance, boundary.clone(), scope, None);
                self.record(&current_instance, TraceKind::NodeEntered { node: boundary.to_string() });
                self.keep_error(&current_instance, &boundary, code, message);
                self.push(Step::Leave { instance: current_instance.clone(), token: caught });
                return;
            }
            skip_own_node = false;
            // An error event sub-process of the scope this token runs in.
            if let Some((sub, start, interrupting)) = self.event_sub_for(&current_instance, tok.scope, code, false) {
                if token_is_done && let Some(inst) = self.state.instances.get_mut(instance) {
                    inst.tokens.remove(&token);
                }
                self.keep_error(&current_instance, &start, code, message);
                self.start_event_sub(&current_instance, tok.scope, &sub, &start, interrupting);
                return;
            }
            // Look one level out: the sub-process, else the calling activity.
            match tok.scope {
                Some(owner) => current = self.token(&current_instance, owner),
                None => {
                    let parent = self.state.instances.get(&current_instance).and_then(|i| i.parent.clone());
                    match parent {
                        Some(parent) => {
                            current_instance = parent.instance.clone();
                            current = self.token(&parent.instance, parent.token);
                        }
                        None => current = None,
                    }
                }
            }
        }
        let node = origin.unwrap_or_else(|| NodeId::from(""));
        let message =
            format!("BPMN error `{code}` thrown at `{node}` is caught by no error boundary event or event sub-process");
        // The throwing token stays where it is, so the incident has a place to be.
        self.raise_incident(instance, token, &node, message, Resume::Execute);
    }

    /// Camunda 7's `camunda:errorCodeVariable` and `camunda:errorMessageVariable` of the event
    /// that caught an error: the code, and the message (null when the error carries none)
    /// (docs.camunda.org: reference/bpmn20/events/error-events/).
    fn keep_error(&mut self, instance: &str, catcher: &NodeId, code: &str, message: Option<&str>) {
        let Some(FlowNode { kind: NodeKind::Event(event), .. }) = self.node(instance, catcher) else { return };
        if let Some(name) = &event.error_code_variable {
            self.set_variable(instance, name, Value::String(code.to_owned()));
        }
        if let Some(name) = &event.error_message_variable {
            self.set_variable(instance, name, message.map_or(Value::Null, |m| Value::String(m.to_owned())));
        }
    }

    fn error_boundary(&self, instance: &str, activity: &NodeId, code: &str) -> Option<NodeId> {
        let process = self.process_of(instance)?;
        let definitions = self.definitions_of(instance)?;
        let mut catch_all = None;
        for node in &process.nodes {
            let NodeKind::Event(Event { kind: EventKind::Boundary { attached_to, .. }, definitions: defs, .. }) =
                &node.kind
            else {
                continue;
            };
            if attached_to != activity {
                continue;
            }
            for definition in defs {
                if let Trigger::Error { error } = &definition.trigger {
                    match error.as_ref().and_then(|e| definitions.error(e.as_str())).and_then(|e| e.code.as_deref()) {
                        Some(c) if c == code => return Some(node.id.clone()),
                        Some(_) => {}
                        None => {
                            catch_all.get_or_insert_with(|| node.id.clone());
                        }
                    }
                }
            }
        }
        catch_all
    }

    /// Where a plain start begins: the none start event; in a Camunda 7 model the none or timer
    /// start event, else the only start event of any kind (Camunda 7's `selectInitial`).
    pub(crate) fn initial_start(&self, instance: &str) -> Option<NodeId> {
        if !self.is_camunda7(instance) {
            return self.none_start(instance);
        }
        let starts: Vec<&FlowNode> = self
            .process_of(instance)?
            .children(None)
            .filter(|n| matches!(&n.kind, NodeKind::Event(e) if matches!(e.kind, EventKind::Start { .. })))
            .collect();
        let none_or_timer = starts.iter().find(|n| {
            matches!(&n.kind, NodeKind::Event(e) if e.definitions.first().is_none_or(|d| matches!(d.trigger, Trigger::Timer { .. })))
        });
        match (none_or_timer, starts.as_slice()) {
            (Some(node), _) => Some(node.id.clone()),
            (None, [only]) => Some(only.id.clone()),
            _ => None,
        }
    }

    pub(crate) fn none_start(&self, instance: &str) -> Option<NodeId> {
        self.process_of(instance)?
            .children(None)
            .find(|n| matches!(&n.kind, NodeKind::Event(e) if matches!(e.kind, EventKind::Start { .. }) && e.definitions.is_empty()))
            .map(|n| n.id.clone())
    }
}

/// A job's retries and the wait before each retry, as the model writes them: Zeebe's
/// `zeebe:taskDefinition retries="5"` is the count (docs.camunda.io: components/concepts/job-
/// workers/ "Timeouts" and "Retries"); Camunda 7's `camunda:failedJobRetryTimeCycle` `R5/PT1M`
/// is five retries, each a minute after the failure (docs.camunda.org: user-guide/process-
/// engine/the-job-executor/ "Failed Jobs"; the engine sets the retries from the cycle on the
/// first failure). Without either, a job has 3 retries and is retried at once (Camunda 7's
/// default, and Zeebe's default count).
/// The listener phases of an element's visit: entering (start), creating a user task, leaving.
const ENTERING: usize = 0;
const CREATING: usize = 1;
const LEAVING: usize = 2;

/// Whether a Camunda 8 property is a FEEL expression (`=...`) rather than its literal value.
fn is_feel(text: &str) -> bool {
    text.trim_start().starts_with('=')
}

/// What [`Engine::create_job`] needs to make a job.
struct NewJob<'a> {
    kind: JobKind,
    implementation: Option<&'a Implementation>,
    retries: Option<&'a str>,
    headers: &'a [(String, String)],
    variables: super::Variables,
    user: Option<UserTask>,
}

/// A user task's priority as text: a whole number, given as a number or as text.
fn priority_of(text: &str, value: Value) -> Result<String, String> {
    let number = match &value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match number {
        Some(number) => Ok(number.to_string()),
        None => Err(format!(
            "priority `{}` is {}, not a whole number; give the priority as a number",
            text.trim(),
            crate::expr::juel::describe(&value)
        )),
    }
}

pub(crate) fn job_retries(text: Option<&str>) -> (u32, Vec<jiff::Span>) {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return (3, Vec::new()) };
    if let Ok(count) = text.parse::<u32>() {
        return (count, Vec::new());
    }
    crate::clock::retry_cycle(text).unwrap_or((3, Vec::new()))
}

/// The compensation handler of an activity: the `isForCompensation` activity associated with
/// its compensation boundary event.
fn compensation_handler(process: &Process, activity: &NodeId) -> Option<NodeId> {
    // A sub-process may carry its own compensation: an event sub-process with a compensation start.
    let event_sub = process
        .children(Some(activity))
        .filter(|n| matches!(&n.kind, NodeKind::SubProcess(SubProcess { kind: SubProcessKind::Event, .. })))
        .find(|sub| {
            process.children(Some(&sub.id)).any(|n| {
                matches!(&n.kind, NodeKind::Event(Event { kind: EventKind::Start { .. }, definitions, .. })
                    if definitions.iter().any(|d| matches!(d.trigger, Trigger::Compensation { .. })))
            })
        });
    if let Some(sub) = event_sub {
        return Some(sub.id.clone());
    }
    let boundary = process.nodes.iter().find(|n| match &n.kind {
        NodeKind::Event(Event { kind: EventKind::Boundary { attached_to, .. }, definitions, .. }) => {
            attached_to == activity && definitions.iter().any(|d| matches!(d.trigger, Trigger::Compensation { .. }))
        }
        _ => false,
    })?;
    process.artifacts.iter().find_map(|a| match &a.kind {
        ArtifactKind::Association { source, target, .. } => {
            let other = if source == boundary.id.as_str() {
                target
            } else if target == boundary.id.as_str() {
                source
            } else {
                return None;
            };
            process.node(other).filter(|n| n.activity().is_some_and(|x| x.is_for_compensation)).map(|n| n.id.clone())
        }
        _ => None,
    })
}

/// Whether a token at `from` can still reach `target` along sequence flows.
fn reaches(process: &Process, from: &NodeId, target: &NodeId) -> bool {
    let mut seen: Vec<&NodeId> = vec![from];
    let mut pending: Vec<&NodeId> = vec![from];
    while let Some(node) = pending.pop() {
        if node == target {
            return true;
        }
        for flow in process.flows.iter().filter(|f| f.source == *node) {
            if !seen.contains(&&flow.target) {
                seen.push(&flow.target);
                pending.push(&flow.target);
            }
        }
        // Boundary events of an activity are further ways on from it.
        for boundary in process.nodes.iter().filter(|n| matches!(&n.kind, NodeKind::Event(Event { kind: EventKind::Boundary { attached_to, .. }, .. }) if attached_to == node)) {
            if !seen.contains(&&boundary.id) {
                seen.push(&boundary.id);
                pending.push(&boundary.id);
            }
        }
    }
    false
}
