"""Typed usage of the public API, checked with ``mypy --strict`` by scripts/test-python.sh."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Dict, List, Optional, Tuple

from typing_extensions import assert_type

import wxkf


def provider(failed: Optional[str]) -> Tuple[str, float]:
    return ("TOKEN", 7200.0)


def sync_usage(client: wxkf.Client) -> int:
    client.add_kf_account("kf01@gh_x", "小王")
    kfs: List[wxkf.KfInfo] = client.get_kf_list()
    client.send_message("OPENID", wxkf.Text("hi"), kf_account=kfs[0].kf_account)
    client.send_message("OPENID", wxkf.News([wxkf.Article("t", "http://u")]))
    session: wxkf.KfSession = client.get_kf_session("OPENID")
    waiting: wxkf.WaitCaseList = client.get_wait_case_list()
    records = client.iter_msg_records(dt.datetime(2024, 5, 1), dt.date(2024, 5, 2))
    texts: List[str] = [r.text for r in records]
    cursor: Optional[wxkf.RecordCursor] = records.cursor
    pages: int = records.pages_fetched
    token: wxkf.AccessToken = client.get_stable_access_token(force_refresh=False)
    try:
        client.send_typing("OPENID", "Typing")
        client.send_typing("OPENID", "CancelTyping")
    except wxkf.OutOfWindowError as e:
        code: int = e.errcode
        return code
    except wxkf.ValidationError as v:
        field: str = v.field
        return len(field)
    return len(texts) + waiting.count + session.createtime + token.expires_in + (cursor.skip if cursor else 0) + pages


async def async_usage() -> int:
    client = wxkf.AsyncClient.with_provider(provider, base_url="http://127.0.0.1:1", timeout_ms=2000)
    page: wxkf.MsgListPage = await client.get_msg_list(0, 3600)
    n = 0
    async for record in client.iter_msg_records(0, 3600):
        n += record.opercode
    return n + len(page.recordlist)


def push_usage(query: Dict[str, str], body: bytes) -> str:
    config = wxkf.CallbackConfig(token="t", appid="wx", encoding_aes_key=None)
    opened: wxkf.OpenedPush = wxkf.open_push(config, query, body, guard=wxkf.ReplayGuard())
    if isinstance(opened.message, wxkf.TextPush):
        return wxkf.build_reply(config, opened, wxkf.Reply.transfer_customer_service("kf01@gh_x"))
    return wxkf.build_reply(config, opened, wxkf.Reply.success())


def webhook_usage(query: Dict[str, str], body: bytes) -> str:
    hook = wxkf.Webhook(wxkf.CallbackConfig(token="t", appid="wx", encoding_aes_key="k" * 43))
    echo: str = hook.check_url(query)
    opened = hook.open(query, body, now=1_700_000_000)
    assert_type(opened, wxkf.OpenedPush)
    if isinstance(opened.message, wxkf.KfCreateSessionEvent):
        return echo + opened.message.kf_account
    return hook.reply(opened, wxkf.Reply.text("收到"))


def guard_usage(query: Dict[str, str], body: bytes) -> str:
    told: List[str] = []

    def fallback(openid: str, error: wxkf.WxkfError) -> None:
        told.append(openid)

    rules = [wxkf.BudgetRule(action="message", messages=3, within_secs=3600)]
    client = wxkf.Client.stable("wx", "s", budget_mode="enforce", budget_rules=rules, budget_fallback=fallback)
    budget: wxkf.Budget = client.budget("o1")
    action: wxkf.UserAction = "payment"
    client.record_action("o1", action)
    hook = wxkf.Webhook(wxkf.CallbackConfig(token="t", appid="wx"))
    accepted = client.accept_push(hook, query, body)
    assert_type(accepted, wxkf.AcceptedPush)
    duplicate: bool = accepted.duplicate
    try:
        client.send_message("o1", wxkf.Text("hi"))
    except wxkf.GuardError as e:
        until: Optional[int] = e.until_ms
        told.append(f"{e.guard_kind} {until}")
    answer: str = hook.dispatch(client, query, body, lambda push: told.append(push.message.from_user_name))

    async def handler(push: wxkf.OpenedPush) -> None:
        told.append(push.raw_xml)

    async def run() -> str:
        aclient = wxkf.AsyncClient.fixed("T", budget_mode="warn")
        assert_type(await aclient.budget("o1"), wxkf.Budget)
        await aclient.record_action("o1", "message")
        assert_type(await aclient.accept_push(hook, query, body, now=1), wxkf.AcceptedPush)
        return await hook.dispatch_async(aclient, query, body, handler)

    return answer + asyncio.run(run()) + str(budget.remaining) + str(duplicate) + str(told)


def main() -> None:
    client = wxkf.Client.stable("wx", "secret")
    assert_type(client, wxkf.Client)
    assert_type(wxkf.AsyncClient.fixed("T"), wxkf.AsyncClient)
    assert_type(wxkf.Client.classic("wx", "s").get_kf_online_list(), List[wxkf.KfOnlineInfo])
    sync_usage(client)
    asyncio.run(async_usage())
