// Unit tests of the JS surface with a fake `fetch` (no emulator): options, error classes,
// retries, token stores, the record iterator, the fetch-style webhook handler.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  Client, Webhook, WxkfError, ApiError, ValidationError, DecodeError, HttpError, TransportError, CallbackError,
  CredentialError, RateLimitError, isWxkfError,
} from "wxkf";

const SECRET = "unit-secret-never-shown-9931";
const vectors = (f) => JSON.parse(readFileSync(new URL(`../../tests/vectors/${f}`, import.meta.url), "utf8"));

/** A fake WeChat: `routes[path](url, init, n)` answers; every call is logged. */
function fakeFetch(routes) {
  const calls = [];
  const fetch = async (url, init) => {
    const u = new URL(url);
    calls.push({ path: u.pathname, token: u.searchParams.get("access_token"), init });
    const route = routes[u.pathname];
    if (!route) return Response.json({ errcode: 404, errmsg: "no route" });
    return route(u, init, calls.filter((c) => c.path === u.pathname).length);
  };
  return { fetch, calls };
}

const stable = (n) => Response.json({ access_token: `TOK${n}`, expires_in: 7200 });

test("error classes: instanceof, names, type guard, no secret", async () => {
  assert.equal(isWxkfError(new Error("x")), false);
  assert.equal(isWxkfError(null), false);
  assert.equal(isWxkfError({ code: "VALIDATION" }), false);
  const { fetch } = fakeFetch({ "/cgi-bin/stable_token": () => Response.json({ errcode: 40125, errmsg: "invalid appsecret" }) });
  const c = new Client({ appId: "wx1", appSecret: SECRET, fetch });
  const e = await c.getKfList().then(() => null, (x) => x);
  assert.ok(e instanceof CredentialError && e instanceof ApiError && e instanceof WxkfError && e instanceof Error);
  assert.equal(e.name, "CredentialError");
  assert.equal(e.family, "credential");
  assert.equal(e.code, "INVALID_APPSECRET");
  assert.equal(e.errcode, 40125);
  assert.equal(e.errmsg, "invalid appsecret");
  assert.equal(e.retry, "never");
  assert.ok(isWxkfError(e, "INVALID_APPSECRET"));
  assert.ok(!isWxkfError(e, "VALIDATION"));
  for (const text of [e.message, String(e), JSON.stringify(e), e.stack ?? "", String(c), JSON.stringify(c)]) {
    assert.ok(!text.includes(SECRET), `secret in ${text}`);
  }
});

test("classic token: a failing fetch never shows the secret of the URL", async () => {
  const fetch = async () => {
    throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
  };
  const c = new Client({ appId: "wx1", appSecret: SECRET, tokenKind: "classic", fetch, maxAttempts: 1 });
  const e = await c.getKfList().then(() => null, (x) => x);
  assert.ok(e instanceof TransportError, String(e));
  assert.equal(e.transportKind, "connect");
  assert.ok(!e.message.includes(SECRET) && e.message.includes("/cgi-bin/token"), e.message);
});

test("HTTP status, undecodable body and a non-Response are typed errors", async () => {
  const answers = {
    "/cgi-bin/customservice/getkflist": () => new Response("<html>bad gateway</html>", { status: 502 }),
    "/cgi-bin/customservice/getonlinekflist": () => new Response("not json", { status: 200 }),
    "/customservice/kfsession/getwaitcase": () => ({ not: "a response" }),
  };
  const { fetch } = fakeFetch(answers);
  const c = new Client({ accessToken: "T", fetch, maxAttempts: 1 });
  const http = await c.getKfList().then(() => null, (x) => x);
  assert.ok(http instanceof HttpError && http.status === 502 && http.code === "HTTP_STATUS", String(http));
  assert.equal(http.body, "<html>bad gateway</html>", "the body is kept");
  const decode = await c.getKfOnlineList().then(() => null, (x) => x);
  assert.ok(decode instanceof DecodeError && typeof decode.reason === "string" && decode.body === "not json", String(decode));
  const other = await c.getWaitCaseList().then(() => null, (x) => x);
  assert.ok(other instanceof TransportError, String(other));
});

