"""End to end against the real emulator with the blocking Client: every operation,
errors as the right classes, token refresh, thread sharing, providers and stores."""

from __future__ import annotations

import asyncio

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional

import pytest

import wxkf
from conftest import APPID, SECRET, Emulator
from test_types import naive_warning

KF = "kf01@wxkftest"
USER = "o_user_sync"


def client_for(emu: Emulator, **options: Any) -> wxkf.Client:
    return wxkf.Client.stable(APPID, SECRET, base_url=emu.url, **options)


def test_every_operation(transferring: Emulator) -> None:
    emu = transferring
    c = client_for(emu)
    c.add_kf_account(KF, "小王")
    c.update_kf_account(KF, "小王 👋")
    kfs = c.get_kf_list()
    assert [k.kf_account for k in kfs] == [KF] and kfs[0].kf_nick == "小王 👋"
    assert isinstance(kfs[0], wxkf.KfInfo) and kfs[0].kf_id
    c.invite_worker(KF, "wang_wx01")
    invited = c.get_kf_list()[0]
    assert invited.invite_wx == "wang_wx01" and invited.invite_status == "waiting"
    c.upload_kf_head_img(KF, b"\xff\xd8\xff\xe0wxkf-avatar\xff\xd9")

    emu.admin("POST", "kf/invitation", {"kf_account": KF, "accept": True})
    emu.admin("POST", "kf/online", {"kf_account": KF})
    online = c.get_kf_online_list()
    assert [o.kf_account for o in online] == [KF] and isinstance(online[0].accepted_case, int)

    pushed = emu.admin("POST", "user/message", {"openid": USER, "content": "hello"})
    assert pushed["push"]["applied"]["action"] == "queued", pushed
    waiting = c.get_wait_case_list()
    assert waiting.count == 1 and waiting.waitcaselist[0].openid == USER

    c.create_kf_session(KF, USER)
    assert c.get_kf_session(USER) == wxkf.KfSession(kf_account=KF, createtime=c.get_kf_session(USER).createtime)
    assert c.get_kf_session(USER).kf_account == KF
    assert [s.openid for s in c.get_kf_session_list(KF)] == [USER]
    assert c.get_wait_case_list().count == 0

    c.send_typing(USER, "Typing")
    c.send_typing(USER, "CancelTyping")
    first = [
        wxkf.Text("你好 👋"),
        wxkf.Image("MEDIA_img"),
        wxkf.Voice("MEDIA_voice"),
        wxkf.Video("MEDIA_v", "MEDIA_thumb", title="t"),
        wxkf.Music("http://m", "http://hq", "MEDIA_thumb", title="song"),
    ]
    for m in first:
        c.send_message(USER, m, kf_account=KF)
    with pytest.raises(wxkf.ResponseLimitError) as limit:
        c.send_message(USER, wxkf.Text("one too many"))
    assert limit.value.errcode == 45047 and limit.value.family == "response_limit"
    emu.admin("POST", "user/message", {"openid": USER, "content": "again"})
    rest = [
        wxkf.News([wxkf.Article("title", "http://a", description="d")]),
        wxkf.MpNews("MEDIA_mp"),
        wxkf.MpNewsArticle("ARTICLE_1"),
        wxkf.MsgMenu([wxkf.MenuItem("101", "yes"), wxkf.MenuItem("102", "no")], head_content="ok?"),
        wxkf.WxCard("card_1"),
    ]
    for m in rest:
        c.send_message(USER, m)
    emu.admin("POST", "user/message", {"openid": USER, "content": "and again"})
    c.send_message(USER, wxkf.MiniProgramPage("mp", "wxapp", "pages/index", "MEDIA_thumb"))
    c.send_message(USER, {"text": {"content": "from a dict"}, "kf_account": KF})
    deliveries = emu.admin("GET", "deliveries")["deliveries"]
    kinds = [d["msgtype"] for d in deliveries]
    assert set(kinds) == {
        "text", "image", "voice", "video", "music", "news", "mpnews", "mpnewsarticle", "msgmenu", "wxcard",
        "miniprogrampage",
    }
    assert deliveries[0]["kf_account"] == KF

    c.close_kf_session(KF, USER)
    assert c.get_kf_session(USER).kf_account is None

    start, end = emu.record_window(3600)
    page = c.get_msg_list(start, end, 1, 10000)
    assert isinstance(page, wxkf.MsgListPage) and len(page.recordlist) >= 10
    opercodes = {r.opercode for r in page.recordlist}
    assert opercodes == {2002, 2003}, opercodes
    assert any(r.opercode == 2003 and r.worker == KF and r.text == "again" for r in page.recordlist)
    walked = list(c.iter_msg_records(start, end))
    assert walked == list(page.recordlist)

    c.del_kf_account(KF)
    assert c.get_kf_list() == []
    assert c.token_fetches == 1


