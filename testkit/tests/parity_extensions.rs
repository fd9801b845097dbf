//! Extensions each engine reads and Baton used to ignore, rule by rule, on models written as
//! Camunda Modeler writes them (`engine/tests/fixtures/parity/extensions/`, with DI). Each test
//! names the documentation page it follows.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_testkit::prelude::*;

const FIXTURES: &str = "../engine/tests/fixtures/parity/extensions";

fn engine(file: &str) -> TestEngine {
    TestEngine::deploy_file(format!("{FIXTURES}/{file}")).unwrap()
}

/// Camunda 8: a message intermediate throw or end event with a `zeebe:taskDefinition` is a job,
/// as a service task is; its input mappings are the job's local variables (docs.camunda.io:
/// components/modeler/bpmn/message-events/ "Message throw events",
/// .../intermediate-throw-events/, .../end-events/). The job type and retries may be FEEL
/// expressions, evaluated when the job is created; headers are static
/// (.../service-tasks/ "Defining a task").
#[test]
fn camunda8_message_throw_and_end_events_with_a_task_definition_are_jobs() {
    let mut t = engine("shipping_c8.bpmn");
    let order = t
        .start(
            "shipping_c8",
            vars! {
                "channel": "email", "retryCount": 5, "customer": { "email": "ann@example.com" },
                "warehouse": ["packers", "night shift"], "dueAt": "2026-12-05T12:00:00Z", "urgency": 5
            },
        )
        .unwrap();
    assert_that(&t, &order).is_waiting_at("Notify customer");
    assert_that(&t, &order)
        .job("Notify customer")
        .has_type("notify-email")
        .has_retries(5)
        .has_header("template", "parcel-on-its-way");
    let job = t.job(&order, "Notify customer").unwrap();
    assert_eq!(job.info().local_variables["recipient"], serde_json::json!("ann@example.com"));
    job.complete(vars! {}).unwrap();

    // zeebe:assignmentDefinition, zeebe:taskSchedule, zeebe:priorityDefinition: `=...` is FEEL,
    // evaluated when the task is created (.../user-tasks/ "Assignments", "Scheduling",
    // "Define user task priority").
    assert_that(&t, &order)
        .user_task("Check parcel")
        .has_candidate_group("packers")
        .has_candidate_group("night shift")
        .has_candidate_user("bob")
        .has_due_date("2026-12-05T12:00:00Z")
        .has_follow_up_date("2026-12-04T09:00:00Z")
        .has_priority(50);
    t.user_task(&order, "Check parcel").unwrap().complete(vars! {}).unwrap();

    assert_that(&t, &order).is_waiting_at("Invoice sent");
    t.job(&order, "Invoice sent").unwrap().complete(vars! {}).unwrap();
    assert_that(&t, &order).is_ended_at("Invoice sent");
}

/// Camunda 7: a message throw event whose `messageEventDefinition` has `camunda:type="external"`
/// (or `camunda:class`, `expression`, `delegateExpression`) runs that implementation as a service
/// task does (docs.camunda.org/manual/latest/reference/bpmn20/events/message-events/ "Message
/// Intermediate Throwing Event", "Message End Event"). User task `camunda:followUpDate` and
/// `camunda:priority` are evaluated when the task is created
/// (.../reference/bpmn20/tasks/user-task/ "Follow Up Date", .../reference/bpmn-extensions/).
#[test]
fn camunda7_message_throw_and_end_events_with_an_implementation_are_jobs() {
    let mut t = engine("shipping_c7.bpmn");
    let order = t
        .start(
            "shipping_c7",
            vars! {
                "customer": { "email": "ann@example.com" }, "warehouse": "packers",
                "dueAt": "2026-12-05T12:00:00Z", "urgency": 5
            },
        )
        .unwrap();
    assert_that(&t, &order).job("Notify customer").has_type("notify-customer");
    let job = t.job(&order, "Notify customer").unwrap();
    assert_eq!(job.info().local_variables["recipient"], serde_json::json!("ann@example.com"));
    job.complete(vars! {}).unwrap();

    assert_that(&t, &order)
        .user_task("Check parcel")
        .has_candidate_group("packers")
        .has_candidate_user("alice")
        .has_due_date("2026-12-05T12:00:00Z")
        .has_follow_up_date("2026-12-04T09:00:00Z")
        .has_priority(50);
    t.user_task(&order, "Check parcel").unwrap().complete(vars! {}).unwrap();

    assert_that(&t, &order).job("Invoice sent").has_type("com.acme.SendInvoice");
    t.job(&order, "Invoice sent").unwrap().complete(vars! {}).unwrap();
    assert_that(&t, &order).is_ended_at("Invoice sent");
}

/// Camunda 7 reads the legacy `http://activiti.org/bpmn` namespace as its own
/// (docs.camunda.org/manual/latest/update/ "Migrate from Activiti": the `activiti:` attributes
/// and elements keep working).
#[test]
fn the_legacy_activiti_namespace_is_read_as_camunda() {
    let mut t = engine("legacy_activiti.bpmn");
    let review = t.start("legacy_activiti", vars! { "order": { "amount": 30 }, "owner": "demo" }).unwrap();
    assert_that(&t, &review).job("Score").has_type("score");
    let job = t.job(&review, "Score").unwrap();
    assert_eq!(job.info().local_variables["amount"], serde_json::json!(30));
    job.complete(vars! {}).unwrap();
    assert_that(&t, &review).user_task("Review").has_assignee("demo");
}
