//! The Gherkin step library: every phrasing runs on the example models, and every way a step
//! can go wrong fails with a text that names the step, the element and what to do.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::panic::{AssertUnwindSafe, catch_unwind};

use baton_testkit::gherkin::cucumber::World as _;
use baton_testkit::gherkin::cucumber::gherkin::{Feature, GherkinEnv};
use baton_testkit::gherkin::{BpmnWorld, PHRASES, block_on, unmatched};

/// Runs every scenario of a feature text as cucumber would (background first, each step
/// matched against the library), and returns the first failure's text, if any.
fn run(feature: &str) -> Result<(), String> {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let feature = Feature::parse(feature, GherkinEnv::default()).expect("a valid feature");
    let steps = BpmnWorld::collection();
    for scenario in &feature.scenarios {
        let mut world = BpmnWorld::new();
        world.begin(&feature, scenario);
        let background = feature.background.iter().flat_map(|b| &b.steps);
        for step in background.chain(&scenario.steps) {
            let Some((function, _, _, context)) = steps.find(step).expect("no ambiguous step") else {
                return Err(unmatched(step));
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| block_on(function(&mut world, context))));
            if let Err(panic) = outcome {
                let text = panic.downcast_ref::<String>().cloned();
                return Err(text.or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned())).unwrap_or_default());
            }
        }
    }
    Ok(())
}

/// Runs a feature that should pass; prints the failure (the panic hook is quiet here).
fn passes(feature: &str) {
    if let Err(text) = run(feature) {
        eprintln!("{text}");
        panic!("{text}");
    }
}

#[track_caller]
fn failure(feature: &str) -> String {
    run(feature).expect_err("the feature should fail")
}

const ORDER: &str = "Feature: Order\n  Background:\n    Given the model \"examples/processes/order.bpmn\"\n";

#[test]
fn every_listed_phrasing_matches_exactly_one_step() {
    let steps = BpmnWorld::collection();
    let text = format!(
        "Feature: Phrases\n  Scenario: all\n{}\n",
        PHRASES.iter().map(|p| format!("    {p}\n")).collect::<String>()
    );
    let feature = Feature::parse(text, GherkinEnv::default()).unwrap();
    for step in &feature.scenarios[0].steps {
        assert!(steps.find(step).unwrap().is_some(), "no step for `{} {}`", step.keyword, step.value);
    }
}

#[test]
fn the_happy_path_in_every_action_phrasing() {
    passes(&format!(
        "{ORDER}
  Scenario: paid and shipped
    Given the clock is at 2026-03-01T09:00:00Z
    When \"Dash button order\" is started with:
      | name    | value    |
      | item    | \"coffee\" |
      | amount  | 25       |
      | orderId | A-1      |
    Then the process is waiting at \"Charge credit card\"
    And the variable \"amount\" is 25
    And the variable \"item\" is coffee
    When \"Charge credit card\" is completed
    And 2 hours pass
    And 90 minutes pass
    And P1DT12H passes
    And \"Fetch item\" is completed
    And \"Ship item\" is completed with:
      | trackingId | track-1 |
    Then the process has ended at \"Order shipped\"
    And the process has passed \"Fetch item\"
    But the process has not passed \"Card declined\"
    And the variable \"trackingId\" is \"track-1\"
    And the path is:
      | Dash button pressed |
      | Charge credit card  |
      | Fetch item          |
      | Ship item           |
      | Order shipped       |
"
    ));
}

#[test]
fn errors_messages_signals_clock_and_incidents() {
    passes(&format!(
        "{ORDER}
  Scenario: a new card
    When \"Dash button order\" is started with:
      | orderId | A-3 |
    And \"Charge credit card\" fails with error \"CARD_DECLINED\"
    Then the process is waiting at \"New card?\"
    When the message \"card-updated\" arrives with key \"A-3\" with:
      | card | 4000 |
    Then the process has passed \"Card updated\"
    And the variable \"card\" is 4000

  Scenario: the message without a key, then the clock
    Given \"Dash button order\" was started with:
      | orderId | A-4 |
    And \"Charge credit card\" fails with error \"CARD_DECLINED\"
    When the signal \"stock-replenished\" is broadcast
    And the clock reaches 2026-01-08T00:00:00Z
    Then the process has ended at \"Order cancelled\"

  Scenario: seven days
    Given \"Dash button order\" was started with:
      | orderId | A-4 |
    And \"Charge credit card\" fails with error \"CARD_DECLINED\"
    When 7 days pass
    Then the process has ended at \"Order cancelled\"

  Scenario: a payment gateway down
    When \"Dash button order\" is started
    And \"Charge credit card\" fails with \"gateway timeout\"
    And \"Charge credit card\" fails with \"gateway timeout\"
    And \"Charge credit card\" fails with \"gateway timeout\"
    Then there is an incident at \"Charge credit card\"
"
    ));
}

