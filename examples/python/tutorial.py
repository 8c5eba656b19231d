#!/usr/bin/python3
"""The seed tutorial's notebook on liblstmsent, cell by cell.

Each cell below is the tutorial's, with PyTorch replaced by the lstmsent package and its
label bug fixed as in examples/tutorial.c (every sampled row keeps its own label, the last
row can be drawn, the embedding has vocab_size + 1 rows). With the same seed it prints what
build/examples/tutorial prints, line for line (the wall-time line aside), because the two
make the same calls into the library.

    /usr/bin/python3 examples/python/tutorial.py              # the 200 epochs
    /usr/bin/python3 examples/python/tutorial.py --epochs 2   # a short run

It saves the tutorial's two plots, the loss and the accuracy curves, as PNG files
(tutorial-loss.png, tutorial-acc.png; --plots DIR to put them elsewhere).
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

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--epochs", type=int, default=200)
ap.add_argument("--samples", type=int, default=1000)
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--train", default=os.path.join(DATA, "train.tsv"))
ap.add_argument("--dev", default=os.path.join(DATA, "dev.tsv"))
ap.add_argument("--plots", default=".", help="directory for the two PNG plots")
args = ap.parse_args()
lstmsent.set_threads(args.threads)

# --- Cell: read the data and build the corpus (Corpus_Extr) ------------------------------
# train = pd.read_csv('./data/train.tsv', sep='\t')
# corpus, vocab_to_int, phrase_to_int = Corpus_Extr(train)
train = lstmsent.Corpus.from_tsv(args.train)
vocab_to_int = train.vocab_to_int
phrase_to_int = train.phrase_to_int

# --- Cell: pad to 30 tokens (Pad_sequences) ----------------------------------------------
# pad_sequences = Pad_sequences(phrase_to_int, 30)
pad_sequences = lstmsent.pad_sequences(phrase_to_int, 30)

# --- Cell: the dataset (PhraseDataset) -----------------------------------------------------
# PhraseDataset(df, pad_sequences): rows and labels; here it pads in C, to the same matrix.
train_set = lstmsent.PhraseDataset(train, 30)
assert np.array_equal(train_set.ids, pad_sequences)

# --- Cell: the model -----------------------------------------------------------------------
vocab_size = len(vocab_to_int) + 1   # the tutorial's len(vocab_to_int) is one row short
output_size = 5
embedding_dim = 400
hidden_dim = 256
n_layers = 2
net = lstmsent.SentimentRNN(vocab_size, output_size, embedding_dim, hidden_dim, n_layers,
                            seed=args.seed)
print(net)
sys.stdout.flush()

# --- Cell: the training loop ---------------------------------------------------------------
net.train()
clip = 5
epochs = args.epochs
counter = 0
print_every = 20
lr = 0.01
criterion = lstmsent.criterion      # the tutorial's criterion, computed by the library
optimizer = lstmsent.Adam(net.parameters(), lr=lr)
batch_size = args.batch
losses = []
accs = []
# a = np.random.choice(len(train) - 1, 1000); DataLoader(PhraseDataset(...), shuffle=True):
# the loader draws args.samples rows with replacement each epoch and shuffles them.
train_loader = lstmsent.DataLoader(train_set, batch_size=batch_size, shuffle=True,
                                   samples=args.samples, seed=args.seed)
epoch_accs = []
start = time.time()
for e in range(epochs):
    # initialize hidden state
    h = net.init_hidden(batch_size)
    running_loss = 0.0
    running_acc = np.float32(0.0)    # a float32 tensor in the tutorial
    nb = 0
    # batch loop
    for idx, (inputs, labels) in enumerate(train_loader):
        counter += 1
        # Creating new variables for the hidden state, otherwise
        # we'd backprop through the entire training history
        h = tuple([each.data for each in h])
        # zero accumulated gradients
        optimizer.zero_grad()
        if inputs.shape[0] != batch_size:
            break
        # get the output from the model
        output, h = net(inputs, h)
        # calculate the loss and perform backprop
        loss = criterion(output, labels)
        loss.backward()
        running_loss += loss.item()
        running_acc += np.float32(loss.accuracy)   # (output.argmax(1) == labels).mean()
        nb = idx + 1
        # `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
        lstmsent.clip_grad_norm_(net.parameters(), clip)
        optimizer.step()
        if idx % print_every == 0:
            print("Epoch: {}/{}...".format(e + 1, epochs),
                  "Step: {}...".format(counter),
                  "Loss: {:.6f}...".format(running_loss / (idx + 1)))
            losses.append(running_loss / (idx + 1))
            print(f"acc:{float(running_acc / np.float32(idx + 1))}")
            accs.append(float(running_acc / np.float32(idx + 1)))
            sys.stdout.flush()
    epoch_accs.append(float(running_acc) / nb if nb else 0.0)
wall = time.time() - start

# --- Cell: accuracy on dev (not in the tutorial, which stops at the curves) ----------------
dev = lstmsent.Corpus.from_tsv(args.dev, vocabulary=train)
dev_set = lstmsent.PhraseDataset(dev, 30)
net.eval()
correct = 0
for inputs, labels in lstmsent.DataLoader(dev_set, batch_size=256):
    output, _ = net(inputs, net.init_hidden(inputs.shape[0]))
    correct += int((output.argmax(axis=1) == labels).sum())
net.train()
last = epoch_accs[-20:]
print(f"dev accuracy: {correct / len(dev_set):.4f} ({len(dev_set)} phrases)")
print(f"train accuracy, mean of the last {len(last)} epochs: {sum(last) / len(last):.4f}")
print(f"wall time: {wall:.1f} s for {epochs} epochs ({1000 * wall / max(counter, 1):.1f} ms "
      f"per step), {lstmsent.get_threads()} thread(s)")

# --- Cell: the two plots -------------------------------------------------------------------
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plots (Debian: python3-matplotlib)")
else:
    os.makedirs(args.plots, exist_ok=True)
    for name, series in (("loss", losses), ("acc", accs)):
        plt.figure()
        plt.plot(series)
        plt.xlabel(f"printout (every {print_every} batches)")
        plt.ylabel(name)
        plt.title(f"tutorial on liblstmsent: {name}")
        path = os.path.join(args.plots, f"tutorial-{name}.png")
        plt.savefig(path)
        plt.close()
        print(f"wrote {path}")
