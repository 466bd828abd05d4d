//! The one error type of the engine (and so of the worker): every failure names what it was
//! about; the page shows its text.

use rosetta_core::CoreError;

use crate::protocol::{CollectionId, SpaceId};

/// Why a request of the engine did not finish.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// The user cancelled it (checked before each kernel).
    #[error("cancelled")]
    Cancelled,
    #[error("no space with id {0}")]
    NoSpace(SpaceId),
    #[error("no collection with id {0}")]
    NoCollection(CollectionId),
    #[error("{a} has {na} items and {b} has {nb}: not the same items")]
    NotSameItems {
        a: String,
        na: usize,
        b: String,
        nb: usize,
    },
    /// A computation's error with what it was computing (a space's name, a step).
    #[error("{what}: {source}")]
    In { what: String, source: CoreError },
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A helper's job whose arrays do not fit it (the coordinator computes that share itself).
    #[error("job: {0}")]
    Job(String),
}

impl EngineError {
    /// `source` while computing `what`.
    pub fn during(what: impl Into<String>, source: CoreError) -> Self {
        Self::In {
            what: what.into(),
            source,
        }
    }
}
