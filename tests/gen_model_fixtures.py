#!/usr/bin/python3
"""Parity fixtures for the model: PyTorch's numbers for the C checker to reproduce.

Run with Debian's interpreter, which has python3-torch:
    /usr/bin/python3 tests/gen_model_fixtures.py --config tiny --out tests/fixtures
    /usr/bin/python3 tests/gen_model_fixtures.py --config tutorial --train data/train.tsv \
        --out build/fixtures

Each case is one file holding the weights, the inputs (ids, lengths, labels, a nonzero
incoming state), and what PyTorch computes from them with dropout off: outputs, the state
out, the loss and the gradient of every parameter. The model is the tutorial's SentimentRNN,
built from nn.Embedding, nn.LSTM(batch_first=True), nn.Linear and the tutorial's criterion;
the cases cover both heads (sigmoid + the tutorial's criterion, plain logits + cross-entropy)
and both poolings (the tutorial's last step, each row's last real token through
pack_padded_sequence, so that the state out is each row's at its last token).

Configs: "tiny" (V=50, E=8, H=6, 2 layers, O=5, B=3, T=5), committed under tests/fixtures;
"tutorial" (the vocabulary of train.tsv + 1 rows, E=400, H=256, 2 layers, B=32, T=30, 32 real
phrases of train.tsv padded to 30), written at test time. The tutorial's embedding table is
stored sparsely: only the rows the ids use (the others cannot affect anything), and for its
gradient only those rows (the others are zero, which the checker verifies).

File format (little-endian), read by tests/fixture.c:
    b"LSTF", u32 version = 1, u32 tensor count, then per tensor:
    u32 name length, name (UTF-8), u32 dtype (0 float32, 1 int32), u32 ndim,
    i64 dims[ndim], the data in row-major order.
A tensor "X@rows" (int32, R) next to "X" (R, C) means X holds only those rows of a
larger matrix. "config" (int32) is [V, E, H, L, O, B, T, head, pooling, padding_idx] with
head 0 sigmoid / 1 logits and pooling 0 last step / 1 last token, as in lstmsent.h.
"""
import argparse
import os
import struct
from collections import Counter

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HEAD_SIGMOID, HEAD_LOGITS = 0, 1
POOL_LAST_STEP, POOL_LAST_TOKEN = 0, 1

# (file suffix, head, pooling, padding_idx): both heads x both poolings; the last-token
# cases also use padding_idx 0, as the better-learning setup of the spec's section 9.
CASES = [
    ("sigmoid_last_step", HEAD_SIGMOID, POOL_LAST_STEP, -1),
    ("sigmoid_last_token", HEAD_SIGMOID, POOL_LAST_TOKEN, 0),
    ("logits_last_step", HEAD_LOGITS, POOL_LAST_STEP, -1),
    ("logits_last_token", HEAD_LOGITS, POOL_LAST_TOKEN, 0),
]


class SentimentRNN(nn.Module):
    """The tutorial's model; head and pooling as options, the defaults being the tutorial."""

    def __init__(self, corpus_size, output_size, embedd_dim, hidden_dim, n_layers,
                 head=HEAD_SIGMOID, pooling=POOL_LAST_STEP, padding_idx=-1):
        super().__init__()
        self.output_size = output_size
        self.n_layers = n_layers
        self.hidden_dim = hidden_dim
        self.head = head
        self.pooling = pooling
        self.embedding = nn.Embedding(corpus_size, embedd_dim,
                                      padding_idx=None if padding_idx < 0 else padding_idx)
        self.lstm = nn.LSTM(embedd_dim, hidden_dim, n_layers, dropout=0.5, batch_first=True)
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(hidden_dim, output_size)
        self.act = nn.Sigmoid()

    def forward(self, x, hidden, lengths=None):
        batch_size = x.size(0)
        if self.pooling == POOL_LAST_TOKEN:
            # The steps after a row's last token cannot reach its output: PyTorch's own way
            # of not computing them is a PackedSequence (an empty row runs one step, as
            # liblstmsent pools it at step 0). The state out is then each row's at its last
            # token, and so is what a loop carries to the next batch.
            last = (lengths - 1).clamp(min=0)
            packed = nn.utils.rnn.pack_padded_sequence(
                self.embedding(x), (last + 1).cpu(), batch_first=True, enforce_sorted=False)
            lstm_out, hidden = self.lstm(packed, hidden)
            lstm_out, _ = nn.utils.rnn.pad_packed_sequence(lstm_out, batch_first=True,
                                                           total_length=x.size(1))
            out = self.fc(self.dropout(lstm_out[torch.arange(batch_size), last]))
            if self.head == HEAD_SIGMOID:
                out = self.act(out)
            return out, hidden
        lstm_out, hidden = self.lstm(self.embedding(x), hidden)
        if self.pooling == POOL_LAST_STEP:
            # The tutorial, verbatim: the head on every position, then the last step's O.
            out = self.fc(self.dropout(lstm_out.contiguous().view(-1, self.hidden_dim)))
            if self.head == HEAD_SIGMOID:
                out = self.act(out)
            return out.view(batch_size, -1)[:, -self.output_size:], hidden
        raise ValueError("unknown pooling %d" % self.pooling)


def criterion(input, target):
    """The tutorial's loss: softmax cross-entropy with 1e-10 inside the log."""
    return -(target * torch.log(F.softmax(input, dim=1) + 1e-10)).sum(1).mean()


