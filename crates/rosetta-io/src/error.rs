//! One error type for every parser: where in the file, and what is wrong.
//!
//! Parsers return [`ParseError`] (location + problem); [`crate::parse_file`] adds the file name and
//! hands out [`LoadError`], whose `Display` is the message the page and the CLI show verbatim.

use std::fmt;

/// Where in a file a problem was found. Rows and lines are 1-based, as an editor shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A text line (header lines count).
    Line(usize),
    /// A data row of a matrix (0-based row index + 1).
    Row(usize),
    /// A named field, column, key or tensor.
    Field(String),
    /// A byte offset into the file.
    Byte(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(l) => write!(f, "line {l}"),
            Location::Row(r) => write!(f, "row {r}"),
            Location::Field(name) => write!(f, "field '{name}'"),
            Location::Byte(b) => write!(f, "byte {b}"),
        }
    }
}

/// What is wrong with the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("the file is empty")]
    Empty,
    #[error("not a {format} file: {why}")]
    BadMagic { format: &'static str, why: String },
    #[error("the file is cut short: expected {expected} bytes of data, found {found}")]
    Truncated { expected: u64, found: u64 },
    #[error("unsupported data type '{0}' (expected float16/32/64 or an integer type)")]
    UnsupportedDtype(String),
    #[error("expected a 2-D array (items × dimensions), found shape {0}")]
    WrongRank(String),
    #[error("expected {expected} values like the rows before it, found {found}")]
    Ragged { expected: usize, found: usize },
    #[error("'{cell}' is not a number")]
    NotANumber { cell: String },
    #[error("no usable rows: every row has a NaN or infinite value")]
    NoUsableRows,
    #[error("the array has no rows or no columns (shape {0})")]
    NoData(String),
    #[error("the header is malformed: {0}")]
    BadHeader(String),
    #[error("the file is not valid UTF-8 text")]
    NotUtf8,
    #[error("{0}")]
    Unrecognised(String),
    #[error("{size_bytes} bytes is larger than the limit of {limit_bytes} bytes")]
    TooLarge { size_bytes: u64, limit_bytes: u64 },
}

/// A parser's error before the file name is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub at: Option<Location>,
    pub problem: Problem,
}

impl ParseError {
    pub fn new(problem: Problem) -> Self {
        Self { at: None, problem }
    }

    pub fn at(location: Location, problem: Problem) -> Self {
        Self {
            at: Some(location),
            problem,
        }
    }

    /// Attach the file name: the error as the user sees it.
    pub fn in_file(self, file: &str) -> LoadError {
        LoadError {
            file: file.to_owned(),
            at: self.at,
            problem: self.problem,
        }
    }
}

impl From<Problem> for ParseError {
    fn from(problem: Problem) -> Self {
        Self::new(problem)
    }
}

/// A load failure, naming the file, the place and the problem: `digits.npy: row 12: 'abc' is not a number`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    pub at: Option<Location>,
    pub problem: Problem,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{}: {at}: {}", self.file, self.problem),
            None => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

impl std::error::Error for LoadError {}
