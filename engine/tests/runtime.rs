//! The runtime, behaviour by behaviour: one fixture (with DI) each, asserting the exact trace.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::fmt::Write;

use baton_engine::Error;
use baton_engine::parse::parse_file;
use baton_engine::runtime::{DEFAULT_START, Engine, HandlerError, InstanceState, JobKind, Variables};
use baton_engine::trace::TraceKind;
use serde_json::json;

fn engine(files: &[&str]) -> Engine {
    let mut engine = Engine::new();
    for file in files {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runtime").join(file);
        engine.deploy(parse_file(&path).unwrap_or_else(|e| panic!("{e}"))).unwrap_or_else(|e| panic!("{e}"));
    }
    engine
}

fn vars(value: serde_json::Value) -> Variables {
    serde_json::from_value(value).unwrap()
}

/// The trace of an instance (and the instances it called), one line per event, time as the
/// offset from the engine's start: what a reviewer reads in a snapshot.
fn trace(engine: &Engine, instance: &str) -> String {
    let mut out = String::new();
    for event in engine.trace_of(instance) {
        let offset = event.time.duration_since(DEFAULT_START);
        let what = match &event.kind {
            TraceKind::InstanceStarted { process, version, parent } => {
                format!(
                    "instance started: {process} v{version}{}",
                    parent.as_ref().map(|p| format!(" by {p}")).unwrap_or_default()
                )
            }
            TraceKind::InstanceEnded => "instance ended".into(),
            TraceKind::InstanceTerminated => "instance terminated".into(),
            TraceKind::InstanceCancelled => "instance cancelled".into(),
            TraceKind::BusinessKeySet { business_key } => format!("business key {business_key}"),
            TraceKind::InstanceModified { activated, terminated } => {
                format!("modified: activated {activated:?}, terminated {terminated:?}")
            }
            TraceKind::NodeEntered { node } => format!("entered {node}"),
            TraceKind::NodeCompleted { node } => format!("completed {node}"),
            TraceKind::NodeTerminated { node } => format!("terminated {node}"),
            TraceKind::FlowTaken { flow } => format!("took {flow}"),
            TraceKind::JobCreated { job, job_type, .. } => format!("job created {job} ({job_type})"),
            TraceKind::JobCompleted { job } => format!("job completed {job}"),
            TraceKind::JobFailed { job, retries, message } => {
                format!("job failed {job} ({retries} retries left): {message}")
            }
            TraceKind::ErrorThrown { node, code } => format!("error {code} thrown at {node}"),
            TraceKind::TimerArmed { timer, due, .. } => format!("timer armed {timer} due {due}"),
            TraceKind::TimerFired { timer, .. } => format!("timer fired {timer}"),
            TraceKind::TimerCancelled { timer, .. } => format!("timer cancelled {timer}"),
            TraceKind::MessageCorrelated { message, node } => format!("message {message} at {node}"),
            TraceKind::Compensating { activity, handler } => format!("compensating {activity} with {handler}"),
            TraceKind::SignalReceived { signal, node } => format!("signal {signal} at {node}"),
            TraceKind::EscalationThrown { node, code } => format!("escalation {code} thrown at {node}"),
            TraceKind::VariableSet { name, value } => format!("set {name} = {value}"),
            TraceKind::IncidentRaised { incident, message, .. } => format!("incident {incident}: {message}"),
            TraceKind::IncidentResolved { incident } => format!("resolved {incident}"),
            TraceKind::ListenerRan { node, at, listener } => format!("{at} listener {listener} at {node}"),
        };
        writeln!(out, "{:>4} {:>9} {:<11} {what}", event.seq, format!("{:#}", offset), event.instance).ok();
    }
    out
}

fn job_at(engine: &Engine, instance: &str, node: &str) -> String {
    engine
        .jobs(instance)
        .into_iter()
        .find(|j| j.node == node)
        .unwrap_or_else(|| panic!("no job at {node}; jobs: {:?}", engine.jobs(instance)))
        .id
}

fn passed(engine: &Engine, instance: &str) -> Vec<String> {
    engine.passed(instance).into_iter().map(|n| n.0).collect()
}

