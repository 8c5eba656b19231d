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


SUM_KEYS = ("checksum.header", "checksum.data")


def checksums(tensors, metadata):
    """The two checksum values liblstmsent records (docs/model-files.md#checksums) for these
    F32 tensors and this metadata (its checksum keys left out). Needs the xxhash module
    (Debian: python3-xxhash)."""
    import xxhash
    h, d = xxhash.xxh3_64(), xxhash.xxh3_64()
    named = sorted(tensors, key=lambda t: t[0].encode())
    h.update(struct.pack("<Q", len(named)))
    for name, a in named:
        shape = list(np.shape(a))
        h.update(name.encode() + b"\0F32\0")
        h.update(struct.pack("<%dQ" % (1 + len(shape)), len(shape), *shape))
        d.update(np.ascontiguousarray(a, dtype="<f4").tobytes())
    meta = {str(k): str(v) for k, v in (metadata or {}).items() if k not in SUM_KEYS}
    keys = sorted(meta, key=str.encode)
    h.update(struct.pack("<Q", len(keys)))
    for k in keys:
        h.update(k.encode() + b"\0" + meta[k].encode() + b"\0")
    return {SUM_KEYS[0]: "%016x" % h.intdigest(), SUM_KEYS[1]: "%016x" % d.intdigest()}


def write(path, tensors, metadata=None, with_checksums=False):
    """tensors: (name, array) pairs in file order, stored as F32 little-endian. With
    with_checksums, the metadata gets the two checksum keys as liblstmsent writes them."""
    header = {}
    if with_checksums:
        metadata = dict(metadata or {})
        metadata.update(checksums(tensors, metadata))
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
