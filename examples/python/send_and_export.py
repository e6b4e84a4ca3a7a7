"""Sends messages as a kf and exports a day of chat records to CSV (blocking client).

    WXKF_APPID=wx... WXKF_SECRET=... python send_and_export.py OPENID records.csv
    (WXKF_BASE_URL points it at the emulator; WXKF_KF names the kf to send as)
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys

import wxkf


def main(openid: str, out_path: str) -> int:
    client = wxkf.Client.stable(
        os.environ["WXKF_APPID"], os.environ["WXKF_SECRET"], base_url=os.environ.get("WXKF_BASE_URL")
    )
    kf = os.environ.get("WXKF_KF")
    try:
        client.send_typing(openid, "Typing")
        client.send_message(openid, wxkf.Text("您好，我是客服 👋"), kf_account=kf)
        client.send_message(
            openid, wxkf.MsgMenu([wxkf.MenuItem("101", "满意"), wxkf.MenuItem("102", "不满意")], head_content="评价一下？")
        )
    except wxkf.OutOfWindowError:
        print("the user has not written in the last 48 hours", file=sys.stderr)
        return 1
    except wxkf.ApiError as e:
        print(f"WeChat refused: {e.errcode} {e.code}", file=sys.stderr)
        return 1
    end = dt.datetime.now(wxkf.client.CHINA)
    count = 0
    with open(out_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["time", "openid", "opercode", "worker", "text"])
        for record in client.iter_msg_records(end - dt.timedelta(days=1), end + dt.timedelta(minutes=1)):
            writer.writerow([record.time, record.openid, record.opercode, record.worker, record.text])
            count += 1
    print(f"exported {count} records to {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