#[test]
fn a_sequence_with_mappings_jobs_and_a_user_task() {
    let mut e = engine(&["sequence.bpmn"]);
    let order = e.start("sequence", vars(json!({"amount": 25}))).unwrap();
    assert_eq!(order, "sequence#1");
    let pay = e.jobs(&order).remove(0);
    assert_eq!((pay.id.as_str(), pay.job_type.as_str(), pay.kind), ("sequence#1/job#1", "pay", JobKind::Service));
    assert_eq!(pay.variables.get("doubled"), Some(&json!(50)));
    e.complete_job(&pay.id, vars(json!({"receipt": 7}))).unwrap();
    assert_eq!(e.variables(&order).unwrap().get("receiptNo"), Some(&json!(7)));
    let confirm = e.jobs(&order).remove(0);
    assert_eq!(confirm.kind, JobKind::User);
    assert_eq!(
        e.complete_job(&pay.id, Variables::new()).unwrap_err().to_string(),
        "job `sequence#1/job#1` is not open: its job at \"Pay item\" was completed at 2026-01-01T00:00:00Z by the test; open jobs: sequence#1/job#2"
    );
    e.complete_job(&confirm.id, Variables::new()).unwrap();
    assert!(e.is_ended(&order));
    insta::assert_snapshot!(trace(&e, &order));
}

#[test]
fn exclusive_gateways_take_the_first_true_condition_else_the_default() {
    let mut e = engine(&["exclusive.bpmn"]);
    for (amount, task) in [(150, "big"), (50, "normal"), (5, "small")] {
        let i = e.start("exclusive", vars(json!({"amount": amount}))).unwrap();
        let job = job_at(&e, &i, task);
        e.complete_job(&job, Variables::new()).unwrap();
        assert_eq!(passed(&e, &i), ["start", "amount", task, "merge", "end"], "amount {amount}");
    }
}

#[test]
fn an_unmatched_gateway_is_an_incident_that_can_be_resolved() {
    let mut e = engine(&["no_default.bpmn"]);
    let i = e.start("no_default", Variables::new()).unwrap();
    let incidents = e.incidents(&i);
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].node, "check");
    assert_eq!(
        incidents[0].message,
        "no outgoing flow of gateway `Valid?` has a true condition, and it has no default flow; variables: none"
    );
    assert!(e.waiting_at(&i).is_empty(), "a token stuck in an incident is not waiting");
    e.set_variables(&i, vars(json!({"valid": true}))).unwrap();
    e.resolve_incident(&incidents[0].id).unwrap();
    assert!(e.is_ended(&i));
    assert_eq!(passed(&e, &i), ["start", "check", "accepted"]);
    insta::assert_snapshot!(trace(&e, &i));
}

#[test]
fn parallel_gateways_fork_and_join() {
    let mut e = engine(&["parallel.bpmn"]);
    let i = e.start("parallel", Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&i), ["fetch", "label"]);
    e.complete_job(&job_at(&e, &i, "label"), Variables::new()).unwrap();
    assert!(e.jobs(&i).iter().all(|j| j.node != "ship"), "the join waits for fetch");
    e.complete_job(&job_at(&e, &i, "fetch"), Variables::new()).unwrap();
    e.complete_job(&job_at(&e, &i, "ship"), Variables::new()).unwrap();
    assert!(e.is_ended(&i));
    insta::assert_snapshot!(trace(&e, &i));
}

#[test]
fn inclusive_joins_wait_only_for_tokens_that_can_still_arrive() {
    let mut e = engine(&["inclusive.bpmn"]);
    // Only the gift branch runs: the join must not wait for the courier.
    let gift = e.start("inclusive", vars(json!({"gift": true, "express": false}))).unwrap();
    assert_eq!(e.waiting_at(&gift), ["wrap"]);
    e.complete_job(&job_at(&e, &gift, "wrap"), Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&gift), ["ship"]);

    // Both branches: the join waits for the second.
    let both = e.start("inclusive", vars(json!({"gift": true, "express": true}))).unwrap();
    e.complete_job(&job_at(&e, &both, "courier"), Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&both), ["wrap"]);
    e.complete_job(&job_at(&e, &both, "wrap"), Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&both), ["ship"]);

    // Neither: the default flow.
    let none = e.start("inclusive", vars(json!({"gift": false, "express": false}))).unwrap();
    assert_eq!(e.waiting_at(&none), ["ship"]);
    assert_eq!(passed(&e, &none), ["start", "extras", "nothing", "join"]);
    insta::assert_snapshot!(trace(&e, &both));
}

