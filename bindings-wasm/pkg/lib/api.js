// The public JS API of wxkf: thin classes over the WebAssembly core (generated in ../gen).
// Every behaviour (tokens, retries, validation, paging, push crypto) lives in the Rust core;
// this file only shapes arguments, wraps errors into WxkfError classes and adds iterators.
// Arguments are screened here for what cannot safely cross into the wasm (lone surrogates,
// cycles, throwing getters, fake typed arrays): see `data()`.
import { WasmClient, WasmWebhook } from "../gen/wxkf_wasm.js";

/** Base class of every error wxkf throws or rejects with. */
export class WxkfError extends Error {
  constructor(info) {
    super(clip(info.message));
    this.name = "WxkfError";
    /** "api" | "validation" | "decode" | "http" | "transport" | "callback" | "internal" */
    this.kind = info.kind;
    /** Stable name: the catalogue name of an API error (e.g. "INVALID_CREDENTIAL"), else VALIDATION, DECODE, HTTP_STATUS, TRANSPORT, CALLBACK, INTERNAL. */
    this.code = info.code;
    this.errcode = info.errcode ?? null;
    this.errmsg = info.errmsg ?? null;
  }
}

/** WeChat answered with a non-zero errcode. */
export class ApiError extends WxkfError {
  constructor(info) {
    super(info);
    this.name = "ApiError";
    this.retry = info.retry;
    this.family = info.family;
  }
}

/** Bad input, found before anything was sent. */
export class ValidationError extends WxkfError {
  constructor(info) {
    super(info);
    this.name = "ValidationError";
    this.field = info.field;
    this.reason = clip(info.reason);
  }
}

/** The response could not be understood. */
export class DecodeError extends WxkfError {
  constructor(info) {
    super(info);
    this.name = "DecodeError";
    this.reason = clip(info.reason);
  }
}

/** WeChat answered with an HTTP status other than 200. */
export class HttpStatusError extends WxkfError {
  constructor(info) {
    super(info);
    this.name = "HttpStatusError";
    this.status = info.status;
  }
}

/** The request failed below HTTP (connect, reset, timeout, abort). */
export class TransportError extends WxkfError {
  constructor(info) {
    super(info);
    this.name = "TransportError";
    this.transportKind = info.transportKind;
  }
}

/** A push was refused (signature, timestamp, replay, size, crypto, appid, XML). */
export class CallbackError extends WxkfError {
  constructor(info) {
    super(info);
    this.name = "CallbackError";
    this.callbackKind = info.callbackKind;
    this.reason = clip(info.reason);
  }
}

// An error text quoting a huge input (serde's "unknown variant" does) is cut short.
const MAX_TEXT = 1000;
function clip(text) {
  return typeof text === "string" && text.length > MAX_TEXT
    ? `${text.slice(0, MAX_TEXT)}… (${text.length - MAX_TEXT} more characters)`
    : text;
}

const CLASSES = {
  api: ApiError,
  validation: ValidationError,
  decode: DecodeError,
  http: HttpStatusError,
  transport: TransportError,
  callback: CallbackError,
};

/** Type guard: whether `value` is a WxkfError (optionally of one `code`). */
export function isWxkfError(value, code) {
  return value instanceof WxkfError && (code === undefined || value.code === code);
}

// Turns what the core threw (a plain `{__wxkf: true, ...}` object) into a WxkfError; anything
// else (a wasm trap, a bug) becomes an "internal" WxkfError so no foreign error leaks out.
function wrap(e) {
  if (e instanceof WxkfError) return e;
  if (e && typeof e === "object" && e.__wxkf === true) {
    const Class = CLASSES[e.kind] ?? WxkfError;
    return new Class(e);
  }
  const err = new WxkfError({
    kind: "internal",
    code: "INTERNAL",
    message: `internal error: ${e instanceof Error ? e.message : String(e)}`,
  });
  if (e instanceof Error) err.cause = e;
  return err;
}

