"""Would a "head" screen pay off? (BENCHMARKS.md, twelfth session: no.)

Scores a retrieval's pairs on the first p principal directions of both sides' unit rows (the
rest bounded by Cauchy-Schwarz, |tail_i . tail_j| <= |tail_i| |tail_j|), with the rows
quantised to i8 as `rosetta-core`'s `quant_i8` does (shared direction split off, one step per
row, query side 127 levels, candidate side 63), and counts the pairs and 4 x 8 register tiles
it leaves unsure. Data shaped like `rosetta-bench`'s compare workload (not bit-identical).
Usage: python3 bench/head_screen_study.py  (numpy; ~15 s)
"""
import numpy as np

rng = np.random.default_rng(6)
n, d = 4096, 384
x = rng.standard_normal((n, d)) / (1 + np.arange(d) / 16) + 0.1
y = x + 0.5 * rng.standard_normal((n, d))
anchors = rng.choice(n, d, replace=False)


def unit(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def quantise(w, levels):
    step = np.abs(w).max(1, keepdims=True) / levels
    q = np.round(w / step)
    return step, q, np.linalg.norm(w - step * q, axis=1)


def study(a, b, name):
    ua, ub = unit(a), unit(b)
    m = ua.sum(0) + ub.sum(0)
    m /= np.linalg.norm(m)
    along_a, along_b = ua @ m, ub @ m
    wa, wb = ua - np.outer(along_a, m), ub - np.outer(along_b, m)
    diag = np.einsum("ij,ij->i", ua, ub)
    random_basis, _ = np.linalg.qr(rng.standard_normal((d, d)))
    _, principal = np.linalg.eigh(wa.T @ wa + wb.T @ wb)
    for basis_name, basis in (("random", random_basis), ("principal", principal[:, ::-1])):
        ra, rb = wa @ basis, wb @ basis
        sa, qa, ea = quantise(ra, 127)
        sb, qb, eb = quantise(rb, 63)
        na, nb = np.linalg.norm(wa, axis=1), np.linalg.norm(wb, axis=1)
        bound = np.outer(na + ea, eb) + np.outer(ea, nb)
        print(f"{name} {basis_name} basis: median i8 bound {np.median(bound):.4f}")
        if basis_name == "random":
            continue
        for p in (64, 128, 192):
            head = (sa * qa[:, :p]) @ (sb * qb[:, :p]).T + np.outer(along_a, along_b)
            tail = np.outer(np.linalg.norm(sa * qa[:, p:], axis=1), np.linalg.norm(sb * qb[:, p:], axis=1))
            e = bound + tail
            unsure = ((head + e > diag[:, None]) & (head - e <= diag[:, None])) | (
                (head + e > diag[None, :]) & (head - e <= diag[None, :])
            )
            np.fill_diagonal(unsure, False)
            tiles = unsure.reshape(n // 4, 4, n // 8, 8).any(axis=(1, 3)).mean()
            print(
                f"  p={p}: pairs unsure {unsure.mean():.3f}, register tiles {tiles:.3f}, "
                f"cost vs the full i8 tile {p / d + tiles * (1 - p / d):.2f}"
            )


study(x, y, "absolute")
study(unit(x) @ unit(x[anchors]).T, unit(y) @ unit(y[anchors]).T, "relative")


def centred(a):
    a = a - a.mean(0)
    return a / np.linalg.norm(a)


xc, yc = centred(x), centred(y)
u, _, vt = np.linalg.svd(xc.T @ yc)
study(xc @ (u @ vt), yc, "procrustes")
