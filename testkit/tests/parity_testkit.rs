//! What a Camunda test writer does, done with the testkit: handlers that see the whole job and
//! act through a client, jobs by type across instances, user tasks claimed and handed on, and
//! the assertions camunda-bpm-assert and CPT have (one behaviour per test).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_testkit::prelude::*;

/// Camunda 8: charge a card (retried, with a back-off; a declined card is a BPMN error), then
/// ship; a message tells the warehouse.
const PAY: &str = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <process id="pay" isExecutable="true">
    <startEvent id="start" name="Order placed" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="charge" />
    <serviceTask id="charge" name="Charge card">
      <extensionElements>
        <zeebe:taskDefinition type="charge" retries="3" />
        <zeebe:taskHeaders><zeebe:header key="provider" value="acme" /></zeebe:taskHeaders>
      </extensionElements>
    </serviceTask>
    <boundaryEvent id="declined" name="Card declined" attachedToRef="charge"><errorEventDefinition errorRef="e" /></boundaryEvent>
    <sequenceFlow id="f2" sourceRef="charge" targetRef="told" />
    <intermediateCatchEvent id="told" name="Warehouse told"><messageEventDefinition messageRef="m" /></intermediateCatchEvent>
    <sequenceFlow id="f3" sourceRef="told" targetRef="paid" />
    <endEvent id="paid" name="Paid" />
    <sequenceFlow id="f4" sourceRef="declined" targetRef="refused" />
    <endEvent id="refused" name="Refused" />
  </process>
  <error id="e" errorCode="DECLINED" />
  <message id="m" name="warehouse-told"><extensionElements><zeebe:subscription correlationKey="=orderId" /></extensionElements></message>
</definitions>"#;

/// Camunda 7: a review for a group from an expression; a declined check is caught with its
/// code and message.
const REVIEW: &str = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d">
  <process id="review" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="check" />
    <serviceTask id="check" name="Check claim" camunda:type="external" camunda:topic="check" />
    <boundaryEvent id="bad" name="Bad claim" attachedToRef="check">
      <errorEventDefinition errorRef="e" camunda:errorCodeVariable="code" camunda:errorMessageVariable="why" />
    </boundaryEvent>
    <sequenceFlow id="f2" sourceRef="check" targetRef="task" />
    <userTask id="task" name="Review claim" camunda:candidateGroups="${team}" camunda:candidateUsers="anna,ben" camunda:dueDate="${due}" />
    <sequenceFlow id="f3" sourceRef="task" targetRef="done" />
    <endEvent id="done" />
    <sequenceFlow id="f4" sourceRef="bad" targetRef="rejected" />
    <endEvent id="rejected" />
  </process>
  <error id="e" errorCode="BAD" />
</definitions>"#;

#[test]
fn a_handler_sees_the_whole_job() -> TestResult {
    let mut t = TestEngine::deploy_str(PAY)?;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let keep = seen.clone();
    t.register("charge", move |job| {
        *keep.lock().unwrap() = Some(job.clone());
        Ok(vars! {})
    });
    let order = t.start("pay", vars! { "orderId": "A-1", "amount": 25 })?;
    let job = seen.lock().unwrap().clone().unwrap();
    assert_eq!((job.process.as_str(), job.version, job.node.as_str()), ("pay", 1, "charge"));
    assert_eq!((job.instance.as_str(), job.retries), (order.id.as_str(), 3));
    assert_eq!(job.headers, [("provider".to_owned(), "acme".to_owned())]);
    assert_eq!(job.variables["amount"], 25);
    Ok(())
}

#[test]
fn a_failure_with_a_back_off_is_retried_on_the_virtual_clock() -> TestResult {
    let mut t = TestEngine::deploy_str(PAY)?;
    let mut attempts = 0;
    t.register("charge", move |_| {
        attempts += 1;
        if attempts == 1 {
            Err(HandlerError::failed("bank down").with_retries(1).with_backoff(jiff::Span::new().minutes(5)))
        } else {
            Ok(vars! { "charged": true })
        }
    });
    let order = t.start("pay", vars! { "orderId": "A-1" })?;
    assert_that(&t, &order).is_waiting_at("Charge card").job("Charge card").has_retries(1);
    t.advance("PT4M")?;
    assert_that(&t, &order).is_waiting_at("Charge card");
    t.advance("PT1M")?;
    assert_that(&t, &order).is_waiting_at("Warehouse told").variable("charged").is(true);
    Ok(())
}

