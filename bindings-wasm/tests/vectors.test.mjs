// The shared vectors (tests/vectors/*.json, push-*.json included) through the package's
// public API in Node: `fetch` is replaced by a checker that compares each request with the
// vector and answers the canned response.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { ApiError, Client, Webhook, WxkfError, isWxkfError } from "wxkf";
import { OPERATIONS } from "../pkg/lib/generated.js";

const DIR = new URL("../../tests/vectors/", import.meta.url);
const BASE = "https://api.weixin.qq.com";

function load(filter) {
  return readdirSync(DIR)
    .filter((f) => f.endsWith(".json") && filter(f))
    .sort()
    .map((f) => ({ file: f, doc: JSON.parse(readFileSync(new URL(f, DIR), "utf8")) }));
}

const decode = (s) => decodeURIComponent(s);

function headerOf(init, name) {
  const h = init.headers;
  if (!h) return "";
  if (typeof h.get === "function") return h.get(name) ?? "";
  return h[name] ?? "";
}

function bodyBytes(init) {
  const b = init.body;
  if (b === undefined || b === null) return new Uint8Array();
  if (typeof b === "string") return new TextEncoder().encode(b);
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  throw new Error(`unexpected body type ${Object.prototype.toString.call(b)}`);
}

function indexOf(hay, needle, from = 0) {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function checkMultipart(mp, init) {
  const ct = headerOf(init, "content-type");
  const prefix = "multipart/form-data; boundary=";
  if (!ct.startsWith(prefix)) return `content type ${ct} is not multipart/form-data`;
  const boundary = ct.slice(prefix.length);
  const body = bodyBytes(init);
  const enc = new TextEncoder();
  const open = enc.encode(`--${boundary}\r\n`);
  const close = enc.encode(`\r\n--${boundary}--\r\n`);
  if (indexOf(body, open) !== 0 || indexOf(body, close, body.length - close.length) !== body.length - close.length) {
    return "multipart framing";
  }
  const inner = body.subarray(open.length, body.length - close.length);
  const split = indexOf(inner, enc.encode("\r\n\r\n"));
  if (split < 0) return "no part header end";
  const head = new TextDecoder().decode(inner.subarray(0, split));
  const want =
    `Content-Disposition: form-data; name="${mp.field}"; filename="${mp.filename}"\r\n` +
    `Content-Type: ${mp.content_type}`;
  if (head !== want) return `part header ${JSON.stringify(head)} != ${JSON.stringify(want)}`;
  const part = inner.subarray(split + 4);
  if (mp.data_size !== undefined) {
    // `data_size`: that many 0xFF bytes (a big image described compactly)
    if (part.length !== mp.data_size || !part.every((b) => b === 0xff)) return `part data differs (${part.length} bytes)`;
    return null;
  }
  if (Buffer.from(part).toString("base64") !== mp.data_base64) return "part data differs";
  return null;
}

/** What differs between the request `fetch` got and the vector's `request`, or null. */
function checkRequest(want, url, init) {
  const method = init.method ?? "GET";
  if (method !== want.method) return `method ${method} != ${want.method}`;
  if (!url.startsWith(`${BASE}/`)) return "base URL";
  const rest = url.slice(BASE.length);
  const q = rest.indexOf("?");
  const path = q < 0 ? rest : rest.slice(0, q);
  const raw = q < 0 ? "" : rest.slice(q + 1);
  if (path !== want.path) return `path ${path} != ${want.path}`;
  const query = {};
  for (const pair of raw.split("&").filter((p) => p.length > 0)) {
    const eq = pair.indexOf("=");
    const k = decode(eq < 0 ? pair : pair.slice(0, eq));
    const v = decode(eq < 0 ? "" : pair.slice(eq + 1));
    if (k in query) return `query parameter ${k} twice`;
    query[k] = v;
  }
  try {
    assert.deepStrictEqual(query, want.query);
  } catch {
    return `query ${JSON.stringify(query)} != ${JSON.stringify(want.query)}`;
  }
  if (want.raw_query !== undefined && raw !== want.raw_query) return `raw query ${raw} != ${want.raw_query}`;
  const body = bodyBytes(init);
  if (want.json !== undefined) {
    const text = new TextDecoder().decode(body);
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return `body is not JSON: ${text}`;
    }
    try {
      assert.deepStrictEqual(parsed, want.json);
    } catch {
      return `json body ${text} != ${JSON.stringify(want.json)}`;
    }
    if (!headerOf(init, "content-type").startsWith("application/json")) return "json body without application/json";
    if (want.body_has_no_escapes === true && text.includes("\\u")) return `body holds \\u escapes: ${text}`;
  } else if (want.multipart !== undefined) {
    return checkMultipart(want.multipart, init);
  } else if (body.length !== 0) {
    return `unexpected body of ${body.length} bytes`;
  }
  return null;
}

