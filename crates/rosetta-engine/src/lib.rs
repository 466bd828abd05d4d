//! Rosetta's engine: the work between the browser and the numerics, with no browser API in it.
//!
//! - [`store`]: the loaded collections of spaces (the vectors live here, never in the page);
//! - [`protocol`]: the requests and replies the page and the worker exchange;
//! - [`pool`]: jobs for helper workers and the [`pool::Helpers`] trait a pool implements;
//! - [`shares`]: kernels cut into row or tile shares, computed by this worker and the helpers;
//! - [`compare`]: the one comparison driver (the CLI's and the page's) over [`compare::Kernels`];
//! - [`analysis`]: the charts' kernels (CKA matrix, per-item agreement, anchor curve).
//!
//! Everything here runs on one thread (the worker, or the CLI) and is tested natively.

pub mod analysis;
pub mod compare;
mod error;
pub mod maps;
pub mod pool;
pub mod protocol;
pub mod shares;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::EngineError;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// The value of a future whose every await is ready when polled (the one-thread kernels, helpers
/// that run each job on the spot): one poll finishes it. `None` if it is still waiting.
pub fn ready<T>(f: impl Future<Output = T>) -> Option<T> {
    match pin!(f)
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}
