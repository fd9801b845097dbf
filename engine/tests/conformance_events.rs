//! Events and messages as Camunda 7 and Camunda 8 run them, one rule per test: each model is
//! written as Camunda Modeler writes it for its dialect (with DI), and run through the engine.
//! Each test's doc comment names the documentation page it follows (docs.camunda.org for
//! Camunda 7, docs.camunda.io for Camunda 8).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_engine::runtime::{Engine, Variables};
use baton_engine::trace::TraceKind;
use serde_json::json;

mod common;

fn deploy(engine: &mut Engine, file: &str) {
    common::deploy(engine, "events", file);
}

fn engine(files: &[&str]) -> Engine {
    let mut engine = Engine::new();
    for file in files {
        deploy(&mut engine, file);
    }
    engine
}

use common::vars;

/// How many times `node` was entered in `instance`.
fn entered(engine: &Engine, instance: &str, node: &str) -> usize {
    engine
        .trace_of(instance)
        .iter()
        .filter(|e| matches!(&e.kind, TraceKind::NodeEntered { node: n } if n == node))
        .count()
}

/// A non-interrupting message boundary event fires each time its message arrives while the
/// activity runs; the activity goes on waiting.
/// Camunda 7: reference/bpmn20/events/message-events/ ("Message Boundary Event");
/// Camunda 8: components/modeler/bpmn/message-events/ ("Message boundary events").
#[test]
fn a_non_interrupting_message_boundary_fires_every_time() {
    let mut e = engine(&["reminder_c7.bpmn"]);
    let c7 = e.start("reminders_c7", Variables::new()).unwrap();
    for _ in 0..3 {
        assert_eq!(e.correlate_message("reminder", None, Variables::new()).unwrap(), c7);
    }
    assert_eq!(entered(&e, &c7, "Boundary_Reminder"), 3);
    assert_eq!(e.waiting_at(&c7), ["Task_Review"]);

    let mut e = engine(&["reminder_c8.bpmn"]);
    let c8 = e.start("reminders_c8", vars(json!({"orderId": "o-1"}))).unwrap();
    for _ in 0..3 {
        assert_eq!(
            e.publish_message("reminder", Some("o-1"), Variables::new(), "PT0S").unwrap().as_deref(),
            Some(c8.as_str())
        );
    }
    assert_eq!(entered(&e, &c8, "Boundary_Reminder"), 3);
    assert_eq!(e.waiting_at(&c8), ["Task_Review"]);
}

/// An escalation thrown in a called process is caught by the escalation boundary event of the
/// call activity; an interrupting one terminates the called instance.
/// Camunda 7: reference/bpmn20/events/escalation-events/ ("Escalation Boundary Event", which
/// catches escalations "thrown in the called process" of a call activity);
/// Camunda 8: components/modeler/bpmn/escalation-events/ ("Escalation boundary events").
#[test]
fn an_escalation_in_a_called_process_reaches_the_call_activity() {
    for d in [7, 8] {
        let mut e = engine(&[&format!("escalation_child_c{d}.bpmn"), &format!("escalation_parent_c{d}.bpmn")]);
        let parent = e.start(&format!("escalation_parent_c{d}"), Variables::new()).unwrap();
        assert_eq!(e.waiting_at(&parent), ["Task_Apologize"], "Camunda {d}");
        let child = e.called_instances(&parent).remove(0).0;
        assert!(e.waiting_at(&child).is_empty(), "Camunda {d}: the called instance is terminated");
        assert_eq!(entered(&e, &child, "Task_Deliver"), 0, "Camunda {d}");
    }
}

/// Starting by process key: Camunda 7's `startProcessInstanceByKey` starts at the none or timer
/// start event, else at the only start event whatever its kind, so a process whose only start
/// is a message (or timer) start event starts there (`BpmnParse.selectInitial`: "if there is a
/// single start event, select it as initial, regardless of its type"). Camunda 8's create
/// instance command needs a none start event and refuses the others.
/// Camunda 7: reference/bpmn20/events/message-events/ ("Message Start Event");
/// Camunda 8: components/modeler/bpmn/none-events/ ("None start events": "a process instance
/// can only be created by command if it has a none start event").
#[test]
fn starting_by_key_without_a_none_start_event() {
    let mut e = engine(&["message_start_only_c7.bpmn", "timer_start_only_c7.bpmn"]);
    let by_message = e.start("message_start_only_c7", Variables::new()).unwrap();
    assert_eq!(e.passed(&by_message), ["StartEvent_Placed"]);
    assert_eq!(e.waiting_at(&by_message), ["Task_Check"]);
    let by_timer = e.start("timer_start_only_c7", Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&by_timer), ["Task_Check"]);

    let mut e = engine(&["message_start_only_c8.bpmn", "timer_start_only_c8.bpmn"]);
    for process in ["message_start_only_c8", "timer_start_only_c8"] {
        let err = e.start(process, Variables::new()).unwrap_err().to_string();
        assert!(err.contains(&format!("process `{process}` has no none start event")), "{err}");
    }
    assert!(e.instances().is_empty(), "a refused start leaves no instance");
}

