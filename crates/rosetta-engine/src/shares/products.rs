//! Gram matrices and cross products summed over row shares: PCA's covariance, the CKA matrix, the
//! pair report's linear CKA, its Procrustes fits and stitching probes (f64 products).

use rosetta_core::align::procrustes::{
    check_procrustes, HeldOutSplit, ProcrustesAlignments, ProcrustesFit, ProcrustesFits,
};
use rosetta_core::kernels::linalg::{centred_cross, BLOCK_ROWS};
use rosetta_core::metrics::cka::{
    check_pair, frobenius, linear_cka_from, linear_cka_from_products, CentredProducts, LinearCka,
};
use rosetta_core::projections::pca::gram_share;
use rosetta_core::stitching::{StitchingReport, StitchingSplit};
use rosetta_core::{CoreError, MatView, Matrix, Pca, PcaParams};

use super::{bytes_of, in_shares, project_rows, split_aligned};
use crate::pool::{cross_precision, Buf, BufRef, Helpers, Job};
use crate::EngineError;

/// `X̄ᵀX̄` of `x` centred by `mean` (D×D f64), summed over row shares that end on the Gram's
/// 256-row blocks: the f32 block products are those of one pass, only the order of their f64 sum
/// differs.
pub async fn gram(
    helpers: &impl Helpers,
    x: MatView<'_>,
    mean: &[f64],
    on_share: impl Fn(usize, usize),
) -> Result<Vec<f64>, EngineError> {
    let (n, d) = (x.n(), x.d());
    let work = n as f64 * (d * d) as f64 / 2.0;
    // Each helper gets at most half the rows (more helpers, fewer rows each).
    let count = helpers.count(work, bytes_of(n.div_ceil(2) * d));
    let shares = split_aligned(n, count + 1, BLOCK_ROWS);
    let parts = in_shares(
        helpers,
        &shares,
        |rows| {
            let job = Job::CentredGram { n: rows.len(), d };
            let arrays = vec![
                BufRef::F32(x.rows(rows.start, rows.end).data()),
                BufRef::F64(mean),
            ];
            (job, arrays)
        },
        |rows| Ok(gram_share(x.rows(rows.start, rows.end), mean)),
        |_, arrays| match <[Buf; 1]>::try_from(arrays) {
            Ok([Buf::F64(g)]) if g.len() == d * d => Some(g),
            _ => None,
        },
        on_share,
    )
    .await?;
    Ok(sum_parts(parts, d * d))
}

