"""``Client`` (blocking, thread-safe, GIL released during I/O) and ``AsyncClient`` (asyncio).

Both wrap one native core client: token cache with single-flight refresh, retries by operation
class, validation, option defaults and checks, and the record walk are wxkf's Rust core. The
operation methods are generated from core's operation table (``wxkf._ops``); this module holds
how a client is built, the one entry each shape calls, and the record iterators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Dict, Iterator, List, Mapping, Optional
from typing import Tuple, Type, TypeVar, Union

from . import _check as _c
from . import _native, _wxkf
from ._check import CHINA, TimeLike
from ._ops import AsyncClientOps, ClientOps, _t
from .errors import ValidationError, WxkfError, _from_view

if TYPE_CHECKING:
    from .push import Webhook
    from .types import AcceptedPush, AccessTokenResponse, Budget, MsgRecord, RecordCursor, UserAction

__all__ = [
    "Client", "AsyncClient", "RecordIterator", "AsyncRecordIterator", "TimeLike", "TokenProvider", "BudgetFallback",
]

TokenResult = Union[Tuple[str, float], "AccessTokenResponse", Any]
TokenProvider = Callable[[Optional[str]], Union[TokenResult, Awaitable[TokenResult]]]
"""``provider(failed_token_or_None)`` returns ``(access_token, expires_in_secs)`` or an
object with those attributes, directly or as an awaitable."""
BudgetFallback = Callable[[str, WxkfError], Union[None, Awaitable[None]]]
"""``fallback(openid, error)`` is told of each send refused for the user's reply budget
(``error`` is the ``GuardError`` the send raises), directly or as an awaitable."""
_STORE = ("get", "set", "delete")

_C = TypeVar("_C", bound="_Base")


class _Base:
    _core: Any

    def __init__(
        self,
        *,
        app_id: Optional[str] = None,
        app_secret: Optional[str] = None,
        access_token: Optional[str] = None,
        token_kind: str = "stable",
        token_provider: Optional[TokenProvider] = None,
        token_store: Any = None,
        redis_url: Optional[str] = None,
        guard_store: Any = None,
        budget_fallback: Optional[BudgetFallback] = None,
        **options: Any,
    ) -> None:
        if token_provider is not None and not callable(token_provider):
            _c.fail("token_provider", "must be callable")
        if token_store is not None and redis_url is not None:
            _c.fail("token_store", "give either token_store or redis_url, not both")
        for name, store in (("token_store", token_store), ("guard_store", guard_store)):
            if store is not None and not all(callable(getattr(store, m, None)) for m in _STORE):
                _c.fail(name, "must have get(key), set(key, value, ttl_secs) and delete(key) methods")
        if budget_fallback is not None and not callable(budget_fallback):
            _c.fail("budget_fallback", "must be callable")
        fallback = None if budget_fallback is None else _told(budget_fallback)
        settings = {k: v for k, v in options.items() if v is not None}  # an option given as None: core's default
        settings.update(app_id=app_id, app_secret=app_secret, access_token=access_token, token_kind=token_kind)
        if isinstance(settings.get("budget_rules"), (list, tuple)):  # BudgetRule values or their dicts
            settings["budget_rules"] = [r.to_dict() if isinstance(r, _t.BudgetRule) else r for r in settings["budget_rules"]]
        redis_url = _c.opt_text(redis_url, "redis_url")
        self._core = _native.call(
            _wxkf.Core, _native.dumps(settings), token_provider, token_store, redis_url, guard_store, fallback
        )
        shown = {"app_id": app_id, "base_url": options.get("base_url")}
        self._shown = ", ".join(f"{k}={v!r}" for k, v in shown.items() if v is not None)

    @classmethod
    def stable(cls: Type[_C], app_id: str, app_secret: str, **options: Any) -> _C:
        """Stable-token mode (``/cgi-bin/stable_token``): the default, safe with many processes."""
        return cls(app_id=app_id, app_secret=app_secret, token_kind="stable", **options)

    @classmethod
    def classic(cls: Type[_C], app_id: str, app_secret: str, **options: Any) -> _C:
        """Classic-token mode (``/cgi-bin/token``): each fetch replaces the previous token,
        so share a ``token_store`` (or ``redis_url``) across processes."""
        return cls(app_id=app_id, app_secret=app_secret, token_kind="classic", **options)

    @classmethod
    def with_provider(cls: Type[_C], token_provider: TokenProvider, **options: Any) -> _C:
        """Tokens from a broker: ``token_provider(failed)`` (sync or async) returns
        ``(access_token, expires_in)``; ``failed`` is the token WeChat just rejected."""
        if not callable(token_provider):
            _c.fail("token_provider", "must be callable")
        return cls(token_provider=token_provider, **options)

    @classmethod
    def fixed(cls: Type[_C], access_token: str, **options: Any) -> _C:
        """A fixed access token, never refreshed."""
        return cls(access_token=access_token, **options)

    @property
    def token_fetches(self) -> int:
        """How many tokens this client fetched (from WeChat or the provider) so far."""
        return int(self._core.token_fetches())

    def _walk(self, args: Dict[str, Any], names: Mapping[str, str]) -> Any:
        # Core names the walk's fields `from`, `to`, `number`: here they are the arguments.
        try:
            return _native.call(self._core.walk, _native.dumps(args))
        except ValidationError as e:
            if e.field not in names:
                raise
            raise _c.invalid(names[e.field], e.reason) from None

    def _records(self, start: TimeLike, end: TimeLike, page_size: int) -> Any:
        args = {"start": _c.unix(start, "start"), "end": _c.unix(end, "end"), "page_size": page_size}
        return self._walk(args, {"from": "start", "to": "end", "number": "page_size"})

    def _resume(self, cursor: Union[RecordCursor, Mapping[str, Any]], page_size: int) -> Any:
        if isinstance(cursor, Mapping):
            saved = dict(cursor)
        elif isinstance(cursor, _t.RecordCursor):
            saved = cursor.to_dict()
        else:
            _c.fail("cursor", "must be a RecordCursor or its dict")
        names = {"from": "cursor.window_start", "to": "cursor.to", "msgid": "cursor.msgid", "number": "page_size"}
        return self._walk({"cursor": saved, "page_size": page_size}, names)

    def _accept(self, webhook: Webhook, query: Mapping[str, Any], body: Union[bytes, str], now: Optional[int]) -> Any:
        from . import push

        if not isinstance(webhook, push.Webhook):
            _c.fail("webhook", f"must be a wxkf.Webhook, not {type(webhook).__name__}")
        args = '{"query": %s, "now": %d}' % (push._query(query), push._now(now))
        return "accept_push", args, webhook._hook, push._body(body)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._shown})"


def _told(fallback: BudgetFallback) -> Callable[[str, str], Any]:
    """The budget fallback as core calls it: ``(openid, error view as JSON)``."""
    return lambda openid, view: fallback(openid, _from_view(_native.loads(view)))


class Client(_Base, ClientOps):
    """The blocking client. Share one instance across threads: calls release the GIL while
    they wait, and the token is fetched once for all concurrent callers.

    Build it with ``Client.stable(app_id, app_secret)``, ``Client.classic(...)``,
    ``Client.with_provider(fn)`` or ``Client.fixed(access_token)`` (or ``Client(**settings)``);
    options are core's: ``base_url``, ``max_attempts``, ``base_delay_ms``, ``max_delay_ms``,
    ``deadline_ms``, ``retry_writes``, ``timeout_ms``, ``connect_timeout_ms``,
    ``store_namespace``; tokens may be shared through ``token_store`` (an object with
    ``get``/``set``/``delete`` of str values, e.g. Django's cache) or ``redis_url``.
    """

    def _call(self, op: str, args: Dict[str, Any]) -> Any:
        # `_native.call` inlined: one frame less on every call.
        try:
            return self._core.call(op, args)
        except _wxkf.CoreError as e:
            err, cause = _native.error(e), e.__cause__
        raise err from cause

    def access_token(self) -> str:
        """The current access token (cached; fetched when needed). For brokers."""
        return str(self._call("access_token", {}))

    def budget(self, openid: str) -> Budget:
        """What ``openid``'s reply budget allows now: messages left and until when."""
        return _t.Budget._from(self._call("budget", {"openid": openid}))  # type: ignore[no-any-return]

    def record_action(self, openid: str, action: UserAction) -> None:
        """Records what the user did that no push reports (``"payment"``), opening its window."""
        self._call("record_action", {"openid": openid, "action": action})

    def accept_push(
        self, webhook: Webhook, query: Mapping[str, Any], body: Union[bytes, str], now: Optional[int] = None
    ) -> AcceptedPush:
        """Opens a push (``webhook.open``), tells WeChat's retries of one already accepted apart
        (``duplicate``: answer it, do not handle it again) and records the user's action in
        the reply budget."""
        accepted = _native.call(self._core.call, *self._accept(webhook, query, body, now))
        return _t.AcceptedPush._from(accepted)  # type: ignore[no-any-return]

    def iter_msg_records(self, start: TimeLike, end: TimeLike, page_size: int = 10000) -> RecordIterator:
        """Every record of ``[start, end)``, split by China-time day and paged by ``msgid``."""
        return RecordIterator(self._records(start, end, page_size))

    def resume_msg_records(
        self, cursor: Union[RecordCursor, Mapping[str, Any]], page_size: int = 10000
    ) -> RecordIterator:
        """Continues a walk from a saved ``RecordIterator.cursor`` (or its dict)."""
        return RecordIterator(self._resume(cursor, page_size))


class AsyncClient(_Base, AsyncClientOps):
    """The asyncio client: the same operations as ``Client``, as coroutines. Build it like
    ``Client``; a token provider or a store's methods may be coroutine functions."""

    async def _call(self, op: str, args: Dict[str, Any]) -> Any:
        return await _native.wait(self._core.call_async(op, args))

    async def access_token(self) -> str:
        """The current access token (cached; fetched when needed). For brokers."""
        return str(await self._call("access_token", {}))

    async def budget(self, openid: str) -> Budget:
        """What ``openid``'s reply budget allows now: messages left and until when."""
        return _t.Budget._from(await self._call("budget", {"openid": openid}))  # type: ignore[no-any-return]

    async def record_action(self, openid: str, action: UserAction) -> None:
        """Records what the user did that no push reports (``"payment"``), opening its window."""
        await self._call("record_action", {"openid": openid, "action": action})

    async def accept_push(
        self, webhook: Webhook, query: Mapping[str, Any], body: Union[bytes, str], now: Optional[int] = None
    ) -> AcceptedPush:
        """``Client.accept_push`` as a coroutine."""
        accepted = await _native.wait(self._core.call_async(*self._accept(webhook, query, body, now)))
        return _t.AcceptedPush._from(accepted)  # type: ignore[no-any-return]

    def iter_msg_records(self, start: TimeLike, end: TimeLike, page_size: int = 10000) -> AsyncRecordIterator:
        """Every record of ``[start, end)`` as an async iterator."""
        return AsyncRecordIterator(self._records(start, end, page_size))

    def resume_msg_records(
        self, cursor: Union[RecordCursor, Mapping[str, Any]], page_size: int = 10000
    ) -> AsyncRecordIterator:
        """Continues a walk from a saved cursor."""
        return AsyncRecordIterator(self._resume(cursor, page_size))


def _page(text: str) -> List[Any]:
    """A page as plain dicts: each becomes a `MsgRecord` only when it is handed out."""
    return _native.loads(text)  # type: ignore[no-any-return]


class _Walk:
    """What both iterators share: core's walk, the page being handed out and how far. Records
    are made as they are handed out and the page lets go of each one then, so a page is never
    held twice (as dicts and as records) and memory stays flat on long exports."""

    def __init__(self, walk: Any) -> None:
        self._walk = walk
        self._page: List[Any] = []
        self._pos = 0

    def _next(self) -> MsgRecord:
        record = _t.MsgRecord._from(self._page[self._pos])
        self._page[self._pos] = None
        self._pos += 1
        return record

    def _take(self, page: List[Any]) -> List[MsgRecord]:
        self._page, self._pos = page, 0
        return self._rest()

    def _rest(self) -> List[MsgRecord]:
        return [self._next() for _ in range(self._pos, len(self._page))]

    @property
    def cursor(self) -> Optional[RecordCursor]:
        """Where the walk stands (``None`` at the end): resuming from it yields exactly the
        records not handed out yet, even from the middle of a page."""
        c = self._walk.cursor(self._pos, len(self._page))
        return None if c is None else _t.RecordCursor._from(_native.loads(c))

    @property
    def pages_fetched(self) -> int:
        """Pages fetched so far (empty pages of quiet days included)."""
        return int(self._walk.pages_fetched())


class RecordIterator(_Walk, Iterator["MsgRecord"]):
    """Every record of a range, page by page; ``cursor`` says where it stands."""

    def __iter__(self) -> RecordIterator:
        return self

    def __next__(self) -> MsgRecord:
        if self._pos >= len(self._page):
            page = _page(_native.call(self._walk.next_page))
            if not page:
                raise StopIteration
            self._page, self._pos = page, 0
        return self._next()

    def pages(self) -> Iterator[List[MsgRecord]]:
        """The rest of the walk as whole pages (the current page's remainder first)."""
        rest = self._rest()
        if rest:
            yield rest
        while True:
            page = _page(_native.call(self._walk.next_page))
            if not page:
                return
            yield self._take(page)


class AsyncRecordIterator(_Walk, AsyncIterator["MsgRecord"]):
    """``RecordIterator`` for asyncio: ``async for record in client.iter_msg_records(...)``."""

    def __aiter__(self) -> AsyncRecordIterator:
        return self

    async def __anext__(self) -> MsgRecord:
        if self._pos >= len(self._page):
            page = _page(await _native.wait(self._walk.next_page_async()))
            if not page:
                raise StopAsyncIteration
            self._page, self._pos = page, 0
        return self._next()

    async def pages(self) -> AsyncIterator[List[MsgRecord]]:
        """The rest of the walk as whole pages."""
        rest = self._rest()
        if rest:
            yield rest
        while True:
            page = _page(await _native.wait(self._walk.next_page_async()))
            if not page:
                return
            yield self._take(page)
