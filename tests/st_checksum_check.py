#!/usr/bin/env python3
"""The model files' checksums against an implementation written here from their spec
(docs/model-files.md#checksums), with json, struct and xxhash only:

  C writes a file with checksums (st_roundtrip write-checked) -> the keys hold what the
                                                                 spec gives
  Python rewrites the same contents in another layout         -> C computes the same
  (tensors and data reversed, metadata reordered, escapes and    checksums (st_roundtrip
  indentation of its own)                                        sums)
  Python changes one metadata value or one data byte          -> C's checksums change

usage: st_checksum_check.py PATH/TO/st_roundtrip
Exit 0 on success, 1 on a mismatch, 77 (skip) without the xxhash module (python3-xxhash).
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import xxhash
except ImportError:
    print("the xxhash module is missing (python3-xxhash): skipping")
    sys.exit(77)

SUM_KEYS = ("checksum.header", "checksum.data")


def parse(raw):
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    return header, meta, raw[8 + n:]


def checksums(raw):
    """(header, data) as 16 hex digits each: the canonical form of the spec."""
    header, meta, data = parse(raw)
    h, d = xxhash.xxh3_64(), xxhash.xxh3_64()
    names = sorted(header, key=str.encode)
    h.update(struct.pack("<Q", len(names)))
    for name in names:
        t = header[name]
        h.update(name.encode() + b"\0" + t["dtype"].encode() + b"\0")
        h.update(struct.pack("<%dQ" % (1 + len(t["shape"])), len(t["shape"]), *t["shape"]))
        d.update(data[t["data_offsets"][0]:t["data_offsets"][1]])
    keys = sorted((k for k in meta if k not in SUM_KEYS), key=str.encode)
    h.update(struct.pack("<Q", len(keys)))
    for k in keys:
        h.update(k.encode() + b"\0" + meta[k].encode() + b"\0")
    return "%016x" % h.intdigest(), "%016x" % d.intdigest()


def relayout(raw, change_meta=None, flip_data_byte=None):
    """The same contents written otherwise: tensors in reverse order in the header and in
    the data, metadata keys reversed, every non-ASCII character escaped, indented JSON."""
    header, meta, data = parse(raw)
    names = list(reversed(list(header)))
    out, blobs, offset = {}, [], 0
    meta = dict(reversed(list(meta.items())))
    if change_meta:
        meta.update(change_meta)
    out["__metadata__"] = meta
    for name in names:
        t = header[name]
        blob = bytearray(data[t["data_offsets"][0]:t["data_offsets"][1]])
        if flip_data_byte == name and blob:
            blob[0] ^= 1
        out[name] = {"shape": t["shape"], "data_offsets": [offset, offset + len(blob)],
                     "dtype": t["dtype"]}
        blobs.append(bytes(blob))
        offset += len(blob)
    text = json.dumps(out, indent=1, ensure_ascii=True).encode("ascii")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def main():
    tool = sys.argv[1]
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)
            print("FAIL:", what)

    def c_sums(raw, name):
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(raw)
        out = subprocess.run([tool, "sums", p], capture_output=True, text=True)
        check(out.returncode == 0, "%s: st_roundtrip sums failed: %s" % (name, out.stderr))
        return tuple(out.stdout.split())

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "checked.safetensors")
        subprocess.run([tool, "write-checked", path], check=True)
        with open(path, "rb") as f:
            raw = f.read()
        _, meta, _ = parse(raw)
        want = checksums(raw)
        check((meta.get(SUM_KEYS[0]), meta.get(SUM_KEYS[1])) == want,
              "C wrote %s, the spec gives %s" % ((meta.get(SUM_KEYS[0]), meta.get(SUM_KEYS[1])),
                                                want))
        check(c_sums(raw, "same.safetensors") == want, "C's sums of its own file")

        other = relayout(raw)
        check(other != raw and checksums(other) == want, "the relayout changed the contents")
        check(c_sums(other, "relayout.safetensors") == want,
              "C's sums of the same contents in another layout differ")

        edited = relayout(raw, change_meta={"library": "lstmsenT"})
        got = c_sums(edited, "edited.safetensors")
        check(got[0] != want[0] and got[1] == want[1] and got == checksums(edited),
              "a changed metadata value: C %s, spec %s" % (got, checksums(edited)))
        flipped = relayout(raw, flip_data_byte="lstm.bias_ih_l0")
        got = c_sums(flipped, "flipped.safetensors")
        check(got[0] == want[0] and got[1] != want[1] and got == checksums(flipped),
              "a flipped data bit: C %s, spec %s" % (got, checksums(flipped)))

    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("checksums: C and the spec agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
