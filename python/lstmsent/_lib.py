"""Loading liblstmsent and declaring every C function it exports.

The library is looked up, in order, at the path in ``LSTMSENT_LIBRARY``, by its soname
``liblstmsent.so.0`` through the dynamic linker's search path, at the library directory
this package was installed with (``_paths.py``, written by meson), and by
``ctypes.util.find_library``. Every function gets its argtypes and restype here, once:
nothing else in the package calls the library undeclared.

ctypes releases the GIL around every call into a ``CDLL``, so a training step runs with
other Python threads free, and the arrays passed are the caller's numpy buffers.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import (POINTER, Structure, c_char_p, c_double, c_float, c_int, c_int32,
                    c_int64, c_size_t, c_uint, c_uint64, c_void_p)

SONAME = "liblstmsent.so.0"
#: The C library's major version this package is written for, and the oldest release of it
#: that has every function declared below (LSTMSENT_VERSION_NUMBER).
ABI_MAJOR = 0
MIN_VERSION_NUMBER = 100   # 0.1.0

MAX_CLASSES = 16           # LSTMSENT_MAX_CLASSES


def _candidates() -> list[str]:
    env = os.environ.get("LSTMSENT_LIBRARY")
    if env:
        return [env]         # an explicit choice is the only one tried
    out = [SONAME]
    try:
        from . import _paths  # written at install time
        out.append(os.path.join(_paths.LIBDIR, SONAME))
    except ImportError:
        pass
    found = ctypes.util.find_library("lstmsent")
    if found:
        out.append(found)
    return out


def _load() -> ctypes.CDLL:
    errors = []
    for name in _candidates():
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            errors.append(f"  {name}: {e}")
    hint = ("set LSTMSENT_LIBRARY to the path of liblstmsent.so.0, or install the library "
            "(Debian: liblstmsent0)")
    raise ImportError("lstmsent: cannot load the C library liblstmsent:\n"
                      + "\n".join(errors) + "\n" + hint)


lib = _load()
#: The path or name the library was loaded from.
LIBRARY_PATH: str = getattr(lib, "_name", SONAME)


# ----------------------------------------------------------------------------------------
# Structures, laid out as in <lstmsent/lstmsent.h>
# ----------------------------------------------------------------------------------------

class CorpusOptions(Structure):
    _fields_ = [("vocabulary", c_void_p), ("unknown", c_int), ("min_count", c_int64)]


class DatasetOptions(Structure):
    _fields_ = [("seq_len", c_int32), ("padding", c_int), ("truncation", c_int)]


class ModelOptions(Structure):
    _fields_ = [("num_embeddings", c_int64), ("embed_dim", c_int32), ("hidden_dim", c_int32),
                ("num_layers", c_int32), ("output_size", c_int32),
                ("lstm_dropout", c_float), ("output_dropout", c_float),
                ("head", c_int), ("pooling", c_int), ("padding_idx", c_int64),
                ("seed", c_uint64), ("seq_len", c_int32)]


class AdamOptions(Structure):
    _fields_ = [("lr", c_double), ("beta1", c_double), ("beta2", c_double),
                ("eps", c_double), ("weight_decay", c_double)]


class LoadOptions(Structure):
    _fields_ = [("allow_unknown_tensors", c_int), ("reject_nonfinite", c_int)]


_K = MAX_CLASSES


class EvalResult(Structure):
    _fields_ = [("phrases", c_int64), ("sentences", c_int64), ("num_classes", c_int32),
                ("loss", c_double), ("accuracy", c_double), ("sentence_accuracy", c_double),
                ("macro_f1", c_double),
                ("precision", c_double * _K), ("recall", c_double * _K),
                ("f1", c_double * _K), ("support", c_int64 * _K),
                ("confusion", (c_int64 * _K) * _K),
                ("sentence_confusion", (c_int64 * _K) * _K)]


# ----------------------------------------------------------------------------------------
# Prototypes: name -> (restype, argtypes). Handles are opaque pointers (c_void_p); arrays
# are passed as c_void_p from numpy's .ctypes.data after their dtype, shape and contiguity
# have been checked by the caller.
# ----------------------------------------------------------------------------------------

P = c_void_p          # a handle, or an array's address
PP = POINTER(c_void_p)
status = c_int
SZ = c_size_t
SZP = POINTER(c_size_t)

_PROTOTYPES: dict[str, tuple] = {
    "lstmsent_version_number": (c_uint, []),
    "lstmsent_version_string": (c_char_p, []),
    "lstmsent_strerror": (c_char_p, [c_int]),
    "lstmsent_last_error": (c_char_p, []),
    "lstmsent_set_threads": (status, [c_int]),
    "lstmsent_get_threads": (c_int, []),
    # corpus
    "lstmsent_corpus_options_default": (None, [POINTER(CorpusOptions)]),
    "lstmsent_corpus_load_tsv": (status, [PP, c_char_p, POINTER(CorpusOptions)]),
    "lstmsent_corpus_create": (status, [PP, POINTER(c_char_p), P, SZ, POINTER(CorpusOptions)]),
    "lstmsent_corpus_free": (None, [P]),
    "lstmsent_corpus_vocab_size": (SZ, [P]),
    "lstmsent_corpus_unknown_id": (c_int32, [P]),
    "lstmsent_corpus_phrase_count": (SZ, [P]),
    "lstmsent_corpus_has_labels": (c_int, [P]),
    "lstmsent_corpus_unknown_policy": (c_int, [P]),
    "lstmsent_corpus_word_id": (status, [P, c_char_p, POINTER(c_int32)]),
    "lstmsent_corpus_word": (status, [P, c_int32, POINTER(c_char_p)]),
    "lstmsent_corpus_word_count": (status, [P, c_int32, POINTER(c_int64)]),
    "lstmsent_corpus_phrase_ids": (status, [P, SZ, POINTER(POINTER(c_int32)), SZP]),
    "lstmsent_corpus_labels": (POINTER(c_int32), [P]),
    "lstmsent_corpus_sentence_ids": (POINTER(c_int64), [P]),
    "lstmsent_corpus_phrase_ids_column": (POINTER(c_int64), [P]),
    "lstmsent_corpus_encode": (status, [P, c_char_p, c_int, P, SZ, SZP]),
    "lstmsent_corpus_save_vocab": (status, [P, c_char_p]),
    "lstmsent_corpus_load_vocab": (status, [PP, c_char_p]),
    # dataset
    "lstmsent_dataset_options_default": (None, [POINTER(DatasetOptions)]),
    "lstmsent_dataset_create": (status, [PP, P, POINTER(DatasetOptions)]),
    "lstmsent_dataset_free": (None, [P]),
    "lstmsent_dataset_rows": (SZ, [P]),
    "lstmsent_dataset_seq_len": (c_int32, [P]),
    "lstmsent_dataset_ids": (POINTER(c_int32), [P]),
    "lstmsent_dataset_lengths": (POINTER(c_int32), [P]),
    "lstmsent_dataset_labels": (POINTER(c_int32), [P]),
    "lstmsent_dataset_sentence_ids": (POINTER(c_int64), [P]),
    "lstmsent_dataset_phrase_ids": (POINTER(c_int64), [P]),
    # sampler
    "lstmsent_sampler_create": (status, [PP, P, c_uint64]),
    "lstmsent_sampler_free": (None, [P]),
    "lstmsent_sampler_draw": (status, [P, SZ]),
    "lstmsent_sampler_permute": (status, [P]),
    "lstmsent_sampler_sequential": (status, [P]),
    "lstmsent_sampler_next_batch": (status, [P, SZ, c_int, P, SZ, P, SZ, P, SZ, SZP]),
    "lstmsent_sampler_rows": (POINTER(c_size_t), [P, SZP]),
    # model
    "lstmsent_model_options_default": (None, [POINTER(ModelOptions), SZ]),
    "lstmsent_model_create": (status, [PP, POINTER(ModelOptions)]),
    "lstmsent_model_free": (None, [P]),
    "lstmsent_model_get_options": (status, [P, POINTER(ModelOptions)]),
    "lstmsent_model_set_training": (status, [P, c_int]),
    "lstmsent_model_is_training": (c_int, [P]),
    "lstmsent_hidden_create": (status, [PP, c_int32, c_int32, c_int32]),
    "lstmsent_hidden_free": (None, [P]),
    "lstmsent_hidden_zero": (status, [P]),
    "lstmsent_hidden_num_layers": (c_int32, [P]),
    "lstmsent_hidden_batch": (c_int32, [P]),
    "lstmsent_hidden_dim": (c_int32, [P]),
    "lstmsent_hidden_h": (POINTER(c_float), [P]),
    "lstmsent_hidden_c": (POINTER(c_float), [P]),
    "lstmsent_model_init_hidden": (status, [P, c_int32, PP]),
    "lstmsent_model_forward": (status, [P, P, c_int32, c_int32, P, P, P, SZ, P]),
    "lstmsent_model_loss": (status, [P, P, SZ, POINTER(c_float), POINTER(c_float)]),
    "lstmsent_model_backward": (status, [P]),
    "lstmsent_model_zero_grad": (status, [P]),
    "lstmsent_model_clip_grad_norm": (status, [P, c_float, c_int, POINTER(c_float)]),
    "lstmsent_model_param_count": (SZ, [P]),
    "lstmsent_model_param_info": (status, [P, SZ, POINTER(c_char_p), POINTER(c_int32),
                                           POINTER(c_int64), SZP]),
    "lstmsent_model_num_floats": (SZ, [P]),
    "lstmsent_model_get_param": (status, [P, c_char_p, P, SZ]),
    "lstmsent_model_set_param": (status, [P, c_char_p, P, SZ]),
    "lstmsent_model_get_grad": (status, [P, c_char_p, P, SZ]),
    "lstmsent_model_set_grad": (status, [P, c_char_p, P, SZ]),
    # optimizer
    "lstmsent_adam_options_default": (None, [POINTER(AdamOptions)]),
    "lstmsent_optim_create_adam": (status, [PP, P, POINTER(AdamOptions)]),
    "lstmsent_optim_free": (None, [P]),
    "lstmsent_optim_step": (status, [P, P]),
    "lstmsent_optim_zero_grad": (status, [P, P]),
    "lstmsent_optim_step_count": (c_int64, [P]),
    "lstmsent_optim_set_lr": (status, [P, c_double]),
    "lstmsent_optim_get_lr": (c_double, [P]),
    # files
    "lstmsent_model_save": (status, [P, P, c_char_p]),
    "lstmsent_load_options_default": (None, [POINTER(LoadOptions)]),
    "lstmsent_model_load": (status, [PP, PP, c_char_p, POINTER(LoadOptions)]),
    "lstmsent_checkpoint_save": (status, [c_char_p, P, P, P, P, c_int64, c_int64]),
    "lstmsent_checkpoint_load": (status, [c_char_p, P, P, P, POINTER(c_int64),
                                          POINTER(c_int64)]),
    # evaluation and classification
    "lstmsent_model_evaluate": (status, [P, P, SZ, POINTER(EvalResult)]),
    "lstmsent_classifier_create": (status, [PP, P, P]),
    "lstmsent_classifier_load": (status, [PP, c_char_p, POINTER(LoadOptions)]),
    "lstmsent_classifier_add_model": (status, [P, P]),
    "lstmsent_classifier_load_ensemble": (status, [PP, POINTER(c_char_p), SZ,
                                                   POINTER(LoadOptions)]),
    "lstmsent_classifier_free": (None, [P]),
    "lstmsent_classifier_model": (P, [P]),
    "lstmsent_classifier_model_count": (SZ, [P]),
    "lstmsent_classifier_model_at": (P, [P, SZ]),
    "lstmsent_classifier_vocab": (P, [P]),
    "lstmsent_classifier_num_classes": (c_int32, [P]),
    "lstmsent_classifier_seq_len": (c_int32, [P]),
    "lstmsent_classifier_predict": (status, [P, POINTER(c_char_p), SZ, P, P, SZ]),
    "lstmsent_classifier_predict_dataset": (status, [P, P, SZ, P, P, SZ]),
    "lstmsent_classifier_evaluate": (status, [P, P, SZ, POINTER(EvalResult)]),
    "lstmsent_classifier_count_tokens": (status, [P, c_char_p, SZP, SZP]),
}


class _Functions:
    """The declared functions, as attributes named without the ``lstmsent_`` prefix."""


C = _Functions()


def _declare() -> None:
    missing = []
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
        setattr(C, name[len("lstmsent_"):], fn)
    if missing:
        raise ImportError(f"lstmsent: {LIBRARY_PATH} lacks {', '.join(missing)}: "
                          "it is older than this Python package needs")


def _check_version() -> None:
    try:
        fn = lib.lstmsent_version_number
    except AttributeError:
        raise ImportError(f"lstmsent: {LIBRARY_PATH} is not liblstmsent "
                          "(no lstmsent_version_number)") from None
    fn.restype, fn.argtypes = c_uint, []
    number = fn()
    major = number // 10000
    text = f"{major}.{number // 100 % 100}.{number % 100}"
    if major != ABI_MAJOR or number < MIN_VERSION_NUMBER:
        raise ImportError(
            f"lstmsent: {LIBRARY_PATH} is liblstmsent {text}, but this Python package needs "
            f"{ABI_MAJOR}.{MIN_VERSION_NUMBER // 100 % 100}.{MIN_VERSION_NUMBER % 100} or a "
            f"later {ABI_MAJOR}.x")


_check_version()
_declare()
LIBRARY_VERSION: str = C.version_string().decode()
