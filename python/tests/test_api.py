"""Every public name of the binding, used as the tutorial and a classifying user use it."""
import os
import pydoc

import numpy as np
import pytest

import lstmsent
from conftest import tiny_net


def test_version_matches_library_and_project():
    assert lstmsent.__version__ == lstmsent.LIBRARY_VERSION
    want = os.environ.get("LSTMSENT_PROJECT_VERSION")
    if want:
        assert lstmsent.__version__ == want
    assert os.path.exists(lstmsent.LIBRARY_PATH) or lstmsent.LIBRARY_PATH.startswith("liblstmsent")


def test_threads():
    lstmsent.set_threads(2)
    assert lstmsent.get_threads() == 2
    lstmsent.set_threads(1)
    assert lstmsent.get_threads() == 1
    with pytest.raises(lstmsent.ArgumentError):
        lstmsent.set_threads(0)
    with pytest.raises(ValueError):
        lstmsent.set_threads(65)


def test_corpus_from_memory_is_the_tutorials():
    phrases = ["A good movie", "a BAD movie .", "good , good", "  "]
    c = lstmsent.Corpus(phrases, labels=[3, 0, 4, 2])
    # Counter order: count descending, ties by first appearance, ids from 1
    assert c.vocab_to_int == {"good": 1, "a": 2, "movie": 3, "bad": 4, ".": 5, ",": 6}
    assert c.words == ["good", "a", "movie", "bad", ".", ","]
    assert c.phrase_to_int == [[2, 1, 3], [2, 4, 3, 5], [1, 6, 1], []]
    assert len(c) == 4 and c.vocab_size == 6 and c.unknown_id == 7
    assert c.has_labels and c.labels.dtype == np.int32 and c.labels.tolist() == [3, 0, 4, 2]
    assert c.word_counts["good"] == 3 and c.word_counts["bad"] == 1
    assert c.word_id("movie") == 3
    assert c.phrase_ids.tolist() == [1, 2, 3, 4] and c.sentence_ids.tolist() == [0, 0, 0, 0]
    assert c.unknown == "pad"
    assert c.encode("Good zzz movie") == [1, 0, 3]
    assert c.encode(["good", "bad bad"]) == [[1], [4, 4]]
    assert c.encode("zzz", unknown="id") == [7]
    u = lstmsent.Corpus(["x y", "y"])
    assert u.labels is None and not u.has_labels


def test_corpus_from_tsv(data_dir, corpus):
    assert len(corpus) == 3000
    assert corpus.unknown == "id"
    full = lstmsent.Corpus.from_tsv(data_dir / "train.tsv")
    assert full.vocab_size > corpus.vocab_size          # min_count 2 left words out
    dev = lstmsent.Corpus.from_tsv(data_dir / "dev.tsv", vocabulary=corpus, unknown="id")
    assert dev.vocab_size == corpus.vocab_size and len(dev) == 500
    assert dev.sentence_ids[0] > 0 and dev.phrase_ids[0] > 0
    test = lstmsent.Corpus.from_tsv(data_dir / "test.tsv", vocabulary=corpus)
    assert test.labels is None
    # The tutorial's Python on the same lines gives the same vocabulary
    from collections import Counter
    counter = Counter()
    with open(data_dir / "train.tsv", encoding="utf-8") as f:
        next(f)
        for line in f:
            counter.update(line.rstrip("\n").split("\t")[2].lower().split())
    words = sorted(counter, key=counter.get, reverse=True)
    assert full.words == words


def test_vocab_file_roundtrip(tmp_path, corpus):
    p = tmp_path / "vocab.txt"
    corpus.save_vocab(p)
    v = lstmsent.Corpus.load_vocab(p)
    assert v.words == corpus.words and len(v) == 0


@pytest.mark.parametrize("padding", ["right", "left"])
@pytest.mark.parametrize("truncation", ["end", "start"])
def test_pad_sequences_equals_the_c_dataset(corpus, padding, truncation):
    pad = lstmsent.pad_sequences(corpus.phrase_to_int, 12, padding, truncation)
    assert pad.dtype == np.int32 and pad.shape == (3000, 12)
    data = lstmsent.PhraseDataset(corpus, 12, padding, truncation)
    np.testing.assert_array_equal(pad, data.ids)
    lens = np.minimum([len(r) for r in corpus.phrase_to_int], 12)
    np.testing.assert_array_equal(data.lengths, lens)


