"""Bad input raises the right exception, with the library's code and message, and leaves
every handle usable."""
import os

import numpy as np
import pytest

import lstmsent


def test_hierarchy():
    assert issubclass(lstmsent.FileError, OSError)
    assert issubclass(lstmsent.DataError, ValueError)
    assert issubclass(lstmsent.UnknownWordError, KeyError)
    assert issubclass(lstmsent.NoParameterError, KeyError)
    assert issubclass(lstmsent.TokenError, IndexError)
    assert issubclass(lstmsent.StateError, RuntimeError)
    assert issubclass(lstmsent.ChecksumError, lstmsent.ModelFileError)
    assert issubclass(lstmsent.ClosedError, ValueError)
    for cls in (lstmsent.FileError, lstmsent.DataError, lstmsent.ShapeError,
                lstmsent.ModelFileError, lstmsent.ClosedError):
        assert issubclass(cls, lstmsent.Error)


def test_missing_file_is_oserror_with_the_path(tmp_path):
    with pytest.raises(OSError) as e:
        lstmsent.Corpus.from_tsv(tmp_path / "nope.tsv")
    assert isinstance(e.value, lstmsent.FileError)
    assert e.value.code == -4 and e.value.name == "LSTMSENT_ERR_IO"
    assert "nope.tsv" in str(e.value)
    os.mkfifo(tmp_path / "fifo.tsv")
    with pytest.raises(lstmsent.FileError, match="regular file"):
        lstmsent.Corpus.from_tsv(tmp_path / "fifo.tsv")   # refused at once, never blocks


def test_bad_tsv(tmp_path):
    p = tmp_path / "bad.tsv"
    p.write_text("PhraseId\tSentenceId\tPhrase\tSentiment\n1\t1\tgood\t7\n")
    with pytest.raises(lstmsent.DataError) as e:
        lstmsent.Corpus.from_tsv(p)
    assert e.value.code == -8 and "bad.tsv:2" in e.value.message and "'7'" in str(e.value)
    p.write_text("PhraseId\tSentenceId\tPhrase\tSentiment\n1\t1\tgood\n")
    with pytest.raises(lstmsent.DataError) as e:
        lstmsent.Corpus.from_tsv(p)
    assert e.value.name == "LSTMSENT_ERR_FIELDS"
    p.write_bytes(b"Phrase\tSentiment\n\xff\xfe bad\t1\n")
    with pytest.raises(lstmsent.DataError) as e:
        lstmsent.Corpus.from_tsv(p)
    assert e.value.name == "LSTMSENT_ERR_UTF8"
    p.write_text("Sentiment\n1\n")
    with pytest.raises(lstmsent.DataError) as e:
        lstmsent.Corpus.from_tsv(p)
    assert e.value.name == "LSTMSENT_ERR_HEADER"
    p.write_text("")
    with pytest.raises(lstmsent.DataError):
        lstmsent.Corpus.from_tsv(p)


def test_bad_labels_and_texts():
    with pytest.raises(lstmsent.DataError) as e:
        lstmsent.Corpus(["a", "b"], labels=[1, 5])
    assert e.value.code == -8
    with pytest.raises(lstmsent.ShapeError):
        lstmsent.Corpus(["a", "b"], labels=[1])
    with pytest.raises(TypeError):
        lstmsent.Corpus(["a"], labels=[0.5])
    with pytest.raises(TypeError):
        lstmsent.Corpus("one string")
    with pytest.raises(TypeError):
        lstmsent.Corpus([3])
    with pytest.raises(lstmsent.DataError):
        lstmsent.Corpus([b"\xc3\x28 bad"])
    with pytest.raises(lstmsent.DataError):
        lstmsent.Corpus(["lone \ud800 surrogate"])
    with pytest.raises(lstmsent.DataError, match="NUL"):
        lstmsent.Corpus(["a\0b"])
    with pytest.raises(lstmsent.DataError, match="no phrases"):
        lstmsent.Corpus([])
    with pytest.raises(lstmsent.ArgumentError):
        lstmsent.Corpus(["a"], unknown="skip")
    with pytest.raises(lstmsent.ArgumentError):
        lstmsent.Corpus(["a"], min_count=0)
    c = lstmsent.Corpus(["good film"], unknown="error")
    with pytest.raises(KeyError) as e:
        c.encode("good zzz")
    assert isinstance(e.value, lstmsent.UnknownWordError) and "zzz" in str(e.value)
    with pytest.raises(lstmsent.UnknownWordError):
        c.word_id("zzz")
    assert c.encode("good film") == [1, 2]              # still usable


