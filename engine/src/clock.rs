//! Virtual time: timer definitions as the engine understands them.
//!
//! Timers are written in ISO 8601 (`P7D`, `PT5M`, `2026-12-01T09:00:00Z`, `R3/PT10M`), as cron
//! expressions (Camunda's `timeCycle` also takes those: Quartz's in Camunda 7, Spring's in
//! Camunda 8, evaluated by the `croner` crate on the engine's [`Calendar`]), or as expressions
//! computed at run time (`=reminderDelay`, `${dueDate}`). [`TimerSpec::parse`] turns the text of a `timeDuration`,
//! `timeDate` or `timeCycle` into a checked value, so a typo is caught when the model is
//! validated, not seven virtual days into a test.
//!
//! ```
//! use baton_engine::clock::TimerSpec;
//! use baton_engine::model::TimerKind;
//!
//! let spec = TimerSpec::parse(TimerKind::Cycle, "R3/PT10M").unwrap();
//! assert!(matches!(spec, TimerSpec::Cycle { repetitions: Some(3), .. }));
//! assert!(TimerSpec::parse(TimerKind::Duration, "7 days").is_err());
//! ```

use jiff::{Span, Timestamp};

use crate::model::TimerKind;

/// A timer definition, parsed.
#[derive(Debug, Clone)]
pub enum TimerSpec {
    /// Fires once, this long after it is armed.
    Duration(Span),
    /// Fires once, at this instant.
    Date(Timestamp),
    /// Fires every `interval`, `repetitions` times (forever when `None`), from `start` or from
    /// when it is armed.
    Cycle {
        /// `Rn`: how many times; `R` alone repeats forever.
        repetitions: Option<u32>,
        /// An explicit start instant, if given.
        start: Option<Timestamp>,
        /// Time between firings.
        interval: Span,
    },
    /// A cron expression (seconds, minutes, hours, day of month, month, day of week[, year]),
    /// read as the model's engine reads it ([`CronFlavor`]).
    Cron(String),
    /// A date-time without an offset (`2026-12-01T09:00:00`): Camunda 7 reads it in the
    /// engine's time zone ([`Calendar::zone`]); Camunda 8 needs an offset.
    LocalDate(jiff::civil::DateTime),
    /// An expression evaluated when the timer is armed: its value is checked then.
    Expression(String),
}

/// Why a timer text is not a timer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TimerError {
    /// What is wrong, and the form expected.
    pub message: String,
}

fn fail<T>(message: impl Into<String>) -> Result<T, TimerError> {
    Err(TimerError { message: message.into() })
}

impl TimerSpec {
    /// Parses the text of a `timeDuration`, `timeDate` or `timeCycle` element.
    pub fn parse(kind: TimerKind, text: &str) -> Result<TimerSpec, TimerError> {
        let text = text.trim();
        if text.is_empty() {
            return fail("the timer is empty; write an ISO 8601 value such as P7D, PT5M or R3/PT10M");
        }
        if text.len() > 1
            && (text.starts_with('"') && text.ends_with('"') || text.starts_with('\'') && text.ends_with('\''))
        {
            return fail(format!(
                "`{text}` is a quoted string (a script-language expression, as SpiffWorkflow writes); \
                 write the ISO 8601 value without quotes, or a FEEL expression starting with `=`"
            ));
        }
        // `${...}` anywhere: Camunda 7 reads a timer as JUEL text (`PT${minutes}M`).
        if text.starts_with('=') || text.contains("${") || text.contains("#{") {
            return Ok(TimerSpec::Expression(text.to_owned()));
        }
        match kind {
            TimerKind::Duration => duration(text).map(TimerSpec::Duration),
            TimerKind::Date => date(text).map(TimerSpec::Date).or_else(|err| {
                // Without an offset: a wall-clock time, for the engine's time zone.
                text.parse::<jiff::civil::DateTime>().map(TimerSpec::LocalDate).map_err(|_| err)
            }),
            TimerKind::Cycle => cycle(text),
        }
    }
}

/// When a timer armed at `now` first fires, and for a cycle the repetitions left after that
/// firing (`None`: forever) and the interval.
pub type Schedule = (Timestamp, Option<(Option<u32>, Span)>);

