//! Every bundled example model is sound: no validation problem at all, and drawn with DI.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_engine::model::NodeKind;
use baton_engine::parse::parse_file;
use baton_engine::validate::validate;

#[test]
fn the_dash_button_order_is_clean_and_drawn() {
    let defs = parse_file(baton_examples::order_bpmn()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(validate(&defs), []);
    let order = defs.process("order").expect("process `order`");
    let names: Vec<&str> = order.nodes.iter().filter_map(|n| n.name.as_deref()).collect();
    for step in ["Charge credit card", "Fetch item", "Ship item", "7 days passed", "Refund payment"] {
        assert!(names.contains(&step), "no {step:?} in {names:?}");
    }
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "names are unique, so tests can use them");
    let compensation = order.nodes.iter().filter(|n| n.activity().is_some_and(|a| a.is_for_compensation)).count();
    assert_eq!(compensation, 1);
    assert!(order.nodes.iter().any(|n| matches!(n.kind, NodeKind::Gateway(_))));
    for node in &order.nodes {
        assert!(defs.diagrams[0].shape(node.id.as_str()).is_some(), "{} is not drawn", node.id);
    }
}
