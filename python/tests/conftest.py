"""Fixtures shared by the binding's tests: small slices of the shipped data and a tiny
trained model, made once per test session in a temporary directory."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lstmsent  # noqa: E402

DATA = os.environ.get("LSTMSENT_DATA_DIR",
                      os.path.join(os.path.dirname(__file__), "..", "..", "data"))


def _slice(src, dst, rows):
    with open(src, encoding="utf-8", newline="") as f, \
            open(dst, "w", encoding="utf-8", newline="") as g:
        for i, line in enumerate(f):
            if i > rows:
                break
            g.write(line)
    return dst


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("data")
    _slice(os.path.join(DATA, "train.tsv"), d / "train.tsv", 3000)
    _slice(os.path.join(DATA, "dev.tsv"), d / "dev.tsv", 500)
    _slice(os.path.join(DATA, "test.tsv"), d / "test.tsv", 300)
    return d


@pytest.fixture(scope="session")
def corpus(data_dir):
    return lstmsent.Corpus.from_tsv(data_dir / "train.tsv", unknown="id", min_count=2)


def tiny_net(corpus, **kw):
    opts = dict(seed=3, head="logits", pooling="last_token", padding_idx=0, seq_len=32)
    opts.update(kw)
    return lstmsent.SentimentRNN(corpus.vocab_size + 2, 5, 16, 12, 2, **opts)


@pytest.fixture(scope="session")
def trained(corpus, tmp_path_factory):
    """A tiny model trained for 2 full epochs, saved with its vocabulary."""
    net = tiny_net(corpus)
    data = lstmsent.PhraseDataset(corpus, 32)
    loader = lstmsent.DataLoader(data, batch_size=64, shuffle=True, seed=1,
                                 return_lengths=True)
    opt = lstmsent.Adam(net, lr=0.01)
    for _ in range(2):
        for x, y, n in loader:
            opt.zero_grad()
            net(x, None, n)
            net.loss(y).backward()
            lstmsent.clip_grad_norm_(net, 5)
            opt.step()
    path = tmp_path_factory.mktemp("model") / "tiny.safetensors"
    net.save(path, corpus)
    return net, path
