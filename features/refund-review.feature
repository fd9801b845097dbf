@refund
Feature: Refund review
  Support reviews every refund a customer asks for; an approved refund is paid.

  Background:
    Given the model "processes/refund-review.bpmn"

  @smoke
  Scenario: an approved refund is paid
    When "Refund review" is started with:
      | amount | 25 |
    Then the process is waiting at "Review refund"
    When "Review refund" is completed with:
      | approved | true |
    And "Pay refund" is completed
    Then the process has ended at "Refund paid"

  Scenario: a rejected refund is not paid
    When "Refund review" is started with:
      | amount | 900 |
    And "Review refund" is completed with:
      | approved | false |
    Then the process has ended at "Refund rejected"
    And the process has not passed "Pay refund"
    And the path is:
      | Refund requested |
      | Review refund    |
      | Approved?        |
      | Refund rejected  |
