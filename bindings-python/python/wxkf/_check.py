"""Argument checks of the public API (internal): a wrong type, an unpaired surrogate or a
number the native layer cannot hold becomes a ``ValidationError`` naming the argument, before
anything reaches the Rust core. The rules on values (lengths, forms, ranges) stay in the core.
"""

from __future__ import annotations

import math
import operator
from typing import Any, NoReturn, Optional

from .errors import ValidationError

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1
U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1

# Longest excerpt of a bad value quoted in an error text (the core uses the same).
_QUOTE_CHARS = 64


def fail(field: str, reason: str) -> NoReturn:
    raise ValidationError(f"invalid {field}: {reason}", field=field, reason=reason)


def quote(value: Any) -> str:
    """``repr(value)`` cut after a few dozen characters: a huge input never makes a huge error."""
    text = repr(value)
    if len(text) <= _QUOTE_CHARS:
        return text
    return f"{text[:_QUOTE_CHARS]}… ({len(text)} characters in all)"


def clip(text: str, limit: int = 200) -> str:
    """``text`` cut after ``limit`` characters, saying how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters in all)"


def _type(value: Any) -> str:
    return type(value).__name__


def text(value: Any, field: str) -> str:
    """A ``str`` that UTF-8 can carry (no unpaired surrogate such as ``"\\ud800"``)."""
    if not isinstance(value, str):
        fail(field, f"must be a str, not {_type(value)}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            code = ord(value[e.start])
            fail(field, f"holds an unpaired surrogate (U+{code:04X} at index {e.start}), which is not valid Unicode")
    return value


def opt_text(value: Any, field: str) -> Optional[str]:
    return None if value is None else text(value, field)


def integer(value: Any, field: str, lo: int = I64_MIN, hi: int = I64_MAX) -> int:
    """An integer (an ``int`` or anything with ``__index__``, not a ``bool``) in ``[lo, hi]``."""
    if isinstance(value, bool):
        fail(field, "must be an int, not bool")
    try:
        out = operator.index(value)
    except TypeError:
        fail(field, f"must be an int, not {_type(value)}")
    if not lo <= out <= hi:
        fail(field, f"must be between {lo} and {hi}")
    return out


def flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        fail(field, f"must be a bool, not {_type(value)}")
    return value


def number(value: Any, field: str) -> float:
    """A finite ``int`` or ``float`` (not a ``bool``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(field, f"must be a number, not {_type(value)}")
    try:
        out = float(value)
    except OverflowError:
        fail(field, "must be a finite number")
    if not math.isfinite(out):
        fail(field, "must be a finite number")
    return out


def data(value: Any, field: str) -> bytes:
    """``bytes``, ``bytearray`` or a ``memoryview`` (never ``bytes(n)`` of an int: n zero bytes)."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        fail(field, f"must be bytes, not {_type(value)}")
    return bytes(value)
