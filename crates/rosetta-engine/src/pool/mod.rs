//! The jobs a helper worker runs (one share of a kernel, with its arrays) and the [`Helpers`]
//! trait through which the coordinator hands them out ([`crate::shares`] cuts the kernels; the
//! app's `worker/pool.rs` is the browser's implementation). Tested natively with helpers that run
//! each job on the spot ([`crate::testing`]).

mod jobs;
pub mod kept;
pub mod width;

use futures_channel::oneshot;

pub use jobs::{cross_precision, execute, subsample_parts, Job};
pub use kept::Key;

use crate::EngineError;

/// An array sent to or received from a helper.
#[derive(Debug, Clone, PartialEq)]
pub enum Buf {
    F32(Vec<f32>),
    F64(Vec<f64>),
    U32(Vec<u32>),
}

/// An array to send (copied when submitted).
#[derive(Debug, Clone, Copy)]
pub enum BufRef<'a> {
    F32(&'a [f32]),
    F64(&'a [f64]),
    U32(&'a [u32]),
    /// Rows that helpers keep under the key once sent (see [`kept`]): a later job naming the
    /// key sends nothing to a helper that keeps them.
    Kept(Key, &'a [f32]),
}

impl BufRef<'_> {
    pub fn to_owned_buf(self) -> Buf {
        match self {
            Self::F32(v) | Self::Kept(_, v) => Buf::F32(v.to_vec()),
            Self::F64(v) => Buf::F64(v.to_vec()),
            Self::U32(v) => Buf::U32(v.to_vec()),
        }
    }

    /// Bytes this array sends (at most: a kept one may send nothing).
    pub fn byte_len(self) -> usize {
        match self {
            Self::F32(v) | Self::Kept(_, v) => v.len() * 4,
            Self::F64(v) => v.len() * 8,
            Self::U32(v) => v.len() * 4,
        }
    }

    /// The key of a kept array.
    pub fn key(self) -> Option<Key> {
        match self {
            Self::Kept(key, _) => Some(key),
            _ => None,
        }
    }
}

/// `BufRef::Kept(key, rows)` with a key, else `BufRef::F32(rows)`.
pub fn kept_or_sent(key: Option<Key>, rows: &[f32]) -> BufRef<'_> {
    match key {
        Some(key) => BufRef::Kept(key, rows),
        None => BufRef::F32(rows),
    }
}

/// A helper's answer: its arrays, or why it failed.
pub type Answer = Result<Vec<Buf>, EngineError>;

/// Workers that run jobs beside this one.
pub trait Helpers {
    /// How many helpers take shares of a kernel of about `work` multiply-adds that sends about
    /// `bytes_per_helper` to each (0: everything runs here; a pool may keep small kernels to
    /// itself, and use fewer helpers than its width where their copies would not fit in memory).
    fn count(&self, work: f64, bytes_per_helper: usize) -> usize;
    /// Start `job` on helper `h` (< `count()`); the arrays are copied before this returns.
    fn submit(&self, h: usize, job: &Job, arrays: &[BufRef<'_>]) -> oneshot::Receiver<Answer>;
    /// Called once a kernel is joined, with the largest share sent to one helper: a pool may let
    /// helpers go that now hold much memory.
    fn done(&self, _bytes_per_helper: usize) {}
    /// While a helper is still starting: a signal that all have started (or the pool gave up).
    /// The coordinator waits for it before computing its own share: a share computed first would
    /// hold the thread, so a starting helper's "ready" (and its job) would wait until after it.
    fn until_started(&self) -> Option<oneshot::Receiver<()>> {
        None
    }
    /// A new key for rows that several kernels send ([`BufRef::Kept`]); `None`: this pool keeps
    /// nothing (every array is sent with its job).
    fn key(&self) -> Option<Key> {
        None
    }
    /// Helpers drop the rows they keep under `keys`.
    fn forget(&self, _keys: &[Key]) {}
}
