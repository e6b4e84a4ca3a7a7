// Issue 8 end to end: the emulator pushes an encrypted user message to each webhook example
// (examples/node/webhook.mjs and examples/deno/webhook.ts as their own processes,
// examples/cloudflare-worker under workerd via miniflare); the example answers with
// `transfer_customer_service` to a named kf, and the emulator's state shows the user handed
// over. Also: forged pushes and URL checks are refused with 403, a signed URL check is echoed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { Client } from "wxkf";
import { APPID, SECRET, admin, startEmulator, startTransferringEmulator } from "./emulator.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const EXAMPLES = here("../../examples/");
const TOKEN = "js_callback_token";
const AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const KF = "carol@gh_emulator";

/** A URL-check query signed as WeChat does: sha1 of the sorted token, timestamp, nonce. */
function signedUrlCheck(now, echostr) {
  const nonce = "424242";
  const signature = createHash("sha1").update([TOKEN, String(now), nonce].sort().join("")).digest("hex");
  return new URLSearchParams({ signature, timestamp: String(now), nonce, echostr }).toString();
}

/** Runs a webhook example as a process; resolves once it prints `listening on URL`. */
function startProcess(command, args, env, cwd) {
  const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`webhook example ${args.join(" ")} exited with ${code}: ${err}`)));
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        child.removeAllListeners("exit");
        resolve({
          url: m[1],
          output: () => out,
          errors: () => err,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once("exit", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    });
  });
}


const HOOK_ENV = { WXKF_TOKEN: TOKEN, WXKF_AES_KEY: AES_KEY, WXKF_APPID: APPID, WXKF_TRANSFER_KF: KF };