class Writer:
    def __init__(self):
        self.items = []

    def add(self, name, array, dtype=np.float32):
        self.items.append((name, np.ascontiguousarray(np.asarray(array, dtype=dtype))))

    def add_rows(self, name, matrix, rows):
        self.add(name + "@rows", rows, np.int32)
        self.add(name, matrix[rows])

    def save(self, path):
        with open(path, "wb") as f:
            f.write(b"LSTF" + struct.pack("<II", 1, len(self.items)))
            for name, a in self.items:
                raw = name.encode("utf-8")
                code = 0 if a.dtype == np.float32 else 1
                f.write(struct.pack("<I", len(raw)) + raw + struct.pack("<II", code, a.ndim))
                f.write(struct.pack("<%dq" % a.ndim, *a.shape))
                f.write(a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes())


def run_case(path, cfg, ids, lengths, labels, seed, head, pooling, padding_idx, sparse_rows):
    V, E, H, L, O = cfg["V"], cfg["E"], cfg["H"], cfg["L"], cfg["O"]
    B, T = ids.shape
    torch.manual_seed(seed)
    net = SentimentRNN(V, O, E, H, L, head, pooling, padding_idx)
    net.eval()   # dropout off; autograd still runs
    g = torch.Generator().manual_seed(seed + 1)
    h0 = 0.5 * torch.randn(L, B, H, generator=g)
    c0 = 0.5 * torch.randn(L, B, H, generator=g)
    x = torch.from_numpy(ids.astype(np.int64))
    lens = torch.from_numpy(lengths.astype(np.int64))
    y = torch.from_numpy(labels.astype(np.int64))

    out, (hn, cn) = net(x, (h0, c0), lens)
    if head == HEAD_SIGMOID:
        loss = criterion(out, F.one_hot(y, O).float())
    else:
        loss = F.cross_entropy(out, y)
    loss.backward()

    w = Writer()
    w.add("config", [V, E, H, L, O, B, T, head, pooling, padding_idx], np.int32)
    rows = np.unique(ids).astype(np.int32)
    for name, p in net.state_dict().items():
        if name == "embedding.weight" and sparse_rows:
            w.add_rows(name, p.numpy(), rows)
        else:
            w.add(name, p.numpy())
    w.add("ids", ids, np.int32)
    w.add("lengths", lengths, np.int32)
    w.add("labels", labels, np.int32)
    w.add("h0", h0.numpy())
    w.add("c0", c0.numpy())
    w.add("outputs", out.detach().numpy())
    w.add("h_n", hn.detach().numpy())
    w.add("c_n", cn.detach().numpy())
    w.add("loss", [loss.item()])
    for name, p in net.named_parameters():
        if name == "embedding.weight" and sparse_rows:
            w.add_rows("grad." + name, p.grad.numpy(), rows)
        else:
            w.add("grad." + name, p.grad.numpy())
    w.save(path)
    return loss.item()


def tiny(out_dir):
    cfg = dict(V=50, E=8, H=6, L=2, O=5)
    rs = np.random.RandomState(7)
    B, T = 3, 5
    lengths = np.array([5, 3, 1], dtype=np.int32)
    ids = np.zeros((B, T), dtype=np.int32)
    for b in range(B):
        ids[b, :lengths[b]] = rs.randint(1, cfg["V"], size=lengths[b])
    ids[0, 1] = cfg["V"] - 1          # the last row of the table
    ids[0, 3] = ids[1, 0]             # a repeated id: gradients add up
    labels = rs.randint(0, cfg["O"], size=B).astype(np.int32)
    for suffix, head, pooling, pad in CASES:
        path = os.path.join(out_dir, "tiny_%s.lstf" % suffix)
        loss = run_case(path, cfg, ids, lengths, labels, 11, head, pooling, pad, False)
        print("%s: loss %.6f" % (path, loss))


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    header = lines[0].rstrip("\r").split("\t")
    pc, lc = header.index("Phrase"), header.index("Sentiment")
    phrases, labels = [], []
    for line in lines[1:]:
        line = line.rstrip("\r")
        if line:
            fields = line.split("\t")
            phrases.append(fields[pc])
            labels.append(int(fields[lc]))
    return phrases, labels


def tutorial(out_dir, train_path):
    phrases, labels = read_tsv(train_path)
    counter = Counter()
    for p in phrases:
        counter.update(p.lower().split())
    words = sorted(counter, key=counter.get, reverse=True)   # stable: ties by first sight
    vocab = {w: i for i, w in enumerate(words, 1)}
    cfg = dict(V=len(vocab) + 1, E=400, H=256, L=2, O=5)
    B, T = 32, 30
    rs = np.random.RandomState(2024)
    rows = list(rs.choice(len(phrases), B - 1, replace=False))
    rows.append(next(i for i, p in enumerate(phrases) if len(p.split()) > T))   # truncated
    ids = np.zeros((B, T), dtype=np.int32)
    lengths = np.zeros(B, dtype=np.int32)
    for b, r in enumerate(rows):
        seq = [vocab[w] for w in phrases[r].lower().split()][:T]
        ids[b, :len(seq)] = seq
        lengths[b] = len(seq)
    y = np.array([labels[r] for r in rows], dtype=np.int32)
    for suffix, head, pooling, pad in CASES:
        path = os.path.join(out_dir, "tutorial_%s.lstf" % suffix)
        loss = run_case(path, cfg, ids, lengths, y, 5, head, pooling, pad, True)
        print("%s: V=%d loss %.6f" % (path, cfg["V"], loss))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", choices=["tiny", "tutorial"], required=True)
    ap.add_argument("--out", required=True, help="directory for the .lstf files")
    ap.add_argument("--train", default="data/train.tsv", help="train.tsv (tutorial config)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    if args.config == "tiny":
        tiny(args.out)
    else:
        tutorial(args.out, args.train)


if __name__ == "__main__":
    main()
