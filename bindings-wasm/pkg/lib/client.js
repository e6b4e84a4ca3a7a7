// The Client: core's client in the wasm, one call per operation (the methods come from core's
// table, in generated.js). Here: arguments as JSON, results and errors back, AbortSignals,
// and the record walk as an async iterator.
import { WasmClient } from "../gen/wxkf_wasm.js";
import { CALL, CREDENTIALS, GUARD_OPTIONS, OPERATIONS, Operations, ValidationError, fromView } from "./generated.js";

/** A ValidationError raised on the JS side (an argument that cannot become JSON). */
export function invalid(field, reason) {
  const text = String(reason?.message ?? reason).slice(0, 200);
  return new ValidationError({ kind: "validation", code: "VALIDATION", field, reason: text, message: `invalid ${field}: ${text}` });
}

/** What the wasm threw or rejected with (the error view's JSON text) as a WxkfError. */
export const toError = (e) => (typeof e === "string" ? fromView(JSON.parse(e)) : e);
const rethrow = (e) => {
  throw toError(e);
};

/** `e` with the option a ValidationError names in camelCase (errors about an options object). */
export function camelField(e) {
  if (e instanceof ValidationError) e.field = e.field.replace(/^\w+/, camel);
  return e;
}

const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Unix seconds from a Date (anything else passes as is, to be checked as JSON). */
export function seconds(v) {
  try {
    return v instanceof Date ? Math.floor(v.getTime() / 1000) : v;
  } catch {
    return v; // a Proxy whose prototype cannot be read: refused as JSON
  }
}

/** A property of an options object; a throwing getter or Proxy trap names the option. */
export function read(options, key) {
  try {
    return options?.[key];
  } catch (e) {
    throw invalid(key, e);
  }
}

/** Whether `v` is plain JSON data: no Date, Map, boxed string or class instance, no function, symbol or BigInt, no NaN and no integer beyond 2^53. */
function isData(v) {
  switch (typeof v) {
    case "function":
    case "symbol":
    case "bigint":
      return false;
    case "number":
      return Number.isFinite(v) && (!Number.isInteger(v) || Number.isSafeInteger(v));
    case "object": {
      const proto = v === null || Array.isArray(v) ? null : Object.getPrototypeOf(v);
      return proto === null || proto === Object.prototype;
    }
    default:
      return true;
  }
}

/** Nesting the JSON may have (the core refuses deeper still). */
const MAX_DEPTH = 100;

/** Whether `v` is plain data all the way down, well within MAX_DEPTH: the fast check of `field`, whose walk says what is wrong otherwise. */
function plain(v, depth) {
  if (!isData(v)) return false;
  if (typeof v !== "object" || v === null) return true;
  if (depth >= MAX_DEPTH / 2) return false;
  for (const key of Object.keys(v)) if (!plain(v[key], depth + 1)) return false;
  return true;
}

/**
 * `"name":JSON` of `value`: what is not plain data is refused (not turned into something else,
 * or left out), and so is deep nesting, by a ValidationError naming the path (`message.text.content`).
 */
function field(name, value) {
  try {
    if (plain(value, 0)) return JSON.stringify({ [name]: value }).slice(1, -1);
  } catch {
    // a throwing getter or Proxy trap: the walk below names the field
  }
  const seen = new Map(); // each object met → its path and depth
  const text = JSON.stringify({ [name]: value }, function (key, v) {
    const [parent, depth] = seen.get(this) ?? ["", -1];
    const path = parent === "" ? key : Array.isArray(this) ? `${parent}[${key}]` : `${parent}.${key}`;
    if (!isData(this[key])) throw invalid(path, "must be plain data (objects, arrays, strings, exact numbers, booleans, null)");
    if (depth > MAX_DEPTH) throw invalid(path, "is nested too deeply");
    if (typeof v === "object" && v !== null) seen.set(v, [path, depth + 1]);
    return v;
  });
  return text.slice(1, -1);
}

