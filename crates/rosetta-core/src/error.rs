//! The one error type of the numerical core: parameters are checked before any work starts.

/// Why a computation cannot run on the given input or parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    #[error("the data has {rows} × {cols} values but {len} were given")]
    Shape {
        rows: usize,
        cols: usize,
        len: usize,
    },
    #[error("needs at least {needed} items, found {found}")]
    TooFewItems { needed: usize, found: usize },
    #[error("the two spaces describe different numbers of items ({0} and {1})")]
    ItemCountMismatch(usize, usize),
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    #[error("the linear algebra did not converge: {0}")]
    NoConvergence(String),
}
