//! The Web Worker's browser transport: the entry that answers the page's requests (one function
//! per request), the pool of helper workers and a helper's loop. What they compute is
//! `rosetta-engine`'s.

pub mod entry;
pub mod helper;
mod load;
mod maps;
pub mod pool;
mod requests;
