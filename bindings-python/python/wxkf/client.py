"""``Client`` (blocking, thread-safe, GIL released during I/O) and ``AsyncClient`` (asyncio).

Both wrap one native core client: token cache with single-flight refresh, retries by
operation class, validation before the network and record paging all come from wxkf's
Rust core; this module only names the calls and types the results.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from . import _check as _c
from . import _wxkf
from .errors import ValidationError
if TYPE_CHECKING:
    from . import types as _t
    from .types import (
        AccessToken,
        KfInfo,
        KfOnlineInfo,
        KfSession,
        MessageLike,
        MsgListPage,
        MsgRecord,
        RecordCursor,
        SessionItem,
        WaitCaseList,
        _list,
        _message_dict,
    )
else:

    class _LazyTypes:
        """``wxkf.types`` loaded on first use, so ``import wxkf`` stays short."""

        def __getattr__(self, name: str) -> Any:
            from . import types

            return getattr(types, name)

    _t = _LazyTypes()

__all__ = ["Client", "AsyncClient", "RecordIterator", "AsyncRecordIterator", "TimeLike", "TokenProvider"]

CHINA = _dt.timezone(_dt.timedelta(hours=8), "Asia/Shanghai")

TimeLike = Union[int, float, _dt.datetime, _dt.date]
"""Unix seconds, or a ``datetime`` (naive ones are read as China time, UTC+8), or a ``date``
(its midnight in China time)."""

TokenResult = Union[Tuple[str, float], "AccessToken", Any]
TokenProvider = Callable[[Optional[str]], Union[TokenResult, Awaitable[TokenResult]]]
"""``provider(failed_token_or_None)`` returns ``(access_token, expires_in_secs)`` or an
object with those attributes, directly or as an awaitable."""


_MAX_UNIX = 253_402_300_799


def _unix(value: TimeLike, field: str) -> int:
    if isinstance(value, bool):
        _c.fail(field, "must be unix seconds or a datetime")
    if isinstance(value, float) and not math.isfinite(value):
        _c.fail(field, "must be a finite number of unix seconds")
    if isinstance(value, (int, float)):
        seconds = int(value)
    elif isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=CHINA)
        seconds = int(value.timestamp())
    elif isinstance(value, _dt.date):
        seconds = int(_dt.datetime(value.year, value.month, value.day, tzinfo=CHINA).timestamp())
    else:
        _c.fail(field, "must be unix seconds, a datetime or a date")
    # The core checks the range (0 to 9999-12-31); what does not fit 64 bits cannot reach it.
    if not _c.I64_MIN <= seconds <= _c.I64_MAX:
        _c.fail(field, f"must be unix seconds between 0 and {_MAX_UNIX}")
    return seconds


def _renamed(e: ValidationError, names: Mapping[str, str]) -> ValidationError:
    """The core's error with its field named as the Python argument (``from`` -> ``start``)."""
    if e.field not in names:
        return e
    field = names[e.field]
    return ValidationError(f"invalid {field}: {e.reason}", field=field, reason=e.reason)


# Fields of the core's record walk, named as the arguments of ``iter_msg_records`` and
# ``resume_msg_records``.
_WALK_NAMES = {"from": "start", "to": "end", "number": "page_size"}
_RESUME_NAMES = {"from": "cursor.window_start", "to": "cursor.to", "msgid": "cursor.msgid", "number": "page_size"}


def _walk(core: Any, start: TimeLike, end: TimeLike, page_size: int) -> Any:
    a, b = _unix(start, "start"), _unix(end, "end")
    page_size = _c.integer(page_size, "page_size")
    try:
        return core.records(a, b, page_size)
    except ValidationError as e:
        raise _renamed(e, _WALK_NAMES) from None


def _resume(core: Any, cursor: Any, page_size: int) -> Any:
    if isinstance(cursor, _t.RecordCursor):
        c = cursor.to_dict()
    elif isinstance(cursor, Mapping):
        c = dict(cursor)
    else:
        _c.fail("cursor", "must be a RecordCursor or its dict")
    page_size = _c.integer(page_size, "page_size")
    try:
        return core.resume_records(c, page_size)
    except ValidationError as e:
        raise _renamed(e, _RESUME_NAMES) from None


_C = TypeVar("_C", bound="_Base")


def _timeout(value: Any, field: str) -> float:
    seconds = _c.number(value, field)
    if not 0 < seconds < 86_400:
        _c.fail(field, "must be a number of seconds in (0, 86400)")
    return seconds


