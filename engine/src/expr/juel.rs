//! JUEL as Camunda 7 evaluates it: the Unified Expression Language (EL 2.2, JSR 245) in its
//! reference implementation, JUEL (`de.odysseus.el`), which Camunda 7 embeds.
//!
//! A text is a *composite expression*: literal text with `${...}` (or `#{...}`) parts, `\${` for a
//! literal `${`. One `${...}` alone gives its value as it is (a number stays a number); with text
//! around it every part is coerced to a string and joined, so `PT${minutes}M` is a duration.
//!
//! Inside `${...}`: `null true false`, whole numbers (a Java `Long`), decimals (a `Double`),
//! strings in either quote; `a.b`, `a[b]`; EL 2.2 method calls on values (`items.size()`,
//! `name.contains("x")`, `x.equals(y)`) and on `execution` (`getVariable`, `setVariable`,
//! `hasVariable`); `empty`, `not`/`!`, unary `-`; `* / div % mod`; `+ -`; `< > <= >= lt gt le ge`;
//! `== != eq ne`; `&& and`; `|| or`; `c ? a : b`. Values coerce as the EL 2.2 spec's operator
//! sections (1.7 arithmetic, 1.8 relational, 1.9 logical, 1.10 `empty`) and its type conversion
//! (1.18) say: `+` is numeric only (`"1" + 2` is `3`, `"a" + 1` an error),
//! `/` and `div` always divide as `Double` (`7 / 2` is `3.5`), `==` between a number and a string
//! coerces the string to the number, `<` between strings compares them lexicographically, and
//! `null` is `0` in arithmetic, `false` in logic and `""` as text.
//!
//! A variable that is not set is an error, as in Camunda 7 ("Unknown property used in
//! expression", an incident), not `null`; `execution.getVariable("x")` gives `null` instead.
//! An object variable is read as a `java.util.Map`: a missing key is `null`.
//!
//! Pages followed: docs.camunda.org `user-guide/process-engine/expression-language/` and the
//! EL 2.2 specification (JSR 245), sections 1.6 to 1.11 (operators) and 1.18 (type conversion).
//!
//! ```
//! use baton_engine::expr::juel;
//! use serde_json::json;
//!
//! let vars: std::collections::BTreeMap<String, serde_json::Value> = [("n".to_string(), json!(7))].into();
//! assert_eq!(juel::evaluate("${n / 2}", &vars).unwrap(), json!(3.5));
//! assert_eq!(juel::evaluate("${n mod 2 == 1 ? 'odd' : 'even'}", &vars).unwrap(), json!("odd"));
//! assert_eq!(juel::evaluate("PT${n}M", &vars).unwrap(), json!("PT7M"));
//! ```

use std::fmt::Write as _;

use serde_json::Value;

use super::{EvalError, ExprError, Variables};

/// A parsed composite JUEL expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Juel {
    text: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Eval(Node),
}

