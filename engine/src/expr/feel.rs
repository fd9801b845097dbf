//! The FEEL-ish subset (`=...`, and plain-BPMN conditions without a marker), one grammar for
//! the common subset a process model uses: literals (numbers, strings in either quote, `true`,
//! `false`, `null`), variable paths (`order.items[0].price`), comparisons (`=`, `==`, `!=`, `<`,
//! `<=`, `>`, `>=`, and JUEL's `eq ne lt gt le ge`), `and`/`&&`, `or`/`||`, `not`/`!`, arithmetic
//! (`+ - * / %` and `**`), lists `[1, 2]`, contexts `{a: 1}`, function and method calls, `x in [..]`,
//! `x between a and b`, `if c then a else b` and `c ? a : b`.
//!
//! [`Expression::parse`] still reads `${...}` with this grammar (the validator checks syntax with
//! it); the engine evaluates `${...}` with [`super::juel`]. A full FEEL rewrite replaces this file.

use std::fmt;

use serde_json::Value;

use super::{Dialect, EvalError, ExprError, Expression, Variables, eval_error};

/// The syntax tree of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string literal.
    String(String),
    /// A variable, by name.
    Variable(String),
    /// `base.field`.
    Field(Box<Ast>, String),
    /// `base[index]`.
    Index(Box<Ast>, Box<Ast>),
    /// `[a, b]`.
    List(Vec<Ast>),
    /// `{key: value}`.
    Context(Vec<(String, Ast)>),
    /// A prefix operator.
    Unary(UnaryOp, Box<Ast>),
    /// An infix operator.
    Binary(BinaryOp, Box<Ast>, Box<Ast>),
    /// `function(args)` or `base.method(args)`.
    Call(Box<Ast>, Vec<Ast>),
    /// `if c then a else b`, `c ? a : b`.
    If(Box<Ast>, Box<Ast>, Box<Ast>),
    /// `x between low and high`.
    Between(Box<Ast>, Box<Ast>, Box<Ast>),
    /// `x in list`.
    In(Box<Ast>, Box<Ast>),
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`.
    Neg,
    /// `not x`, `!x`.
    Not,
    /// JUEL `empty x`.
    Empty,
}

/// Infix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%`.
    Rem,
    /// `**`.
    Pow,
    /// `=`, `==`, `eq`.
    Eq,
    /// `!=`, `ne`.
    Ne,
    /// `<`, `lt`.
    Lt,
    /// `<=`, `le`.
    Le,
    /// `>`, `gt`.
    Gt,
    /// `>=`, `ge`.
    Ge,
    /// `and`, `&&`.
    And,
    /// `or`, `||`.
    Or,
}

impl Expression {
    /// Parses an expression, recognising its dialect by its marker.
    ///
    /// A text with `${...}` in it (and no leading `=`) is JUEL: its syntax is checked by
    /// [`super::juel::Juel::parse`], so errors are JUEL's; the tree is this grammar's reading of a
    /// single `${...}` when it has one, else the text as a string (composite text like
    /// `PT${minutes}M`, or JUEL this grammar does not read). Evaluate JUEL with [`super::juel`].
    pub fn parse(text: &str) -> Result<Expression, ExprError> {
        let trimmed = text.trim();
        if !trimmed.starts_with('=') && (trimmed.contains("${") || trimmed.contains("#{")) {
            super::juel::Juel::parse(text)?;
            let shared = if super::is_juel(trimmed) { Self::parse_shared(text).ok() } else { None };
            let ast = shared.map_or_else(|| Ast::String(trimmed.to_owned()), |e| e.ast);
            return Ok(Expression { dialect: Dialect::Juel, ast });
        }
        Self::parse_shared(text)
    }