const examples = {
  node: () => startProcess(process.execPath, [`${EXAMPLES}node/webhook.mjs`], HOOK_ENV),
  deno: () =>
    startProcess(
      here("node_modules/.bin/deno"),
      ["run", "--quiet", "--allow-net", "--allow-read", "--allow-env", "webhook.ts"],
      { ...HOOK_ENV, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
      `${EXAMPLES}deno`,
    ),
  worker: () => startWorker(),
};

/** The Cloudflare Worker example under workerd (miniflare), listening on a loopback port. */
async function startWorker(extraBindings = {}, kvNamespaces = []) {
  const { Miniflare } = await import("miniflare");
  const pkgDir = here("node_modules/wxkf/");
  const pkg = JSON.parse(readFileSync(`${pkgDir}package.json`, "utf8"));
  const entry = pkg.exports["."].workerd.replace(/^\.\//, "");
  const file = (path, type = "ESModule") => ({ type, path: `node_modules/wxkf/${path}`, contents: readFileSync(`${pkgDir}${path}`) });
  let logs = "";
  const mf = new Miniflare({
    modules: [
      { type: "ESModule", path: "worker.js", contents: readFileSync(`${EXAMPLES}cloudflare-worker/src/worker.js`, "utf8") },
      // what wrangler's bundler does for `import "wxkf"`: the entry of the "workerd" condition
      { type: "ESModule", path: "wxkf", contents: `export * from "./node_modules/wxkf/${entry}";` },
      // the package's own files (its package.json "files"): the entry, lib/, the generated glue
      ...pkg.files.filter((f) => f.startsWith("lib/") || f === entry || f === "gen/wxkf_wasm.js").map((f) => file(f)),
      file("gen/wxkf_wasm_bg.wasm", "CompiledWasm"),
    ],
    compatibilityDate: "2025-01-01",
    bindings: { ...HOOK_ENV, ...extraBindings },
    kvNamespaces,
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio(stdout, stderr) {
      stdout.on("data", (d) => {
        logs += d;
      });
      stderr.on("data", (d) => {
        logs += d;
      });
    },
  });
  const url = String(await mf.ready).replace(/\/$/, "");
  return { url, output: () => logs, errors: () => logs, stop: () => mf.dispose() };
}

for (const [runtime, start] of Object.entries(examples)) {
  test(`${runtime} example: the emulator pushes an encrypted message; the example transfers it to a named kf`, async () => {
    await transferToNamedKf(await start(), runtime);
  });
}

async function transferToNamedKf(hook, runtime) {
  const emu = await startEmulator(["--aes-key", AES_KEY, "--callback-token", TOKEN, "--webhook-url", `${hook.url}/wechat`]);
  try {
    const client = new Client({ appId: APPID, appSecret: SECRET, baseUrl: emu.baseUrl });
    await client.addKfAccount(KF, "Carol");
    await client.addKfAccount("dave@gh_emulator", "Dave");
    for (const kf of ["dave@gh_emulator", KF]) {
      await admin(emu.baseUrl, "kf/bind", { kf_account: kf }); // as if it accepted an invitation
      await admin(emu.baseUrl, "kf/online", { kf_account: kf });
    }

    const sent = await admin(emu.baseUrl, "user/message", { openid: "oPushUser0001", content: "我要找人工客服" });
    assert.equal(sent.push.delivered, true, JSON.stringify(sent));
    assert.equal(sent.push.status, 200, JSON.stringify(sent));
    assert.equal(sent.push.reply_kind, "transfer_customer_service", JSON.stringify(sent));
    assert.match(sent.push.reply_xml ?? "", /<KfAccount><!\[CDATA\[carol@gh_emulator\]\]><\/KfAccount>/, "the decrypted reply names the kf");

    const state = await admin(emu.baseUrl, "state");
    const session = state.sessions.find((s) => s.openid === "oPushUser0001");
    assert.ok(session, `a session: ${JSON.stringify(state.sessions)}`);
    assert.equal(session.kf_account, KF, "handed to the named kf, not Dave");
    assert.ok(!state.wait_queue.some((w) => w.openid === "oPushUser0001"), "not left in the queue");
    // and through the API too
    assert.equal((await client.getKfSession("oPushUser0001")).kf_account, KF);

    // the kf_create_session push that follows reaches the example too (sent in the background)
    for (let i = 0; i < 50 && !hook.output().includes("kf_create_session"); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(hook.output(), /session event kf_create_session for oPushUser0001/);

    // a URL check is answered with echostr; a forged push gets 403
    const now = Math.floor(Date.now() / 1000);
    const forged = await fetch(`${hook.url}/wechat?signature=00&timestamp=${now}&nonce=1&encrypt_type=aes&msg_signature=00`, {
      method: "POST",
      body: "<xml><ToUserName>x</ToUserName><Encrypt>AAAA</Encrypt></xml>",
    });
    assert.equal(forged.status, 403);
    for (let i = 0; runtime === "node" && i < 50 && !hook.errors().includes("refused a push"); i++) await new Promise((r) => setTimeout(r, 50));
    if (runtime === "node") assert.match(hook.errors(), /refused a push: signature/);
    const bad = await fetch(`${hook.url}/wechat?signature=00&timestamp=${now}&nonce=1&echostr=hello`);
    assert.equal(bad.status, 403);
    // a correctly signed URL check (signed here with the package's own push API) is echoed
    const url = signedUrlCheck(now, "echo_me_123");
    const check = await fetch(`${hook.url}/wechat?${url}`);
    assert.equal(check.status, 200);
    assert.equal(await check.text(), "echo_me_123");
  } finally {
    await emu.stop();
    await hook.stop();
  }
}

test("without a named kf, or with the kf offline, the transferred user waits in the queue", async () => {
  const hook = await examples.node();
  const emu = await startEmulator([
    "--aes-key", AES_KEY, "--callback-token", TOKEN, "--webhook-url", `${hook.url}/wechat`,
  ]);
  try {
    const client = new Client({ appId: APPID, appSecret: SECRET, baseUrl: emu.baseUrl });
    await client.addKfAccount(KF, "Carol"); // exists but offline
    const sent = await admin(emu.baseUrl, "user/message", { openid: "oPushUser0002", content: "hi" });
    assert.equal(sent.push.reply_kind, "transfer_customer_service", JSON.stringify(sent));
    const state = await admin(emu.baseUrl, "state");
    assert.ok(state.wait_queue.some((w) => w.openid === "oPushUser0002"), `queued: ${JSON.stringify(state.wait_queue)}`);
    assert.equal((await client.getWaitCaseList()).waitcaselist[0].openid, "oPushUser0002");
  } finally {
    await emu.stop();
    await hook.stop();
  }
});

test("worker example: /wait-queue through a token broker (the worker holds no AppSecret)", async () => {
  const emu = await startTransferringEmulator();
  const client = new Client({ appId: APPID, appSecret: SECRET, baseUrl: emu.baseUrl });
  let brokered = 0;
  const broker = createServer(async (req, res) => {
    brokered += 1;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ accessToken: await client.accessToken(), expiresAt: Date.now() + 3600_000 }));
  });
  await new Promise((r) => broker.listen(0, "127.0.0.1", r));
  const worker = await startWorker({ WXKF_BASE_URL: emu.baseUrl, TOKEN_BROKER_URL: `http://127.0.0.1:${broker.address().port}/token` });
  try {
    await admin(emu.baseUrl, "user/message", { openid: "oQueued0001", content: "hello" });
    const r = await fetch(`${worker.url}/wait-queue`);
    assert.equal(r.status, 200);
    const queue = await r.json();
    assert.equal(queue.count, 1, JSON.stringify(queue));
    assert.equal(queue.waitcaselist[0].openid, "oQueued0001");
    assert.equal(brokered, 1, "the token came from the broker");
  } finally {
    await worker.stop();
    await new Promise((r) => broker.close(r));
    await emu.stop();
  }
});