def test_wrong_dtypes_and_shapes():
    c = lstmsent.Corpus(["a b c", "b c", "c"], labels=[0, 1, 2])
    net = lstmsent.SentimentRNN(c.vocab_size + 1, 5, 8, 6, 2, seed=1)
    x = lstmsent.PhraseDataset(c, 4).ids
    with pytest.raises(TypeError):
        net(x.astype(np.float32))
    with pytest.raises(lstmsent.ShapeError):
        net(x[0])                                        # 1-D
    with pytest.raises(lstmsent.ShapeError):
        net(np.zeros((0, 4), np.int32))
    with pytest.raises(lstmsent.TokenError) as e:
        net(np.full((1, 4), 99, np.int32))
    assert isinstance(e.value, IndexError) and e.value.code == -14
    with pytest.raises(lstmsent.ArgumentError):
        net(np.full((1, 4), 2**40))                      # outside int32
    with pytest.raises(lstmsent.ShapeError):
        net(x, net.init_hidden(2))                       # a state for another batch
    with pytest.raises(lstmsent.ShapeError):
        net(x, (np.zeros((2, 3, 5)), np.zeros((2, 3, 5))))
    with pytest.raises(TypeError):
        net(x, "state")
    out, h = net(x, net.init_hidden(3))
    with pytest.raises(lstmsent.ShapeError):
        lstmsent.criterion(out, [0, 1])
    with pytest.raises(lstmsent.ArgumentError):
        lstmsent.criterion(out, np.ones((3, 5)))         # not one-hot
    with pytest.raises(lstmsent.DataError):
        lstmsent.criterion(out, [0, 1, 7])               # a label outside 0..4
    with pytest.raises(lstmsent.StateError):
        lstmsent.criterion(out.copy(), [0, 1, 2])        # not a model's output
    out2, _ = net(x)
    with pytest.raises(lstmsent.StateError):
        lstmsent.criterion(out, [0, 1, 2])               # an older forward's output
    lstmsent.criterion(out2, [0, 1, 2]).backward()       # the right one works
    sd = net.state_dict()
    sd["fc.bias"] = np.zeros(4)
    with pytest.raises(lstmsent.ShapeError):
        net.load_state_dict(sd)
    with pytest.raises(lstmsent.NoParameterError) as e:
        net.load_state_dict({"fc.bias": np.zeros(5)})
    assert "missing" in str(e.value) and isinstance(e.value, KeyError)
    with pytest.raises(lstmsent.NoParameterError, match="unexpected"):
        net.load_state_dict({**net.state_dict(), "decoder.weight": np.zeros(3)})
    with pytest.raises(TypeError):
        net.load_state_dict({**net.state_dict(), "fc.bias": np.array(["a"] * 5)})
    net.load_state_dict({"fc.bias": np.ones(5)}, strict=False)
    assert (net.state_dict()["fc.bias"] == 1).all()
    with pytest.raises(lstmsent.ArgumentError):
        lstmsent.SentimentRNN(10, 5, 8, 6, 0)
    with pytest.raises(lstmsent.ArgumentError):
        lstmsent.SentimentRNN(10, head="softmax")
    with pytest.raises(TypeError):
        lstmsent.SentimentRNN(10.5)
    with pytest.raises(lstmsent.ArgumentError):
        lstmsent.Adam(net, lr=-1)
    lp = lstmsent.SentimentRNN(10, 5, 8, 6, 1, pooling="last_token")
    with pytest.raises(lstmsent.ArgumentError, match="lengths"):
        lp(np.ones((2, 3), np.int32))
    with pytest.raises(lstmsent.ShapeError):
        lp(np.ones((2, 3), np.int32), None, [1])