function base64(value) {
  const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : null;
  if (bytes === null) throw new TypeError("must be a Uint8Array or an ArrayBuffer");
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/**
 * An arguments object as JSON, each field on its own so that what cannot become JSON (a
 * cycle, a BigInt, a throwing getter, deep nesting) is a ValidationError naming the field.
 * Fields named in `bytes` travel as base64; undefined ones are left out (defaults apply).
 */
export function json(args, bytes = []) {
  const fields = [];
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    try {
      fields.push(bytes.includes(key) ? `${JSON.stringify(key)}:${JSON.stringify(base64(value))}` : field(key, value));
    } catch (e) {
      throw e instanceof ValidationError ? e : invalid(key, e);
    }
  }
  return `{${fields.join(",")}}`;
}

/** An options object with snake_case keys, less the `host` keys (functions, signals …), kept apart. */
export function snakeOptions(options, host = []) {
  if (typeof options !== "object" || options === null) throw invalid("options", "must be an object");
  const data = {};
  const kept = {};
  let entries;
  try {
    entries = Object.entries(options);
  } catch (e) {
    throw invalid("options", e);
  }
  for (const [key, value] of entries) {
    if (host.includes(key)) kept[key] = value;
    else data[snake(key)] = value;
  }
  return [data, kept];
}

/** The entries of `keys` taken out of `settings`. */
function take(settings, keys) {
  const taken = Object.fromEntries(keys.filter((k) => k in settings).map((k) => [k, settings[k]]));
  for (const key of keys) delete settings[key];
  return taken;
}

/** The token cache when the options give none: a Map of this client's own. */
function memoryStore() {
  const map = new Map();
  return { get: (key) => map.get(key), set: (key, value) => void map.set(key, value), delete: (key) => map.delete(key) };
}

/** The transport when the options give no `fetch`: what the runtime's entry installs (node:http on Node), else the global `fetch`. */
export const defaults = { fetch: undefined };

/** The key of `Webhook`'s arguments of an open (`[wasm webhook, args JSON, body bytes]`), for `acceptPush`. */
export const OPEN_ARGS = Symbol("wxkf.openArgs");

/** The customer-service (kf) API client. */
export class Client extends Operations {
  #inner;

  constructor(options) {
    super();
    try {
      const [settings, host] = snakeOptions(options, ["tokenProvider", "tokenStore", "guardStore", "budgetFallback", "fetch"]);
      const [credentials, guards] = [CREDENTIALS, GUARD_OPTIONS].map((keys) => take(settings, keys));
      host.tokenStore ??= memoryStore();
      host.fetch ??= defaults.fetch;
      const fallback = host.budgetFallback;
      if (typeof fallback === "function") host.budgetFallback = (openid, view) => fallback(openid, toError(view));
      this.#inner = new WasmClient(json(credentials), json(settings), json(guards), host);
    } catch (e) {
      throw camelField(toError(e));
    }
  }

  /** Tokens fetched so far (from WeChat or the provider). */
  get tokenFetches() {
    return this.#inner.tokenFetches();
  }