#[test]
fn a_message_nothing_waits_for_says_so() {
    insta::assert_snapshot!(failure(
        "Feature: Order
  Scenario: a new card
    Given the model \"examples/processes/order.bpmn\"
    When \"Dash button order\" is started
    And \"Charge credit card\" fails with error \"CARD_DECLINED\"
    And the message \"card-updated\" arrives
    Then the process has passed \"Card updated\"
"
    ));
}

#[test]
fn a_step_that_matches_no_phrasing_names_the_closest() {
    insta::assert_snapshot!(failure(&format!(
        "{ORDER}  Scenario: typo\n    When \"Dash button order\" is started\n    And \"Charge credit card\" is complete\n"
    )));
    insta::assert_snapshot!(failure(&format!(
        "{ORDER}  Scenario: typo\n    Then the proces is waiting at \"Fetch item\"\n"
    )));
}

#[test]
fn an_unknown_process_names_the_deployed_ones() {
    insta::assert_snapshot!(failure(&format!("{ORDER}  Scenario: typo\n    When \"Dash button ordr\" is started\n")));
    insta::assert_snapshot!(failure(
        "Feature: none\n  Scenario: no model\n    When \"Dash button order\" is started\n"
    ));
}

#[test]
fn an_unknown_element_says_did_you_mean() {
    insta::assert_snapshot!(failure(&format!(
        "{ORDER}  Scenario: typo\n    When \"Dash button order\" is started\n    And \"Charge card\" is completed\n"
    )));
    insta::assert_snapshot!(failure(&format!(
        "{ORDER}  Scenario: typo\n    When \"Dash button order\" is started\n    Then the process is waiting at \"Charge card\"\n"
    )));
    insta::assert_snapshot!(failure(&format!(
        "{ORDER}  Scenario: typo\n    When \"Dash button order\" is started\n    Then the path is:\n      | Dash button pressed |\n      | Charge card |\n"
    )));
}

#[test]
fn a_check_that_fails_shows_where_the_process_is() {
    insta::assert_snapshot!(failure(&format!(
        "{ORDER}  Scenario: wrong path\n    When \"Dash button order\" is started\n    And \"Charge credit card\" is completed\n    Then the path is:\n      | Dash button pressed |\n      | Fetch item |\n"
    )));
    insta::assert_snapshot!(failure(&format!(
        "{ORDER}  Scenario: still waiting\n    When \"Dash button order\" is started\n    Then the process has ended at \"Order shipped\"\n"
    )));
}

#[test]
fn steps_out_of_order_and_malformed_tables_say_what_to_write() {
    insta::assert_snapshot!(failure(&format!(
        "{ORDER}  Scenario: nothing started\n    Then the process is waiting at \"Fetch item\"\n"
    )));
    insta::assert_snapshot!(failure(&format!(
        "{ORDER}  Scenario: no table\n    When \"Dash button order\" is started with:\n"
    )));
    insta::assert_snapshot!(failure(&format!(
        "{ORDER}  Scenario: three cells\n    When \"Dash button order\" is started with:\n      | item | coffee | tea |\n"
    )));
    insta::assert_snapshot!(failure(&format!(
        "{ORDER}  Scenario: not an instant\n    Given the clock is at tomorrow\n"
    )));
    insta::assert_snapshot!(failure(&format!(
        "{ORDER}  Scenario: no job\n    When \"Dash button order\" is started\n    And \"Fetch item\" is completed\n"
    )));
}