class _Base:
    _core: Any

    def __init__(
        self,
        source: str,
        *,
        appid: Optional[str] = None,
        secret: Optional[str] = None,
        token: Optional[str] = None,
        provider: Optional[TokenProvider] = None,
        base_url: Optional[str] = None,
        store: Any = None,
        redis_url: Optional[str] = None,
        max_attempts: int = 3,
        retry_writes: bool = False,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
    ) -> None:
        source = _c.text(source, "source")
        appid, secret = _c.opt_text(appid, "appid"), _c.opt_text(secret, "secret")
        token, base_url = _c.opt_text(token, "token"), _c.opt_text(base_url, "base_url")
        redis_url = _c.opt_text(redis_url, "redis_url")
        max_attempts = _c.integer(max_attempts, "max_attempts", 1, _c.U32_MAX)
        retry_writes = _c.flag(retry_writes, "retry_writes")
        timeout = _timeout(timeout, "timeout")
        connect_timeout = _timeout(connect_timeout, "connect_timeout")
        self._source = source
        self._appid = appid
        self._base_url = base_url or "https://api.weixin.qq.com"
        self._core = _wxkf.Core(
            source,
            appid=appid,
            secret=secret,
            token=token,
            provider=provider,
            base_url=base_url,
            store=store,
            redis_url=redis_url,
            max_attempts=max_attempts,
            retry_writes=retry_writes,
            timeout_secs=timeout,
            connect_timeout_secs=connect_timeout,
        )

    @classmethod
    def stable(cls: Type[_C], appid: str, secret: str, **options: Any) -> _C:
        """Stable-token mode (``/cgi-bin/stable_token``): the default, safe with many processes."""
        return cls("stable", appid=appid, secret=secret, **options)

    @classmethod
    def classic(cls: Type[_C], appid: str, secret: str, **options: Any) -> _C:
        """Classic-token mode (``/cgi-bin/token``): each fetch replaces the previous token,
        so share a ``store`` (or ``redis_url``) across processes."""
        return cls("classic", appid=appid, secret=secret, **options)

    @classmethod
    def with_provider(cls: Type[_C], provider: TokenProvider, **options: Any) -> _C:
        """Tokens from a broker: ``provider(failed)`` (sync or async) returns
        ``(access_token, expires_in)``; ``failed`` is the token WeChat just rejected."""
        return cls("provider", provider=provider, **options)

    @classmethod
    def fixed(cls: Type[_C], token: str, **options: Any) -> _C:
        """A fixed access token, never refreshed."""
        return cls("fixed", token=token, **options)

    @property
    def token_fetches(self) -> int:
        """How many tokens this client fetched (from WeChat or the provider) so far."""
        return int(self._core.token_fetches())

    def __repr__(self) -> str:
        appid = f", appid={self._appid!r}" if self._appid else ""
        return f"{type(self).__name__}(source={self._source!r}{appid}, base_url={self._base_url!r})"


class RecordIterator(Iterator["MsgRecord"]):
    """Every record of a range, page by page; ``cursor`` says where it stands."""

    def __init__(self, walk: Any) -> None:
        self._walk = walk
        self._buffer: List[MsgRecord] = []
        self._pos = 0
        self._done = False
        self._page_cursor: Optional[Dict[str, Any]] = None

    def __iter__(self) -> "RecordIterator":
        return self

    def __next__(self) -> MsgRecord:
        while self._pos >= len(self._buffer):
            if self._done:
                raise StopIteration
            self._page_cursor = self._walk.cursor()
            page = self._walk.next_page()
            if not page:
                self._done = True
                raise StopIteration
            self._buffer, self._pos = _t._list(_t.MsgRecord, page), 0
        record = self._buffer[self._pos]
        self._pos += 1
        return record

    def pages(self) -> Iterator[List[MsgRecord]]:
        """The rest of the walk as whole pages (the current page's remainder first)."""
        if self._pos < len(self._buffer):
            rest, self._buffer, self._pos = self._buffer[self._pos :], [], 0
            yield rest
        while not self._done:
            page = self._walk.next_page()
            if not page:
                self._done = True
                return
            yield _t._list(_t.MsgRecord, page)

    @property
    def cursor(self) -> Optional[RecordCursor]:
        """Where the walk stands (``None`` at the end); records already fetched but not yet
        yielded are counted in ``skip`` so a resumed walk yields exactly the rest."""
        return _cursor(self._walk, self._page_cursor, len(self._buffer) - self._pos, self._pos)


