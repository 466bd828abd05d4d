"""The bad-input catalogue: malformed files and what Rosetta must say about each.

Run from the repository root: `python3 tests/bad-inputs/make_bad_inputs.py`. Writes
tests/bad-inputs/files/* and tests/bad-inputs/catalogue.json. Versions: numpy 2.4.6, pyarrow 26.0.1.

Each entry: the files dropped together, and `expect`: substrings of the message (file name, place,
problem). `kind` is "error" (refused) or "warning" (loaded, with a visible warning). Three
consumers: crates/rosetta-io/tests/bad_inputs.rs (native), tests/e2e/bad_inputs.test.mjs (dropped on
the page, the demo must stay) and the CLI test (exit code 2 with the same message).
"""

import gzip
import io
import json
import os
import struct
import zipfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, "files")
entries = []


def write(name, data):
    with open(os.path.join(FILES, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def npy_bytes(arr):
    b = io.BytesIO()
    np.save(b, arr)
    return b.getvalue()


def raw_npy(dict_text, data=b"", version=(1, 0)):
    header = dict_text.encode("latin1")
    header += b" " * ((64 - (10 + len(header) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY" + bytes(version) + struct.pack("<H", len(header)) + header + data


def case(name, files, expect, kind="error", note=""):
    entries.append({"name": name, "files": files, "expect": expect, "kind": kind, "note": note})


def main():
    os.makedirs(FILES, exist_ok=True)
    for f in os.listdir(FILES):
        os.remove(os.path.join(FILES, f))
    good = np.arange(40, dtype=np.float32).reshape(10, 4)

    # --- .npy
    write("truncated.npy", npy_bytes(good)[:-20])
    case("truncated npy", ["truncated.npy"], ["truncated.npy", "cut short", "160 bytes"])
    write("wrong-magic.npy", b"NUMPY\x01\x00" + b"\x00" * 60)
    case("wrong magic", ["wrong-magic.npy"], ["wrong-magic.npy", "not a .npy file"])
    write("complex.npy", npy_bytes(np.zeros((3, 2), dtype=np.complex64)))
    case("unsupported dtype", ["complex.npy"], ["complex.npy", "unsupported data type", "<c8"])
    write("one-d.npy", npy_bytes(np.arange(10, dtype=np.float32)))
    case("1-D array", ["one-d.npy"], ["one-d.npy", "2-D", "(10)"])
    write("three-d.npy", npy_bytes(np.zeros((2, 3, 4), dtype=np.float32)))
    case("3-D array", ["three-d.npy"], ["three-d.npy", "2-D", "(2, 3, 4)"])
    write("empty.npy", b"")
    case("empty file", ["empty.npy"], ["empty.npy", "empty"])
    write("zero-rows.npy", npy_bytes(np.zeros((0, 5), dtype=np.float32)))
    case("no rows", ["zero-rows.npy"], ["zero-rows.npy", "no rows", "(0, 5)"])
    write("bad-header.npy", raw_npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 2), }", b"\0" * 16))
    case("malformed header", ["bad-header.npy"], ["bad-header.npy", "header", "fortran_order"])
    write("structured.npy", npy_bytes(np.zeros((3,), dtype=[("a", "<f4"), ("b", "<i4")])))
    case("structured dtype", ["structured.npy"], ["structured.npy", "structured"])
    write("version9.npy", raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", b"\0" * 4, (9, 0)))
    case("unknown npy version", ["version9.npy"], ["version9.npy", "version 9"])
    write("huge-shape.npy", raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"))
    case("hostile shape", ["huge-shape.npy"], ["huge-shape.npy", "too large"])
    nan = good.copy()
    nan[2, 1] = np.nan
    nan[7, 0] = np.inf
    write("some-nan.npy", npy_bytes(nan))
    case("rows with NaN/Inf", ["some-nan.npy"], ["some-nan.npy", "dropped 2 of 10 rows", "row 3"], kind="warning")
    write("all-nan.npy", npy_bytes(np.full((3, 2), np.nan, dtype=np.float32)))
    case("no usable row", ["all-nan.npy"], ["all-nan.npy", "no usable rows"])

    # --- vectors.tsv / metadata.tsv
    write("ragged.tsv", "1\t2\t3\t4\n5\t6\t7\t8\n9\t10\t11\n")
    case("ragged TSV", ["ragged.tsv"], ["ragged.tsv", "line 3", "expected 4 values", "found 3"])
    write("non-numeric.tsv", "1\t2\n3\tabc\n")
    case("non-numeric cell", ["non-numeric.tsv"], ["non-numeric.tsv", "line 2", "'abc' is not a number"])
    write("empty.tsv", "")
    case("empty TSV", ["empty.tsv"], ["empty.tsv", "empty"])
    write("latin1.tsv", "1\t2\n3\t4\n".encode() + b"\xe9\t1\n")
    case("not UTF-8", ["latin1.tsv"], ["latin1.tsv", "line 3", "UTF-8"])
    write("five.tsv", "\n".join("\t".join(str(i + j) for j in range(3)) for i in range(5)) + "\n")
    write("metadata.tsv", "a\nb\nc\nd\n")
    case("metadata with the wrong row count", ["five.tsv", "metadata.tsv"], ["metadata.tsv", "4 rows", "five.tsv", "5"])

    # --- CSV with a header
    write("header-only.csv", "id,x,y\n")
    case("header-only CSV", ["header-only.csv"], ["header-only.csv", "line 1", "no data rows"])
    write("ragged.csv", "id,x,y\na,1,2\nb,3\n")
    case("ragged CSV", ["ragged.csv"], ["ragged.csv", "line 3", "expected 3", "found 2"])
    rows = "\n".join(f"i{i},{i},{i * 2}" for i in range(20))
    write("typo.csv", "id,x,y\n" + rows + "\ni20,20,x7\n")
    case("typo in a numeric column", ["typo.csv"], ["typo.csv", "line 22", "'y'", "'x7' is not a number"])
    write("duplicate-ids.csv", "id,x\nq,1\nr,2\nq,3\n")
    case("duplicate ids", ["duplicate-ids.csv"], ["duplicate-ids.csv", "'q' appears twice", "rows 1 and 3"])
    write("text-only.csv", "id,name\na,x\nb,y\n")
    write("vectors-a.csv", "id,x\nfoo,1\nbar,2\n")
    write("vectors-b.csv", "id,x\nbaz,1\nqux,2\n")
    case("no shared id", ["vectors-a.csv", "vectors-b.csv"], ["vectors-a.csv", "vectors-b.csv", "no id is shared"])
    write("counts-a.npy", npy_bytes(good))
    write("counts-b.npy", npy_bytes(good[:7]))
    case("counts differ without ids", ["counts-a.npy", "counts-b.npy"], ["counts-b.npy", "7 rows", "counts-a.npy", "10"])

    # --- unknown
    write("model.pt", b"PK\x03\x04 not a tensor file")
    case("unknown extension", ["model.pt"], ["model.pt", "unknown file type", ".pt"])

    # --- Parquet / Arrow
    table = pa.table({"label": ["a", "b"], "score": [1.0, 2.0]})
    b = io.BytesIO()
    pq.write_table(table, b)
    write("no-vectors.parquet", b.getvalue())
    case("Parquet without a vector column", ["no-vectors.parquet"], ["no-vectors.parquet", "no vector column", "label"])
    vt = pa.table({"emb": pa.array([[1.0, 2.0], [3.0, 4.0]], type=pa.list_(pa.float32()))})
    b = io.BytesIO()
    pq.write_table(vt, b)
    write("truncated.parquet", b.getvalue()[: len(b.getvalue()) // 2])
    case("truncated Parquet", ["truncated.parquet"], ["truncated.parquet", "PAR1"])
    rt = pa.table({"emb": pa.array([[1.0, 2.0], [3.0]], type=pa.list_(pa.float32()))})
    b = io.BytesIO()
    pq.write_table(rt, b)
    write("ragged-lists.parquet", b.getvalue())
    case("ragged list column", ["ragged-lists.parquet"], ["ragged-lists.parquet", "emb, row 2", "expected 2 values"])
    b = io.BytesIO()
    pq.write_table(vt, b, compression="zstd")
    write("zstd.parquet", b.getvalue())
    case("zstd Parquet", ["zstd.parquet"], ["zstd.parquet", "zstd", "snappy"])
    write("garbage.arrow", b"ARROW1\x00\x00garbage")
    case("damaged Arrow file", ["garbage.arrow"], ["garbage.arrow", "Arrow"])

    # --- safetensors
    header = json.dumps({"t": {"dtype": "BF16", "shape": [1, 2], "data_offsets": [0, 3]}}).encode()
    write("bf16-odd.safetensors", struct.pack("<Q", len(header)) + header + b"\0\0\0")
    case("bf16 with odd byte length", ["bf16-odd.safetensors"], ["bf16-odd.safetensors", "tensor"])
    write("bad-length.safetensors", struct.pack("<Q", 1 << 40) + b"{}")
    case("safetensors header length", ["bad-length.safetensors"], ["bad-length.safetensors", "header"])
    header = json.dumps({"bias": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode()
    write("only-1d.safetensors", struct.pack("<Q", len(header)) + header + b"\0" * 16)
    case("safetensors without a 2-D tensor", ["only-1d.safetensors"], ["only-1d.safetensors", "no 2-D float tensor", "bias"])

    # --- gzip
    write("not-gzip.tsv.gz", b"1\t2\n3\t4\n")
    case("a .gz that is not gzip", ["not-gzip.tsv.gz"], ["not-gzip.tsv.gz", "gzip"])
    z = gzip.compress(b"1\t2\n3\t4\n" * 100)
    write("damaged.tsv.gz", z[:12] + b"\xff" * 20 + z[32:])
    case("damaged gzip", ["damaged.tsv.gz"], ["damaged.tsv.gz", "damaged"])

    # --- JSON
    write("bad.json", '[[1, 2], [3, 4')
    case("invalid JSON", ["bad.json"], ["bad.json", "line 1", "not JSON"])
    write("ragged.json", "[[1, 2], [3]]")
    case("ragged JSON", ["ragged.json"], ["ragged.json", "row 2", "expected 2 values"])
    write("no-vector.json", '[{"id": "a", "x": 1}]')
    case("JSON without vectors", ["no-vector.json"], ["no-vector.json", "no field holds a list"])
    write("bad-line.jsonl", '{"v": [1, 2]}\n{"v": [1, 2}\n')
    case("bad JSON line", ["bad-line.jsonl"], ["bad-line.jsonl", "line 2", "not JSON"])

    # --- npz
    write("not-zip.npz", b"this is not a zip archive")
    case(".npz that is not a zip", ["not-zip.npz"], ["not-zip.npz", "zip"])
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as zf:
        zf.writestr("v.npy", npy_bytes(np.arange(5, dtype=np.float32)))
    write("no-2d.npz", b.getvalue())
    case(".npz without a 2-D array", ["no-2d.npz"], ["no-2d.npz", "no 2-D array", "v"])

    # --- projector
    write("tensor.bytes", np.arange(6, dtype=np.float32).tobytes())
    case(".bytes without its config", ["tensor.bytes"], ["tensor.bytes", "projector_config.json"])
    write("projector_config.json", json.dumps({"embeddings": [
        {"tensorName": "t", "tensorShape": [2, 4], "tensorPath": "tensor.bytes"}]}))
    case("projector shape mismatch", ["projector_config.json", "tensor.bytes"], ["tensor.bytes", "holds 24 bytes", "[2, 4]"])
    write("missing_projector_config.json", json.dumps({"embeddings": [
        {"tensorName": "t", "tensorShape": [2, 3], "tensorPath": "elsewhere.bytes"}]}))
    case("projector file missing", ["missing_projector_config.json"], ["missing_projector_config.json", "elsewhere.bytes", "drop that file"])

    with open(os.path.join(HERE, "catalogue.json"), "w") as f:
        json.dump({"entries": entries, "virtual": [
            {"name": "a 2 GB file", "file": "huge.npy", "size_bytes": 2 << 30,
             "expect": ["huge.npy", "2147483648 bytes", "limit"]}]}, f, indent=1)
    print(len(entries), "entries")


if __name__ == "__main__":
    main()