def test_records_across_days_and_resume(emu: Emulator) -> None:
    c = client_for(emu)
    now = int(emu.state()["now"])
    start, end = now - 3 * 86400, now - 60
    emu.admin("POST", "records/bulk", {"start": start, "end": end, "count": 2500})
    it = c.iter_msg_records(start, end, page_size=400)
    head = [next(it) for _ in range(1234)]
    cursor = it.cursor
    assert isinstance(cursor, wxkf.RecordCursor)
    rest = list(c.resume_msg_records(cursor.to_dict(), page_size=400))
    assert len(head) + len(rest) == 2500
    texts = [r.text for r in head + rest]
    assert len(set(texts)) == 2500
    assert list(it) == rest and it.cursor is None and it.pages_fetched >= 7
    pages = list(c.iter_msg_records(start, end, page_size=1000).pages())
    assert sum(len(p) for p in pages) == 2500 and max(len(p) for p in pages) <= 1000


def test_datetimes_are_china_time(emu: Emulator) -> None:
    import datetime as dt

    c = client_for(emu)
    now = int(emu.state()["now"])
    emu.admin("POST", "records/bulk", {"start": now - 7200, "end": now - 60, "count": 30})
    naive = dt.datetime.fromtimestamp(now - 7200, tz=wxkf.client.CHINA).replace(tzinfo=None)
    aware = dt.datetime.fromtimestamp(now, tz=dt.timezone.utc)
    with naive_warning():  # on a machine whose local time is not China time
        assert len(list(c.iter_msg_records(naive, aware))) == 30


def test_errors_are_the_right_classes(emu: Emulator) -> None:
    c = client_for(emu)
    with pytest.raises(wxkf.ValidationError) as v:
        c.add_kf_account("no-at-sign", "x")
    assert v.value.field == "kf_account" and isinstance(v.value, ValueError)
    with pytest.raises(wxkf.ValidationError) as news:
        c.send_message(USER, wxkf.News([]))
    assert news.value.field == "news.articles"
    with pytest.raises(wxkf.ValidationError) as kind:
        c.send_message(USER, {"nope": {}})
    assert kind.value.field == "message"
    assert emu.admin("GET", "token-fetches")["token_fetches"] == [], "validation must not touch the network"

    with pytest.raises(wxkf.MessageError) as unknown:
        c.send_message("o_nobody", wxkf.Text("hi"))
    assert unknown.value.errcode == 40003 and unknown.value.name == unknown.value.code
    emu.admin("POST", "user/message", {"openid": USER})
    emu.admin("POST", "clock/advance", {"secs": 49 * 3600})
    with pytest.raises(wxkf.OutOfWindowError) as window:
        c.send_message(USER, wxkf.Text("late"))
    assert window.value.errcode == 45015 and "48 hours" in str(window.value)

    with pytest.raises(wxkf.CredentialError) as cred:
        wxkf.Client.classic(APPID, "wrong-secret-XYZ", base_url=emu.url).get_kf_list()
    assert cred.value.errcode == 40125 and "wrong-secret-XYZ" not in str(cred.value)

    emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "http_status", "count": 1})
    with pytest.raises(wxkf.HttpError) as http:
        client_for(emu, max_attempts=1).get_kf_list()
    assert http.value.status == 502
    emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "busy", "count": 5})
    with pytest.raises(wxkf.RateLimitError) as busy:
        client_for(emu, max_attempts=2).get_kf_list()
    assert busy.value.errcode == -1 and busy.value.retry == "retry_later"
    emu.admin("DELETE", "faults")

    closed = wxkf.Client.fixed("T", base_url="http://127.0.0.1:9", max_attempts=1)
    with pytest.raises(wxkf.TransportError) as tr:
        closed.get_kf_list()
    assert tr.value.transport_kind == "connect" and tr.value.kind == "transport"
    with pytest.raises(wxkf.ValidationError):
        wxkf.Client.stable(APPID, "", base_url=emu.url)
    with pytest.raises(wxkf.ValidationError) as kind:
        wxkf.Client(app_id=APPID, app_secret=SECRET, token_kind="nonsense")
    assert kind.value.field == "token_kind"


