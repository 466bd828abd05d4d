//! RBF CKA and RSA on their subsamples, one space per worker: the helper computes X's centred
//! Gram and distance ranks while this worker computes Y's (each space's part is half the work,
//! and the parts are what one thread computes, so the metrics are the same to the bit).

use std::ops::Range;

use rosetta_core::metrics::cka::{rbf_cka_from, rbf_rows, RbfParams};
use rosetta_core::metrics::rsa::{pearson, rsa_rows};
use rosetta_core::{MatView, Matrix};

use super::{bytes_of, in_shares};
use crate::pool::{subsample_parts, Buf, BufRef, Helpers, Job};
use crate::EngineError;

/// One space's centred RBF Gram and distance ranks.
type Part = (Vec<f64>, Vec<f64>);

/// (RBF CKA, RSA) of `x` and `y` on the seeded subsamples of `rosetta_core::metrics::cka::rbf_cka` and
/// `rosetta_core::metrics::rsa::rsa` (at most `rsa_items` for RSA), equal to theirs. O(m²·(Dx + Dy))
/// time, the two spaces' parts in two workers when the pool has a helper.
pub async fn subsample_metrics_pooled(
    helpers: &impl Helpers,
    (x, y): (MatView<'_>, MatView<'_>),
    rbf: RbfParams,
    rsa_items: usize,
    rsa_seed: u64,
) -> Result<(f64, f64), EngineError> {
    if x.n() != y.n() {
        return Err(rosetta_core::CoreError::ItemCountMismatch(x.n(), y.n()).into());
    }
    let rbf_items = rbf_rows(x.n(), rbf)?;
    let rsa_items = rsa_rows(x.n(), rsa_items, rsa_seed)?;
    let gathered = |v: MatView<'_>, rows: &[usize]| Matrix {
        data: rows.iter().flat_map(|&r| v.row(r)).copied().collect(),
        n: rows.len(),
        d: v.d(),
    };
    // Space 0 is X, space 1 Y: a share is a range of spaces.
    let spaces = [
        (gathered(x, &rbf_items), gathered(x, &rsa_items)),
        (gathered(y, &rbf_items), gathered(y, &rsa_items)),
    ];
    let (m, mr) = (rbf_items.len(), rsa_items.len());
    let work = (m * m + mr * mr) as f64 * (x.d() + y.d()) as f64 / 2.0;
    let count = helpers.count(work, bytes_of((m + mr) * x.d().max(y.d())));
    // Y here, X on the helper; or both here.
    let shares = if count > 0 {
        vec![1..2, 0..1]
    } else {
        vec![Range { start: 0, end: 2 }]
    };
    let part = |s: usize| {
        let (a, b) = &spaces[s];
        subsample_parts(a.view(), b.view(), rbf.threshold)
    };
    let parts = in_shares(
        helpers,
        &shares,
        |s| {
            let (a, b) = &spaces[s.start];
            let job = Job::Subsamples {
                m,
                mr,
                d: a.d,
                threshold: rbf.threshold,
            };
            (job, vec![BufRef::F32(&a.data), BufRef::F32(&b.data)])
        },
        |s| Ok(s.map(part).collect::<Vec<_>>()),
        |_, arrays| match <[Buf; 2]>::try_from(arrays) {
            Ok([Buf::F64(g), Buf::F64(r)]) if g.len() == m * m && r.len() == mr * (mr - 1) / 2 => {
                Some(vec![(g, r)])
            }
            _ => None,
        },
        |_, _| {},
    )
    .await?;
    let mut by_space: Vec<(usize, Part)> = shares
        .iter()
        .zip(parts)
        .flat_map(|(s, p)| s.clone().zip(p))
        .collect();
    by_space.sort_by_key(|(s, _)| *s);
    let [(_, (kx, rx)), (_, (ky, ry))] = <[_; 2]>::try_from(by_space)
        .map_err(|_| EngineError::Job("subsamples: a space's part is missing".to_owned()))?;
    Ok((rbf_cka_from(&kx, &ky), pearson(&rx, &ry)))
}

#[cfg(test)]
mod tests {
    use rosetta_core::metrics::cka::rbf_cka;
    use rosetta_core::metrics::rsa::rsa;

    use super::*;
    use crate::testing::{data, now, Local};

    #[test]
    fn pooled_subsample_metrics_equal_the_one_thread_ones_to_the_bit() {
        let (n, dx, dy) = (300, 5, 7);
        let x = data(n, dx);
        let y: Vec<f32> = data(n * 2, dy)[n * dy..].to_vec();
        let (vx, vy) = (
            MatView::new(&x, n, dx).unwrap(),
            MatView::new(&y, n, dy).unwrap(),
        );
        let rbf = RbfParams {
            max_items: 120,
            seed: 3,
            ..RbfParams::default()
        };
        let want = (rbf_cka(vx, vy, rbf).unwrap(), rsa(vx, vy, 90, 3).unwrap());
        // No helper, one, two (the second idle), and a helper that fails its job.
        for helpers in [
            Local::new(0),
            Local::new(1),
            Local::new(2),
            Local::with_broken(1, vec![0]),
        ] {
            let got = now(subsample_metrics_pooled(&helpers, (vx, vy), rbf, 90, 3)).unwrap();
            assert_eq!(got.0.to_bits(), want.0.to_bits());
            assert_eq!(got.1.to_bits(), want.1.to_bits());
        }
        assert!(now(subsample_metrics_pooled(
            &Local::new(1),
            (vx, vy),
            rbf,
            2,
            3
        ))
        .is_err());
    }
}
