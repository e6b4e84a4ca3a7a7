"""The shared request/response vectors, run through the public Client against a local
HTTP server that checks each request and answers the canned response."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import wxkf
from conftest import VECTORS


def load_cases() -> List[Tuple[str, Dict[str, Any]]]:
    cases = []
    for path in sorted(VECTORS.glob("*.json")):
        if path.name.startswith("push-"):
            continue
        for case in json.loads(path.read_text())["cases"]:
            cases.append((path.name, case))
    return cases


CASES = load_cases()
# A token call's appid and secret are the client's own, named as its settings.
CREDENTIALS = {"appid": "app_id", "secret": "app_secret"}


class Recorder:
    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self.response: Dict[str, Any] = {"status": 500, "body_text": "no case"}


@pytest.fixture(scope="module")
def server() -> Iterator[Tuple[str, Recorder]]:
    rec = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            n = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(n) if n else b""
            path, _, raw_query = self.path.partition("?")
            rec.requests.append(
                {"method": self.command, "path": path, "raw_query": raw_query,
                 "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
            )
            r = rec.response
            payload = r["body_text"].encode() if "body_text" in r else json.dumps(r["body"]).encode()
            self.send_response(r.get("status", 200))
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _handle
        do_POST = _handle

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", rec
    httpd.shutdown()


def check_request(want: Dict[str, Any], got: Dict[str, Any]) -> None:
    assert got["method"] == want["method"]
    assert got["path"] == want["path"]
    pairs = urllib.parse.parse_qsl(got["raw_query"], keep_blank_values=True)
    assert len({k for k, _ in pairs}) == len(pairs), "a query parameter twice"
    assert dict(pairs) == want["query"]
    if "raw_query" in want:
        assert got["raw_query"] == want["raw_query"]
    body: bytes = got["body"]
    if "json" in want:
        assert json.loads(body) == want["json"]
        assert got["headers"].get("content-type", "").startswith("application/json")
        if want.get("body_has_no_escapes"):
            assert b"\\u" not in body, body
    elif "multipart" in want:
        mp = want["multipart"]
        ct = got["headers"]["content-type"]
        assert ct.startswith("multipart/form-data; boundary=")
        boundary = ct.split("boundary=", 1)[1].encode()
        assert body.startswith(b"--" + boundary + b"\r\n") and body.endswith(b"\r\n--" + boundary + b"--\r\n")
        inner = body[len(boundary) + 4 : -(len(boundary) + 8)]
        head, _, data = inner.partition(b"\r\n\r\n")
        want_head = (
            f'Content-Disposition: form-data; name="{mp["field"]}"; filename="{mp["filename"]}"\r\n'
            f'Content-Type: {mp["content_type"]}'
        )
        assert head.decode() == want_head
        if "data_size" in mp:  # that many 0xFF bytes (a big image described compactly)
            assert data == b"\xff" * mp["data_size"], f"{len(data)} bytes"
        else:
            assert data == base64.b64decode(mp["data_base64"])
    else:
        assert body == b"", body


def call(base_url: str, op: str, inp: Dict[str, Any], sent: bool = True) -> Any:
    """Runs one vector operation through the public Client (``sent``: the vector expects a
    request, so its message must be built from its class)."""
    if op in ("get_access_token", "get_stable_access_token"):
        source = wxkf.Client.classic if op == "get_access_token" else wxkf.Client.stable
        client = source(inp["appid"], inp["secret"], base_url=base_url, max_attempts=1)
        if op == "get_access_token":
            return client.get_access_token()
        return client.get_stable_access_token(force_refresh=inp["force_refresh"])
    client = wxkf.Client.fixed("ACCESS_TOKEN", base_url=base_url, max_attempts=1)
    if op == "upload_kf_head_img":
        image = b"\xff" * inp["image_size"] if "image_size" in inp else base64.b64decode(inp["image_base64"])
        return client.upload_kf_head_img(inp["kf_account"], image, filename=inp.get("filename"))
    if op == "send_message":
        # A message core sends is built from its generated class (a missing class fails the
        # case); only a dict core refuses before sending may go as the raw dict.
        try:
            message: Any = wxkf.message_from_dict(inp["message"])
        except wxkf.ValidationError:
            if sent:
                raise
            message = inp["message"]
        return client.send_message(inp["touser"], message)
    method = getattr(client, op)
    return method(**inp)


def plain(value: Any, want: Any) -> Any:
    """A result as the vectors write it: dataclasses to dicts, absent optionals dropped."""
    if isinstance(value, list):
        return [plain(v, w) for v, w in zip(value, want if isinstance(want, list) else [None] * len(value))]
    if isinstance(value, wxkf.AccessToken):
        return {"access_token": value.access_token, "expires_in": value.expires_in}
    if hasattr(value, "to_dict"):
        d = value.to_dict()
        keys = want.keys() if isinstance(want, dict) else d.keys()
        return {k: v if not isinstance(v, (list, tuple)) else list(v) for k, v in d.items() if v is not None or k in keys}
    return value


@pytest.mark.parametrize("file,case", CASES, ids=[c["name"] for _, c in CASES])
def test_vector(server: Tuple[str, Recorder], file: str, case: Dict[str, Any]) -> None:
    base_url, rec = server
    rec.requests.clear()
    rec.response = case.get("response") or {"status": 500, "body_text": "must not be called"}
    expect = case["expect"]
    try:
        result = call(base_url, case["operation"], case["input"], case["request"] is not None)
        outcome: Tuple[str, Any] = ("ok", result)
    except wxkf.WxkfError as e:
        outcome = ("err", e)
    if case["request"] is None:
        assert rec.requests == [], "a request was sent for a case that must fail first"
    else:
        assert len(rec.requests) == 1, f"{len(rec.requests)} requests"
        check_request(case["request"], rec.requests[0])
    if "result" in expect:
        assert outcome[0] == "ok", outcome[1]
        want = expect["result"]
        got = plain(outcome[1], want)
        if isinstance(got, list):
            got = [{k: v for k, v in g.items() if v is not None or k in w} for g, w in zip(got, want)]
        assert got == want
    else:
        assert outcome[0] == "err", f"expected an error, got {outcome[1]!r}"
        e = outcome[1]
        want = expect["error"]
        kind = want["kind"]
        if kind == "api":
            assert isinstance(e, wxkf.ApiError)
            assert (e.errcode, e.code, e.retry) == (want["errcode"], want["code"], want["retry"])
        elif kind == "validation":
            # The token calls use the client's own credentials, checked when it is built.
            fields = (want["field"], CREDENTIALS.get(want["field"]))
            assert isinstance(e, wxkf.ValidationError) and e.field in fields, e
        elif kind == "decode":
            assert isinstance(e, wxkf.DecodeError), e
        elif kind == "http":
            assert isinstance(e, wxkf.HttpError) and e.status == want["status"], e
        else:
            pytest.fail(f"unknown error kind {kind}")


def test_vectors_cover_every_operation() -> None:
    ops = {c["operation"] for _, c in CASES}
    assert {"send_message", "get_msg_list", "upload_kf_head_img", "get_stable_access_token"} <= ops
    assert len(CASES) >= 60


def test_runner_catches_a_changed_expectation(server: Tuple[str, Recorder]) -> None:
    base_url, rec = server
    case = next(c for _, c in CASES if c["name"] == "send_image")
    rec.requests.clear()
    rec.response = case["response"]
    call(base_url, case["operation"], case["input"])
    changed = json.loads(json.dumps(case["request"]))
    changed["json"]["image"]["media_id"] = "other"
    with pytest.raises(AssertionError):
        check_request(changed, rec.requests[0])


def test_dict_arguments_reach_core_as_json_writes_them(server: Tuple[str, Recorder]) -> None:
    # The native side writes the arguments' dict as JSON itself; what JSON carries arrives as
    # `json.dumps` would send it: str subclasses, int enums, tuples, escapes and any Unicode.
    import enum

    class Name(str):
        pass

    class One(enum.IntEnum):
        ONE = 1

    base_url, rec = server
    rec.response = {"body": {"errcode": 0, "errmsg": "ok"}}
    client = wxkf.Client.fixed("ACCESS_TOKEN", base_url=base_url, max_attempts=1)
    title = 'quote " backslash \\ newline \n tab \t nul \x00 中文 👋 \u2028'
    article = {"title": Name(title), "description": "d", "url": "http://a", "picurl": "http://p"}
    rec.requests.clear()
    client.send_message(Name("oUSER"), {"news": {"articles": (article,)}})
    body = json.loads(rec.requests[0]["body"])
    assert body["touser"] == "oUSER" and [a["title"] for a in body["news"]["articles"]] == [title]
    menu = ({"id": Name("101"), "content": "yes"}, {"id": "102", "content": title})
    rec.requests.clear()
    client.send_message("oUSER", {"msgmenu": {"head_content": "h", "list": menu, "tail_content": "t"}})
    sent = json.loads(rec.requests[0]["body"])["msgmenu"]["list"]
    assert sent == [{"id": "101", "content": "yes"}, {"id": "102", "content": title}]
    rec.response = {"body": {"errcode": 0, "errmsg": "ok", "recordlist": [], "number": 0, "msgid": 1}}
    rec.requests.clear()
    client.get_msg_list(1767196800, 1767200400, msgid=One.ONE, number=One.ONE)
    assert json.loads(rec.requests[0]["body"])["msgid"] == 1
    # What JSON cannot carry as given goes through `json` (the same errors as before).
    for bad in (float("nan"), 2**70, True):
        with pytest.raises(wxkf.ValidationError) as e:
            client.get_msg_list(1767196800, 1767200400, msgid=bad)
        assert e.value.field == "msgid"
