"""The tutorial's SentimentRNN, its criterion, clip_grad_norm_ and Adam, over
liblstmsent's model and optimizer.

The C model keeps what PyTorch's autograd would: the last forward's activations. So the
calls mirror the tutorial's loop, ``output, h = net(inputs, h)``, ``loss = criterion(output,
labels)``, ``loss.backward()``, ``clip_grad_norm_(net.parameters(), 5)``, ``optimizer.step()``,
with one rule PyTorch does not have: a loss is computed from the model's latest forward
(:class:`~lstmsent.StateError` otherwise).
"""
from __future__ import annotations

import ctypes
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional, Tuple, Union

import numpy as np

from ._core import (Handle, as_floats, as_ids, check, enum_arg, enum_name, path_arg)
from ._lib import C, AdamOptions, EvalResult as _CEvalResult, LoadOptions, ModelOptions
from .data import Corpus, DataLoader, PhraseDataset
from .errors import ArgumentError, NoParameterError, ShapeError, StateError

__all__ = ["SentimentRNN", "Hidden", "Loss", "criterion", "clip_grad_norm_", "Adam",
           "EvalResult", "save_checkpoint", "load_checkpoint", "HEADS", "POOLINGS"]

#: Output heads: the tutorial's sigmoid before a softmax loss, or plain logits.
HEADS = {"sigmoid": 0, "logits": 1}
#: Which step's output is classified: the last time step (the tutorial) or each row's last
#: real token (PyTorch's pack_padded_sequence; forward then needs lengths).
POOLINGS = {"last_step": 0, "last_token": 1}


# ----------------------------------------------------------------------------------------
# Hidden state
# ----------------------------------------------------------------------------------------

class _HiddenHandle(Handle):
    """A C state; freed when the last view of its memory is gone (never closed by hand)."""
    _kind = "hidden"
    _free_fn = C.hidden_free
    c_addr: int     # where its c starts, to recognise (h, c) handed back as plain arrays


# The states this package made, by the address of their h: a state handed back as plain
# arrays (the tutorial's tuple(each.data for each in h)) is recognised and used in place.
_states: "weakref.WeakValueDictionary[int, _HiddenHandle]" = weakref.WeakValueDictionary()


def _view(p: Any, handle: _HiddenHandle, shape: tuple) -> np.ndarray:
    n = shape[0] * shape[1] * shape[2]
    buf = (ctypes.c_float * n).from_address(ctypes.cast(p, ctypes.c_void_p).value)
    buf._owner = handle            # the memory lives as long as any view of it
    return np.frombuffer(buf, dtype=np.float32).reshape(shape)


class Hidden(tuple):
    """An LSTM state ``(h, c)``, each a float32 array (num_layers, batch, hidden_dim) that
    is a view of the C state (writable; no copy). What ``init_hidden`` and ``forward``
    return; ``forward`` takes it back, or any pair of arrays of that shape."""

    _handle: _HiddenHandle

    @classmethod
    def _create(cls, layers: int, batch: int, dim: int) -> "Hidden":
        out = ctypes.c_void_p()
        check(C.hidden_create(ctypes.byref(out), layers, batch, dim))
        handle = _HiddenHandle()
        handle._adopt(out.value)
        shape = (layers, batch, dim)
        h, c = _view(C.hidden_h(out.value), handle, shape), _view(C.hidden_c(out.value),
                                                                 handle, shape)
        handle.c_addr = c.ctypes.data
        self = super().__new__(cls, (h, c))
        self._handle = handle
        _states[h.ctypes.data] = handle
        return self

    @property
    def shape(self) -> tuple:
        """(num_layers, batch, hidden_dim)."""
        return self[0].shape