    fn parse_shared(text: &str) -> Result<Expression, ExprError> {
        let leading = text.len() - text.trim_start().len();
        let trimmed = text.trim();
        let (dialect, body, offset) = if let Some(body) = trimmed.strip_prefix('=') {
            (Dialect::Feel, body, leading + 1)
        } else if let Some(inner) = trimmed.strip_prefix("${").or_else(|| trimmed.strip_prefix("#{")) {
            let Some(body) = inner.strip_suffix('}') else {
                return Err(ExprError {
                    column: text.chars().count() + 1,
                    message: "`${` is not closed by `}`".into(),
                });
            };
            (Dialect::Juel, body, leading + 2)
        } else {
            (Dialect::Bare, trimmed, leading)
        };
        let tokens = lex(body).map_err(|e| e.shift(text, offset))?;
        let mut parser = Parser { tokens, at: 0, len: body.len() };
        let ast = parser.expression().map_err(|e| e.shift(text, offset))?;
        if let Some(token) = parser.peek() {
            let token = token.clone();
            return Err(
                RawError { offset: token.offset, message: format!("unexpected {}", token.kind) }.shift(text, offset)
            );
        }
        Ok(Expression { dialect, ast })
    }
}

/// An error at a byte offset of the expression body.
struct RawError {
    offset: usize,
    message: String,
}

