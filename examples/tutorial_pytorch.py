#!/usr/bin/python3
"""The seed tutorial's training loop in PyTorch, with its label bug fixed.

This is the reference that examples/tutorial.c is compared against (docs/tutorial.md):
the same corpus, padding, model, criterion, Adam, clipping and sampling as the tutorial,
except that every sampled row keeps its own label, the last row can be drawn, and the
embedding has vocab_size + 1 rows (see ../docs/tutorial.md and the spec's section 8).

Run with Debian's interpreter, which has python3-torch:
    /usr/bin/python3 examples/tutorial_pytorch.py --seed 1 --metrics torch-seed1.csv

The TSV files are read literally (split on tabs), so phrases such as "None" or "NA" stay
words; pandas would turn them into NaN and the tutorial's .lower() would fail on them.
"""
import argparse
import time
from collections import Counter

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    header = lines[0].rstrip("\r").split("\t")
    phrase_col = header.index("Phrase")
    label_col = header.index("Sentiment") if "Sentiment" in header else None
    phrases, labels = [], []
    for line in lines[1:]:
        line = line.rstrip("\r")
        if line == "":
            continue
        fields = line.split("\t")
        phrases.append(fields[phrase_col])
        if label_col is not None:
            labels.append(int(fields[label_col]))
    return phrases, labels


def corpus_extr(phrases):
    counter = Counter()
    for p in phrases:
        counter.update(p.lower().split())
    words = sorted(counter, key=counter.get, reverse=True)
    vocab_to_int = {w: i for i, w in enumerate(words, 1)}
    return vocab_to_int


def pad_sequences(phrases, vocab_to_int, seq_length):
    out = np.zeros((len(phrases), seq_length), dtype=np.int64)
    for i, p in enumerate(phrases):
        row = [vocab_to_int.get(w, 0) for w in p.lower().split()][:seq_length]
        out[i, :len(row)] = row
    return out


class SentimentRNN(nn.Module):
    def __init__(self, corpus_size, output_size, embedd_dim, hidden_dim, n_layers):
        super().__init__()
        self.output_size = output_size
        self.n_layers = n_layers
        self.hidden_dim = hidden_dim
        self.embedding = nn.Embedding(corpus_size, embedd_dim)
        self.lstm = nn.LSTM(embedd_dim, hidden_dim, n_layers, dropout=0.5, batch_first=True)
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(hidden_dim, output_size)
        self.act = nn.Sigmoid()

    def forward(self, x, hidden):
        batch_size = x.size(0)
        lstm_out, hidden = self.lstm(self.embedding(x), hidden)
        out = self.act(self.fc(self.dropout(lstm_out.contiguous().view(-1, self.hidden_dim))))
        return out.view(batch_size, -1)[:, -self.output_size:], hidden

    def init_hidden(self, batch_size):
        weight = next(self.parameters()).data
        return (weight.new(self.n_layers, batch_size, self.hidden_dim).zero_(),
                weight.new(self.n_layers, batch_size, self.hidden_dim).zero_())


def criterion(input, target):
    return -(target * torch.log(F.softmax(input, dim=1) + 1e-10)).sum(1).mean()


def evaluate(net, x, y, batch_size=256):
    net.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(x), batch_size):
            xb = torch.from_numpy(x[s:s + batch_size])
            out, _ = net(xb, net.init_hidden(xb.shape[0]))
            correct += int((out.argmax(dim=1) == torch.from_numpy(y[s:s + batch_size])).sum())
    net.train()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", default="data/train.tsv")
    ap.add_argument("--dev", default="data/dev.tsv")
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--metrics", default=None, help="CSV of the loss and accuracy series")
    args = ap.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    phrases, labels = read_tsv(args.train)
    dev_phrases, dev_labels = read_tsv(args.dev)
    vocab_to_int = corpus_extr(phrases)
    pad = pad_sequences(phrases, vocab_to_int, 30)
    labels = np.array(labels, dtype=np.int64)
    dev_x = pad_sequences(dev_phrases, vocab_to_int, 30)
    dev_y = np.array(dev_labels, dtype=np.int64)

    net = SentimentRNN(len(vocab_to_int) + 1, 5, 400, 256, 2)
    net.train()
    clip, epochs, print_every, lr, batch_size = 5, args.epochs, 20, 0.01, args.batch
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    metrics = open(args.metrics, "w") if args.metrics else None
    if metrics:
        metrics.write("kind,epoch,step,batch,loss,acc\n")

    t0 = time.time()
    counter = 0
    epoch_accs = []
    for e in range(epochs):
        a = np.random.choice(len(phrases), args.samples)       # fixed: every row can be drawn
        train_set = torch.utils.data.TensorDataset(torch.from_numpy(pad[a]),
                                                   torch.from_numpy(labels[a]))  # fixed: own labels
        loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True)
        h = net.init_hidden(batch_size)
        running_loss = 0.0
        running_acc = 0.0
        nb = 0
        for idx, (inputs, lab) in enumerate(loader):
            counter += 1
            h = tuple(each.data for each in h)
            optimizer.zero_grad()
            if inputs.shape[0] != batch_size:
                break
            output, h = net(inputs, h)
            onehot = F.one_hot(lab, num_classes=5)
            loss = criterion(output, onehot)
            loss.backward()
            running_loss += loss.detach().item()
            running_acc += (output.argmax(dim=1) == lab).float().mean().item()
            nb = idx + 1
            nn.utils.clip_grad_norm_(net.parameters(), clip)
            optimizer.step()
            if idx % print_every == 0:
                print("Epoch: {}/{}...".format(e + 1, epochs),
                      "Step: {}...".format(counter),
                      "Loss: {:.6f}...".format(running_loss / (idx + 1)))
                print(f"acc:{running_acc / (idx + 1)}", flush=True)
                if metrics:
                    metrics.write(f"print,{e + 1},{counter},{idx},{running_loss / (idx + 1):.6f},"
                                  f"{running_acc / (idx + 1):.6f}\n")
        epoch_accs.append(running_acc / nb)
        if metrics:
            metrics.write(f"epoch,{e + 1},{counter},{nb},{running_loss / nb:.6f},{running_acc / nb:.6f}\n")
            metrics.flush()
    wall = time.time() - t0
    dev_acc = evaluate(net, dev_x, dev_y)
    last = epoch_accs[-20:]
    print(f"dev accuracy: {dev_acc:.4f} ({len(dev_y)} phrases)")
    print(f"train accuracy, mean of the last {len(last)} epochs: {sum(last) / len(last):.4f}")
    print(f"wall time: {wall:.1f} s for {epochs} epochs, torch threads {torch.get_num_threads()}")
    if metrics:
        metrics.write(f"summary,{epochs},{counter},0,{wall:.1f},{dev_acc:.6f}\n")
        metrics.close()


if __name__ == "__main__":
    main()
