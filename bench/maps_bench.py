"""UMAP and t-SNE: Rosetta's against umap-learn 0.5 and openTSNE 1.0 (`make bench`, workload `maps`).

For each dataset, each map's trustworthiness@10 (cosine in the space, scikit-learn's) and the
10-fold accuracy of a 5-NN classifier of the labels on the 2-D coordinates, and its wall time on
one thread: Rosetta's `rosetta project --json` (native, release; its time includes reading the
file and scoring the map), umap-learn (`n_jobs=1`) and openTSNE (`n_jobs=1`), both warm (numba
compiled on a first run of 5,000 items), each with Rosetta's defaults (cosine; UMAP 15 neighbours, min_dist 0.1;
t-SNE perplexity 30) and seed 0. umap-learn starts from its spectral layout, Rosetta from PCA.
Prints one JSON line per map. Run from the repository root after `cargo build --release -p
rosetta-cli`; `--quick` uses only the demo.
"""

import json
import os
import subprocess
import sys
import time

import numpy as np

OUT = os.path.join("target", "bench")
ROSETTA = os.path.join("target", "release", "rosetta")


def demo(name):
    x = np.load(os.path.join("public", "demo", name)).astype(np.float32)
    meta = [line.rstrip("\n").split("\t") for line in open(os.path.join("public", "demo", "metadata.tsv"))]
    col = meta[0].index("label")
    return x, np.array([row[col] for row in meta[1:]])


def blobs(n, d, clusters, seed=0):
    """Gaussian clusters in d dimensions (a stand-in for sentence embeddings of n texts)."""
    rng = np.random.RandomState(seed)
    centres = rng.randn(clusters, d)
    labels = rng.randint(0, clusters, n)
    return (centres[labels] + 0.8 * rng.randn(n, d)).astype(np.float32), labels


def scores(x, coords, labels):
    from sklearn.manifold import trustworthiness
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    t = trustworthiness(x.astype(np.float64), coords, n_neighbors=10, metric="cosine")
    folds = StratifiedKFold(n_splits=10, shuffle=True, random_state=0)
    acc = cross_val_score(KNeighborsClassifier(5), coords, labels, cv=folds).mean()
    return float(t), float(acc)


def rosetta(path, method):
    start = time.perf_counter()
    out = subprocess.run([ROSETTA, "project", path, "--method", method, "--json"],
                         check=True, capture_output=True, text=True).stdout
    return np.array(json.loads(out)["coords"], dtype=np.float64), time.perf_counter() - start


def reference(x, method):
    start = time.perf_counter()
    if method == "umap":
        import umap
        coords = umap.UMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=0,
                           n_jobs=1).fit_transform(x)
    else:
        from openTSNE import TSNE
        coords = np.asarray(TSNE(perplexity=30, metric="cosine", n_jobs=1, random_state=0).fit(x))
    return np.asarray(coords, dtype=np.float64), time.perf_counter() - start


def main():
    quick = "--quick" in sys.argv
    os.makedirs(OUT, exist_ok=True)
    sets = [("demo relu-seed0", *demo("digits-mlp-relu-seed0.npy")),
            ("demo tanh", *demo("digits-mlp-tanh-64.npy"))]
    if not quick:
        sets.append(("clusters 20000 x 384", *blobs(20000, 384, 50)))
    # numba's compilations (umap-learn's layout; pynndescent's, which both use from 4,096 items
    # on), before any timing.
    warm = blobs(5000, 384, 10, seed=1)[0]
    reference(warm, "umap")
    reference(warm, "tsne")
    for name, x, labels in sets:
        path = os.path.join(OUT, "maps-" + name.replace(" ", "-") + ".npy")
        np.save(path, x)
        for method in ("umap", "tsne"):
            for impl, run in (("rosetta", lambda: rosetta(path, method)),
                              ("umap-learn" if method == "umap" else "openTSNE", lambda: reference(x, method))):
                coords, seconds = run()
                t, acc = scores(x, coords, labels)
                print(json.dumps({"workload": "maps", "data": name, "n": len(x), "d": x.shape[1],
                                  "method": method, "impl": impl, "trustworthiness10": round(t, 4),
                                  "knn5_accuracy": round(acc, 4), "seconds": round(seconds, 2)}), flush=True)


if __name__ == "__main__":
    main()