class AsyncRecordIterator(AsyncIterator["MsgRecord"]):
    """``RecordIterator`` for asyncio: ``async for record in client.iter_msg_records(...)``."""

    def __init__(self, walk: Any) -> None:
        self._walk = walk
        self._buffer: List[MsgRecord] = []
        self._pos = 0
        self._done = False
        self._page_cursor: Optional[Dict[str, Any]] = None

    def __aiter__(self) -> "AsyncRecordIterator":
        return self

    async def __anext__(self) -> MsgRecord:
        while self._pos >= len(self._buffer):
            if self._done:
                raise StopAsyncIteration
            self._page_cursor = self._walk.cursor()
            page = await self._walk.next_page_async()
            if not page:
                self._done = True
                raise StopAsyncIteration
            self._buffer, self._pos = _t._list(_t.MsgRecord, page), 0
        record = self._buffer[self._pos]
        self._pos += 1
        return record

    async def pages(self) -> AsyncIterator[List[MsgRecord]]:
        """The rest of the walk as whole pages."""
        if self._pos < len(self._buffer):
            rest, self._buffer, self._pos = self._buffer[self._pos :], [], 0
            yield rest
        while not self._done:
            page = await self._walk.next_page_async()
            if not page:
                self._done = True
                return
            yield _t._list(_t.MsgRecord, page)

    @property
    def cursor(self) -> Optional[RecordCursor]:
        """Where the walk stands (``None`` at the end)."""
        return _cursor(self._walk, self._page_cursor, len(self._buffer) - self._pos, self._pos)


def _cursor(walk: Any, page_cursor: Optional[Dict[str, Any]], pending: int, taken: int) -> Optional[RecordCursor]:
    if pending > 0 and page_cursor is not None:
        # Resume from the page the buffer came from, skipping what was already yielded.
        return _t.RecordCursor._from({**page_cursor, "skip": int(page_cursor.get("skip", 0)) + taken})
    c = walk.cursor()
    return _t.RecordCursor._from(c) if c else None


def _op_args(**kwargs: Any) -> Dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


