//! The testkit as a user writes with it, against the engine's fixtures (drawn with DI).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_testkit::prelude::*;

fn fixture(name: &str) -> String {
    format!("engine/tests/fixtures/runtime/{name}")
}

/// The panic message of a failing assertion.

#[test]
fn a_whole_order_by_name() -> TestResult {
    let mut t = TestEngine::deploy_file(fixture("sequence.bpmn"))?;
    let order = t.start("sequence", vars! { "amount": 25 })?;
    assert_that(&t, &order).is_started().is_not_ended().is_waiting_at("Pay item").has_passed("Order placed");
    let job = t.job(&order, "Pay item")?;
    assert_eq!(job.info().variables["doubled"], 50);
    job.complete(vars! { "receipt": 7 })?;
    assert_that(&t, &order)
        .is_waiting_exactly_at("Confirm order")
        .is_not_waiting_at("Pay item")
        .variable("receiptNo")
        .is(7);
    assert_that(&t, &order).user_task("Confirm order").has_assignee("clerk");
    t.user_task(&order, "Confirm order")?.complete(vars! {})?;
    assert_that(&t, &order)
        .is_ended_at("Order done")
        .has_passed_in_order(["Order placed", "Pay item", "Confirm order", "Order done"])
        .has_passed_times("Pay item", 1)
        .has_variables(["amount", "receiptNo"])
        .has_no_incidents();
    insta::assert_yaml_snapshot!(t.trace(&order));
    Ok(())
}

#[test]
fn timers_messages_and_errors_by_name() -> TestResult {
    let mut t =
        TestEngine::deploy_files([fixture("timers.bpmn"), fixture("messages.bpmn"), fixture("subprocess.bpmn")])?;
    let slow = t.start("timers", vars! {})?;
    assert_that(&t, &slow).has_timer_armed("Too slow", Some("2026-01-01T01:00:00Z"));
    t.advance("PT1H")?;
    assert_that(&t, &slow).is_ended_at("Timed out").has_passed_times("Reminded", 2);

    let paid = t.start("messages", vars! { "orderId": "A-1" })?;
    assert_that(&t, &paid).is_waiting_for_message("payment-received");
    t.correlate("payment-received", Some("A-1"), vars! {})?;
    assert_that(&t, &paid).is_waiting_for_message("card-updated").has_timer_armed("7 days passed", None);
    t.advance("P7D")?;
    assert_that(&t, &paid).is_ended_at("Cancelled").has_not_passed("Card updated");

    let checked = t.start("subprocess", vars! {})?;
    t.job(&checked, "Check order")?.complete(vars! { "ok": true })?;
    t.job(&checked, "Wrap item")?.throw_error("TORN")?;
    assert_that(&t, &checked).is_ended_at("Handled").has_passed(["Pack failed", "Repacked"]);
    Ok(())
}

#[test]
fn call_activities_and_handlers() -> TestResult {
    let mut t = TestEngine::deploy_file(fixture("call.bpmn"))?;
    t.register("invoice", |job| Ok(vars! { "invoiceFor": job.variables["customer"].clone() }));
    let parent = t.start("parent", vars! { "customer": "Ada" })?;
    assert_that(&t, &parent).is_ended_at("Billed").has_passed("Send invoice").variable("invoiceFor").is("Ada");
    Ok(())
}

#[test]
fn scenarios_drive_an_instance_to_its_end() -> TestResult {
    let mut t = TestEngine::deploy_file(fixture("timers.bpmn"))?;
    let run = Scenario::new("timers", vars! {})
        .on("Charge card", complete(vars! { "charged": true }))
        .on("Wait a day", defer("P1D"))
        .on("Until new year", defer("P1Y"))
        .run(&mut t)?;
    assert!(run.ended);
    assert_eq!(run.path, ["start", "Charge card", "Wait a day", "Until new year", "Done"]);

    let err = Scenario::new("timers", vars! {}).on("Charge card", complete(vars! {})).run(&mut t).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "scenario stopped: instance timers#2 waits at \"Wait a day\", and the scenario declares no action for it; add `.on(\"Wait a day\", ...)`\n  state:       running\n"
        ),
        "{err}"
    );
    Ok(())
}

