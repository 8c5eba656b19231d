"""Classifying raw text with a model and its vocabulary, and scoring a classifier."""
from __future__ import annotations

import ctypes
from typing import Any, Iterable, Sequence, Tuple, Union

import numpy as np

from ._core import Handle, check, path_arg, text_arg, texts_array
from ._lib import C, EvalResult as _CEvalResult, LoadOptions
from .data import Corpus, PhraseDataset
from .model import EvalResult, SentimentRNN

__all__ = ["Classifier"]


class Classifier(Handle):
    """A model (or an ensemble of models) with its vocabulary: text in, classes out.

    ``Classifier.load("model.safetensors")`` reads a model saved with its vocabulary
    (``net.save(path, corpus)`` or ``lstmsent train``); several paths make an ensemble
    whose probabilities are averaged. ``Classifier(net, corpus)`` pairs a model in memory
    with the corpus whose vocabulary it was trained on; both stay open while the
    classifier lives, and closing either closes the classifier.

    Text is encoded as the training corpus was (``text.lower().split()``, unseen words by
    the vocabulary's policy), padded or cut to the model's ``seq_len``.

        >>> clf = lstmsent.Classifier.load("model.safetensors")
        >>> labels, probs = clf.predict(["A gorgeous, witty, seductive movie."])
    """

    _kind = "classifier"
    _free_fn = C.classifier_free

    def __init__(self, net: SentimentRNN, corpus: Corpus):
        super().__init__()
        if not isinstance(net, SentimentRNN) or not isinstance(corpus, Corpus):
            raise TypeError("Classifier(net, corpus) takes a SentimentRNN and a Corpus")
        out = ctypes.c_void_p()
        check(C.classifier_create(ctypes.byref(out), net._p(), corpus._p()))
        self._adopt(out.value, net, corpus)
        self._models = [net]
        self._vocab = corpus

    @classmethod
    def load(cls, path: Union[Any, Sequence[Any]], allow_unknown_tensors: bool = False,
             reject_nonfinite: bool = False) -> "Classifier":
        """A classifier from one model file, or an ensemble from a list of them (each saved
        with the same vocabulary).

        Raises:
            FileError, ModelFileError, ChecksumError, VocabularyError, MismatchError
            (files of different vocabularies or sizes); ModelFileError for a file without
            a vocabulary.
        """
        paths = [path] if isinstance(path, (str, bytes)) or hasattr(path, "__fspath__") \
            else list(path)
        encoded = [path_arg(p) for p in paths]
        arr = (ctypes.c_char_p * max(len(encoded), 1))(*encoded)
        lo = LoadOptions(int(bool(allow_unknown_tensors)), int(bool(reject_nonfinite)))
        out = ctypes.c_void_p()
        check(C.classifier_load_ensemble(ctypes.byref(out), arr, len(encoded),
                                         ctypes.byref(lo)))
        self = cls.__new__(cls)
        Handle.__init__(self)
        self._adopt(out.value)
        p = out.value
        self._models = [SentimentRNN._wrap(C.classifier_model_at(p, i), owned=False, parent=self)
                        for i in range(C.classifier_model_count(p))]
        self._vocab = Corpus._wrap(C.classifier_vocab(p), parent=self)
        return self

    def add_model(self, net: SentimentRNN) -> None:
        """Add a model to the ensemble (same embedding size, output_size and seq_len as the
        first). It stays open while the classifier lives."""
        if not isinstance(net, SentimentRNN):
            raise TypeError("add_model takes a SentimentRNN")
        check(C.classifier_add_model(self._p(), net._p()))
        net._dependents.add(self)
        self._parents = self._parents + (net,)
        self._models.append(net)

    @property
    def models(self) -> list[SentimentRNN]:
        """The models, in the order they came (valid while the classifier lives)."""
        self._p()
        return list(self._models)

    @property
    def vocab(self) -> Corpus:
        """The vocabulary texts are encoded with."""
        self._p()
        return self._vocab

    @property
    def num_classes(self) -> int:
        """The number of classes O (the models' output_size)."""
        return C.classifier_num_classes(self._p())

    @property
    def seq_len(self) -> int:
        """T, the length texts are padded or cut to."""
        return C.classifier_seq_len(self._p())

    def __repr__(self) -> str:
        if self.closed:
            return "<lstmsent.Classifier (closed)>"
        return (f"<lstmsent.Classifier: {len(self._models)} model(s), {self.num_classes} "
                f"classes, T={self.seq_len}, {self._vocab.vocab_size} words>")

    def predict(self, texts: Union[str, bytes, Iterable[Union[str, bytes]]]
                ) -> Tuple[Any, np.ndarray]:
        """Classify texts.

        Returns:
            for a list of n texts: labels (n) int32 and probabilities (n, num_classes)
            float32 (softmax of each model's outputs, averaged over an ensemble); for one
            str: its label (an int) and its probabilities (num_classes).

        Raises:
            DataError: invalid UTF-8 (or a NUL); UnknownWordError: an unseen word when
            the vocabulary's policy is "error". Nothing is returned for any text then.
        """
        single = isinstance(texts, (str, bytes))
        arr, n = texts_array([texts] if single else list(texts))
        k = self.num_classes
        labels = np.zeros(n, np.int32)
        probs = np.zeros((n, k), np.float32)
        if n:
            check(C.classifier_predict(self._p(), arr, n, labels.ctypes.data,
                                       probs.ctypes.data, probs.size))
        if single:
            return int(labels[0]), probs[0]
        return labels, probs

    def predict_dataset(self, dataset: PhraseDataset, batch_size: int = 0
                        ) -> Tuple[np.ndarray, np.ndarray]:
        """The same answers for the rows of a dataset encoded with this vocabulary at the
        classifier's seq_len (e.g. an unlabelled test file)."""
        if not isinstance(dataset, PhraseDataset):
            raise TypeError("predict_dataset needs a PhraseDataset")
        n = len(dataset)
        labels = np.zeros(n, np.int32)
        probs = np.zeros((n, self.num_classes), np.float32)
        check(C.classifier_predict_dataset(self._p(), dataset._p(), int(batch_size),
                                           labels.ctypes.data, probs.ctypes.data, probs.size))
        return labels, probs

    def dataset(self, source: Union[Any, Corpus]) -> PhraseDataset:
        """A dataset of a TSV file (a path) or a Corpus, encoded with this classifier's
        vocabulary and padded to its seq_len, for :meth:`evaluate`/:meth:`predict_dataset`."""
        if isinstance(source, Corpus):
            corpus, own = source, False
        else:
            corpus, own = Corpus.from_tsv(source, vocabulary=self.vocab,
                                          unknown=self.vocab.unknown), True
        try:
            return PhraseDataset(corpus, self.seq_len)
        finally:
            if own:
                corpus.close()

    def evaluate(self, data: Union[PhraseDataset, Corpus, Any], batch_size: int = 0
                 ) -> EvalResult:
        """Loss, phrase and sentence accuracy, per-class precision, recall and F1, macro-F1
        and confusion matrices of the classifier's answers over a labelled dataset, a
        labelled Corpus encoded with this vocabulary, or a TSV file (a path)."""
        owned = None
        if not isinstance(data, PhraseDataset):
            data = owned = self.dataset(data)
        try:
            r = _CEvalResult()
            check(C.classifier_evaluate(self._p(), data._p(), int(batch_size), ctypes.byref(r)))
            return EvalResult._from_c(r)
        finally:
            if owned is not None:
                owned.close()

    def count_tokens(self, text: Union[str, bytes]) -> Tuple[int, int]:
        """(tokens, unknown): how many tokens text has (all of them: compare with seq_len
        to see a cut) and how many are not in the vocabulary."""
        t, u = ctypes.c_size_t(), ctypes.c_size_t()
        check(C.classifier_count_tokens(self._p(), text_arg(text), ctypes.byref(t),
                                        ctypes.byref(u)))
        return t.value, u.value
