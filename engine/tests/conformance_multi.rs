//! Multi-instance sub-processes and the compensation of multi-instance activities and completed
//! sub-processes, as Camunda 7 and Camunda 8 run them, one rule per test. Each model is written
//! as Camunda Modeler writes it for its dialect (with DI), once per engine where both engines
//! have the rule, and run through the engine. Each test names the documentation page it follows:
//! Camunda 7 under docs.camunda.org/manual/latest/, Camunda 8 under docs.camunda.io/docs/.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use baton_engine::runtime::{Engine, JobInfo};
use serde_json::json;

mod common;
use common::{start, vars};

fn engine(file: &str) -> Engine {
    common::engine("multi", &[file])
}

/// The open jobs at `node`, oldest first.
fn jobs_at(engine: &Engine, instance: &str, node: &str) -> Vec<JobInfo> {
    engine.jobs(instance).into_iter().filter(|j| j.node == node).collect()
}

fn complete(engine: &mut Engine, job: &JobInfo, variables: serde_json::Value) {
    engine.complete_job(&job.id, vars(variables)).unwrap_or_else(|e| panic!("{e}"));
}

fn times(engine: &Engine, instance: &str, node: &str) -> usize {
    engine.passed(instance).iter().filter(|n| *n == node).count()
}

/// A parallel multi-instance sub-process over an input collection starts one instance per item
/// at once, each its own scope: the element variable is the instance's own (the jobs inside see
/// their item) and never a process variable; the sub-process completes when every instance has.
/// docs: Camunda 7 reference/bpmn20/tasks/task-markers/#multiple-instance ("a complete
/// subprocess for each item", `camunda:collection`, `camunda:elementVariable`); Camunda 8
/// components/modeler/bpmn/multi-instance/ (inputCollection, inputElement: "a local variable").
#[test]
fn a_parallel_multi_instance_sub_process_runs_one_scope_per_item() {
    for file in ["sub_parallel.c7.bpmn", "sub_parallel.c8.bpmn"] {
        let mut e = engine(file);
        let i = start(&mut e, json!({"items": ["cup", "pot", "pan"]}));
        let jobs = jobs_at(&e, &i, "Activity_Pack");
        let items: Vec<_> = jobs.iter().map(|j| j.variables["item"].clone()).collect();
        assert_eq!(items, [json!("cup"), json!("pot"), json!("pan")], "{file}");
        assert!(!e.variables(&i).unwrap().contains_key("item"), "{file}: the element variable is local");
        complete(&mut e, &jobs[2], json!({}));
        complete(&mut e, &jobs[0], json!({}));
        assert_eq!(e.waiting_at(&i), ["Activity_Pack"], "{file}: one instance is still running");
        complete(&mut e, &jobs[1], json!({}));
        assert_eq!(e.waiting_at(&i), ["Activity_Ship"], "{file}");
        assert_eq!(times(&e, &i, "Activity_Pack"), 3, "{file}");
        assert_eq!(times(&e, &i, "Activity_Items"), 1, "{file}: the sub-process completes once, as a whole");
        assert!(!e.variables(&i).unwrap().contains_key("item"), "{file}");
    }
}

/// A sequential multi-instance sub-process runs its instances one after another: the next
/// starts when the one before completed (Camunda 7 here by loop cardinality, Camunda 8 by input
/// collection, its only way).
/// docs: Camunda 7 reference/bpmn20/tasks/task-markers/#multiple-instance (isSequential,
/// loopCardinality); Camunda 8 components/modeler/bpmn/multi-instance/#sequential-vs-parallel
#[test]
fn a_sequential_multi_instance_sub_process_runs_one_instance_at_a_time() {
    for (file, start_vars) in [
        ("sub_sequential.c7.bpmn", json!({"count": 3})),
        ("sub_sequential.c8.bpmn", json!({"items": ["cup", "pot", "pan"]})),
    ] {
        let mut e = engine(file);
        let i = start(&mut e, start_vars);
        for n in 0..3 {
            let jobs = jobs_at(&e, &i, "Activity_Pack");
            assert_eq!(jobs.len(), 1, "{file}: instance {n} runs alone");
            if file.ends_with("c8.bpmn") {
                assert_eq!(jobs[0].variables["item"], json!(["cup", "pot", "pan"][n]), "{file}");
            }
            complete(&mut e, &jobs[0], json!({}));
        }
        assert_eq!(e.waiting_at(&i), ["Activity_Ship"], "{file}");
    }
}

