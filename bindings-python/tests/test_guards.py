"""The production guards end to end against the emulator: the reply budget (fed by pushes the
emulator sends to a webhook using ``Webhook.dispatch``), the budget fallback, a shared guard
store, the deduplication of WeChat's retries, and the asyncio dispatch."""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.parse
from concurrent.futures import Executor, ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

import wxkf
from conftest import APPID, CALLBACK_TOKEN, SECRET, Emulator

CONFIG = wxkf.CallbackConfig(token=CALLBACK_TOKEN, appid=APPID)
# The emulator would take 20 messages after any action: what the client refuses never reached it.
GENEROUS = [{"action": a, "messages": 20, "within_secs": 600} for a in ("message", "menu_click", "follow", "scan")]
GENEROUS.append({"action": "payment", "messages": None, "within_secs": 600})


def wait_for(condition: Callable[[], bool], what: str, secs: float = 30.0) -> None:
    deadline = time.monotonic() + secs
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


class Hook:
    """A webhook server: every POST is answered with ``serve(query, body)``, ``delay`` seconds later."""

    def __init__(self) -> None:
        self.serve: Callable[[Dict[str, str], bytes], str] = lambda q, b: "success"
        self.delay = 0.0
        self.served = 0
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                text = hook.serve(query, body).encode()
                with hook.lock:
                    hook.served += 1
                time.sleep(hook.delay)
                self.send_response(200)
                self.send_header("content-length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.handle_error = lambda *a: None  # type: ignore[method-assign]  # the emulator gave up
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/wechat"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="session")
def hook_server() -> Iterator[Hook]:
    hook = Hook()
    yield hook
    hook.server.shutdown()


@pytest.fixture()
def hook(emu: Emulator, hook_server: Hook) -> Hook:
    hook_server.serve, hook_server.delay, hook_server.served = (lambda q, b: "success"), 0.0, 0
    emu.admin("POST", "config", {"webhook_url": hook_server.url, "quotas": GENEROUS})
    return hook_server


def guarded(emu: Emulator, **options: Any) -> wxkf.Client:
    return wxkf.Client.stable(APPID, SECRET, base_url=emu.url, budget_mode="enforce", **options)


def handling(client: wxkf.Client, hook: Hook, executor: Optional[Executor] = None) -> List[wxkf.OpenedPush]:
    """Serves pushes with ``Webhook.dispatch``; the list of pushes handled."""
    webhook, handled = wxkf.Webhook(CONFIG), []
    hook.serve = lambda q, b: webhook.dispatch(client, q, b, handled.append, executor=executor)
    return handled


def sent_to(emu: Emulator, openid: str) -> int:
    return sum(d["touser"] == openid for d in emu.admin("GET", "deliveries")["deliveries"])


def send_until_refused(client: wxkf.Client, openid: str) -> Tuple[int, wxkf.GuardError]:
    for sent in range(30):
        try:
            client.send_message(openid, wxkf.Text(f"message {sent}"))
        except wxkf.GuardError as e:
            return sent, e
    raise AssertionError("never refused")


def test_one_user_message_allows_five_sends_and_the_sixth_never_reaches_wechat(emu: Emulator, hook: Hook) -> None:
    client = guarded(emu)
    handled = handling(client, hook)
    assert client.budget("o_msg") == wxkf.Budget(remaining=0, until_ms=None, refusal="out_of_window")
    push = emu.admin("POST", "user/message", {"openid": "o_msg", "content": "hi"})["push"]
    assert push["delivered"] and push["attempts"] == 1, push
    wait_for(lambda: len(handled) == 1, "the handler")
    budget = client.budget("o_msg")
    assert budget.remaining == 5 and budget.refusal is None and budget.until_ms is not None
    sent, refused = send_until_refused(client, "o_msg")
    assert sent == 5 and refused.guard_kind == "budget_spent" and refused.until_ms == budget.until_ms
    assert sent_to(emu, "o_msg") == 5, "the sixth was refused before the network"
    assert client.budget("o_msg").refusal == "spent"


def test_a_menu_click_allows_three_and_a_payment_more_than_five(emu: Emulator, hook: Hook) -> None:
    client = guarded(emu)
    handled = handling(client, hook)
    emu.admin("POST", "user/event", {"openid": "o_click", "event": "CLICK", "event_key": "menu_1"})
    wait_for(lambda: len(handled) == 1, "the handler")
    assert isinstance(handled[0].message, wxkf.ClickEvent)
    sent, refused = send_until_refused(client, "o_click")
    assert (sent, refused.guard_kind, sent_to(emu, "o_click")) == (3, "budget_spent", 3)

    emu.admin("POST", "user/payment", {"openid": "o_paid"})  # WeChat Pay tells the app, not a push
    assert client.budget("o_paid").refusal == "out_of_window"
    client.record_action("o_paid", "payment")
    assert client.budget("o_paid").remaining is None
    for i in range(8):
        client.send_message("o_paid", wxkf.Text(f"receipt line {i}"))
    assert sent_to(emu, "o_paid") == 8
    with pytest.raises(wxkf.ValidationError) as bad:
        client.record_action("o_paid", "tip")  # type: ignore[arg-type]
    assert bad.value.field == "action"


def test_the_fallback_is_told_of_each_refusal_sync_and_async(emu: Emulator) -> None:
    told: List[Tuple[str, wxkf.WxkfError]] = []
    client = guarded(emu, budget_fallback=lambda openid, error: told.append((openid, error)))
    with pytest.raises(wxkf.GuardError) as refused:
        client.send_message("o_nobody", wxkf.Text("hello?"))
    assert refused.value.guard_kind == "out_of_window"
    assert [(o, type(e), getattr(e, "guard_kind", None)) for o, e in told] == [
        ("o_nobody", wxkf.GuardError, "out_of_window")
    ]

    async def main() -> None:
        async def fallback(openid: str, error: wxkf.WxkfError) -> None:
            await asyncio.sleep(0)
            told.append((openid, error))

        aclient = wxkf.AsyncClient.stable(APPID, SECRET, base_url=emu.url, budget_mode="enforce",
                                          budget_fallback=fallback)
        with pytest.raises(wxkf.GuardError):
            await aclient.send_message("o_async", wxkf.Text("hello?"))

    asyncio.run(main())
    assert [o for o, _ in told] == ["o_nobody", "o_async"]
    assert sent_to(emu, "o_nobody") + sent_to(emu, "o_async") == 0
    # Off (the default) and warn let the send reach WeChat, which refuses it.
    for mode in (None, "warn"):
        with pytest.raises(wxkf.ApiError):
            wxkf.Client.stable(APPID, SECRET, base_url=emu.url, budget_mode=mode).send_message("o_x", wxkf.Text("?"))


class DictStore:
    """A shared store of text values, atomic through ``compare_and_set`` when ``atomic``."""

    def __init__(self) -> None:
        self.data: Dict[str, str] = {}
        self.lock = threading.Lock()
        self.swaps = 0

    def get(self, key: str) -> Optional[str]:
        return self.data.get(key)

    def set(self, key: str, value: str, ttl_secs: int) -> None:
        assert ttl_secs >= 1
        self.data[key] = value

    def delete(self, key: str) -> None:
        self.data.pop(key, None)


class AtomicStore(DictStore):
    def compare_and_set(self, key: str, expected: Optional[str], value: str, ttl_ms: int) -> bool:
        with self.lock:
            self.swaps += 1
            if self.data.get(key) != expected:
                return False
            self.data[key] = value
            return True


def test_instances_sharing_a_guard_store_share_budgets(emu: Emulator) -> None:
    store = AtomicStore()
    a, b = guarded(emu, guard_store=store), guarded(emu, guard_store=store)
    emu.admin("POST", "user/message", {"openid": "o_shared", "content": "hi"})
    a.record_action("o_shared", "message")
    assert b.budget("o_shared").remaining == 5 and store.swaps == 1

    def send(client: wxkf.Client) -> None:
        try:
            client.send_message("o_shared", wxkf.Text("hi"))
        except wxkf.GuardError:
            pass

    threads = [threading.Thread(target=send, args=(c,)) for c in (a, b) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sent_to(emu, "o_shared") == 5, "eight concurrent sends from two instances: five went"
    assert [k for k in store.data if "budget" in k] == ["wxkf:" + urllib.parse.urlsplit(emu.url).netloc
                                                         + ":budget:o_shared"]
    # A token store keeps the guards' state too (here without compare_and_set: read-compare-write).
    tokens = DictStore()
    c = guarded(emu, token_store=tokens)
    c.record_action("o_tok", "payment")
    assert any(k.endswith(":budget:o_tok") for k in tokens.data) and c.budget("o_tok").remaining is None
    with pytest.raises(wxkf.ValidationError) as bad:
        guarded(emu, guard_store=object())
    assert bad.value.field == "guard_store"


def test_wechat_retries_of_one_push_are_handled_once(emu: Emulator, hook: Hook) -> None:
    client = guarded(emu)
    handled = handling(client, hook)
    hook.delay = 0.5  # the answer comes too late for the emulator: it sends the push again
    emu.admin("POST", "config", {"push_timeout_ms": 100, "push_retries": 3})
    push = emu.admin("POST", "user/message", {"openid": "o_retry", "content": "anyone?"})["push"]
    assert push["attempts"] == 4 and not push["delivered"], push
    wait_for(lambda: hook.served == 4, "the four deliveries")
    time.sleep(0.2)  # a handler started by a duplicate would have appended by now
    assert len(handled) == 1
    assert client.budget("o_retry").remaining == 5, "the message counted once"


def test_two_messages_in_the_same_second_are_both_handled(emu: Emulator, hook: Hook) -> None:
    client = guarded(emu)
    with ThreadPoolExecutor(2) as pool:
        two_in_one_second(emu, handling(client, hook, pool))


def two_in_one_second(emu: Emulator, handled: List[wxkf.OpenedPush]) -> None:
    for attempt in range(5):
        first = len(handled)
        for text in ("one", "two"):
            emu.admin("POST", "user/message", {"openid": "o_twice", "content": f"{text} {attempt}"})
        wait_for(lambda: len(handled) == first + 2, "both messages")
        one, two = (p.message for p in handled[first:])
        assert isinstance(one, wxkf.TextPush) and isinstance(two, wxkf.TextPush)
        assert {one.content, two.content} == {f"one {attempt}", f"two {attempt}"}
        if one.create_time == two.create_time:
            return
    raise AssertionError("no two messages landed in the same second")


def test_async_dispatch_answers_before_the_handler_finishes(emu: Emulator, hook: Hook) -> None:
    captured: List[Tuple[Dict[str, str], bytes]] = []
    hook.serve = lambda q, b: captured.append((q, b)) or "success"
    emu.admin("POST", "user/message", {"openid": "o_async", "content": "slow question"})
    assert len(captured) == 1
    handled: List[wxkf.OpenedPush] = []

    async def main() -> None:
        client = wxkf.AsyncClient.stable(APPID, SECRET, base_url=emu.url, budget_mode="enforce")
        webhook = wxkf.Webhook(CONFIG, replay_capacity=0)  # deduplication left to accept_push
        gate = asyncio.Event()

        async def handler(push: wxkf.OpenedPush) -> None:
            await gate.wait()
            handled.append(push)
            await client.send_message(push.message.from_user_name, wxkf.Text("the answer"))

        query, body = captured[0]
        assert await webhook.dispatch_async(client, query, body, handler) == "success"
        assert await webhook.dispatch_async(client, query, body, handler) == "success"  # WeChat's retry
        # Answered while the handler waits, "typing…" shown to the user meanwhile.
        await until(lambda: any(u["openid"] == "o_async" and u["typing"] for u in emu.state()["users"]))
        assert handled == []
        gate.set()
        await until(lambda: sent_to(emu, "o_async") == 1)
        assert len(handled) == 1 and (await client.budget("o_async")).remaining == 4

    async def until(condition: Callable[[], bool]) -> None:
        for _ in range(1500):
            if await asyncio.to_thread(condition):
                return
            await asyncio.sleep(0.02)
        raise AssertionError("timed out")

    asyncio.run(main())