class Client(_Base):
    """The blocking client. Share one instance across threads: calls release the GIL while
    they wait, and the token is fetched once for all concurrent callers.

    Build it with ``Client.stable(appid, secret)``, ``Client.classic(...)``,
    ``Client.with_provider(fn)`` or ``Client.fixed(token)``; options: ``base_url``,
    ``store`` (an object with ``get``/``set``/``delete``, e.g. Django's cache), ``redis_url``,
    ``max_attempts``, ``retry_writes``, ``timeout``, ``connect_timeout``.
    """

    def _call(self, op: str, data: Optional[bytes] = None, **args: Any) -> Any:
        return self._core.call(op, _op_args(**args), data)

    def add_kf_account(self, kf_account: str, nickname: str) -> None:
        """Adds a kf account (``prefix@wechat_id``, nickname 1-16 characters)."""
        self._call(
            "add_kf_account", kf_account=_c.text(kf_account, "kf_account"), nickname=_c.text(nickname, "nickname")
        )

    def update_kf_account(self, kf_account: str, nickname: str) -> None:
        """Changes a kf account's nickname."""
        self._call(
            "update_kf_account", kf_account=_c.text(kf_account, "kf_account"), nickname=_c.text(nickname, "nickname")
        )

    def del_kf_account(self, kf_account: str) -> None:
        """Deletes a kf account."""
        self._call("del_kf_account", kf_account=_c.text(kf_account, "kf_account"))

    def get_kf_list(self) -> List[KfInfo]:
        """Every kf account."""
        return _t._list(_t.KfInfo, self._call("get_kf_list"))

    def get_kf_online_list(self) -> List[KfOnlineInfo]:
        """The kf accounts online now."""
        return _t._list(_t.KfOnlineInfo, self._call("get_kf_online_list"))

    def invite_worker(self, kf_account: str, invite_wx: str) -> None:
        """Invites a WeChat user (by WeChat id) to bind a kf account."""
        self._call(
            "invite_worker", kf_account=_c.text(kf_account, "kf_account"), invite_wx=_c.text(invite_wx, "invite_wx")
        )

    def upload_kf_head_img(self, kf_account: str, image: bytes, filename: Optional[str] = None) -> None:
        """Uploads a kf account's avatar (JPEG bytes; ``filename`` defaults to ``avatar.jpg``)."""
        self._call(
            "upload_kf_head_img",
            data=_c.data(image, "image"),
            kf_account=_c.text(kf_account, "kf_account"),
            filename=_c.opt_text(filename, "filename"),
        )

    def send_message(self, touser: str, message: MessageLike, *, kf_account: Optional[str] = None) -> None:
        """Sends a message (``wxkf.Text(...)`` etc. or its dict) within 48 h of the user's
        last interaction; ``kf_account`` sends as that kf."""
        self._call(
            "send_message",
            touser=_c.text(touser, "touser"),
            message=_t._message_dict(message, _c.opt_text(kf_account, "kf_account")),
        )

    def send_typing(self, touser: str, typing: bool = True, businessid: Optional[str] = None) -> None:
        """Shows (``typing=True``) or hides the "typing..." indicator; ``businessid`` is the
        typing doc's optional field, sent only when given."""
        command = "Typing" if _c.flag(typing, "typing") else "CancelTyping"
        self._call("send_typing", touser=_c.text(touser, "touser"), command=command,
                   businessid=_c.opt_text(businessid, "businessid"))

    def create_kf_session(self, kf_account: str, openid: str) -> None:
        """Starts a session between an online kf and a user."""
        self._call(
            "create_kf_session", kf_account=_c.text(kf_account, "kf_account"), openid=_c.text(openid, "openid")
        )

    def close_kf_session(self, kf_account: str, openid: str) -> None:
        """Closes a kf's session with a user."""
        self._call(
            "close_kf_session", kf_account=_c.text(kf_account, "kf_account"), openid=_c.text(openid, "openid")
        )

    def get_kf_session(self, openid: str) -> KfSession:
        """Which kf serves a user (``kf_account`` is ``None`` if none)."""
        return _t.KfSession._from(self._call("get_kf_session", openid=_c.text(openid, "openid")))

    def get_kf_session_list(self, kf_account: str) -> List[SessionItem]:
        """The users a kf is serving."""
        kf = _c.text(kf_account, "kf_account")
        return _t._list(_t.SessionItem, self._call("get_kf_session_list", kf_account=kf))

    def get_wait_case_list(self) -> WaitCaseList:
        """The users waiting for a kf."""
        return _t.WaitCaseList._from(self._call("get_wait_case_list"))

    def get_msg_list(self, starttime: TimeLike, endtime: TimeLike, msgid: int = 1, number: int = 10000) -> MsgListPage:
        """One page of records of one window (at most 24 h); see ``iter_msg_records``."""
        return _t.MsgListPage._from(
            self._call(
                "get_msg_list",
                starttime=_unix(starttime, "starttime"),
                endtime=_unix(endtime, "endtime"),
                msgid=_c.integer(msgid, "msgid"),
                number=_c.integer(number, "number"),
            )
        )

    def iter_msg_records(self, start: TimeLike, end: TimeLike, *, page_size: int = 10000) -> RecordIterator:
        """Every record of ``[start, end)``, split by China-time day and paged by ``msgid``."""
        return RecordIterator(_walk(self._core, start, end, page_size))

    def resume_msg_records(
        self, cursor: Union[RecordCursor, Mapping[str, Any]], *, page_size: int = 10000
    ) -> RecordIterator:
        """Continues a walk from a saved ``RecordIterator.cursor`` (or its dict)."""
        return RecordIterator(_resume(self._core, cursor, page_size))

    def access_token(self) -> str:
        """The current access token (cached; fetched when needed). For brokers."""
        return str(self._call("access_token"))

    def get_access_token(self) -> AccessToken:
        """A raw ``/cgi-bin/token`` call (not cached; needs appid and secret)."""
        return _t.AccessToken._from(self._call("get_access_token"))

    def get_stable_access_token(self, force_refresh: bool = False) -> AccessToken:
        """A raw ``/cgi-bin/stable_token`` call (not cached; needs appid and secret)."""
        force = _c.flag(force_refresh, "force_refresh")
        return _t.AccessToken._from(self._call("get_stable_access_token", force_refresh=force))


