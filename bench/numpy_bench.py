"""numpy / scikit-learn baselines for `make bench`, on one thread (OPENBLAS_NUM_THREADS=1 is set by
scripts/bench.sh before numpy loads). Same shapes and the same kind of data as rosetta-bench; one
JSON line per timing, like the Rust harness. Usage: python3 bench/numpy_bench.py [workload…] [--scale S]
"""

import json
import sys
import time

import numpy as np
from sklearn.decomposition import PCA


def embeddings(n, d, seed):
    rng = np.random.default_rng(seed)
    scales = (1.0 / (1.0 + np.arange(d) / 16.0)).astype(np.float32)
    return (rng.standard_normal((n, d), dtype=np.float32) * scales + 0.1).astype(np.float32)


REPEATS = 3  # the fastest of three runs, like the Rust harness (crates/rosetta-bench)


def timed(name, f):
    best, check = float("inf"), None
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        check = f()
        best = min(best, (time.perf_counter() - t0) * 1000)
    print(json.dumps({"name": name, "ms": round(best, 3), "bytes": None, "check": float(check)}), flush=True)


def pca(n, d):
    x = embeddings(n, d, 3)

    def run():
        p = PCA(n_components=10)  # svd_solver='auto' → covariance_eigh for N ≥ 10·D, D ≤ 1000
        c = p.fit_transform(x)
        return p.explained_variance_ratio_[0] + c[0, 0]
    timed(f"pca {n}x{d} k=10", run)


def relative(n, d, k):
    x = embeddings(n, d, 4)
    anchors = np.random.default_rng(5).choice(n, k, replace=False)

    def run():
        u = x / np.linalg.norm(x, axis=1, keepdims=True)
        r = u @ u[anchors].T
        return r[0, 0]
    timed(f"relative {n}x{d} -> {k} anchors", run)


def main():
    args = sys.argv[1:]
    scale = 1.0
    if "--scale" in args:
        i = args.index("--scale")
        scale = float(args[i + 1])
        del args[i:i + 2]
    names = args or ["pca", "relative"]
    s = lambda v: max(16, int(v * scale))
    for name in names:
        if name == "pca":
            pca(s(100_000), 768)
        elif name == "relative":
            relative(s(100_000), 768, 300)


if __name__ == "__main__":
    main()
