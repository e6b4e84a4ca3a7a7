// Typed usage of the public surface, checked by `tsc --noEmit` (strict). The lines marked with
// an expect-error directive must fail to type-check: they prove the types are precise.
import {
  Client, Webhook, WxkfError, ApiError, ValidationError, TransportError, CallbackError, HttpError, DecodeError,
  RateLimitError, ResponseLimitError, GuardError, isWxkfError,
} from "wxkf";
import type {
  KfInfo, KfOnlineInfo, KfSession, SessionItem, WaitCaseList, MsgListPage, MsgRecord, RecordCursor, Message,
  OpenedPush, PushMessage, Reply, AccessTokenResponse, ClientOptions, TokenStore, ErrorCode,
  Budget, AcceptedPush, GuardStore,
} from "wxkf";

async function client(): Promise<void> {
  const store = new Map<string, string>();
  const kv: TokenStore = { get: (k) => store.get(k), set: (k, v, ttlMs) => void store.set(k, v + ttlMs), delete: (k) => store.delete(k) };
  const c = new Client({
    appId: "wx1",
    appSecret: "s",
    tokenKind: "stable",
    baseUrl: "http://127.0.0.1:1",
    maxAttempts: 2,
    retryWrites: false,
    timeoutMs: 5000,
    storeNamespace: "app:token",
    tokenStore: kv,
  });
  const edge = new Client({ tokenProvider: async () => ({ accessToken: "t", expiresAt: new Date() }) });
  const fixed = new Client({ accessToken: "t", maxAttempts: 1 });
  // @ts-expect-error appSecret and tokenProvider are exclusive
  new Client({ appId: "x", appSecret: "s", tokenProvider: async () => ({ accessToken: "t", expiresAt: 0 }) });
  // @ts-expect-error tokenKind is "stable" | "classic"
  new Client({ appId: "x", appSecret: "s", tokenKind: "other" });
  // @ts-expect-error the retry settings are options of their own
  new Client({ accessToken: "t", retry: false });
  const opts: ClientOptions = { accessToken: "t" };
  void opts;
  // The production guards.
  const guards: GuardStore = { ...kv, compareAndSet: async (k, expected, v, ttlMs) => expected === null && ttlMs > 0 && k !== v };
  const guarded = new Client({
    accessToken: "t",
    budgetMode: "enforce",
    budgetRules: [{ action: "message", messages: 5, within_secs: 172800 }, { action: "payment", messages: null, within_secs: 172800 }],
    dedupTtlMs: 60000,
    tokenCooldownMs: 60000,
    forceRefreshIntervalMs: 30000,
    guardStore: guards,
    budgetFallback: async (openid: string, error: GuardError) => void `${openid} ${error.guardKind} ${error.untilMs}`,
  });
  const budget: Budget = await guarded.budget("openid");
  const left: number | null = budget.remaining;
  void left;
  await guarded.recordAction("openid", "payment");
  // @ts-expect-error an action of the budget table
  await guarded.recordAction("openid", "tip");
  // @ts-expect-error off | warn | enforce
  new Client({ accessToken: "t", budgetMode: "strict" });
  const hook = new Webhook({ token: "t" });
  const acceptedPush: AcceptedPush = await guarded.acceptPush(hook, "?signature=x", "<xml/>", { now: new Date() });
  const duplicate: boolean = acceptedPush.duplicate;
  void duplicate;
  const response: Response = await hook.dispatch(new Request("https://x/wechat"), guarded, async (push: OpenedPush) => {
    await guarded.sendMessage(push.message.from_user_name, { text: { content: "hi" } });
  }, { waitUntil: (work: Promise<unknown>) => void work });
  void response;

  const signal = new AbortController().signal;
  const n: null = await c.addKfAccount("a@b", "A", { signal });
  await c.updateKfAccount("a@b", "A");
  await c.delKfAccount("a@b");
  await c.inviteWorker("a@b", "wx_id");
  await c.uploadKfHeadImg("a@b", new Uint8Array([1]));
  await c.uploadKfHeadImg("a@b", new ArrayBuffer(1), { filename: "me.jpg", signal });
  const list: KfInfo[] = await c.getKfList();
  const id: string = list[0].kf_id;
  const online: KfOnlineInfo[] = await c.getKfOnlineList();
  const accepted: number = online[0].accepted_case;
  const text: Message = { text: { content: "hi" }, kf_account: "a@b" };
  await c.sendMessage("openid", text);
  await c.sendMessage("openid", { news: { articles: [{ title: "t", url: "https://x" }] } });
  await c.sendMessage("openid", { msgmenu: { list: [{ id: "1", content: "yes" }] } });
  // @ts-expect-error unknown message kind
  await c.sendMessage("openid", { sticker: { id: "1" } });
  // @ts-expect-error the payload of text needs content
  await c.sendMessage("openid", { text: {} });
  // @ts-expect-error news holds exactly one article
  await c.sendMessage("openid", { news: { articles: [] } });
  await c.sendTyping("openid", "Typing");
  // @ts-expect-error only Typing | CancelTyping
  await c.sendTyping("openid", "typing");
  await c.createKfSession("a@b", "openid");
  await c.closeKfSession("a@b", "openid");
  const session: KfSession = await c.getKfSession("openid");
  const who: string | null = session.kf_account;
  const sessions: SessionItem[] = await c.getKfSessionList("a@b");
  const wait: WaitCaseList = await c.getWaitCaseList();
  const page: MsgListPage = await c.getMsgList(1, 2, 1, 10);
  const first: MsgListPage = await c.getMsgList(1, 2);
  // @ts-expect-error the arguments come one by one, in the table's order
  await c.getMsgList({ starttime: 1, endtime: 2 });
  const token: string = await edge.accessToken();
  const direct: AccessTokenResponse = await c.getStableAccessToken(true, { signal });
  const classic: AccessTokenResponse = await fixed.getAccessToken();
  const walk = c.msgRecords({ from: new Date(), to: 2, pageSize: 100, signal });
  for await (const r of walk) {
    const rec: MsgRecord = r;
    void rec.opercode;
  }
  const more: MsgRecord[] = await walk.nextPage();
  const cursor: RecordCursor | null = walk.cursor;
  if (cursor) c.msgRecords({ cursor });
  // @ts-expect-error a range or a cursor, not both
  c.msgRecords({ from: 1, to: 2, cursor: { window_start: 1, to: 2, msgid: 1, skip: 0 } });
  const fetches: number = c.tokenFetches + walk.pagesFetched;
  void [n, id, accepted, who, sessions, wait, page, first, token, direct, classic, more, fetches];
}

