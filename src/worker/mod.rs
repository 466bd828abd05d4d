//! The Web Worker: it owns the loaded spaces and runs every parse and computation, so the page
//! never freezes. `client` is the page's only door to it (request ids, progress, transfers).
//! Heavy kernels are shared with helper workers (`shares`, `jobs`, `pool`, `helper`).

pub mod analysis;
pub mod client;
pub mod compare;
pub mod entry;
pub mod helper;
pub mod jobs;
pub mod kept;
pub mod pool;
pub mod pool_bench;
pub mod protocol;
pub mod shares;
pub mod store;
pub mod width;
