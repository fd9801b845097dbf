//! The services behind the dash-button order: payment, inventory and shipping, as handlers
//! for the order's task types. They are deterministic stand-ins for real services, with the
//! failure modes a test wants to reach: a declined card, an item out of stock, a parcel that
//! cannot be shipped.

use baton_testkit::{HandlerError, JobInfo, TestEngine, Variables, vars};

/// Card numbers the payment service declines.
pub const DECLINED_CARDS: [&str; 1] = ["4000-0000-0000-0002"];

/// `charge-card`: charges the order's amount to its card; a declined card is a BPMN error
/// (`CARD_DECLINED`) that the process handles by waiting for a new card.
pub fn charge_card(job: &JobInfo) -> Result<Variables, HandlerError> {
    let card = job.variables.get("card").and_then(|c| c.as_str()).unwrap_or_default();
    if DECLINED_CARDS.contains(&card) {
        return Err(HandlerError::bpmn("CARD_DECLINED"));
    }
    let amount = job.variables.get("amount").and_then(|a| a.as_f64()).unwrap_or(0.0);
    Ok(vars! { "charged": amount, "paymentId": format!("pay-{}", job.instance) })
}

/// `fetch-goods`: takes the item from the warehouse.
pub fn fetch_goods(job: &JobInfo) -> Result<Variables, HandlerError> {
    match job.variables.get("item").and_then(|i| i.as_str()) {
        Some(item) => Ok(vars! { "fetched": item }),
        None => Err(HandlerError::failed("the order names no item to fetch")),
    }
}

/// `ship-goods`: hands the parcel to the carrier; no address is a BPMN error
/// (`SHIPPING_FAILED`) that makes the process refund the payment.
pub fn ship_goods(job: &JobInfo) -> Result<Variables, HandlerError> {
    match job.variables.get("address").and_then(|a| a.as_str()) {
        Some(address) if !address.trim().is_empty() => Ok(vars! { "trackingId": format!("track-{}", job.instance) }),
        _ => Err(HandlerError::bpmn("SHIPPING_FAILED")),
    }
}

/// `refund-payment`: gives the money back (the compensation of `charge-card`).
pub fn refund_payment(job: &JobInfo) -> Result<Variables, HandlerError> {
    let charged = job.variables.get("charged").cloned().unwrap_or_default();
    Ok(vars! { "refunded": charged })
}

/// Registers every service with a test engine.
pub fn register(t: &mut TestEngine) {
    t.register("charge-card", charge_card)
        .register("fetch-goods", fetch_goods)
        .register("ship-goods", ship_goods)
        .register("refund-payment", refund_payment);
}
