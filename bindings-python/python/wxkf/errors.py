"""The exceptions of wxkf: one hierarchy, mapped once from the core's error type.

``WxkfError`` is the base. WeChat's non-zero ``errcode`` answers are :class:`ApiError`, with a
subclass per family users catch together (token, credentials, rate limit, the 48-hour
window, the response limit, ...). No exception text ever holds the AppSecret, an access
token or an AES key.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

__all__ = [
    "WxkfError",
    "ApiError",
    "TokenError",
    "CredentialError",
    "RateLimitError",
    "OutOfWindowError",
    "ResponseLimitError",
    "InvalidRequestError",
    "AccountError",
    "SessionError",
    "MessageError",
    "ValidationError",
    "TransportError",
    "HttpError",
    "DecodeError",
    "CallbackError",
]


class WxkfError(Exception):
    """Base of every wxkf error. ``code`` is a stable name (``VALIDATION``, ``TRANSPORT``,
    or the catalogue name of a WeChat errcode such as ``RESPONSE_OUT_OF_TIME``)."""

    code: str = "WXKF"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApiError(WxkfError):
    """WeChat answered with a non-zero ``errcode``.

    ``errcode``/``errmsg`` are WeChat's raw values, ``code`` the catalogue name (``OTHER``
    for codes wxkf does not know), ``retry`` one of ``refresh_token``, ``retry_later``,
    ``never`` and ``family`` the group the code belongs to.
    """

    def __init__(
        self,
        message: str,
        *,
        errcode: int,
        errmsg: str,
        code: str = "OTHER",
        retry: str = "never",
        family: str = "other",
    ) -> None:
        super().__init__(message)
        self.errcode = errcode
        self.errmsg = errmsg
        self.code = code
        self.retry = retry
        self.family = family

    @property
    def name(self) -> str:
        """The catalogue name (same as ``code``)."""
        return self.code


class TokenError(ApiError):
    """The access token is missing, invalid or expired (40001, 40014, 41001, 42001)."""


class CredentialError(ApiError):
    """AppID, AppSecret or the caller IP is wrong (40013, 40125, 40164, ...)."""


class RateLimitError(ApiError):
    """A rate limit or quota was hit, or WeChat was busy (-1, 45009, 45011, ...)."""


class OutOfWindowError(ApiError):
    """The user has not interacted in the last 48 hours (45015)."""


class ResponseLimitError(ApiError):
    """Too many messages were sent to a user without a reply (45047)."""


class InvalidRequestError(ApiError):
    """The request was malformed or missed a parameter."""


class AccountError(ApiError):
    """A kf account error (65400-65412)."""


class SessionError(ApiError):
    """A session or record error (65413-65417)."""


class MessageError(ApiError):
    """A message or media error (bad openid, media id, content)."""


class ValidationError(WxkfError, ValueError):
    """An input broke a rule before anything was sent; ``field`` names it, ``reason`` says
    which rule."""

    code = "VALIDATION"

    def __init__(self, message: str, *, field: str, reason: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


class TransportError(WxkfError):
    """The exchange failed below HTTP. ``kind`` is ``connect`` (surely not sent),
    ``timeout``, ``reset``, ``aborted``, ``not_sent`` or ``other``."""

    code = "TRANSPORT"

    def __init__(self, message: str, *, kind: str, detail: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.detail = detail


class HttpError(WxkfError):
    """WeChat answered with a non-200 HTTP status; ``body`` keeps its first bytes."""

    code = "HTTP_STATUS"

    def __init__(self, message: str, *, status: int, body: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class DecodeError(WxkfError):
    """The response was not the JSON expected; ``body`` keeps its first bytes."""

    code = "DECODE"

    def __init__(self, message: str, *, reason: str, body: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.body = body


class CallbackError(WxkfError):
    """A push was refused: ``kind`` is ``signature``, ``timestamp``, ``replay``,
    ``too_large``, ``crypto``, ``appid`` or ``xml``. Answer such requests with HTTP 400."""

    code = "CALLBACK"

    def __init__(self, message: str, *, kind: str, reason: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.reason = reason


_FAMILIES: Dict[str, Type[ApiError]] = {
    "token": TokenError,
    "credential": CredentialError,
    "rate_limit": RateLimitError,
    "out_of_window": OutOfWindowError,
    "response_limit": ResponseLimitError,
    "invalid_request": InvalidRequestError,
    "account": AccountError,
    "session": SessionError,
    "message": MessageError,
}


def _from_core(d: Dict[str, Any]) -> WxkfError:
    """Builds the exception for an error described by the native module (internal)."""
    kind = d.get("kind")
    message = str(d.get("message", ""))
    if kind == "api":
        cls = _FAMILIES.get(str(d.get("family")), ApiError)
        return cls(
            message,
            errcode=int(d["errcode"]),
            errmsg=str(d["errmsg"]),
            code=str(d["code"]),
            retry=str(d["retry"]),
            family=str(d["family"]),
        )
    if kind == "validation":
        return ValidationError(message, field=str(d["field"]), reason=str(d["reason"]))
    if kind == "transport":
        return TransportError(message, kind=str(d["transport_kind"]), detail=str(d["detail"]))
    if kind == "http":
        return HttpError(message, status=int(d["status"]), body=str(d["body"]))
    if kind == "decode":
        return DecodeError(message, reason=str(d["reason"]), body=str(d["body"]))
    if kind == "callback":
        return CallbackError(message, kind=str(d["callback_kind"]), reason=str(d["reason"]))
    return WxkfError(message)


