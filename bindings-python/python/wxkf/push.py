"""The push (callback) side: verify WeChat's URL check, open pushes (verify + decrypt +
parse) into typed values, and build passive replies such as ``transfer_customer_service``.

The cryptography, signatures (compared in constant time), the timestamp window, the replay
guard and the XML parsing are wxkf's Rust core; this module supplies the clock and the
randomness and types the results.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, Mapping, Optional, Tuple, Type, Union

from . import _check as _c
from . import _wxkf
from .types import _Record

__all__ = [
    "CallbackConfig",
    "ReplayGuard",
    "PushMessage",
    "TextPush",
    "ImagePush",
    "VoicePush",
    "VideoPush",
    "ShortVideoPush",
    "LocationPush",
    "LinkPush",
    "SubscribeEvent",
    "UnsubscribeEvent",
    "ScanEvent",
    "ClickEvent",
    "ViewEvent",
    "KfCreateSessionEvent",
    "KfCloseSessionEvent",
    "KfSwitchSessionEvent",
    "RawField",
    "OtherPush",
    "OpenedPush",
    "Reply",
    "check_url",
    "open_push",
    "build_reply",
    "Webhook",
]

ReplayGuard = _wxkf.ReplayGuard
"""``ReplayGuard(capacity=100000, window_secs=300)``: remembers accepted (nonce, timestamp)
pairs of this process so a captured push cannot be replayed."""


@dataclass(frozen=True)
class CallbackConfig(_Record):
    """The callback settings of the WeChat admin page. ``encoding_aes_key`` (43 characters)
    enables safe mode; ``window_secs`` is the accepted clock skew. Secrets stay out of repr."""

    token: str = field(repr=False)
    appid: str
    encoding_aes_key: Optional[str] = field(default=None, repr=False)
    window_secs: int = 300

    def __post_init__(self) -> None:
        _check_config(self.to_dict())


def _check_config(d: Mapping[str, Any]) -> None:
    """Types of the known fields of a config (the core checks the values)."""
    for name in ("token", "appid"):
        if name in d:
            _c.text(d[name], name)
    _c.opt_text(d.get("encoding_aes_key"), "encoding_aes_key")
    if "window_secs" in d:
        _c.integer(d["window_secs"], "window_secs", 0, _c.U64_MAX)


@dataclass(frozen=True)
class PushMessage(_Record):
    """Base of every push: the account (``to_user_name``), the user's openid
    (``from_user_name``) and ``create_time`` (unix seconds). ``type`` names the kind."""

    type: ClassVar[str] = ""
    to_user_name: str
    from_user_name: str
    create_time: int

    def to_dict(self) -> Dict[str, Any]:
        """The push as core's JSON shape (with ``type``)."""
        d = super().to_dict()
        d["type"] = self.type
        return d


@dataclass(frozen=True)
class TextPush(PushMessage):
    """A text; ``bizmsgmenuid`` is set when it came from a msgmenu choice."""

    type: ClassVar[str] = "text"
    content: str = ""
    msg_id: Optional[str] = None
    bizmsgmenuid: Optional[str] = None


@dataclass(frozen=True)
class ImagePush(PushMessage):
    """An image."""

    type: ClassVar[str] = "image"
    pic_url: str = ""
    media_id: str = ""
    msg_id: Optional[str] = None


@dataclass(frozen=True)
class VoicePush(PushMessage):
    """A voice message; ``recognition`` holds speech recognition when enabled."""

    type: ClassVar[str] = "voice"
    media_id: str = ""
    format: str = ""
    recognition: Optional[str] = None
    msg_id: Optional[str] = None


@dataclass(frozen=True)
class VideoPush(PushMessage):
    """A video."""

    type: ClassVar[str] = "video"
    media_id: str = ""
    thumb_media_id: str = ""
    msg_id: Optional[str] = None


@dataclass(frozen=True)
class ShortVideoPush(PushMessage):
    """A short video."""

    type: ClassVar[str] = "shortvideo"
    media_id: str = ""
    thumb_media_id: str = ""
    msg_id: Optional[str] = None


@dataclass(frozen=True)
class LocationPush(PushMessage):
    """A shared location."""

    type: ClassVar[str] = "location"
    location_x: float = 0.0
    location_y: float = 0.0
    scale: int = 0
    label: str = ""
    msg_id: Optional[str] = None


@dataclass(frozen=True)
class LinkPush(PushMessage):
    """A shared link."""

    type: ClassVar[str] = "link"
    title: str = ""
    description: str = ""
    url: str = ""
    msg_id: Optional[str] = None


@dataclass(frozen=True)
class SubscribeEvent(PushMessage):
    """Event ``subscribe`` (``event_key``/``ticket`` set for a QR-code scan)."""

    type: ClassVar[str] = "subscribe"
    event_key: Optional[str] = None
    ticket: Optional[str] = None


