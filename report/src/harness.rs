//! The test harness's verdicts: run `cargo test` (or `cargo nextest run`), show its output as it
//! comes, and read from it what the harness said of every test.
//!
//! ```text
//! cargo test --no-fail-fast ─ one pipe (stdout + stderr, in order) ─┬─▶ the terminal, unchanged
//!                                                                   └─▶ Libtest ─▶ Verdicts
//! cargo nextest run --message-format libtest-json-plus ─────────────────▶ Nextest ─▶ Verdicts
//! ```
//!
//! A verdict comes only from the harness: a run file cannot know whether its test passed (a
//! test that returns `Err` drops its engine before libtest sees the `Err`). Stable Rust has no
//! machine-readable libtest output, so [`Libtest`] reads the text every `cargo test` prints:
//! cargo's `Running <source> (<binary>)` line, then libtest's `test <name> ... ok|FAILED|ignored`
//! lines and the `---- <name> stdout ----` sections of the failures. Cargo writes its lines to
//! stderr and the test binaries write to stdout, so both go into one pipe to keep their order.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

use baton_engine::record::{Harness, SCHEMA, Status, Verdict, Verdicts};

/// The harness for a workspace: cargo-nextest when asked (`--nextest`) or when the workspace
/// configures it (`.config/nextest.toml`, as nextest itself looks for it), else `cargo test`.
pub fn choose(workspace_root: &Path, nextest_asked: bool) -> Harness {
    if nextest_asked || workspace_root.join(".config").join("nextest.toml").is_file() {
        Harness::Nextest
    } else {
        Harness::CargoTest
    }
}

/// Reads `cargo test`'s text output, line by line.
#[derive(Debug, Default)]
pub struct Libtest {
    verdicts: Vec<Verdict>,
    problems: Vec<String>,
    /// The binary whose tests are being reported, and how many it said it runs.
    binary: Option<String>,
    expected: usize,
    reported: usize,
    /// Inside a `---- name stdout ----` section: the test and the lines so far.
    section: Option<(String, Vec<String>)>,
}

impl Libtest {
    /// A parser that has read nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads one line of output (without its line end).
    pub fn line(&mut self, line: &str) {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("Running ")
            && let Some(binary) = rest.strip_suffix(')').and_then(|r| r.rsplit_once(" (")).map(|(_, path)| path)
        {
            self.start_binary(
                Path::new(binary)
                    .file_stem()
                    .map_or_else(|| binary.to_owned(), |stem| stem.to_string_lossy().into_owned()),
            );
            return;
        }
        if let Some(krate) = trimmed.strip_prefix("Doc-tests ") {
            self.start_binary(format!("{krate} (doc-tests)"));
            return;
        }
        if let Some((name, lines)) = &mut self.section {
            if line.starts_with("---- ") || line == "failures:" || line == "successes:" {
                let (name, lines) = (name.clone(), std::mem::take(lines));
                self.section = None;
                self.attach_output(&name, &lines);
            } else {
                lines.push(line.to_owned());
                return;
            }
        }
        if let Some(name) = line.strip_prefix("---- ").and_then(|r| r.strip_suffix(" stdout ----")) {
            self.section = Some((name.to_owned(), Vec::new()));
            return;
        }
        if let Some(count) = line.strip_prefix("running ").and_then(|r| r.split(' ').next())
            && let Ok(count) = count.parse::<usize>()
        {
            self.expected = count;
            self.reported = 0;
            return;
        }
        if line.starts_with("error: could not compile") {
            self.problems.push(format!("the build failed ({}); no test of it ran", line.trim_start_matches("error: ")));
            return;
        }
        if let Some(rest) = line.strip_prefix("test ")
            && let Some((name, result)) = rest.rsplit_once(" ... ")
        {
            let status = match result.trim_end() {
                "ok" => Status::Passed,
                "FAILED" => Status::Failed,
                r if r.starts_with("ignored") => Status::Ignored,
                _ => return, // `bench:` lines and the like are not verdicts
            };
            let name = name.strip_suffix(" - should panic").unwrap_or(name);
            let binary = self.binary.clone().unwrap_or_else(|| "tests".to_owned());
            self.verdicts.push(Verdict { binary, test: name.to_owned(), status, output: None });
            self.reported += 1;
        }
    }

