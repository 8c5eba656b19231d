"""Corpus, padding, dataset and batches: the tutorial's Corpus_Extr, Pad_sequences,
PhraseDataset and DataLoader over liblstmsent's corpus, dataset and sampler."""
from __future__ import annotations

import ctypes
import os
from collections import Counter
from typing import Any, Iterable, Iterator, Optional, Sequence, Union

import numpy as np

from ._core import (Handle, as_ids, check, enum_arg, enum_name, path_arg, text_arg,
                    texts_array)
from ._lib import C, CorpusOptions, DatasetOptions
from .errors import ArgumentError, ShapeError

__all__ = ["Corpus", "pad_sequences", "PhraseDataset", "DataLoader", "UNKNOWN_POLICIES"]

#: The unknown-word policies (lstmsent_unknown): what encoding does with an unseen word.
UNKNOWN_POLICIES = {"pad": 0, "id": 1, "error": 2}
_PADDING = {"right": 0, "left": 1}
_TRUNCATION = {"end": 0, "start": 1}

PathLike = Union[str, bytes, "os.PathLike[str]"]


def _copy(p: Any, n: int, dtype: Any, shape: Optional[tuple] = None,
          missing: Optional[np.ndarray] = None) -> Optional[np.ndarray]:
    """A numpy copy of n values the library owns; ``missing`` for a NULL pointer."""
    if not p:
        return missing
    if n == 0:
        return np.zeros(shape or (0,), dtype)
    a = np.ctypeslib.as_array(p, shape=(n,)).astype(dtype, copy=True)
    return a.reshape(shape) if shape else a