def test_token_refresh_after_invalidation(emu: Emulator) -> None:
    c = client_for(emu)
    c.get_kf_list()
    first = c.access_token()
    emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "invalidate_token"})
    c.get_kf_list()
    assert c.token_fetches == 2 and c.access_token() != first
    fixed = wxkf.Client.fixed(first, base_url=emu.url)
    with pytest.raises(wxkf.TokenError) as t:
        fixed.get_kf_list()
    assert t.value.errcode == 40001 and t.value.retry == "refresh_token" and first not in str(t.value)


def in_threads(count: int, work: Callable[[], Any], *, at_once: bool) -> List[BaseException]:
    """Runs `work` in `count` threads, all at once or one after another; what they raised."""
    barrier = threading.Barrier(count if at_once else 1)
    errors: List[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as e:  # pragma: no cover - reported by the caller
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
        if not at_once:
            t.join()
    for t in threads:
        t.join()
    return errors


def test_a_hundred_threads_share_one_token_fetch(emu: Emulator) -> None:
    c = client_for(emu)
    emu.admin("POST", "faults", {"path": "/cgi-bin/stable_token", "kind": "latency_ms", "ms": 200})
    assert in_threads(100, c.get_kf_list, at_once=True) == []
    assert c.token_fetches == 1
    assert len(emu.admin("GET", "token-fetches")["token_fetches"]) == 1


def test_threads_that_come_and_go_leave_nothing_open(emu: Emulator) -> None:
    # A call alone in progress runs on its thread's own runtime and connection pool: both go
    # with the thread (no connection or runtime left behind per thread).
    c = client_for(emu)
    c.get_kf_list()

    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    before = open_files()
    assert in_threads(40, lambda: (c.get_kf_list(), c.get_kf_list()), at_once=False) == []
    assert open_files() < before + 10, (before, open_files())


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs setitimer")
@pytest.mark.parametrize("store", ["memory", "python"])
def test_a_signal_handler_may_call_during_a_call(emu: Emulator, store: str) -> None:
    # Python's signal handlers run inside a blocking call (every 100 ms); one calling wxkf
    # there must not find the runtime it blocks in busy: the thread's own (memory store) or
    # the shared one (a store in Python).
    c = client_for(emu) if store == "memory" else client_for(emu, token_store=DictStore())
    c.get_kf_list()
    emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "latency_ms", "ms": 500, "count": 1})
    inner: List[Any] = []
    previous = signal.signal(signal.SIGALRM, lambda *_: inner.append(c.get_kf_online_list()))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.15)
        c.get_kf_list()  # held 500 ms: the handler runs meanwhile
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(inner) == 1 and isinstance(inner[0], list), inner