/// Which cron syntax a model's engine reads: both take six fields from seconds to day of week,
/// with `?`, `L`, `W` and `#`, but they number weekdays differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CronFlavor {
    /// Quartz, as Camunda 7 reads it: `1` is Sunday, an optional seventh field is the year
    /// (docs.camunda.org: reference/bpmn20/events/timer-events/ "Time Cycle").
    Quartz,
    /// Spring's `CronExpression`, as Zeebe reads it: `0` and `7` are Sunday, `1` Monday, no year
    /// field (docs.camunda.io: components/modeler/bpmn/timer-events/ "Time cycle").
    Spring,
}

/// A cron cycle, parsed: fires at every instant its pattern matches, forever.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CronCycle {
    /// The pattern as written.
    pub text: String,
    /// How it is read.
    pub flavor: CronFlavor,
}

impl CronCycle {
    fn parsed(&self) -> Result<croner::Cron, TimerError> {
        use croner::parser::{CronParser, Seconds, Year};
        let parser = CronParser::builder()
            .seconds(Seconds::Required)
            .year(if self.flavor == CronFlavor::Quartz { Year::Optional } else { Year::Disallowed })
            // Quartz numbers weekdays from Sunday = 1; Spring as POSIX, Sunday = 0 or 7.
            .alternative_weekdays(self.flavor == CronFlavor::Quartz)
            // Both require a day to match the day of month and the day of week (one is `?`
            // in Quartz), and both read `0/15` as "every 15 from 0".
            .dom_and_dow(true)
            .sloppy_ranges(true)
            .build();
        parser.parse(&self.text).map_err(|err| TimerError {
            message: format!(
                "`{}` is not a {} cron expression ({err}); write six fields, seconds first: `0 0 9 * * ?` \
                 (every day at 9:00){}",
                self.text,
                if self.flavor == CronFlavor::Quartz { "Quartz (Camunda 7)" } else { "Spring (Camunda 8)" },
                if self.flavor == CronFlavor::Quartz {
                    ", `0 0 9 ? * MON-FRI` (weekdays)"
                } else {
                    ", `0 0 9 * * MON-FRI` (weekdays)"
                },
            ),
        })
    }

    /// The first instant after `after` that the pattern matches, on the wall clock of `zone`.
    pub fn next_after(&self, after: Timestamp, zone: &jiff::tz::TimeZone) -> Result<Timestamp, String> {
        let cron = self.parsed().map_err(|e| e.message)?;
        cron.find_next_occurrence(&after.to_zoned(zone.clone()), false)
            .map(|z| z.timestamp())
            .map_err(|err| format!("`{}` matches no time after {after}: {err}", self.text))
    }
}

/// How the engine reads the wall-clock parts of timers: its time zone and the model's cron
/// syntax, and whether a date-time without an offset is allowed.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// The engine's time zone (UTC unless a test sets another).
    pub zone: jiff::tz::TimeZone,
    /// The cron syntax of the model's engine.
    pub cron: CronFlavor,
    /// Whether `timeDate` may leave out the offset (Camunda 7: yes, in the engine's time zone;
    /// Camunda 8: no, "it must contain timezone information").
    pub local_dates: bool,
}

impl Calendar {
    /// UTC, Spring cron syntax, offsets required.
    pub fn utc() -> Calendar {
        Calendar { zone: jiff::tz::TimeZone::UTC, cron: CronFlavor::Spring, local_dates: false }
    }
}

impl TimerSpec {
    /// The first firing of this timer, armed at `now`, read with `calendar`; a cron cycle
    /// comes back too, for its next firings.
    pub fn schedule_in(&self, now: Timestamp, calendar: &Calendar) -> Result<(Schedule, Option<CronCycle>), String> {
        match self {
            TimerSpec::Cron(text) => {
                let cron = CronCycle { text: text.clone(), flavor: calendar.cron };
                let due = cron.next_after(now, &calendar.zone)?;
                Ok(((due, None), Some(cron)))
            }
            TimerSpec::LocalDate(civil) if calendar.local_dates => {
                let at = civil
                    .to_zoned(calendar.zone.clone())
                    .map_err(|err| format!("`{civil}` is no time in the engine's time zone: {err}"))?;
                Ok(((at.timestamp().max(now), None), None))
            }
            TimerSpec::LocalDate(civil) => Err(format!(
                "`{civil}` has no offset, and Camunda 8 needs one (\"it must contain timezone information\"); \
                 write it like {civil}Z or {civil}+01:00"
            )),
            other => other.schedule(now).map(|schedule| (schedule, None)),
        }
    }