test("bad arguments reject with ValidationError naming the field, before any request", async () => {
  const { fetch, calls } = fakeFetch({});
  const c = new Client({ accessToken: "T", fetch });
  const cases = [
    [() => c.uploadKfHeadImg("a@b", "not bytes"), "image"],
    [() => c.getMsgList(1.5, 2, 1, 1), "starttime"],
    [() => c.getMsgList(1), "endtime"],
    [() => c.getKfList({ signal: "nope" }), "signal"],
    [() => c.sendMessage("u", { image: {} }), "message.image"],
    [() => c.sendTyping(42, "Typing"), "touser"],
    [() => c.uploadKfHeadImg("a@b", new Uint8Array([1]), { filename: 7 }), "filename"],
    [() => c.getStableAccessToken("yes"), "force_refresh"],
    [() => c.getAccessToken(), "token_source"],
  ];
  for (const [f, field] of cases) {
    const e = await f().then(() => null, (x) => x);
    assert.ok(e instanceof ValidationError, `${field}: ${e}`);
    assert.equal(e.field, field, e.message);
    assert.equal(e.code, "VALIDATION");
  }
  assert.equal(calls.length, 0, "nothing sent");
  assert.throws(() => new Client({ accessToken: "T", retry: "often" }), (e) => e.field === "retry", "the old nested retry option is refused");
  assert.throws(() => new Client({ accessToken: "T", maxAttempts: -1 }), (e) => e.field === "maxAttempts");
  assert.throws(() => new Client({ accessToken: "T", maxAttempts: 0 }), (e) => e.field === "maxAttempts");
  assert.throws(() => new Client({ accessToken: "T", fetch: 1 }), (e) => e.field === "fetch");
  assert.throws(() => new Client({ appId: "wx", appSecret: "" }), (e) => e.field === "appSecret");
  assert.throws(() => new Client({ accessToken: "T", appSecret: "s", appId: "x" }), (e) => e instanceof ValidationError);
  assert.throws(() => new Client("nope"), (e) => e.field === "options");
  assert.throws(() => c.msgRecords({ from: "yesterday", to: 1 }), (e) => e.field === "from");
});

test("AbortSignal.timeout makes a timeout error; abort() an aborted one; the fetch is aborted too", async () => {
  let fetchSignal = null;
  const fetch = (url, init) => {
    fetchSignal = init.signal;
    return new Promise(() => {}); // never answers
  };
  const c = new Client({ accessToken: "T", fetch, maxAttempts: 1 });
  // Node's AbortSignal.timeout timer does not keep the process alive: hold it open meanwhile.
  const keepAlive = setTimeout(() => {}, 10_000);
  const e = await c.getKfList({ signal: AbortSignal.timeout(30) }).then(() => null, (x) => x);
  clearTimeout(keepAlive);
  assert.ok(e instanceof TransportError && e.transportKind === "timeout", String(e));
  assert.ok(fetchSignal && fetchSignal.aborted, "the in-flight fetch was aborted");
  const controller = new AbortController();
  const pending = c.getKfList({ signal: controller.signal });
  controller.abort();
  const a = await pending.then(() => null, (x) => x);
  assert.ok(a instanceof TransportError && a.transportKind === "aborted", String(a));
  // the client's own timeoutMs aborts a fetch that never answers
  const hold = setTimeout(() => {}, 10_000);
  const timed = new Client({ accessToken: "T", fetch: (url, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason))), maxAttempts: 1, timeoutMs: 40 });
  const t = await timed.getKfList().then(() => null, (x) => x);
  clearTimeout(hold);
  assert.ok(t instanceof TransportError && t.transportKind === "timeout", String(t));
});

