//! Every error a test can get back through `?` reads like a failed assertion: the human text,
//! the instance's state where there is one, a hint; in `Debug` exactly as in `Display`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_testkit::prelude::*;

mod common;
use common::text;

/// A claim: checked, then approved at once up to 1000, else reviewed by a person. No default
/// flow, so a claim without an amount stops at the gateway with an incident.
const CLAIM: &str = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <process id="claim" isExecutable="true">
    <startEvent id="received" name="Claim received" />
    <sequenceFlow id="f1" sourceRef="received" targetRef="check" />
    <serviceTask id="check" name="Check claim"><extensionElements><zeebe:taskDefinition type="check-claim" /></extensionElements></serviceTask>
    <sequenceFlow id="f2" sourceRef="check" targetRef="amount" />
    <exclusiveGateway id="amount" name="Claim amount?" />
    <sequenceFlow id="small" sourceRef="amount" targetRef="approve"><conditionExpression>=amount &lt;= 1000</conditionExpression></sequenceFlow>
    <sequenceFlow id="large" sourceRef="amount" targetRef="review"><conditionExpression>=amount &gt; 1000</conditionExpression></sequenceFlow>
    <serviceTask id="approve" name="Auto-approve claim"><extensionElements><zeebe:taskDefinition type="approve-claim" /></extensionElements></serviceTask>
    <sequenceFlow id="f3" sourceRef="approve" targetRef="approved" />
    <endEvent id="approved" name="Claim approved" />
    <userTask id="review" name="Review claim" />
    <sequenceFlow id="f4" sourceRef="review" targetRef="reviewed" />
    <intermediateCatchEvent id="reviewed" name="Customer told"><messageEventDefinition messageRef="told" /></intermediateCatchEvent>
    <sequenceFlow id="f5" sourceRef="reviewed" targetRef="closed" />
    <endEvent id="closed" name="Claim closed" />
  </process>
  <message id="told" name="customer-told"><extensionElements><zeebe:subscription correlationKey="=claimId" /></extensionElements></message>
</definitions>"#;

fn claims() -> TestEngine {
    TestEngine::deploy_str(CLAIM).unwrap().named("errors")
}

#[test]
fn a_job_behind_an_incident_names_the_incident() {
    let mut t = claims();
    t.register("check-claim", |_| Ok(vars! {}));
    let claim = t.start("claim", vars! { "claimId": "CLM-1" }).unwrap();
    insta::assert_snapshot!("job_behind_incident", text(t.job(&claim, "Auto-approve claim").unwrap_err()));
    let t = &t;
    insta::assert_snapshot!(
        "assertion_behind_incident",
        expect_failure(|| {
            assert_that(t, &claim).is_ended_at("Claim approved");
        })
    );
}

#[test]
fn a_user_task_that_is_not_there() {
    let mut t = claims();
    t.register("check-claim", |_| Ok(vars! {}));
    t.register("approve-claim", |_| Ok(vars! {}));
    let claim = t.start("claim", vars! { "amount": 200, "claimId": "CLM-1" }).unwrap();
    insta::assert_snapshot!("user_task_after_end", text(t.user_task(&claim, "Review claim").err().unwrap()));
}

#[test]
fn a_user_task_that_is_service_work() {
    let mut t = claims();
    let claim = t.start("claim", vars! { "amount": 200, "claimId": "CLM-1" }).unwrap();
    insta::assert_snapshot!("user_task_on_service_task", text(t.user_task(&claim, "Check claim").err().unwrap()));
}

#[test]
fn a_job_completed_twice_says_when_it_was_completed() {
    let mut t = claims();
    let claim = t.start("claim", vars! { "amount": 5000, "claimId": "CLM-1" }).unwrap();
    let job = t.job(&claim, "Check claim").unwrap().id().to_owned();
    t.advance("PT2H").unwrap();
    t.engine_mut().complete_job(&job, vars! {}).unwrap();
    insta::assert_snapshot!("job_twice_by_element", text(t.job(&claim, "Check claim").err().unwrap()));
    let again = t.engine_mut().complete_job(&job, vars! {}).unwrap_err();
    insta::assert_snapshot!("job_twice_by_id", text(again.into()));
}

#[test]
fn a_message_nobody_waits_for() {
    let mut t = claims();
    let claim = t.start("claim", vars! { "amount": 5000, "claimId": "CLM-1" }).unwrap();
    t.job(&claim, "Check claim").unwrap().complete(vars! {}).unwrap();
    t.user_task(&claim, "Review claim").unwrap().complete(vars! {}).unwrap();
    let err = t.correlate("customer-told", Some("CLM-2"), vars! {}).unwrap_err();
    insta::assert_snapshot!("message_not_correlated", text(err));
}

#[test]
fn a_model_that_is_not_there_or_does_not_deploy() {
    let missing = TestEngine::deploy_file("processes/claims-v2.bpmn").unwrap_err();
    let missing = text(missing);
    assert!(missing.starts_with("cannot find `processes/claims-v2.bpmn` (looked relative to ."), "{missing}");
    let invalid = TestEngine::deploy_str(
        r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <process id="p" isExecutable="true"><startEvent id="s" /><sequenceFlow id="f" sourceRef="s" targetRef="nowhere" /></process>
</definitions>"#,
    )
    .unwrap_err();
    insta::assert_snapshot!("model_invalid", text(invalid));
}

#[test]
fn a_scenario_with_a_typo_fails_before_it_starts() {
    let mut t = claims();
    let err =
        Scenario::new("claim", vars! { "amount": 200 }).on("Chek claim", complete(vars! {})).run(&mut t).unwrap_err();
    insta::assert_snapshot!("scenario_typo", text(err));
    assert!(t.instances_of("claim").is_empty(), "nothing ran");
}

#[test]
fn a_scenario_without_an_action_and_an_incident_that_is_not_there() {
    let mut t = claims();
    let err = Scenario::new("claim", vars! { "amount": 200 }).run(&mut t).unwrap_err();
    insta::assert_snapshot!("scenario_no_action", text(err));
    let claim = t.instance_of("claim").unwrap();
    insta::assert_snapshot!("no_incident", text(t.resolve_incident(&claim, "Claim amount?").unwrap_err()));
    t.start("claim", vars! {}).unwrap();
    insta::assert_snapshot!("instance_count", text(t.instance_of("claim").unwrap_err()));
}

#[test]
fn engine_errors_read_the_same_in_debug() {
    let mut t = claims();
    for err in [
        t.start("claims", vars! {}).unwrap_err(),
        t.advance("seven days").unwrap_err(),
        t.engine_mut().complete_job("claim#9/job#1", vars! {}).unwrap_err().into(),
    ] {
        text(err);
    }
}

#[test]
fn a_model_that_loops_without_waiting_shows_where_it_loops() {
    let mut t = TestEngine::deploy_file("engine/tests/fixtures/runtime/loop.bpmn").unwrap().named("errors");
    t.engine_mut().set_step_budget(60);
    insta::assert_snapshot!("step_budget", text(t.start("loop", vars! {}).unwrap_err()));
}
