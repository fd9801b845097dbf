//! Parity with what a Camunda test writer does: start anywhere, modify running instances,
//! business keys and correlation by values. Camunda 7 and Camunda 8 models, as Camunda Modeler
//! writes them.

use baton_testkit::prelude::*;

const C7: &str = "engine/tests/fixtures/parity/start/order-c7.bpmn";
const C8: &str = "engine/tests/fixtures/parity/start/order-c8.bpmn";

/// Item 1: start before/after elements, several at once, with variables and a terminate-after
/// instruction; modify a running instance (activate, terminate, move), the trace showing it.
///
/// - docs.camunda.org/manual/latest/user-guide/process-engine/process-instance-creation/
///   ("Start a process instance at any set of activities": startBeforeActivity, startAfterActivity)
/// - docs.camunda.org/manual/latest/user-guide/process-engine/process-instance-modification/
///   (startBeforeActivity, startAfterActivity on the single outgoing flow, cancelAllForActivity)
/// - docs.camunda.io/docs/components/concepts/process-instance-creation/ (start instructions,
///   the `TERMINATE_PROCESS_INSTANCE` runtime instruction: CPT's terminate after element)
/// - docs.camunda.io/docs/apis-tools/orchestration-cluster-api-rest/specifications/modify-process-instance/
///   (activate and terminate instructions; a move is both)
#[test]
fn start_anywhere_and_modify_running_instances() -> TestResult {
    // Camunda 7: start after "Fetch item" (its single outgoing flow) and before "Payment received".
    let mut t = TestEngine::deploy_file(C7)?;
    let order = t
        .start_with("order_c7")
        .after("Fetch item")
        .before("Payment received")
        .variables(vars! { "item": "tea" })
        .run()?;
    assert_that(&t, &order)
        .is_waiting_at(["Ship item", "Payment received"])
        .has_not_passed(["Order received", "Fetch item"])
        .variable("item")
        .is("tea");
    // Modification: terminate "Ship item", activate "Fetch item" again.
    t.modify(&order).terminate("Ship item").activate("Fetch item").apply()?;
    assert_that(&t, &order).is_waiting_at(["Fetch item", "Payment received"]).is_not_waiting_at("Ship item");
    // Move the token from "Payment received" to "Order done": the instance ends when the last
    // other token ends.
    t.modify(&order).move_token("Payment received", "Order done").apply()?;
    assert_that(&t, &order).is_waiting_at("Fetch item");
    t.modify(&order).terminate("Fetch item").apply()?;
    assert_that(&t, &order).is_ended();
    insta::assert_yaml_snapshot!("start_modify_c7", t.trace(&order));

    // Errors: start after an end event (no outgoing flow), modify an ended instance.
    let error = t.start_with("order_c7").after("Order done").run().unwrap_err();
    insta::assert_snapshot!("start_after_no_flow", error.to_string());
    assert_eq!(format!("{error:?}"), error.to_string());
    let error = t.modify(&order).activate("Ship item").apply().unwrap_err();
    insta::assert_snapshot!("modify_ended", error.to_string());
    let other = t.start("order_c7", vars! {})?;
    let error = t.modify(&other).terminate("Ship item").apply().unwrap_err();
    insta::assert_snapshot!("terminate_nothing_there", error.to_string());

    // Camunda 8: start before two elements at once; terminate after "Ship item" completes.
    let mut t = TestEngine::deploy_file(C8)?;
    let order = t
        .start_with("order_c8")
        .before("Ship item")
        .before("Fetch item")
        .terminate_after("Ship item")
        .variables(vars! { "orderId": "A-1" })
        .run()?;
    assert_that(&t, &order).is_waiting_at(["Ship item", "Fetch item"]);
    t.job(&order, "Ship item")?.complete(vars! {})?;
    assert_that(&t, &order).is_terminated().is_not_waiting_at("Fetch item");
    // Camunda 8 has no start after.
    let error = t.start_with("order_c8").after("Fetch item").run().unwrap_err();
    insta::assert_snapshot!("start_after_c8", error.to_string());
    // Zeebe's modify: activate and terminate by element.
    let order = t.start("order_c8", vars! { "orderId": "B-2" })?;
    t.modify(&order).activate("Payment received").terminate("Fetch item").apply()?;
    assert_that(&t, &order).is_waiting_at("Payment received").is_not_waiting_at("Fetch item");
    t.message("payment-received").correlation_key("B-2").publish()?;
    assert_that(&t, &order).is_ended_at("Order done");
    Ok(())
}

