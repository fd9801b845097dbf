//! Example processes for Baton: BPMN models with DI, and the Rust services behind them.
//!
//! The flagship example is the "dash button" order (`processes/order.bpmn`): a customer presses
//! a button, the credit card is charged (a declined card waits up to seven days for a new
//! one), the item is fetched and shipped, and a failed shipment refunds the payment (a saga,
//! by compensation). [`services`] are the workers behind its service tasks; the tests in
//! `tests/` drive the process with them, and their recordings are the report's input.

use std::path::{Path, PathBuf};

pub mod services;

/// The folder holding the example `.bpmn` files.
pub fn processes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("processes")
}

/// The dash-button order process (Camunda 8 dialect, with DI).
pub fn order_bpmn() -> PathBuf {
    processes_dir().join("order.bpmn")
}

/// A refund reviewed by a person of the support group, then paid (Camunda 8 dialect, with DI).
pub fn refund_review_bpmn() -> PathBuf {
    processes_dir().join("refund-review.bpmn")
}