def test_the_gil_is_released_while_a_call_waits(emu: Emulator) -> None:
    c = client_for(emu)
    c.get_kf_list()
    emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "latency_ms", "ms": 400, "count": 1})
    ticks = 0
    done = threading.Event()
    entered = threading.Event()

    def ticker() -> None:
        nonlocal ticks
        entered.wait()
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    entered.set()
    c.get_kf_list()  # held in the emulator for 400 ms
    done.set()
    t.join()
    # Progress, not timing: a call holding the GIL would leave the ticker at (almost) zero.
    assert ticks >= 20, ticks


def test_provider_and_raw_token_calls(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    broker = wxkf.Client.classic(APPID, SECRET, base_url=emu.url)
    raw = broker.get_access_token()
    assert raw.expires_in == 7200 and raw.access_token not in repr(raw)
    stable = broker.get_stable_access_token()
    assert stable.expires_in > 0
    # The provider's forced refresh below is the first one (WeChat spaces them out).
    calls: List[Optional[str]] = []

    def provider(failed: Optional[str]) -> Any:
        calls.append(failed)
        return broker.get_stable_access_token(force_refresh=failed is not None)

    c = wxkf.Client.with_provider(provider, base_url=emu.url)
    assert c.get_kf_list() == []
    emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "invalidate_token"})
    assert c.get_kf_list() == []
    assert calls[0] is None and calls[1] is not None and len(calls) == 2

    async def coro_provider(failed: Optional[str]) -> Any:
        return (broker.get_stable_access_token().access_token, 7200)

    assert wxkf.Client.with_provider(coro_provider, base_url=emu.url).get_kf_list() == []

    def broken(failed: Optional[str]) -> Any:
        raise RuntimeError("broker down")

    with pytest.raises(wxkf.TransportError) as e:
        wxkf.Client.with_provider(broken, base_url=emu.url).get_kf_list()
    assert "broker down" in str(e.value)
    # The provider's own exception is kept as the cause, with its traceback.
    assert isinstance(e.value.__cause__, RuntimeError) and str(e.value.__cause__) == "broker down"
    assert e.value.__cause__.__traceback__ is not None

    class FailingStore(DictStore):
        def get(self, key: str) -> Optional[str]:
            raise ConnectionError("cache unreachable")

    # A store that is down does not stop the calls (issue 18): the client falls back to its own
    # cache, fetching once for both calls, and logs why.
    down = wxkf.Client.stable(APPID, SECRET, base_url=emu.url, token_store=FailingStore())
    with caplog.at_level(logging.WARNING, logger="wxkf"):
        assert list(down.iter_msg_records(0, 3600)) == [] and down.get_kf_list() == []
    assert down.token_fetches == 1
    warned = [r.getMessage() for r in caplog.records if "token store unavailable" in r.getMessage()]
    assert warned and "cache unreachable" in warned[0] and SECRET not in " ".join(warned)

    # A store that breaks its contract is a bug to see, not an outage to ride out.
    class WrongStore(DictStore):
        def get(self, key: str) -> Optional[str]:
            return 42  # type: ignore[return-value]

    with pytest.raises(wxkf.ValidationError):
        wxkf.Client.stable(APPID, SECRET, base_url=emu.url, token_store=WrongStore()).get_kf_list()

    async def async_broken(failed: Optional[str]) -> Any:
        raise KeyError("no token today")

    async def via_async() -> None:
        await wxkf.AsyncClient.with_provider(async_broken, base_url=emu.url).get_kf_list()

    with pytest.raises(wxkf.TransportError) as a:
        asyncio.run(via_async())
    assert isinstance(a.value.__cause__, KeyError)
    # A later, unrelated transport failure of the same client carries no stale cause.
    attempts: List[int] = []

    def flaky(failed: Optional[str]) -> Any:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first call fails")
        return ("TOKEN", 7200)

    dead = wxkf.Client.with_provider(flaky, base_url="http://127.0.0.1:9", max_attempts=1)
    with pytest.raises(wxkf.TransportError) as first:
        dead.get_kf_list()
    assert isinstance(first.value.__cause__, RuntimeError)
    with pytest.raises(wxkf.TransportError) as second:
        dead.get_kf_list()
    assert second.value.__cause__ is None and second.value.transport_kind != "other", repr(second.value)
    with pytest.raises(wxkf.ValidationError) as bad:
        wxkf.Client.with_provider(lambda f: 42, base_url=emu.url).get_kf_list()
    assert bad.value.field == "token_provider"