#[test]
fn a_test_fails_a_job_with_retries_and_a_back_off() -> TestResult {
    let mut t = TestEngine::deploy_str(PAY)?;
    let order = t.start("pay", vars! { "orderId": "A-1" })?;
    t.job(&order, "Charge card")?.fail_with("bank down", 2, jiff::Span::new().minutes(1))?;
    assert_that(&t, &order).job("Charge card").has_retries(2);
    t.job(&order, "Charge card")?.fail_with("bank still down", 0, None)?;
    assert_that(&t, &order).has_incident("Charge card");
    Ok(())
}

#[test]
fn a_bpmn_error_carries_variables_and_a_message() -> TestResult {
    let mut t = TestEngine::deploy_str(REVIEW)?;
    t.register("check", |_| {
        Err(HandlerError::bpmn("BAD").with_message("no receipt").with_variables(vars! { "checked": true }))
    });
    let claim = t.start("review", vars! { "team": "claims", "due": "2026-02-01T00:00:00Z" })?;
    assert_that(&t, &claim).is_ended().has_passed("Bad claim").variable("why").is("no receipt");
    assert_that(&t, &claim).variable("code").is("BAD");
    assert_that(&t, &claim).variable("checked").is(true);
    Ok(())
}

#[test]
fn a_test_throws_an_error_with_a_message() -> TestResult {
    let mut t = TestEngine::deploy_str(REVIEW)?;
    let claim = t.start("review", vars! { "team": "claims", "due": "2026-02-01T00:00:00Z" })?;
    t.job(&claim, "Check claim")?.throw_error_with("BAD", "no receipt", vars! { "checked": true })?;
    assert_that(&t, &claim).is_ended().variable("why").is("no receipt");
    Ok(())
}

#[test]
fn a_handler_sets_variables_and_publishes_a_message_while_it_works() -> TestResult {
    let mut t = TestEngine::deploy_str(PAY)?;
    t.register_with_client("charge", |job, client| {
        client.set_variables(vars! { "charging": true });
        client.set_local_variables(vars! { "attempt": 1 });
        let order = job.variables["orderId"].as_str().unwrap_or_default().to_owned();
        client.publish_message("warehouse-told", Some(&order), vars! { "told": true });
        Ok(vars! {})
    });
    let order = t.start("pay", vars! { "orderId": "A-1" })?;
    // The message was published before the instance waited for it: a zero time to live,
    // so it reached nobody, as in Zeebe.
    assert_that(&t, &order).is_waiting_at("Warehouse told").variable("charging").is(true);
    assert_that(&t, &order).variable("attempt").is_not_set();
    Ok(())
}

#[test]
fn jobs_of_a_type_across_instances() -> TestResult {
    let mut t = TestEngine::deploy_str(PAY)?;
    let a = t.start("pay", vars! { "orderId": "A-1" })?;
    let b = t.start("pay", vars! { "orderId": "A-2" })?;
    assert_eq!(t.jobs_of_type("charge").count(), 2);
    t.job_of_type("charge")?.complete(vars! {})?; // CPT: processTestContext.completeJob("charge")
    assert_that(&t, &a).is_waiting_at("Warehouse told");
    assert_that(&t, &b).is_waiting_at("Charge card");
    assert_eq!(t.complete_jobs_of_type("charge", vars! {})?, 1);
    assert_that(&t, &b).is_waiting_at("Warehouse told");
    let err = t.job_of_type("charge").unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"no open job has type `charge`; open jobs: none");
    Ok(())
}