/// Camunda 7's `correlateMessage` delivers a message to exactly one execution: one that
/// matches several is refused (`MismatchingMessageCorrelationException`), and
/// `correlateAll` delivers it to all of them.
/// Camunda 7: reference/bpmn20/events/message-events/ ("Using the Runtime Service's
/// Correlation Methods": "correlate ... throws an exception if more than one execution
/// matches"; "correlateAll").
#[test]
fn camunda7_correlate_refuses_a_message_for_several_executions() {
    let mut e = engine(&["receive_c7.bpmn"]);
    let first = e.start("receive_c7", Variables::new()).unwrap();
    let second = e.start("receive_c7", Variables::new()).unwrap();
    let err = e.correlate_message("paid", None, Variables::new()).unwrap_err().to_string();
    assert!(err.contains("message `paid` matches 2 waiting executions"), "{err}");
    assert!(err.contains("receive_c7#1 at \"Wait for payment\""), "{err}");
    assert!(err.contains("correlate_all"), "{err}");
    assert_eq!(e.waiting_at(&first), ["Task_Wait"], "a refused message changes nothing");

    let reached = e.correlate_all("paid", None, vars(json!({"paid": true}))).unwrap();
    assert_eq!(reached, [first.clone(), second.clone()]);
    assert!(e.is_ended(&first) && e.is_ended(&second));
    let err = e.correlate_all("paid", None, Variables::new()).unwrap_err().to_string();
    assert!(err.contains("message `paid` matches nothing waiting"), "{err}");

    // One waiting execution: correlate delivers to it.
    let third = e.start("receive_c7", Variables::new()).unwrap();
    assert_eq!(e.correlate_message("paid", None, Variables::new()).unwrap(), third);
}

/// A published message is correlated once per process (by BPMN process id): to one of the
/// subscriptions of that process, and to the subscriptions of every other process.
/// Camunda 8: components/concepts/messages/ ("Message cardinality").
#[test]
fn camunda8_a_message_reaches_each_process_once() {
    let mut e = engine(&["paid_order_c8.bpmn", "paid_invoice_c8.bpmn"]);
    let order1 = e.start("paid_order_c8", vars(json!({"orderId": "o-1"}))).unwrap();
    let order2 = e.start("paid_order_c8", vars(json!({"orderId": "o-1"}))).unwrap();
    let invoice = e.start("paid_invoice_c8", vars(json!({"orderId": "o-1"}))).unwrap();
    let first = e.publish_message("paid", Some("o-1"), Variables::new(), "PT0S").unwrap();
    assert_eq!(first.as_deref(), Some(order1.as_str()));
    assert_eq!(e.waiting_at(&order1), ["Task_Next"]);
    assert_eq!(e.waiting_at(&order2), ["Event_Paid"], "one subscription per process");
    assert_eq!(e.waiting_at(&invoice), ["Task_Next"], "every process");
    // The correlate command follows the same rule.
    let order3 = e.start("paid_order_c8", vars(json!({"orderId": "o-3"}))).unwrap();
    assert_eq!(e.correlate_message("paid", Some("o-1"), Variables::new()).unwrap(), order2);
    assert_eq!(e.waiting_at(&order3), ["Event_Paid"], "another correlation key");
}

