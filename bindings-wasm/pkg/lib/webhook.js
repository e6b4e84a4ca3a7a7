// The Webhook: core's push endpoint in the wasm (URL check, opening pushes, replies), with
// the runtime's clock and entropy, and a handler for fetch-style Requests.
import { WasmWebhook, isUserMessage } from "../gen/wxkf_wasm.js";
import { CallbackError, TYPING_REFRESH_MS } from "./generated.js";
import { OPEN_ARGS, camelField, invalid, json, read, seconds, snakeOptions, toError } from "./client.js";

/** Runs `f`; what it throws becomes a ValidationError naming `field` (a Proxy's trap, say). */
function guard(field, f) {
  try {
    return f();
  } catch (e) {
    throw invalid(field, e);
  }
}

/** A query as a plain object: URLSearchParams, a URL and a query string are read as such. */
const plainQuery = (query) =>
  guard("query", () => {
    if (typeof query === "string") return Object.fromEntries(new URLSearchParams(query.slice(query.indexOf("?") + 1)));
    if (query instanceof URLSearchParams) return Object.fromEntries(query);
    return query instanceof URL ? Object.fromEntries(query.searchParams) : query;
  });

/** Bytes of a body given as text, a Uint8Array or an ArrayBuffer. */
const bodyBytes = (body) =>
  guard("body", () => {
    if (typeof body === "string") return new TextEncoder().encode(body);
    if (body instanceof ArrayBuffer) return new Uint8Array(body);
    if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    throw new TypeError("must be a string, a Uint8Array or an ArrayBuffer");
  });

/** `now` in unix seconds: the option (a number or a Date) or the clock. */
const now = (options) => seconds(read(options, "now")) ?? Math.floor(Date.now() / 1000);

/** Runs a call into the wasm, its thrown error view as a WxkfError. */
function run(f) {
  try {
    return f();
  } catch (e) {
    throw toError(e);
  }
}

/** The push (callback) side of one Official Account: URL check, opening pushes, replies. */
export class Webhook {
  #inner;

  constructor(options) {
    try {
      this.#inner = new WasmWebhook(json(snakeOptions(options)[0]));
    } catch (e) {
      throw camelField(toError(e));
    }
  }

  /** Verifies a URL check (GET) and returns the `echostr` to answer with. */
  checkUrl(query, options) {
    return run(() => this.#inner.checkUrl(json({ query: plainQuery(query), now: now(options) })));
  }

  /** Verifies, decrypts (safe mode) and parses a push (POST); replays are refused. */
  open(query, body, options) {
    return run(() => JSON.parse(this.#inner.open(...this[OPEN_ARGS](query, body, options).slice(1))));
  }

  /** What the wasm opens a push from: `[wasm webhook, {query, now} as JSON, body bytes]`. */
  [OPEN_ARGS](query, body, options) {
    return [this.#inner, json({ query: plainQuery(query), now: now(options) }), bodyBytes(body)];
  }

  /** The HTTP body answering `push`: plain or encrypted like the push; `success` for `{type: "success"}`. */
  reply(push, reply, options) {
    // The parts of the push a reply needs, named by their place in it.
    const at = (path) => guard(path, () => path.split(".").slice(1).reduce((o, k) => o?.[k], push));
    const parts = ["to_user_name", "from_user_name", "type", "msg_type"].map((k) => `push.message.${k}`).concat("push.encrypted");
    const args = { ...Object.fromEntries(parts.map((p) => [p, at(p)])), reply, now: now(options) };
    Object.assign(args, { nonce: read(options, "nonce"), random: read(options, "random") });
    return run(() => this.#inner.reply(json(args), crypto.getRandomValues(new Uint8Array(24))));
  }

  /**
   * Handles one fetch-style `Request` (Deno.serve, Workers, Bun): answers URL checks, opens
   * pushes and replies with what `onPush` returns (`success` when it returns nothing).
   * Refused pushes get 403, other methods 405.
   */
  async handle(request, onPush) {
    const query = guard("request", () => new URL(request.url).searchParams);
    if (typeof read(request, "arrayBuffer") !== "function") throw invalid("request", "must be a fetch Request");
    if (typeof onPush !== "function") throw invalid("onPush", "must be a function");
    try {
      if (request.method === "GET") return new Response(this.checkUrl(query), { headers: { "content-type": "text/plain" } });
      if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
      const push = this.open(query, new Uint8Array(await request.arrayBuffer()));
      const reply = (await onPush(push.message, push)) ?? { type: "success" };
      return new Response(this.reply(push, reply), { headers: { "content-type": "application/xml" } });
    } catch (e) {
      // Refused pushes get 403; anything else (onPush's own errors included) propagates as is.
      if (e instanceof CallbackError) return new Response("forbidden", { status: 403 });
      throw e;
    }
  }

  /**
   * WeChat's 5-second rule: handles a fetch-style Request like `handle`, but a push is
   * accepted (`client.acceptPush`) and answered `success` at once, while `handler(push)` runs
   * afterwards with "typing…" shown to the user, kept alive by `waitUntil` (a Worker's
   * `ctx.waitUntil`). A retry of a push already accepted is answered, not handled again.
   */
  async dispatch(request, client, handler, options) {
    const query = guard("request", () => new URL(request.url).searchParams);
    if (typeof read(request, "arrayBuffer") !== "function") throw invalid("request", "must be a fetch Request");
    if (typeof read(client, "acceptPush") !== "function") throw invalid("client", "must be a Client");
    if (typeof handler !== "function") throw invalid("handler", "must be a function");
    const waitUntil = read(options, "waitUntil");
    if (waitUntil !== undefined && typeof waitUntil !== "function") throw invalid("waitUntil", "must be a function");
    try {
      if (request.method === "GET") return new Response(this.checkUrl(query), { headers: { "content-type": "text/plain" } });
      if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
      const accepted = await client.acceptPush(this, query, new Uint8Array(await request.arrayBuffer()));
      if (!accepted.duplicate) {
        const done = work(client, accepted.push, handler);
        if (waitUntil) waitUntil(done);
      }
      return new Response("success", { headers: { "content-type": "text/plain" } });
    } catch (e) {
      if (e instanceof CallbackError) return new Response("forbidden", { status: 403 });
      throw e;
    }
  }
}

/** Runs `handler(push)` with "typing…" shown to the sender of a user message (again every TYPING_REFRESH_MS until it is done); never rejects. */
async function work(client, push, handler) {
  const { type, msg_type: msgType, from_user_name: user } = push.message;
  let [timer, done] = [undefined, !isUserMessage(type, msgType ?? undefined)];
  const keep = async () => {
    // Typing is a courtesy: its failure (45080, 45081 …) stops the refreshes, never the handler.
    const shown = await client.sendTyping(user, "Typing").then(() => true, () => false);
    if (shown && !done) timer = setTimeout(keep, TYPING_REFRESH_MS);
  };
  if (!done) await keep(); // before the handler can send its answer, then again while it works
  try {
    await handler(push);
  } catch (e) {
    console.error("wxkf: the push handler threw", e);
  } finally {
    done = true;
    clearTimeout(timer);
  }
}