function call(f) {
  try {
    return f();
  } catch (e) {
    throw wrap(e);
  }
}

async function callAsync(f) {
  try {
    return await f();
  } catch (e) {
    throw wrap(e);
  }
}

/** A property as the core reads one: a throwing getter or Proxy trap reads as undefined. */
function peek(object, key) {
  try {
    return object?.[key];
  } catch {
    return undefined;
  }
}

const signalOf = (opts) => peek(opts, "signal");

function invalid(field, reason) {
  return new ValidationError({ kind: "validation", code: "VALIDATION", field, reason, message: `invalid ${field}: ${reason}` });
}

// The glue would turn a lone surrogate (invalid UTF-16) into U+FFFD without a word.
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (s) => (typeof s.isWellFormed === "function" ? s.isWellFormed() : !LONE.test(s));

/** A string argument; a lone surrogate is refused (non-strings go on to the core's checks). */
function str(value, field) {
  if (typeof value === "string" && !wellFormed(value)) throw invalid(field, "holds a lone surrogate (invalid UTF-16)");
  return value;
}

/** Checks the string options `keys` of `options`. */
function strOptions(options, keys) {
  for (const k of keys) str(peek(options, k), k);
}

/** Bytes: an object posing as a Uint8Array (a Proxy, `Object.create(Uint8Array.prototype)`) would throw inside the wasm. */
function bytesArg(value, field) {
  let fake;
  try {
    fake = value instanceof Uint8Array && !ArrayBuffer.isView(value);
  } catch {
    fake = true;
  }
  if (fake) throw invalid(field, "must be a Uint8Array or an ArrayBuffer");
  return value;
}

const MAX_DEPTH = 16;
const NOT_DATA = [ArrayBuffer, Map, Set, Date, RegExp, Promise, WeakMap, WeakSet];

/**
 * A plain copy of an object the core deserializes (a message, a reply, a query, a cursor).
 * Each property is read once, here: a throwing getter or Proxy trap becomes a ValidationError
 * instead of a JS exception thrown through the wasm (which leaks its stack: a few hundred
 * break the instance), and a cycle or deep nesting is refused before the deserializer
 * recurses through it (a stack overflow traps and breaks the instance). `path` names fields
 * the way the core does (`text.content`, `news.articles[0].title`).
 */
