//! Arrays a helper keeps between jobs, so that kernels which read the same rows (a comparison's
//! kNN of X, then its retrieval from X into Y) send them to each helper once: the coordinator
//! copies every array it sends, serially, once per helper, so each array not sent again is time
//! taken off the one thread that cannot be shared. Pure Rust: both sides' bookkeeping is tested
//! natively; `pool.rs` and `helper.rs` carry it over `postMessage`.
//!
//! A job names an array's key beside it: sent with a key, the helper keeps it under that key;
//! named without being sent, the helper uses the one it keeps (a helper that does not hold it
//! fails the job, which the coordinator then computes itself, as any failed share).

use std::collections::{HashMap, HashSet};

use crate::pool::{execute, Answer, Buf, Job};
use crate::EngineError;

/// The name of an array kept by helpers (from [`super::Helpers::key`]: unique per pool).
pub type Key = u32;

/// A helper's kept arrays.
#[derive(Default)]
pub struct Keeper {
    kept: HashMap<Key, Buf>,
}

impl Keeper {
    /// Run `job` on its arrays: `sent[i]` as it came, or (when only `keys[i]` came) the array
    /// kept under that key; an array sent with a key is kept under it from now on.
    pub fn run(&mut self, job: &Job, sent: Vec<Option<Buf>>, keys: &[Option<Key>]) -> Answer {
        let mut loose = Vec::with_capacity(sent.len());
        for (i, buf) in sent.into_iter().enumerate() {
            match (buf, keys.get(i).copied().flatten()) {
                (Some(b), Some(key)) => {
                    self.kept.insert(key, b);
                    loose.push(None);
                }
                (Some(b), None) => loose.push(Some(b)),
                (None, Some(key)) if self.kept.contains_key(&key) => loose.push(None),
                (None, Some(key)) => {
                    return Err(EngineError::Job(format!("array {key} is not kept here")))
                }
                (None, None) => return Err(EngineError::Job(format!("array {i} is missing"))),
            }
        }
        let arrays: Vec<&Buf> = loose
            .iter()
            .enumerate()
            .filter_map(|(i, b)| match b {
                Some(b) => Some(b),
                // Present: inserted or checked above.
                None => keys
                    .get(i)
                    .copied()
                    .flatten()
                    .and_then(|key| self.kept.get(&key)),
            })
            .collect();
        execute(job, &arrays)
    }

    /// Drop the arrays kept under `keys`.
    pub fn forget(&mut self, keys: &[Key]) {
        for key in keys {
            self.kept.remove(key);
        }
    }

    /// How many arrays are kept (for tests).
    pub fn count(&self) -> usize {
        self.kept.len()
    }
}

/// The coordinator's view of what each helper keeps.
#[derive(Default)]
pub struct Holding {
    held: Vec<HashSet<Key>>,
}

impl Holding {
    /// Whether the array under `key` must be sent to helper `h` (which keeps it from then on).
    pub fn must_send(&mut self, h: usize, key: Key) -> bool {
        if self.held.len() <= h {
            self.held.resize_with(h + 1, HashSet::new);
        }
        self.held[h].insert(key)
    }

    /// Helpers were told to drop the arrays under `keys`.
    pub fn forget(&mut self, keys: &[Key]) {
        for set in &mut self.held {
            for key in keys {
                set.remove(key);
            }
        }
    }

    /// The helpers were let go: nothing is kept any more.
    pub fn clear(&mut self) {
        self.held.clear();
    }

    /// Whether some helper keeps an array.
    pub fn any(&self) -> bool {
        self.held.iter().any(|s| !s.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knn_job(n: usize) -> Job {
        Job::KnnCandidates {
            n,
            d: 2,
            k: 1,
            metric: rosetta_core::Metric::Cosine,
            tiles: (0, 1),
        }
    }

    #[test]
    fn a_kept_array_serves_later_jobs_until_forgotten() {
        let rows = Buf::F32(vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
        let mut keeper = Keeper::default();
        let job = knn_job(3);
        let first = keeper.run(&job, vec![Some(rows.clone())], &[Some(7)]);
        assert!(first.is_ok());
        assert_eq!(keeper.count(), 1);
        // Named only: the kept rows answer the same.
        assert_eq!(keeper.run(&job, vec![None], &[Some(7)]), first);
        // Sent without a key: used, not kept.
        assert_eq!(keeper.run(&job, vec![Some(rows)], &[None]), first);
        assert_eq!(keeper.count(), 1);
        keeper.forget(&[7]);
        assert_eq!(keeper.count(), 0);
        let gone = keeper.run(&job, vec![None], &[Some(7)]);
        assert_eq!(
            gone,
            Err(EngineError::Job("array 7 is not kept here".to_owned()))
        );
        assert!(keeper.run(&job, vec![None], &[None]).is_err());
    }

    #[test]
    fn holding_sends_each_key_once_per_helper() {
        let mut holding = Holding::default();
        assert!(holding.must_send(1, 4));
        assert!(!holding.must_send(1, 4));
        assert!(holding.must_send(0, 4));
        assert!(holding.must_send(1, 5));
        holding.forget(&[4]);
        assert!(holding.must_send(1, 4));
        assert!(!holding.must_send(1, 5));
        assert!(holding.any());
        holding.clear();
        assert!(!holding.any());
        assert!(holding.must_send(1, 5));
    }
}