def test_pad_sequences_tutorial_example():
    np.testing.assert_array_equal(lstmsent.pad_sequences([[1, 2, 3], [4, 5]], 5),
                                  [[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    np.testing.assert_array_equal(lstmsent.pad_sequences([[1, 2, 3]], 2), [[1, 2]])
    assert lstmsent.pad_sequences([], 4).shape == (0, 4)


def test_dataset(corpus):
    d = lstmsent.PhraseDataset(corpus, 30)
    assert len(d) == 3000 and d.seq_len == 30 and d.shape == (3000, 30)
    row, label = d[5]
    assert row.dtype == np.int32 and label == corpus.labels[5]
    np.testing.assert_array_equal(d[-1][0], d.ids[-1])
    np.testing.assert_array_equal(d.labels, corpus.labels)
    np.testing.assert_array_equal(d.sentence_ids, corpus.sentence_ids)
    with pytest.raises(IndexError):
        d[3000]


def test_loader_epochs(corpus):
    d = lstmsent.PhraseDataset(corpus, 30)
    full = lstmsent.DataLoader(d, batch_size=128, shuffle=True, seed=5, return_lengths=True)
    assert len(full) == 24
    seen = []
    for x, y, n in full:
        assert x.dtype == np.int32 and x.shape[1] == 30 and len(y) == len(n) == len(x)
        seen.append(len(x))
    assert sum(seen) == 3000 and seen[-1] == 3000 % 128      # the partial batch comes too
    assert sorted(full.rows.tolist()) == list(range(3000))   # every row once
    order1 = full.rows.copy()
    list(full)
    assert not np.array_equal(order1, full.rows)              # a new order each epoch
    seq = lstmsent.DataLoader(d, batch_size=1000)
    xs = np.concatenate([x for x, _ in seq])
    np.testing.assert_array_equal(xs, d.ids)
    tut = lstmsent.DataLoader(d, batch_size=32, shuffle=True, samples=1000, drop_last=True,
                              seed=1)
    assert len(tut) == 31 and [len(x) for x, _ in tut] == [32] * 31
    big = lstmsent.DataLoader(d, batch_size=5000)
    assert [len(x) for x, _ in big] == [3000]
    assert list(lstmsent.DataLoader(d, batch_size=5000, drop_last=True)) == []
    assert len(lstmsent.DataLoader(d, batch_size=5000, drop_last=True)) == 0
    unl = lstmsent.DataLoader(lstmsent.PhraseDataset(lstmsent.Corpus(["a b", "b"]), 4), 2)
    (x,) = list(unl)
    assert isinstance(x, np.ndarray) and x.shape == (2, 4)


def test_print_net_is_pytorchs():
    net = lstmsent.SentimentRNN(16580, 5, 400, 256, 2)
    assert str(net) == (
        "SentimentRNN(\n"
        "  (embedding): Embedding(16580, 400)\n"
        "  (lstm): LSTM(400, 256, num_layers=2, batch_first=True, dropout=0.5)\n"
        "  (dropout): Dropout(p=0.3, inplace=False)\n"
        "  (fc): Linear(in_features=256, out_features=5, bias=True)\n"
        "  (act): Sigmoid()\n"
        ")")
    one = lstmsent.SentimentRNN(10, 3, 8, 4, 1, head="logits", padding_idx=0, lstm_dropout=0)
    assert "Embedding(10, 8, padding_idx=0)" in str(one)
    assert "LSTM(8, 4, batch_first=True)" in str(one) and "Sigmoid" not in str(one)
    net.close()
    assert "closed" in repr(net)


def test_training_step_and_state(corpus):
    net = tiny_net(corpus, pooling="last_step", head="sigmoid")
    assert net.training
    assert net.eval() is net and not net.training
    assert net.train() is net and net.training
    names = [n for n, _ in net.named_parameters()]
    assert names == ["embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0",
                     "lstm.bias_ih_l0", "lstm.bias_hh_l0", "lstm.weight_ih_l1",
                     "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1",
                     "fc.weight", "fc.bias"]
    sd = net.state_dict()
    assert sd["embedding.weight"].shape == (corpus.vocab_size + 2, 16)
    assert sd["lstm.weight_ih_l0"].shape == (48, 16) and sd["fc.bias"].shape == (5,)
    assert len(net.parameters()) == 11 and all(isinstance(p, np.ndarray)
                                               for p in net.parameters())
    h = net.init_hidden(8)
    assert isinstance(h, lstmsent.Hidden) and h[0].shape == (2, 8, 12) and not h[0].any()
    x = lstmsent.PhraseDataset(corpus, 32).ids[:8]
    opt = lstmsent.Adam(net.parameters(), lr=0.01)
    opt.zero_grad()
    out, h2 = net(x, h)
    assert out.shape == (8, 5) and out.dtype == np.float32
    assert ((out > 0) & (out < 1)).all()                     # sigmoid head
    assert h2[0].any() and not h[0].any()                    # the old state is unchanged
    labels = corpus.labels[:8]
    loss = lstmsent.criterion(out, labels)
    assert isinstance(loss, float) and 0.9 < loss < 2.0
    onehot = np.eye(5, dtype=np.int64)[labels]
    assert lstmsent.criterion(out, onehot) == loss           # one-hot as the tutorial
    assert loss.accuracy == pytest.approx(np.mean(out.argmax(1) == labels))
    loss.backward()
    g = net.grads()
    assert all(np.isfinite(v).all() for v in g.values()) and g["fc.weight"].any()
    norm = lstmsent.clip_grad_norm_(net.parameters(), 1e-3)
    total = np.sqrt(sum((v.astype(np.float64) ** 2).sum() for v in g.values()))
    assert norm == pytest.approx(total, rel=1e-4)
    after = np.sqrt(sum((v.astype(np.float64) ** 2).sum() for v in net.grads().values()))
    assert after == pytest.approx(1e-3, rel=1e-3)
    opt.step()
    assert opt.step_count == 1
    assert not np.array_equal(net.state_dict()["fc.bias"], sd["fc.bias"])
    opt.zero_grad()
    assert not any(v.any() for v in net.grads().values())
    opt.lr = 0.005
    assert opt.lr == 0.005
    # the state handed back as the tutorial does, tuple(each.data for each in h)
    net(x, tuple(each.data for each in h2))         # the tutorial's hand-back runs
    np.testing.assert_array_equal(net.eval()(x, h2)[0], net(x, (h2[0].copy(), h2[1].copy()))[0])


def test_forward_uses_the_callers_ids_in_place(corpus):
    net = tiny_net(corpus)
    x = np.ascontiguousarray(lstmsent.PhraseDataset(corpus, 32).ids[:4])
    n = np.array([3, 5, 1, 2], np.int32)
    from lstmsent import _core
    assert _core.as_ids(x, "x", 2) is x and _core.as_ids(n, "n", 1) is n
    a, _ = net.eval()(x, None, n)
    b, _ = net(x.astype(np.int64), None, n.tolist())   # converted, same answer
    np.testing.assert_array_equal(a, b)


def test_state_dict_roundtrip_and_files(tmp_path, corpus):
    a = tiny_net(corpus, seed=1)
    b = tiny_net(corpus, seed=2)
    assert not np.array_equal(a.state_dict()["fc.weight"], b.state_dict()["fc.weight"])
    b.load_state_dict(a.state_dict())
    for (n1, v1), (n2, v2) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(v1, v2)
    p = tmp_path / "m.safetensors"
    a.save(p, corpus)
    c = lstmsent.SentimentRNN.load(p)
    assert c.options == a.options
    assert c.vocab is not None and c.vocab.words == corpus.words and c.vocab.unknown == "id"
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(c.state_dict()[k], v)
    a.save(tmp_path / "bare.safetensors")
    assert lstmsent.SentimentRNN.load(tmp_path / "bare.safetensors").vocab is None


def test_checkpoint_resumes_bit_for_bit(tmp_path, corpus):
    data = lstmsent.PhraseDataset(corpus, 32)

    def run(net, opt, loader, steps):
        it = iter(loader)
        for _ in range(steps):
            x, y, n = next(it)
            opt.zero_grad()
            net(x, None, n)
            net.loss(y).backward()
            opt.step()

    def fresh():
        net = tiny_net(corpus)
        return (net, lstmsent.Adam(net, lr=0.01),
                lstmsent.DataLoader(data, 64, shuffle=True, seed=4, return_lengths=True))

    net, opt, loader = fresh()
    run(net, opt, loader, 3)
    lstmsent.save_checkpoint(tmp_path / "c.ckpt", net, opt, loader, corpus, epoch=1, step=3)
    run(net, opt, loader, 3)
    net2, opt2, loader2 = fresh()
    assert lstmsent.load_checkpoint(tmp_path / "c.ckpt", net2, opt2, loader2) == (1, 3)
    run(net2, opt2, loader2, 3)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(net2.state_dict()[k], v)


def test_evaluate_and_classifier(trained, data_dir, corpus):
    net, path = trained
    dev = lstmsent.Corpus.from_tsv(data_dir / "dev.tsv", vocabulary=corpus, unknown="id")
    dev_set = lstmsent.PhraseDataset(dev, 32)
    r = net.evaluate(dev_set)
    assert r.phrases == 500 and r.num_classes == 5
    assert 0.3 < r.accuracy < 1 and r.confusion.shape == (5, 5) and r.confusion.sum() == 500
    assert r.support.tolist() == np.bincount(dev.labels, minlength=5).tolist()
    assert r.precision.shape == (5,) and 0 <= r.macro_f1 <= 1
    clf = lstmsent.Classifier.load(path)
    assert clf.num_classes == 5 and clf.seq_len == 32 and len(clf.models) == 1
    assert clf.vocab.words == corpus.words
    labels, probs = clf.predict(["A gorgeous, witty, seductive movie.", "dull and bad", ""])
    assert labels.shape == (3,) and labels.dtype == np.int32
    assert probs.shape == (3, 5) and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert (labels == probs.argmax(1)).all()
    one, p1 = clf.predict("dull and bad")
    assert one == labels[1] and np.allclose(p1, probs[1])
    e = clf.evaluate(dev_set)
    assert e.accuracy == r.accuracy and (e.confusion == r.confusion).all()
    assert clf.evaluate(data_dir / "dev.tsv").accuracy == r.accuracy
    # a classifier over the model in memory answers the same
    mem = lstmsent.Classifier(net, corpus)
    np.testing.assert_allclose(mem.predict(["dull and bad"])[1], probs[1:2], atol=1e-6)
    # the rows of a dataset, the Kaggle test file's way
    lab_d, prob_d = clf.predict_dataset(dev_set)
    texts = [" ".join(clf.vocab.words[i - 1] if 0 < i <= clf.vocab.vocab_size else "qqqq"
                      for i in row[:n]) for row, n in zip(dev_set.ids[:20], dev_set.lengths[:20])]
    assert (clf.predict(texts)[0] == lab_d[:20]).all()
    assert clf.count_tokens("the the zzzqqq") == (3, 1)
    assert len(clf.predict([])[0]) == 0


def test_ensemble(trained, corpus, tmp_path):
    net, path = trained
    other = tiny_net(corpus, seed=9)
    p2 = tmp_path / "b.safetensors"
    other.save(p2, corpus)
    ens = lstmsent.Classifier.load([path, p2])
    assert len(ens.models) == 2
    one = lstmsent.Classifier.load(path).predict(["a fine film"])[1]
    two = lstmsent.Classifier.load(p2).predict(["a fine film"])[1]
    np.testing.assert_allclose(ens.predict(["a fine film"])[1], (one + two) / 2, atol=1e-6)
    mem = lstmsent.Classifier(net, corpus)
    mem.add_model(other)
    np.testing.assert_allclose(mem.predict(["a fine film"])[1], (one + two) / 2, atol=1e-6)


def test_docstrings_on_every_public_name():
    for name in lstmsent.__all__:
        obj = getattr(lstmsent, name)
        if name.startswith("__") or isinstance(obj, str):
            continue
        assert obj.__doc__, name
        if isinstance(obj, type):
            for attr, member in vars(obj).items():
                if attr.startswith("_") or not callable(member) and not isinstance(member, property):
                    continue
                assert getattr(member, "__doc__", None) or attr in {"item", "shape"}, f"{name}.{attr}"
    text = pydoc.render_doc(lstmsent.SentimentRNN, renderer=pydoc.plaintext)
    assert "init_hidden" in text and "vocab_size + 1" in text


def test_the_gil_is_released_during_a_call():
    """While one thread is inside a long library call, another runs Python code: compared
    with the same calls made through ctypes.PyDLL, which holds the GIL."""
    import ctypes
    import threading
    from lstmsent import _lib
    net = lstmsent.SentimentRNN(1000, 5, 256, 256, 2).eval()
    x = np.random.default_rng(0).integers(1, 1000, (128, 64)).astype(np.int32)
    out = np.empty((128, 5), np.float32)
    held = ctypes.PyDLL(_lib.LIBRARY_PATH).lstmsent_model_forward
    restype, argtypes = _lib._PROTOTYPES["lstmsent_model_forward"]
    held.restype, held.argtypes = restype, argtypes

    def forward_holding_the_gil():
        assert held(net._p(), x.ctypes.data, 128, 64, None, None, out.ctypes.data, out.size,
                    None) == 0

    def count_while(call):
        done = threading.Event()
        n = 0

        def work():
            for _ in range(3):
                call()
            done.set()

        th = threading.Thread(target=work)
        th.start()
        while not done.is_set():
            n += 1
        th.join()
        return n

    released = count_while(lambda: net(x))
    holding = count_while(forward_holding_the_gil)
    print(f"loop iterations while 3 forwards ran: {released} (GIL released), {holding} (held)")
    assert released > 5 * holding, (released, holding)