def test_state_errors():
    net = lstmsent.SentimentRNN(10, 5, 8, 6, 1)
    with pytest.raises(lstmsent.StateError) as e:
        net.backward()
    assert e.value.name == "LSTMSENT_ERR_STATE" and isinstance(e.value, RuntimeError)
    net.eval()
    out, _ = net(np.ones((2, 3), np.int32))
    net.loss([0, 1])
    with pytest.raises(lstmsent.StateError):
        net.backward()                                    # no backward in evaluation mode


def test_closed_handles_raise_not_crash(tmp_path):
    c = lstmsent.Corpus(["a b", "b"], labels=[0, 1])
    d = lstmsent.PhraseDataset(c, 4)
    loader = lstmsent.DataLoader(d, 2)
    net = lstmsent.SentimentRNN(c.vocab_size + 1, 5, 8, 6, 1)
    opt = lstmsent.Adam(net)
    clf = lstmsent.Classifier(net, c)
    c.close()
    c.close()                                             # idempotent
    for call in (lambda: len(c), lambda: c.vocab_size, lambda: c.encode("a"),
                 lambda: lstmsent.PhraseDataset(c), lambda: clf.predict(["a"])):
        with pytest.raises(lstmsent.ClosedError):
            call()
    assert clf.closed                                    # closing the corpus closed it
    assert len(d) == 2                                   # the dataset copied what it needs
    d.close()
    assert loader.closed
    with pytest.raises(lstmsent.ClosedError):
        list(loader)
    with lstmsent.SentimentRNN(10, 5, 8, 6, 1) as m:
        m.init_hidden(1)
    with pytest.raises(ValueError):
        m.state_dict()
    net.close()
    assert opt.closed                                    # the optimizer of that model too
    with pytest.raises(lstmsent.ClosedError):
        opt.step()
    with pytest.raises(lstmsent.ClosedError):
        net(np.ones((1, 2), np.int32))
    with pytest.raises(lstmsent.ClosedError):
        lstmsent.clip_grad_norm_(net, 1.0)


def test_model_files(tmp_path):
    c = lstmsent.Corpus(["a good film", "a bad film"], labels=[4, 0])
    net = lstmsent.SentimentRNN(c.vocab_size + 1, 5, 8, 6, 1, seed=2)
    p = tmp_path / "m.safetensors"
    net.save(p, c)
    blob = bytearray(p.read_bytes())
    blob[-3] ^= 0x10
    bad = tmp_path / "flipped.safetensors"
    bad.write_bytes(bytes(blob))
    with pytest.raises(lstmsent.ChecksumError) as e:
        lstmsent.SentimentRNN.load(bad)
    assert e.value.code == -27 and isinstance(e.value, ValueError)
    with pytest.raises(lstmsent.ChecksumError):
        lstmsent.Classifier.load(bad)
    (tmp_path / "short.safetensors").write_bytes(p.read_bytes()[:100])
    with pytest.raises(lstmsent.ModelFileError):
        lstmsent.SentimentRNN.load(tmp_path / "short.safetensors")
    (tmp_path / "text.safetensors").write_text("not a model")
    with pytest.raises(lstmsent.ModelFileError):
        lstmsent.SentimentRNN.load(tmp_path / "text.safetensors")
    net.save(tmp_path / "novocab.safetensors")
    with pytest.raises(lstmsent.ModelFileError) as e:
        lstmsent.Classifier.load(tmp_path / "novocab.safetensors")
    assert e.value.name == "LSTMSENT_ERR_METADATA"
    with pytest.raises(lstmsent.FileError):
        net.save(tmp_path / "no" / "such" / "dir.safetensors")
    with pytest.raises(lstmsent.FileError):
        lstmsent.Classifier.load([p, tmp_path / "missing.safetensors"])
    with pytest.raises(lstmsent.ArgumentError):
        lstmsent.Classifier.load([])
    other = lstmsent.Corpus(["x y z w v u"], labels=[1])
    with pytest.raises(lstmsent.MismatchError):
        lstmsent.Classifier(net, other)                 # a vocabulary of another size
    assert lstmsent.SentimentRNN.load(p).vocab.words == c.words   # the good file still loads


def test_exceptions_pickle():
    import pickle
    try:
        lstmsent.Corpus(["a"], labels=[9])
    except lstmsent.DataError as e:
        f = pickle.loads(pickle.dumps(e))
        assert type(f) is type(e) and f.code == e.code and str(f) == str(e)