impl RawError {
    fn shift(self, text: &str, base: usize) -> ExprError {
        let byte = (base + self.offset).min(text.len());
        let column = text.get(..byte).map_or(byte, |prefix| prefix.chars().count()) + 1;
        ExprError { column, message: self.message }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Number(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Number(n) => write!(f, "number `{n}`"),
            Kind::Str(s) => write!(f, "string \"{s}\""),
            Kind::Ident(i) => write!(f, "`{i}`"),
            Kind::Op(o) => write!(f, "`{o}`"),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    offset: usize,
}

const OPERATORS: [&str; 25] = [
    "**", "==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "=", "<", ">", "!", "(", ")", "[", "]", "{",
    "}", ",", ".", ":",
];

fn lex(text: &str) -> Result<Vec<Token>, RawError> {
    let mut tokens = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let literal = &text[start..i];
            let value = literal
                .parse::<f64>()
                .map_err(|_| RawError { offset: start, message: format!("`{literal}` is not a number") })?;
            tokens.push(Token { kind: Kind::Number(value), offset: start });
        } else if c == b'"' || c == b'\'' {
            let start = i;
            let mut value = String::new();
            i += 1;
            loop {
                let Some(ch) = text[i..].chars().next() else {
                    return Err(RawError { offset: start, message: "this string is not closed".into() });
                };
                i += ch.len_utf8();
                match ch {
                    '\\' => {
                        let Some(escaped) = text[i..].chars().next() else { continue };
                        i += escaped.len_utf8();
                        value.push(match escaped {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                    }
                    ch if ch as u32 == u32::from(c) => break,
                    ch => value.push(ch),
                }
            }
            tokens.push(Token { kind: Kind::Str(value), offset: start });
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80 {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'$') || bytes[i] >= 0x80)
            {
                i += 1;
            }
            tokens.push(Token { kind: Kind::Ident(text[start..i].to_owned()), offset: start });
        } else if c == b'?' {
            tokens.push(Token { kind: Kind::Op("?"), offset: i });
            i += 1;
        } else {
            let Some(op) = OPERATORS.iter().find(|op| text[i..].starts_with(**op)) else {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err(RawError { offset: i, message: format!("`{ch}` has no meaning in an expression") });
            };
            tokens.push(Token { kind: Kind::Op(op), offset: i });
            i += op.len();
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    len: usize,
}

type Parsed = Result<Ast, RawError>;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: Kind::Op(o), .. }) if *o == op)
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: Kind::Ident(w), .. }) if w == word)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let found = self.is_op(op);
        self.at += usize::from(found);
        found
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let found = self.is_word(word);
        self.at += usize::from(found);
        found
    }

    fn error<T>(&self, expected: &str) -> Result<T, RawError> {
        match self.peek() {
            Some(token) => {
                Err(RawError { offset: token.offset, message: format!("expected {expected}, found {}", token.kind) })
            }
            None => Err(RawError {
                offset: self.len,
                message: format!("expected {expected}, but the expression ends here"),
            }),
        }
    }

    fn expect_op(&mut self, op: &str) -> Result<(), RawError> {
        if self.eat_op(op) { Ok(()) } else { self.error(&format!("`{op}`")) }
    }

    fn expression(&mut self) -> Parsed {
        if self.eat_word("if") {
            let condition = self.expression()?;
            if !self.eat_word("then") {
                return self.error("`then`");
            }
            let then = self.expression()?;
            if !self.eat_word("else") {
                return self.error("`else`");
            }
            let otherwise = self.expression()?;
            return Ok(Ast::If(Box::new(condition), Box::new(then), Box::new(otherwise)));
        }
        let condition = self.or()?;
        if self.eat_op("?") {
            let then = self.expression()?;
            self.expect_op(":")?;
            let otherwise = self.expression()?;
            return Ok(Ast::If(Box::new(condition), Box::new(then), Box::new(otherwise)));
        }
        Ok(condition)
    }

    fn or(&mut self) -> Parsed {
        let mut left = self.and()?;
        while self.eat_word("or") || self.eat_op("||") {
            left = Ast::Binary(BinaryOp::Or, Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Parsed {
        let mut left = self.comparison()?;
        while self.eat_word("and") || self.eat_op("&&") {
            left = Ast::Binary(BinaryOp::And, Box::new(left), Box::new(self.comparison()?));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Parsed {
        let left = self.additive()?;
        if self.eat_word("between") {
            let low = self.additive()?;
            if !self.eat_word("and") {
                return self.error("`and` after `between ...`");
            }
            let high = self.additive()?;
            return Ok(Ast::Between(Box::new(left), Box::new(low), Box::new(high)));
        }
        if self.eat_word("in") {
            return Ok(Ast::In(Box::new(left), Box::new(self.additive()?)));
        }
        let op = match &self.peek().map(|t| &t.kind) {
            Some(Kind::Op("=" | "==")) => BinaryOp::Eq,
            Some(Kind::Op("!=")) => BinaryOp::Ne,
            Some(Kind::Op("<")) => BinaryOp::Lt,
            Some(Kind::Op("<=")) => BinaryOp::Le,
            Some(Kind::Op(">")) => BinaryOp::Gt,
            Some(Kind::Op(">=")) => BinaryOp::Ge,
            Some(Kind::Ident(w)) => match w.as_str() {
                "eq" => BinaryOp::Eq,
                "ne" => BinaryOp::Ne,
                "lt" => BinaryOp::Lt,
                "le" => BinaryOp::Le,
                "gt" => BinaryOp::Gt,
                "ge" => BinaryOp::Ge,
                _ => return Ok(left),
            },
            _ => return Ok(left),
        };
        self.at += 1;
        Ok(Ast::Binary(op, Box::new(left), Box::new(self.additive()?)))
    }

    fn additive(&mut self) -> Parsed {
        let mut left = self.multiplicative()?;
        loop {
            let op = if self.eat_op("+") {
                BinaryOp::Add
            } else if self.eat_op("-") {
                BinaryOp::Sub
            } else {
                return Ok(left);
            };
            left = Ast::Binary(op, Box::new(left), Box::new(self.multiplicative()?));
        }
    }

    fn multiplicative(&mut self) -> Parsed {
        let mut left = self.power()?;
        loop {
            let op = if self.eat_op("*") {
                BinaryOp::Mul
            } else if self.eat_op("/") || self.eat_word("div") {
                BinaryOp::Div
            } else if self.eat_op("%") || self.eat_word("mod") {
                BinaryOp::Rem
            } else {
                return Ok(left);
            };
            left = Ast::Binary(op, Box::new(left), Box::new(self.power()?));
        }
    }

    fn power(&mut self) -> Parsed {
        let base = self.unary()?;
        if self.eat_op("**") {
            return Ok(Ast::Binary(BinaryOp::Pow, Box::new(base), Box::new(self.power()?)));
        }
        Ok(base)
    }

    fn unary(&mut self) -> Parsed {
        if self.eat_op("-") {
            return Ok(Ast::Unary(UnaryOp::Neg, Box::new(self.unary()?)));
        }
        if self.eat_op("!") {
            return Ok(Ast::Unary(UnaryOp::Not, Box::new(self.unary()?)));
        }
        // FEEL writes `not(x)`, JUEL `not x`: both read as negation.
        if self.eat_word("not") {
            return Ok(Ast::Unary(UnaryOp::Not, Box::new(self.unary()?)));
        }
        if self.eat_word("empty") {
            return Ok(Ast::Unary(UnaryOp::Empty, Box::new(self.unary()?)));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Parsed {
        let mut value = self.primary()?;
        loop {
            if self.eat_op(".") {
                match self.peek().map(|t| t.kind.clone()) {
                    Some(Kind::Ident(field)) => {
                        self.at += 1;
                        value = Ast::Field(Box::new(value), field);
                    }
                    _ => return self.error("a field name after `.`"),
                }
            } else if self.eat_op("[") {
                let index = self.expression()?;
                self.expect_op("]")?;
                value = Ast::Index(Box::new(value), Box::new(index));
            } else if self.eat_op("(") {
                let args = self.list_items(")")?;
                value = Ast::Call(Box::new(value), args);
            } else {
                return Ok(value);
            }
        }
    }

    fn list_items(&mut self, close: &str) -> Result<Vec<Ast>, RawError> {
        let mut items = Vec::new();
        if self.eat_op(close) {
            return Ok(items);
        }
        loop {
            items.push(self.expression()?);
            if self.eat_op(close) {
                return Ok(items);
            }
            if !self.eat_op(",") {
                return self.error(&format!("`,` or `{close}`"));
            }
        }
    }

    fn primary(&mut self) -> Parsed {
        let Some(token) = self.peek().cloned() else {
            return self.error("a value");
        };
        self.at += 1;
        match token.kind {
            Kind::Number(n) => Ok(Ast::Number(n)),
            Kind::Str(s) => Ok(Ast::String(s)),
            Kind::Ident(word) => Ok(match word.as_str() {
                "true" => Ast::Bool(true),
                "false" => Ast::Bool(false),
                "null" => Ast::Null,
                _ => Ast::Variable(word),
            }),
            Kind::Op("(") => {
                let inner = self.expression()?;
                self.expect_op(")")?;
                Ok(inner)
            }
            Kind::Op("[") => Ok(Ast::List(self.list_items("]")?)),
            Kind::Op("{") => {
                let mut entries = Vec::new();
                if self.eat_op("}") {
                    return Ok(Ast::Context(entries));
                }
                loop {
                    let key = match self.peek().map(|t| t.kind.clone()) {
                        Some(Kind::Ident(key) | Kind::Str(key)) => key,
                        _ => return self.error("a key"),
                    };
                    self.at += 1;
                    self.expect_op(":")?;
                    entries.push((key, self.expression()?));
                    if self.eat_op("}") {
                        return Ok(Ast::Context(entries));
                    }
                    self.expect_op(",")?;
                }
            }
            _ => {
                self.at -= 1;
                self.error("a value")
            }
        }
    }
}

impl Expression {
    /// Evaluates the expression over `variables`.
    ///
    /// Semantics follow FEEL: a missing variable or field is `null`, and `null` flows through
    /// arithmetic and comparisons (`null > 1` is `null`); `and`/`or` are three-valued. Lists are
    /// indexed from 1 in FEEL (negative from the end) and from 0 in JUEL.
    ///
    /// ```
    /// use baton_engine::expr::Expression;
    /// use serde_json::json;
    ///
    /// let vars: std::collections::BTreeMap<String, serde_json::Value> =
    ///     [("amount".to_string(), json!(120)), ("customer".to_string(), json!({"vip": true}))].into();
    /// let e = Expression::parse("=amount > 100 and customer.vip").unwrap();
    /// assert_eq!(e.evaluate(&vars).unwrap(), json!(true));
    /// let e = Expression::parse("${amount * 2}").unwrap();
    /// assert_eq!(e.evaluate(&vars).unwrap(), json!(240));
    /// ```
    pub fn evaluate(&self, variables: &dyn Variables) -> Result<Value, EvalError> {
        Evaluator { variables, dialect: self.dialect }.eval(&self.ast)
    }
}

struct Evaluator<'v> {
    variables: &'v dyn Variables,
    dialect: Dialect,
}

fn number(n: f64) -> Value {
    // Keep whole numbers whole, so `amount * 2` of 25 prints as 50, not 50.0.
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a context",
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

impl Evaluator<'_> {
    fn eval(&self, ast: &Ast) -> Result<Value, EvalError> {
        Ok(match ast {
            Ast::Null => Value::Null,
            Ast::Bool(b) => Value::Bool(*b),
            Ast::Number(n) => number(*n),
            Ast::String(s) => Value::String(s.clone()),
            Ast::Variable(name) => self.variables.get(name).cloned().unwrap_or(Value::Null),
            Ast::Field(base, field) => match self.eval(base)? {
                Value::Object(map) => map.get(field).cloned().unwrap_or(Value::Null),
                // FEEL maps a path over a list: `orders.amount` is the list of amounts.
                Value::Array(items) => {
                    Value::Array(items.iter().map(|i| i.get(field).cloned().unwrap_or(Value::Null)).collect())
                }
                _ => Value::Null,
            },
            Ast::Index(base, index) => {
                let (base, index) = (self.eval(base)?, self.eval(index)?);
                match (&base, index.as_f64()) {
                    (Value::Array(items), Some(i)) if i.fract() == 0.0 => {
                        let len = items.len() as i64;
                        let i = i as i64;
                        let position = match self.dialect {
                            Dialect::Juel => i,
                            _ if i < 0 => len + i,
                            _ => i - 1,
                        };
                        usize::try_from(position).ok().and_then(|p| items.get(p)).cloned().unwrap_or(Value::Null)
                    }
                    (Value::Object(map), _) => match &index {
                        Value::String(key) => map.get(key).cloned().unwrap_or(Value::Null),
                        _ => Value::Null,
                    },
                    (Value::Null, _) => Value::Null,
                    _ => {
                        return eval_error(format!(
                            "cannot index {} with {} (list filters are not supported yet)",
                            type_name(&base),
                            type_name(&index)
                        ));
                    }
                }
            }
            Ast::List(items) => Value::Array(items.iter().map(|i| self.eval(i)).collect::<Result<_, _>>()?),
            Ast::Context(entries) => {
                let mut map = serde_json::Map::new();
                for (key, value) in entries {
                    map.insert(key.clone(), self.eval(value)?);
                }
                Value::Object(map)
            }
            Ast::Unary(op, operand) => {
                let value = self.eval(operand)?;
                match (op, &value) {
                    (UnaryOp::Neg, Value::Number(n)) => number(-n.as_f64().unwrap_or_default()),
                    (UnaryOp::Not, Value::Bool(b)) => Value::Bool(!b),
                    (UnaryOp::Empty, v) => Value::Bool(match v {
                        Value::Null => true,
                        Value::String(s) => s.is_empty(),
                        Value::Array(a) => a.is_empty(),
                        Value::Object(o) => o.is_empty(),
                        _ => false,
                    }),
                    (_, Value::Null) => Value::Null,
                    (UnaryOp::Neg, v) => return eval_error(format!("cannot negate {}", type_name(v))),
                    (UnaryOp::Not, _) => Value::Null,
                }
            }
            Ast::Binary(BinaryOp::And, a, b) => match (self.eval(a)?, self.eval(b)?) {
                (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
                (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                _ => Value::Null,
            },
            Ast::Binary(BinaryOp::Or, a, b) => match (self.eval(a)?, self.eval(b)?) {
                (Value::Bool(true), _) | (_, Value::Bool(true)) => Value::Bool(true),
                (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                _ => Value::Null,
            },
            Ast::Binary(op, a, b) => self.binary(*op, self.eval(a)?, self.eval(b)?)?,
            Ast::Call(function, args) => self.call(function, args)?,
            Ast::If(condition, then, otherwise) => match self.eval(condition)? {
                Value::Bool(true) => self.eval(then)?,
                _ => self.eval(otherwise)?,
            },
            Ast::Between(value, low, high) => {
                let (v, l, h) = (self.eval(value)?, self.eval(low)?, self.eval(high)?);
                match (compare(&v, &l), compare(&v, &h)) {
                    (Some(a), Some(b)) => Value::Bool(a.is_ge() && b.is_le()),
                    _ => Value::Null,
                }
            }
            Ast::In(value, list) => {
                let (v, list) = (self.eval(value)?, self.eval(list)?);
                match list {
                    Value::Array(items) => Value::Bool(items.iter().any(|i| equal(i, &v))),
                    other => Value::Bool(equal(&other, &v)),
                }
            }
        })
    }

    fn binary(&self, op: BinaryOp, a: Value, b: Value) -> Result<Value, EvalError> {
        use BinaryOp::*;
        Ok(match op {
            Eq => Value::Bool(equal(&a, &b)),
            Ne => Value::Bool(!equal(&a, &b)),
            Lt | Le | Gt | Ge => match compare(&a, &b) {
                Some(ordering) => Value::Bool(match op {
                    Lt => ordering.is_lt(),
                    Le => ordering.is_le(),
                    Gt => ordering.is_gt(),
                    _ => ordering.is_ge(),
                }),
                None if a.is_null() || b.is_null() => Value::Null,
                None => {
                    return eval_error(format!("cannot compare {} with {}", type_name(&a), type_name(&b)));
                }
            },
            Add if a.is_string() || b.is_string() => match (&a, &b) {
                (Value::Null, _) | (_, Value::Null) => Value::Null,
                _ => Value::String(format!("{}{}", plain(&a), plain(&b))),
            },
            _ => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => match op {
                    Add => number(x + y),
                    Sub => number(x - y),
                    Mul => number(x * y),
                    Div if y == 0.0 => Value::Null,
                    Div => number(x / y),
                    Rem if y == 0.0 => Value::Null,
                    Rem => number(x % y),
                    _ => number(x.powf(y)),
                },
                _ if a.is_null() || b.is_null() => Value::Null,
                _ => return eval_error(format!("cannot do arithmetic on {} and {}", type_name(&a), type_name(&b))),
            },
        })
    }

    fn call(&self, function: &Ast, args: &[Ast]) -> Result<Value, EvalError> {
        let (name, receiver) = match function {
            Ast::Variable(name) => (name.as_str(), None),
            Ast::Field(base, method) => (method.as_str(), Some(self.eval(base)?)),
            _ => return eval_error("only named functions can be called"),
        };
        let mut values: Vec<Value> = receiver.into_iter().collect();
        for arg in args {
            values.push(self.eval(arg)?);
        }
        let numbers = |values: &[Value]| -> Option<Vec<f64>> {
            let items = match values {
                [Value::Array(items)] => items.clone(),
                other => other.to_vec(),
            };
            items.iter().map(Value::as_f64).collect()
        };
        Ok(match (name, values.as_slice()) {
            ("count" | "size", [Value::Array(items)]) => Value::from(items.len()),
            ("size" | "length", [Value::String(s)]) => Value::from(s.chars().count()),
            ("isEmpty", [Value::Array(items)]) => Value::Bool(items.is_empty()),
            ("contains", [Value::String(s), Value::String(part)]) => Value::Bool(s.contains(part.as_str())),
            ("contains", [Value::Array(items), v]) => Value::Bool(items.iter().any(|i| equal(i, v))),
            ("string", [v]) => Value::String(plain(v)),
            ("number", [Value::String(s)]) => s.trim().parse::<f64>().map_or(Value::Null, number),
            ("abs", [v]) => v.as_f64().map_or(Value::Null, |n| number(n.abs())),
            ("floor", [v]) => v.as_f64().map_or(Value::Null, |n| number(n.floor())),
            ("ceiling", [v]) => v.as_f64().map_or(Value::Null, |n| number(n.ceil())),
            ("sum", _) => numbers(&values).map_or(Value::Null, |n| number(n.iter().sum())),
            ("min", _) => numbers(&values).and_then(|n| n.into_iter().reduce(f64::min)).map_or(Value::Null, number),
            ("max", _) => numbers(&values).and_then(|n| n.into_iter().reduce(f64::max)).map_or(Value::Null, number),
            _ => {
                return eval_error(format!(
                    "function `{name}` with {} argument(s) is not one Baton evaluates \
                     (count, size, length, isEmpty, contains, string, number, abs, floor, ceiling, sum, min, max)",
                    values.len()
                ));
            }
        })
    }
}

/// A value as text, strings without quotes.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::value_of;

    fn ast(text: &str) -> Ast {
        Expression::parse(text).unwrap().ast
    }

    #[test]
    fn both_dialects_share_one_tree() {
        assert_eq!(ast("=amount > 100 and customer.vip"), ast("${amount > 100 && customer.vip}"));
        assert_eq!(ast("=a = 1"), ast("${a == 1}"));
        assert_eq!(ast("=not(paid)"), ast("${!paid}"));
    }

    #[test]
    fn precedence_and_postfix() {
        assert_eq!(
            ast("=1 + 2 * 3"),
            Ast::Binary(
                BinaryOp::Add,
                Box::new(Ast::Number(1.0)),
                Box::new(Ast::Binary(BinaryOp::Mul, Box::new(Ast::Number(2.0)), Box::new(Ast::Number(3.0))))
            )
        );
        assert_eq!(
            ast("=order.items[0]"),
            Ast::Index(
                Box::new(Ast::Field(Box::new(Ast::Variable("order".into())), "items".into())),
                Box::new(Ast::Number(0.0))
            )
        );
        assert!(matches!(ast("=if paid then \"ok\" else \"no\""), Ast::If(..)));
        assert!(matches!(ast("${paid ? 'ok' : 'no'}"), Ast::If(..)));
        assert!(matches!(ast("=x between 1 and 5"), Ast::Between(..)));
        assert!(matches!(ast("=status in [\"a\", \"b\"]"), Ast::In(..)));
        assert!(matches!(ast("={a: 1, \"b c\": [1, 2]}"), Ast::Context(_)));
        assert!(matches!(ast("${payment.refund(execution)}"), Ast::Call(..)));
    }

    #[test]
    fn errors_point_at_the_column() {
        let err = Expression::parse("=amount >").unwrap_err();
        assert_eq!((err.column, err.message.as_str()), (10, "expected a value, but the expression ends here"));
        let err = Expression::parse("${a + }").unwrap_err();
        assert_eq!(err.column, 7);
        let err = Expression::parse("${a > 1").unwrap_err();
        assert!(err.message.contains("not closed"));
        let err = Expression::parse("=a # b").unwrap_err();
        assert_eq!((err.column, err.message.as_str()), (4, "`#` has no meaning in an expression"));
        let err = Expression::parse("=\"open").unwrap_err();
        assert_eq!((err.column, err.message.as_str()), (2, "this string is not closed"));
        let err = Expression::parse("=a b").unwrap_err();
        assert_eq!((err.column, err.message.as_str()), (4, "unexpected `b`"));
    }

    fn eval(text: &str, vars: serde_json::Value) -> Result<Value, EvalError> {
        let vars: std::collections::BTreeMap<String, Value> = serde_json::from_value(vars).unwrap();
        Expression::parse(text).unwrap().evaluate(&vars)
    }

    #[test]
    fn evaluation_follows_feel_semantics() {
        use serde_json::json;
        let vars = json!({"amount": 25, "items": [10, 20, 30], "customer": {"vip": false, "name": "Ada"}});
        assert_eq!(eval("=amount > 100", vars.clone()), Ok(json!(false)));
        assert_eq!(eval("=missing > 1", vars.clone()), Ok(Value::Null));
        assert_eq!(eval("=missing > 1 or amount = 25", vars.clone()), Ok(json!(true)));
        assert_eq!(eval("=missing > 1 and amount = 25", vars.clone()), Ok(Value::Null));
        assert_eq!(eval("=items[1]", vars.clone()), Ok(json!(10)));
        assert_eq!(eval("=items[-1]", vars.clone()), Ok(json!(30)));
        assert_eq!(eval("${items[0]}", vars.clone()), Ok(json!(10)));
        assert_eq!(eval("=\"Hello \" + customer.name", vars.clone()), Ok(json!("Hello Ada")));
        assert_eq!(eval("=amount / 2", vars.clone()), Ok(json!(12.5)));
        assert_eq!(eval("=sum(items) = 60 and count(items) = 3", vars.clone()), Ok(json!(true)));
        assert_eq!(eval("=amount between 20 and 30", vars.clone()), Ok(json!(true)));
        assert_eq!(eval("=\"b\" in [\"a\", \"b\"]", vars.clone()), Ok(json!(true)));
        assert_eq!(eval("${empty customer.nickname}", vars.clone()), Ok(json!(true)));
        assert_eq!(eval("=if customer.vip then 0 else 5", vars.clone()), Ok(json!(5)));
        assert_eq!(eval("={total: amount * 2}.total", vars.clone()), Ok(json!(50)));
    }

    #[test]
    fn evaluation_errors_name_what_they_saw() {
        use serde_json::json;
        let err = eval("=amount < \"x\"", json!({"amount": 1})).unwrap_err();
        assert_eq!(err.message, "cannot compare a number with a string");
        let err = eval("${payment.refund(execution)}", json!({})).unwrap_err();
        assert!(err.message.starts_with("function `refund` with 2 argument(s)"), "{err}");
        assert_eq!(value_of("plain text", &std::collections::BTreeMap::new()), Ok(json!("plain text")));
    }
}
