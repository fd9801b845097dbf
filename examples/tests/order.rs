//! The dash-button order, as its tests tell it: every path of the model, driven by the real
//! services, on virtual time. Their recordings are what the report draws.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_examples::services;
use baton_testkit::prelude::*;

fn order_engine() -> Result<TestEngine, Error> {
    let mut t = TestEngine::deploy_file(baton_examples::order_bpmn())?;
    services::register(&mut t);
    Ok(t)
}

#[test]
fn a_pressed_button_ships_the_item() -> TestResult {
    let mut t = order_engine()?;
    let order = t.start("order", vars! { "item": "coffee", "amount": 25, "card": "4000-0000-0000-0077", "address": "1 Main St", "orderId": "A-1" })?;
    assert_that(&t, &order)
        .is_ended_at("Order shipped")
        .has_passed_in_order(["Charge credit card", "Fetch item", "Ship item"])
        .has_not_passed("Card declined")
        .variable("trackingId")
        .is("track-order#1");
    insta::assert_yaml_snapshot!(t.trace(&order));
    Ok(())
}

#[test]
fn a_declined_card_waits_seven_days_then_cancels() -> TestResult {
    let mut t = order_engine()?;
    let order = t.start(
        "order",
        vars! { "item": "coffee", "amount": 25, "card": services::DECLINED_CARDS[0], "orderId": "A-2" },
    )?;
    assert_that(&t, &order)
        .is_waiting_at("New card?")
        .has_passed("Card declined")
        .is_waiting_for_message("card-updated");
    t.advance("P6D")?;
    assert_that(&t, &order).is_waiting_at("New card?");
    t.advance("P1D")?; // seven virtual days, in microseconds
    assert_that(&t, &order).is_ended_at("Order cancelled").has_not_passed("Fetch item");
    Ok(())
}

#[test]
fn a_new_card_within_seven_days_saves_the_order() -> TestResult {
    let mut t = order_engine()?;
    let order = t.start("order", vars! { "item": "tea", "amount": 12, "card": services::DECLINED_CARDS[0], "address": "2 Side St", "orderId": "A-3" })?;
    t.advance("P3D")?;
    t.correlate("card-updated", Some("A-3"), vars! { "card": "4000-0000-0000-0077" })?;
    assert_that(&t, &order)
        .is_ended_at("Order shipped")
        .has_passed_times("Charge credit card", 1)
        .has_passed(["Card declined", "Card updated"])
        .has_not_passed("7 days passed");
    Ok(())
}

#[test]
fn a_failed_shipment_refunds_the_payment() -> TestResult {
    let mut t = order_engine()?;
    let order =
        t.start("order", vars! { "item": "coffee", "amount": 25, "card": "4000-0000-0000-0077", "orderId": "A-4" })?;
    assert_that(&t, &order)
        .is_ended_at("Order failed")
        .has_passed_in_order(["Charge credit card", "Fetch item", "Shipping failed", "Refund payment", "Refund"])
        .variable("refunded")
        .is(25.0);
    insta::assert_yaml_snapshot!(t.trace(&order));
    Ok(())
}

#[test]
fn a_scenario_reads_like_the_story() -> TestResult {
    let mut t = TestEngine::deploy_file(baton_examples::order_bpmn())?;
    let run = Scenario::new("order", vars! { "orderId": "A-5", "amount": 25 })
        .on("Charge credit card", |w| w.throw_error("CARD_DECLINED"))
        .on("New card?", defer("P7D"))
        .run(&mut t)?;
    assert!(run.ended);
    assert_eq!(run.path, ["Dash button pressed", "Card declined", "New card?", "7 days passed", "Order cancelled"]);
    Ok(())
}
