"""The crossing into the native module (internal): values go in and come back as JSON text
(``Core.call`` itself takes the arguments' dict and returns Python data; ``dumps`` here is
what it falls back on for a value it does not write), and a ``CoreError`` (core's error view as
JSON) is raised as its generated exception class.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict

from . import _wxkf
from ._check import fail
from .errors import WxkfError, _from_view

if TYPE_CHECKING:
    import asyncio


def loads(text: str) -> Any:
    """JSON text as Python data (``json`` loads on the first call: ``import wxkf`` stays short)."""
    import json

    return json.loads(text)


def error(e: _wxkf.CoreError) -> WxkfError:
    """The exception of a ``CoreError``."""
    return _from_view(loads(e.args[0]))


def call(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, its ``CoreError`` raised as the wxkf exception (caused by what caused it).

    Callers pass the JSON texts inline: the exception's traceback keeps the frames it passes
    through, and a frame must not keep a text of many megabytes alive."""
    try:
        return fn(*args)
    except _wxkf.CoreError as e:
        err, cause = error(e), e.__cause__
    del args
    raise err from cause


def complete(fut: asyncio.Future[Any], ok: bool, value: Any) -> None:
    """Completes ``fut`` on its loop with what a native call returned (``ok``) or raised."""
    if not fut.done():
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)


async def wait(awaitable: Awaitable[Any]) -> Any:
    """``call`` for an awaitable of the native module."""
    try:
        return await awaitable
    except _wxkf.CoreError as e:
        err, cause = error(e), e.__cause__
    raise err from cause


def _unsendable(value: Any) -> Any:
    if hasattr(type(value), "__index__"):  # an integer type (numpy's, say)
        return operator.index(value)
    # JSON has no form for it: an object, which core refuses wherever a value is expected, so
    # its error names the path of the value (`message.text.content`).
    return {"unsupported Python type": type(value).__name__}


def dumps(args: Dict[str, Any]) -> str:
    """``args`` as JSON text; an argument JSON cannot carry at all is a ``ValidationError``."""
    import json

    try:
        # json's shared encoder first (a `default` builds an encoder per call): it raises
        # TypeError on what only `_unsendable` can write: that, and any error, goes the long way.
        return json.dumps(args)
    except (TypeError, ValueError, RecursionError):
        pass
    try:
        return json.dumps(args, default=_unsendable)
    except (TypeError, ValueError, RecursionError) as e:  # a non-str key, a cycle, too deep
        for name, value in args.items():
            try:
                json.dumps(value, default=_unsendable)
            except (TypeError, ValueError, RecursionError):
                fail(name, f"cannot be sent as JSON ({type(e).__name__})")
        raise
