// Node rows for BENCHMARKS.md: wxkf (wasm, this repository's built package) on each of its Node
// transports (node:http, the default on Node; `fetch` when passed in the options) against raw
// `fetch` and wechat-api (the most used npm SDK for this API), same emulator, same workloads.
// Usage: node bench.mjs URL SECONDS — prints one JSON object per row.
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import WechatAPI from "wechat-api";

const [url, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 5);
const APPID = "wxemulator0000001", SECRET = "emulator_secret", USER = "oBENCH_user_0001";

// Instantiate time and size of the shipped wasm.
const wasmUrl = new URL("../pkg/gen/wxkf_wasm_bg.wasm", import.meta.url);
const bytes = readFileSync(wasmUrl);
let t = performance.now();
await WebAssembly.compile(bytes);
const compileMs = performance.now() - t;
t = performance.now();
const { Client } = await import("../pkg/node.js");
const importMs = performance.now() - t;
console.log(JSON.stringify({ runtime: "node", contender: "wxkf", workload: "package",
  wasm_gzip_kib: Math.round(gzipSync(bytes, { level: 9 }).length / 102.4) / 10,
  wasm_compile_ms: Math.round(compileMs * 10) / 10, import_ms: Math.round(importMs * 10) / 10 }));

const client = new Client({ appId: APPID, appSecret: SECRET, baseUrl: url });
const viaFetch = new Client({ appId: APPID, appSecret: SECRET, baseUrl: url, fetch: globalThis.fetch });
const token = await client.accessToken();
const api = new WechatAPI(APPID, SECRET, (cb) => cb(null, { accessToken: token, expireTime: Date.now() + 3600e3 }),
  (_t, cb) => cb(null));
api.endpoint = url; // its base is https://api.weixin.qq.com: point it at the emulator
const cbp = (f) => new Promise((ok, fail) => f((err, r) => (err ? fail(err) : ok(r))));
const rawOk = async (resp) => { const v = await resp.json(); if (v.errcode) throw new Error(`errcode ${v.errcode}`); };

const calls = {
  get_kf_list: {
    "raw fetch": () => fetch(`${url}/cgi-bin/customservice/getkflist?access_token=${token}`).then(rawOk),
    wxkf: () => client.getKfList(),
    "wxkf (fetch)": () => viaFetch.getKfList(),
    "wechat-api": () => cbp((cb) => api.getCustomServiceList(cb)),
  },
  send_text: {
    "raw fetch": (i) => fetch(`${url}/cgi-bin/message/custom/send?access_token=${token}`, {
      method: "POST", headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ touser: USER, msgtype: "text", text: { content: `bench ${i}` } }),
    }).then(rawOk),
    wxkf: (i) => client.sendMessage(USER, { text: { content: `bench ${i}` } }),
    "wxkf (fetch)": (i) => viaFetch.sendMessage(USER, { text: { content: `bench ${i}` } }),
    "wechat-api": (i) => cbp((cb) => api.sendText(USER, `bench ${i}`, cb)),
  },
};

async function cell(contender, workload, concurrency, call, secs) {
  const deadline = performance.now() + secs * 1000;
  const lat = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = w * 1e9; performance.now() < deadline; i++) {
      const t0 = performance.now();
      try { await call(i); } catch { errors++; }
      lat.push(performance.now() - t0);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  lat.sort((a, b) => a - b);
  const pick = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.round((lat.length - 1) * p))] : 0);
  return { runtime: "node", contender, workload, concurrency, calls: lat.length, errors,
    calls_per_sec: lat.length / elapsed, p50_ms: pick(0.5), p99_ms: pick(0.99) };
}

for (const [workload, contenders] of Object.entries(calls)) {
  for (const concurrency of [1, 32]) {
    for (const [name, call] of Object.entries(contenders)) {
      await cell(name, workload, concurrency, call, Math.min(0.3, seconds / 5)); // warm-up
      console.log(JSON.stringify(await cell(name, workload, concurrency, call, seconds)));
    }
  }
}

// 100 concurrent calls on a cold cache: a fresh client, one token fetch expected.
const before = (await (await fetch(`${url}/__admin/token-fetches`)).json()).token_fetches.length;
const cold = new Client({ appId: APPID, appSecret: SECRET, baseUrl: url });
t = performance.now();
const results = await Promise.allSettled(Array.from({ length: 100 }, () => cold.getKfList()));
const ms = performance.now() - t;
const after = (await (await fetch(`${url}/__admin/token-fetches`)).json()).token_fetches.length;
console.log(JSON.stringify({ runtime: "node", contender: "wxkf", workload: "cold_100", concurrency: 100,
  all_done_ms: ms, token_fetches: after - before, errors: results.filter((r) => r.status === "rejected").length }));
