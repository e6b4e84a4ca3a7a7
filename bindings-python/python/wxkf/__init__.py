"""wxkf: the WeChat Official Account customer-service ("kf") API for Python.

``Client`` (blocking, thread-safe) and ``AsyncClient`` (asyncio) call every operation;
``wxkf.push`` (re-exported here) verifies and opens pushes and builds passive replies.
The protocol logic is wxkf's Rust core, shared with the Rust, JavaScript and mobile SDKs.

Log records go to the ``wxkf`` logger (``logging.getLogger("wxkf")``); after changing its
level at run time, call ``wxkf.reset_logging()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List

from . import _wxkf
from .client import AsyncClient, AsyncRecordIterator, Client, RecordIterator, TimeLike, TokenProvider
from .errors import (
    AccountError,
    ApiError,
    CallbackError,
    CredentialError,
    DecodeError,
    HttpError,
    InvalidRequestError,
    MessageError,
    OutOfWindowError,
    RateLimitError,
    ResponseLimitError,
    SessionError,
    TokenError,
    TransportError,
    ValidationError,
    WxkfError,
)

if TYPE_CHECKING:
    from .types import (
        AccessToken,
        Article,
        Image,
        KfInfo,
        KfOnlineInfo,
        KfSession,
        MenuItem,
        Message,
        MiniProgramPage,
        MpNews,
        MpNewsArticle,
        MsgListPage,
        MsgMenu,
        MsgRecord,
        Music,
        News,
        RecordCursor,
        SessionItem,
        Text,
        Video,
        Voice,
        WaitCase,
        WaitCaseList,
        WxCard,
        message_from_dict,
    )
    from .push import (
        CallbackConfig,
        ClickEvent,
        ImagePush,
        KfCloseSessionEvent,
        KfCreateSessionEvent,
        KfSwitchSessionEvent,
        LinkPush,
        LocationPush,
        OpenedPush,
        OtherPush,
        PushMessage,
        RawField,
        ReplayGuard,
        Reply,
        ScanEvent,
        ShortVideoPush,
        SubscribeEvent,
        TextPush,
        UnsubscribeEvent,
        VideoPush,
        ViewEvent,
        VoicePush,
        Webhook,
        build_reply,
        check_url,
        open_push,
    )

__version__: str = _wxkf.__version__

# The value types and the push side load on first use, so ``import wxkf`` stays fast.
_TYPE_NAMES = frozenset(
    [
        "AccessToken",
        "Article",
        "Image",
        "KfInfo",
        "KfOnlineInfo",
        "KfSession",
        "MenuItem",
        "Message",
        "MiniProgramPage",
        "MpNews",
        "MpNewsArticle",
        "MsgListPage",
        "MsgMenu",
        "MsgRecord",
        "Music",
        "News",
        "RecordCursor",
        "SessionItem",
        "Text",
        "Video",
        "Voice",
        "WaitCase",
        "WaitCaseList",
        "WxCard",
        "message_from_dict",
    ]
)
_PUSH_NAMES = frozenset(
    [
        "CallbackConfig",
        "ClickEvent",
        "ImagePush",
        "KfCloseSessionEvent",
        "KfCreateSessionEvent",
        "KfSwitchSessionEvent",
        "LinkPush",
        "LocationPush",
        "OpenedPush",
        "OtherPush",
        "PushMessage",
        "RawField",
        "ReplayGuard",
        "Reply",
        "ScanEvent",
        "ShortVideoPush",
        "SubscribeEvent",
        "TextPush",
        "UnsubscribeEvent",
        "VideoPush",
        "ViewEvent",
        "VoicePush",
        "Webhook",
        "build_reply",
        "check_url",
        "open_push",
    ]
)


def __getattr__(name: str) -> Any:
    if name in _TYPE_NAMES:
        from . import types

        return getattr(types, name)
    if name in _PUSH_NAMES:
        from . import push

        return getattr(push, name)
    raise AttributeError(f"module 'wxkf' has no attribute {name!r}")


def __dir__() -> List[str]:
    return sorted(set(globals()) | _TYPE_NAMES | _PUSH_NAMES)


def error_catalogue() -> List[Dict[str, Any]]:
    """Every WeChat errcode wxkf knows: ``{errcode, name, meaning, retry, family}`` dicts."""
    return list(_wxkf.catalogue())


def reset_logging() -> None:
    """Makes wxkf see level changes of the ``wxkf`` loggers made after the first log record."""
    _wxkf.reset_logging()


__all__ = [
    "AccessToken", "AccountError", "ApiError", "Article", "AsyncClient", "AsyncRecordIterator",
    "CallbackConfig", "CallbackError", "ClickEvent", "Client", "CredentialError", "DecodeError",
    "HttpError", "Image", "ImagePush", "InvalidRequestError", "KfCloseSessionEvent",
    "KfCreateSessionEvent", "KfInfo", "KfOnlineInfo", "KfSession", "KfSwitchSessionEvent",
    "LinkPush", "LocationPush", "MenuItem", "Message", "MessageError", "MiniProgramPage", "MpNews",
    "MpNewsArticle", "MsgListPage", "MsgMenu", "MsgRecord", "Music", "News", "OpenedPush",
    "OtherPush", "OutOfWindowError", "PushMessage", "RateLimitError", "RawField", "RecordCursor",
    "RecordIterator", "ReplayGuard", "Reply", "ResponseLimitError", "ScanEvent", "SessionError",
    "SessionItem", "ShortVideoPush", "SubscribeEvent", "Text", "TextPush", "TimeLike", "TokenError",
    "TokenProvider", "TransportError", "UnsubscribeEvent", "ValidationError", "Video", "VideoPush",
    "ViewEvent", "Voice", "VoicePush", "WaitCase", "WaitCaseList", "Webhook", "WxCard", "WxkfError",
    "build_reply", "check_url", "error_catalogue", "message_from_dict", "open_push", "reset_logging",
]
