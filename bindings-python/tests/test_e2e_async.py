"""End to end against the emulator with AsyncClient (asyncio.run, no plugin needed)."""

from __future__ import annotations

import asyncio
from typing import Any, List, Optional

import pytest

import wxkf
from conftest import APPID, SECRET, Emulator

KF = "kf02@wxkftest"
USER = "o_user_async"


def client_for(emu: Emulator, **options: Any) -> wxkf.AsyncClient:
    return wxkf.AsyncClient.stable(APPID, SECRET, base_url=emu.url, **options)


def test_every_operation_async(transferring: Emulator) -> None:
    emu = transferring

    async def scenario() -> None:
        c = client_for(emu)
        await c.add_kf_account(KF, "小李")
        await c.update_kf_account(KF, "小李2")
        kfs = await c.get_kf_list()
        assert [(k.kf_account, k.kf_nick) for k in kfs] == [(KF, "小李2")]
        await c.invite_worker(KF, "li_wx_0001")
        assert (await c.get_kf_list())[0].invite_wx == "li_wx_0001"
        await c.upload_kf_head_img(KF, b"\xff\xd8jpeg\xff\xd9", filename="li.jpg")
        emu.admin("POST", "kf/invitation", {"kf_account": KF, "accept": True})
        emu.admin("POST", "kf/online", {"kf_account": KF})
        assert [o.kf_account for o in await c.get_kf_online_list()] == [KF]
        emu.admin("POST", "user/message", {"openid": USER})
        assert (await c.get_wait_case_list()).waitcaselist[0].openid == USER
        await c.create_kf_session(KF, USER)
        assert (await c.get_kf_session(USER)).kf_account == KF
        assert [s.openid for s in await c.get_kf_session_list(KF)] == [USER]
        await c.send_typing(USER, "Typing")
        await c.send_typing(USER, "CancelTyping")
        await asyncio.gather(*(c.send_message(USER, wxkf.Text(f"msg {i}"), kf_account=KF) for i in range(3)))
        await c.send_message(USER, wxkf.WxCard("card"))
        await c.send_message(USER, wxkf.Image("MEDIA_1"))
        with pytest.raises(wxkf.ResponseLimitError):
            await c.send_message(USER, wxkf.Text("too many"))
        await c.close_kf_session(KF, USER)
        assert (await c.get_kf_session(USER)).kf_account is None
        start, end = emu.record_window(600)
        page = await c.get_msg_list(start, end)
        walked = [r async for r in c.iter_msg_records(start, end)]
        # the transferred message (2003) and the five sends (2002)
        assert walked == list(page.recordlist) and [r.opercode for r in walked] == [2003] + [2002] * 5
        await c.del_kf_account(KF)
        assert await c.get_kf_list() == []
        assert isinstance(await c.access_token(), str)
        assert c.token_fetches == 1

    asyncio.run(scenario())


def test_async_records_pages_and_resume(emu: Emulator) -> None:
    now = int(emu.state()["now"])
    start, end = now - 2 * 86400, now - 60
    emu.admin("POST", "records/bulk", {"start": start, "end": end, "count": 1500})

    async def scenario() -> None:
        c = client_for(emu)
        it = c.iter_msg_records(start, end, page_size=500)
        head = []
        async for r in it:
            head.append(r)
            if len(head) == 777:
                break
        cursor = it.cursor
        assert cursor is not None and cursor.skip > 0 and it.pages_fetched >= 2
        rest = [r async for r in c.resume_msg_records(cursor, page_size=500)]
        assert len({r.text for r in head + rest}) == 1500
        pages = [p async for p in c.iter_msg_records(start, end, page_size=600).pages()]
        assert [len(p) for p in pages if p] and sum(len(p) for p in pages) == 1500

    asyncio.run(scenario())


def test_async_errors_and_concurrency(emu: Emulator) -> None:
    async def scenario() -> None:
        c = client_for(emu)
        with pytest.raises(wxkf.ValidationError) as v:
            await c.create_kf_session("bad", USER)
        assert v.value.field == "kf_account"
        with pytest.raises(wxkf.MessageError):
            await c.send_message("o_nobody", wxkf.Text("x"))
        emu.admin("POST", "faults", {"path": "/cgi-bin/stable_token", "kind": "latency_ms", "ms": 150})
        cold = client_for(emu)
        results = await asyncio.gather(*(cold.get_kf_list() for _ in range(20)))
        assert results == [[]] * 20 and cold.token_fetches == 1
        emu.admin("DELETE", "faults")
        emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "invalidate_token"})
        await cold.get_kf_list()
        assert cold.token_fetches == 2
        with pytest.raises(wxkf.TransportError):
            await wxkf.AsyncClient.fixed("T", base_url="http://127.0.0.1:9", max_attempts=1).get_kf_list()

    asyncio.run(scenario())