#[test]
fn timers_fire_in_virtual_time() {
    let mut e = engine(&["timers.bpmn"]);
    let slow = e.start("timers", Variables::new()).unwrap();
    let due: Vec<String> = e.pending_timers().iter().map(|t| format!("{} {}", t.node, t.due)).collect();
    assert_eq!(due, ["remind 2026-01-01T00:10:00Z", "too_slow 2026-01-01T01:00:00Z"]);
    e.advance("PT25M").unwrap();
    assert_eq!(passed(&e, &slow).iter().filter(|n| *n == "reminded").count(), 2, "R2: twice, then no more");
    assert_eq!(e.waiting_at(&slow), ["charge"]);
    e.advance("PT1H").unwrap();
    assert!(e.is_ended(&slow));
    assert_eq!(e.now().to_string(), "2026-01-01T01:25:00Z");

    let on_time = e.start("timers", Variables::new()).unwrap();
    e.complete_job(&job_at(&e, &on_time, "charge"), Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&on_time), ["wait_day"]);
    e.advance("P1D").unwrap();
    assert_eq!(e.waiting_at(&on_time), ["new_year"]);
    assert!(e.advance_to_next_timer().unwrap());
    assert_eq!(e.now().to_string(), "2027-01-01T00:00:00Z");
    assert!(e.is_ended(&on_time));
    assert!(!e.advance_to_next_timer().unwrap());
    insta::assert_snapshot!(format!("{}\n{}", trace(&e, &slow), trace(&e, &on_time)));
}

#[test]
fn messages_correlate_by_name_and_key_and_event_gateways_race() {
    let mut e = engine(&["messages.bpmn"]);
    let a = e.start("messages", vars(json!({"orderId": "A-1"}))).unwrap();
    let b = e.start("messages", vars(json!({"orderId": "B-2"}))).unwrap();
    assert_eq!(e.correlate_message("payment-received", Some("B-2"), Variables::new()).unwrap(), b);
    assert_eq!(e.waiting_at(&a), ["paid"]);
    assert_eq!(e.waiting_at(&b), ["card_or_timeout"]);
    let err = e.correlate_message("card-updated", Some("A-1"), Variables::new()).unwrap_err();
    assert!(matches!(err, Error::MessageNotCorrelated { .. }), "{err}");
    e.correlate_message("card-updated", Some("B-2"), vars(json!({"card": "new"}))).unwrap();
    assert!(e.is_ended(&b));
    assert_eq!(passed(&e, &b), ["start", "paid", "card_or_timeout", "card_updated", "updated"]);
    assert!(e.pending_timers().is_empty(), "the losing timer is withdrawn");

    e.correlate_message("payment-received", Some("A-1"), Variables::new()).unwrap();
    e.advance("P7D").unwrap();
    assert_eq!(passed(&e, &a), ["start", "paid", "card_or_timeout", "seven_days", "cancelled"]);

    let started = e.correlate_message("order-received", None, vars(json!({"item": "coffee"}))).unwrap();
    assert_eq!(started, "by_message#1");
    assert_eq!(e.waiting_at(&started), ["review"]);
    insta::assert_snapshot!(trace(&e, &b));
}

#[test]
fn errors_are_caught_by_the_nearest_matching_boundary() {
    let mut e = engine(&["subprocess.bpmn"]);
    // A job deep inside two sub-processes throws; the catch-all on the inner sub-process catches.
    let deep = e.start("subprocess", Variables::new()).unwrap();
    e.complete_job(&job_at(&e, &deep, "check"), vars(json!({"ok": true}))).unwrap();
    e.throw_error(&job_at(&e, &deep, "wrap"), "WRAP_BROKEN", Variables::new()).unwrap();
    assert!(e.is_ended(&deep));
    assert_eq!(
        passed(&e, &deep),
        ["start", "handle_start", "check", "ok", "pack_start", "pack_failed", "pack_failed_end", "handle", "handled"]
    );
    // An error end event inside the outer sub-process is caught by the boundary with its code.
    let rejected = e.start("subprocess", Variables::new()).unwrap();
    e.complete_job(&job_at(&e, &rejected, "check"), vars(json!({"ok": false}))).unwrap();
    assert!(e.is_ended(&rejected));
    assert_eq!(passed(&e, &rejected), ["start", "handle_start", "check", "ok", "reject", "check_failed", "failed"]);
    // An error nobody catches is an incident.
    let uncaught = e.start("subprocess", Variables::new()).unwrap();
    e.throw_error(&job_at(&e, &uncaught, "check"), "UNKNOWN", Variables::new()).unwrap();
    assert_eq!(
        e.incidents(&uncaught)[0].message,
        "BPMN error `UNKNOWN` thrown at `check` is caught by no error boundary event or event sub-process"
    );
    insta::assert_snapshot!(format!("{}\n{}", trace(&e, &deep), trace(&e, &rejected)));
}