/// Item 2: business keys and correlation by values.
///
/// - docs.camunda.org/manual/latest/reference/rest/message/post-message/ (`businessKey`,
///   `correlationKeys`, `all`; a message start event gives the business key to the instance)
/// - docs.camunda.org/manual/latest/user-guide/process-engine/process-instance-creation/ (businessKey)
/// - camunda-bpm-assert's `hasBusinessKey`
/// - docs.camunda.io/docs/components/concepts/messages/ (message id uniqueness)
#[test]
fn business_keys_and_correlation_by_values() -> TestResult {
    let mut t = TestEngine::deploy_file(C7)?;
    let a = t.start_with("order_c7").before("Payment received").business_key("A-1").run()?;
    let b = t
        .start_with("order_c7")
        .before("Payment received")
        .business_key("B-2")
        .variables(vars! { "customer": "bob", "region": "north" })
        .run()?;
    let c = t
        .start_with("order_c7")
        .before("Payment received")
        .business_key("C-3")
        .variables(vars! { "customer": "carol", "region": "north" })
        .run()?;
    assert_eq!(t.business_key(&a).as_deref(), Some("A-1"));
    assert_that(&t, &a).has_business_key("A-1");
    let plain = t.start("order_c7", vars! {})?;
    assert_eq!(t.business_key(&plain), None);

    // By business key.
    let reached = t.message("payment-received").business_key("A-1").variables(vars! { "paid": 1 }).correlate()?;
    assert_eq!(reached, a);
    assert_that(&t, &a).is_ended_at("Order done").variable("paid").is(1);
    // By process variable values (correlationKeys): two match, correlate refuses, all reaches both.
    let error = t.message("payment-received").where_variable("region", "north").correlate().unwrap_err();
    insta::assert_snapshot!("correlate_by_values_ambiguous", error.to_string());
    let reached = t.message("payment-received").where_variable("customer", "carol").correlate()?;
    assert_eq!(reached, c);
    let reached = t.message("payment-received").where_variables(vars! { "region": "north" }).correlate_all()?;
    assert_eq!(reached, std::slice::from_ref(&b));
    assert_that(&t, &b).is_ended();
    let error = t.message("payment-received").business_key("Z-9").correlate().unwrap_err();
    insta::assert_snapshot!("correlate_by_business_key_none", error.to_string());
    insta::assert_yaml_snapshot!("business_key_trace", t.trace(&a));

    // Zeebe message ids: a second message with the same id is refused while buffered.
    let mut t = TestEngine::deploy_file(C8)?;
    t.message("payment-received").correlation_key("K-1").message_id("m-1").time_to_live("PT1H").publish()?;
    let error = t
        .message("payment-received")
        .correlation_key("K-1")
        .message_id("m-1")
        .time_to_live("PT1H")
        .publish()
        .unwrap_err();
    insta::assert_snapshot!("message_id_twice", error.to_string());
    Ok(())
}

/// A worker sees its instance's business key (Camunda 7's `execution.getProcessBusinessKey()`,
/// an external task's `getBusinessKey()`).
#[test]
fn a_job_carries_its_instances_business_key() -> TestResult {
    let mut t = TestEngine::deploy_file(C7)?;
    t.start_with("order_c7").before("Fetch item").business_key("K-1").run()?;
    let jobs = t.jobs().list();
    assert!(!jobs.is_empty());
    assert!(jobs.iter().all(|j| j.business_key.as_deref() == Some("K-1")), "{jobs:?}");
    Ok(())
}