class Corpus(Handle):
    """Phrases tokenised as Python's ``phrase.lower().split()`` and the vocabulary built
    from them, exactly as the tutorial's ``Corpus_Extr``: words ordered by count, ties by
    first appearance, ids from 1 (0 is padding).

    ``Corpus(phrases, labels=None, vocabulary=None)`` builds one from strings in memory;
    :meth:`from_tsv` reads a Kaggle-layout TSV file. With ``vocabulary`` (another Corpus)
    the phrases are encoded with a copy of that vocabulary instead (dev and test data).

    Args:
        phrases: the phrases, str (or UTF-8 bytes), at least one.
        labels: one label 0..4 per phrase, or None (unlabelled).
        vocabulary: a Corpus whose vocabulary encodes these phrases, or None to build one.
        unknown: the unknown-word policy, ``"pad"`` (id 0, the default), ``"id"`` (the id
            ``vocab_size + 1``) or ``"error"`` (raise UnknownWordError). The corpus keeps
            it: a model saved with it and a classifier over it encode text by it.
        min_count: building a vocabulary, leave out words seen fewer times (default 1).

    Raises:
        DataError: a bad label or invalid UTF-8; UnknownWordError: an unseen word under
        ``"error"``; ArgumentError: no phrase, a bad option.
    """

    _kind = "corpus"
    _free_fn = C.corpus_free

    def __init__(self, phrases: Sequence[Union[str, bytes]],
                 labels: Optional[Sequence[int]] = None, vocabulary: Optional["Corpus"] = None,
                 unknown: str = "pad", min_count: int = 1):
        super().__init__()
        if isinstance(phrases, (str, bytes)):
            raise TypeError("phrases must be a sequence of strings, not one string")
        arr, n = texts_array(phrases, "phrases")
        lab = None
        if labels is not None:
            lab = as_ids(labels, "labels", 1)
            if len(lab) != n:
                raise ShapeError(f"{len(lab)} labels for {n} phrases", -12)
        opts = self._options(vocabulary, unknown, min_count)
        out = ctypes.c_void_p()
        check(C.corpus_create(ctypes.byref(out), arr, None if lab is None else lab.ctypes.data,
                              n, ctypes.byref(opts)))
        self._adopt(out.value)
        self._reset_cache()

    @staticmethod
    def _options(vocabulary: Optional["Corpus"], unknown: str, min_count: int) -> CorpusOptions:
        opts = CorpusOptions()
        C.corpus_options_default(ctypes.byref(opts))
        if vocabulary is not None:
            if not isinstance(vocabulary, Corpus):
                raise TypeError("vocabulary must be a Corpus")
            opts.vocabulary = vocabulary._p()
        opts.unknown = enum_arg(unknown, UNKNOWN_POLICIES, "unknown")
        if not isinstance(min_count, (int, np.integer)) or isinstance(min_count, bool):
            raise TypeError("min_count must be an integer")
        opts.min_count = int(min_count)
        return opts

    @classmethod
    def from_tsv(cls, path: PathLike, vocabulary: Optional["Corpus"] = None,
                 unknown: str = "pad", min_count: int = 1) -> "Corpus":
        """Read a Kaggle-layout TSV file (columns by name: Phrase, and PhraseId, SentenceId,
        Sentiment when present). Options as for the constructor.

        Raises:
            FileError: the file is missing, unreadable or not a regular file;
            DataError: a malformed file (the message names the line).
        """
        self = cls.__new__(cls)
        Handle.__init__(self)
        opts = cls._options(vocabulary, unknown, min_count)
        out = ctypes.c_void_p()
        check(C.corpus_load_tsv(ctypes.byref(out), path_arg(path), ctypes.byref(opts)))
        self._adopt(out.value)
        self._reset_cache()
        return self

    @classmethod
    def load_vocab(cls, path: PathLike) -> "Corpus":
        """A corpus with no phrases whose vocabulary is read from a file written by
        :meth:`save_vocab` (one word per line, in id order)."""
        self = cls.__new__(cls)
        Handle.__init__(self)
        out = ctypes.c_void_p()
        check(C.corpus_load_vocab(ctypes.byref(out), path_arg(path)))
        self._adopt(out.value)
        self._reset_cache()
        return self

    @classmethod
    def _wrap(cls, ptr: int, parent: Optional[Handle] = None) -> "Corpus":
        """A Corpus over a C corpus: owned (parent None) or borrowed from parent."""
        self = cls.__new__(cls)
        Handle.__init__(self)
        if parent is None:
            self._adopt(ptr)
        else:
            self._adopt(ptr, parent, owned=False)
        self._reset_cache()
        return self

    def _reset_cache(self) -> None:
        self._vocab: Optional[dict] = None
        self._words: Optional[list] = None
        self._phrases: Optional[list] = None

    def save_vocab(self, path: PathLike) -> None:
        """Write the vocabulary as UTF-8 text, one word per line in id order."""
        check(C.corpus_save_vocab(self._p(), path_arg(path)))

    def __len__(self) -> int:
        """The number of phrases."""
        return C.corpus_phrase_count(self._p())

    def __repr__(self) -> str:
        if self.closed:
            return "<lstmsent.Corpus (closed)>"
        return (f"<lstmsent.Corpus: {len(self)} phrases, {self.vocab_size} words, "
                f"unknown={self.unknown!r}{', labelled' if self.has_labels else ''}>")

    @property
    def vocab_size(self) -> int:
        """The number of words; ids run 1..vocab_size and 0 is padding."""
        return C.corpus_vocab_size(self._p())

    @property
    def unknown_id(self) -> int:
        """vocab_size + 1: the id the ``"id"`` policy gives an unseen word."""
        return C.corpus_unknown_id(self._p())

    @property
    def unknown(self) -> str:
        """The unknown-word policy the corpus was built with: "pad", "id" or "error"."""
        return enum_name(C.corpus_unknown_policy(self._p()), UNKNOWN_POLICIES)

    @property
    def has_labels(self) -> bool:
        """True when the phrases carry labels (a Sentiment column)."""
        return bool(C.corpus_has_labels(self._p()))

    @property
    def words(self) -> list[str]:
        """The vocabulary's words in id order: ``words[i]`` has id ``i + 1``."""
        if self._words is None:
            p = self._p()
            w = ctypes.c_char_p()
            out = []
            for i in range(1, C.corpus_vocab_size(p) + 1):
                check(C.corpus_word(p, i, ctypes.byref(w)))
                out.append(w.value.decode("utf-8"))
            self._words = out
        return list(self._words)

    @property
    def vocab_to_int(self) -> dict[str, int]:
        """The tutorial's ``vocab_to_int``: word -> id (a new dict on each access)."""
        if self._vocab is None:
            self._vocab = {w: i for i, w in enumerate(self.words, 1)}
        return dict(self._vocab)

    @property
    def word_counts(self) -> Counter:
        """How often each word occurs in the phrases the vocabulary was built from (the
        tutorial's ``corpus`` Counter, restricted to the kept words)."""
        p = self._p()
        n = ctypes.c_int64()
        counts = Counter()
        for i, w in enumerate(self.words, 1):
            check(C.corpus_word_count(p, i, ctypes.byref(n)))
            counts[w] = n.value
        return counts

    @property
    def phrase_to_int(self) -> list[list[int]]:
        """The tutorial's ``phrase_to_int``: each phrase's ids, its whole length."""
        if self._phrases is None:
            p = self._p()
            ids = ctypes.POINTER(ctypes.c_int32)()
            n = ctypes.c_size_t()
            out = []
            for i in range(C.corpus_phrase_count(p)):
                check(C.corpus_phrase_ids(p, i, ctypes.byref(ids), ctypes.byref(n)))
                out.append(ids[:n.value])
            self._phrases = out
        return [list(r) for r in self._phrases]

    @property
    def labels(self) -> Optional[np.ndarray]:
        """The labels, an int32 array (a copy), or None for an unlabelled corpus."""
        p = self._p()
        return _copy(C.corpus_labels(p), C.corpus_phrase_count(p), np.int32)

    @property
    def sentence_ids(self) -> np.ndarray:
        """Each phrase's SentenceId (0 without that column), int64 (a copy)."""
        p = self._p()
        n = C.corpus_phrase_count(p)
        return _copy(C.corpus_sentence_ids(p), n, np.int64, missing=np.zeros(n, np.int64))

    @property
    def phrase_ids(self) -> np.ndarray:
        """Each phrase's PhraseId (the row numbers 1..n without that column), int64."""
        p = self._p()
        n = C.corpus_phrase_count(p)
        return _copy(C.corpus_phrase_ids_column(p), n, np.int64,
                     missing=np.arange(1, n + 1, dtype=np.int64))

    def word_id(self, word: str) -> int:
        """The id of a word as it stands in the vocabulary (already lower-cased).

        Raises:
            UnknownWordError: the word is not in the vocabulary.
        """
        i = ctypes.c_int32()
        check(C.corpus_word_id(self._p(), text_arg(word, "word"), ctypes.byref(i)))
        return i.value

    def encode(self, texts: Union[str, bytes, Iterable[Union[str, bytes]]],
               unknown: Optional[str] = None) -> Union[list[int], list[list[int]]]:
        """Tokenise as ``text.lower().split()`` and map words to ids with this vocabulary,
        unseen words by ``unknown`` (default: the corpus's own policy).

        Returns:
            a list of ids for one text, a list of such lists for several.
        """
        single = isinstance(texts, (str, bytes))
        pol = enum_arg(self.unknown if unknown is None else unknown, UNKNOWN_POLICIES,
                       "unknown")
        p = self._p()
        out = []
        n = ctypes.c_size_t()
        buf = np.zeros(64, np.int32)
        for i, t in enumerate([texts] if single else texts):
            b = text_arg(t, "text" if single else f"texts[{i}]")
            while True:
                st = C.corpus_encode(p, b, pol, buf.ctypes.data, len(buf), ctypes.byref(n))
                if st == -13 and n.value > len(buf):      # LSTMSENT_ERR_BUFFER: grow
                    buf = np.zeros(n.value, np.int32)
                    continue
                check(st)
                break
            out.append(buf[:n.value].tolist())
        return out[0] if single else out


