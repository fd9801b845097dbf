//! How fast the runtime drives instances: the shared benchmark model (order fulfillment:
//! pay, check, fetch, ship), every job done by a registered handler.
//!
//! `cargo bench -p baton-engine --bench run`

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails by panicking

use baton_engine::runtime::{Engine, Variables};

fn main() {
    divan::main();
}

fn engine() -> Engine {
    let text = include_str!("../../../shared/bench/order.bpmn");
    let mut engine = Engine::new();
    engine.deploy(baton_engine::parse::parse(text).expect("parses")).expect("deploys");
    for task in ["Task_PayItem", "Task_FetchItem", "Task_ShipItem"] {
        engine.register(task, |_| Ok(Variables::new()));
    }
    engine
}

/// One order from start to "Order shipped", on a fresh engine each time.
#[divan::bench]
fn one_order_to_the_end(bencher: divan::Bencher<'_, '_>) {
    bencher.with_inputs(engine).bench_local_values(|mut engine| {
        let order = engine.start("order_fulfillment", [("paymentFailed".to_string(), false.into())].into()).unwrap();
        assert!(engine.is_ended(&order));
        engine
    });
}

/// A thousand orders through one engine: the cost of a growing trace and instance table.
#[divan::bench(sample_count = 20)]
fn thousand_orders_one_engine(bencher: divan::Bencher<'_, '_>) {
    bencher.with_inputs(engine).bench_local_values(|mut engine| {
        for _ in 0..1000 {
            engine.start("order_fulfillment", [("paymentFailed".to_string(), false.into())].into()).unwrap();
        }
        engine
    });
}