test("retries: a read is retried after -1, a write is not (by default)", async () => {
  const { fetch, calls } = fakeFetch({
    "/cgi-bin/customservice/getkflist": (u, i, n) => (n === 1 ? Response.json({ errcode: -1, errmsg: "busy" }) : Response.json({ kf_list: [] })),
    "/customservice/kfaccount/add": () => Response.json({ errcode: -1, errmsg: "busy" }),
  });
  const c = new Client({ accessToken: "T", fetch, maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 });
  assert.deepEqual(await c.getKfList(), []);
  assert.equal(calls.length, 2);
  const e = await c.addKfAccount("a@b", "A").then(() => null, (x) => x);
  assert.ok(e instanceof RateLimitError && e.errcode === -1 && e.retry === "retry_later", String(e));
  assert.equal(calls.filter((x) => x.path === "/customservice/kfaccount/add").length, 1, "writes are not retried");
  const retried = fakeFetch({ "/customservice/kfaccount/add": (u, i, n) => Response.json(n === 1 ? { errcode: -1, errmsg: "busy" } : { errcode: 0, errmsg: "ok" }) });
  const w = new Client({ accessToken: "T", fetch: retried.fetch, baseDelayMs: 1, retryWrites: true });
  assert.equal(await w.addKfAccount("a@b", "A"), null);
  assert.equal(retried.calls.length, 2, "retryWrites retries the write");
});

test("a token store of text values: the rejected token is deleted, the new one stored, the call retried once", async () => {
  const kv = new Map();
  const log = [];
  const ttls = [];
  const store = {
    get: (k) => kv.get(k),
    set: (k, v, ttlMs) => {
      log.push(`set ${JSON.parse(v).access_token}`);
      ttls.push(ttlMs);
      kv.set(k, v);
    },
    delete: (k) => {
      log.push("delete");
      kv.delete(k);
    },
  };
  const { fetch, calls } = fakeFetch({
    "/cgi-bin/stable_token": (u, i, n) => stable(n),
    "/cgi-bin/customservice/getkflist": (u) =>
      u.searchParams.get("access_token") === "TOK1" ? Response.json({ errcode: 40001, errmsg: "invalid credential" }) : Response.json({ kf_list: [] }),
  });
  const c = new Client({ appId: "wx1", appSecret: SECRET, fetch, tokenStore: store });
  assert.deepEqual(await c.getKfList(), []);
  assert.deepEqual(log, ["set TOK1", "delete", "set TOK2"]);
  assert.deepEqual(calls.map((x) => x.token ?? x.path), ["/cgi-bin/stable_token", "TOK1", "/cgi-bin/stable_token", "TOK2"]);
  assert.equal(c.tokenFetches, 2);
  const stored = [...kv.values()][0];
  assert.equal(typeof stored, "string", "the store holds text (what Workers KV stores)");
  assert.equal(typeof JSON.parse(stored).expires_at_ms, "number");
  assert.ok(ttls.every((t) => t > 7_000_000 && t <= 7_200_000), `the TTL is the token's lifetime: ${ttls}`);
  assert.ok(!JSON.stringify([...kv.keys()]).includes(SECRET), "the store key holds no secret");
  // a store that is down does not stop the calls: this instance fetches once into its own cache
  let failures = 0;
  const failing = { get: () => { failures++; throw new Error("kv down"); }, set: () => { throw new Error("kv down"); }, delete: () => {} };
  const f = new Client({ appId: "wx1", appSecret: SECRET, fetch, tokenStore: failing });
  assert.deepEqual(await f.getKfList(), []);
  assert.deepEqual(await f.getKfList(), []);
  assert.equal(f.tokenFetches, 1, "one fetch for both calls while the store is down");
  assert.ok(failures >= 1, "the store was asked first");
  // a store that hands back an object (the old contract) is told what it must return
  const objects = { get: () => ({ access_token: "x" }), set: () => {}, delete: () => {} };
  const o = await new Client({ appId: "wx1", appSecret: SECRET, fetch, tokenStore: objects }).getKfList().then(() => null, (x) => x);
  assert.ok(o instanceof ValidationError && o.field === "tokenStore.get", String(o));
});