#[test]
fn failed_jobs_retry_then_raise_an_incident() {
    let mut e = engine(&["sequence.bpmn"]);
    let i = e.start("sequence", vars(json!({"amount": 1}))).unwrap();
    let pay = job_at(&e, &i, "pay");
    e.fail_job(&pay, "payment service down", None).unwrap();
    e.fail_job(&pay, "payment service down", None).unwrap();
    assert!(e.incidents(&i).is_empty());
    e.fail_job(&pay, "payment service down", None).unwrap();
    let incident = e.incidents(&i).remove(0);
    assert_eq!(incident.message, "job sequence#1/job#1 failed and has no retries left: payment service down");
    e.resolve_incident(&incident.id).unwrap();
    assert_eq!(e.jobs(&i)[0].retries, 1);
    e.complete_job(&pay, vars(json!({"receipt": 1}))).unwrap();
    assert_eq!(e.waiting_at(&i), ["confirm"]);
}

#[test]
fn call_activities_run_the_called_process_and_pass_variables() {
    let mut e = engine(&["call.bpmn"]);
    let parent = e.start("parent", vars(json!({"customer": "Ada"}))).unwrap();
    let invoice = e.jobs("billing#1").remove(0);
    assert_eq!(invoice.variables.get("customer"), Some(&json!("Ada")));
    e.complete_job(&invoice.id, vars(json!({"invoiceNo": 9}))).unwrap();
    assert!(e.is_ended("billing#1"));
    assert!(e.is_ended(&parent));
    assert_eq!(e.variables(&parent).unwrap().get("invoiceNo"), Some(&json!(9)));
    insta::assert_snapshot!(trace(&e, &parent));
}

#[test]
fn terminate_ends_every_token_of_its_scope() {
    let mut e = engine(&["terminate.bpmn"]);
    let i = e.start("terminate", Variables::new()).unwrap();
    assert!(e.is_ended(&i));
    assert!(e.jobs(&i).is_empty());
    insta::assert_snapshot!(trace(&e, &i));
}

#[test]
fn link_events_jump_to_their_catch() {
    let mut e = engine(&["link.bpmn"]);
    let i = e.start("link", Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&i), ["ship"]);
    assert_eq!(passed(&e, &i), ["start", "jump", "land"]);
}

#[test]
fn a_loop_without_a_wait_state_stops_at_the_step_budget() {
    let mut e = engine(&["loop.bpmn"]);
    e.set_step_budget(1_000);
    let err = e.start("loop", Variables::new()).unwrap_err();
    assert!(matches!(&err, Error::StepBudget { instance, steps: 1_000, .. } if instance == "loop#1"), "{err}");
    assert!(err.to_string().contains("does the model loop without a wait state?"), "{err}");
}

#[test]
fn handlers_do_jobs_in_order_and_their_failures_become_incidents() {
    let mut e = engine(&["sequence.bpmn", "parallel.bpmn"]);
    e.register("pay", |job| Ok(vars(json!({"receipt": job.variables["amount"].as_i64().unwrap_or(0) + 1000}))));
    let i = e.start("sequence", vars(json!({"amount": 5}))).unwrap();
    assert_eq!(e.variables(&i).unwrap().get("receiptNo"), Some(&json!(1005)));
    assert_eq!(e.waiting_at(&i), ["confirm"], "user tasks wait for the test");

    e.register("fetch", |_| Err(HandlerError::failed("warehouse offline")));
    e.register("label", |_| panic!("printer on fire"));
    let p = e.start("parallel", Variables::new()).unwrap();
    let incidents: Vec<String> = e.incidents(&p).into_iter().map(|x| x.message).collect();
    assert_eq!(
        incidents,
        [
            "job parallel#1/job#1 failed and has no retries left: warehouse offline",
            "job parallel#1/job#2 failed and has no retries left: handler panicked: printer on fire",
        ]
    );
    assert_eq!(e.instance_state(&p), Some(InstanceState::Active));
}

/// The timers scenario, cut in two by a snapshot and a restore, gives exactly the trace of an
/// uninterrupted run; and two runs give the same trace, byte for byte.
#[test]
fn snapshot_restore_and_determinism() {
    fn first_half(e: &mut Engine) -> String {
        let i = e.start("timers", Variables::new()).unwrap();
        e.advance("PT15M").unwrap();
        i
    }
    fn second_half(e: &mut Engine, i: &str) {
        e.complete_job(&job_at(e, i, "charge"), vars(json!({"charged": true}))).unwrap();
        e.advance("P400D").unwrap();
    }
    let mut straight = engine(&["timers.bpmn"]);
    let i = first_half(&mut straight);
    second_half(&mut straight, &i);

    let mut before = engine(&["timers.bpmn"]);
    let j = first_half(&mut before);
    let mut after = Engine::restore(&before.snapshot()).unwrap();
    second_half(&mut after, &j);

    let json = |e: &Engine| serde_json::to_string(e.trace()).unwrap();
    assert_eq!(json(&straight), json(&after));
    assert!(straight.is_ended(&i));

    let mut again = engine(&["timers.bpmn"]);
    let k = first_half(&mut again);
    second_half(&mut again, &k);
    assert_eq!(json(&straight), json(&again));
    assert!(matches!(Engine::restore("{not json"), Err(Error::Snapshot { .. })));
}

