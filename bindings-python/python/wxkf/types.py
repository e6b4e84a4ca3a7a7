"""Typed values of wxkf: results of the API calls and the messages you send.

Every class is a frozen dataclass: attributes, a readable ``repr``, equality, hashing where
the fields allow it, and ``to_dict()`` for a plain dict (WeChat's field names).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Type, TypeVar, Union

from . import _check as _c

__all__ = [
    "KfInfo",
    "KfOnlineInfo",
    "KfSession",
    "SessionItem",
    "WaitCase",
    "WaitCaseList",
    "MsgRecord",
    "MsgListPage",
    "RecordCursor",
    "AccessToken",
    "Text",
    "Image",
    "Voice",
    "Video",
    "Music",
    "Article",
    "News",
    "MpNews",
    "MpNewsArticle",
    "MenuItem",
    "MsgMenu",
    "WxCard",
    "MiniProgramPage",
    "Message",
    "message_from_dict",
]

T = TypeVar("T", bound="_Record")


class _Record:
    """Shared helpers of the result and message classes."""

    def to_dict(self) -> Dict[str, Any]:
        """The value as a plain dict (nested values as dicts and lists)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload, no-any-return]

    @classmethod
    def _from(cls: Type[T], d: Mapping[str, Any]) -> T:
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in d.items() if k in names})


# ---- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KfInfo(_Record):
    """One kf account (``get_kf_list``). ``kf_wx`` is set once a WeChat user is bound; the
    ``invite_*`` fields describe a pending invitation (``invite_status``: ``waiting``,
    ``rejected``, ``expired`` or ``unknown``)."""

    kf_account: str
    kf_nick: str
    kf_id: str
    kf_headimgurl: str = ""
    kf_wx: Optional[str] = None
    invite_wx: Optional[str] = None
    invite_expire_time: Optional[int] = None
    invite_status: Optional[str] = None


@dataclass(frozen=True)
class KfOnlineInfo(_Record):
    """One online kf (``get_kf_online_list``): ``status`` 1 = web, ``accepted_case`` = sessions served."""

    kf_account: str
    status: int
    kf_id: str
    accepted_case: int


@dataclass(frozen=True)
class KfSession(_Record):
    """The session of a user (``get_kf_session``): ``kf_account`` is ``None`` when no kf serves them."""

    kf_account: Optional[str]
    createtime: int


@dataclass(frozen=True)
class SessionItem(_Record):
    """One user a kf is serving (``get_kf_session_list``)."""

    openid: str
    createtime: int


@dataclass(frozen=True)
class WaitCase(_Record):
    """One waiting user: ``latest_time`` is their last message (unix seconds)."""

    openid: str
    latest_time: int


@dataclass(frozen=True)
class WaitCaseList(_Record):
    """Users waiting for a kf: ``count`` is the total, at most 100 are listed."""

    count: int
    waitcaselist: Tuple[WaitCase, ...]

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "WaitCaseList":
        return cls(count=d["count"], waitcaselist=tuple(WaitCase._from(w) for w in d["waitcaselist"]))


@dataclass(frozen=True)
class MsgRecord(_Record):
    """One chat record: ``opercode`` (1000 queued ... 2003 user message in session), ``worker``
    the kf involved (may be empty), ``time`` unix seconds."""

    openid: str
    opercode: int
    text: str
    time: int
    worker: str


@dataclass(frozen=True)
class MsgListPage(_Record):
    """One page of ``get_msg_list``: pass ``msgid`` back to get the next page."""

    recordlist: Tuple[MsgRecord, ...]
    number: int
    msgid: int

    @classmethod
    def _from(cls, d: Mapping[str, Any]) -> "MsgListPage":
        return cls(
            recordlist=tuple(MsgRecord._from(r) for r in d["recordlist"]), number=d["number"], msgid=d["msgid"]
        )


@dataclass(frozen=True)
class RecordCursor(_Record):
    """Where a record walk stands; save ``to_dict()`` and pass it to ``resume_msg_records``."""

    window_start: int
    to: int
    msgid: int
    skip: int = 0


@dataclass(frozen=True)
class AccessToken(_Record):
    """A raw token answer. The token never appears in ``repr``."""

    access_token: str = field(repr=False)
    expires_in: int

    def __repr__(self) -> str:
        return f"AccessToken(access_token='***', expires_in={self.expires_in})"


