//! The workspace's feature files (`features/*.feature`), in business language, run on the
//! example models by the testkit's step library: no glue code. `cargo test --test features --
//! --tags @smoke` runs a tag's scenarios; a failing scenario makes the run exit non-zero.

fn main() {
    baton_testkit::gherkin::run(concat!(env!("CARGO_MANIFEST_DIR"), "/../features"));
}
