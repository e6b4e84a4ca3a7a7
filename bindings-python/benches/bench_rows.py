"""BENCHMARKS.md rows for Python: wxkf Client (threads) and AsyncClient, raw httpx, wechatpy, and
at 1 in flight the floor of any Python client over native HTTP: raw reqwest called from Python
(``benches/floor``: no arguments read, no result parsed).

Usage: bench_rows.py URL SECONDS [FROM TO] — against a running emulator (appid/secret = its
defaults; the Rust harness has given the bench user an unlimited payment window). Prints one
JSON object per row, like the Rust harness. With FROM and TO (unix seconds) it also exports
that record range in a fresh process (peak RSS).
`bench_rows.py export URL FROM TO` is that child.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from typing import Any, Callable

APPID, SECRET, USER = "wxemulator0000001", "emulator_secret", "oBENCH_user_0001"
url, seconds = sys.argv[1], float(sys.argv[2])


def row(contender: str, workload: str, concurrency: int, lat: list[float], errors: int, elapsed: float) -> None:
    lat.sort()
    pick = lambda p: lat[min(len(lat) - 1, int((len(lat) - 1) * p))] * 1000 if lat else 0.0  # noqa: E731
    print(json.dumps({"runtime": "python", "contender": contender, "workload": workload, "concurrency": concurrency,
                      "calls": len(lat), "errors": errors, "calls_per_sec": len(lat) / elapsed,
                      "p50_ms": pick(0.5), "p99_ms": pick(0.99)}), flush=True)


def threaded(contender: str, workload: str, concurrency: int, call: Callable[[int], Any]) -> None:
    for warm in (True, False):
        deadline = time.perf_counter() + (0.2 if warm else seconds)
        lats: list[list[float]] = [[] for _ in range(concurrency)]
        errs = [0] * concurrency

        def worker(w: int) -> None:
            i = w * 1_000_000_000
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                try:
                    call(i)
                except Exception:  # counted, not fatal: a row reports its errors
                    errs[w] += 1
                lats[w].append(time.perf_counter() - t)
                i += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if not warm:
            row(contender, workload, concurrency, [x for l in lats for x in l], sum(errs), time.perf_counter() - started)


def asynchronous(contender: str, workload: str, concurrency: int, make: Callable[[], Any]) -> None:
    async def go() -> None:
        call = make()
        for warm in (True, False):
            deadline = time.perf_counter() + (0.2 if warm else seconds)
            lat: list[float] = []
            errors = 0

            async def worker(w: int) -> None:
                nonlocal errors
                i = w * 1_000_000_000
                while time.perf_counter() < deadline:
                    t = time.perf_counter()
                    try:
                        await call(i)
                    except Exception:
                        errors += 1
                    lat.append(time.perf_counter() - t)
                    i += 1

            started = time.perf_counter()
            await asyncio.gather(*(worker(w) for w in range(concurrency)))
            if not warm:
                row(contender, workload, concurrency, lat, errors, time.perf_counter() - started)

    asyncio.run(go())


def import_ms(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
    return min(float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(5))


def main() -> None:
    import httpx
    import wxkf
    from wechatpy import WeChatClient

    print(json.dumps({"runtime": "python", "contender": "wxkf", "workload": "import",
                      "import_wxkf_ms": round(import_ms("wxkf"), 1),
                      "import_wechatpy_ms": round(import_ms("wechatpy"), 1)}), flush=True)
    client = wxkf.Client.stable(APPID, SECRET, base_url=url)
    token = client.access_token()
    wp = WeChatClient(APPID, SECRET, access_token=token)  # its token URL is fixed: give it ours
    wp.API_BASE_URL = url + "/cgi-bin/"
    raw = httpx.Client(limits=httpx.Limits(max_keepalive_connections=64, max_connections=64))

    def raw_ok(r: httpx.Response) -> None:
        if r.json().get("errcode", 0) != 0:
            raise RuntimeError(r.text)

    calls: dict[str, dict[str, Callable[[int], Any]]] = {
        "get_kf_list": {
            "raw httpx": lambda i: raw_ok(raw.get(f"{url}/cgi-bin/customservice/getkflist", params={"access_token": token})),
            "wxkf Client": lambda i: client.get_kf_list(),
            "wechatpy": lambda i: wp.customservice.get_accounts(),
        },
        "send_text": {
            "raw httpx": lambda i: raw_ok(raw.post(f"{url}/cgi-bin/message/custom/send", params={"access_token": token},
                                                   content=json.dumps({"touser": USER, "msgtype": "text", "text": {"content": f"bench {i}"}}, ensure_ascii=False).encode())),
            "wxkf Client": lambda i: client.send_message(USER, wxkf.Text(f"bench {i}")),
            "wechatpy": lambda i: wp.message.send_text(USER, f"bench {i}"),
        },
    }
    import wxkf_bench_floor

    floor = wxkf_bench_floor.Raw(url, token)
    floor_calls = {"get_kf_list": lambda i: floor.get_kf_list(), "send_text": lambda i: floor.send_text(USER, f"bench {i}")}
    for workload, contenders in calls.items():
        for concurrency in (1, 32):
            for name, call in contenders.items():
                threaded(name, workload, concurrency, call)
            if concurrency == 1:
                threaded("raw reqwest (from Python)", workload, 1, floor_calls[workload])

            def make_async(workload: str = workload) -> Callable[[int], Any]:
                ac = wxkf.AsyncClient.fixed(token, base_url=url)
                if workload == "get_kf_list":
                    return lambda i: ac.get_kf_list()
                return lambda i: ac.send_message(USER, wxkf.Text(f"bench {i}"))

            asynchronous("wxkf AsyncClient", workload, concurrency, make_async)


EXPORT = """
import json, resource, sys, time, wxkf
url, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = wxkf.Client.stable("wxemulator0000001", "emulator_secret", base_url=url)
t, n = time.perf_counter(), 0
for _ in client.iter_msg_records(start, end):
    n += 1
secs = time.perf_counter() - t
# VmHWM: this process's own peak. ru_maxrss is not: Linux carries the forking parent's resident
# size into the child across exec (the bench's parent holds every contender, ~60 MiB).
try:
    peak_kib = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"runtime": "python", "contender": "wxkf Client", "workload": "export", "records": n,
                  "seconds": secs, "records_per_sec": n / secs,
                  "peak_rss_mib": peak_kib / 1024}))
"""


def export_and_cold(start: int, end: int) -> None:
    import wxkf

    print(subprocess.check_output([sys.executable, "-c", EXPORT, url, str(start), str(end)], text=True).strip(),
          flush=True)
    before = len(json.loads(httpx_get(f"{url}/__admin/token-fetches"))["token_fetches"])
    cold = wxkf.Client.stable(APPID, SECRET, base_url=url)
    errors = 0
    barrier = threading.Barrier(100)

    def one() -> None:
        nonlocal errors
        barrier.wait()
        try:
            cold.get_kf_list()
        except Exception:
            errors += 1

    threads = [threading.Thread(target=one) for _ in range(100)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    ms = (time.perf_counter() - t) * 1000
    after = len(json.loads(httpx_get(f"{url}/__admin/token-fetches"))["token_fetches"])
    print(json.dumps({"runtime": "python", "contender": "wxkf Client", "workload": "cold_100", "concurrency": 100,
                      "all_done_ms": ms, "token_fetches": after - before, "errors": errors}), flush=True)


def httpx_get(u: str) -> str:
    import httpx

    return httpx.get(u).text


if __name__ == "__main__":
    main()
    if len(sys.argv) > 4:
        export_and_cold(int(sys.argv[3]), int(sys.argv[4]))