@dataclass(frozen=True)
class UnsubscribeEvent(PushMessage):
    """Event ``unsubscribe``."""

    type: ClassVar[str] = "unsubscribe"


@dataclass(frozen=True)
class ScanEvent(PushMessage):
    """Event ``SCAN``: a follower scanned a parametric QR code."""

    type: ClassVar[str] = "scan"
    event_key: str = ""
    ticket: Optional[str] = None


@dataclass(frozen=True)
class ClickEvent(PushMessage):
    """Event ``CLICK``: a menu click."""

    type: ClassVar[str] = "click"
    event_key: str = ""


@dataclass(frozen=True)
class ViewEvent(PushMessage):
    """Event ``VIEW``: a menu link was opened."""

    type: ClassVar[str] = "view"
    event_key: str = ""
    menu_id: Optional[str] = None


@dataclass(frozen=True)
class KfCreateSessionEvent(PushMessage):
    """Event ``kf_create_session``: a kf accepted the session."""

    type: ClassVar[str] = "kf_create_session"
    kf_account: str = ""


@dataclass(frozen=True)
class KfCloseSessionEvent(PushMessage):
    """Event ``kf_close_session``: a kf closed the session."""

    type: ClassVar[str] = "kf_close_session"
    kf_account: str = ""


@dataclass(frozen=True)
class KfSwitchSessionEvent(PushMessage):
    """Event ``kf_switch_session``: the session moved from one kf to another."""

    type: ClassVar[str] = "kf_switch_session"
    from_kf_account: str = ""
    to_kf_account: str = ""


@dataclass(frozen=True)
class RawField(_Record):
    """One field of a push wxkf does not model (nested names joined with dots)."""

    name: str
    value: str


@dataclass(frozen=True)
class OtherPush(PushMessage):
    """Any other message or event, with every field kept in document order."""

    type: ClassVar[str] = "other"
    msg_type: str = ""
    event: Optional[str] = None
    fields: Tuple[RawField, ...] = ()

    def field(self, name: str) -> Optional[str]:
        """The first field named ``name``, if any."""
        return next((f.value for f in self.fields if f.name == name), None)


_PUSH_KINDS: Dict[str, Type[PushMessage]] = {
    c.type: c
    for c in (
        TextPush,
        ImagePush,
        VoicePush,
        VideoPush,
        ShortVideoPush,
        LocationPush,
        LinkPush,
        SubscribeEvent,
        UnsubscribeEvent,
        ScanEvent,
        ClickEvent,
        ViewEvent,
        KfCreateSessionEvent,
        KfCloseSessionEvent,
        KfSwitchSessionEvent,
        OtherPush,
    )
}


def _push_from(d: Mapping[str, Any]) -> PushMessage:
    d = dict(d)
    cls = _PUSH_KINDS[str(d.pop("type"))]
    if cls is OtherPush:
        d["fields"] = tuple(RawField._from(f) for f in d.get("fields", []))
    return cls._from(d)


@dataclass(frozen=True)
class OpenedPush(_Record):
    """A verified, decrypted and parsed push; ``raw_xml`` is the (decrypted) XML."""

    message: PushMessage
    encrypted: bool
    raw_xml: str = field(repr=False)

    def to_dict(self) -> Dict[str, Any]:
        """Core's JSON shape of the opened push."""
        return {"message": self.message.to_dict(), "encrypted": self.encrypted, "raw_xml": self.raw_xml}


@dataclass(frozen=True)
class Reply(_Record):
    """A passive reply: ``Reply.success()``, ``Reply.text(content)`` or
    ``Reply.transfer_customer_service(kf_account=None)``."""

    type: str
    content: Optional[str] = None
    kf_account: Optional[str] = None

    def __post_init__(self) -> None:
        if self.type not in ("success", "text", "transfer_customer_service"):
            _c.fail("type", "must be success, text or transfer_customer_service")
        _c.opt_text(self.content, "content")
        _c.opt_text(self.kf_account, "kf_account")

    @classmethod
    def success(cls) -> "Reply":
        """The plain ``success`` acknowledgement."""
        return cls("success")

    @classmethod
    def text(cls, content: str) -> "Reply":
        """A text message back to the user."""
        return cls("text", content=content)

    @classmethod
    def transfer_customer_service(cls, kf_account: Optional[str] = None) -> "Reply":
        """Hands the user to customer service, to ``kf_account`` when given."""
        return cls("transfer_customer_service", kf_account=kf_account)

    def to_dict(self) -> Dict[str, Any]:
        """Core's JSON shape of the reply."""
        if self.type == "text":
            return {"type": "text", "content": self.content}
        if self.type == "transfer_customer_service":
            return {"type": self.type, "kf_account": self.kf_account}
        return {"type": self.type}