function responseOf(c) {
  const r = c.response;
  const text = r.body !== undefined ? JSON.stringify(r.body) : r.body_text;
  return new Response(text, { status: r.status ?? 200, headers: { "content-type": "application/json" } });
}

const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/** The image of an upload input: `image_size` 0xFF bytes, else `image_base64` decoded. */
function imageOf(i) {
  if (i.image_size !== undefined) return new Uint8Array(i.image_size).fill(0xff);
  return new Uint8Array(Buffer.from(i.image_base64, "base64"));
}

/** A vector's argument: the image as bytes, the rest as given. */
const argument = (input, name) => (name === "image" ? imageOf(input) : input[name]);

/** Calls the operation of core's table through its public method: positional arguments in table order, keywords as options. */
function call(client, c) {
  const op = OPERATIONS.find((o) => o.name === c.operation);
  if (!op) throw new Error(`unknown operation ${c.operation}`);
  const keywords = Object.fromEntries(op.keywords.filter((k) => k in c.input).map((k) => [camel(k), c.input[k]]));
  return client[op.method](...op.args.map((a) => argument(c.input, a)), keywords);
}

/** The client of a case: the token calls use the client's own AppID and AppSecret. */
function clientOf(c, fetch) {
  const i = c.input;
  if (!("secret" in i)) return new Client({ accessToken: "ACCESS_TOKEN", maxAttempts: 1, fetch });
  const tokenKind = c.operation === "get_access_token" ? "classic" : "stable";
  return new Client({ appId: i.appid, appSecret: i.secret, tokenKind, maxAttempts: 1, fetch });
}

// The token vectors name the endpoint's fields; the client names its options.
const OPTION_OF = { secret: "appSecret", appid: "appId" };

function checkError(want, e) {
  if (!(e instanceof WxkfError) || !isWxkfError(e)) return `not a WxkfError: ${e}`;
  if (e.kind !== want.kind) return `error kind ${e.kind} (${e.message}) != ${want.kind}`;
  switch (want.kind) {
    case "api":
      if (e.errcode !== want.errcode || e.code !== want.code || e.retry !== want.retry) {
        return `api error ${e.errcode}/${e.code}/${e.retry} != ${JSON.stringify(want)}`;
      }
      return e instanceof ApiError && e.name.endsWith("Error") ? null : `name ${e.name}`;
    case "validation":
      return e.field === want.field || e.field === OPTION_OF[want.field] ? null : `field ${e.field} (${e.message}) != ${want.field}`;
    case "decode":
      return null;
    case "http":
      return e.status === want.status ? null : `status ${e.status} != ${want.status}`;
    default:
      return `unexpected kind ${want.kind}`;
  }
}

/** Runs one case; returns what went wrong or null. */
async function runCase(c) {
  const problems = [];
  let sent = 0;
  const fetch = async (url, init) => {
    sent += 1;
    if (c.request === null) {
      problems.push("a request was sent for a case that must fail before the network");
    } else {
      const why = checkRequest(c.request, url, init);
      if (why) problems.push(why);
    }
    if (problems.length > 0) throw new TypeError("request mismatch");
    return responseOf(c);
  };
  let outcome;
  try {
    outcome = { ok: await call(clientOf(c, fetch), c) };
  } catch (e) {
    outcome = { err: e };
  }
  if (problems.length > 0) return problems.join("; ");
  if (c.request !== null && sent !== 1) return `${sent} requests sent`;
  if ("result" in c.expect) {
    if (outcome.err) return `unexpected error ${outcome.err.name}: ${outcome.err.message}`;
    try {
      assert.deepStrictEqual(outcome.ok, c.expect.result);
    } catch {
      return `result ${JSON.stringify(outcome.ok)} != ${JSON.stringify(c.expect.result)}`;
    }
    return null;
  }
  if (!outcome.err) return `expected an error, got ${JSON.stringify(outcome.ok)}`;
  return checkError(c.expect.error, outcome.err);
}

const requestCases = load((f) => !f.startsWith("push-")).flatMap(({ file, doc }) =>
  doc.cases.map((c) => ({ file, c })),
);

test("every request/response vector passes through the public Client", async () => {
  assert.ok(requestCases.length >= 60, `only ${requestCases.length} cases`);
  const failures = [];
  for (const { file, c } of requestCases) {
    const why = await runCase(c);
    if (why) failures.push(`${file}/${c.name}: ${why}`);
  }
  assert.deepStrictEqual(failures, [], `${failures.length} of ${requestCases.length} failed`);
});

