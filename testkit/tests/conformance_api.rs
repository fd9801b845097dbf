//! What a test can drive and what its assertions mean, rule by rule, on models written as Camunda
//! Modeler writes them (`engine/tests/fixtures/conformance/api/`, with DI). Each test names the
//! Camunda documentation page it follows.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_testkit::prelude::*;
use baton_testkit::{JobInfo, SubscriptionKind};

mod common;
use common::text;

const FIXTURES: &str = "../engine/tests/fixtures/conformance/api";

/// The Camunda 8 order, the shipping process it calls and the Camunda 7 claim, in one engine.
fn engine() -> TestEngine {
    TestEngine::deploy_files(["order_c8.bpmn", "shipping_c8.bpmn", "claim_c7.bpmn"].map(|f| format!("{FIXTURES}/{f}")))
        .unwrap()
}

fn ids(jobs: &[JobInfo]) -> Vec<&str> {
    jobs.iter().map(|j| j.id.as_str()).collect()
}

/// An order that has been approved, charged and paid: it waits in the called shipping process.
fn order_in_shipping(t: &mut TestEngine, order_id: &str) -> Instance {
    let order = t.start("order_api_c8", vars! { "orderId": order_id }).unwrap();
    t.user_task(&order, "Approve order").unwrap().complete(vars! {}).unwrap();
    t.job(&order, "Charge card").unwrap().complete(vars! {}).unwrap();
    t.correlate("payment-received", Some(order_id), vars! {}).unwrap();
    order
}

/// Open user tasks and jobs, engine-wide, filtered by process, element, type, assignee and
/// instance: Camunda 7's task query (`taskService.createTaskQuery()`,
/// https://docs.camunda.org/manual/latest/reference/rest/task/get-query/) and external task
/// query by topic; Camunda 8's job activation by type in zeebe-process-test
/// (https://docs.camunda.io/docs/8.2/apis-tools/java-client/zeebe-process-test).
#[test]
fn open_user_tasks_and_jobs_are_listed_engine_wide_and_filtered() {
    let mut t = engine();
    let first = t.start("order_api_c8", vars! { "orderId": "O-1" }).unwrap();
    let second = t.start("order_api_c8", vars! { "orderId": "O-2" }).unwrap();
    let claim = t.start("claim_api_c7", vars! {}).unwrap();

    assert_eq!(ids(&t.tasks().list()), ["order_api_c8#1/job#1", "order_api_c8#2/job#1", "claim_api_c7#1/job#1"]);
    assert_eq!(t.tasks().assignee("anna").count(), 2);
    assert_eq!(ids(&t.tasks().assignee("demo").list()), ["claim_api_c7#1/job#1"]);
    assert_eq!(t.tasks().process("claim_api_c7").assignee("anna").count(), 0);
    assert_eq!(ids(&t.tasks().instance(&second).list()), ["order_api_c8#2/job#1"]);
    assert_eq!(t.jobs().job_type("charge-card").count(), 0, "nobody has been charged yet");

    // Act on a listed task by its id, as `taskService.complete(task.getId())`.
    let annas = t.tasks().assignee("anna").element("Approve order").list();
    t.job_by_id(&annas[0].id).unwrap().complete(vars! {}).unwrap();
    let charges = t.jobs().job_type("charge-card").list();
    assert_eq!((charges.len(), charges[0].instance.as_str()), (1, first.id.as_str()));
    assert_eq!(ids(&t.jobs().element("Activity_ChargeCard").list()), ids(&charges), "by id or by name");

    // The claim's review, then its external task by topic.
    t.job_by_id("claim_api_c7#1/job#1").unwrap().complete(vars! {}).unwrap();
    let topic = t.jobs().job_type("pay-claim").list();
    assert_eq!(topic.len(), 1);
    assert_eq!(topic[0].instance, claim.id);
    assert_eq!(t.jobs().count(), 3, "order 1's charge, order 2's approval, the claim's payment");

    insta::assert_snapshot!("job_by_id_done", text(t.job_by_id(&annas[0].id).unwrap_err()));
}

