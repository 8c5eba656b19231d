#!/usr/bin/python3
"""PyTorch's side of the full-epoch benchmark (tools/benchmark_epoch.sh runs it beside
`lstmsent train`): the recommended configuration in PyTorch 1.13 -- the tutorial's
SentimentRNN with a plain-logits head, padding_idx 0, the output at each phrase's last
real token through pack_padded_sequence (so that no padding step is computed), dropout,
Adam and clip_grad_norm_ -- trained for one shuffled full epoch over train.tsv.

Prints one JSON object: the steps run, the wall time of the epoch (or of --max-steps
steps, with the whole epoch's time extrapolated from them and marked so), the
milliseconds per step, and the peak RSS. Run with Debian's interpreter:
    /usr/bin/python3 tools/bench_epoch_torch.py --threads 2 --batch 64 --seq-len 64
"""
import argparse
import json
from collections import Counter
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
from tutorial_pytorch import corpus_extr, pad_sequences, read_tsv  # noqa: E402


class PackedRNN(nn.Module):
    """SentimentRNN(vocab + 1, 5, E, H, L) with the logits head and last-token pooling."""

    def __init__(self, corpus_size, output_size, embed_dim, hidden_dim, n_layers,
                 lstm_dropout, output_dropout):
        super().__init__()
        self.embedding = nn.Embedding(corpus_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, n_layers, dropout=lstm_dropout,
                            batch_first=True)
        self.dropout = nn.Dropout(output_dropout)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(x), lengths,
                                                   batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)        # zero initial state, as every full-epoch batch
        return self.fc(self.dropout(h_n[-1]))  # the top layer at each row's last token


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    ap.add_argument("--train", default=os.path.join(root, "data", "train.tsv"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seq-len", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--embed", type=int, default=400)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--lstm-dropout", type=float, default=0.5)
    ap.add_argument("--output-dropout", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-count", type=int, default=1,
                    help="words seen fewer times are unknown: one id of their own after the "
                         "vocabulary (lstmsent train's --min-count N --unknown id)")
    ap.add_argument("--max-steps", type=int, default=0,
                    help="stop after this many steps and extrapolate the epoch (0: whole epoch)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    phrases, labels = read_tsv(args.train)
    vocab = corpus_extr(phrases)
    emb_rows = len(vocab) + 1
    if args.min_count > 1:
        # The same cut as liblstmsent's: the kept words keep their order (and ids 1..V'),
        # every other word is the unknown id V' + 1.
        counts = Counter(w for p in phrases for w in p.lower().split())
        kept = [w for w in sorted(vocab, key=vocab.get) if counts[w] >= args.min_count]
        unk = len(kept) + 1
        ids = {w: i for i, w in enumerate(kept, 1)}
        vocab = {w: ids.get(w, unk) for w in vocab}
        emb_rows = unk + 1
    pad = pad_sequences(phrases, vocab, args.seq_len)
    lengths = np.array([max(1, min(len(p.split()), args.seq_len)) for p in phrases])
    labels = np.asarray(labels, dtype=np.int64)
    net = PackedRNN(emb_rows, 5, args.embed, args.hidden, args.layers,
                    args.lstm_dropout, args.output_dropout)
    net.train()
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
    order = np.random.default_rng(args.seed).permutation(len(pad))
    total_steps = (len(pad) + args.batch - 1) // args.batch
    steps = total_steps if args.max_steps <= 0 else min(args.max_steps, total_steps)

    t0 = time.perf_counter()
    for s in range(steps):
        rows = order[s * args.batch:(s + 1) * args.batch]
        x = torch.from_numpy(pad[rows])
        y = torch.from_numpy(labels[rows])
        optimizer.zero_grad()
        loss = F.cross_entropy(net(x, torch.from_numpy(lengths[rows])), y)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5)
        optimizer.step()
    elapsed = time.perf_counter() - t0
    print(json.dumps({
        "what": "epoch", "side": "pytorch", "threads": args.threads, "batch": args.batch,
        "seq_len": args.seq_len, "rows": len(pad), "embedding_rows": emb_rows,
        "steps": steps, "epoch_steps": total_steps,
        "seconds": round(elapsed, 2),
        "epoch_seconds": round(elapsed * total_steps / steps, 1),
        "extrapolated": steps < total_steps,
        "ms_per_step": round(1e3 * elapsed / steps, 2),
        "last_loss": round(loss.item(), 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
