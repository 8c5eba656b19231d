#!/usr/bin/python3
"""PyTorch's side of the benchmark (tools/benchmark.sh runs it beside tools/bench_step).

The tutorial's SentimentRNN on train.tsv's vocabulary, real batches of train.tsv padded to
T: one full training step (forward, loss, backward, clip_grad_norm_, Adam) timed as the
median of --steps after --warmup, then batched inference on dev.tsv in phrases per second.
Prints one JSON object per measurement on stdout.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
from tutorial_pytorch import SentimentRNN, corpus_extr, criterion, pad_sequences, read_tsv  # noqa: E402


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_step(net, optimizer, pad, labels, batch, steps, warmup, rng):
    times = []
    h = net.init_hidden(batch)
    for i in range(warmup + steps):
        rows = rng.integers(0, len(pad), batch)
        x = torch.from_numpy(pad[rows])
        y = torch.nn.functional.one_hot(torch.from_numpy(labels[rows]), num_classes=5)
        t0 = time.perf_counter()
        h = tuple(each.data for each in h)
        optimizer.zero_grad()
        out, h = net(x, h)
        loss = criterion(out, y)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5)
        optimizer.step()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_inference(net, dev_x, batch):
    net.eval()
    with torch.no_grad():
        x = torch.from_numpy(dev_x[:batch])
        net(x, net.init_hidden(x.shape[0]))            # warm-up
        t0 = time.perf_counter()
        for s in range(0, len(dev_x), batch):
            x = torch.from_numpy(dev_x[s:s + batch])
            net(x, net.init_hidden(x.shape[0]))
        elapsed = time.perf_counter() - t0
    net.train()
    return len(dev_x) / elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default="data/train.tsv")
    ap.add_argument("--dev", default="data/dev.tsv")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--shapes", default="32x30", help="comma-separated BxT list")
    ap.add_argument("--inference-batch", type=int, default=256)
    ap.add_argument("--no-inference", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    phrases, labels = read_tsv(args.train)
    vocab = corpus_extr(phrases)
    labels = np.array(labels, dtype=np.int64)
    net = SentimentRNN(len(vocab) + 1, 5, 400, 256, 2)
    net.train()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    base = {"impl": "pytorch", "version": torch.__version__, "threads": args.threads}
    for shape in args.shapes.split(","):
        b, t = (int(v) for v in shape.split("x"))
        pad = pad_sequences(phrases, vocab, t)
        med = bench_step(net, optimizer, pad, labels, b, args.steps, args.warmup, rng)
        print(json.dumps(dict(base, what="step", B=b, T=t, median_ms=med * 1000,
                              steps=args.steps, peak_rss_mb=peak_rss_mb())), flush=True)
    if not args.no_inference:
        dev_phrases, _ = read_tsv(args.dev)
        dev_x = pad_sequences(dev_phrases, vocab, 30)
        pps = bench_inference(net, dev_x, args.inference_batch)
        print(json.dumps(dict(base, what="inference", batch=args.inference_batch,
                              phrases_per_s=pps, phrases=len(dev_x),
                              peak_rss_mb=peak_rss_mb())), flush=True)


if __name__ == "__main__":
    main()