/// Variables set inside an instance go where they exist, as everywhere in both engines: the
/// element variable exists in the instance's scope, so a job that sets it changes the
/// instance's copy; a new variable goes to the process instance.
/// docs: Camunda 7 user-guide/process-engine/variables/#variable-scopes-and-variable-visibility;
/// Camunda 8 components/concepts/variables/#variable-propagation and
/// components/modeler/bpmn/multi-instance/#variable-mappings
#[test]
fn variables_inside_an_instance_stay_in_their_scope() {
    for file in ["sub_parallel.c7.bpmn", "sub_parallel.c8.bpmn"] {
        let mut e = engine(file);
        let i = start(&mut e, json!({"items": ["cup", "pot"]}));
        let jobs = jobs_at(&e, &i, "Activity_Pack");
        complete(&mut e, &jobs[0], json!({"item": "mug", "packer": "ann"}));
        complete(&mut e, &jobs[1], json!({"item": "jug", "packer": "bob"}));
        let variables = e.variables(&i).unwrap();
        assert!(!variables.contains_key("item"), "{file}: {variables:?}");
        assert_eq!(variables["packer"], json!("bob"), "{file}");
        assert_eq!(variables["items"], json!(["cup", "pot"]), "{file}: the collection is untouched");
    }
}

/// An interrupting boundary event on a multi-instance sub-process belongs to the whole activity
/// (the multi-instance body): when it fires, every instance is cancelled with their jobs.
/// docs: Camunda 7 reference/bpmn20/tasks/task-markers/#boundary-events-and-multi-instance;
/// Camunda 8 components/modeler/bpmn/multi-instance/#boundary-events
#[test]
fn an_interrupting_boundary_event_cancels_every_instance() {
    for file in ["sub_boundary.c7.bpmn", "sub_boundary.c8.bpmn"] {
        let mut e = engine(file);
        let i = start(&mut e, json!({"items": ["cup", "pot", "pan"]}));
        let first = jobs_at(&e, &i, "Activity_Pack").remove(0);
        complete(&mut e, &first, json!({}));
        assert_eq!(jobs_at(&e, &i, "Activity_Pack").len(), 2, "{file}");
        e.advance("PT1H").unwrap();
        assert!(jobs_at(&e, &i, "Activity_Pack").is_empty(), "{file}: {:?}", e.jobs(&i));
        assert_eq!(e.waiting_at(&i), ["Activity_Apologise"], "{file}");
        assert_eq!(times(&e, &i, "Activity_Items"), 0, "{file}: the sub-process did not complete");
    }
}

/// The completion condition is evaluated when an instance completes; when it is true, the
/// instances still running are cancelled and the sub-process completes.
/// docs: Camunda 7 reference/bpmn20/tasks/task-markers/#multiple-instance (completionCondition);
/// Camunda 8 components/modeler/bpmn/multi-instance/#completion-condition
#[test]
fn the_completion_condition_ends_the_remaining_instances() {
    for file in ["sub_completion.c7.bpmn", "sub_completion.c8.bpmn"] {
        let mut e = engine(file);
        let i = start(&mut e, json!({"items": ["cup", "pot", "pan"]}));
        let jobs = jobs_at(&e, &i, "Activity_Pack");
        complete(&mut e, &jobs[1], json!({}));
        assert_eq!(jobs_at(&e, &i, "Activity_Pack").len(), 2, "{file}");
        complete(&mut e, &jobs[0], json!({}));
        assert!(jobs_at(&e, &i, "Activity_Pack").is_empty(), "{file}: the third instance is cancelled");
        assert_eq!(e.waiting_at(&i), ["Activity_Ship"], "{file}");
    }
}

/// Camunda 8: the output element is evaluated in each instance when it completes, and the
/// output collection holds the results in the order of the input collection, whatever order the
/// instances completed in. The output element's variable is local to each instance (created
/// with null when the instance starts), so parallel instances do not overwrite each other.
/// Camunda 7 has no output collection.
/// docs: Camunda 8 components/modeler/bpmn/multi-instance/#collecting-the-output
#[test]
fn the_output_collection_holds_each_instance_s_output_in_item_order() {
    let mut e = engine("sub_output.c8.bpmn");
    let i = start(&mut e, json!({"items": ["cup", "pot", "pan"]}));
    let jobs = jobs_at(&e, &i, "Activity_Pack");
    for n in [2, 0, 1] {
        let item = jobs[n].variables["item"].as_str().unwrap().to_owned();
        complete(&mut e, &jobs[n], json!({"label": format!("L-{item}")}));
    }
    assert_eq!(e.waiting_at(&i), ["Activity_Ship"]);
    let variables = e.variables(&i).unwrap();
    assert_eq!(variables["labels"], json!(["L-cup", "L-pot", "L-pan"]));
    assert!(!variables.contains_key("label"), "the output element is local: {variables:?}");
}