function data(value, field, path, depth = 0) {
  if (typeof value === "string") return str(value, path || field);
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) throw invalid(field, "is nested too deeply (or cyclic)");
  const at = path || field;
  const read = (f, where) => {
    try {
      return f();
    } catch (e) {
      throw e instanceof WxkfError ? e : invalid(where, `could not be read: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  if (read(() => ArrayBuffer.isView(value) || NOT_DATA.some((T) => value instanceof T), at)) {
    throw invalid(at, "must be plain data (objects, arrays, strings, numbers, booleans)");
  }
  if (read(() => Array.isArray(value), at)) {
    return read(() => Array.from(value), at).map((v, i) => data(v, field, `${at}[${i}]`, depth + 1));
  }
  const copy = {};
  for (const key of read(() => Object.keys(value), at)) {
    const where = path ? `${path}.${key}` : key;
    const v = data(read(() => value[key], where), field, where, depth + 1);
    Object.defineProperty(copy, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** The customer-service (kf) API client. */
export class Client {
  #inner;

  constructor(options) {
    this.#inner = call(() => {
      strOptions(options, ["appId", "appSecret", "accessToken"]);
      return new WasmClient(options);
    });
  }

  /** Tokens fetched so far (from WeChat or the provider). */
  get tokenFetches() {
    return this.#inner.tokenFetches();
  }

  /** The current access token, fetched when needed (for brokers handing tokens to others). */
  accessToken(opts) {
    return callAsync(() => this.#inner.accessToken(signalOf(opts)));
  }

  /** Calls WeChat's token endpoint directly, bypassing the cache (e.g. a stable-token force refresh). */
  requestAccessToken(credentials, opts) {
    return callAsync(() => {
      strOptions(credentials, ["appId", "appSecret"]);
      return this.#inner.requestAccessToken(credentials, signalOf(opts));
    });
  }

  addKfAccount(kfAccount, nickname, opts) {
    return callAsync(() => this.#inner.addKfAccount(str(kfAccount, "kf_account"), str(nickname, "nickname"), signalOf(opts)));
  }

  updateKfAccount(kfAccount, nickname, opts) {
    return callAsync(() => this.#inner.updateKfAccount(str(kfAccount, "kf_account"), str(nickname, "nickname"), signalOf(opts)));
  }

  delKfAccount(kfAccount, opts) {
    return callAsync(() => this.#inner.delKfAccount(str(kfAccount, "kf_account"), signalOf(opts)));
  }

  getKfList(opts) {
    return callAsync(() => this.#inner.getKfList(signalOf(opts)));
  }

  getKfOnlineList(opts) {
    return callAsync(() => this.#inner.getKfOnlineList(signalOf(opts)));
  }

  inviteWorker(kfAccount, inviteWx, opts) {
    return callAsync(() => this.#inner.inviteWorker(str(kfAccount, "kf_account"), str(inviteWx, "invite_wx"), signalOf(opts)));
  }

  uploadKfHeadImg(kfAccount, image, opts) {
    return callAsync(() => this.#inner.uploadKfHeadImg(str(kfAccount, "kf_account"), bytesArg(image, "image"), signalOf(opts)));
  }

  sendMessage(touser, message, opts) {
    return callAsync(() => this.#inner.sendMessage(str(touser, "touser"), data(message, "message", ""), signalOf(opts)));
  }

  sendTyping(touser, command, opts) {
    return callAsync(() =>
      this.#inner.sendTyping(str(touser, "touser"), data(command, "command", "command"), str(peek(opts, "businessid"), "businessid"), signalOf(opts)),
    );
  }

  createKfSession(kfAccount, openid, opts) {
    return callAsync(() => this.#inner.createKfSession(str(kfAccount, "kf_account"), str(openid, "openid"), signalOf(opts)));
  }

  closeKfSession(kfAccount, openid, opts) {
    return callAsync(() => this.#inner.closeKfSession(str(kfAccount, "kf_account"), str(openid, "openid"), signalOf(opts)));
  }

  getKfSession(openid, opts) {
    return callAsync(() => this.#inner.getKfSession(str(openid, "openid"), signalOf(opts)));
  }

  getKfSessionList(kfAccount, opts) {
    return callAsync(() => this.#inner.getKfSessionList(str(kfAccount, "kf_account"), signalOf(opts)));
  }

  getWaitCaseList(opts) {
    return callAsync(() => this.#inner.getWaitCaseList(signalOf(opts)));
  }

  getMsgList(query, opts) {
    return callAsync(() => this.#inner.getMsgList(query, signalOf(opts)));
  }

  /** Every record of `[from, to)` (or from a saved `cursor`), as an async iterator. */
  msgRecords(options) {
    const walk = call(() => {
      const cursor = peek(options, "cursor");
      const plain = cursor == null ? options : { pageSize: peek(options, "pageSize"), cursor: data(cursor, "cursor", "cursor") };
      return this.#inner.msgRecords(plain);
    });
    return new RecordIterator(walk, peek(options, "signal"));
  }
}

/** Records of a range in order; `for await` over it, or pull pages with `nextPage()`. */
class RecordIterator {
  #walk;
  #signal;
  #buffer = [];
  #taken = 0;
  #done = false;
  #pending = Promise.resolve();

  constructor(walk, signal) {
    this.#walk = walk;
    this.#signal = signal;
  }

  async #fill() {
    while (this.#buffer.length === 0 && !this.#done) {
      const page = await callAsync(() => this.#walk.nextPage(this.#signal));
      if (page.length === 0) this.#done = true;
      this.#buffer = page;
      this.#taken = 0;
    }
    return this.#buffer.length > 0;
  }

  // Calls are queued so that overlapping next() calls never fetch the same page twice.
  #queue(f) {
    const run = this.#pending.then(f, f);
    this.#pending = run.catch(() => {});
    return run;
  }

  /** The next record, `{ done: true }` at the end. */
  next() {
    return this.#queue(async () => {
      if (!(await this.#fill())) return { done: true, value: undefined };
      this.#taken += 1;
      return { done: false, value: this.#buffer.shift() };
    });
  }

  /** The rest of the current page (fetching the next when needed); `[]` at the end. */
  nextPage() {
    return this.#queue(async () => {
      if (!(await this.#fill())) return [];
      const page = this.#buffer;
      this.#taken += page.length;
      this.#buffer = [];
      return page;
    });
  }

  /** Where the walk stands: `msgRecords({ cursor })` resumes with exactly the records not yet taken; `null` when done. */
  cursor() {
    return call(() => this.#walk.cursor(this.#taken, this.#buffer.length > 0));
  }

  /** Pages fetched so far. */
  get pagesFetched() {
    return this.#walk.pagesFetched();
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

function plainQuery(query) {
  if (typeof query === "string") {
    return Object.fromEntries(new URLSearchParams(query.includes("?") ? query.slice(query.indexOf("?") + 1) : query));
  }
  try {
    if (query instanceof URLSearchParams) return Object.fromEntries(query);
    if (query instanceof URL) return Object.fromEntries(query.searchParams);
  } catch {
    // a revoked Proxy: data() refuses it
  }
  return query;
}

/** The push (callback) side of one Official Account: URL check, opening pushes, replies. */
export class Webhook {
  #inner;

  constructor(options) {
    this.#inner = call(() => {
      strOptions(options, ["token", "encodingAesKey", "appId"]);
      return new WasmWebhook(options);
    });
  }

  /** Verifies a URL check (GET) and returns the `echostr` to answer with. */
  checkUrl(query, opts) {
    return call(() => this.#inner.checkUrl(data(plainQuery(query), "query", "query"), peek(opts, "now")));
  }

  /** Verifies, decrypts (safe mode) and parses a push (POST). */
  open(query, body, opts) {
    return call(() => this.#inner.open(data(plainQuery(query), "query", "query"), bytesArg(body, "body"), peek(opts, "now")));
  }

  /** The HTTP body answering `push`: plain or encrypted like the push; `success` for `{type: "success"}`. */
  reply(push, reply, opts) {
    return call(() => this.#inner.reply(push, data(reply, "reply", ""), peek(opts, "now"), peek(opts, "nonce"), peek(opts, "random")));
  }

  /**
   * Handles one fetch-style `Request` (Deno.serve, Workers, Bun): answers URL checks, opens
   * pushes and replies with what `onPush` returns (`success` when it returns nothing).
   * Refused pushes get 403, other methods 405.
   */
  async handle(request, onPush) {
    let query = null;
    try {
      query = new URL(request.url).searchParams;
    } catch {
      // not a Request: refused below
    }
    if (!query || typeof peek(request, "arrayBuffer") !== "function") throw invalid("request", "must be a fetch Request");
    if (typeof onPush !== "function") throw invalid("onPush", "must be a function");
    try {
      if (request.method === "GET") {
        return new Response(this.checkUrl(query), { headers: { "content-type": "text/plain" } });
      }
      if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
      const push = this.open(query, new Uint8Array(await request.arrayBuffer()));
      const reply = (await onPush(push.message, push)) ?? { type: "success" };
      return new Response(this.reply(push, reply), { headers: { "content-type": "application/xml" } });
    } catch (e) {
      // Refused pushes get 403; anything else (onPush's own errors included) propagates as is.
      if (e instanceof WxkfError && e.kind === "callback") {
        return new Response("forbidden", { status: 403 });
      }
      throw e;
    }
  }
}