/// The syntax tree of one `${...}`.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Literal(Value),
    Identifier(String),
    /// `base.name` (the name as a string literal) or `base[index]`.
    Property(Box<Node>, Box<Node>),
    /// `base.name(args)`.
    Method(Box<Node>, String, Vec<Node>),
    /// `name(args)` or `prefix:name(args)`.
    Function(String, Vec<Node>),
    Unary(Unary, Box<Node>),
    Binary(Binary, Box<Node>, Box<Node>),
    Choice(Box<Node>, Box<Node>, Box<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unary {
    Neg,
    Not,
    Empty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

const KEYWORDS: [&str; 16] = [
    "and",
    "or",
    "not",
    "eq",
    "ne",
    "lt",
    "gt",
    "le",
    "ge",
    "true",
    "false",
    "null",
    "empty",
    "div",
    "mod",
    "instanceof",
];

/// How deep `${...}` may nest before it is refused (parentheses, prefix operators, calls).
const MAX_DEPTH: usize = 64;

/// How many operators and property steps one `${...}` may chain, so that evaluating and
/// dropping its tree stays well within the stack.
const MAX_STEPS: usize = 1_000;

/// Parses and evaluates `text` (with its `${...}` parts) over `variables`; the error names the
/// expression. `execution.setVariable` is refused here: see [`Juel::evaluate_with_writes`].
pub fn evaluate(text: &str, variables: &dyn Variables) -> Result<Value, EvalError> {
    parse(text)?.evaluate(variables)
}

/// Parses `text`, turning a syntax error into an [`EvalError`] that quotes it.
pub fn parse(text: &str) -> Result<Juel, EvalError> {
    Juel::parse(text).map_err(|err| EvalError { message: format!("`{}` does not parse as JUEL: {err}", text.trim()) })
}

impl Juel {
    /// Parses a composite expression: literal text and `${...}`/`#{...}` parts.
    pub fn parse(text: &str) -> Result<Juel, ExprError> {
        let column = |offset: usize| text.get(..offset).map_or(offset, |p| p.chars().count()) + 1;
        let fail = |offset: usize, message: String| ExprError { column: column(offset), message };
        let mut parts = Vec::new();
        let mut literal = String::new();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            if c == b'\\' && matches!(bytes.get(i + 1), Some(b'$' | b'#')) && bytes.get(i + 2) == Some(&b'{') {
                literal.push(char::from(bytes[i + 1]));
                literal.push('{');
                i += 3;
            } else if matches!(c, b'$' | b'#') && bytes.get(i + 1) == Some(&b'{') {
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                let (tokens, end) = lex(text, i + 2).map_err(|(at, message)| fail(at, message))?;
                let mut parser = Parser { tokens, at: 0, end, depth: 0, steps: 0 };
                let node = parser.expression().map_err(|(at, message)| fail(at, message))?;
                if let Some(token) = parser.tokens.get(parser.at) {
                    return Err(fail(token.offset, format!("unexpected {}", token.kind)));
                }
                parts.push(Part::Eval(node));
                i = end + 1;
            } else {
                let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
                literal.push(ch);
                i += ch.len_utf8();
            }
        }
        if !literal.is_empty() || parts.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Juel { text: text.to_owned(), parts })
    }

    /// The bean a delegation expression calls: `payment` in `${payment.refund(execution)}` or
    /// `${payment.ready}`, when the whole text is that one call or property (never `execution`).
    /// Camunda 7 resolves it from the application's beans; Baton has none, so a caller can leave
    /// that work to a test.
    pub fn bean(&self) -> Option<&str> {
        let [Part::Eval(node)] = self.parts.as_slice() else { return None };
        let mut node = node;
        while let Node::Method(base, ..) | Node::Property(base, _) = node {
            node = base;
        }
        match node {
            Node::Identifier(name) if name != "execution" => Some(name),
            _ => None,
        }
    }

    /// Whether the text has no `${...}` part: it evaluates to itself.
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    /// Evaluates over `variables`. `execution.setVariable(...)` is an error here, since the
    /// value would be lost; service tasks and scripts use [`Juel::evaluate_with_writes`].
    pub fn evaluate(&self, variables: &dyn Variables) -> Result<Value, EvalError> {
        let mut eval = Evaluator { variables, writes: None };
        self.run(&mut eval)
    }

    /// Evaluates over `variables`, returning the value and the variables the expression set with
    /// `execution.setVariable(name, value)`, in order. Later reads in the same expression see them.
    pub fn evaluate_with_writes(&self, variables: &dyn Variables) -> Result<(Value, Vec<(String, Value)>), EvalError> {
        let mut eval = Evaluator { variables, writes: Some(Vec::new()) };
        let value = self.run(&mut eval)?;
        Ok((value, eval.writes.unwrap_or_default()))
    }

    fn run(&self, eval: &mut Evaluator<'_>) -> Result<Value, EvalError> {
        let located = |message: String| EvalError { message: format!("{message}, in `{}`", self.text.trim()) };
        match self.parts.as_slice() {
            [Part::Eval(node)] => eval.eval(node).map_err(located),
            parts => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        Part::Text(text) => out.push_str(text),
                        Part::Eval(node) => out.push_str(&to_text(&eval.eval(node).map_err(located)?)),
                    }
                }
                Ok(Value::String(out))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Long(i64),
    Double(f64),
    Str(String),
    Word(String),
    Op(&'static str),
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kind::Long(n) => write!(f, "number `{n}`"),
            Kind::Double(n) => write!(f, "number `{n}`"),
            Kind::Str(s) => write!(f, "string {s:?}"),
            Kind::Word(w) => write!(f, "`{w}`"),
            Kind::Op(o) => write!(f, "`{o}`"),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    offset: usize,
}

type Failure = (usize, String);

const OPERATORS: [&str; 23] = [
    "==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "!", "(", ")", "[", "]", ",", ".", ":", "?",
    "=",
];

/// Lexes from `start` (just after `${`) up to the closing `}`; returns the tokens and the offset
/// of that `}`.
fn lex(text: &str, start: usize) -> Result<(Vec<Token>, usize), Failure> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = start;
    loop {
        let Some(&c) = bytes.get(i) else {
            return Err((start.saturating_sub(2), "`${` is not closed by `}`".into()));
        };
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'}' {
            return Ok((tokens, i));
        } else if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let from = i;
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let mut floating = false;
            if bytes.get(i) == Some(&b'.') && !bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') {
                floating = true;
                i += 1;
                while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            if matches!(bytes.get(i), Some(b'e' | b'E')) {
                let mut j = i + 1;
                if matches!(bytes.get(j), Some(b'+' | b'-')) {
                    j += 1;
                }
                if bytes.get(j).is_some_and(u8::is_ascii_digit) {
                    floating = true;
                    i = j;
                    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                        i += 1;
                    }
                }
            }
            let literal = &text[from..i];
            let kind = if floating {
                match literal.parse::<f64>() {
                    Ok(n) if n.is_finite() => Kind::Double(n),
                    _ => return Err((from, format!("`{literal}` is too large for a Double"))),
                }
            } else {
                match literal.parse::<i64>() {
                    Ok(n) => Kind::Long(n),
                    Err(_) => return Err((from, format!("`{literal}` is too large for a Long"))),
                }
            };
            tokens.push(Token { kind, offset: from });
        } else if c == b'"' || c == b'\'' {
            let from = i;
            let mut value = String::new();
            i += 1;
            loop {
                let Some(ch) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                    return Err((from, "this string is not closed".into()));
                };
                i += ch.len_utf8();
                if ch == '\\' {
                    // EL escapes only the quote and the backslash; anything else stays as written.
                    match bytes.get(i) {
                        Some(&next) if next == c || next == b'\\' => {
                            value.push(char::from(next));
                            i += 1;
                        }
                        _ => value.push('\\'),
                    }
                } else if ch as u32 == u32::from(c) {
                    break;
                } else {
                    value.push(ch);
                }
            }
            tokens.push(Token { kind: Kind::Str(value), offset: from });
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80 {
            let from = i;
            while let Some(ch) = text.get(i..).and_then(|rest| rest.chars().next()) {
                if ch.is_alphanumeric() || ch == '_' || ch == '$' {
                    i += ch.len_utf8();
                } else {
                    break;
                }
            }
            if i == from {
                let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
                return Err((i, format!("`{ch}` has no meaning in a JUEL expression")));
            }
            tokens.push(Token { kind: Kind::Word(text[from..i].to_owned()), offset: from });
        } else {
            let Some(op) = OPERATORS.iter().find(|op| text[i..].starts_with(**op)) else {
                let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
                return Err((i, format!("`{ch}` has no meaning in a JUEL expression")));
            };
            if *op == "=" {
                return Err((
                    i,
                    "`=` is not a JUEL operator (Camunda 7 has no assignment); compare with `==` or `eq`".into(),
                ));
            }
            tokens.push(Token { kind: Kind::Op(op), offset: i });
            i += op.len();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Offset of the closing `}`, for "ends here" errors.
    end: usize,
    depth: usize,
    steps: usize,
}

type Parsed = Result<Node, Failure>;

impl Parser {
    fn peek(&self) -> Option<&Kind> {
        self.tokens.get(self.at).map(|t| &t.kind)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let found = matches!(self.peek(), Some(Kind::Op(o)) if *o == op);
        self.at += usize::from(found);
        found
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let found = matches!(self.peek(), Some(Kind::Word(w)) if w == word);
        self.at += usize::from(found);
        found
    }

