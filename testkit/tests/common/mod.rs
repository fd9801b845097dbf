//! What the testkit's suites share.

use baton_testkit::Error;

/// The text of an error, checked to be the same in `Debug` (what `?` in a test prints) and
/// free of struct dumps.
pub fn text(err: Error) -> String {
    let shown = err.to_string();
    let debugged = format!("{err:?}");
    assert_eq!(debugged, shown, "Debug must print the Display text");
    assert!(!debugged.contains("{ ") && !debugged.contains("Some("), "a struct dump: {debugged}");
    shown
}