#[test]
fn new_deployments_are_new_versions() {
    let mut e = engine(&["sequence.bpmn", "sequence.bpmn"]);
    let i = e.start("sequence", Variables::new()).unwrap();
    assert!(matches!(&e.trace_of(&i)[0].kind, TraceKind::InstanceStarted { version: 2, .. }));
    let err = e.start("nope", Variables::new()).unwrap_err();
    assert_eq!(err.to_string(), "no process `nope` is deployed; deployed: sequence, sequence");
}

#[test]
fn models_with_elements_not_run_yet_are_refused_at_deploy() {
    let xml = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
      <process id="p" isExecutable="true">
        <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="g" />
        <complexGateway id="g" /><sequenceFlow id="f2" sourceRef="g" targetRef="e" />
        <endEvent id="e" />
      </process></definitions>"#;
    let err = Engine::new().deploy(baton_engine::parse::parse(xml).unwrap()).unwrap_err();
    assert!(matches!(&err, Error::NotYetSupported { id, .. } if id == "g"), "{err}");
    assert_eq!(
        err.to_string(),
        "<input>:4:9: Baton does not run `g` yet (complex gateways); remove it from the executable process or mark the process isExecutable=\"false\""
    );
}

/// Async handlers are awaited one at a time, in job creation order, by `drive`: a sync handler
/// whose job came later waits its turn, so async code cannot reorder the trace.
#[tokio::test]
async fn async_handlers_are_awaited_in_creation_order() {
    let mut e = engine(&["parallel.bpmn"]);
    e.register_async("fetch", |job| {
        Box::pin(async move {
            tokio::task::yield_now().await;
            Ok(vars(json!({"fetchedFor": job.instance})))
        })
    });
    e.register("label", |_| Ok(vars(json!({"labelled": true}))));
    let i = e.start("parallel", Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&i), ["fetch", "label"], "nothing ran yet: the async job comes first");
    e.drive().await.unwrap();
    assert_eq!(e.waiting_at(&i), ["ship"]);
    let completed: Vec<String> = e
        .trace_of(&i)
        .iter()
        .filter_map(|ev| match &ev.kind {
            TraceKind::JobCompleted { job } => Some(job.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(completed, ["parallel#1/job#1", "parallel#1/job#2"]);

    e.register_async("ship", |_| Box::pin(async { panic!("courier lost") }));
    e.drive().await.unwrap();
    assert_eq!(
        e.incidents(&i)[0].message,
        "job parallel#1/job#3 failed and has no retries left: handler panicked: courier lost"
    );
}

#[test]
fn timer_start_events_start_instances_on_the_virtual_clock() {
    let mut e = engine(&["timer_start.bpmn"]);
    e.register("check-stock", |_| Ok(vars(json!({"inStock": true}))));
    assert_eq!(e.pending_timers().iter().map(|t| t.due.to_string()).collect::<Vec<_>>(), ["2026-01-01T01:00:00Z"]);
    e.advance("PT5H").unwrap();
    let started: Vec<String> = e.instances();
    assert_eq!(started, ["timer_start#1", "timer_start#2", "timer_start#3"], "R3: three instances, then no more");
    assert!(started.iter().all(|i| e.is_ended(i)));
    assert!(e.pending_timers().is_empty());
    let times: Vec<String> = started.iter().map(|i| e.trace_of(i)[0].time.to_string()).collect();
    assert_eq!(times, ["2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z", "2026-01-01T03:00:00Z"]);
    insta::assert_snapshot!(trace(&e, "timer_start#1"));
}

/// Another expression language can be plugged in; here a stand-in that answers every
/// expression with `true`, so the first conditional flow is taken whatever the variables say.
#[test]
fn an_expression_language_can_be_plugged_in() {
    struct AlwaysTrue;
    impl baton_engine::expr::ExpressionLanguage for AlwaysTrue {
        fn evaluate(
            &self,
            _expression: &str,
            _variables: &dyn baton_engine::expr::Variables,
        ) -> Result<serde_json::Value, baton_engine::expr::EvalError> {
            Ok(json!(true))
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runtime/exclusive.bpmn");
    let mut e = Engine::new().with_expressions(AlwaysTrue);
    e.deploy(parse_file(&path).unwrap()).unwrap();
    let i = e.start("exclusive", vars(json!({"amount": 1}))).unwrap();
    assert_eq!(e.waiting_at(&i), ["big"], "the built-in language would have chosen \"small\"");
}

#[test]
fn a_signal_reaches_every_waiting_instance_and_starts_others() {
    let mut e = engine(&["signal_catch.bpmn", "signal_throw.bpmn", "signal_start.bpmn"]);
    let waiting: Vec<String> = (0..3).map(|_| e.start("signal_catch", Variables::new()).unwrap()).collect();
    for i in &waiting {
        assert_eq!(e.waiting_at(i), ["stop", "work"]);
    }
    // A non-interrupting signal boundary: the task stays, a path starts beside it.
    let reached = e.broadcast_signal("notice", Variables::new()).unwrap();
    assert_eq!(reached, waiting);
    assert_eq!(e.waiting_at(&waiting[0]), ["stop", "work"]);
    assert_eq!(passed(&e, &waiting[0]), ["start", "fork", "notice", "noticed"]);
    // A thrown signal reaches all three, in subscription order, and starts `signal_start`.
    let thrower = e.start("signal_throw", Variables::new()).unwrap();
    assert!(e.is_ended(&thrower));
    for i in &waiting {
        assert_eq!(e.waiting_at(i), ["work"], "{i}");
    }
    assert_eq!(e.waiting_at("signal_start#1"), ["clean"]);
    insta::assert_snapshot!(trace(&e, &thrower) + "\n" + &trace(&e, &waiting[2]));
}

#[test]
fn a_non_interrupting_escalation_starts_a_path_beside_the_sub_process() {
    let mut e = engine(&["escalation.bpmn"]);
    let i = e.start("escalation", Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&i), ["pack", "approve"]);
    e.complete_job(&job_at(&e, &i, "pack"), Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&i), ["approve"], "the sub-process finished; the escalation path goes on");
    e.complete_job(&job_at(&e, &i, "approve"), Variables::new()).unwrap();
    assert!(e.is_ended(&i));
    assert_eq!(
        passed(&e, &i),
        [
            "start",
            "handle_start",
            "escalated",
            "too_expensive",
            "pack",
            "handle_end",
            "handle",
            "handled",
            "approve",
            "approved"
        ]
    );
    insta::assert_snapshot!(trace(&e, &i));
}

#[test]
fn multi_instance_and_standard_loops() {
    let mut e = engine(&["multi.bpmn"]);
    let i = e.start("multi", vars(json!({"recipients": ["ann", "bob", "cid"], "tries": 0}))).unwrap();
    // Sequential, cardinality 3: one approval at a time.
    for n in 1..=3 {
        let jobs = e.jobs(&i);
        assert_eq!(jobs.len(), 1, "one at a time");
        assert_eq!(jobs[0].variables["loopCounter"], n);
        e.complete_job(&jobs[0].id, Variables::new()).unwrap();
    }
    // Parallel over the collection: three jobs at once, each with its element.
    let notify = e.jobs(&i);
    let recipients: Vec<&serde_json::Value> = notify.iter().map(|j| &j.variables["recipient"]).collect();
    assert_eq!(recipients, [&json!("ann"), &json!("bob"), &json!("cid")]);
    assert_eq!(e.pending_timers().len(), 1, "the boundary timer is armed once, on the whole activity");
    e.complete_job(&notify[2].id, Variables::new()).unwrap();
    e.complete_job(&notify[0].id, Variables::new()).unwrap();
    // The completion condition (2 of 3) ends it: bob's instance is cancelled, the timer withdrawn.
    assert_eq!(e.variables(&i).unwrap()["sent"], json!(["ann ok", null, "cid ok"]));
    assert!(e.pending_timers().is_empty());
    assert_eq!(e.waiting_at(&i), ["retry"]);
    // A standard loop: runs while `tries < 3`.
    for tries in 1..=3 {
        let job = job_at(&e, &i, "retry");
        e.complete_job(&job, vars(json!({"tries": tries}))).unwrap();
    }
    assert!(e.is_ended(&i));
    assert_eq!(passed(&e, &i).iter().filter(|n| *n == "retry").count(), 3);
    assert_eq!(passed(&e, &i).iter().filter(|n| *n == "approve").count(), 1, "the activity completes once as a whole");
    insta::assert_snapshot!(trace(&e, &i));
}

#[test]
fn a_boundary_timer_interrupts_every_instance_of_a_multi_instance() {
    let mut e = engine(&["multi.bpmn"]);
    let i = e.start("multi", vars(json!({"recipients": ["ann", "bob"], "tries": 5}))).unwrap();
    for _ in 0..3 {
        let job = e.jobs(&i)[0].id.clone();
        e.complete_job(&job, Variables::new()).unwrap();
    }
    assert_eq!(e.jobs(&i).len(), 2);
    e.advance("PT1H").unwrap();
    assert!(e.is_ended(&i));
    assert!(e.jobs(&i).is_empty());
    assert_eq!(passed(&e, &i).last().map(String::as_str), Some("too_late"));
}

#[test]
fn event_sub_processes_interrupt_or_run_beside_their_scope() {
    let mut e = engine(&["evsub.bpmn"]);
    // Non-interrupting timer cycle: twice, while the work waits.
    let i = e.start("evsub", vars(json!({"orderId": "A-1"}))).unwrap();
    e.advance("PT3H").unwrap();
    assert_eq!(passed(&e, &i).iter().filter(|n| *n == "reminded").count(), 2);
    assert_eq!(e.waiting_at(&i), ["work"]);
    // Interrupting message start: the work is cancelled, the undo path runs, the instance ends.
    e.correlate_message("cancel", Some("A-1"), Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&i), ["undo"]);
    assert!(e.jobs(&i).iter().all(|j| j.node != "work"), "the work's job went with it");
    e.complete_job(&job_at(&e, &i, "undo"), Variables::new()).unwrap();
    assert!(e.is_ended(&i));
    assert!(e.pending_timers().is_empty(), "the event sub-process starts are withdrawn with the instance");
    insta::assert_snapshot!(trace(&e, &i));

    // An error thrown by a job is caught by the error event sub-process of its scope.
    let j = e.start("evsub", vars(json!({"orderId": "B-2"}))).unwrap();
    e.throw_error(&job_at(&e, &j, "work"), "ANY", Variables::new()).unwrap();
    assert!(e.is_ended(&j));
    assert_eq!(passed(&e, &j).last().map(String::as_str), Some("on_error"));
}

#[test]
fn conditional_events_trigger_when_variables_make_them_true() {
    let mut e = engine(&["conditional.bpmn"]);
    let i = e.start("conditional", vars(json!({"stock": 0, "price": 10}))).unwrap();
    assert_eq!(e.waiting_at(&i), ["stock_arrived", "pay"]);
    let repriced = |e: &Engine| passed(e, &i).iter().filter(|n| *n == "repriced").count();
    // Non-interrupting boundary: fires when the condition turns true, not again while it stays true.
    e.set_variables(&i, vars(json!({"price": 150}))).unwrap();
    assert_eq!(repriced(&e), 1);
    e.set_variables(&i, vars(json!({"price": 160}))).unwrap();
    assert_eq!(repriced(&e), 1);
    e.set_variables(&i, vars(json!({"price": 50}))).unwrap();
    e.set_variables(&i, vars(json!({"price": 200}))).unwrap();
    assert_eq!(repriced(&e), 2, "false then true again: a new trigger");
    // The intermediate catch waits until its condition holds.
    e.set_variables(&i, vars(json!({"stock": 3}))).unwrap();
    assert_eq!(e.waiting_at(&i), ["pay"]);
    e.complete_job(&job_at(&e, &i, "pay"), Variables::new()).unwrap();
    assert!(e.is_ended(&i));
    insta::assert_snapshot!(trace(&e, &i));
}

#[test]
fn a_cancelled_transaction_is_compensated_then_left_through_its_cancel_boundary() {
    let mut e = engine(&["transaction.bpmn"]);
    e.register("flight", |_| Ok(vars(json!({"flight": "LH 123"}))));
    e.register("cancel-flight", |_| Ok(vars(json!({"flight": null}))));
    let booked = e.start("transaction", vars(json!({"hotelFull": false}))).unwrap();
    assert!(e.is_ended(&booked));
    assert_eq!(passed(&e, &booked).last().map(String::as_str), Some("trip_booked"));

    let cancelled = e.start("transaction", vars(json!({"hotelFull": true}))).unwrap();
    assert!(e.is_ended(&cancelled));
    assert_eq!(
        passed(&e, &cancelled),
        [
            "start",
            "tx_start",
            "book_flight",
            "hotel_ok",
            "cancel_flight",
            "cancel_booking",
            "booking_cancelled",
            "trip_cancelled"
        ]
    );
    assert_eq!(e.variables(&cancelled).unwrap()["flight"], json!(null), "the flight was undone");
    insta::assert_snapshot!(trace(&e, &cancelled));
}

#[test]
fn published_messages_wait_for_their_subscription_until_their_time_to_live() {
    let mut e = engine(&["messages.bpmn"]);
    // Published before the instance subscribes: kept for an hour, delivered on subscription.
    assert_eq!(e.publish_message("payment-received", Some("A-1"), vars(json!({"paid": true})), "PT1H").unwrap(), None);
    let a = e.start("messages", vars(json!({"orderId": "A-1"}))).unwrap();
    assert_eq!(e.waiting_at(&a), ["card_or_timeout"], "the buffered message was waiting for it");
    assert_eq!(e.variables(&a).unwrap()["paid"], json!(true));
    // Past its time-to-live, a buffered message is gone.
    e.publish_message("payment-received", Some("B-2"), Variables::new(), "PT1H").unwrap();
    e.advance("PT2H").unwrap();
    let b = e.start("messages", vars(json!({"orderId": "B-2"}))).unwrap();
    assert_eq!(e.waiting_at(&b), ["paid"]);
    assert!(matches!(e.publish_message("x", None, Variables::new(), "soon"), Err(Error::BadDuration { .. })));
}

#[test]
fn message_end_events_reach_a_waiting_pool() {
    // Two processes of one engine: the shop's end event throws the message the customer waits for.
    let xml = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
      <message id="m" name="parcel" />
      <process id="shop" isExecutable="true">
        <startEvent id="s1" /><sequenceFlow id="f1" sourceRef="s1" targetRef="sent" />
        <endEvent id="sent"><messageEventDefinition messageRef="m" /></endEvent>
      </process>
      <process id="customer" isExecutable="true">
        <startEvent id="s2" /><sequenceFlow id="f2" sourceRef="s2" targetRef="wait" />
        <intermediateCatchEvent id="wait"><messageEventDefinition messageRef="m" /></intermediateCatchEvent>
        <sequenceFlow id="f3" sourceRef="wait" targetRef="got" /><endEvent id="got" />
      </process></definitions>"#;
    let mut e = Engine::new();
    e.deploy(baton_engine::parse::parse(xml).unwrap()).unwrap();
    let customer = e.start("customer", Variables::new()).unwrap();
    let shop = e.start("shop", Variables::new()).unwrap();
    assert!(e.is_ended(&shop) && e.is_ended(&customer));
}

/// The saga: three bookings, the third fails, and the two that succeeded are undone in
/// reverse order of completion.
#[test]
fn a_saga_compensates_what_succeeded_in_reverse_order() {
    let mut e = engine(&["saga.bpmn"]);
    let i = e.start("saga", Variables::new()).unwrap();
    e.complete_job(&job_at(&e, &i, "hotel"), vars(json!({"hotel": "H-1"}))).unwrap();
    e.complete_job(&job_at(&e, &i, "flight"), vars(json!({"flight": "F-1"}))).unwrap();
    e.throw_error(&job_at(&e, &i, "car"), "NO_CAR", Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&i), ["cancel_flight"], "the flight, booked last, is undone first");
    e.complete_job(&job_at(&e, &i, "cancel_flight"), Variables::new()).unwrap();
    assert_eq!(e.waiting_at(&i), ["cancel_hotel"]);
    e.complete_job(&job_at(&e, &i, "cancel_hotel"), Variables::new()).unwrap();
    assert!(e.is_ended(&i));
    assert_eq!(
        passed(&e, &i),
        ["start", "hotel", "flight", "car_failed", "cancel_flight", "cancel_hotel", "undo", "failed"]
    );
    insta::assert_snapshot!(trace(&e, &i));
}