function errors(e: unknown): string {
  if (e instanceof ApiError) return `${e.errcode} ${e.errmsg} ${e.code} ${e.retry} ${e.family}`;
  if (e instanceof ValidationError) return `${e.field}: ${e.reason}`;
  if (e instanceof TransportError) return e.transportKind;
  if (e instanceof CallbackError) return e.callbackKind;
  if (e instanceof HttpError) return `${e.status} ${e.body}`;
  if (e instanceof DecodeError) return `${e.reason} ${e.body}`;
  if (e instanceof RateLimitError) {
    const family: "rate_limit" = e.family;
    const code: ErrorCode = e.code;
    return `${family} ${code}`;
  }
  if (e instanceof ResponseLimitError) return e.errmsg;
  if (isWxkfError(e, "RESPONSE_COUNT_EXCEEDED")) {
    const w: WxkfError = e;
    return `${w.kind} ${w.code}`;
  }
  return "";
}

function push(hook: Webhook, query: URLSearchParams, body: Uint8Array): string {
  const echo: string = hook.checkUrl(query, { now: 1 });
  const opened: OpenedPush = hook.open(query, body);
  const m: PushMessage = opened.message;
  let reply: Reply = { type: "success" };
  switch (m.type) {
    case "text":
      reply = { type: "transfer_customer_service", kf_account: m.content.length > 0 ? "a@b" : null };
      break;
    case "kf_switch_session":
      reply = { type: "text", content: `${m.from_kf_account} -> ${m.to_kf_account}` };
      break;
    case "location": {
      const x: number = m.location_x;
      void x;
      break;
    }
    default:
      break;
  }
  // @ts-expect-error no such reply type
  const badReply: Reply = { type: "music" };
  void badReply;
  return echo + hook.reply(opened, reply, { nonce: "1", random: "00" });
}

const hook = new Webhook({ token: "t", encodingAesKey: "k".repeat(43), appId: "wx", windowSecs: 300, replayCapacity: 0 });
const served: Promise<Response> = hook.handle(new Request("http://x/"), (m) =>
  m.type === "text" ? { type: "transfer_customer_service" } : undefined,
);
void [client, errors, push, served];