/// Cancelling an instance ends its tokens, jobs, timers, subscriptions and called instances;
/// the trace says so and assertions see it as terminated: Camunda 7's
/// `runtimeService.deleteProcessInstance`
/// (https://docs.camunda.org/manual/latest/reference/rest/process-instance/delete/), Camunda 8's
/// cancel command
/// (https://docs.camunda.io/docs/next/apis-tools/camunda-api-rest/specifications/cancel-process-instance).
#[test]
fn a_cancelled_instance_ends_with_everything_it_holds() {
    let mut t = engine();
    // At its user task, with the reminder timer armed.
    let waiting = t.start("order_api_c8", vars! { "orderId": "O-1" }).unwrap();
    assert_eq!(t.timers().len(), 1);
    t.cancel(&waiting).unwrap();
    assert_that(&t, &waiting).is_terminated().is_not_waiting_at("Approve order").has_not_passed("Approve order");
    assert!(t.timers().is_empty() && t.tasks().count() == 0, "the task and the reminder went with it");

    // At the payment message, then inside the called shipping process.
    let paying = t.start("order_api_c8", vars! { "orderId": "O-2" }).unwrap();
    t.user_task(&paying, "Approve order").unwrap().complete(vars! {}).unwrap();
    t.job(&paying, "Charge card").unwrap().complete(vars! {}).unwrap();
    assert_eq!(t.event_subscriptions().len(), 1);
    t.cancel(&paying).unwrap();
    assert!(t.event_subscriptions().is_empty());

    let shipping = order_in_shipping(&mut t, "O-3");
    let child = t.called_by(&shipping, "Ship order").unwrap().remove(0);
    t.cancel(&shipping).unwrap();
    assert_that(&t, &child).is_terminated();
    assert_eq!(t.jobs().count(), 0, "the called instance's job is gone too");
    let kinds: Vec<String> =
        assert_that(&t, &shipping).trace_kinds().iter().map(|k| k.describe(&|id| id.to_owned())).collect();
    // The trace says it was cancelled, then what ended with it: the called instance first.
    assert_eq!(
        kinds[kinds.len() - 5..],
        ["cancelled", "interrupted Activity_PackParcel", "terminated", "interrupted Activity_ShipOrder", "terminated"]
    );

    let t = &t;
    insta::assert_snapshot!(
        "cancelled_is_not_ended",
        expect_failure(|| {
            assert_that(t, &shipping).is_ended();
        })
    );
}

/// What cannot be cancelled says why: an instance that ended already (Camunda 8 answers 404:
/// "The process instance is not found"), and an instance a call activity started (only root
/// instances can be cancelled:
/// https://docs.camunda.io/docs/apis-tools/orchestration-cluster-api-rest/specifications/cancel-process-instances-batch-operation).
#[test]
fn cancelling_what_cannot_be_cancelled_says_why() {
    let mut t = engine();
    let order = order_in_shipping(&mut t, "O-1");
    let child = t.called_by(&order, "Ship order").unwrap().remove(0);
    insta::assert_snapshot!("cancel_called_instance", text(t.cancel(&child).unwrap_err()));
    t.cancel(&order).unwrap();
    insta::assert_snapshot!("cancel_twice", text(t.cancel(&order).unwrap_err()));
}

/// The clock is set to an instant, or moved on by an ISO 8601 text, a `std::time::Duration` or
/// a `jiff::Span`, firing what falls due: Camunda 7's `ClockUtil.setCurrentTime`
/// (https://docs.camunda.org/manual/latest/user-guide/testing/), zeebe-process-test's
/// `increaseTime(Duration)` (https://docs.camunda.io/docs/8.2/apis-tools/java-client/zeebe-process-test).
#[test]
fn the_clock_is_set_to_an_instant_or_moved_by_a_duration() {
    let mut t = engine();
    let first = t.start("order_api_c8", vars! { "orderId": "O-1" }).unwrap();
    assert_that(&t, &first).has_timer_armed("Remind approver", Some("2026-01-01T01:00:00Z"));
    t.set_clock("2026-01-01T00:59:59Z").unwrap();
    assert_that(&t, &first).has_not_passed("Reminder sent");
    t.set_clock(jiff::Timestamp::from_second(1_767_229_200).unwrap()).unwrap(); // 01:00:00Z
    assert_that(&t, &first).has_passed("Reminder sent").is_waiting_at("Approve order");

    let second = t.start("order_api_c8", vars! { "orderId": "O-2" }).unwrap();
    t.advance(std::time::Duration::from_secs(59 * 60)).unwrap();
    assert_that(&t, &second).has_not_passed("Reminder sent");
    t.advance(jiff::Span::new().minutes(1)).unwrap();
    assert_that(&t, &second).has_passed("Reminder sent");
    t.advance("PT1H").unwrap();
    assert_eq!(t.now().to_string(), "2026-01-01T03:00:00Z");

    insta::assert_snapshot!("clock_backwards", text(t.set_clock("2026-01-01T00:00:00Z").unwrap_err()));
    insta::assert_snapshot!("clock_not_an_instant", text(t.set_clock("tomorrow").unwrap_err()));
}

