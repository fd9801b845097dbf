//! Coming from Camunda's test tools: each camunda-bpm-assert (Camunda 7) and Camunda Process
//! Test / zeebe-process-test (Camunda 8) idiom, as a comment, above its Baton equivalent. Every
//! line runs; the README's "Coming from Camunda's test tools" table points here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_examples::services;
use baton_testkit::prelude::*;

fn order_engine() -> Result<TestEngine, Error> {
    // @Deployment(resources = "order.bpmn") / @Deployment in a CPT test
    let mut t = TestEngine::deploy_file(baton_examples::order_bpmn())?;
    // a JavaDelegate per service task / a job worker per type (mockJobWorker(..).thenComplete())
    services::register(&mut t);
    Ok(t)
}

fn order_vars(order_id: &str) -> Variables {
    vars! { "item": "coffee", "amount": 25, "card": "4000-0000-0000-0077", "address": "1 Main St", "orderId": order_id }
}

#[test]
fn instance_state_and_path() -> TestResult {
    let mut t = order_engine()?;
    // runtimeService.startProcessInstanceByKey("order", "A-1", variables)
    let order = t.start_with("order").business_key("A-1").variables(order_vars("A-1")).run()?;
    // assertThat(pi).isStarted().isEnded().hasPassedInOrder(...) / CPT isCompleted(), hasCompletedElementsInOrder(...)
    assert_that(&t, &order)
        .is_started()
        .is_ended_at("Order shipped")
        .has_passed_in_order(["Charge credit card", "Fetch item", "Ship item"])
        // hasNotPassed(..) / hasNotActivatedElements(..)
        .has_not_passed("Card declined")
        .has_not_activated(["Refund payment", "Order cancelled"])
        // hasBusinessKey("A-1"), hasProcessDefinitionKey("order") / hasBpmnProcessId("order")
        .has_business_key("A-1")
        .has_process_definition("order")
        // hasVariables("trackingId"), variables().containsEntry(..) / hasVariable(name, value)
        .has_variables("trackingId")
        .variable("trackingId")
        .is("track-order#1");
    Ok(())
}

#[test]
fn waiting_messages_and_timers() -> TestResult {
    let mut t = order_engine()?;
    let order = t.start(
        "order",
        vars! { "item": "coffee", "amount": 25, "card": services::DECLINED_CARDS[0], "address": "1 Main St", "orderId": "A-2" },
    )?;
    // isWaitingAt("New card?"), isWaitingFor("card-updated") / hasActiveElements(..)
    assert_that(&t, &order).is_waiting_at("New card?").is_waiting_for_message("card-updated");
    // CPT hasActiveElement(selector, 1)
    assert_that(&t, &order).has_active_element("New card?", 1);
    // ClockUtil.setCurrentTime(..) + execute(job()) / CPT increaseTime(Duration.ofDays(3))
    t.advance("P3D")?;
    // runtimeService.createMessageCorrelation("card-updated").processInstanceBusinessKey(..) /
    // zeebeClient.newPublishMessageCommand().messageName("card-updated").correlationKey("A-2")
    t.message("card-updated").correlation_key("A-2").variables(vars! { "card": "4000-0000-0000-0077" }).publish()?;
    assert_that(&t, &order).has_passed("Card updated").is_ended_at("Order shipped");
    Ok(())
}

#[test]
fn jobs_by_type_and_failures() -> TestResult {
    // Jobs the test does itself: no worker registered for them.
    let mut t = TestEngine::deploy_file(baton_examples::order_bpmn())?;
    let order = t.start("order", order_vars("A-3"))?;
    // fetchAndLock("charge-card") / zeebe activate jobs of a type
    assert_eq!(t.jobs_of_type("charge-card").count(), 1);
    // CPT processTestContext.completeJob("charge-card")
    t.job_of_type("charge-card")?.complete(vars! { "charged": 25 })?;
    // job(..).hasRetries(3)
    assert_that(&t, &order).job("Fetch item").has_type("fetch-goods").has_retries(3);
    // handleFailure(message, retries, timeout) / newFailCommand(job).retries(1).retryBackoff(..)
    t.job(&order, "Fetch item")?.fail_with("warehouse offline", 1, baton_testkit::jiff::Span::new().minutes(5))?;
    t.advance("PT5M")?;
    t.job(&order, "Fetch item")?.complete(vars! {})?;
    // handleBpmnError("SHIPPING_FAILED") / CPT throwBpmnErrorFromJob("ship-goods", "SHIPPING_FAILED")
    t.job(&order, "Ship item")?.throw_error("SHIPPING_FAILED")?;
    assert_that(&t, &order).is_waiting_at("Refund payment");
    t.job(&order, "Refund payment")?.complete(vars! {})?;
    assert_that(&t, &order).is_ended_at("Order failed").has_passed("Refund payment");
    Ok(())
}

#[test]
fn user_tasks_as_people_handle_them() -> TestResult {
    let mut t = TestEngine::deploy_file(baton_examples::refund_review_bpmn())?;
    services::register(&mut t);
    let refund = t.start("refund_review", vars! { "charged": 25 })?;
    // task().hasCandidateGroup("support"), isNotAssigned() / CPT user task assertions
    assert_that(&t, &refund).user_task("Review refund").has_candidate_group("support").is_not_assigned();
    // taskService.createTaskQuery().taskCandidateGroup(..) / search user tasks
    assert_eq!(t.tasks().process("refund_review").count(), 1);
    // taskService.claim(taskId, "anna"), then isAssignedTo("anna")
    t.user_task(&refund, "Review refund")?.claim("anna")?;
    assert_that(&t, &refund).user_task("Review refund").is_assigned_to("anna");
    // complete(task(), withVariables("approved", true)) / CPT completeUserTask(..)
    t.user_task(&refund, "Review refund")?.complete(vars! { "approved": true })?;
    assert_that(&t, &refund).is_ended_at("Refund paid").variable("refunded").is(25);
    Ok(())
}

#[test]
fn start_anywhere_modify_and_expect_failures() -> TestResult {
    let mut t = order_engine()?;
    // runtimeService.createProcessInstanceByKey("order").startBeforeActivity("Ship item") /
    // CPT startBeforeElement("Ship item")
    let order = t.start_with("order").before("Ship item").variables(order_vars("A-4")).run()?;
    assert_that(&t, &order).is_ended_at("Order shipped").has_not_passed("Charge credit card");

    let mut t = TestEngine::deploy_file(baton_examples::order_bpmn())?;
    let order = t.start("order", order_vars("A-5"))?;
    // runtimeService.createProcessInstanceModification(id).cancelAllForActivity(..).startBeforeActivity(..) /
    // zeebe modify process instance: terminate + activate
    t.modify(&order).terminate("Charge credit card").activate("Fetch item").apply()?;
    assert_that(&t, &order).is_waiting_at("Fetch item");
    // runtimeService.deleteProcessInstance(id, reason) / cancel process instance
    t.cancel(&order)?;
    assert_that(&t, &order).is_terminated();
    // assertThatThrownBy(() -> assertThat(pi).isEnded())
    let failure = expect_failure(|| {
        assert_that(&t, &order).is_ended();
    });
    assert!(failure.starts_with("instance order#1"), "{failure}");
    Ok(())
}
