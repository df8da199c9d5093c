//! The filter language of `rpsutil top` (its `/` search, `\` filter and
//! `--filter`): which rows to show or find.
//!
//! # The language
//!
//! - `field OP value` compares a field of the row (a lower-case column name:
//!   `pid ppid user name cmdline status cpu mem rss vms shr nice pr threads time`, or
//!   any other the row answers) with a literal. `OP` is one of `= != > < >= <=`
//!   (`==` is `=`), `~` (the value is a regular expression that matches somewhere in
//!   the field, [`regex`] syntax, case-sensitive unless it starts with `(?i)`) or
//!   `!~` (does not match).
//! - On a text field `=` and `!=` ignore case; `< > <= >=` compare the lower-cased
//!   texts. On a number field they compare numbers, and `~` matches the number as
//!   written by Rust (`5`, `1.5`).
//! - Numbers: `5`, `-3`, `1.5`, with a size unit (case-insensitive): `K M G T P` and
//!   `KiB MiB GiB TiB PiB` are powers of 1024, `KB MB GB TB PB` powers of 1000, `B`
//!   is 1 (so `rss > 100M` is 100 MiB, as the row gives bytes). A duration is
//!   `M:SS`, `H:MM:SS` or `D-HH:MM:SS`, in seconds (`time > 1:30` is 90 CPU seconds).
//! - A word alone (no operator after it) is a search: `ssh` keeps the rows whose
//!   `name` or `cmdline` contains `ssh`, ignoring case (htop's filter).
//! - Quoted values and words: `"my prog"` or `'my prog'`; inside quotes `\"` (or
//!   `\'`) is the quote and `\\` a backslash, any other backslash stays as written
//!   (`"\d+"` is the regex `\d+`).
//! - `and`, `or`, `not` (or `!`), parentheses; `not` binds tighter than `and`, `and`
//!   tighter than `or`, and two terms side by side mean `and` (`ssh root` is
//!   `ssh and root`). The keywords ignore case; quote a value spelled like one.
//! - The empty query (or only spaces) keeps every row.
//!
//! # Missing fields
//!
//! A field the row could not read ([`Value::Missing`]: access denied, the process
//! ended) or does not have makes **every** comparison on it false, `!=` and `!~`
//! included; so `not (user = root)` keeps the rows whose user is unknown, while
//! `user != root` drops them. A comparison of a number with a literal that is not a
//! number is false too, and is refused when the query is parsed if the field is
//! known to hold numbers ([`NUMERIC_FIELDS`](super::fields::NUMERIC_FIELDS)).

use std::fmt;

use regex::{Regex, RegexBuilder};

use super::fields::{is_numeric_field, Fields, Value};

/// How deeply parentheses may nest. Parsing, matching and printing recurse on the
/// nesting, so a bound keeps a pasted `((((...` from overflowing the stack; real
/// filters nest two or three levels.
const MAX_DEPTH: usize = 64;

/// The compiled size a `~` pattern may take. Patterns filter process names; a
/// bound keeps a pattern such as `\w{1000}{1000}` from taking seconds and memory to
/// compile on every keystroke of the search box.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Why a query could not be parsed, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    message: String,
    position: usize,
}

impl QueryError {
    fn new(message: impl Into<String>, position: usize) -> QueryError {
        QueryError {
            message: message.into(),
            position,
        }
    }

    /// What is wrong, one line without the position (e.g. "expected a value after
    /// `>`").
    #[cfg(test)]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The byte offset in the query where the problem is (the query's length when
    /// it ended too early): where a search box puts its caret.
    #[cfg(test)]
    pub fn position(&self) -> usize {
        self.position
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.position)
    }
}

impl std::error::Error for QueryError {}

/// A parsed filter: [`parse`] makes one, [`Query::matches`] applies it to a row.
///
/// Its `Display` is the query in a canonical form that [`parse`] reads back to the
/// same query (`not`, `and`, `or`, parentheses only where needed, quotes only where
/// needed).
#[derive(Debug, Clone)]
pub struct Query {
    root: Node,
}

/// A node of the parsed query. `And`/`Or` hold lists (a long `a and b and c...`
/// is one node, not a deep chain), and `Not(Not(x))` is never built (`x` is).
#[derive(Debug, Clone)]
enum Node {
    /// All of them; the empty list is the empty query, which keeps every row.
    And(Vec<Node>),
    /// Any of them.
    Or(Vec<Node>),
    Not(Box<Node>),
    Cmp(Cmp),
    /// A bare word: `name` or `cmdline` contains it, ignoring case.
    Contains(Needle),
}

/// `field op literal`.
#[derive(Debug, Clone)]
struct Cmp {
    field: String,
    op: Op,
    lit: Literal,
}

/// The right-hand side of a comparison, prepared once at parse time for every way
/// a row's value may need it.
#[derive(Debug, Clone)]
struct Literal {
    /// As written (unquoted): what `Display` prints.
    text: String,
    /// Lower-cased, for the case-insensitive text comparisons.
    lower: String,
    /// Its value as a number, if it reads as one (units and durations applied).
    num: Option<f64>,
    /// The compiled pattern of `~` and `!~`.
    regex: Option<Regex>,
}

/// A bare word of the query.
#[derive(Debug, Clone)]
struct Needle {
    text: String,
    lower: String,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Match,
    NotMatch,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Match => "~",
            Op::NotMatch => "!~",
        }
    }

    /// Whether `ordering` (the row's value against the literal) satisfies this
    /// operator; only for the six comparisons, not the regex ones.
    fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Op::Eq => ordering == Equal,
            Op::Ne => ordering != Equal,
            Op::Gt => ordering == Greater,
            Op::Lt => ordering == Less,
            Op::Ge => ordering != Less,
            Op::Le => ordering != Greater,
            Op::Match | Op::NotMatch => false,
        }
    }
}

