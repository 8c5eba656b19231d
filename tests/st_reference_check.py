#!/usr/bin/env python3
"""Safetensors interop: the C reader and writer against a reader and writer written here
from the format's spec, with only json, struct and numpy (the safetensors package itself
is not installable on the project's machines).

  C writes (st_roundtrip write)    -> read here, strictly, values and metadata compared
  Python writes (several layouts)  -> read by C (st_roundtrip dump), bytes compared
  Python writes bad files          -> C must refuse each with a format error

usage: st_reference_check.py PATH/TO/st_roundtrip
Exit 0 on success, 1 on a mismatch, 77 (skip) without numpy.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("numpy is missing: skipping")
    sys.exit(77)

MAX_HEADER = 100_000_000
DTYPES = {  # name -> (numpy dtype or None for raw bytes, size)
    "BOOL": (np.bool_, 1), "U8": (np.uint8, 1), "I8": (np.int8, 1),
    "I16": (np.int16, 2), "U16": (np.uint16, 2), "F16": (np.float16, 2), "BF16": (None, 2),
    "I32": (np.int32, 4), "U32": (np.uint32, 4), "F32": (np.float32, 4),
    "I64": (np.int64, 8), "U64": (np.uint64, 8), "F64": (np.float64, 8),
}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate keys")
    return dict(pairs)


def read_spec(path):
    """The reference reader's rules, independently of the C code."""
    with open(path, "rb") as f:
        data = f.read()
    assert len(data) >= 8, "shorter than 8 bytes"
    (n,) = struct.unpack("<Q", data[:8])
    assert n <= MAX_HEADER and 8 + n <= len(data), "bad header length"
    raw = data[8:8 + n]
    text = raw.decode("utf-8")
    assert text.startswith("{"), "header does not start with {"
    header = json.loads(text, object_pairs_hook=no_duplicates)
    meta = header.pop("__metadata__", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())
    body = data[8 + n:]
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    pos = 0
    tensors = {}
    for name, e in entries:
        assert set(e) == {"dtype", "shape", "data_offsets"}, name
        begin, end = e["data_offsets"]
        assert begin == pos and end >= begin, f"{name}: offsets not contiguous"
        size = DTYPES[e["dtype"]][1]
        for d in e["shape"]:
            size *= d
        assert end - begin == size, f"{name}: size"
        tensors[name] = (e["dtype"], list(e["shape"]), body[begin:end])
        pos = end
    assert pos == len(body), "file does not end at the last tensor"
    return meta, tensors, n, raw, list(header)


def c_written_file(tool, tmp):
    path = os.path.join(tmp, "c.safetensors")
    subprocess.run([tool, "write", path], check=True)
    meta, tensors, n, raw, order = read_spec(path)
    check(n % 8 == 0, "C header length is a multiple of 8")
    check(raw.rstrip(b" ").endswith(b"}"), "C header is padded with spaces only")
    check(raw.startswith(b'{"__metadata__"'), "C header starts with __metadata__")
    check(order == ["embedding.weight", "lstm.bias_ih_l0", "scalar", "empty"],
          f"C header keeps the tensors' order: {order}")
    check(meta == {"library": "lstmsent",
                   "vocab": "a\nb\t\"c\" \\ \u00e9 \U0001F600 \x01"},
          f"C metadata: {meta!r}")
    emb = np.arange(12, dtype=np.float32) * np.float32(0.25) - np.float32(1.0)
    bias = np.float32(1.0) / np.arange(1, 9, dtype=np.float32)
    bias[7] = -0.0
    want = {
        "embedding.weight": ("F32", [3, 4], emb.reshape(3, 4)),
        "lstm.bias_ih_l0": ("F32", [8], bias),
        "scalar": ("F32", [], np.array(3.14159274, dtype=np.float32)),
        "empty": ("F32", [0, 2], np.zeros((0, 2), dtype=np.float32)),
    }
    check(set(tensors) == set(want), f"C tensor names: {sorted(tensors)}")
    for name, (dtype, shape, arr) in want.items():
        if name not in tensors:
            continue
        got_dtype, got_shape, got_bytes = tensors[name]
        check(got_dtype == dtype and got_shape == shape, f"{name}: {got_dtype} {got_shape}")
        got = np.frombuffer(got_bytes, dtype="<f4").reshape(shape)
        check(got.tobytes() == arr.astype("<f4").tobytes(), f"{name}: values {got}")


