//! Expressions as the engines evaluate them: FEEL as Camunda 8 writes it (`=amount > 100`, in
//! [`feel`]) and Camunda 7's JUEL (`${amount > 100 && customer.vip}`, in [`juel`]).
//!
//! This module holds what both share: the marker that says which language a text is in, the
//! errors, where variables come from, and the [`ExpressionLanguage`] the engine is given.
//!
//! ```
//! use baton_engine::expr::{Dialect, Expression};
//!
//! let e = Expression::parse("=amount > 100 and customer.vip").unwrap();
//! assert_eq!(e.dialect, Dialect::Feel);
//! let e = Expression::parse("${amount > 100 && customer.vip}").unwrap();
//! assert_eq!(e.dialect, Dialect::Juel);
//! let err = Expression::parse("=amount >").unwrap_err();
//! assert_eq!(err.column, 10);
//! ```

use std::fmt;

use serde_json::Value;

pub mod feel;
pub mod juel;

pub use feel::{Ast, BinaryOp, UnaryOp};
/// Which expression language a text is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// FEEL, marked by a leading `=` (Camunda 8).
    Feel,
    /// JUEL, wrapped in `${...}` or `#{...}` (Camunda 7).
    Juel,
    /// No marker: read with the same grammar (bpmn.io and other tools' plain conditions).
    Bare,
}

/// A parsed expression: its dialect and syntax tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    /// The language it was written in.
    pub dialect: Dialect,
    /// The syntax tree.
    pub ast: Ast,
}

/// Why a text is not an expression, and where (1-based column within the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// 1-based column, in characters, of the text as written (markers included).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for ExprError {}

/// Where an expression finds its variables.
pub trait Variables {
    /// The value of a variable, if it is set.
    fn get(&self, name: &str) -> Option<&Value>;
}

impl Variables for std::collections::BTreeMap<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        std::collections::BTreeMap::get(self, name)
    }
}

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    /// What went wrong, naming the operation and the values it saw.
    pub message: String,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

fn eval_error<T>(message: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError { message: message.into() })
}

/// An expression language the engine evaluates conditions, mappings, timers and keys with.
///
/// The built-in [`BuiltIn`] evaluates FEEL-ish `=...` and plain conditions with [`feel`] and
/// `${...}` with [`juel`]; a full FEEL implementation can be plugged in with
/// `Engine::with_expressions`. Camunda 7 models are always evaluated with [`juel`], as Camunda 7
/// does, whatever language is plugged in.
pub trait ExpressionLanguage: Send + Sync {
    /// Evaluates an expression as written in the model (with its `=` or `${...}` marker).
    fn evaluate(&self, expression: &str, variables: &dyn Variables) -> Result<Value, EvalError>;
}

/// The built-in language: `${...}`/`#{...}` is JUEL ([`juel::evaluate`]), anything else
/// [`Expression::parse`] then [`Expression::evaluate`].
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltIn;

impl ExpressionLanguage for BuiltIn {
    fn evaluate(&self, expression: &str, variables: &dyn Variables) -> Result<Value, EvalError> {
        if is_juel(expression) {
            return juel::evaluate(expression, variables);
        }
        let parsed = Expression::parse(expression)
            .map_err(|err| EvalError { message: format!("`{}` does not parse: {err}", expression.trim()) })?;
        parsed.evaluate(variables)
    }
}

/// Whether a mapping source or similar value is an expression (`=...`, `${...}`, `#{...}`)
/// rather than a literal string.
pub fn is_expression(source: &str) -> bool {
    let trimmed = source.trim();
    trimmed.starts_with('=') || is_juel(trimmed)
}

/// Whether a text is one JUEL expression, `${...}` or `#{...}`.
pub fn is_juel(source: &str) -> bool {
    let trimmed = source.trim();
    (trimmed.starts_with("${") || trimmed.starts_with("#{")) && trimmed.ends_with('}')
}

/// Evaluates a mapping source or other value as the dialects write them: `=...` is FEEL,
/// `${...}`/`#{...}` is JUEL, anything else is a literal string.
pub fn value_of(source: &str, variables: &dyn Variables) -> Result<Value, EvalError> {
    if !is_expression(source) {
        return Ok(Value::String(source.to_owned()));
    }
    BuiltIn.evaluate(source.trim(), variables)
}
