//! `cargo baton`: check BPMN models, run process tests, build the living documentation.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use annotate_snippets::Renderer;
use baton_engine::record::{self, Harness, Status};
use baton_engine::validate::Severity;
use baton_report::config::{self, Config};
use baton_report::coverage::TestVerdict;
use baton_report::{check, diagnostics, harness, render, site, workspace};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "cargo-baton",
    bin_name = "cargo baton",
    version,
    about = "BPMN process testing and living documentation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the project's models, run `cargo test` with recording on, and write the report.
    Test {
        /// Where to write the report (default: baton/report in the target directory).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run the tests with cargo-nextest (the default when `.config/nextest.toml` exists).
        #[arg(long)]
        nextest: bool,
        /// Run and show everything: ignore the project's settings (`baton.toml`,
        /// `[*.metadata.baton]`).
        #[arg(long)]
        all: bool,
        /// Arguments passed on to `cargo test`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        cargo_args: Vec<String>,
    },
    /// Merge run files from one or more directories (e.g. CI shards) into one report.
    Report {
        /// Directories holding run files (default: baton/runs in the target directory).
        #[arg(long = "runs", num_args = 1..)]
        runs: Vec<PathBuf>,
        /// Where to write the report (default: baton/report in the target directory).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Exit 1 when flow-node coverage over all processes is below this percentage.
        #[arg(long, value_name = "PCT")]
        fail_under: Option<f64>,
        /// Show every model and test: ignore the project's settings.
        #[arg(long)]
        all: bool,
    },
    /// Check BPMN files: every problem at once, with code, position and hint. Exits 1 on errors.
    Validate {
        /// The .bpmn files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// `human` (like rustc) or `json` (for tools).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Count warnings as errors: exit 1 on any problem.
        #[arg(long)]
        strict: bool,
    },
    /// Draw each diagram of a BPMN file as SVG.
    Render {
        /// The .bpmn file.
        file: PathBuf,
        /// The SVG file to write (a file with several diagrams gets `-2`, `-3`, ... before
        /// `.svg` for the others), or a directory (default: `<file>.svg` next to the file).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

fn main() -> ExitCode {
    // cargo runs an external subcommand as `cargo-baton baton <args>`: drop the `baton`.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "baton") {
        args.remove(1);
    }
    let root = workspace::workspace_root(&std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")));
    match Cli::parse_from(args).command {
        Command::Validate { files, format, strict } => {
            validate(&files, format, if strict { check::Strictness::Strict } else { check::Strictness::Lenient })
        }
        Command::Test { out, nextest, all, cargo_args } => {
            let harness = harness::choose(&root, nextest);
            settings(&root, all).map_or(ExitCode::FAILURE, |config| test(&root, out, harness, &cargo_args, &config))
        }
        Command::Report { runs, out, fail_under, all } => {
            let runs = if runs.is_empty() { vec![workspace::runs_dir(&root)] } else { runs };
            settings(&root, all).map_or(ExitCode::FAILURE, |config| report(&root, &runs, out, fail_under, &config))
        }
        Command::Render { file, out } => draw(&file, out),
    }
}

fn renderer() -> Renderer {
    if std::io::stdout().is_terminal() { Renderer::styled() } else { Renderer::plain() }
}

fn validate(files: &[PathBuf], format: Format, strictness: check::Strictness) -> ExitCode {
    let reports = check::files(files);
    match format {
        Format::Human => print!("{}", diagnostics::human_with(&reports, &renderer(), strictness)),
        Format::Json => println!("{}", diagnostics::json_with(&reports, strictness)),
    }
    if strictness.failures(&reports) > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// The project's settings, or none with `--all`; a broken settings file is reported.
fn settings(root: &Path, all: bool) -> Option<Config> {
    if all {
        return Some(Config::default());
    }
    config::load(root).map_err(|err| eprintln!("baton: {err}")).ok()
}

fn test(root: &Path, out: Option<PathBuf>, harness: Harness, cargo_args: &[String], config: &Config) -> ExitCode {
    let cargo_args = if cargo_args.is_empty() { config.cargo_args.as_slice() } else { cargo_args };
    let models: Vec<PathBuf> = workspace::bpmn_files(root)
        .into_iter()
        .filter(|m| config.selection.models.allows(&workspace::relative(root, m)))
        .collect();
    let reports = check::files(&models);
    let errors: usize = reports.iter().map(|r| r.count(Severity::Error)).sum();
    // Errors and warnings both: a warning counted in the summary is a warning shown.
    let noisy: Vec<_> = reports.iter().filter(|r| !r.problems.is_empty()).cloned().collect();
    if !noisy.is_empty() {
        print!("{}", diagnostics::human(&noisy, &renderer()));
    }
    println!("baton: models: {}", diagnostics::summary(&reports));

    // A fresh runs directory, so the report shows this run only.
    let runs = workspace::runs_dir(root);
    if let Ok(entries) = std::fs::read_dir(&runs) {
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|e| e == "json") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    // Every binary runs, whatever fails: the report must hold every test's verdict.
    let (before, after) = cargo_args.split_at(cargo_args.iter().position(|a| a == "--").unwrap_or(cargo_args.len()));
    let no_fail_fast = (!before.iter().any(|a| a == "--no-fail-fast")).then_some("--no-fail-fast");
    match harness {
        Harness::CargoTest => command.arg("test").args(no_fail_fast),
        Harness::Nextest => command
            .args(["nextest", "run"])
            .args(no_fail_fast)
            .args(["--message-format", "libtest-json-plus"])
            .env("NEXTEST_EXPERIMENTAL_LIBTEST_JSON", "1"),
    };
    command.args(before).args(after).env("BATON_RUNS_DIR", &runs).current_dir(root);
    let name = match harness {
        Harness::CargoTest => "cargo test",
        Harness::Nextest => "cargo nextest run",
    };
    println!("baton: running {name} (BATON_RUNS_DIR={})", runs.display());
    let tests_passed = match harness::run(command, harness, &mut std::io::stdout()) {
        Ok((status, verdicts)) => {
            let failed = verdicts.tests.iter().filter(|v| v.status == Status::Failed).count();
            let passed = verdicts.tests.iter().filter(|v| v.status == Status::Passed).count();
            println!("baton: {name}: {passed} passed, {failed} failed");
            for problem in &verdicts.problems {
                println!("  note: {problem}");
            }
            if let Err(err) = record::write_verdicts(&runs, &verdicts) {
                eprintln!("baton: {}: cannot write the verdicts: {err}", runs.display());
            }
            status.success()
        }
        Err(err) => {
            eprintln!("baton: could not run {name}: {err}");
            false
        }
    };
    let built = report(root, &[runs], out, None, config);
    if errors > 0 || !tests_passed || built != ExitCode::SUCCESS { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn report(root: &Path, runs: &[PathBuf], out: Option<PathBuf>, fail_under: Option<f64>, config: &Config) -> ExitCode {
    let out = out.unwrap_or_else(|| workspace::target_dir(root).join("baton").join("report"));
    if let Some(source) = &config.source {
        println!("baton: report settings from {}", workspace::relative(root, source));
    }
    match site::build_selected(root, runs, &out, &config.selection) {
        Ok(built) => {
            println!("baton: {} run file(s) → {}", built.runs, built.index.display());
            println!("  {:<40} {:>12} {:>16} {:>6}", "process", "flow nodes", "sequence flows", "tests");
            for p in &built.coverage.processes {
                println!(
                    "  {:<40} {:>11.1}% {:>15.1}% {:>6}",
                    p.name.as_deref().unwrap_or(&p.id),
                    p.nodes.percent(),
                    p.flows.percent(),
                    p.tests.len()
                );
            }
            for test in built.coverage.tests.iter().filter(|t| t.verdict != TestVerdict::Passed) {
                println!("  {}: {}", test.verdict.text(), test.id);
            }
            if !built.coverage.warnings.is_empty() {
                println!("  {} model warning(s): see the report's index", built.coverage.warnings.len());
            }
            for problem in &built.coverage.problems {
                println!("  note: {problem}");
            }
            let total = built.coverage.total_nodes().percent();
            match fail_under {
                Some(minimum) if total < minimum => {
                    eprintln!("baton: flow-node coverage {total:.1}% is under --fail-under {minimum}%");
                    ExitCode::FAILURE
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(err) => {
            eprintln!("baton: {err}");
            ExitCode::FAILURE
        }
    }
}

fn draw(file: &Path, out: Option<PathBuf>) -> ExitCode {
    let definitions = match baton_engine::parse::parse_file(file) {
        Ok(definitions) => definitions,
        Err(err) => {
            eprintln!("baton: {err}");
            return ExitCode::FAILURE;
        }
    };
    if definitions.diagrams.is_empty() {
        eprintln!("baton: {} has no diagram (BPMN DI) to draw", file.display());
        return ExitCode::FAILURE;
    }
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "diagram".into());
    // `-o x.svg` names the file; `-o dir` (or nothing) puts `<stem>.svg` in a folder.
    let first = match out {
        Some(path) if path.extension().is_some_and(|e| e == "svg") => path,
        Some(dir) => dir.join(format!("{stem}.svg")),
        None => file.with_extension("svg"),
    };
    if let Some(dir) = first.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(err) = std::fs::create_dir_all(dir)
    {
        eprintln!("baton: {}: cannot create: {err}", dir.display());
        return ExitCode::FAILURE;
    }
    for index in 0..definitions.diagrams.len() {
        let rendered = render::render(&definitions, index, None);
        let path = if index == 0 {
            first.clone()
        } else {
            let name = first.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            first.with_file_name(format!("{name}-{}.svg", index + 1))
        };
        if let Err(err) = std::fs::write(&path, rendered.svg) {
            eprintln!("baton: {}: cannot write: {err}", path.display());
            return ExitCode::FAILURE;
        }
        println!("baton: wrote {}", path.display());
        for missing in rendered.not_drawn {
            println!("  not in the diagram: {} ({})", missing.id, missing.kind);
        }
    }
    ExitCode::SUCCESS
}
