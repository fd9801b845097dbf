//! Assertions and commands where Baton used to fall short of Camunda's test tools, one rule per
//! test, on models written as Camunda Modeler writes them
//! (`engine/tests/fixtures/conformance/gaps/`, with DI). Each test names the Camunda
//! documentation page it follows.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_testkit::SubscriptionKind;
use baton_testkit::prelude::*;

const FIXTURES: &str = "../engine/tests/fixtures/conformance/gaps";

fn deploy(files: &[&str]) -> TestEngine {
    TestEngine::deploy_files(files.iter().map(|f| format!("{FIXTURES}/{f}"))).unwrap()
}

/// A Camunda 7 user task's name expression is evaluated when the task is created: `has_name`
/// (camunda-bpm-assert's `task().hasName(..)`) sees it, task queries find the task by it, and a
/// failed assertion names the task by it.
/// Camunda 7: reference/bpmn20/tasks/user-task/; camunda-bpm-assert's TaskAssert `hasName`.
#[test]
fn a_task_name_as_created_is_asserted_and_queried() {
    let mut t = deploy(&["task_name.c7.bpmn", "task_name.c8.bpmn"]);
    let c7 = t.start("task_name_c7", vars! { "order": "A-1" }).unwrap();
    assert_that(&t, &c7).user_task("Task_Review").has_name("Review A-1");
    assert_eq!(t.tasks().element("Review A-1").count(), 1);
    let failure = expect_failure(|| {
        assert_that(&t, &c7).user_task("Task_Review").has_name("Review B-2");
    });
    assert!(failure.contains("\"Review A-1\" (") && failure.contains("not \"Review B-2\""), "{failure}");
    let c8 = t.start("task_name_c8", vars! { "order": "A-1" }).unwrap();
    assert_that(&t, &c8).user_task("Task_Review").has_name("Review ${order}");
}

/// Deploying several files reports the problems of every file that fails, not only the first's:
/// Camunda 7 rejects a deployment with every resource's parse errors
/// (user-guide/process-engine/deployments/), Zeebe with every resource's validation messages
/// (docs.camunda.io: apis-tools/zeebe-api/gateway-service/ "DeployResource RPC").
#[test]
fn deploy_files_lists_every_failing_file() {
    let files = [
        "../engine/tests/fixtures/conformance/api/unfinished_c7.bpmn",
        "../engine/tests/fixtures/conformance/gaps/task_name.c7.bpmn",
        "../engine/tests/fixtures/conformance/deploy/bad_intermediate_timer.c8.bpmn",
    ];
    let err = TestEngine::deploy_files(files).unwrap_err();
    let shown = err.to_string();
    assert_eq!(format!("{err:?}"), shown, "Debug must print the Display text");
    assert!(shown.starts_with("2 of 3 files do not deploy"), "{shown}");
    assert!(shown.contains("unfinished_c7.bpmn") && shown.contains("bad_intermediate_timer.c8.bpmn"), "{shown}");
    assert!(!shown.contains("task_name.c7.bpmn"), "{shown}");
}

/// A message start event of a deployed process is an open subscription without an instance, as
/// Camunda 7's event subscription query lists it (processInstanceId null); it stays open after
/// it started an instance.
/// Camunda 7: reference/rest/event-subscription/get-query/; reference/bpmn20/events/message-events/
/// ("Message Start Event").
#[test]
fn message_start_events_are_listed_without_an_instance() {
    let mut t =
        TestEngine::deploy_files(["../engine/tests/fixtures/conformance/events/message_start_only_c7.bpmn"]).unwrap();
    let open = t.event_subscriptions();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        (
            open[0].instance.as_deref(),
            open[0].process.as_str(),
            open[0].node.as_str(),
            open[0].kind,
            open[0].name.as_str()
        ),
        (None, "message_start_only_c7", "StartEvent_Placed", SubscriptionKind::Message, "order placed")
    );
    t.correlate("order placed", None, vars! {}).unwrap();
    assert_eq!(t.instances_of("message_start_only_c7").len(), 1);
    assert_eq!(t.event_subscriptions(), open, "the start event still listens");
}

/// A job's local variables (its element's input parameters) are asserted apart from the process
/// variables (camunda-bpm-assert's `task().hasVariables` on a task's local scope, Camunda 7's
/// `getVariablesLocal`), and an instance without variables says so (camunda-bpm-assert's
/// `hasNoVariables()`).
/// Camunda 7: user-guide/process-engine/variables/ ("Input/Output Variable Mapping"); user-guide/
/// testing/assert-examples/ (`hasNoVariables`).
#[test]
fn local_variables_and_no_variables_are_asserted() {
    let mut t = TestEngine::deploy_files(["../engine/tests/fixtures/conformance/data/input_output.c7.bpmn"]).unwrap();
    let i = t.start("input_output_c7", vars! { "order": { "amount": 25 }, "city": "Berlin" }).unwrap();
    assert_that(&t, &i).job("Pay").has_local_variable("amount", 25).has_local_variable("currency", "EUR");
    let failure = expect_failure(|| {
        assert_that(&t, &i).job("Pay").has_local_variable("city", "Berlin");
    });
    assert!(failure.contains("local variable `city` unset, not \"Berlin\""), "{failure}");
    let failure = expect_failure(|| {
        assert_that(&t, &i).has_no_variables();
    });
    assert!(failure.contains("has variables city, order"), "{failure}");

    let mut t = deploy(&["task_name.c8.bpmn"]);
    let none = t.start("task_name_c8", vars! {}).unwrap();
    assert_that(&t, &none).has_no_variables();
}