test("a token provider receives the token WeChat rejected", async () => {
  const seen = [];
  const { fetch } = fakeFetch({
    "/cgi-bin/customservice/getkflist": (u) =>
      u.searchParams.get("access_token") === "P1" ? Response.json({ errcode: 42001, errmsg: "expired" }) : Response.json({ kf_list: [] }),
  });
  let n = 0;
  const c = new Client({
    fetch,
    tokenProvider: (failed) => {
      seen.push(failed ?? null);
      n += 1;
      return { accessToken: `P${n}`, expiresAt: Date.now() + 60_000 };
    },
  });
  assert.deepEqual(await c.getKfList(), []);
  assert.deepEqual(seen, [null, "P1"]);
  assert.equal(await c.accessToken(), "P2");
  const throwing = new Client({ fetch, tokenProvider: async () => { throw new Error("broker down"); } });
  const e = await throwing.getKfList().then(() => null, (x) => x);
  assert.ok(e instanceof TransportError && /broker down/.test(e.message), String(e));
});

test("record iterator: overlapping next() calls never fetch a page twice; cursor resumes", async () => {
  // texts with what a record scanner could trip over: braces, brackets, quotes, escapes, non-ASCII
  const tricky = ['"},{"openid":"x"}', "\\", "[{]}", "\"\\\"", "你好 😀", "\u0000\n"];
  const records = Array.from({ length: 7 }, (_, i) => ({ openid: "o", opercode: 2001, text: `r${i}${tricky[i % 6]}`, time: 1700000000 + i, worker: "" }));
  const { fetch, calls } = fakeFetch({
    "/customservice/msgrecord/getmsglist": async (u, init) => {
      const q = JSON.parse(new TextDecoder().decode(init.body));
      const start = q.msgid - 1;
      const page = records.slice(start, start + q.number);
      await new Promise((r) => setTimeout(r, 5));
      return Response.json({ recordlist: page, number: page.length, msgid: start + page.length + 1 });
    },
  });
  const c = new Client({ accessToken: "T", fetch });
  const walk = c.msgRecords({ from: 1700000000, to: 1700000100, pageSize: 3 });
  const got = await Promise.all([walk.next(), walk.next(), walk.next(), walk.next()]);
  assert.deepEqual(got.map((r) => r.value), records.slice(0, 4));
  assert.equal(walk.pagesFetched, 2);
  const cursor = walk.cursor;
  const rest = [];
  for await (const r of c.msgRecords({ cursor })) rest.push(r);
  assert.deepEqual(rest, records.slice(4));
  assert.deepEqual(await walk.nextPage(), records.slice(4, 6));
  assert.deepEqual(await walk.nextPage(), records.slice(6));
  assert.deepEqual(await walk.nextPage(), []);
  assert.deepEqual(await walk.next(), { done: true, value: undefined });
  assert.equal(walk.cursor, null);
});

test("record iterator: next() with a record at hand and queued calls keep their order", async () => {
  const records = Array.from({ length: 40 }, (_, i) => ({ openid: `o${i}`, opercode: 2002, text: `t${i}`, time: 1700000000 + i, worker: "w" }));
  const { fetch } = fakeFetch({
    "/customservice/msgrecord/getmsglist": async (u, init) => {
      const q = JSON.parse(new TextDecoder().decode(init.body));
      const page = records.slice(q.msgid - 1, q.msgid - 1 + q.number);
      await new Promise((r) => setTimeout(r, 2));
      return Response.json({ recordlist: page, number: page.length, msgid: q.msgid + page.length });
    },
  });
  const c = new Client({ accessToken: "T", fetch });
  const walk = c.msgRecords({ from: 1700000000, to: 1700000100, pageSize: 25 });
  assert.deepEqual((await walk.next()).value, records[0]); // fetches page 1
  // a record at hand, then a queued page, then a call that must wait for it and fetch page 2
  const [a, page, b, d] = await Promise.all([walk.next(), walk.nextPage(), walk.next(), walk.next()]);
  assert.deepEqual([a.value, page, b.value, d.value], [records[1], records.slice(2, 25), records[25], records[26]]);
  const rest = [];
  for await (const r of walk) rest.push(r);
  assert.deepEqual(rest, records.slice(27));
  assert.deepEqual(await walk.next(), { done: true, value: undefined });
});