class DictStore:
    """A minimal cache with Django's get/set/delete signature."""

    def __init__(self) -> None:
        self.data: Dict[str, str] = {}
        self.ttls: List[int] = []

    def get(self, key: str) -> Optional[str]:
        return self.data.get(key)

    def set(self, key: str, value: str, timeout: int) -> None:
        self.data[key] = value
        self.ttls.append(timeout)

    def delete(self, key: str) -> None:
        self.data.pop(key, None)


def test_shared_store(emu: Emulator) -> None:
    store = DictStore()
    a = client_for(emu, token_store=store)
    a.get_kf_list()
    # namespace, environment (the emulator's host and port: its tokens never meet production's), AppID, kind
    host = emu.url.split("://", 1)[1]
    assert list(store.data) == [f"wxkf:token:{host}:{APPID}:stable"] and SECRET not in str(store.data.keys())
    assert 7000 < store.ttls[0] <= 7200
    b = client_for(emu, token_store=store)
    b.get_kf_list()
    assert (a.token_fetches, b.token_fetches) == (1, 0)
    with pytest.raises(wxkf.ValidationError) as e:
        client_for(emu, token_store=object())
    assert e.value.field == "token_store"


def test_logging_reaches_the_wxkf_logger(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="wxkf")
    wxkf.reset_logging()
    c = client_for(emu)
    c.get_kf_list()
    records = [r for r in caplog.records if r.name.startswith("wxkf")]
    assert any("sending" in r.getMessage() for r in records), [r.getMessage() for r in records]
    text = " ".join(r.getMessage() for r in records)
    assert SECRET not in text and c.access_token() not in text