#[test]
fn user_tasks_are_claimed_unclaimed_and_assigned() -> TestResult {
    let mut t = TestEngine::deploy_str(REVIEW)?;
    t.register("check", |_| Ok(vars! {}));
    let claim = t.start("review", vars! { "team": "claims", "due": "2026-02-01T00:00:00Z" })?;
    assert_that(&t, &claim)
        .user_task("Review claim")
        .is_not_assigned()
        .has_candidate_group("claims")
        .has_candidate_user("anna")
        .has_due_date("2026-02-01T00:00:00Z");
    t.user_task(&claim, "Review claim")?.claim("anna")?;
    assert_that(&t, &claim).user_task("Review claim").is_assigned_to("anna");
    assert_eq!(t.tasks().assignee("anna").count(), 1);
    let err = t.user_task(&claim, "Review claim")?.claim("ben").unwrap_err();
    insta::assert_snapshot!(err.to_string(), @r#"user task review#1/job#2 at `task` is claimed by "anna", so "ben" cannot claim it; `.unclaim()` it first, or `.assign("ben")` to hand it over"#);
    t.user_task(&claim, "Review claim")?.unclaim()?;
    assert_that(&t, &claim).user_task("Review claim").is_not_assigned();
    t.user_task(&claim, "Review claim")?.assign("ben")?.complete(vars! { "ok": true })?;
    assert_that(&t, &claim).is_ended();
    Ok(())
}

#[test]
fn user_task_assertions_say_what_is_true() -> TestResult {
    let mut t = TestEngine::deploy_str(REVIEW)?;
    t.register("check", |_| Ok(vars! {}));
    let claim = t.start("review", vars! { "team": "claims", "due": "2026-02-01T00:00:00Z" })?;
    t.user_task(&claim, "Review claim")?.assign("ben")?;
    let text = expect_failure(|| {
        assert_that(&t, &claim).user_task("Review claim").is_not_assigned();
    });
    assert!(text.starts_with(r#"instance review#1 has user task "Review claim" (review#1/job#2) assigned to "ben", but it should be unassigned"#), "{text}");
    let text = expect_failure(|| {
        assert_that(&t, &claim).user_task("Review claim").has_due_date("2026-03-01T00:00:00Z");
    });
    assert!(text.contains(r#"due "2026-02-01T00:00:00Z", not "2026-03-01T00:00:00Z""#), "{text}");
    Ok(())
}

#[test]
fn active_elements_are_counted_and_never_activated_ones_checked() -> TestResult {
    let mut t = TestEngine::deploy_str(PAY)?;
    let order = t.start("pay", vars! { "orderId": "A-1" })?;
    assert_that(&t, &order).has_active_element("Charge card", 1).has_not_activated(["Refused", "Paid"]);
    let text = expect_failure(|| {
        assert_that(&t, &order).has_active_element("Charge card", 2);
    });
    assert!(text.starts_with(r#"instance pay#1 has "Charge card" active 1 time, not 2 times"#), "{text}");
    let text = expect_failure(|| {
        assert_that(&t, &order).has_not_activated("Charge card");
    });
    assert!(text.starts_with(r#"instance pay#1 has activated "Charge card", but should never have"#), "{text}");
    Ok(())
}

#[test]
fn deploy_returns_what_it_deployed_and_instances_know_their_definition() -> TestResult {
    let mut t = TestEngine::new();
    assert_eq!(t.deploy_xml(PAY)?.processes, [("pay".to_owned(), 1)]);
    let again = t.deploy_xml(PAY)?;
    assert_eq!((again.version("pay"), again.decisions.len()), (Some(2), 0));
    let order = t.start("pay", vars! { "orderId": "A-1" })?;
    assert_that(&t, &order).has_process_definition("pay").has_version(2);
    let text = expect_failure(|| {
        assert_that(&t, &order).has_process_definition("review");
    });
    assert!(text.starts_with("instance pay#1 runs process `pay`, not `review`"), "{text}");
    Ok(())
}

#[test]
#[should_panic(expected = "expected the assertion to fail, but it passed")]
fn expect_failure_fails_when_the_assertion_passes() {
    let mut t = TestEngine::deploy_str(PAY).unwrap();
    let order = t.start("pay", vars! { "orderId": "A-1" }).unwrap();
    expect_failure(|| {
        assert_that(&t, &order).is_waiting_at("Charge card");
    });
}
