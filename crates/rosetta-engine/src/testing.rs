//! Helpers for native tests: they run each job on the spot (and keep rows as the browser's do).

use std::cell::{Cell, RefCell};
use std::future::Future;

use futures_channel::oneshot;

use crate::pool::kept::{Holding, Keeper};
use crate::pool::{Answer, BufRef, Helpers, Job, Key};

/// Helpers that run each job on the spot; `broken` ones answer with an error. With `keeps`
/// they keep `BufRef::Kept` rows between jobs as the browser's do.
pub struct Local {
    pub count: usize,
    pub broken: Vec<usize>,
    pub jobs: Cell<usize>,
    /// `until_started`: None (all started), Some(true) (started by the time it is asked),
    /// Some(false) (the pool gave up starting them).
    pub starting: Option<bool>,
    pub keeps: bool,
    /// How often each (helper, key)'s rows were sent.
    pub sends: RefCell<std::collections::HashMap<(usize, Key), usize>>,
    pub next_key: Cell<Key>,
    pub holding: RefCell<Holding>,
    pub keepers: RefCell<Vec<Keeper>>,
}

impl Helpers for Local {
    fn count(&self, _work: f64, _bytes_per_helper: usize) -> usize {
        self.count
    }

    fn submit(&self, h: usize, job: &Job, arrays: &[BufRef<'_>]) -> oneshot::Receiver<Answer> {
        let (tx, rx) = oneshot::channel();
        self.jobs.set(self.jobs.get() + 1);
        let mut keys = Vec::new();
        let mut sent = Vec::new();
        for a in arrays {
            let key = a.key().filter(|_| self.keeps);
            let send = key.is_none_or(|k| self.holding.borrow_mut().must_send(h, k));
            if let (true, Some(k)) = (send, key) {
                *self.sends.borrow_mut().entry((h, k)).or_default() += 1;
            }
            keys.push(key);
            sent.push(send.then(|| a.to_owned_buf()));
        }
        let answer = if self.broken.contains(&h) {
            Err(crate::EngineError::Job("helper stopped".to_owned()))
        } else {
            let mut keepers = self.keepers.borrow_mut();
            if keepers.len() <= h {
                keepers.resize_with(h + 1, Keeper::default);
            }
            keepers[h].run(job, sent, &keys)
        };
        let _ = tx.send(answer);
        rx
    }

    fn key(&self) -> Option<Key> {
        self.keeps.then(|| {
            self.next_key.set(self.next_key.get() + 1);
            self.next_key.get()
        })
    }

    fn forget(&self, keys: &[Key]) {
        self.holding.borrow_mut().forget(keys);
        for k in self.keepers.borrow_mut().iter_mut() {
            k.forget(keys);
        }
    }

    fn until_started(&self) -> Option<oneshot::Receiver<()>> {
        let started = self.starting?;
        let (tx, rx) = oneshot::channel();
        if started {
            let _ = tx.send(());
        }
        Some(rx)
    }
}

/// Every answer of `Local` is ready when asked, so one poll finishes the future.
pub fn now<T>(f: impl Future<Output = T>) -> T {
    crate::ready(f).expect("a local job did not finish at once")
}

/// n × d seeded normal values plus an offset.
pub fn data(n: usize, d: usize) -> Vec<f32> {
    let mut r = rosetta_core::Rng::new(3);
    (0..n * d).map(|_| r.normal() as f32 + 0.3).collect()
}

impl Local {
    pub fn new(count: usize) -> Self {
        Self::with_broken(count, Vec::new())
    }

    /// `count` helpers of which those in `broken` fail every job.
    pub fn with_broken(count: usize, broken: Vec<usize>) -> Self {
        Self {
            count,
            broken,
            jobs: Cell::new(0),
            starting: None,
            keeps: false,
            sends: RefCell::new(Default::default()),
            next_key: Cell::new(0),
            holding: RefCell::new(Holding::default()),
            keepers: RefCell::new(Vec::new()),
        }
    }

    /// `count` helpers that keep `BufRef::Kept` rows between jobs.
    pub fn keeping(count: usize) -> Self {
        Self {
            keeps: true,
            ..Self::new(count)
        }
    }
}

/// A store holding one collection per `(name, values, rows, cols)`, and the spaces' ids.
pub fn store_with(
    spaces: Vec<(&str, Vec<f32>, usize, usize)>,
) -> (crate::store::Store, Vec<crate::protocol::SpaceId>) {
    let mut store = crate::store::Store::default();
    let files = spaces
        .into_iter()
        .map(|(name, values, rows, cols)| {
            let space = rosetta_io::NamedSpace {
                name: name.to_owned(),
                vectors: rosetta_io::Dense { values, rows, cols },
                dtype: "float32".into(),
            };
            (
                name.to_owned(),
                Ok(rosetta_io::Parsed {
                    spaces: vec![space],
                    metadata: None,
                }),
            )
        })
        .collect();
    let out = store.load(files, None);
    (store, out.added)
}
