"""The cross-runtime scenario (tests/conformance/scenario.json, format in its README) through
the public API of ``Client`` and of ``AsyncClient``, against the emulator: every step's result
or error, field by field, and no secret of the scenario in any error or result text."""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import urllib.request
from typing import Any, Dict, Iterator, List

import pytest

import wxkf
from conftest import ROOT, Emulator

SCENARIO = json.loads((ROOT / "tests" / "conformance" / "scenario.json").read_text())
ERROR_FIELDS = ("kind", "code", "errcode", "family", "retry", "field", "status", "transport_kind", "callback_kind")
VIEW_FIELDS = ERROR_FIELDS + ("message", "errmsg", "reason", "body")


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    e = SCENARIO["emulator"]
    emu = Emulator(appid=e["appid"], secret=e["secret"], token=e["callback_token"])
    yield emu
    emu.stop()


def make_client(cls: Any, emu: Emulator, credentials: Dict[str, Any], options: Dict[str, Any]) -> Any:
    return cls(**credentials, **{"base_url": emu.url, **options})


def plain(value: Any) -> Any:
    """A result as JSON data (what the scenario writes)."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value.to_dict() if hasattr(value, "to_dict") else value


def contains(got: Any, want: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and contains(got[k], v) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(got, list) and all(any(contains(g, w) for g in got) for w in want)
    return bool(got == want)


def args_of(cls: Any, name: str, args: Dict[str, Any]) -> Dict[str, Any]:
    """The scenario's JSON arguments as the Python method takes them (bytes as bytes)."""
    params = inspect.signature(getattr(cls, name)).parameters
    return {k: base64.b64decode(v) if params[k].annotation == "bytes" else v for k, v in args.items()}


async def run_scenario(scenario: Dict[str, Any], cls: Any, emu: Emulator) -> List[str]:
    """Runs every step with clients of ``cls`` (on one event loop, for ``AsyncClient``); returns
    every text shown, for the secrets scan."""
    emu.admin("POST", "reset", {})
    first = scenario["client"]
    client = make_client(cls, emu, first["credentials"], first.get("options", {}))
    hook_cfg = scenario["webhook"]
    webhook = wxkf.Webhook(wxkf.CallbackConfig(
        token=hook_cfg["token"], appid=hook_cfg["app_id"], encoding_aes_key=hook_cfg.get("encoding_aes_key")))
    shown: List[str] = []
    for step in scenario["steps"]:
        name = step["name"]
        if "admin" in step:
            a = step["admin"]
            body = None if a.get("body") is None else json.dumps(a["body"]).encode()
            req = urllib.request.Request(emu.url + a["path"], data=body, method=a["method"])
            req.add_header("content-type", "application/json")
            with urllib.request.urlopen(req, timeout=10) as resp:
                assert 200 <= resp.status < 300, name
            continue
        if "client" in step:
            c = step["client"]
            credentials = {**first["credentials"], **c.get("credentials", {})}
            client = make_client(cls, emu, credentials, {**first.get("options", {}), **c.get("options", {})})
            continue
        try:
            if "push" in step:
                p = step["push"]
                result: Any = webhook.open(p["query"], p["body"], now=p["now"])
            else:
                result = getattr(client, step["call"])(**args_of(cls, step["call"], step["args"]))
                if inspect.isawaitable(result):
                    result = await result
        except wxkf.WxkfError as e:
            shown.append(" | ".join([str(e), repr(e)] + [str(getattr(e, f, "")) for f in VIEW_FIELDS]))
            want = step["expect"].get("error")
            assert want is not None, f"{name}: unexpected {e!r}"
            got = {f: getattr(e, f) for f in want}
            assert got == want, f"{name}: {got} != {want}"
            assert isinstance(e, {"api": wxkf.ApiError, "validation": wxkf.ValidationError, "decode": wxkf.DecodeError,
                                  "http": wxkf.HttpError, "transport": wxkf.TransportError,
                                  "callback": wxkf.CallbackError}[want["kind"]]), name
            continue
        got = plain(result)
        shown.append(json.dumps(got, ensure_ascii=False))
        expect = step["expect"]
        assert "error" not in expect, f"{name}: expected {expect['error']}, got {got!r}"
        if "result" in expect:
            assert got == expect["result"], name
        else:
            assert contains(got, expect["result_contains"]), f"{name}: {got!r}"
    return shown


@pytest.mark.parametrize("cls", [wxkf.Client, wxkf.AsyncClient], ids=["Client", "AsyncClient"])
def test_scenario(cls: Any, emulator: Emulator) -> None:
    shown = asyncio.run(run_scenario(SCENARIO, cls, emulator))
    text = "\n".join(shown)
    for secret in SCENARIO["secrets"]:
        assert secret not in text, f"{secret!r} appeared in what the run showed"
    kinds = {s["expect"]["error"]["kind"] for s in SCENARIO["steps"] if "error" in s.get("expect", {})}
    assert kinds == {"api", "validation", "decode", "http", "transport", "callback"}, kinds


def test_the_runner_catches_a_changed_expectation(emulator: Emulator) -> None:
    changed = json.loads(json.dumps(SCENARIO))
    step = next(s for s in changed["steps"] if s["name"] == "http error keeps the status")
    step["expect"]["error"]["status"] = 502
    with pytest.raises(AssertionError, match="http error keeps the status"):
        asyncio.run(run_scenario(changed, wxkf.Client, emulator))