def _config(config: Union[CallbackConfig, Mapping[str, Any]]) -> Dict[str, Any]:
    if isinstance(config, CallbackConfig):
        return config.to_dict()
    if not isinstance(config, Mapping):
        _c.fail("config", f"must be a CallbackConfig or its dict, not {type(config).__name__}")
    d = dict(config)
    _check_config(d)
    return d


def _query(query: Mapping[str, Any]) -> Dict[str, Any]:
    # Web frameworks give lists for repeated parameters: take the first value. A None value
    # counts as absent; ints are written in decimal.
    if not isinstance(query, Mapping):
        _c.fail("query", f"must be a dict, not {type(query).__name__}")
    out: Dict[str, Any] = {}
    for k, v in query.items():
        if not isinstance(k, str):
            _c.fail("query", f"keys must be str, not {type(k).__name__}")
        if isinstance(v, (list, tuple)):
            v = v[0] if v else ""
        if v is None:
            continue
        if isinstance(v, int) and not isinstance(v, bool):
            v = str(v)
        out[k] = _c.text(v, f"query.{_c.clip(k, 64)}")
    return out


def _now(now: Optional[int]) -> int:
    return int(time.time()) if now is None else _c.integer(now, "now")


def _body(body: Union[bytes, str]) -> bytes:
    if isinstance(body, str):
        return _c.text(body, "body").encode("utf-8")
    return _c.data(body, "body")


def _guard(guard: Any) -> Any:
    if guard is not None and not isinstance(guard, ReplayGuard):
        _c.fail("guard", f"must be a wxkf.ReplayGuard or None, not {type(guard).__name__}")
    return guard


def check_url(
    config: Union[CallbackConfig, Mapping[str, Any]], query: Mapping[str, Any], now: Optional[int] = None
) -> str:
    """Answers WeChat's URL check (GET): verifies ``signature`` and ``timestamp`` and returns
    the ``echostr`` to answer with. Raises ``CallbackError`` otherwise."""
    return str(_wxkf.check_url(_config(config), _query(query), _now(now)))


def open_push(
    config: Union[CallbackConfig, Mapping[str, Any]],
    query: Mapping[str, Any],
    body: Union[bytes, str],
    now: Optional[int] = None,
    guard: Optional[Any] = None,
) -> OpenedPush:
    """Verifies, decrypts (safe mode) and parses a push (POST). With a ``ReplayGuard``, a
    replayed (nonce, timestamp) is refused. Raises ``CallbackError`` (answer HTTP 400)."""
    cfg, q, raw, t, g = _config(config), _query(query), _body(body), _now(now), _guard(guard)
    d = _wxkf.open_push(cfg, q, raw, t, g)
    return OpenedPush(message=_push_from(d["message"]), encrypted=bool(d["encrypted"]), raw_xml=str(d["raw_xml"]))


def build_reply(
    config: Union[CallbackConfig, Mapping[str, Any]],
    opened: OpenedPush,
    reply: Reply,
    now: Optional[int] = None,
    nonce: Optional[str] = None,
    random16: Optional[bytes] = None,
) -> str:
    """The HTTP body answering ``opened`` (encrypted and signed when the push was)."""
    if not isinstance(opened, OpenedPush):
        _c.fail("opened", f"must be the OpenedPush open_push returned, not {type(opened).__name__}")
    if not isinstance(reply, Reply):
        _c.fail("reply", f"must be a wxkf.Reply, not {type(reply).__name__}")
    return str(
        _wxkf.build_reply(
            _config(config),
            opened.to_dict(),
            reply.to_dict(),
            _now(now),
            _c.text(nonce, "nonce") if nonce is not None else str(secrets.randbelow(10**10)),
            _c.data(random16, "random16") if random16 is not None else os.urandom(16),
        )
    )


class Webhook:
    """The three steps of a push endpoint around one config and a replay guard:
    ``verify_url`` (GET), ``open`` (POST) and ``reply``."""

    def __init__(self, config: CallbackConfig, *, guard: Optional[Any] = None) -> None:
        if not isinstance(config, CallbackConfig):
            _c.fail("config", f"must be a wxkf.CallbackConfig, not {type(config).__name__}")
        self.config = config
        self.guard = _guard(guard) if guard is not None else ReplayGuard(window_secs=config.window_secs)

    def verify_url(self, query: Mapping[str, Any]) -> str:
        """The ``echostr`` to answer a URL check with."""
        return check_url(self.config, query)

    def open(self, query: Mapping[str, Any], body: Union[bytes, str]) -> OpenedPush:
        """Verifies, decrypts and parses a push, refusing replays."""
        return open_push(self.config, query, body, guard=self.guard)

    def reply(self, opened: OpenedPush, reply: Reply) -> str:
        """The HTTP body answering ``opened``."""
        return build_reply(self.config, opened, reply)

    def __repr__(self) -> str:
        return f"Webhook(appid={self.config.appid!r}, safe_mode={self.config.encoding_aes_key is not None})"
