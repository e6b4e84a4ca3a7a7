"""Checks and conversions of what the public API takes (internal): a value of the wrong type,
or a str with an unpaired surrogate, in a class you build becomes a ``ValidationError`` naming
the field; ``datetime`` becomes unix seconds. The rules on values are core's.
"""

from __future__ import annotations

import datetime as _dt
import math
import operator
import sys
import warnings
from typing import TYPE_CHECKING, Any, Dict, Iterable, Mapping, NoReturn, Optional, Tuple, Type, TypeVar, Union

from .errors import ValidationError

if TYPE_CHECKING:
    from types import FrameType

    from .types import MessageLike

CHINA = _dt.timezone(_dt.timedelta(hours=8), "Asia/Shanghai")

TimeLike = Union[int, float, _dt.datetime, _dt.date]
"""Unix seconds, or a ``datetime`` (naive ones are read as China time, UTC+8: a
``UserWarning`` says so when this machine's local time is not), or a ``date`` (its midnight
in China time)."""

I64 = (-(2**63), 2**63 - 1)
U64_MAX = 2**64 - 1

_T = TypeVar("_T")


def invalid(field: str, reason: str) -> ValidationError:
    """The ``ValidationError`` core would raise for ``field``."""
    return ValidationError(f"invalid {field}: {reason}", code="VALIDATION", field=field, reason=reason)


def fail(field: str, reason: str) -> NoReturn:
    raise invalid(field, reason)


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


def integer(value: Any, field: str, lo: int = I64[0], hi: int = I64[1]) -> int:
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
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        fail(field, f"must be a finite number, not {_type(value)}")
    return float(value)


def one_of(value: Any, choices: Tuple[str, ...], field: str) -> str:
    if value not in choices or not isinstance(value, str):
        fail(field, f"must be one of {', '.join(choices)}")
    return value


def items(cls: Type[_T], values: Any, field: str) -> Tuple[_T, ...]:
    """The items of a list field (a news's articles, a menu's choices): instances or their dicts."""
    if isinstance(values, (str, bytes, bytearray, Mapping)) or not isinstance(values, Iterable):
        fail(field, f"must be a list of {cls.__name__}, not {_type(values)}")
    out = []
    for i, item in enumerate(values):
        if isinstance(item, Mapping):
            try:
                item = cls(**item)
            except TypeError as e:
                fail(f"{field}[{i}]", clip(str(e)))
        elif not isinstance(item, cls):
            fail(f"{field}[{i}]", f"must be a {cls.__name__}, not {_type(item)}")
        out.append(item)
    return tuple(out)


def tagged(d: Any, kinds: Mapping[str, Any], field: str) -> Any:
    """Reads ``{"<kind>": {payload}, "kf_account"?: …}`` with the class of its kind."""
    if not isinstance(d, Mapping):
        fail(field, f"must be a dict, not {_type(d)}")
    keys = [k for k in d if k != "kf_account"]
    if len(keys) != 1 or keys[0] not in kinds:
        fail(field, "must hold exactly one of " + ", ".join(kinds))
    kind, payload = keys[0], d[keys[0]]
    if not isinstance(payload, Mapping):
        fail(f"{field}.{kind}", f"must be a dict, not {_type(payload)}")
    try:
        return kinds[kind](**payload, kf_account=d.get("kf_account"))
    except TypeError as e:  # an unknown or a missing field
        fail(f"{field}.{kind}", clip(str(e)))


def message(value: MessageLike, kf_account: Optional[str]) -> Dict[str, Any]:
    """A message object or its dict, as core reads it; ``kf_account`` sends it as that kf."""
    if isinstance(value, _MESSAGE or _message_class()):
        d = value.to_dict()
    elif isinstance(value, Mapping):
        d = dict(value)
    else:
        fail("message", "must be a wxkf message (wxkf.Text, …) or its dict")
    if kf_account is not None:
        d["kf_account"] = text(kf_account, "kf_account")
    return d


def _message_class() -> Type[Any]:
    """``wxkf.types.Message``, imported on first use (``import wxkf`` stays short) and kept:
    an import statement per send costs more than the check."""
    global _MESSAGE
    if _MESSAGE is None:
        from .types import Message

        _MESSAGE = Message
    return _MESSAGE


_MESSAGE: Optional[Type[Any]] = None


def base64(value: Any, field: str) -> str:
    """``bytes``, ``bytearray`` or a ``memoryview`` as base64 (what core reads for bytes)."""
    import base64 as _b64

    if not isinstance(value, (bytes, bytearray, memoryview)):
        fail(field, f"must be bytes, not {_type(value)}")
    return _b64.b64encode(value).decode("ascii")


def _warn_naive(value: _dt.datetime, field: str) -> None:
    """Warns when a naive ``value`` (read as China time) is not China time on this machine:
    ``datetime.now()`` on a UTC server would otherwise move a range by 8 hours, silently."""
    try:
        local = value.astimezone()  # a naive datetime is taken as local time here
    except (OverflowError, ValueError, OSError):
        return
    if local.utcoffset() == CHINA.utcoffset(None):
        return
    # The warning points at the caller's line, not at wxkf's: stacklevel 2 is `frame`, the
    # function that called this one; step out of the package from there.
    level = 2
    frame: Optional[FrameType] = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] == "wxkf":
        level, frame = level + 1, frame.f_back
    warnings.warn(
        f"wxkf: {field} is a naive datetime, read as China time (UTC+8), but this machine's local time is "
        f"UTC{local.strftime('%z')}: pass an aware datetime (tzinfo=...) or unix seconds",
        UserWarning,
        stacklevel=level,
    )


def unix(value: Any, field: str) -> Any:
    """A ``TimeLike`` as unix seconds; other values go to core as they are (it names them)."""
    try:
        if isinstance(value, _dt.datetime):
            if value.tzinfo:
                return int(value.timestamp())
            seconds = int(value.replace(tzinfo=CHINA).timestamp())
            _warn_naive(value, field)
            return seconds
        if isinstance(value, _dt.date):
            return int(_dt.datetime(value.year, value.month, value.day, tzinfo=CHINA).timestamp())
    except (OverflowError, ValueError):
        fail(field, "is a date that unix seconds cannot hold")
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    return value
