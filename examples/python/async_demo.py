"""asyncio: serve every waiting user concurrently and count today's records.

    WXKF_APPID=wx... WXKF_SECRET=... WXKF_KF=kf01@gh_x python async_demo.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os

import wxkf


async def main() -> int:
    client = wxkf.AsyncClient.stable(
        os.environ["WXKF_APPID"], os.environ["WXKF_SECRET"], base_url=os.environ.get("WXKF_BASE_URL")
    )
    kf = os.environ["WXKF_KF"]
    waiting = await client.get_wait_case_list()
    print(f"{waiting.count} users waiting")

    async def serve(openid: str) -> None:
        await client.create_kf_session(kf, openid)
        await client.send_message(openid, wxkf.Text("您好，有什么可以帮您？"), kf_account=kf)

    await asyncio.gather(*(serve(w.openid) for w in waiting.waitcaselist))
    served = await client.get_kf_session_list(kf)
    print(f"{kf} serves {len(served)} users")
    now = dt.datetime.now(wxkf.client.CHINA)
    count = 0
    async for _record in client.iter_msg_records(now - dt.timedelta(hours=1), now + dt.timedelta(minutes=1)):
        count += 1
    print(f"{count} records in the last hour")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
