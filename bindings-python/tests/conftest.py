"""Shared fixtures: the real emulator (one process per session, reset before each test)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

import wxkf

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
APPID = "wxpytest0000001"
SECRET = "py_secret_value"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
CALLBACK_TOKEN = "pyCallbackToken"


def emulator_binary() -> str:
    explicit = os.environ.get("WXKF_EMULATOR")
    if explicit:
        return explicit
    target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache" / "wxkf" / "target"))
    return str(Path(target) / "debug" / "wxkf-emulator")


class Emulator:
    """A running emulator with helpers for its admin API."""

    def __init__(self, *extra: str, appid: str = APPID, secret: str = SECRET, token: str = CALLBACK_TOKEN) -> None:
        self.proc = subprocess.Popen(
            [
                emulator_binary(), "--port", "0", "--appid", appid, "--secret", secret,
                "--callback-token", token, "--media-check", "false", "--threads", "2", *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        assert line.startswith("listening on "), line
        self.url = line[len("listening on "):]

    def admin(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/__admin/" + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:
            text = resp.read().decode()
        return json.loads(text) if text else None

    def state(self) -> Any:
        return self.admin("GET", "state")

    def record_window(self, back: int) -> Tuple[int, int]:
        """A getmsglist window from `back` seconds ago to a minute ahead (emulator time), cut at
        China-time midnight on either side: a window must stay inside one China-time day."""
        now = int(self.state()["now"])
        day_start = now - (now + 8 * 3600) % 86400
        return max(now - back, day_start), min(now + 60, day_start + 86400)

    def kf_ready(self, kf_account: str) -> None:
        """Binds the kf to a WeChat user (as if it accepted an invitation) and sets it online."""
        self.admin("POST", "kf/bind", {"kf_account": kf_account})
        self.admin("POST", "kf/online", {"kf_account": kf_account})

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[Emulator]:
    emu = Emulator()
    yield emu
    emu.stop()


@pytest.fixture()
def emu(emulator_process: Emulator) -> Emulator:
    emulator_process.admin("POST", "reset", {})
    return emulator_process


class _TransferHandler(BaseHTTPRequestHandler):
    """The developer's server of an account that hands users over: every user message is
    answered ``transfer_customer_service`` (with wxkf's push API), every event ``success``."""

    hook = wxkf.Webhook(wxkf.CallbackConfig(token=CALLBACK_TOKEN, appid=APPID))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        opened = self.hook.open(query, body)
        user_message = (wxkf.TextPush, wxkf.ImagePush, wxkf.VoicePush, wxkf.VideoPush, wxkf.ShortVideoPush,
                        wxkf.LocationPush, wxkf.LinkPush)
        is_message = isinstance(opened.message, user_message)
        reply = wxkf.Reply.transfer_customer_service() if is_message else wxkf.Reply.success()
        data = self.hook.reply(opened, reply).encode("utf-8")
        self.send_response(200)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def transfer_hook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TransferHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/wechat"
    server.shutdown()


@pytest.fixture()
def transferring(emu: Emulator, transfer_hook: str) -> Emulator:
    """The emulator pushing to a webhook that transfers every user message to customer service:
    a user who writes in joins the wait queue, as on a real account."""
    emu.admin("POST", "config", {"webhook_url": transfer_hook})
    return emu
