// The end-to-end scenario every runtime runs against the emulator (Node, Deno, workerd):
// every operation, validation and API errors, token refresh after invalidation, record
// iteration with resume, aborts, token stores and providers. Web APIs only (no node:*), so
// the same file runs unchanged in each runtime. Returns the number of checks made.

const KF = "carol@gh_emulator";
const KF2 = "dave@gh_emulator";
const USER = "oE2E_js_user_0001";

/** A failed check. */
class CheckFailed extends Error {}

/**
 * Runs the scenario.
 * @param {typeof import("wxkf")} wxkf the package's exports in this runtime
 * @param {{ baseUrl: string, appId: string, appSecret: string, runtime: string }} env
 */
export async function scenario(wxkf, env) {
  const { Client, WxkfError, ApiError, ResponseLimitError, ValidationError, TransportError, isWxkfError } = wxkf;
  let checks = 0;
  const ok = (cond, what) => {
    checks += 1;
    if (!cond) throw new CheckFailed(`[${env.runtime}] check failed: ${what}`);
  };
  const eq = (actual, want, what) =>
    ok(JSON.stringify(actual) === JSON.stringify(want), `${what}: ${JSON.stringify(actual)} != ${JSON.stringify(want)}`);
  const rejects = async (promise, what) => {
    try {
      const value = await promise;
      throw new CheckFailed(`[${env.runtime}] ${what}: expected an error, got ${JSON.stringify(value)}`);
    } catch (e) {
      if (e instanceof CheckFailed) throw e;
      ok(e instanceof WxkfError && isWxkfError(e) && e instanceof Error, `${what}: a WxkfError (${e})`);
      ok(!String(e.message).includes(env.appSecret) && !JSON.stringify(e).includes(env.appSecret), `${what}: no secret in the error`);
      return e;
    }
  };
  const admin = async (path, body) => {
    const r = await fetch(`${env.baseUrl}/__admin/${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await r.json();
    if (r.status !== 200) throw new CheckFailed(`admin ${path}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };
  await admin("reset", {});

  // Bad options throw at once, naming the field.
  for (const [options, field] of [
    [{ appId: env.appId }, "appSecret"],
    [{ appId: env.appId, appSecret: env.appSecret, tokenKind: "weird" }, "tokenKind"],
    [{ appId: env.appId, appSecret: env.appSecret, baseUrl: "ftp://x" }, "baseUrl"],
    [{ appId: env.appId, appSecret: env.appSecret, tokenStore: { get() {} } }, "tokenStore.set"],
  ]) {
    try {
      new Client(options);
      ok(false, `options ${field} accepted`);
    } catch (e) {
      ok(e instanceof ValidationError && e.code === "VALIDATION" && e.field === field, `options error names ${field}: ${e.field}`);
      ok(!e.message.includes(env.appSecret), "no secret in option errors");
    }
  }

  const c = new Client({ appId: env.appId, appSecret: env.appSecret, baseUrl: env.baseUrl });
  ok(!JSON.stringify(c).includes(env.appSecret) && !String(c).includes(env.appSecret), "the client shows no secret");

  // A validation error rejects before anything is sent (not even a token fetch).
  const bad = await rejects(c.addKfAccount("no-at-sign", "Carol"), "bad kf_account");
  ok(bad instanceof ValidationError && bad.name === "ValidationError" && bad.field === "kf_account", `validation field ${bad.field}`);
  const badMsg = await rejects(c.sendMessage(USER, { text: { content: "" } }), "empty text");
  ok(badMsg instanceof ValidationError && typeof badMsg.field === "string" && badMsg.field.length > 0, "message validation names a field");
  const badKind = await rejects(c.sendMessage(USER, { sticker: { id: "1" } }), "unknown kind");
  ok(badKind instanceof ValidationError && badKind.field === "message", `unknown message kind: ${badKind.field}`);
  await rejects(c.addKfAccount(42, "x"), "a number as kf_account").then((e) => ok(e.field === "kf_account", "non-string arg"));
  eq(c.tokenFetches, 0, "no token fetched for invalid calls");
  eq((await admin("token-fetches")).token_fetches.length, 0, "the emulator saw no token call");

  // accounts
  eq(await c.addKfAccount(KF, "Carol"), null, "add");
  eq(c.tokenFetches, 1, "one token fetch");
  eq(await c.updateKfAccount(KF, "Carol 客服 ✨"), null, "update");
  eq(await c.inviteWorker(KF, "carol_wx"), null, "invite");
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]);
  eq(await c.uploadKfHeadImg(KF, jpeg), null, "head image");
  eq(await c.addKfAccount(KF2, "Dave"), null, "add a second kf");
  eq(await c.uploadKfHeadImg(KF2, jpeg.buffer), null, "head image from an ArrayBuffer");
  const list = await c.getKfList();
  eq(list.map((k) => k.kf_account).sort(), [KF, KF2], "kf list");
  const carol = list.find((k) => k.kf_account === KF);
  eq(carol.kf_nick, "Carol 客服 ✨", "nickname round trip");
  eq(carol.invite_wx, "carol_wx", "invite_wx");
  ok(typeof carol.kf_id === "string" && carol.kf_headimgurl.length > 0, "kf_id string, avatar set");
  eq(await c.getKfOnlineList(), [], "nobody online");
  // Carol accepts the invitation before she can go online (a kf bound to no WeChat user cannot)
  await admin("kf/invitation", { kf_account: KF, accept: true });
  await admin("kf/online", { kf_account: KF });
  const online = await c.getKfOnlineList();
  eq([online[0].kf_account, online[0].status, typeof online[0].kf_id], [KF, 1, "string"], "online list");

  // a user writes in; the account's webhook transfers the message; the wait queue; a session
  const pushed = await admin("user/message", { openid: USER, content: "我要退货" });
  eq(pushed.push?.applied?.action, "queued", "transferred by the webhook");
  const wait = await c.getWaitCaseList();
  eq([wait.count, wait.waitcaselist[0].openid], [1, USER], "wait queue");
  eq(await c.createKfSession(KF, USER), null, "create session");
  eq((await c.getKfSession(USER)).kf_account, KF, "session kf");
  eq((await c.getKfSessionList(KF)).map((s) => s.openid), [USER], "session list");
  eq((await c.getWaitCaseList()).count, 0, "queue empty");

  // typing and every message kind
  eq(await c.sendTyping(USER, "Typing"), null, "typing");
  eq(await c.sendTyping(USER, "CancelTyping"), null, "cancel typing");
  await rejects(c.sendTyping(USER, "Dancing"), "bad typing command").then((e) => ok(e.kind === "validation", "typing validation"));
  const messages = [
    { text: { content: "您好 😊" }, kf_account: KF },
    { image: { media_id: "MEDIA_i" } },
    { voice: { media_id: "MEDIA_v" } },
    { video: { media_id: "MEDIA_video", thumb_media_id: "MEDIA_thumb", title: "标题", description: "描述" } },
    { music: { title: "歌", description: "d", musicurl: "https://example.com/m.mp3", hqmusicurl: "https://example.com/m.flac", thumb_media_id: "MEDIA_thumb" } },
    { news: { articles: [{ title: "t", description: "d", url: "https://example.com", picurl: "https://example.com/p.png" }] } },
    { mpnews: { media_id: "MEDIA_mpnews" } },
    { mpnewsarticle: { article_id: "ARTICLE_ID_1" } },
    { msgmenu: { head_content: "请选择", list: [{ id: "1", content: "是" }], tail_content: "谢谢" } },
    { wxcard: { card_id: "pCARD_1" } },
    { miniprogrampage: { title: "小程序", appid: "wxmini000000000001", pagepath: "pages/index?x=1", thumb_media_id: "MEDIA_thumb" } },
  ];
  for (const [i, m] of messages.entries()) {
    if (i % 4 === 0) await admin("user/message", { openid: USER, content: "在吗" });
    eq(await c.sendMessage(USER, m), null, `send ${Object.keys(m)[0]}`);
  }
  const delivered = (await admin("deliveries")).deliveries;
  eq(delivered.map((d) => d.msgtype), messages.map((m) => Object.keys(m)[0]), "every kind delivered in order");
  eq(delivered[0].body.text.content, "您好 😊", "text content as UTF-8");
  eq(delivered[0].body.customservice.kf_account, KF, "sent as the named kf");

  // API errors keep errcode, errmsg and the catalogue name
  await admin("user/message", { openid: USER, content: "还有一个问题" });
  for (let i = 0; i < 5; i++) await c.sendMessage(USER, { text: { content: "x" } });
  const limit = await rejects(c.sendMessage(USER, { text: { content: "one too many" } }), "45047");
  ok(limit instanceof ResponseLimitError && limit instanceof ApiError && limit.name === "ResponseLimitError" && limit.kind === "api", "an ApiError of its family");
  eq([limit.errcode, limit.code, limit.retry], [45047, "RESPONSE_COUNT_EXCEEDED", "never"], "45047 fields");
  ok(typeof limit.errmsg === "string" && limit.errmsg.length > 0, "errmsg kept");
  ok(isWxkfError(limit, "RESPONSE_COUNT_EXCEEDED") && !isWxkfError(limit, "VALIDATION"), "type guard with code");
  eq((await rejects(c.createKfSession(KF, "oNEVER_SEEN"), "40003")).errcode, 40003, "unknown user");
  eq((await rejects(c.addKfAccount(KF, "dup"), "65406")).errcode, 65406, "duplicate kf");

  // token refresh after invalidation: rejected once with 40001, refreshed, retried
  const before = c.tokenFetches;
  await admin("faults", { path: "/cgi-bin/customservice/getkflist", kind: "invalidate_token" });
  eq((await c.getKfList()).length, 2, "call succeeds after the token was invalidated");
  eq(c.tokenFetches, before + 1, "exactly one refresh");

  // close; records by page and as an async iterator, with resume
  eq(await c.closeKfSession(KF, USER), null, "close");
  eq((await c.getKfSession(USER)).kf_account, null, "no session after close");
  const now = (await admin("clock")).now;
  const dayStart = now - ((now + 8 * 3600) % 86400); // one getMsgList window: one China-time day
  const page = await c.getMsgList(Math.max(now - 60, dayStart), Math.min(now + 60, dayStart + 86400), 1, 3);
  eq([page.recordlist.length, page.number], [3, 3], "one page of 3");
  const total = (await admin("state")).record_count;
  const all = [];
  const walk = c.msgRecords({ from: now - 60, to: new Date((now + 60) * 1000), pageSize: 4 });
  for await (const r of walk) all.push(r);
  eq(all.length, total, "every record iterated");
  ok(walk.pagesFetched >= Math.ceil(total / 4), `paged by 4 (${walk.pagesFetched} pages)`);
  ok(all.some((r) => r.opercode === 2003 && r.worker === KF && r.text === "在吗"), "received in the session (2003)");
  ok(all.every((r) => r.opercode === 2002 || r.opercode === 2003), "the current opercodes only");
  eq(walk.cursor, null, "no cursor when done");
  // stop after 6 records, resume from the cursor: exactly the rest
  const first = c.msgRecords({ from: now - 60, to: now + 60, pageSize: 4 });
  const head = [];
  for await (const r of first) {
    head.push(r);
    if (head.length === 6) break;
  }
  const cursor = first.cursor;
  ok(cursor !== null && typeof cursor.msgid === "number", "a cursor mid-walk");
  const rest = [];
  for await (const r of c.msgRecords({ cursor: JSON.parse(JSON.stringify(cursor)), pageSize: 4 })) rest.push(r);
  eq([...head, ...rest], all, "resume yields exactly the records not taken");
  const pages = c.msgRecords({ from: now - 60, to: now + 60, pageSize: 5 });
  const firstPage = await pages.nextPage();
  eq(firstPage, all.slice(0, 5), "nextPage returns a page");
  try {
    c.msgRecords({ from: now, to: now - 10 });
    ok(false, "a reversed range accepted");
  } catch (e) {
    ok(e instanceof ValidationError, `reversed range: ${e.name}`);
  }

  // an aborted call rejects with TransportError "aborted"
  await admin("faults", { path: "/cgi-bin/customservice/getkflist", kind: "latency_ms", ms: 3000, count: 1 });
  const controller = new AbortController();
  const slow = c.getKfList({ signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  const aborted = await rejects(slow, "aborted call");
  ok(aborted instanceof TransportError && aborted.transportKind === "aborted", `aborted: ${aborted.transportKind}`);
  const pre = new AbortController();
  pre.abort();
  eq((await rejects(c.getKfList({ signal: pre.signal }), "pre-aborted")).transportKind, "aborted", "pre-aborted signal");
  await fetch(`${env.baseUrl}/__admin/faults`, { method: "DELETE" });

  // a transport failure below HTTP
  const down = new Client({ accessToken: "T", baseUrl: "http://127.0.0.1:9", maxAttempts: 1 });
  const conn = await rejects(down.getKfList(), "connection refused");
  ok(conn instanceof TransportError && !conn.message.includes("access_token=T"), `transport error: ${conn.message}`);

  // a shared token store of text values: the second client reuses the first one's token
  const kv = new Map();
  const store = {
    async get(key) {
      return kv.get(key) ?? null;
    },
    async set(key, value) {
      kv.set(key, value);
    },
    async delete(key) {
      kv.delete(key);
    },
  };
  const a = new Client({ appId: env.appId, appSecret: env.appSecret, baseUrl: env.baseUrl, tokenStore: store });
  const b = new Client({ appId: env.appId, appSecret: env.appSecret, baseUrl: env.baseUrl, tokenStore: store });
  await a.getKfList();
  await b.getKfList();
  eq([a.tokenFetches, b.tokenFetches, kv.size], [1, 0, 1], "token shared through the store");
  eq(typeof [...kv.values()][0], "string", "the store holds text");

  // a token provider (a broker): the edge client never holds the secret
  let provided = 0;
  const edge = new Client({
    baseUrl: env.baseUrl,
    tokenProvider: async () => {
      provided += 1;
      return { accessToken: await c.accessToken(), expiresAt: new Date(Date.now() + 3600_000) };
    },
  });
  eq((await edge.getKfList()).length, 2, "provider-mode client works");
  eq(provided, 1, "provider called once");
  const broken = new Client({ baseUrl: env.baseUrl, tokenProvider: async () => ({ nope: 1 }) });
  ok((await rejects(broken.getKfList(), "bad provider")).field === "tokenProvider().accessToken", "provider result checked");

  // classic tokens and the direct token call
  const classic = new Client({ appId: env.appId, appSecret: env.appSecret, baseUrl: env.baseUrl, tokenKind: "classic" });
  eq((await classic.getKfList()).length, 2, "classic token client");
  const direct = await c.getStableAccessToken(true);
  ok(typeof direct.access_token === "string" && direct.expires_in > 0, "force-refreshed stable token");
  const classicToken = await classic.getAccessToken();
  ok(typeof classicToken.access_token === "string" && classicToken.expires_in > 0, "a classic token from the token endpoint");
  const wrongClient = new Client({ appId: env.appId, appSecret: "wrong-secret-zzz", baseUrl: env.baseUrl, tokenKind: "classic" });
  const wrong = await rejects(wrongClient.getAccessToken(), "40125");
  ok(wrong.errcode === 40125 && !wrong.message.includes("wrong-secret-zzz"), "wrong secret, not echoed");

  // delete
  eq(await c.delKfAccount(KF), null, "delete");
  eq(await c.delKfAccount(KF2), null, "delete the second");
  eq(await c.getKfList(), [], "no kf left");
  return checks;
}
