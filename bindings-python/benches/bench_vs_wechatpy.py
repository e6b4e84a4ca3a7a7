"""Calls per second of wxkf and wechatpy against the local emulator, plus import times.

Both clients call the same read (``getkflist``, 3 kf accounts) on one emulator over
keep-alive HTTP on loopback; wechatpy is given the token wxkf fetched (its token URL is not
configurable). Run with a Python that has both ``wxkf`` and ``wechatpy`` installed:

    WXKF_EMULATOR=$CARGO_TARGET_DIR/debug/wxkf-emulator python benches/bench_vs_wechatpy.py

Prints one line per measurement. Figures depend on the emulator's build (debug or release)
and on the wheel's profile; they compare the two clients on the same server, nothing more.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

APPID = "wxbench00000001"
SECRET = "bench_secret"
N = int(os.environ.get("BENCH_CALLS", "2000"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))


def import_ms(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
    return min(float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(5))


def rate(label: str, calls: int, run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    per_sec = calls / elapsed
    print(f"{label:<44} {per_sec:>9.0f} calls/s  ({calls} calls, {elapsed:.2f} s)")
    return per_sec


def main() -> None:
    print(f"import wxkf      {import_ms('wxkf'):.1f} ms (best of 5)")
    print(f"import wechatpy  {import_ms('wechatpy'):.1f} ms (best of 5)")

    import wechatpy  # noqa: F401  (timed above)
    from wechatpy import WeChatClient

    import wxkf

    proc = subprocess.Popen(
        [os.environ["WXKF_EMULATOR"], "--port", "0", "--appid", APPID, "--secret", SECRET, "--threads", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()[len("listening on "):]
        client = wxkf.Client.stable(APPID, SECRET, base_url=url)
        for i in range(3):
            client.add_kf_account(f"kf{i}@bench", f"kf {i}")
        token = client.access_token()

        wp = WeChatClient(APPID, SECRET, access_token=token)
        wp.API_BASE_URL = url + "/cgi-bin/"
        assert len(wp.customservice.get_accounts()) == 3
        assert len(client.get_kf_list()) == 3

        def wxkf_seq() -> None:
            for _ in range(N):
                client.get_kf_list()

        def wechatpy_seq() -> None:
            for _ in range(N):
                wp.customservice.get_accounts()

        def threaded(call: Callable[[], object]) -> Callable[[], None]:
            def run() -> None:
                with ThreadPoolExecutor(THREADS) as pool:
                    list(pool.map(lambda _: call(), range(N)))

            return run

        def wxkf_async() -> None:
            async def go() -> None:
                ac = wxkf.AsyncClient.fixed(token, base_url=url)
                sem = asyncio.Semaphore(32)

                async def one() -> None:
                    async with sem:
                        await ac.get_kf_list()

                await asyncio.gather(*(one() for _ in range(N)))

            asyncio.run(go())

        # Warm up both (connections, caches).
        for _ in range(50):
            client.get_kf_list()
            wp.customservice.get_accounts()

        a = rate("wxkf Client, sequential", N, wxkf_seq)
        b = rate("wechatpy WeChatClient, sequential", N, wechatpy_seq)
        print(f"  sequential ratio wxkf/wechatpy: {a / b:.2f}x")
        c = rate(f"wxkf Client, {THREADS} threads sharing one client", N, threaded(client.get_kf_list))
        d = rate(f"wechatpy, {THREADS} threads sharing one client", N, threaded(wp.customservice.get_accounts))
        print(f"  threaded ratio wxkf/wechatpy: {c / d:.2f}x")
        rate("wxkf AsyncClient, 32 in flight", N, wxkf_async)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
