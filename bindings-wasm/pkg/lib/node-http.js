// Node's transport: requests over node:http / node:https with keep-alive agents (faster on Node
// 20+ than undici's `fetch`, measured in BENCHMARKS.md). The wasm calls `nodeFetch.wxkfRequest`
// once per request (the timeout inside, no AbortController or Response built); `nodeFetch`
// itself is the same transport shaped like `fetch(url, { method, headers, body, signal })`. A
// failure rejects with Node's own error (its `code`, e.g. ECONNREFUSED, ECONNRESET), a
// TimeoutError, or the signal's reason, which the wasm classifies as it does fetch's.
import http from "node:http";
import { createRequire } from "node:module";

/** Bytes a socket reads at a time (Node's own read size). */
const READ_SIZE = 65536;

/**
 * A keep-alive agent whose sockets each read into one buffer of their own (`onread`), handed to
 * the HTTP parser as `data`: Node otherwise allocates a new 64 KiB buffer per read, and a page of
 * records (~1.2 MB) leaves a megabyte of them for the next GC on top of the parser's own copies
 * of the body. The parser copies what it keeps (body pieces, unfinished headers) before
 * `execute` returns, so the buffer is free again when the next read comes.
 */
function agent(Agent) {
  const agent = new Agent({ keepAlive: true });
  const connect = agent.createConnection;
  agent.createConnection = function (options, callback) {
    let socket;
    const onread = { buffer: Buffer.allocUnsafe(READ_SIZE), callback: (n, buffer) => void socket.emit("data", buffer.subarray(0, n)) };
    socket = connect.call(this, { ...options, onread }, callback);
    return socket;
  };
  return agent;
}

/** The agent per protocol; node:https (and with it TLS) is loaded with the first https URL. */
const agents = { "http:": agent(http.Agent) };
let https;
function agentOf(protocol) {
  if (protocol === "https:" && agents[protocol] === undefined) {
    https = createRequire(import.meta.url)("node:https");
    agents[protocol] = agent(https.Agent);
  }
  return agents[protocol];
}

/** Request options per origin: a client sends to one or two, and parsing a URL per request costs. */
const origins = new Map();

/** The `http.request` options of `url` (its path as given: core's URLs are already encoded). */
function options(url, method, headers) {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  const origin = slash < 0 ? url : url.slice(0, slash);
  let base = origins.get(origin);
  if (base === undefined) {
    const u = new URL(origin);
    const hostname = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
    base = { protocol: u.protocol, hostname, port: u.port || undefined, agent: agentOf(u.protocol) };
    if (base.agent === undefined) throw new TypeError(`unsupported protocol ${u.protocol}`);
    if (u.username || u.password) base.auth = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    if (origins.size >= 64) origins.clear();
    origins.set(origin, base);
  }
  const { protocol, hostname, port, agent, auth } = base;
  return { protocol, hostname, port, agent, auth, path: slash < 0 ? "/" : url.slice(slash), method, headers };
}

const named = (name, message) => Object.assign(new Error(message), { name });

/**
 * One request: a Promise of `[status, contentType, chunks]` (the body's Buffers in order), or,
 * given a `sink`, of `[status, contentType]` with each body piece handed to
 * `sink(piece, contentLength)` as it arrives (the wasm copies it in: no piece outlives its `data`
 * event). Rejected with a TimeoutError after `timeoutMs` (the whole request); its
 * `cancel(reason)` ends the request (the call was dropped) and the sink is not called again.
 * Once it settles, nothing the request or its keep-alive socket keeps refers to the answer or
 * the chunks: the socket keeps its last request until the next one, and a page's megabytes
 * held that long outlive V8's young generation (they were freed only by a full GC).
 */
function request(url, method, headers, body, timeoutMs, sink) {
  let settle, timer, req;
  const feed = { sink }; // emptied once the request is over or cancelled
  const answer = new Promise((resolve, reject) => (settle = [resolve, reject]));
  const end = (i, value) => {
    if (settle === undefined) return;
    clearTimeout(timer);
    const f = settle[i];
    settle = undefined;
    feed.sink = undefined;
    f(value);
  };
  try {
    const opts = options(url, method, headers);
    if (body) headers["content-length"] = body.byteLength;
    req = (opts.protocol === "https:" ? https : http).request(opts, (res) => {
      let chunks = [];
      const length = Number(res.headers["content-length"]) || 0;
      res.on("data", sink ? (c) => feed.sink?.(c, length) : (c) => chunks.push(c));
      res.on("error", (e) => end(1, e));
      res.on("close", () => res.complete || end(1, Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })));
      res.on("end", () => {
        const body = chunks; // the wasm copies the chunks in: no concatenated copy here
        chunks = [];
        end(0, sink ? [res.statusCode, res.headers["content-type"]] : [res.statusCode, res.headers["content-type"], body]);
      });
    });
    req.on("error", (e) => end(1, e));
    if (timeoutMs > 0) timer = setTimeout(() => req.destroy(named("TimeoutError", "the request timed out")), timeoutMs);
    req.end(body);
  } catch (e) {
    end(1, e);
  }
  answer.cancel = cancel(answer, req, feed);
  return answer;
}

/** The `cancel(reason)` of a request's answer (kept out of `request`'s scope, which the request's listeners share). */
function cancel(answer, req, feed) {
  return (reason = named("AbortError", "the request was aborted")) => {
    feed.sink = undefined;
    answer.catch(() => {});
    req?.destroy(reason);
  };
}

/** What a `fetch` caller reads of a Response (`status`, `headers.get`, `arrayBuffer()`), without undici's. */
function response([status, type, chunks]) {
  const body = Buffer.concat(chunks);
  const headers = { get: (name) => (name.toLowerCase() === "content-type" ? (type ?? null) : null) };
  return { status, headers, arrayBuffer: () => Promise.resolve(body) };
}

/** The transport shaped like `fetch`: the signal aborts the request with its reason. */
export function nodeFetch(url, { method = "GET", headers, body, signal } = {}) {
  if (signal?.aborted) return Promise.reject(signal.reason);
  let pending;
  try {
    pending = request(url, method, { ...headers }, body, 0);
  } catch (e) {
    return Promise.reject(e);
  }
  const onAbort = () => pending.cancel(signal.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const done = () => signal?.removeEventListener("abort", onAbort);
  return pending.then(
    (answer) => (done(), response(answer)),
    (e) => {
      done();
      throw signal?.aborted ? signal.reason : e;
    },
  );
}
nodeFetch.wxkfRequest = request;