def write_spec(path, tensors, meta, order=None, ensure_ascii=True, separators=(",", ":"),
               pad=True):
    """A writer following the spec; by default the reference writer's layout (tensors by
    descending dtype size, then name; header padded with spaces to a multiple of 8)."""
    if order is None:
        order = sorted(tensors, key=lambda k: (-DTYPES[tensors[k][0]][1], k))
    header, blobs, pos = {}, [], 0
    if meta is not None:
        header["__metadata__"] = meta
    for name in order:
        dtype, shape, blob = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [pos, pos + len(blob)]}
        blobs.append(blob)
        pos += len(blob)
    text = json.dumps(header, ensure_ascii=ensure_ascii, separators=separators).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def python_written_files(tool, tmp):
    rng = np.random.default_rng(7)
    arrays = {
        "fc.weight": ("F32", rng.standard_normal((5, 3)).astype(np.float32)),
        "fc.bias": ("F32", np.array([np.float32(1e-38), -0.0, 65504.0], dtype=np.float32)),
        "f64": ("F64", np.array([np.pi, -1e300])),
        "f16": ("F16", np.array([1.5, -2.0, 65504.0], dtype=np.float16)),
        "i64": ("I64", np.array([-(2**63), 2**63 - 1], dtype=np.int64)),
        "i32": ("I32", np.array([[1, -2], [3, -4]], dtype=np.int32)),
        "i16": ("I16", np.array([-32768], dtype=np.int16)),
        "i8": ("I8", np.array([-1, 2, -3], dtype=np.int8)),
        "u8": ("U8", np.array([255, 0], dtype=np.uint8)),
        "flags": ("BOOL", np.array([True, False, True])),
        "scalar": ("F32", np.array(2.5, dtype=np.float32)),
        "empty": ("F32", np.zeros((2, 0, 3), dtype=np.float32)),
        "odd name \u00e9\U0001F600 \"q\" \\": ("F32", np.ones(1, dtype=np.float32)),
    }
    tensors = {}
    for name, (dtype, arr) in arrays.items():
        tensors[name] = (dtype, list(arr.shape), arr.astype(arr.dtype.newbyteorder("<")).tobytes())
    tensors["bf16"] = ("BF16", [2], bytes([0x80, 0x3F, 0x00, 0xC0]))  # 1.0, -2.0
    meta = {"vocab": "the\na\t\u00e9\U0001F600\x01\x1f end", "empty": "", "k\u00e9y": "v"}
    layouts = {
        "reference": dict(),
        "raw-utf8": dict(ensure_ascii=False),
        "spaced": dict(separators=(", ", ": ")),
        "reversed-unpadded": dict(order=sorted(tensors, reverse=True), pad=False),
    }
    for label, opts in layouts.items():
        path = os.path.join(tmp, f"py-{label}.safetensors")
        write_spec(path, tensors, meta, **opts)
        proc = subprocess.run([tool, "dump", path], capture_output=True, text=True)
        if proc.returncode != 0:
            check(False, f"{label}: C could not read it: {proc.stderr.strip()}")
            continue
        got = json.loads(proc.stdout)
        check(got["metadata"] == meta, f"{label}: metadata {got['metadata']!r}")
        check(set(got["tensors"]) == set(tensors), f"{label}: names {sorted(got['tensors'])}")
        for name, (dtype, shape, blob) in tensors.items():
            g = got["tensors"].get(name)
            if g is None:
                continue
            check(g["dtype"] == dtype and g["shape"] == shape, f"{label} {name}: {g['dtype']}")
            check(bytes.fromhex(g["hex"]) == blob, f"{label} {name}: bytes differ")


def bad_files(tool, tmp):
    good = {"a": ("F32", [2], b"\0" * 8), "b": ("F32", [1], b"\0" * 4)}
    cases = {}

    def emit(name, blob):
        cases[name] = blob

    def header_file(header, data, n=None, raw=False):
        text = header if raw else json.dumps(header).encode()
        return struct.pack("<Q", len(text) if n is None else n) + text + data

    base = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
            "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}
    emit("trailing-byte", header_file(base, b"\0" * 13))
    emit("truncated-data", header_file(base, b"\0" * 11))
    emit("overlap", header_file({**base, "b": {**base["b"], "data_offsets": [4, 8]}}, b"\0" * 8))
    emit("gap", header_file({**base, "b": {**base["b"], "data_offsets": [12, 16]}}, b"\0" * 16))
    emit("wrong-size", header_file({**base, "b": {**base["b"], "shape": [2]}}, b"\0" * 12))
    emit("unknown-dtype", header_file({**base, "b": {**base["b"], "dtype": "F33"}}, b"\0" * 12))
    emit("header-too-long", header_file(base, b"\0" * 12, n=10**9))
    emit("header-past-file", header_file(base, b"\0" * 12, n=4096))
    emit("not-utf8", header_file(b'{"\xff":{}}', b"", raw=True))
    emit("duplicate", header_file(
        b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
        b'"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', b"\0" * 8, raw=True))
    emit("nan-shape", header_file(
        b'{"a":{"dtype":"F32","shape":[NaN],"data_offsets":[0,4]}}', b"\0" * 4, raw=True))
    # Stricter than the reference on purpose: names and metadata are C strings here.
    emit("nul-in-metadata", header_file({"__metadata__": {"k": "a\x00b"}}, b""))
    emit("torch-zip", b"PK\x03\x04" + b"\0" * 60)
    emit("empty", b"")
    for name, blob in cases.items():
        path = os.path.join(tmp, f"bad-{name}.safetensors")
        with open(path, "wb") as f:
            f.write(blob)
        proc = subprocess.run([tool, "expect-error", path], capture_output=True, text=True)
        check(proc.returncode == 0, f"bad file '{name}' was not refused: {proc.stderr.strip()}")
    # The Python writer's own files are good, so the refusals above are about the rules.
    path = os.path.join(tmp, "good.safetensors")
    write_spec(path, good, None)
    proc = subprocess.run([tool, "expect-error", path], capture_output=True, text=True)
    check(proc.returncode == 1, "a good file was refused")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    tool = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        c_written_file(tool, tmp)
        python_written_files(tool, tmp)
        bad_files(tool, tmp)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("safetensors interop: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
