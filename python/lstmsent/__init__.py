"""liblstmsent from Python: the LSTM sentiment classifier of the PyTorch movie-review
tutorial, trained and run by the C library through ctypes.

The names follow the tutorial, so its code ports line by line::

    import lstmsent
    corpus = lstmsent.Corpus.from_tsv("data/train.tsv")
    train_set = lstmsent.PhraseDataset(corpus, 30)          # Pad_sequences(.., 30)
    loader = lstmsent.DataLoader(train_set, batch_size=32, shuffle=True, samples=1000)
    net = lstmsent.SentimentRNN(corpus.vocab_size + 1, 5, 400, 256, 2)
    optimizer = lstmsent.Adam(net.parameters(), lr=0.01)
    h = net.init_hidden(32)
    for inputs, labels in loader:
        h = tuple(each.data for each in h)
        optimizer.zero_grad()
        if inputs.shape[0] != 32:
            break
        output, h = net(inputs, h)
        loss = lstmsent.criterion(output, labels)
        loss.backward()
        lstmsent.clip_grad_norm_(net.parameters(), 5)
        optimizer.step()

and text is classified in two lines::

    clf = lstmsent.Classifier.load("model.safetensors")
    labels, probs = clf.predict(["A gorgeous, witty, seductive movie."])

Arrays are numpy arrays: int32 ids, float32 tensors. Errors raise lstmsent.Error
subclasses (lstmsent.errors). The C library is found through LSTMSENT_LIBRARY, else
liblstmsent.so.0 on the linker's path.
"""
from __future__ import annotations

from ._version import __version__
from ._lib import LIBRARY_PATH, LIBRARY_VERSION, C as _C
from ._core import check as _check
from .errors import (ArgumentError, ChecksumError, ClosedError, DataError, Error, FileError,
                     MismatchError, ModelFileError, NoMemoryError, NoParameterError,
                     NonFiniteError, ShapeError, StateError, TokenError, UnknownWordError,
                     VocabularyError)
from .data import Corpus, DataLoader, PhraseDataset, pad_sequences
from .model import (Adam, EvalResult, Hidden, Loss, SentimentRNN, clip_grad_norm_, criterion,
                    load_checkpoint, save_checkpoint)
from .classify import Classifier

__all__ = [
    "__version__", "LIBRARY_PATH", "LIBRARY_VERSION", "set_threads", "get_threads",
    "Corpus", "pad_sequences", "PhraseDataset", "DataLoader",
    "SentimentRNN", "Hidden", "Loss", "criterion", "clip_grad_norm_", "Adam",
    "save_checkpoint", "load_checkpoint", "EvalResult", "Classifier",
    "Error", "NoMemoryError", "ArgumentError", "FileError", "DataError", "UnknownWordError",
    "VocabularyError", "ShapeError", "TokenError", "StateError", "NoParameterError",
    "NonFiniteError", "MismatchError", "ModelFileError", "ChecksumError", "ClosedError",
]


def set_threads(n: int) -> None:
    """How many threads the library's forward, backward and Adam step use (1..64), for
    every model in the process. Call it before training, not while another thread is in
    the library. Results are deterministic for a given n."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("set_threads takes an integer")
    if not 1 <= n <= 64:
        raise ArgumentError(f"thread count {n} is outside 1..64", -3)
    _check(_C.set_threads(n))


def get_threads() -> int:
    """The thread count set by set_threads (1 before)."""
    return _C.get_threads()