def test_logger_levels_are_read_again_after_reset_logging(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    # The native side keeps each logger's level once read (per level), until reset_logging().
    c = client_for(emu)
    caplog.set_level(logging.WARNING, logger="wxkf")
    wxkf.reset_logging()
    c.get_kf_list()
    assert not [r for r in caplog.records if r.name.startswith("wxkf")]
    caplog.set_level(logging.DEBUG, logger="wxkf")
    wxkf.reset_logging()
    c.get_kf_list()
    assert any("sending" in r.getMessage() for r in caplog.records if r.name.startswith("wxkf"))
    caplog.clear()
    caplog.set_level(logging.WARNING, logger="wxkf")
    wxkf.reset_logging()
    c.get_kf_list()
    assert not [r for r in caplog.records if r.name.startswith("wxkf")]


def test_failed_calls_print_nothing_without_logging_configured(emu: Emulator) -> None:
    # A fresh interpreter: pytest's own log handlers would hide Python's "last resort" handler.
    script = f"""
import wxkf
c = wxkf.Client.stable({APPID!r}, {SECRET!r}, base_url={emu.url!r}, max_attempts=1)
for call in (lambda: c.del_kf_account("nobody@wxkftest"), lambda: wxkf.Client.stable({APPID!r}, "wrong",
             base_url={emu.url!r}).get_kf_list()):
    try:
        call()
    except wxkf.ApiError as e:
        print(e.errcode)
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["65401", "40125"] and run.stderr == "", (run.stdout, run.stderr)


def test_reprs_hide_secrets(emu: Emulator) -> None:
    c = wxkf.Client.stable(APPID, SECRET, base_url=emu.url)
    assert SECRET not in repr(c) and APPID in repr(c)
    cfg = wxkf.CallbackConfig(token="tok-SECRET", appid="wx1", encoding_aes_key="k" * 43)
    assert "tok-SECRET" not in repr(cfg) and "kkkk" not in repr(cfg)


def test_redis_store_by_url(emu: Emulator, tmp_path: Any) -> None:
    import shutil
    import socket
    import subprocess

    server = shutil.which("redis-server")
    assert server, "redis-server is installed by scripts/test-python.sh"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.time() < deadline, "redis-server did not start"
                time.sleep(0.05)
        url = f"redis://127.0.0.1:{port}/0"
        clients = [client_for(emu, redis_url=url) for _ in range(3)]
        threads = [threading.Thread(target=c.get_kf_list) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(c.token_fetches for c in clients) == 1
        assert len(emu.admin("GET", "token-fetches")["token_fetches"]) == 1
        with pytest.raises(wxkf.ValidationError):
            client_for(emu, redis_url=url, token_store=DictStore())
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_ctrl_c_interrupts_a_blocking_call(emu: Emulator) -> None:
    import signal
    import subprocess
    import sys

    emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "latency_ms", "ms": 8000})
    code = (
        "import signal, sys, wxkf\n"
        # Python keeps SIGINT ignored when it starts ignored (a test run launched in the background).
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "c = wxkf.Client.stable(sys.argv[1], sys.argv[2], base_url=sys.argv[3], timeout_ms=30000)\n"
        "print('ready', flush=True)\n"
        "try:\n"
        "    c.get_kf_list()\n"
        "    print('finished', flush=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, APPID, SECRET, emu.url], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(0.7)
    started = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    # Interrupted during the 8-second wait, not after it (a behaviour check, with a wide margin).
    assert out.strip() == "interrupted" and time.perf_counter() - started < 6


def test_ctrl_c_met_in_wxkfs_own_python_code_still_interrupts_the_call(emu: Emulator) -> None:
    # Python code wxkf runs for itself during a call (here a logger's level, asked once after
    # `reset_logging()`) runs the signal handlers pending then: Ctrl-C arriving just then is
    # a KeyboardInterrupt raised inside it, which must stop the call, not be swallowed with
    # the lookup's error (it was: the call ran on for its full 3 seconds).
    emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "latency_ms", "ms": 3000})
    c = wxkf.Client.stable(APPID, SECRET, base_url=emu.url, timeout_ms=30000)
    original = logging.Logger.isEnabledFor

    def ctrl_c_now(self: logging.Logger, level: int) -> bool:
        logging.Logger.isEnabledFor = original  # type: ignore[method-assign]
        raise KeyboardInterrupt

    logging.Logger.isEnabledFor = ctrl_c_now  # type: ignore[method-assign]
    # Ctrl-C is Python's to handle even in a test run launched in the background (SIGINT ignored).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        wxkf.reset_logging()
        started = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            c.get_kf_list()
        assert time.perf_counter() - started < 2.5, "interrupted during the wait, not after it"
    finally:
        signal.signal(signal.SIGINT, previous)
        logging.Logger.isEnabledFor = original  # type: ignore[method-assign]
        wxkf.reset_logging()


def test_sync_client_with_a_coroutine_provider_inside_a_running_loop_fails_fast(emu: Emulator) -> None:
    # The blocked loop could never run the provider's coroutine: instead of hanging, the
    # call fails with asyncio's own error as the cause.
    import subprocess
    import sys

    code = (
        "import asyncio, sys, wxkf\n"
        "async def provider(failed):\n"
        "    return ('TOKEN', 7200)\n"
        "async def main():\n"
        "    c = wxkf.Client.with_provider(provider, base_url=sys.argv[1])\n"
        "    try:\n"
        "        c.get_kf_list()\n"
        "    except wxkf.TransportError as e:\n"
        "        print(type(e.__cause__).__name__)\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", code, emu.url], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "RuntimeError", out
