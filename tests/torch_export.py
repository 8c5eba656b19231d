#!/usr/bin/python3
"""Export a PyTorch SentimentRNN's state_dict as a liblstmsent model file, and PyTorch's
outputs on real phrases as a reference for the C side (tests/model_file_check.c).

    /usr/bin/python3 tests/torch_export.py --train data/train.tsv --out model.safetensors \
        --ref ref.tsv [--embed 64 --hidden 48 --layers 2 --head sigmoid --pooling last_step]

The model is the tutorial's (tests/gen_model_fixtures.py), its vocabulary the tutorial's
Corpus_Extr over train.tsv (words by count, ties by first sight; id 0 is padding), its
weights PyTorch's initialisation from --seed. The file holds the state_dict tensors under
their own names and the metadata liblstmsent writes: format, options, vocabulary. The
reference has one line per phrase: the phrase, a tab, the outputs (evaluation mode, zero
state, ids right-padded or cut to --seq-len).
"""
import argparse
import os
import sys
from collections import Counter

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_file  # noqa: E402
from gen_model_fixtures import SentimentRNN, read_tsv  # noqa: E402

HEADS = {"sigmoid": 0, "logits": 1}
POOLINGS = {"last_step": 0, "last_token": 1}


def tutorial_vocab(phrases):
    counter = Counter()
    for p in phrases:
        counter.update(p.lower().split())
    return sorted(counter, key=counter.get, reverse=True)


def export(net, path, options, words=None):
    """state_dict -> safetensors with liblstmsent's metadata. options: the model's."""
    meta = {"format": st_file.FORMAT_MODEL, "format_version": st_file.FORMAT_VERSION,
            "producer": "torch_export.py (torch %s)" % torch.__version__}
    meta.update({k: str(v) for k, v in options.items()})
    if words is not None:
        meta.update(st_file.vocab_metadata(words))
    tensors = [(k, v.detach().cpu().numpy()) for k, v in net.state_dict().items()]
    st_file.write(path, tensors, meta)


def encode(phrases, vocab, T):
    ids = np.zeros((len(phrases), T), dtype=np.int64)
    lengths = np.zeros(len(phrases), dtype=np.int64)
    for b, p in enumerate(phrases):
        seq = [vocab.get(w, 0) for w in p.lower().split()][:T]
        ids[b, :len(seq)] = seq
        lengths[b] = len(seq)
    return ids, lengths


def forward(net, phrases, vocab, T, layers, hidden):
    ids, lengths = encode(phrases, vocab, T)
    net.eval()
    with torch.no_grad():
        h0 = torch.zeros(layers, len(phrases), hidden)
        out, _ = net(torch.from_numpy(ids), (h0, h0.clone()), torch.from_numpy(lengths))
    return out.numpy()


def write_ref(path, phrases, outputs):
    with open(path, "w", encoding="utf-8") as f:
        for p, row in zip(phrases, outputs):
            f.write(p + "\t" + " ".join("%.9g" % v for v in row) + "\n")


def pick_phrases(phrases, n):
    """n real phrases of several lengths: every 997th phrase of two words or more."""
    out = [p for p in phrases[::997] if len(p.split()) >= 2 and "\t" not in p]
    return out[:n]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--embed", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=48)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--head", choices=HEADS, default="sigmoid")
    ap.add_argument("--pooling", choices=POOLINGS, default="last_step")
    ap.add_argument("--padding-idx", type=int, default=-1)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--phrases", type=int, default=48)
    ap.add_argument("--seq-len", type=int, default=30)
    args = ap.parse_args()
    torch.set_num_threads(1)
    phrases, _ = read_tsv(args.train)
    words = tutorial_vocab(phrases)
    vocab = {w: i for i, w in enumerate(words, 1)}
    torch.manual_seed(args.seed)
    net = SentimentRNN(len(words) + 1, 5, args.embed, args.hidden, args.layers,
                       HEADS[args.head], POOLINGS[args.pooling], args.padding_idx)
    options = {"num_embeddings": len(words) + 1, "embed_dim": args.embed,
               "hidden_dim": args.hidden, "num_layers": args.layers, "output_size": 5,
               "lstm_dropout": 0.5, "output_dropout": 0.3, "head": args.head,
               "pooling": args.pooling, "padding_idx": args.padding_idx, "seed": args.seed}
    export(net, args.out, options, words)
    chosen = pick_phrases(phrases, args.phrases)
    write_ref(args.ref, chosen, forward(net, chosen, vocab, args.seq_len, args.layers,
                                        args.hidden))
    print("%s: V=%d E=%d H=%d L=%d %s/%s, %d phrases in %s" % (
        args.out, len(words) + 1, args.embed, args.hidden, args.layers, args.head,
        args.pooling, len(chosen), args.ref))


if __name__ == "__main__":
    main()
