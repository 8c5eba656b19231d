"""The exceptions raised for the C library's status codes.

Every failed call raises a subclass of :class:`Error` that carries the status ``code``, its
C ``name`` (``"LSTMSENT_ERR_LABEL"``), the code's general text and the library's detailed
message for this failure (``"train.tsv:1234: Sentiment 'x' is not an integer 0..4"``).
Each family also derives from the built-in exception a Python user expects, so
``except ValueError`` or ``except OSError`` catch them too:

=====================  ===================  =============================================
exception              also a               status codes
=====================  ===================  =============================================
NoMemoryError          MemoryError          NOMEM
ArgumentError          ValueError           NULL, INVALID
FileError              OSError              IO
DataError              ValueError           EMPTY, HEADER, FIELDS, LABEL, UTF8
UnknownWordError       KeyError             UNKNOWN_WORD
VocabularyError        ValueError           VOCAB, DIGEST
ShapeError             ValueError           SHAPE, BUFFER
TokenError             IndexError           TOKEN
StateError             RuntimeError         STATE
NoParameterError       KeyError             NO_PARAM
NonFiniteError         ValueError           NONFINITE
MismatchError          ValueError           MISMATCH
ModelFileError         ValueError           FORMAT, MISSING_TENSOR, TENSOR_SHAPE,
                                            TENSOR_DTYPE, UNKNOWN_TENSOR, METADATA, VERSION
ChecksumError          ModelFileError       CHECKSUM
ClosedError            ValueError           (a handle used after close())
=====================  ===================  =============================================
"""
from __future__ import annotations

from typing import Optional

__all__ = ["Error", "NoMemoryError", "ArgumentError", "FileError", "DataError",
           "UnknownWordError", "VocabularyError", "ShapeError", "TokenError", "StateError",
           "NoParameterError", "NonFiniteError", "MismatchError", "ModelFileError",
           "ChecksumError", "ClosedError", "STATUS_NAMES"]

#: C name of every status code.
STATUS_NAMES: dict[int, str] = {
    0: "LSTMSENT_OK", -1: "LSTMSENT_ERR_NOMEM", -2: "LSTMSENT_ERR_NULL",
    -3: "LSTMSENT_ERR_INVALID", -4: "LSTMSENT_ERR_IO", -5: "LSTMSENT_ERR_EMPTY",
    -6: "LSTMSENT_ERR_HEADER", -7: "LSTMSENT_ERR_FIELDS", -8: "LSTMSENT_ERR_LABEL",
    -9: "LSTMSENT_ERR_UTF8", -10: "LSTMSENT_ERR_UNKNOWN_WORD", -11: "LSTMSENT_ERR_VOCAB",
    -12: "LSTMSENT_ERR_SHAPE", -13: "LSTMSENT_ERR_BUFFER", -14: "LSTMSENT_ERR_TOKEN",
    -15: "LSTMSENT_ERR_STATE", -16: "LSTMSENT_ERR_NO_PARAM", -17: "LSTMSENT_ERR_NONFINITE",
    -18: "LSTMSENT_ERR_MISMATCH", -19: "LSTMSENT_ERR_FORMAT",
    -20: "LSTMSENT_ERR_MISSING_TENSOR", -21: "LSTMSENT_ERR_TENSOR_SHAPE",
    -22: "LSTMSENT_ERR_TENSOR_DTYPE", -23: "LSTMSENT_ERR_UNKNOWN_TENSOR",
    -24: "LSTMSENT_ERR_METADATA", -25: "LSTMSENT_ERR_VERSION", -26: "LSTMSENT_ERR_DIGEST",
    -27: "LSTMSENT_ERR_CHECKSUM",
}


class Error(Exception):
    """A call into liblstmsent failed.

    Attributes:
        code: the ``lstmsent_status`` value (negative).
        name: its C name, such as ``"LSTMSENT_ERR_LABEL"``.
        reason: the code's general text (``lstmsent_strerror``).
        message: the detailed message of this failure (``lstmsent_last_error``), or the
            reason when the library gave none.
    """

    def __init__(self, message: str, code: int = -3, reason: Optional[str] = None):
        super().__init__(message)
        self.code = code
        self.name = STATUS_NAMES.get(code, f"status {code}")
        self.reason = reason or ""
        self.message = message

    def __str__(self) -> str:   # KeyError would quote the message
        if self.reason and self.reason != self.message:
            return f"{self.message} ({self.reason})"
        return self.message

    def __reduce__(self):
        return (type(self), (self.message, self.code, self.reason))


class NoMemoryError(Error, MemoryError):
    """The library ran out of memory."""


class ArgumentError(Error, ValueError):
    """An argument or option is out of its range (or a required one is missing)."""


class FileError(Error, OSError):
    """A file is missing, unreadable, unwritable or not a regular file."""


class DataError(Error, ValueError):
    """Input text or a TSV file is malformed: empty, a bad header, a row with the wrong
    number of fields, a bad label, invalid UTF-8."""


class UnknownWordError(Error, KeyError):
    """A word is not in the vocabulary (the ``"error"`` unknown-word policy)."""


class VocabularyError(Error, ValueError):
    """A vocabulary is malformed (empty or duplicate words) or does not match its digest."""


class ShapeError(Error, ValueError):
    """Sizes that must agree do not, or a buffer has the wrong size."""


class TokenError(Error, IndexError):
    """A token id is negative or outside the model's embedding."""


class StateError(Error, RuntimeError):
    """Calls out of order, such as backward before a training-mode forward and loss."""


class NoParameterError(Error, KeyError):
    """The model has no parameter of that name."""


class NonFiniteError(Error, ValueError):
    """A NaN or infinity where finite numbers are required."""


class MismatchError(Error, ValueError):
    """Objects that do not belong together (an optimizer and another model, a vocabulary
    and a model of another embedding size, a checkpoint and other options)."""


class ModelFileError(Error, ValueError):
    """A model file is malformed, lacks a tensor, has a tensor of the wrong shape or dtype,
    an unknown tensor, bad metadata, or another format version."""


class ChecksumError(ModelFileError):
    """A model file's checksum does not match its contents: the file is damaged."""


class ClosedError(Error, ValueError):
    """A handle was used after ``close()``."""


_FAMILY: dict[int, type] = {
    -1: NoMemoryError, -2: ArgumentError, -3: ArgumentError, -4: FileError,
    -5: DataError, -6: DataError, -7: DataError, -8: DataError, -9: DataError,
    -10: UnknownWordError, -11: VocabularyError, -12: ShapeError, -13: ShapeError,
    -14: TokenError, -15: StateError, -16: NoParameterError, -17: NonFiniteError,
    -18: MismatchError, -19: ModelFileError, -20: ModelFileError, -21: ModelFileError,
    -22: ModelFileError, -23: ModelFileError, -24: ModelFileError, -25: ModelFileError,
    -26: VocabularyError, -27: ChecksumError,
}


def exception_for(code: int, message: str, reason: str) -> Error:
    """The exception for a status code (the base :class:`Error` for an unknown one)."""
    cls = _FAMILY.get(code, Error)
    return cls(message or reason, code, reason)
