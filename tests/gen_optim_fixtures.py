#!/usr/bin/python3
"""Parity fixtures for training steps: PyTorch's parameters after each of K steps of
forward, the tutorial's criterion, backward, clip_grad_norm_ and Adam.

Run with Debian's interpreter, which has python3-torch:
    /usr/bin/python3 tests/gen_optim_fixtures.py --config tiny --out tests/fixtures
    /usr/bin/python3 tests/gen_optim_fixtures.py --config tutorial --train data/train.tsv \
        --out build/fixtures

The loop is the tutorial's: the state carried from step to step and cut from the graph
(h = tuple(each.data for each in h)), optimizer.zero_grad(), a forward with dropout off (the
model in eval mode; autograd still runs), loss.backward(), clip_grad_norm_(params, max_norm)
and Adam(lr). Every step has its own batch.

Same file format as gen_model_fixtures.py, with these tensors:
    config (int32) [V, E, H, L, O, B, T, head, pooling, padding_idx, K]
    hyper (float32) [lr, beta1, beta2, eps, weight_decay, max_norm]
    the initial parameters under their state_dict names (embedding rows: see below),
    h0, c0 (L, B, H): the state before step 0,
    ids{k} (B, T), lengths{k}, labels{k} (B) for k = 0..K-1,
    loss{k}, norm{k} (1): the loss and the gradient norm before clipping of step k,
    step{k}.<name>: every parameter after step k,
    ref{k}.<name> (tutorial config only): the same after the same steps in float64.
The tutorial config stores only the embedding rows that some batch uses ("X@rows"), before
and after every step: a row no batch touches has zero gradients, so Adam leaves it as it is.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from gen_model_fixtures import (HEAD_LOGITS, HEAD_SIGMOID, POOL_LAST_STEP, POOL_LAST_TOKEN,
                                SentimentRNN, Writer, criterion, read_tsv)

K = 5


def train_steps(net, h, batches, head, O, lr, wd, max_norm, dtype, on_step):
    """The tutorial's loop over the batches; on_step(k, loss, norm) after each step."""
    net.to(dtype)
    h = tuple(each.to(dtype) for each in h)
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=wd)
    for k, (ids, lengths, labels) in enumerate(batches):
        h = tuple(each.data for each in h)
        opt.zero_grad()
        x = torch.from_numpy(ids.astype(np.int64))
        y = torch.from_numpy(labels.astype(np.int64))
        out, h = net(x, h, torch.from_numpy(lengths.astype(np.int64)))
        if head == HEAD_SIGMOID:
            loss = criterion(out, F.one_hot(y, O).to(dtype))
        else:
            loss = F.cross_entropy(out, y)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(net.parameters(), max_norm)
        opt.step()
        on_step(k, loss.item(), norm.item())