test("the vector runner notices a changed expectation", async () => {
  const found = requestCases.find(({ c }) => c.name === "send_image");
  assert.ok(found, "send_image vector");
  assert.equal(await runCase(found.c), null);
  const changed = structuredClone(found.c);
  changed.request.json.image.media_id = "other";
  assert.notEqual(await runCase(changed), null);
  const wrongResult = structuredClone(requestCases.find(({ c }) => c.operation === "get_kf_list" && c.expect.result).c);
  wrongResult.expect.result = [];
  assert.notEqual(await runCase(wrongResult), null);
});

// ---------------------------------------------------------------------------------------
// Push vectors
// ---------------------------------------------------------------------------------------

function webhookOf(config, replayCapacity) {
  return new Webhook({
    token: config.token,
    encodingAesKey: config.encoding_aes_key ?? undefined,
    appId: config.appid,
    windowSecs: config.window_secs,
    replayCapacity,
  });
}

function pushBody(c) {
  if (c.body_base64 !== undefined) return new Uint8Array(Buffer.from(c.body_base64, "base64"));
  return c.body_repeat !== undefined ? c.body.repeat(c.body_repeat) : c.body;
}

function checkPushError(want, e) {
  if (!isWxkfError(e)) return `not a WxkfError: ${e}`;
  if (e.code !== want.code) return `code ${e.code} (${e.message}) != ${want.code}`;
  if (want.code === "CALLBACK") {
    if (!(e.name === "CallbackError" && e.callbackKind === want.kind)) return `callbackKind ${e.callbackKind} != ${want.kind}`;
  } else if (e.field !== want.field && e.field !== camel(want.field)) {
    // (a Webhook option is named in camelCase, as it was given)
    return `field ${e.field} != ${want.field}`;
  }
  return null;
}

function outcomeOf(f) {
  try {
    return { ok: f() };
  } catch (e) {
    return { err: e };
  }
}

function compare(c, outcome, same) {
  if (c.error !== undefined) {
    if (!outcome.err) return `expected ${JSON.stringify(c.error)}, got ${JSON.stringify(outcome.ok)}`;
    return checkPushError(c.error, outcome.err);
  }
  if (outcome.err) return `unexpected error ${outcome.err.name}: ${outcome.err.message}`;
  return same(outcome.ok);
}

function deepSame(actual, want) {
  try {
    assert.deepStrictEqual(actual, want);
    return null;
  } catch {
    return `${JSON.stringify(actual)} != ${JSON.stringify(want)}`;
  }
}

function runPushCase(format, fileConfig, c) {
  const config = c.config ?? fileConfig;
  switch (format) {
    case "push-url":
      return compare(
        c,
        outcomeOf(() => webhookOf(config, 0).checkUrl(c.query, { now: c.now })),
        (echostr) => deepSame({ echostr }, c.expect),
      );
    case "push-open": {
      const outcome = outcomeOf(() => {
        if (c.guard) {
          const hook = webhookOf(config, c.guard.capacity);
          for (let i = 1; i < c.guard.times; i++) hook.open(c.query, pushBody(c), { now: c.now });
          return hook.open(c.query, pushBody(c), { now: c.now });
        }
        return webhookOf(config, 0).open(c.query, pushBody(c), { now: c.now });
      });
      return compare(c, outcome, (opened) => deepSame(opened, c.expect));
    }
    case "push-reply": {
      const outcome = outcomeOf(() => {
        const hook = webhookOf(config, 0);
        const push = hook.open(c.push.query, pushBody(c.push), { now: c.push.now });
        return hook.reply(push, c.reply, { now: c.now, nonce: c.nonce, random: c.random_hex });
      });
      return compare(c, outcome, (body) => deepSame(body, c.expect.body));
    }
    default:
      return `unknown format ${format}`;
  }
}

const pushFiles = load((f) => f.startsWith("push-"));

test("every push vector passes through the public Webhook", () => {
  let count = 0;
  const failures = [];
  for (const { file, doc } of pushFiles) {
    const format = doc.format.split(" ")[0];
    for (const c of doc.cases) {
      count += 1;
      const why = runPushCase(format, doc.config, c);
      if (why) failures.push(`${file}/${c.name}: ${why}`);
    }
  }
  assert.ok(count >= 90, `only ${count} push cases`);
  assert.deepStrictEqual(failures, [], `${failures.length} of ${count} push cases failed`);
});

test("the push runner notices a changed expectation", () => {
  const { doc } = pushFiles.find(({ file }) => file === "push-messages.json");
  const c = structuredClone(doc.cases[0]);
  assert.equal(runPushCase("push-open", doc.config, c), null);
  c.expect.message.from_user_name = "someone else";
  assert.notEqual(runPushCase("push-open", doc.config, c), null);
});