    fn start_binary(&mut self, binary: String) {
        self.finish_binary();
        self.binary = Some(binary);
    }

    fn finish_binary(&mut self) {
        if let Some((name, lines)) = self.section.take() {
            self.attach_output(&name, &lines);
        }
        if let Some(binary) = &self.binary
            && self.reported < self.expected
        {
            self.problems.push(format!(
                "test binary {binary} announced {} test(s) but reported {}: it crashed or was killed (see its output)",
                self.expected, self.reported
            ));
        }
        self.expected = 0;
        self.reported = 0;
    }

    fn attach_output(&mut self, name: &str, lines: &[String]) {
        let text = lines.join("\n").trim().to_owned();
        let binary = self.binary.as_deref();
        if let Some(verdict) = self
            .verdicts
            .iter_mut()
            .rev()
            .find(|v| v.test == name && Some(v.binary.as_str()) == binary && v.output.is_none())
        {
            verdict.output = (!text.is_empty()).then_some(text);
        }
    }

    /// Everything read, as the verdicts file records it.
    pub fn finish(mut self) -> Verdicts {
        self.finish_binary();
        Verdicts { schema: SCHEMA, harness: Harness::CargoTest, tests: self.verdicts, problems: self.problems }
    }
}

/// Reads `cargo nextest run --message-format libtest-json-plus` output, line by line.
#[derive(Debug, Default)]
pub struct Nextest {
    verdicts: Vec<Verdict>,
    /// `crate::binary` as test names carry it → nextest's binary id.
    binary_ids: std::collections::BTreeMap<String, String>,
}

impl Nextest {
    /// A parser that has read nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads one line; returns `false` when it is not one of nextest's JSON events (and so is
    /// for the terminal).
    pub fn line(&mut self, line: &str) -> bool {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else { return false };
        let text = |key: &str| event.get(key).and_then(|v| v.as_str());
        match (text("type"), text("event")) {
            (Some("suite"), _) => {
                if let Some(nextest) = event.get("nextest") {
                    let field = |key: &str| nextest.get(key).and_then(|v| v.as_str()).unwrap_or_default();
                    let (krate, binary, kind) = (field("crate"), field("test_binary"), field("kind"));
                    let id = match kind {
                        "lib" | "proc-macro" => krate.to_owned(),
                        "test" => format!("{krate}::{binary}"),
                        kind => format!("{krate}::{kind}/{binary}"),
                    };
                    self.binary_ids.insert(format!("{krate}::{binary}"), id);
                }
            }
            (Some("test"), Some(result)) => {
                let status = match result {
                    "ok" => Status::Passed,
                    "failed" | "timeout" => Status::Failed,
                    "ignored" => Status::Ignored,
                    _ => return true,
                };
                let name = text("name").unwrap_or_default();
                let (prefix, test) = name.split_once('$').unwrap_or(("tests", name));
                let binary = self.binary_ids.get(prefix).cloned().unwrap_or_else(|| prefix.to_owned());
                let output = text("stdout").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
                self.verdicts.push(Verdict { binary, test: test.to_owned(), status, output });
            }
            _ => return false,
        }
        true
    }

    /// Everything read, as the verdicts file records it.
    pub fn finish(self) -> Verdicts {
        Verdicts { schema: SCHEMA, harness: Harness::Nextest, tests: self.verdicts, problems: Vec::new() }
    }
}

/// Runs `command` with its stdout and stderr in one pipe, copies every line to `terminal` as it
/// comes (nextest's JSON events excepted), and returns the exit status and the verdicts.
pub fn run(
    mut command: Command,
    harness: Harness,
    terminal: &mut dyn Write,
) -> std::io::Result<(ExitStatus, Verdicts)> {
    let (reader, writer) = std::io::pipe()?;
    command.stdout(writer.try_clone()?).stderr(writer).stdin(Stdio::null());
    let mut child = command.spawn()?;
    drop(command); // closes this process's copies of the pipe's write end
    let mut libtest = Libtest::new();
    let mut nextest = Nextest::new();
    let mut lines = BufReader::new(reader);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        if lines.read_until(b'\n', &mut buffer)? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&buffer);
        let line = line.trim_end_matches(['\n', '\r']);
        let shown = match harness {
            Harness::CargoTest => {
                libtest.line(line);
                true
            }
            Harness::Nextest => !nextest.line(line),
        };
        if shown {
            writeln!(terminal, "{line}")?;
        }
    }
    let status = child.wait()?;
    let verdicts = match harness {
        Harness::CargoTest => libtest.finish(),
        Harness::Nextest => nextest.finish(),
    };
    Ok((status, verdicts))
}