/// Open message and signal subscriptions and waiting conditional events, engine-wide: Camunda
/// 7's event subscription query
/// (https://docs.camunda.org/manual/latest/reference/rest/event-subscription/get-query/) and its
/// conditional events (https://docs.camunda.org/manual/latest/reference/bpmn20/events/conditional-events/);
/// Camunda 8's message subscriptions by name and correlation key
/// (https://docs.camunda.io/docs/components/concepts/messages/).
#[test]
fn open_subscriptions_and_waiting_conditions_are_listed() {
    let mut t = engine();
    let order = t.start("order_api_c8", vars! { "orderId": "O-1" }).unwrap();
    t.user_task(&order, "Approve order").unwrap().complete(vars! {}).unwrap();
    t.job(&order, "Charge card").unwrap().complete(vars! {}).unwrap();
    let open = t.event_subscriptions();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].instance.as_deref().unwrap_or_default(), open[0].node.as_str(), open[0].kind, open[0].name.as_str()),
        ("order_api_c8#1", "Event_PaymentReceived", SubscriptionKind::Message, "payment-received")
    );
    assert_eq!(open[0].correlation_key.as_deref(), Some("O-1"));

    let claim = t.start("claim_api_c7", vars! { "documentsComplete": false }).unwrap();
    t.user_task(&claim, "Review claim").unwrap().complete(vars! {}).unwrap();
    t.job(&claim, "Pay claim").unwrap().complete(vars! {}).unwrap();
    let conditions = t.waiting_conditions();
    assert_eq!(conditions.len(), 1);
    assert_eq!(
        (conditions[0].instance.as_str(), conditions[0].node.as_str(), conditions[0].condition.as_str()),
        ("claim_api_c7#1", "Event_DocumentsComplete", "${documentsComplete}")
    );
    t.set_variables(&claim, vars! { "documentsComplete": true }).unwrap();
    assert!(t.waiting_conditions().is_empty());
    let signals: Vec<_> = t.event_subscriptions().into_iter().filter(|s| s.kind == SubscriptionKind::Signal).collect();
    assert_eq!(
        (signals.len(), signals[0].name.as_str(), signals[0].correlation_key.as_deref()),
        (1, "audit-done", None)
    );
    t.signal("audit-done", vars! {}).unwrap();
    assert_that(&t, &claim).is_ended_at("Claim closed");
    assert_eq!(t.event_subscriptions().len(), 1, "the order still waits for its payment");
}

/// Several models, from files or text, deploy into one engine, and a call activity finds its
/// process in another file: Camunda 7's deployment of several resources
/// (https://docs.camunda.org/manual/latest/user-guide/process-engine/deployments/), Camunda 8's
/// deploy resource command with several resources
/// (https://docs.camunda.io/docs/apis-tools/zeebe-api/gateway-service/#deployresource-rpc).
#[test]
fn several_models_deploy_into_one_engine() {
    let from_files = engine();
    assert_eq!(from_files.engine().deployed_processes(), ["order_api_c8", "shipping_api_c8", "claim_api_c7"]);

    let read = |f: &str| std::fs::read_to_string(format!("{FIXTURES}/{f}")).unwrap();
    let (order, shipping) = (read("order_c8.bpmn"), read("shipping_c8.bpmn"));
    let mut t = TestEngine::deploy_strs([order.as_str(), shipping.as_str()]).unwrap();
    t.deploy_xml(&read("claim_c7.bpmn")).unwrap();
    assert_eq!(t.engine().deployed_processes(), from_files.engine().deployed_processes());
    let order = order_in_shipping(&mut t, "O-1");
    assert_that(&t, &order).is_waiting_at("Pack parcel");
}

