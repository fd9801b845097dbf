//! Every phrasing of the step library, as a feature writes it, and the closest ones to a step
//! that matches none.

use cucumber::gherkin::{Step, StepType};

/// Every phrasing of the step library, with an example. Names in quotes are the diagram's
/// (or ids); "the process" is the instance the scenario started last. Actions work under Given
/// and When (and And/But after them), checks under Then. Synonyms the steps also accept: `was`
/// or `has been` for `is` (`"Fetch item" has been completed`), `failed` for `fails`, `arrived`
/// for `arrives`, `passed`/`has passed` for `pass`, `the models "..."`, `the clock is set to`.
pub const PHRASES: &[&str] = &[
    "Given the model \"processes/order.bpmn\"",
    "Given the clock is at 2026-03-01T09:00:00Z",
    "When \"Dash button order\" is started",
    "When \"Dash button order\" is started with:",
    "When \"Charge credit card\" is completed",
    "When \"Charge credit card\" is completed with:",
    "When \"Charge credit card\" fails with error \"CARD_DECLINED\"",
    "When \"Charge credit card\" fails with \"gateway timeout\"",
    "When the message \"card-updated\" arrives",
    "When the message \"card-updated\" arrives with key \"A-3\"",
    "When the message \"card-updated\" arrives with:",
    "When the message \"card-updated\" arrives with key \"A-3\" with:",
    "When the signal \"stock-replenished\" is broadcast",
    "When 7 days pass",
    "When 2 hours pass",
    "When 90 minutes pass",
    "When P1DT12H passes",
    "When the clock reaches 2026-03-08T09:00:00Z",
    "Then the process is waiting at \"New card?\"",
    "Then the process has passed \"Card declined\"",
    "Then the process has not passed \"Fetch item\"",
    "Then the process has ended at \"Order shipped\"",
    "Then the variable \"trackingId\" is \"track-1\"",
    "Then there is an incident at \"Check stock\"",
    "Then the path is:",
];

/// What a step that matches no phrasing fails with: its text, and the closest phrasings, with
/// the step's own quoted names put in where they fit.
pub fn unmatched(step: &Step) -> String {
    let keyword = match step.ty {
        StepType::Given => "Given",
        StepType::When => "When",
        StepType::Then => "Then",
    };
    let quoted = quotes(&step.value);
    let shape = shape(&step.value);
    let mut scored: Vec<(f64, String)> = PHRASES
        .iter()
        .map(|phrase| {
            let (kind, text) = phrase.split_once(' ').unwrap_or(("", phrase));
            let mut score = strsim::normalized_levenshtein(&shape, &self::shape(text));
            if kind == keyword {
                score += 0.05;
            }
            (score, fill(phrase, &quoted))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut closest: Vec<String> = Vec::new();
    for (_, phrase) in scored {
        if !closest.contains(&phrase) {
            closest.push(phrase);
        }
        if closest.len() == 3 {
            break;
        }
    }
    format!(
        "no step matches `{}{}`; the closest phrasings:\n{}\nevery phrasing is listed in the testkit's gherkin module \
         (baton_testkit::gherkin::PHRASES)",
        step.keyword,
        step.value,
        closest.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    )
}

/// The texts in double quotes, in order.
fn quotes(text: &str) -> Vec<&str> {
    text.split('"').skip(1).step_by(2).collect()
}

/// The text with every quoted name emptied and numbers and instants replaced, lowercase: what
/// the phrasings are compared by.
fn shape(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('"').enumerate() {
        if i % 2 == 1 {
            out.push_str("\"\"");
        } else {
            out.push_str(&part.to_lowercase());
        }
    }
    out
}

/// A phrasing with its quoted examples replaced by the step's quoted names, when it has as many.
fn fill(phrase: &str, quoted: &[&str]) -> String {
    let slots = quotes(phrase).len();
    if slots == 0 || slots != quoted.len() {
        return phrase.to_owned();
    }
    let mut out = String::new();
    let mut names = quoted.iter();
    for (i, part) in phrase.split('"').enumerate() {
        if i % 2 == 1 {
            out.push('"');
            out.push_str(names.next().copied().unwrap_or(part));
            out.push('"');
        } else {
            out.push_str(part);
        }
    }
    out
}