def pad_sequences(phrase_to_int: Sequence[Sequence[int]], seq_length: int,
                  padding: str = "right", truncation: str = "end") -> np.ndarray:
    """The tutorial's ``Pad_sequences``: an (N, seq_length) int32 matrix of zeros, row i
    holding the first ``min(len, seq_length)`` ids of phrase i at the left.

    ``padding="left"`` puts the zeros first; ``truncation="start"`` keeps a long phrase's
    last ids instead of its first. A :class:`PhraseDataset` gives the same matrix from a
    Corpus in C (``dataset.ids``).
    """
    if not isinstance(seq_length, (int, np.integer)) or seq_length < 1:
        raise ArgumentError(f"seq_length must be an integer >= 1, not {seq_length!r}", -3)
    enum_arg(padding, _PADDING, "padding")
    enum_arg(truncation, _TRUNCATION, "truncation")
    t = int(seq_length)
    rows = [r if isinstance(r, np.ndarray) else list(r) for r in phrase_to_int]
    lens = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    flat = as_ids(np.concatenate([np.asarray(r, dtype=np.int64).ravel() for r in rows])
                  if rows else np.zeros(0, np.int64), "phrase_to_int", 1)
    out = np.zeros((len(rows), t), dtype=np.int32)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]) if rows else lens
    keep = np.minimum(lens, t)
    # position j of the kept ids of row i: from the phrase's start or from its end - keep
    first = starts if truncation == "end" else starts + lens - keep
    col0 = np.zeros_like(keep) if padding == "right" else t - keep
    r_idx = np.repeat(np.arange(len(rows)), keep)
    offs = np.arange(int(keep.sum())) - np.repeat(np.cumsum(keep) - keep, keep)
    out[r_idx, np.repeat(col0, keep) + offs] = flat[np.repeat(first, keep) + offs]
    return out


