"""wxkf: the WeChat Official Account customer-service ("kf") API for Python.

``Client`` (blocking, thread-safe) and ``AsyncClient`` (asyncio) call every operation;
``Webhook`` (with ``check_url``, ``open_push`` and ``build_reply``) verifies and opens pushes
and builds passive replies. The protocol logic is wxkf's Rust core, shared with the Rust,
JavaScript and mobile SDKs; the value and exception classes are generated from it.

Log records go to the ``wxkf`` logger (``logging.getLogger("wxkf")``); after changing its
level at run time, call ``wxkf.reset_logging()``. Without logging configured nothing is
printed (a ``NullHandler``): a failed call raises, and is logged at DEBUG only.
"""

from __future__ import annotations

import logging as _logging
from typing import TYPE_CHECKING, Any, Dict, List

from . import _native, _wxkf, errors
from ._exports import TYPES as _TYPES
from .client import AsyncClient, AsyncRecordIterator, BudgetFallback, Client, RecordIterator, TimeLike, TokenProvider
from .errors import *  # noqa: F403

if TYPE_CHECKING:
    from . import types
    from .push import ReplayGuard, Webhook, build_reply, check_url, open_push
    from .types import *  # noqa: F403
    from .types import AccessTokenResponse as AccessToken

__version__: str = _wxkf.__version__

# A library's logger: silent unless the application configures logging (no "last resort"
# WARNING lines on stderr).
_logging.getLogger("wxkf").addHandler(_logging.NullHandler())

# The value types and the push side load on first use, so ``import wxkf`` stays fast.
_PUSH_NAMES = frozenset(["ReplayGuard", "Webhook", "build_reply", "check_url", "open_push"])

__all__ = [
    "AccessToken", "AsyncClient", "AsyncRecordIterator", "BudgetFallback", "Client", "RecordIterator", "ReplayGuard", "TimeLike",
    "TokenProvider", "Webhook", "build_reply", "check_url", "error_catalogue", "open_push", "reset_logging",
]
__all__ += errors.__all__
if TYPE_CHECKING:
    __all__ += types.__all__
else:
    __all__ += sorted(_TYPES)


def __getattr__(name: str) -> Any:
    if name in _TYPES or name == "AccessToken":
        from . import types

        value = getattr(types, "AccessTokenResponse" if name == "AccessToken" else name)
    elif name in _PUSH_NAMES:
        from . import push

        value = getattr(push, name)
    else:
        raise AttributeError(f"module 'wxkf' has no attribute {name!r}")
    # Kept as a module attribute: `wxkf.Text` is then found without a failed lookup and this
    # function (~1 µs on each message built).
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))


def error_catalogue() -> List[Dict[str, Any]]:
    """Every WeChat errcode wxkf knows: ``{errcode, name, meaning, retry, family}`` dicts."""
    catalogue: List[Dict[str, Any]] = _native.loads(_wxkf.catalogue())
    return catalogue


def reset_logging() -> None:
    """Makes wxkf see level changes of the ``wxkf`` loggers made after the first log record."""
    _wxkf.reset_logging()
