"""Good files of every supported format, all holding the same 60 items × 8 dims with labels, for
the loading tests (end-to-end drag-and-drop and URL loads, and the CLI).

Run from the repository root: `python3 tests/formats/make_formats.py`.
Versions: numpy 2.4.6, pyarrow 26.0.1, safetensors written by hand (the format is a JSON header).
"""

import gzip
import io
import json
import os
import struct
import zipfile

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
N, D = 60, 8


def main():
    rng = np.random.RandomState(3)
    x = rng.randn(N, D).astype(np.float32)
    labels = [f"class-{i % 3}" for i in range(N)]
    ids = [f"item-{i:03d}" for i in range(N)]
    out = {}

    def save(name, data):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        out[name] = len(data)

    def npy(arr):
        b = io.BytesIO()
        np.save(b, arr)
        return b.getvalue()

    save("f32.npy", npy(x))
    save("f64-fortran.npy", npy(np.asfortranarray(x.astype(np.float64))))
    save("f16-bigendian.npy", npy(x.astype(">f2")))
    save("int16.npy", npy((x * 100).astype(np.int16)))
    b = io.BytesIO()
    np.savez_compressed(b, first=x, second=x * 2, skipped=np.arange(3))
    save("two-arrays.npz", b.getvalue())

    header = {"emb": {"dtype": "F32", "shape": [N, D], "data_offsets": [0, N * D * 4]},
              "emb_bf16": {"dtype": "BF16", "shape": [N, D], "data_offsets": [N * D * 4, N * D * 6]}}
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    bf16 = (x.view(np.uint32) >> 16).astype(np.uint16).tobytes()
    save("model.safetensors", struct.pack("<Q", len(h)) + h + x.tobytes() + bf16)

    table = pa.table({
        "id": ids,
        "label": labels,
        "embedding": pa.array(list(x), type=pa.list_(pa.float32())),
        "fixed": pa.FixedSizeListArray.from_arrays(pa.array(x.ravel().astype(np.float64)), D),
    })
    b = io.BytesIO()
    pq.write_table(table, b)  # snappy, pyarrow's default
    save("hf-dataset.parquet", b.getvalue())
    b = io.BytesIO()
    pq.write_table(table.select(["id", "embedding"]), b, compression="gzip")
    save("gzip.parquet", b.getvalue())
    b = io.BytesIO()
    feather.write_feather(table, b, compression="uncompressed")
    save("table.feather", b.getvalue())

    vectors = "\n".join("\t".join(f"{v:.7g}" for v in row) for row in x) + "\n"
    save("vectors.tsv", vectors)
    save("metadata.tsv", "id\tlabel\n" + "\n".join(f"{i}\t{l}" for i, l in zip(ids, labels)) + "\n")
    save("vectors.tsv.gz", gzip.compress(vectors.encode(), mtime=0))

    os.makedirs(os.path.join(HERE, "projector"), exist_ok=True)
    with open(os.path.join(HERE, "projector", "tensor.bytes"), "wb") as f:
        f.write(x.tobytes())
    with open(os.path.join(HERE, "projector", "labels.tsv"), "w") as f:
        f.write("\n".join(labels) + "\n")
    with open(os.path.join(HERE, "projector", "projector_config.json"), "w") as f:
        json.dump({"embeddings": [{"tensorName": "projector tensor", "tensorShape": [N, D],
                                   "tensorPath": "tensor.bytes", "metadataPath": "labels.tsv"}]}, f)

    csv = "id,label," + ",".join(f"d{j}" for j in range(D)) + "\n"
    csv += "\n".join(f"{i},{l}," + ",".join(f"{v:.7g}" for v in row) for i, l, row in zip(ids, labels, x)) + "\n"
    save("table.csv", csv)
    save("with-header.tsv", csv.replace(",", "\t"))
    save("records.json", json.dumps([{"id": i, "label": l, "embedding": [float(v) for v in row]}
                                     for i, l, row in zip(ids, labels, x)]))
    save("matrix.json", json.dumps([[float(v) for v in row] for row in x]))
    save("records.jsonl", "\n".join(json.dumps({"id": i, "vector": [float(v) for v in row]})
                                    for i, row in zip(ids, x)) + "\n")
    save("table.csv.gz", gzip.compress(csv.encode(), mtime=0))

    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump({"n": N, "d": D, "first_row": [float(v) for v in x[0]], "files": sorted(out)}, f, indent=1)
    print(len(out), "files")


if __name__ == "__main__":
    main()