class PhraseDataset(Handle):
    """The tutorial's ``PhraseDataset``: every phrase of a corpus padded to
    ``seq_length`` (its ``Pad_sequences``), with its length, label, SentenceId and
    PhraseId. ``dataset[i]`` is ``(row, label)``, or the row alone when unlabelled.

    The dataset copies what it needs: the corpus may be closed afterwards.
    """

    _kind = "dataset"
    _free_fn = C.dataset_free

    def __init__(self, corpus: Corpus, seq_length: int = 30, padding: str = "right",
                 truncation: str = "end"):
        super().__init__()
        if not isinstance(corpus, Corpus):
            raise TypeError("PhraseDataset needs a Corpus")
        opts = DatasetOptions()
        C.dataset_options_default(ctypes.byref(opts))
        if not isinstance(seq_length, (int, np.integer)) or isinstance(seq_length, bool):
            raise TypeError("seq_length must be an integer")
        if not 1 <= seq_length <= 2**31 - 1:
            raise ArgumentError(f"seq_length must be >= 1, not {seq_length}", -3)
        opts.seq_len = int(seq_length)
        opts.padding = enum_arg(padding, _PADDING, "padding")
        opts.truncation = enum_arg(truncation, _TRUNCATION, "truncation")
        out = ctypes.c_void_p()
        check(C.dataset_create(ctypes.byref(out), corpus._p(), ctypes.byref(opts)))
        self._adopt(out.value)

    def __len__(self) -> int:
        return C.dataset_rows(self._p())

    def __repr__(self) -> str:
        if self.closed:
            return "<lstmsent.PhraseDataset (closed)>"
        return f"<lstmsent.PhraseDataset: {len(self)} rows of {self.seq_len}>"

    @property
    def seq_len(self) -> int:
        """T, the padded length of every row."""
        return C.dataset_seq_len(self._p())

    @property
    def shape(self) -> tuple[int, int]:
        """(N, T)."""
        return (len(self), self.seq_len)

    @property
    def has_labels(self) -> bool:
        """True when the rows carry labels."""
        return bool(C.dataset_labels(self._p()))

    @property
    def ids(self) -> np.ndarray:
        """The (N, T) padded id matrix (int32, a copy)."""
        p = self._p()
        n, t = C.dataset_rows(p), C.dataset_seq_len(p)
        return _copy(C.dataset_ids(p), n * t, np.int32, (n, t), np.zeros((n, t), np.int32))

    @property
    def lengths(self) -> np.ndarray:
        """(N) the number of real ids in each row, min(phrase length, T) (int32, a copy)."""
        p = self._p()
        n = C.dataset_rows(p)
        return _copy(C.dataset_lengths(p), n, np.int32, missing=np.zeros(n, np.int32))

    @property
    def labels(self) -> Optional[np.ndarray]:
        """(N) labels (int32, a copy), or None for an unlabelled dataset."""
        p = self._p()
        return _copy(C.dataset_labels(p), C.dataset_rows(p), np.int32)

    @property
    def sentence_ids(self) -> np.ndarray:
        """(N) each row's SentenceId (int64, a copy): what sentence accuracy reads."""
        p = self._p()
        n = C.dataset_rows(p)
        return _copy(C.dataset_sentence_ids(p), n, np.int64, missing=np.zeros(n, np.int64))

    @property
    def phrase_ids(self) -> np.ndarray:
        """(N) each row's PhraseId (int64, a copy)."""
        p = self._p()
        n = C.dataset_rows(p)
        return _copy(C.dataset_phrase_ids(p), n, np.int64, missing=np.zeros(n, np.int64))

    def __getitem__(self, i: int):
        p = self._p()
        n, t = C.dataset_rows(p), C.dataset_seq_len(p)
        if not isinstance(i, (int, np.integer)):
            raise TypeError("dataset indices must be integers")
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"row {i} of a dataset of {n}")
        row = np.ctypeslib.as_array(C.dataset_ids(p), shape=(n * t,))[i * t:(i + 1) * t].copy()
        lab = C.dataset_labels(p)
        return (row, int(lab[i])) if lab else row


