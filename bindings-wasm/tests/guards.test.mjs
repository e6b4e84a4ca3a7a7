// Issue 18 in JS, end to end against the emulator: the reply budget (fed by pushes the emulator
// sends to a webhook served with `Webhook.dispatch`), refusals before the network, the budget
// fallback, a shared guard store, WeChat's retries handled once, two messages of one second
// both handled, the 5-second rule, and the token breaker on 45009.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { ApiError, Client, GuardError, ValidationError, Webhook } from "wxkf";
import { APPID, SECRET, admin as emulatorAdmin, startEmulator } from "./emulator.mjs";

const TOKEN = "jsGuardsHookToken";
// The emulator would take 20 messages after any action: what the client refuses never reached it.
const GENEROUS = ["message", "menu_click", "follow", "scan"].map((action) => ({ action, messages: 20, within_secs: 600 }));
GENEROUS.push({ action: "payment", messages: null, within_secs: 600 });

let emu;
let hook; // the webhook server the emulator pushes to

/** A webhook server: each POST is answered by `serve(request)` (a fetch Request), `delay` ms later. */
function startHook() {
  const state = { serve: async () => new Response("success"), delay: 0, served: 0 };
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, body: Buffer.concat(chunks) });
    const response = await state.serve(request);
    const text = await response.text();
    state.served++;
    setTimeout(() => res.writeHead(response.status, { "content-type": "text/plain" }).end(text), state.delay);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(Object.assign(state, { server, url: `http://127.0.0.1:${server.address().port}/wechat` }))),
  );
}

before(async () => {
  emu = await startEmulator(["--callback-token", TOKEN]);
  hook = await startHook();
});

after(async () => {
  await emu.stop();
  await new Promise((r) => hook.server.close(r));
});

const admin = (path, body) => emulatorAdmin(emu.baseUrl, path, body);

/** A fetch that counts the requests by path (what left the client). */
function countingFetch() {
  const counts = new Map();
  const f = (url, init) => {
    const path = new URL(url).pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    return fetch(url, init);
  };
  return Object.assign(f, { count: (path) => counts.get(path) ?? 0 });
}

const SEND = "/cgi-bin/message/custom/send";
const guarded = (options = {}) => new Client({ appId: APPID, appSecret: SECRET, baseUrl: emu.baseUrl, budgetMode: "enforce", ...options });

/** Serves the emulator's pushes with `Webhook.dispatch` for `client`; resolves the pushes handled. */
async function handling(client, handler = () => {}) {
  const webhook = new Webhook({ token: TOKEN, appId: APPID, replayCapacity: 0 });
  const handled = [];
  hook.serve = (request) => webhook.dispatch(request, client, async (push) => {
    await handler(push);
    handled.push(push);
  });
  hook.delay = 0;
  hook.served = 0;
  await admin("config", { webhook_url: hook.url, quotas: GENEROUS, push_timeout_ms: 5000, push_retries: 3 });
  return handled;
}