/// The part of a failed test's output that says why it failed: the last panic's message (the
/// test's own, after any a handler raised and the engine caught) without its backtrace, or the
/// `Error: ...` a test that returned `Err` printed. The whole output stays in the report too.
pub fn failure_summary(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    let last_panic = lines.iter().rposition(|l| l.starts_with("thread '") && l.contains(" panicked at "));
    let last_error = lines.iter().rposition(|l| l.starts_with("Error: "));
    let start = match (last_panic, last_error) {
        (Some(p), Some(e)) => p.max(e),
        (Some(p), None) => p,
        (None, Some(e)) => e,
        (None, None) => return output.trim().to_owned(),
    };
    let body = lines[start..]
        .iter()
        .take_while(|l| !(l.starts_with("stack backtrace:") || l.starts_with("note: run with `RUST_BACKTRACE")))
        .copied()
        .collect::<Vec<_>>();
    body.join("\n").trim().to_owned()
}

/// A test binary as people name it: `order` for `order-0f1e2d3c4b5a6978` (cargo test) and for
/// `my-crate::order` (nextest), `my_crate` for the unit tests of `my-crate`.
pub fn binary_name(binary: &str) -> String {
    if let Some((_, name)) = binary.rsplit_once("::") {
        return name.rsplit('/').next().unwrap_or(name).to_owned();
    }
    if binary.ends_with(" (doc-tests)") {
        return binary.to_owned();
    }
    match binary.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => name.to_owned(),
        _ => binary.replace('-', "_"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARGO_TEST: &str = "\
   Compiling claims v0.1.0
    Finished `test` profile [unoptimized + debuginfo] target(s) in 1.20s
     Running unittests src/lib.rs (target/debug/deps/claims-1a2b3c4d5e6f7081)

running 0 tests

test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

     Running tests/claims.rs (target/debug/deps/claims-0f1e2d3c4b5a6978)

running 5 tests
test approves_small_claims ... ok
test api::fails_by_question_mark ... FAILED
test slow_one ... ignored, needs a day
test panics_in_handler - should panic ... ok
test fails_by_assertion ... FAILED

failures:

---- api::fails_by_question_mark stdout ----
Error: instance claim#1 has no open job at \"Auto-approve claim\"

---- fails_by_assertion stdout ----

thread 'fails_by_assertion' panicked at tests/claims.rs:40:5:
instance claim#1 is not waiting at \"Pay\"
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    api::fails_by_question_mark
    fails_by_assertion

test result: FAILED. 2 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s

error: test failed, to rerun pass `--test claims`
     Running tests/other.rs (target/debug/deps/other-00112233445566aa)

running 2 tests
test first ... ok
error: test failed, to rerun pass `--test other`

Caused by:
  process didn't exit successfully: (signal: 6, SIGABRT: process abort signal)
   Doc-tests claims

running 1 test
test src/lib.rs - (line 3) ... ok

test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.10s
";

    #[test]
    fn cargo_test_output_gives_every_verdict_with_its_failure_text() {
        let mut parser = Libtest::new();
        CARGO_TEST.lines().for_each(|l| parser.line(l));
        let verdicts = parser.finish();
        let seen: Vec<(&str, &str, Status)> =
            verdicts.tests.iter().map(|v| (v.binary.as_str(), v.test.as_str(), v.status)).collect();
        assert_eq!(
            seen,
            [
                ("claims-0f1e2d3c4b5a6978", "approves_small_claims", Status::Passed),
                ("claims-0f1e2d3c4b5a6978", "api::fails_by_question_mark", Status::Failed),
                ("claims-0f1e2d3c4b5a6978", "slow_one", Status::Ignored),
                ("claims-0f1e2d3c4b5a6978", "panics_in_handler", Status::Passed),
                ("claims-0f1e2d3c4b5a6978", "fails_by_assertion", Status::Failed),
                ("other-00112233445566aa", "first", Status::Passed),
                ("claims (doc-tests)", "src/lib.rs - (line 3)", Status::Passed),
            ]
        );
        assert_eq!(
            verdicts.tests[1].output.as_deref(),
            Some("Error: instance claim#1 has no open job at \"Auto-approve claim\"")
        );
        let assertion = verdicts.tests[4].output.as_deref().unwrap_or_default();
        assert!(assertion.starts_with("thread 'fails_by_assertion' panicked at tests/claims.rs:40:5:\ninstance claim#1 is not waiting at \"Pay\""), "{assertion}");
        assert_eq!(verdicts.tests[0].output, None);
        assert_eq!(
            verdicts.problems,
            [
                "test binary other-00112233445566aa announced 2 test(s) but reported 1: it crashed or was killed (see its output)"
            ]
        );
    }

    #[test]
    fn nextest_events_give_verdicts_under_the_binary_ids_tests_see() {
        let mut parser = Nextest::new();
        let lines = [
            r#"{"type":"suite","event":"started","test_count":2,"nextest":{"crate":"claims","test_binary":"claims","kind":"lib"}}"#,
            r#"{"type":"suite","event":"started","test_count":2,"nextest":{"crate":"claims","test_binary":"api","kind":"test"}}"#,
            r#"{"type":"test","event":"started","name":"claims::api$pays"}"#,
            r#"{"type":"test","event":"ok","name":"claims::api$pays","exec_time":0.1}"#,
            r#"{"type":"test","event":"failed","name":"claims::claims$unit::fails","exec_time":0.1,"stdout":"Error: boom\n"}"#,
        ];
        assert!(lines.iter().all(|l| parser.line(l)));
        assert!(!parser.line("    PASS [0.1s] claims::api pays"), "nextest's own lines are for the terminal");
        let verdicts = parser.finish();
        assert_eq!(verdicts.harness, Harness::Nextest);
        let seen: Vec<(&str, &str, Status, Option<&str>)> = verdicts
            .tests
            .iter()
            .map(|v| (v.binary.as_str(), v.test.as_str(), v.status, v.output.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                ("claims::api", "pays", Status::Passed, None),
                ("claims", "unit::fails", Status::Failed, Some("Error: boom"))
            ]
        );
    }

    #[test]
    fn the_summary_is_the_tests_own_failure_without_backtrace() {
        let output = "thread 'x' (12) panicked at tests/a.rs:46:35:\nthe database is down\nstack backtrace:\n   0: foo\n\
                      thread 'x' (12) panicked at tests/a.rs:48:29:\ninstance claim#1 has not ended\n  state:       running\n\
                      stack backtrace:\n   0: bar\nnote: Some details are omitted";
        assert_eq!(
            failure_summary(output),
            "thread 'x' (12) panicked at tests/a.rs:48:29:\ninstance claim#1 has not ended\n  state:       running"
        );
        assert_eq!(
            failure_summary("Error: instance claim#1 has no open job\n  state: ended"),
            "Error: instance claim#1 has no open job\n  state: ended"
        );
        assert_eq!(failure_summary("something else"), "something else");
    }

    #[test]
    fn nextest_when_asked_or_configured() {
        let root = std::env::temp_dir().join(format!("baton-harness-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join(".config")).unwrap_or_default();
        assert_eq!(choose(&root, false), Harness::CargoTest);
        assert_eq!(choose(&root, true), Harness::Nextest);
        std::fs::write(root.join(".config").join("nextest.toml"), "").unwrap_or_default();
        assert_eq!(choose(&root, false), Harness::Nextest, "a workspace that configures nextest uses it");
        std::fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn binaries_are_named_as_people_name_them() {
        assert_eq!(binary_name("order-0f1e2d3c4b5a6978"), "order");
        assert_eq!(binary_name("baton_engine-0f1e2d3c4b5a6978"), "baton_engine");
        assert_eq!(binary_name("baton-examples::order"), "order");
        assert_eq!(binary_name("baton-engine"), "baton_engine");
        assert_eq!(binary_name("my-crate::bin/cargo-baton"), "cargo-baton");
        assert_eq!(binary_name("claims (doc-tests)"), "claims (doc-tests)");
    }
}