def _state_handle(hidden: Any, shape: tuple) -> Tuple[int, Any]:
    """The C state to read for ``hidden`` and what keeps it alive: its own when it is (the
    arrays of) a state this package made, else a new one holding a copy of the two."""
    if isinstance(hidden, Hidden):
        if hidden.shape != shape:
            raise ShapeError(f"hidden state of shape {hidden.shape}, the model wants {shape}",
                             -12)
        return hidden._handle._p(), hidden
    try:
        h, c = hidden
    except (TypeError, ValueError):
        raise TypeError("hidden must be (h, c), as init_hidden returns it") from None
    ha, ca = np.asarray(h), np.asarray(c)
    handle = _states.get(ha.ctypes.data) if ha.dtype == np.float32 else None
    if (handle is not None and ha.shape == shape and ca.shape == shape
            and ha.flags.c_contiguous and ca.ctypes.data == handle.c_addr):
        return handle._p(), handle
    new = Hidden._create(*shape)
    new[0][...] = as_floats(ha, "h", shape)
    new[1][...] = as_floats(ca, "c", shape)
    return new._handle._p(), new


# ----------------------------------------------------------------------------------------
# Outputs and losses
# ----------------------------------------------------------------------------------------

# id(output array) -> (weakref to it, whose callback removes the entry; weakref to the
# model whose forward made it). The model's _last_output says whether it is the latest.
_outputs: dict[int, tuple] = {}


def _forget_output(key: int) -> None:
    _outputs.pop(key, None)


class Loss(float):
    """A loss value (a float) that remembers its model, so that ``loss.backward()`` runs
    the model's backward, as the tutorial writes it. ``accuracy`` is the batch's accuracy
    (argmax == label)."""

    accuracy: float

    def __new__(cls, value: float, net: "SentimentRNN", accuracy: float):
        self = super().__new__(cls, value)
        self._net = weakref.ref(net)
        self.accuracy = accuracy
        return self

    def backward(self) -> None:
        """The model's backward for this loss (gradients added to its buffers)."""
        net = self._net()
        if net is None:
            raise StateError("the model of this loss no longer exists", -15)
        net.backward()

    def item(self) -> float:
        """The loss as a plain float (as a 0-d tensor's item())."""
        return float(self)


def _labels_arg(labels: Any, batch: int, classes: int) -> np.ndarray:
    a = np.asarray(labels.detach().cpu().numpy() if hasattr(labels, "detach") else labels)
    if a.ndim == 2:               # one-hot, as the tutorial passes F.one_hot(labels, 5)
        if a.shape != (batch, classes):
            raise ShapeError(f"one-hot labels of shape {a.shape} for outputs "
                             f"({batch}, {classes})", -12)
        if not (((a == 0) | (a == 1)).all() and (a.sum(axis=1) == 1).all()):
            raise ArgumentError("2-D labels must be one-hot: one 1 per row, 0 elsewhere", -8)
        return a.argmax(axis=1).astype(np.int32)
    lab = as_ids(a, "labels", 1)
    if len(lab) != batch:
        raise ShapeError(f"{len(lab)} labels for a batch of {batch}", -12)
    return lab


def criterion(output: np.ndarray, labels: Any) -> Loss:
    """The loss of a model's latest outputs: for the tutorial's sigmoid head its criterion
    ``-(onehot * log(softmax(out) + 1e-10)).sum(1).mean()``, for the logits head ordinary
    softmax cross-entropy.

    Args:
        output: what the model's latest forward returned.
        labels: (B) class numbers, or (B, O) one-hot rows.

    Raises:
        StateError: output is not the latest forward's output of a live model.
    """
    entry = _outputs.get(id(output))
    net = entry[1]() if entry is not None else None
    if net is None or net._last_output is None or net._last_output() is not output:
        raise StateError("criterion needs the output array of a SentimentRNN's latest "
                         "forward (the loss is computed from the model's last forward)", -15)
    return net.loss(labels)


# ----------------------------------------------------------------------------------------
# The model
# ----------------------------------------------------------------------------------------

class Parameters:
    """What ``net.parameters()`` returns: the model itself, for ``Adam`` and
    ``clip_grad_norm_``, iterable as copies of its parameter arrays."""

    def __init__(self, net: "SentimentRNN"):
        self.net = net

    def __iter__(self) -> Iterator[np.ndarray]:
        for _, v in self.net.named_parameters():
            yield v

    def __len__(self) -> int:
        return len(self.net._names)


def _short(x: float) -> float:
    """A float32 option as the Python float it was given as (0.3, not 0.30000001...)."""
    return float(str(np.float32(x)))