/// `X̄ᵀȲ` of two spaces of the same items (Dx×Dy f64), summed over row shares on the same
/// 256-row blocks as one pass; f64 products with `f64_products` (Procrustes), else f32 blocks.
pub async fn cross(
    helpers: &impl Helpers,
    (x, mean_x): (MatView<'_>, &[f64]),
    (y, mean_y): (MatView<'_>, &[f64]),
    f64_products: bool,
) -> Result<Vec<f64>, EngineError> {
    let (n, dx, dy) = (x.n(), x.d(), y.d());
    let work = n as f64 * dx as f64 * dy as f64;
    // A Gram (the stitching probes'): its rows are sent once.
    let gram = std::ptr::eq(x.data(), y.data()) && x.d() == y.d() && mean_x == mean_y;
    let sent_cols = if gram { dx } else { dx + dy };
    let count = helpers.count(work, bytes_of(n.div_ceil(2) * sent_cols));
    let shares = split_aligned(n, count + 1, BLOCK_ROWS);
    let parts = in_shares(
        helpers,
        &shares,
        |rows| {
            let job = Job::CentredCross {
                n: rows.len(),
                dx,
                dy,
                f64_products,
                gram,
            };
            let arrays = if gram {
                vec![
                    BufRef::F32(x.rows(rows.start, rows.end).data()),
                    BufRef::F64(mean_x),
                ]
            } else {
                vec![
                    BufRef::F32(x.rows(rows.start, rows.end).data()),
                    BufRef::F32(y.rows(rows.start, rows.end).data()),
                    BufRef::F64(mean_x),
                    BufRef::F64(mean_y),
                ]
            };
            (job, arrays)
        },
        |rows| {
            let (xs, ys) = (x.rows(rows.start, rows.end), y.rows(rows.start, rows.end));
            let precision = cross_precision(f64_products);
            Ok(centred_cross(xs, mean_x, ys, mean_y, precision))
        },
        |_, arrays| match <[Buf; 1]>::try_from(arrays) {
            Ok([Buf::F64(c)]) if c.len() == dx * dy => Some(c),
            _ => None,
        },
        |_, _| {},
    )
    .await?;
    Ok(sum_parts(parts, dx * dy))
}

/// The element-wise sum of equally long parts.
fn sum_parts(parts: Vec<Vec<f64>>, len: usize) -> Vec<f64> {
    let mut sum = vec![0.0f64; len];
    for part in parts {
        sum.iter_mut().zip(part).for_each(|(s, p)| *s += p);
    }
    sum
}

/// Linear CKA of every pair of `spaces` (the same items): k × k, row-major, diagonal 1. Each
/// space's Gram is computed once; Grams and cross products are summed over row shares.
/// `on_step(done, total)` reports each Gram and cross product. O(k·N·D²/2 + k²·N·D²/2).
pub async fn cka_matrix(
    helpers: &impl Helpers,
    spaces: &[MatView<'_>],
    on_step: impl Fn(usize, usize),
) -> Result<Vec<f64>, EngineError> {
    let k = spaces.len();
    if let Some(bad) = spaces.iter().find(|s| s.n() != spaces[0].n()) {
        return Err(CoreError::ItemCountMismatch(spaces[0].n(), bad.n()).into());
    }
    let steps = k + k * k.saturating_sub(1) / 2;
    let means: Vec<Vec<f64>> = spaces.iter().map(|s| s.column_means()).collect();
    let mut norms = Vec::with_capacity(k);
    for (s, m) in spaces.iter().zip(&means) {
        norms.push(frobenius(&gram(helpers, *s, m, |_, _| {}).await?));
        on_step(norms.len(), steps);
    }
    let mut values = vec![1.0; k * k];
    let mut done = k;
    for i in 0..k {
        for j in i + 1..k {
            let c = cross(
                helpers,
                (spaces[i], &means[i]),
                (spaces[j], &means[j]),
                false,
            )
            .await?;
            let v = linear_cka_from(&c, norms[i], norms[j]);
            values[i * k + j] = v;
            values[j * k + i] = v;
            done += 1;
            on_step(done, steps);
        }
    }
    Ok(values)
}

/// `linear_cka(x, y)` with its three products ([`gram`] of each space, their [`cross`]) summed
/// over row shares: the same f32 block products as one pass, summed in another order.
pub async fn linear_cka_pooled(
    helpers: &impl Helpers,
    x: MatView<'_>,
    y: MatView<'_>,
) -> Result<LinearCka, EngineError> {
    check_pair(x, y)?;
    let (mx, my) = (x.column_means(), y.column_means());
    let products = CentredProducts {
        gram_x: gram(helpers, x, &mx, |_, _| {}).await?,
        gram_y: gram(helpers, y, &my, |_, _| {}).await?,
        cross: cross(helpers, (x, &mx), (y, &my), false).await?,
    };
    linear_cka_from_products((x, &mx), (y, &my), &products).map_err(EngineError::from)
}

/// `fit_procrustes(x, y)` with its f64 cross product summed over row shares; the fit and that
/// product.
async fn procrustes_fit(
    helpers: &impl Helpers,
    x: MatView<'_>,
    y: MatView<'_>,
) -> Result<(ProcrustesFit, Vec<f64>), EngineError> {
    check_procrustes(x, y)?;
    let (mx, my) = (x.column_means(), y.column_means());
    let c = cross(helpers, (x, &mx), (y, &my), true).await?;
    let fit = ProcrustesFit::from_cross((x, mx), (y, my), &c)?;
    Ok((fit, c))
}

/// `procrustes_fits(x, y, split)` with the fits' cross products (the training items, the test
/// items against the training fit, and all items unless those two make it:
/// [`HeldOutSplit::cross_of_all`]) summed over row shares; the SVDs are computed here.
pub async fn procrustes_fits_pooled(
    helpers: &impl Helpers,
    x: MatView<'_>,
    y: MatView<'_>,
    split: Option<(&[usize], &[usize])>,
) -> Result<ProcrustesFits, EngineError> {
    check_procrustes(x, y)?;
    let test_rows = split.map(|(_, test)| test.to_vec());
    let split = HeldOutSplit::new(x, y, split);
    let heldout = match &split {
        Some(h) => {
            let ((xt, yt), (xs, ys)) = (h.train(), h.test());
            let (f, train_cross) = procrustes_fit(helpers, xt, yt).await?;
            let c = cross(helpers, (xs, &f.mean_x), (ys, &f.mean_y), true).await?;
            let residual = f.residual_from_cross(xs, ys, &c);
            Some((f, residual, h, [train_cross, c]))
        }
        None => None,
    };
    let (mx, my) = (x.column_means(), y.column_means());
    let whole = heldout
        .as_ref()
        .and_then(|(f, _, h, [train, test])| h.cross_of_all((&mx, &my), (f, train), test));
    let whole = match whole {
        Some(c) => c,
        None => cross(helpers, (x, &mx), (y, &my), true).await?,
    };
    let fit = ProcrustesFit::from_cross((x, mx), (y, my), &whole)?;
    let heldout = heldout
        .zip(test_rows)
        .map(|((f, residual, _, _), test)| (f, residual, test));
    Ok(ProcrustesFits { fit, heldout })
}

/// `fits.align(x, y)` with the aligned rows (an N × Dx × d product each) in shares.
pub async fn procrustes_aligned_pooled(
    helpers: &impl Helpers,
    fits: ProcrustesFits,
    x: MatView<'_>,
    y: MatView<'_>,
) -> Result<ProcrustesAlignments, EngineError> {
    let ax = aligned(helpers, &fits.fit, x).await?;
    let test = fits.test_rows(x, y);
    let heldout = match (&fits.heldout, &test) {
        (Some((f, residual, _)), Some((xs, ys))) => Some((
            f,
            *residual,
            ys.view(),
            aligned(helpers, f, xs.view()).await?,
        )),
        _ => None,
    };
    Ok(ProcrustesAlignments::from_aligned(
        (ax, y),
        fits.fit,
        heldout,
    ))
}

/// `fit.align_x(rows)` in shares.
async fn aligned(
    helpers: &impl Helpers,
    fit: &ProcrustesFit,
    rows: MatView<'_>,
) -> Result<Matrix, EngineError> {
    let basis = fit.align_basis(rows.d());
    project_rows(helpers, rows, &fit.mean_x, &basis, fit.d).await
}

/// `stitching(rel_a, rel_b, labels, split, alpha, absolute)` with each probe's f64 Gram summed
/// over row shares; the solves and the scores are computed here.
pub async fn stitching_pooled(
    helpers: &impl Helpers,
    relative: (MatView<'_>, MatView<'_>),
    labels: &[String],
    split: (&[usize], &[usize]),
    alpha: f64,
    absolute: Option<(MatView<'_>, MatView<'_>)>,
) -> Result<StitchingReport, EngineError> {
    let split = StitchingSplit::new(relative, labels, split, alpha, absolute)?;
    let mut fitted = Vec::new();
    for (x, targets) in split.probes()? {
        let mean = x.column_means();
        let g = cross(helpers, (x, &mean), (x, &mean), true).await?;
        fitted.push(targets.fit(x, mean, &g)?);
    }
    split.report(fitted).map_err(EngineError::from)
}

/// `params.fit(x)` with the covariance path's Gram summed over row shares by this worker and the
/// helpers ([`gram`]). Other solvers run here.
pub async fn pca_fit(
    helpers: &impl Helpers,
    x: MatView<'_>,
    params: PcaParams,
    on_share: impl Fn(usize, usize),
) -> Result<Pca, EngineError> {
    let Some(plan) = params.covariance_plan(x)? else {
        return params.fit(x).map_err(EngineError::from);
    };
    let g = gram(helpers, x, &plan.mean, on_share).await?;
    params.fit_from_gram(x, plan, &g).map_err(EngineError::from)
}

#[cfg(test)]
mod tests {
    use rosetta_core::Rng;

    use super::*;
    use crate::testing::{data, now, Local};

    #[test]
    fn pooled_pca_equals_fit() {
        let (n, d) = (2000, 9);
        let x = data(n, d);
        let v = MatView::new(&x, n, d).unwrap();
        let params = PcaParams::new(3);
        let whole = params.fit(v).unwrap();
        for (count, broken) in [(0, vec![]), (2, vec![]), (2, vec![0])] {
            let helpers = Local::with_broken(count, broken);
            let got = now(pca_fit(&helpers, v, params, |_, _| {})).unwrap();
            assert_eq!(helpers.jobs.get(), count);
            for (a, b) in got.components.iter().zip(&whole.components) {
                assert!((a - b).abs() < 1e-9, "{a} {b}");
            }
            for (a, b) in got.singular_values.iter().zip(&whole.singular_values) {
                assert!((a - b).abs() <= 1e-12 * b, "{a} {b}");
            }
        }
        // Wide data is not the covariance path: it runs here.
        let wide = MatView::new(&x, 9, 2000).unwrap();
        let helpers = Local::new(2);
        now(pca_fit(&helpers, wide, params, |_, _| {})).unwrap();
        assert_eq!(helpers.jobs.get(), 0);
    }

    #[test]
    fn pooled_cka_matrix_equals_pairwise_cka() {
        let n = 1500;
        let a = data(n, 6);
        let mut r = Rng::new(4);
        let b: Vec<f32> = a.iter().map(|&v| v * 2.0 + r.normal() as f32).collect();
        let c: Vec<f32> = (0..n * 3).map(|_| r.normal() as f32).collect();
        let views = [
            MatView::new(&a, n, 6).unwrap(),
            MatView::new(&b, n, 6).unwrap(),
            MatView::new(&c, n, 3).unwrap(),
        ];
        for (count, broken) in [(0, vec![]), (2, vec![]), (2, vec![1])] {
            let helpers = Local::with_broken(count, broken);
            let m = now(cka_matrix(&helpers, &views, |_, _| {})).unwrap();
            for i in 0..3 {
                assert_eq!(m[i * 3 + i], 1.0);
                for j in 0..3 {
                    if i != j {
                        let want = rosetta_core::metrics::cka::linear_cka(views[i], views[j])
                            .unwrap()
                            .cka;
                        assert!((m[i * 3 + j] - want).abs() <= 1e-12, "{i},{j}");
                    }
                }
            }
        }
        let short = MatView::new(&c[..30], 10, 3).unwrap();
        assert!(now(cka_matrix(&Local::new(0), &[views[0], short], |_, _| {})).is_err());
    }

    #[test]
    fn pooled_linear_cka_and_procrustes_equal_the_one_thread_ones() {
        let n = 1200;
        let a = data(n, 5);
        let mut r = Rng::new(5);
        // Y: a noisy, narrower view of X, so the fit pads and the residuals are not zero.
        let b: Vec<f32> = a
            .chunks(5)
            .flat_map(|p| [p[1] - p[0], 2.0 * p[2], p[3] + p[4]])
            .map(|v| v + 0.3 * r.normal() as f32)
            .collect();
        let (x, y) = (
            MatView::new(&a, n, 5).unwrap(),
            MatView::new(&b, n, 3).unwrap(),
        );
        let cka = rosetta_core::metrics::cka::linear_cka(x, y).unwrap();
        let (train, test): (Vec<usize>, Vec<usize>) = (0..n).partition(|i| i % 3 != 0);
        let split = Some((&train[..], &test[..]));
        let one = rosetta_core::align::procrustes::procrustes_alignments(x, y, split).unwrap();
        let scores = |p: &ProcrustesAlignments| {
            let (ax, ny) = p.in_sample();
            let (hx, hy) = p.heldout().unwrap();
            let s = rosetta_core::screens::retrieval::retrieval(ax, ny)
                .unwrap()
                .x_to_y;
            let h = rosetta_core::screens::retrieval::retrieval(hx, hy)
                .unwrap()
                .x_to_y;
            (p.report(s, Some(h)), ax.data().to_vec(), hx.data().to_vec())
        };
        let (want, want_ax, want_hx) = scores(&one);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + b.abs());
        for (count, broken) in [(0, vec![]), (2, vec![]), (2, vec![0])] {
            let helpers = Local::with_broken(count, broken);
            let got = now(linear_cka_pooled(&helpers, x, y)).unwrap();
            assert!(close(got.cka, cka.cka), "{} vs {}", got.cka, cka.cka);
            assert!(close(got.debiased.unwrap(), cka.debiased.unwrap()));
            let fits = now(procrustes_fits_pooled(&helpers, x, y, split)).unwrap();
            let pooled = now(procrustes_aligned_pooled(&helpers, fits, x, y)).unwrap();
            let (rep, ax, hx) = scores(&pooled);
            assert!(close(rep.residual, want.residual), "{rep:?} vs {want:?}");
            assert!(close(rep.residual_optscale, want.residual_optscale));
            assert_eq!((rep.top1, rep.mrr), (want.top1, want.mrr));
            let (h, wh) = (rep.heldout.unwrap(), want.heldout.clone().unwrap());
            assert!(close(h.residual, wh.residual), "{h:?} vs {wh:?}");
            assert_eq!((h.top1, h.mrr), (wh.top1, wh.mrr));
            for (p, q) in ax.iter().zip(&want_ax).chain(hx.iter().zip(&want_hx)) {
                assert!((p - q).abs() <= 1e-5, "{p} vs {q}");
            }
        }
        // Stitching: the probes fitted on pooled Grams score the same.
        let labels: Vec<String> = (0..n).map(|i| format!("c{}", a[i * 5] > 0.0)).collect();
        let rel = (x.rows(0, n), x.rows(0, n));
        let want = rosetta_core::stitching::stitching(
            rel.0,
            rel.1,
            &labels,
            (&train, &test),
            1.0,
            Some((x, x)),
        )
        .unwrap();
        for (count, broken) in [(0, vec![]), (2, vec![]), (2, vec![1])] {
            let helpers = Local::with_broken(count, broken);
            let got = now(stitching_pooled(
                &helpers,
                rel,
                &labels,
                (&train, &test),
                1.0,
                Some((x, x)),
            ))
            .unwrap();
            assert_eq!(got, want);
            assert!(got.absolute_a_to_b.is_some() && got.a_to_a > 0.6);
        }
        // Bad inputs are refused before any share is sent.
        let helpers = Local::new(2);
        let split = (&train[..], &test[..]);
        let bad = now(stitching_pooled(
            &helpers,
            rel,
            &labels[..5],
            split,
            1.0,
            None,
        ));
        assert!(bad.is_err());
        let one_class = vec!["a".to_owned(); n];
        assert!(now(stitching_pooled(
            &helpers, rel, &one_class, split, 1.0, None
        ))
        .is_err());
        let short = MatView::new(&b[..30], 10, 3).unwrap();
        assert!(now(linear_cka_pooled(&helpers, x, short)).is_err());
        assert!(now(procrustes_fits_pooled(&helpers, x, short, None)).is_err());
        assert_eq!(helpers.jobs.get(), 0);
    }
}