/// A message with a time-to-live is buffered: a subscription opened later receives it, once per
/// process, and not after the time-to-live.
/// Camunda 8: components/concepts/messages/ ("Message buffering", "Message cardinality").
#[test]
fn camunda8_a_buffered_message_waits_for_its_time_to_live() {
    let mut e = engine(&["paid_order_c8.bpmn", "paid_invoice_c8.bpmn"]);
    assert_eq!(e.publish_message("paid", Some("o-1"), vars(json!({"amount": 20})), "PT1H").unwrap(), None);
    e.advance("PT30M").unwrap();
    let order1 = e.start("paid_order_c8", vars(json!({"orderId": "o-1"}))).unwrap();
    assert_eq!(e.waiting_at(&order1), ["Task_Next"]);
    assert_eq!(e.variables(&order1).unwrap()["amount"], json!(20));
    let order2 = e.start("paid_order_c8", vars(json!({"orderId": "o-1"}))).unwrap();
    assert_eq!(e.waiting_at(&order2), ["Event_Paid"], "the message reached this process already");
    let invoice = e.start("paid_invoice_c8", vars(json!({"orderId": "o-1"}))).unwrap();
    assert_eq!(e.waiting_at(&invoice), ["Task_Next"], "another process still receives it");
    e.advance("PT31M").unwrap();
    let late = e.start("paid_invoice_c8", vars(json!({"orderId": "o-1"}))).unwrap();
    assert_eq!(e.waiting_at(&late), ["Event_Paid"], "the time-to-live is over");
}

/// A message id makes publishing idempotent: while a message with the same name, correlation
/// key and id is buffered, another is rejected; after it expires, it can be published again.
/// Camunda 8: components/concepts/messages/ ("Message uniqueness").
#[test]
fn camunda8_a_message_id_is_published_once() {
    let mut e = engine(&["paid_order_c8.bpmn"]);
    e.publish_message_with_id("paid", Some("o-1"), Variables::new(), "PT1H", Some("m-1")).unwrap();
    let err = e.publish_message_with_id("paid", Some("o-1"), Variables::new(), "PT1H", Some("m-1")).unwrap_err();
    assert!(
        err.to_string().contains("message `paid` with id \"m-1\" and correlation key \"o-1\" is already published"),
        "{err}"
    );
    e.publish_message_with_id("paid", Some("o-2"), Variables::new(), "PT1H", Some("m-1")).unwrap();
    e.advance("PT1H").unwrap();
    e.publish_message_with_id("paid", Some("o-1"), Variables::new(), "PT1H", Some("m-1")).unwrap();
}

/// A message start event starts no second instance for a correlation key while an instance it
/// started with that key is active; a buffered one starts the next instance when it ends. An
/// empty correlation key always starts an instance.
/// Camunda 8: components/modeler/bpmn/message-events/ ("Message start events") and
/// components/concepts/messages/ ("Message cardinality", "Single instance").
#[test]
fn camunda8_one_message_started_instance_per_correlation_key() {
    let mut e = engine(&["message_start_only_c8.bpmn"]);
    let first = e.publish_message("order placed", Some("A"), Variables::new(), "PT0S").unwrap().unwrap();
    assert_eq!(e.publish_message("order placed", Some("A"), Variables::new(), "PT0S").unwrap(), None);
    let other = e.publish_message("order placed", Some("B"), Variables::new(), "PT0S").unwrap().unwrap();
    assert_ne!(first, other);
    assert_eq!(e.publish_message("order placed", Some("A"), vars(json!({"n": 2})), "PT1H").unwrap(), None);
    assert_eq!(e.instances_of("message_start_only_c8").len(), 2);
    let job = e.jobs(&first).remove(0).id;
    e.complete_job(&job, Variables::new()).unwrap();
    let instances = e.instances_of("message_start_only_c8");
    assert_eq!(instances.len(), 3, "the buffered message started the next instance");
    assert_eq!(e.variables(&instances[2]).unwrap()["n"], json!(2));
    for _ in 0..2 {
        e.publish_message("order placed", Some(""), Variables::new(), "PT0S").unwrap().unwrap();
    }
    assert_eq!(e.instances_of("message_start_only_c8").len(), 5);
}

/// A receive task without a message is a plain wait state in Camunda 7, left to the caller
/// (`runtimeService.signal(executionId)`): `Engine::trigger` moves it on. Triggering anything
/// else says where the instance waits.
/// Camunda 7: reference/bpmn20/tasks/receive-task/.
#[test]
fn camunda7_a_receive_task_without_a_message_is_triggered() {
    let mut e = engine(&["trigger_c7.bpmn"]);
    let i = e.start("trigger_c7", Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&i), ["Task_Confirm"]);
    assert!(e.incidents(&i).is_empty());
    let err = e.trigger(&i, "EndEvent_1", Variables::new()).unwrap_err().to_string();
    assert!(err.contains("has no token waiting at `EndEvent_1`") && err.contains("waiting at: Task_Confirm"), "{err}");
    e.trigger(&i, "Task_Confirm", vars(json!({"confirmed": true}))).unwrap();
    assert!(e.is_ended(&i));
    assert_eq!(e.variables(&i).unwrap()["confirmed"], json!(true));

    let mut e = engine(&["receive_c7.bpmn"]);
    let i = e.start("receive_c7", Variables::new()).unwrap();
    let err = e.trigger(&i, "Task_Wait", Variables::new()).unwrap_err().to_string();
    assert!(err.contains("has no token waiting at `Task_Wait`"), "a task waiting for a message is correlated: {err}");
}