/// Parses a filter query.
///
/// # Errors
///
/// A [`QueryError`] with a one-line message and the byte position of the fault:
/// a comparison without a value (`cpu >`), an unclosed `(` or a stray `)`, an
/// unterminated quote, an invalid regular expression after `~`, a known number
/// field compared with something that is not a number (`cpu > lots`), parentheses
/// nested more than 64 deep.
///
/// # Example
///
/// ```ignore
/// let q = parse("cpu > 5 and user = root")?;
/// let busy_root_rows = rows.iter().filter(|r| q.matches(*r));
/// ```
pub fn parse(q: &str) -> Result<Query, QueryError> {
    let tokens = lex(q)?;
    let mut p = Parser {
        tokens,
        next: 0,
        depth: 0,
        end: q.len(),
    };
    if p.peek().kind == Kind::End {
        return Ok(Query {
            root: Node::And(Vec::new()),
        });
    }
    let root = p.or()?;
    let t = p.peek();
    match t.kind {
        Kind::End => Ok(Query { root }),
        Kind::RParen => Err(QueryError::new("unmatched `)`", t.pos)),
        Kind::Op(op) => Err(QueryError::new(
            format!("`{}` needs a field name on its left", op.symbol()),
            t.pos,
        )),
        _ => Err(QueryError::new(
            format!("unexpected {}", t.describe()),
            t.pos,
        )),
    }
}

impl Query {
    /// Whether `row` passes the filter (see the module documentation for the
    /// rules, and for Missing fields: a comparison on one is false).
    pub fn matches(&self, row: &impl Fields) -> bool {
        self.root.matches(row)
    }

    /// Whether this is the empty query, which keeps every row.
    pub fn is_empty(&self) -> bool {
        matches!(&self.root, Node::And(v) if v.is_empty())
    }

    /// The field names the query reads, sorted, each once (a bare word reads `name`
    /// and `cmdline`): the collector can skip reading the others, and the viewer
    /// can warn about a name no row answers.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.root.collect_fields(&mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl Node {
    fn matches(&self, row: &impl Fields) -> bool {
        match self {
            Node::And(v) => v.iter().all(|n| n.matches(row)),
            Node::Or(v) => v.iter().any(|n| n.matches(row)),
            Node::Not(n) => !n.matches(row),
            Node::Cmp(c) => c.matches(row),
            Node::Contains(needle) => ["name", "cmdline"].iter().any(|f| match row.field(f) {
                Value::Text(s) => s.to_lowercase().contains(&needle.lower),
                Value::Num(x) => x.to_string().contains(&needle.lower),
                Value::Missing => false,
            }),
        }
    }

    fn collect_fields<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Node::And(v) | Node::Or(v) => v.iter().for_each(|n| n.collect_fields(out)),
            Node::Not(n) => n.collect_fields(out),
            Node::Cmp(c) => out.push(&c.field),
            Node::Contains(_) => out.extend(["name", "cmdline"]),
        }
    }
}

impl Cmp {
    fn matches(&self, row: &impl Fields) -> bool {
        let lit = &self.lit;
        match (row.field(&self.field), self.op) {
            (Value::Missing, _) => false,
            (Value::Num(x), Op::Match | Op::NotMatch) => {
                !x.is_nan() && self.regex_matches(&x.to_string())
            }
            (Value::Text(s), Op::Match | Op::NotMatch) => self.regex_matches(&s),
            // partial_cmp is None for NaN: a value that is no number matches nothing.
            (Value::Num(x), op) => match lit.num.and_then(|y| x.partial_cmp(&y)) {
                Some(ordering) => op.holds(ordering),
                None => false,
            },
            (Value::Text(s), op) => op.holds(s.to_lowercase().cmp(&lit.lower)),
        }
    }

    /// `~` or `!~` on `text`; false for the other operators (never reached).
    fn regex_matches(&self, text: &str) -> bool {
        match (&self.lit.regex, self.op) {
            (Some(re), Op::Match) => re.is_match(text),
            (Some(re), Op::NotMatch) => !re.is_match(text),
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------
// Printing: the canonical text of a query.

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.root.fmt(f)
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::And(v) => {
                for (i, n) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and ")?;
                    }
                    // `and` binds tighter than `or`: an `or` inside needs parentheses.
                    match n {
                        Node::Or(_) => write!(f, "({n})")?,
                        _ => write!(f, "{n}")?,
                    }
                }
                Ok(())
            }
            Node::Or(v) => {
                for (i, n) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" or ")?;
                    }
                    write!(f, "{n}")?;
                }
                Ok(())
            }
            Node::Not(n) => match **n {
                Node::And(_) | Node::Or(_) => write!(f, "not ({n})"),
                _ => write!(f, "not {n}"),
            },
            Node::Cmp(c) => write!(f, "{} {} {}", c.field, c.op.symbol(), Quoted(&c.lit.text)),
            Node::Contains(needle) => write!(f, "{}", Quoted(&needle.text)),
        }
    }
}

/// A value printed so that the lexer reads it back as one token with this text:
/// as is when it is a plain word, else in double quotes.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let plain = !s.is_empty()
            && !s.starts_with('\'')
            && s.chars().all(is_word_char)
            && keyword(s).is_none();
        if plain {
            return f.write_str(s);
        }
        f.write_str("\"")?;
        for c in s.chars() {
            if c == '"' || c == '\\' {
                f.write_str("\\")?;
            }
            write!(f, "{c}")?;
        }
        f.write_str("\"")
    }
}

// ---------------------------------------------------------------------------
// Lexing.

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    LParen,
    RParen,
    Op(Op),
    /// `not` or `!`.
    Not,
    And,
    Or,
    /// An unquoted word (a field name, a value or a search word).
    Word(String),
    /// A quoted string, unescaped.
    Str(String),
    End,
}

/// A token and where it starts.
#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// Byte offset in the query.
    pos: usize,
}

impl Token {
    /// The token as an error message names it.
    fn describe(&self) -> String {
        match &self.kind {
            Kind::LParen => "`(`".into(),
            Kind::RParen => "`)`".into(),
            Kind::Op(op) => format!("`{}`", op.symbol()),
            Kind::Not => "`not`".into(),
            Kind::And => "`and`".into(),
            Kind::Or => "`or`".into(),
            Kind::Word(w) => format!("`{}`", snippet(w)),
            Kind::Str(s) => format!("\"{}\"", snippet(s)),
            Kind::End => "the end of the query".into(),
        }
    }
}