def run(path, cfg, batches, seed, head, pooling, padding_idx, lr, wd, max_norm, sparse,
        reference64=False):
    V, E, H, L, O = cfg["V"], cfg["E"], cfg["H"], cfg["L"], cfg["O"]
    B, T = batches[0][0].shape
    torch.manual_seed(seed)
    net = SentimentRNN(V, O, E, H, L, head, pooling, padding_idx)
    net.eval()
    g = torch.Generator().manual_seed(seed + 1)
    h = (0.5 * torch.randn(L, B, H, generator=g), 0.5 * torch.randn(L, B, H, generator=g))
    initial = {name: p.clone() for name, p in net.state_dict().items()}

    rows = np.unique(np.concatenate([ids.ravel() for ids, _, _ in batches])).astype(np.int32)
    w = Writer()

    def add_params(prefix, state):
        # Copies (float32): the Writer keeps arrays until save(), and Adam works in place.
        for name, p in state.items():
            p = p.detach().to(torch.float32).clone().numpy()
            if name == "embedding.weight" and sparse:
                w.add_rows(prefix + name, p, rows)
            else:
                w.add(prefix + name, p)

    w.add("config", [V, E, H, L, O, B, T, head, pooling, padding_idx, len(batches)], np.int32)
    w.add("hyper", [lr, 0.9, 0.999, 1e-8, wd, max_norm])
    add_params("", initial)
    w.add("h0", h[0].numpy())
    w.add("c0", h[1].numpy())
    for k, (ids, lengths, labels) in enumerate(batches):
        w.add("ids%d" % k, ids, np.int32)
        w.add("lengths%d" % k, lengths, np.int32)
        w.add("labels%d" % k, labels, np.int32)

    def record(k, loss, norm):
        w.add("loss%d" % k, [loss])
        w.add("norm%d" % k, [norm])
        add_params("step%d." % k, net.state_dict())
        print("%s step %d: loss %.6f norm %.6f" % (os.path.basename(path), k, loss, norm))

    train_steps(net, h, batches, head, O, lr, wd, max_norm, torch.float32, record)

    if reference64:
        # The same steps in float64 from the same weights: the exact answer both float32
        # implementations approximate, so that the checker can tell its own error from
        # PyTorch's (ref{k}.<name>, rounded to float32 for storage).
        net.load_state_dict(initial)
        train_steps(net, h, batches, head, O, lr, wd, max_norm, torch.float64,
                    lambda k, loss, norm: add_params("ref%d." % k, net.state_dict()))
    w.save(path)


def random_batches(rs, V, B, T):
    batches = []
    for _ in range(K):
        lengths = rs.randint(1, T + 1, size=B).astype(np.int32)
        ids = np.zeros((B, T), dtype=np.int32)
        for b in range(B):
            ids[b, :lengths[b]] = rs.randint(1, V, size=lengths[b])
        batches.append((ids, lengths, rs.randint(0, 5, size=B).astype(np.int32)))
    return batches


def tiny(out_dir):
    cfg = dict(V=50, E=8, H=6, L=2, O=5)
    batches = random_batches(np.random.RandomState(3), cfg["V"], 3, 5)
    # The tutorial's setup (lr 0.01, clip) with a max_norm small enough that clipping acts,
    # and the better-learning setup with weight decay.
    run(os.path.join(out_dir, "adam_tiny_tutorial.lstf"), cfg, batches, 21, HEAD_SIGMOID,
        POOL_LAST_STEP, -1, 0.01, 0.0, 0.05, False)
    run(os.path.join(out_dir, "adam_tiny_logits_wd.lstf"), cfg, batches, 22, HEAD_LOGITS,
        POOL_LAST_TOKEN, 0, 0.001, 0.01, 5.0, False)


def tutorial(out_dir, train_path):
    from collections import Counter
    phrases, labels = read_tsv(train_path)
    counter = Counter()
    for p in phrases:
        counter.update(p.lower().split())
    words = sorted(counter, key=counter.get, reverse=True)
    vocab = {w: i for i, w in enumerate(words, 1)}
    cfg = dict(V=len(vocab) + 1, E=400, H=256, L=2, O=5)
    B, T = 32, 30
    rs = np.random.RandomState(99)
    batches = []
    for _ in range(K):
        rows = rs.randint(0, len(phrases), size=B)
        ids = np.zeros((B, T), dtype=np.int32)
        lengths = np.zeros(B, dtype=np.int32)
        for b, r in enumerate(rows):
            seq = [vocab[w] for w in phrases[r].lower().split()][:T]
            ids[b, :len(seq)] = seq
            lengths[b] = len(seq)
        batches.append((ids, lengths, np.array([labels[r] for r in rows], dtype=np.int32)))
    run(os.path.join(out_dir, "adam_tutorial.lstf"), cfg, batches, 5, HEAD_SIGMOID,
        POOL_LAST_STEP, -1, 0.01, 0.0, 5.0, True, reference64=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", choices=["tiny", "tutorial"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--train", default="data/train.tsv")
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    if args.config == "tiny":
        tiny(args.out)
    else:
        tutorial(args.out, args.train)


if __name__ == "__main__":
    main()