/// The virtual times at which the instance's jobs failed, and the retries left each time.
fn failures(engine: &Engine, instance: &str) -> Vec<(String, u32)> {
    engine
        .trace_of(instance)
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::JobFailed { retries, .. } => Some((e.time.to_string(), *retries)),
            _ => None,
        })
        .collect()
}

fn failing_handler(engine: &mut Engine, job_type: &str) {
    engine.register(job_type, |_| Err(baton_engine::runtime::HandlerError::failed("card declined")));
}

/// Zeebe's `zeebe:taskDefinition retries="5"` is the job's retry count: each failure takes one,
/// and the last one raises an incident.
/// Camunda 8: components/modeler/bpmn/service-tasks/ ("Task definition": retries) and
/// components/concepts/job-workers/ ("Completing or failing jobs").
#[test]
fn camunda8_task_definition_retries_count() {
    let mut e = engine(&["retries_c8.bpmn"]);
    let i = e.start("retries_c8", Variables::new()).unwrap();
    assert_eq!(e.jobs(&i)[0].retries, 5);
    for left in (1..5).rev() {
        let job = e.jobs(&i)[0].id.clone();
        e.fail_job(&job, "card declined", None).unwrap();
        assert_eq!(e.jobs(&i)[0].retries, left);
        assert!(e.incidents(&i).is_empty());
    }
    let job = e.jobs(&i)[0].id.clone();
    e.fail_job(&job, "card declined", None).unwrap();
    assert_eq!(e.incidents(&i).len(), 1, "the fifth failure is an incident");
}

/// Camunda 7's `camunda:failedJobRetryTimeCycle` `R5/PT1M`: five attempts in all, each retry a
/// minute after the failure, on the virtual clock; then an incident. Without it, three
/// attempts, one right after the other.
/// Camunda 7: user-guide/process-engine/the-job-executor/ ("Failed Jobs", "Retry Time Cycle
/// Configuration") and reference/bpmn20/custom-extensions/extension-elements/
/// ("failedJobRetryTimeCycle").
#[test]
fn camunda7_failed_job_retry_time_cycle() {
    let mut e = engine(&["retry_cycle_c7.bpmn"]);
    failing_handler(&mut e, "${chargeCard}");
    let i = e.start("retry_cycle_c7", Variables::new()).unwrap();
    assert_eq!(failures(&e, &i), [("2026-01-01T00:00:00Z".to_owned(), 4)]);
    e.advance("PT59S").unwrap();
    assert_eq!(failures(&e, &i).len(), 1, "the retry waits for its minute");
    e.advance("PT1S").unwrap();
    assert_eq!(failures(&e, &i)[1], ("2026-01-01T00:01:00Z".to_owned(), 3));
    e.advance("PT1H").unwrap();
    let times: Vec<String> = failures(&e, &i).into_iter().map(|(t, _)| t).collect();
    assert_eq!(times, [0, 1, 2, 3, 4].map(|minute| format!("2026-01-01T00:0{minute}:00Z")));
    assert_eq!(e.incidents(&i).len(), 1);

    let mut e = engine(&["retry_default_c7.bpmn"]);
    failing_handler(&mut e, "${chargeCard}");
    let i = e.start("retry_default_c7", Variables::new()).unwrap();
    let at_once: Vec<(String, u32)> = [2, 1, 0].map(|left| ("2026-01-01T00:00:00Z".to_owned(), left)).into();
    assert_eq!(failures(&e, &i), at_once);
    assert_eq!(e.incidents(&i).len(), 1);
}

/// The instants at which the timer start events of a process start instances, the next `n`.
fn start_times(engine: &mut Engine, process: &str, n: usize) -> Vec<String> {
    let before = engine.instances_of(process).len();
    for _ in 0..n {
        assert!(engine.advance_to_next_timer().unwrap());
    }
    let times: Vec<String> =
        engine.instances_of(process).iter().skip(before).map(|i| engine.trace_of(i)[0].time.to_string()).collect();
    assert_eq!(times.len(), n);
    times
}

