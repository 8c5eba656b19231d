#!/usr/bin/python3
"""Train the recommended model on train.tsv, evaluate it on dev.tsv, classify sentences.

The recommended configuration (docs/quality.md, the defaults of `lstmsent train`): logits
head, output at each phrase's last real token, padding_idx 0, T = 64, batch 128, Adam lr
0.003 halved after each epoch, 4 full epochs, words seen fewer than 8 times mapped to an
unknown id. One model reaches about 0.675 on dev phrases; `lstmsent train` with three
seeds averaged (an ensemble: Classifier.load([...])) about 0.688.

    /usr/bin/python3 examples/python/classify.py                   # about 4 minutes, 2 threads
    /usr/bin/python3 examples/python/classify.py --epochs 1 --rows 20000   # a quick look
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "python"))       # the source tree's package, if not installed
import lstmsent  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("LSTMSENT_DATA_DIR", os.path.join(HERE, "..", "..", "data"))
LABELS = ["negative", "somewhat negative", "neutral", "somewhat positive", "positive"]

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--train", default=os.path.join(DATA, "train.tsv"))
ap.add_argument("--dev", default=os.path.join(DATA, "dev.tsv"))
ap.add_argument("--out", default="classify-model.safetensors")
ap.add_argument("--epochs", type=int, default=4)
ap.add_argument("--rows", type=int, default=0, help="train on the first N rows only")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args()
lstmsent.set_threads(args.threads)

train = lstmsent.Corpus.from_tsv(args.train, unknown="id", min_count=8)
if args.rows:
    with open(args.train, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    header = lines[0].rstrip("\r").split("\t")
    rows = [ln.rstrip("\r").split("\t") for ln in lines[1:args.rows + 1] if ln]
    phrase, label = header.index("Phrase"), header.index("Sentiment")
    train = lstmsent.Corpus([r[phrase] for r in rows], [int(r[label]) for r in rows],
                            unknown="id", min_count=8)
dev = lstmsent.Corpus.from_tsv(args.dev, vocabulary=train, unknown="id")
T = 64
train_set, dev_set = lstmsent.PhraseDataset(train, T), lstmsent.PhraseDataset(dev, T)
print(f"{len(train_set)} training phrases, {train.vocab_size} words; {len(dev_set)} dev phrases")

net = lstmsent.SentimentRNN(train.vocab_size + 2, 5, 400, 256, 2, seed=args.seed,
                            head="logits", pooling="last_token", padding_idx=0, seq_len=T)
optimizer = lstmsent.Adam(net, lr=0.003)
loader = lstmsent.DataLoader(train_set, batch_size=128, shuffle=True, seed=args.seed,
                             return_lengths=True)
best = -1.0
for epoch in range(args.epochs):
    start, total, steps = time.time(), 0.0, 0
    net.train()
    for inputs, labels, lengths in loader:      # every row once; the last batch is smaller
        optimizer.zero_grad()
        output, _ = net(inputs, None, lengths)  # a zero state for every batch
        loss = lstmsent.criterion(output, labels)
        loss.backward()
        lstmsent.clip_grad_norm_(net, 5)
        optimizer.step()
        total, steps = total + loss, steps + 1
    r = net.evaluate(dev_set)
    print(f"epoch {epoch + 1}/{args.epochs}: train loss {total / steps:.4f}, dev loss "
          f"{r.loss:.4f}, dev accuracy {r.accuracy:.4f}, sentences {r.sentence_accuracy:.4f}, "
          f"macro-F1 {r.macro_f1:.4f} ({time.time() - start:.0f} s)")
    if r.accuracy > best:
        best = r.accuracy
        net.save(args.out, train)               # the vocabulary travels with the model
    optimizer.lr = optimizer.lr * 0.5

clf = lstmsent.Classifier.load(args.out)
r = clf.evaluate(args.dev)
print(f"\nbest model ({args.out}): dev accuracy {r.accuracy:.4f}, sentences "
      f"{r.sentence_accuracy:.4f}")
print("per class   precision  recall  f1      support")
for k in range(r.num_classes):
    print(f"  {k} {LABELS[k]:<18} {r.precision[k]:.3f}  {r.recall[k]:.3f}   {r.f1[k]:.3f}   "
          f"{r.support[k]}")
print("confusion (rows: label, columns: prediction)")
print(r.confusion)

sentences = ["A gorgeous, witty, seductive movie.",
             "The plot is nothing but boilerplate clichés from start to finish.",
             "It's a film.",
             "Not bad, but not good either."]
labels, probs = clf.predict(sentences)
print()
for s, k, p in zip(sentences, labels, probs):
    print(f"{LABELS[k]:<18} {np.round(p, 3)}  {s}")
