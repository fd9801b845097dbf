//! [`Message`]: a message to correlate or publish, built by [`TestEngine::message`].

use baton_engine::runtime::{Correlation, Variables};
use serde_json::Value;

use crate::engine::{Instance, TestEngine};
use crate::error::Error;

/// A message on its way: correlated as Camunda 7 does (by business key, by process variable
/// values, to one or to all), or published as Zeebe does (correlation key, message id,
/// time-to-live).
///
/// ```
/// use baton_testkit::prelude::*;
///
/// # fn main() -> TestResult {
/// let mut t = TestEngine::deploy_str(r#"
///   <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
///     <process id="order" isExecutable="true">
///       <startEvent id="start" />
///       <sequenceFlow id="f1" sourceRef="start" targetRef="paid" />
///       <intermediateCatchEvent id="paid" name="Payment received">
///         <messageEventDefinition messageRef="m" />
///       </intermediateCatchEvent>
///     </process>
///     <message id="m" name="payment-received" />
///   </definitions>"#)?;
/// let a = t.start_with("order").business_key("A-1").run()?;
/// let b = t.start_with("order").business_key("B-2").run()?;
/// let reached = t.message("payment-received").business_key("B-2").correlate()?;
/// assert_eq!(reached, b);
/// assert_that(&t, &a).is_waiting_at("Payment received");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "nothing is sent until `correlate`, `correlate_all` or `publish`"]
pub struct Message<'t> {
    pub(crate) t: &'t mut TestEngine,
    pub(crate) name: String,
    pub(crate) correlation_key: Option<String>,
    pub(crate) business_key: Option<String>,
    pub(crate) correlation_keys: Variables,
    pub(crate) variables: Variables,
    pub(crate) message_id: Option<String>,
    pub(crate) time_to_live: Option<String>,
}

impl Message<'_> {
    /// Only instances with this business key (Camunda 7's `processInstanceBusinessKey`); a
    /// message start event gives it to the instance it starts.
    pub fn business_key(mut self, key: &str) -> Self {
        self.business_key = Some(key.to_owned());
        self
    }

    /// Only instances whose process variable `name` has this value (Camunda 7's
    /// `processInstanceVariableEquals`, the REST API's `correlationKeys`).
    pub fn where_variable(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.correlation_keys.insert(name.to_owned(), value.into());
        self
    }

    /// Only instances whose process variables have all these values (`correlationKeys`).
    pub fn where_variables(mut self, values: Variables) -> Self {
        self.correlation_keys.extend(values);
        self
    }

    /// The subscription's correlation key (Camunda 8's `correlationKey`).
    pub fn correlation_key(mut self, key: &str) -> Self {
        self.correlation_key = Some(key.to_owned());
        self
    }

    /// Variables the message carries.
    pub fn variables(mut self, variables: Variables) -> Self {
        self.variables.extend(variables);
        self
    }

    /// Zeebe's message id: a second message with the same name, correlation key and id is
    /// refused while the first is buffered (for [`Message::publish`]).
    pub fn message_id(mut self, id: &str) -> Self {
        self.message_id = Some(id.to_owned());
        self
    }

    /// How long Zeebe buffers the message, an ISO 8601 duration (`PT1H`; for
    /// [`Message::publish`], `PT0S` by default).
    pub fn time_to_live(mut self, duration: &str) -> Self {
        self.time_to_live = Some(duration.to_owned());
        self
    }

    fn narrowed(&self) -> bool {
        self.business_key.is_some() || !self.correlation_keys.is_empty()
    }

    /// Correlates it to exactly one waiting instance, or starts one at a message start event;
    /// returns that instance. A Camunda 7 message that several executions match is refused.
    pub fn correlate(self) -> Result<Instance, Error> {
        if self.narrowed() {
            return Ok(self.correlate_to(false)?.remove(0));
        }
        let Message { t, name, correlation_key, variables, .. } = self;
        t.correlate(&name, correlation_key.as_deref(), variables)
    }

    /// Correlates it to every instance that matches (Camunda 7's `correlateAll`, the REST API's
    /// `"all": true`); returns them.
    pub fn correlate_all(self) -> Result<Vec<Instance>, Error> {
        if self.narrowed() {
            return self.correlate_to(true);
        }
        let Message { t, name, correlation_key, variables, .. } = self;
        t.correlate_all(&name, correlation_key.as_deref(), variables)
    }

    fn correlate_to(self, all: bool) -> Result<Vec<Instance>, Error> {
        let Message { t, name, business_key, correlation_keys, variables, .. } = self;
        let correlation = Correlation { message: name, business_key, correlation_keys, variables, all };
        let result = t.engine.correlate(&correlation);
        Ok(result.map_err(|e| t.explain(e))?.into_iter().map(|id| Instance { id }).collect())
    }

    /// Publishes it as Zeebe does (to one subscription per process, buffered for its
    /// time-to-live, refused while one with the same id is buffered); returns the first instance
    /// it reached now, if any.
    pub fn publish(self) -> Result<Option<Instance>, Error> {
        let Message { t, name, correlation_key, variables, message_id, time_to_live, .. } = self;
        let ttl = time_to_live.as_deref().unwrap_or("PT0S");
        let result =
            t.engine.publish_message_with_id(&name, correlation_key.as_deref(), variables, ttl, message_id.as_deref());
        Ok(result.map_err(|e| t.explain(e))?.map(|id| Instance { id }))
    }
}