    fn error<T>(&self, expected: &str) -> Result<T, Failure> {
        match self.tokens.get(self.at) {
            Some(token) => Err((token.offset, format!("expected {expected}, found {}", token.kind))),
            None => Err((self.end, format!("expected {expected}, but the expression ends here"))),
        }
    }

    fn expect_op(&mut self, op: &str) -> Result<(), Failure> {
        if self.eat_op(op) { Ok(()) } else { self.error(&format!("`{op}`")) }
    }

    fn deeper(&mut self) -> Result<(), Failure> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let offset = self.tokens.get(self.at).map_or(self.end, |t| t.offset);
            return Err((offset, format!("the expression nests deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn step(&mut self) -> Result<(), Failure> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            let offset = self.tokens.get(self.at).map_or(self.end, |t| t.offset);
            return Err((offset, format!("the expression chains more than {MAX_STEPS} operations; split it up")));
        }
        Ok(())
    }

    fn expression(&mut self) -> Parsed {
        self.deeper()?;
        let condition = self.or()?;
        let node = if self.eat_op("?") {
            let then = self.expression()?;
            self.expect_op(":")?;
            let otherwise = self.expression()?;
            Node::Choice(Box::new(condition), Box::new(then), Box::new(otherwise))
        } else {
            condition
        };
        self.depth -= 1;
        Ok(node)
    }

    fn binary_level(&mut self, next: fn(&mut Self) -> Parsed, op: fn(&Kind) -> Option<Binary>) -> Parsed {
        let mut left = next(self)?;
        while let Some(binary) = self.peek().and_then(op) {
            self.at += 1;
            self.step()?;
            let right = next(self)?;
            left = Node::Binary(binary, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn or(&mut self) -> Parsed {
        self.binary_level(Self::and, |k| match k {
            Kind::Op("||") => Some(Binary::Or),
            Kind::Word(w) if w == "or" => Some(Binary::Or),
            _ => None,
        })
    }

    fn and(&mut self) -> Parsed {
        self.binary_level(Self::equality, |k| match k {
            Kind::Op("&&") => Some(Binary::And),
            Kind::Word(w) if w == "and" => Some(Binary::And),
            _ => None,
        })
    }

    fn equality(&mut self) -> Parsed {
        self.binary_level(Self::relational, |k| match k {
            Kind::Op("==") => Some(Binary::Eq),
            Kind::Op("!=") => Some(Binary::Ne),
            Kind::Word(w) if w == "eq" => Some(Binary::Eq),
            Kind::Word(w) if w == "ne" => Some(Binary::Ne),
            _ => None,
        })
    }

    fn relational(&mut self) -> Parsed {
        self.binary_level(Self::additive, |k| match k {
            Kind::Op("<") => Some(Binary::Lt),
            Kind::Op("<=") => Some(Binary::Le),
            Kind::Op(">") => Some(Binary::Gt),
            Kind::Op(">=") => Some(Binary::Ge),
            Kind::Word(w) => match w.as_str() {
                "lt" => Some(Binary::Lt),
                "le" => Some(Binary::Le),
                "gt" => Some(Binary::Gt),
                "ge" => Some(Binary::Ge),
                _ => None,
            },
            _ => None,
        })
    }

    fn additive(&mut self) -> Parsed {
        self.binary_level(Self::multiplicative, |k| match k {
            Kind::Op("+") => Some(Binary::Add),
            Kind::Op("-") => Some(Binary::Sub),
            _ => None,
        })
    }

    fn multiplicative(&mut self) -> Parsed {
        self.binary_level(Self::unary, |k| match k {
            Kind::Op("*") => Some(Binary::Mul),
            Kind::Op("/") => Some(Binary::Div),
            Kind::Op("%") => Some(Binary::Mod),
            Kind::Word(w) if w == "div" => Some(Binary::Div),
            Kind::Word(w) if w == "mod" => Some(Binary::Mod),
            _ => None,
        })
    }

    fn unary(&mut self) -> Parsed {
        let op = if self.eat_op("-") {
            Unary::Neg
        } else if self.eat_op("!") || self.eat_word("not") {
            Unary::Not
        } else if self.eat_word("empty") {
            Unary::Empty
        } else {
            return self.postfix();
        };
        self.deeper()?;
        let operand = self.unary()?;
        self.depth -= 1;
        Ok(Node::Unary(op, Box::new(operand)))
    }

    fn postfix(&mut self) -> Parsed {
        let mut value = self.primary()?;
        loop {
            if matches!(self.peek(), Some(Kind::Op("." | "["))) {
                self.step()?;
            }
            if self.eat_op(".") {
                let Some(Kind::Word(name)) = self.peek().cloned() else {
                    return self.error("a property name after `.`");
                };
                self.at += 1;
                if self.eat_op("(") {
                    let args = self.arguments()?;
                    value = Node::Method(Box::new(value), name, args);
                } else {
                    value = Node::Property(Box::new(value), Box::new(Node::Literal(Value::String(name))));
                }
            } else if self.eat_op("[") {
                let index = self.expression()?;
                self.expect_op("]")?;
                value = Node::Property(Box::new(value), Box::new(index));
            } else {
                return Ok(value);
            }
        }
    }

    fn arguments(&mut self) -> Result<Vec<Node>, Failure> {
        let mut args = Vec::new();
        if self.eat_op(")") {
            return Ok(args);
        }
        loop {
            args.push(self.expression()?);
            if self.eat_op(")") {
                return Ok(args);
            }
            if !self.eat_op(",") {
                return self.error("`,` or `)`");
            }
        }
    }

    fn primary(&mut self) -> Parsed {
        let Some(token) = self.tokens.get(self.at).cloned() else {
            return self.error("a value");
        };
        self.at += 1;
        match token.kind {
            Kind::Long(n) => Ok(Node::Literal(Value::from(n))),
            Kind::Double(n) => Ok(Node::Literal(Value::from(n))),
            Kind::Str(s) => Ok(Node::Literal(Value::String(s))),
            Kind::Word(word) => match word.as_str() {
                "true" => Ok(Node::Literal(Value::Bool(true))),
                "false" => Ok(Node::Literal(Value::Bool(false))),
                "null" => Ok(Node::Literal(Value::Null)),
                w if KEYWORDS.contains(&w) => Err((
                    token.offset,
                    format!("`{w}` is a JUEL keyword, not a value; a variable cannot be named `{w}`"),
                )),
                _ => {
                    // `name(...)` or `prefix:name(...)` is an EL function.
                    if matches!(self.peek(), Some(Kind::Op(":")))
                        && matches!(self.tokens.get(self.at + 1).map(|t| &t.kind), Some(Kind::Word(_)))
                        && matches!(self.tokens.get(self.at + 2).map(|t| &t.kind), Some(Kind::Op("(")))
                    {
                        let Some(Kind::Word(name)) = self.tokens.get(self.at + 1).map(|t| t.kind.clone()) else {
                            return self.error("a function name");
                        };
                        self.at += 3;
                        return Ok(Node::Function(format!("{word}:{name}"), self.arguments()?));
                    }
                    if self.eat_op("(") {
                        return Ok(Node::Function(word, self.arguments()?));
                    }
                    Ok(Node::Identifier(word))
                }
            },
            Kind::Op("(") => {
                let inner = self.expression()?;
                self.expect_op(")")?;
                Ok(inner)
            }
            Kind::Op("[") => Err((
                token.offset,
                "Camunda 7's JUEL has no list literals (`[1, 2]`); pass the list in a variable".into(),
            )),
            _ => {
                self.at -= 1;
                self.error("a value")
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Coercion (EL 2.2, section 1.8) and Java's view of JSON values

/// The Java class a value has in Camunda 7, for messages.
fn class(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "java.lang.Boolean",
        Value::Number(n) if n.is_f64() => "java.lang.Double",
        Value::Number(_) => "java.lang.Long",
        Value::String(_) => "java.lang.String",
        Value::Array(_) => "java.util.List",
        Value::Object(_) => "java.util.Map",
    }
}

fn is_double(value: &Value) -> bool {
    matches!(value, Value::Number(n) if n.is_f64())
}

/// JUEL's `isFloatOrDoubleOrDotEe`: a Double, or a string that looks like one.
fn is_floating(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains(['.', 'e', 'E']),
        other => is_double(other),
    }
}

fn cannot_coerce(value: &Value, to: &str) -> String {
    let shown = match value {
        Value::String(s) => format!("'{s}'"),
        other => to_text(other),
    };
    format!("Cannot coerce {shown} of type {} to {to}", class(value))
}

fn to_long(value: &Value) -> Result<i64, String> {
    match value {
        Value::Null => Ok(0),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Ok(i),
            // Java's longValue(): a Double is truncated toward zero.
            None => Ok(n.as_f64().unwrap_or_default() as i64),
        },
        Value::String(s) if s.is_empty() => Ok(0),
        Value::String(s) => s.parse::<i64>().map_err(|_| cannot_coerce(value, "java.lang.Long")),
        _ => Err(cannot_coerce(value, "java.lang.Long")),
    }
}

fn to_double(value: &Value) -> Result<f64, String> {
    match value {
        Value::Null => Ok(0.0),
        Value::Number(n) => Ok(n.as_f64().unwrap_or_default()),
        Value::String(s) if s.is_empty() => Ok(0.0),
        Value::String(s) => {
            let t = s.trim();
            let t = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
            t.parse::<f64>().map_err(|_| cannot_coerce(value, "java.lang.Double"))
        }
        _ => Err(cannot_coerce(value, "java.lang.Double")),
    }
}

fn to_bool(value: &Value) -> Result<bool, String> {
    match value {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        // Boolean.valueOf: "true" in any case is true, every other string false.
        Value::String(s) => Ok(s.eq_ignore_ascii_case("true")),
        _ => Err(cannot_coerce(value, "java.lang.Boolean")),
    }
}

/// A value as Java's `toString()` writes it (`null` as `""`, as EL coerces to a string).
pub(crate) fn to_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => java_string(other),
    }
}

fn java_string(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_f64() => java_double(n.as_f64().unwrap_or_default()),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!("[{}]", items.iter().map(java_string).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            let mut out = String::from("{");
            for (i, (k, v)) in map.iter().enumerate() {
                let _ = write!(out, "{}{k}={}", if i > 0 { ", " } else { "" }, java_string(v));
            }
            out.push('}');
            out
        }
    }
}

/// `Double.toString`: `3.5`, `2.0`, `1.0E10`, `1.0E-4`.
fn java_double(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n == 0.0 || (1e-3..1e7).contains(&n.abs()) {
        let text = format!("{n}");
        return if text.contains('.') { text } else { format!("{text}.0") };
    }
    let text = format!("{n:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let mantissa = if mantissa.contains('.') { mantissa.to_owned() } else { format!("{mantissa}.0") };
    format!("{mantissa}E{exponent}")
}

fn long(n: i64) -> Value {
    Value::from(n)
}

fn double(n: f64) -> Result<Value, String> {
    serde_json::Number::from_f64(n).map(Value::Number).ok_or_else(|| {
        format!(
            "the result is {} (a division by zero?), which Camunda 7 keeps as a Double but a variable here cannot hold",
            java_double(n)
        )
    })
}

fn empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluator

struct Evaluator<'v> {
    variables: &'v dyn Variables,
    /// `Some` when `execution.setVariable` may write (service tasks, scripts).
    writes: Option<Vec<(String, Value)>>,
}

type Evaluated = Result<Value, String>;

impl Evaluator<'_> {
    fn variable(&self, name: &str) -> Option<Value> {
        if let Some(writes) = &self.writes
            && let Some((_, value)) = writes.iter().rev().find(|(n, _)| n == name)
        {
            return Some(value.clone());
        }
        self.variables.get(name).cloned()
    }

    fn eval(&mut self, node: &Node) -> Evaluated {
        match node {
            Node::Literal(value) => Ok(value.clone()),
            Node::Identifier(name) if name == "execution" => {
                Err("`execution` is Camunda 7's execution object, not a value: call a method on it, e.g. \
                 execution.getVariable(\"name\")"
                    .into())
            }
            Node::Identifier(name) => self.variable(name).ok_or_else(|| {
                format!(
                    "Unknown property used in expression. Cause: Cannot resolve identifier '{name}' \
                     (Camunda 7 raises an incident here; set `{name}` before this point, or read it with \
                     execution.getVariable(\"{name}\"), which gives null when it is unset)"
                )
            }),
            Node::Property(base, key) => {
                if matches!(&**base, Node::Identifier(n) if n == "execution") {
                    return Err(
                        "Baton does not read properties of `execution`; use execution.getVariable(\"name\")".into()
                    );
                }
                let base = self.eval(base)?;
                let key = self.eval(key)?;
                property(&base, &key)
            }
            Node::Method(base, name, args) => {
                let mut values = Vec::with_capacity(args.len());
                if matches!(&**base, Node::Identifier(n) if n == "execution") {
                    for arg in args {
                        values.push(self.eval(arg)?);
                    }
                    return self.execution(name, values);
                }
                let receiver = self.eval(base)?;
                for arg in args {
                    values.push(self.eval(arg)?);
                }
                if receiver.is_null() {
                    return Err(format!("Target unreachable, the value `{name}()` is called on is null"));
                }
                method(&receiver, name, &values)
            }
            Node::Function(name, _) => Err(format!(
                "function `{name}()` is not evaluated by Baton (Camunda 7's own functions now(), dateTime(), \
                 currentUser() and currentUserGroups() are not supported yet); pass the value in a variable"
            )),
            Node::Unary(op, operand) => {
                let value = self.eval(operand)?;
                match op {
                    Unary::Empty => Ok(Value::Bool(empty(&value))),
                    Unary::Not => Ok(Value::Bool(!to_bool(&value)?)),
                    Unary::Neg => match &value {
                        Value::Null => Ok(long(0)),
                        Value::Number(n) if n.is_f64() => double(-n.as_f64().unwrap_or_default()),
                        Value::Number(_) => Ok(long(to_long(&value)?.wrapping_neg())),
                        Value::String(_) if is_floating(&value) => double(-to_double(&value)?),
                        Value::String(_) => Ok(long(to_long(&value)?.wrapping_neg())),
                        other => Err(format!("Cannot negate {} of type {}", to_text(other), class(other))),
                    },
                }
            }
            Node::Binary(Binary::And, a, b) => Ok(Value::Bool(to_bool(&self.eval(a)?)? && to_bool(&self.eval(b)?)?)),
            Node::Binary(Binary::Or, a, b) => Ok(Value::Bool(to_bool(&self.eval(a)?)? || to_bool(&self.eval(b)?)?)),
            Node::Binary(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                binary(*op, &a, &b)
            }
            Node::Choice(condition, then, otherwise) => {
                if to_bool(&self.eval(condition)?)? {
                    self.eval(then)
                } else {
                    self.eval(otherwise)
                }
            }
        }
    }

    /// `execution.getVariable(...)` and the other methods of Camunda 7's `DelegateExecution`
    /// a model commonly calls.
    fn execution(&mut self, name: &str, args: Vec<Value>) -> Evaluated {
        let name_of = |v: &Value| match v {
            Value::String(s) => Ok(s.clone()),
            other => Err(format!("execution.{name}() takes a variable name, not {}", class(other))),
        };
        match (name, args.as_slice()) {
            ("getVariable" | "getVariableLocal", [n]) => Ok(self.variable(&name_of(n)?).unwrap_or(Value::Null)),
            ("hasVariable" | "hasVariableLocal", [n]) => Ok(Value::Bool(self.variable(&name_of(n)?).is_some())),
            ("setVariable" | "setVariableLocal", [n, value]) => {
                let variable = name_of(n)?;
                match &mut self.writes {
                    Some(writes) => {
                        writes.push((variable, value.clone()));
                        Ok(Value::Null)
                    }
                    None => Err(format!(
                        "execution.{name}(\"{variable}\", ...) here would be lost: Baton runs setVariable only in \
                         a service task's camunda:expression and a script task with scriptFormat=\"juel\"; set the \
                         variable there"
                    )),
                }
            }
            _ => Err(format!(
                "execution.{name}() with {} argument(s) is not one Baton evaluates \
                 (getVariable, getVariableLocal, hasVariable, hasVariableLocal, setVariable, setVariableLocal)",
                args.len()
            )),
        }
    }
}

fn property(base: &Value, key: &Value) -> Evaluated {
    match base {
        // EL 1.6: `a[b]` with b null is null.
        _ if key.is_null() => Ok(Value::Null),
        // `${x.y}` with x null is null (JUEL's AstProperty); only an unset root variable is an error.
        Value::Null => Ok(Value::Null),
        Value::Object(map) => Ok(match key {
            Value::String(k) => map.get(k).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        }),
        Value::Array(items) => {
            let index = match key {
                Value::Number(_) => to_long(key)?,
                Value::String(s) => s.trim().parse::<i64>().map_err(|_| {
                    format!("Cannot parse list index: {s} (a list has no property `{s}`; call a method, e.g. size())")
                })?,
                other => return Err(format!("Cannot use {} as a list index", class(other))),
            };
            Ok(usize::try_from(index).ok().and_then(|i| items.get(i)).cloned().unwrap_or(Value::Null))
        }
        Value::String(s) if key.as_str() == Some("empty") => Ok(Value::Bool(s.is_empty())),
        other => Err(format!("Property '{}' not found on type {}", to_text(key), class(other))),
    }
}

/// `==` (EL 1.8.2): numbers as Double or Long, then Boolean, then String, else `equals`.
fn equal(a: &Value, b: &Value) -> Result<bool, String> {
    if a == b {
        return Ok(true);
    }
    if a.is_null() || b.is_null() {
        return Ok(false);
    }
    if is_double(a) || is_double(b) {
        return Ok(to_double(a)? == to_double(b)?);
    }
    if a.is_number() || b.is_number() {
        return Ok(to_long(a)? == to_long(b)?);
    }
    if a.is_boolean() || b.is_boolean() {
        return Ok(to_bool(a)? == to_bool(b)?);
    }
    if a.is_string() || b.is_string() {
        return Ok(to_text(a) == to_text(b));
    }
    Ok(false)
}

/// `<` and friends (EL 1.8.1): null is never less or greater; numbers as Double or Long; strings
/// lexicographically; booleans as `Comparable`; anything else is an error.
fn compare(a: &Value, b: &Value) -> Result<Option<std::cmp::Ordering>, String> {
    if a.is_null() || b.is_null() {
        return Ok(None);
    }
    if is_double(a) || is_double(b) {
        return Ok(to_double(a)?.partial_cmp(&to_double(b)?));
    }
    if a.is_number() || b.is_number() {
        return Ok(Some(to_long(a)?.cmp(&to_long(b)?)));
    }
    if a.is_string() || b.is_string() {
        return Ok(Some(to_text(a).cmp(&to_text(b))));
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => Ok(Some(x.cmp(y))),
        _ => Err(format!("Cannot compare {} with {}", class(a), class(b))),
    }
}

fn binary(op: Binary, a: &Value, b: &Value) -> Evaluated {
    use Binary::*;
    match op {
        Eq => Ok(Value::Bool(equal(a, b)?)),
        Ne => Ok(Value::Bool(!equal(a, b)?)),
        Lt | Le | Gt | Ge => {
            if a == b && !a.is_null() {
                return Ok(Value::Bool(matches!(op, Le | Ge)));
            }
            let ordering = compare(a, b)?;
            Ok(Value::Bool(ordering.is_some_and(|o| match op {
                Lt => o.is_lt(),
                Le => o.is_le(),
                Gt => o.is_gt(),
                _ => o.is_ge(),
            })))
        }
        _ if a.is_null() && b.is_null() => Ok(long(0)),
        Div => double(to_double(a)? / to_double(b)?),
        Add | Sub | Mul | Mod if is_floating(a) || is_floating(b) => {
            let (x, y) = (to_double(a)?, to_double(b)?);
            double(match op {
                Add => x + y,
                Sub => x - y,
                Mul => x * y,
                _ => x % y,
            })
        }
        Add | Sub | Mul | Mod => {
            let (x, y) = (to_long(a)?, to_long(b)?);
            Ok(long(match op {
                Add => x.wrapping_add(y),
                Sub => x.wrapping_sub(y),
                Mul => x.wrapping_mul(y),
                _ if y == 0 => return Err("java.lang.ArithmeticException: / by zero (`mod` of two Longs)".into()),
                _ => x.wrapping_rem(y),
            }))
        }
        And | Or => unreachable_logic(),
    }
}

/// `and`/`or` short-circuit in [`Evaluator::eval`] and never reach [`binary`].
fn unreachable_logic() -> Evaluated {
    Err("internal: `and`/`or` evaluated as arithmetic".into())
}

/// EL 2.2 method calls on values, as the Java classes Camunda 7 holds them in have them.
fn method(receiver: &Value, name: &str, args: &[Value]) -> Evaluated {
    let text = |i: usize| args.get(i).map(to_text).unwrap_or_default();
    Ok(match (receiver, name, args) {
        (_, "equals", [other]) => Value::Bool(receiver == other),
        (_, "toString", []) => Value::String(java_string(receiver)),
        (Value::String(s), "length", []) => long(s.encode_utf16().count() as i64),
        (Value::String(s), "isEmpty", []) => Value::Bool(s.is_empty()),
        (Value::String(s), "isBlank", []) => Value::Bool(s.trim().is_empty()),
        (Value::String(s), "contains", [_]) => Value::Bool(s.contains(&text(0))),
        (Value::String(s), "startsWith", [_]) => Value::Bool(s.starts_with(&text(0))),
        (Value::String(s), "endsWith", [_]) => Value::Bool(s.ends_with(&text(0))),
        (Value::String(s), "equalsIgnoreCase", [_]) => Value::Bool(s.to_lowercase() == text(0).to_lowercase()),
        (Value::String(s), "toUpperCase", []) => Value::String(s.to_uppercase()),
        (Value::String(s), "toLowerCase", []) => Value::String(s.to_lowercase()),
        (Value::String(s), "trim", []) => Value::String(s.trim().to_owned()),
        (Value::String(s), "concat", [_]) => Value::String(format!("{s}{}", text(0))),
        (Value::String(s), "indexOf", [_]) => {
            long(s.find(&text(0)).map_or(-1, |byte| s[..byte].encode_utf16().count() as i64))
        }
        (Value::String(s), "substring", [from, rest @ ..]) if rest.len() <= 1 => {
            let units: Vec<u16> = s.encode_utf16().collect();
            let from = to_long(from)?;
            let to = match rest {
                [to] => to_long(to)?,
                _ => units.len() as i64,
            };
            if from < 0 || to > units.len() as i64 || from > to {
                return Err(format!(
                    "java.lang.StringIndexOutOfBoundsException: begin {from}, end {to}, length {}",
                    units.len()
                ));
            }
            Value::String(String::from_utf16_lossy(&units[from as usize..to as usize]))
        }
        (Value::Array(items), "size", []) => long(items.len() as i64),
        (Value::Array(items), "isEmpty", []) => Value::Bool(items.is_empty()),
        (Value::Array(items), "contains", [x]) => Value::Bool(items.contains(x)),
        (Value::Array(items), "indexOf", [x]) => long(items.iter().position(|i| i == x).map_or(-1, |p| p as i64)),
        (Value::Array(items), "get", [i]) => {
            let index = to_long(i)?;
            match usize::try_from(index).ok().and_then(|i| items.get(i)) {
                Some(item) => item.clone(),
                None => {
                    return Err(format!(
                        "java.lang.IndexOutOfBoundsException: Index {index} out of bounds for length {}",
                        items.len()
                    ));
                }
            }
        }
        (Value::Object(map), "size", []) => long(map.len() as i64),
        (Value::Object(map), "isEmpty", []) => Value::Bool(map.is_empty()),
        (Value::Object(map), "containsKey", [k]) => Value::Bool(k.as_str().is_some_and(|k| map.contains_key(k))),
        (Value::Object(map), "containsValue", [v]) => Value::Bool(map.values().any(|x| x == v)),
        (Value::Object(map), "get", [k]) => k.as_str().and_then(|k| map.get(k)).cloned().unwrap_or(Value::Null),
        (Value::Object(map), "keySet", []) => Value::Array(map.keys().cloned().map(Value::String).collect()),
        (Value::Number(_), "intValue" | "longValue", []) => long(to_long(receiver)?),
        (Value::Number(_), "doubleValue", []) => double(to_double(receiver)?)?,
        _ => {
            let known = match receiver {
                Value::String(_) => {
                    "length, isEmpty, isBlank, contains, startsWith, endsWith, equalsIgnoreCase, toUpperCase, \
                     toLowerCase, trim, concat, indexOf, substring, equals, toString"
                }
                Value::Array(_) => "size, isEmpty, contains, indexOf, get, equals, toString",
                Value::Object(_) => "size, isEmpty, containsKey, containsValue, get, keySet, equals, toString",
                Value::Number(_) => "intValue, longValue, doubleValue, equals, toString",
                _ => "equals, toString",
            };
            return Err(format!(
                "Cannot find method '{name}' with {} argument(s) in {} (Baton evaluates: {known})",
                args.len(),
                class(receiver)
            ));
        }
    })
}

/// The value a JUEL result has as an `Object` in Camunda 7, for messages: `3.5 (java.lang.Double)`.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::String(s) => format!("\"{s}\" (java.lang.String)"),
        other => format!("{} ({})", java_string(other), class(other)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn vars() -> std::collections::BTreeMap<String, Value> {
        serde_json::from_value(json!({
            "n": 7, "d": 2.5, "s": "abc", "num": "12", "dec": "1.5", "t": true, "f": false, "nil": null,
            "items": [10, 20, 30], "none": [], "order": {"total": 120, "customer": {"name": "Ada"}},
            "blank": "", "nrOfLoops": 3
        }))
        .unwrap()
    }

    /// Expression, expected value (`Ok`) or the start of the error (`Err`).
    const TABLE: &[(&str, Result<&str, &str>)] = &[
        // literals and composite text
        ("${3}", Ok("3")),
        ("${3.0}", Ok("3.0")),
        ("${1e3}", Ok("1000.0")),
        ("${'it\\'s'}", Ok("\"it's\"")),
        ("${\"a\\\\b\"}", Ok("\"a\\\\b\"")),
        ("${null}", Ok("null")),
        ("plain text", Ok("\"plain text\"")),
        ("PT${n}M", Ok("\"PT7M\"")),
        ("a${nil}b", Ok("\"ab\"")),
        ("${d} and ${t}", Ok("\"2.5 and true\"")),
        ("\\${n}", Ok("\"${n}\"")),
        ("#{n + 1}", Ok("8")),
        // arithmetic: Long stays Long, Double spreads, `/` and `div` are always Double
        ("${n + 1}", Ok("8")),
        ("${n * 2 - 4}", Ok("10")),
        ("${n / 2}", Ok("3.5")),
        ("${n div 2}", Ok("3.5")),
        ("${8 / 2}", Ok("4.0")),
        ("${n % 4}", Ok("3")),
        ("${n mod 4}", Ok("3")),
        ("${d * 2}", Ok("5.0")),
        ("${d % 2}", Ok("0.5")),
        ("${-n}", Ok("-7")),
        ("${-d}", Ok("-2.5")),
        ("${-num}", Ok("-12")),
        ("${nil + nil}", Ok("0")),
        ("${nil + 1}", Ok("1")),
        ("${-nil}", Ok("0")),
        // `+` is numeric only: strings are coerced to numbers, never concatenated
        ("${num + 1}", Ok("13")),
        ("${dec + 1}", Ok("2.5")),
        ("${s + 1}", Err("Cannot coerce 'abc' of type java.lang.String to java.lang.Long")),
        ("${t + 1}", Err("Cannot coerce true of type java.lang.Boolean to java.lang.Long")),
        ("${blank + 1}", Ok("1")),
        ("${n mod 0}", Err("java.lang.ArithmeticException: / by zero")),
        ("${n / 0}", Err("the result is Infinity")),
        // equality: number vs string coerces the string to the number
        ("${num == 12}", Ok("true")),
        ("${12 eq '12'}", Ok("true")),
        ("${n == 7.0}", Ok("true")),
        ("${s == 1}", Err("Cannot coerce 'abc' of type java.lang.String to java.lang.Long")),
        ("${'true' == t}", Ok("true")),
        ("${s ne 'abd'}", Ok("true")),
        ("${nil == null}", Ok("true")),
        ("${nil == 0}", Ok("false")),
        ("${s != null}", Ok("true")),
        // comparison: strings lexicographically, numbers numerically, null never
        ("${'abc' < 'abd'}", Ok("true")),
        ("${'10' < '9'}", Ok("true")),
        ("${num < 9}", Ok("false")),
        ("${n gt 5 and n lt 10}", Ok("true")),
        ("${n ge 7 && n le 7}", Ok("true")),
        ("${nil < 1}", Ok("false")),
        ("${nil > 1}", Ok("false")),
        ("${items < 1}", Err("Cannot coerce [10, 20, 30] of type java.util.List to java.lang.Long")),
        ("${order < order}", Ok("false")),
        // logic: operands coerced to Boolean
        ("${t and f}", Ok("false")),
        ("${t or f}", Ok("true")),
        ("${not f}", Ok("true")),
        ("${!t}", Ok("false")),
        ("${nil || t}", Ok("true")),
        ("${'yes' && t}", Ok("false")),
        ("${n && t}", Err("Cannot coerce 7 of type java.lang.Long to java.lang.Boolean")),
        ("${f and missing}", Ok("false")),
        // empty
        ("${empty nil}", Ok("true")),
        ("${empty blank}", Ok("true")),
        ("${empty none}", Ok("true")),
        ("${not empty items}", Ok("true")),
        ("${empty s}", Ok("false")),
        ("${empty order.nickname}", Ok("true")),
        // ternary
        ("${n > 5 ? 'big' : 'small'}", Ok("\"big\"")),
        ("${f ? 1 : t ? 2 : 3}", Ok("2")),
        // properties and unknown identifiers
        ("${order.total}", Ok("120")),
        ("${order['customer'].name}", Ok("\"Ada\"")),
        ("${order.missing.deeper}", Ok("null")),
        ("${items[1]}", Ok("20")),
        ("${items['2']}", Ok("30")),
        ("${items[5]}", Ok("null")),
        ("${items[nil]}", Ok("null")),
        ("${missing}", Err("Unknown property used in expression. Cause: Cannot resolve identifier 'missing'")),
        ("${missing.y}", Err("Unknown property used in expression. Cause: Cannot resolve identifier 'missing'")),
        ("${items.length}", Err("Cannot parse list index: length")),
        ("${n.value}", Err("Property 'value' not found on type java.lang.Long")),
        ("${s.empty}", Ok("false")),
        // method calls
        ("${items.size()}", Ok("3")),
        ("${items.contains(20)}", Ok("true")),
        ("${items.contains(25)}", Ok("false")),
        ("${none.isEmpty()}", Ok("true")),
        ("${items.get(0)}", Ok("10")),
        ("${s.equals('abc')}", Ok("true")),
        ("${n.equals(7)}", Ok("true")),
        ("${n.equals(7.0)}", Ok("false")),
        ("${s.contains('b')}", Ok("true")),
        ("${s.length()}", Ok("3")),
        ("${s.isEmpty()}", Ok("false")),
        ("${s.toUpperCase()}", Ok("\"ABC\"")),
        ("${s.substring(1)}", Ok("\"bc\"")),
        ("${order.containsKey('total')}", Ok("true")),
        ("${order.size()}", Ok("2")),
        ("${s.foo()}", Err("Cannot find method 'foo' with 0 argument(s) in java.lang.String")),
        ("${nil.size()}", Err("Target unreachable")),
        ("${items.get(9)}", Err("java.lang.IndexOutOfBoundsException")),
        // execution
        ("${execution.getVariable('n')}", Ok("7")),
        ("${execution.getVariable('missing')}", Ok("null")),
        ("${execution.hasVariable('missing')}", Ok("false")),
        ("${execution.setVariable('x', 1)}", Err("execution.setVariable(\"x\", ...) here would be lost")),
        ("${execution}", Err("`execution` is Camunda 7's execution object")),
        ("${now()}", Err("function `now()` is not evaluated by Baton")),
        // syntax
        ("${n = 1}", Err("column 5: `=` is not a JUEL operator")),
        ("${n +}", Err("column 6: expected a value, but the expression ends here")),
        ("${n", Err("column 1: `${` is not closed by `}`")),
        ("${[1, 2]}", Err("column 3: Camunda 7's JUEL has no list literals")),
        ("${div}", Err("column 3: `div` is a JUEL keyword")),
        ("${a b}", Err("column 5: unexpected `b`")),
        ("${'open}", Err("column 3: this string is not closed")),
        ("${n # 1}", Err("column 5: `#` has no meaning in a JUEL expression")),
        ("${99999999999999999999}", Err("column 3: `99999999999999999999` is too large for a Long")),
    ];

    #[test]
    fn the_table() {
        let vars = vars();
        let mut failures = Vec::new();
        for (text, expected) in TABLE {
            let actual = match Juel::parse(text) {
                Err(err) => Err(err.to_string()),
                Ok(parsed) => parsed.evaluate(&vars).map(|v| v.to_string()).map_err(|e| e.message),
            };
            let ok = match (expected, &actual) {
                (Ok(want), Ok(got)) => want == got,
                (Err(want), Err(got)) => got.starts_with(want),
                _ => false,
            };
            if !ok {
                failures.push(format!("{text}: expected {expected:?}, got {actual:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn results_keep_longs_whole_and_doubles_floating() {
        let vars = vars();
        assert!(evaluate("${nrOfLoops}", &vars).unwrap().is_i64());
        assert!(evaluate("${6 / 2}", &vars).unwrap().is_f64());
        assert_eq!(java_double(1e10), "1.0E10");
        assert_eq!(java_double(0.0001), "1.0E-4");
        assert_eq!(java_double(123.25), "123.25");
    }

    #[test]
    fn set_variable_writes_in_order_and_later_reads_see_it() {
        let vars = vars();
        let parsed = Juel::parse("${execution.setVariable('x', n + 1)}${execution.getVariable('x')}").unwrap();
        let (value, writes) = parsed.evaluate_with_writes(&vars).unwrap();
        assert_eq!(value, json!("8"));
        assert_eq!(writes, vec![("x".to_owned(), json!(8))]);
    }

    #[test]
    fn errors_name_the_expression() {
        let err = evaluate("${missing > 1}", &vars()).unwrap_err();
        assert!(err.message.ends_with(", in `${missing > 1}`"), "{err}");
        let err = evaluate("${a +}", &vars()).unwrap_err();
        assert!(err.message.starts_with("`${a +}` does not parse as JUEL: column 6"), "{err}");
    }

    #[test]
    fn random_bytes_never_panic() {
        // A small deterministic generator (xorshift), biased toward JUEL's own characters.
        let alphabet: Vec<char> =
            "${}#\\'\"()[].,:?!=<>+-*/%&|0123456789eE abcnotemptydivmod\u{e9}\u{1f600}".chars().collect();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let vars = vars();
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            let text = format!("${{{text}");
            if let Ok(parsed) = Juel::parse(&text) {
                let _ = parsed.evaluate(&vars);
            }
            let _ = Juel::parse(&text[2..]);
        }
        for _ in 0..5_000 {
            let len = (next() % 64) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| (next() % 256) as u8).collect();
            let text = String::from_utf8_lossy(&bytes);
            let _ = evaluate(&text, &vars);
            let _ = evaluate(&format!("${{{text}}}"), &vars);
        }
        let deep = format!("${{{}1{}}}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(Juel::parse(&deep).unwrap_err().message.contains("nests deeper"));
        let deep = format!("${{{}1}}", "-".repeat(10_000));
        assert!(Juel::parse(&deep).is_err());
        let long = format!("${{1{}}}", "+1".repeat(10_000));
        assert!(Juel::parse(&long).unwrap_err().message.contains("more than 1000 operations"));
        let long = format!("${{order{}}}", ".a".repeat(10_000));
        assert!(Juel::parse(&long).is_err());
    }
}