/// A cron time cycle fires at every instant its pattern matches: Camunda 7 reads it as Quartz
/// does (`0 0 9 * * ?`; weekday `2` is Monday, Sunday being `1`), Camunda 8 as Spring's
/// `CronExpression` (weekday `1` is Monday, Sunday `0` or `7`). The virtual clock starts on
/// Thursday 2026-01-01 at midnight UTC.
/// Camunda 7: reference/bpmn20/events/timer-events/ ("Time Cycle": "cron expressions ... as
/// used by Quartz"); Camunda 8: components/modeler/bpmn/timer-events/ ("Time cycle": "cron
/// expression ... Spring").
#[test]
fn cron_time_cycles_as_each_engine_reads_them() {
    let mut e = engine(&["cron_daily_c7.bpmn"]);
    let days: Vec<String> = ["01", "02", "03"].map(|d| format!("2026-01-{d}T09:00:00Z")).into();
    assert_eq!(start_times(&mut e, "cron_daily_c7", 3), days);
    let mut e = engine(&["cron_monday_c7.bpmn"]);
    assert_eq!(start_times(&mut e, "cron_monday_c7", 2), ["2026-01-05T09:00:00Z", "2026-01-12T09:00:00Z"]);
    let mut e = engine(&["cron_monday_c8.bpmn"]);
    assert_eq!(start_times(&mut e, "cron_monday_c8", 2), ["2026-01-05T09:00:00Z", "2026-01-12T09:00:00Z"]);
    let mut e = engine(&["cron_weekdays_c8.bpmn"]);
    let weekdays: Vec<String> = ["01", "02", "05", "06"].map(|d| format!("2026-01-{d}T09:00:00Z")).into();
    assert_eq!(start_times(&mut e, "cron_weekdays_c8", 4), weekdays);
}

/// Cron cycles fire on the wall clock of the engine's time zone, which a test sets (UTC by
/// default): 9:00 in Berlin is 8:00 UTC in winter and 7:00 UTC in summer.
/// Camunda 7: reference/bpmn20/events/timer-events/ (the JVM's time zone).
#[test]
fn cron_time_cycles_follow_the_engine_time_zone() {
    let mut e = Engine::new();
    e.set_time_zone("Europe/Berlin").unwrap();
    deploy(&mut e, "cron_daily_c7.bpmn");
    assert_eq!(start_times(&mut e, "cron_daily_c7", 2), ["2026-01-01T08:00:00Z", "2026-01-02T08:00:00Z"]);
    e.set_clock("2026-07-01T00:00:00Z".parse().unwrap()).unwrap();
    assert_eq!(start_times(&mut e, "cron_daily_c7", 1), ["2026-07-01T07:00:00Z"]);
    let err = e.set_time_zone("Europe/Atlantis").unwrap_err().to_string();
    assert!(err.contains("`Europe/Atlantis` is not a time zone Baton knows") && err.contains("IANA name"), "{err}");
}

/// A `timeDate` without an offset is a wall-clock time: Camunda 7 reads it in the engine's time
/// zone (UTC unless the test sets one); Camunda 8 needs the offset ("It must contain timezone
/// information"), so the timer is an incident that says how to write it.
/// Camunda 7: reference/bpmn20/events/timer-events/ ("Time Date"); Camunda 8:
/// components/modeler/bpmn/timer-events/ ("Time date").
#[test]
fn a_time_date_without_an_offset() {
    let mut e = engine(&["time_date_c7.bpmn"]);
    let utc = e.start("time_date_c7", Variables::new()).unwrap();
    assert_eq!(e.pending_timers()[0].due.to_string(), "2026-01-01T09:00:00Z");
    let mut e = Engine::new();
    e.set_time_zone("Europe/Berlin").unwrap();
    deploy(&mut e, "time_date_c7.bpmn");
    let berlin = e.start("time_date_c7", Variables::new()).unwrap();
    assert_eq!(utc, berlin);
    assert_eq!(e.pending_timers()[0].due.to_string(), "2026-01-01T08:00:00Z");
    e.advance("PT8H").unwrap();
    assert_eq!(e.waiting_at(&berlin), ["Task_Pack"]);

    let mut e = engine(&["time_date_c8.bpmn"]);
    let i = e.start("time_date_c8", Variables::new()).unwrap();
    let incidents = e.incidents(&i);
    assert_eq!(incidents.len(), 1);
    assert!(
        incidents[0].message.contains("`2026-01-01T09:00:00` has no offset, and Camunda 8 needs one")
            && incidents[0].message.contains("2026-01-01T09:00:00Z"),
        "{}",
        incidents[0].message
    );
}
