"""The push API beyond the vectors: ``Webhook`` with the real clock and its replay guard,
query dicts as frameworks give them, typed kinds, and secrets kept out of reprs."""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any, Dict

import pytest

import wxkf
from conftest import VECTORS

DOC = json.loads((VECTORS / "push-messages.json").read_text())
CASES: Dict[str, Dict[str, Any]] = {c["name"]: c for c in DOC["cases"]}
CFG = wxkf.CallbackConfig(
    token=DOC["config"]["token"], appid=DOC["config"]["appid"], encoding_aes_key=DOC["config"]["encoding_aes_key"]
)
PLAIN = wxkf.CallbackConfig(token=CFG.token, appid=CFG.appid)


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def test_webhook_url_check_with_the_real_clock() -> None:
    hook = wxkf.Webhook(PLAIN)
    ts, nonce = str(int(time.time())), "4242"
    query = {"signature": sign(CFG.token, ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": "hello 123"}
    assert hook.check_url(query) == "hello 123"
    # Frameworks such as urllib.parse.parse_qs give lists: the first value counts.
    assert hook.check_url({k: [v] for k, v in query.items()}) == "hello 123"
    with pytest.raises(wxkf.CallbackError) as bad:
        hook.check_url({**query, "signature": "0" * 40})
    assert bad.value.callback_kind == "signature"
    stale = str(int(time.time()) - 3600)
    with pytest.raises(wxkf.CallbackError) as old:
        hook.check_url({**query, "timestamp": stale, "signature": sign(CFG.token, stale, nonce)})
    assert old.value.callback_kind == "timestamp"


def test_webhook_opens_plain_pushes_and_refuses_replays() -> None:
    hook = wxkf.Webhook(PLAIN, replay_capacity=10)
    ts, nonce = str(int(time.time())), "777"
    xml = (
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o_u]]></FromUserName>"
        f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[人工]]></Content><MsgId>1234567890123456789</MsgId></xml>"
    )
    query = {"signature": sign(CFG.token, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "o_u"}
    opened = hook.open(query, xml)  # str bodies are accepted
    assert isinstance(opened.message, wxkf.TextPush) and not opened.encrypted
    assert opened.message.content == "人工" and opened.message.from_user_name == "o_u"
    assert opened.message.to_dict()["type"] == "text" and opened.raw_xml == xml
    with pytest.raises(wxkf.CallbackError) as replay:
        hook.open(query, xml.encode())
    assert replay.value.callback_kind == "replay"
    # A plain push is answered in plain XML.
    body = hook.reply(opened, wxkf.Reply.transfer_customer_service("kf1@gh_1"))
    assert "<MsgType><![CDATA[transfer_customer_service]]></MsgType>" in body
    assert "<KfAccount><![CDATA[kf1@gh_1]]></KfAccount>" in body and "<Encrypt>" not in body
    assert hook.reply(opened, wxkf.Reply.success()) == "success"


def test_webhook_safe_mode_round_trip() -> None:
    # Open the shared encrypted vector at its own time, then let a safe-mode Webhook answer
    # it with the real clock: the encrypted envelope opens again and names the kf.
    case = CASES["safe_text"]
    opened = wxkf.open_push(CFG, case["query"], case["body"], now=case["now"])
    assert opened.encrypted and isinstance(opened.message, wxkf.TextPush)
    hook = wxkf.Webhook(CFG)
    body = hook.reply(opened, wxkf.Reply.transfer_customer_service("kf9@gh_x"))
    assert "<Encrypt>" in body and "kf9@gh_x" not in body
    sig = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]>", body)
    ts = re.search(r"<TimeStamp>(\d+)</TimeStamp>", body)
    nonce = re.search(r"<Nonce><!\[CDATA\[(.*?)\]\]>", body)
    assert sig and ts and nonce
    query = {"timestamp": ts.group(1), "nonce": nonce.group(1), "encrypt_type": "aes", "msg_signature": sig.group(1)}
    again = hook.open(query, body)
    assert again.encrypted and "<KfAccount><![CDATA[kf9@gh_x]]></KfAccount>" in again.raw_xml
    assert isinstance(again.message, wxkf.OtherPush) and again.message.msg_type == "transfer_customer_service"
    assert again.message.field("TransInfo.KfAccount") == "kf9@gh_x"
    assert again.message.field("NoSuchField") is None


def test_webhook_takes_now_and_refuses_replays_by_default() -> None:
    case = CASES["safe_text"]
    hook = wxkf.Webhook(CFG)
    opened = hook.open(case["query"], case["body"], now=case["now"])
    assert opened.encrypted and isinstance(opened.message, wxkf.TextPush)
    with pytest.raises(wxkf.CallbackError) as again:
        hook.open(case["query"], case["body"], now=case["now"])
    assert again.value.callback_kind == "replay"
    unguarded = wxkf.Webhook(CFG, replay_capacity=0)
    for _ in range(2):
        assert unguarded.open(case["query"], case["body"], now=case["now"]).raw_xml == opened.raw_xml
    ts, nonce = "1700000000", "99"
    query = {"signature": sign(CFG.token, ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": "e"}
    assert hook.check_url(query, now=1_700_000_000) == "e"
    with pytest.raises(wxkf.CallbackError):
        hook.check_url(query, now=1_700_000_000 + 3600)
    body = hook.reply(opened, wxkf.Reply.text("hi"), now=case["now"])
    assert f"<TimeStamp>{case['now']}</TimeStamp>" in body
    with pytest.raises(wxkf.ValidationError) as cap:
        wxkf.Webhook(CFG, replay_capacity=-1)
    assert cap.value.field == "replay_capacity"


def test_other_kinds_and_event_fields() -> None:
    nested = wxkf.open_push(
        CFG, CASES["plain_other_nested_scancode"]["query"], CASES["plain_other_nested_scancode"]["body"],
        now=CASES["plain_other_nested_scancode"]["now"],
    )
    assert isinstance(nested.message, wxkf.OtherPush)
    assert nested.message.field("ScanCodeInfo.ScanType") is not None
    assert all(isinstance(f, wxkf.RawField) for f in nested.message.fields)
    switch = CASES["plain_kf_switch_session"]
    ev = wxkf.open_push(CFG, switch["query"], switch["body"], now=switch["now"]).message
    assert isinstance(ev, wxkf.KfSwitchSessionEvent)
    assert ev.to_dict() == switch["expect"]["message"]


def test_secrets_stay_out_of_reprs_and_errors() -> None:
    assert CFG.token not in repr(CFG) and str(CFG.encoding_aes_key) not in repr(CFG)
    hook = wxkf.Webhook(CFG)
    assert CFG.token not in repr(hook) and "safe_mode=True" in repr(hook)
    case = CASES["safe_text"]
    with pytest.raises(wxkf.CallbackError) as e:
        wxkf.open_push(CFG, {**case["query"], "msg_signature": "0" * 40}, case["body"], now=case["now"])
    assert CFG.token not in str(e.value) and str(CFG.encoding_aes_key) not in str(e.value)


def test_bad_arguments_are_validation_errors() -> None:
    case = CASES["safe_text"]
    opened = wxkf.open_push(CFG, case["query"], case["body"], now=case["now"])
    with pytest.raises(wxkf.ValidationError) as short:
        wxkf.build_reply(CFG, opened, wxkf.Reply.success(), random16=b"short")
    assert short.value.field == "random16"
    with pytest.raises(wxkf.ValidationError) as cfg:
        wxkf.check_url({"token": "t"}, {}, now=0)
    assert cfg.value.field == "appid"