def _model_of(params: Any, what: str) -> "SentimentRNN":
    if isinstance(params, SentimentRNN):
        return params
    if isinstance(params, Parameters):
        return params.net
    raise TypeError(f"{what} takes a SentimentRNN or net.parameters()")


class SentimentRNN(Handle):
    """The tutorial's ``SentimentRNN(vocab_size, output_size, embedding_dim, hidden_dim,
    n_layers)``: embedding, n_layers-layer LSTM with dropout between layers, dropout, linear
    and (by default) sigmoid, classifying the output of the last time step.

    Args:
        vocab_size: the embedding's rows, as the tutorial passes it to ``nn.Embedding``:
            give ``corpus.vocab_size + 1`` (row 0 is padding; the tutorial's
            ``len(vocab_to_int)`` is one short), + 2 with the ``"id"`` unknown-word policy.
        output_size, embedding_dim, hidden_dim, n_layers: the tutorial's 5, 400, 256, 2.
        seed: initialisation (PyTorch's distributions) and dropout masks.
        lstm_dropout: between LSTM layers (0.5); dropout: before the linear layer (0.3).
        head: ``"sigmoid"`` (the tutorial) or ``"logits"``.
        pooling: ``"last_step"`` (the tutorial) or ``"last_token"`` (each row's last real
            token, as ``pack_padded_sequence``; forward then needs lengths).
        padding_idx: an embedding row that stays zero and gets no gradient, or None.
        seq_len: the length text is padded to when the model classifies or is evaluated.

    A new model is in training mode, as a new ``nn.Module`` is. One thread at a time may
    use a model; ``lstmsent.set_threads`` sets how many threads its calls use.
    """

    _kind = "model"
    _free_fn = C.model_free

    def __init__(self, vocab_size: int, output_size: int = 5, embedding_dim: int = 400,
                 hidden_dim: int = 256, n_layers: int = 2, *, seed: int = 0,
                 lstm_dropout: float = 0.5, dropout: float = 0.3, head: str = "sigmoid",
                 pooling: str = "last_step", padding_idx: Optional[int] = None,
                 seq_len: int = 30):
        super().__init__()
        o = ModelOptions()
        for name, v in (("vocab_size", vocab_size), ("output_size", output_size),
                        ("embedding_dim", embedding_dim), ("hidden_dim", hidden_dim),
                        ("n_layers", n_layers), ("seed", seed), ("seq_len", seq_len)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                raise TypeError(f"{name} must be an integer, not {type(v).__name__}")
        if not 0 <= seed < 2**64:
            raise ArgumentError("seed must be in 0..2**64-1", -3)
        for name, v, lo, hi in (("vocab_size", vocab_size, 1, 2**63 - 1),
                                ("output_size", output_size, 1, 2**31 - 1),
                                ("embedding_dim", embedding_dim, 1, 2**31 - 1),
                                ("hidden_dim", hidden_dim, 1, 2**31 - 1),
                                ("n_layers", n_layers, 1, 2**31 - 1),
                                ("seq_len", seq_len, 1, 2**31 - 1)):
            if not lo <= v <= hi:
                raise ArgumentError(f"{name} must be >= {lo}, not {v}", -3)
        C.model_options_default(ctypes.byref(o), 0)
        o.num_embeddings, o.output_size = int(vocab_size), int(output_size)
        o.embed_dim, o.hidden_dim, o.num_layers = int(embedding_dim), int(hidden_dim), int(n_layers)
        o.lstm_dropout, o.output_dropout = float(lstm_dropout), float(dropout)
        o.head = enum_arg(head, HEADS, "head")
        o.pooling = enum_arg(pooling, POOLINGS, "pooling")
        if padding_idx is not None and (not isinstance(padding_idx, (int, np.integer))
                                        or padding_idx < 0):
            raise ArgumentError(f"padding_idx must be a row number or None, not "
                                f"{padding_idx!r}", -3)
        o.padding_idx = -1 if padding_idx is None else int(padding_idx)
        o.seed, o.seq_len = int(seed), int(seq_len)
        out = ctypes.c_void_p()
        check(C.model_create(ctypes.byref(out), ctypes.byref(o)))
        self._setup(out.value)

    def _setup(self, ptr: int, owned: bool = True, parent: Optional[Handle] = None) -> None:
        if parent is None:
            self._adopt(ptr, owned=owned)
        else:
            self._adopt(ptr, parent, owned=False)
        o = ModelOptions()
        check(C.model_get_options(ptr, ctypes.byref(o)))
        self._o = o
        self.vocab: Optional[Corpus] = None
        self._last_output: Optional[weakref.ref] = None
        self._last_batch = 0
        name, ndim = ctypes.c_char_p(), ctypes.c_int32()
        shape, numel = (ctypes.c_int64 * 2)(), ctypes.c_size_t()
        self._names: list[str] = []
        self._shapes: dict[str, tuple] = {}
        for i in range(C.model_param_count(ptr)):
            check(C.model_param_info(ptr, i, ctypes.byref(name), ctypes.byref(ndim), shape,
                                     ctypes.byref(numel)))
            n = name.value.decode()
            self._names.append(n)
            self._shapes[n] = (shape[0],) if ndim.value == 1 else (shape[0], shape[1])

    @classmethod
    def _wrap(cls, ptr: int, owned: bool = True,
              parent: Optional[Handle] = None) -> "SentimentRNN":
        self = cls.__new__(cls)
        Handle.__init__(self)
        self._setup(ptr, owned, parent)
        return self

    # -- sizes and options ---------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        """The embedding's rows (num_embeddings)."""
        return self._o.num_embeddings

    @property
    def output_size(self) -> int:
        """O, the number of classes."""
        return self._o.output_size

    @property
    def embedding_dim(self) -> int:
        """E, the embedding width."""
        return self._o.embed_dim

    @property
    def hidden_dim(self) -> int:
        """H, each LSTM layer's width."""
        return self._o.hidden_dim

    @property
    def n_layers(self) -> int:
        """The number of LSTM layers."""
        return self._o.num_layers

    @property
    def seq_len(self) -> int:
        """T, the length text is padded to for classification and evaluation."""
        return self._o.seq_len

    @property
    def options(self) -> dict:
        """Every option, as the constructor takes them."""
        o = self._o
        return {"vocab_size": o.num_embeddings, "output_size": o.output_size,
                "embedding_dim": o.embed_dim, "hidden_dim": o.hidden_dim,
                "n_layers": o.num_layers, "seed": o.seed,
                "lstm_dropout": _short(o.lstm_dropout),
                "dropout": _short(o.output_dropout),
                "head": enum_name(o.head, HEADS), "pooling": enum_name(o.pooling, POOLINGS),
                "padding_idx": None if o.padding_idx < 0 else o.padding_idx,
                "seq_len": o.seq_len}

    def __repr__(self) -> str:
        """PyTorch's print(net)."""
        if self.closed:
            return "SentimentRNN(closed)"
        o = self.options
        emb = f"Embedding({o['vocab_size']}, {o['embedding_dim']}"
        emb += f", padding_idx={o['padding_idx']})" if o["padding_idx"] is not None else ")"
        lstm = f"LSTM({o['embedding_dim']}, {o['hidden_dim']}"
        if o["n_layers"] != 1:
            lstm += f", num_layers={o['n_layers']}"
        lstm += ", batch_first=True"
        if o["lstm_dropout"] != 0:
            lstm += f", dropout={o['lstm_dropout']}"
        lines = ["SentimentRNN(", f"  (embedding): {emb}", f"  (lstm): {lstm})",
                 f"  (dropout): Dropout(p={o['dropout']}, inplace=False)",
                 f"  (fc): Linear(in_features={o['hidden_dim']}, "
                 f"out_features={o['output_size']}, bias=True)"]
        if o["head"] == "sigmoid":
            lines.append("  (act): Sigmoid()")
        return "\n".join(lines + [")"])

    # -- modes ---------------------------------------------------------------------------
    def train(self, mode: bool = True) -> "SentimentRNN":
        """Training mode (dropout on) or, with mode=False, evaluation mode. Returns self."""
        check(C.model_set_training(self._p(), int(bool(mode))))
        return self

    def eval(self) -> "SentimentRNN":
        """Evaluation mode: dropout off, no backward. Returns self."""
        return self.train(False)

    @property
    def training(self) -> bool:
        """True in training mode (dropout on)."""
        return bool(C.model_is_training(self._p()))

    # -- the step --------------------------------------------------------------------------
    def init_hidden(self, batch_size: int) -> Hidden:
        """The tutorial's init_hidden: a zero state (h, c), each (n_layers, batch, H)."""
        if not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size < 2**31:
            raise ArgumentError(f"batch_size must be an integer >= 1, not {batch_size!r}", -3)
        return Hidden._create(self._o.num_layers, int(batch_size), self._o.hidden_dim)

    def forward(self, x: Any, hidden: Any = None,
                lengths: Any = None) -> Tuple[np.ndarray, Hidden]:
        """``output, hidden = net(x, hidden)``.

        Args:
            x: (B, T) token ids (int32 is used in place; other integer arrays are converted).
            hidden: the incoming state, (h, c) as init_hidden or a forward returned it (used
                in place), any pair of (n_layers, B, H) arrays (copied), or None for zeros.
                It is a constant to backward (the tutorial's ``each.data``).
            lengths: (B) real tokens per row; needed with last-token pooling.

        Returns:
            output (B, output_size) float32, and the new state (a new Hidden; the incoming
            one is unchanged).
        """
        p = self._p()
        ids = as_ids(x, "x", 2)
        b, t = ids.shape
        if b < 1 or t < 1 or b >= 2**31 or t >= 2**31:
            raise ShapeError(f"x has shape {ids.shape}: both sizes must be >= 1", -12)
        shape = (self._o.num_layers, b, self._o.hidden_dim)
        keep = None
        h_in = None
        if hidden is not None:
            h_in, keep = _state_handle(hidden, shape)
        lens = None
        if lengths is not None:
            lens = as_ids(lengths, "lengths", 1)
            if len(lens) != b:
                raise ShapeError(f"{len(lens)} lengths for a batch of {b}", -12)
        elif self._o.pooling == POOLINGS["last_token"]:
            raise ArgumentError("this model pools at each row's last token: forward needs "
                                "lengths", -3)
        out = np.empty((b, self._o.output_size), np.float32)
        h_out = Hidden._create(*shape)
        check(C.model_forward(p, ids.ctypes.data, b, t,
                              None if lens is None else lens.ctypes.data, h_in,
                              out.ctypes.data, out.size, h_out._handle._p()))
        del keep
        key = id(out)
        # The entry's own weakref to out removes the entry when out goes.
        _outputs[key] = (weakref.ref(out, lambda _r, k=key: _forget_output(k)),
                         weakref.ref(self))
        self._last_output = weakref.ref(out)
        self._last_batch = b
        return out, h_out

    __call__ = forward

    def loss(self, labels: Any) -> Loss:
        """The loss of the latest forward's outputs against labels ((B) classes or (B, O)
        one-hot): the tutorial's criterion for the sigmoid head, cross-entropy for logits.
        The batch accuracy is ``loss.accuracy``."""
        p = self._p()
        lab = _labels_arg(labels, self._last_batch, self._o.output_size)
        loss, acc = ctypes.c_float(), ctypes.c_float()
        check(C.model_loss(p, lab.ctypes.data, len(lab), ctypes.byref(loss), ctypes.byref(acc)))
        return Loss(loss.value, self, acc.value)

    def backward(self) -> None:
        """Gradients of the latest loss, ADDED to the gradient buffers (as PyTorch)."""
        check(C.model_backward(self._p()))

    def zero_grad(self) -> None:
        """Zero every parameter's gradient."""
        check(C.model_zero_grad(self._p()))

    # -- parameters ----------------------------------------------------------------------
    def parameters(self) -> Parameters:
        """For ``Adam(net.parameters())`` and ``clip_grad_norm_(net.parameters(), 5)``."""
        self._p()
        return Parameters(self)

    def _get(self, fn: Any, name: str) -> np.ndarray:
        a = np.empty(self._shapes[name], np.float32)
        check(fn(self._p(), name.encode(), a.ctypes.data, a.size))
        return a

    def named_parameters(self) -> Iterator[Tuple[str, np.ndarray]]:
        """(name, a copy of the parameter), in PyTorch's state_dict order and names."""
        for n in self._names:
            yield n, self._get(C.model_get_param, n)

    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Every parameter, copied, by PyTorch's name: ``embedding.weight`` (V, E),
        ``lstm.weight_ih_l{k}`` (4H, in), ``lstm.weight_hh_l{k}`` (4H, H),
        ``lstm.bias_ih_l{k}``, ``lstm.bias_hh_l{k}`` (4H), ``fc.weight`` (O, H),
        ``fc.bias`` (O). ``torch.nn.Module.load_state_dict`` takes it after
        ``{k: torch.from_numpy(v) for k, v in d.items()}``."""
        return OrderedDict(self.named_parameters())

    def grads(self) -> "OrderedDict[str, np.ndarray]":
        """Every parameter's gradient, copied, by the same names."""
        return OrderedDict((n, self._get(C.model_get_grad, n)) for n in self._names)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> None:
        """Set parameters from a dict of arrays (numpy arrays or torch tensors) by PyTorch's
        names. Everything is checked before anything is set: with ``strict`` a missing or
        unexpected name raises NoParameterError (a KeyError), a wrong shape ShapeError."""
        p = self._p()
        names = set(self._names)
        missing = [n for n in self._names if n not in state_dict]
        unexpected = [k for k in state_dict if k not in names]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append("missing key(s) in state_dict: " + ", ".join(missing))
            if unexpected:
                parts.append("unexpected key(s) in state_dict: " + ", ".join(map(str, unexpected)))
            raise NoParameterError("; ".join(parts), -16)
        arrays = {n: as_floats(state_dict[n], n, self._shapes[n])
                  for n in self._names if n in state_dict}
        for n, a in arrays.items():
            check(C.model_set_param(p, n.encode(), a.ctypes.data, a.size))

    # -- files ---------------------------------------------------------------------------
    def save(self, path: Any, corpus: Optional[Corpus] = None) -> None:
        """Save as a safetensors file (PyTorch's names, the options, and the vocabulary of
        ``corpus`` when given, so that :class:`Classifier` can load it). Atomic: a failed
        save leaves the previous file as it was."""
        check(C.model_save(self._p(), None if corpus is None else corpus._p(), path_arg(path)))

    @classmethod
    def load(cls, path: Any, allow_unknown_tensors: bool = False,
             reject_nonfinite: bool = False) -> "SentimentRNN":
        """A model (training mode) from a file of :meth:`save`, a checkpoint, or a PyTorch
        export; ``net.vocab`` is the file's vocabulary (a Corpus) or None.

        Raises:
            FileError, ModelFileError, ChecksumError (a damaged file), VocabularyError.
        """
        lo = LoadOptions(int(bool(allow_unknown_tensors)), int(bool(reject_nonfinite)))
        out, voc = ctypes.c_void_p(), ctypes.c_void_p()
        check(C.model_load(ctypes.byref(out), ctypes.byref(voc), path_arg(path),
                           ctypes.byref(lo)))
        net = cls._wrap(out.value)
        if voc.value:
            net.vocab = Corpus._wrap(voc.value)
        return net

    def evaluate(self, dataset: PhraseDataset, batch_size: int = 0) -> "EvalResult":
        """Loss, phrase and sentence accuracy, per-class scores and confusion matrices over
        every row of a labelled dataset (whose T must be the model's seq_len), in
        evaluation mode; the model's mode is restored."""
        if not isinstance(dataset, PhraseDataset):
            raise TypeError("evaluate needs a PhraseDataset")
        r = _CEvalResult()
        check(C.model_evaluate(self._p(), dataset._p(), int(batch_size), ctypes.byref(r)))
        return EvalResult._from_c(r)


def clip_grad_norm_(parameters: Union[SentimentRNN, Parameters], max_norm: float,
                    error_if_nonfinite: bool = False) -> float:
    """PyTorch's ``clip_grad_norm_``: one L2 norm over all gradients; if above max_norm
    every gradient is scaled by ``max_norm / (norm + 1e-6)``. Returns the norm before
    clipping. With error_if_nonfinite a NaN or infinite norm raises NonFiniteError and
    leaves the gradients as they were."""
    net = _model_of(parameters, "clip_grad_norm_")
    total = ctypes.c_float()
    check(C.model_clip_grad_norm(net._p(), float(max_norm), int(bool(error_if_nonfinite)),
                                 ctypes.byref(total)))
    return total.value


class Adam(Handle):
    """``torch.optim.Adam`` over every parameter of a model (PyTorch's formula and
    defaults: lr 0.001, betas (0.9, 0.999), eps 1e-8, no weight decay)."""

    _kind = "optim"
    _free_fn = C.optim_free

    def __init__(self, params: Union[SentimentRNN, Parameters], lr: float = 0.001,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__()
        net = _model_of(params, "Adam")
        try:
            b1, b2 = betas
        except (TypeError, ValueError):
            raise ArgumentError("betas must be a pair (beta1, beta2)", -3) from None
        o = AdamOptions(float(lr), float(b1), float(b2), float(eps), float(weight_decay))
        out = ctypes.c_void_p()
        check(C.optim_create_adam(ctypes.byref(out), net._p(), ctypes.byref(o)))
        self._adopt(out.value, net)
        self.net = net

    def step(self) -> None:
        """One update of every parameter from its gradient."""
        check(C.optim_step(self._p(), self.net._p()))

    def zero_grad(self) -> None:
        """Zero the model's gradients."""
        check(C.optim_zero_grad(self._p(), self.net._p()))

    @property
    def lr(self) -> float:
        """The learning rate of the next steps; settable (decay, warm-up)."""
        return C.optim_get_lr(self._p())

    @lr.setter
    def lr(self, value: float) -> None:
        check(C.optim_set_lr(self._p(), float(value)))

    @property
    def step_count(self) -> int:
        """The number of steps taken."""
        return C.optim_step_count(self._p())


def save_checkpoint(path: Any, net: SentimentRNN, optimizer: Adam,
                    loader: Optional[DataLoader] = None, corpus: Optional[Corpus] = None,
                    epoch: int = 0, step: int = 0) -> None:
    """A training checkpoint: the model file plus Adam's state, the dropout generator, the
    loader's generator and position, and your epoch and step counters. Atomic."""
    check(C.checkpoint_save(path_arg(path), net._p(), optimizer._p(),
                            None if loader is None else loader._p(),
                            None if corpus is None else corpus._p(), int(epoch), int(step)))


def load_checkpoint(path: Any, net: SentimentRNN, optimizer: Adam,
                    loader: Optional[DataLoader] = None) -> Tuple[int, int]:
    """Restore a checkpoint into a model made with the same options, its optimizer and
    (optionally) the loader over a dataset of the same rows. All or nothing. Returns
    (epoch, step). Training continues bit for bit as the run that saved it."""
    e, s = ctypes.c_int64(), ctypes.c_int64()
    check(C.checkpoint_load(path_arg(path), net._p(), optimizer._p(),
                            None if loader is None else loader._p(), ctypes.byref(e),
                            ctypes.byref(s)))
    return e.value, s.value


@dataclass(frozen=True)
class EvalResult:
    """Scores over a labelled dataset (``lstmsent_eval_result``). Per-class arrays are
    indexed by class; confusion matrices are [label, prediction] counts."""

    phrases: int
    sentences: int
    num_classes: int
    loss: float
    accuracy: float
    sentence_accuracy: float
    macro_f1: float
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    confusion: np.ndarray
    sentence_confusion: np.ndarray

    @classmethod
    def _from_c(cls, r: _CEvalResult) -> "EvalResult":
        k = r.num_classes
        vec = lambda a, dt: np.array(a[:k], dtype=dt)
        mat = lambda m: np.array([row[:k] for row in m[:k]], dtype=np.int64)
        return cls(r.phrases, r.sentences, k, r.loss, r.accuracy, r.sentence_accuracy,
                   r.macro_f1, vec(r.precision, np.float64), vec(r.recall, np.float64),
                   vec(r.f1, np.float64), vec(r.support, np.int64), mat(r.confusion),
                   mat(r.sentence_confusion))