/// A model that cannot be deployed lists every problem, one a line, as `cargo baton validate`
/// does, not the first: Camunda 7 rejects a deployment with every parse error
/// (https://docs.camunda.org/manual/latest/user-guide/process-engine/deployments/), Camunda 8
/// with every validation message
/// (https://docs.camunda.io/docs/apis-tools/zeebe-api/gateway-service/#deployresource-rpc).
#[test]
fn a_deploy_error_lists_every_problem() {
    let err = TestEngine::deploy_file(format!("{FIXTURES}/unfinished_c7.bpmn")).unwrap_err();
    insta::assert_snapshot!("deploy_every_problem", text(err));
}

/// Elements are keyed by (process, element): a name is resolved in the instance's own process
/// first, in a called process only when its own has no such element, and messages say which
/// process. camunda-bpm-assert's `hasPassed`/`isEnded` look at the instance's own activities
/// (https://docs.camunda.org/manual/latest/user-guide/testing/assert-examples); a called
/// instance is an instance of its own (https://docs.camunda.io/docs/components/modeler/bpmn/call-activities/).
#[test]
fn a_called_process_element_never_stands_for_the_parents() {
    let mut t = engine();
    let order = order_in_shipping(&mut t, "O-1");
    let child = t.called_by(&order, "Ship order").unwrap().remove(0);
    t.job(&order, "Pack parcel").unwrap().complete(vars! {}).unwrap();
    // The called process ended at its `end`; the order waits at "Confirm delivery".
    assert_that(&t, &child).is_ended_at("end");
    assert_that(&t, &order).has_passed("Parcel shipped").is_waiting_at("Confirm delivery");
    let t2 = &t;
    insta::assert_snapshot!(
        "called_end_is_not_the_parents",
        expect_failure(|| {
            assert_that(t2, &order).has_passed("end");
        })
    );
    insta::assert_snapshot!(
        "called_element_names_its_process",
        expect_failure(|| {
            assert_that(t2, &order).has_not_passed("Parcel shipped");
        })
    );
    t.user_task(&order, "Confirm delivery").unwrap().complete(vars! {}).unwrap();
    assert_that(&t, &order).is_ended_at("end").has_passed_times("end", 1);
}

/// A token stuck in an incident is not waiting: Camunda 7 shows it as an incident, not a wait
/// state (https://docs.camunda.org/manual/latest/user-guide/process-engine/incidents/); Camunda 8
/// likewise (https://docs.camunda.io/docs/components/concepts/incidents/).
#[test]
fn a_token_in_an_incident_is_not_waiting() {
    let mut t = engine();
    let order = t.start("order_api_c8", vars! { "orderId": "O-1" }).unwrap();
    t.user_task(&order, "Approve order").unwrap().complete(vars! {}).unwrap();
    t.job(&order, "Charge card").unwrap().fail("card reader offline").unwrap(); // retries="1"
    assert_that(&t, &order).has_incident("Charge card").is_not_waiting_at("Charge card");
    assert!(t.engine().waiting_at(&order.id).is_empty());
    let t2 = &t;
    insta::assert_snapshot!(
        "incident_is_not_waiting",
        expect_failure(|| {
            assert_that(t2, &order).is_waiting_at("Charge card");
        })
    );
    t.resolve_incident(&order, "Charge card").unwrap();
    assert_that(&t, &order).is_waiting_at("Charge card").has_no_incidents();
}

/// `is_started` checks something: the instance exists and its trace starts it
/// (camunda-bpm-assert's `isStarted`, https://docs.camunda.org/manual/latest/user-guide/testing/assert-examples;
/// zeebe-process-test's `isStarted`, https://docs.camunda.io/docs/8.2/apis-tools/java-client/zeebe-process-test).
#[test]
fn is_started_checks_the_instance_started() {
    let mut t = engine();
    let order = t.start("order_api_c8", vars! { "orderId": "O-1" }).unwrap();
    assert_that(&t, &order).is_started();
    t.cancel(&order).unwrap();
    assert_that(&t, &order).is_started().is_terminated();
    let never = Instance { id: "order_api_c8#9".into() };
    let t = &t;
    insta::assert_snapshot!(
        "never_started",
        expect_failure(|| {
            assert_that(t, &never).is_started();
        })
    );
}
