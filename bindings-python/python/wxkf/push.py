"""The push (callback) side: ``Webhook`` (core's: URL check, verify + decrypt + parse with
replay protection on, replies) and the functions it is made of (``check_url``, ``open_push``
with an optional ``ReplayGuard``, ``build_reply`` with an explicit nonce).

The signatures, crypto, timestamp window, replay guard and XML are wxkf's Rust core; this
module supplies the clock and the randomness and reads what web frameworks hand over. The
values (``CallbackConfig``, ``OpenedPush``, ``TextPush`` …, ``Reply``) are in ``wxkf.types``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Optional, Set, Tuple, Union

from . import _check as _c
from . import _native, _wxkf
from .errors import WxkfError
from .types import CallbackConfig, ImagePush, LinkPush, LocationPush, OpenedPush, Reply, ShortVideoPush, TextPush
from .types import VideoPush, VoicePush

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from .client import AsyncClient, Client

__all__ = ["ReplayGuard", "Webhook", "build_reply", "check_url", "open_push"]

Config = Union[CallbackConfig, Mapping[str, Any]]
_log = logging.getLogger("wxkf")
_USER_MESSAGES = (TextPush, ImagePush, VoicePush, VideoPush, ShortVideoPush, LocationPush, LinkPush)
TYPING_REFRESH_SECS: float = _wxkf.TYPING_REFRESH_MS / 1000
"""How often "typing…" is shown again while a handler works (core's; WeChat shows it for 15 s and refuses it again sooner)."""


def _config(config: Config) -> str:
    if isinstance(config, CallbackConfig):
        return _native.dumps(config.to_dict())
    if not isinstance(config, Mapping):
        _c.fail("config", f"must be a CallbackConfig or its dict, not {type(config).__name__}")
    return _native.dumps(dict(config))


def _query(query: Mapping[str, Any]) -> str:
    # Frameworks give lists for repeated parameters (the first counts), None for absent ones.
    if not isinstance(query, Mapping):
        _c.fail("query", f"must be a dict, not {type(query).__name__}")
    out = {}
    for k, v in query.items():
        if not isinstance(k, str):
            _c.fail("query", f"keys must be str, not {type(k).__name__}")
        _c.text(k, "query")
        if isinstance(v, (list, tuple)):
            v = v[0] if v else ""
        if isinstance(v, int) and not isinstance(v, bool):
            v = str(v)
        if v is not None:
            out[k] = _c.text(v, f"query.{_c.clip(k, 64)}")
    return _native.dumps(out)


def _now(now: Optional[int]) -> int:
    return int(time.time()) if now is None else _c.integer(now, "now")


def _body(body: Union[bytes, str]) -> bytes:
    if isinstance(body, str):
        return _c.text(body, "body").encode("utf-8")
    if not isinstance(body, (bytes, bytearray, memoryview)):
        _c.fail("body", f"must be bytes or str, not {type(body).__name__}")
    return bytes(body)


def _opened(text: str) -> OpenedPush:
    return OpenedPush._from(_native.loads(text))


def _answer(opened: Any, reply: Any) -> Tuple[str, str]:
    """The push answered and the reply, as JSON (core reads who the reply goes to)."""
    if not isinstance(opened, OpenedPush):
        _c.fail("opened", f"must be the OpenedPush that open gave, not {type(opened).__name__}")
    if not isinstance(reply, Reply):
        _c.fail("reply", f"must be a wxkf.Reply, not {type(reply).__name__}")
    return _native.dumps(opened.to_dict()), _native.dumps(reply.to_dict())


def _check_url(config: str, query: str, now: int) -> str:
    return str(_wxkf.Webhook(config, 0).check_url(query, now))


def _reply(config: str, *args: Any) -> str:
    return str(_wxkf.Webhook(config, 0).reply(*args))


class ReplayGuard:
    """Remembers accepted (nonce, timestamp) pairs so a captured push cannot be replayed:
    ``capacity`` pairs (the webhook's default when ``None``) for ``window_secs``."""

    def __init__(self, capacity: Optional[int] = None, window_secs: Optional[int] = None) -> None:
        count = [None if v is None else _c.integer(v, f, 0, _c.U64_MAX) for v, f in
                 ((capacity, "capacity"), (window_secs, "window_secs"))]
        self._guard = _wxkf.ReplayGuard(*count)

    def __len__(self) -> int:
        return len(self._guard)


def check_url(config: Config, query: Mapping[str, Any], now: Optional[int] = None) -> str:
    """Answers WeChat's URL check (GET): verifies ``signature`` and ``timestamp`` and returns
    the ``echostr`` to answer with. Raises ``CallbackError`` otherwise."""
    return str(_native.call(_check_url, _config(config), _query(query), _now(now)))


def open_push(
    config: Config, query: Mapping[str, Any], body: Union[bytes, str], now: Optional[int] = None,
    guard: Optional[ReplayGuard] = None,
) -> OpenedPush:
    """Verifies, decrypts (safe mode) and parses a push (POST). With a ``ReplayGuard``, a
    replayed (nonce, timestamp) is refused. Raises ``CallbackError`` (answer HTTP 400)."""
    if guard is not None and not isinstance(guard, ReplayGuard):
        _c.fail("guard", f"must be a wxkf.ReplayGuard or None, not {type(guard).__name__}")
    native_guard = None if guard is None else guard._guard
    return _opened(_native.call(_wxkf.open_push, _config(config), _query(query), _body(body), _now(now), native_guard))


def build_reply(
    config: Config, opened: OpenedPush, reply: Reply, now: Optional[int] = None, nonce: Optional[str] = None,
    random16: Optional[bytes] = None,
) -> str:
    """The HTTP body answering ``opened`` (encrypted and signed when the push was); the nonce
    and envelope bytes are random unless given."""
    if nonce is None and random16 is None:
        return str(_native.call(_reply, _config(config), *_answer(opened, reply), _now(now), os.urandom(24)))
    nonce = os.urandom(8).hex() if nonce is None else _c.text(nonce, "nonce")
    random16 = os.urandom(16) if random16 is None else random16
    if not isinstance(random16, (bytes, bytearray, memoryview)):
        _c.fail("random16", f"must be 16 bytes, not {type(random16).__name__}")
    answer, t = _answer(opened, reply), _now(now)
    return str(_native.call(_wxkf.build_reply, _config(config), *answer, t, nonce, bytes(random16)))


class Webhook:
    """One Official Account's push endpoint (core's ``Webhook``): ``check_url`` (GET), ``open``
    (POST, replays refused: ``replay_capacity`` pushes remembered, core's default when ``None``,
    none when 0) and ``reply``. ``now`` (unix seconds) defaults to the system clock."""

    def __init__(self, config: CallbackConfig, *, replay_capacity: Optional[int] = None) -> None:
        if not isinstance(config, CallbackConfig):
            _c.fail("config", f"must be a wxkf.CallbackConfig, not {type(config).__name__}")
        capacity = None if replay_capacity is None else _c.integer(replay_capacity, "replay_capacity", 0, _c.U64_MAX)
        self.config = config
        self._hook = _native.call(_wxkf.Webhook, _config(config), capacity)
        self._tasks: Set[asyncio.Future[None]] = set()

    def check_url(self, query: Mapping[str, Any], now: Optional[int] = None) -> str:
        """The ``echostr`` to answer a URL check with."""
        return str(_native.call(self._hook.check_url, _query(query), _now(now)))

    def open(self, query: Mapping[str, Any], body: Union[bytes, str], now: Optional[int] = None) -> OpenedPush:
        """Verifies, decrypts and parses a push, refusing replays."""
        return _opened(_native.call(self._hook.open, _query(query), _body(body), _now(now)))

    def reply(self, push: OpenedPush, reply: Reply, now: Optional[int] = None) -> str:
        """The HTTP body answering ``push`` (nonce and envelope from ``os.urandom``)."""
        return str(_native.call(self._hook.reply, *_answer(push, reply), _now(now), os.urandom(24)))

    def dispatch(
        self, client: Client, query: Mapping[str, Any], body: Union[bytes, str], handler: Callable[[OpenedPush], Any],
        *, now: Optional[int] = None, executor: Optional[Executor] = None,
    ) -> str:
        """WeChat's 5-second rule, with threads: accepts the push (``client.accept_push``: opened,
        retries told apart, the user's action recorded in the reply budget), runs
        ``handler(push)`` on ``executor`` (a thread of its own when ``None``) with "typing…"
        shown to the user while it works, and returns at once the body to answer with. A retry
        of a push already accepted is answered, not handled again."""
        accepted = client.accept_push(self, query, body, now)
        if not accepted.duplicate:
            args = (client, accepted.push, handler)
            if executor is None:
                threading.Thread(target=_work, args=args, name="wxkf-push").start()
            else:
                executor.submit(_work, *args)
        return "success"

    async def dispatch_async(
        self, client: AsyncClient, query: Mapping[str, Any], body: Union[bytes, str],
        handler: Callable[[OpenedPush], Awaitable[Any]], *, now: Optional[int] = None,
    ) -> str:
        """``dispatch`` for asyncio: ``handler(push)`` (a coroutine function) runs as a task."""
        accepted = await client.accept_push(self, query, body, now)
        if not accepted.duplicate:
            task = asyncio.ensure_future(_work_async(client, accepted.push, handler))
            self._tasks.add(task)  # the loop keeps only weak references to its tasks
            task.add_done_callback(self._tasks.discard)
        return "success"

    def __repr__(self) -> str:
        return f"Webhook(appid={self.config.appid!r}, safe_mode={self.config.encoding_aes_key is not None})"


def _user(push: OpenedPush) -> Optional[str]:
    """Who sees "typing…" while a handler works: the sender of a user message."""
    return push.message.from_user_name if isinstance(push.message, _USER_MESSAGES) else None


def _typing_failed(e: WxkfError) -> bool:
    _log.debug("typing not shown: %s", e)
    return False


def _work(client: Client, push: OpenedPush, handler: Callable[[OpenedPush], Any]) -> None:
    user, done = _user(push), threading.Event()

    def show() -> bool:
        if user is None:
            return False
        try:
            client.send_typing(user, "Typing")
            return True
        except WxkfError as e:
            return _typing_failed(e)

    def keep_showing() -> None:
        while not done.wait(TYPING_REFRESH_SECS) and show():
            pass

    if show():  # before the handler can send its answer, then again while it works
        threading.Thread(target=keep_showing, name="wxkf-typing", daemon=True).start()
    try:
        handler(push)
    except Exception:
        _log.exception("the push handler raised")
    finally:
        done.set()


async def _work_async(client: AsyncClient, push: OpenedPush, handler: Callable[[OpenedPush], Awaitable[Any]]) -> None:
    user = _user(push)

    async def show() -> bool:
        if user is None:
            return False
        try:
            await client.send_typing(user, "Typing")
            return True
        except WxkfError as e:
            return _typing_failed(e)

    async def keep_showing() -> None:
        while await asyncio.sleep(TYPING_REFRESH_SECS, True) and await show():
            pass

    keep = asyncio.ensure_future(keep_showing()) if await show() else None
    try:
        result = handler(push)
        if inspect.isawaitable(result):
            await result
    except Exception:
        _log.exception("the push handler raised")
    finally:
        if keep is not None:
            keep.cancel()