/// `s` for an error message: at most 32 characters, control characters escaped,
/// so that the message stays one short line whatever the query holds.
fn snippet(s: &str) -> String {
    const MAX: usize = 32;
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `c` may be part of an unquoted word: anything but white space, quotes,
/// parentheses and the operator characters. (`'` inside a word is kept, so that
/// `don't` is a word; it starts a string only at the start of a token.)
fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '(' | ')' | '"' | '=' | '!' | '<' | '>' | '~')
}

/// The keyword `word` spells, ignoring case.
fn keyword(word: &str) -> Option<Kind> {
    if word.eq_ignore_ascii_case("and") {
        Some(Kind::And)
    } else if word.eq_ignore_ascii_case("or") {
        Some(Kind::Or)
    } else if word.eq_ignore_ascii_case("not") {
        Some(Kind::Not)
    } else {
        None
    }
}

/// Splits the query into tokens, ending with [`Kind::End`] at `q.len()`.
fn lex(q: &str) -> Result<Vec<Token>, QueryError> {
    let mut tokens = Vec::new();
    let mut chars = q.char_indices().peekable();
    while let Some(&(pos, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        // The second character of a two-character operator, if it is `next`.
        let mut two = |next: char| -> bool {
            chars.next();
            if chars.peek().map(|&(_, c)| c) == Some(next) {
                chars.next();
                true
            } else {
                false
            }
        };
        let kind = match c {
            '(' => {
                chars.next();
                Kind::LParen
            }
            ')' => {
                chars.next();
                Kind::RParen
            }
            '=' => {
                two('=');
                Kind::Op(Op::Eq)
            }
            '~' => {
                chars.next();
                Kind::Op(Op::Match)
            }
            '>' => Kind::Op(if two('=') { Op::Ge } else { Op::Gt }),
            '<' => Kind::Op(if two('=') { Op::Le } else { Op::Lt }),
            '!' => {
                chars.next();
                match chars.peek().map(|&(_, c)| c) {
                    Some('=') => {
                        chars.next();
                        Kind::Op(Op::Ne)
                    }
                    Some('~') => {
                        chars.next();
                        Kind::Op(Op::NotMatch)
                    }
                    _ => Kind::Not,
                }
            }
            '"' | '\'' => {
                chars.next();
                let mut s = String::new();
                let mut closed = false;
                while let Some((_, ch)) = chars.next() {
                    if ch == c {
                        closed = true;
                        break;
                    }
                    if ch == '\\' {
                        match chars.peek().map(|&(_, n)| n) {
                            Some(n) if n == c || n == '\\' => {
                                chars.next();
                                s.push(n);
                            }
                            // Any other backslash is kept, so regexes read as written.
                            _ => s.push('\\'),
                        }
                    } else {
                        s.push(ch);
                    }
                }
                if !closed {
                    return Err(QueryError::new(
                        format!("unterminated string: no closing {c}"),
                        pos,
                    ));
                }
                Kind::Str(s)
            }
            _ => {
                let mut w = String::new();
                while let Some(&(_, ch)) = chars.peek() {
                    if !is_word_char(ch) {
                        break;
                    }
                    w.push(ch);
                    chars.next();
                }
                keyword(&w).unwrap_or(Kind::Word(w))
            }
        };
        tokens.push(Token { kind, pos });
    }
    tokens.push(Token {
        kind: Kind::End,
        pos: q.len(),
    });
    Ok(tokens)
}

// ---------------------------------------------------------------------------
// Parsing: recursive descent over the tokens.
//
//   or    := and ("or" and)*
//   and   := unary (["and"] unary)*        two terms side by side are `and`
//   unary := ("not" | "!")* primary
//   primary := "(" or ")" | WORD OP value | WORD | STRING
//   value := WORD | STRING

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// Parentheses open around the current position.
    depth: usize,
    /// The query's length: the position of errors at its end.
    end: usize,
}

impl Parser {
    /// The next token, not consumed; [`Kind::End`] past the end.
    fn peek(&self) -> Token {
        self.tokens.get(self.next).cloned().unwrap_or(Token {
            kind: Kind::End,
            pos: self.end,
        })
    }

    /// Consumes and returns the next token.
    fn bump(&mut self) -> Token {
        let t = self.peek();
        if self.next < self.tokens.len() {
            self.next += 1;
        }
        t
    }

    fn or(&mut self) -> Result<Node, QueryError> {
        let mut terms = Vec::new();
        push_flat(&mut terms, self.and()?, false);
        while self.peek().kind == Kind::Or {
            self.bump();
            push_flat(&mut terms, self.and()?, false);
        }
        Ok(single_or(terms, Node::Or))
    }

    fn and(&mut self) -> Result<Node, QueryError> {
        let mut terms = Vec::new();
        push_flat(&mut terms, self.unary()?, true);
        loop {
            match self.peek().kind {
                Kind::And => {
                    self.bump();
                }
                // A term right after a term: the implicit `and`.
                Kind::Word(_) | Kind::Str(_) | Kind::Not | Kind::LParen => {}
                _ => break,
            }
            push_flat(&mut terms, self.unary()?, true);
        }
        Ok(single_or(terms, Node::And))
    }

    fn unary(&mut self) -> Result<Node, QueryError> {
        // Counted, not recursed: `!!!!...` of any length costs no stack.
        let mut negate = false;
        while self.peek().kind == Kind::Not {
            self.bump();
            negate = !negate;
        }
        let node = self.primary()?;
        Ok(if negate { negated(node) } else { node })
    }