test("record iterator: pages longer than a batch cross in batches; the cursor mid-batch resumes exactly", async () => {
  const records = Array.from({ length: 250 }, (_, i) => ({ openid: `o${i}`, opercode: 2002, text: `记录 ${i}`, time: 1700000000 + i, worker: "w" }));
  let pages = 0;
  const { fetch } = fakeFetch({
    "/customservice/msgrecord/getmsglist": async (u, init) => {
      const q = JSON.parse(new TextDecoder().decode(init.body));
      const page = records.slice(q.msgid - 1, q.msgid - 1 + q.number);
      pages++;
      return Response.json({ recordlist: page, number: page.length, msgid: q.msgid + page.length });
    },
  });
  const c = new Client({ accessToken: "T", fetch });
  const walk = c.msgRecords({ from: 1700000000, to: 1700000300, pageSize: 200 });
  const first = [];
  for (let i = 0; i < 70; i++) first.push((await walk.next()).value); // past the first batch
  assert.deepEqual(first, records.slice(0, 70));
  const rest = [];
  for await (const r of c.msgRecords({ cursor: walk.cursor, pageSize: 200 })) rest.push(r);
  assert.deepEqual(rest, records.slice(70));
  assert.deepEqual(await walk.nextPage(), records.slice(70, 200));
  assert.deepEqual((await walk.next()).value, records[200]);
  assert.deepEqual(await walk.nextPage(), records.slice(201));
  assert.deepEqual(await walk.nextPage(), []);
  assert.equal(walk.cursor, null);
  assert.equal(walk.pagesFetched, 2); // 200, then 50: a short page ends the walk
});

test("Webhook.handle answers URL checks, pushes (with onPush's reply), refusals and other methods", async () => {
  const doc = vectors("push-messages.json");
  const plain = doc.cases.find((c) => c.name === "plain_text");
  const safe = doc.cases.find((c) => c.name === "safe_text");
  // The vectors are signed in 2023: a window wide enough to accept them with today's clock.
  const hook = new Webhook({ token: doc.config.token, encodingAesKey: doc.config.encoding_aes_key, appId: doc.config.appid, windowSecs: 4_000_000_000 });
  const url = (q) => `https://hook.example/wx?${new URLSearchParams(q)}`;
  const seen = [];
  const onPush = (message, push) => {
    seen.push([message.type, push.encrypted]);
    return { type: "transfer_customer_service", kf_account: "carol@gh_x" };
  };
  const r1 = await hook.handle(new Request(url(plain.query), { method: "POST", body: plain.body }), onPush);
  assert.equal(r1.status, 200);
  const body1 = await r1.text();
  assert.match(body1, /<MsgType><!\[CDATA\[transfer_customer_service\]\]><\/MsgType>/);
  assert.match(body1, /<KfAccount><!\[CDATA\[carol@gh_x\]\]><\/KfAccount>/);
  const r2 = await hook.handle(new Request(url(safe.query), { method: "POST", body: safe.body }), onPush);
  const body2 = await r2.text();
  assert.match(body2, /^<xml><Encrypt>/, "an encrypted push gets an encrypted reply");
  assert.deepEqual(seen, [["text", false], ["text", true]]);
  const r3 = await hook.handle(new Request(url(plain.query), { method: "POST", body: plain.body }), () => undefined);
  assert.equal(r3.status, 403, "the same nonce again is a replay");
  const other = doc.cases.find((c) => c.name === "plain_image");
  const r4 = await hook.handle(new Request(url(other.query), { method: "POST", body: other.body }), () => undefined);
  assert.equal(await r4.text(), "success", "no reply from onPush: success");
  const check = vectors("push-url.json");
  const good = check.cases.find((c) => c.name === "good");
  const urlHook = new Webhook({ token: check.config.token, windowSecs: 4_000_000_000 });
  const r5 = await urlHook.handle(new Request(url(good.query)), () => undefined);
  assert.equal(await r5.text(), good.expect.echostr);
  const r6 = await urlHook.handle(new Request(url({ ...good.query, signature: "0".repeat(40) })), () => undefined);
  assert.equal(r6.status, 403);
  assert.equal((await urlHook.handle(new Request(url(good.query), { method: "PUT", body: "x" }), () => undefined)).status, 405);
  // an onPush that throws is the app's error: it propagates
  await assert.rejects(
    hook.handle(new Request(url(doc.cases.find((c) => c.name === "plain_voice").query), { method: "POST", body: doc.cases.find((c) => c.name === "plain_voice").body }), () => {
      throw new RangeError("app bug");
    }),
    RangeError,
  );
});