    /// The first firing of this timer, armed at `now`, in UTC. Cron cycles, dates without an
    /// offset and unevaluated expressions have no schedule here: the error says which.
    pub fn schedule(&self, now: Timestamp) -> Result<Schedule, String> {
        match self {
            TimerSpec::Duration(span) => Ok((after(now, *span)?, None)),
            TimerSpec::Date(at) => Ok(((*at).max(now), None)),
            TimerSpec::Cycle { repetitions, start, interval } => {
                let first = match start {
                    Some(start) => (*start).max(now),
                    None => after(now, *interval)?,
                };
                Ok((first, Some((repetitions.map(|r| r.saturating_sub(1)), *interval))))
            }
            TimerSpec::Cron(text) => Err(format!("cron cycle `{text}` needs the engine's calendar")),
            TimerSpec::LocalDate(civil) => Err(format!("`{civil}` has no offset; write it like {civil}Z")),
            TimerSpec::Expression(text) => Err(format!("`{text}` must be evaluated before it can be scheduled")),
        }
    }
}

/// The instant `span` after `now`, with calendar units (days, months) counted in UTC.
pub fn after(now: Timestamp, span: Span) -> Result<Timestamp, String> {
    now.to_zoned(jiff::tz::TimeZone::UTC)
        .checked_add(span)
        .map(|z| z.timestamp())
        .map_err(|err| format!("cannot add {span} to {now}: {err}"))
}

/// Camunda 7's `failedJobRetryTimeCycle`: the attempts a job gets and the waits before its
/// retries. `R5/PT1M` is five attempts a minute apart; a list `PT1M,PT5M,PT10M` is one attempt
/// and one retry after each interval in turn, the last interval repeating if retries are added
/// (docs.camunda.org: user-guide/process-engine/the-job-executor/ "Retry Intervals"; the
/// engine's `ParseUtil.parseRetryIntervals`: retries = intervals + 1). `None` for text that is
/// neither.
pub fn retry_cycle(text: &str) -> Option<(u32, Vec<Span>)> {
    let items: Vec<&str> = text.split(',').map(str::trim).collect();
    if let [single] = items.as_slice() {
        return match TimerSpec::parse(TimerKind::Cycle, single) {
            Ok(TimerSpec::Cycle { repetitions: Some(count), interval, .. }) => Some((count, vec![interval])),
            _ => None,
        };
    }
    let intervals = items.iter().map(|item| duration(item).ok()).collect::<Option<Vec<Span>>>()?;
    Some((u32::try_from(intervals.len()).ok()?.checked_add(1)?, intervals))
}

/// An ISO 8601 duration such as `P7D`, `PT1H30M` or `P1Y2M`.
pub fn duration(text: &str) -> Result<Span, TimerError> {
    let upper = text.to_ascii_uppercase();
    if !(upper.starts_with('P') || upper.starts_with("-P") || upper.starts_with("+P")) {
        return fail(format!(
            "`{text}` is not an ISO 8601 duration; write it like P7D (7 days), PT5M (5 minutes) or P1DT12H"
        ));
    }
    let span: Span = jiff::fmt::temporal::SpanParser::new().parse_span(text).or_else(|err| {
        fail(format!("`{text}` is not an ISO 8601 duration ({err}); write it like P7D, PT5M or P1DT12H"))
    })?;
    if span.is_negative() {
        return fail(format!("`{text}` is negative; a timer cannot fire in the past"));
    }
    Ok(span)
}

/// An ISO 8601 instant with an offset, such as `2026-12-01T09:00:00Z`.
pub fn date(text: &str) -> Result<Timestamp, TimerError> {
    text.parse::<Timestamp>().or_else(|err| {
        fail(format!(
            "`{text}` is not an ISO 8601 date-time ({err}); write it like 2026-12-01T09:00:00Z or \
             2026-12-01T10:00:00+01:00 (Camunda 7 also reads 2026-12-01T09:00:00, in the engine's time zone)"
        ))
    })
}