    fn primary(&mut self) -> Result<Node, QueryError> {
        let t = self.bump();
        match t.kind {
            Kind::LParen => {
                if self.depth >= MAX_DEPTH {
                    return Err(QueryError::new(
                        format!("parentheses nested more than {MAX_DEPTH} deep"),
                        t.pos,
                    ));
                }
                let inside = self.peek();
                if inside.kind == Kind::RParen {
                    return Err(QueryError::new("empty parentheses", inside.pos));
                }
                if inside.kind == Kind::End {
                    return Err(QueryError::new("unclosed `(`", t.pos));
                }
                self.depth += 1;
                let node = self.or()?;
                self.depth -= 1;
                let close = self.bump();
                match close.kind {
                    Kind::RParen => Ok(node),
                    Kind::End => Err(QueryError::new("unclosed `(`", t.pos)),
                    Kind::Op(op) => Err(QueryError::new(
                        format!("`{}` needs a field name on its left", op.symbol()),
                        close.pos,
                    )),
                    _ => Err(QueryError::new(
                        format!("expected `)`, found {}", close.describe()),
                        close.pos,
                    )),
                }
            }
            Kind::Word(w) => {
                if let Kind::Op(op) = self.peek().kind {
                    self.bump();
                    self.comparison(&w, op)
                } else {
                    Ok(Node::Contains(Needle {
                        lower: w.to_lowercase(),
                        text: w,
                    }))
                }
            }
            Kind::Str(s) => {
                if let Kind::Op(op) = self.peek().kind {
                    return Err(QueryError::new(
                        format!("the field name before `{}` must not be quoted", op.symbol()),
                        t.pos,
                    ));
                }
                Ok(Node::Contains(Needle {
                    lower: s.to_lowercase(),
                    text: s,
                }))
            }
            Kind::Op(op) => Err(QueryError::new(
                format!("`{}` needs a field name on its left", op.symbol()),
                t.pos,
            )),
            Kind::RParen => Err(QueryError::new("unmatched `)`", t.pos)),
            Kind::Not | Kind::And | Kind::Or | Kind::End => Err(QueryError::new(
                format!(
                    "expected a word, a comparison or `(`, found {}",
                    t.describe()
                ),
                t.pos,
            )),
        }
    }

    /// The rest of `field op value`, the operator consumed.
    fn comparison(&mut self, field: &str, op: Op) -> Result<Node, QueryError> {
        let field = field.to_lowercase();
        let t = self.bump();
        let text = match t.kind {
            Kind::Word(v) | Kind::Str(v) => v,
            Kind::And | Kind::Or | Kind::Not => {
                return Err(QueryError::new(
                    format!(
                        "expected a value after `{}`, found the keyword {} (quote it to compare with the word)",
                        op.symbol(),
                        t.describe()
                    ),
                    t.pos,
                ))
            }
            _ => {
                return Err(QueryError::new(
                    format!("expected a value after `{}`, found {}", op.symbol(), t.describe()),
                    t.pos,
                ))
            }
        };
        let num = parse_number(&text);
        let regex = match op {
            Op::Match | Op::NotMatch => {
                Some(compile_regex(&text).map_err(|m| QueryError::new(m, t.pos))?)
            }
            _ => {
                if num.is_none() && is_numeric_field(&field) {
                    return Err(QueryError::new(
                        format!(
                            "`{field}` is a number: `{}` is not one (e.g. 5, -1.5, 100M, 2GiB, 1:30)",
                            snippet(&text)
                        ),
                        t.pos,
                    ));
                }
                None
            }
        };
        let lit = Literal {
            lower: text.to_lowercase(),
            text,
            num,
            regex,
        };
        Ok(Node::Cmp(Cmp { field, op, lit }))
    }
}

/// Appends `node` to the terms of an `and` (`into_and`) or an `or`, splicing in the
/// terms of a node of the same kind: `(a and b) and c` is one three-term `and`.
fn push_flat(terms: &mut Vec<Node>, node: Node, into_and: bool) {
    match node {
        Node::And(v) if into_and => terms.extend(v),
        Node::Or(v) if !into_and => terms.extend(v),
        n => terms.push(n),
    }
}

/// The one term itself, or the `and`/`or` (`make`) of several.
fn single_or(mut terms: Vec<Node>, make: fn(Vec<Node>) -> Node) -> Node {
    if terms.len() == 1 {
        if let Some(n) = terms.pop() {
            return n;
        }
    }
    make(terms)
}

/// `not node`, with `not not x` folded to `x` (the logic is two-valued: a Missing
/// field gives false, not "unknown", so the double negation is the identity).
fn negated(node: Node) -> Node {
    match node {
        Node::Not(inner) => *inner,
        n => Node::Not(Box::new(n)),
    }
}

/// Compiles a `~` pattern; the error is one line (the regex crate's own message
/// spans several, with the pattern and a caret).
fn compile_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => "the regular expression is too big".to_string(),
            e => {
                let text = e.to_string();
                let detail = text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("error: "))
                    .map(str::to_string)
                    .unwrap_or_else(|| text.split_whitespace().collect::<Vec<_>>().join(" "));
                format!("bad regular expression: {}", snippet(&detail))
            }
        })
}

// ---------------------------------------------------------------------------
// Number literals.

/// The value of a number literal: a decimal with an optional size unit, or a
/// duration (`M:SS`, `H:MM:SS`, `D-HH:MM:SS`) in seconds. `None` if `s` is not one.
fn parse_number(s: &str) -> Option<f64> {
    if s.contains(':') {
        return parse_duration(s);
    }
    let digits_end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+'))))
        .map_or(s.len(), |(i, _)| i);
    let (number, unit) = s.split_at(digits_end);
    let unsigned = number.trim_start_matches(['-', '+']);
    if !unsigned.bytes().any(|b| b.is_ascii_digit()) || unsigned.matches('.').count() > 1 {
        return None;
    }
    let scale = unit_scale(unit)?;
    let value = number.parse::<f64>().ok()? * scale;
    value.is_finite().then_some(value)
}

/// The multiplier of a size unit, ignoring case; `None` for an unknown unit.
fn unit_scale(unit: &str) -> Option<f64> {
    const KI: f64 = 1024.0;
    const K: f64 = 1000.0;
    let scale = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => KI,
        "m" | "mib" => KI * KI,
        "g" | "gib" => KI * KI * KI,
        "t" | "tib" => KI * KI * KI * KI,
        "p" | "pib" => KI * KI * KI * KI * KI,
        "kb" => K,
        "mb" => K * K,
        "gb" => K * K * K,
        "tb" => K * K * K * K,
        "pb" => K * K * K * K * K,
        _ => return None,
    };
    Some(scale)
}