class AsyncClient(_Base):
    """The asyncio client: the same operations as ``Client``, as coroutines. Build it like
    ``Client``; a token ``provider`` may be a coroutine function."""

    async def _call(self, op: str, data: Optional[bytes] = None, **args: Any) -> Any:
        return await self._core.call_async(op, _op_args(**args), data)

    async def add_kf_account(self, kf_account: str, nickname: str) -> None:
        """Adds a kf account (``prefix@wechat_id``, nickname 1-16 characters)."""
        await self._call(
            "add_kf_account", kf_account=_c.text(kf_account, "kf_account"), nickname=_c.text(nickname, "nickname")
        )

    async def update_kf_account(self, kf_account: str, nickname: str) -> None:
        """Changes a kf account's nickname."""
        await self._call(
            "update_kf_account", kf_account=_c.text(kf_account, "kf_account"), nickname=_c.text(nickname, "nickname")
        )

    async def del_kf_account(self, kf_account: str) -> None:
        """Deletes a kf account."""
        await self._call("del_kf_account", kf_account=_c.text(kf_account, "kf_account"))

    async def get_kf_list(self) -> List[KfInfo]:
        """Every kf account."""
        return _t._list(_t.KfInfo, await self._call("get_kf_list"))

    async def get_kf_online_list(self) -> List[KfOnlineInfo]:
        """The kf accounts online now."""
        return _t._list(_t.KfOnlineInfo, await self._call("get_kf_online_list"))

    async def invite_worker(self, kf_account: str, invite_wx: str) -> None:
        """Invites a WeChat user (by WeChat id) to bind a kf account."""
        await self._call(
            "invite_worker", kf_account=_c.text(kf_account, "kf_account"), invite_wx=_c.text(invite_wx, "invite_wx")
        )

    async def upload_kf_head_img(self, kf_account: str, image: bytes, filename: Optional[str] = None) -> None:
        """Uploads a kf account's avatar (JPEG bytes)."""
        await self._call(
            "upload_kf_head_img",
            data=_c.data(image, "image"),
            kf_account=_c.text(kf_account, "kf_account"),
            filename=_c.opt_text(filename, "filename"),
        )

    async def send_message(self, touser: str, message: MessageLike, *, kf_account: Optional[str] = None) -> None:
        """Sends a message (see ``Client.send_message``)."""
        await self._call(
            "send_message",
            touser=_c.text(touser, "touser"),
            message=_t._message_dict(message, _c.opt_text(kf_account, "kf_account")),
        )

    async def send_typing(self, touser: str, typing: bool = True, businessid: Optional[str] = None) -> None:
        """Shows (``typing=True``) or hides the "typing..." indicator; ``businessid`` is the
        typing doc's optional field, sent only when given."""
        command = "Typing" if _c.flag(typing, "typing") else "CancelTyping"
        await self._call("send_typing", touser=_c.text(touser, "touser"), command=command,
                         businessid=_c.opt_text(businessid, "businessid"))

    async def create_kf_session(self, kf_account: str, openid: str) -> None:
        """Starts a session between an online kf and a user."""
        await self._call(
            "create_kf_session", kf_account=_c.text(kf_account, "kf_account"), openid=_c.text(openid, "openid")
        )

    async def close_kf_session(self, kf_account: str, openid: str) -> None:
        """Closes a kf's session with a user."""
        await self._call(
            "close_kf_session", kf_account=_c.text(kf_account, "kf_account"), openid=_c.text(openid, "openid")
        )

    async def get_kf_session(self, openid: str) -> KfSession:
        """Which kf serves a user."""
        return _t.KfSession._from(await self._call("get_kf_session", openid=_c.text(openid, "openid")))

    async def get_kf_session_list(self, kf_account: str) -> List[SessionItem]:
        """The users a kf is serving."""
        kf = _c.text(kf_account, "kf_account")
        return _t._list(_t.SessionItem, await self._call("get_kf_session_list", kf_account=kf))

    async def get_wait_case_list(self) -> WaitCaseList:
        """The users waiting for a kf."""
        return _t.WaitCaseList._from(await self._call("get_wait_case_list"))

    async def get_msg_list(
        self, starttime: TimeLike, endtime: TimeLike, msgid: int = 1, number: int = 10000
    ) -> MsgListPage:
        """One page of records of one window."""
        return _t.MsgListPage._from(
            await self._call(
                "get_msg_list",
                starttime=_unix(starttime, "starttime"),
                endtime=_unix(endtime, "endtime"),
                msgid=_c.integer(msgid, "msgid"),
                number=_c.integer(number, "number"),
            )
        )

    def iter_msg_records(self, start: TimeLike, end: TimeLike, *, page_size: int = 10000) -> AsyncRecordIterator:
        """Every record of ``[start, end)`` as an async iterator."""
        return AsyncRecordIterator(_walk(self._core, start, end, page_size))

    def resume_msg_records(
        self, cursor: Union[RecordCursor, Mapping[str, Any]], *, page_size: int = 10000
    ) -> AsyncRecordIterator:
        """Continues a walk from a saved cursor."""
        return AsyncRecordIterator(_resume(self._core, cursor, page_size))

    async def access_token(self) -> str:
        """The current access token (cached; fetched when needed)."""
        return str(await self._call("access_token"))

    async def get_access_token(self) -> AccessToken:
        """A raw ``/cgi-bin/token`` call (not cached)."""
        return _t.AccessToken._from(await self._call("get_access_token"))

    async def get_stable_access_token(self, force_refresh: bool = False) -> AccessToken:
        """A raw ``/cgi-bin/stable_token`` call (not cached)."""
        force = _c.flag(force_refresh, "force_refresh")
        return _t.AccessToken._from(await self._call("get_stable_access_token", force_refresh=force))
