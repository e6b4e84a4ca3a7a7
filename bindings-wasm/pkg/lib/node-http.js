// Node's transport: a `fetch`-like function over node:http / node:https with keep-alive agents
// (faster on Node 20+ than undici's `fetch`, measured in BENCHMARKS.md). The wasm's transport
// calls it like `fetch(url, { method, headers, body, signal })` and reads the Response; a
// failure rejects with Node's own error (its `code`, e.g. ECONNREFUSED, ECONNRESET) or the
// signal's reason (AbortError / TimeoutError), which the wasm classifies as it does fetch's.
import http from "node:http";
import https from "node:https";

const agents = { "http:": new http.Agent({ keepAlive: true }), "https:": new https.Agent({ keepAlive: true }) };

/**
 * What the wasm's transport reads of a Response (`status`, `headers.get("content-type")`,
 * `arrayBuffer()`), without a real one: undici builds those slowly (~15 µs each on Node 20) and
 * touching `Response` or `Headers` at all loads undici (~9 MiB). Only the wasm sees it.
 */
function answer(status, type, body) {
  const headers = { get: (name) => (name.toLowerCase() === "content-type" ? (type ?? null) : null) };
  return { status, headers, arrayBuffer: () => Promise.resolve(body) };
}

export function nodeFetch(url, { method = "GET", headers, body, signal } = {}) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const target = new URL(url);
    const head = { ...headers }; // the wasm passes a plain object
    if (body) head["content-length"] = body.byteLength;
    const onAbort = () => request.destroy(signal.reason);
    const fail = (e) => {
      signal?.removeEventListener("abort", onAbort);
      reject(signal?.aborted ? signal.reason : e);
    };
    const request = (target.protocol === "https:" ? https : http).request(target, { method, headers: head, agent: agents[target.protocol] }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", fail);
      res.on("close", () => res.complete || fail(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })));
      res.on("end", () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(answer(res.statusCode, res.headers["content-type"], Buffer.concat(chunks)));
      });
    });
    request.on("error", fail);
    signal?.addEventListener("abort", onAbort, { once: true });
    request.end(body);
  });
}