#[test]
fn names_must_exist_and_be_unique() -> TestResult {
    let mut t = TestEngine::deploy_file(fixture("sequence.bpmn"))?;
    let order = t.start("sequence", vars! {})?;
    let err = t.job(&order, "Pay itme").unwrap_err();
    assert_eq!(
        err.to_string(),
        "process `sequence` has no element named or with id \"Pay itme\" (did you mean \"Pay item\"?); its elements: Order placed, Pay item, Confirm order, Order done"
    );
    let err = t.job(&order, "Confirm order").unwrap_err();
    assert!(
        err.to_string().starts_with("instance sequence#1 has no open job at \"Confirm order\"\n  state:       running\n  waiting at:  \"Pay item\""),
        "{err}"
    );
    Ok(())
}

#[test]
fn failures_show_the_real_state() -> TestResult {
    let mut t = TestEngine::deploy_files([fixture("sequence.bpmn"), fixture("no_default.bpmn")])?;
    let order = t.start("sequence", vars! { "amount": 25 })?;
    let stuck = t.start("no_default", vars! {})?;
    let t = &t;
    let messages = [
        expect_failure(|| {
            assert_that(t, &order).is_waiting_at("Confirm order");
        }),
        expect_failure(|| {
            assert_that(t, &order).is_ended();
        }),
        expect_failure(|| {
            assert_that(t, &order).has_passed("Pay item");
        }),
        expect_failure(|| {
            assert_that(t, &order).variable("amount").is(30);
        }),
        expect_failure(|| {
            assert_that(t, &order).has_not_passed("Order placed");
        }),
        expect_failure(|| {
            assert_that(t, &stuck).has_no_incidents();
        }),
        expect_failure(|| {
            assert_that(t, &order).is_waiting_at("Pay itme");
        }),
        expect_failure(|| {
            assert_that(t, &order).is_ended_at("Order done");
        }),
        expect_failure(|| {
            assert_that(t, &order).is_waiting_exactly_at(["Pay item", "Confirm order"]);
        }),
        expect_failure(|| {
            assert_that(t, &order).is_not_waiting_at("Pay item");
        }),
        expect_failure(|| {
            assert_that(t, &order).has_passed_in_order(["Pay item", "Order placed"]);
        }),
        expect_failure(|| {
            assert_that(t, &order).has_passed_times("Order placed", 2);
        }),
        expect_failure(|| {
            assert_that(t, &order).has_variables(["amount", "receiptNo"]);
        }),
        expect_failure(|| {
            assert_that(t, &order).variable("receiptNo").exists();
        }),
        expect_failure(|| {
            assert_that(t, &order).variable("amount").is_not_set();
        }),
        expect_failure(|| {
            assert_that(t, &order).has_incident("Pay item");
        }),
        expect_failure(|| {
            assert_that(t, &order).is_waiting_for_message("payment-received");
        }),
        expect_failure(|| {
            assert_that(t, &order).has_timer_armed("Pay item", None);
        }),
        expect_failure(|| {
            assert_that(t, &order).user_task("Confirm order");
        }),
        expect_failure(|| {
            assert_that(t, &order).job("Pay item").has_retries(1);
        }),
        expect_failure(|| {
            assert_that(t, &order).job("Pay item").has_input("doubled", 1);
        }),
        expect_failure(|| {
            assert_that(t, &order).job("Pay item").has_header("region", "eu");
        }),
        expect_failure(|| {
            assert_that(t, &stuck).is_not_ended().is_ended();
        }),
    ];
    insta::assert_snapshot!(messages.join("\n---\n"));

    // User task assertions, on an instance waiting at one.
    let mut u = TestEngine::deploy_file(fixture("sequence.bpmn"))?;
    let waiting = u.start("sequence", vars! { "amount": 1 })?;
    u.job(&waiting, "Pay item")?.complete(vars! { "receipt": 1 })?;
    let u = &u;
    let user_task_messages = [
        expect_failure(|| {
            assert_that(u, &waiting).user_task("Confirm order").has_assignee("boss");
        }),
        expect_failure(|| {
            assert_that(u, &waiting).user_task("Confirm order").has_form_key("confirm-form");
        }),
        expect_failure(|| {
            assert_that(u, &waiting).user_task("Confirm order").has_candidate_group("sales");
        }),
    ];
    insta::assert_snapshot!("user_task_failures", user_task_messages.join("\n---\n"));
    Ok(())
}

