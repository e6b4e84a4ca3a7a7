"""The examples, run as a user would: the webhook receives an encrypted push from the
emulator and hands the user over to a named kf; the scripts run against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

import wxkf
from conftest import AES_KEY, APPID, CALLBACK_TOKEN, ROOT, SECRET, Emulator

EXAMPLES = ROOT / "examples" / "python"
KF = "kf07@wxkftest"


@pytest.fixture()
def safe_emulator() -> Iterator[Emulator]:
    emu = Emulator("--aes-key", AES_KEY)
    yield emu
    emu.stop()


def start_webhook(**env: str) -> subprocess.Popen:
    env = dict(os.environ, WXKF_CALLBACK_TOKEN=CALLBACK_TOKEN, WXKF_AES_KEY=AES_KEY, WXKF_APPID=APPID, **env)
    return subprocess.Popen(
        [sys.executable, str(EXAMPLES / "webhook.py"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )


def listening(proc: subprocess.Popen) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("listening on "), line
    return line[len("listening on "):]


@pytest.fixture()
def webhook() -> Iterator[str]:
    proc = start_webhook(WXKF_TRANSFER_TO=KF)
    yield listening(proc)
    proc.terminate()
    proc.wait(timeout=10)


def test_webhook_answers_in_time_while_a_slow_handler_works(safe_emulator: Emulator) -> None:
    emu = safe_emulator
    proc = start_webhook(WXKF_SECRET=SECRET, WXKF_BASE_URL=emu.url, WXKF_WORK_SECS="8")
    try:
        emu.admin("POST", "config", {"webhook_url": listening(proc) + "/wechat"})
        push = emu.admin("POST", "user/message", {"openid": "o_slow", "content": "a hard question"})["push"]
        # Answered within the emulator's 5 s (WeChat's rule): no retry, while the handler works 8 s.
        assert push["delivered"] and push["status"] == 200 and push["attempts"] == 1, push
        deadline = time.monotonic() + 60
        while not emu.admin("GET", "deliveries")["deliveries"]:
            assert time.monotonic() < deadline, "the handler never answered"
            time.sleep(0.1)
        [sent] = emu.admin("GET", "deliveries")["deliveries"]
        assert sent["touser"] == "o_slow" and sent["body"]["text"]["content"] == "you said: a hard question", sent
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_webhook_hands_an_encrypted_push_to_a_named_kf(safe_emulator: Emulator, webhook: str) -> None:
    emu = safe_emulator
    emu.admin("POST", "config", {"webhook_url": webhook + "/wechat"})
    client = wxkf.Client.stable(APPID, SECRET, base_url=emu.url)
    client.add_kf_account(KF, "七号")
    emu.kf_ready(KF)

    out = emu.admin("POST", "user/message", {"openid": "o_webhook_user", "content": "我要人工客服"})
    push = out["push"]
    assert push["delivered"] and push["status"] == 200, push
    assert push["reply_kind"] == "transfer_customer_service", push
    # The emulator runs in safe mode: the push was encrypted, and the reply verified and
    # decrypted (else it would not be delivered) and names the kf.
    assert f"<KfAccount><![CDATA[{KF}]]></KfAccount>" in push["reply_xml"], push
    state = emu.state()
    sessions = state["sessions"]
    assert any(s.get("openid") == "o_webhook_user" and s.get("kf_account") == KF for s in sessions), sessions
    assert client.get_kf_session("o_webhook_user").kf_account == KF
    assert [s.openid for s in client.get_kf_session_list(KF)] == ["o_webhook_user"]
    records = list(client.iter_msg_records(int(state["now"]) - 600, int(state["now"]) + 60))
    assert [(r.opercode, r.worker, r.text) for r in records] == [(2003, KF, "我要人工客服")], records

    # A forged request is refused with 400, and so is a URL check with a bad signature.
    req = urllib.request.Request(webhook + "/wechat?signature=x&timestamp=1&nonce=2", data=b"<xml/>", method="POST")
    with pytest.raises(urllib.error.HTTPError) as forged:
        urllib.request.urlopen(req, timeout=5)
    assert forged.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as bad_get:
        urllib.request.urlopen(webhook + "/wechat?signature=x&timestamp=1&nonce=2&echostr=e", timeout=5)
    assert bad_get.value.code == 400


def run_example(name: str, emu: Emulator, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, WXKF_APPID=APPID, WXKF_SECRET=SECRET, WXKF_BASE_URL=emu.url, WXKF_KF=KF)
    return subprocess.run([sys.executable, str(EXAMPLES / name), *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_send_and_export_script(emu: Emulator, tmp_path: Path) -> None:
    client = wxkf.Client.stable(APPID, SECRET, base_url=emu.url)
    client.add_kf_account(KF, "七号")
    emu.admin("POST", "user/message", {"openid": "o_script", "content": "hi"})
    out = tmp_path / "records.csv"
    done = run_example("send_and_export.py", emu, "o_script", str(out))
    assert done.returncode == 0, done.stderr
    rows = out.read_text(encoding="utf-8").splitlines()
    # The user's message went to the developer (nobody transferred it): only the kf's two
    # messages are kf records (2002).
    assert rows[0] == "time,openid,opercode,worker,text" and len(rows) == 3, rows
    assert all(",2002," in r for r in rows[1:])
    late = run_example("send_and_export.py", emu, "o_unknown_user", str(out))
    assert late.returncode == 1 and "40003" in late.stderr


def test_async_demo_script(transferring: Emulator) -> None:
    emu = transferring
    client = wxkf.Client.stable(APPID, SECRET, base_url=emu.url)
    client.add_kf_account(KF, "七号")
    emu.kf_ready(KF)
    for i in range(3):
        emu.admin("POST", "user/message", {"openid": f"o_wait{i}", "content": "hi"})
    done = run_example("async_demo.py", emu)
    assert done.returncode == 0, done.stderr
    assert "3 users waiting" in done.stdout and f"{KF} serves 3 users" in done.stdout


def test_readme_emulator_snippet_runs_as_written(emu: Emulator) -> None:
    # The README's "Run it against the emulator" block, with this emulator's URL and credentials.
    readme = (ROOT / "bindings-python" / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Run it against the emulator", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    for default, ours in (("http://127.0.0.1:8080", emu.url), ("wxemulator0000001", APPID),
                          ("emulator_secret", SECRET)):
        assert default in code, default
        code = code.replace(default, ours)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert run.stdout.strip() == "['您好 👋']", run.stdout  # what the README says it prints
    session = emu.admin("GET", "state")["sessions"]
    assert any(x["openid"] == "o_user_1" and x["kf_account"] == "kf01@gh_demo" for x in session), session