#[test]
fn terminate_inside_a_sub_process_ends_only_that_sub_process() {
    let mut e = engine(&["terminate_sub.bpmn"]);
    let i = e.start("terminate_sub", Variables::new()).unwrap();
    assert!(e.is_ended(&i), "the instance goes on after the sub-process, to its own end");
    assert_eq!(passed(&e, &i), ["start", "pick_start", "fork", "quick", "stop", "pick", "picked"]);
    assert!(e.jobs(&i).is_empty(), "the slow search was terminated with its job");
}

/// A sub-process that carries its own compensation (a compensation event sub-process) is
/// undone by running that event sub-process.
#[test]
fn a_compensation_event_sub_process_undoes_its_sub_process() {
    let mut e = engine(&["compensation_sub.bpmn"]);
    e.register("reserve", |_| Ok(vars(json!({"room": 12}))));
    e.register("release", |_| Ok(vars(json!({"room": null}))));
    let i = e.start("compensation_sub", Variables::new()).unwrap();
    assert!(e.is_ended(&i));
    assert_eq!(
        passed(&e, &i),
        [
            "start",
            "book_start",
            "reserve",
            "book_end",
            "book",
            "undo_start",
            "release",
            "released",
            "undo_booking",
            "undo",
            "done"
        ]
    );
    assert_eq!(e.variables(&i).unwrap()["room"], json!(null));
    insta::assert_snapshot!(trace(&e, &i));
}