def test_async_provider_coroutine_and_raw_tokens(emu: Emulator) -> None:
    async def scenario() -> None:
        broker = wxkf.AsyncClient.classic(APPID, SECRET, base_url=emu.url)
        assert (await broker.get_access_token()).expires_in == 7200
        assert (await broker.get_stable_access_token()).expires_in > 0
        seen: List[Optional[str]] = []

        async def provider(failed: Optional[str]) -> Any:
            seen.append(failed)
            await asyncio.sleep(0.01)
            return await broker.get_stable_access_token(force_refresh=failed is not None)

        c = wxkf.AsyncClient.with_provider(provider, base_url=emu.url)
        assert await c.get_kf_list() == []
        emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "invalidate_token"})
        assert await c.get_kf_list() == []
        assert seen[0] is None and isinstance(seen[1], str)

    asyncio.run(scenario())


def test_async_client_with_blocking_callbacks_and_an_async_store(emu: Emulator) -> None:
    # A synchronous provider that itself makes a blocking wxkf call runs on the runtime's
    # worker thread (inside block_in_place): it must neither panic nor deadlock.
    broker = wxkf.Client.stable(APPID, SECRET, base_url=emu.url)
    provided: List[str] = []

    def provider(failed: Optional[str]) -> Any:
        token = broker.get_stable_access_token()
        provided.append(token.access_token)
        return token

    class AsyncStore:
        def __init__(self) -> None:
            self.data: dict = {}
            self.calls: List[str] = []

        async def get(self, key: str) -> Optional[str]:
            self.calls.append("get")
            return self.data.get(key)

        async def set(self, key: str, value: str, ttl: int) -> None:
            self.calls.append("set")
            assert ttl > 0
            self.data[key] = value

        async def delete(self, key: str) -> None:
            self.calls.append("delete")
            self.data.pop(key, None)

    store = AsyncStore()

    async def scenario() -> None:
        c = wxkf.AsyncClient.with_provider(provider, base_url=emu.url, token_store=store)
        assert await asyncio.gather(*(c.get_kf_list() for _ in range(5))) == [[]] * 5
        assert len(provided) == 1 and c.token_fetches == 1
        assert "set" in store.calls and len(store.data) == 1
        assert provided[0] not in repr(c)
        # A second client on the same store reuses the stored token: no provider call.
        other = wxkf.AsyncClient.with_provider(provider, base_url=emu.url, token_store=store)
        assert await other.get_kf_list() == [] and other.token_fetches == 0 and len(provided) == 1
        emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "invalidate_token"})
        assert await other.get_kf_list() == []
        assert "delete" in store.calls and len(provided) == 2

    asyncio.run(scenario())


def test_a_cancelled_call_is_dropped_and_the_client_goes_on(emu: Emulator) -> None:
    emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "latency_ms", "ms": 3000,
                                 "count": 1})

    async def main() -> None:
        c = client_for(emu)
        await c.access_token()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(c.get_kf_list(), 0.2)
        assert await c.get_kf_list() == []  # the slow one was the fault's only request

    asyncio.run(main())


def test_exit_with_calls_in_flight_is_clean(emu: Emulator, tmp_path: Any) -> None:
    # A call still running when asyncio.run returns: its task is aborted and the interpreter
    # exits normally (a runtime thread completing a future during finalization used to abort
    # the process with SIGABRT).
    import subprocess
    import sys

    emu.admin("POST", "faults", {"path": "/cgi-bin/customservice/getkflist", "kind": "latency_ms", "ms": 300,
                                 "count": 100})
    script = tmp_path / "exit_in_flight.py"
    script.write_text(
        "import asyncio, wxkf\n"
        "async def main():\n"
        f"    c = wxkf.AsyncClient.stable({APPID!r}, {SECRET!r}, base_url={emu.url!r})\n"
        "    await c.access_token()\n"
        "    for _ in range(3):\n"
        "        asyncio.ensure_future(c.get_kf_list())\n"
        "    await c.get_wait_case_list()\n"
        "    print('done')\n"
        "asyncio.run(main())\n"
    )
    for _ in range(5):
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
        assert (done.returncode, done.stdout) == (0, "done\n"), done.stderr
