//! Problems, shown the way rustc shows them: code, message, the file and line, the line itself,
//! and what to do. JSON for tools.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use baton_engine::validate::{Problem, Severity};
use serde::Serialize;

use crate::check::{FileReport, Strictness};

/// Renders every problem of every report, then a summary line.
pub fn human(reports: &[FileReport], renderer: &Renderer) -> String {
    human_with(reports, renderer, Strictness::Lenient)
}

/// [`human`], with the summary line saying how warnings count.
pub fn human_with(reports: &[FileReport], renderer: &Renderer, strictness: Strictness) -> String {
    let mut out = String::new();
    for report in reports {
        for problem in &report.problems {
            out.push_str(&problem_text(report, problem, renderer));
            out.push_str("\n\n");
        }
    }
    out.push_str(&summary_with(reports, strictness));
    out.push('\n');
    out
}

fn problem_text(report: &FileReport, problem: &Problem, renderer: &Renderer) -> String {
    let level = match problem.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let path = report.path.display().to_string();
    let line_number = problem.position.line as usize;
    let line = report.source.as_deref().and_then(|s| s.lines().nth(line_number.saturating_sub(1)));
    let label = match &problem.element {
        Some(id) => format!("element `{id}`"),
        None => String::new(),
    };
    let title = level.primary_title(problem.message.as_str()).id(problem.code.as_str());
    let mut group = match line {
        Some(line) => {
            let start = line
                .char_indices()
                .nth(problem.position.column.saturating_sub(1) as usize)
                .map_or(line.len(), |(i, _)| i);
            // Underline the element's tag name: from `<` up to the first space, `/` or `>`.
            let end = line[start..].find([' ', '>', '/']).map_or(line.len(), |i| start + i.max(1));
            title.element(
                Snippet::source(line)
                    .line_start(line_number)
                    .path(path.as_str())
                    .annotation(AnnotationKind::Primary.span(start..end).label(label)),
            )
        }
        None => title.element(Level::NOTE.message(format!("at {path}:{}", problem.position))),
    };
    if let Some(hint) = &problem.hint {
        group = group.element(Level::HELP.message(hint.as_str()));
    }
    let groups: [Group<'_>; 1] = [group];
    renderer.render(&groups).to_string()
}

/// `3 files checked: 2 errors, 1 warning`.
pub fn summary(reports: &[FileReport]) -> String {
    summary_with(reports, Strictness::Lenient)
}

/// [`summary`]; under `--strict`, `3 files checked: 2 errors, 1 warning (--strict: warnings
/// count as errors)`.
pub fn summary_with(reports: &[FileReport], strictness: Strictness) -> String {
    let errors: usize = reports.iter().map(|r| r.count(Severity::Error)).sum();
    let warnings: usize = reports.iter().map(|r| r.count(Severity::Warning)).sum();
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    let strict = match strictness {
        Strictness::Lenient => "",
        Strictness::Strict => " (--strict: warnings count as errors)",
    };
    format!(
        "{} checked: {}, {}{strict}",
        plural(reports.len(), "file"),
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

#[derive(Serialize)]
struct JsonReport<'a> {
    files: Vec<JsonFile<'a>>,
    errors: usize,
    warnings: usize,
    /// Whether warnings count as errors (`--strict`).
    strict: bool,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    file: String,
    problems: &'a [Problem],
}

/// All reports as one JSON document: `{files: [{file, problems}], errors, warnings, strict}`.
pub fn json(reports: &[FileReport]) -> String {
    json_with(reports, Strictness::Lenient)
}

/// [`json`], saying in `strict` how warnings count.
pub fn json_with(reports: &[FileReport], strictness: Strictness) -> String {
    let report = JsonReport {
        files: reports.iter().map(|r| JsonFile { file: r.path.display().to_string(), problems: &r.problems }).collect(),
        errors: reports.iter().map(|r| r.count(Severity::Error)).sum(),
        warnings: reports.iter().map(|r| r.count(Severity::Warning)).sum(),
        strict: strictness == Strictness::Strict,
    };
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&report).unwrap_or_default()
}
