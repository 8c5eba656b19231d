#!/usr/bin/python3
"""Load a model file written by liblstmsent into PyTorch's SentimentRNN with
load_state_dict (strict), encode the phrases of a reference file with the vocabulary the
file carries, and compare PyTorch's outputs with the reference's (liblstmsent's).

    /usr/bin/python3 tests/torch_import.py --model model.safetensors --ref c_ref.tsv \
        [--out torch_outputs.tsv] [--tol 1e-5]

Exit 0 when every output is within --tol, 1 when one is not.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_file  # noqa: E402
from gen_model_fixtures import SentimentRNN  # noqa: E402
from torch_export import HEADS, POOLINGS, forward, write_ref  # noqa: E402


def load(path):
    """(SentimentRNN with the file's weights, its vocabulary as word -> id, metadata)."""
    tensors, meta = st_file.read(path)
    if meta.get("format") != st_file.FORMAT_MODEL and meta.get("format") != "lstmsent-checkpoint":
        raise ValueError("%s: not a liblstmsent model file" % path)
    net = SentimentRNN(int(meta["num_embeddings"]), int(meta["output_size"]),
                       int(meta["embed_dim"]), int(meta["hidden_dim"]), int(meta["num_layers"]),
                       HEADS[meta["head"]], POOLINGS[meta["pooling"]], int(meta["padding_idx"]))
    state = {k: torch.from_numpy(v) for k, v in tensors.items() if not k.startswith("optim.")}
    net.load_state_dict(state, strict=True)
    words = meta["vocab"].split("\n")
    if st_file.vocab_metadata(words) != {k: meta[k] for k in ("vocab", "vocab_size",
                                                              "vocab_digest")}:
        raise ValueError("%s: vocabulary count or digest does not match" % path)
    return net, {w: i for i, w in enumerate(words, 1)}, meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--out")
    ap.add_argument("--tol", type=float, default=1e-5)
    ap.add_argument("--seq-len", type=int, default=30)
    args = ap.parse_args()
    torch.set_num_threads(1)
    net, vocab, meta = load(args.model)
    phrases, want = [], []
    with open(args.ref, encoding="utf-8") as f:
        for line in f:
            p, vals = line.rstrip("\n").split("\t")
            phrases.append(p)
            want.append([float(v) for v in vals.split()])
    got = forward(net, phrases, vocab, args.seq_len, int(meta["num_layers"]),
                  int(meta["hidden_dim"]))
    if args.out:
        write_ref(args.out, phrases, got)
    err = float(np.max(np.abs(got - np.array(want, dtype=np.float64))))
    ok = err <= args.tol
    print("%s -> PyTorch: %d phrases, max |error| %.3g (tolerance %g): %s" % (
        args.model, len(phrases), err, args.tol, "ok" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
