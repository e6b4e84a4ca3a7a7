"""Unit tests of the typed layer: messages, results, errors, time conversion."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import time
import warnings
from typing import Iterator

import pytest

import wxkf
from wxkf._check import unix
from wxkf.errors import _from_view

ALL_MESSAGES = [
    wxkf.Text("hi", kf_account="kf@x"),
    wxkf.Image("m"),
    wxkf.Voice("m"),
    wxkf.Video("m", "t", title="a", description="b"),
    wxkf.Music("u", "hq", "t", title="s"),
    wxkf.News([wxkf.Article("t", "http://u", picurl="p")]),
    wxkf.MpNews("m"),
    wxkf.MpNewsArticle("a"),
    wxkf.MsgMenu([wxkf.MenuItem("1", "yes")], head_content="h", tail_content="t"),
    wxkf.WxCard("c"),
    wxkf.MiniProgramPage("t", "wxa", "p", "m"),
]


@pytest.mark.parametrize("message", ALL_MESSAGES, ids=lambda m: m.msgtype)
def test_messages_round_trip(message: wxkf.Message) -> None:
    d = message.to_dict()
    assert list(d)[0] == message.msgtype
    assert wxkf.message_from_dict(d) == message
    assert hash(message) == hash(wxkf.message_from_dict(d))
    assert repr(message).startswith(type(message).__name__ + "(")
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.kf_account = "other"  # type: ignore[misc]


def test_every_kind_has_a_class() -> None:
    assert {m.msgtype for m in ALL_MESSAGES} == {
        "text", "image", "voice", "video", "music", "news", "mpnews", "mpnewsarticle", "msgmenu", "wxcard",
        "miniprogrampage",
    }
    assert wxkf.Text("x").to_dict() == {"text": {"content": "x"}}
    assert wxkf.Text("x", kf_account="k@x").to_dict() == {"text": {"content": "x"}, "kf_account": "k@x"}


def test_every_push_kind_has_its_class() -> None:
    # The names Python has always used (events end in Event), generated from core's push kinds.
    from wxkf import types

    assert {t: c.__name__ for t, c in types._PUSH_KINDS.items()} == {
        "text": "TextPush", "image": "ImagePush", "voice": "VoicePush", "video": "VideoPush",
        "shortvideo": "ShortVideoPush", "location": "LocationPush", "link": "LinkPush",
        "subscribe": "SubscribeEvent", "unsubscribe": "UnsubscribeEvent", "scan": "ScanEvent", "click": "ClickEvent",
        "view": "ViewEvent", "kf_create_session": "KfCreateSessionEvent", "kf_close_session": "KfCloseSessionEvent",
        "kf_switch_session": "KfSwitchSessionEvent", "other": "OtherPush",
    }
    assert all(issubclass(c, wxkf.PushMessage) and c.type == t for t, c in types._PUSH_KINDS.items())


def test_message_from_dict_refuses_bad_shapes() -> None:
    with pytest.raises(wxkf.ValidationError) as two:
        wxkf.message_from_dict({"text": {"content": "a"}, "image": {"media_id": "m"}})
    assert two.value.field == "message"
    with pytest.raises(wxkf.ValidationError) as unknown:
        wxkf.message_from_dict({"text": {"content": "a", "colour": "red"}})
    assert unknown.value.field == "message.text"
    with pytest.raises(wxkf.ValidationError) as wrong:
        wxkf.message_from_dict({"text": {"content": 5}})
    assert wrong.value.field == "text.content"
    with pytest.raises(wxkf.ValidationError) as missing:
        wxkf.message_from_dict({"video": {"media_id": "m"}})
    assert missing.value.field == "message.video"


def test_results_are_frozen_values() -> None:
    a = wxkf.KfSession(kf_account=None, createtime=0)
    assert a == wxkf.KfSession(None, 0) and a.to_dict() == {"kf_account": None, "createtime": 0}
    w = wxkf.WaitCaseList._from({"count": 1, "waitcaselist": [{"openid": "o", "latest_time": 5}]})
    assert w.waitcaselist == (wxkf.WaitCase("o", 5),) and "WaitCase(openid='o'" in repr(w)
    token = wxkf.AccessToken(access_token="SECRET_TOKEN", expires_in=7200)
    assert "SECRET_TOKEN" not in repr(token) and "SECRET_TOKEN" not in str(token)
    assert wxkf.AccessToken is wxkf.AccessTokenResponse
    cfg = wxkf.CallbackConfig(token="CB_SECRET", appid="wx1", encoding_aes_key="K" * 43)
    assert "CB_SECRET" not in repr(cfg) and "KKKK" not in repr(cfg)


def test_error_mapping_covers_every_family() -> None:
    catalogue = wxkf.error_catalogue()
    assert len(catalogue) > 40
    for row in catalogue:
        view = {"kind": "api", "message": "m", "code": row["name"], "errcode": row["errcode"], "errmsg": "x",
                "family": row["family"], "retry": row["retry"]}
        e = _from_view(view)
        assert isinstance(e, wxkf.ApiError) and e.errcode == row["errcode"] and e.code == row["name"]
        if row["family"] != "other":
            assert type(e) is not wxkf.ApiError, row
    by_code = {r["errcode"]: r for r in catalogue}
    assert by_code[45015]["family"] == "out_of_window" and by_code[45047]["family"] == "response_limit"
    assert issubclass(wxkf.ValidationError, ValueError)
    for cls in (wxkf.ApiError, wxkf.ValidationError, wxkf.TransportError, wxkf.HttpError, wxkf.DecodeError,
                wxkf.CallbackError):
        assert issubclass(cls, wxkf.WxkfError)
    e = _from_view({"kind": "decode", "code": "DECODE", "message": "m", "reason": "r", "body": "<html>"})
    assert isinstance(e, wxkf.DecodeError) and e.body == "<html>" and e.code == "DECODE" and e.kind == "decode"
    t = _from_view({"kind": "transport", "code": "TRANSPORT", "message": "m", "transport_kind": "timeout", "reason": "r"})
    assert isinstance(t, wxkf.TransportError) and (t.transport_kind, t.reason, str(t)) == ("timeout", "r", "m")


def naive_warning() -> "contextlib.AbstractContextManager[object]":
    """What a naive datetime gives on this machine: a warning unless local time is China time."""
    if dt.datetime(2023, 11, 15).astimezone().utcoffset() == dt.timedelta(hours=8):
        return contextlib.nullcontext()
    return pytest.warns(UserWarning, match="naive datetime, read as China time")


def test_times() -> None:
    assert unix(1700000000, "t") == 1700000000
    assert unix(1700000000.7, "t") == 1700000000
    with naive_warning():
        assert unix(dt.datetime(2023, 11, 15, 6, 13, 20), "t") == 1700000000  # naive = China time
    assert unix(dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc), "t") == 1700000000
    assert unix(dt.date(2023, 11, 15), "t") == 1700000000 - (6 * 3600 + 13 * 60 + 20)
    # Anything else goes to core as it is, which names the argument.
    c = wxkf.Client.fixed("T", base_url="http://127.0.0.1:9")
    with pytest.raises(wxkf.ValidationError) as bad:
        c.iter_msg_records("yesterday", 1700000000)  # type: ignore[arg-type]
    assert bad.value.field == "start"


@contextlib.contextmanager
def local_time_zone(tz: str) -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = tz
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_naive_datetimes_warn_where_local_time_is_not_china_time() -> None:
    naive = dt.datetime(2023, 11, 15, 6, 13, 20)
    c = wxkf.Client.fixed("T", base_url="http://127.0.0.1:9")
    with local_time_zone("UTC0"):
        with pytest.warns(UserWarning, match=r"start is a naive datetime, .* local time is UTC\+0000") as caught:
            it = c.iter_msg_records(naive, 1700003600)
        # The warning points at the caller's line, not into wxkf.
        assert caught[0].filename == __file__, caught[0].filename
        assert it.cursor is not None and it.cursor.window_start == 1700000000  # still read as China time
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert unix(naive.replace(tzinfo=dt.timezone.utc), "t") == 1700000000 + 8 * 3600  # aware: no warning
            assert unix(dt.date(2023, 11, 15), "t") == 1700000000 - (6 * 3600 + 13 * 60 + 20)  # a date: none
    with local_time_zone("CST-8"), warnings.catch_warnings():
        warnings.simplefilter("error")  # local time is China time: a naive datetime is unambiguous
        assert unix(naive, "t") == 1700000000


def test_native_argument_errors_are_validation_errors() -> None:
    c = wxkf.Client.fixed("T", base_url="http://127.0.0.1:9")
    with pytest.raises(wxkf.ValidationError) as e:
        c.get_msg_list(0, 10, msgid="x")  # type: ignore[arg-type]
    assert e.value.field == "msgid"
    with pytest.raises(wxkf.ValidationError) as w:
        c.iter_msg_records(10, 5)
    assert w.value.field
    with pytest.raises(wxkf.ValidationError) as t:
        wxkf.Client.stable("wx", "s", timeout_ms=0)
    assert t.value.field == "timeout_ms"
    with pytest.raises(wxkf.ValidationError) as o:
        wxkf.Client.stable("wx", "s", timeout=5)
    assert "timeout" in o.value.reason


def test_reply_and_version() -> None:
    assert wxkf.Reply.transfer_customer_service("k@x").to_dict() == {
        "type": "transfer_customer_service", "kf_account": "k@x"}
    assert wxkf.Reply.text("hi").to_dict() == {"type": "text", "content": "hi"}
    assert wxkf.Reply.success().to_dict() == {"type": "success"}
    assert wxkf.__version__.count(".") == 2


def test_the_installed_wheel_is_under_test() -> None:
    # The tests run against the wheel installed in a fresh venv, not the source tree, so a
    # file missing from the wheel fails them.
    from pathlib import Path

    package = Path(wxkf.__file__).parent
    assert "site-packages" in package.parts, package
    for name in ("py.typed", "_wxkf.pyi", "errors.py", "push.py", "types.py", "client.py", "_ops.py"):
        assert (package / name).is_file(), name
    assert any(p.name.startswith("_wxkf") and p.suffix in (".so", ".pyd") for p in package.iterdir())


def test_wheel_metadata() -> None:
    from importlib import metadata

    meta = metadata.metadata("wxkf")
    assert meta["Name"] == "wxkf" and meta["Version"] == wxkf.__version__
    assert meta["Requires-Python"] == ">=3.10"
    assert "Typing :: Typed" in meta.get_all("Classifier", [])
    assert "Client" in (meta.get_payload() or "")  # the README is the long description
    wheel = metadata.distribution("wxkf").read_text("WHEEL") or ""
    assert "-abi3-" in wheel, wheel


def test_import_defers_types_and_push() -> None:
    # Keeps `import wxkf` short: the dataclass modules load on first use.
    import subprocess
    import sys

    code = (
        "import sys, wxkf; a = ('wxkf.types' in sys.modules, 'wxkf.push' in sys.modules); "
        "wxkf.Text('x'); wxkf.Webhook; print(a, 'wxkf.types' in sys.modules, 'wxkf.push' in sys.modules)"
    )
    out = subprocess.check_output([sys.executable, "-c", code], text=True).strip()
    assert out == "(False, False) True True", out
    with pytest.raises(AttributeError):
        getattr(wxkf, "NoSuchName")
