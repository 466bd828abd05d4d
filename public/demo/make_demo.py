"""Make Rosetta's demo collection: the same 1,797 handwritten digits embedded by three trained networks.

Data: scikit-learn's bundled `load_digits` (UCI optical recognition of handwritten digits, 8×8 images).
Models: three multi-layer perceptrons really trained here on the same 1,200 training images
(scikit-learn MLPClassifier, Adam, early stopping off); each item's embedding is the last hidden
layer's activation for that image:

  digits-mlp-relu-seed0.npy   128-d, ReLU, seed 0   (non-negative activations: try centring)
  digits-mlp-relu-seed1.npy   128-d, ReLU, seed 1   (same architecture, another seed)
  digits-mlp-tanh-64.npy       64-d, tanh, two hidden layers (128, 64), seed 2
  metadata.tsv                id, label (the digit), split (train/test), pred_* (each model's prediction)

The embeddings are stored as float16 (rounded from float32): half the download, and a demo of
Rosetta's float16 reading; the metrics of the two differ in the fourth digit at most.

Run from this folder: `python3 make_demo.py`. Versions used: python 3.11.7, numpy 2.4.6,
scikit-learn 1.9.1, scipy 1.17.1. Deterministic: the same versions give the same bytes.
"""

import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.neural_network import MLPClassifier

def hidden(model: MLPClassifier, x: np.ndarray) -> np.ndarray:
    """Activations of the last hidden layer."""
    act = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}[model.activation]
    h = x
    for w, b in zip(model.coefs_[:-1], model.intercepts_[:-1]):
        h = act(h @ w + b)
    return h.astype(np.float32)

def main() -> None:
    digits = load_digits()
    x = digits.data / 16.0
    y = digits.target
    rng = np.random.RandomState(0)
    order = rng.permutation(len(y))
    train = np.zeros(len(y), dtype=bool)
    train[order[:1200]] = True

    models = {
        "digits-mlp-relu-seed0": MLPClassifier((128,), activation="relu", random_state=0, max_iter=400),
        "digits-mlp-relu-seed1": MLPClassifier((128,), activation="relu", random_state=1, max_iter=400),
        "digits-mlp-tanh-64": MLPClassifier((128, 64), activation="tanh", random_state=2, max_iter=400),
    }
    preds = {}
    for name, model in models.items():
        model.fit(x[train], y[train])
        acc = model.score(x[~train], y[~train])
        print(f"{name}: test accuracy {acc:.3f}")
        np.save(f"{name}.npy", hidden(model, x).astype(np.float16))
        preds[name] = model.predict(x)

    with open("metadata.tsv", "w") as f:
        f.write("id\tlabel\tsplit\t" + "\t".join(f"pred_{n.removeprefix('digits-')}" for n in models) + "\n")
        for i in range(len(y)):
            cells = [f"digit-{i:04d}", str(y[i]), "train" if train[i] else "test"]
            cells += [str(preds[n][i]) for n in models]
            f.write("\t".join(cells) + "\n")
    print("numpy", np.__version__, "scikit-learn", sklearn.__version__)

if __name__ == "__main__":
    main()
