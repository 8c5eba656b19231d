"""Safetensors files as liblstmsent writes and reads them, in plain Python (json, struct and
numpy: Debian has no safetensors package). Used by torch_export.py, torch_import.py and the
fuzz seed generator; docs/model-files.md describes the format and the metadata keys.
"""
import json
import struct

import numpy as np

FORMAT_MODEL = "lstmsent-model"
FORMAT_VERSION = "1"


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def vocab_metadata(words):
    """The vocabulary keys: words in id order (id 1 first) joined by newlines."""
    text = "\n".join(words)
    return {"vocab": text, "vocab_size": str(len(words)),
            "vocab_digest": "%016x" % fnv1a64(text.encode("utf-8"))}


def write(path, tensors, metadata=None):
    """tensors: (name, array) pairs in file order, stored as F32 little-endian."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs, offset = [], 0
    for name, a in tensors:
        raw = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(a)),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for raw in blobs:
            f.write(raw)


def read(path):
    """(dict name -> float32 array in file order, metadata dict). F32 tensors only."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    tensors = {}
    for name, t in header.items():
        if t["dtype"] != "F32":
            raise ValueError("%s: tensor %s is %s, not F32" % (path, name, t["dtype"]))
        b, e = t["data_offsets"]
        tensors[name] = np.frombuffer(body[b:e], dtype="<f4").reshape(t["shape"]).copy()
    return tensors, meta
