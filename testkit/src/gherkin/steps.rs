//! The step library: each phrasing of [`super::PHRASES`] as a cucumber step, a thin call into
//! [`BpmnWorld`]. Actions are steps under Given and When, checks under Then.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};

use super::world::{BpmnWorld, Failure, names, values};
use baton_engine::runtime::Variables;

type Done = Result<(), Failure>;

#[given(regex = r#"^the models? "([^"]*)"(?: is deployed)?$"#)]
fn model(w: &mut BpmnWorld, path: String) -> Done {
    w.deploy(&path)
}

#[given(regex = r"^the clock is at (\S+)$")]
#[when(regex = r"^the clock (?:reaches|is set to) (\S+)$")]
fn clock(w: &mut BpmnWorld, instant: String) -> Done {
    w.set_clock(&instant)
}

#[given(regex = r#"^"([^"]*)" (?:is|was|has been) started$"#)]
#[when(regex = r#"^"([^"]*)" (?:is|was|has been) started$"#)]
fn start(w: &mut BpmnWorld, process: String) -> Done {
    w.start(&process, Variables::new())
}

#[given(regex = r#"^"([^"]*)" (?:is|was|has been) started with:?$"#)]
#[when(regex = r#"^"([^"]*)" (?:is|was|has been) started with:?$"#)]
fn start_with(w: &mut BpmnWorld, process: String, step: &Step) -> Done {
    w.start(&process, values(step)?)
}

#[given(regex = r#"^"([^"]*)" (?:is|was|has been) completed$"#)]
#[when(regex = r#"^"([^"]*)" (?:is|was|has been) completed$"#)]
fn complete(w: &mut BpmnWorld, element: String) -> Done {
    w.complete(&element, Variables::new())
}

#[given(regex = r#"^"([^"]*)" (?:is|was|has been) completed with:?$"#)]
#[when(regex = r#"^"([^"]*)" (?:is|was|has been) completed with:?$"#)]
fn complete_with(w: &mut BpmnWorld, element: String, step: &Step) -> Done {
    w.complete(&element, values(step)?)
}

#[given(regex = r#"^"([^"]*)" (?:fails|failed) with (?:the )?(?:BPMN )?error "([^"]*)"$"#)]
#[when(regex = r#"^"([^"]*)" (?:fails|failed) with (?:the )?(?:BPMN )?error "([^"]*)"$"#)]
fn throw_error(w: &mut BpmnWorld, element: String, code: String) -> Done {
    w.throw_error(&element, &code)
}

#[given(regex = r#"^"([^"]*)" (?:fails|failed) with "([^"]*)"$"#)]
#[when(regex = r#"^"([^"]*)" (?:fails|failed) with "([^"]*)"$"#)]
fn fail(w: &mut BpmnWorld, element: String, message: String) -> Done {
    w.fail(&element, &message)
}

#[given(regex = r#"^the message "([^"]*)" (?:arrives|arrived|has arrived)(?: with key "([^"]*)")?$"#)]
#[when(regex = r#"^the message "([^"]*)" (?:arrives|arrived|has arrived)(?: with key "([^"]*)")?$"#)]
fn message(w: &mut BpmnWorld, name: String, key: String) -> Done {
    w.message(&name, Some(key.as_str()).filter(|k| !k.is_empty()), Variables::new())
}

#[given(regex = r#"^the message "([^"]*)" (?:arrives|arrived|has arrived)(?: with key "([^"]*)")? with:?$"#)]
#[when(regex = r#"^the message "([^"]*)" (?:arrives|arrived|has arrived)(?: with key "([^"]*)")? with:?$"#)]
fn message_with(w: &mut BpmnWorld, name: String, key: String, step: &Step) -> Done {
    w.message(&name, Some(key.as_str()).filter(|k| !k.is_empty()), values(step)?)
}

#[given(regex = r#"^the signal "([^"]*)" (?:is|was|has been) broadcast$"#)]
#[when(regex = r#"^the signal "([^"]*)" (?:is|was|has been) broadcast$"#)]
fn signal(w: &mut BpmnWorld, name: String) -> Done {
    w.signal(&name, Variables::new())
}

#[given(regex = r"^(\d+) (second|minute|hour|day|week)s? (?:pass|passes|passed|have passed|has passed)$")]
#[when(regex = r"^(\d+) (second|minute|hour|day|week)s? (?:pass|passes|passed|have passed|has passed)$")]
fn time_passes(w: &mut BpmnWorld, count: u64, unit: String) -> Done {
    let duration = match unit.as_str() {
        "second" => format!("PT{count}S"),
        "minute" => format!("PT{count}M"),
        "hour" => format!("PT{count}H"),
        "week" => format!("P{count}W"),
        _ => format!("P{count}D"),
    };
    w.advance(&duration)
}

#[given(regex = r"^(P\S+) (?:pass|passes|passed|has passed)$")]
#[when(regex = r"^(P\S+) (?:pass|passes|passed|has passed)$")]
fn duration_passes(w: &mut BpmnWorld, duration: String) -> Done {
    w.advance(&duration)
}

#[then(regex = r#"^the process is (?:waiting|still waiting) at "([^"]*)"$"#)]
fn waiting_at(w: &mut BpmnWorld, element: String) -> Done {
    w.is_waiting_at(&element)
}

#[then(regex = r#"^the process has passed "([^"]*)"$"#)]
fn passed(w: &mut BpmnWorld, element: String) -> Done {
    w.has_passed(&element)
}

#[then(regex = r#"^the process has not passed "([^"]*)"$"#)]
fn not_passed(w: &mut BpmnWorld, element: String) -> Done {
    w.has_not_passed(&element)
}

#[then(regex = r#"^the process (?:has ended|ended|is ended) at "([^"]*)"$"#)]
fn ended_at(w: &mut BpmnWorld, element: String) -> Done {
    w.has_ended_at(&element)
}

#[then(regex = r#"^the variable "([^"]*)" is (.+)$"#)]
fn variable(w: &mut BpmnWorld, name: String, value: String) -> Done {
    w.variable_is(&name, &value)
}

#[then(regex = r#"^there is an incident at "([^"]*)"$"#)]
fn incident(w: &mut BpmnWorld, element: String) -> Done {
    w.has_incident(&element)
}

#[then(regex = r"^the path is:?$")]
fn path(w: &mut BpmnWorld, step: &Step) -> Done {
    w.path_is(&names(step)?)
}
