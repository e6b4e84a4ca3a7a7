// The public JS API of wxkf: thin classes over the WebAssembly core (generated in ../gen).
// Every behaviour (tokens, retries, validation, paging, push crypto) lives in the Rust core;
// this file only shapes arguments, wraps errors into WxkfError classes and adds iterators.
import { WasmClient, WasmWebhook } from "../gen/wxkf_wasm.js";

/** Base class of every error wxkf throws or rejects with. */
export class WxkfError extends Error {
  constructor(info) {
    super(info.message);
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
    this.reason = info.reason;
  }
}

/** The response could not be understood. */
export class DecodeError extends WxkfError {
  constructor(info) {
    super(info);
    this.name = "DecodeError";
    this.reason = info.reason;
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
    this.reason = info.reason;
  }
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

const signalOf = (opts) => opts?.signal;

/** The customer-service (kf) API client. */
export class Client {
  #inner;

  constructor(options) {
    this.#inner = call(() => new WasmClient(options));
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
    return callAsync(() => this.#inner.requestAccessToken(credentials, signalOf(opts)));
  }

  addKfAccount(kfAccount, nickname, opts) {
    return callAsync(() => this.#inner.addKfAccount(kfAccount, nickname, signalOf(opts)));
  }

  updateKfAccount(kfAccount, nickname, opts) {
    return callAsync(() => this.#inner.updateKfAccount(kfAccount, nickname, signalOf(opts)));
  }

  delKfAccount(kfAccount, opts) {
    return callAsync(() => this.#inner.delKfAccount(kfAccount, signalOf(opts)));
  }

  getKfList(opts) {
    return callAsync(() => this.#inner.getKfList(signalOf(opts)));
  }

  getKfOnlineList(opts) {
    return callAsync(() => this.#inner.getKfOnlineList(signalOf(opts)));
  }

  inviteWorker(kfAccount, inviteWx, opts) {
    return callAsync(() => this.#inner.inviteWorker(kfAccount, inviteWx, signalOf(opts)));
  }

  uploadKfHeadImg(kfAccount, image, opts) {
    return callAsync(() => this.#inner.uploadKfHeadImg(kfAccount, image, signalOf(opts)));
  }

  sendMessage(touser, message, opts) {
    return callAsync(() => this.#inner.sendMessage(touser, message, signalOf(opts)));
  }

  sendTyping(touser, command, opts) {
    return callAsync(() => this.#inner.sendTyping(touser, command, signalOf(opts)));
  }

  createKfSession(kfAccount, openid, opts) {
    return callAsync(() => this.#inner.createKfSession(kfAccount, openid, signalOf(opts)));
  }

  closeKfSession(kfAccount, openid, opts) {
    return callAsync(() => this.#inner.closeKfSession(kfAccount, openid, signalOf(opts)));
  }

  getKfSession(openid, opts) {
    return callAsync(() => this.#inner.getKfSession(openid, signalOf(opts)));
  }

  getKfSessionList(kfAccount, opts) {
    return callAsync(() => this.#inner.getKfSessionList(kfAccount, signalOf(opts)));
  }

  getWaitCaseList(opts) {
    return callAsync(() => this.#inner.getWaitCaseList(signalOf(opts)));
  }

  getMsgList(query, opts) {
    return callAsync(() => this.#inner.getMsgList(query, signalOf(opts)));
  }

  /** Every record of `[from, to)` (or from a saved `cursor`), as an async iterator. */
  msgRecords(options) {
    const walk = call(() => this.#inner.msgRecords(options));
    return new RecordIterator(walk, options?.signal);
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
  if (query instanceof URLSearchParams) return Object.fromEntries(query);
  if (query instanceof URL) return Object.fromEntries(query.searchParams);
  if (typeof query === "string") {
    return Object.fromEntries(new URLSearchParams(query.includes("?") ? query.slice(query.indexOf("?") + 1) : query));
  }
  return query;
}

/** The push (callback) side of one Official Account: URL check, opening pushes, replies. */
export class Webhook {
  #inner;

  constructor(options) {
    this.#inner = call(() => new WasmWebhook(options));
  }

  /** Verifies a URL check (GET) and returns the `echostr` to answer with. */
  checkUrl(query, opts) {
    return call(() => this.#inner.checkUrl(plainQuery(query), opts?.now));
  }

  /** Verifies, decrypts (safe mode) and parses a push (POST). */
  open(query, body, opts) {
    return call(() => this.#inner.open(plainQuery(query), body, opts?.now));
  }

  /** The HTTP body answering `push`: plain or encrypted like the push; `success` for `{type: "success"}`. */
  reply(push, reply, opts) {
    return call(() => this.#inner.reply(push, reply, opts?.now, opts?.nonce, opts?.random));
  }

  /**
   * Handles one fetch-style `Request` (Deno.serve, Workers, Bun): answers URL checks, opens
   * pushes and replies with what `onPush` returns (`success` when it returns nothing).
   * Refused pushes get 403, other methods 405.
   */
  async handle(request, onPush) {
    const query = new URL(request.url).searchParams;
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
