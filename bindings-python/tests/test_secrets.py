"""Secrets never leak from the Python binding: the AppSecret, fixed and provided tokens, the
token the emulator issued and the EncodingAESKey are scanned for in every log record (level 1,
below DEBUG), every repr and every exception text, across successes and error paths."""

from __future__ import annotations

import logging
from typing import Any, List

import pytest

import wxkf
from conftest import APPID, SECRET, Emulator

FIXED_MARKER = "TOKENMARKERfixedPy31"
PROVIDED_MARKER = "TOKENMARKERprovidedPy77"
AES_MARKER = "AESMARKERpyAESMARKERpyAESMARKERpy0123456789"  # 43 base64 characters


def test_no_secret_in_logs_reprs_or_errors(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(1, logger="wxkf")
    wxkf.reset_logging()
    shown: List[str] = []

    def run(what: str, f: Any) -> None:
        try:
            shown.append(f"{what}: {f()!r}")
        except wxkf.WxkfError as e:
            shown.append(f"{what}: {e} | {e!r} | {e.__cause__!r}")

    c = wxkf.Client.stable(APPID, SECRET, base_url=emu.url, timeout_ms=500)
    shown.append(repr(c))
    emu.admin("POST", "user/message", {"openid": "oPySecret", "content": "hi"})
    run("add", lambda: c.add_kf_account("ann@gh_emulator", "Ann"))
    run("add again", lambda: c.add_kf_account("ann@gh_emulator", "Ann"))
    run("list", c.get_kf_list)
    run("send", lambda: c.send_message("oPySecret", wxkf.Text("hello")))
    run("stranger", lambda: c.send_message("oNobody", wxkf.Text("x")))
    run("invalid", lambda: c.add_kf_account("no-at-sign", "x"))
    emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "http_status", "status": 502, "count": 3})
    run("502", c.get_kf_list)
    emu.admin("POST", "faults", {"path": "/cgi-bin/message/custom/send", "kind": "latency_ms", "ms": 900, "count": 1})
    run("timeout", lambda: c.send_message("oPySecret", wxkf.Text("slow")))
    emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "invalidate_token"})
    run("refreshed", c.get_kf_list)
    run("wrong secret", wxkf.Client.classic(APPID, "wrong-secret", base_url=emu.url).get_kf_list)
    fixed = wxkf.Client.fixed(FIXED_MARKER, base_url=emu.url)
    shown.append(repr(fixed))
    run("fixed refused", fixed.get_kf_list)
    run("connection refused", wxkf.Client.fixed(FIXED_MARKER, base_url="http://127.0.0.1:9").get_kf_list)
    brokered = wxkf.Client.with_provider(lambda failed: (PROVIDED_MARKER, 7200), base_url=emu.url)
    shown.append(repr(brokered))
    run("provided refused", brokered.get_kf_list)

    cfg = wxkf.CallbackConfig(token="cbtoken", appid=APPID, encoding_aes_key=AES_MARKER)
    shown.append(repr(cfg))
    query = {"signature": "", "timestamp": "1700000000", "nonce": "n", "encrypt_type": "aes", "msg_signature": "x" * 40}
    for body in ["<xml><Encrypt><![CDATA[!!]]></Encrypt></xml>", "<xml><Encrypt>AAAA</Encrypt></xml>", "<xml>", ""]:
        run("bad push", lambda: wxkf.open_push(cfg, query, body, now=1_700_000_000))
    run("url check", lambda: wxkf.check_url(cfg, {"signature": "x", "timestamp": "1", "nonce": "n", "echostr": "e"}, now=1))
    run("bad key", lambda: wxkf.CallbackConfig(token="t", appid=APPID, encoding_aes_key=AES_MARKER + "x") and
        wxkf.check_url({"token": "t", "appid": APPID, "encoding_aes_key": AES_MARKER + "x"},
                       {"signature": "x", "timestamp": "1", "nonce": "n", "echostr": "e"}, now=1))

    issued = c.access_token()
    logs = "\n".join(r.getMessage() for r in caplog.records)
    text = "\n".join(shown)
    assert "sending" in logs and len(caplog.records) > 10, logs
    assert "TRANSPORT" in text.upper() and "ValidationError" in text, text
    for name, marker in [("AppSecret", SECRET), ("fixed token", FIXED_MARKER), ("provided token", PROVIDED_MARKER),
                         ("AES key", AES_MARKER), ("issued token", issued)]:
        assert marker not in logs, f"{name} leaked into the logs"
        assert marker not in text, f"{name} leaked into a repr or an error:\n{text}"
    logging.getLogger("wxkf").setLevel(logging.WARNING)
    wxkf.reset_logging()
