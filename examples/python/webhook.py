"""A WeChat push (callback) endpoint on the standard library's http.server.

It answers WeChat's URL check, verifies and decrypts every push (safe mode when
WXKF_AES_KEY is set), refuses forged, stale and replayed requests with HTTP 400, and hands
every user text message to customer service — to the kf named by WXKF_TRANSFER_TO if set.

    WXKF_CALLBACK_TOKEN=... WXKF_AES_KEY=... WXKF_APPID=wx... WXKF_TRANSFER_TO=kf01@gh_x \
        python webhook.py --port 8080

With WXKF_SECRET set (and no WXKF_TRANSFER_TO) it answers each text message itself with a kf
message, the production way: WeChat gets its answer at once (it retries a push unanswered
after 5 s), the work (WXKF_WORK_SECS of it, to show a slow model or database) runs in a thread
with "typing…" shown to the user, WeChat's retries are not handled twice, and the user's
reply budget is kept (a sixth message after one of theirs is refused before the network).

The first line printed is ``listening on http://HOST:PORT``.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import wxkf

log = logging.getLogger("webhook")

webhook = wxkf.Webhook(
    wxkf.CallbackConfig(
        token=os.environ.get("WXKF_CALLBACK_TOKEN", ""),
        appid=os.environ.get("WXKF_APPID", ""),
        encoding_aes_key=os.environ.get("WXKF_AES_KEY") or None,
    )
)
TRANSFER_TO = os.environ.get("WXKF_TRANSFER_TO") or None
WORK_SECS = float(os.environ.get("WXKF_WORK_SECS") or 0)
client = None
if os.environ.get("WXKF_SECRET") and TRANSFER_TO is None:
    client = wxkf.Client.stable(
        os.environ.get("WXKF_APPID", ""), os.environ["WXKF_SECRET"],
        base_url=os.environ.get("WXKF_BASE_URL") or None, budget_mode="enforce",
    )


def answer(opened: wxkf.OpenedPush) -> wxkf.Reply:
    """What to answer each push with."""
    message = opened.message
    if isinstance(message, wxkf.TextPush):
        log.info("text from %s: %r -> customer service %s", message.from_user_name, message.content, TRANSFER_TO)
        return wxkf.Reply.transfer_customer_service(TRANSFER_TO)
    if isinstance(message, (wxkf.KfCreateSessionEvent, wxkf.KfCloseSessionEvent)):
        log.info("%s by %s for %s", message.type, message.kf_account, message.from_user_name)
    return wxkf.Reply.success()


def handle(opened: wxkf.OpenedPush) -> None:
    """The slow part, in its own thread while WeChat already has its answer."""
    message = opened.message
    if isinstance(message, wxkf.TextPush) and client is not None:
        time.sleep(WORK_SECS)
        try:
            client.send_message(message.from_user_name, wxkf.Text(f"you said: {message.content}"))
        except wxkf.GuardError as e:  # the user's reply budget is spent: try later, or another way
            log.warning("not sent to %s: %s", message.from_user_name, e)


class Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", "application/xml; charset=utf-8" if body.startswith("<") else "text/plain")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _query(self) -> dict:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query, keep_blank_values=True))

    def do_GET(self) -> None:
        try:
            self._send(200, webhook.check_url(self._query()))
        except wxkf.WxkfError as e:
            self._send(400, f"refused: {e.code}")

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > 1 << 20:
            self._send(413, "too large")
            return
        body = self.rfile.read(length)
        try:
            if client is not None:
                self._send(200, webhook.dispatch(client, self._query(), body, handle))
                return
            opened = webhook.open(self._query(), body)
        except wxkf.CallbackError as e:
            log.warning("refused push: %s", e.callback_kind)
            self._send(400, f"refused: {e.callback_kind}")
            return
        except wxkf.ValidationError as e:
            self._send(400, f"refused: {e.field}")
            return
        self._send(200, webhook.reply(opened, answer(opened)))

    def log_message(self, format: str, *args: object) -> None:
        log.debug(format, *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    print(f"listening on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