# ---- messages --------------------------------------------------------------------------


class Message(_Record):
    """Base of the 11 message kinds. ``kf_account`` (optional) sends as that kf.

    A field of the wrong type (or a str with an unpaired surrogate) raises ``ValidationError``
    naming it (``text.content``); the rules on values are checked when the message is sent."""

    msgtype: ClassVar[str] = ""
    kf_account: Optional[str]

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name == "kf_account":
                _c.opt_text(value, "kf_account")
            elif f.name not in ("articles", "list"):
                _c.text(value, f"{self.msgtype}.{f.name}")

    def to_dict(self) -> Dict[str, Any]:
        """``{"<msgtype>": {payload}, "kf_account"?: ...}`` (the shape ``message_from_dict`` reads)."""
        payload = dataclasses.asdict(self)  # type: ignore[call-overload]
        kf = payload.pop("kf_account", None)
        out: Dict[str, Any] = {self.msgtype: payload}
        if kf is not None:
            out["kf_account"] = kf
        return out


@dataclass(frozen=True)
class Text(Message):
    """A text; may hold ``<a href=...>`` links."""

    msgtype: ClassVar[str] = "text"
    content: str
    kf_account: Optional[str] = None


@dataclass(frozen=True)
class Image(Message):
    """An image by media id."""

    msgtype: ClassVar[str] = "image"
    media_id: str
    kf_account: Optional[str] = None


@dataclass(frozen=True)
class Voice(Message):
    """A voice message by media id."""

    msgtype: ClassVar[str] = "voice"
    media_id: str
    kf_account: Optional[str] = None


@dataclass(frozen=True)
class Video(Message):
    """A video with its thumbnail."""

    msgtype: ClassVar[str] = "video"
    media_id: str
    thumb_media_id: str
    title: str = ""
    description: str = ""
    kf_account: Optional[str] = None


@dataclass(frozen=True)
class Music(Message):
    """A music message."""

    msgtype: ClassVar[str] = "music"
    musicurl: str
    hqmusicurl: str
    thumb_media_id: str
    title: str = ""
    description: str = ""
    kf_account: Optional[str] = None


@dataclass(frozen=True)
class Article(_Record):
    """The external article of a news message."""

    title: str
    url: str
    description: str = ""
    picurl: str = ""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _c.text(getattr(self, f.name), f"news.articles.{f.name}")


@dataclass(frozen=True)
class News(Message):
    """A news message: exactly one article (checked before sending)."""

    msgtype: ClassVar[str] = "news"
    articles: Tuple[Article, ...]
    kf_account: Optional[str] = None

    def __init__(self, articles: Sequence[Article], kf_account: Optional[str] = None) -> None:
        object.__setattr__(self, "articles", _items(Article, articles, "news.articles"))
        object.__setattr__(self, "kf_account", kf_account)
        self.__post_init__()


@dataclass(frozen=True)
class MpNews(Message):
    """A published article (``mpnews``) by media id. Legacy: since the draft box, new articles
    are sent as :class:`MpNewsArticle`."""

    msgtype: ClassVar[str] = "mpnews"
    media_id: str
    kf_account: Optional[str] = None


@dataclass(frozen=True)
class MpNewsArticle(Message):
    """A published article by article id."""

    msgtype: ClassVar[str] = "mpnewsarticle"
    article_id: str
    kf_account: Optional[str] = None


@dataclass(frozen=True)
class MenuItem(_Record):
    """One choice of a menu message; ``id`` comes back as ``bizmsgmenuid`` when tapped."""

    id: str
    content: str

    def __post_init__(self) -> None:
        _c.text(self.id, "msgmenu.list.id")
        _c.text(self.content, "msgmenu.list.content")


@dataclass(frozen=True)
class MsgMenu(Message):
    """A menu message (at least one choice)."""

    msgtype: ClassVar[str] = "msgmenu"
    list: Tuple[MenuItem, ...]
    head_content: str = ""
    tail_content: str = ""
    kf_account: Optional[str] = None

    def __init__(
        self,
        list: Sequence[MenuItem],  # noqa: A002 - WeChat's field name
        head_content: str = "",
        tail_content: str = "",
        kf_account: Optional[str] = None,
    ) -> None:
        object.__setattr__(self, "list", _items(MenuItem, list, "msgmenu.list"))
        object.__setattr__(self, "head_content", head_content)
        object.__setattr__(self, "tail_content", tail_content)
        object.__setattr__(self, "kf_account", kf_account)
        self.__post_init__()