  /** The current access token, fetched when needed (for brokers handing tokens out). */
  async accessToken(options) {
    return JSON.parse(await this.#inner.accessToken(read(options, "signal")).catch(rethrow));
  }

  /** What `openid`'s reply budget allows now: messages left and until when. */
  async budget(openid) {
    return JSON.parse(await this.#inner.budget(json({ openid })).catch(rethrow));
  }

  /** Records what the user did that no push reports (`"payment"`), opening its window. */
  async recordAction(openid, action) {
    await this.#inner.recordAction(json({ openid, action })).catch(rethrow);
  }

  /** Opens a push with `webhook`, tells WeChat's retries apart (`duplicate`) and records the user's action in the reply budget. */
  async acceptPush(webhook, query, body, options) {
    if (typeof webhook?.[OPEN_ARGS] !== "function") throw invalid("webhook", "must be a Webhook");
    const [inner, args, bytes] = webhook[OPEN_ARGS](query, body, options);
    return JSON.parse(await this.#inner.acceptPush(inner, args, bytes).catch(rethrow));
  }

  /** One operation of core's table: its snake_case arguments, keyword ones read from `options`. */
  async [CALL](name, args, options) {
    const op = OPERATIONS.find((o) => o.name === name);
    for (const key of op.keywords) args[key] = read(options, camel(key));
    for (const key of op.times) args[key] = seconds(args[key]);
    const text = json(args, op.bytes);
    return JSON.parse(await this.#inner.call(name, text, read(options, "signal")).catch(rethrow));
  }

  /** Every record of `[from, to)` (or from a saved `cursor`), as an async iterator. */
  msgRecords(options) {
    try {
      const [range, host] = snakeOptions(options, ["signal"]);
      Object.assign(range, { from: seconds(range.from), to: seconds(range.to) });
      return new RecordIterator(this.#inner.msgRecords(json(range)), host.signal);
    } catch (e) {
      throw camelField(toError(e));
    }
  }
}

/**
 * Records per crossing out of the wasm. The batch in hand is what survives V8's young-generation
 * collections; at 64 the survivors added up enough to double the young generation during a long
 * export (+4 MiB), at 16 they do not and crossing costs about the same.
 */
const BATCH = 16;

/**
 * Records in order; `for await` over it, or pull pages with `nextPage()`. A page stays in the
 * wasm and crosses into JS BATCH records at a time: a page never becomes thousands of live
 * objects or one large string at once (memory stays flat on long exports).
 */
class RecordIterator {
  #walk;
  #signal;
  #batch = []; // records crossed and not all handed out
  #at = 0; // the next one of #batch to hand out
  #done = false;
  #pending = Promise.resolve();
  #queued = 0; // calls in #pending not yet settled

  constructor(walk, signal) {
    this.#walk = walk;
    this.#signal = signal;
  }

  /** Whether a record is ready in #batch without a fetch, crossing the next batch of the page for it. */
  #ready() {
    if (this.#at < this.#batch.length) return true;
    const batch = JSON.parse(this.#walk.take(BATCH));
    if (batch.length === 0) return false;
    [this.#batch, this.#at] = [batch, 0];
    return true;
  }

  /** Whether a record is ready in #batch, fetching the next page for it when the page is used up. */
  async #fill() {
    while (!this.#ready()) {
      if (this.#done || (this.#done = (await this.#walk.fetch(this.#signal).catch(rethrow)) === "0")) return false;
    }
    return true;
  }

  /** The record found by #fill; #batch lets go of it. */
  #take() {
    const record = this.#batch[this.#at];
    this.#batch[this.#at++] = undefined;
    return record;
  }

  // Calls are queued so that overlapping next() calls never fetch the same page twice.
  #queue(f) {
    this.#queued++;
    const run = this.#pending.then(f, f);
    // Registered before the caller's own reaction: #queued is down when the caller goes on.
    const settled = () => void this.#queued--;
    this.#pending = run.then(settled, settled);
    return run;
  }

  /** The next record, `{ done: true }` at the end. */
  next() {
    // Most calls find a record in the page: answered without the queue's promises and closures
    // (fewer allocations per record keep V8's young generation small on long exports).
    if (this.#queued === 0) {
      try {
        if (this.#ready()) return Promise.resolve({ done: false, value: this.#take() });
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.#queue(async () => ((await this.#fill()) ? { done: false, value: this.#take() } : { done: true, value: undefined }));
  }

  /** The rest of the current page (fetching the next when needed); `[]` at the end. */
  nextPage() {
    return this.#queue(async () => {
      if (!(await this.#fill())) return [];
      const rest = this.#batch.slice(this.#at).concat(JSON.parse(this.#walk.take(0xffffffff)));
      [this.#batch, this.#at] = [[], 0];
      return rest;
    });
  }

  /** Where the walk stands: `msgRecords({ cursor })` resumes with exactly the records not taken; `null` when done. */
  get cursor() {
    return JSON.parse(this.#walk.cursor(this.#batch.length - this.#at));
  }

  /** Pages fetched so far. */
  get pagesFetched() {
    return this.#walk.pagesFetched();
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