/// `M:SS[.frac]`, `H:MM:SS[.frac]` or `D-HH:MM:SS[.frac]` in seconds (ps and top
/// print CPU time so). Every part after the first is below 60 (hours below 24 after
/// days): `1:90` is a typo, not 150 seconds.
fn parse_duration(s: &str) -> Option<f64> {
    let (days, clock) = match s.split_once('-') {
        Some((d, rest)) => (Some(parse_uint(d)?), rest),
        None => (None, s),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let (&secs, whole) = parts.split_last()?;
    // M:SS or H:MM:SS; days only before H:MM:SS, as ps writes them.
    if whole.is_empty() || whole.len() > 2 || (days.is_some() && whole.len() != 2) {
        return None;
    }
    // The whole minutes, then the seconds added: H:MM:SS is (H * 60 + MM) * 60 + SS.
    let mut minutes = 0.0;
    for (i, part) in whole.iter().enumerate() {
        let v = parse_uint(part)?;
        // The leading part is unbounded (200:00 is 200 minutes) unless days lead.
        let limit = match (i, days) {
            (0, None) => f64::INFINITY,
            (0, Some(_)) => 24.0,
            _ => 60.0,
        };
        if v >= limit {
            return None;
        }
        minutes = minutes * 60.0 + v;
    }
    let (int, frac) = secs.split_once('.').unwrap_or((secs, ""));
    parse_uint(int)?;
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sec: f64 = secs.parse().ok()?;
    if sec >= 60.0 {
        return None;
    }
    let value = days.unwrap_or(0.0) * 86_400.0 + minutes * 60.0 + sec;
    value.is_finite().then_some(value)
}

/// A non-empty run of ASCII digits as a number.
fn parse_uint(s: &str) -> Option<f64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::live::fields::test_row::Row;

    /// sshd run by root: pid 42, 7.5 % CPU, 1.2 % memory, 200 MiB resident, 95 s.
    fn sshd() -> Row {
        Row::pid(42)
            .num("ppid", 1.0)
            .text("user", "root")
            .text("name", "sshd")
            .text("cmdline", "/usr/sbin/sshd -D")
            .text("status", "sleeping")
            .num("cpu", 7.5)
            .num("mem", 1.2)
            .num("rss", 200.0 * 1024.0 * 1024.0)
            .num("nice", -5.0)
            .num("time", 95.0)
    }

    /// A user's bash: pid 1000, idle, 4 MiB resident, 2 s.
    fn bash() -> Row {
        Row::pid(1000)
            .num("ppid", 999.0)
            .text("user", "alice")
            .text("name", "bash")
            .text("cmdline", "-bash")
            .text("status", "sleeping")
            .num("cpu", 0.0)
            .num("mem", 0.1)
            .num("rss", 4.0 * 1024.0 * 1024.0)
            .num("nice", 0.0)
            .num("time", 2.0)
    }

    /// A process of another user whose details could not be read.
    fn hidden() -> Row {
        Row::pid(7)
            .missing("user")
            .missing("name")
            .missing("cmdline")
            .missing("cpu")
    }

    fn q(s: &str) -> Query {
        match parse(s) {
            Ok(q) => q,
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    fn err(s: &str) -> QueryError {
        match parse(s) {
            Ok(q) => panic!("{s:?} should not parse, gave {q}"),
            Err(e) => e,
        }
    }

    /// The rows of [sshd, bash, hidden] the query keeps, by name.
    fn kept(s: &str) -> Vec<&'static str> {
        let query = q(s);
        [(sshd(), "sshd"), (bash(), "bash"), (hidden(), "hidden")]
            .into_iter()
            .filter(|(row, _)| query.matches(row))
            .map(|(_, name)| name)
            .collect()
    }

    #[test]
    fn comparisons_and_and() {
        assert_eq!(kept("cpu > 5 and user = root"), ["sshd"]);
        assert_eq!(kept("cpu > 7.5"), Vec::<&str>::new());
        assert_eq!(kept("cpu >= 7.5"), ["sshd"]);
        assert_eq!(kept("cpu < 1"), ["bash"]);
        assert_eq!(kept("cpu <= 0"), ["bash"]);
        assert_eq!(kept("pid = 42"), ["sshd"]);
        assert_eq!(kept("pid == 42"), ["sshd"]);
        assert_eq!(kept("pid != 42"), ["bash", "hidden"]);
        assert_eq!(kept("nice < -1"), ["sshd"]);
        assert_eq!(kept("cpu>5"), ["sshd"], "no spaces needed around operators");
    }

    #[test]
    fn text_equality_ignores_case() {
        assert_eq!(kept("user = ROOT"), ["sshd"]);
        assert_eq!(kept("name = SshD"), ["sshd"]);
        assert_eq!(
            kept("user != root"),
            ["bash"],
            "a Missing user is not `!= root` either"
        );
        assert_eq!(
            kept("name = ssh"),
            Vec::<&str>::new(),
            "= is equality, not containment"
        );
        assert_eq!(kept("status = Sleeping"), ["sshd", "bash"]);
    }

    #[test]
    fn text_ordering_is_lower_cased() {
        assert_eq!(kept("name < c"), ["bash"]);
        assert_eq!(kept("name > C"), ["sshd"]);
        assert_eq!(kept("user >= ALICE"), ["sshd", "bash"]);
    }

    #[test]
    fn regex_match() {
        assert_eq!(kept(r#"name ~ "^ssh""#), ["sshd"]);
        assert_eq!(
            kept("name ~ ^ssh"),
            ["sshd"],
            "a pattern without specials needs no quotes"
        );
        assert_eq!(
            kept(r#"name ~ "^SSH""#),
            Vec::<&str>::new(),
            "case-sensitive"
        );
        assert_eq!(kept(r#"name ~ "(?i)^SSH""#), ["sshd"]);
        assert_eq!(kept(r#"cmdline ~ "-D$""#), ["sshd"]);
        assert_eq!(
            kept(r#"name !~ "^ssh""#),
            ["bash"],
            "Missing matches neither ~ nor !~"
        );
        assert_eq!(
            kept(r#"cmdline ~ "\s-D""#),
            ["sshd"],
            r"\s is kept as written"
        );
        // A number matches as written: 42, 1000, 7.5.
        assert_eq!(kept(r#"pid ~ "^4""#), ["sshd"]);
        assert_eq!(kept(r#"cpu ~ "\.5$""#), ["sshd"]);
        assert_eq!(
            kept(r#"pid ~ "^1000$""#),
            ["bash"],
            "integral numbers print without .0"
        );
    }

    #[test]
    fn not_and_parentheses() {
        assert_eq!(kept("!name = bash"), ["sshd", "hidden"]);
        assert_eq!(kept("not name = bash"), ["sshd", "hidden"]);
        assert_eq!(
            kept("not (user = root or user = nobody)"),
            ["bash", "hidden"]
        );
        assert_eq!(kept("!(cpu > 5)"), ["bash", "hidden"]);
        assert_eq!(kept("!!(cpu > 5)"), ["sshd"]);
        assert_eq!(
            kept("NOT cpu > 5"),
            ["bash", "hidden"],
            "keywords ignore case"
        );
    }

    #[test]
    fn precedence_and_juxtaposition() {
        // and binds tighter than or: (user = alice and cpu > 5) or pid = 42.
        assert_eq!(kept("user = alice and cpu > 5 or pid = 42"), ["sshd"]);
        assert_eq!(
            kept("user = alice and (cpu > 5 or pid = 42)"),
            Vec::<&str>::new()
        );
        assert_eq!(
            kept("pid = 42 or user = alice and cpu < 1"),
            ["sshd", "bash"]
        );
        assert_eq!(
            kept("ssh root"),
            Vec::<&str>::new(),
            "`root` is not in sshd's name or cmdline"
        );
        assert_eq!(kept("ssh usr"), ["sshd"], "/usr is in its cmdline");
        assert_eq!(kept("ssh alice"), Vec::<&str>::new());
        assert_eq!(kept("ssh sbin"), ["sshd"]);
        assert_eq!(kept("ssh user = root"), ["sshd"]);
        assert_eq!(kept("ssh AND user = root OR bash"), ["sshd", "bash"]);
        assert_eq!(q("ssh root").to_string(), "ssh and root");
    }

    #[test]
    fn bare_words_search_name_and_cmdline() {
        assert_eq!(kept("ssh"), ["sshd"]);
        assert_eq!(kept("SSH"), ["sshd"], "case-insensitive");
        assert_eq!(kept("sbin"), ["sshd"], "found in the cmdline only");
        assert_eq!(kept("-bash"), ["bash"]);
        assert_eq!(kept("zsh"), Vec::<&str>::new());
        let only_cmdline = Row::pid(5)
            .missing("name")
            .text("cmdline", "python3 my prog.py");
        assert!(q(r#""my prog""#).matches(&only_cmdline));
        assert!(q("'MY PROG'").matches(&only_cmdline));
        assert!(!q(r#""my  prog""#).matches(&only_cmdline));
        assert!(!q("ssh").matches(&hidden()));
    }

    #[test]
    fn missing_fields_fail_every_comparison() {
        let h = hidden();
        for s in [
            "cpu > 1",
            "cpu < 1",
            "cpu = 0",
            "cpu != 0",
            "user = root",
            "user != root",
            "user ~ .",
            "user !~ x",
        ] {
            assert!(!q(s).matches(&h), "{s} on a Missing field");
            assert!(
                q(&format!("not ({s})")).matches(&h),
                "not ({s}) on a Missing field"
            );
        }
        // A field the row does not answer at all is Missing too.
        assert!(!q("shr > 0").matches(&sshd()));
        assert!(!q("frobs != 1").matches(&sshd()));
    }

    #[test]
    fn number_against_non_number_literal() {
        // Known number fields: refused at parse time.
        let e = err("cpu > lots");
        assert_eq!(e.position(), 6);
        assert!(e.message().contains("`cpu` is a number"), "{e}");
        assert!(parse("pid = abc").is_err());
        assert!(parse("time > 1:90").is_err());
        // Unknown fields: parsed, false on a number (and compared as text on text).
        let row = Row::pid(1).num("weight", 3.0).text("colour", "red");
        assert!(!q("weight = abc").matches(&row));
        assert!(!q("weight != abc").matches(&row));
        assert!(q("weight = 3").matches(&row));
        assert!(q("colour = RED").matches(&row));
        // A quoted number is a number.
        assert_eq!(kept(r#"cpu > "5""#), ["sshd"]);
    }

    #[test]
    fn sizes_and_units() {
        assert_eq!(kept("rss > 100M"), ["sshd"]);
        assert_eq!(kept("rss > 200M"), Vec::<&str>::new());
        assert_eq!(kept("rss >= 200MiB"), ["sshd"]);
        assert_eq!(kept("rss > 209MB"), ["sshd"], "200 MiB is 209.7 MB");
        assert_eq!(kept("rss > 210mb"), Vec::<&str>::new());
        assert_eq!(kept("rss < 0.5g"), ["sshd", "bash"]);
        assert_eq!(kept("mem >= 1.5"), Vec::<&str>::new());
        assert_eq!(kept("mem >= 1.2"), ["sshd"]);

        let n = |s: &str| parse_number(s);
        assert_eq!(n("5"), Some(5.0));
        assert_eq!(n("-3"), Some(-3.0));
        assert_eq!(n("+2.5"), Some(2.5));
        assert_eq!(n(".5"), Some(0.5));
        assert_eq!(n("1k"), Some(1024.0));
        assert_eq!(n("1K"), Some(1024.0));
        assert_eq!(n("1KiB"), Some(1024.0));
        assert_eq!(n("1kib"), Some(1024.0));
        assert_eq!(n("1KB"), Some(1000.0));
        assert_eq!(n("1.5M"), Some(1.5 * 1024.0 * 1024.0));
        assert_eq!(n("2MB"), Some(2e6));
        assert_eq!(n("3G"), Some(3.0 * 1024f64.powi(3)));
        assert_eq!(n("3GiB"), Some(3.0 * 1024f64.powi(3)));
        assert_eq!(n("3gb"), Some(3e9));
        assert_eq!(n("1T"), Some(1024f64.powi(4)));
        assert_eq!(n("1TB"), Some(1e12));
        assert_eq!(n("1P"), Some(1024f64.powi(5)));
        assert_eq!(n("7B"), Some(7.0));
        for bad in [
            "", "-", ".", "1..2", "1.2.3", "1e3", "5x", "5 M", "--5", "M", "inf", "NaN", "1Mi",
            "0x10",
        ] {
            assert_eq!(n(bad), None, "{bad:?}");
        }
        // Too large for an f64 once scaled.
        assert_eq!(n(&format!("1{}P", "0".repeat(400))), None);
    }

    #[test]
    fn durations() {
        let n = |s: &str| parse_number(s);
        assert_eq!(n("1:30"), Some(90.0));
        assert_eq!(n("0:05"), Some(5.0));
        assert_eq!(n("200:00"), Some(12_000.0), "the leading part is unbounded");
        assert_eq!(n("1:30.5"), Some(90.5));
        assert_eq!(n("1:02:03"), Some(3723.0));
        assert_eq!(n("2-01:00:00"), Some(2.0 * 86_400.0 + 3600.0));
        for bad in [
            "1:",
            ":30",
            "1:60",
            "1:90",
            "1:60:00",
            "1:2:3:4",
            "2-1:30",
            "2-24:00:00",
            "a:30",
            "1:3x",
            "1:.5",
            "-1:30",
            "1:30.5.5",
        ] {
            assert_eq!(n(bad), None, "{bad:?}");
        }
        assert_eq!(kept("time > 1:30"), ["sshd"]);
        assert_eq!(kept("time > 1:40"), Vec::<&str>::new());
    }

    #[test]
    fn quoting_and_escapes() {
        let row = Row::pid(1).text("name", r#"a "quoted" \ name"#);
        assert!(q(r#"name = "a \"quoted\" \\ name""#).matches(&row));
        assert!(q(r#"name = 'a "quoted" \ name'"#).matches(&row));
        assert!(
            q(r#"name ~ "\\\\""#).matches(&row),
            r"\\\\ is the regex \\: a backslash"
        );
        // A keyword quoted is a word.
        let and = Row::pid(2).text("name", "and");
        assert!(q(r#"name = "and""#).matches(&and));
        assert!(q(r#""AND""#).matches(&and));
        // `'` inside a word is part of it.
        let dont = Row::pid(3).text("name", "don't");
        assert!(q("don't").matches(&dont));
        assert!(q("name = don't").matches(&dont));
    }

    #[test]
    fn empty_query_keeps_everything() {
        for s in ["", "   ", "\t\n"] {
            assert!(q(s).is_empty());
            assert_eq!(kept(s), ["sshd", "bash", "hidden"]);
            assert_eq!(q(s).to_string(), "");
        }
        assert!(!q("x").is_empty());
    }

    #[test]
    fn fields_read() {
        assert_eq!(
            q("cpu > 5 and (User = root or ssh) and !cpu < 1").fields(),
            ["cmdline", "cpu", "name", "user"]
        );
        assert!(q("").fields().is_empty());
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "cpu >",
                5,
                "expected a value after `>`, found the end of the query",
            ),
            ("(", 0, "unclosed `(`"),
            ("(cpu > 5", 0, "unclosed `(`"),
            ("cpu > 5)", 7, "unmatched `)`"),
            (")", 0, "unmatched `)`"),
            ("()", 1, "empty parentheses"),
            (r#"name = "abc"#, 7, "unterminated string: no closing \""),
            ("name = 'abc", 7, "unterminated string: no closing '"),
            ("= 5", 0, "`=` needs a field name on its left"),
            ("cpu > 5 > 3", 8, "`>` needs a field name on its left"),
            (
                "and",
                0,
                "expected a word, a comparison or `(`, found `and`",
            ),
            (
                "ssh or",
                6,
                "expected a word, a comparison or `(`, found the end of the query",
            ),
            (
                "not",
                3,
                "expected a word, a comparison or `(`, found the end of the query",
            ),
            (
                "ssh and or x",
                8,
                "expected a word, a comparison or `(`, found `or`",
            ),
            (
                r#""my field" = 5"#,
                0,
                "the field name before `=` must not be quoted",
            ),
            ("(a b c d", 0, "unclosed `(`"),
            ("(a = )", 5, "expected a value after `=`, found `)`"),
            ("(a = 1 =", 7, "`=` needs a field name on its left"),
        ];
        for &(query, position, message) in cases {
            let e = err(query);
            assert_eq!(
                (e.message(), e.position()),
                (message, position),
                "{query:?}"
            );
            assert_eq!(e.to_string(), format!("{message} (at byte {position})"));
        }
        let e = err("name = and");
        assert_eq!(e.position(), 7);
        assert!(
            e.message().contains("keyword `and`") && e.message().contains("quote"),
            "{e}"
        );
    }

    #[test]
    fn bad_regex_is_a_one_line_parse_error() {
        let e = err(r#"name ~ "[""#);
        assert_eq!(e.position(), 7);
        assert_eq!(
            e.message(),
            "bad regular expression: unclosed character class"
        );
        assert!(!e.to_string().contains('\n'));
        let e = err(r#"cmdline !~ "a(b""#);
        assert_eq!(e.position(), 11);
        assert_eq!(e.message(), "bad regular expression: unclosed group");
        let e = err(r"name ~ \w{1000}{1000}");
        assert_eq!(e.message(), "the regular expression is too big");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
        let e = err(&deep);
        assert_eq!(e.position(), MAX_DEPTH);
        assert_eq!(e.message(), "parentheses nested more than 64 deep");
        let ok = format!("{}x{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(q(&ok).to_string(), "x");
        // Negations are counted, not nested: any number is fine.
        assert_eq!(q(&format!("{}x", "!".repeat(100_001))).to_string(), "not x");
        assert_eq!(q(&format!("{}x", "not ".repeat(100_000))).to_string(), "x");
        // A long flat chain is one node.
        let long = vec!["a"; 100_000].join(" or ");
        assert!(q(&long).matches(&Row::pid(1).text("name", "a")));
    }

    #[test]
    fn display_is_canonical() {
        let cases = [
            ("!name = bash", "not name = bash"),
            (
                "not (user = root or user = nobody)",
                "not (user = root or user = nobody)",
            ),
            ("(a or b) c", "(a or b) and c"),
            ("a or (b c)", "a or b and c"),
            ("((a and b) and c)", "a and b and c"),
            ("(a or b) or c", "a or b or c"),
            ("!!x", "x"),
            ("!(!(x))", "x"),
            ("not (a b)", "not (a and b)"),
            ("CPU>=1.5G", "cpu >= 1.5G"),
            ("name ~ '^s(sh|cp)'", r#"name ~ "^s(sh|cp)""#),
            (r#""my prog""#, r#""my prog""#),
            (r#""and""#, r#""and""#),
            (r#"name = 'it''s'"#, "name = it and s"),
            (r#"x = "a\"b\\c""#, r#"x = "a\"b\\c""#),
            (r#"x = "'q""#, r#"x = "'q""#),
            ("x = don't", "x = don't"),
            ("x = \"\"", "x = \"\""),
            ("pid == 1", "pid = 1"),
        ];
        for (input, canonical) in cases {
            assert_eq!(q(input).to_string(), canonical, "{input:?}");
            assert_eq!(
                q(canonical).to_string(),
                canonical,
                "{canonical:?} reads back"
            );
        }
    }

    #[test]
    fn error_snippets_stay_on_one_line() {
        let e = err("cpu > \"a\nb\"");
        assert!(!e.to_string().contains('\n'), "{e}");
        let e = err(&format!("cpu > {}", "z".repeat(500)));
        assert!(e.message().len() < 120, "{e}");
    }

    // -- property tests ---------------------------------------------------------

    /// Pieces of the language, to build plausible (mostly invalid) queries from.
    fn soup() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("(".to_string()),
            Just(")".to_string()),
            Just(" ".to_string()),
            Just("\"".to_string()),
            Just("'".to_string()),
            Just("\\".to_string()),
            Just("!".to_string()),
            Just("=".to_string()),
            Just("~".to_string()),
            Just(">".to_string()),
            Just("<".to_string()),
            Just("and".to_string()),
            Just("or".to_string()),
            Just("not".to_string()),
            Just("cpu".to_string()),
            Just("name".to_string()),
            Just("5".to_string()),
            Just("1:30".to_string()),
            Just("100M".to_string()),
            Just("[".to_string()),
            Just("é".to_string()),
            Just("\u{1F600}".to_string()),
            "[a-z]{1,3}",
        ];
        proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
    }

    /// A row with some of the fields, each a number, a text or Missing.
    fn any_row() -> impl Strategy<Value = Row> {
        let value = prop_oneof![
            (-3i32..200).prop_map(|n| Value::Num(f64::from(n) / 2.0)),
            "[a-cA-C ]{0,4}".prop_map(Value::Text),
            Just(Value::Missing),
        ];
        proptest::collection::vec(value, 6).prop_map(|vals| {
            let names = ["pid", "cpu", "name", "cmdline", "user", "foo"];
            Row(names.iter().map(|n| n.to_string()).zip(vals).collect())
        })
    }

    /// Valid queries, written loosely (extra parentheses, `!`, juxtaposition, case).
    fn valid_query() -> impl Strategy<Value = String> {
        let text = "[a-cA-C \"'\\\\é]{0,4}";
        let quote = |s: String| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let word = "[a-c]{1,3}|[a-c]{1,2}[0-9.:-]";
        let number = prop_oneof![
            (-100i32..100).prop_map(|n| n.to_string()),
            (0u32..1000, "(k|M|GiB|kb|)").prop_map(|(n, u)| format!("{}.{}{u}", n / 10, n % 10)),
            (0u32..100, 0u32..60).prop_map(|(m, s)| format!("{m}:{s:02}")),
        ];
        let leaf = prop_oneof![
            (
                prop::sample::select(vec!["pid", "CPU", "time"]),
                prop::sample::select(vec!["=", "!=", ">", "<", ">=", "<=", "=="]),
                number.clone()
            )
                .prop_map(|(f, op, n)| format!("{f} {op} {n}")),
            (
                prop::sample::select(vec!["name", "user", "foo", "cmdline"]),
                prop::sample::select(vec!["=", "!=", ">", "<="]),
                text
            )
                .prop_map(move |(f, op, v)| format!("{f}{op}{}", quote(v))),
            (
                prop::sample::select(vec!["name", "pid", "foo"]),
                prop::sample::select(vec!["~", "!~"]),
                prop::sample::select(vec!["^a", "b$", "(?i)A|c", r"\d", "[ab]+"])
            )
                .prop_map(move |(f, op, re)| format!("{f} {op} {}", quote(re.to_string()))),
            word.prop_map(|w| w.to_string()),
            text.prop_map(quote),
        ];
        leaf.prop_recursive(5, 40, 4, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) ({b})")),
                inner.clone().prop_map(|a| format!("not ({a})")),
                inner.clone().prop_map(|a| format!("!({a})")),
                inner.prop_map(|a| format!("({a})")),
            ]
        })
    }

    proptest! {
        #[test]
        fn parse_never_panics_on_any_string(s in any::<String>(), row in any_row()) {
            if let Ok(query) = parse(&s) {
                let _ = query.matches(&row);
                let _ = query.to_string();
            }
        }

        #[test]
        fn parse_never_panics_on_token_soup(s in soup(), row in any_row()) {
            match parse(&s) {
                Ok(query) => {
                    let _ = query.matches(&row);
                    // What parses prints as something that parses again.
                    prop_assert!(parse(&query.to_string()).is_ok(), "{:?} -> {}", s, query);
                }
                Err(e) => {
                    prop_assert!(e.position() <= s.len());
                    prop_assert!(s.is_char_boundary(e.position()));
                    prop_assert!(!e.to_string().contains('\n'));
                }
            }
        }

        #[test]
        fn parse_never_panics_on_long_input(chars in proptest::collection::vec(any::<char>(), 0..5000)) {
            let s: String = chars.into_iter().collect();
            let _ = parse(&s);
        }

        #[test]
        fn display_round_trips(s in valid_query(), rows in proptest::collection::vec(any_row(), 8)) {
            let first = parse(&s);
            prop_assert!(first.is_ok(), "{:?}: {:?}", s, first.err());
            let first = first.map_err(|e| TestCaseError::fail(e.to_string()))?;
            let text = first.to_string();
            let second = parse(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
            prop_assert_eq!(&second.to_string(), &text);
            for row in &rows {
                prop_assert_eq!(first.matches(row), second.matches(row), "{} on {:?}", text, row);
            }
        }
    }
}