fn cycle(text: &str) -> Result<TimerSpec, TimerError> {
    let Some(rest) = text.strip_prefix('R').or_else(|| text.strip_prefix('r')) else {
        return cron(text);
    };
    let mut parts = rest.split('/');
    let count = parts.next().unwrap_or_default();
    let repetitions = if count.is_empty() {
        None
    } else {
        match count.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                return fail(format!(
                    "`{text}`: `R{count}` is not a repetition count; write R3/PT10M, or R/P1D to repeat forever"
                ));
            }
        }
    };
    let pieces: Vec<&str> = parts.collect();
    let (start, interval) = match pieces.as_slice() {
        [interval] => (None, duration(interval)?),
        [first, second] if first.to_ascii_uppercase().starts_with('P') => {
            (None, duration(first).and_then(|d| date(second).map(|_| d))?)
        }
        [start, interval] => (Some(date(start)?), duration(interval)?),
        _ => {
            return fail(format!(
                "`{text}` is not an ISO 8601 repeating interval; write R3/PT10M or R/2026-12-01T09:00:00Z/P1D"
            ));
        }
    };
    if interval.is_zero() {
        return fail(format!("`{text}` repeats every zero seconds; give it a positive interval"));
    }
    Ok(TimerSpec::Cycle { repetitions, start, interval })
}

fn cron(text: &str) -> Result<TimerSpec, TimerError> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '*' | '?' | ',' | '-' | '/' | '#' | 'L' | 'W');
    if (6..=7).contains(&fields.len()) && fields.iter().all(|f| f.chars().all(allowed)) {
        // Checked now in the syntax of either engine; the model's own is applied when armed.
        let quartz = CronCycle { text: text.to_owned(), flavor: CronFlavor::Quartz }.parsed();
        let spring = CronCycle { text: text.to_owned(), flavor: CronFlavor::Spring }.parsed();
        return match (quartz, spring) {
            (Err(err), Err(_)) => Err(err),
            _ => Ok(TimerSpec::Cron(text.to_owned())),
        };
    }
    fail(format!(
        "`{text}` is not a timer cycle; write an ISO 8601 repeating interval (R3/PT10M, R/P1D) or a cron \
         expression with 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year])"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_dates_and_cycles() {
        assert!(
            matches!(TimerSpec::parse(TimerKind::Duration, " P7D "), Ok(TimerSpec::Duration(span)) if span.get_days() == 7)
        );
        assert!(matches!(TimerSpec::parse(TimerKind::Date, "2026-12-01T09:00:00Z"), Ok(TimerSpec::Date(_))));
        assert!(matches!(
            TimerSpec::parse(TimerKind::Cycle, "R/2026-12-01T09:00:00Z/P1D"),
            Ok(TimerSpec::Cycle { repetitions: None, start: Some(_), .. })
        ));
        assert!(matches!(TimerSpec::parse(TimerKind::Cycle, "0 0 9 * * MON-FRI"), Ok(TimerSpec::Cron(_))));
        assert!(matches!(TimerSpec::parse(TimerKind::Duration, "=delay"), Ok(TimerSpec::Expression(_))));
    }

    #[test]
    fn bad_timers_say_what_to_write() {
        for (kind, text) in [
            (TimerKind::Duration, "7 days"),
            (TimerKind::Duration, "P7X"),
            (TimerKind::Duration, "-P1D"),
            (TimerKind::Date, "2026-12-01 at nine"),
            (TimerKind::Cycle, "0 0 25 * * ?"),
            (TimerKind::Cycle, "R3/PT0S"),
            (TimerKind::Cycle, "Rx/PT1M"),
            (TimerKind::Cycle, "every day"),
            (TimerKind::Duration, ""),
        ] {
            let err = TimerSpec::parse(kind, text).unwrap_err();
            assert!(
                err.message.contains("write") || err.message.contains("give") || err.message.contains("cannot"),
                "{err}"
            );
        }
    }
}