#[tokio::test]
async fn async_services_in_a_tokio_test() -> TestResult {
    let mut t = TestEngine::deploy_file(fixture("sequence.bpmn"))?;
    t.register_async("pay", |job| {
        Box::pin(async move {
            tokio::task::yield_now().await; // a real service call would await here
            Ok(vars! { "receipt": job.variables["amount"].as_i64().unwrap_or(0) * 10 })
        })
    });
    let order = t.start("sequence", vars! { "amount": 3 })?;
    assert_that(&t, &order).is_waiting_at("Pay item");
    t.drive().await?;
    assert_that(&t, &order).is_waiting_at("Confirm order").variable("receiptNo").is(30);
    Ok(())
}

#[test]
fn called_processes_can_be_mocked_and_jobs_asserted() -> TestResult {
    // call.bpmn deploys the real billing process too; the mock is its newer version, which calls use.
    let mut t = TestEngine::deploy_file(fixture("call.bpmn"))?;
    t.mock_call("billing", vars! { "invoiceNo": 42 })?;
    let parent = t.start("parent", vars! { "customer": "Ada" })?;
    assert_that(&t, &parent).is_ended_at("Billed").variable("invoiceNo").is(42);

    let mut t = TestEngine::deploy_file(fixture("sequence.bpmn"))?;
    let order = t.start("sequence", vars! { "amount": 4 })?;
    assert_that(&t, &order).job("Pay item").has_type("pay").has_retries(3).has_input("doubled", 8);
    let message = expect_failure(|| {
        assert_that(&t, &order).job("Pay item").has_type("charge");
    });
    assert!(
        message.starts_with(
            "instance sequence#1 has job sequence#1/job#1 at \"Pay item\" of type \"pay\", not \"charge\""
        ),
        "{message}"
    );
    Ok(())
}

#[test]
fn signals_by_name() -> TestResult {
    let mut t = TestEngine::deploy_files([fixture("signal_catch.bpmn"), fixture("signal_start.bpmn")])?;
    let waiting = t.start("signal_catch", vars! {})?;
    let reached = t.signal("stop", vars! { "reason": "closing" })?;
    assert_eq!(reached.len(), 2, "the waiting instance and a new signal_start instance");
    assert_that(&t, &waiting)
        .is_waiting_exactly_at("Work")
        .has_passed("Stop received")
        .variable("reason")
        .is("closing");
    assert_that(&t, &reached[1]).is_waiting_at("Clean up");
    Ok(())
}

#[test]
fn instances_that_the_model_started_are_at_hand() -> TestResult {
    // A call activity's child.
    let mut t = TestEngine::deploy_file(fixture("call.bpmn"))?;
    let parent = t.start("parent", vars! { "customer": "Ada" })?;
    let children = t.called_by(&parent, "Bill customer")?;
    assert_eq!(children.len(), 1);
    assert_that(&t, &children[0]).is_waiting_at("Send invoice");
    assert_eq!(t.instances_of("billing"), children);
    assert!(t.called_by(&parent, "Bill custmer").is_err(), "names are checked");

    // Timer start events: the scenario moves the clock to the first firing and takes its instance.
    let mut t = TestEngine::deploy_file(fixture("timer_start.bpmn"))?;
    let run = Scenario::by_timer("timer_start").on("Check stock", complete(vars! {})).run(&mut t)?;
    assert!(run.ended);
    assert_eq!(run.path, ["Every hour, three times", "Check stock", "Checked"]);
    assert_eq!(t.instances_of("timer_start"), std::slice::from_ref(&run.instance));
    t.advance("PT1H")?;
    let second = t.instances_of("timer_start")[1].clone();
    assert_that(&t, &second).is_waiting_at("Check stock");

    // Message start events.
    let mut t = TestEngine::deploy_file(fixture("messages.bpmn"))?;
    let run = Scenario::by_message("order-received", None, vars! { "orderId": "A-1" })
        .on("Review order", complete(vars! {}))
        .run(&mut t)?;
    assert!(run.ended);
    assert_eq!(t.instance_of("by_message")?, run.instance);
    assert_that(&t, &run.instance).is_ended_at("Reviewed").variable("orderId").is("A-1");
    Ok(())
}
