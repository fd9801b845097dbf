//! Condition and mapping expressions: FEEL as Camunda 8 writes it (`=amount > 100`) and Camunda
//! 7's JUEL (`${amount > 100 && customer.vip}`), parsed into one syntax tree.
//!
//! Both dialects share one grammar, the common subset a process model uses: literals (numbers,
//! strings in either quote, `true`, `false`, `null`), variable paths (`order.items[0].price`),
//! comparisons (`=`, `==`, `!=`, `<`, `<=`, `>`, `>=`, and JUEL's `eq ne lt gt le ge`), `and`/`&&`,
//! `or`/`||`, `not`/`!`, arithmetic (`+ - * / %` and `**`), lists `[1, 2]`, contexts `{a: 1}`,
//! function and method calls, `x in [..]`, `x between a and b`, `if c then a else b` and `c ? a : b`.
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

impl Expression {
    /// Parses an expression, recognising its dialect by its marker.
    pub fn parse(text: &str) -> Result<Expression, ExprError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