@dataclass(frozen=True)
class WxCard(Message):
    """A card or coupon."""

    msgtype: ClassVar[str] = "wxcard"
    card_id: str
    kf_account: Optional[str] = None


@dataclass(frozen=True)
class MiniProgramPage(Message):
    """A mini-program page card."""

    msgtype: ClassVar[str] = "miniprogrampage"
    title: str
    appid: str
    pagepath: str
    thumb_media_id: str
    kf_account: Optional[str] = None


_I = TypeVar("_I", bound=_Record)


def _items(cls: Type[_I], items: Any, field: str) -> Tuple[_I, ...]:
    """The articles of a news or the choices of a menu: instances of ``cls`` (or their dicts)."""
    if isinstance(items, (str, bytes, bytearray, Mapping)) or not isinstance(items, Iterable):
        _c.fail(field, f"must be a list of {cls.__name__}, not {type(items).__name__}")
    out = []
    for i, item in enumerate(items):
        if isinstance(item, Mapping):
            try:
                item = cls(**item)
            except TypeError as e:
                _c.fail(f"{field}[{i}]", _c.clip(str(e)))
        elif not isinstance(item, cls):
            _c.fail(f"{field}[{i}]", f"must be a {cls.__name__}, not {type(item).__name__}")
        out.append(item)
    return tuple(out)


_KINDS: Dict[str, Type[Message]] = {
    c.msgtype: c
    for c in (Text, Image, Voice, Video, Music, News, MpNews, MpNewsArticle, MsgMenu, WxCard, MiniProgramPage)
}


def message_from_dict(d: Mapping[str, Any]) -> Message:
    """Reads ``{"<msgtype>": {payload}, "kf_account"?: ...}`` into a message object."""
    from .errors import ValidationError

    if not isinstance(d, Mapping):
        _c.fail("message", f"must be a dict, not {type(d).__name__}")
    kinds = [k for k in d if k != "kf_account"]
    if len(kinds) != 1 or kinds[0] not in _KINDS:
        raise ValidationError(
            "invalid message: must hold exactly one of " + ", ".join(_KINDS),
            field="message",
            reason="must hold exactly one of " + ", ".join(_KINDS),
        )
    kind = kinds[0]
    if not isinstance(d[kind], Mapping):
        _c.fail(f"message.{kind}", f"must be a dict, not {type(d[kind]).__name__}")
    payload = dict(d[kind])
    if kind == "news":
        payload["articles"] = _items(Article, payload.get("articles", []), "message.news.articles")
    if kind == "msgmenu":
        payload["list"] = _items(MenuItem, payload.get("list", []), "message.msgmenu.list")
    cls = _KINDS[kind]
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(payload) - names
    if unknown:
        listed = "[" + ", ".join(_c.quote(k) for k in sorted(unknown, key=repr)[:5]) + "]"
        raise ValidationError(
            f"invalid message.{kind}: unknown field(s) {listed}",
            field=f"message.{kind}",
            reason=f"unknown field(s) {listed}",
        )
    try:
        return cls(**payload, kf_account=d.get("kf_account"))  # type: ignore[call-arg]
    except TypeError as e:
        reason = _c.clip(str(e))
        raise ValidationError(f"invalid message.{kind}: {reason}", field=f"message.{kind}", reason=reason) from None


MessageLike = Union[Message, Mapping[str, Any]]


def _message_dict(message: MessageLike, kf_account: Optional[str]) -> Dict[str, Any]:
    if isinstance(message, Message):
        d = message.to_dict()
    elif isinstance(message, Mapping):
        d = dict(message)
    else:
        from .errors import ValidationError

        raise ValidationError(
            "invalid message: must be a wxkf message (wxkf.Text, ...) or a dict",
            field="message",
            reason="must be a wxkf message (wxkf.Text, ...) or a dict",
        )
    if kf_account is not None:
        d["kf_account"] = kf_account
    return d


def _list(cls: Type[T], items: Sequence[Mapping[str, Any]]) -> List[T]:
    return [cls._from(i) for i in items]