test("worker example: /bot answers WeChat at once and the user by kf message from ctx.waitUntil", async () => {
  const emu = await startEmulator(["--aes-key", AES_KEY, "--callback-token", TOKEN]);
  const client = new Client({ appId: APPID, appSecret: SECRET, baseUrl: emu.baseUrl });
  const broker = createServer(async (req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ accessToken: await client.accessToken(), expiresAt: Date.now() + 3600_000 }));
  });
  await new Promise((r) => broker.listen(0, "127.0.0.1", r));
  const worker = await startWorker({ WXKF_BASE_URL: emu.baseUrl, TOKEN_BROKER_URL: `http://127.0.0.1:${broker.address().port}/token` }, ["WXKF_GUARDS"]);
  try {
    await admin(emu.baseUrl, "config", { webhook_url: `${worker.url}/bot` });
    const sent = await admin(emu.baseUrl, "user/message", { openid: "oBotUser0001", content: "ping" });
    assert.ok(sent.push.delivered && sent.push.attempts === 1, JSON.stringify(sent));
    assert.equal(sent.push.reply_kind, "none", "answered `success` at once: the answer goes by kf message");
    let delivered = [];
    for (let i = 0; i < 100 && delivered.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      delivered = (await admin(emu.baseUrl, "deliveries")).deliveries.filter((d) => d.touser === "oBotUser0001");
    }
    assert.equal(delivered.length, 1, "the kf message sent from ctx.waitUntil");
    assert.match(JSON.stringify(delivered[0]), /you said: ping/);
  } finally {
    await worker.stop();
    await new Promise((r) => broker.close(r));
    await emu.stop();
  }
});

test("node client example runs against the emulator", async () => {
  const emu = await startEmulator();
  try {
    const out = await new Promise((resolve, reject) => {
      execFile(process.execPath, [`${EXAMPLES}node/client.mjs`], {
        env: { ...process.env, WXKF_BASE_URL: emu.baseUrl, WXKF_APPID: APPID, WXKF_SECRET: SECRET },
        timeout: 30_000,
      }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    assert.match(out, /kf accounts: alice@gh_emulator/);
    assert.match(out, /waiting users: 0/);
    // the user never wrote in: WeChat's 40003, printed as a typed error
    assert.match(out, /MessageError INVALID_OPENID \(40003\)/);
  } finally {
    await emu.stop();
  }
});
