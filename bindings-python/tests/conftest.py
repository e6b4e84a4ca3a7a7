"""Shared fixtures: the real emulator (one process per session, reset before each test)."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest

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
