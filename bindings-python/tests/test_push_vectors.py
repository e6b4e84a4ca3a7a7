"""The shared push vectors (tests/vectors/push-*.json) through wxkf's push API."""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Dict, List, Tuple

import pytest

import wxkf
from conftest import VECTORS


def load(fmt: str) -> List[Tuple[Dict[str, Any], Dict[str, Any]]]:
    out = []
    for path in sorted(VECTORS.glob("push-*.json")):
        doc = json.loads(path.read_text())
        if doc["format"].split()[0] != fmt:
            continue
        for case in doc["cases"]:
            out.append((case.get("config", doc["config"]), case))
    return out


def config_of(c: Dict[str, Any]) -> wxkf.CallbackConfig:
    return wxkf.CallbackConfig(
        token=c["token"], appid=c["appid"], encoding_aes_key=c.get("encoding_aes_key"),
        window_secs=c.get("window_secs", 300),
    )


def body_of(case: Dict[str, Any]) -> bytes:
    if "body_base64" in case:
        return base64.b64decode(case["body_base64"])
    return (case["body"] * case.get("body_repeat", 1)).encode()


def check_error(e: wxkf.WxkfError, want: Dict[str, Any]) -> None:
    if want["code"] == "CALLBACK":
        assert isinstance(e, wxkf.CallbackError) and e.callback_kind == want["kind"], repr(e)
    else:
        assert isinstance(e, wxkf.ValidationError) and e.field == want["field"], repr(e)


URL = load("push-url")
OPEN = load("push-open")
REPLY = load("push-reply")


@pytest.mark.parametrize("config,case", URL, ids=[c["name"] for _, c in URL])
def test_url(config: Dict[str, Any], case: Dict[str, Any]) -> None:
    try:
        echo = wxkf.check_url(config_of(config), case["query"], now=case["now"])
    except wxkf.WxkfError as e:
        assert "error" in case, repr(e)
        check_error(e, case["error"])
        return
    assert "expect" in case, f"expected an error, got {echo!r}"
    assert echo == case["expect"]["echostr"]


def open_case(config: Dict[str, Any], case: Dict[str, Any]) -> wxkf.OpenedPush:
    cfg = config_of(config)
    body = body_of(case)
    guard_spec = case.get("guard")
    if not guard_spec:
        return wxkf.open_push(cfg, case["query"], body, now=case["now"])
    guard = wxkf.ReplayGuard(guard_spec["capacity"], cfg.window_secs)
    for _ in range(guard_spec["times"] - 1):
        wxkf.open_push(cfg, case["query"], body, now=case["now"], guard=guard)
    return wxkf.open_push(cfg, case["query"], body, now=case["now"], guard=guard)


@pytest.mark.parametrize("config,case", OPEN, ids=[c["name"] for _, c in OPEN])
def test_open(config: Dict[str, Any], case: Dict[str, Any]) -> None:
    try:
        opened = open_case(config, case)
    except wxkf.WxkfError as e:
        assert "error" in case, repr(e)
        check_error(e, case["error"])
        return
    assert "expect" in case, f"expected an error, got {opened!r}"
    want = case["expect"]
    assert opened.encrypted == want["encrypted"]
    assert opened.raw_xml == want["raw_xml"]
    got = opened.message.to_dict()
    if isinstance(opened.message, wxkf.OtherPush):
        got["fields"] = [dict(f) for f in got["fields"]]
    assert got == want["message"]
    assert type(opened.message).type == want["message"]["type"]


@pytest.mark.parametrize("config,case", REPLY, ids=[c["name"] for _, c in REPLY])
def test_reply(config: Dict[str, Any], case: Dict[str, Any]) -> None:
    push = case["push"]
    cfg = config_of(push.get("config", config))
    opened = wxkf.open_push(cfg, push["query"], body_of(push), now=push["now"])
    r = case["reply"]
    reply = {
        "success": wxkf.Reply.success(),
        "text": wxkf.Reply.text(r.get("content", "")),
        "transfer_customer_service": wxkf.Reply.transfer_customer_service(r.get("kf_account")),
    }[r["type"]]
    try:
        body = wxkf.build_reply(
            cfg, opened, reply, now=case["now"], nonce=case["nonce"], random16=bytes.fromhex(case["random_hex"])
        )
    except wxkf.WxkfError as e:
        assert "error" in case, repr(e)
        check_error(e, case["error"])
        return
    assert "expect" in case, f"expected an error, got {body!r}"
    assert body == case["expect"]["body"]
    if "inner_xml" in case["expect"]:
        # The envelope is signed like a safe-mode push: opening it must verify and decrypt
        # to exactly the inner XML.
        sig = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]>", body)
        assert sig is not None
        query = {"timestamp": str(case["now"]), "nonce": case["nonce"], "encrypt_type": "aes",
                 "msg_signature": sig.group(1)}
        inner = wxkf.open_push(cfg, query, body, now=case["now"])
        assert inner.encrypted and inner.raw_xml == case["expect"]["inner_xml"]


def test_every_push_file_ran() -> None:
    assert len(URL) >= 3 and len(OPEN) >= 40 and len(REPLY) >= 5
