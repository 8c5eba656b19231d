"""What every handle class shares: the status check, closing and freeing, and the numpy
argument checks.

A handle owns one C object. ``close()`` frees it at once and is idempotent; a handle that
is garbage-collected without it is freed by a ``weakref.finalize``. A handle that another
C object reads (the dataset a sampler walks, the model and vocabulary a classifier borrows)
keeps that object alive by holding a reference to its Python handle, and closing the parent
first closes its dependents, so the C side never reads freed memory: a closed handle raises
:class:`~lstmsent.ClosedError`, it never crashes.
"""
from __future__ import annotations

import ctypes
import os
import weakref
from typing import Any, Callable, Optional

import numpy as np

from ._lib import C
from .errors import ArgumentError, ClosedError, DataError, ShapeError, exception_for

#: Number of C objects this package holds now, by kind (tests use it to find leaks).
live_handles: dict[str, int] = {}


def check(st: int) -> None:
    """Raise the exception for a failed status; return for LSTMSENT_OK."""
    if st != 0:
        raise_status(st)


def raise_status(st: int) -> None:
    message = C.last_error().decode("utf-8", "replace")
    reason = C.strerror(st).decode("utf-8", "replace")
    raise exception_for(st, message, reason)


def _free(free: Callable[[Any], None], ptr: int, kind: str) -> None:
    free(ptr)
    live_handles[kind] -= 1


class Handle:
    """Base of the classes that own a C object (not used directly)."""

    _kind = "handle"
    _free_fn: Optional[Callable[[Any], None]] = None

    def __init__(self) -> None:
        self._ptr: Optional[int] = None
        self._dependents: "weakref.WeakSet[Handle]" = weakref.WeakSet()
        self._finalizer: Optional[weakref.finalize] = None
        self._parents: tuple = ()

    def _adopt(self, ptr: int, *parents: "Handle", owned: bool = True) -> None:
        """Take ownership of a new C object (or borrow it, owned=False) that reads what
        ``parents`` own: they are kept alive while it lives and close it when closed."""
        self._ptr = ptr
        self._parents = parents
        for p in parents:
            p._dependents.add(self)
        if owned and self._free_fn is not None:
            live_handles[self._kind] = live_handles.get(self._kind, 0) + 1
            self._finalizer = weakref.finalize(self, _free, type(self)._free_fn, ptr,
                                               self._kind)

    def _p(self) -> int:
        """The C pointer, for a call; ClosedError once closed."""
        if self._ptr is None:
            raise ClosedError(f"this {type(self).__name__} is closed", -3,
                              "the handle was closed")
        return self._ptr

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called (or a handle it depends on was closed)."""
        return self._ptr is None

    def close(self) -> None:
        """Free the C object now. Idempotent; handles that depend on this one (a sampler on
        its dataset, a classifier on its model) are closed first."""
        if self._ptr is None:
            return
        for d in list(self._dependents):
            d.close()
        self._ptr = None
        self._parents = ()
        if self._finalizer is not None:
            self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ----------------------------------------------------------------------------------------
# Arguments
# ----------------------------------------------------------------------------------------

def as_ids(x: Any, name: str, ndim: int) -> np.ndarray:
    """x as a C-contiguous int32 array of ndim dimensions: the caller's own memory when it
    already is one, else a checked conversion (integers only, each within int32)."""
    a = x if isinstance(x, np.ndarray) else np.asarray(_numpy_of(x))
    if a.ndim != ndim:
        raise ShapeError(f"{name} must have {ndim} dimension(s), not shape {a.shape}", -12)
    if a.dtype == np.int32:
        return np.ascontiguousarray(a)
    if a.dtype.kind not in "iu":
        if a.size == 0 and a.dtype.kind == "f":   # np.asarray([]) is float64
            return np.zeros(a.shape, np.int32)
        raise TypeError(f"{name} must hold integers, not {a.dtype}")
    if a.size and (a.min() < np.iinfo(np.int32).min or a.max() > np.iinfo(np.int32).max):
        raise ArgumentError(f"{name} holds a value outside int32", -3)
    return np.ascontiguousarray(a, dtype=np.int32)


def as_floats(x: Any, name: str, shape: Optional[tuple] = None) -> np.ndarray:
    """x as a C-contiguous float32 array (converted from any real dtype), of that shape."""
    a = np.asarray(_numpy_of(x))
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers, not {a.dtype}")
    if shape is not None and a.shape != tuple(shape):
        raise ShapeError(f"{name} must have shape {tuple(shape)}, not {a.shape}", -12)
    return np.ascontiguousarray(a, dtype=np.float32)


def _numpy_of(x: Any) -> Any:
    """A torch tensor's numpy view (so load_state_dict takes PyTorch's state_dict)."""
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        return x.detach().cpu().numpy()
    return x


def ptr(a: Optional[np.ndarray]) -> Optional[int]:
    return None if a is None else a.ctypes.data


def text_arg(text: Any, what: str = "text") -> bytes:
    """A str (encoded as UTF-8) or bytes (passed as they are; the library checks UTF-8),
    refused when it holds a NUL, which would end it early in C."""
    if isinstance(text, str):
        try:
            b = text.encode("utf-8")
        except UnicodeEncodeError as e:
            raise DataError(f"{what} is not valid Unicode: {e.reason} at {e.start}", -9,
                            "text is not valid UTF-8") from None
    elif isinstance(text, (bytes, bytearray, memoryview)):
        b = bytes(text)
    else:
        raise TypeError(f"{what} must be str or bytes, not {type(text).__name__}")
    if b"\0" in b:
        raise DataError(f"{what} holds a NUL character", -9, "text is not valid UTF-8")
    return b


def path_arg(path: Any) -> bytes:
    """A path (str, bytes or os.PathLike) as bytes for the C library."""
    p = os.fsencode(path)
    if b"\0" in p:
        raise ArgumentError("a path holds a NUL character", -3)
    return p


def texts_array(texts: Any, what: str = "texts") -> tuple:
    """(a C array of the encoded texts, their number): what the library's text calls take."""
    encoded = [text_arg(t, f"{what}[{i}]") for i, t in enumerate(texts)]
    arr = (ctypes.c_char_p * max(len(encoded), 1))(*encoded)
    return arr, len(encoded)


def enum_arg(value: Any, names: dict, what: str) -> int:
    if isinstance(value, str):
        try:
            return names[value]
        except KeyError:
            raise ArgumentError(f"{what} must be one of {', '.join(map(repr, names))}, "
                                f"not {value!r}", -3) from None
    if isinstance(value, (int, np.integer)) and int(value) in names.values():
        return int(value)
    raise ArgumentError(f"{what} must be one of {', '.join(map(repr, names))}, not "
                        f"{value!r}", -3)


def enum_name(value: int, names: dict) -> str:
    for k, v in names.items():
        if v == value:
            return k
    return str(value)
