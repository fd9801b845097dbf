//! `cargo baton`: check BPMN models, run process tests, build the living documentation.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use annotate_snippets::Renderer;
use baton_engine::validate::Severity;
use baton_report::{check, diagnostics, workspace};
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
    /// Check BPMN files: every problem at once, with code, position and hint. Exits 1 on errors.
    Validate {
        /// The .bpmn files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// `human` (like rustc) or `json` (for tools).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Check the project's models, then run `cargo test` with run recording switched on.
    Test {
        /// Arguments passed on to `cargo test`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        cargo_args: Vec<String>,
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
    match Cli::parse_from(args).command {
        Command::Validate { files, format } => validate(&files, format),
        Command::Test { cargo_args } => test(&cargo_args),
    }
}

fn renderer() -> Renderer {
    if std::io::stdout().is_terminal() { Renderer::styled() } else { Renderer::plain() }
}

fn validate(files: &[PathBuf], format: Format) -> ExitCode {
    let reports = check::files(files);
    match format {
        Format::Human => print!("{}", diagnostics::human(&reports, &renderer())),
        Format::Json => println!("{}", diagnostics::json(&reports)),
    }
    let errors: usize = reports.iter().map(|r| r.count(Severity::Error)).sum();
    if errors > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn test(cargo_args: &[String]) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = workspace::workspace_root(&cwd);
    let models = workspace::bpmn_files(&root);
    let reports = check::files(&models);
    let errors: usize = reports.iter().map(|r| r.count(Severity::Error)).sum();
    let shown: Vec<_> = reports.iter().filter(|r| r.count(Severity::Error) > 0).cloned().collect();
    if !shown.is_empty() {
        print!("{}", diagnostics::human(&shown, &renderer()));
    }
    println!("baton: models: {}", diagnostics::summary(&reports));
    for report in &reports {
        let shown = report.path.strip_prefix(&root).unwrap_or(&report.path);
        println!(
            "  {:<50} {} errors, {} warnings",
            shown.display(),
            report.count(Severity::Error),
            report.count(Severity::Warning)
        );
    }
    let runs = workspace::runs_dir(&root);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("baton: running cargo test (BATON_RUNS_DIR={})", runs.display());
    let status = std::process::Command::new(cargo)
        .arg("test")
        .args(cargo_args)
        .env("BATON_RUNS_DIR", &runs)
        .current_dir(&root)
        .status();
    let tests_passed = match status {
        Ok(status) => status.success(),
        Err(err) => {
            eprintln!("baton: could not start cargo test: {err}");
            false
        }
    };
    println!(
        "baton: the HTML report is not built yet (it comes with the testkit's run files and the report site); \
         models were checked and tests were run"
    );
    if errors > 0 || !tests_passed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