async function until(condition, what) {
  for (let i = 0; i < 1500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const sentTo = async (openid) => (await admin("deliveries")).deliveries.filter((d) => d.touser === openid).length;

async function sendUntilRefused(client, openid) {
  for (let sent = 0; sent < 30; sent++) {
    try {
      await client.sendMessage(openid, { text: { content: `message ${sent}` } });
    } catch (e) {
      assert.ok(e instanceof GuardError, `${e}`);
      return [sent, e];
    }
  }
  assert.fail("never refused");
}

test("after one user message 5 sends go and the 6th is refused before the network", async () => {
  const fetch = countingFetch();
  const client = guarded({ fetch });
  const handled = await handling(client);
  assert.deepEqual(await client.budget("o_msg"), { remaining: 0, until_ms: null, refusal: "out_of_window" });
  const { push } = await admin("user/message", { openid: "o_msg", content: "hi" });
  assert.ok(push.delivered && push.attempts === 1, JSON.stringify(push));
  await until(() => handled.length === 1, "the handler");
  const budget = await client.budget("o_msg");
  assert.equal(budget.remaining, 5);
  assert.equal(budget.refusal, null);
  const [sent, refused] = await sendUntilRefused(client, "o_msg");
  assert.deepEqual([sent, refused.guardKind, refused.untilMs, refused.code], [5, "budget_spent", budget.until_ms, "BUDGET_SPENT"]);
  assert.equal(fetch.count(SEND), 5, "the sixth never left the client");
  assert.equal(await sentTo("o_msg"), 5);
  assert.equal((await client.budget("o_msg")).refusal, "spent");
});

test("a menu click allows 3 within a minute; a payment (recorded by the app) more than 5", async () => {
  const client = guarded();
  const handled = await handling(client);
  await admin("user/event", { openid: "o_click", event: "CLICK", event_key: "menu_1" });
  await until(() => handled.length === 1, "the handler");
  assert.equal(handled[0].message.type, "click");
  const [sent, refused] = await sendUntilRefused(client, "o_click");
  assert.deepEqual([sent, refused.guardKind, await sentTo("o_click")], [3, "budget_spent", 3]);

  await admin("user/payment", { openid: "o_paid" }); // WeChat Pay tells the app, not the webhook
  assert.equal((await client.budget("o_paid")).refusal, "out_of_window");
  await client.recordAction("o_paid", "payment");
  assert.equal((await client.budget("o_paid")).remaining, null);
  for (let i = 0; i < 8; i++) await client.sendMessage("o_paid", { text: { content: `receipt line ${i}` } });
  assert.equal(await sentTo("o_paid"), 8);
  await assert.rejects(client.recordAction("o_paid", "tip"), (e) => e instanceof ValidationError && e.field === "action");
  await assert.rejects(client.budget(42), (e) => e instanceof ValidationError && e.field === "openid");
  await assert.rejects(client.acceptPush({}, "", ""), (e) => e instanceof ValidationError && e.field === "webhook");
  const webhook = new Webhook({ token: TOKEN, appId: APPID });
  await assert.rejects(client.acceptPush(webhook, "", 42), (e) => e instanceof ValidationError && e.field === "body");
  await assert.rejects(client.acceptPush(webhook, "", "<xml/>"), (e) => e.name === "CallbackError"); // unsigned
  const post = () => new Request("http://127.0.0.1/wechat", { method: "POST", body: "<xml/>" });
  for (const [args, field] of [[[post(), {}, () => {}], "client"], [[post(), client, "handler"], "handler"],
    [[post(), client, () => {}, { waitUntil: 1 }], "waitUntil"], [[{}, client, () => {}], "request"]]) {
    await assert.rejects(webhook.dispatch(...args), (e) => e instanceof ValidationError && e.field === field, field);
  }
  assert.equal((await webhook.dispatch(post(), client, () => {})).status, 403, "an unsigned push");
});

test("the fallback is told of each refusal; off and warn let the send reach WeChat", async () => {
  const told = [];
  const client = guarded({ budgetFallback: async (openid, error) => told.push([openid, error]) });
  await assert.rejects(client.sendMessage("o_nobody", { text: { content: "hello?" } }), (e) => e instanceof GuardError && e.guardKind === "out_of_window");
  assert.equal(told.length, 1);
  assert.equal(told[0][0], "o_nobody");
  assert.ok(told[0][1] instanceof GuardError && told[0][1].guardKind === "out_of_window");
  // A fallback that throws is logged by core, never raised instead of the refusal.
  const throwing = guarded({ budgetFallback: () => { throw new Error("template service down"); } });
  await assert.rejects(throwing.sendMessage("o_nobody", { text: { content: "?" } }), GuardError);
  assert.equal(await sentTo("o_nobody"), 0);
  for (const budgetMode of [undefined, "warn"]) {
    const fetch = countingFetch();
    const client = new Client({ appId: APPID, appSecret: SECRET, baseUrl: emu.baseUrl, budgetMode, fetch });
    await assert.rejects(client.sendMessage("o_x", { text: { content: "?" } }), ApiError); // WeChat's answer
    assert.equal(fetch.count(SEND), 1, `budgetMode ${budgetMode}: sent`);
  }
  assert.throws(() => guarded({ budgetMode: "strict" }), (e) => e instanceof ValidationError && e.field === "budgetMode");
  assert.throws(() => guarded({ budgetFallback: "template" }), (e) => e instanceof ValidationError && e.field === "budgetFallback");
  assert.throws(() => guarded({ guardStore: {} }), (e) => e instanceof ValidationError && e.field === "guardStore.get");
});

/** A Map with compareAndSet: the atomic shared store (Redis, a Durable Object) of the test. */
function atomicStore() {
  const data = new Map();
  const store = {
    data,
    swaps: 0,
    get: async (key) => data.get(key),
    set: async (key, value) => void data.set(key, value),
    delete: async (key) => void data.delete(key),
    compareAndSet: async (key, expected, value) => {
      store.swaps++;
      if ((data.get(key) ?? null) !== expected) return false;
      data.set(key, value);
      return true;
    },
  };
  return store;
}

test("instances sharing a guard store share budgets: of 8 concurrent sends from two, 5 go", async () => {
  await handling(guarded());
  const store = atomicStore();
  const [a, b] = [guarded({ guardStore: store }), guarded({ guardStore: store })];
  await admin("user/message", { openid: "o_shared", content: "hi" });
  await a.recordAction("o_shared", "message");
  assert.equal((await b.budget("o_shared")).remaining, 5);
  assert.equal(store.swaps, 1);
  const outcomes = await Promise.allSettled([a, b, a, b, a, b, a, b].map((c) => c.sendMessage("o_shared", { text: { content: "hi" } })));
  assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 5);
  assert.ok(outcomes.filter((o) => o.status === "rejected").every((o) => o.reason instanceof GuardError));
  assert.equal(await sentTo("o_shared"), 5);
  const host = new URL(emu.baseUrl).host;
  assert.deepEqual([...store.data.keys()].filter((k) => k.includes("budget")), [`wxkf:${host}:budget:o_shared`]);
});

test("WeChat's retries of one push are handled once; the message counts once", async () => {
  const client = guarded();
  const handled = await handling(client);
  hook.delay = 500; // the answer comes too late for the emulator: it sends the push again
  await admin("config", { push_timeout_ms: 100, push_retries: 3 });
  const { push } = await admin("user/message", { openid: "o_retry", content: "anyone?" });
  assert.ok(push.attempts === 4 && !push.delivered, JSON.stringify(push));
  await until(() => hook.served === 4, "the four deliveries");
  await new Promise((r) => setTimeout(r, 200)); // a handler started by a retry would have run by now
  assert.equal(handled.length, 1);
  assert.equal((await client.budget("o_retry")).remaining, 5);
});

test("two messages in the same second are both handled", async () => {
  const handled = await handling(guarded());
  for (let attempt = 0; attempt < 5; attempt++) {
    const first = handled.length;
    for (const text of ["one", "two"]) await admin("user/message", { openid: "o_twice", content: `${text} ${attempt}` });
    await until(() => handled.length === first + 2, "both messages");
    const [one, two] = handled.slice(first).map((p) => p.message);
    assert.deepEqual(new Set([one.content, two.content]), new Set([`one ${attempt}`, `two ${attempt}`]));
    if (one.create_time === two.create_time) return;
  }
  assert.fail("no two messages landed in the same second");
});

test("a handler that takes 8 s: the push is answered at once, typing shown, the answer sent after", async () => {
  const client = guarded();
  let release;
  const gate = new Promise((r) => (release = r));
  const waited = [];
  const handled = await handling(client, async (push) => {
    await gate;
    await client.sendMessage(push.message.from_user_name, { text: { content: "the answer" } });
  });
  // The emulator's 5-second deadline (its default): the push counts as delivered at the first attempt.
  const started = Date.now();
  const { push } = await admin("user/message", { openid: "o_slow", content: "a slow question" });
  waited.push(Date.now() - started);
  assert.ok(push.delivered && push.attempts === 1, JSON.stringify(push));
  assert.equal(handled.length, 0, "answered while the handler works");
  await until(async () => (await admin("state")).users.some((u) => u.openid === "o_slow" && u.typing), "typing shown");
  setTimeout(release, 8000 - waited[0]); // the handler's 8 s in all
  await until(() => handled.length === 1, "the handler");
  assert.equal(await sentTo("o_slow"), 1);
  assert.equal((await client.budget("o_slow")).remaining, 4);
});

test("45009 on the token call opens the breaker: nothing is fetched during the cool-down", async () => {
  const fetch = countingFetch();
  const client = new Client({ appId: APPID, appSecret: SECRET, baseUrl: emu.baseUrl, tokenCooldownMs: 60000, fetch });
  await admin("faults", { path: "/cgi-bin/stable_token", kind: "quota", count: 100 });
  try {
    await assert.rejects(client.getKfList(), (e) => e instanceof ApiError && e.errcode === 45009);
    for (let i = 0; i < 10; i++) {
      await assert.rejects(client.getKfList(), (e) => e instanceof GuardError && e.guardKind === "token_breaker_open");
    }
    assert.equal(fetch.count("/cgi-bin/stable_token"), 1, "one token call, none during the cool-down");
  } finally {
    await fetch(`${emu.baseUrl}/__admin/faults`, { method: "DELETE" });
  }
});
