"""Handles are freed when closed or garbage-collected: no leak over 10,000 cycles."""
import gc
import resource


import lstmsent
from lstmsent import _core


def rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


def live():
    return sum(_core.live_handles.values())


def cycle(i, close):
    c = lstmsent.Corpus(["a good movie", "a bad one"], labels=[3, 1])
    d = lstmsent.PhraseDataset(c, 6)
    loader = lstmsent.DataLoader(d, 2, shuffle=True, seed=i)
    net = lstmsent.SentimentRNN(c.vocab_size + 1, 5, 8, 8, 2, seed=i)
    opt = lstmsent.Adam(net, lr=0.01)
    clf = lstmsent.Classifier(net, c)
    for x, y in loader:
        out, h = net(x, net.init_hidden(len(x)))
        lstmsent.criterion(out, y).backward()
        opt.step()
    clf.predict(["a good one"])
    if close:
        for hnd in (clf, opt, loader, net, d, c):
            hnd.close()


def test_no_leak_over_10000_cycles_garbage_collected():
    gc.collect()
    base = live()
    for i in range(200):                  # warm up the allocator and numpy
        cycle(i, close=False)
    gc.collect()
    before = rss_kb()
    for i in range(10000):
        cycle(i, close=i % 2 == 0)        # half closed explicitly, half left to the GC
    gc.collect()
    grown = rss_kb() - before
    assert live() == base, _core.live_handles
    assert grown < 8 * 1024, f"resident memory grew by {grown} kB over 10,000 cycles"


def test_views_keep_their_memory():
    net = lstmsent.SentimentRNN(10, 5, 8, 4, 2)
    h, c = net.init_hidden(3)
    del net
    gc.collect()
    h[...] = 1.5                          # the state outlives the model: its own memory
    assert h.sum() == 1.5 * h.size and not c.any()


def test_finalizer_frees_once_after_close():
    gc.collect()
    base = live()
    m = lstmsent.SentimentRNN(10, 5, 8, 4, 1)
    assert live() == base + 1
    m.close()
    assert live() == base
    del m
    gc.collect()
    assert live() == base


def test_borrowed_objects_stay_alive():
    c = lstmsent.Corpus(["a b", "b c"], labels=[1, 2])
    d = lstmsent.PhraseDataset(c, 4)
    loader = lstmsent.DataLoader(d, 1)
    del d
    gc.collect()
    assert [len(x) for x, _ in loader] == [1, 1]    # the loader holds its dataset
    net = lstmsent.SentimentRNN(c.vocab_size + 1, 5, 8, 4, 1)
    clf = lstmsent.Classifier(net, c)
    del net, c
    gc.collect()
    labels, _ = clf.predict(["a", "b c"])
    assert labels.shape == (2,)


def test_classifier_models_are_borrowed(tmp_path):
    c = lstmsent.Corpus(["a b", "b c"], labels=[1, 2])
    lstmsent.SentimentRNN(c.vocab_size + 1, 5, 8, 4, 1).save(tmp_path / "m.st", c)
    clf = lstmsent.Classifier.load(tmp_path / "m.st")
    m = clf.models[0]
    v = clf.vocab
    del clf
    gc.collect()
    assert m.n_layers == 1 and v.words == ["b", "a", "c"]   # kept alive by what borrowed it
    gc.collect()
    base = live()
    clf2 = lstmsent.Classifier.load(tmp_path / "m.st")
    m2 = clf2.models[0]
    clf2.close()
    assert m2.closed and live() == base
