@order
Feature: Dash button order
  A customer presses the dash button; we charge their credit card, fetch the item and ship it.
  A declined card gives the customer seven days to enter a new one.

  Background:
    Given the model "processes/order.bpmn"
    And the clock is at 2026-03-01T09:00:00Z

  @smoke
  Scenario: a paid order is fetched and shipped
    When "Dash button order" is started with:
      | item    | coffee |
      | amount  | 25     |
      | orderId | A-1    |
    Then the process is waiting at "Charge credit card"
    When "Charge credit card" is completed
    And "Fetch item" is completed
    And "Ship item" is completed with:
      | trackingId | track-1 |
    Then the process has ended at "Order shipped"
    And the process has not passed "Card declined"
    And the variable "trackingId" is "track-1"
    And the path is:
      | Dash button pressed |
      | Charge credit card  |
      | Fetch item          |
      | Ship item           |
      | Order shipped       |

  Scenario: a declined card waits for a new card
    When "Dash button order" is started with:
      | orderId | A-2 |
    And "Charge credit card" fails with error "CARD_DECLINED"
    Then the process is waiting at "New card?"
    And the process has passed "Card declined"
    And the process has not passed "Fetch item"

  Scenario: a new card within seven days saves the order
    When "Dash button order" is started with:
      | orderId | A-3 |
    And "Charge credit card" fails with error "CARD_DECLINED"
    And 3 days pass
    And the message "card-updated" arrives with key "A-3"
    Then the process is waiting at "Charge credit card"
    And the process has passed "Card updated"
    When "Charge credit card" is completed
    And "Fetch item" is completed
    And "Ship item" is completed
    Then the process has ended at "Order shipped"
    And the process has not passed "7 days passed"

  Scenario Outline: a declined card is cancelled only after seven days
    When "Dash button order" is started with:
      | orderId | A-4 |
    And "Charge credit card" fails with error "CARD_DECLINED"
    And <waited> days pass
    Then the process <outcome>

    Examples:
      | waited | outcome                             |
      | 6      | is waiting at "New card?"           |
      | 7      | has ended at "Order cancelled"      |
      | 8      | has ended at "Order cancelled"      |

  Scenario: the customer is told by the clock, not by the calendar
    When "Dash button order" is started with:
      | orderId | A-5 |
    And "Charge credit card" fails with error "CARD_DECLINED"
    And the clock reaches 2026-03-08T09:00:00Z
    Then the process has ended at "Order cancelled"
    And the process has not passed "Card updated"

  Scenario: a shipment that fails is refunded
    When "Dash button order" is started with:
      | orderId | A-6 |
    And "Charge credit card" is completed
    And "Fetch item" is completed
    And "Ship item" fails with error "SHIPPING_FAILED"
    Then the process is waiting at "Refund payment"
    When "Refund payment" is completed
    Then the process has ended at "Order failed"
    And the process has passed "Shipping failed"

  Scenario: a payment service that keeps failing raises an incident
    When "Dash button order" is started with:
      | orderId | A-7 |
    And "Charge credit card" fails with "gateway timeout"
    And "Charge credit card" fails with "gateway timeout"
    And "Charge credit card" fails with "gateway timeout"
    Then there is an incident at "Charge credit card"