test("Webhook: options are validated; replies are random unless fixed; refusals are CallbackErrors", () => {
  assert.throws(() => new Webhook({}), (e) => e instanceof ValidationError && e.field === "token");
  assert.throws(() => new Webhook({ token: "t", encodingAesKey: "short", appId: "wx1" }), (e) => e instanceof ValidationError && e.field === "encodingAesKey");
  assert.throws(() => new Webhook({ token: "t", windowSecs: -1 }), (e) => e.field === "windowSecs");
  const doc = vectors("push-messages.json");
  const safe = doc.cases.find((c) => c.name === "safe_text");
  const hook = new Webhook({ token: doc.config.token, encodingAesKey: doc.config.encoding_aes_key, appId: doc.config.appid, replayCapacity: 0 });
  const push = hook.open(safe.query, new TextEncoder().encode(safe.body), { now: safe.now });
  const a = hook.reply(push, { type: "text", content: "hi" }, { now: safe.now });
  const b = hook.reply(push, { type: "text", content: "hi" }, { now: safe.now });
  assert.notEqual(a, b, "fresh nonce and random bytes each time");
  assert.throws(() => hook.reply(push, { type: "text", content: "hi" }, { random: "xyz" }), (e) => e.field === "random");
  assert.throws(() => hook.reply(push, { type: "dance" }), (e) => e instanceof ValidationError && e.field === "reply");
  assert.throws(
    () => hook.open({ ...safe.query, msg_signature: "0".repeat(40) }, safe.body, { now: safe.now }),
    (e) => e instanceof CallbackError && e.callbackKind === "signature" && e.code === "CALLBACK" && !e.message.includes(doc.config.encoding_aes_key),
  );
  assert.throws(() => hook.open(safe.query, 42, { now: safe.now }), (e) => e.field === "body");
  assert.equal(hook.open(`?${new URLSearchParams(safe.query)}`, safe.body, { now: new Date(safe.now * 1000) }).message.type, "text", "a query string and a Date work");
});