/// An input collection that is not a list is an incident at the sub-process that says so.
/// docs: Camunda 8 components/modeler/bpmn/multi-instance/#defining-the-collection-to-iterate-over;
/// Camunda 7 reference/bpmn20/tasks/task-markers/#multiple-instance
#[test]
fn an_input_collection_that_is_not_a_list_is_an_incident() {
    for file in ["sub_parallel.c7.bpmn", "sub_parallel.c8.bpmn"] {
        let mut e = engine(file);
        let i = start(&mut e, json!({"items": "cup"}));
        let incidents = e.incidents(&i);
        assert_eq!(incidents.len(), 1, "{file}");
        assert_eq!(incidents[0].node, "Activity_Items");
        assert!(incidents[0].message.contains("of `Each item` is \"cup\", not a list"), "{}", incidents[0].message);
    }
}

/// Compensating a multi-instance activity runs its compensation handler once per completed
/// instance ("executed the same amount of times the activity completed successfully").
/// Camunda 8 invokes them all at once, in no order; Baton runs them one after another, newest
/// first, so a test completes them in turn.
/// docs: Camunda 7 reference/bpmn20/events/cancel-and-compensation-events/; Camunda 8
/// components/modeler/bpmn/compensation-handler/ ("If an activity has been completed more than
/// once, the compensation handler is invoked for the same amount")
#[test]
fn compensating_a_multi_instance_activity_runs_the_handler_once_per_instance() {
    for file in ["compensate_multi_task.c7.bpmn", "compensate_multi_task.c8.bpmn"] {
        let mut e = engine(file);
        let i = start(&mut e, json!({"items": ["cup", "pot", "pan"]}));
        for job in jobs_at(&e, &i, "Activity_Reserve") {
            complete(&mut e, &job, json!({}));
        }
        let mut handled = 0;
        while let Some(job) = jobs_at(&e, &i, "Activity_Release").pop() {
            handled += 1;
            complete(&mut e, &job, json!({}));
        }
        assert_eq!(handled, 3, "{file}");
        assert!(e.is_ended(&i), "{file}: {:?}", e.waiting_at(&i));
    }
}

/// Compensating a scope that holds a completed sub-process compensates what completed inside it
/// (the sub-process has no handler of its own): the handlers of its activities run.
/// docs: Camunda 7 reference/bpmn20/events/cancel-and-compensation-events/ ("Compensation is
/// triggered hierarchically"); Camunda 8 components/modeler/bpmn/compensation-events/
/// ("Compensating embedded subprocesses")
#[test]
fn compensating_a_completed_sub_process_compensates_what_completed_inside_it() {
    for file in ["compensate_plain_sub.c7.bpmn", "compensate_plain_sub.c8.bpmn"] {
        let mut e = engine(file);
        let i = start(&mut e, json!({}));
        let book = jobs_at(&e, &i, "Activity_Book").remove(0);
        complete(&mut e, &book, json!({}));
        let cancel = jobs_at(&e, &i, "Activity_CancelBooking");
        assert_eq!(cancel.len(), 1, "{file}: {:?}", e.waiting_at(&i));
        complete(&mut e, &cancel[0], json!({}));
        assert!(e.is_ended(&i), "{file}");
    }
}

/// The same for a completed multi-instance sub-process: what completed inside each of its
/// instances is compensated, so the inner handler runs once per instance.
/// docs: Camunda 7 reference/bpmn20/events/cancel-and-compensation-events/; Camunda 8
/// components/modeler/bpmn/compensation-events/ ("Compensating embedded subprocesses") and
/// components/modeler/bpmn/compensation-handler/
#[test]
fn compensating_a_completed_multi_instance_sub_process_compensates_each_instance() {
    for file in ["compensate_multi_sub.c7.bpmn", "compensate_multi_sub.c8.bpmn"] {
        let mut e = engine(file);
        let i = start(&mut e, json!({"items": ["rome", "oslo"]}));
        for job in jobs_at(&e, &i, "Activity_Book") {
            complete(&mut e, &job, json!({}));
        }
        let mut handled = 0;
        while let Some(job) = jobs_at(&e, &i, "Activity_CancelBooking").pop() {
            handled += 1;
            complete(&mut e, &job, json!({}));
        }
        assert_eq!(handled, 2, "{file}");
        assert!(e.is_ended(&i), "{file}: {:?}", e.waiting_at(&i));
    }
}