class DataLoader(Handle):
    """Batches of a :class:`PhraseDataset`, from a seeded generator of its own (the C
    sampler): each ``iter(loader)`` is a new epoch.

    - ``shuffle=True``: every row once, in a new order each epoch (a full epoch);
    - ``shuffle=False``: every row once, in order (evaluation);
    - ``samples=n``: the tutorial's epoch, n rows drawn with replacement and shuffled
      (``np.random.choice(len(train), n)`` and ``DataLoader(..., shuffle=True)``).

    Each batch is ``(inputs, labels)`` (``inputs`` alone for an unlabelled dataset), with
    the rows' lengths appended when ``return_lengths`` (what a model with last-token
    pooling needs in forward): int32 arrays of shape (B, T), (B) and (B). With
    ``drop_last`` a final partial batch is dropped; otherwise it comes too, as PyTorch's
    DataLoader gives it (the tutorial then breaks out of its loop on it).

    The loader reads the dataset, which stays open while the loader lives.
    """

    _kind = "sampler"
    _free_fn = C.sampler_free

    def __init__(self, dataset: PhraseDataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, samples: Optional[int] = None, seed: int = 0,
                 return_lengths: bool = False):
        super().__init__()
        if not isinstance(dataset, PhraseDataset):
            raise TypeError("DataLoader needs a PhraseDataset")
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ArgumentError(f"batch_size must be an integer >= 1, not {batch_size!r}", -3)
        if samples is not None and (not isinstance(samples, (int, np.integer)) or samples < 0):
            raise ArgumentError(f"samples must be an integer >= 0, not {samples!r}", -3)
        if not 0 <= seed < 2**64:
            raise ArgumentError("seed must be in 0..2**64-1", -3)
        out = ctypes.c_void_p()
        check(C.sampler_create(ctypes.byref(out), dataset._p(), int(seed)))
        self._adopt(out.value, dataset)
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.samples = None if samples is None else int(samples)
        self.return_lengths = bool(return_lengths)

    def __len__(self) -> int:
        """Batches per epoch."""
        n = self.samples if self.samples is not None else len(self.dataset)
        b = self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def _start_epoch(self) -> None:
        p = self._p()
        if self.samples is not None:
            check(C.sampler_draw(p, self.samples))
        elif self.shuffle:
            check(C.sampler_permute(p))
        else:
            check(C.sampler_sequential(p))

    def __iter__(self) -> Iterator:
        self._start_epoch()
        return self._batches()

    def _batches(self) -> Iterator:
        b, t = self.batch_size, self.dataset.seq_len
        labelled = self.dataset.has_labels
        got = ctypes.c_size_t()
        epoch_rows = self.samples if self.samples is not None else len(self.dataset)
        # A batch larger than the whole epoch is, as PyTorch gives it, the epoch in one
        # batch, or with drop_last no batch at all (the C sampler refuses the request).
        bb = b if epoch_rows >= b else (0 if self.drop_last else epoch_rows)
        if bb == 0:
            return
        while True:
            p = self._p()
            ids = np.empty((bb, t), np.int32)
            labels = np.empty(bb, np.int32) if labelled else None
            lengths = np.empty(bb, np.int32) if self.return_lengths else None
            check(C.sampler_next_batch(
                p, bb, int(self.drop_last), ids.ctypes.data, bb * t,
                None if labels is None else labels.ctypes.data, bb,
                None if lengths is None else lengths.ctypes.data, bb, ctypes.byref(got)))
            k = got.value
            if k == 0:
                return
            parts = [ids[:k]]
            if labels is not None:
                parts.append(labels[:k])
            if lengths is not None:
                parts.append(lengths[:k])
            yield parts[0] if len(parts) == 1 else tuple(parts)
            if k < bb:
                return

    @property
    def rows(self) -> np.ndarray:
        """The row numbers of the current epoch, in batch order (a copy)."""
        n = ctypes.c_size_t()
        r = C.sampler_rows(self._p(), ctypes.byref(n))
        return _copy(r, n.value, np.int64, missing=np.zeros(0, np.int64))