test("Node's transports (node:http by default, a given fetch): same results and transport kinds", async () => {
  const { createServer } = await import("node:http");
  const sockets = new Set();
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/cgi-bin/customservice/getkflist") return res.writeHead(200, { "content-type": "application/json" }).end('{"kf_list":[]}');
    if (path === "/cgi-bin/customservice/getonlinekflist") return req.socket.destroy(); // reset before an answer
    if (path === "/customservice/kfsession/getwaitcase") return res.writeHead(502).end("bad gateway");
    if (path === "/customservice/kfsession/getsessionlist") {
      // half a body, then nothing: the request ends by its timeout mid-body
      res.writeHead(200, { "content-type": "application/json", "content-length": 200000 }).write(`{"sessionlist":[${'{"createtime":1,"openid":"o"},'.repeat(3000)}`);
      return res.on("close", () => ended++);
    }
    // anything else never answers (a timeout or an abort ends it: the connection closes)
    res.on("close", () => ended++);
  });
  let ended = 0;
  const closes = async (what, before) => {
    for (let i = 0; i < 200 && ended === before; i++) await new Promise((ok) => setTimeout(ok, 10));
    assert.ok(ended > before, `${what}: the request was ended, not left open`);
  };
  server.on("connection", (s) => sockets.add(s));
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  const refused = await new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const url = `http://127.0.0.1:${s.address().port}`;
      s.close(() => ok(url));
    });
  });
  const kind = (p) => p.then((v) => `ok ${JSON.stringify(v)}`, (e) => (e instanceof TransportError ? e.transportKind : `${e.name}: ${e.message}`));
  try {
    for (const fetch of [undefined, globalThis.fetch]) {
      const options = { accessToken: "T", baseUrl, maxAttempts: 1, fetch };
      const c = new Client(options);
      assert.equal(await kind(c.getKfList()), "ok []");
      assert.equal(await kind(c.getKfOnlineList()), "reset");
      assert.ok((await c.getWaitCaseList().then(() => null, (e) => e)) instanceof HttpError);
      let before = ended;
      assert.equal(await kind(new Client({ ...options, timeoutMs: 50 }).sendMessage("u", { text: { content: "x" } })), "timeout");
      await closes("timeout", before);
      before = ended;
      assert.equal(await kind(new Client({ ...options, timeoutMs: 100 }).getKfSessionList("kf1@gh")), "timeout", "a body cut off midway");
      await closes("timeout mid-body", before);
      const controller = new AbortController();
      const pending = kind(c.sendMessage("u", { text: { content: "x" } }, { signal: controller.signal }));
      setTimeout(() => controller.abort(), 20);
      before = ended;
      assert.equal(await pending, "aborted");
      await closes("abort", before);
      assert.equal(await kind(new Client({ ...options, baseUrl: refused }).getKfList()), "connect");
    }
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});


test("node:http and node:https: bodies of many socket reads arrive whole, twice over one kept-alive connection", async () => {
  // A child process trusts the test-only certificate of tests/fixtures (NODE_EXTRA_CA_CERTS is
  // read at start). Every socket reads into one buffer of its own: a body of ~60 reads must come
  // out byte for byte, and a second call on the same connection must not see the first's bytes.
  const { spawnSync } = await import("node:child_process");
  const fixture = (f) => new URL(`fixtures/${f}`, import.meta.url).pathname;
  const child = `
    import http from "node:http";
    import https from "node:https";
    import { readFileSync } from "node:fs";
    import { Client } from "wxkf";
    const kfs = (n) => Array.from({ length: 4000 }, (_, i) => ({ kf_account: \`kf\${i}@gh\`, kf_nick: \`昵称\${n}-\${i}\`, kf_id: String(1000 + i), kf_headimgurl: "http://x/" + "a".repeat(i % 97) }));
    const connections = [];
    let n = 0;
    const answer = (req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ kf_list: kfs(++n) }));
    const tls = { key: readFileSync(${JSON.stringify(fixture("localhost.key"))}), cert: readFileSync(${JSON.stringify(fixture("localhost.crt"))}) };
    for (const [scheme, server] of [["http", http.createServer(answer)], ["https", https.createServer(tls, answer)]]) {
      server.on("connection", () => connections.push(scheme));
      await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
      const c = new Client({ accessToken: "T", baseUrl: \`\${scheme}://localhost:\${server.address().port}\`, maxAttempts: 1 });
      for (let call = 0; call < 2; call++) {
        const list = await c.getKfList();
        const want = kfs(n);
        if (JSON.stringify(list.map((k) => [k.kf_account, k.kf_nick, k.kf_id, k.kf_headimgurl])) !== JSON.stringify(want.map((k) => [k.kf_account, k.kf_nick, k.kf_id, k.kf_headimgurl])))
          throw new Error(\`\${scheme} call \${call}: the list differs\`);
      }
      server.closeAllConnections();
      server.close();
    }
    console.log(JSON.stringify({ connections, bodyBytes: JSON.stringify({ kf_list: kfs(1) }).length }));
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", child], {
    cwd: new URL(".", import.meta.url).pathname,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: fixture("localhost.crt") },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const { connections, bodyBytes } = JSON.parse(r.stdout);
  assert.deepEqual(connections, ["http", "https"], "each scheme's two calls shared one connection");
  assert.ok(bodyBytes > 8 * 65536, `the body spans many reads (${bodyBytes} bytes)`);
});
